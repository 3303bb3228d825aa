import streamlit as st

st.title("Your data")
st.write(
    "Coming later: upload per-version telemetry as CSV or Parquet, validate it against the data "
    "contract and score it with the checks and models."
)
