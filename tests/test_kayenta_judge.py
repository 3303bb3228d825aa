"""Tests for fdd.kayenta: the Kayenta-style (NetflixACAJudge) canary judge, our peer.

Hand-built fleets with a known answer: minutes -60..59, the previous version alone before the
rollout; from minute 0 either the new version alone (a full rollout) or both side by side (a
canary). Every random draw is seeded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fdd.kayenta as kayenta
import fdd.kayenta_stats as kayenta_stats
from fdd.fleet import NEW, PREVIOUS, Fleet
from fdd.kayenta import (
    CLASSES,
    KayentaMetric,
    classify_metric,
    judge_deployment,
    judge_fleet,
    score_canary,
)
from fdd.schema import SCORES_SPEC, validate_scores

MINUTES = np.arange(-60, 60)
HORIZONS = (10, 20, 60)
EITHER = KayentaMetric("x", "x", "ms", direction="either")


def _deployment(seed: int, *, base_rate: float = 0.005, new_rate: float | None = None,
                base_lat: float = 100.0, new_lat: float | None = None, canary_share: float | None = None,
                incident_rate: float | None = None, new_serves: bool = True, requests: int = 2000) -> dict:
    """Per-version arrays (2, T) of one deployment."""
    rng = np.random.default_rng(seed)
    t = len(MINUTES)
    after = MINUTES >= 0
    req = np.zeros((2, t), dtype=np.int64)
    rate = np.zeros((2, t))
    lat_level = np.zeros((2, t))
    req[PREVIOUS, ~after] = rng.poisson(requests, (~after).sum())
    rate[PREVIOUS], lat_level[PREVIOUS] = base_rate, base_lat
    rate[NEW] = base_rate if new_rate is None else new_rate
    lat_level[NEW] = base_lat if new_lat is None else new_lat
    if canary_share is None:
        new_share = 1.0
    else:
        new_share = canary_share
        req[PREVIOUS, after] = rng.poisson(requests * (1 - canary_share), after.sum())
    if new_serves:
        req[NEW, after] = rng.poisson(requests * new_share, after.sum())
    if incident_rate is not None:  # hits both versions from minute 0 on
        rate[:, after] = incident_rate
    errors = rng.binomial(req, np.clip(rate, 0, 1))
    present = req > 0
    latency = np.where(present, lat_level * rng.lognormal(0.0, 0.05, (2, t)), np.nan)
    return {"requests": req, "errors": errors, "latency_ms": latency, "present": present}


def _fleet(deployments: list[dict], has_latency: bool = True) -> Fleet:
    n = len(deployments)

    def stack(name: str, dtype: type) -> np.ndarray:
        return np.stack([d[name] for d in deployments], axis=1).astype(dtype)

    table = pd.DataFrame({
        "deployment_id": [f"d{i:03d}" for i in range(n)],
        "service": "svc",
        "rolled_back": 0,
        "lifetime_minutes": np.nan,
        "incident": 0,
        "label": 0,
    })
    latency = stack("latency_ms", np.float64) if has_latency else np.full((2, n, len(MINUTES)), np.nan)
    return Fleet(deployments=table, minutes=MINUTES.copy(), requests=stack("requests", np.int32),
                 errors=stack("errors", np.int32), new_type_errors=np.zeros((2, n, len(MINUTES)), np.int32),
                 latency_ms=latency, present=stack("present", bool), has_latency=has_latency)


def _classes(frame: pd.DataFrame, metric: str, row: int = 0) -> list[str]:
    return [frame.loc[row, f"{metric}_class_{h}"] for h in HORIZONS]


# ------------------------------------------------------------------------------ fleets with known answers


def test_error_rate_step_is_high_and_faulty() -> None:
    frame = judge_fleet(_fleet([_deployment(1, base_rate=0.005, new_rate=0.03)]), HORIZONS)
    assert _classes(frame, "error_rate") == ["High"] * 3
    assert _classes(frame, "latency") == ["Pass"] * 3
    row = frame.iloc[0]
    assert row["faulty"] == 1 and row["detected_minute"] == 10 and row["score"] == 1.0
    assert row["error_rate_reason"].startswith("error rate: High (critical), 98% CI of the shift [+")
    assert row["canary_reason"].startswith("Canary Failed: error rate: High")
    assert not row["side_by_side"]


def test_same_distribution_passes() -> None:
    fleet = _fleet([_deployment(seed) for seed in (2, 3, 4)])
    frame = judge_fleet(fleet, HORIZONS)
    for row in range(fleet.n):
        assert _classes(frame, "error_rate", row) == ["Pass"] * 3
        assert _classes(frame, "latency", row) == ["Pass"] * 3
    assert frame["faulty"].tolist() == [0, 0, 0]
    assert frame["score"].tolist() == [0.0, 0.0, 0.0]
    assert frame["detected_minute"].isna().all()
    assert (frame[[f"canary_score_{h}" for h in HORIZONS]] == 100.0).all().all()


def test_identical_values_pass_without_a_test() -> None:
    values = np.array([0.01, 0.02, 0.03, 0.02])
    result = classify_metric(values, values[::-1].copy(), EITHER)
    assert result.classification == "Pass" and not result.critical
    assert "identical" in result.reason and np.isnan(result.ci_low)


def test_decrease_passes_when_only_an_increase_is_bad() -> None:
    """Kayenta's direction gate: with direction "increase" a clear decrease is a Pass, not Low."""
    fleet = _fleet([_deployment(5, base_rate=0.02, new_rate=0.002)])
    frame = judge_fleet(fleet, HORIZONS)
    assert _classes(frame, "error_rate") == ["Pass"] * 3
    assert "lower, but only an increase counts" in frame.loc[0, "error_rate_reason"]
    assert frame.loc[0, "faulty"] == 0 and pd.isna(frame.loc[0, "detected_minute"])
    # The same data with direction "either" is Low, and a critical Low fails the run.
    either = (KayentaMetric("error_rate", "error rate", "rate", direction="either"), kayenta.LATENCY)
    frame = judge_fleet(fleet, HORIZONS, metrics=either)
    assert _classes(frame, "error_rate") == ["Low"] * 3
    assert frame.loc[0, "faulty"] == 1 and frame.loc[0, "detected_minute"] == 10


def test_no_new_version_data_is_nodata_and_fails_the_run() -> None:
    """Kayenta fails a run whose critical metrics have no data (and any run with >= 50% Nodata)."""
    fleet = _fleet([_deployment(6, canary_share=0.1, new_serves=False)])
    frame = judge_fleet(fleet, HORIZONS)
    assert _classes(frame, "error_rate") == ["Nodata"] * 3
    assert _classes(frame, "latency") == ["Nodata"] * 3
    assert frame.loc[0, "error_rate_reason"] == "error rate: Nodata, no data for the new version (critical)"
    assert frame.loc[0, "faulty"] == 1 and frame.loc[0, "score"] == 1.0
    # Not critical: still failed, by the 50% NODATA rule of WeightedSumScorer.
    relaxed = tuple(KayentaMetric(m.name, m.label, m.unit, critical=False) for m in kayenta.DEFAULT_METRICS)
    run = judge_deployment(fleet, 0, 60, metrics=relaxed)
    assert [r.classification for r in run.metrics] == ["Nodata", "Nodata"]
    assert run.failed and run.reason == "Canary Failed: 50% or more metrics returned NODATA"


def test_latency_only_regression_fails_through_the_critical_latency_metric() -> None:
    frame = judge_fleet(_fleet([_deployment(7, new_lat=150.0)]), HORIZONS)
    assert _classes(frame, "error_rate") == ["Pass"] * 3
    assert _classes(frame, "latency") == ["High"] * 3
    assert frame.loc[0, "faulty"] == 1 and frame.loc[0, "detected_minute"] == 10
    assert frame.loc[0, "canary_reason"].startswith("Canary Failed: p95 latency: High (critical)")
    assert " ms" in frame.loc[0, "latency_reason"]


def test_incident_hitting_both_versions_of_a_canary_is_not_high() -> None:
    """Side by side, the baseline rises with the canary: no High. The same incident during a full
    rollout (control = minutes before it) is High, so the control choice is what saves the canary."""
    canary = _deployment(8, canary_share=0.3, incident_rate=0.03)
    full = _deployment(8, incident_rate=0.03)
    frame = judge_fleet(_fleet([canary, full]), HORIZONS)
    assert frame.loc[0, "side_by_side"] and not frame.loc[1, "side_by_side"]
    assert "High" not in _classes(frame, "error_rate", 0)
    assert frame.loc[0, "faulty"] == 0
    assert _classes(frame, "error_rate", 1) == ["High"] * 3


def _late_regression(start: int) -> dict:
    late = _deployment(9)
    rng = np.random.default_rng(99)
    after = MINUTES >= start
    late["errors"][NEW, after] = rng.binomial(late["requests"][NEW, after], 0.05)
    return late


def test_only_the_window_before_the_horizon_is_read() -> None:
    """A regression from minute 15 is invisible at 10; at 20 it covers 5 of 20 minutes; at 60 it is High."""
    frame = judge_fleet(_fleet([_late_regression(15)]), HORIZONS)
    assert _classes(frame, "error_rate") == ["Pass", "Pass", "High"]
    assert frame.loc[0, "detected_minute"] == 60


def test_a_regression_in_half_the_window_is_not_high() -> None:
    """Kayenta compares distributions (a rank test on minutes), not totals: a 10x error rate in the
    last 30 of 60 minutes leaves a bimodal sample whose shift interval straddles the band."""
    frame = judge_fleet(_fleet([_late_regression(30)]), HORIZONS)
    assert _classes(frame, "error_rate") == ["Pass", "Pass", "Pass"]
    assert "not clear of the tolerance" in frame.loc[0, "error_rate_reason"]


# ------------------------------------------------------------------------------ output format


def test_columns_and_dtypes_match_the_scores_contract() -> None:
    fleet = _fleet([_deployment(10), _deployment(11, new_rate=0.05), _deployment(12, new_lat=200.0)])
    frame = judge_fleet(fleet, (20, 10, 60))  # unsorted horizons are sorted
    contract = [c.name for c in SCORES_SPEC]
    assert list(frame.columns[:4]) == contract
    assert {c.name: str(frame[c.name].dtype) for c in SCORES_SPEC} == {
        "deployment_id": str(frame["deployment_id"].dtype), "faulty": "int64", "score": "float64",
        "detected_minute": "Int64"}
    canonical = validate_scores(frame)
    for column in SCORES_SPEC:
        assert frame[column.name].dtype == canonical[column.name].dtype, column.name
        assert pd.api.types.is_dtype_equal(frame[column.name].dtype, column.dtype) or column.kind == "text"
    pd.testing.assert_frame_equal(canonical, frame)
    extra = [f"{m}_class_{h}" for h in HORIZONS for m in ("error_rate", "latency")]
    assert set(extra) <= set(frame.columns)
    assert {"error_rate_reason", "latency_reason", "canary_reason", "canary_score_60"} <= set(frame.columns)
    assert frame["deployment_id"].tolist() == ["d000", "d001", "d002"]
    assert frame["faulty"].tolist() == [0, 1, 1]
    assert frame["score"].between(0, 1).all()
    assert (frame["faulty"] == frame["detected_minute"].notna().astype(int)).all()
    assert frame[extra].isin(CLASSES).all().all()


def test_fleet_without_latency_does_not_configure_the_latency_metric() -> None:
    frame = judge_fleet(_fleet([_deployment(13, new_rate=0.04)], has_latency=False), (10, 60))
    assert "latency_class_60" not in frame.columns and "latency_reason" not in frame.columns
    assert frame.loc[0, "error_rate_class_60"] == "High" and frame.loc[0, "faulty"] == 1


def test_judge_is_deterministic() -> None:
    fleet = _fleet([_deployment(14), _deployment(15, new_rate=0.02), _deployment(16, canary_share=0.2)])
    pd.testing.assert_frame_equal(judge_fleet(fleet), judge_fleet(fleet))
    # The Gaussian noise Kayenta adds to degenerate samples is seeded.
    first = classify_metric([10.0] * 5, [1.0] * 5, EITHER, 0.95, 0.10)
    again = classify_metric([10.0] * 5, [1.0] * 5, EITHER, 0.95, 0.10)
    assert first == again and first.classification == "High"


def test_judge_deployment_by_id_or_position() -> None:
    fleet = _fleet([_deployment(17), _deployment(18, new_rate=0.03)])
    by_id, by_position = judge_deployment(fleet, "d001", 20), judge_deployment(fleet, 1, 20)
    assert by_id == by_position and by_id.failed and by_id.metric("error_rate").classification == "High"
    with pytest.raises(ValueError, match="horizon"):
        judge_fleet(fleet, (0,))
    with pytest.raises(KeyError):
        judge_deployment(fleet, "nope")


def test_mann_whitney_ci_is_re_exported() -> None:
    from fdd.kayenta import mann_whitney_ci

    assert mann_whitney_ci is kayenta_stats.mann_whitney_ci


# ------------------------------------------------------------------------------ Kayenta's rules, one by one


def test_tolerance_band_is_a_fraction_of_the_estimate_not_of_the_control() -> None:
    """MannWhitneyClassifier.calculateBounds: +/- tolerance x |Hodges-Lehmann estimate|. A 0.1% shift of
    a level of 1000 is High although it is far inside "25% of the control"."""
    rng = np.random.default_rng(20)
    control = 1000.0 + rng.normal(0.0, 0.1, 60)
    result = classify_metric(control + 1.0, control[::-1] + rng.normal(0.0, 0.01, 60), kayenta.LATENCY)
    assert result.classification == "High"
    assert result.ci_low > 0.25 * abs(result.estimate)
    assert result.deviation == pytest.approx(1.001, abs=1e-4)


def test_shift_not_clear_of_the_band_passes() -> None:
    rng = np.random.default_rng(21)
    result = classify_metric(rng.normal(10.0, 2.0, 40), rng.normal(10.0, 2.0, 40), EITHER)
    assert result.classification == "Pass" and not result.critical
    assert result.ci_low < 0.25 * abs(result.estimate) and result.ci_high > -0.25 * abs(result.estimate)
    assert "not clear of the tolerance" in result.reason


def test_effect_size_and_critical_thresholds() -> None:
    experiment, control = [20.0, 22.0, 21.0, 25.0, 30.0], [1.0, 2.2, 1.1, 2.5, 3.0]  # ratio ~12x

    def run(**config: float) -> tuple[str, bool]:
        r = classify_metric(experiment, control, KayentaMetric("x", "x", "ms", direction="either", **config),
                            0.95, 0.10)
        return r.classification, r.critical

    assert run() == ("High", True)
    assert run(allowed_increase=5.0, critical_increase=13.0) == ("High", False)
    assert run(allowed_increase=13.0) == ("Pass", False)
    # A zero control mean leaves the ratio undefined; the effect-size gates are then skipped.
    r = classify_metric([54.0, 55.0, 56.0, 57.0], [0.0] * 4,
                        KayentaMetric("x", "x", "ms", direction="either", allowed_increase=1.2,
                                      critical_increase=50.0), 0.95, 0.10)
    assert r.classification == "High" and r.critical and np.isnan(r.deviation)


def test_tied_and_degenerate_samples() -> None:
    assert classify_metric([1.0, 1.0, 1.0], [1.0, 1.0], EITHER).classification == "Pass"
    assert classify_metric([1.0, 1.0, 1.0, 1.0, 10.0], [1.0] * 5, EITHER).classification == "Pass"
    assert classify_metric([10.0] * 5, [0.0] * 5, EITHER, 0.95, 0.10).classification == "High"
    low = classify_metric([2.0] * 5, [20.0] * 5, EITHER, 0.95, 0.10)
    assert low.classification == "Low" and low.critical
    assert classify_metric([np.nan, np.nan], [1.0, 2.0], EITHER).classification == "Nodata"


def test_scorer_counts_and_failures() -> None:
    ok = KayentaMetric("a", "a", "ms", critical=False)
    required = KayentaMetric("b", "b", "ms", critical=False, must_have_data=True)
    nodata_fail = classify_metric([], [1.0, 2.0], required)
    assert nodata_fail.classification == "NodataFailMetric" and not nodata_fail.critical
    passed = classify_metric([1.0, 2.0, 3.0], [3.0, 2.0, 1.0], ok)
    run = score_canary([passed, nodata_fail])
    assert run.score == 50.0 and run.classification == "Fail"
    # A non-critical High only costs its share; with 4 metrics, 3 passing is Marginal.
    high = classify_metric([20.0, 22.0, 21.0, 25.0], [1.0, 2.0, 1.5, 2.5], ok)
    assert high.classification == "High" and not high.critical
    run = score_canary([passed, passed, passed, high])
    assert run.score == 75.0 and run.classification == "Marginal" and not run.failed
    # Nodata is left out of the group's count (below the 50% rule).
    nodata = classify_metric([], [1.0], ok)
    run = score_canary([passed, passed, nodata])
    assert run.score == 100.0 and run.classification == "Pass"
    # Group weights: a failing group weighted 80 leaves 20.
    g1 = KayentaMetric("c", "c", "ms", critical=False, group="g1")
    g2 = KayentaMetric("d", "d", "ms", critical=False, group="g2")
    run = score_canary([classify_metric([20.0, 22.0, 21.0, 25.0], [1.0, 2.0, 1.5, 2.5], g1),
                        classify_metric([1.0, 2.0, 3.0], [3.0, 2.0, 1.0], g2)], group_weights={"g1": 80.0})
    assert run.score == 20.0 and run.group_scores == {"g1": 0.0, "g2": 100.0}


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="confidence"):
        classify_metric([1.0, 2.0], [2.0, 3.0], EITHER, confidence=1.0)
    with pytest.raises(ValueError, match="tolerance"):
        classify_metric([1.0, 2.0], [2.0, 3.0], EITHER, tolerance=-0.1)
    with pytest.raises(ValueError, match="direction"):
        KayentaMetric("x", "x", "ms", direction="up")


# ------------------------------------------------------------------------------ exact boundaries


def test_control_is_side_by_side_at_exactly_half_the_new_versions_minutes() -> None:
    """The previous version serving in exactly half as many window minutes as the new version still
    counts as side by side (control = those same minutes); one minute fewer than half is a drain."""
    d = _deployment(30, canary_share=0.5)
    stops = MINUTES >= 5  # the previous version serves minutes 0..4 only
    for name, empty in (("requests", 0), ("errors", 0), ("present", False), ("latency_ms", np.nan)):
        d[name][PREVIOUS, stops] = empty
    fleet = _fleet([d])
    at_half = judge_deployment(fleet, 0, 10)  # new: 10 minutes, previous: 5
    assert at_half.side_by_side
    assert at_half.metric("error_rate").n_experiment == 10 and at_half.metric("error_rate").n_control == 5
    below = judge_deployment(fleet, 0, 11)  # new: 11 minutes, previous: still 5
    assert not below.side_by_side
    assert below.metric("error_rate").n_control == 60  # the minutes before the rollout


def test_exactly_half_the_metrics_nodata_fails_the_run() -> None:
    """WeightedSumScorer fails a run at 50% Nodata inclusive: with two non-critical metrics, one
    Nodata and one Pass, the run fails although no metric failed."""
    passed = classify_metric([1.0, 2.0, 3.0], [3.0, 2.0, 1.0], KayentaMetric("a", "a", "ms", critical=False))
    nodata = classify_metric([], [1.0, 2.0], KayentaMetric("b", "b", "ms", critical=False))
    assert (passed.classification, nodata.classification) == ("Pass", "Nodata")
    assert not passed.critical and not nodata.critical
    run = score_canary([passed, nodata])
    assert run.score == 0.0 and run.failed
    assert run.reason == "Canary Failed: 50% or more metrics returned NODATA"


def test_estimate_drops_the_continuity_correction_at_the_range_ends() -> None:
    """The Hodges-Lehmann estimate evaluates W at both ends of the range without the continuity
    correction too: for experiment [0] and control [0, 1] the uncorrected W is +/-0.5/sigma there
    (the corrected one is 0, which would make the range end -1 the estimate), so the estimate is
    the median pairwise difference -0.5."""
    low, high, estimate = kayenta_stats.mann_whitney_ci([0.0], [0.0, 1.0], 0.98)
    assert (low, high) == (-1.0, 0.0)
    assert estimate == pytest.approx(-0.5, abs=kayenta_stats.ROOT_TOL)
