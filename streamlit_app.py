"""Entry point: page frame and the sidebar controls shared by every page."""

import streamlit as st

from ui_common import fleet_controls

st.set_page_config(page_title="fdd — faulty deployment detection", layout="wide")

page = st.navigation(
    [
        st.Page("app_pages/overview.py", title="Overview", default=True),
        st.Page("app_pages/unsupervised.py", title="Unsupervised checks"),
        st.Page("app_pages/sequential.py", title="Sequential models"),
        st.Page("app_pages/weak_supervision.py", title="Weak supervision"),
        st.Page("app_pages/results.py", title="Results"),
        st.Page("app_pages/your_data.py", title="Your data"),
    ]
)
fleet_controls()
page.run()
