"""An independent second generator of deployment telemetry ("other world").

Written from the data contract alone, without looking at `fdd`'s own simulator or detectors, so
that detectors tuned on `fdd.simulate` can be measured on telemetry of a different design. It
imports only numpy and pandas; `generate(n, seed)` returns `(timeseries, deployments)` in the
contract format and `write(n, seed, out_dir)` writes them as a data folder. The same seed gives the
same output (one `np.random.default_rng(seed)` drives everything).

    python benchmarks/other_generator.py --n 5000 --seed 1 --out /tmp/other

World model
===========
Fleet and time
    About n/9.5 services (n/7..n/12, at least 3). Services deploy at very different rates
    (lognormal weights). The fleet's history spans clip(n/60, 5, 28) days starting Monday
    2026-02-02 00:00Z; 80% of deployments happen on weekdays 07:00-19:00 UTC, the rest at any
    time. Deployments of one service are at least baseline+window+5 minutes apart (a hotfix takes
    a build), so a deployment's window never overlaps the next one of its service.

Services (per service, fixed over the weeks)
    traffic: lognormal, median 50 req/min, sigma 2.0, clipped to [0.2, 12000] (so from a request
    every few minutes to thousands per minute); daily cycle exp(a cos(hour - peak) + small 2nd
    harmonic) with a in [0.15, 1.1] and peak near 19h, 13h or 5h UTC (three regions); weekends at
    45-105% of weekdays; slow log-AR(1) traffic wander and gamma overdispersion of counts.
    base error rate: log-uniform 0.01% .. 4%, rising with load as load^beta, beta in [0, 0.5].
    p95 latency: lognormal, median 140 ms, sigma 0.85, rising with load as load^gamma.

Monitoring noise
    Error rate per minute = base x exp(AR(1)) (service-wide, phi 0.75-0.97, marginal sd
    0.04-0.5) x Gamma(k1)/k1 (shared by both versions, k1 in 2.5..100) x Gamma(k2)/k2 (per
    version, k2 in 10..300); errors are binomial on top. Isolated error spikes (one minute, rate
    +0.5%..30%, probability 0.06%..2% per minute, mostly on both versions). p95 latency has
    log-AR(1) wander, sampling noise with sd 0.03 + 0.75/sqrt(requests+1) (and a small downward
    bias at very low counts), GC-like one-minute spikes. Monitoring gaps: on average 0.25
    outages of 1-8 minutes per deployment drop both versions' rows; 0.1% of rows vanish alone;
    0.3% of latency cells are empty (NaN). Rows with zero requests are not written.

Rollouts (a service mostly keeps its strategy, 15% deviate)
    instant 25% (blue-green switch; half of them switch inside minute 0, so minute 0 is shared);
    rolling 35% (pods replaced over 2-12 minutes in 2-20 pod steps);
    canary 40% (one of 7 step plans such as 1%-5%-25%-50%-100% or 20%-100%, 3-20 minutes per
    step, the first step sometimes held twice as long; 15% of canaries "bake" at their first
    step for the whole window; the realised share deviates from the target by x0.7..1.3).
    A rollback (or an automated canary abort) inside the window sends all traffic back to the
    previous version from that minute on.

Scenarios (primary scenario per deployment, drawn with these probabilities)
  Faulty (label 1), 10.3% in total:
    error_step          3.0%  extra error rate on the new version from minute 0 (20%: from 1-3):
                              half relative (base x 0.5..50), half absolute 0.05%..32%; 40% of
                              them are errors of new types; 30% also slow p95 by 5-60%.
    new_error_type      1.5%  errors of never-seen types at 0.01%..6%, 30% starting 1-10 min late.
    delayed_fault       1.2%  like error_step but starting 4..0.9*window minutes after rollout.
    slow_degradation    1.0%  leak: extra errors grow as ((t-onset)/T)^2 up to 0.2%..32% with T in
                              20-200 min, p95 grows linearly up to +10..150%.
    latency_regression  1.5%  p95 x (1 + 6%..250%); 35% with a few extra timeouts (base x .2..1.5).
    crash_loop          0.8%  every 3-15 min a 1-2 min burst of 5-70% errors and p95 x1.5..3.
    intermittent        0.6%  on/off (Markov) bursts of 0.2%..30% extra errors.
    silent_fault        0.7%  wrong results: no visible footprint (<=10% more errors, <=3% p95).
  Healthy (label 0), 89.7%:
    plain               63.2% nothing but tiny version-to-version differences (err x e^N(0,.03));
                              those hit by an unrelated incident are renamed below.
    restart_blip         7.0% cold start: errors of 0.5%..20% and p95 x1.5..4 for the first
                              minutes of every fresh batch of new pods, decaying in 0.6-2.5 min.
    benign_change        5.0% new version's error rate x e^N(0,.12), p95 x e^N(0,.05).
    elevated_baseline    3.0% a service-only dependency problem that started 5-45 min before the
                              rollout and goes on (both versions), often recovering in the window.
    improvement          3.0% the new version fixes something: fewer errors or lower p95.
    traffic_surge        3.0% traffic x1.8..6 from around the rollout (both versions); errors
                              (load^0.2..1) and p95 rise with the extra load.
    renamed_errors       3.0% 30-100% of the new version's errors are reported under new types,
                              total unchanged.
    daily_rise           2.5% deployed on the steep morning ramp of a strongly cyclic service whose
                              errors rise superlinearly with load (both versions).
    shared_incident     ~4%   (emergent) a plain deployment whose baseline or window is hit by an
                              outage shared by several services (both versions alike; deployments
                              of other services at the same wall-clock time see it too).
    service_incident   ~0.1%  (emergent) the same with a single-service incident.
Incidents
  Background: 3 a day over the whole history (12% fleet-wide hitting 50-90% of services, 50%
  shared by 5-30%, 38% one service), error rate +0.1%..20% (per service x lognormal(0, .6)),
  half with p95 x1.1..2.5, 20% with a traffic drop, 8% with a retry surge, 35% with errors of
  never-seen types, lasting ~20 min (3-600). Big shared outages: Poisson(0.04 n / (1 + 0.3 c))
  of them, c = mean number of other deployments within +-(baseline+window+30) min, each starting
  -30..+35 min around a random deployment (so at busy times) and hitting 10-50% of services, so
  about 4% of deployments sit in one and most of them have company at the same wall-clock time.
Background, whatever the scenario
  cold-start p95 warm-up (up to +30%) on every rollout; 12% of healthy new versions log a trickle
  of never-seen error types (base x 0.3%..5%). A faulty version that was neither rolled back nor
  replaced is the next deployment's `previous` version, so that deployment starts from an
  elevated baseline (with its new-type errors; column prev_faulty); in 30% of such cases the next
  version still carries the fault too (both versions show it; the types are no longer new).

Labels and truth columns
    label = 1 exactly for the faulty scenarios (silent_fault included, though invisible).
    detectable (faulty only) = 1 when, with expected counts in minutes 0..window-1 on the new
    version (realised traffic shares, including an early rollback), any of:
      * errors: expected extra errors E >= 10 and E >= 4 sd, where sd^2 = B + v * sum_m b_m^2,
        B = expected ordinary errors of the new version, b_m = per-minute expected ordinary
        errors, v = the per-minute overdispersion variance of the rate multipliers
        (1/k1 + 1/k2 + AR variance x (1+phi)/(1-phi));
      * new types: expected extra errors of never-seen types >= 10;
      * latency: the p95 multiplier is >= 1.25 in at least 20 minutes in which the new version
        is expected to serve >= 10 requests.
    silent_fault is never detectable. About 40% of faulty deployments are detectable (n=5000).
    Extra columns after the contract ones: scenario, detectable, rollout, incident_overlap (an
    unrelated incident touched this service within the deployment's baseline+window),
    prev_faulty (the previous version carried a fault), expected_extra_errors,
    expected_new_type_errors, new_traffic_per_min (expected requests/min of the new version in
    the window).

After-the-fact signals (noisy)
    severity o in [0, 1] of a fault, as operators would perceive it at the service's mean
    traffic. Faulty: rolled back with p = 0.12 + 0.68 o (median delay 70 + 700 (1-o)^2 min,
    lognormal sd 0.9; canaries with o > 0.4 are auto-aborted half the time 3-12 min after the
    fault starts); incident with p = 0.06 + 0.45 o^2 (+0.1 for silent faults, found by
    customers); otherwise hot-fixed (next deployment 110 + ~90 min later) with p = 0.25 + 0.55 o.
    Healthy: rolled back with p = 3% (+12% elevated_baseline, +5% restart_blip/traffic_surge,
    +4% renamed_errors, +10% when an unrelated incident visibly raised errors in the window; 5% of
    restart_blip canaries are auto-aborted); 6% get a quick follow-up deployment.
    A declared incident (background: 3% + 30% if its error rate > 3% + 15% if fleet-wide; big
    outages 40%; service-only problems 15%) sets `incident` for 25% of the services it hit whose
    version was live then; plus 0.6% at random. lifetime_minutes = the rollback delay if rolled
    back, else the time to the service's next deployment, empty for the last one of a service
    (still live).
    n=5000: faulty rolled back ~39%, incident ~23%; healthy rolled back ~5%, incident ~8%.

A deployment whose rows all vanished (a very quiet service in a short window) gets a single
1-request row at its first baseline minute, so both tables always name the same deployments.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["SCENARIOS", "generate", "write"]

EPOCH = np.datetime64("2026-02-02T00:00:00", "s")  # a Monday

# name, share, fault kind (0 = healthy)
SCENARIOS: tuple[tuple[str, float, int], ...] = (
    ("error_step", 0.030, 1),
    ("new_error_type", 0.015, 2),
    ("delayed_fault", 0.012, 3),
    ("slow_degradation", 0.010, 4),
    ("latency_regression", 0.015, 5),
    ("crash_loop", 0.008, 6),
    ("intermittent", 0.006, 7),
    ("silent_fault", 0.007, 8),
    ("restart_blip", 0.070, 0),
    ("benign_change", 0.050, 0),
    ("elevated_baseline", 0.030, 0),
    ("improvement", 0.030, 0),
    ("traffic_surge", 0.030, 0),
    ("renamed_errors", 0.030, 0),
    ("daily_rise", 0.025, 0),
)
_NAMES = np.array([s[0] for s in SCENARIOS] + ["plain", "shared_incident", "service_incident"])
_SHARES = np.array([s[1] for s in SCENARIOS] + [1.0 - sum(s[1] for s in SCENARIOS), 0.0, 0.0])
_KIND = np.array([s[2] for s in SCENARIOS] + [0, 0, 0])
_SC = {name: i for i, name in enumerate(_NAMES)}
SILENT = 8
ROLLOUTS = np.array(["instant", "rolling", "canary"])
_CANARY_PLANS = np.array([
    [0.01, 0.05, 0.25, 0.50, 1.0, 1.0],
    [0.05, 0.25, 1.00, 1.00, 1.0, 1.0],
    [0.10, 0.50, 1.00, 1.00, 1.0, 1.0],
    [0.02, 0.10, 0.30, 0.60, 1.0, 1.0],
    [0.20, 1.00, 1.00, 1.00, 1.0, 1.0],
    [0.05, 0.10, 0.20, 0.40, 0.7, 1.0],
    [0.01, 0.10, 1.00, 1.00, 1.0, 1.0],
])
_PREFIX = ["billing", "search", "auth", "cart", "inventory", "notify", "ledger", "profile", "media",
           "geo", "pricing", "ranking", "ingest", "export", "gateway", "session", "payments",
           "catalog", "reviews", "shipping", "feeds", "identity", "quotes", "audit", "tiles"]
_SUFFIX = ["api", "worker", "svc", "gw", "backend", "sync", "cron", "edge"]


# --- small helpers ------------------------------------------------------------------------------


def _ar1(rng: np.random.Generator, shape: tuple[int, int], phi: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Stationary AR(1) along axis 1 with per-row coefficient and marginal sd (loop over minutes)."""
    rows, cols = shape
    eps = rng.standard_normal(shape)
    out = np.empty(shape)
    out[:, 0] = sd * eps[:, 0]
    innov = sd * np.sqrt(1.0 - phi**2)
    for j in range(1, cols):
        out[:, j] = phi * out[:, j - 1] + innov * eps[:, j]
    return out


def _service_names(rng: np.random.Generator, count: int) -> np.ndarray:
    combos = [f"{p}-{s}" for p in _PREFIX for s in _SUFFIX]
    order = rng.permutation(len(combos))
    names = [combos[order[i % len(combos)]] + ("" if i < len(combos) else f"-{i // len(combos) + 1}")
             for i in range(count)]
    return np.array(names, dtype=object)


# --- faults -------------------------------------------------------------------------------------


def _fault_params(rng: np.random.Generator, kind: np.ndarray, base_err: np.ndarray, W: int) -> dict:
    """Per-deployment fault parameters (meaningful where kind > 0). All draws are made for every row."""
    n = len(kind)

    def u(lo, hi):
        return rng.uniform(lo, hi, n)

    def lu(lo, hi):
        return 10.0 ** rng.uniform(lo, hi, n)

    def coin(p):
        return rng.random(n) < p

    err, nt, lat = np.zeros(n), np.zeros(n), np.zeros(n)
    onset = np.zeros(n)
    tsat, period, burst, phase = np.full(n, 60.0), np.full(n, 5.0), np.ones(n), np.zeros(n)
    pon, poff = np.full(n, 0.1), np.full(n, 0.5)

    stepish = (kind == 1) | (kind == 3)
    e_step = np.where(coin(0.5), base_err * lu(-0.3, 1.7), lu(-3.3, -0.5))
    err = np.where(stepish, e_step, err)
    nt = np.where(stepish & coin(0.4), u(0.6, 1.0), nt)
    lat = np.where(stepish & coin(0.3), u(0.05, 0.6), lat)
    onset = np.where(kind == 1, np.where(coin(0.8), 0, rng.integers(1, 4, n)), onset)
    onset = np.where(kind == 3, rng.integers(4, max(6, int(0.9 * W)), n), onset)

    k2 = kind == 2
    err = np.where(k2, lu(-4.0, -1.2), err)
    nt = np.where(k2, 1.0, nt)
    onset = np.where(k2 & coin(0.3), rng.integers(1, 11, n), onset)
    lat = np.where(k2 & coin(0.15), u(0.02, 0.2), lat)

    k4 = kind == 4
    err = np.where(k4, lu(-2.7, -0.5), err)
    tsat = np.where(k4, u(20, 200), tsat)
    lat = np.where(k4, u(0.1, 1.5), lat)
    nt = np.where(k4 & coin(0.2), 1.0, nt)

    k5 = kind == 5
    lat = np.where(k5, lu(-1.2, 0.4), lat)
    err = np.where(k5, np.where(coin(0.35), base_err * u(0.2, 1.5), 0.0), err)

    k6 = kind == 6
    err = np.where(k6, u(0.05, 0.7), err)
    lat = np.where(k6, u(0.5, 2.0), lat)
    onset = np.where(k6, rng.integers(0, 9, n), onset)
    period = np.where(k6, rng.integers(3, 16, n), period)
    burst = np.where(k6, rng.integers(1, 3, n), burst)
    phase = np.where(k6, np.floor(rng.random(n) * period), phase)
    nt = np.where(k6 & coin(0.3), 1.0, nt)

    k7 = kind == 7
    err = np.where(k7, lu(-2.7, -0.5), err)
    pon = np.where(k7, u(0.03, 0.25), pon)
    poff = np.where(k7, u(0.2, 0.7), poff)
    lat = np.where(k7 & coin(0.3), u(0.1, 0.8), lat)
    nt = np.where(k7 & coin(0.5), u(0.5, 1.0), nt)

    k8 = kind == SILENT
    err = np.where(k8, base_err * u(0.0, 0.1), err)
    lat = np.where(k8, u(0.0, 0.03), lat)
    return dict(kind=kind, err=err, nt=nt, lat=lat, onset=onset.astype(float), tsat=tsat,
                period=period.astype(float), burst=burst.astype(float), phase=phase, pon=pon, poff=poff)


def _fault_effect(rng: np.random.Generator, F: dict, idx: np.ndarray, age: np.ndarray):
    """Extra error rate and p95 multiplier of the faults of deployments `idx` at version ages `age`
    (rows x minutes, minutes since that version went live), and the new-type share per row."""
    k = F["kind"][idx][:, None]
    onset, e, lv = F["onset"][idx][:, None], F["err"][idx][:, None], F["lat"][idx][:, None]
    act = age >= onset
    since = age - onset
    extra = np.where(act & (k > 0), e, 0.0)
    latm = 1.0 + np.where(act & (k > 0), lv, 0.0)

    frac = np.clip(since / F["tsat"][idx][:, None], 0.0, 1.0) * act
    extra = np.where(k == 4, e * frac**2, extra)
    latm = np.where(k == 4, 1.0 + lv * frac, latm)

    inb = act & (np.mod(since + F["phase"][idx][:, None], F["period"][idx][:, None]) < F["burst"][idx][:, None])
    extra = np.where(k == 6, e * inb + 0.02 * e * act, extra)
    latm = np.where(k == 6, 1.0 + lv * inb, latm)

    rows = np.flatnonzero(k[:, 0] == 7)
    if rows.size:
        pon, poff = F["pon"][idx[rows]], F["poff"][idx[rows]]
        draws = rng.random((rows.size, age.shape[1] + 1))
        on = np.zeros((rows.size, age.shape[1]), bool)
        state = draws[:, 0] < pon / (pon + poff)
        for j in range(age.shape[1]):
            on[:, j] = state
            state = np.where(state, draws[:, j + 1] >= poff, draws[:, j + 1] < pon)
        sub_act = act[rows]
        extra[rows] = np.where(sub_act & on, e[rows], 0.0)
        latm[rows] = 1.0 + np.where(sub_act & on, lv[rows], 0.0)
    return extra, latm, F["nt"][idx]


# --- rollouts -----------------------------------------------------------------------------------


def _rollout_plan(rng: np.random.Generator, strategy: np.ndarray, W: int) -> np.ndarray:
    """Planned share of the new version for minutes 0..W-1 (rows x W)."""
    n = len(strategy)
    m = np.arange(W, dtype=float)
    s = np.ones((n, W))
    mid = (strategy == 0) & (rng.random(n) < 0.5)
    s[:, 0] = np.where(mid, rng.uniform(0.3, 0.95, n), s[:, 0])

    ramp_len = rng.integers(2, 13, n)[:, None]
    pods = rng.choice(np.array([2, 3, 4, 6, 8, 12, 20]), n)[:, None]
    ramp = np.minimum(1.0, np.ceil((m[None, :] + 1) * pods / ramp_len) / pods)
    s = np.where((strategy == 1)[:, None], ramp, s)

    plan = rng.integers(0, len(_CANARY_PLANS), n)
    holds = rng.integers(3, 21, (n, 6)).astype(float)
    holds[:, 0] *= rng.choice(np.array([1.0, 1.0, 2.0]), n)
    bake = rng.random(n) < 0.15
    holds[bake, 0] = 1e6
    ends = np.cumsum(holds, axis=1)
    step = np.minimum((m[None, :, None] >= ends[:, None, :]).sum(axis=2), 5)
    canary = _CANARY_PLANS[plan[:, None], step]
    wobble = rng.uniform(0.7, 1.3, n)[:, None]
    canary = np.where(canary < 1.0, np.clip(canary * wobble, 0.0005, 0.98), 1.0)
    return np.where((strategy == 2)[:, None], canary, s)


# --- the generator ------------------------------------------------------------------------------


def generate(n: int, seed: int, baseline_minutes: int = 45,
             window_minutes: int = 60) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate n deployments: (timeseries, deployments) in the data contract's format."""
    n, B, W = int(n), int(baseline_minutes), int(window_minutes)
    if n < 1 or B < 0 or W < 1:
        raise ValueError("need n >= 1, baseline_minutes >= 0, window_minutes >= 1")
    rng = np.random.default_rng(seed)
    M = B + W
    minutes = np.arange(-B, W, dtype=float)
    after = minutes >= 0

    # --- scenarios and services ----------------------------------------------------------------
    scen = rng.choice(len(_NAMES), size=n, p=_SHARES)
    kind = _KIND[scen]
    label = kind > 0
    is_sc = {name: scen == i for name, i in _SC.items()}

    S = max(3, int(round(n / rng.uniform(7.0, 12.0))))
    svc = rng.choice(S, size=n, p=(w := rng.lognormal(0.0, 0.9, S)) / w.sum())
    names = _service_names(rng, S)
    rate_s = np.clip(rng.lognormal(np.log(50.0), 2.0, S), 0.2, 12000.0)
    err_s = 10.0 ** rng.uniform(-4.0, -1.4, S)
    lat_s = np.clip(rng.lognormal(np.log(140.0), 0.85, S), 6.0, 6000.0)
    peak_s = rng.choice(np.array([19.0, 13.0, 5.0]), S, p=[0.45, 0.35, 0.2]) + rng.normal(0, 1.2, S)
    amp_s = rng.uniform(0.15, 1.1, S)
    amp2_s, peak2_s = rng.uniform(0.0, 0.25, S), rng.uniform(0, 24, S)
    weekend_s = rng.uniform(0.45, 1.05, S)
    beta_s, gamma_s = rng.uniform(0.0, 0.5, S), rng.uniform(0.0, 0.2, S)
    k1_s, k2_s = 10.0 ** rng.uniform(0.4, 2.0, S), 10.0 ** rng.uniform(1.0, 2.5, S)
    phi_s, sd_s = rng.uniform(0.75, 0.97, S), rng.uniform(0.04, 0.5, S)
    spike_s = 10.0 ** rng.uniform(-3.2, -1.7, S)
    latsd_s = rng.uniform(0.02, 0.12, S)
    kt_s, tsd_s = 10.0 ** rng.uniform(1.5, 3.0, S), rng.uniform(0.02, 0.1, S)
    strat_s = rng.choice(3, S, p=[0.25, 0.35, 0.40])

    # per-deployment copies (daily_rise overrides the cycle's strength and the load coupling)
    base_err = err_s[svc]
    rate = rate_s[svc]
    amp = np.where(is_sc["daily_rise"], rng.uniform(1.0, 1.6, n), amp_s[svc])
    beta = np.where(is_sc["daily_rise"], rng.uniform(0.8, 1.8, n), beta_s[svc])
    gam = np.where(is_sc["daily_rise"], rng.uniform(0.15, 0.4, n), gamma_s[svc])
    strategy = np.where(rng.random(n) < 0.85, strat_s[svc], rng.choice(3, n, p=[0.25, 0.35, 0.40]))

    # --- faults, healthy version differences, rollout plan ----------------------------------------
    F = _fault_params(rng, kind, base_err, W)
    s_plan = _rollout_plan(rng, strategy, W)

    healthy = ~label
    err_mult = np.exp(rng.normal(0, 0.03, n))
    lat_mult = np.exp(rng.normal(0, 0.015, n))
    bc = is_sc["benign_change"]
    err_mult = np.where(bc, np.exp(rng.normal(0, 0.12, n)), err_mult)
    lat_mult = np.where(bc, np.exp(rng.normal(0, 0.05, n)), lat_mult)
    imp = is_sc["improvement"]
    which = rng.random(n)
    err_mult = np.where(imp & (which < 0.75), rng.uniform(0.15, 0.8, n), err_mult)
    lat_mult = np.where(imp & (which > 0.55), rng.uniform(0.6, 0.95, n), lat_mult)
    rename = np.where(is_sc["renamed_errors"], rng.uniform(0.3, 1.0, n), 0.0)
    nt_bg = np.where(healthy & (rng.random(n) < 0.12), base_err * rng.uniform(0.003, 0.05, n), 0.0)
    warm_lat = rng.uniform(0.0, 0.3, n)
    tau = rng.uniform(0.6, 2.5, n)
    blip = is_sc["restart_blip"]
    blip_err = np.where(blip, rng.uniform(0.005, 0.2, n), 0.0)
    warm_lat = np.where(blip, rng.uniform(0.5, 3.0, n), warm_lat)

    # --- perceived severity and after-the-fact decisions ------------------------------------------
    fidx = np.flatnonzero(label)
    sev = np.zeros(n)
    if fidx.size:
        ex, lm, _ = _fault_effect(rng, F, fidx, np.broadcast_to(np.arange(W, dtype=float), (fidx.size, W)))
        traffic = rate[fidx, None] * s_plan[fidx]
        E = (traffic * ex).sum(1)
        Bx = (traffic * base_err[fidx, None]).sum(1)
        z = E / (3.0 * np.sqrt(Bx + 1.0) + 0.15 * Bx + 5.0)
        o_err = np.clip(np.log10(np.maximum(z, 1e-12)) / 1.3 + 0.2, 0.0, 1.0)
        o_lat = np.clip(((lm - 1.0).mean(1) - 0.1) / 0.7, 0.0, 1.0) * (traffic.mean(1) >= 3.0)
        sev[fidx] = np.where(kind[fidx] == SILENT, 0.0, np.maximum(o_err, o_lat))

    u_rb, u_inc, u_hot = rng.random(n), rng.random(n), rng.random(n)
    looks_bad = is_sc["elevated_baseline"] * 0.12 + \
        (is_sc["restart_blip"] | is_sc["traffic_surge"]) * 0.05 + is_sc["renamed_errors"] * 0.04
    p_rb = np.where(label, 0.12 + 0.68 * sev, 0.03 + looks_bad)
    rolled = u_rb < p_rb
    rb_time = np.where(label, rng.lognormal(np.log(70.0 + 700.0 * (1.0 - sev) ** 2), 0.9),
                       rng.lognormal(np.log(150.0), 1.0, n)) + rng.random(n)
    # automated canary analysis: aborts visibly bad canaries (and now and then a healthy one)
    abort_at = F["onset"] + rng.integers(3, 13, n)
    in_w = abort_at < W
    still_canary = np.zeros(n, bool)
    still_canary[in_w] = s_plan[np.flatnonzero(in_w), abort_at[in_w].astype(int)] < 1.0
    abort = (strategy == 2) & in_w & still_canary & (
        (label & (sev > 0.4) & (rng.random(n) < 0.5)) |
        (healthy & is_sc["restart_blip"] & (rng.random(n) < 0.05)))
    rolled |= abort
    rb_time = np.where(abort, abort_at + rng.random(n), rb_time)
    p_inc_fault = np.where(label, 0.06 + 0.45 * sev**2 + 0.1 * (kind == SILENT), 0.0)
    fault_incident = u_inc < p_inc_fault
    hotfix = ~rolled & (u_hot < np.where(label, 0.25 + 0.55 * sev, 0.06))
    carry = label & (kind != SILENT) & (rng.random(n) < 0.3)  # next version keeps the fault
    min_gap = float(B + W + 5)
    hot_gap = min_gap + rng.lognormal(np.log(90.0), 0.8, n)
    refix = rolled & (rng.random(n) < 0.5)
    refix_gap = 60.0 + rng.lognormal(np.log(240.0), 0.9, n)

    # --- wall-clock times -------------------------------------------------------------------------
    span_days = int(np.clip(round(n / 60), 5, 28))
    days = np.arange(span_days)
    weekdays = days[days % 7 < 5]
    biz = rng.random(n) < 0.8
    T = np.where(biz, rng.choice(weekdays, n) * 1440.0 + rng.uniform(7 * 60, 19 * 60, n),
                 rng.uniform(0, span_days * 1440.0, n))
    ramp_hour = np.mod(peak_s[svc] - 6.0 + rng.uniform(-1.5, 0.5, n), 24.0)
    T = np.where(is_sc["daily_rise"], rng.choice(weekdays, n) * 1440.0 + ramp_hour * 60.0, T)
    T = np.floor(T)

    order = np.lexsort((np.arange(n), T, svc))
    counts = np.bincount(svc, minlength=S)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(n) - starts[svc[order]]
    grid = np.full((S, counts.max()), -1)
    grid[svc[order], pos] = order
    pred_live = np.full(n, -1)
    nxt = np.full(n, -1)
    live = np.full(S, -1)
    for k in range(grid.shape[1]):
        has = grid[:, k] >= 0
        cur = grid[has, k]
        if k > 0:
            prev = grid[has, k - 1]
            t = np.maximum(T[cur], T[prev] + min_gap)
            t = np.where(hotfix[prev], np.minimum(t, T[prev] + hot_gap[prev]), t)
            t = np.where(refix[prev], np.minimum(t, T[prev] + rb_time[prev] + refix_gap[prev]), t)
            T[cur] = np.floor(np.maximum(t, T[prev] + min_gap))
            nxt[prev] = cur
        pred_live[cur] = live[has]
        live[has] = np.where(rolled[cur], live[has], cur)
    gap_next = np.where(nxt >= 0, T[np.maximum(nxt, 0)] - T, np.nan)
    rb_time = np.where(nxt >= 0, np.minimum(rb_time, gap_next - B - 5.0), rb_time)
    lifetime = np.where(rolled, np.round(rb_time, 1), gap_next)
    data_end = T.max() + 1440.0

    # realised share of the new version (a rollback inside the window ends it)
    share = np.zeros((n, M))
    share[:, B:] = s_plan
    m_after = minutes[None, :]
    cut = rolled[:, None] & (m_after >= np.ceil(rb_time)[:, None])
    partial = rolled[:, None] & (m_after == np.floor(rb_time)[:, None])
    share = np.where(cut, 0.0, np.where(partial, share * (rb_time - np.floor(rb_time))[:, None], share))

    # --- incidents ----------------------------------------------------------------------------------
    # background: ~3 a day over the whole history; big shared outages: as many as needed for about
    # 4% of deployments to sit in one, placed at busy times (near a random deployment); one
    # service-only problem before each elevated_baseline deployment.
    t0, t1 = T.min() - 1440.0, data_end + 1440.0
    k_bg = rng.poisson(3.0 * (t1 - t0) / 1440.0)
    Ts = np.sort(T)
    reach = B + W + 30.0
    crowd = (np.searchsorted(Ts, T + reach) - np.searchsorted(Ts, T - reach) - 1).mean()
    k_big = rng.poisson(0.04 * n / (1.0 + 0.3 * crowd))
    big_at = rng.integers(0, n, k_big)
    el_idx = np.flatnonzero(is_sc["elevated_baseline"])
    K = k_bg + k_big + el_idx.size
    src = np.concatenate([np.zeros(k_bg, int), np.ones(k_big, int), np.full(el_idx.size, 2)])
    cls = np.concatenate([rng.choice(3, k_bg, p=[0.12, 0.50, 0.38]), np.ones(k_big, int),
                          np.full(el_idx.size, 2)])
    start = np.concatenate([rng.uniform(t0, t1, k_bg), T[big_at] + rng.uniform(-30, 35, k_big),
                            T[el_idx] - rng.uniform(5, 45, el_idx.size)])
    dur = np.concatenate([np.clip(rng.lognormal(np.log(20.0), 0.9, k_bg), 3, 600),
                          np.clip(rng.lognormal(np.log(25.0), 0.7, k_big), 5, 300),
                          np.clip(rng.lognormal(np.log(70.0), 0.6, el_idx.size), 20, 600)])
    up, down = rng.integers(1, 5, K).astype(float), rng.integers(1, 11, K).astype(float)
    i_err = np.concatenate([10.0 ** rng.uniform(-3.0, -0.7, k_bg), 10.0 ** rng.uniform(-2.7, -0.6, k_big),
                            10.0 ** rng.uniform(-2.5, -0.8, el_idx.size)])
    i_lat = np.where(rng.random(K) < np.where(src == 2, 0.4, 0.5), 1.0 + rng.uniform(0.1, 1.5, K), 1.0)
    tr = rng.random(K)
    i_traf = np.where(tr < 0.2, rng.uniform(0.3, 0.9, K), np.where(tr < 0.28, rng.uniform(1.2, 1.7, K), 1.0))
    i_traf[src == 2] = 1.0
    i_nt = np.where(rng.random(K) < np.where(src == 2, 0.2, 0.35), rng.uniform(0.3, 1.0, K), 0.0)
    p_decl = np.where(src == 0, 0.03 + 0.3 * (i_err > 0.03) + 0.15 * (cls == 0), np.where(src == 1, 0.4, 0.15))
    declared = rng.random(K) < p_decl
    q = np.where(cls == 0, rng.uniform(0.5, 0.9, K), rng.uniform(0.05, 0.3, K))
    q = np.where(src == 1, rng.uniform(0.1, 0.5, K), q)
    affected = rng.random((K, S)) < q[:, None]
    single = cls == 2
    affected[single] = False
    one = np.where(src == 2, svc[np.concatenate([np.zeros(k_bg + k_big, int), el_idx])], rng.integers(0, S, K))
    affected[np.flatnonzero(single), one[single]] = True
    affected[k_bg + np.arange(k_big), svc[big_at]] = True
    tagged = affected & (rng.random((K, S)) < 0.25)
    end = start + dur + down

    hit = affected[:, svc].T & (start[None, :] < (T + W)[:, None]) & (end[None, :] > (T - B)[:, None])
    own = np.zeros((n, K), bool)  # an elevated_baseline deployment's own problem is its scenario
    own[el_idx, k_bg + k_big + np.arange(el_idx.size)] = True
    other = hit & ~own
    incident_overlap = other.any(1)
    plain = scen == _SC["plain"]
    scen = np.where(plain & (other & (cls != 2)[None, :]).any(1), _SC["shared_incident"],
                    np.where(plain & incident_overlap, _SC["service_incident"], scen))
    pd_, pk = np.nonzero(hit)
    inc_err, inc_nt = np.zeros((n, M)), np.zeros((n, M))
    inc_loglat, inc_logtraf = np.zeros((n, M)), np.zeros((n, M))
    if pd_.size:
        tt = T[pd_, None] + minutes[None, :] - start[pk, None]
        fall = np.clip((dur[pk, None] + down[pk, None] - tt) / down[pk, None], 0, 1)
        level = np.clip(tt / up[pk, None], 0, 1) * fall * (tt >= 0)
        sens = rng.lognormal(0.0, 0.6, pd_.size)[:, None]
        e = np.minimum(i_err[pk, None] * sens, 0.9) * level
        np.add.at(inc_err, pd_, e)
        np.add.at(inc_nt, pd_, e * i_nt[pk, None])
        np.add.at(inc_loglat, pd_, np.log(i_lat[pk, None]) * np.sqrt(sens) * level)
        np.add.at(inc_logtraf, pd_, np.log(i_traf[pk, None]) * level)
    # operators sometimes roll back a healthy version caught in a visible unrelated incident (after
    # the window); the version before it then stays the next deployment's previous version
    loud = (inc_err[:, B:].max(axis=1) > np.maximum(2.0 * base_err, 0.005)) if W > 0 else np.zeros(n, bool)
    late_rb = rng.lognormal(np.log(90.0), 0.8, n) + W + 5.0
    room = np.where(nxt >= 0, gap_next - B - 5.0, np.inf)
    panic = healthy & ~rolled & loud & (rng.random(n) < 0.1) & (late_rb < room)
    rolled |= panic
    rb_time = np.where(panic, late_rb, rb_time)
    lifetime = np.where(panic, np.round(late_rb, 1), lifetime)
    follow = panic & (nxt >= 0)
    pred_live[nxt[follow]] = pred_live[follow]
    live_end = T + np.where(np.isnan(lifetime), data_end - T, lifetime)
    flagged = (declared[None, :] & tagged[:, svc].T & (start[None, :] < live_end[:, None])
               & (end[None, :] > T[:, None])).any(1)
    incident = fault_incident | flagged | (rng.random(n) < 0.006)

    # --- traffic ------------------------------------------------------------------------------------
    t_wall = T[:, None] + minutes[None, :]
    hour = np.mod(t_wall / 60.0, 24.0)
    weekend = np.mod(np.floor(t_wall / 1440.0), 7) >= 5
    cyc = (amp[:, None] * np.cos(2 * np.pi * (hour - peak_s[svc][:, None]) / 24.0)
           + amp2_s[svc][:, None] * np.cos(4 * np.pi * (hour - peak2_s[svc][:, None]) / 24.0)
           - np.log(np.i0(amp))[:, None])
    load = np.exp(cyc) * np.where(weekend, weekend_s[svc][:, None], 1.0)
    surge = np.ones((n, M))
    sg = is_sc["traffic_surge"]
    s_amp = rng.uniform(1.8, 6.0, n)[:, None]
    s_start = rng.integers(-10, 26, n)[:, None]
    s_ramp = rng.integers(1, 9, n)[:, None]
    s_len = np.where(rng.random(n) < 0.5, 10**6, rng.integers(10, 51, n))[:, None]
    rise = np.clip((m_after - s_start + 1) / s_ramp, 0, 1) * (m_after < s_start + s_len)
    surge = np.where(sg[:, None], 1.0 + (s_amp - 1.0) * rise, surge)
    beta_surge, gam_surge = rng.uniform(0.2, 1.0, n)[:, None], rng.uniform(0.1, 0.5, n)[:, None]
    lam_exp = rate[:, None] * load * surge * np.exp(inc_logtraf)
    lam = lam_exp * np.exp(_ar1(rng, (n, M), np.full(n, 0.9), tsd_s[svc]))
    kt = kt_s[svc][:, None]
    requests = rng.poisson(lam * rng.gamma(kt, 1.0 / kt, (n, M)))
    req_new = rng.binomial(requests, np.clip(share, 0.0, 1.0))
    req = {"previous": requests - req_new, "new": req_new}

    # --- faults on each version ---------------------------------------------------------------------
    zero = np.zeros((n, M))
    f_extra = {"previous": zero.copy(), "new": zero.copy()}
    f_nt = {"previous": zero.copy(), "new": zero.copy()}
    f_lat = {"previous": np.ones((n, M)), "new": np.ones((n, M))}
    own_extra, own_nt, own_lat = zero.copy(), zero.copy(), np.ones((n, M))  # the deployment's own fault
    if fidx.size:
        ex, lm, ntf = _fault_effect(rng, F, fidx, np.broadcast_to(minutes, (fidx.size, M)))
        own_extra[fidx] = ex * after
        own_nt[fidx] = ex * after * ntf[:, None]
        own_lat[fidx] = np.where(after, lm, 1.0)
        f_extra["new"] += own_extra
        f_nt["new"] += own_nt
        f_lat["new"] *= own_lat
    has_pred = pred_live >= 0
    inh = np.flatnonzero(has_pred & label[np.maximum(pred_live, 0)])
    prev_faulty = np.zeros(n, bool)
    prev_faulty[inh] = True
    if inh.size:
        p = pred_live[inh]
        age = (T[inh] - T[p])[:, None] + minutes[None, :]
        ex, lm, ntf = _fault_effect(rng, F, p, age)
        f_extra["previous"][inh] += ex
        f_nt["previous"][inh] += ex * ntf[:, None]
        f_lat["previous"][inh] *= lm
        c = carry[p]
        f_extra["new"][inh[c]] += ex[c] * after  # old types by now: no new-type share
        f_lat["new"][inh[c]] *= np.where(after, lm[c], 1.0)
    pl = np.maximum(pred_live, 0)
    ver_rename = {"previous": np.where(has_pred, rename[pl], 0.0), "new": rename}
    ver_ntbg = {"previous": np.where(has_pred, nt_bg[pl], 0.0), "new": nt_bg}

    # cold start of fresh new-version pods (every step up of the share)
    fresh = np.zeros((n, M))
    fresh[:, B:] = np.maximum(np.diff(np.concatenate([np.zeros((n, 1)), share[:, B:]], axis=1), axis=1), 0.0)
    fresh = np.where(share > 0, fresh / np.maximum(share, 1e-9), 0.0)
    warm = np.zeros((n, M))
    decay = np.exp(-1.0 / tau)
    acc = np.zeros(n)
    for j in range(B, M):
        acc = acc * decay + np.minimum(fresh[:, j], 1.0)
        warm[:, j] = acc

    # --- errors -------------------------------------------------------------------------------------
    k1, k2 = k1_s[svc][:, None], k2_s[svc][:, None]
    ar_err = _ar1(rng, (n, M), phi_s[svc], sd_s[svc])
    shared_noise = np.exp(ar_err - sd_s[svc][:, None] ** 2 / 2) * rng.gamma(k1, 1.0 / k1, (n, M))
    load_err = (load * np.exp(inc_logtraf)) ** beta[:, None] * surge ** np.where(sg[:, None], beta_surge, 0.0)
    ordinary = base_err[:, None] * load_err * shared_noise
    spike_at = rng.random((n, M)) < spike_s[svc][:, None]
    spike_rate = 10.0 ** rng.uniform(-2.3, -0.5, (n, M))
    spike_who = rng.random((n, M))
    lat_spike = {v: np.where(rng.random((n, M)) < 0.004, rng.uniform(1.4, 4.0, (n, M)), 1.0) for v in req}
    gaps = np.zeros((n, M), bool)
    n_gaps = rng.poisson(0.25, n)
    g_start, g_len = rng.integers(0, M, (n, 3)), 1 + np.minimum(rng.geometric(0.45, (n, 3)) - 1, 7)
    for g in range(3):
        use = n_gaps > g
        gaps |= use[:, None] & (np.arange(M)[None, :] >= g_start[:, g, None]) & \
            (np.arange(M)[None, :] < g_start[:, g, None] + g_len[:, g, None])

    ar_lat = _ar1(rng, (n, M), np.full(n, 0.9), latsd_s[svc])
    lat_load = (load * np.exp(inc_logtraf)) ** gam[:, None] * surge ** np.where(sg[:, None], gam_surge, 0.0)
    out_cols = {c: [] for c in ("row", "col", "version", "requests", "errors", "new_type_errors", "latency_ms")}
    for vi, v in enumerate(("previous", "new")):
        r = req[v]
        is_new = v == "new"
        vnoise = rng.gamma(k2, 1.0 / k2, (n, M))
        base_v = ordinary * vnoise * (err_mult[:, None] if is_new else 1.0)
        rn = ver_rename[v][:, None] * (after if is_new else 1.0)
        hit_spike = spike_at & ((spike_who < 0.6) | ((spike_who < 0.8) == (not is_new)))
        blip_v = blip_err[:, None] * warm if is_new else 0.0
        p_old = (base_v * (1 - rn) + (f_extra[v] - f_nt[v]) + (inc_err - inc_nt)
                 + blip_v + spike_rate * hit_spike)
        p_nt = base_v * rn + f_nt[v] + inc_nt + ver_ntbg[v][:, None] * (after if is_new else 1.0)
        p_tot = np.minimum(p_old + p_nt, 0.995)
        errors = rng.binomial(r, p_tot)
        nt_share = np.divide(p_nt, p_old + p_nt, out=np.zeros_like(p_nt), where=(p_old + p_nt) > 0)
        nte = rng.binomial(errors, np.clip(nt_share, 0.0, 1.0))
        lat = (lat_s[svc][:, None] * lat_load * np.exp(ar_lat + inc_loglat) * f_lat[v] * lat_spike[v]
               * ((lat_mult[:, None] * (1.0 + warm_lat[:, None] * warm)) if is_new else 1.0))
        sd_n = 0.03 + 0.75 / np.sqrt(r + 1.0)
        lat = lat * np.exp(sd_n * rng.standard_normal((n, M)) - 0.35 / np.sqrt(r + 1.0))
        lat = np.round(np.maximum(lat, 0.1), 1)
        lat = np.where(rng.random((n, M)) < 0.003, np.nan, lat)
        keep = (r > 0) & ~gaps & (rng.random((n, M)) >= 0.001)
        rows, cols = np.nonzero(keep)
        out_cols["row"].append(rows)
        out_cols["col"].append(cols)
        out_cols["version"].append(np.full(rows.size, vi, np.int8))
        out_cols["requests"].append(r[rows, cols])
        out_cols["errors"].append(errors[rows, cols])
        out_cols["new_type_errors"].append(nte[rows, cols])
        out_cols["latency_ms"].append(lat[rows, cols])

    # --- truth: what a careful human could see in the window -----------------------------------------
    win = slice(B, M)
    lam_new = lam_exp[:, win] * share[:, win]
    b_m = lam_new * base_err[:, None] * load_err[:, win] * err_mult[:, None]
    v_eff = 1.0 / k1_s[svc] + 1.0 / k2_s[svc] + sd_s[svc] ** 2 * (1 + phi_s[svc]) / (1 - phi_s[svc])
    sd_noise = np.sqrt(b_m.sum(1) + v_eff * (b_m**2).sum(1))
    exp_extra = (lam_new * own_extra[:, win]).sum(1)
    exp_nt = (lam_new * own_nt[:, win]).sum(1)
    slow = ((lam_new >= 10.0) & (own_lat[:, win] >= 1.25)).sum(1) >= 20
    det = label & (kind != SILENT) & (
        ((exp_extra >= 10.0) & (exp_extra >= 4.0 * sd_noise)) | (exp_nt >= 10.0) | slow)

    # --- tables ---------------------------------------------------------------------------------------
    rank = np.empty(n, int)
    rank[np.lexsort((np.arange(n), T))] = np.arange(n)
    width = max(5, len(str(n - 1)))
    ids = np.array([f"od{r:0{width}d}" for r in rank], dtype=object)
    rows = np.concatenate(out_cols["row"])
    cols = np.concatenate(out_cols["col"])
    ver = np.concatenate(out_cols["version"])
    sort = np.lexsort((ver, cols, rank[rows]))
    ts = pd.DataFrame({
        "deployment_id": ids[rows[sort]],
        "minute": (cols[sort] - B).astype(np.int64),
        "version": np.array(["previous", "new"], dtype=object)[ver[sort]],
        "requests": np.concatenate(out_cols["requests"])[sort].astype(np.int64),
        "errors": np.concatenate(out_cols["errors"])[sort].astype(np.int64),
        "new_type_errors": np.concatenate(out_cols["new_type_errors"])[sort].astype(np.int64),
        "latency_ms": np.concatenate(out_cols["latency_ms"])[sort].astype(np.float64),
    })
    stamps = np.datetime_as_string(EPOCH + (T * 60).astype("timedelta64[s]"), unit="s")
    dep = pd.DataFrame({
        "deployment_id": ids,
        "service": names[svc],
        "rolled_back": rolled.astype(np.int64),
        "lifetime_minutes": lifetime.astype(np.float64),
        "incident": incident.astype(np.int64),
        "label": label.astype(np.int64),
        "deployed_at": np.char.add(stamps.astype(str), "Z").astype(object),
        "scenario": _NAMES[scen].astype(object),
        "detectable": det.astype(np.int64),
        "rollout": ROLLOUTS[strategy].astype(object),
        "incident_overlap": incident_overlap.astype(np.int64),
        "prev_faulty": prev_faulty.astype(np.int64),
        "expected_extra_errors": np.round(exp_extra, 2),
        "expected_new_type_errors": np.round(exp_nt, 2),
        "new_traffic_per_min": np.round(lam_new.mean(1), 3),
    })
    dep = dep.iloc[np.argsort(rank)].reset_index(drop=True)
    # a deployment whose window lost every row (very quiet service, gaps) gets one previous row so
    # that both tables name the same deployments: a single request at the first baseline minute
    missing = ~dep["deployment_id"].isin(pd.unique(ts["deployment_id"]))
    if missing.any():
        filler = pd.DataFrame({
            "deployment_id": dep.loc[missing, "deployment_id"].to_numpy(),
            "minute": np.int64(-B if B > 0 else 0),
            "version": "previous" if B > 0 else "new",
            "requests": np.int64(1), "errors": np.int64(0), "new_type_errors": np.int64(0),
            "latency_ms": np.round(lat_s[svc][np.argsort(rank)][missing.to_numpy()], 1),
        })
        ts = pd.concat([ts, filler], ignore_index=True)
        key = ts["deployment_id"].to_numpy(dtype=str)
        ts = ts.iloc[np.lexsort(((ts["version"] == "new").to_numpy(), ts["minute"].to_numpy(), key))]
        ts = ts.reset_index(drop=True)
    return ts, dep


def write(n: int, seed: int, out_dir: str | Path, fmt: str = "csv", **kw) -> None:
    """Generate and write `timeseries.<fmt>` and `deployments.<fmt>` into out_dir (csv or parquet)."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"unsupported format {fmt!r}; use csv or parquet")
    ts, dep = generate(n, seed, **kw)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in (("timeseries", ts), ("deployments", dep)):
        path = out / f"{name}.{fmt}"
        if fmt == "csv":
            frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        else:
            frame.to_parquet(path, index=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True, help="number of deployments")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--baseline-minutes", type=int, default=45)
    parser.add_argument("--window-minutes", type=int, default=60)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    a = parser.parse_args(argv)
    write(a.n, a.seed, a.out, fmt=a.format, baseline_minutes=a.baseline_minutes,
          window_minutes=a.window_minutes)


if __name__ == "__main__":
    main()
