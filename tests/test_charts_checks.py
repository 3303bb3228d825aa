"""Chart and table builders of the "Unsupervised checks" page, without Streamlit."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import pytest

from fdd import charts_checks as cc
from fdd.checks import CHECK_NAMES, ITERATION_STEPS, run_checks
from fdd.refinement import iteration_table
from fdd.simulate import SCENARIOS_FAULTY, simulate_deployment, simulate_fleet


@pytest.fixture(scope="module")
def fleet():
    return simulate_fleet(300, 3)


@pytest.fixture(scope="module")
def verdict(fleet):
    return run_checks(fleet, 60)


@pytest.fixture(scope="module")
def table(fleet, verdict):
    return iteration_table(verdict, fleet.deployments)


@pytest.fixture(scope="module")
def deployment():
    return simulate_deployment("error_step", 0.8, rollout="canary", seed=4)


def _tooltips(spec: dict) -> list:
    """Every tooltip encoding found anywhere in a chart spec."""
    found = []
    if isinstance(spec, dict):
        encoding = spec.get("encoding", {})
        if "tooltip" in encoding:
            found.append(encoding["tooltip"])
        for value in spec.values():
            found += _tooltips(value)
    elif isinstance(spec, list):
        for value in spec:
            found += _tooltips(value)
    return found


def _valid(chart) -> dict:
    assert isinstance(chart, alt.TopLevelMixin)
    spec = chart.to_dict()  # validates against the Vega-Lite schema
    assert _tooltips(spec), "every chart carries tooltips"
    return spec


def test_deployment_series_has_both_versions(deployment):
    series = cc.deployment_series(deployment)
    assert set(series["version"]) == {"previous", "new"}
    assert (series["requests"] > 0).all()
    assert np.allclose(series["error_rate"], series["errors"] / series["requests"])
    assert series.loc[series["version"] == "new", "minute"].min() >= 0
    with pytest.raises(ValueError):
        cc.deployment_series(deployment, 3)


def test_baseline_band_brackets_the_mean(deployment):
    series = cc.deployment_series(deployment)
    band = cc.baseline_band(series, "latency_ms")
    assert band["lo"] <= band["mean"] <= band["hi"]
    assert band["minutes"] == 60
    empty = cc.baseline_band(series[series["minute"] >= 0], "error_rate")
    assert empty["minutes"] == 0 and np.isnan(empty["mean"])
    with pytest.raises(ValueError):
        cc.baseline_band(series, "error_rate", coverage=1.5)


@pytest.mark.parametrize("field", ["error_rate", "latency_ms"])
@pytest.mark.parametrize("horizon", [5, 30, 60])
def test_timeseries_chart(deployment, field, horizon):
    series = cc.deployment_series(deployment)
    spec = _valid(cc.timeseries_chart(series, field, horizon, cc.baseline_band(series, field)))
    text = str(spec)
    assert "rollout" in text and f"horizon {horizon} min" in text
    assert "baseline" in text


def test_timeseries_chart_without_band_or_traffic():
    low = simulate_deployment("healthy", 0.0, requests_per_minute=0.1, seed=1)
    series = cc.deployment_series(low)
    _valid(cc.timeseries_chart(series, "error_rate", 20, cc.baseline_band(series)))
    _valid(cc.timeseries_chart(series, "latency_ms", 20, None))
    with pytest.raises(ValueError):
        cc.timeseries_chart(series, "requests", 20)


def test_verdict_frame_lists_enabled_checks_first(deployment):
    verdict = run_checks(deployment, 30)
    frame = cc.verdict_frame(verdict, 0, ("novelty", "impact"))
    assert list(frame["check"][:2]) == ["novelty", "impact"]
    assert sorted(frame["check"]) == sorted(CHECK_NAMES)
    assert set(frame["verdict"]) <= {cc.PASS_MARK, cc.FAIL_MARK}
    assert frame["in_vote"].sum() == 2
    assert all(isinstance(r, str) and r for r in frame["reason"])
    assert cc.verdict_frame(verdict, 0, ())["in_vote"].sum() == 0


def test_refinement_charts(table):
    spec = _valid(cc.refinement_metrics_chart(table))
    assert "Quality as checks are added" in str(spec)
    long = cc.confounder_fp_frame(table)
    assert len(long) == len(ITERATION_STEPS) * long["scenario"].nunique()
    assert "healthy" in set(long["scenario"])
    assert long["fp_rate"].between(0, 1).all()
    _valid(cc.confounder_fp_chart(long))
    with pytest.raises(ValueError):
        cc.confounder_fp_frame(table[["step", "added", "precision"]])


def test_detector_comparison_and_scenario_recall(fleet, verdict):
    flags = {"checks": verdict.flagged, "impact only": verdict.results["impact"].passed}
    comparison = cc.detector_comparison(flags, fleet.deployments)
    assert list(comparison["detector"]) == list(flags)
    assert comparison[["precision", "recall", "f1", "fp_rate"]].stack().between(0, 1).all()
    # adding checks to the vote can only lower the number flagged
    assert comparison["flagged"].iloc[0] <= comparison["flagged"].iloc[1]
    recall = cc.scenario_recall(flags, fleet.deployments)
    assert set(recall["scenario"]) <= set(SCENARIOS_FAULTY)
    assert recall["recall"].between(0, 1).all()
    _valid(cc.scenario_recall_chart(recall))
    wide = cc.scenario_recall_wide(recall)
    assert list(wide.columns) == ["scenario", "deployments", *flags]
    assert len(wide) == recall["scenario"].nunique()
    with pytest.raises(ValueError):
        cc.detector_comparison({"short": np.zeros(3, dtype=bool)}, fleet.deployments)


def test_fleet_verdicts_frame(fleet, verdict):
    frame = cc.fleet_verdicts_frame(fleet, verdict)
    assert list(frame.columns) == ["deployment_id", "scenario", "label",
                                   *[f"{c}_60" for c in CHECK_NAMES], "flagged"]
    assert len(frame) == fleet.n
    assert (frame["flagged"] == frame[[f"{c}_60" for c in CHECK_NAMES]].all(axis=1)).all()


def test_flags_by_id_aligns_to_the_fleet(fleet):
    ids = fleet.ids.astype(str)
    scores = pd.DataFrame({"deployment_id": ids[::-1], "faulty": np.arange(fleet.n)[::-1] % 2})
    flags = cc.flags_by_id(scores, ids)
    assert (flags == (np.arange(fleet.n) % 2).astype(bool)).all()
    with pytest.raises(ValueError, match="misses"):
        cc.flags_by_id(scores.iloc[1:], ids)


def test_timeseries_chart_keeps_a_stray_far_minute_out_of_view(deployment):
    series = cc.deployment_series(deployment)
    stray = series.iloc[[len(series) - 1]].assign(minute=100_000)
    spec = _valid(cc.timeseries_chart(pd.concat([series, stray], ignore_index=True), "error_rate", 60))
    domains = [layer["encoding"]["x"]["scale"]["domain"] for layer in spec["layer"]
               if "x" in layer.get("encoding", {}) and "scale" in layer["encoding"]["x"]]
    assert domains and all(d[1] <= 60 + cc.SHOWN_MINUTES for d in domains)
    assert "100000" not in str(spec)


def test_timeseries_chart_of_rows_only_far_beyond_the_horizon_has_an_upright_axis(deployment):
    series = cc.deployment_series(deployment)
    far = series.assign(minute=series["minute"] + 1000)
    spec = _valid(cc.timeseries_chart(far, "error_rate", 60))
    for layer in spec["layer"]:
        domain = layer.get("encoding", {}).get("x", {}).get("scale", {}).get("domain")
        if domain:
            assert domain[0] < domain[1]
