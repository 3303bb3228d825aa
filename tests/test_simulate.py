"""Tests of fdd.simulate: determinism, the data contract's invariants, the scenario mix, what
each scenario does to the telemetry, the weak signals, the single-deployment explorer and
parameter validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fdd.fleet import NEW, PREVIOUS, Fleet, fleet_to_timeseries
from fdd.simulate import (
    BASELINE_MINUTES,
    PROFILES,
    ROLLOUTS,
    SCENARIOS,
    SCENARIOS_CONFOUNDER,
    SCENARIOS_FAULTY,
    TRUTH_COLUMNS,
    WINDOW_MINUTES,
    simulate_deployment,
    simulate_fleet,
)

CONTRACT_COLUMNS = [
    "deployment_id",
    "service",
    "rolled_back",
    "lifetime_minutes",
    "incident",
    "label",
    "deployed_at",
]


@pytest.fixture(scope="module")
def fleet() -> Fleet:
    return simulate_fleet(6000, seed=11)


@pytest.fixture(scope="module")
def summary(fleet: Fleet) -> pd.DataFrame:
    """Per-deployment totals: baseline (previous, minutes < 0) and window (new, minutes >= 0)."""
    before, after = fleet.minutes < 0, fleet.minutes >= 0
    r, e, nte = fleet.requests, fleet.errors, fleet.new_type_errors
    d = fleet.deployments.copy()
    d["req_base"] = r[PREVIOUS][:, before].sum(axis=1)
    d["err_base"] = e[PREVIOUS][:, before].sum(axis=1)
    d["req_new"] = r[NEW][:, after].sum(axis=1)
    d["err_new"] = e[NEW][:, after].sum(axis=1)
    d["nte_new"] = nte[NEW][:, after].sum(axis=1)
    d["nte_prev"] = nte[PREVIOUS].sum(axis=1)
    d["ratio"] = ((d.err_new + 0.5) / (d.req_new + 1)) / ((d.err_base + 0.5) / (d.req_base + 1))
    d["busy"] = (d.req_base >= 3000) & (d.req_new >= 3000)
    return d


def _rate(errors: np.ndarray, requests: np.ndarray) -> float:
    return float(errors.sum()) / max(float(requests.sum()), 1.0)


# ------------------------------------------------------------------------------ determinism
def _assert_same(a: Fleet, b: Fleet) -> None:
    pd.testing.assert_frame_equal(a.deployments, b.deployments)
    for name in ("minutes", "requests", "errors", "new_type_errors", "present"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    np.testing.assert_array_equal(a.latency_ms, b.latency_ms)  # NaN == NaN here


def test_same_seed_same_fleet():
    _assert_same(simulate_fleet(400, seed=3), simulate_fleet(400, seed=3))


def test_different_seeds_differ():
    a, b = simulate_fleet(400, seed=3), simulate_fleet(400, seed=4)
    assert not np.array_equal(a.requests, b.requests)
    assert not a.deployments["scenario"].equals(b.deployments["scenario"])


def test_same_seed_same_deployment():
    kwargs = dict(scenario="unrelated_incident", magnitude=0.6, rollout="canary", seed=9)
    _assert_same(simulate_deployment(**kwargs), simulate_deployment(**kwargs))
    other = simulate_deployment(**{**kwargs, "seed": 10})
    assert not np.array_equal(other.requests, simulate_deployment(**kwargs).requests)


# --------------------------------------------------------------------- shapes and invariants
def test_shapes_and_dtypes(fleet: Fleet):
    n, t = fleet.n, BASELINE_MINUTES + WINDOW_MINUTES
    np.testing.assert_array_equal(fleet.minutes, np.arange(-BASELINE_MINUTES, WINDOW_MINUTES))
    assert fleet.minutes.dtype == np.int64
    for name, dtype in (("requests", np.int32), ("errors", np.int32), ("new_type_errors", np.int32)):
        arr = getattr(fleet, name)
        assert arr.shape == (2, n, t) and arr.dtype == dtype, name
    assert fleet.latency_ms.shape == (2, n, t) and fleet.latency_ms.dtype == np.float64
    assert fleet.present.dtype == bool
    assert fleet.has_new_type_errors and fleet.has_latency


def test_count_invariants(fleet: Fleet):
    r, e, nte = fleet.requests, fleet.errors, fleet.new_type_errors
    assert (nte >= 0).all() and (nte <= e).all() and (e <= r).all()
    np.testing.assert_array_equal(fleet.present, r > 0)
    lat = fleet.latency_ms
    assert np.isnan(lat[~fleet.present]).all()
    shown = lat[fleet.present]
    assert np.isfinite(shown).all() and (shown >= 0).all()
    np.testing.assert_allclose(shown * 10, np.round(shown * 10), rtol=0, atol=1e-6)  # 0.1 ms steps


def test_rollout_invariants(fleet: Fleet):
    before = fleet.minutes < 0
    assert not fleet.present[NEW][:, before].any(), "the new version served before minute 0"
    instant = (fleet.deployments["rollout"] == "instant").to_numpy()
    canary = ~instant
    after = ~before
    assert not fleet.present[PREVIOUS][np.ix_(instant, after)].any(), "instant: previous after 0"
    # A busy canary has both versions serving during its first minutes.
    busy = canary & (fleet.deployments["requests_per_minute"].to_numpy() > 50)
    first = (fleet.minutes >= 0) & (fleet.minutes < 5)
    both = fleet.present[PREVIOUS][np.ix_(busy, first)] & fleet.present[NEW][np.ix_(busy, first)]
    assert busy.sum() > 100 and both.mean() > 0.95
    # ... and the new version's share grows: more new requests late than early.
    early = fleet.requests[NEW][np.ix_(busy, first)].sum()
    late = fleet.requests[NEW][np.ix_(busy, fleet.minutes >= 55)].sum()
    assert late > 3 * early
    # Low-traffic services have gaps (missing rows) in their baseline.
    low = (fleet.deployments["scenario"] == "low_traffic").to_numpy()
    assert (~fleet.present[PREVIOUS][np.ix_(low, before)]).mean() > 0.3


def test_round_trip_to_long_table():
    small = simulate_fleet(50, seed=1)
    long = fleet_to_timeseries(small)
    assert len(long) == int(small.present.sum())
    assert (long["errors"] <= long["requests"]).all() and (long["requests"] > 0).all()
    assert set(long["version"]) <= {"previous", "new"}


def test_deployments_table(fleet: Fleet):
    d = fleet.deployments
    assert list(d.columns) == CONTRACT_COLUMNS + list(TRUTH_COLUMNS)
    assert d["deployment_id"].is_unique
    assert d["deployment_id"].str.fullmatch(r"d\d{6}").all()
    assert d["service"].str.fullmatch(r"svc-\d{4,}").all()
    per_service = d["service"].value_counts()
    assert per_service.max() >= 3 and per_service.mean() > 2, "several deployments per service"
    for column in ("rolled_back", "incident", "label", "detectable"):
        assert d[column].dtype == np.int64 and set(d[column]) <= {0, 1}, column
    stamps = pd.to_datetime(d["deployed_at"], utc=True, format="ISO8601")
    assert d["deployed_at"].str.endswith("Z").all()
    span = stamps.max() - stamps.min()
    assert pd.Timedelta(days=12) < span <= pd.Timedelta(days=14)
    assert stamps.is_monotonic_increasing, "ids are chronological"
    life = d["lifetime_minutes"]
    assert life.dtype == np.float64 and (life.dropna() >= 0).all()
    assert 0.05 < life.isna().mean() < 0.3
    assert set(d["scenario"]) <= set(SCENARIOS)
    assert set(d["profile"]) <= set(PROFILES) and set(d["rollout"]) <= set(ROLLOUTS)


def test_truth_columns_are_consistent(fleet: Fleet):
    d = fleet.deployments
    faulty = d["scenario"].isin(SCENARIOS_FAULTY)
    assert (d["label"] == faulty.astype(int)).all()
    assert (d.loc[~faulty, "magnitude"] == 0).all()
    assert d.loc[faulty, "magnitude"].between(0, 1).all() and d.loc[faulty, "magnitude"].std() > 0.2
    assert d.loc[faulty, "onset_minute"].notna().all() and d.loc[~faulty, "onset_minute"].isna().all()
    assert (d.loc[~faulty, "expected_extra_errors"] == 0).all()
    assert (d.loc[~faulty, "latency_ratio"] == 1).all() and (d["latency_ratio"] >= 1).all()
    assert (d.loc[~faulty, "detectable"] == 0).all()
    # Some faults are honestly undetectable, most are not.
    share = d.loc[faulty, "detectable"].mean()
    assert 0.35 < share < 0.9
    onset = d.loc[d.scenario == "delayed_onset", "onset_minute"]
    assert onset.between(10, 45).all()
    lat = d.loc[d.scenario == "latency_regression", "latency_ratio"]
    assert lat.between(1.1, 3.0 + 1e-9).all() and lat.max() > 2


def test_expected_extra_errors_match_observed(summary: pd.DataFrame):
    """The truth's expected extra errors predict the extra errors actually drawn."""
    f = summary[(summary.label == 1) & (summary.req_base > 0)]
    observed = f.err_new - f.req_new * f.err_base / f.req_base
    rho = np.log1p(f.expected_extra_errors).corr(np.log1p(observed.clip(lower=0)), method="spearman")
    assert rho > 0.7
    big = f[f.expected_extra_errors > 200]
    ratio = (big.err_new - big.req_new * big.err_base / big.req_base) / big.expected_extra_errors
    assert 0.5 < ratio.median() < 2


# ---------------------------------------------------------------------------- scenario mix
def test_scenario_mix(fleet: Fleet):
    d = fleet.deployments
    share = d["scenario"].value_counts(normalize=True)
    assert set(share.index) == set(SCENARIOS), "every scenario present"
    assert 0.065 < d["label"].mean() < 0.095
    assert 0.45 < share["healthy"] < 0.55
    for name in SCENARIOS_CONFOUNDER:
        assert 0.045 < share[name] < 0.075, name
    assert 0.35 < (d["rollout"] == "canary").mean() < 0.45


@pytest.mark.parametrize("faulty_share", [0.0, 0.3, 1.0])
def test_faulty_share_parameter(faulty_share: float):
    d = simulate_fleet(1500, seed=2, faulty_share=faulty_share).deployments
    assert abs(d["label"].mean() - faulty_share) < 0.04


# ------------------------------------------------------------------ what each scenario does
def test_faulty_raise_the_error_ratio(summary: pd.DataFrame):
    busy = summary[summary.busy]
    log_ratio = np.log(busy.ratio)
    healthy = log_ratio[busy.scenario == "healthy"]
    assert abs(healthy.median()) < 0.1, "healthy new versions look like their baseline"
    for name in SCENARIOS_FAULTY:
        if name == "latency_regression":
            continue
        assert log_ratio[busy.scenario == name].mean() > healthy.mean() + 0.5, name
    errors_up = (busy.label == 1) & (busy.detectable == 1) & (busy.scenario != "latency_regression")
    detectable = log_ratio[errors_up]
    assert detectable.median() > np.log(2)


def test_latency_regression_raises_p95(fleet: Fleet):
    d = fleet.deployments
    before, after = fleet.minutes < 0, fleet.minutes >= 0
    busy = (d["requests_per_minute"] > 20).to_numpy()

    def ratio(name: str) -> np.ndarray:
        rows = busy & (d["scenario"] == name).to_numpy()
        new = np.nanmedian(fleet.latency_ms[NEW][np.ix_(rows, after)], axis=1)
        old = np.nanmedian(fleet.latency_ms[PREVIOUS][np.ix_(rows, before)], axis=1)
        return new / old

    assert np.median(ratio("latency_regression")) > 1.3
    assert 0.9 < np.median(ratio("healthy")) < 1.1


def test_new_error_type_and_renamed(summary: pd.DataFrame):
    s = summary
    new_type = s[(s.scenario == "new_error_type") & (s.expected_extra_errors > 20)]
    assert (new_type.nte_new > 0).mean() > 0.9
    healthy = s[s.scenario == "healthy"]
    assert (healthy.nte_new > 0).mean() < 0.12, "healthy deployments rarely show new types"
    renamed = s[(s.scenario == "error_renamed") & (s.err_new >= 20)]
    share = renamed.nte_new / renamed.err_new
    assert share.quantile(0.05) > 0.15 and share.median() > 0.5
    busy = renamed[renamed.busy]
    assert 0.8 < busy.ratio.median() < 1.25, "renaming does not change the total"
    assert (s.loc[s.scenario != "unrelated_incident", "nte_prev"] == 0).all()


def test_old_error_reappears_is_a_short_known_type_burst(fleet: Fleet, summary: pd.DataFrame):
    rows = ((summary.scenario == "old_error_reappears") & (summary.requests_per_minute > 50)).to_numpy()
    assert rows.sum() > 50
    after = fleet.minutes >= 0
    assert fleet.new_type_errors[:, rows].sum() == 0
    base = summary.loc[rows, "err_base"].to_numpy() / summary.loc[rows, "req_base"].to_numpy()
    r, e = fleet.requests[NEW][np.ix_(rows, after)], fleet.errors[NEW][np.ix_(rows, after)]
    excess = np.clip(e - r * base[:, None], 0, None)
    # The excess concentrates in a handful of consecutive minutes.
    csum = np.cumsum(np.pad(excess, ((0, 0), (1, 0))), axis=1)
    best6 = (csum[:, 6:] - csum[:, :-6]).max(axis=1)
    assert np.median(best6 / np.maximum(excess.sum(axis=1), 1e-9)) > 0.6


def test_restart_blip_concentrates_after_rollout(fleet: Fleet, summary: pd.DataFrame):
    s = summary
    rows = (s.scenario == "restart_blip") & (s.rollout == "instant") & (s.requests_per_minute > 20)
    rows = rows.to_numpy()
    assert rows.sum() > 30
    base = summary.loc[rows, "err_base"].to_numpy() / np.maximum(summary.loc[rows, "req_base"].to_numpy(), 1)
    after = fleet.minutes >= 0
    r, e = fleet.requests[NEW][np.ix_(rows, after)], fleet.errors[NEW][np.ix_(rows, after)]
    excess = e - r * base[:, None]
    per_minute = excess.sum(axis=0)  # signed: the noise cancels out over deployments
    first3, later = per_minute[:3].sum(), per_minute[3:]
    assert first3 > 0.7 * per_minute.sum(), "most of the excess falls in the first minutes"
    assert first3 / 3 > 10 * abs(later.mean()), "per minute, the blip dwarfs the rest"


def test_unrelated_incident_hits_the_previous_version_too(fleet: Fleet):
    d = fleet.deployments
    canary = (d["rollout"] == "canary").to_numpy() & (d["requests_per_minute"] > 20).to_numpy()
    during = (fleet.minutes >= 0) & (fleet.minutes < 15)
    before = (fleet.minutes < -50)

    def prev_ratio(name: str) -> float:
        rows = canary & (d["scenario"] == name).to_numpy()
        per = []
        for sel in (during, before):
            r = fleet.requests[PREVIOUS][np.ix_(rows, sel)].sum(axis=1)
            e = fleet.errors[PREVIOUS][np.ix_(rows, sel)].sum(axis=1)
            per.append((e + 0.5) / (r + 1))
        return float(np.median(per[0] / per[1]))

    assert prev_ratio("unrelated_incident") > 2.0
    assert 0.7 < prev_ratio("healthy") < 1.4


def test_incidents_are_shared_across_services(fleet: Fleet):
    d = fleet.deployments
    ui = d[d.scenario == "unrelated_incident"]
    stamps = pd.to_datetime(ui["deployed_at"], utc=True, format="ISO8601")
    close = (stamps.diff() <= pd.Timedelta(minutes=30)).to_numpy()  # the table is chronological
    assert close.sum() > 0.2 * len(ui)
    # one incident, several services
    services = ui["service"].to_numpy()
    assert (services[1:][close[1:]] != services[:-1][close[1:]]).mean() > 0.9


def test_preexisting_errors_elevated_before_rollout(fleet: Fleet):
    d = fleet.deployments
    busy = (d["requests_per_minute"] > 20).to_numpy()

    def ratio(name: str) -> float:
        rows = busy & (d["scenario"] == name).to_numpy()
        late, early = (fleet.minutes >= -10) & (fleet.minutes < 0), fleet.minutes < -55
        r = [fleet.requests[PREVIOUS][np.ix_(rows, m)].sum(axis=1) for m in (late, early)]
        e = [fleet.errors[PREVIOUS][np.ix_(rows, m)].sum(axis=1) for m in (late, early)]
        return float(np.median(((e[0] + 0.5) / (r[0] + 1)) / ((e[1] + 0.5) / (r[1] + 1))))

    assert ratio("preexisting_errors") > 1.8
    assert ratio("seasonal_rise") > 1.2, "a seasonal rise begins before the rollout"
    assert 0.7 < ratio("healthy") < 1.3


def test_gradual_and_delayed_faults_build_up(fleet: Fleet):
    d = fleet.deployments
    busy = (d["requests_per_minute"] > 20).to_numpy() & (d["magnitude"] > 0.4).to_numpy()
    m = fleet.minutes

    def rate(name: str, sel: np.ndarray) -> float:
        rows = busy & (d["scenario"] == name).to_numpy()
        return _rate(fleet.errors[NEW][np.ix_(rows, sel)], fleet.requests[NEW][np.ix_(rows, sel)])

    assert rate("gradual_degradation", m >= 45) > 1.5 * rate("gradual_degradation", (m >= 0) & (m < 10))
    assert rate("delayed_onset", m >= 50) > 2 * rate("delayed_onset", (m >= 0) & (m < 8))


def test_low_traffic(fleet: Fleet, summary: pd.DataFrame):
    rows = (summary.scenario == "low_traffic").to_numpy()
    per_minute = fleet.requests[:, rows].sum(axis=(0, 2)) / len(fleet.minutes)
    assert per_minute.max() < 1.5 and np.median(per_minute) < 0.6
    others = fleet.requests[:, ~rows].sum(axis=(0, 2)) / len(fleet.minutes)
    assert others.max() > 1000, "traffic ranges up to thousands per minute"


# --------------------------------------------------------------------------- weak signals
def test_weak_signals_follow_truth(fleet: Fleet):
    d = fleet.deployments
    faulty, healthy = d[d.label == 1], d[d.scenario == "healthy"]
    assert faulty.rolled_back.mean() > 4 * healthy.rolled_back.mean()
    assert healthy.rolled_back.mean() < 0.06
    assert faulty.incident.mean() > 4 * healthy.incident.mean()
    assert d.loc[d.scenario == "unrelated_incident", "incident"].mean() > 0.5
    assert d.loc[d.scenario == "unrelated_incident", "rolled_back"].mean() > 3 * healthy.rolled_back.mean()
    # severity: stronger faults are rolled back more often
    strong, weak = faulty[faulty.magnitude > 0.6], faulty[faulty.magnitude < 0.3]
    assert strong.rolled_back.mean() > weak.rolled_back.mean() + 0.2
    assert (d.loc[d.rolled_back == 1, "lifetime_minutes"].dropna() <= 180).all()
    assert faulty.lifetime_minutes.median() < 0.5 * healthy.lifetime_minutes.median()
    assert healthy.lifetime_minutes.median() > 1440 / 2


# ------------------------------------------------------------------------ one deployment
@pytest.mark.parametrize("rollout", ROLLOUTS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_simulate_deployment_each_scenario(scenario: str, rollout: str):
    one = simulate_deployment(scenario=scenario, magnitude=0.8, rollout=rollout, seed=4)
    d = one.deployments
    assert one.n == 1 and one.requests.shape == (2, 1, BASELINE_MINUTES + WINDOW_MINUTES)
    row = d.iloc[0]
    assert row.scenario == scenario and row.rollout == rollout and row.profile == "api"
    assert row.label == int(scenario in SCENARIOS_FAULTY)
    assert (one.errors <= one.requests).all() and (one.new_type_errors <= one.errors).all()
    assert not one.present[NEW][0, one.minutes < 0].any()
    if rollout == "instant":
        assert not one.present[PREVIOUS][0, one.minutes >= 0].any()
    elif scenario != "low_traffic":  # a canary: both versions serve during the ramp
        ramp = (one.minutes >= 0) & (one.minutes < 10)
        assert (one.present[PREVIOUS][0, ramp] & one.present[NEW][0, ramp]).any()


def test_simulate_deployment_levels_and_magnitude():
    one = simulate_deployment("healthy", requests_per_minute=500, base_error_rate=0.01, seed=2)
    per_minute = one.requests.sum() / len(one.minutes)
    assert 250 < per_minute < 900
    assert 0.004 < one.errors.sum() / one.requests.sum() < 0.025
    level = dict(requests_per_minute=500, base_error_rate=0.01, seed=2)
    weak = simulate_deployment("error_step", magnitude=0.05, **level)
    strong = simulate_deployment("error_step", magnitude=1.0, **level)
    assert strong.deployments.expected_extra_errors[0] > 20 * weak.deployments.expected_extra_errors[0]
    assert strong.deployments.detectable[0] == 1
    assert strong.errors[NEW].sum() > 10 * one.errors[NEW].sum()
    low = simulate_deployment("low_traffic", seed=2)
    assert low.requests.sum() / len(low.minutes) < 1.5
    tiny = simulate_deployment(
        "error_step", magnitude=0.1, requests_per_minute=0.5, base_error_rate=0.001, seed=2
    )
    assert tiny.deployments.detectable[0] == 0, "a subtle fault on 0.5 req/min is not detectable"


# ------------------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(n=0, seed=1),
        dict(n=2.5, seed=1),
        dict(n=True, seed=1),
        dict(n=10, seed=-1),
        dict(n=10, seed=1, faulty_share=1.5),
        dict(n=10, seed=1, faulty_share=float("nan")),
        dict(n=10, seed=1, baseline_minutes=0),
        dict(n=10, seed=1, window_minutes=-5),
    ],
)
def test_simulate_fleet_rejects_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        simulate_fleet(**kwargs)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        (dict(scenario="meltdown"), "scenario"),
        (dict(magnitude=-0.1), "magnitude"),
        (dict(magnitude=1.5), "magnitude"),
        (dict(magnitude=float("nan")), "magnitude"),
        (dict(profile="mainframe"), "profile"),
        (dict(rollout="blue_green"), "rollout"),
        (dict(requests_per_minute=0), "requests_per_minute"),
        (dict(requests_per_minute=-3), "requests_per_minute"),
        (dict(base_error_rate=0.7), "base_error_rate"),
        (dict(base_error_rate=-0.01), "base_error_rate"),
        (dict(seed=-2), "seed"),
        (dict(seed="abc"), "seed"),
        (dict(window_minutes=0), "window_minutes"),
    ],
)
def test_simulate_deployment_rejects_bad_parameters(kwargs, words):
    with pytest.raises(ValueError, match=words):
        simulate_deployment(**kwargs)


# ------------------------------------------------------------------ mutation-testing additions
def test_detectable_follows_the_documented_definition():
    """`detectable` is exactly the module docstring's rule on expected counts: E >= 10, E >= 4 sqrt(B) and
    B + E >= 1.5 B; or N >= 10; or a p95 ratio >= 1.25 active for >= 20 minutes; faulty scenarios only."""
    from types import SimpleNamespace

    from fdd.simulate import _detectable

    faulty, healthy = SCENARIOS.index("error_step"), SCENARIOS.index("healthy")
    cases = [  # scenario, E, B, N, latency ratio, active minutes, detectable
        (faulty, 32.0, 64.0, 0.0, 1.0, 60.0, True),  # E = 4 sqrt(B) = B / 2: on every bound
        (faulty, 31.0, 64.0, 0.0, 1.0, 60.0, False),
        (faulty, 12.0, 16.0, 0.0, 1.0, 60.0, False),  # E >= 2 sqrt(B) and >= B / 2 but < 4 sqrt(B)
        (faulty, 40.0, 100.0, 0.0, 1.0, 60.0, False),  # E = 4 sqrt(B) but B + E < 1.5 B
        (faulty, 9.0, 0.0, 0.0, 1.0, 60.0, False),  # fewer than 10 extra errors
        (faulty, 0.0, 50.0, 10.0, 1.0, 60.0, True),  # 10 never-seen errors
        (faulty, 0.0, 50.0, 9.9, 1.0, 60.0, False),
        (faulty, 0.0, 50.0, 0.0, 1.25, 20.0, True),  # a latency regression long enough
        (faulty, 0.0, 50.0, 0.0, 1.3, 19.0, False),  # ... too short
        (faulty, 0.0, 50.0, 0.0, 1.2, 60.0, False),  # ... too small
        (healthy, 500.0, 10.0, 50.0, 2.0, 60.0, False),  # never for a non-faulty scenario
    ]
    columns = list(zip(*cases))
    p = SimpleNamespace(scenario=np.array(columns[0]), fault_lat=np.array(columns[4]))
    truth = {"expected_extra_errors": np.array(columns[1]), "expected_base_errors": np.array(columns[2]),
             "expected_novel_errors": np.array(columns[3]), "active_minutes": np.array(columns[5])}
    assert _detectable(p, truth).tolist() == list(columns[6])


@pytest.mark.parametrize("name", ["baseline_minutes", "window_minutes"])
def test_minutes_beyond_a_day_are_refused(name: str):
    """baseline_minutes and window_minutes lie in 1..1440 for both generators (1440 itself is allowed)."""
    with pytest.raises(ValueError, match=f"{name} must be between 1 and 1440, got 1441"):
        simulate_fleet(5, seed=1, **{name: 1441})
    with pytest.raises(ValueError, match=f"{name} must be between 1 and 1440"):
        simulate_deployment(**{name: 1441})
    assert simulate_deployment("healthy", **{name: 1440}).n == 1
