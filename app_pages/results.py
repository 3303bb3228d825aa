import streamlit as st

st.title("Results")
st.write(
    "Coming later: precision, recall, coverage by horizon and time to detection of every "
    "approach, side by side with a Kayenta-style canary judge."
)
