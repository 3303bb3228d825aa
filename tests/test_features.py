"""Features of the sequential models: no leakage from the future, no weak or truth columns."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from fdd.features import FEATURE_SETS, HorizonError, build_features, feature_names
from fdd.fleet import Fleet
from fdd.simulate import simulate_fleet


@pytest.fixture(scope="module")
def fleet() -> Fleet:
    return simulate_fleet(600, seed=11)


def _scramble_from(fleet: Fleet, minute: int, seed: int = 0) -> Fleet:
    """A copy of the fleet whose rows at minutes >= `minute` are replaced by noise."""
    rng = np.random.default_rng(seed)
    col = fleet.column(minute)
    requests = fleet.requests.copy()
    requests[:, :, col:] = rng.integers(0, 5000, requests[:, :, col:].shape)
    errors = fleet.errors.copy()
    errors[:, :, col:] = rng.integers(0, 100, errors[:, :, col:].shape).clip(max=requests[:, :, col:])
    novel = fleet.new_type_errors.copy()
    novel[:, :, col:] = errors[:, :, col:] // 2
    latency = fleet.latency_ms.copy()
    latency[:, :, col:] = rng.uniform(1, 10_000, latency[:, :, col:].shape)
    present = fleet.present.copy()
    present[:, :, col:] = True
    return dataclasses.replace(fleet, requests=requests, errors=errors, new_type_errors=novel,
                               latency_ms=latency, present=present)


@pytest.mark.parametrize("feature_set", FEATURE_SETS)
@pytest.mark.parametrize("horizon", [10, 20])
def test_features_ignore_rows_at_or_after_the_horizon(fleet, feature_set, horizon):
    before = build_features(fleet, horizon, feature_set)
    after = build_features(_scramble_from(fleet, horizon), horizon, feature_set)
    pd.testing.assert_frame_equal(before, after)
    # ... while the same scrambling one minute earlier does change them (the guard can fail)
    earlier = build_features(_scramble_from(fleet, horizon - 1), horizon, feature_set)
    assert not before.equals(earlier)


def test_weak_signals_and_truth_never_become_features(fleet):
    deployments = fleet.deployments.copy()
    rng = np.random.default_rng(1)
    for column in ("rolled_back", "incident", "label", "detectable"):
        deployments[column] = rng.integers(0, 2, len(deployments))
    deployments["lifetime_minutes"] = rng.uniform(0, 1000, len(deployments))
    deployments["magnitude"] = rng.uniform(0, 1, len(deployments))
    changed = dataclasses.replace(fleet, deployments=deployments)
    pd.testing.assert_frame_equal(build_features(fleet, 20), build_features(changed, 20))
    names = " ".join(feature_names("full"))
    for word in ("rolled_back", "lifetime", "incident", "label", "scenario", "magnitude", "detectable"):
        assert word not in names


def test_columns_are_float_finite_and_match_the_named_sets(fleet):
    previous: list[str] = []
    for feature_set in FEATURE_SETS:
        frame = build_features(fleet, 10, feature_set)
        assert list(frame.columns) == feature_names(feature_set)
        assert all(dtype == np.float64 for dtype in frame.dtypes)
        assert np.isfinite(frame.to_numpy()).all()
        assert len(frame) == fleet.n
        assert list(frame.index) == list(fleet.ids.astype(str))
        assert frame.columns[: len(previous)].tolist() == previous  # each set extends the last
        previous = list(frame.columns)
    for wanted in ("impact_error_p_neglog10", "impact_latency_z", "novel_rate_vs_base_log_ratio",
                   "rate_vs_worst_window_log_ratio", "temporal_previous_ratio_log"):
        assert wanted in feature_names("basic")
    for wanted in ("canary_share", "shape_slope_z", "shape_early_share", "shape_max_minute_z", "log_new_requests"):
        assert wanted in feature_names("domain") and wanted not in feature_names("basic")


def test_shape_features_see_a_late_rise(fleet):
    # A deployment whose new version's errors jump only in the second half of the window.
    i = int(np.argmax(fleet.requests[1, :, fleet.column(0)]))
    errors = fleet.errors.copy()
    lo, hi = fleet.column(10), fleet.column(20)
    errors[1, i, lo:hi] = fleet.requests[1, i, lo:hi] // 2
    late = dataclasses.replace(fleet, errors=errors)
    row = build_features(late, 20, "domain").iloc[i]
    assert row["shape_second_half_log_ratio"] > row["shape_first_half_log_ratio"] + 1
    assert row["shape_slope_z"] > 0
    assert row["shape_early_share"] < 0.1


def test_a_horizon_beyond_the_data_is_refused(fleet):
    with pytest.raises(HorizonError, match="beyond the data"):
        build_features(fleet.before(30), 60)
    with pytest.raises(ValueError, match="unknown feature set"):
        build_features(fleet, 10, "everything")


def _without_baseline(fleet: Fleet) -> Fleet:
    """The fleet cut to minutes >= 0: no minute before the rollout at all."""
    col = fleet.column(0)
    return dataclasses.replace(
        fleet, minutes=fleet.minutes[col:], requests=fleet.requests[:, :, col:], errors=fleet.errors[:, :, col:],
        new_type_errors=fleet.new_type_errors[:, :, col:], latency_ms=fleet.latency_ms[:, :, col:],
        present=fleet.present[:, :, col:])


@pytest.mark.filterwarnings("error")  # no "Mean of empty slice" / "invalid value" RuntimeWarning
def test_data_without_baseline_minutes_gives_finite_features(fleet):
    bare = _without_baseline(fleet)
    assert bare.minutes[0] == 0
    frame = build_features(bare, 20, "full")
    assert np.isfinite(frame.to_numpy()).all()
    assert (frame["base_active_share"] == 0).all()
    assert frame["new_active_share"].between(0, 1).all()


def test_features_use_the_checks_nan_helpers():
    from fdd import checks, features

    for duplicate in ("_nan_mean", "_nan_sd", "_ratio"):
        assert not hasattr(features, duplicate), duplicate
    assert features._safe_ratio is checks._safe_ratio and features._nan_stats is checks._nan_stats


# ---------------------------------------------------------------------------- values on a hand-built fleet


def _hand_fleet() -> Fleet:
    """Three deployments of constant traffic, minutes -30..29, whose features are known by hand.

    Baseline (previous version): 1000 requests, 10 errors (1 %), p95 100 ms every minute.
    * d0, instant: 50 errors a minute in minutes 0-9 only, then 10; p95 200 ms from minute 10 on.
    * d1, instant: 2 errors a minute (fewer than before).
    * d2, canary: the new version serves 250 of 1000 requests a minute, the previous one the rest.
    """
    minutes = np.arange(-30, 30)
    n, t = 3, len(minutes)
    before, after = minutes < 0, minutes >= 0
    requests = np.zeros((2, n, t), np.int32)
    errors = np.zeros((2, n, t), np.int32)
    latency = np.full((2, n, t), np.nan)
    requests[0, :, before], errors[0, :, before], latency[0, :, before] = 1000, 10, 100.0
    requests[1, 0, after], errors[1, 0, after], latency[1, 0, after] = 1000, 10, 100.0
    errors[1, 0, (minutes >= 0) & (minutes < 10)] = 50
    latency[1, 0, minutes >= 10] = 200.0
    requests[1, 1, after], errors[1, 1, after], latency[1, 1, after] = 1000, 2, 100.0
    requests[0, 2, after], errors[0, 2, after], latency[0, 2, after] = 750, 8, 100.0
    requests[1, 2, after], errors[1, 2, after], latency[1, 2, after] = 250, 2, 100.0
    return Fleet(deployments=pd.DataFrame({"deployment_id": ["d0", "d1", "d2"]}), minutes=minutes,
                 requests=requests, errors=errors, new_type_errors=np.zeros_like(errors), latency_ms=latency,
                 present=requests > 0)


@pytest.fixture(scope="module")
def hand() -> pd.DataFrame:
    return build_features(_hand_fleet(), 20, "full")


def test_p_values_become_non_negative_minus_log10(fleet, hand):
    """-log10 p is >= 0 and grows with the evidence: a tiny p (d0's 5x error step) gives a large feature."""
    for frame in (hand, build_features(fleet, 20, "full")):
        columns = [c for c in frame.columns if c.endswith("_neglog10")]
        assert columns and (frame[columns] >= 0).all().all()
    assert hand.loc["d0", "impact_error_p_neglog10"] > 10
    assert hand.loc["d1", "impact_error_p_neglog10"] < 1


def test_signed_log_keeps_the_sign_of_extra_errors(hand):
    """Extra errors become sign(x) * log1p(|x|): a new version with fewer errors than expected stays negative."""
    assert hand.loc["d0", "impact_extra_errors_slog"] > 0
    assert hand.loc["d1", "impact_extra_errors_slog"] < 0
    assert hand.loc["d2", "impact_extra_errors_slog"] < 0


def test_canary_share_is_the_new_versions_share_of_window_traffic(hand):
    """canary_share is new / (new + previous) requests in the window: 1 for an instant rollout, 0.25 here."""
    assert hand.loc["d0", "canary_share"] == pytest.approx(1.0)
    assert hand.loc["d2", "canary_share"] == pytest.approx(0.25)
    assert hand.loc["d2", "canary_share_recent"] == pytest.approx(0.25)


def test_shape_halves_split_the_window_at_its_middle(hand):
    """At h=20 the first half is minutes 0-9 and the second 10-19: d0's excess lies wholly in the first."""
    assert hand.loc["d0", "shape_first_half_log_ratio"] == pytest.approx(np.log(500.5 / 100.5))
    assert hand.loc["d0", "shape_second_half_log_ratio"] == pytest.approx(0.0, abs=1e-9)
    assert hand.loc["d0", "shape_half_change"] < -1


def test_latency_second_half_is_new_over_baseline(hand):
    """Mean log p95 of the window's second half minus the baseline's: a doubled p95 gives +log 2."""
    assert hand.loc["d0", "shape_latency_second_half_log_ratio"] == pytest.approx(np.log(2.0))
    assert hand.loc["d1", "shape_latency_second_half_log_ratio"] == pytest.approx(0.0)
