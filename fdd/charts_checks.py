"""Charts and tables of the unsupervised checks: data in, `alt.Chart` or `DataFrame` out.

Used by the app's "Unsupervised checks" page, testable without Streamlit. Two families:

* one deployment: its per-minute series (`deployment_series`), the baseline band
  (`baseline_band`), the error-rate and p95-latency charts with the rollout, the horizon and the
  band marked (`timeseries_chart`), and the checks' verdicts as a table (`verdict_frame`);
* the fleet: the refinement story (`refinement_metrics_chart`; `confounder_fp_frame` and
  `confounder_fp_chart`, the false-positive rate of each confounder per step), detectors side by
  side (`detector_comparison`, `scenario_recall`, `scenario_recall_wide`, `scenario_recall_chart`,
  with `flags_by_id` to align a `scores` table) and the per-deployment verdicts to download
  (`fleet_verdicts_frame`).

Every chart carries tooltips. Ground truth is read only to measure (through `fdd.metrics`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd

from fdd.checks import CHECK_NAMES, HorizonVerdict
from fdd.fleet import NEW, PREVIOUS, VERSION_NAMES, Fleet
from fdd.metrics import detection_summary, rate_by_group, require_truth

VERSION_COLORS = {"previous": "#8c8c8c", "new": "#1f77b4"}
PASS_MARK, FAIL_MARK = "✅", "❌"
STEP_AXIS = alt.Axis(labelAngle=-40, labelOverlap=False, labelLimit=200)  # categories on x, all labelled
METRIC_LABELS = {"precision": "precision", "recall": "recall", "f1": "F1", "recall_detectable": "recall (detectable)"}

# y fields a timeseries chart can draw, with their axis title and number format
SERIES_FIELDS = {
    "error_rate": ("error rate", ".2%"),
    "latency_ms": ("p95 latency (ms)", ",.0f"),
}


# ---------------------------------------------------------------------------- one deployment


def deployment_series(fleet: Fleet, row: int = 0) -> pd.DataFrame:
    """Per minute and version, the telemetry of deployment `row` (only minutes that version served).

    Columns: minute, version ("previous" / "new"), requests, errors, new_type_errors,
    error_rate (errors / requests), latency_ms (NaN where unknown).
    """
    if not 0 <= row < fleet.n:
        raise ValueError(f"deployment position {row} is outside the fleet (0..{fleet.n - 1})")
    frames = []
    for version in (PREVIOUS, NEW):
        served = fleet.present[version, row] & (fleet.requests[version, row] > 0)
        requests = fleet.requests[version, row][served].astype(np.int64)
        errors = fleet.errors[version, row][served].astype(np.int64)
        frames.append(pd.DataFrame({
            "minute": fleet.minutes[served].astype(np.int64),
            "version": VERSION_NAMES[version],
            "requests": requests,
            "errors": errors,
            "new_type_errors": fleet.new_type_errors[version, row][served].astype(np.int64),
            "error_rate": errors / requests,
            "latency_ms": fleet.latency_ms[version, row][served],
        }))
    out = pd.concat(frames, ignore_index=True)
    out["version"] = out["version"].astype(str)
    return out.sort_values(["minute", "version"], kind="stable").reset_index(drop=True)


def baseline_band(series: pd.DataFrame, field: str = "error_rate", coverage: float = 0.9) -> dict[str, float]:
    """The previous version's level before the rollout: mean, and the central `coverage` of minutes.

    For the error rate the mean is pooled (all baseline errors / all baseline requests); for
    other fields it is the mean of the per-minute values. `lo` and `hi` are the quantiles
    (1 - coverage) / 2 and (1 + coverage) / 2 of the per-minute values. All NaN (and
    `minutes` 0) when the deployment has no baseline.
    """
    if not 0 < coverage < 1:
        raise ValueError(f"coverage must lie strictly between 0 and 1, got {coverage}")
    if field not in series.columns:
        raise ValueError(f"unknown field {field!r}; expected one of {sorted(SERIES_FIELDS)}")
    base = series[(series["version"] == "previous") & (series["minute"] < 0)]
    values = base[field].to_numpy(dtype=np.float64)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        nan = float("nan")
        return {"mean": nan, "lo": nan, "hi": nan, "minutes": 0, "coverage": coverage}
    if field == "error_rate":
        requests = base["requests"].sum()
        mean = float(base["errors"].sum() / requests) if requests else float("nan")
    else:
        mean = float(values.mean())
    lo, hi = np.quantile(values, [(1 - coverage) / 2, (1 + coverage) / 2])
    return {"mean": mean, "lo": float(lo), "hi": float(hi), "minutes": int(len(values)), "coverage": coverage}


SHOWN_MINUTES = 240  # timeseries_chart: the most minutes shown before the rollout and after the horizon


def timeseries_chart(series: pd.DataFrame, field: str = "error_rate", horizon: int = 60,
                     band: Mapping[str, float] | None = None, height: int = 300) -> alt.LayerChart:
    """Both versions' `field` per minute, with the rollout (minute 0), the horizon and the baseline band.

    Minutes at or after `horizon` are shaded: the checks at that horizon do not see them.
    `height` is the whole chart's: Streamlit fits title, axes and legend inside it.
    """
    if field not in SERIES_FIELDS:
        raise ValueError(f"unknown field {field!r}; expected one of {sorted(SERIES_FIELDS)}")
    title, fmt = SERIES_FIELDS[field]
    # at most SHOWN_MINUTES either side of the rollout window: one stray row hours away would
    # otherwise squash the minutes that matter into a sliver of the chart
    first = max(int(series["minute"].min()), -SHOWN_MINUTES) if len(series) else -60
    last = min(int(series["minute"].max()) + 1, max(horizon, 0) + SHOWN_MINUTES) if len(series) else 60
    first = min(first, last - 1)  # rows only far beyond the horizon: an empty, not a reversed, axis
    data = series[["minute", "version", "requests", "errors", "new_type_errors", field]]
    data = data[np.isfinite(data[field].to_numpy(dtype=np.float64)) & data["minute"].between(first, last - 1)].copy()
    x_scale = alt.Scale(domain=[first, max(last, horizon)], nice=False)
    x = alt.X("minute:Q", title="minutes since the rollout", scale=x_scale)
    color = alt.Color("version:N", title="version",
                      scale=alt.Scale(domain=list(VERSION_COLORS), range=list(VERSION_COLORS.values())))
    layers: list[alt.Chart] = []

    if band is not None and np.isfinite(band.get("lo", np.nan)) and np.isfinite(band.get("hi", np.nan)):
        band_data = pd.DataFrame([{
            "start": first, "end": max(last, horizon), "lo": band["lo"], "hi": band["hi"], "mean": band["mean"],
            "what": (f"baseline: central {band.get('coverage', 0.9):.0%} of the previous version's "
                     "minutes before the rollout"),
        }])
        band_tooltip = [alt.Tooltip("what:N", title=""), alt.Tooltip("mean:Q", title="baseline mean", format=fmt),
                        alt.Tooltip("lo:Q", title="band low", format=fmt),
                        alt.Tooltip("hi:Q", title="band high", format=fmt)]
        layers.append(alt.Chart(band_data).mark_rect(color="#2ca02c", opacity=0.15).encode(
            x="start:Q", x2="end:Q", y="lo:Q", y2="hi:Q", tooltip=band_tooltip))
        if np.isfinite(band.get("mean", np.nan)):
            layers.append(alt.Chart(band_data).mark_rule(color="#2ca02c", strokeDash=[2, 2]).encode(
                y="mean:Q", tooltip=band_tooltip))

    if horizon < last:
        unseen = pd.DataFrame([{"start": horizon, "end": last,
                                "what": f"minutes >= {horizon}: not seen by the checks at this horizon"}])
        layers.append(alt.Chart(unseen).mark_rect(color="#bbbbbb", opacity=0.25).encode(
            x="start:Q", x2="end:Q", tooltip=alt.Tooltip("what:N", title="")))

    tooltip = [
        alt.Tooltip("minute:Q", title="minute"),
        alt.Tooltip("version:N", title="version"),
        alt.Tooltip(f"{field}:Q", title=title, format=fmt),
        alt.Tooltip("requests:Q", title="requests", format=","),
        alt.Tooltip("errors:Q", title="errors", format=","),
        alt.Tooltip("new_type_errors:Q", title="never-seen errors", format=","),
    ]
    lines = alt.Chart(data).encode(
        x=x,
        y=alt.Y(f"{field}:Q", title=title, axis=alt.Axis(format=fmt),
                scale=alt.Scale(zero=field == "error_rate")),
        color=color,
        tooltip=tooltip,
    )
    layers.append(lines.mark_line(strokeWidth=1.5, interpolate="linear"))
    layers.append(lines.mark_circle(size=14, opacity=0.7))

    # The rollout's label sits left of its rule; the horizon's right of it, or left near the right edge.
    horizon_left = horizon > first + 0.75 * (max(last, horizon) - first)
    markers = (
        (0, "rollout", "#222222", "rollout: minute 0, the new version starts", "right", -4),
        (horizon, f"horizon {horizon} min", "#ff7f0e", f"horizon: the checks see minutes < {horizon}",
         "right" if horizon_left else "left", -4 if horizon_left else 4),
    )
    for minute, label, colour, what, align, dx in markers:
        rule = alt.Chart(pd.DataFrame([{"minute": minute, "label": label, "what": what}])).encode(
            x=alt.X("minute:Q"), tooltip=[alt.Tooltip("what:N", title="")])
        layers.append(rule.mark_rule(color=colour, strokeWidth=2, strokeDash=[6, 3]))
        layers.append(rule.mark_text(color=colour, align=align, dx=dx, baseline="top", fontSize=11,
                                     fontWeight="bold").encode(text="label:N", y=alt.value(4)))

    return alt.layer(*layers).properties(height=height, title=title)


def verdict_frame(verdict: HorizonVerdict, row: int = 0, enabled: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per check for deployment `row`: check, in_vote, verdict (✅ votes faulty / ❌), reason.

    Every check of the verdict is listed, the enabled ones (those in the vote) first.
    """
    enabled = tuple(verdict.enabled if enabled is None else enabled)
    order = [c for c in enabled if c in verdict.results] + [c for c in verdict.results if c not in enabled]
    rows = [{
        "check": name,
        "in_vote": name in enabled,
        "verdict": PASS_MARK if verdict.results[name].passed[row] else FAIL_MARK,
        "reason": verdict.results[name].reason(row),
    } for name in order]
    return pd.DataFrame(rows, columns=["check", "in_vote", "verdict", "reason"])


# ---------------------------------------------------------------------------- the fleet


def _step_label(step: int, added: str) -> str:
    """Short axis label of a refinement step: "1 impact", "2 +sufficiency", ..."""
    return f"{step} {added}" if step == 1 else f"{step} +{added}"


def refinement_metrics_chart(table: pd.DataFrame, height: int = 380) -> alt.LayerChart:
    """Precision, recall and F1 (and recall among detectable faults, when known) per refinement step."""
    metrics = [m for m in ("precision", "recall", "f1", "recall_detectable") if m in table.columns]
    if not metrics:
        raise ValueError("the iteration table has none of precision, recall, f1")
    data = table.assign(step_label=[_step_label(s, a) for s, a in zip(table["step"], table["added"])])
    long = data.melt(id_vars=["step", "step_label", "checks", "flagged"], value_vars=metrics,
                     var_name="metric", value_name="value")
    long["metric"] = long["metric"].map(METRIC_LABELS)
    order = list(data["step_label"])
    base = alt.Chart(long).encode(
        x=alt.X("step_label:N", sort=order, title="checks in the unanimous vote", axis=STEP_AXIS),
        y=alt.Y("value:Q", title="", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("metric:N", title="metric", sort=[METRIC_LABELS[m] for m in metrics],
                        scale=alt.Scale(domain=[METRIC_LABELS[m] for m in metrics],
                                        range=["#1f77b4", "#ff7f0e", "#2ca02c", "#ffbb78"][: len(metrics)]),
                        legend=alt.Legend(orient="top", columns=4, title=None)),
        tooltip=[alt.Tooltip("step_label:N", title="step"), alt.Tooltip("checks:N", title="checks"),
                 alt.Tooltip("metric:N", title="metric"), alt.Tooltip("value:Q", title="value", format=".1%"),
                 alt.Tooltip("flagged:Q", title="deployments flagged", format=",")],
    )
    return alt.layer(base.mark_line(), base.mark_point(filled=True, size=60)).properties(
        height=height, title="Quality as checks are added")


def confounder_fp_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The `fp_<scenario>` columns of `fdd.refinement.iteration_table` in long form.

    Columns: step, added, step_label, scenario, fp_rate (one row per step and non-faulty scenario).
    """
    fp_cols = [c for c in table.columns if c.startswith("fp_") and c != "fp_rate"]
    if not fp_cols:
        raise ValueError("the iteration table has no false-positive rate per scenario (no `scenario` truth)")
    rows = [{"step": int(r["step"]), "added": str(r["added"]),
             "step_label": _step_label(int(r["step"]), str(r["added"])),
             "scenario": c.removeprefix("fp_"), "fp_rate": float(r[c])}
            for _, r in table.iterrows() for c in fp_cols]
    return pd.DataFrame(rows)


def confounder_fp_chart(long: pd.DataFrame, height: int | None = None) -> alt.LayerChart:
    """Heatmap of the false-positive rate of each non-faulty scenario (rows) at each step (columns).

    `long` has the columns step, added, scenario, fp_rate (`confounder_fp_frame`).
    """
    for column in ("step", "added", "scenario", "fp_rate"):
        if column not in long.columns:
            raise ValueError(f"the confounder table lacks the column {column!r}")
    data = long.assign(step_label=[_step_label(s, a) for s, a in zip(long["step"], long["added"])])
    order = list(dict.fromkeys(data.sort_values("step")["step_label"]))
    scenarios = sorted(data["scenario"].unique())
    height = height or 160 + 30 * len(scenarios)
    base = alt.Chart(data).encode(
        x=alt.X("step_label:N", sort=order, title="checks in the unanimous vote", axis=STEP_AXIS),
        y=alt.Y("scenario:N", sort=scenarios, title="non-faulty scenario"),
        tooltip=[alt.Tooltip("scenario:N", title="scenario"), alt.Tooltip("step_label:N", title="step"),
                 alt.Tooltip("fp_rate:Q", title="false-positive rate", format=".1%")],
    )
    cells = base.mark_rect().encode(color=alt.Color(
        "fp_rate:Q", title="FP rate", scale=alt.Scale(scheme="orangered", domain=[0, max(0.05, float(np.nanmax(
            data["fp_rate"].to_numpy(dtype=np.float64), initial=0.0)))]), legend=alt.Legend(format="%")))
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text("fp_rate:Q", format=".0%"),
        color=alt.condition("datum.fp_rate > 0.15", alt.value("white"), alt.value("black")),
    )
    return alt.layer(cells, text).properties(height=height, title="False-positive rate by confounder")


def _aligned(flags: Mapping[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    out = {}
    for name, flagged in flags.items():
        flagged = np.asarray(flagged).astype(bool)
        if flagged.shape != (n,):
            raise ValueError(f"detector {name!r} judged {flagged.shape[0]} deployments, the fleet has {n}")
        out[name] = flagged
    return out


def detector_comparison(flags: Mapping[str, np.ndarray], deployments: pd.DataFrame) -> pd.DataFrame:
    """One row per detector: flagged, precision, recall, F1, FP rate (and recall among detectable faults)."""
    truth = require_truth(deployments, "comparing detectors")
    detectable = deployments["detectable"].to_numpy() if "detectable" in deployments.columns else None
    rows = []
    for name, flagged in _aligned(flags, len(deployments)).items():
        s = detection_summary(flagged, truth, detectable)
        row = {"detector": name, "flagged": int(flagged.sum()), "precision": s["precision"], "recall": s["recall"],
               "f1": s["f1"], "fp_rate": s["fp_rate"]}
        if detectable is not None:
            row["recall_detectable"] = s["recall_detectable"]
        rows.append(row)
    return pd.DataFrame(rows)


def scenario_recall(flags: Mapping[str, np.ndarray], deployments: pd.DataFrame) -> pd.DataFrame:
    """Recall per faulty scenario and detector (long): detector, scenario, recall, detected, deployments."""
    for column in ("label", "scenario"):
        if column not in deployments.columns:
            raise ValueError(f"recall per scenario needs the truth column {column!r}")
    truth = require_truth(deployments, "recall per scenario")
    scenario = deployments["scenario"].astype(str).to_numpy()
    frames = []
    for name, flagged in _aligned(flags, len(deployments)).items():
        by = rate_by_group(flagged, scenario, mask=truth)
        frames.append(by.rename(columns={"group": "scenario", "flagged_share": "recall", "flagged": "detected"})
                      .assign(detector=name))
    if not frames:
        raise ValueError("give at least one detector")
    out = pd.concat(frames, ignore_index=True)
    return out[["detector", "scenario", "recall", "detected", "deployments"]]


def scenario_recall_chart(frame: pd.DataFrame, height: int = 380) -> alt.Chart:
    """Grouped bars: recall of each detector on each faulty scenario."""
    detectors = list(dict.fromkeys(frame["detector"]))
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("scenario:N", title="fault scenario", axis=STEP_AXIS),
        xOffset=alt.XOffset("detector:N", sort=detectors),
        y=alt.Y("recall:Q", title="recall", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("detector:N", title="detector", sort=detectors,
                        legend=alt.Legend(orient="top", columns=2, title=None, labelLimit=0)),
        tooltip=[alt.Tooltip("detector:N", title="detector"), alt.Tooltip("scenario:N", title="scenario"),
                 alt.Tooltip("recall:Q", title="recall", format=".1%"),
                 alt.Tooltip("detected:Q", title="detected", format=","),
                 alt.Tooltip("deployments:Q", title="faulty deployments", format=",")],
    ).properties(height=height, title="Recall per fault scenario")


def scenario_recall_wide(frame: pd.DataFrame) -> pd.DataFrame:
    """`scenario_recall` as one row per scenario: scenario, deployments, then each detector's recall."""
    detectors = list(dict.fromkeys(frame["detector"]))
    wide = frame.pivot(index="scenario", columns="detector", values="recall")[detectors]
    counts = frame.groupby("scenario")["deployments"].first()
    out = wide.reset_index()
    out.columns.name = None
    out.insert(1, "deployments", counts.reindex(out["scenario"]).to_numpy())
    return out


def fleet_verdicts_frame(fleet: Fleet, verdict: HorizonVerdict) -> pd.DataFrame:
    """Per deployment: deployment_id, scenario and label (when known), each check's verdict (0/1), flagged."""
    deployments = fleet.deployments
    if len(verdict.flagged) != fleet.n:
        raise ValueError(f"the verdict covers {len(verdict.flagged)} deployments, the fleet has {fleet.n}")
    out = pd.DataFrame({"deployment_id": deployments["deployment_id"].astype(str).to_numpy()})
    for column in ("scenario", "label"):
        if column in deployments.columns:
            out[column] = deployments[column].to_numpy()
    for name in CHECK_NAMES:
        if name in verdict.results:
            out[f"{name}_{verdict.horizon}"] = verdict.results[name].passed.astype(np.int64)
    out["flagged"] = verdict.flagged.astype(np.int64)
    return out


def flags_by_id(scores: pd.DataFrame, deployment_ids: np.ndarray, column: str = "faulty") -> np.ndarray:
    """A detector's `scores` table (deployment_id, faulty, ...) as a boolean vector in fleet order."""
    for needed in ("deployment_id", column):
        if needed not in scores.columns:
            raise ValueError(f"the scores table lacks the column {needed!r}")
    by_id = pd.Series(scores[column].to_numpy(), index=scores["deployment_id"].astype(str))
    if by_id.index.has_duplicates:
        raise ValueError("the scores table names a deployment_id twice")
    aligned = by_id.reindex(pd.Index(np.asarray(deployment_ids).astype(str)))
    missing = int(aligned.isna().sum())
    if missing:
        raise ValueError(f"the scores table misses {missing} of the fleet's deployments")
    return aligned.to_numpy().astype(np.float64).astype(bool)
