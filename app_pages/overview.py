import streamlit as st

from fdd.reference import CHANGE_OUTAGE_SHARE, CHANGE_OUTAGE_SOURCE, DATADOG_REPORTED_URL
from ui_common import DEFAULT_N, DEFAULT_SEED

st.title("Faulty deployment detection")

st.markdown(
    f"Most production incidents start with a change: about {CHANGE_OUTAGE_SHARE:.0%} of outages follow a change "
    f"to a live system ({CHANGE_OUTAGE_SOURCE}, as [Datadog's engineering blog]({DATADOG_REPORTED_URL}) cites "
    "it). Catching a bad version while it is still rolling out, from the telemetry that the old and the new "
    "version emit side by side, lets a team roll back before most users notice. Nobody labels deployments as "
    "faulty, though, so there is nothing to train a model on at first."
)
st.markdown(
    "This app retraces the answer of Datadog's Automatic Faulty Deployment Detection in three steps. "
    "**Statistical checks** compare the new version with the previous one and call a deployment faulty only "
    "when all of them agree after 60 minutes. **Sequential LightGBM models** learn to predict that 60-minute "
    "verdict from the first 10 and 20 minutes, and a **cascade** flags a deployment at the first horizon whose "
    "model fires. **Weak supervision** then replaces the checks' verdict as training target: noisy after-the-fact "
    "hints (rollbacks, short lifetimes, incidents) and the checks are combined by a Snorkel label model into "
    "labels that Datadog found better. Here every step is measured against the simulator's truth, so you can "
    "see where each one helps and where it does not: on some fleets the weak labels are no better than the "
    "checks' own vote."
)

st.graphviz_chart(
    """
    digraph journey {
        rankdir=LR; bgcolor="transparent";
        node [shape=box, style="rounded,filled", fillcolor="#F4F1FA", color="#632CA6", fontname="sans-serif",
              fontsize=11];
        edge [color="#5b5b5b", fontname="sans-serif", fontsize=9];
        fleet [label="fleet of deployments\\n(telemetry per version)"];
        checks [label="statistical checks\\n(impact, persistence, ...)"];
        ensemble [label="ensemble:\\nunanimous vote at 60 min"];
        models [label="sequential models\\n(LightGBM at 10 / 20 / 60 min)"];
        cascade [label="cascade:\\nflag at the first horizon", fillcolor="#E4DAF5"];
        weak [label="weak signals\\n(rollback, lifetime, incident)"];
        lm [label="label model\\n(Snorkel)"];
        labels [label="training labels"];
        fleet -> checks -> ensemble;
        ensemble -> models [label="step 2: target"];
        fleet -> models [label="features at h"];
        models -> cascade;
        weak -> lm; checks -> lm [style=dashed];
        lm -> labels;
        labels -> models [label="step 3: weak labels as target", color="#632CA6", fontcolor="#632CA6"];
    }
    """,
    width="stretch",
)
st.caption("Data flows one way. Ground truth, known only in simulation, is used to measure, never to train.")

st.subheader("What each page lets you try")
st.markdown(
    "- **Unsupervised checks**: build one deployment (a fault, or a confounder that only looks like one) and see "
    "which checks vote faulty and why; then watch each added check remove false positives across the fleet.\n"
    "- **Sequential models**: train the 10/20/60-minute models, move the target precision and trade early "
    "coverage against precision.\n"
    "- **Weak supervision**: switch labeling functions on and off and see what the label model makes of them.\n"
    "- **Results**: every approach side by side on the same fleet, next to Datadog's reported figures.\n"
    "- **Your data**: upload your own per-version telemetry (or the bundled sample) and score it."
)

st.subheader("Start here: a 30-minute path for a class")
st.markdown(
    f"1. Keep the sidebar's fleet at its defaults ({DEFAULT_N:,} deployments, seed {DEFAULT_SEED}); the URL keeps "
    "the choice, so share it and everybody sees the same fleet.\n"
    "2. **Unsupervised checks**: pick the scenario `restart_blip`, then `error_step`. Which check tells them apart?\n"
    "3. Still there, read the refinement table: which confounder does each added check stop flagging, and "
    "which checks stop none but cost true faults instead?\n"
    "4. **Sequential models**: note the coverage at 10 and 20 minutes (the share of the 60-minute verdicts "
    "already raised); raise the target precision and watch it fall.\n"
    "5. **Weak supervision**: turn off the rollback labeling function. Do the labels get better or worse?\n"
    "6. **Results**: compare coverage at 10/20 minutes and precision on disagreements with Datadog's figures. "
    "Then change the seed in the sidebar: which conclusions survive another fleet?\n"
    "7. **Your data**: download the template, look at the bundled sample's flags and their reasons."
)
