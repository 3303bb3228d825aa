"""Sequential models: LightGBM at 10, 20 and 60 minutes that predict the 60-minute verdict.

Thin UI: read widgets, call `fdd`, draw. Models come from `ui_common.trained_sequential`, numbers
from `fdd.metrics`, charts from `fdd.charts_sequential`.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from fdd import charts_sequential as cs
from fdd.features import FEATURE_SETS
from fdd.metrics import cascade_summary
from fdd.reference import DATADOG_REPORTED_FIGURES, DATADOG_REPORTED_SOURCE
from fdd.sequential import scores_frame
from ui_common import current_fleet, keep, show_error, simulated_fleet, trained_sequential

FEATURE_SET_HELP = {
    "basic": "basic — the checks' statistics and verdicts",
    "domain": "domain — + traffic profile, canary share and the shape of the excess",
    "full": "full — + the recent half of the window and baseline volatility",
}
PRECISION_MIN, PRECISION_MAX, PRECISION_DEFAULT = 0.5, 0.99, 0.9
EXTRA_HORIZONS = (30, 40, 50)
MISSING = "—"  # shown for a number that does not exist (e.g. a precision with no flag to measure)
_DATADOG_TTD = next(f.after for f in DATADOG_REPORTED_FIGURES if f.key == "ttd_multiple")
DATADOG_TTD_TEXT = f"Datadog reports {_DATADOG_TTD:.2f} × 60 ({DATADOG_REPORTED_SOURCE})"


def shown(value: float, spec: str, suffix: str = "") -> str:
    """`value` formatted with `spec` (plus `suffix`), or "—" when it is NaN or None.

    At a high target precision on a small fleet the 10- and 20-minute thresholds can be infinite
    (no cut is precise enough), so early precision and time to detection have nothing to measure.
    """
    if value is None or not np.isfinite(value):
        return MISSING
    return f"{value:{spec}}{suffix}"

st.title("Sequential models")
st.markdown(
    "The statistical checks need a full hour. Here one LightGBM model per horizon (10, 20 and 60 "
    "minutes, and any extra ones you add) learns to predict the checks' **60-minute verdict** from what is visible so far, and a "
    "**cascade** flags a deployment at the first horizon whose model fires. All numbers below are "
    "out-of-fold: no deployment is judged by a model that trained on it. Try another feature set or "
    "move the target precision, and watch coverage at 10 and 20 minutes trade against precision."
)

n, seed = current_fleet()
left, middle, right = st.columns(3)
feature_set = left.selectbox("Feature set", FEATURE_SETS, key=keep("seq_feature_set", "full"),
                             format_func=FEATURE_SET_HELP.get,
                             help="What the models see at each horizon (each set extends the previous one).")
target_precision = middle.slider("Target precision", PRECISION_MIN, PRECISION_MAX, step=0.01,
                                 key=keep("seq_target_precision", PRECISION_DEFAULT),
                                 help="Each horizon's threshold is the cut with the most recall among those "
                                      "whose out-of-fold precision against the 60-minute ensemble reaches this; "
                                      "of cuts with equal recall, the highest.")
extra = right.multiselect("Extra horizons (min)", EXTRA_HORIZONS, key=keep("seq_extra_horizons", []),
                          help="Models at more minutes between 20 and 60 detect sooner on average, and each "
                               "one can also fire on deployments the full hour does not confirm "
                               "(`python -m fdd train --horizons` does the same).")
horizons = tuple(sorted({10, 20, 60, *extra}))

try:
    with st.status(f"Training {len(horizons)} models on {n:,} deployments (5-fold cross-fitting)…",
                   expanded=False) as status:
        fleet = simulated_fleet(n, seed)
        detector = trained_sequential(n, seed, feature_set, float(target_precision), horizons)
        status.update(label=f"Models ready: {n:,} deployments, feature set {feature_set!r}, "
                            f"{int(detector.labels_.sum())} positives of the 60-min ensemble", state="complete")
except ValueError as exc:
    show_error(exc)
    st.stop()

result = detector.oof_cascade()
target = detector.labels_
truth = fleet.deployments["label"].to_numpy() if "label" in fleet.deployments.columns else None
table = cs.horizon_table(detector.oof_proba_, detector.thresholds_, result, target, truth)
summary = cascade_summary(result.detected_minute, target, truth)

cols = st.columns(4)
cols[0].metric("Final flags by 20 min", shown(summary["share_by_early"], ".0%"),
               help="Share of the cascade's final flags already raised by minute 20 (at 10 or 20 minutes; "
                    "target: at least half). Not the coverage of the table below, which counts the 60-min "
                    "ensemble's positives.")
if truth is not None:
    ttd_multiple = shown(summary["ttd_multiple"], ".2f", " × 60 min")
    gain = summary["f1"] - summary["ensemble_f1"]
    # a gain that rounds to zero at the shown precision is no change: no sign, no arrow, no colour
    unchanged = bool(np.isfinite(gain)) and float(f"{gain:.3f}") == 0
    f1_gain = shown(abs(gain) if unchanged else gain, ".3f" if unchanged else "+.3f", " vs 60-min ensemble")
    cols[1].metric("Precision at 20 min (truth)", shown(summary["precision_early"], ".0%"),
                   help="Of the deployments flagged by minute 20, the share truly faulty.")
    cols[2].metric("Mean time to detection", shown(summary["ttd_minutes"], ".0f", " min"),
                   delta=None if ttd_multiple == MISSING else ttd_multiple, delta_color="off", delta_arrow="off",
                   help="Among detected faulty deployments, as minutes and as a multiple of the 60-minute "
                        f"checks. For reference, not measured here: {DATADOG_TTD_TEXT}.")
    cols[3].metric("Final F1 (truth)", shown(summary["f1"], ".2f"), delta=None if f1_gain == MISSING else f1_gain,
                   delta_color="off" if unchanged else "normal", delta_arrow="off" if unchanged else "auto",
                   help="The cascade's F1 against ground truth next to the checks' own.")

st.subheader("Per horizon")
per_horizon = table.assign(threshold=table["threshold"].where(np.isfinite(table["threshold"])))
percent = {"format": "percent"}
st.dataframe(
    per_horizon, hide_index=True, width="stretch", placeholder=MISSING,
    column_order=["horizon", "threshold", "flagged", "precision_target", "recall_target", "precision_truth",
                  "recall_truth", "coverage", "share_of_final"],
    column_config={
        "horizon": st.column_config.NumberColumn("horizon (min)", format="%d"),
        "threshold": st.column_config.NumberColumn(
            "threshold", format="%.3f", help=f"{MISSING}: no cut reaches the target precision; never fires."),
        "flagged": st.column_config.NumberColumn("model fires", help="Deployments this horizon's model flags."),
        "precision_target": st.column_config.NumberColumn(
            "precision vs ensemble", help=f"{MISSING}: the model fires on no deployment.", **percent),
        "recall_target": st.column_config.NumberColumn("recall vs ensemble", **percent),
        "precision_truth": st.column_config.NumberColumn(
            "precision vs truth", help=f"{MISSING}: the model fires on no deployment.", **percent),
        "recall_truth": st.column_config.NumberColumn("recall vs truth", **percent),
        "coverage": st.column_config.NumberColumn(
            "coverage", help="Share of the 60-min ensemble's flags the cascade has raised by this minute.", **percent),
        "share_of_final": st.column_config.NumberColumn("share of final flags", **percent),
    },
)
silent = [int(h) for h, cut in zip(table["horizon"], table["threshold"]) if not np.isfinite(cut)]
if silent:
    which = " and ".join(f"{h}-minute" for h in silent)
    at_lowest = float(target_precision) <= PRECISION_MIN
    advice = ("Even at the lowest target the slider allows, no cut reaches it: choose a larger fleet in the "
              "sidebar (more faulty deployments to learn from)." if at_lowest else
              "Lower the target precision, or choose a larger fleet in the sidebar (more faulty deployments to "
              "learn from).")
    st.info(f"The {which} model{'s' if len(silent) > 1 else ''} never fire{'' if len(silent) > 1 else 's'}: on "
            f"held-out folds no cut of {'their' if len(silent) > 1 else 'its'} score reaches the target precision "
            f"of {target_precision:.0%} on this fleet. {advice}")

left, right = st.columns(2)
left.altair_chart(cs.coverage_chart(table), width="stretch")
right.altair_chart(cs.detection_chart(cs.detection_frame(result, truth)), width="stretch")

left, right = st.columns(2)
left.altair_chart(cs.pr_chart(cs.pr_curves(detector.oof_proba_, detector.horizons_, target, truth), table),
                  width="stretch")
right.altair_chart(cs.importance_chart(cs.importance_frame(detector.feature_importances())), width="stretch")

st.subheader("One deployment")
flagged = np.flatnonzero(result.faulty)
if len(flagged) == 0:
    st.info("The cascade flags no deployment at this target precision.")
else:
    scenario = fleet.deployments["scenario"].astype(str).to_numpy() if "scenario" in fleet.deployments else None

    labels = [f"{fleet.ids[row]} — flagged at {result.detected_minute[row]} min"
              + (f" ({scenario[row]})" if scenario is not None else "") for row in flagged]
    if st.session_state.get("seq_deployment") not in labels:  # another feature set or target: other flags
        st.session_state.pop("seq_deployment", None)
    choice = st.selectbox("Flagged deployment", labels, key="seq_deployment",
                          help="Deployments the cascade flags; the dashed rules show where each horizon's model fires.")
    row = int(flagged[labels.index(choice)]) if choice in labels else int(flagged[0])
    st.altair_chart(cs.timeline_chart(fleet, row, result), width="stretch")
    if fleet.has_latency and np.isfinite(fleet.latency_ms[:, row]).any():  # latency flags need their chart
        st.altair_chart(cs.timeline_chart(fleet, row, result, height=260, field="latency_ms"), width="stretch")

scores = scores_frame(fleet.ids, result)
left, right = st.columns(2)
left.download_button("Per-horizon table (CSV)", table.to_csv(index=False).encode(), "sequential_horizons.csv",
                     "text/csv")
right.download_button("Out-of-fold scores (CSV)", scores.to_csv(index=False).encode(), "sequential_scores.csv",
                      "text/csv")
