"""The statistical checks on hand-built deployments with a known answer, and their vote."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fdd.checks import (
    CHECK_NAMES,
    ITERATION_STEPS,
    CheckConfig,
    first_detection,
    poisson_rate_test,
    run_checks,
    run_horizons,
    vote,
)
from fdd.fleet import Fleet
from fdd.refinement import iteration_table
from fdd.simulate import simulate_fleet

MINUTES = np.arange(-60, 60)


def build(prev_rate, new_rate, *, rpm: float = 1000.0, canary_share=None, latency_new=None, novel_new=None,
          seed: int = 0) -> Fleet:
    """One deployment from per-minute error rates (arrays over MINUTES), Poisson-noised, seeded.

    `canary_share` (array over MINUTES, 0 before the rollout) splits traffic between versions;
    without it the rollout is instant. `prev_rate`/`new_rate` may be scalars.
    """
    rng = np.random.default_rng(seed)
    t = len(MINUTES)
    share = np.where(MINUTES >= 0, 1.0, 0.0) if canary_share is None else np.asarray(canary_share, dtype=float)
    total = rng.poisson(rpm, t)
    new_req = rng.binomial(total, share)
    prev_req = total - new_req
    prev_rate = np.broadcast_to(np.asarray(prev_rate, dtype=float), (t,))
    new_rate = np.broadcast_to(np.asarray(new_rate, dtype=float), (t,))
    req = np.stack([prev_req, new_req])[:, None, :].astype(np.int32)
    err = np.stack([rng.binomial(prev_req, prev_rate), rng.binomial(new_req, new_rate)])[:, None, :].astype(np.int32)
    novel = np.zeros_like(err)
    if novel_new is not None:
        novel[1, 0] = np.minimum(err[1, 0], rng.binomial(new_req, novel_new))
    lat = np.full(req.shape, np.nan)
    lat[0, 0] = 100 * np.exp(rng.normal(0, 0.05, t))
    lat[1, 0] = (100 if latency_new is None else latency_new) * np.exp(rng.normal(0, 0.05, t))
    present = req > 0
    lat[~present] = np.nan
    deployments = pd.DataFrame({"deployment_id": ["d1"], "service": ["s"], "rolled_back": [0],
                                "lifetime_minutes": [np.nan], "incident": [0]})
    return Fleet(deployments, MINUTES.copy(), req, err * present, novel * present, lat, present)


def verdicts(fleet: Fleet, horizon: int = 60) -> dict[str, tuple[bool, str]]:
    v = run_checks(fleet, horizon)
    return {name: (ok, why) for name, ok, why in v.explain(0)} | {"flagged": (bool(v.flagged[0]), "")}


def test_clean_step_is_flagged_with_its_impact():
    out = verdicts(build(0.01, np.where(MINUTES >= 0, 0.05, 0.01)))
    assert out["flagged"][0]
    assert out["impact"][0] and "error rate" in out["impact"][1] and "extra errors" in out["impact"][1]
    assert out["persistence"][0] and out["temporal"][0] and out["novelty"][0]
    # the ratio is not the plain ratio of the two rates shown beside it: the reason says why
    assert "the ratio adds half an error to the reference" in out["impact"][1]


def test_late_onset_fault_is_found_in_the_latest_half():
    # Clean for 40 minutes, then 5x the errors: diluted in the hour, plain in its latest half.
    fleet = build(0.01, np.where(MINUTES >= 40, 0.05, 0.01), rpm=30.0, seed=1)
    whole_only = run_checks(fleet, 60, config=CheckConfig(late_min_minutes=0)).results["impact"]
    assert not whole_only.passed[0] and whole_only.reason(0).startswith("not significant")
    out = verdicts(fleet)
    assert out["impact"][0] and "in the latest 30 min" in out["impact"][1]
    assert out["flagged"][0], "the late excess is persistent, new and starts after the rollout"
    # at 20 minutes the fault has not begun: nothing to find in either half
    assert not run_checks(fleet, 20).results["impact"].passed[0]


def test_late_only_reason_names_the_latest_half_reference():
    # A canary at 20 % until minute 30, then the whole traffic: the latest half has no control, so
    # its excess is judged against the pre-rollout baseline, and the reason must say so.
    share = np.where(MINUTES < 0, 0.0, np.where(MINUTES < 30, 0.2, 1.0))
    fleet = build(0.01, np.where(MINUTES >= 40, 0.05, 0.01), rpm=30.0, canary_share=share, seed=0)
    impact = run_checks(fleet, 60).results["impact"]
    assert impact.stats["late_only"][0] == 1.0
    assert impact.stats["side_by_side"][0] == 1.0 and impact.stats["late_side_by_side"][0] == 0.0
    assert "baseline in the latest 30 min" in impact.reason(0)
    assert "previous version at the same minutes" not in impact.reason(0)


def test_restart_blip_is_transient():
    blip = np.where((MINUTES >= 0) & (MINUTES < 3), 0.4, 0.01)
    out = verdicts(build(0.01, blip))
    assert out["impact"][0], "the blip does raise the hour's error rate"
    assert not out["persistence"][0] and out["persistence"][1].startswith("transient")
    assert not out["flagged"][0]


def test_excess_over_before_the_final_quarter_is_transient():
    # 5x errors from minute 5 to 47, then back to normal: enough in the latest half, none at the end.
    fleet = build(0.01, np.where((MINUTES >= 5) & (MINUTES < 48), 0.05, 0.01), seed=3)
    out = verdicts(fleet)
    assert out["impact"][0]
    assert not out["persistence"][0] and out["persistence"][1].startswith("transient")
    assert "in the final 15" in out["persistence"][1]
    without_final = run_checks(fleet, 60, config=CheckConfig(min_final_share=0.0)).results["persistence"]
    assert without_final.passed[0], "the latest-half rule alone would have called it persistent"


def test_version_rolled_back_inside_the_window_is_judged_over_the_minutes_it_served():
    # 5x the errors from the rollout until a rollback at minute 20, then the previous version again.
    served = np.where((MINUTES >= 0) & (MINUTES < 20), 1.0, 0.0)
    out = verdicts(build(0.01, np.where(MINUTES >= 0, 0.05, 0.01), canary_share=served))
    assert out["persistence"][0], out["persistence"][1]
    assert "judged over the first 20 of 60 min" in out["persistence"][1]
    assert out["flagged"][0]
    # a restart blip of such a version is still a blip
    blip = verdicts(build(0.01, np.where((MINUTES >= 0) & (MINUTES < 3), 0.2, 0.01), canary_share=served))
    assert not blip["persistence"][0] and blip["persistence"][1].startswith("transient")


def test_version_pulled_early_is_judged_outside_restart_minutes_without_dropping_its_worst():
    # 5x the errors from the rollout until a rollback at minute 8: after the 3 restart minutes
    # and the 3 worst, too little is left for the steady rule, yet the excess is spread evenly.
    pulled = np.where((MINUTES >= 0) & (MINUTES < 8), 1.0, 0.0)
    fleet = build(0.01, np.where(MINUTES >= 0, 0.05, 0.01), canary_share=pulled, seed=2)
    out = verdicts(fleet)
    assert out["persistence"][0] and "pulled before half the window" in out["persistence"][1], out["persistence"][1]
    assert "judged over the first 8 of 60 min" in out["persistence"][1] and out["flagged"][0]
    stats = run_checks(fleet, 60).results["persistence"].stats
    assert stats["stopped_early"][0] == 1 and stats["error_steady_share"][0] < CheckConfig().min_steady_share


@pytest.mark.parametrize("case", ["blip_until_the_pull", "blip_after_every_step", "blip_then_calm"])
def test_restart_blips_of_a_version_pulled_early_stay_transient(case):
    if case == "blip_until_the_pull":  # an instant rollout pulled after its 3 restart minutes
        share = np.where((MINUTES >= 0) & (MINUTES < 3), 1.0, 0.0)
        rate = np.where((MINUTES >= 0) & (MINUTES < 3), 0.2, 0.01)
    elif case == "blip_after_every_step":  # a staged rollout doubling every 2 minutes, pulled at 8
        share = np.where((MINUTES >= 0) & (MINUTES < 8), 0.1 * 2.0 ** np.clip(MINUTES // 2, 0, 3), 0.0)
        rate = np.where((MINUTES >= 0) & (MINUTES < 8) & (MINUTES % 2 == 0), 0.2, 0.01)
    else:  # an instant rollout pulled at 8, its blip over after 2 minutes
        share = np.where((MINUTES >= 0) & (MINUTES < 8), 1.0, 0.0)
        rate = np.where((MINUTES >= 0) & (MINUTES < 2), 0.2, 0.01)
    run = run_checks(build(0.01, rate, canary_share=share, seed=2), 60)
    persistence = run.results["persistence"]
    assert persistence.stats["stopped_early"][0] == 1
    assert not persistence.passed[0] and persistence.reason(0).startswith("transient"), persistence.reason(0)
    assert not run.flagged[0]


def test_a_sparse_new_version_is_not_a_stop():
    # one request at minute 0 and one at minute 30 while the previous version serves all hour
    fleet = build(0.01, 0.01, canary_share=np.where(MINUTES >= 0, 0.5, 0.0), rpm=40.0, seed=1)
    new = fleet.requests[1, 0]
    keep = np.isin(MINUTES, [0, 30])
    new[MINUTES >= 0] = np.where(keep[MINUTES >= 0], 1, 0)
    fleet.errors[1, 0] = np.minimum(fleet.errors[1, 0], new)
    fleet.present[1, 0] = new > 0
    persistence = run_checks(fleet, 60).results["persistence"]
    assert persistence.stats["served_share"][0] == 1.0 and persistence.stats["stopped_early"][0] == 0


def test_crash_loop_bursts_recurring_in_every_quarter_are_persistent_and_one_burst_is_not():
    # A one-minute burst of 30 % errors every 15 minutes: most of the excess sits in 4 minutes,
    # but it comes back in every quarter of the hour.
    loop = np.where(np.isin(MINUTES, [7, 22, 37, 52]), 0.3, 0.01)
    out = verdicts(build(0.01, loop))
    assert out["persistence"][0] and "recurring" in out["persistence"][1], out["persistence"][1]
    assert out["flagged"][0]
    without = run_checks(build(0.01, loop), 60, config=CheckConfig(min_quarter_share=0)).results["persistence"]
    assert not without.passed[0]
    # quarters of under 10 minutes cannot tell bursts that come back from one: not at 30 minutes
    assert not run_checks(build(0.01, loop), 30).results["persistence"].passed[0]
    # the same errors in one burst are transient
    burst = verdicts(build(0.01, np.where((MINUTES >= 40) & (MINUTES < 44), 0.3, 0.01)))
    assert not burst["persistence"][0] and burst["persistence"][1].startswith("transient")


def test_rise_with_a_surge_of_the_whole_service_traffic_is_not_blamed_on_the_deployment():
    # Traffic 2.5x from the rollout on, the error rate up 1.8x with it: load, not the new version.
    surge = build(0.01, np.where(MINUTES >= 0, 0.018, 0.01), rpm=np.where(MINUTES >= 0, 2500.0, 1000.0))
    out = verdicts(surge)
    assert out["impact"][0] and out["persistence"][0]
    assert not out["temporal"][0] and "traffic rose 2.4x" in out["temporal"][1]
    assert not out["flagged"][0]
    # the same rise without the surge is the deployment's
    assert verdicts(build(0.01, np.where(MINUTES >= 0, 0.018, 0.01), rpm=1000.0))["flagged"][0]


def test_a_gap_a_retry_storm_or_a_canary_worse_than_its_control_is_not_a_load_surge():
    step = np.where(MINUTES >= 0, 0.05, 0.01)
    # a telemetry gap in the last baseline minutes does not lower the baseline's load
    fleet = build(0.01, step)
    gap = (MINUTES >= -10) & (MINUTES < 0)
    fleet.requests[:, 0, gap] = 0
    fleet.errors[:, 0, gap] = 0
    fleet.present[:, 0, gap] = False
    assert verdicts(fleet)["flagged"][0]
    # a failing version's own retries: 40 % errors, requests up 1.6x, successes flat
    storm = verdicts(build(0.01, np.where(MINUTES >= 0, 0.4, 0.01), rpm=np.where(MINUTES >= 0, 1600.0, 1000.0)))
    assert storm["temporal"][0] and storm["flagged"][0]
    # a canary 10x worse than its control at the same minutes, while the traffic doubles
    share = np.where(MINUTES >= 0, 0.3, 0.0)
    canary = verdicts(build(0.01, np.where(MINUTES >= 0, 0.1, 0.01), canary_share=share,
                            rpm=np.where(MINUTES >= 0, 2000.0, 1000.0)))
    assert canary["temporal"][0] and canary["flagged"][0]


def test_a_canary_is_worse_than_its_control_only_at_the_minutes_both_served():
    # The control serves until minute 30 and rises 2x with the time of day, as the canary does;
    # after the control has left, the rise goes on (4x the baseline). The canary was never worse
    # than the previous version at the same minutes: the rise is the time of day's.
    share = np.where(MINUTES >= 30, 1.0, np.where(MINUTES >= 0, 0.3, 0.0))
    prev = np.where(MINUTES >= 0, 0.02, 0.01)
    drift = verdicts(build(prev, np.where(MINUTES >= 30, 0.04, np.where(MINUTES >= 0, 0.02, 0.01)),
                           canary_share=share, seed=5))
    assert drift["impact"][0] and not drift["temporal"][0] and "previous version rose" in drift["temporal"][1]
    assert not drift["flagged"][0]
    # a canary 5x worse than its rising control at the same minutes is still the deployment's
    worse = verdicts(build(prev, np.where(MINUTES >= 0, 0.1, 0.01), canary_share=share, seed=5))
    assert worse["temporal"][0] and worse["flagged"][0]


def test_sparse_traffic_or_a_telemetry_gap_at_the_end_is_not_a_rollback():
    # a 5 % canary of a 3 request/min service that serves all hour with empty late minutes
    sparse = run_checks(build(0.01, 0.01, rpm=3.0, canary_share=np.where(MINUTES >= 0, 0.05, 0.0), seed=4), 60)
    assert (sparse.results["persistence"].stats["served_share"] == 1.0).all()
    # a fault whose last 25 minutes are missing from both versions' telemetry: judged on what exists
    fleet = build(0.01, np.where(MINUTES >= 0, 0.05, 0.01))
    gone = MINUTES >= 35
    fleet.requests[:, 0, gone] = 0
    fleet.errors[:, 0, gone] = 0
    fleet.present[:, 0, gone] = False
    out = verdicts(fleet)
    assert "judged over the first 35 of 60 min" in out["persistence"][1] and out["flagged"][0]


def test_incident_on_both_versions_during_a_canary_is_not_blamed_on_the_deployment():
    incident = np.where(MINUTES >= 0, 0.06, 0.01)
    share = np.where(MINUTES >= 0, 0.3, 0.0)
    out = verdicts(build(incident, incident, canary_share=share))
    assert not out["flagged"][0]
    # side by side, the new version is no worse than the previous one at the same minutes
    assert not out["impact"][0]
    assert "same minutes" in out["impact"][1]


def test_incident_before_the_rollout_is_not_new():
    rate = np.where(MINUTES >= -10, 0.05, 0.01)
    out = verdicts(build(rate, rate))
    assert not out["temporal"][0]
    assert "before the rollout" in out["temporal"][1]
    assert not out["flagged"][0]


def test_preexisting_errors_are_not_an_impact():
    rate = np.where(MINUTES >= -55, 0.04, 0.01)
    out = verdicts(build(rate, rate))
    assert not out["flagged"][0]
    assert not out["impact"][0]


def test_one_request_per_minute_abstains_for_lack_of_baseline():
    out = verdicts(build(0.01, 0.2, rpm=1.0))
    assert not out["sufficiency"][0]
    assert "abstains" in out["sufficiency"][1]
    assert not out["flagged"][0]


def test_latency_regression_is_flagged_by_latency():
    out = verdicts(build(0.01, 0.01, latency_new=160.0))
    assert out["flagged"][0]
    assert "p95 latency" in out["impact"][1]


def test_renamed_errors_are_new_types_but_no_impact():
    out = verdicts(build(0.01, 0.01, novel_new=0.008))
    assert out["novelty"][0] and "never-seen" in out["novelty"][1]
    assert not out["impact"][0] and not out["flagged"][0]


def test_a_handful_of_extra_errors_is_not_an_impact_however_significant():
    """A canary at 5 % of the traffic with 3 errors against a clean control is "significant" (the
    control has 19x the requests) but too few errors to act on; 6 errors are an impact."""
    fleet = build(0.0, 0.0, canary_share=np.where(MINUTES >= 0, 0.05, 0.0))
    at = np.flatnonzero((MINUTES >= 40) & (fleet.requests[1, 0] > 0))
    fleet.errors[1, 0, at[:3]] = 1
    impact = run_checks(fleet, 60).results["impact"].stats
    assert impact["error_p"][0] < CheckConfig().alpha / 2 and impact["error_flag"][0] == 0
    fleet.errors[1, 0, at[3:6]] = 1
    assert run_checks(fleet, 60).results["impact"].stats["error_flag"][0] == 1


@pytest.mark.parametrize("minutes, enough", [(10, True), (9, False)])
def test_a_baseline_of_exactly_the_minimum_minutes_is_enough(minutes, enough):
    fleet = build(0.01, 0.01)
    silent = (MINUTES < 0) & (MINUTES < -minutes)
    for array in (fleet.requests, fleet.errors, fleet.new_type_errors):
        array[0, 0, silent] = 0
    fleet.present[0, 0, silent] = False
    fleet.latency_ms[0, 0, silent] = np.nan
    sufficiency = run_checks(fleet, 60).results["sufficiency"]
    assert bool(sufficiency.passed[0]) is enough, sufficiency.reason(0)


def test_first_detection_is_the_earliest_flagging_horizon():
    from types import SimpleNamespace

    verdicts = [SimpleNamespace(horizon=10, flagged=np.array([True, False, False])),
                SimpleNamespace(horizon=20, flagged=np.array([False, True, False])),
                SimpleNamespace(horizon=60, flagged=np.array([True, True, False]))]
    np.testing.assert_array_equal(first_detection(verdicts), [10, 20, -1])


def test_horizon_sees_only_earlier_minutes():
    fleet = build(0.01, np.where(MINUTES >= 30, 0.2, 0.01))
    assert not run_checks(fleet, 20).flagged[0]
    assert run_checks(fleet, 60).flagged[0]
    altered = build(0.01, np.where(MINUTES >= 30, 0.2, 0.01))
    altered.errors[1, 0, MINUTES >= 20] = 0
    a, b = run_checks(fleet, 20), run_checks(altered, 20)
    for name in CHECK_NAMES:
        for key, value in a.results[name].stats.items():
            np.testing.assert_array_equal(value, b.results[name].stats[key], err_msg=f"{name}.{key}")


def test_vote_is_unanimous_and_validates_names():
    fleet = build(0.01, np.where((MINUTES >= 0) & (MINUTES < 3), 0.4, 0.01))
    v = run_checks(fleet, 60)
    assert vote(v.results, ("impact",))[0]
    assert not vote(v.results, ("impact", "persistence"))[0]
    with pytest.raises(ValueError, match="unknown checks"):
        vote(v.results, ("impact", "magic"))
    with pytest.raises(ValueError, match="at least one"):
        vote(v.results, ())


def test_poisson_rate_test_is_calibrated_under_the_null():
    rng = np.random.default_rng(3)
    k = rng.poisson(50, 20000)
    ref = rng.poisson(500, 20000)
    p = poisson_rate_test(k, ref, np.full(20000, 1.0), np.full(20000, 10.0), np.ones(20000))
    assert 0.02 < (p < 0.05).mean() < 0.06
    assert poisson_rate_test(np.array([200]), np.array([500]), np.array([1.0]), np.array([10.0]), np.ones(1))[0] < 1e-6


def test_config_rejects_impossible_values():
    with pytest.raises(ValueError):
        CheckConfig(alpha=0)
    with pytest.raises(ValueError):
        CheckConfig(min_ratio=0.5)
    with pytest.raises(ValueError, match="min_quarter_share"):
        CheckConfig(min_quarter_share=0.3)
    with pytest.raises(ValueError, match="load_surge_ratio"):
        CheckConfig(load_surge_ratio=0.9)
    with pytest.raises(ValueError):
        run_checks(build(0.01, 0.01), horizon=0)


def test_fleet_checks_are_deterministic_and_tell_the_refinement_story():
    fleet = simulate_fleet(800, seed=5)
    first = run_horizons(fleet)
    second = run_horizons(simulate_fleet(800, seed=5))
    np.testing.assert_array_equal(first_detection(first), first_detection(second))
    table = iteration_table(first[-1], fleet.deployments)
    assert list(table["added"]) == [step[-1] for step in ITERATION_STEPS]
    # each added check can only remove flags
    assert (np.diff(table["flagged"].to_numpy()) <= 0).all()
    assert table["fp_rate"].iloc[-1] < table["fp_rate"].iloc[0]
    assert {"fp_restart_blip", "fp_unrelated_incident"} <= set(table.columns)


def test_information_ceilings_remove_only_the_named_confounders_false_positives():
    import pandas as pd

    from fdd.refinement import information_ceilings

    deployments = pd.DataFrame({
        "label": [1, 1, 0, 0, 0, 0],
        "scenario": ["error_step", "error_step", "unrelated_incident", "seasonal_rise", "healthy", "healthy"],
    })
    flagged = np.array([1, 0, 1, 1, 1, 0], dtype=bool)
    table = information_ceilings(flagged, deployments)
    assert list(table["flagged"]) == [4, 3, 2]
    assert list(table["precision"]) == pytest.approx([0.25, 1 / 3, 0.5])
    with pytest.raises(ValueError, match="scenario"):
        information_ceilings(flagged, deployments.drop(columns="scenario"))
