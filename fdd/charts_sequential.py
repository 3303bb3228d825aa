"""Tables and charts of the sequential models: data in, `DataFrame` or `alt.Chart` out.

Used by the app's "Sequential models" page and testable without Streamlit. Training-fleet
numbers come from the out-of-fold scores (`SequentialDetector.oof_proba_`), so no deployment is
judged by a model that trained on it. Ground truth is read only to measure (via `fdd.metrics`).
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from fdd.charts_checks import SERIES_FIELDS, VERSION_COLORS, deployment_series
from fdd.fleet import Fleet
from fdd.metrics import cascade_by_horizon, horizon_models_table, precision_recall_points
from fdd.sequential import CascadeResult

FIRE_COLOR, QUIET_COLOR = "#d62728", "#9e9e9e"


# ---------------------------------------------------------------------------- tables


def horizon_table(proba: np.ndarray, thresholds: np.ndarray, result: CascadeResult, target: np.ndarray,
                  truth: np.ndarray | None = None) -> pd.DataFrame:
    """Per horizon: threshold, the model's flags and precision/recall (vs target, vs truth), and the
    cascade's coverage of the target by then and its share of the final flags."""
    models = horizon_models_table(proba, thresholds, result.horizons, target, truth)
    flow = cascade_by_horizon(result.detected_minute, result.horizons, target, truth)
    flow = flow.rename(columns={"precision": "cascade_precision_truth", "recall": "cascade_recall_truth"})
    return models.merge(flow, on="horizon")


def pr_curves(proba: np.ndarray, horizons: Sequence[int], target: np.ndarray,
              truth: np.ndarray | None = None, max_points: int = 150) -> pd.DataFrame:
    """Long precision-recall points per horizon and reference ("60-min ensemble" / "ground truth")."""
    frames = []
    references = {"60-min ensemble": target} | ({"ground truth": truth} if truth is not None else {})
    for j, h in enumerate(horizons):
        for name, labels in references.items():
            points = precision_recall_points(proba[:, j], labels, max_points)
            frames.append(points.assign(horizon=f"{h} min", against=name))
    columns = ["horizon", "against", "threshold", "precision", "recall"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def importance_frame(importances: pd.DataFrame, top: int = 12) -> pd.DataFrame:
    """The `top` features by total gain, long: feature, horizon, gain, share (of that horizon's gain)."""
    totals = importances.sum(axis=1).sort_values(ascending=False)
    keep = importances.loc[totals.index[:top]]
    share = keep / importances.sum(axis=0).replace(0, np.nan)
    long = keep.reset_index().melt(id_vars="feature", var_name="horizon", value_name="gain")
    long["share"] = share.reset_index().melt(id_vars="feature", value_name="share")["share"].fillna(0.0).to_numpy()
    long["horizon"] = long["horizon"].str.removeprefix("h") + " min"
    return long


def detection_frame(result: CascadeResult, truth: np.ndarray | None = None) -> pd.DataFrame:
    """Counts of flagged deployments by detection minute (and by truth when known)."""
    detected = result.detected_minute[result.faulty]
    kind = np.full(len(detected), "flagged", dtype=object)
    if truth is not None:
        kind = np.where(np.asarray(truth).astype(bool)[result.faulty], "faulty (truth)", "not faulty (truth)")
    frame = pd.DataFrame({"detected_minute": detected.astype(np.int64), "kind": kind.astype(str)})
    counts = frame.groupby(["detected_minute", "kind"]).size().rename("deployments").reset_index()
    counts["share"] = counts["deployments"] / max(len(frame), 1)
    return counts


# ---------------------------------------------------------------------------- charts


def coverage_chart(table: pd.DataFrame, height: int = 300) -> alt.LayerChart:
    """Coverage of the 60-minute ensemble's flags by horizon, with the share of the final flags."""
    long = table.melt(id_vars=["horizon", "flagged_by"], value_vars=["coverage", "share_of_final"],
                      var_name="measure", value_name="value")
    long["measure"] = long["measure"].map({"coverage": "coverage of ensemble flags",
                                           "share_of_final": "share of final flags"})
    base = alt.Chart(long).encode(
        x=alt.X("horizon:O", title="horizon (minutes)"),
        y=alt.Y("value:Q", title="", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("measure:N", title="", legend=alt.Legend(orient="bottom", labelLimit=260)),
        tooltip=[alt.Tooltip("horizon:O", title="horizon (min)"), alt.Tooltip("measure:N", title="measure"),
                 alt.Tooltip("value:Q", title="value", format=".1%"),
                 alt.Tooltip("flagged_by:Q", title="flagged by then", format=",")],
    )
    return alt.layer(base.mark_line(), base.mark_point(filled=True, size=80)).properties(
        height=height, title="Flagged by minute h")


def pr_chart(curves: pd.DataFrame, table: pd.DataFrame | None = None, height: int = 340) -> alt.LayerChart:
    """Precision-recall curves per horizon (colour) against the ensemble (solid) and truth (dashed),
    with each horizon's operating point against the ensemble."""
    x_axis = {"scale": alt.Scale(domain=[0, 1]), "axis": alt.Axis(format="%"), "title": "recall"}
    y_axis = {"scale": alt.Scale(domain=[0, 1]), "axis": alt.Axis(format="%"), "title": "precision"}
    base = alt.Chart(curves).mark_line(interpolate="step-after").encode(
        x=alt.X("recall:Q", **x_axis),
        y=alt.Y("precision:Q", **y_axis),
        color=alt.Color("horizon:N", title="model"),
        strokeDash=alt.StrokeDash("against:N", title="labels"),
        tooltip=[alt.Tooltip("horizon:N", title="model"), alt.Tooltip("against:N", title="against"),
                 alt.Tooltip("threshold:Q", title="threshold", format=".3f"),
                 alt.Tooltip("precision:Q", format=".1%"), alt.Tooltip("recall:Q", format=".1%")],
    )
    layers: list[alt.Chart] = [base]
    if table is not None and len(table):
        points = table.assign(horizon=table["horizon"].astype(str) + " min")
        points = points[np.isfinite(points["threshold"].to_numpy(dtype=np.float64))]
        layers.append(alt.Chart(points).mark_point(size=110, filled=True, shape="diamond").encode(
            x=alt.X("recall_target:Q", **x_axis), y=alt.Y("precision_target:Q", **y_axis), color=alt.Color("horizon:N"),
            tooltip=[alt.Tooltip("horizon:N", title="model"),
                     alt.Tooltip("threshold:Q", title="chosen threshold", format=".3f"),
                     alt.Tooltip("precision_target:Q", title="precision vs ensemble", format=".1%"),
                     alt.Tooltip("recall_target:Q", title="recall vs ensemble", format=".1%")]))
    return alt.layer(*layers).properties(height=height, title="Precision-recall (out-of-fold scores)")


def importance_chart(long: pd.DataFrame, height: int = 360) -> alt.Chart:
    """Horizontal bars: each top feature's share of its model's total gain, one bar per horizon."""
    order = list(long.groupby("feature")["share"].sum().sort_values(ascending=False).index)
    return alt.Chart(long).mark_bar().encode(
        y=alt.Y("feature:N", sort=order, title="", axis=alt.Axis(labelLimit=220)),
        x=alt.X("share:Q", title="share of the model's gain", axis=alt.Axis(format="%")),
        yOffset=alt.YOffset("horizon:N"),
        color=alt.Color("horizon:N", title="model"),
        tooltip=[alt.Tooltip("feature:N"), alt.Tooltip("horizon:N", title="model"),
                 alt.Tooltip("gain:Q", format=",.0f"), alt.Tooltip("share:Q", title="share of gain", format=".1%")],
    ).properties(height=height, title="Feature importance (gain)")


def timeline_chart(fleet: Fleet, row: int, result: CascadeResult, height: int = 320,
                   field: str = "error_rate") -> alt.LayerChart:
    """`field` ("error_rate" or "latency_ms") of both versions of one deployment, with a rule at each
    horizon (red where it fires)."""
    if field not in SERIES_FIELDS:
        raise ValueError(f"unknown field {field!r}; expected one of {sorted(SERIES_FIELDS)}")
    title, fmt = SERIES_FIELDS[field]
    series = deployment_series(fleet, row)
    series = series[np.isfinite(series[field].to_numpy(dtype=np.float64))]
    color = alt.Color("version:N", scale=alt.Scale(domain=list(VERSION_COLORS), range=list(VERSION_COLORS.values())))
    lines = alt.Chart(series).mark_line(strokeWidth=1.5).encode(
        x=alt.X("minute:Q", title="minutes since the rollout"),
        y=alt.Y(f"{field}:Q", title=title, axis=alt.Axis(format=fmt), scale=alt.Scale(zero=field == "error_rate")),
        color=color,
        tooltip=[alt.Tooltip("minute:Q"), alt.Tooltip("version:N"), alt.Tooltip(f"{field}:Q", title=title, format=fmt),
                 alt.Tooltip("requests:Q", format=","), alt.Tooltip("errors:Q", format=",")],
    )
    scores = result.horizon_scores[row]
    fires = scores >= 0.5
    rules = pd.DataFrame({
        "minute": list(result.horizons),
        "state": ["fires" if f else "quiet" for f in fires],
        "what": [f"model at {h} min {'fires' if f else 'does not fire'} (score {s:.2f}; 0.5 = its threshold)"
                 for h, f, s in zip(result.horizons, fires, scores)],
    })
    marks = alt.Chart(rules).mark_rule(strokeWidth=2, strokeDash=[6, 3]).encode(
        x="minute:Q",
        color=alt.Color("state:N", title="model", scale=alt.Scale(domain=["fires", "quiet"],
                                                                  range=[FIRE_COLOR, QUIET_COLOR])),
        tooltip=[alt.Tooltip("what:N", title="")],
    )
    return alt.layer(lines, marks).resolve_scale(color="independent").properties(
        height=height, title=f"Deployment {fleet.ids[row]}: {title} and the models")


def detection_chart(counts: pd.DataFrame, height: int = 280) -> alt.Chart:
    """Bars: how many deployments the cascade flags at each horizon, split by truth when known."""
    return alt.Chart(counts).mark_bar().encode(
        x=alt.X("detected_minute:O", title="detected at minute"),
        y=alt.Y("deployments:Q", title="deployments"),
        color=alt.Color("kind:N", title=""),
        tooltip=[alt.Tooltip("detected_minute:O", title="detected at minute"), alt.Tooltip("kind:N", title=""),
                 alt.Tooltip("deployments:Q", format=","),
                 alt.Tooltip("share:Q", title="share of flags", format=".1%")],
    ).properties(height=height, title="Time to detection")
