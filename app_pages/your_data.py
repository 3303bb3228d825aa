"""Your data: upload per-version telemetry (or use the bundled sample), score it, see why.

Thin UI: reading and validation come from `fdd.upload` / `fdd.schema`, scores from the shipped
or freshly trained sequential models, reasons from the 60-minute checks, charts from
`fdd.charts_checks`.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from fdd import charts_checks as cc
from fdd import upload as up
from fdd.schema import APP_MAX_DENSE_CELLS, APP_MAX_ROWS, ContractError
from ui_common import shipped_models, show_error

SAMPLE, UPLOAD = "Bundled sample (a small simulated fleet, with ground truth)", "Upload my files"
SHIPPED, TRAINED = "Models shipped with fdd", "Models trained here on this data (weak supervision)"
CHECKS = "Statistical checks alone (cascade at 10/20/60 min)"
TRAINED_FOR_KEY = "_yd_trained_for"  # digest of the data the user asked to train on
MISSING = "—"  # shown for a number that does not exist

st.title("Your data")
st.markdown(
    "Bring telemetry from your own monitoring: per deployment, minute and version (previous / new), the "
    "requests, errors and optionally never-seen error types and p95 latency, from an hour before the rollout "
    "to an hour after it; plus one row per deployment with its after-the-fact signals (rolled back, lifetime, "
    "incident). fdd validates both files, scores every deployment with the sequential models and explains each "
    "flag with the statistical checks. Start with the bundled sample, or download the template below. "
    "(The sidebar's simulated fleet is not used on this page.)"
)

with st.expander("The format: columns, types and a template to fill in"):
    st.dataframe(up.columns_table(), hide_index=True, width="stretch", key="yd_columns_table",
                 column_config={"meaning": st.column_config.TextColumn("meaning", width="large")})
    st.caption("CSV or Parquet. Before minute 0 only `previous` rows; during a canary both versions have a row "
               "for the same minute; a missing row means that version served no requests. `label` (1 = faulty) "
               "is optional and only used to measure precision and recall, never by a detector.")
    st.download_button("Download the template (ZIP: timeseries.csv, deployments.csv, columns.csv)",
                       up.template_zip(), "fdd_template.zip", "application/zip", key="yd_template",
                       on_click="ignore")


# ---------------------------------------------------------------------------- cached work, keyed by content


def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode())
        h.update(b"\0")
    return h.hexdigest()


@st.cache_resource(show_spinner="Validating and reading the files…", max_entries=4)
def _uploaded_fleet(digest: str, ts_name: str, _ts: bytes, dep_name: str, _dep: bytes):
    return up.fleet_from_uploads(_ts, _dep, timeseries_name=ts_name, deployments_name=dep_name)


@st.cache_resource(show_spinner="Reading the bundled sample…")
def _sample_fleet():
    return up.fleet_from_folder(up.SAMPLE_DIR)


@st.cache_resource(show_spinner=False, max_entries=4)
def _shipped_scores(digest: str, _fleet):
    return up.score_with_models(_fleet, shipped_models())


@st.cache_resource(show_spinner=False, max_entries=4)
def _checks_scores(digest: str, _fleet):
    return up.score_with_checks(_fleet)


@st.cache_resource(show_spinner=False, max_entries=4)
def _trained_scores(digest: str, _fleet):
    """(scores, weak-label positives, label model, None) or (None, 0, "", why training is impossible).

    The failure is cached too: a rerun must not retrain only to fail again.
    """
    try:
        scores, _, weak = up.train_and_score(_fleet)
    except ValueError as error:
        return None, 0, "", str(error)
    return scores, int((weak.label == 1).sum()), weak.model, None


@st.cache_resource(show_spinner="Running the 60-minute checks that explain each flag…", max_entries=4)
def _reason_verdict(digest: str, _fleet):
    return up.reason_verdict(_fleet)


# ---------------------------------------------------------------------------- the data


source = st.radio("Data", (SAMPLE, UPLOAD), horizontal=True, key="yd_source")
if source == UPLOAD:
    left, right = st.columns(2)
    ts_file = left.file_uploader("timeseries (CSV or Parquet)", type=["csv", "parquet"], key="yd_timeseries",
                                 help=f"One row per deployment, minute and version. The app takes up to "
                                      f"{APP_MAX_ROWS:,} rows and {APP_MAX_DENSE_CELLS:,} cells (2 versions x "
                                      f"deployments x minutes), in a file of up to {st.get_option('server.maxUploadSize')} MB; score "
                                      "larger data with "
                                      "`python -m fdd score`.")
    dep_file = right.file_uploader("deployments (CSV or Parquet)", type=["csv", "parquet"], key="yd_deployments",
                                   help="One row per deployment.")
    if ts_file is None or dep_file is None:
        st.info("Upload both tables to score them, or switch to the bundled sample.")
        st.stop()
    ts_bytes, dep_bytes = ts_file.getvalue(), dep_file.getvalue()
    digest = _digest(ts_file.name, ts_bytes, dep_file.name, dep_bytes)
    try:
        fleet = _uploaded_fleet(digest, ts_file.name, ts_bytes, dep_file.name, dep_bytes)
    except (ContractError, ValueError) as error:
        show_error(error)
        st.stop()
    data_name = f"{ts_file.name} + {dep_file.name}"
else:
    digest = "sample"
    try:
        fleet = _sample_fleet()
    except (ContractError, ValueError) as error:
        show_error(error)
        st.stop()
    data_name = "the bundled sample (data/sample)"

too_short = up.too_short_reason(fleet, source=ts_file.name if source == UPLOAD else "timeseries.csv")
if too_short:
    show_error(too_short)
    st.stop()

has_label = "label" in fleet.deployments.columns
cols = st.columns(4)
cols[0].metric("Deployments", f"{fleet.n:,}")
cols[1].metric("Services", f"{fleet.deployments['service'].nunique():,}")
cols[2].metric("Minutes", f"{int(fleet.minutes[0])} … {int(fleet.minutes[-1])}" if len(fleet.minutes) else "none")
labelled = int(fleet.deployments["label"].notna().sum()) if has_label else 0
cols[3].metric("Labelled faulty", f"{int(fleet.deployments['label'].sum()):,}" if has_label else "no label",
               help=f"{labelled:,} of {fleet.n:,} deployments carry a label" if has_label else None)

# ---------------------------------------------------------------------------- scoring

shipped_size = shipped_models().n_deployments_  # recorded in the models' meta.json
shipped_fleet = f"{shipped_size:,}-deployment simulated fleet" if shipped_size else "simulated fleet"
models = st.radio("Score with", (SHIPPED, TRAINED), horizontal=True, key="yd_models",
                  help="Shipped: trained, as `python -m fdd train` trains, on weak-supervision labels of a "
                       f"{shipped_fleet}. "
                       "Trained here: the label model turns this data's weak signals into labels, then the "
                       "models are trained on them and every deployment is scored out of fold.")
scores, scores_from = None, SHIPPED
if models == TRAINED:
    if st.session_state.get(TRAINED_FOR_KEY) != digest:
        st.info(f"Training fits the label model on {data_name}, then, as `python -m fdd train` does, three "
                "LightGBM models on the checks' 60-minute vote (the reference whose precision sets the "
                "thresholds) and three on the weak labels, each with 5-fold cross-fitting. It needs both "
                "faulty and healthy examples among the weak labels.")
        if st.button("Train on this data", type="primary", key="yd_train"):
            st.session_state[TRAINED_FOR_KEY] = digest
            st.rerun()
    else:
        with st.status(f"Training on {fleet.n:,} deployments (label model, then 5-fold LightGBM)…",
                       expanded=False) as status:
            scores, positives, label_model, why_not = _trained_scores(digest, fleet)
            if why_not is None:
                from fdd.charts_weak import labeler_words  # imports snorkel: only when training

                status.update(label=f"Trained on {positives:,} weak-label positives ({labeler_words(label_model)}); "
                                    "scored out of fold", state="complete")
            else:
                status.update(label="Training is impossible on this data", state="error")
        if why_not is None:
            scores_from = TRAINED
        else:
            show_error(f"Training on this data is impossible: {why_not}. Score it with the shipped models, or "
                       "upload more deployments (a few thousand, with rollbacks and incidents) so that the weak "
                       "labels hold enough faulty examples.")
if scores is None:
    try:
        scores = _shipped_scores(digest, fleet)
    except ValueError as shipped_error:
        # No usable shipped models (or data too short for them): the checks alone still score it.
        try:
            scores, scores_from = _checks_scores(digest, fleet), CHECKS
        except ValueError as error:
            show_error(error)
            st.stop()
        show_error(f"The shipped models cannot score this data: {shipped_error}. Scored with the statistical "
                   "checks alone (a cascade of unanimous votes at 10, 20 and 60 minutes) instead.")
    if models == TRAINED:
        st.caption(f"Meanwhile, scores from: {scores_from}.")

try:
    verdict = _reason_verdict(digest, fleet)
    flagged = up.flagged_table(fleet, scores, verdict)
    quality = up.quality_table(fleet, {f"{scores_from} (cascade)": scores["faulty"].to_numpy(),
                                       f"Checks only: unanimous vote at {verdict.horizon} min": verdict.flagged})
except ValueError as error:
    show_error(error)
    st.stop()

st.subheader(f"Flagged deployments: {len(flagged):,} of {fleet.n:,}")
st.caption(f"Scores from: {scores_from}. Reasons: the statistical checks at {verdict.horizon} minutes "
           f"({up.VOTES_FAULTY} votes faulty, {up.VOTES_AGAINST} votes against). Select a row to see its telemetry.")
selection = None
if len(flagged):
    event = st.dataframe(
        flagged, hide_index=True, width="stretch", key="yd_flagged", on_select="rerun", selection_mode="single-row",
        placeholder="",  # an empty label: nobody reviewed that deployment
        column_order=[c for c in ("deployment_id", "service", "score", "detected_minute", "checks_votes", "label",
                                  "scenario", "reasons") if c in flagged.columns],
        column_config={
            "deployment_id": st.column_config.TextColumn("deployment"),
            "score": st.column_config.ProgressColumn("score", min_value=0.0, max_value=1.0, format="%.2f"),
            "detected_minute": st.column_config.NumberColumn("flagged at (min)"),
            "checks_votes": st.column_config.TextColumn("checks voting faulty"),
            "reasons": st.column_config.TextColumn("reasons (60-min checks)", width="large"),
            "label": st.column_config.NumberColumn("label", format="%d",
                                                   help="Your label: 1 = faulty, 0 = healthy, empty = not labelled."),
        },
    )
    rows = list(getattr(getattr(event, "selection", None), "rows", []) or [])
    selection = int(rows[0]) if rows and 0 <= int(rows[0]) < len(flagged) else 0
else:
    st.success("No deployment is flagged.")

if selection is not None:
    chosen = flagged.iloc[selection]
    position = int(chosen["position"])
    try:
        series = cc.deployment_series(fleet, position)
        chart = cc.timeseries_chart(series, "error_rate", verdict.horizon, cc.baseline_band(series, "error_rate"))
        # latency reasons need the latency chart: drawn whenever the data has p95 latency for this deployment
        latency_chart = (cc.timeseries_chart(series, "latency_ms", verdict.horizon,
                                             cc.baseline_band(series, "latency_ms"), height=250)
                         if fleet.has_latency and series["latency_ms"].notna().any() else None)
        checks = cc.verdict_frame(verdict, position)
    except ValueError as error:
        show_error(error)
    else:
        st.markdown(f"**{chosen['deployment_id']}** ({chosen['service']}): score {chosen['score']:.2f}"
                    + (f", flagged at {int(chosen['detected_minute'])} min" if str(chosen["detected_minute"])
                       not in ("<NA>", "nan") else "")
                    + ("" if len(rows) else " — the highest score; select another row above"))
        st.altair_chart(chart, width="stretch")
        if latency_chart is not None:
            st.altair_chart(latency_chart, width="stretch")
        st.dataframe(checks, hide_index=True, width="stretch", key="yd_checks_table", placeholder=MISSING,
                     column_config={"reason": st.column_config.TextColumn("reason", width="large"),
                                    "in_vote": st.column_config.CheckboxColumn("in the vote"),
                                    "verdict": st.column_config.TextColumn("votes faulty?")})

if quality is not None:
    st.subheader("Against your labels")
    st.dataframe(quality, hide_index=True, width="stretch", key="yd_quality_table", placeholder=MISSING,
                 column_config={
                     **{c: st.column_config.NumberColumn(c if c != "f1" else "F1", format="percent")
                        for c in ("precision", "recall", "f1")},
                     "detector": st.column_config.TextColumn("detector"),
                     "labelled": st.column_config.NumberColumn("labelled", help="Deployments with a label, measured."),
                     "flagged": st.column_config.NumberColumn("flagged", help="Labelled deployments it flags."),
                     "faulty": st.column_config.NumberColumn("faulty", help="Labelled deployments whose label is 1."),
                     "true_positives": st.column_config.NumberColumn(
                         "correctly flagged", help="Flagged deployments whose label is 1 (true positives)."),
                 })
    undefined = up.undefined_quality_reasons(quality)
    st.caption("`label` is read only here, to measure; no detector sees it. Deployments whose label is empty "
               "(nobody reviewed them) are left out: `labelled` counts the ones measured."
               + "".join(f" {reason[0].upper()}{reason[1:]} (shown as {MISSING})." for reason in undefined))

st.download_button("Download the scores (CSV)", scores.to_csv(index=False), "scores.csv", "text/csv",
                   key="yd_scores_csv", on_click="ignore",
                   help="deployment_id, faulty, score, detected_minute, then each horizon's score: the format "
                        "`python -m fdd score` writes.")
