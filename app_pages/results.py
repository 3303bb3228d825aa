"""Results: every stage of the journey measured on this session's fleet, beside Datadog's reported figures.

Thin UI: the stages come from cached accessors (`ui_common`), the numbers from `fdd.evaluation`,
the charts from `fdd.charts_results`, the reference figures from `fdd.reference`.
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from fdd import charts_results as cr
from fdd import evaluation as ev
from fdd.checks import CheckConfig
from fdd.reference import DATADOG_REPORTED_SOURCE, DATADOG_REPORTED_URL, pair_text, reported_figures_frame
from ui_common import (current_fleet, fleet_checks, kayenta_scores, shipped_models, show_error, simulated_fleet,
                       trained_sequential, weak_trained_sequential)

FEATURE_SET, TARGET_PRECISION = "full", 0.9  # the Sequential models page's defaults: its cache is shared
MISSING = "—"  # shown for a number that does not exist
CHECK_CONFIG = CheckConfig()  # the checks' defaults, as the stages above run them

st.title("Results")
st.markdown(
    "Every approach of the journey, measured on the sidebar's simulated fleet against its ground truth: "
    "the statistical checks alone, sequential models trained on the checks' 60-minute verdicts, the same "
    "models trained on weak-supervision labels, and a Kayenta-style canary judge as the outside peer. "
    "Models trained here are scored **out of fold**, so no deployment is judged by a model that saw it. "
    "Change the fleet's size or seed in the sidebar and see which conclusions hold."
)

n, seed = current_fleet()


def disagreement_note(table: pd.DataFrame, comparison: pd.DataFrame) -> str:
    """What a "—" among the measured figures means: not measured yet, or undefined (and why)."""
    disagreeing = table.loc[table["key"] == ev.SEQ_WEAK, "disagreements"]
    if not len(disagreeing) or disagreeing.isna().any():
        return f"“{MISSING}”: not measured yet."
    count = int(disagreeing.iloc[0])
    if count == 0:
        return (f"The two models never disagree on this fleet, so precision and recall on disagreements are "
                f"undefined (“{MISSING}”): there is no deployment to measure them on.")
    measured = comparison[["measured_ensemble_labels", "measured_weak_labels"]]
    undefined = (f" “{MISSING}”: undefined (e.g. no flag among the disagreements)."
                 if measured.isna().any().any() else "")
    return (f"The two disagree on {count:,} deployment{'s' if count != 1 else ''}: the disagreement figures "
            "rest on those alone." + undefined)


@st.cache_resource(show_spinner=False, max_entries=3)
def _shipped_stage(n: int, seed: int) -> ev.Stage:
    return ev.cascade_stage(ev.SEQ_SHIPPED, shipped_models().cascade(simulated_fleet(n, seed)), ev.SHIPPED_HOW)


def _ensemble_stage(n: int, seed: int) -> ev.Stage:
    detector = trained_sequential(n, seed, FEATURE_SET, TARGET_PRECISION)
    return ev.cascade_stage(ev.SEQ_ENSEMBLE, detector.oof_cascade(),
                            "trained on this fleet's 60-min ensemble verdicts; scored out of fold")


def _weak_stage(n: int, seed: int) -> ev.Stage:
    return ev.cascade_stage(ev.SEQ_WEAK, weak_trained_sequential(n, seed).oof_cascade(),
                            "trained on this fleet's weak-supervision labels; scored out of fold")


def _kayenta_stage(n: int, seed: int) -> ev.Stage:
    # Two cached runs: (60,) is shared with the Unsupervised checks page, (10, 20) is added here.
    fleet = simulated_fleet(n, seed)
    return ev.kayenta_stage([kayenta_scores(n, seed, (10, 20)), kayenta_scores(n, seed, (60,))], fleet.ids)


@st.cache_resource(show_spinner=False)
def _measured() -> set[tuple[int, int, str]]:
    """Server-wide: the (n, seed, stage) whose slow stages someone already measured (so they are cached)."""
    return set()


SLOW = {
    ev.SEQ_ENSEMBLE: ("Training the sequential models on the 60-min ensemble (5-fold)", _ensemble_stage),
    ev.SEQ_WEAK: ("Fitting the label model, then training the sequential models on its labels (5-fold)", _weak_stage),
    ev.KAYENTA: (f"Judging {n:,} deployments one at a time with the Kayenta-style judge", _kayenta_stage),
}

include_kayenta = st.toggle(
    "Include the Kayenta-style judge", value=True, key="res_kayenta",
    help="Mann-Whitney tests on per-minute error rate and p95 latency at 10, 20 and 60 minutes, one "
         "deployment at a time as Kayenta judges canaries: the slowest stage on a cold cache, cached afterwards.",
)
slow_keys = [ev.SEQ_ENSEMBLE, ev.SEQ_WEAK] + ([ev.KAYENTA] if include_kayenta else [])
requested = st.session_state.setdefault("res_requested", [])
measured = _measured()
run_now = [k for k in slow_keys if (n, seed, k) in measured or [n, seed] in requested]
pending = [k for k in slow_keys if k not in run_now]
if pending:
    with st.container(border=True):
        why = []
        if ev.SEQ_ENSEMBLE in pending or ev.SEQ_WEAK in pending:
            why.append("training fits three LightGBM models per label source with 5-fold cross-fitting")
        if ev.KAYENTA in pending:
            why.append("the Kayenta-style judge runs one deployment at a time")
        st.markdown(
            "**Not measured yet on this fleet:** " + "; ".join(ev.STAGE_NAMES[k] for k in pending) + ". "
            f"They take a while the first time ({' and '.join(why)}); afterwards they are cached for everybody "
            "who opens this fleet. Meanwhile the table shows the fast stages."
        )
        if st.button(f"Measure them on {n:,} deployments", type="primary", key="res_measure"):
            requested.append([n, seed])
            st.rerun()

try:
    fleet = simulated_fleet(n, seed)
    verdicts = fleet_checks(n, seed)
    stages = [ev.checks_vote_stage(verdicts), ev.checks_cascade_stage(verdicts)]
except ValueError as error:
    show_error(error)
    st.stop()

steps = [(ev.SEQ_SHIPPED, "Scoring with the models shipped with fdd", _shipped_stage)]
steps += [(k, *SLOW[k]) for k in run_now]
failures: list[str] = []
started = time.perf_counter()
with st.status(f"Measuring {len(steps) + 2} stages on {n:,} deployments…", expanded=False) as status:
    for key, label, compute in steps:
        st.write(f"{label}…")
        try:
            stages.append(compute(n, seed))
        except ValueError as error:
            failures.append(f"{ev.STAGE_NAMES[key]}: {error}")
        else:
            if key in SLOW:
                measured.add((n, seed, key))
    took = time.perf_counter() - started
    status.update(
        label=f"{len(stages)} stages measured on {n:,} deployments"
              + (f" in {took:.1f} s (cached from now on)" if took >= 0.5 else " (cached)"),
        state="error" if failures else "complete",
    )
for failure in failures:
    show_error(f"Stage left out. {failure}")

try:
    order = {key: i for i, key in enumerate(ev.STAGE_NAMES)}
    stages.sort(key=lambda s: order.get(s.key, len(order)))
    reference = next(s for s in stages if s.key == ev.CHECKS_VOTE).flagged
    table = ev.stage_table(fleet, stages, reference=reference)
    truth = ev.truth_of(fleet)
    coverage = ev.coverage_frame(stages, reference)
    detection = ev.detection_time_frame(stages, truth) if truth is not None else None
    recall = ev.scenario_recall_frame(stages, fleet.deployments)
    comparison = ev.reference_comparison(table)
    reported = reported_figures_frame()
    detections = ev.detections_frame(fleet, stages)
except ValueError as error:
    show_error(error)
    st.stop()

# ---------------------------------------------------------------------------- the stage table

st.subheader("Every stage on this fleet")
percent = {c: st.column_config.NumberColumn(label, format="percent", help=help_text) for c, label, help_text in (
    ("precision", "precision", "share of the flagged deployments that are truly faulty"),
    ("recall", "recall", "share of the truly faulty deployments that are flagged (by 60 min)"),
    ("f1", "F1", "harmonic mean of precision and recall"),
    ("coverage_10", "coverage @10 min", "share of the 60-min ensemble's positives already flagged at 10 min"),
    ("coverage_20", "coverage @20 min", "share of the 60-min ensemble's positives already flagged at 20 min"),
    ("precision_disagreements", "precision on disagreements",
     "among the deployments where this stage and its partner decide differently: share of its flags that are faulty"),
    ("recall_disagreements", "recall on disagreements",
     "among the deployments where this stage and its partner decide differently: share of the faulty ones it flags"),
)}
st.dataframe(
    # the charts' short stage names, so that a narrow screen still shows them whole
    table.assign(stage=table["key"].map(ev.STAGE_SHORT).fillna(table["stage"])),
    hide_index=True, width="stretch", key="res_stage_table", placeholder=MISSING,
    column_order=["stage", "flagged", "precision", "recall", "f1", "coverage_10", "coverage_20", "ttd_multiple",
                  "precision_disagreements", "recall_disagreements", "disagreements", "disagrees_with", "how"],
    column_config={
        **percent,
        "stage": st.column_config.TextColumn("stage", width="medium", pinned=True,
                                             help="Named as in the charts below; the CSV download has the full names"),
        "flagged": st.column_config.NumberColumn("flagged", help="deployments flagged by 60 min"),
        "ttd_multiple": st.column_config.NumberColumn(
            "time to detection", format="%.2fx",
            help="mean detection minute among the detected faulty deployments, as a multiple of 60 minutes"),
        "disagreements": st.column_config.NumberColumn("disagreements", help="deployments decided differently"),
        "disagrees_with": st.column_config.TextColumn(
            "disagreements against",
            help="the ensemble-trained models; for those models themselves, the weak-supervision models"),
        "how": st.column_config.TextColumn("how it was measured", width="large"),
    },
)
checks_at_10 = table.loc[table["key"] == ev.CHECKS_CASCADE, "coverage_10"]
early_note = (f" The checks alone cover {checks_at_10.iloc[0]:.0%} at 10 minutes: persistence leaves out "
              f"{CHECK_CONFIG.restart_minutes} restart minutes and the {CHECK_CONFIG.burst_minutes} worst ones, "
              "too much of 10 to call an excess lasting; that gap is what the early models are for."
              if len(checks_at_10) and checks_at_10.notna().all() else "")
st.caption("Coverage is measured against the checks' 60-minute unanimous vote, as in Datadog's post; precision "
           "and recall against the simulator's ground truth. Disagreements: the deployments where a stage and the "
           "ensemble-trained models decide differently. “—”: not defined (e.g. no flag among them). The weak-label "
           "stage uses the default labeling functions; the Weak supervision page measures your own rules and "
           "thresholds." + early_note)

left, right = st.columns(2, gap="large")
with left:
    st.markdown("**Measured here, on this fleet**")
    measured_rows = "\n".join(
        f"| {figure} | {pair_text(before, after, unit)} |" for figure, before, after, unit in zip(
            comparison["figure"], comparison["measured_ensemble_labels"], comparison["measured_weak_labels"],
            comparison["unit"]))
    st.markdown("| figure | ensemble labels → weak labels |\n| --- | --- |\n" + measured_rows)
    st.caption("The sequential models trained on this fleet's 60-min ensemble verdicts, then on its "
               "weak-supervision labels, both scored out of fold. " + disagreement_note(table, comparison))
with right:
    st.markdown("**Datadog's published figures (reference, not measured here)**")
    rows = "\n".join(f"| {figure} | {text} |" for figure, text in zip(reported["figure"], reported["reported"]))
    st.markdown("| figure | ensemble labels → weak labels |\n| --- | --- |\n" + rows)
    st.caption(f"Source: [{DATADOG_REPORTED_SOURCE}]({DATADOG_REPORTED_URL}). Datadog's production fleet and "
               "manual review, not this simulation: compare directions, not values.")

with st.expander("Chart: measured here next to Datadog's reported figures"):
    st.altair_chart(cr.reference_chart(comparison), width="stretch")
    st.dataframe(
        comparison, hide_index=True, width="stretch", key="res_comparison_table", placeholder=MISSING,
        column_config={
            "figure": st.column_config.TextColumn("figure"),
            "measured_ensemble_labels": st.column_config.NumberColumn("measured here: ensemble labels", format="%.3f"),
            "measured_weak_labels": st.column_config.NumberColumn("measured here: weak labels", format="%.3f"),
            "datadog_before": st.column_config.NumberColumn("Datadog reported: before", format="%.3g",
                                                            help=f"{MISSING}: not reported"),
            "datadog_after": st.column_config.NumberColumn("Datadog reported: after", format="%.3g"),
            "unit": st.column_config.TextColumn("unit"),
        },
    )

# ---------------------------------------------------------------------------- charts

st.subheader("How early, and on which faults")
left, right = st.columns(2, gap="large")
left.altair_chart(cr.coverage_chart(coverage), width="stretch")
if detection is not None and len(detection):
    right.altair_chart(cr.detection_time_chart(detection), width="stretch")
else:
    right.info("No ground truth (`label`) in this fleet: no time-to-detection distribution.")
st.caption("Left: share of the checks' 60-minute positives each stage has already flagged by minute 10, 20 and "
           "60. Right: when each stage caught the truly faulty deployments; green is early.")
if len(recall):
    st.altair_chart(cr.scenario_recall_chart(recall), width="stretch")
    st.caption("Which faults each stage catches, by the simulator's fault scenario: compare the early stages' bars "
               "with the 60-minute checks' to see which faults need the whole hour.")

# ---------------------------------------------------------------------------- downloads

st.subheader("Download")
cols = st.columns(3)
cols[0].download_button("Stage table (CSV)", table.to_csv(index=False), f"stages_n{n}_seed{seed}.csv", "text/csv",
                        key="res_stage_csv", on_click="ignore")
cols[1].download_button("Per-deployment detections (CSV)", detections.to_csv(index=False),
                        f"detections_n{n}_seed{seed}.csv", "text/csv", key="res_detections_csv", on_click="ignore",
                        help="deployment_id, truth, and each stage's detection minute (empty: never flagged)")
everything = {"stages": table, "detections": detections, "coverage": coverage, "scenario_recall": recall,
              "measured_vs_datadog_reported": comparison, "datadog_reported_figures": reported}
if detection is not None:
    everything["detection_times"] = detection
cols[2].download_button("Everything (ZIP of CSV files)", ev.tables_zip(everything), f"results_n{n}_seed{seed}.zip",
                        "application/zip", key="res_all_zip", on_click="ignore")
