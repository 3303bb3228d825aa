"""Charts of the Results page: data in (the long tables of `fdd.evaluation`), `alt.Chart` out.

Pure and testable without Streamlit. Every chart has tooltips, and a stage keeps the same colour
in every chart (`stage_colors`), in the order of the journey.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from fdd.evaluation import NOT_DETECTED, STAGE_NAMES, STAGE_SHORT

# One colour per stage of fdd.evaluation.STAGE_NAMES, in that order.
STAGE_PALETTE = ("#9e9e9e", "#5b5b5b", "#1f77b4", "#632ca6", "#17becf", "#ff7f0e")
OTHER_COLORS = ("#2ca02c", "#d62728", "#8c564b", "#e377c2", "#bcbd22")
DETECTION_COLORS = {"10 min": "#2ca02c", "20 min": "#98df8a", "60 min": "#ffbb78", NOT_DETECTED: "#e0e0e0"}


def stage_colors(stages: Sequence[str]) -> alt.Scale:
    """A colour scale over the given stage names (long or short): known stages keep their journey colour."""
    stages = list(dict.fromkeys(stages))
    known = {**dict(zip(STAGE_NAMES.values(), STAGE_PALETTE)), **dict(zip(STAGE_SHORT.values(), STAGE_PALETTE))}
    extra = iter(OTHER_COLORS * (1 + len(stages) // len(OTHER_COLORS)))
    return alt.Scale(domain=stages, range=[known.get(s) or next(extra) for s in stages])


def _with_method(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with a `method` column: the stage's short name when its key is known, else its name."""
    keys = frame["key"] if "key" in frame.columns else pd.Series([None] * len(frame), index=frame.index)
    method = [STAGE_SHORT.get(k, s) for k, s in zip(keys, frame["stage"])]
    return frame.assign(method=method)


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"the {what} table lacks the column(s) {missing}")


def _stage_order(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(frame["method"]))


def coverage_chart(frame: pd.DataFrame, height: int = 340) -> alt.LayerChart:
    """Coverage by horizon per stage: the share of the 60-minute ensemble's positives flagged by minute h.

    `frame` is `fdd.evaluation.coverage_frame` (stage, horizon, covered, reference, coverage).
    """
    _require(frame, ("stage", "horizon", "covered", "reference", "coverage"), "coverage")
    frame = _with_method(frame)
    order = _stage_order(frame)
    horizons = sorted({int(h) for h in frame["horizon"]})
    base = alt.Chart(frame).encode(
        x=alt.X("horizon:O", title="minutes since the rollout", sort=horizons, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("coverage:Q", title="coverage", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%")),
        color=alt.Color("method:N", title=None, sort=order, scale=stage_colors(order),
                        legend=alt.Legend(orient="right", labelLimit=0)),
        tooltip=[alt.Tooltip("stage:N", title="stage"), alt.Tooltip("horizon:O", title="by minute"),
                 alt.Tooltip("coverage:Q", title="coverage", format=".1%"),
                 alt.Tooltip("covered:Q", title="ensemble positives flagged", format=","),
                 alt.Tooltip("reference:Q", title="ensemble positives", format=",")],
    )
    return alt.layer(base.mark_line(strokeWidth=2), base.mark_point(filled=True, size=70)).properties(
        height=height, title="Coverage of the 60-min ensemble, by horizon")


def detection_time_chart(frame: pd.DataFrame, height: int | None = None) -> alt.Chart:
    """Distribution of detection times: for each stage, the share of truly faulty deployments it
    detected at 10, 20, 60 minutes, or never (stacked horizontal bars).

    `frame` is `fdd.evaluation.detection_time_frame` (stage, detected, order, deployments, share).
    """
    _require(frame, ("stage", "detected", "order", "deployments", "share"), "detection time")
    frame = _with_method(frame)
    order = _stage_order(frame)
    buckets = list(frame.sort_values("order")["detected"].drop_duplicates())
    colors = [DETECTION_COLORS.get(b, "#1f77b4") for b in buckets]
    data = frame.assign(bucket_rank=[buckets.index(b) for b in frame["detected"]])
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("method:N", title=None, sort=order, axis=alt.Axis(labelLimit=320, labelOverlap=False)),
        x=alt.X("share:Q", title="share of the truly faulty deployments", stack="zero",
                scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("detected:N", title="detected", sort=buckets,
                        scale=alt.Scale(domain=buckets, range=colors),
                        legend=alt.Legend(orient="top", columns=2, title=None)),  # two rows: not cut at half width
        order=alt.Order("bucket_rank:Q"),
        tooltip=[alt.Tooltip("stage:N", title="stage"), alt.Tooltip("detected:N", title="detected"),
                 alt.Tooltip("deployments:Q", title="faulty deployments", format=","),
                 alt.Tooltip("share:Q", title="share", format=".1%")],
    # the height holds title, legend and x axis (about 160 px) besides 42 px per stage
    ).properties(height=height or 160 + 42 * len(order), title="When the faulty deployments were detected")


def scenario_recall_chart(frame: pd.DataFrame, height: int = 360) -> alt.Chart:
    """Recall per fault scenario (x) for each stage (grouped bars).

    `frame` is `fdd.evaluation.scenario_recall_frame` (stage, scenario, detected, deployments, recall).
    """
    _require(frame, ("stage", "scenario", "detected", "deployments", "recall"), "scenario recall")
    frame = _with_method(frame)
    order = _stage_order(frame)
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("scenario:N", title="fault scenario", axis=alt.Axis(labelAngle=-30, labelLimit=200)),
        xOffset=alt.XOffset("method:N", sort=order),
        y=alt.Y("recall:Q", title="recall", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("method:N", title=None, sort=order, scale=stage_colors(order),
                        legend=alt.Legend(orient="top", columns=3, labelLimit=0)),
        tooltip=[alt.Tooltip("stage:N", title="stage"), alt.Tooltip("scenario:N", title="scenario"),
                 alt.Tooltip("recall:Q", title="recall", format=".1%"),
                 alt.Tooltip("detected:Q", title="detected", format=","),
                 alt.Tooltip("deployments:Q", title="faulty deployments", format=",")],
    ).properties(height=height, title="Recall per fault scenario")


def reference_chart(comparison: pd.DataFrame, height: int = 300) -> alt.Chart:
    """Measured shares next to Datadog's reported ones (`fdd.evaluation.reference_comparison`).

    Only figures given as shares; bars are labelled "measured here" or "Datadog reported".
    """
    _require(comparison, ("figure", "measured_ensemble_labels", "measured_weak_labels", "datadog_before",
                          "datadog_after", "unit"), "reference comparison")
    shares = comparison[comparison["unit"] == "share"]
    long = shares.melt(id_vars=["figure"], value_vars=["measured_ensemble_labels", "measured_weak_labels",
                                                       "datadog_before", "datadog_after"],
                       var_name="series", value_name="value")
    labels = {"measured_ensemble_labels": "measured here: ensemble labels",
              "measured_weak_labels": "measured here: weak labels",
              "datadog_before": "Datadog reported: before (ensemble labels)",
              "datadog_after": "Datadog reported: after (weak labels)"}
    long["series"] = long["series"].map(labels)
    long = long[np.isfinite(long["value"].to_numpy(dtype=np.float64))]
    series = list(labels.values())
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("figure:N", title=None, axis=alt.Axis(labelAngle=0, labelLimit=200)),
        xOffset=alt.XOffset("series:N", sort=series),
        y=alt.Y("value:Q", title="", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("series:N", title=None, sort=series,
                        scale=alt.Scale(domain=series, range=["#1f77b4", "#632ca6", "#c7c7c7", "#9d8ac7"]),
                        legend=alt.Legend(orient="top", columns=2, labelLimit=0)),
        tooltip=[alt.Tooltip("figure:N", title="figure"), alt.Tooltip("series:N", title=""),
                 alt.Tooltip("value:Q", title="value", format=".1%")],
    ).properties(height=height, title="Measured here vs Datadog's reported figures")
