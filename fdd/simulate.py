"""A simulated fleet of deployments with known ground truth.

Every deployment is one row of a parameter table (`SimParams`, a dataclass of per-deployment
arrays); one vectorised core (`_simulate_core`) turns any such table into telemetry, working on
whole arrays of shape (minutes, deployments) and looping only over the ~120 minutes (for the
AR(1) noise). `simulate_fleet` draws a varied table for a whole fleet, `simulate_deployment`
a one-row table chosen by hand (the app's explorer); both go through the same core.

What a deployment looks like
----------------------------
* **Service.** Deployments belong to services (`svc-0042`, several deployments each) of an
  application profile (`PROFILES`). A service fixes the traffic level (log-uniform within the
  profile, from under 1 to thousands of requests per minute), the base error rate (log-uniform,
  0.01 % to several %), the p95 latency, a diurnal cycle (period 1440 min, random peak, amplitude
  0.1-0.5, weaker traffic at weekends) and its noise: the error rate carries a log-normal
  multiplier that follows an AR(1) (rho 0.5-0.9, sigma 0.1-0.6) shared by both versions plus a
  smaller per-version one; errors are Binomial(requests, rate); the p95 latency is log-normal
  around the service's base with its own AR(1) noise, more noise at low traffic (few requests
  make a poor p95) and a coupling to the error rate (time-outs slow, fast failures speed it up).
* **Rollout.** `instant` (~60 %): the previous version serves minutes < 0, the new one minutes
  >= 0. `canary` (~40 %): the new version starts with 5-25 % of the traffic and doubles its share
  every 5-15 minutes until it serves everything (sometimes only after the window), the previous
  version serves the rest. Requests per version are Poisson; a (minute, version) cell exists
  only where that version served requests, so low-traffic services have gaps.
* **Scenario.** `healthy` (label 0, ~50 %), seven healthy confounders (label 0, ~6 % each) and
  six faults (label 1, `faulty_share` of the fleet in all, applied to the new version only);
  see `SCENARIOS` and the notes in `_draw_params`. Healthy deployments also show small restart
  blips, warm-up latency, minor error-rate drift between versions, traffic spikes, scrape gaps
  and isolated error spikes, and faulty ones sometimes a blip too: realism, not tidy classes.

Ground truth (extra columns of the deployments table)
-----------------------------------------------------
`label`, `scenario`, `magnitude` (0 for non-faulty), `profile`, `rollout`,
`requests_per_minute` and `base_error_rate` (the deployment's nominal level), `onset_minute`
(when the fault begins; NaN if none), `expected_extra_errors` (expected errors the fault adds to
the new version over minutes 0..window-1, from the simulation's expected rates, not the draw),
`latency_ratio` (the fault's p95 latency multiplier while active; 1 if none) and `detectable`.

`detectable` is 1 only for a faulty deployment whose fault is honestly visible in the window,
judged from expected counts alone (E = expected_extra_errors, B = expected errors the same
new-version requests would have produced without the fault, N = expected new-type errors of the
fault, A = minutes in which the fault is active and the new version expects >= 5 requests):

    (E >= 10 and E >= 4 * sqrt(B) and (B + E) >= 1.5 * B)      an error-rate increase, or
    N >= 10                                                       errors of never-seen types, or
    (latency_ratio >= 1.25 and A >= 20)                           a latency regression.

The truth columns are for evaluation only; they must never become detector features.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from fdd.fleet import Fleet

__all__ = [
    "BASELINE_MINUTES",
    "PROFILES",
    "ROLLOUTS",
    "SCENARIOS",
    "SCENARIOS_CONFOUNDER",
    "SCENARIOS_FAULTY",
    "TRUTH_COLUMNS",
    "WINDOW_MINUTES",
    "Profile",
    "SimParams",
    "simulate_deployment",
    "simulate_fleet",
]

SCENARIOS_FAULTY = (
    "error_step",
    "new_error_type",
    "gradual_degradation",
    "delayed_onset",
    "intermittent_bursts",
    "latency_regression",
)
SCENARIOS_CONFOUNDER = (
    "restart_blip",
    "unrelated_incident",
    "preexisting_errors",
    "seasonal_rise",
    "low_traffic",
    "old_error_reappears",
    "error_renamed",
)
SCENARIOS = ("healthy",) + SCENARIOS_CONFOUNDER + SCENARIOS_FAULTY
ROLLOUTS = ("instant", "canary")

BASELINE_MINUTES = 60
WINDOW_MINUTES = 60

# Columns of the deployments table beyond the data contract's: ground truth of the simulation,
# for evaluation only (never detector features; `label` itself is a contract column).
TRUTH_COLUMNS = (
    "scenario",
    "magnitude",
    "profile",
    "rollout",
    "requests_per_minute",
    "base_error_rate",
    "onset_minute",
    "expected_extra_errors",
    "latency_ratio",
    "detectable",
)


@dataclass(frozen=True)
class Profile:
    """An application profile: the ranges a service of this kind draws its levels from."""

    requests_per_minute: tuple[float, float]  # traffic, drawn log-uniform
    base_error_rate: tuple[float, float]  # fraction of requests failing, drawn log-uniform
    p95_latency_ms: tuple[float, float]  # base p95 latency, drawn log-uniform
    share: float  # share of a simulated fleet's services
    description: str


PROFILES: dict[str, Profile] = {
    "web_frontend": Profile((20.0, 5000.0), (5e-4, 0.03), (120.0, 900.0), 0.25, "user-facing pages"),
    "api": Profile((3.0, 3000.0), (1e-4, 0.02), (20.0, 400.0), 0.40, "JSON/RPC backends"),
    "worker": Profile((0.5, 300.0), (1e-3, 0.05), (300.0, 6000.0), 0.20, "queue consumers, jobs"),
    "internal_tool": Profile((0.2, 30.0), (5e-4, 0.04), (80.0, 1500.0), 0.15, "admin and back-office"),
}

# Scenario mix: each confounder takes this share of the non-faulty deployments, healthy the rest
# (about 50 % healthy and 6 % per confounder of the whole fleet at the default 8 % faulty).
_CONFOUNDER_SHARE = 0.065
_FAULTY_WEIGHTS = {
    "error_step": 0.20,
    "new_error_type": 0.15,
    "gradual_degradation": 0.17,
    "delayed_onset": 0.16,
    "intermittent_bursts": 0.14,
    "latency_regression": 0.18,
}
_CANARY_SHARE = 0.4
_EPOCH = np.datetime64("2025-06-02T00:00:00", "s")  # a Monday; deployments span 14 days from it
_SPAN_DAYS = 14
_MAX_RATE = 0.9  # error-rate cap: even a dead service answers some requests (health checks...)
_CHUNK = 2048  # deployments per core call: bounds the temporaries of big fleets
_DEPLOYS_PER_SERVICE = 6.0
_LOW_PROFILE_SHARE = {"internal_tool": 0.5, "worker": 0.3, "api": 0.2}  # low-traffic services

_SC = {name: i for i, name in enumerate(SCENARIOS)}
_FIRST_FAULTY = _SC[SCENARIOS_FAULTY[0]]
_PROFILE_NAMES = tuple(PROFILES)
_F32 = np.float32
_TWO_PI_DAY = np.float32(2.0 * np.pi / 1440.0)


# --------------------------------------------------------------------------------------------
# The parameter table
# --------------------------------------------------------------------------------------------
@dataclass
class SimParams:
    """Per-deployment simulation parameters, one array of length n per field.

    Minutes are relative to the rollout (minute 0). An effect is off when its duration is 0,
    its factor 1 or its share 0. `simulate_fleet` and `simulate_deployment` fill it; the core
    reads it. Rows can be taken with `take`.
    """

    # categorical codes: index into SCENARIOS, _PROFILE_NAMES, ROLLOUTS
    scenario: np.ndarray
    profile: np.ndarray
    rollout: np.ndarray
    magnitude: np.ndarray  # fault severity in [0, 1]; 0 when not faulty
    # levels
    rpm: np.ndarray  # mean requests per minute (before the diurnal factor)
    base_err: np.ndarray  # base error rate of the previous version
    lat0: np.ndarray  # base p95 latency (ms)
    # seasonality and load coupling
    clock0: np.ndarray  # minute of day (UTC) of minute 0
    peak: np.ndarray  # minute of day of the traffic peak
    amp: np.ndarray  # diurnal traffic amplitude
    err_amp: np.ndarray  # the error rate's own diurnal amplitude
    err_peak: np.ndarray
    err_gamma: np.ndarray  # error rate ~ traffic factor ** gamma
    lat_beta: np.ndarray  # latency ~ traffic factor ** beta
    lat_kappa: np.ndarray  # latency x (1 + kappa * error rate): time-outs > 0, fast failures < 0
    # noise
    rho_q: np.ndarray  # AR(1) traffic noise
    sig_q: np.ndarray
    rho_e: np.ndarray  # AR(1) error-rate noise, shared by both versions (sig_e) and per version (sig_v)
    sig_e: np.ndarray
    sig_v: np.ndarray
    rho_l: np.ndarray  # AR(1) latency noise per version
    sig_l: np.ndarray
    lat_c: np.ndarray  # p95 sampling noise: sigma = lat_c / sqrt(requests)
    # rollout
    share0: np.ndarray  # first traffic share of the new version (1 for instant)
    period: np.ndarray  # minutes between canary doublings
    # healthy differences of the new version
    err_vf: np.ndarray  # error-rate factor
    lat_vf: np.ndarray  # latency factor
    # the fault (new version only)
    fault_extra: np.ndarray  # extra error rate (absolute) when fully active
    fault_onset: np.ndarray  # minute the fault starts (NaN if none)
    fault_ramp: np.ndarray  # minutes to reach full strength (0 = a step)
    fault_novel: np.ndarray  # share of the extra errors that are of never-seen types
    fault_lat: np.ndarray  # p95 latency factor when fully active
    burst_duty: np.ndarray  # > 0: the fault comes in on/off bursts with this duty cycle
    # restart blips (new version, after the rollout and each canary step)
    blip_dur: np.ndarray  # minutes (0 = none)
    blip_extra: np.ndarray  # extra error rate
    blip_lat: np.ndarray  # latency factor
    warm_w: np.ndarray  # warm-up latency: x (1 + w * exp(-minutes since step / tau))
    warm_tau: np.ndarray
    # unrelated incident (both versions)
    inc_start: np.ndarray
    inc_dur: np.ndarray  # 0 = none
    inc_ramp: np.ndarray
    inc_factor: np.ndarray  # error-rate factor
    inc_lat: np.ndarray
    inc_novel: np.ndarray  # share of the incident's errors of never-seen types
    inc_traffic: np.ndarray  # traffic factor during the incident
    # pre-existing errors (both versions, from pre_start on)
    pre_start: np.ndarray
    pre_ramp: np.ndarray
    pre_factor: np.ndarray  # 1 = none
    # seasonal rise (both versions, logistic)
    rise_center: np.ndarray
    rise_width: np.ndarray
    rise_factor: np.ndarray  # 1 = none
    # an old (known) error reappears on the new version
    re_start: np.ndarray
    re_dur: np.ndarray  # 0 = none
    re_extra: np.ndarray
    # errors renamed: this share of the new version's errors counts as new types
    rename: np.ndarray
    # traffic spike (both versions) and scrape gap (no rows)
    spike_start: np.ndarray
    spike_dur: np.ndarray
    spike_traffic: np.ndarray
    spike_err: np.ndarray
    gap_start: np.ndarray
    gap_dur: np.ndarray

    @property
    def n(self) -> int:
        return len(self.scenario)

    def take(self, rows: np.ndarray | slice) -> SimParams:
        """The table restricted to `rows`."""
        return SimParams(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------
def _check_int(name: str, value: object, lo: int, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < lo or (hi is not None and value > hi):
        bound = f">= {lo}" if hi is None else f"between {lo} and {hi}"
        raise ValueError(f"{name} must be {bound}, got {value}")
    return value


def _check_float(name: str, value: object, lo: float, hi: float, lo_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    value = float(value)
    if value < lo or value > hi or (lo_open and value == lo):
        left = "(" if lo_open else "["
        raise ValueError(f"{name} must be in {left}{lo}, {hi}], got {value}")
    return value


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"unknown {name} {value!r}; expected one of {', '.join(choices)}")
    return value


# --------------------------------------------------------------------------------------------
# Drawing parameters
# --------------------------------------------------------------------------------------------
def _logu(rng: np.random.Generator, lo: float | np.ndarray, hi: float | np.ndarray,
          size: int | None = None) -> np.ndarray:
    """Log-uniform draws in [lo, hi] (`size` of them, or one per element of array bounds)."""
    return np.exp(rng.uniform(np.log(lo), np.log(hi), size))


def _draw_services(rng: np.random.Generator, profile: np.ndarray, low_traffic: np.ndarray) -> dict:
    """Service-level levels and noise parameters, one entry per service."""
    k = len(profile)
    prof = [PROFILES[name] for name in _PROFILE_NAMES]
    rpm_lo, rpm_hi = (np.array([p.requests_per_minute[i] for p in prof])[profile] for i in (0, 1))
    err_lo, err_hi = (np.array([p.base_error_rate[i] for p in prof])[profile] for i in (0, 1))
    lat_lo, lat_hi = (np.array([p.p95_latency_ms[i] for p in prof])[profile] for i in (0, 1))
    rpm = _logu(rng, rpm_lo, rpm_hi)
    rpm = np.where(low_traffic, _logu(rng, 0.03, 0.6, k), rpm)
    has_err_season = rng.random(k) < 0.6
    return {
        "rpm": rpm,
        "base_err": _logu(rng, err_lo, err_hi),
        "lat0": _logu(rng, lat_lo, lat_hi),
        "peak": rng.normal(15 * 60, 4 * 60, k) % 1440,
        "amp": rng.uniform(0.1, 0.5, k),
        "weekend": rng.uniform(0.35, 1.0, k),
        "cadence": _logu(rng, 1.5 * 1440.0, 3.5 * 1440.0, k),  # median lifetime (minutes)
        "err_amp": np.where(has_err_season, rng.uniform(0.0, 0.3, k), 0.0),
        "err_peak": rng.uniform(0, 1440, k),
        "err_gamma": rng.uniform(-0.2, 0.6, k),
        "lat_beta": rng.uniform(0.0, 0.3, k),
        "lat_kappa": rng.uniform(-0.5, 3.0, k),
        "rho_q": rng.uniform(0.3, 0.8, k),
        "sig_q": rng.uniform(0.02, 0.15, k),
        "rho_e": rng.uniform(0.5, 0.9, k),
        "sig_e": rng.uniform(0.1, 0.6, k),
        "sig_v": rng.uniform(0.05, 0.25, k),
        "rho_l": rng.uniform(0.3, 0.85, k),
        "sig_l": rng.uniform(0.03, 0.15, k),
        "lat_c": rng.uniform(0.3, 0.9, k),
    }


def _fault_rate(magnitude: np.ndarray, base_err: np.ndarray) -> np.ndarray:
    """Extra error rate of a fault of `magnitude`: a multiplier of 1.2x (m=0) to 50x (m=1) on the
    base rate, with an absolute floor (1e-4 .. 3e-2) so that services with a tiny base rate can
    be hit too."""
    m = magnitude**1.5
    mult = 1.2 * (50.0 / 1.2) ** m
    floor = 10.0 ** (-4.0 + 2.5 * m)
    return np.maximum((mult - 1.0) * base_err, floor)


def _draw_params(
    rng: np.random.Generator,
    scenario: np.ndarray,
    profile: np.ndarray,
    rollout: np.ndarray,
    magnitude: np.ndarray,
    strength: np.ndarray,
    svc: dict,
    baseline_minutes: int,
    window_minutes: int,
    jitter: bool = True,
) -> SimParams:
    """Everything but `clock0` (set once `deployed_at` is known) for deployments whose
    scenario, rollout, fault magnitude, confounder strength and service levels are given.

    What makes each scenario hard for a detector:
    * error_step / new_error_type: subtle at low magnitude or low traffic (the absolute floor
      keeps tiny-base services hittable, but a 1.3x step on 2 req/min is invisible in an hour).
    * gradual_degradation: ramps over 20-60 min, so the 10- and 20-minute horizons see little.
    * delayed_onset: clean for the first 10-45 minutes, looks healthy at early horizons.
    * intermittent_bursts: 2-5 minute bursts at 30-50 % duty, diluted in whole-window averages.
    * latency_regression: p95 up 1.1-3x, errors at most slightly up; latency is noisy at low
      traffic and healthy new versions warm up slowly too.
    * restart_blip: a real error and latency spike right after each rollout step, then nothing.
    * unrelated_incident: both versions degrade (3-30x) for 10-60 min, often starting right at
      the rollout: with an instant rollout only a cross-service clock or the recovery tells it
      apart from a fault; several deployments share one incident.
    * preexisting_errors: the baseline itself is partly elevated, the new version fully.
    * seasonal_rise: a smooth x2-x4 rise straddling minute 0, on both versions.
    * low_traffic: < 1 request/minute: one error is a huge rate.
    * old_error_reappears: a 2-6 minute burst of known-type errors on the new version.
    * error_renamed: new-type errors with no change in the total error count.
    """
    n = len(scenario)
    is_ = {name: scenario == code for name, code in _SC.items()}
    faulty = scenario >= _FIRST_FAULTY
    u = strength
    zeros, ones, nans = np.zeros(n), np.ones(n), np.full(n, np.nan)

    def where(mask: np.ndarray, value: float | np.ndarray, other: np.ndarray) -> np.ndarray:
        return np.where(mask, value, other)

    # A deployment's levels vary a little around its service's (traffic growth, other code).
    rpm = svc["rpm"] * rng.lognormal(0.0, 0.15, n) ** jitter
    base_err = np.clip(svc["base_err"] * rng.lognormal(0.0, 0.25, n) ** jitter, 0.0, 0.5)
    lat0 = svc["lat0"] * rng.lognormal(0.0, 0.08, n) ** jitter

    canary = rollout == 1
    share0 = where(canary, rng.uniform(0.05, 0.25, n), ones)
    period = where(canary, rng.integers(5, 16, n).astype(float), ones)

    # A healthy new version is never identical to the old one.
    err_vf = rng.lognormal(0.0, 0.1, n)
    err_vf = where(~faulty & (rng.random(n) < 0.05), rng.uniform(0.3, 0.8, n), err_vf)
    lat_vf = rng.lognormal(0.0, 0.04, n)
    lat_vf = where(~faulty & (rng.random(n) < 0.03), rng.uniform(0.7, 0.9, n), lat_vf)

    # ---- faults (label 1) --------------------------------------------------------------------
    extra = _fault_rate(magnitude, base_err) * rng.lognormal(0.0, 0.25, n)
    fault_extra = where(faulty & ~is_["latency_regression"], extra, zeros)
    timeouts = is_["latency_regression"] & (rng.random(n) < 0.5)
    fault_extra = where(timeouts, (0.1 + 0.5 * magnitude) * base_err, fault_extra)
    fault_onset = where(faulty, 0.0, nans)
    fault_onset = where(is_["gradual_degradation"], rng.integers(0, 6, n), fault_onset)
    fault_onset = where(is_["delayed_onset"], rng.integers(10, 46, n), fault_onset)
    fault_onset = where(is_["intermittent_bursts"], rng.integers(0, 9, n), fault_onset)
    fault_ramp = where(is_["gradual_degradation"], rng.uniform(20, 60, n), zeros)
    fault_ramp = where(is_["delayed_onset"] & (rng.random(n) < 0.3), rng.uniform(1, 4, n), fault_ramp)
    fault_ramp = where(is_["latency_regression"] & (rng.random(n) < 0.3), rng.uniform(3, 15, n), fault_ramp)
    # Many real faults throw exceptions never seen before.
    fault_novel = where(faulty & (rng.random(n) < 0.4), rng.uniform(0.3, 1.0, n), zeros)
    fault_novel = where(is_["new_error_type"], 1.0, fault_novel)
    fault_lat = where(is_["latency_regression"], 1.1 * (3.0 / 1.1) ** (magnitude**1.5), ones)
    slow_too = faulty & ~is_["latency_regression"] & (rng.random(n) < 0.25)
    fault_lat = where(slow_too, 1.0 + rng.uniform(0.05, 0.5, n) * magnitude, fault_lat)
    burst_duty = where(is_["intermittent_bursts"], rng.uniform(0.3, 0.5, n), zeros)

    # ---- restart blips: the confounder, and small ones anywhere ----------------------------
    p_small = where(is_["healthy"] | is_["low_traffic"], 0.25, where(faulty, 0.2, 0.15))
    small = ~is_["restart_blip"] & (rng.random(n) < p_small)
    blip_dur = where(is_["restart_blip"], rng.integers(1, 4, n), zeros)
    blip_dur = where(small, where(rng.random(n) < 0.8, 1, 2), blip_dur)
    small_rate = np.maximum(10.0 ** rng.uniform(-3.3, -1.8, n), 2.0 * base_err)
    blip_extra = where(is_["restart_blip"], 10.0 ** (-2.0 + 1.5 * u), where(small, small_rate, zeros))
    blip_lat = where(is_["restart_blip"], 1.3 + 2.5 * u, where(small, rng.uniform(1.05, 1.5, n), ones))
    warm = is_["restart_blip"] | (rng.random(n) < 0.4)
    warm_w = where(warm, rng.uniform(0.1, 0.6, n), zeros)
    warm_tau = rng.uniform(1.0, 6.0, n)

    # ---- unrelated incident (both versions) ------------------------------------------------
    ui = is_["unrelated_incident"]
    kind = rng.random(n)
    inc_start = np.select(
        [kind < 0.5, kind < 0.75],
        [rng.integers(-3, 4, n), rng.integers(-50, -3, n)],
        rng.integers(4, 41, n),
    ).astype(float)
    inc_factor = np.maximum(3.0 * 10.0**u, 1.0 + 10.0 ** (-2.7 + 1.2 * u) / np.maximum(base_err, 1e-6))
    inc_factor = where(ui, inc_factor, ones)
    inc_dur = where(ui, rng.uniform(10, 60, n), zeros)
    inc_ramp = rng.uniform(1, 3, n)
    inc_lat = where(ui, 1.0 + (0.1 + 1.5 * u) * rng.uniform(0.5, 1.5, n), ones)
    inc_novel = where(ui & (rng.random(n) < 0.3), rng.uniform(0.2, 0.8, n), zeros)
    inc_traffic = where(ui & (rng.random(n) < 0.3), rng.uniform(0.5, 0.9, n), ones)

    # ---- pre-existing errors (both versions, from 20-60 min before the rollout) -----------
    pre = is_["preexisting_errors"]
    pre_factor = np.maximum(2.0 * 5.0**u, 1.0 + rng.uniform(5e-4, 3e-3, n) / np.maximum(base_err, 1e-6))
    pre_factor = where(pre, pre_factor, ones)
    pre_start = rng.uniform(-60, -20, n)
    pre_ramp = rng.uniform(1, 5, n)

    # ---- seasonal rise (both versions) ----------------------------------------------------
    rise_factor = where(is_["seasonal_rise"], 2.0 + 2.0 * u, ones)
    rise_center = rng.uniform(-25, 15, n)
    rise_width = rng.uniform(6, 20, n)

    # ---- an old error reappears (known types, new version) ---------------------------------
    re = is_["old_error_reappears"]
    re_start = rng.integers(0, 41, n).astype(float)
    re_dur = where(re, rng.integers(2, 7, n), zeros)
    re_extra = np.maximum((5.0 * 6.0**u - 1.0) * base_err, 10.0 ** (-3.0 + 1.5 * u))

    # ---- renamed errors (new types, same total) --------------------------------------------
    rename = where(is_["error_renamed"], 0.3 + 0.7 * u, zeros)
    rename = where(is_["healthy"] & (rng.random(n) < 0.1), rng.uniform(0.02, 0.15, n), rename)

    # ---- traffic spikes and scrape gaps, anywhere -----------------------------------------
    spike_dur = where(rng.random(n) < 0.04, rng.integers(3, 16, n), zeros)
    spike_start = rng.integers(-baseline_minutes, window_minutes, n).astype(float)
    spike_traffic = rng.uniform(1.5, 5.0, n)
    spike_err = rng.uniform(1.0, 3.0, n)
    gap_dur = where(rng.random(n) < 0.02, rng.integers(1, 6, n), zeros)
    gap_start = rng.integers(-baseline_minutes, window_minutes, n).astype(float)

    return SimParams(
        scenario=scenario.astype(np.int8),
        profile=profile.astype(np.int8),
        rollout=rollout.astype(np.int8),
        magnitude=where(faulty, magnitude, zeros),
        rpm=rpm,
        base_err=base_err,
        lat0=lat0,
        clock0=zeros.copy(),
        peak=svc["peak"],
        amp=svc["amp"],
        err_amp=svc["err_amp"],
        err_peak=svc["err_peak"],
        err_gamma=svc["err_gamma"],
        lat_beta=svc["lat_beta"],
        lat_kappa=svc["lat_kappa"],
        rho_q=svc["rho_q"],
        sig_q=svc["sig_q"],
        rho_e=svc["rho_e"],
        sig_e=svc["sig_e"],
        sig_v=svc["sig_v"],
        rho_l=svc["rho_l"],
        sig_l=svc["sig_l"],
        lat_c=svc["lat_c"],
        share0=share0,
        period=period,
        err_vf=err_vf,
        lat_vf=lat_vf,
        fault_extra=fault_extra,
        fault_onset=fault_onset.astype(float),
        fault_ramp=fault_ramp,
        fault_novel=fault_novel,
        fault_lat=fault_lat,
        burst_duty=burst_duty,
        blip_dur=blip_dur.astype(float),
        blip_extra=blip_extra,
        blip_lat=blip_lat,
        warm_w=warm_w,
        warm_tau=warm_tau,
        inc_start=inc_start,
        inc_dur=inc_dur,
        inc_ramp=inc_ramp,
        inc_factor=inc_factor,
        inc_lat=inc_lat,
        inc_novel=inc_novel,
        inc_traffic=inc_traffic,
        pre_start=pre_start,
        pre_ramp=pre_ramp,
        pre_factor=pre_factor,
        rise_center=rise_center,
        rise_width=rise_width,
        rise_factor=rise_factor,
        re_start=re_start,
        re_dur=re_dur.astype(float),
        re_extra=re_extra,
        rename=rename,
        spike_start=spike_start,
        spike_dur=spike_dur.astype(float),
        spike_traffic=spike_traffic,
        spike_err=spike_err,
        gap_start=gap_start,
        gap_dur=gap_dur.astype(float),
    )


# --------------------------------------------------------------------------------------------
# The vectorised core. Arrays are time-major, (T, n), so that each step of the AR(1) loop
# touches contiguous memory; the result is transposed into the Fleet's (2, n, T) once.
# --------------------------------------------------------------------------------------------
def _row(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=_F32)[None, :]


def _window(t: np.ndarray, start: np.ndarray, dur: np.ndarray, ramp: np.ndarray | float = 1.0) -> np.ndarray:
    """(T, m) envelope in [0, 1]: on over [start, start + dur), linear edges of `ramp` minutes."""
    r = _row(np.maximum(ramp, 1.0) * np.ones(len(start)))
    s = _row(start)
    up = np.clip((t - s + 1) / r, 0, 1)
    down = np.clip((s + _row(dur) - t) / r, 0, 1)
    return np.minimum(up, down)


def _ar1(rng: np.random.Generator, rho: np.ndarray, n_minutes: int) -> np.ndarray:
    """Stationary standard AR(1) paths: rho has shape (k, n); returns (T, k, n) float32."""
    x = rng.standard_normal((n_minutes,) + rho.shape, dtype=_F32)
    a = rho.astype(_F32)
    b = np.sqrt(1 - a * a)
    for t in range(1, n_minutes):
        x[t] *= b
        x[t] += a * x[t - 1]
    return x


def _lognoise(x: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Mean-one log-normal multiplier exp(sigma x - sigma^2 / 2)."""
    s = _row(sigma)
    out = x * s
    out -= s * s / 2
    return np.exp(out, out=out)


def _burst_pattern(
    rng: np.random.Generator, t: np.ndarray, start: np.ndarray, duty: np.ndarray
) -> np.ndarray:
    """(T, m) burst amplitude: on for 2-5 minutes, off for about on * (1 - duty) / duty."""
    m = len(start)
    k = int(t.shape[0]) // 3 + 2
    on = rng.integers(2, 6, (m, k))
    off = np.maximum(1, np.rint(on * ((1 - duty) / duty)[:, None] * rng.uniform(0.6, 1.4, (m, k))))
    bounds = start[:, None] + np.cumsum(np.stack([on, off], axis=2).reshape(m, 2 * k), axis=1)
    count = (bounds[None, :, :] <= t[:, :, None]).sum(axis=2)  # (T, m) boundaries passed
    level = rng.uniform(0.5, 1.5, (m, k + 1))  # each burst its own strength
    amp = np.take_along_axis(level.T, np.minimum(count // 2, k), axis=0)
    active = (t >= _row(start)) & (count % 2 == 0)
    return (active * amp).astype(_F32)


def _simulate_core(p: SimParams, minutes: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Telemetry of the deployments of `p`: arrays (2, T, n) plus per-deployment truth (n,)."""
    n, n_t = p.n, len(minutes)
    t = minutes.astype(_F32)[:, None]  # (T, 1)
    after = minutes >= 0

    # ---- rollout: the new version's traffic share and the minutes since its latest step ----
    period = _row(p.period)
    k_final = _row(np.ceil(np.log2(1.0 / p.share0) - 1e-9))
    steps = np.minimum(np.floor(np.maximum(t, 0) / period), k_final)
    share = np.minimum(1, _row(p.share0) * np.exp2(steps))
    share[~after] = 0
    since_step = t - period * steps
    since_step[~after] = -1

    # ---- traffic -----------------------------------------------------------------------------
    day = 1 + _row(p.amp) * np.cos(_TWO_PI_DAY * (_row(p.clock0) + t - _row(p.peak)))
    lam = _row(p.rpm) * day
    inc_rows = np.flatnonzero(p.inc_dur > 0)
    inc_env = _window(t, p.inc_start[inc_rows], p.inc_dur[inc_rows], p.inc_ramp[inc_rows])
    lam[:, inc_rows] *= 1 + (_row(p.inc_traffic[inc_rows]) - 1) * inc_env
    spk_rows = np.flatnonzero(p.spike_dur > 0)
    spk_env = _window(t, p.spike_start[spk_rows], p.spike_dur[spk_rows], 2.0)
    lam[:, spk_rows] *= 1 + (_row(p.spike_traffic[spk_rows]) - 1) * spk_env
    expected_new = lam * share  # expected new-version requests, for the truth

    # One set of AR(1) paths: traffic, error (shared, previous, new), latency (previous, new).
    rho = np.stack([p.rho_q, p.rho_e, p.rho_e, p.rho_e, p.rho_l, p.rho_l])
    x = _ar1(rng, rho, n_t)
    lam2 = np.empty((2, n_t, n), dtype=_F32)
    np.multiply(lam, _lognoise(x[:, 0], p.sig_q), out=lam2[1])
    lam2[0] = lam2[1]
    lam2[1] *= share
    lam2[0] -= lam2[1]
    gap_rows = np.flatnonzero(p.gap_dur > 0)
    if len(gap_rows):
        lam2[:, :, gap_rows] *= 1 - _window(t, p.gap_start[gap_rows], p.gap_dur[gap_rows])
    req = rng.poisson(lam2).astype(np.int32)
    del lam2

    # ---- error rates -------------------------------------------------------------------------
    err_season = np.sin(_TWO_PI_DAY * (_row(p.clock0) + t - _row(p.err_peak)))
    pb = _row(p.base_err) * (1 + _row(p.err_amp) * err_season)
    pb *= day ** _row(p.err_gamma)
    # Factors on both versions: incident, pre-existing errors, seasonal rise, spikes.
    inc_mult = 1 + (_row(p.inc_factor[inc_rows]) - 1) * inc_env
    pb[:, inc_rows] *= inc_mult
    pre_rows = np.flatnonzero(p.pre_factor != 1)
    pre_env = _window(t, p.pre_start[pre_rows], np.full(len(pre_rows), np.inf), p.pre_ramp[pre_rows])
    pb[:, pre_rows] *= 1 + (_row(p.pre_factor[pre_rows]) - 1) * pre_env
    rise_rows = np.flatnonzero(p.rise_factor != 1)
    z = np.clip((t - _row(p.rise_center[rise_rows])) / _row(p.rise_width[rise_rows]), -30, 30)
    pb[:, rise_rows] *= 1 + (_row(p.rise_factor[rise_rows]) - 1) / (1 + np.exp(-z))
    pb[:, spk_rows] *= 1 + (_row(p.spike_err[spk_rows]) - 1) * spk_env
    n_spikes = rng.poisson(0.002 * n * n_t)  # isolated error spikes, heavy-tailed
    spike_at = rng.integers(0, n_t, n_spikes), rng.integers(0, n, n_spikes)
    pb[spike_at] *= _logu(rng, 2, 10, n_spikes).astype(_F32)

    # The fault's time profile g in [0, 1] (0 before onset), on faulty rows only.
    f_rows = np.flatnonzero(np.isfinite(p.fault_onset))
    onset = _row(p.fault_onset[f_rows])
    g = np.clip((t - onset + 1) / _row(np.maximum(p.fault_ramp[f_rows], 1)), 0, 1)
    b_sel = np.flatnonzero(p.burst_duty[f_rows] > 0)
    if len(b_sel):
        b_rows = f_rows[b_sel]
        g[:, b_sel] = _burst_pattern(rng, t, p.fault_onset[b_rows], p.burst_duty[b_rows])
    extra_fault = _row(p.fault_extra[f_rows]) * g

    # Extra errors on the new version: the fault, restart blips, an old error's return.
    extra = np.zeros((n_t, n), dtype=_F32)
    extra[:, f_rows] = extra_fault
    blip_rows = np.flatnonzero(p.blip_dur > 0)
    ss = since_step[:, blip_rows]
    blip_on = (ss >= 0) & (ss < _row(p.blip_dur[blip_rows]))
    extra[:, blip_rows] += blip_on * _row(p.blip_extra[blip_rows])
    re_rows = np.flatnonzero(p.re_dur > 0)
    extra[:, re_rows] += _window(t, p.re_start[re_rows], p.re_dur[re_rows]) * _row(p.re_extra[re_rows])

    shared = _lognoise(x[:, 1], p.sig_e)
    rate = np.empty((2, n_t, n), dtype=_F32)
    np.multiply(pb, shared, out=rate[0])
    rate[1] = rate[0] * _row(p.err_vf)
    rate[0] *= _lognoise(x[:, 2], p.sig_v)
    nv1 = _lognoise(x[:, 3], p.sig_v)
    rate[1] += extra
    rate[1] *= nv1
    np.minimum(rate, _MAX_RATE, out=rate)

    # ---- truth: expected counts on the new version over the window ----------------------------
    base_new = np.minimum(pb * _row(p.err_vf), _MAX_RATE)
    exp_base = np.einsum("tn,tn->n", expected_new, base_new, dtype=np.float64)
    exp_extra = np.zeros(n)
    exp_novel = np.zeros(n)
    active = np.zeros(n)
    en = expected_new[:, f_rows]
    bn = base_new[:, f_rows]
    added = np.minimum(bn + extra_fault, _MAX_RATE) - bn
    exp_extra[f_rows] = (en * added).sum(axis=0, dtype=np.float64)
    exp_novel[f_rows] = exp_extra[f_rows] * p.fault_novel[f_rows]
    active[f_rows] = ((en >= 5) & (g > 0)).sum(axis=0, dtype=np.float64)
    del base_new, expected_new

    # ---- errors ------------------------------------------------------------------------------
    flat_req = req.reshape(-1)
    cells = np.flatnonzero(flat_req)
    err = np.zeros_like(req)
    err.reshape(-1)[cells] = rng.binomial(flat_req[cells], rate.reshape(-1)[cells])

    # New-type errors: the fault's novel share, renamed errors, an incident's novel errors.
    nte = np.zeros_like(req)
    q_rows = np.flatnonzero((p.fault_novel > 0) | (p.rename > 0) | (p.inc_novel > 0))
    if len(q_rows):
        novel = np.zeros((2, n_t, len(q_rows)), dtype=_F32)
        pos = np.searchsorted(q_rows, f_rows)
        in_q = (pos < len(q_rows)) & (q_rows[np.minimum(pos, len(q_rows) - 1)] == f_rows)
        fq = f_rows[in_q]
        novel[1][:, pos[in_q]] = extra_fault[:, in_q] * _row(p.fault_novel[fq]) * nv1[:, fq]
        pos_i = np.searchsorted(q_rows, inc_rows)
        in_qi = (pos_i < len(q_rows)) & (q_rows[np.minimum(pos_i, len(q_rows) - 1)] == inc_rows)
        inc_share = (1 - 1 / inc_mult[:, in_qi]) * _row(p.inc_novel[inc_rows[in_qi]])
        novel[:, :, pos_i[in_qi]] += rate[:, :, inc_rows[in_qi]] * inc_share
        r = rate[:, :, q_rows]
        q = np.divide(novel, r, out=np.zeros_like(novel), where=r > 0)
        rn = _row(p.rename[q_rows])
        q[1] = rn + (1 - rn) * q[1]
        np.clip(q, 0, 1, out=q)
        e = err[:, :, q_rows]
        nte[:, :, q_rows] = rng.binomial(e, q * (e > 0))

    # ---- latency (p95) ------------------------------------------------------------------------
    lat = np.empty((2, n_t, n), dtype=_F32)
    lb = _row(p.lat0) * day ** _row(p.lat_beta)
    lb[:, inc_rows] *= 1 + (_row(p.inc_lat[inc_rows]) - 1) * inc_env
    lb[:, spk_rows] *= 1 + 0.15 * spk_env
    np.multiply(lb, _lognoise(x[:, 4], p.sig_l), out=lat[0])
    np.multiply(lb, _lognoise(x[:, 5], p.sig_l), out=lat[1])
    del x, lb
    new_mult = np.broadcast_to(_row(p.lat_vf), (n_t, n)).copy()
    new_mult[:, f_rows] *= 1 + (_row(p.fault_lat[f_rows]) - 1) * g
    new_mult[:, blip_rows] *= 1 + blip_on * (_row(p.blip_lat[blip_rows]) - 1)
    w_rows = np.flatnonzero(p.warm_w > 0)
    ws = since_step[:, w_rows]
    warm = np.exp(-np.maximum(ws, 0) / _row(p.warm_tau[w_rows])) * (ws >= 0)
    new_mult[:, w_rows] *= 1 + _row(p.warm_w[w_rows]) * warm
    lat[1] *= new_mult
    del new_mult
    coupling = 1 + _row(p.lat_kappa)[None] * rate
    lat *= np.clip(coupling, 0.5, 4.0, out=coupling)
    del coupling
    # p95 of few requests is a poor estimate: sampling noise ~ 1 / sqrt(requests).
    dep = cells % n
    sample_sigma = p.lat_c[dep].astype(_F32) / np.sqrt(flat_req[cells].astype(_F32))
    noise = np.exp(sample_sigma * rng.standard_normal(len(cells), dtype=_F32))
    latency = np.full((2, n_t, n), np.nan)
    latency.reshape(-1)[cells] = np.round(lat.reshape(-1)[cells].astype(np.float64) * noise, 1)

    return {
        "requests": req,
        "errors": err,
        "new_type_errors": nte,
        "latency_ms": latency,
        "expected_base_errors": exp_base,
        "expected_extra_errors": exp_extra,
        "expected_novel_errors": exp_novel,
        "active_minutes": active,
    }


def _run_core(p: SimParams, minutes: np.ndarray, rng: np.random.Generator) -> tuple[dict, dict]:
    """Run the core chunk by chunk into the Fleet's (2, n, T) arrays."""
    n, n_t = p.n, len(minutes)
    arrays = {
        "requests": np.empty((2, n, n_t), dtype=np.int32),
        "errors": np.empty((2, n, n_t), dtype=np.int32),
        "new_type_errors": np.empty((2, n, n_t), dtype=np.int32),
        "latency_ms": np.empty((2, n, n_t), dtype=np.float64),
    }
    names = ("expected_base_errors", "expected_extra_errors", "expected_novel_errors", "active_minutes")
    truth = {k: np.empty(n) for k in names}
    starts = range(0, n, _CHUNK)
    for start, child in zip(starts, rng.spawn(len(starts))):
        rows = slice(start, min(start + _CHUNK, n))
        out = _simulate_core(p.take(rows), minutes, child)
        for name, arr in arrays.items():
            arr[:, rows, :] = out[name].transpose(0, 2, 1)
        for name, arr in truth.items():
            arr[rows] = out[name]
    return arrays, truth


# --------------------------------------------------------------------------------------------
# Truth, weak signals and the deployments table
# --------------------------------------------------------------------------------------------
def _detectable(p: SimParams, truth: dict) -> np.ndarray:
    e, b = truth["expected_extra_errors"], truth["expected_base_errors"]
    errors_up = (e >= 10) & (e >= 4 * np.sqrt(b)) & (b + e >= 1.5 * b)
    novel = truth["expected_novel_errors"] >= 10
    slower = (p.fault_lat >= 1.25) & (truth["active_minutes"] >= 20)
    return (p.scenario >= _FIRST_FAULTY) & (errors_up | novel | slower)


def _weak_signals(
    rng: np.random.Generator,
    p: SimParams,
    detectable: np.ndarray,
    incident_group: np.ndarray,
    cadence: np.ndarray,
    offset: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """rolled_back, incident, lifetime_minutes: noisy after-the-fact signals of the truth."""
    n = p.n
    sc, m = p.scenario, p.magnitude
    faulty = sc >= _FIRST_FAULTY
    noticed = np.where(detectable, 1.0, 0.5)  # a fault nobody can see is rarely acted on

    p_rb = np.full(n, 0.03)
    p_rb[faulty] = ((0.15 + 0.7 * m) * noticed)[faulty]
    p_rb[sc == _SC["unrelated_incident"]] = 0.25  # panic rollbacks
    p_rb[sc == _SC["restart_blip"]] = 0.05
    p_rb[sc == _SC["preexisting_errors"]] = 0.08
    rolled_back = rng.random(n) < p_rb

    p_inc = np.full(n, 0.02)
    p_inc[faulty] = ((0.05 + 0.6 * m) * noticed)[faulty]
    p_inc[sc == _SC["preexisting_errors"]] = 0.2
    ui = sc == _SC["unrelated_incident"]
    declared = rng.random(int(incident_group.max(initial=-1)) + 1) < 0.75  # one decision per incident
    p_inc[ui] = np.where(declared[incident_group[ui]], 0.9, 0.1)
    incident = rng.random(n) < p_inc

    # Lifetime: log-normal around the service's cadence (1.5-3.5 days), cut short by a rollback, a
    # hotfix of a fault or an unrelated quick follow-up; NaN while still live at the end of the
    # 14 days.
    natural = cadence * rng.lognormal(0.0, 1.0, n)
    event = np.full(n, np.nan)
    quick = ~faulty & (rng.random(n) < 0.10)
    event[quick] = _logu(rng, 15, 240, n)[quick]
    hotfix = faulty & ~rolled_back & (rng.random(n) < 0.2 + 0.5 * m)
    event[hotfix] = _logu(rng, 30, 1440, n)[hotfix]
    event[rolled_back] = _logu(rng, 10, 180, n)[rolled_back]
    lifetime = np.round(np.fmin(natural, event), 1)
    lifetime[offset + lifetime > _SPAN_DAYS * 1440] = np.nan
    return rolled_back.astype(np.int64), incident.astype(np.int64), lifetime


def _deploy_times(rng: np.random.Generator, n: int) -> np.ndarray:
    """Minutes since _EPOCH: mostly weekday working hours, some at any time."""
    weekdays = np.array([d for d in range(_SPAN_DAYS) if d % 7 < 5])
    working = rng.random(n) < 0.75
    day = np.where(working, rng.choice(weekdays, n), rng.integers(0, _SPAN_DAYS, n))
    minute = np.where(working, np.clip(rng.normal(14 * 60, 180, n), 6 * 60, 22 * 60), rng.uniform(0, 1440, n))
    return day * 1440.0 + minute


def _assemble(
    p: SimParams,
    service: np.ndarray,
    offset: np.ndarray,
    incident_group: np.ndarray,
    rng: np.random.Generator,
    minutes: np.ndarray,
    weekend: np.ndarray,
    cadence: np.ndarray,
) -> Fleet:
    """Set the clock, run the core, derive truth and weak signals, build the Fleet."""
    p.clock0 = offset % 1440.0
    p.rpm = np.where((offset // 1440) % 7 >= 5, p.rpm * weekend, p.rpm)
    core_rng, signal_rng = rng.spawn(2)
    arrays, truth = _run_core(p, minutes, core_rng)
    detectable = _detectable(p, truth)
    rolled_back, incident, lifetime = _weak_signals(
        signal_rng, p, detectable, incident_group, cadence, offset
    )

    faulty = p.scenario >= _FIRST_FAULTY
    n = p.n
    stamps = _EPOCH + np.round(offset * 60).astype("timedelta64[s]")
    table = pd.DataFrame(
        {
            "deployment_id": [f"d{i:06d}" for i in range(1, n + 1)],
            "service": [f"svc-{s:04d}" for s in service],
            "rolled_back": rolled_back,
            "lifetime_minutes": lifetime,
            "incident": incident,
            "label": faulty.astype(np.int64),
            "deployed_at": np.datetime_as_string(stamps, unit="s", timezone="UTC"),
            "scenario": np.asarray(SCENARIOS)[p.scenario],
            "magnitude": np.round(p.magnitude, 4),
            "profile": np.asarray(_PROFILE_NAMES)[p.profile],
            "rollout": np.asarray(ROLLOUTS)[p.rollout],
            "requests_per_minute": np.round(p.rpm, 3),
            "base_error_rate": np.round(p.base_err, 6),
            "onset_minute": p.fault_onset,
            "expected_extra_errors": np.round(truth["expected_extra_errors"], 2),
            "latency_ratio": np.round(np.where(faulty, p.fault_lat, 1.0), 4),
            "detectable": detectable.astype(np.int64),
        }
    )
    for column in ("deployment_id", "service", "deployed_at", "scenario", "profile", "rollout"):
        table[column] = table[column].astype("str")
    return Fleet(
        deployments=table,
        minutes=minutes,
        requests=arrays["requests"],
        errors=arrays["errors"],
        new_type_errors=arrays["new_type_errors"],
        latency_ms=arrays["latency_ms"],
        present=arrays["requests"] > 0,
        has_new_type_errors=True,
        has_latency=True,
    )


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------
def simulate_fleet(
    n: int,
    seed: int,
    faulty_share: float = 0.08,
    baseline_minutes: int = BASELINE_MINUTES,
    window_minutes: int = WINDOW_MINUTES,
) -> Fleet:
    """A varied fleet of `n` deployments with ground truth; the same arguments give the same fleet.

    About `faulty_share` of the deployments are faulty (each of the six fault scenarios
    weighted 14-20 %, magnitude uniform in [0, 1]); of the rest ~54 % are plain healthy and
    ~6.5 % each of the seven confounders. ~40 % roll out as canaries. Deployments are spread
    over 14 days (mostly weekday working hours), sorted by `deployed_at`; ids are chronological.
    Several `unrelated_incident` deployments may share one incident: their minute 0 lies within
    15 minutes of the same incident clock time.
    """
    n = _check_int("n", n, 1)
    seed = _check_int("seed", seed, 0)
    faulty_share = _check_float("faulty_share", faulty_share, 0.0, 1.0)
    baseline_minutes = _check_int("baseline_minutes", baseline_minutes, 1, 1440)
    window_minutes = _check_int("window_minutes", window_minutes, 1, 1440)
    rng = np.random.default_rng(seed)

    # Scenario mix.
    probs = np.zeros(len(SCENARIOS))
    probs[_SC["healthy"]] = (1 - faulty_share) * (1 - _CONFOUNDER_SHARE * len(SCENARIOS_CONFOUNDER))
    for name in SCENARIOS_CONFOUNDER:
        probs[_SC[name]] = (1 - faulty_share) * _CONFOUNDER_SHARE
    for name, weight in _FAULTY_WEIGHTS.items():
        probs[_SC[name]] = faulty_share * weight
    scenario = rng.choice(len(SCENARIOS), size=n, p=probs / probs.sum())
    rollout = (rng.random(n) < _CANARY_SHARE).astype(np.int64)
    faulty = scenario >= _FIRST_FAULTY
    magnitude = np.where(faulty, rng.random(n), 0.0)
    strength = rng.random(n)

    # Services: regular ones, and a pool of low-traffic ones for the low_traffic scenario.
    low = scenario == _SC["low_traffic"]
    n_reg = max(1, round((n - low.sum()) / _DEPLOYS_PER_SERVICE))
    n_low = max(1, round(low.sum() / 3)) if low.any() else 0
    svc_profile = np.concatenate(
        [
            rng.choice(len(_PROFILE_NAMES), n_reg, p=[PROFILES[k].share for k in _PROFILE_NAMES]),
            rng.choice(len(_PROFILE_NAMES), n_low, p=[_LOW_PROFILE_SHARE.get(k, 0) for k in _PROFILE_NAMES]),
        ]
    )
    svc_low = np.arange(n_reg + n_low) >= n_reg
    svc = _draw_services(rng, svc_profile, svc_low)
    weights = rng.lognormal(0.0, 0.5, n_reg)  # some services deploy more often than others
    service = rng.choice(n_reg, size=n, p=weights / weights.sum())
    if n_low:
        service[low] = n_reg + rng.integers(0, n_low, int(low.sum()))
    # Shuffle service numbers so that low-traffic services are not the last ones.
    rename_svc = rng.permutation(n_reg + n_low)
    per_dep = {k: v[service] for k, v in svc.items()}
    p = _draw_params(
        rng, scenario, svc_profile[service], rollout, magnitude, strength, per_dep,
        baseline_minutes, window_minutes,
    )

    # Wall-clock times; unrelated incidents are shared by 1-5 deployments.
    offset = _deploy_times(rng, n)
    ui = np.flatnonzero(scenario == _SC["unrelated_incident"])
    incident_group = np.full(n, -1)
    if len(ui):
        sizes = rng.choice([1, 2, 3, 4, 5], size=len(ui), p=[0.4, 0.25, 0.2, 0.1, 0.05])
        group = np.repeat(np.arange(len(ui)), sizes)[: len(ui)]
        incident_group[ui] = group
        clock = rng.uniform(120, _SPAN_DAYS * 1440 - 120, group.max() + 1)
        shared = np.bincount(group)[group] > 1
        p.inc_start[ui] = np.where(shared, np.clip(p.inc_start[ui], -15, 15), p.inc_start[ui])
        offset[ui] = clock[group] - p.inc_start[ui] + rng.uniform(0, 1, len(ui))  # + seconds

    order = np.argsort(offset, kind="stable")
    p = p.take(order)
    return _assemble(
        p,
        rename_svc[service[order]] + 1,
        offset[order],
        incident_group[order],
        rng,
        np.arange(-baseline_minutes, window_minutes, dtype=np.int64),
        svc["weekend"][service[order]],
        svc["cadence"][service[order]],
    )


def simulate_deployment(
    scenario: str = "error_step",
    magnitude: float = 0.5,
    profile: str = "api",
    requests_per_minute: float | None = None,
    base_error_rate: float | None = None,
    rollout: str = "instant",
    seed: int = 0,
    baseline_minutes: int = BASELINE_MINUTES,
    window_minutes: int = WINDOW_MINUTES,
) -> Fleet:
    """One deployment chosen by hand (the app's explorer), as a one-row Fleet.

    `magnitude` (0..1) is the fault's severity for a faulty scenario and the strength of the
    confounder otherwise (the table's `magnitude` column stays 0 for non-faulty ones).
    `requests_per_minute` and `base_error_rate` default to draws from `profile`;
    `requests_per_minute` overrides the low traffic of the `low_traffic` scenario too.
    Everything else (noise, seasonality, onset, ...) is drawn from `seed`.
    """
    scenario = _check_choice("scenario", scenario, SCENARIOS)
    magnitude = _check_float("magnitude", magnitude, 0.0, 1.0)
    profile = _check_choice("profile", profile, _PROFILE_NAMES)
    rollout = _check_choice("rollout", rollout, ROLLOUTS)
    if requests_per_minute is not None:
        requests_per_minute = _check_float("requests_per_minute", requests_per_minute, 0.0, 1e6, lo_open=True)
    if base_error_rate is not None:
        base_error_rate = _check_float("base_error_rate", base_error_rate, 0.0, 0.5)
    seed = _check_int("seed", seed, 0)
    baseline_minutes = _check_int("baseline_minutes", baseline_minutes, 1, 1440)
    window_minutes = _check_int("window_minutes", window_minutes, 1, 1440)
    rng = np.random.default_rng(seed)

    code = np.array([_SC[scenario]])
    prof = np.array([_PROFILE_NAMES.index(profile)])
    svc = _draw_services(rng, prof, code == _SC["low_traffic"])
    if requests_per_minute is not None:
        svc["rpm"] = np.array([requests_per_minute])
        svc["weekend"] = np.ones(1)  # the chosen traffic is the traffic
    if base_error_rate is not None:
        svc["base_err"] = np.array([base_error_rate])
    p = _draw_params(
        rng,
        code,
        prof,
        np.array([ROLLOUTS.index(rollout)]),
        np.array([magnitude if code[0] >= _FIRST_FAULTY else 0.0]),
        np.array([magnitude]),
        svc,
        baseline_minutes,
        window_minutes,
        jitter=False,
    )
    return _assemble(
        p,
        np.array([1]),
        _deploy_times(rng, 1),
        np.array([0 if scenario == "unrelated_incident" else -1]),
        rng,
        np.arange(-baseline_minutes, window_minutes, dtype=np.int64),
        svc["weekend"],
        svc["cadence"],
    )
