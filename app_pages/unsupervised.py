import streamlit as st

st.title("Unsupervised checks")
st.write(
    "Coming with issue 3: a single-deployment explorer of the statistical checks and the "
    "fleet-level iteration table."
)
