import streamlit as st

st.title("Weak supervision")
st.write(
    "Coming later: the labeling functions, their coverage, overlaps and conflicts, and the "
    "training labels the Snorkel label model derives from them."
)
