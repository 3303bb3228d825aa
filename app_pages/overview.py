import streamlit as st

st.title("Faulty deployment detection")

st.markdown(
    "Most production incidents start with a change: about 70% of them follow a deployment. "
    "Catching a bad version while it is still rolling out, from the telemetry that the old and "
    "the new version emit side by side, lets a team roll back before most users notice."
)
st.markdown(
    "This app follows the journey of Datadog's Automatic Faulty Deployment Detection in three "
    "stages. First, **unsupervised statistical checks** compare the new version with the old "
    "one, and a deployment is called faulty only when they agree unanimously after 60 minutes. "
    "Second, **sequential LightGBM models** learn to predict that 60-minute verdict much "
    "earlier, at 10 and 20 minutes. Third, **weak supervision** combines noisy hints such as "
    "rollbacks, short lifetimes and incidents with a Snorkel label model to produce better "
    "training labels."
)
st.markdown(
    "Every page works on a simulated fleet of deployments whose size and seed you choose in "
    "the sidebar; the URL keeps that choice, so a shared link shows the same view."
)

st.subheader("What you can try")
st.markdown(
    "- **Unsupervised checks**: inspect the statistical checks on one deployment and across the fleet.\n"
    "- **Sequential models**: train the early-warning models and compare horizons.\n"
    "- **Weak supervision**: look at the labeling functions and what the label model makes of them.\n"
    "- **Results**: compare the approaches on precision, recall and time to detection.\n"
    "- **Your data**: upload your own per-version telemetry and score it."
)
