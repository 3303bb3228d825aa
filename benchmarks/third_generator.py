"""Third, independent generator of per-version deployment telemetry.

World model: "Dashly", a mid-size food-delivery platform
=========================================================

Dashly runs a consumer app, a courier app and a merchant tablet app on a
micro-service backend (~12-160 services, scaling with ``sqrt(n)``) deployed in
three regions: ``us-east`` (UTC-5), ``eu-west`` (UTC+1) and ``ap-southeast``
(UTC+8).  Each service serves a mix of the three regions (Dirichlet shares;
~10% of services are single-region).  Everything below is simulated per
deployment over the minutes ``-baseline_minutes .. window_minutes-1`` around
the rollout, but all *shared* incidents are placed on one common wall clock so
that deployments that happen at the same time see the same outages.

Traffic
-------
* Base rate per service is log-normal (median ~300 req/min, from <1 to
  ~40 000 req/min), so some admin/internal services have many empty minutes.
* Diurnal cycle in each region's *local* time, by service segment:
  consumer (lunch peak ~12:30, bigger dinner peak ~19:30, deep night trough),
  courier (the same, a little later and broader), merchant (opening-hours
  plateau), internal (business hours, flat-ish, quiet at weekends).  Weekends
  are busier for consumer/courier services.
* Autocorrelated AR(1) log-noise on traffic, day-level jitter, Poisson counts.
* Marketing push campaigns (shared, wall-clock, per region at ~11:30 and
  ~17:45 local on about half the days) multiply consumer-service traffic for
  10-40 minutes; high load raises latency and causes overload errors.
* Region failovers/drills (shared, ~0.15/day): one region's traffic is drained
  into another for 20-180 minutes; the receiving region runs hotter, and with
  region-by-region rollouts the version mix changes abruptly.

Errors
------
* Per-service base error rate is log-normal (median 0.2%), per-region factors,
  an AR(1) multiplicative drift (stationary sd 0.15-0.5, phi 0.85-0.98) shared
  by both versions, a small independent AR(1) drift per version (pods differ),
  and per-minute, per-version Gamma overdispersion (shape ~8) feeding
  binomial counts.
* Errors come in "old types" and "new types".  ``new_type_errors`` counts
  errors whose type never appeared in an earlier version: the new version gets
  them from faults, from ~30% of releases shipping a harmless rare edge-case
  exception (1e-6..1e-4 per request), from renamed exception classes and from
  deliberately added error types.  ~25% of *previous* versions still emit
  their own recent new types at a low rate (they had never appeared before
  that previous version).
* Rollout steps cause a small blip of 502s (pods terminating / not ready).

Latency (p95)
-------------
Per service/region base p95 (log-normal, median ~120 ms), AR(1) drift, load
sensitivity (p95 rises with traffic relative to the daily mean), nightly
Postgres maintenance at 02:00-02:35 UTC and hourly report queries at :00-:03
for services on ``postgres-orders``, a search reindex at 04:00-04:45 UTC for
``search-es`` users, a restaurant-menu sync at 10:00 and 16:00 UTC (15 min)
loading both, sampling noise ~ 1/sqrt(requests) with right skew for
tiny samples, occasional GC-pause spikes.  Versions' p95 over regions is
combined as a request-weighted power mean (exponent 4; the slow region
dominates a tail quantile).  Every new version warms up (cold caches/JIT: p95
x(1+a*exp(-age/tau)), mild by default).

Monitoring artefacts
--------------------
* Per-service reporting: 45% exact, 25% integer ms (StatsD), 30% coarse
  Prometheus-histogram estimate (snapped to 1/8 of the bucket between
  5,10,25,50,100,250,500,1000,2500,5000,10000 ms bounds).
* Flaky agents (10% of services, 0.5-3% of minutes): two minutes land in one
  scrape, so minute t's row carries the counts of t and t+1 (p95 = max) and
  minute t+1 has no row.
* Scrape gaps (6% of deployments): up to two stretches of 1-8 minutes with
  no rows at all.
* Ingestion lag (30%): the last 1-2 minutes of the window are only partly in.
* Host clock skew (3%): the new version's rows are reported 1 minute late.
* Duplicate scrapers (2%): for 5-20 minutes the new version's counts are
  doubled (rates unchanged).

Rollout strategies (per-service preference 75%, otherwise random)
-----------------------------------------------------------------
``instant`` 20% (minute 0 partially switched, then 100%), ``blue_green`` 5%
(hard cut at 0, stronger warm-up), ``rolling`` 30% (3-25 pods replaced one per
0.4-4 min), ``canary`` 30% (plans such as 1/5/25/50/100% or 10/50/100%,
steps of 4-25 min; 20% hold at the last canary step for the whole window),
``region_by_region`` 15% (regions in random order every 8-30 min, each ramped
over 1-6 min; may not reach the last region inside the window).  Single-region
services use canary instead of region-by-region.  An in-window rollback
drains the new version (only ``previous`` rows afterwards).

Deploy times
------------
Weekday office hours in the owning team's time zone (EU or US), Friday
afternoon freeze (mostly), ~20% ride the mobile release train (Tue/Thu 14:00
UTC +0..25 min, so many services deploy together), hotfixes at any time.
Deployments of one service are kept at least ``window_minutes`` apart.

Scenarios and shares (target shares at assignment)
--------------------------------------------------
Faulty (label = 1); the total faulty share is drawn per seed uniformly in
8-12% and split proportionally to these weights (weights sum to 10%):

============================ ====== ==========================================
``fault_error_rate``          2.2%  old-type errors x(1.05..31) or +1e-5..5%
``fault_new_error_type``      1.8%  new exception, 2e-6..5% of requests
``fault_latency``             1.5%  p95 x(1.03..3), sometimes a few timeouts
``fault_late_onset``          1.2%  starts 3-110 min after pods start: memory
                                    leak (latency ramp, then OOM errors) or a
                                    step (cache/cron/TTL) in errors/new types
``fault_partial_endpoint``    1.0%  one endpoint (0.1-15% of traffic) fails
                                    20-100%; half of them with a new type
``fault_region_specific``     0.8%  error/new-type/latency fault in one region
``fault_crashloop``           0.7%  a share of new pods crash every 4-15 min
``fault_retry_storm``         0.4%  retry amplification: traffic x1.05-2.5,
                                    errors and latency up
``fault_silent``              0.4%  wrong business logic, no telemetry trace
============================ ====== ==========================================

Healthy (label = 0) with designed confounders:

=================================== ===== ====================================
``healthy_cache_warmup``             7%   strong cold start: p95 x(1.5..4) and
                                          timeouts x(1.5..11) decaying
``healthy_pre_existing_rise``        3%   errors already rising before the
                                          rollout (x1.5..10), maybe resolving
``healthy_renamed_exception``        3%   10-100% of the new version's
                                          ordinary errors get a new type name
``healthy_benign_new_error_type``    2%   intended new error (e.g. 410 for a
                                          deprecated app API), 2e-5..2e-3
``healthy_bot_traffic``              2.5% scraper burst with 5-90% 4xx,
                                          often sticky to one version
``healthy_dogfood_canary``           2%   canary first serves staff/beta
                                          users: errors x0.4..2.5, p95
                                          x0.8..1.35 while canary share <50%
``healthy_improvement``              3%   fewer errors and/or lower p95
``healthy_config_push``              2%   service config push during the
                                          window hurts both versions
``healthy_hotfix``                   1.5% previous version is the buggy one
                                          (errors x3..30 or p95 x1.5..3)
``healthy_plain``                   rest  no designed confounder
=================================== ===== ====================================

``healthy_plain`` deployments whose window was materially hit by a shared
wall-clock event are renamed (priority in this order):
``healthy_shared_dependency_outage`` (8 shared dependencies: postgres, redis,
payment provider, maps, kafka, search, identity provider, push provider; each
~0.2-0.8 outages/day, 2-240 min, global or one region, hitting every
dependent service at the same time), ``healthy_shared_config_push``
(platform-wide feature-flag pushes, ~1.5/day, 25% of them bad),
``healthy_region_failover``, ``healthy_push_campaign`` and
``healthy_batch_job``.  Faulty deployments experience all of these too.
Realised shares for n=10000, seed=42: plain 52.5%, shared dependency outage
4.6%, batch job 3.1%, push campaign 1.4%, shared config push 0.6%, region
failover 0.6%; faulty 11.2% in total, 49% of them detectable.

Labels and ``detectable``
-------------------------
``label`` is 1 exactly for the ``fault_*`` scenarios (the injected change is
harmful even if invisible).  ``detectable`` is 0 for every healthy deployment.
For a faulty one it is computed from *expected* (noise-free given the realised
world state) quantities of the new version, over the minutes 0..W-1 in which
the new version serves traffic and its fault is active (set A):

* m_t   = expected new-version requests in minute t,
* B_t   = expected new-version errors without the fault,
* E_t   = expected extra errors caused by the fault (all types),
* N_t   = expected fault-caused errors of never-seen types,
* r_t   = ratio of the expected new-version p95 with/without the fault.

``detectable = 1`` iff at some minute within the window, cumulated over A:
(a) sum E >= 10 and sum E >= 3*sqrt(sum B) and sum E >= 0.3*sum B (Poisson
noise plus ~30% level drift of the autocorrelated error rate), or
(b) sum N >= 10, or
(c) at least 20 minutes in A with m_t >= 20 and r_t >= 1.25.
Monitoring artefacts are ignored for this definition.  The first minute the
condition holds is when a vigilant operator could react; in-window rollbacks
of faulty deployments only happen after it.

After-the-fact signals (noisy)
------------------------------
* ``rolled_back``: detectable faults 70% (55% of those inside the window,
  a few minutes after becoming visible); other faults 30% (hours later);
  healthy deployments with an alarming-looking confounder 12%, others 2.5%.
* ``lifetime_minutes``: rollback time if rolled back; otherwise time until the
  service's next deployment in this data set, or an unlisted fix-forward for
  half of the faults not rolled back; NaN if still live.
* ``incident``: faults more likely the larger and more visible they are;
  healthy deployments get incidents from shared outages/bad config pushes,
  hotfixes (ongoing incident) and a small per-day background hazard.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd

REGIONS = ("us-east", "eu-west", "ap-southeast")
NR = 3
UTC_OFFSET_MIN = np.array([-300, 60, 480])
EPOCH = pd.Timestamp("2026-01-05 00:00:00")  # a Monday, UTC
DEPENDENCIES = ("postgres-orders", "redis-sessions", "payments-psp", "maps-provider",
                "kafka-events", "search-es", "auth-idp", "push-fcm-apns")
SEGMENTS = ("consumer", "courier", "merchant", "internal")

FAULT_WEIGHTS = {
    "fault_error_rate": 0.022,
    "fault_new_error_type": 0.018,
    "fault_latency": 0.015,
    "fault_late_onset": 0.012,
    "fault_partial_endpoint": 0.010,
    "fault_region_specific": 0.008,
    "fault_crashloop": 0.007,
    "fault_retry_storm": 0.004,
    "fault_silent": 0.004,
}
HEALTHY_SHARES = {
    "healthy_cache_warmup": 0.07,
    "healthy_pre_existing_rise": 0.03,
    "healthy_renamed_exception": 0.03,
    "healthy_benign_new_error_type": 0.02,
    "healthy_bot_traffic": 0.025,
    "healthy_dogfood_canary": 0.02,
    "healthy_improvement": 0.03,
    "healthy_config_push": 0.02,
    "healthy_hotfix": 0.015,
}
STRATEGIES = ("instant", "blue_green", "rolling", "canary", "region_by_region")
STRATEGY_P = np.array([0.20, 0.05, 0.30, 0.30, 0.15])

_STEMS = [
    ("consumer-bff", 0), ("courier-bff", 1), ("merchant-bff", 2), ("checkout", 0),
    ("cart", 0), ("menu-catalog", 0), ("search", 0), ("pricing", 0), ("promotions", 0),
    ("payments", 0), ("wallet", 0), ("order-state", 1), ("dispatch", 1), ("eta", 1),
    ("geo", 1), ("courier-location", 1), ("notifications", 0), ("push-gateway", 0),
    ("auth", 0), ("user-profile", 0), ("ratings", 0), ("support-chat", 0),
    ("fraud-check", 0), ("invoicing", 2), ("merchant-onboarding", 2), ("menu-ingest", 2),
    ("recommendations", 0), ("loyalty", 0), ("referrals", 0), ("tax", 2), ("payouts", 1),
    ("courier-shifts", 1), ("live-tracking", 0), ("address-book", 0),
    ("image-resizer", 0), ("feature-flags", 3), ("experiments", 3),
    ("analytics-ingest", 3), ("receipts", 0), ("refunds", 0), ("admin-console", 3),
    ("merchant-reports", 2),
]
_SUFFIXES = ["", "-worker", "-v2", "-api", "-sync", "-edge"]

# diurnal profiles: floor, [(centre_h, width_h, amplitude)], weekend factor
_PROFILES = {
    0: (0.10, [(15.5, 5.0, 0.30), (12.6, 1.2, 0.95), (19.4, 1.5, 1.35)], 1.20),
    1: (0.08, [(15.5, 5.0, 0.35), (12.9, 1.4, 0.85), (19.8, 1.7, 1.25)], 1.15),
    2: (0.06, [(16.5, 4.0, 0.90), (19.5, 1.5, 0.45), (12.5, 1.2, 0.30)], 1.05),
    3: (0.45, [(14.0, 4.0, 0.55)], 0.55),
}
_DEBUG = None  # set to a dict to capture internal arrays of the next generate() call
_HIST_BOUNDS = np.array([0.0, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000])


def _bump(h, c, w):
    d = (h - c + 12.0) % 24.0 - 12.0
    return np.exp(-0.5 * (d / w) ** 2)


def _profile_raw(seg, h):
    floor, bumps, _ = _PROFILES[seg]
    out = np.full(np.shape(h), floor, dtype=float)
    for c, w, a in bumps:
        out += a * _bump(h, c, w)
    return out


_PROFILE_NORM = {g: _profile_raw(g, np.arange(0, 24, 0.05)).mean() for g in _PROFILES}


def _loguniform(rng, lo, hi, size):
    return np.exp(rng.uniform(np.log(lo), np.log(hi), size))


def _ar1(rng, n, T, phi, sd):
    """Stationary AR(1) paths, shape (n, T), per-row phi and marginal sd."""
    out = np.empty((n, T))
    x = rng.standard_normal(n) * sd
    innov = rng.standard_normal((n, T)) * (sd * np.sqrt(1.0 - phi ** 2))[:, None]
    for t in range(T):
        x = phi * x + innov[:, t]
        out[:, t] = x
    return out


def _overlap(dep_min, start, end, B, W):
    """Row range [lo, hi) of time-sorted deployments whose window meets [start, end)."""
    lo = np.searchsorted(dep_min, start - W, side="right")
    hi = np.searchsorted(dep_min, end + B, side="left")
    return lo, hi


# ----------------------------------------------------------------------------
# services and deployments
# ----------------------------------------------------------------------------

def _make_services(rng, S):
    names, seg = [], []
    for i in range(S):
        stem, g = _STEMS[i % len(_STEMS)]
        names.append(stem + _SUFFIXES[(i // len(_STEMS)) % len(_SUFFIXES)]
                     + ("" if i < len(_STEMS) * len(_SUFFIXES) else f"-{i}"))
        seg.append(g)
    seg = np.array(seg)
    sv = {"name": np.array(names, dtype=object), "segment": seg}
    rpm = np.exp(rng.normal(np.log(300.0), 1.6, S))
    rpm[seg == 3] *= 0.15
    sv["rpm"] = np.clip(rpm, 0.3, 40000.0)
    shares = rng.dirichlet([5.0, 3.5, 1.5], S)
    single = rng.random(S) < 0.10
    one = np.where(rng.random(S) < 0.6, 1, 0)
    shares[single] = 0.0
    shares[single, one[single]] = 1.0
    sv["share"] = shares
    sv["multi_region"] = ~single
    sv["base_err"] = np.clip(np.exp(rng.normal(np.log(0.002), 1.1, S)), 1e-5, 0.05)
    sv["reg_err"] = np.exp(rng.normal(0.0, 0.2, (S, NR)))
    sv["err_sd"] = rng.uniform(0.15, 0.5, S)
    sv["err_phi"] = rng.uniform(0.85, 0.98, S)
    sv["kappa"] = np.clip(np.exp(rng.normal(np.log(8.0), 0.7, S)), 1.5, 80.0)
    sv["p95"] = np.clip(np.exp(rng.normal(np.log(120.0), 0.8, S)), 8.0, 3000.0)
    reg_lat = np.ones((S, NR))
    reg_lat[:, 1] = rng.uniform(0.9, 1.2, S)
    reg_lat[:, 2] = rng.uniform(1.0, 1.5, S)
    sv["reg_lat"] = reg_lat
    sv["lat_sd"] = rng.uniform(0.03, 0.12, S)
    sv["lat_phi"] = rng.uniform(0.7, 0.95, S)
    sv["load_sens"] = rng.uniform(0.0, 0.5, S)
    sv["overload"] = rng.uniform(0.0, 0.5, S)
    sv["tr_sd"] = rng.uniform(0.04, 0.15, S)
    sv["tr_phi"] = rng.uniform(0.85, 0.97, S)
    sv["report"] = rng.choice(3, S, p=[0.45, 0.25, 0.30])  # exact / integer / histogram
    sv["flaky_p"] = np.where(rng.random(S) < 0.10, rng.uniform(0.005, 0.03, S), 0.0)
    deps = rng.random((S, len(DEPENDENCIES))) < np.array([0.45, 0.35, 0.12, 0.12, 0.30, 0.12, 0.25, 0.06])
    deps[seg == 0, 2] |= rng.random((seg == 0).sum()) < 0.15  # payments in consumer flows
    sv["deps"] = deps
    sv["dep_sens"] = deps * rng.uniform(0.3, 1.0, deps.shape)
    sv["push_sens"] = np.where(seg == 0, rng.uniform(0.2, 1.0, S), 0.0)
    sv["tz_min"] = np.where(rng.random(S) < 0.55, 60, -300)
    sv["pref_strategy"] = rng.choice(len(STRATEGIES), S, p=STRATEGY_P)
    sv["deploy_w"] = np.minimum(np.exp(rng.normal(0.0, 0.9, S)), 8.0)
    sv["batch_night"] = sv["dep_sens"][:, 0] * rng.uniform(0.2, 0.9, S)
    sv["batch_hourly"] = sv["dep_sens"][:, 0] * rng.uniform(0.05, 0.3, S)
    sv["batch_reindex"] = sv["dep_sens"][:, 5] * rng.uniform(0.2, 1.0, S)
    sv["batch_sync"] = np.maximum(sv["dep_sens"][:, 0], sv["dep_sens"][:, 5]) * rng.uniform(0.1, 0.6, S)
    return sv


def _deploy_times(rng, svc, sv, days, scen_is_hotfix, W):
    n = len(svc)
    day = rng.integers(0, days, n)
    dow = day % 7
    wknd = (dow >= 5) & (rng.random(n) < 0.92)
    day = np.where(wknd, day - dow + rng.integers(0, 5, n), day)
    dow = day % 7
    hour = np.where(rng.random(n) < 0.55, rng.normal(10.8, 1.3, n), rng.normal(15.3, 1.5, n))
    hour = np.clip(hour, 8.5, 18.5)
    fri = (dow == 4) & (rng.random(n) < 0.85)
    hour = np.where(fri, 8.5 + (hour - 8.5) * 0.6, hour)
    m = day * 1440 + np.round(hour * 60 - sv["tz_min"][svc]).astype(np.int64)
    train = rng.random(n) < 0.20
    tday = np.maximum(day - dow + rng.choice([1, 3], n), 0)
    m = np.where(train, tday * 1440 + 14 * 60 + rng.integers(0, 26, n), m)
    anytime = rng.integers(0, days * 1440, n)
    m = np.where(scen_is_hotfix, anytime, m)
    # keep deployments of one service at least W (+ a little) apart
    order = np.lexsort((m, svc))
    m = m.copy()
    jitter = rng.integers(5, 60, n)
    last_s, last_m = -1, 0
    for k, i in enumerate(order):
        s = svc[i]
        if s == last_s and m[i] < last_m + W:
            m[i] = last_m + W + jitter[k]
        last_s, last_m = s, m[i]
    return m


# ----------------------------------------------------------------------------
# main generator
# ----------------------------------------------------------------------------

def generate(n: int, seed: int, baseline_minutes: int = 60, window_minutes: int = 60):
    """Return ``(timeseries, deployments)`` for ``n`` deployments (see module doc)."""
    rng = np.random.default_rng(seed)
    B, W = int(baseline_minutes), int(window_minutes)
    T = B + W
    minutes = np.arange(-B, W)
    post = minutes >= 0
    n = int(n)

    S = int(np.clip(round(1.2 * np.sqrt(n)), 12, 160))
    sv = _make_services(rng, S)
    days = int(max(7, np.ceil(n / (1.0 * S))))

    # ---------------- scenarios
    fault_total = rng.uniform(0.08, 0.12)
    fw = np.array(list(FAULT_WEIGHTS.values()))
    fshare = fw / fw.sum() * fault_total
    hshare = np.array(list(HEALTHY_SHARES.values()))
    names = list(FAULT_WEIGHTS) + list(HEALTHY_SHARES) + ["healthy_plain"]
    probs = np.concatenate([fshare, hshare, [1.0 - fshare.sum() - hshare.sum()]])
    scen_code = rng.choice(len(names), n, p=probs)
    svc = rng.choice(S, n, p=sv["deploy_w"] / sv["deploy_w"].sum())
    hot_code = names.index("healthy_hotfix")
    dep_min = _deploy_times(rng, svc, sv, days, scen_code == hot_code, W)

    order = np.argsort(dep_min, kind="stable")
    dep_min, svc, scen_code = dep_min[order], svc[order], scen_code[order]
    scen = np.array(names, dtype=object)[scen_code]
    is_fault = scen_code < len(FAULT_WEIGHTS)

    def rows(name):
        return np.flatnonzero(scen == name)

    t_abs = dep_min[:, None] + minutes[None, :]  # absolute minute since EPOCH
    seg = sv["segment"][svc]
    share = sv["share"][svc]
    rpm = sv["rpm"][svc]
    base_err = sv["base_err"][svc]
    multi = sv["multi_region"][svc]

    # ---------------- strategies and traffic split f (n, R, T)
    strat = np.where(rng.random(n) < 0.75, sv["pref_strategy"][svc],
                     rng.choice(len(STRATEGIES), n, p=STRATEGY_P))
    strat = np.where((strat == 4) & ~multi, 3, strat)
    strat[rows("healthy_dogfood_canary")] = 3
    hf = rows("healthy_hotfix")
    strat[hf] = np.where(rng.random(len(hf)) < 0.5, 0, strat[hf])
    rs = rows("fault_region_specific")
    strat[rs] = np.where(multi[rs] & (rng.random(len(rs)) < 0.6), 4, strat[rs])

    f0 = np.zeros((n, NR, T))
    i0 = np.flatnonzero(strat == 0)
    u0 = rng.uniform(0.3, 1.0, len(i0))
    col0 = B
    f0[i0, :, col0] = u0[:, None]
    f0[i0, :, col0 + 1:] = 1.0
    f0[strat == 1, :, col0:] = 1.0
    i2 = np.flatnonzero(strat == 2)
    k_pods = rng.integers(3, 26, len(i2))
    d_pod = rng.uniform(0.4, 4.0, len(i2))
    fr = np.clip(np.floor(np.maximum(minutes, 0)[None, :] / d_pod[:, None] + 1) / k_pods[:, None], 0, 1) * post
    f0[i2] = fr[:, None, :]
    i3 = np.flatnonzero(strat == 3)
    plans = np.array([[0.01, 0.05, 0.25, 0.5, 1.0], [0.05, 0.2, 0.5, 1.0, 1.0],
                      [0.1, 0.5, 1.0, 1.0, 1.0], [0.02, 0.1, 1.0, 1.0, 1.0],
                      [0.25, 1.0, 1.0, 1.0, 1.0], [0.01, 0.1, 0.5, 1.0, 1.0]])
    last_canary = np.array([0.5, 0.5, 0.5, 0.1, 0.25, 0.5])
    pl = rng.integers(0, len(plans), len(i3))
    steps = plans[pl].copy()
    bake = rng.random(len(i3)) < 0.2
    steps = np.where(bake[:, None] & (steps >= 1.0), last_canary[pl][:, None], steps)
    durs = rng.uniform(4, 25, len(i3))[:, None] * rng.uniform(0.7, 1.3, (len(i3), 5))
    bounds = np.concatenate([np.zeros((len(i3), 1)), np.cumsum(durs[:, :4], axis=1)], axis=1)
    sidx = (minutes[None, None, :] >= bounds[:, :, None]).sum(axis=1) - 1
    fc = np.take_along_axis(steps, np.clip(sidx, 0, 4), axis=1) * post
    f0[i3] = fc[:, None, :]
    i4 = np.flatnonzero(strat == 4)
    reg_order = np.argsort(rng.random((len(i4), NR)), axis=1)
    d_reg = rng.uniform(8, 30, len(i4))
    ramp = rng.uniform(1, 6, (len(i4), NR))
    starts_k = np.arange(NR)[None, :] * d_reg[:, None] * rng.uniform(0.8, 1.2, (len(i4), NR))
    starts_k[:, 0] = 0.0
    reg_start = np.empty((len(i4), NR))
    np.put_along_axis(reg_start, reg_order, starts_k, axis=1)
    f0[i4] = np.clip((minutes[None, None, :] - np.round(reg_start)[:, :, None] + 1) / ramp[:, :, None], 0, 1) * post
    served = f0 > 0
    start_r = np.where(served.any(axis=2), served.argmax(axis=2) - B, 10 ** 6).astype(float)  # (n, R)
    age = minutes[None, None, :] - start_r[:, :, None]  # (n, R, T)

    # ---------------- traffic lam (n, R, T)
    level = np.exp(rng.normal(0.0, 0.08, n))
    tr_state = np.exp(_ar1(rng, n, T, sv["tr_phi"][svc], sv["tr_sd"][svc]))
    lam = np.empty((n, NR, T))
    for r in range(NR):
        loc = t_abs + UTC_OFFSET_MIN[r]
        h = (loc % 1440) / 60.0
        wk = ((loc // 1440) % 7) >= 5
        prof = np.empty((n, T))
        for g in range(4):
            m = seg == g
            if m.any():
                prof[m] = (_profile_raw(g, h[m]) / _PROFILE_NORM[g]
                           * np.where(wk[m], _PROFILES[g][2], 1.0))
        lam[:, r] = (rpm * share[:, r] * level)[:, None] * prof * tr_state

    err_mult = np.ones((n, NR, T))
    err_add = np.zeros((n, NR, T))
    lat_mult = np.ones((n, NR, T))
    hit = {k: np.zeros(n) for k in ("outage", "outage_post", "config", "config_post",
                                    "failover", "campaign", "batch")}

    # push campaigns (shared wall-clock, per region)
    for r in range(NR):
        for d in range(-1, days + 1):
            for slot in (11.5, 17.75):
                if rng.random() >= 0.5:
                    continue
                st = int(d * 1440 + round(slot * 60 - UTC_OFFSET_MIN[r] + rng.normal(0, 20)))
                amp, tau = _loguniform(rng, 0.3, 3.0, None), rng.uniform(3, 12)
                lo, hi = _overlap(dep_min, st, st + 60, B, W)
                if hi <= lo:
                    continue
                idx = np.arange(lo, hi)
                idx = idx[sv["push_sens"][svc[idx]] > 0]
                if len(idx) == 0:
                    continue
                rel = t_abs[idx] - st
                eff = np.where((rel >= 0) & (rel < 60),
                               amp * (1 - np.exp(-(rel + 1) / 1.5)) * np.exp(-np.maximum(rel, 0) / tau), 0.0)
                eff *= sv["push_sens"][svc[idx]][:, None]
                lam[idx, r] *= 1 + eff
                hit["campaign"][idx] = np.maximum(hit["campaign"][idx], eff.max(axis=1))

    # region failovers (shared)
    for _ in range(rng.poisson(0.15 * days)):
        X = rng.choice(NR, p=[0.4, 0.4, 0.2])
        Y = (X + rng.integers(1, NR)) % NR
        st = int(rng.integers(-1440, days * 1440))
        dur = rng.uniform(20, 180)
        lo, hi = _overlap(dep_min, st, st + dur + 5, B, W)
        if hi <= lo:
            continue
        idx = np.arange(lo, hi)
        rel = t_abs[idx] - st
        drain = np.where(rel < dur, np.clip((rel + 1) / 5.0, 0, 1), np.clip(1 - (rel - dur) / 5.0, 0, 1))
        moved = lam[idx, X] * 0.97 * drain
        before = lam[idx, Y].copy()
        lam[idx, X] -= moved
        lam[idx, Y] += moved
        lat_mult[idx, Y] *= 1 + 0.3 * np.clip(moved / (before + 1e-9), 0, 2)
        tot = lam[idx].sum(axis=1) + 1e-9
        hit["failover"][idx] = np.maximum(hit["failover"][idx], (moved / tot).max(axis=1))

    # dependency outages (shared)
    for j in range(len(DEPENDENCIES)):
        users = sv["deps"][:, j]
        rate = rng.uniform(0.2, 0.8)
        for _ in range(rng.poisson(rate * (days + 1))):
            st = int(rng.integers(-1440, days * 1440))
            dur = float(np.clip(np.exp(rng.normal(np.log(12), 0.8)), 2, 240))
            sev = _loguniform(rng, 0.002, 0.3, None)
            lm = 1 + _loguniform(rng, 0.05, 2.5, None)
            reg = rng.integers(0, NR) if rng.random() < 0.3 else -1
            rup, rec = rng.uniform(0.5, 2.0), rng.uniform(1, 5)
            lo, hi = _overlap(dep_min, st, st + dur + 15, B, W)
            if hi <= lo:
                continue
            idx = np.arange(lo, hi)
            idx = idx[users[svc[idx]]]
            if len(idx) == 0:
                continue
            rel = t_abs[idx] - st
            shape = np.where(rel < 0, 0.0, np.where(rel < dur, np.minimum(1, (rel + 1) / rup),
                                                    np.exp(-(rel - dur) / rec)))
            sens = sv["dep_sens"][svc[idx], j][:, None]
            add = sev * sens * shape
            lmul = 1 + (lm - 1) * sens * shape
            if reg < 0:
                err_add[idx] += add[:, None, :]
                lat_mult[idx] *= lmul[:, None, :]
                wreg = 1.0
            else:
                err_add[idx, reg] += add
                lat_mult[idx, reg] *= lmul
                wreg = share[idx, reg]
            mat = np.maximum(add / np.maximum(base_err[idx], 0.002)[:, None], (lmul - 1) / 0.3)
            mat *= np.atleast_1d(wreg)[:, None] if np.ndim(wreg) else wreg
            hit["outage"][idx] = np.maximum(hit["outage"][idx], mat.max(axis=1))
            hit["outage_post"][idx] = np.maximum(hit["outage_post"][idx], mat[:, post].max(axis=1))

    # platform config pushes (shared)
    for _ in range(rng.poisson(1.5 * days)):
        st = int(rng.integers(-1440, days * 1440))
        affected = rng.random(S) < rng.uniform(0.05, 0.4)
        bad = rng.random() < 0.25
        if bad:
            dur, em, lm = rng.uniform(5, 45), _loguniform(rng, 1.5, 20, None), rng.uniform(1.0, 1.4)
        else:
            dur, em, lm = rng.uniform(1, 3), 1.2, rng.uniform(1.1, 1.3)
        reg = rng.integers(0, NR) if rng.random() < 0.3 else -1
        lo, hi = _overlap(dep_min, st, st + dur, B, W)
        if hi <= lo:
            continue
        idx = np.arange(lo, hi)
        idx = idx[affected[svc[idx]]]
        if len(idx) == 0:
            continue
        rel = t_abs[idx] - st
        act = (rel >= 0) & (rel < dur)
        emul, lmul = np.where(act, em, 1.0), np.where(act, lm, 1.0)
        if reg < 0:
            err_mult[idx] *= emul[:, None, :]
            lat_mult[idx] *= lmul[:, None, :]
        else:
            err_mult[idx, reg] *= emul
            lat_mult[idx, reg] *= lmul
        if bad:
            w = 1.0 if reg < 0 else share[idx, reg]
            hit["config"][idx] = np.maximum(hit["config"][idx], act.any(axis=1) * w)
            hit["config_post"][idx] = np.maximum(hit["config_post"][idx], act[:, post].any(axis=1) * w)

    # scheduled batch jobs (vectorised on the wall clock)
    mod = t_abs % 1440
    night = ((mod >= 120) & (mod < 155)).astype(float)
    hourly = ((t_abs % 60) < 3).astype(float)
    reindex = ((mod >= 240) & (mod < 285)).astype(float)
    msync = (((mod >= 600) & (mod < 615)) | ((mod >= 960) & (mod < 975))).astype(float)
    bn, bh, bri = sv["batch_night"][svc][:, None], sv["batch_hourly"][svc][:, None], sv["batch_reindex"][svc][:, None]
    bsy = sv["batch_sync"][svc][:, None]
    lat_mult *= (1 + bn * night + bh * hourly + bri * reindex + bsy * msync)[:, None, :]
    err_mult *= (1 + 0.5 * bn * night + 0.3 * bri * reindex + 0.5 * bsy * msync)[:, None, :]
    hit["batch"] = np.maximum.reduce([(bn * night).max(axis=1), (bri * reindex).max(axis=1),
                                      (bsy * msync).max(axis=1), (bh * hourly).max(axis=1)])

    # ---------------- per-deployment world confounders (both versions)
    P = rows("healthy_pre_existing_rise")
    if len(P):
        k = len(P)
        t0 = rng.uniform(-min(B, 55), -min(B, 5) if B >= 5 else 0, k)
        cap = _loguniform(rng, 1.5, 10, k)
        tau = rng.uniform(5, 40, k)
        res = rng.random(k) < 0.4
        t1, tau2 = rng.uniform(0, 50, k), rng.uniform(3, 15, k)
        tt = minutes[None, :]
        mult = 1 + (cap - 1)[:, None] * (1 - np.exp(-np.maximum(tt - t0[:, None], 0) / tau[:, None]))
        dec = np.where(res[:, None] & (tt >= t1[:, None]), np.exp(-np.maximum(tt - t1[:, None], 0) / tau2[:, None]), 1.0)
        mult = 1 + (mult - 1) * dec
        err_mult[P] *= mult[:, None, :]
        lat_mult[P] *= (1 + 0.15 * (mult - 1) / cap[:, None])[:, None, :]
    Q = rows("healthy_config_push")
    if len(Q):
        k = len(Q)
        c0, dur = rng.uniform(-20, 50, k), rng.uniform(4, 40, k)
        kind_err = rng.random(k) < 0.7
        em = np.where(kind_err, _loguniform(rng, 1.5, 20, k), 1.0)
        lm = np.where(kind_err, 1.0, 1 + _loguniform(rng, 0.2, 1.5, k))
        act = (minutes[None, :] >= c0[:, None]) & (minutes[None, :] < (c0 + dur)[:, None])
        err_mult[Q] *= np.where(act, em[:, None], 1.0)[:, None, :]
        lat_mult[Q] *= np.where(act, lm[:, None], 1.0)[:, None, :]
    hot_err = np.ones(n)
    hot_lat = np.ones(n)
    if len(hf):
        kerr = rng.random(len(hf)) < 0.7
        hot_err[hf] = np.where(kerr, _loguniform(rng, 3, 30, len(hf)), 1.0)
        hot_lat[hf] = np.where(kerr, 1.0, rng.uniform(1.5, 3.0, len(hf)))

    # bots
    bot_lam = np.zeros((n, T))
    bot_region = np.full(n, -1)
    bot_sticky = np.zeros(n, dtype=int)
    bot_err = np.zeros(n)
    bot_latm = np.ones(n)
    Bt = rows("healthy_bot_traffic")
    if len(Bt):
        k = len(Bt)
        c = np.cumsum(share[Bt], axis=1)
        bot_region[Bt] = (rng.random(k)[:, None] > c[:, :-1] / c[:, -1:]).sum(axis=1)
        bst, bdur = rng.uniform(-min(B, 60), 50, k), rng.uniform(8, 60, k)
        brate = rpm[Bt] * _loguniform(rng, 0.05, 3.0, k)
        rel = minutes[None, :] - bst[:, None]
        bot_lam[Bt] = brate[:, None] * np.clip((rel + 1) / 3.0, 0, 1) * (rel < bdur[:, None])
        bot_sticky[Bt] = rng.choice(3, k, p=[0.6, 0.25, 0.15])
        bot_err[Bt] = rng.uniform(0.05, 0.9, k)
        bot_latm[Bt] = rng.uniform(0.7, 1.8, k)

    # ---------------- new-version healthy effects (n, R, T)
    warm_a = rng.uniform(0.0, 0.3, n)
    warm_tau = rng.uniform(1, 4, n)
    warm_b = np.zeros(n)
    warm_taue = rng.uniform(1, 6, n)
    warm_a[strat == 1] *= 2.0
    Cw = rows("healthy_cache_warmup")
    warm_a[Cw] = rng.uniform(0.5, 3.0, len(Cw))
    warm_tau[Cw] = rng.uniform(3, 15, len(Cw))
    warm_b[Cw] = _loguniform(rng, 0.5, 10, len(Cw))
    agep = np.maximum(age, 0)
    new_lat_h = 1 + warm_a[:, None, None] * np.exp(-agep / warm_tau[:, None, None])
    new_err_h = 1 + warm_b[:, None, None] * np.exp(-agep / warm_taue[:, None, None])
    del agep
    Dg = rows("healthy_dogfood_canary")
    if len(Dg):
        em, lm = _loguniform(rng, 0.4, 2.5, len(Dg)), rng.uniform(0.8, 1.35, len(Dg))
        canary_phase = (f0[Dg] > 0) & (f0[Dg] < 0.5)
        new_err_h[Dg] *= np.where(canary_phase, em[:, None, None], 1.0)
        new_lat_h[Dg] *= np.where(canary_phase, lm[:, None, None], 1.0)
    Im = rows("healthy_improvement")
    if len(Im):
        new_err_h[Im] *= rng.uniform(0.3, 1.0, len(Im))[:, None, None]
        new_lat_h[Im] *= np.where(rng.random(len(Im)) < 0.6, rng.uniform(0.6, 0.97, len(Im)), 1.0)[:, None, None]
    q_edge = np.where(rng.random(n) < 0.3, _loguniform(rng, 1e-6, 1e-4, n), 0.0)
    q_benign = np.zeros(n)
    Bn = rows("healthy_benign_new_error_type")
    q_benign[Bn] = _loguniform(rng, 2e-5, 2e-3, len(Bn))
    q_prev = np.where(rng.random(n) < 0.25, _loguniform(rng, 1e-6, 3e-4, n), 0.0)
    rho = np.zeros(n)
    Rn = rows("healthy_renamed_exception")
    rho[Rn] = rng.uniform(0.1, 1.0, len(Rn))
    blip_amp = _loguniform(rng, 1e-4, 3e-3, n)

    # ---------------- faults (new version only)
    f_em = np.ones((n, NR, T))
    f_ea = np.zeros((n, NR, T))
    f_nt = np.zeros((n, NR, T))
    f_lm = np.ones((n, NR, T))
    crash_keep = np.ones((n, T))
    retry_mult = np.ones((n, T))

    F = rows("fault_error_rate")
    if len(F):
        k = len(F)
        modeA = rng.random(k) < 0.6
        f_em[F] = np.where(modeA, 1 + _loguniform(rng, 0.05, 30, k), 1.0)[:, None, None]
        f_ea[F] = np.where(modeA, 0.0, _loguniform(rng, 1e-5, 0.05, k))[:, None, None]
    F = rows("fault_new_error_type")
    if len(F):
        k = len(F)
        f_nt[F] = _loguniform(rng, 2e-6, 0.05, k)[:, None, None]
        f_em[F] = np.where(rng.random(k) < 0.25, 1 + rng.uniform(0, 0.3, k), 1.0)[:, None, None]
    F = rows("fault_latency")
    if len(F):
        k = len(F)
        f_lm[F] = (1 + _loguniform(rng, 0.03, 2.0, k))[:, None, None]
        f_em[F] = np.where(rng.random(k) < 0.2, 1 + rng.uniform(0, 1, k), 1.0)[:, None, None]
    F = rows("fault_late_onset")
    if len(F):
        k = len(F)
        o = rng.uniform(3, 110, k)[:, None, None]
        a = age[F]
        on = a >= o
        leak = (rng.random(k) < 0.6)[:, None, None]
        g = _loguniform(rng, 0.003, 0.08, k)[:, None, None]
        lm_leak = np.minimum(1 + g * np.maximum(a - o, 0), 6.0)
        step_nt = (rng.random(k) < 0.5)[:, None, None]
        em_step = (1 + _loguniform(rng, 0.3, 30, k))[:, None, None]
        nt_step = _loguniform(rng, 1e-5, 0.02, k)[:, None, None]
        f_lm[F] = np.where(leak, lm_leak, 1.0)
        f_em[F] = np.where(leak, 1 + 2 * np.maximum(lm_leak - 2, 0),
                           np.where(on & ~step_nt, em_step, 1.0))
        f_nt[F] = np.where(~leak & step_nt & on, nt_step, 0.0)
    F = rows("fault_partial_endpoint")
    if len(F):
        k = len(F)
        e = _loguniform(rng, 0.001, 0.15, k)
        add = e * rng.uniform(0.2, 1.0, k)
        newt = rng.random(k) < 0.5
        f_nt[F] = np.where(newt, add, 0.0)[:, None, None]
        f_ea[F] = np.where(newt, 0.0, add)[:, None, None]
        f_lm[F] = np.where(e > 0.05, 1 + rng.uniform(0, 0.5, k), 1.0)[:, None, None]
    F = rows("fault_region_specific")
    if len(F):
        k = len(F)
        sh = share[F]
        ok = sh > 0.05
        rr = np.argmax(np.where(ok, rng.random((k, NR)), -1.0), axis=1)
        kind = rng.choice(3, k)
        em = 1 + _loguniform(rng, 1.0, 50, k)
        nt = _loguniform(rng, 1e-4, 0.05, k)
        lm = 1 + _loguniform(rng, 0.1, 2.0, k)
        f_em[F, rr] = np.where(kind == 0, em, 1.0)[:, None]
        f_nt[F, rr] = np.where(kind == 1, nt, 0.0)[:, None]
        f_lm[F, rr] = np.where(kind == 2, lm, 1.0)[:, None]
    F = rows("fault_crashloop")
    if len(F):
        k = len(F)
        per = rng.integers(4, 16, k)[:, None]
        clen = rng.integers(1, 3, k)[:, None]
        first = rng.integers(0, 11, k)[:, None]
        frac = rng.uniform(0.05, 1.0, k)[:, None]
        tt = minutes[None, :]
        crash = (tt >= first) & (((tt - first) % per) < clen)
        f_ea[F] = np.where(crash, frac * rng.uniform(0.05, 0.5, k)[:, None], 0.0)[:, None, :]
        f_lm[F] = np.where(crash, 1 + frac * rng.uniform(0.5, 3, k)[:, None], 1 + 0.3 * frac)[:, None, :]
        crash_keep[F] = np.where(crash, 1 - 0.5 * frac, 1.0)
    F = rows("fault_retry_storm")
    if len(F):
        k = len(F)
        s_int = _loguniform(rng, 0.05, 1.5, k)[:, None]
        onset = rng.uniform(0, 30, k)[:, None]
        q = _loguniform(rng, 5e-4, 0.08, k)[:, None]
        on = minutes[None, :] >= onset
        retry_mult[F] = np.where(on, 1 + s_int, 1.0)
        f_ea[F] = np.where(on, np.minimum(0.3, 0.02 * s_int + q), 0.0)[:, None, :]
        f_lm[F] = np.where(on, 1 + 0.5 * s_int, 1.0)[:, None, :]
    # fault_silent: nothing observable

    # ---------------- AR states
    err_state = np.exp(_ar1(rng, n, T, sv["err_phi"][svc], sv["err_sd"][svc]))
    ver_err = [np.exp(_ar1(rng, n, T, np.full(n, 0.9), np.full(n, 0.08))) for _ in range(2)]
    lat_state = np.exp(_ar1(rng, n, T, sv["lat_phi"][svc], sv["lat_sd"][svc]))
    ver_lat = [_ar1(rng, n, T, np.full(n, 0.8), rng.uniform(0.02, 0.06, n)) for _ in range(2)]

    rpm_share = rpm[:, None] * np.maximum(share, 0.03) * level[:, None]
    base_err_r = base_err[:, None] * sv["reg_err"][svc]
    p95_r = sv["p95"][svc][:, None] * sv["reg_lat"][svc]
    load_sens = sv["load_sens"][svc][:, None]
    overload = sv["overload"][svc][:, None]

    def region_params(r, fr):
        rel = lam[:, r] / rpm_share[:, r][:, None]
        load_lat = np.clip(1 + load_sens * (rel - 1), 0.75, 4.0)
        ovl = 1 + overload * np.clip(rel - 1.8, 0, None)
        p_world = base_err_r[:, r][:, None] * err_state * err_mult[:, r] * ovl + err_add[:, r]
        L_world = p95_r[:, r][:, None] * lat_state * load_lat * lat_mult[:, r]
        dF = np.diff(fr, axis=1, prepend=0.0)
        blip = blip_amp[:, None] * np.minimum(1.0, 4 * np.abs(dF))
        out = {}
        out["p_prev"] = np.clip(p_world * hot_err[:, None] * ver_err[0] + blip * (dF > 0), 0, 0.95)
        out["q_prev"] = q_prev[:, None]
        out["L_prev"] = L_world * hot_lat[:, None]
        p_nf = p_world * new_err_h[:, r] * ver_err[1] + blip * np.where(dF > 0, 0.3, 1.0) * (dF != 0)
        out["p_new_nf"] = np.clip(p_nf, 0, 0.95)
        out["q_new_nf"] = (q_edge + q_benign)[:, None]
        out["L_new_nf"] = L_world * new_lat_h[:, r]
        out["p_new_f"] = np.clip(p_nf * f_em[:, r] + f_ea[:, r], 0, 0.95)
        out["q_new_f"] = np.clip(out["q_new_nf"] + f_nt[:, r], 0, 0.9)
        out["L_new_f"] = out["L_new_nf"] * f_lm[:, r]
        return out

    # ---------------- expected pass: detectability
    m_exp = np.zeros((n, T))
    mf_exp = np.zeros((n, T))
    E = np.zeros((n, T))
    NT = np.zeros((n, T))
    Bx = np.zeros((n, T))
    s4f = np.zeros((n, T))
    s4nf = np.zeros((n, T))
    act = np.zeros((n, T), dtype=bool)
    for r in range(NR):
        pr = region_params(r, f0[:, r])
        w = lam[:, r] * f0[:, r]
        wf = w * np.where(f0[:, r] < 1, crash_keep, 1.0) * retry_mult
        base_tot = pr["p_new_nf"] + pr["q_new_nf"]
        Bx += w * base_tot
        E += wf * (pr["p_new_f"] + pr["q_new_f"]) - w * base_tot
        NT += wf * (pr["q_new_f"] - pr["q_new_nf"])
        m_exp += w
        mf_exp += wf
        s4f += wf * pr["L_new_f"] ** 4
        s4nf += w * pr["L_new_nf"] ** 4
        act |= (w > 0) & ((f_em[:, r] != 1) | (f_ea[:, r] > 0) | (f_nt[:, r] > 0) | (f_lm[:, r] != 1)
                          | (crash_keep != 1) | (retry_mult != 1))
        del pr
    act &= post[None, :]
    act &= is_fault[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (s4f / np.maximum(mf_exp, 1e-12)) ** 0.25 / (s4nf / np.maximum(m_exp, 1e-12)) ** 0.25
    lat_ok = act & (m_exp >= 20) & (ratio >= 1.25)
    cE = np.cumsum(E * act, axis=1)
    cB = np.cumsum(Bx * act, axis=1)
    cN = np.cumsum(NT * act, axis=1)
    cL = np.cumsum(lat_ok, axis=1)
    crit = ((cE >= 10) & (cE >= 3 * np.sqrt(cB)) & (cE >= 0.3 * cB)) | (cN >= 10) | (cL >= 20)
    crit &= act.any(axis=1)[:, None]
    detectable = crit.any(axis=1) & is_fault
    vis_t = np.where(detectable, crit.argmax(axis=1) - B, 10 ** 6)
    extra_total = np.maximum(cE[:, -1], 0)
    del m_exp, mf_exp, E, NT, Bx, s4f, s4nf, act, ratio, lat_ok, cE, cB, cN, cL, crit

    # ---------------- after-the-fact signals
    mat_post = np.maximum(hit["outage_post"], 0)
    alarming = ~is_fault & (
        (mat_post >= 1) | (hit["config_post"] > 0.3)
        | np.isin(scen, ["healthy_benign_new_error_type", "healthy_renamed_exception",
                         "healthy_pre_existing_rise", "healthy_config_push"])
        | ((scen == "healthy_cache_warmup") & ((warm_a > 1.5) | (warm_b > 3)))
        | ((scen == "healthy_bot_traffic") & (bot_sticky == 1))
        | ((scen == "healthy_dogfood_canary"))
    )
    u = rng.random((n, 6))
    rb = np.zeros(n, dtype=bool)
    rb_t = np.full(n, np.nan)
    # faulty, visible
    m1 = detectable & (u[:, 0] < 0.70)
    inwin = m1 & (u[:, 1] < 0.55)
    delay = np.ceil(np.exp(rng.normal(np.log(8), 0.6, n)))
    later = W + np.exp(rng.normal(np.log(240), 1.2, n))
    rb |= m1
    rb_t = np.where(m1, np.where(inwin, vis_t + delay, later), rb_t)
    # faulty, not visible
    m2 = is_fault & ~detectable & (u[:, 0] < 0.30)
    rb |= m2
    rb_t = np.where(m2, W + np.exp(rng.normal(np.log(600), 1.3, n)), rb_t)
    # healthy
    m3 = ~is_fault & (u[:, 0] < np.where(alarming, 0.12, 0.025))
    h_in = m3 & (u[:, 1] < np.where(alarming, 0.35, 0.10))
    rb |= m3
    rb_t = np.where(m3, np.where(h_in, rng.uniform(5, max(W - 1, 6), n),
                                 W + np.exp(rng.normal(np.log(200), 1.3, n))), rb_t)
    rb_in = rb & (rb_t < W)
    rb_tr = np.where(rb_in, np.floor(rb_t), 10 ** 6)
    f = f0 * np.where(minutes[None, :] > rb_tr[:, None], 0.0,
                      np.where(minutes[None, :] == rb_tr[:, None], 0.4, 1.0))[:, None, :]

    # lifetimes
    nxt = np.full(n, np.nan)
    o2 = np.lexsort((dep_min, svc))
    same = svc[o2][1:] == svc[o2][:-1]
    gaps = (dep_min[o2][1:] - dep_min[o2][:-1]).astype(float)
    nxt[o2[:-1][same]] = gaps[same]
    fixfwd = is_fault & ~rb & (u[:, 2] < 0.5)
    ff_t = np.where(detectable, np.exp(rng.normal(np.log(90), 0.7, n)) + W / 2,
                    np.exp(rng.normal(np.log(1500), 1.0, n)))
    life = np.where(rb, np.fmin(rb_t, nxt), np.where(fixfwd, np.fmin(nxt, ff_t), nxt))
    life = np.round(life, 1)

    # incidents
    sev = np.clip(np.log10(1 + extra_total) / 3, 0, 1)
    p_inc = np.where(is_fault, 0.12 + 0.55 * detectable * np.maximum(sev, 0.3), 0.015)
    p_inc += ~is_fault * (0.35 * np.clip(mat_post, 0, 1) + 0.2 * (hit["config_post"] > 0.3)
                          + 0.05 * alarming + 0.7 * (scen == "healthy_hotfix"))
    span_left = (days * 1440 - dep_min).clip(60)
    live_min = np.where(np.isnan(life), span_left, life)
    p_inc = 1 - (1 - np.clip(p_inc, 0, 0.95)) * np.exp(-0.01 * live_min / 1440)
    incident = u[:, 3] < p_inc

    # scenario renaming for plain healthy deployments hit by shared events
    plain = scen == "healthy_plain"
    ren = [("healthy_shared_dependency_outage", hit["outage"] >= 1),
           ("healthy_shared_config_push", hit["config"] > 0.3),
           ("healthy_region_failover", hit["failover"] > 0.15),
           ("healthy_push_campaign", hit["campaign"] >= 1.0),
           ("healthy_batch_job", hit["batch"] >= 0.25)]
    for name, cond in ren:
        sel = plain & cond
        scen[sel] = name
        plain &= ~sel

    if _DEBUG is not None:  # developer hook: expose the world state
        _DEBUG.update({k: v for k, v in locals().items() if isinstance(v, (np.ndarray, dict))})

    # ---------------- sampling pass
    req = [np.zeros((n, T), dtype=np.int64) for _ in range(2)]
    eo = [np.zeros((n, T), dtype=np.int64) for _ in range(2)]
    ntc = [np.zeros((n, T), dtype=np.int64) for _ in range(2)]
    breq = [np.zeros((n, T), dtype=np.int64) for _ in range(2)]
    berr = [np.zeros((n, T), dtype=np.int64) for _ in range(2)]
    s4 = [np.zeros((n, T)) for _ in range(2)]
    kappa = sv["kappa"][svc][:, None]
    gam = [rng.gamma(np.broadcast_to(kappa, (n, T)), 1.0) / kappa for _ in range(2)]
    has_bot = bot_region >= 0
    for r in range(NR):
        fr = f[:, r]
        N = rng.poisson(lam[:, r])
        Nn = rng.binomial(N, fr)
        Np = N - Nn
        mv = rng.binomial(Nn, (1 - crash_keep) * (fr < 1))
        Nn -= mv
        Np += mv
        Nn += rng.poisson(Nn * (retry_mult - 1))
        bl = bot_lam * ((bot_region == r) & has_bot)[:, None]
        Bo = rng.poisson(bl)
        sh_new = np.where((bot_sticky == 1)[:, None], (fr > 0).astype(float),
                          np.where((bot_sticky == 2)[:, None], (fr >= 1).astype(float), fr))
        Bnew = rng.binomial(Bo, sh_new)
        Bprev = Bo - Bnew
        pr = region_params(r, fr)
        for v, Nv, p, q, L, Bv in ((0, Np, pr["p_prev"], pr["q_prev"], pr["L_prev"], Bprev),
                                   (1, Nn, pr["p_new_f"], pr["q_new_f"], pr["L_new_f"], Bnew)):
            g = gam[v]
            e_nt = rng.binomial(Nv, np.clip(q * g, 0, 0.9))
            e_ot = rng.binomial(Nv - e_nt, np.clip(p * g, 0, 0.95))
            req[v] += Nv
            eo[v] += e_ot
            ntc[v] += e_nt
            s4[v] += Nv * L ** 4
            breq[v] += Bv
            berr[v] += rng.binomial(Bv, bot_err[:, None])
        del pr
    # renamed exception classes (new version)
    conv = rng.binomial(eo[1], rho[:, None])
    eo[1] -= conv
    ntc[1] += conv

    lat = []
    report = sv["report"][svc]
    for v in range(2):
        rq = np.maximum(req[v], 1)
        Lm = (s4[v] / rq) ** 0.25
        tot = req[v] + breq[v]
        bshare = breq[v] / np.maximum(tot, 1)
        Lm = np.where(req[v] > 0, Lm, p95_r.mean(axis=1)[:, None] * lat_state)
        Lm = Lm * (1 + (bot_latm[:, None] - 1) * bshare)
        nn = np.maximum(tot, 1)
        z1, z2 = rng.standard_normal((n, T)), rng.standard_normal((n, T))
        noise = (0.02 + 0.5 / np.sqrt(nn)) * z1 + 0.4 * np.abs(z2) / np.sqrt(nn)
        L = Lm * np.exp(ver_lat[v] + noise)
        gc = rng.random((n, T)) < 0.002
        L = np.where(gc, L * rng.uniform(1.5, 5.0, (n, T)), L)
        L = np.maximum(L, 0.5)
        # reporting / quantisation
        Li = np.round(L)
        bi = np.clip(np.searchsorted(_HIST_BOUNDS, L, side="left"), 1, len(_HIST_BOUNDS) - 1)
        lo_b, hi_b = _HIST_BOUNDS[bi - 1], _HIST_BOUNDS[bi]
        Lh = lo_b + (hi_b - lo_b) * np.ceil((L - lo_b) / (hi_b - lo_b) * 8) / 8
        L = np.where(report[:, None] == 1, np.maximum(Li, 1.0),
                     np.where(report[:, None] == 2, Lh, np.round(L, 1)))
        lat.append(L)
        req[v] = tot
        eo[v] = eo[v] + ntc[v] + berr[v]  # now total errors
    err, nt = eo, ntc
    del (region_params, f0, f, age, lam, err_mult, err_add, lat_mult, new_lat_h, new_err_h,
         f_em, f_ea, f_nt, f_lm, t_abs, err_state, ver_err, lat_state, ver_lat, gam, s4,
         breq, berr, bot_lam, crash_keep, retry_mult, conv, N, Nn, Np, mv, Bo, Bnew, Bprev)

    # ---------------- monitoring artefacts
    # clock skew on new version: reported one minute late
    sk = np.flatnonzero(rng.random(n) < 0.03)
    for arr in (req[1], err[1], nt[1], lat[1]):
        arr[sk, 1:] = arr[sk, :-1].copy()
        arr[sk, 0] = 0
    # duplicate scrapers: new-version counts doubled for a stretch
    dup = rng.random(n) < 0.02
    ds = rng.integers(0, max(W - 5, 1), n)
    dl = rng.integers(5, 21, n)
    dm = dup[:, None] & (minutes[None, :] >= ds[:, None]) & (minutes[None, :] < (ds + dl)[:, None])
    for arr in (req[1], err[1], nt[1]):
        arr[dm] *= 2
    # flaky agent: minute t+1 flushed late into minute t
    fl = sv["flaky_p"][svc]
    mg = rng.random((n, T)) < fl[:, None]
    for t in range(T - 1):
        mt = mg[:, t]
        if not mt.any():
            continue
        for v in range(2):
            mt &= (req[v][:, t] > 0) | (req[v][:, t + 1] == 0)
        if not mt.any():
            continue
        for v in range(2):
            lat[v][mt, t] = np.maximum(lat[v][mt, t], np.where(req[v][mt, t + 1] > 0, lat[v][mt, t + 1], 0))
            for arr in (req[v], err[v], nt[v]):
                arr[mt, t] += arr[mt, t + 1]
                arr[mt, t + 1] = 0
    # scrape gaps
    gp = rng.random(n) < 0.06
    for _ in range(2):
        gs = rng.integers(0, T, n)
        gl = rng.integers(1, 9, n)
        use = gp & (rng.random(n) < 0.6)
        gm = use[:, None] & (np.arange(T)[None, :] >= gs[:, None]) & (np.arange(T)[None, :] < (gs + gl)[:, None])
        for v in range(2):
            req[v][gm] = 0
    # ingestion lag at the end of the window
    lagm = rng.random(n) < 0.30
    nlag = rng.integers(1, 3, n)
    keep_frac = rng.uniform(0.4, 0.9, n)
    lm_mask = lagm[:, None] & (np.arange(T)[None, :] >= (T - nlag)[:, None])
    for v in range(2):
        kf = np.broadcast_to(keep_frac[:, None], (n, T))
        r2 = rng.binomial(req[v], np.where(lm_mask, kf, 1.0))
        e2 = rng.binomial(err[v], np.where(lm_mask, kf, 1.0))
        n2 = rng.binomial(nt[v], np.where(lm_mask, kf, 1.0))
        req[v] = r2
        err[v] = np.minimum(e2, r2)
        nt[v] = np.minimum(n2, err[v])

    # ---------------- assemble
    ids = np.array([f"dpl-{i:06d}" for i in range(n)], dtype=object)
    parts = []
    for v, vname in ((0, "previous"), (1, "new")):
        err[v] = np.minimum(err[v], req[v])
        nt[v] = np.minimum(nt[v], err[v])
        ii, tt = np.nonzero(req[v] > 0)
        parts.append((ii, tt, np.full(len(ii), v), req[v][ii, tt], err[v][ii, tt],
                      nt[v][ii, tt], lat[v][ii, tt]))
    ii, tt, vv, rq, er, ntt, la = (np.concatenate(x) for x in zip(*parts))
    o = np.lexsort((vv, tt, ii))
    ii, tt, vv, rq, er, ntt, la = ii[o], tt[o], vv[o], rq[o], er[o], ntt[o], la[o]
    ts = pd.DataFrame({
        "deployment_id": ids[ii],
        "minute": minutes[tt].astype(np.int64),
        "version": np.where(vv == 1, "new", "previous").astype(object),
        "requests": rq.astype(np.int64),
        "errors": er.astype(np.int64),
        "new_type_errors": ntt.astype(np.int64),
        "latency_ms": la.astype(float),
    })
    deployed_at = (EPOCH + pd.to_timedelta(dep_min, unit="min")).strftime("%Y-%m-%dT%H:%M:00Z")
    deps = pd.DataFrame({
        "deployment_id": ids,
        "service": sv["name"][svc],
        "rolled_back": rb.astype(np.int64),
        "lifetime_minutes": life.astype(float),
        "incident": incident.astype(np.int64),
        "label": is_fault.astype(np.int64),
        "deployed_at": np.asarray(deployed_at, dtype=object),
        "scenario": scen.astype(object),
        "detectable": detectable.astype(np.int64),
    })
    return ts, deps


def write(n, seed, out_dir, fmt="csv", **kw) -> None:
    """Generate and write ``timeseries.<fmt>`` and ``deployments.<fmt>`` into out_dir."""
    ts, deps = generate(n, seed, **kw)
    os.makedirs(out_dir, exist_ok=True)
    if fmt == "csv":
        ts.to_csv(os.path.join(out_dir, "timeseries.csv"), index=False)
        deps.to_csv(os.path.join(out_dir, "deployments.csv"), index=False)
    elif fmt == "parquet":
        ts.to_parquet(os.path.join(out_dir, "timeseries.parquet"), index=False)
        deps.to_parquet(os.path.join(out_dir, "deployments.parquet"), index=False)
    else:
        raise ValueError(f"unknown format {fmt!r}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--format", choices=["csv", "parquet"], default="csv")
    ap.add_argument("--baseline-minutes", type=int, default=60)
    ap.add_argument("--window-minutes", type=int, default=60)
    a = ap.parse_args(argv)
    t0 = time.time()
    write(a.n, a.seed, a.out, fmt=a.format, baseline_minutes=a.baseline_minutes,
          window_minutes=a.window_minutes)
    print(f"wrote {a.n} deployments to {a.out} in {time.time() - t0:.1f}s")


if __name__ == "__main__":
    main()
