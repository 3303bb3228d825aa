import streamlit as st

st.title("Sequential models")
st.write(
    "Coming later: training the per-horizon LightGBM models (10 and 20 minutes) that predict "
    "the 60-minute verdict, and the cascade that combines them."
)
