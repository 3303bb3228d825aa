"""Fourth, independent deployment-telemetry generator: a card-payments processor.

World model
===========
The organisation is a mid-sized *payment processor / acquirer* ("Ledgerline").
It authorises card payments for merchants, runs 3-D Secure, tokenises card
numbers in an HSM-backed vault, scores fraud, writes a double-entry ledger,
settles and reconciles in hourly / quarter-hourly batches, pays out to
merchants and delivers webhooks to merchant endpoints.  Twenty services with
very different shapes (see ``SERVICES``):

* consumer-driven card traffic (thousands of requests/min, evening peaks in
  three regions EU/US/APAC, weekends almost as busy as weekdays);
* B2B APIs used by merchants' back offices (tens to hundreds of requests/min,
  office hours, weekends nearly empty, single merchants sending bursts);
* batch workers whose traffic is dominated by cron firings at :00 (settlement)
  or every 15 minutes (reconciliation).

Baseline error rates differ by orders of magnitude: the FX-rate cache almost
never fails, the 3-DS orchestrator sees 1-2 % ACS timeouts, the webhook
dispatcher 3 % failures because merchant endpoints are down.  A share of each
service's errors are *timeouts* whose latency equals the client timeout, so
error spikes also lift p95 when they are large enough.

Deploy pipeline
---------------
* Deploys happen on business days, EU team 07:00-16:30 UTC, US team
  14:00-22:00 UTC; Fridays only until 13:00; core card-path services deploy in
  an early window 04:00-08:00 UTC.  Change freezes around Black Friday / Cyber
  Monday (Nov 24 - Dec 1) and the holidays (Dec 19 - Jan 2) leave only
  exceptions.  About 6 % of deploys are hotfixes at any hour (faulty releases
  are slightly over-represented among them).  A per-service deploy lock keeps
  at least ``window + 30`` minutes (plus a human delay for queued deploys)
  between two deploys of the same service.
* ``deployed_at`` is when the pipeline started; the new version starts taking
  traffic 0-3 minutes later (image pull, readiness probes).
* Rollout strategies (by service class):
  ``canary_steps`` (hash-routed traffic steps such as 1/5/25/50/100 % with 8-20
  minute analysis pauses, sometimes holding at the last step for a long bake),
  ``cohort_canary`` (a merchant cohort, 1-20 % of traffic, baked 30-120 min;
  the cohort's traffic share wanders and its merchants differ from the rest),
  ``region_wave`` ("follow the moon": regions switched one by one starting
  with the currently quietest region; the new version's share then follows the
  regions' diurnal curves), ``rolling`` (pods replaced one by one over 5-40
  min) and ``blue_green`` (a mid-minute switch with a minute of connection
  draining).  Cohort and region strategies route *different populations* to
  the two versions, so the versions' error rates and latencies differ even
  when nothing is wrong.
* The pipeline's automated canary analysis only looks at error *rates*
  while a gradual rollout is in progress (trailing 10 minutes: >= 10 new
  errors, new > 2x the previous version's rate + 0.1 pp and a z-score > 3.5)
  and aborts the rollout one minute later.  After a full switch the on-call
  engineer watches a dashboard against the baseline hour and flips back 2-8
  minutes after three consecutive bad minutes (trailing-5-minute rate > 4x
  baseline + 1 pp with >= 30 errors).  Either
  way an abort inside the window shows up in the telemetry: the new version
  disappears and the previous one takes all traffic again.  The analysis is
  fooled by cohort effects, noisy pods and merchant bursts (false aborts) and
  blind to latency and to errors of new types at low rates.

Noise and monitoring artefacts
------------------------------
* Traffic: diurnal x weekday x regional mix x per-deployment level, an AR(1)
  log-multiplier (rho 0.92) and gamma-Poisson minute noise; merchant bursts
  (a merchant's batch of refunds/payouts) multiply B2B traffic 2-8x for a
  minute and sometimes carry malformed data (2-40 % errors).  Under cohort
  and region routing a burst lands entirely on one version.
* Errors: beta/gamma-binomial with a shared AR(1) log-rate (issuer weather,
  rho 0.85), a per-version AR(1) (rho 0.6), and gamma cluster noise, shared
  and per version.  Load above capacity adds throttling errors and latency.
* Latency: each version-minute's request latencies are a mixture of
  lognormals (normal requests; a slow component for cold pods, a bad pod or a
  slow code path; a near point mass at the client timeout for timeout
  errors).  The reported p95 is the *sample* p95 of that minute's requests
  (drawn exactly through the beta-distributed order statistic), so it is very
  noisy when a version serves only a handful of requests.  Services marked
  ``hist`` report p95 from Prometheus-style histogram buckets
  (5, 10, 25, ... 10000 ms) with linear interpolation inside a bucket and
  saturation at the highest finite bucket.
* Cold start: every new version's fresh pods are slow for a few minutes after
  each traffic increase (JVM services much more so) and produce a few
  connection-pool warm-up errors; terminated previous-version pods drop a few
  in-flight requests (errors on ``previous``) when traffic moves.
* Bad pods: a pod suffers from a degraded node at 4e-5 per pod-minute for a
  few minutes; the error rate (+0.5-20 %) and latency (x2-6) of 1/k of a
  version's traffic (k = its current pod count) jump.  A canary with one or
  two pods is hit much harder than the fleet.
* Error noise is partly version-specific (retries of a failing merchant
  request stick to one version through idempotency-key routing), so even
  hash-split versions differ by more than binomial noise.
* Shared incidents: issuer / card-network / HSM degradations hit both versions
  (additive failure rate, slower upstream, timeouts).  Under cohort/region
  routing the two versions are hit unequally (different BIN/issuer mix).
* New error types: error grouping is by stack-trace fingerprint, so a code
  change that shifts lines or renames exceptions re-labels part of the
  existing errors as never-seen types (``error_relabel``; in a milder form in
  about 5 % of all deploys).  About 30 % of healthy releases also add a rare
  benign new error type (new validation paths).  About 5 % of ``previous``
  versions still carry types they themselves introduced (they count as new
  relative to the versions before them).
* Synthetic monitoring sends ~2 test payments a minute to every service, from
  internal merchants that are always part of the first canary cohort, so
  even idle B2B services and tiny cohorts have a trickle of traffic.
* Telemetry: scrape gaps (a version's row missing for 1-3 minutes, lost
  data), collector restarts (both versions missing 2-8 minutes) and late
  samples (a minute's counts land in the next minute).  A missing row is
  indistinguishable from "no traffic".

Scenarios (column ``scenario``; shares are sampling probabilities)
------------------------------------------------------------------
Healthy (label 0, 90 %):
  ``healthy`` 55 %                plain deploy with all the background noise;
  ``cohort_mix`` 7 %              cohort/region routing with a substantial
                                  population difference in error rate and/or
                                  latency (new side better *or* worse);
  ``shared_incident`` 6 %         upstream incident inside the window;
  ``cold_start_heavy`` 6 %        long, strong warm-up latency + warm-up errors;
  ``traffic_surge`` 4 %           flash sale / ticket drop: 1.5-5x traffic for
                                  10-45 min, load-induced latency/throttling;
  ``error_relabel`` 4 %           20-100 % of ordinary errors get new
                                  fingerprints (new_type_errors without any
                                  extra errors);
  ``improvement`` 4 %             fewer errors and/or lower latency;
  ``noisy_pod`` 4 %               a new-version pod on a bad node for 5-20 min.
Faulty (label 1, 10 %):
  ``fault_error_rate`` 2.5 %      extra errors of mostly existing types, from
                                  +5 % relative to +60x (log-uniform), or
                                  30 % of them an absolute 3e-5..3e-2; 30 %
                                  start 5-90 min late (feature flag, cache
                                  expiry);
  ``fault_new_error_type`` 2.0 %  a crash on a request segment (zero-decimal
                                  currency, 15-digit PAN, new BIN range):
                                  1e-5..3e-2 of requests, all of never-seen
                                  types, clumpy; 20 % late;
  ``fault_latency`` 1.8 %         whole-version p95 x1.03..3 (45 %), a slow
                                  segment of 0.5-30 % of requests 1.5-15x
                                  slower (35 %, may time out), or lock
                                  contention growing with the new version's
                                  share that also slows ``previous`` (20 %);
  ``fault_leak`` 1.0 %            connection/memory leak: errors (up to
                                  0.2-20 %) and latency (up to x1.3-4) grow
                                  with pod age; pods exhaust and restart after
                                  15-600 min (sawtooth + restart burst);
  ``fault_dependency_timeout`` 1.0 %  bad timeout/retry config: intermittent
                                  1-4 minute episodes (start probability
                                  2-20 %/min) of 0.3-30 % errors on the new
                                  version;
  ``fault_cron`` 0.7 %            breaks only while the hourly (or 15-min)
                                  batch job runs: 2-6 minutes per period,
                                  0.1-50 % errors, half also slower;
  ``fault_silent`` 1.0 %          correctness bug (fee rounding, duplicate
                                  webhooks): no telemetry signature at all.
Background events (bad pods, shared incidents ~4 %, surges ~2 %, merchant
bursts, fingerprint churn, benign new types, cold starts, artefacts) are
applied to every deployment whatever its scenario.

After-the-fact signals (noisy)
------------------------------
Besides in-window aborts, faults are *noticed* with a probability that grows
with a severity score (visibility in the window and business impact: extra
failed payments per hour at full rollout); silent faults are found by
reconciliation in 45 % of cases hours to days later.  A noticed fault is
rolled back or fixed by a roll-forward hotfix (``rolled_back`` = 0, short
lifetime), depending on the service (the ledger rolls forward).  Healthy
releases are rolled back for unrelated reasons (1.5 % base, far more often
when an upstream incident, a noisy pod or a cohort effect made them look
guilty).  ``lifetime_minutes`` is the time until the version stopped being
live (abort, rollback, hotfix or the service's next deploy in this data set);
NaN for the newest release of a service that is still live at the end of the
data set.  ``incident`` = an incident was declared for the service while the
new version was live: background incidents at a per-service hourly rate over
the lifetime, upstream incidents that overlap the new version, and faults
(by severity; silent faults when found).

Ground truth ``detectable``
---------------------------
Computed from *expected* counts (no sampling/AR/cluster noise, no bad pods
or bursts) given the fault's realised activity schedule, over the minutes M
of [0, window) in which the new version actually served (after the start
delay, before any abort).  E_n(t) = expected new-version requests.
A faulty deployment is detectable (1) if any of:

(a) extra errors: E_x = sum_M E_n * p_fault >= 10 and
    E_x >= 3 * sqrt(D * E_0 + c^2 * E_0^2), where E_0 = expected non-fault
    errors of the new version over M, D = 1 + (E_0/|M|)/k_err (cluster
    over-dispersion) and c^2 = s_v^2 (1+rho_v)/((1-rho_v)|M|) + s_pop^2
    (version-specific AR(1) noise averaged over |M| minutes plus the typical
    population difference of the rollout strategy);
(b) never-seen types: E_nt = expected fault errors of new types >= 10 and
    E_nt >= 3 * sqrt(D * E_b), E_b = expected benign new-type errors
    (benign new types + re-fingerprinted ordinary errors);
(c) latency: at least 20 minutes in M with E_n(t) >= 20 and the expected p95
    with the fault >= 1.25 x the expected p95 without it.

``fault_silent`` is never detectable; healthy deployments are 0.

Only numpy and pandas are used; ``np.random.default_rng(seed)`` is the only
source of randomness, so the same arguments give identical output.  Work is
vectorised over deployments (loops only over minutes) and done in chunks of
2500 deployments to bound memory (n=10000: a few seconds, < 1 GB).

Usage: ``python benchmarks/fourth_generator.py --n 10000 --seed 1 --out DIR
[--format csv|parquet]``.
"""

from __future__ import annotations

import argparse
import os

import numpy as np
import pandas as pd

# --------------------------------------------------------------------------
# World tables
# --------------------------------------------------------------------------

# name, peak_rpm, err_rate, p95_ms, lat_sigma, profile, region mix (EU, US, APAC), pods, jvm,
# hist, timeout_ms, timeout_share, deploy_weight, k_err, class, deploy_window, rollback_propensity
_SERVICE_ROWS = [
    ("card-auth-gateway", 6000, 2.0e-3, 320, 0.55, "consumer", (0.50, 0.35, 0.15), 40, 1, 0, 8000, 0.5, 0.08, 8, "core", "early", 1.0),
    ("issuer-proxy", 4500, 3.0e-3, 260, 0.60, "consumer", (0.45, 0.40, 0.15), 24, 0, 1, 5000, 0.6, 0.05, 6, "core", "early", 1.0),
    ("tokenization-vault", 3500, 4.0e-4, 28, 0.45, "consumer", (0.50, 0.35, 0.15), 16, 0, 1, 1000, 0.3, 0.05, 10, "core", "business", 0.9),
    ("fraud-scoring", 3000, 8.0e-4, 70, 0.50, "consumer", (0.50, 0.35, 0.15), 20, 1, 0, 300, 0.4, 0.08, 10, "core", "business", 1.0),
    ("risk-rules-engine", 1500, 5.0e-4, 45, 0.50, "consumer", (0.50, 0.35, 0.15), 12, 1, 1, 500, 0.2, 0.06, 12, "core", "business", 1.0),
    ("3ds-orchestrator", 500, 1.5e-2, 1100, 0.70, "consumer", (0.70, 0.15, 0.15), 10, 0, 0, 15000, 0.7, 0.05, 5, "core", "business", 1.0),
    ("ledger-writer", 1800, 2.0e-4, 22, 0.50, "ledger", (0.50, 0.35, 0.15), 12, 1, 1, 2000, 0.2, 0.05, 15, "core", "early", 0.35),
    ("pricing-fees", 1200, 1.0e-4, 12, 0.40, "consumer", (0.50, 0.35, 0.15), 8, 0, 1, 500, 0.1, 0.04, 20, "core", "business", 1.0),
    ("fx-rates", 700, 5.0e-5, 6, 0.35, "consumer", (0.50, 0.35, 0.15), 6, 0, 1, 200, 0.5, 0.03, 20, "edge", "business", 1.0),
    ("webhook-dispatcher", 1400, 3.0e-2, 450, 0.80, "consumer", (0.50, 0.35, 0.15), 14, 0, 0, 10000, 0.5, 0.06, 4, "edge", "business", 1.0),
    ("notification-service", 250, 4.0e-3, 380, 0.60, "consumer", (0.50, 0.35, 0.15), 4, 0, 0, 5000, 0.3, 0.04, 6, "edge", "business", 1.0),
    ("apm-connector", 300, 2.0e-2, 750, 0.70, "consumer", (0.70, 0.15, 0.15), 6, 0, 0, 20000, 0.6, 0.05, 4, "edge", "business", 1.0),
    ("refunds-api", 110, 3.0e-3, 230, 0.55, "b2b", (0.55, 0.40, 0.05), 4, 0, 1, 5000, 0.3, 0.04, 6, "edge", "business", 1.0),
    ("payout-api", 80, 3.0e-3, 280, 0.55, "b2b", (0.55, 0.40, 0.05), 4, 1, 0, 5000, 0.3, 0.04, 6, "edge", "business", 0.6),
    ("merchant-dashboard-api", 160, 4.0e-3, 320, 0.65, "b2b", (0.55, 0.40, 0.05), 6, 0, 0, 10000, 0.2, 0.07, 6, "edge", "business", 1.0),
    ("dispute-service", 12, 5.0e-3, 420, 0.60, "b2b", (0.55, 0.40, 0.05), 2, 1, 0, 10000, 0.2, 0.03, 4, "edge", "business", 1.0),
    ("merchant-onboarding", 6, 1.0e-2, 1300, 0.70, "b2b", (0.55, 0.40, 0.05), 2, 0, 0, 30000, 0.5, 0.04, 4, "edge", "business", 1.0),
    ("reporting-export", 3, 8.0e-3, 9000, 0.80, "b2b", (0.55, 0.40, 0.05), 2, 1, 1, 60000, 0.4, 0.03, 3, "edge", "business", 1.0),
    ("settlement-batch", 25, 4.0e-3, 1600, 0.60, "batch60", (0.50, 0.35, 0.15), 3, 1, 1, 30000, 0.4, 0.03, 4, "batch", "early", 0.5),
    ("reconciliation-worker", 15, 6.0e-3, 2200, 0.60, "batch15", (0.50, 0.35, 0.15), 2, 1, 0, 60000, 0.3, 0.03, 4, "batch", "business", 0.8),
]
SERVICES = pd.DataFrame(
    _SERVICE_ROWS,
    columns=["name", "peak_rpm", "err", "p95", "lat_sigma", "profile", "mix", "pods", "jvm", "hist",
             "timeout_ms", "timeout_share", "weight", "k_err", "cls", "window", "rb_prop"],
)

STRATEGIES = ["canary_steps", "cohort_canary", "region_wave", "rolling", "blue_green"]
_STRATEGY_P = {
    "core": [0.45, 0.25, 0.20, 0.10, 0.00],
    "edge": [0.25, 0.05, 0.05, 0.45, 0.20],
    "batch": [0.00, 0.00, 0.00, 0.40, 0.60],
}
# typical log-population difference between versions per strategy (err, latency)
_POP_SD = np.array([[0.0, 0.0], [0.15, 0.05], [0.15, 0.05], [0.0, 0.0], [0.0, 0.0]])

# scenario name, probability, faulty
SCENARIOS = [
    ("healthy", 0.55, 0),
    ("cohort_mix", 0.07, 0),
    ("shared_incident", 0.06, 0),
    ("cold_start_heavy", 0.06, 0),
    ("traffic_surge", 0.04, 0),
    ("error_relabel", 0.04, 0),
    ("improvement", 0.04, 0),
    ("noisy_pod", 0.04, 0),
    ("fault_error_rate", 0.025, 1),
    ("fault_new_error_type", 0.020, 1),
    ("fault_latency", 0.018, 1),
    ("fault_leak", 0.010, 1),
    ("fault_dependency_timeout", 0.010, 1),
    ("fault_cron", 0.007, 1),
    ("fault_silent", 0.010, 1),
]
_SCEN_NAMES = [s[0] for s in SCENARIOS]
_SC = {name: i for i, name in enumerate(_SCEN_NAMES)}

_BUCKETS = np.array([5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000], dtype=float)
_START = pd.Timestamp("2025-09-01T00:00:00Z")  # a Monday
_REGION_OFFSET = np.array([1.0, -5.0, 8.0])  # EU, US, APAC hours from UTC

# noise constants (also used by the detectability definition)
_RHO_EV, _SD_EV = 0.6, 0.10  # per-version error-rate AR(1)
_RHO_ESH, _SD_ESH = 0.85, 0.20  # shared error-rate AR(1)


# --------------------------------------------------------------------------
# Numerical helpers
# --------------------------------------------------------------------------

def _norm_cdf(x):
    """Standard normal CDF (Abramowitz-Stegun 7.1.26, |error| < 1.5e-7)."""
    z = np.abs(x) * 0.7071067811865476
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = 1.0 - poly * np.exp(-z * z)
    return 0.5 * (1.0 + np.sign(x) * erf)


def _norm_ppf(p):
    """Inverse standard normal CDF (Acklam's rational approximation)."""
    a = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02,
         1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00)
    b = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02,
         6.680131188771972e01, -1.328068155288572e01)
    c = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00,
         -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00)
    d = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
    p = np.clip(np.asarray(p, dtype=float), 1e-12, 1 - 1e-12)
    x = np.empty_like(p)
    lo = p < 0.02425
    hi = p > 1 - 0.02425
    mid = ~(lo | hi)
    if lo.any():
        q = np.sqrt(-2 * np.log(p[lo]))
        x[lo] = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / \
                ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    if hi.any():
        q = np.sqrt(-2 * np.log(1 - p[hi]))
        x[hi] = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / \
                 ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    if mid.any():
        q = p[mid] - 0.5
        r = q * q
        x[mid] = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / \
                 (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    return x


_S3 = 0.05  # log-sd of the timeout point mass


def _mix_cdf(y, m1, s, w2, m2, w3, m3):
    w1 = 1.0 - w2 - w3
    return (w1 * _norm_cdf((y - m1) / s) + w2 * _norm_cdf((y - m2) / s)
            + w3 * _norm_cdf((y - m3) / _S3))


def _mix_quantile(u, m1, s, w2, m2, w3, m3, iters=22):
    """Quantile (log scale) of a 3-component log-normal mixture, vectorised bisection."""
    out = m1 + s * _norm_ppf(u)
    mix = (w2 + w3) > 1e-4
    if mix.any():
        idx = np.nonzero(mix)[0]
        uu, a1, ss, b2, a2, b3, a3 = (v[idx] for v in (u, m1, s, w2, m2, w3, m3))
        lo = np.minimum(np.minimum(a1, a2), a3) - 7.0 * ss
        hi = np.maximum(np.maximum(a1, a2), a3) + 7.0 * ss
        for _ in range(iters):
            mid = 0.5 * (lo + hi)
            up = _mix_cdf(mid, a1, ss, b2, a2, b3, a3) < uu
            lo = np.where(up, mid, lo)
            hi = np.where(up, hi, mid)
        out[idx] = 0.5 * (lo + hi)
    return out


def _ar1(rng, n, T, rho, sd):
    """Stationary AR(1) paths, shape (n, T); sd may be scalar or (n,)."""
    sd = np.broadcast_to(np.asarray(sd, dtype=float), (n,))
    eps = rng.standard_normal((n, T))
    x = np.empty((n, T))
    x[:, 0] = sd * eps[:, 0]
    k = np.sqrt(1 - rho * rho) * sd
    for t in range(1, T):
        x[:, t] = rho * x[:, t - 1] + k * eps[:, t]
    return x


def _episodes(start_u, start_p, dur):
    """Boolean (n, T) episodes: start where start_u < start_p (and idle), lasting dur (n, T) minutes."""
    n, T = start_u.shape
    on = np.zeros((n, T), dtype=bool)
    rem = np.zeros(n, dtype=np.int64)
    for t in range(T):
        st = (rem == 0) & (start_u[:, t] < start_p[:, t])
        rem = np.where(st, dur[:, t], rem)
        on[:, t] = rem > 0
        rem = np.maximum(rem - 1, 0)
    return on


def _loguniform(rng, lo, hi, size):
    return np.exp(rng.uniform(np.log(lo), np.log(hi), size))


def _window_event(start, dur, minutes):
    return (minutes[None, :] >= start[:, None]) & (minutes[None, :] < (start + dur)[:, None])


# --------------------------------------------------------------------------
# Generator
# --------------------------------------------------------------------------

def generate(n: int, seed: int, baseline_minutes: int = 60, window_minutes: int = 60
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate ``(timeseries, deployments)`` for ``n`` deployments (see module docstring)."""
    if n <= 0:
        raise ValueError("n must be positive")
    rng = np.random.default_rng(seed)
    B, W = int(baseline_minutes), int(window_minutes)
    S = SERVICES

    # ---------------- service, scenario, timeline ----------------
    svc = rng.choice(len(S), size=n, p=(S["weight"] / S["weight"].sum()).to_numpy())
    sc_p = np.array([s[1] for s in SCENARIOS])
    scen = rng.choice(len(SCENARIOS), size=n, p=sc_p / sc_p.sum())
    faulty = np.array([s[2] for s in SCENARIOS])[scen].astype(bool)

    span_days = max(10, int(np.ceil(n / 28)))
    days = pd.date_range(_START, periods=span_days, freq="D")
    wd = days.day_of_week.to_numpy()
    md = days.month.to_numpy() * 100 + days.day.to_numpy()
    freeze = ((md >= 1124) & (md <= 1201)) | (md >= 1219) | (md <= 102)
    day_w = np.where(wd < 4, 1.0, np.where(wd == 4, 0.55, 0.04))
    day_w = np.where(freeze, 0.03, day_w)
    hotfix = rng.random(n) < np.where(faulty, 0.12, 0.06)
    day_norm = rng.choice(span_days, size=n, p=day_w / day_w.sum())
    day_hot = rng.integers(0, span_days, size=n)
    day = np.where(hotfix, day_hot, day_norm)
    early = S["window"].to_numpy()[svc] == "early"
    eu_team = rng.random(n) < 0.65
    mod = np.where(eu_team, rng.uniform(420, 990, n), rng.uniform(840, 1320, n))
    mod = np.where(early, rng.uniform(240, 480, n), mod)
    mod = np.where(wd[day] == 4, np.minimum(mod, rng.uniform(420, 780, n)), mod)
    mod = np.where(hotfix, rng.uniform(0, 1440, n), mod)
    t0 = day.astype(np.int64) * 1440 + mod.astype(np.int64)
    # per-service deploy lock: a queued deploy starts W + 30 minutes plus a human delay
    # (exponential, mean 20 min) after the previous deploy of the same service:
    # t'_i = max(t_i, t'_{i-1} + gap_i), solved with a grouped cumulative maximum
    order = np.lexsort((t0, svc))
    ts, gs = t0[order], svc[order].astype(np.int64)
    first = np.r_[True, gs[1:] != gs[:-1]]
    inc = np.where(first, 0, W + 30 + np.floor(rng.exponential(20.0, n)).astype(np.int64))
    csum = np.cumsum(inc)
    C = csum - np.maximum.accumulate(np.where(first, csum, 0))  # cumulative within group
    big = int(ts.max()) + int(C.max()) + 10
    cm = np.maximum.accumulate(ts - C + gs * big)
    t0s = cm - gs * big + C
    nxt = np.r_[t0s[1:], 0]
    last_in_grp = np.r_[gs[1:] != gs[:-1], True]
    gap_next = np.where(last_in_grp, np.nan, (nxt - t0s).astype(float))
    t0 = np.empty(n, dtype=np.int64)
    t0[order] = t0s
    gap_to_next = np.empty(n)
    gap_to_next[order] = gap_next
    # deployments are numbered in time order
    chron = np.argsort(t0, kind="stable")
    perm = lambda a: a[chron]  # noqa: E731
    svc, scen, faulty, hotfix, t0, gap_to_next = map(perm, (svc, scen, faulty, hotfix, t0, gap_to_next))
    end_t = max(span_days * 1440, int(t0.max()) + W + 1)
    to_end = (end_t - t0).astype(float)

    # ---------------- simulate in chunks ----------------
    frames, outs = [], []
    for c0_ in range(0, n, _CHUNK):
        sl = slice(c0_, min(n, c0_ + _CHUNK))
        fr, o = _simulate(rng, B, W, svc[sl], scen[sl], faulty[sl], t0[sl], gap_to_next[sl], to_end[sl])
        for f in fr:
            f["_i"] += c0_
        frames.extend(fr)
        outs.append(o)
    cat = lambda k: np.concatenate([o[k] for o in outs])  # noqa: E731
    rolled_back, life, incident, detectable = (cat(k) for k in ("rolled_back", "life", "incident", "detectable"))

    # ---------------- assemble ----------------
    ids = np.array([f"pay-{i:06d}-{S['name'].iloc[s][:12].rstrip('-')}" for i, s in enumerate(svc)], dtype=object)

    ts = pd.concat(frames, ignore_index=True)
    ts = ts.sort_values(["_i", "minute", "_v"], kind="stable").reset_index(drop=True)
    ts.insert(0, "deployment_id", ids[ts["_i"].to_numpy()])
    ts.insert(2, "version", np.where(ts["_v"].to_numpy() == 1, "new", "previous"))
    ts = ts.drop(columns=["_i", "_v"])
    ts["deployment_id"] = ts["deployment_id"].astype(str)

    deployed_at = (_START + pd.to_timedelta(t0, unit="min")).strftime("%Y-%m-%dT%H:%M:%SZ")
    deps = pd.DataFrame({
        "deployment_id": ids.astype(str),
        "service": S["name"].to_numpy()[svc].astype(str),
        "rolled_back": rolled_back.astype(np.int64),
        "lifetime_minutes": np.round(life.astype(float), 1),
        "incident": incident.astype(np.int64),
        "label": faulty.astype(np.int64),
        "deployed_at": np.asarray(deployed_at, dtype=str),
        "scenario": np.array(_SCEN_NAMES, dtype=object)[scen].astype(str),
        "detectable": detectable.astype(np.int64),
    })
    return ts, deps


_CHUNK = 2500  # deployments simulated at once (bounds memory)


def _simulate(rng, B, W, svc, scen, faulty, t0, gap_to_next, to_end):
    """Simulate telemetry and outcomes for one chunk of deployments (arrays of length n)."""
    n = len(svc)
    T = B + W
    minutes = np.arange(-B, W)
    S = SERVICES

    # ---------------- per-deployment service parameters ----------------
    col = lambda c: S[c].to_numpy()[svc]  # noqa: E731
    peak = col("peak_rpm") * np.exp(rng.normal(0, 0.25, n))
    err0 = col("err") * np.exp(rng.normal(0, 0.35, n))
    p95_0 = col("p95") * np.exp(rng.normal(0, 0.12, n))
    lsig = col("lat_sigma") * np.exp(rng.normal(0, 0.08, n))
    profile = col("profile")
    mix = np.stack(S["mix"].to_numpy())[svc]  # (n, 3)
    pods = col("pods").astype(np.int64)
    jvm = col("jvm").astype(bool)
    hist = col("hist").astype(bool)
    t_out = col("timeout_ms").astype(float)
    t_share = col("timeout_share").astype(float)
    k_err = col("k_err").astype(float)
    cls = col("cls")
    rb_prop = col("rb_prop").astype(float)
    low_vol = peak < 200
    # capacity is provisioned for the service's own batch peaks
    batch_peak = np.select([profile == "batch60", profile == "batch15", profile == "ledger"], [13.0, 9.0, 1.8], 1.0)
    capacity = peak * batch_peak * rng.uniform(1.5, 2.5, n)

    # wall clock per cell
    tw = t0[:, None] + minutes[None, :]
    hour = (tw % 1440) / 60.0
    wkday = ((tw // 1440) % 7)  # _START is a Monday
    weekend = wkday >= 5
    mh = tw % 60

    # regional diurnal curves
    is_b2b = profile == "b2b"
    reg = np.empty((3, n, T))
    for r in range(3):
        hl = (hour + _REGION_OFFSET[r]) % 24
        dc = np.minimum(np.abs(hl - 15.5), 24 - np.abs(hl - 15.5))
        cons = 0.15 + 0.85 * np.exp(-0.5 * (dc / 4.5) ** 2) + 0.1 * np.exp(-0.5 * ((hl - 12.5) / 1.0) ** 2)
        cons = cons * np.where(weekend, 0.9, 1.0)
        bb = 0.03 + np.exp(-0.5 * ((hl - 13.0) / 3.2) ** 2)
        bb = bb * np.where(weekend, 0.12, 1.0)
        reg[r] = mix[:, r, None] * np.where(is_b2b[:, None], bb, cons)
    diurnal = reg.sum(axis=0)
    base_mean = peak[:, None] * diurnal
    batch = np.ones((n, T))
    pb = profile[:, None]
    batch = np.where(pb == "batch60", 1 + 12 * (mh == 0) + 6 * (mh == 1) + 3 * (mh == 2) + 1.5 * (mh == 3)
                     + 2 * (mh == 30), batch)
    m15 = tw % 15
    batch = np.where(pb == "batch15", 1 + 8 * (m15 == 0) + 3 * (m15 == 1), batch)
    batch = np.where(pb == "ledger", 1 + 0.8 * (mh < 3), batch)
    batch_lat = np.where(pb == "ledger", 0.35 * np.exp(-mh / 2.0) * (mh < 6), 0.0)
    batch_lat = batch_lat + np.where(np.isin(pb, ["batch60", "batch15"]), 0.25 * (batch > 2), 0.0)

    # ---------------- scenario flags ----------------
    is_s = lambda name: scen == _SC[name]  # noqa: E731

    # rollout strategy
    sp = np.array([_STRATEGY_P[c] for c in cls])
    u = rng.random(n)[:, None]
    strat = (u > np.cumsum(sp, axis=1)).sum(axis=1)
    strat = np.minimum(strat, 4)
    cm_force = is_s("cohort_mix")
    strat = np.where(cm_force, np.where(rng.random(n) < 0.65, 1, 2), strat)
    cohort_like = (strat == 1) | (strat == 2)

    delay = rng.choice(4, size=n, p=[0.5, 0.3, 0.15, 0.05])
    age = minutes[None, :] - delay[:, None]  # minutes since new version took traffic
    live = age >= 0

    # nominal share of the new version
    s_nom = np.zeros((n, T))
    templates = [[0.01, 0.05, 0.25, 0.5, 1.0], [0.05, 0.2, 0.5, 1.0], [0.02, 0.1, 0.5, 1.0], [0.1, 0.5, 1.0]]
    tl = np.array([len(x) for x in templates])
    tm = np.array([x + [x[-1]] * (5 - len(x)) for x in templates])
    tid = rng.integers(0, len(templates), n)
    step_len = rng.integers(8, 21, n)
    hold = rng.random(n) < 0.3
    sidx = np.minimum(np.maximum(age, 0) // step_len[:, None], (tl[tid] - 1)[:, None])
    sidx = np.where(hold[:, None] & (sidx >= (tl[tid] - 1)[:, None]), (tl[tid] - 2)[:, None], sidx)
    sh_canary = tm[tid[:, None], sidx]
    s0 = _loguniform(rng, 0.01, 0.2, n)
    bake = rng.integers(30, 121, n)
    sh_cohort = np.where(age < bake[:, None], s0[:, None], 1.0)
    # region wave: quietest region first
    r_order = np.argsort(reg[:, :, B].T * np.exp(rng.normal(0, 0.3, (n, 3))), axis=1)
    g1 = rng.integers(15, 36, n)
    g2 = rng.integers(15, 36, n)
    sw = np.zeros((n, 3), dtype=np.int64)
    sw[np.arange(n), r_order[:, 0]] = 0
    sw[np.arange(n), r_order[:, 1]] = g1
    sw[np.arange(n), r_order[:, 2]] = g1 + g2
    on_r = age[None, :, :] >= sw.T[:, :, None]
    sh_region = (reg * on_r).sum(axis=0) / np.maximum(diurnal, 1e-9)
    ramp = rng.integers(5, 41, n)
    sh_roll = np.ceil(pods[:, None] * np.minimum(1.0, (age + 1) / ramp[:, None])) / pods[:, None]
    bg0 = rng.uniform(0.2, 0.9, n)
    sh_bg = np.where(age == 0, bg0[:, None], np.where(age == 1, 0.97, 1.0))
    sel = strat[:, None]
    s_nom = np.select([sel == 0, sel == 1, sel == 2, sel == 3, sel == 4],
                      [sh_canary, sh_cohort, sh_region, sh_roll, sh_bg])
    s_nom = np.where(live, np.clip(s_nom, 0.0, 1.0), 0.0)
    # effective share: cohort traffic wanders
    bnoise = _ar1(rng, n, T, 0.9, 0.25)
    partial = (s_nom > 0) & (s_nom < 1)
    lg = np.log(np.clip(s_nom, 1e-6, 1 - 1e-6) / np.clip(1 - s_nom, 1e-6, 1))
    s_eff = np.where(partial & cohort_like[:, None], 1 / (1 + np.exp(-(lg + bnoise))), s_nom)

    # cold pods: fraction of the new version's traffic on pods younger than ~tau
    ds = np.diff(np.concatenate([np.zeros((n, 1)), s_nom], axis=1), axis=1).clip(min=0)
    heavy = is_s("cold_start_heavy")
    c0 = np.where(jvm, np.log(1.5), np.log(1.2)) * np.exp(rng.normal(0, 0.4, n))
    c0 = np.where(heavy, np.log(rng.uniform(1.6, 3.5, n)), c0)
    tau = np.where(jvm, rng.uniform(2, 5, n), rng.uniform(0.7, 3, n))
    tau = np.where(heavy, rng.uniform(1.5, 5, n), tau)
    decay = np.exp(-1.0 / tau)
    C = np.zeros((n, T))
    acc = np.zeros(n)
    for t in range(T):
        acc = acc * decay + ds[:, t]
        C[:, t] = acc
    cold = np.where(s_nom > 0, np.minimum(1.0, C / np.maximum(s_nom, 1e-9)), 0.0)
    r_cold = np.where(heavy, _loguniform(rng, 1e-3, 2e-2, n), _loguniform(rng, 1e-5, 1e-3, n))
    r_drop = np.where(np.isin(strat, [3, 4, 0]), _loguniform(rng, 1e-4, 2e-2, n), 0.0)

    # population differences between the versions' traffic
    pop_sd = _POP_SD[strat]
    d_err = rng.normal(0, 1, n) * pop_sd[:, 0]
    d_lat = rng.normal(0, 1, n) * pop_sd[:, 1]
    big_e = rng.choice([-1, 1], n) * rng.uniform(0.4, 1.0, n)
    big_l = rng.choice([-1, 1], n) * rng.uniform(0.15, 0.4, n)
    which = rng.random(n)
    d_err = np.where(cm_force & (which < 0.75), big_e, d_err)
    d_lat = np.where(cm_force & (which > 0.4), big_l, d_lat)
    pop_err_new = d_err[:, None] * (1 - s_nom)
    pop_err_prev = -d_err[:, None] * s_nom
    pop_lat_new = d_lat[:, None] * (1 - s_nom)
    pop_lat_prev = -d_lat[:, None] * s_nom

    # traffic surge
    surge_on = is_s("traffic_surge") | (rng.random(n) < 0.02)
    su_start = np.where(is_s("traffic_surge"), rng.uniform(-40, 50, n), rng.uniform(-B, W, n))
    su_dur = rng.uniform(10, 45, n)
    su_mult = rng.uniform(1.5, 5.0, n)
    rel = (minutes[None, :] - su_start[:, None]) / su_dur[:, None]
    su_shape = np.clip(np.minimum(rel * 4, (1 - rel) * 3), 0, 1)
    surge = 1 + surge_on[:, None] * (su_mult[:, None] - 1) * su_shape

    # shared upstream incident
    inc_forced = is_s("shared_incident")
    inc_on_dep = inc_forced | (rng.random(n) < 0.04)
    inc_start = np.where(inc_forced, rng.integers(-10, 51, n), rng.integers(-B, W, n))
    inc_dur = np.clip(np.round(np.exp(rng.normal(np.log(9), 0.7, n))), 2, 45).astype(np.int64)
    inc_on = _window_event(inc_start, inc_dur, minutes) & inc_on_dep[:, None]
    a_inc = _loguniform(rng, 2e-3, 8e-2, n)
    inc_skew = np.where(cohort_like, np.exp(rng.normal(0, 0.6, n)), np.exp(rng.normal(0, 0.05, n)))
    inc_lat = np.log(rng.uniform(1.1, 2.5, n))

    # improvement
    imp = is_s("improvement")
    ie = rng.random(n)
    imp_err = np.where(imp & (ie < 0.7), np.log(rng.uniform(0.25, 0.8, n)), 0.0)
    imp_lat = np.where(imp & (ie > 0.4), np.log(rng.uniform(0.6, 0.92, n)), 0.0)

    # new error types: fingerprint churn, benign new types, inherited types on previous
    f_relabel = np.where(is_s("error_relabel"), rng.uniform(0.2, 1.0, n),
                         np.where(rng.random(n) < 0.05, rng.uniform(0.01, 0.3, n), 0.0))
    r_benign = np.where((rng.random(n) < 0.3) & ~faulty, _loguniform(rng, 1e-6, 1e-4, n), 0.0)
    r_benign = np.where(faulty & (rng.random(n) < 0.3), _loguniform(rng, 1e-6, 1e-4, n), r_benign)
    f_inh = np.where(rng.random(n) < 0.05, rng.uniform(0.02, 0.3, n), 0.0)

    # ---------------- faults (new version only, unless noted) ----------------
    p_fault = np.zeros((n, T))  # error rate on new version
    f_ntf = np.zeros(n)  # fraction of fault errors that are of never-seen types
    g_shape = np.full(n, 3.0)  # cluster noise of the fault errors
    lat_f_whole = np.zeros((n, T))
    w_fseg = np.zeros((n, T))
    d_fseg = np.zeros(n)
    lat_f_prev = np.zeros((n, T))
    onset = np.where(rng.random(n) < 0.3, _loguniform(rng, 5, 90, n), 0.0)
    active = live & (age >= onset[:, None])

    m = is_s("fault_error_rate")
    rel_mult = _loguniform(rng, 0.05, 60, n)
    absol = rng.random(n) < 0.3
    extra = np.where(absol, _loguniform(rng, 3e-5, 3e-2, n), err0 * rel_mult)
    p_fault = np.where(m[:, None] & active, extra[:, None], p_fault)
    f_ntf = np.where(m, np.where(rng.random(n) < 0.6, 0.0, rng.uniform(0.1, 0.9, n)), f_ntf)

    m = is_s("fault_new_error_type")
    onset2 = np.where(rng.random(n) < 0.2, _loguniform(rng, 5, 90, n), 0.0)
    act2 = live & (age >= onset2[:, None])
    r_seg = _loguniform(rng, 1e-5, 3e-2, n)
    p_fault = np.where(m[:, None] & act2, r_seg[:, None], p_fault)
    f_ntf = np.where(m, 1.0, f_ntf)
    g_shape = np.where(m, 0.7, g_shape)

    m = is_s("fault_latency")
    var = rng.random(n)
    onset3 = np.where(rng.random(n) < 0.2, _loguniform(rng, 5, 90, n), 0.0)
    act3 = live & (age >= onset3[:, None])
    k_whole = np.log(_loguniform(rng, 1.03, 3.0, n))
    va, vb, vc = m & (var < 0.45), m & (var >= 0.45) & (var < 0.8), m & (var >= 0.8)
    lat_f_whole = np.where(va[:, None] & act3, k_whole[:, None], lat_f_whole)
    wseg = _loguniform(rng, 0.005, 0.3, n)
    d_fseg = np.where(vb, np.log(_loguniform(rng, 1.5, 15, n)), 0.0)
    w_fseg = np.where(vb[:, None] & act3, wseg[:, None], w_fseg)
    # slow segment requests beyond the client timeout fail
    mu_med = np.log(p95_0) - 1.645 * lsig
    p_to = wseg * (1 - _norm_cdf((np.log(t_out) - (mu_med + d_fseg)) / lsig))
    p_fault = np.where(vb[:, None] & act3, p_to[:, None], p_fault)
    k_cont = np.log(_loguniform(rng, 1.1, 3.0, n))
    cont = k_cont[:, None] * np.clip(s_nom, 0, 1) ** 0.7
    lat_f_whole = np.where(vc[:, None] & act3, cont, lat_f_whole)
    lat_f_prev = np.where(vc[:, None] & act3, 0.5 * cont, lat_f_prev)

    m = is_s("fault_leak")
    t_ex = _loguniform(rng, 15, 600, n)
    r_max = _loguniform(rng, 2e-3, 0.2, n)
    l_max = np.log(rng.uniform(1.3, 4.0, n))
    r_restart = rng.uniform(0.05, 0.3, n)
    a_pos = np.maximum(age, 0).astype(float)
    phase = (a_pos % t_ex[:, None]) / t_ex[:, None]
    restart = live & (age > 0) & (np.floor(a_pos / t_ex[:, None]) > np.floor((a_pos - 1) / t_ex[:, None]))
    leak_p = r_max[:, None] * phase ** 3 + restart * r_restart[:, None]
    p_fault = np.where(m[:, None] & live, leak_p, p_fault)
    lat_f_whole = np.where(m[:, None] & live, l_max[:, None] * phase ** 2, lat_f_whole)

    m = is_s("fault_dependency_timeout")
    q_ep = _loguniform(rng, 0.02, 0.2, n)
    ep = _episodes(rng.random((n, T)), np.broadcast_to(q_ep[:, None], (n, T)), rng.integers(1, 5, (n, T)))
    r_ep = _loguniform(rng, 3e-3, 0.3, n)
    p_fault = np.where(m[:, None] & live & ep, r_ep[:, None], p_fault)
    f_ntf = np.where(m, np.where(rng.random(n) < 0.7, 0.0, rng.uniform(0.2, 1.0, n)), f_ntf)

    m = is_s("fault_cron")
    period = np.where(np.isin(profile, ["batch15"]) | (rng.random(n) < 0.15), 15, 60)
    cdur = rng.integers(2, 7, n)
    cron_on = live & ((tw % period[:, None]) < cdur[:, None])
    r_cron = _loguniform(rng, 1e-3, 0.5, n)
    l_cron = np.where(rng.random(n) < 0.5, np.log(rng.uniform(1.2, 5.0, n)), 0.0)
    p_fault = np.where(m[:, None] & cron_on, r_cron[:, None], p_fault)
    lat_f_whole = np.where(m[:, None] & cron_on, l_cron[:, None], lat_f_whole)
    f_ntf = np.where(m, np.where(rng.random(n) < 0.5, 0.0, rng.uniform(0.2, 1.0, n)), f_ntf)
    # fault_silent: nothing in telemetry

    p_fault = np.clip(p_fault, 0, 0.9)

    # ---------------- traffic ----------------
    a_tr = _ar1(rng, n, T, 0.92, np.where(low_vol, 0.15, 0.06))
    mean_tot = base_mean * batch * surge * np.exp(a_tr)
    k_t = np.where(low_vol, 8.0, 30.0)[:, None]
    total = rng.poisson(rng.gamma(k_t, mean_tot / k_t))
    req_new = rng.binomial(total, s_eff)
    req_prev = total - req_new
    # synthetic monitoring: ~2 synthetic payments/min from the internal test merchants, who are
    # always in the first canary cohort
    probe = rng.poisson(2.0, (n, T))
    probe_new = np.where((strat == 1)[:, None], probe * (s_nom > 0), rng.binomial(probe, s_eff))
    req_new = req_new + probe_new
    req_prev = req_prev + probe - probe_new
    # merchant bursts
    p_burst = np.where(np.isin(profile, ["b2b"]), 0.006, np.where(cls == "core", 0.0005, 0.002))
    burst = rng.random((n, T)) < p_burst[:, None]
    b_req = rng.poisson(np.where(burst, base_mean * batch * (rng.uniform(2, 8, (n, T)) - 1), 0.0))
    b_err = np.where(burst & (rng.random((n, T)) < 0.35), rng.uniform(0.02, 0.4, (n, T)), 0.0)
    to_new = rng.random((n, T)) < s_nom
    b_new = np.where(cohort_like[:, None], b_req * to_new, rng.binomial(b_req, s_eff))
    b_prev = b_req - b_new

    util = mean_tot / capacity[:, None]
    load_lat = np.minimum(1.2 * np.clip(util - 0.7, 0, None), np.log(8.0))
    p_thr = 0.5 * np.clip(1 - 1 / np.maximum(util, 1e-9), 0, None)

    # bad pods
    k_new = np.maximum(1, np.ceil(s_nom * pods[:, None]))
    k_prev = np.maximum(1, np.ceil((1 - s_nom) * pods[:, None]))
    # a pod lands on / suffers from a degraded node at 4e-5 per pod-minute
    bp_prev = _episodes(rng.random((n, T)), 4e-5 * k_prev, rng.geometric(0.25, (n, T)))
    bp_new = _episodes(rng.random((n, T)), 4e-5 * k_new, rng.geometric(0.25, (n, T)))
    bp_new &= live
    npod = is_s("noisy_pod")
    np_start = delay + rng.integers(0, 31, n)
    np_dur = rng.integers(5, 21, n)
    bp_new |= npod[:, None] & _window_event(np_start, np_dur, minutes)
    bp_err = _loguniform(rng, 5e-3, 0.2, n)
    bp_lat = np.log(rng.uniform(2, 6, n))
    fb_prev = bp_prev / k_prev
    fb_new = bp_new / k_new

    # ---------------- error rates ----------------
    e_sh = _ar1(rng, n, T, _RHO_ESH, _SD_ESH)
    e_p = _ar1(rng, n, T, _RHO_EV, _SD_EV)
    e_n = _ar1(rng, n, T, _RHO_EV, _SD_EV)
    ke = k_err[:, None]
    g_sh = rng.gamma(ke, 1 / ke, (n, T))
    g_p = rng.gamma(3 * ke, 1 / (3 * ke), (n, T))
    g_n = rng.gamma(3 * ke, 1 / (3 * ke), (n, T))
    load_err = 1 + 30 * np.clip(util - 1, 0, None) ** 2
    a_prev = a_inc[:, None] * inc_on
    a_new = (a_inc * inc_skew)[:, None] * inc_on
    p_prev = (err0[:, None] * np.exp(e_sh + e_p + pop_err_prev) * g_sh * g_p * load_err
              + a_prev + fb_prev * bp_err[:, None] + p_thr + r_drop[:, None] * ds)
    p_new = (err0[:, None] * np.exp(e_sh + e_n + pop_err_new + imp_err[:, None]) * g_sh * g_n * load_err
             + a_new + fb_new * bp_err[:, None] + p_thr + r_cold[:, None] * cold ** 2)
    p_prev = np.clip(p_prev, 0, 0.98)
    p_new = np.clip(p_new, 0, 0.98)
    g_f = rng.gamma(g_shape[:, None], 1 / g_shape[:, None], (n, T))
    pf_real = np.clip(p_fault * g_f, 0, 0.98)

    eb_prev = rng.binomial(req_prev, p_prev) + rng.binomial(b_prev, np.clip(p_prev + b_err, 0, 0.98))
    eb_new = rng.binomial(req_new, p_new) + rng.binomial(b_new, np.clip(p_new + b_err, 0, 0.98))
    rq_new = req_new + b_new
    rq_prev = req_prev + b_prev
    ef_new = rng.binomial(rq_new, pf_real)
    ben = rng.poisson(rq_new * r_benign[:, None])
    err_new = np.minimum(eb_new + ef_new + ben, rq_new)
    nt_new = np.minimum(rng.binomial(eb_new, f_relabel[:, None]) + ben + rng.binomial(ef_new, f_ntf[:, None]),
                        err_new)
    err_prev = np.minimum(eb_prev, rq_prev)
    nt_prev = rng.binomial(err_prev, f_inh[:, None])

    # ---------------- in-window abort ----------------
    def roll(x, k):
        c = np.cumsum(x, axis=1)
        out = c.copy()
        out[:, k:] = c[:, k:] - c[:, :-k]
        return out

    # automated canary analysis: trailing 10 minutes, ratio and z-score on the error rate
    En, Rn, Ep, Rp = roll(err_new, 10), roll(rq_new, 10), roll(err_prev, 10), roll(rq_prev, 10)
    expct = Rn * (Ep + 1) / (Rp + 1)
    gradual = strat != 4
    cond_auto = (gradual[:, None] & partial & (age >= 3) & (Rn >= 50) & (Rp >= 50) & (En >= 10)
                 & (En > 2.0 * expct + 0.001 * Rn) & ((En - expct) / np.sqrt(expct + 1) > 3.5))
    # on-call watching the dashboard after a full switch: 3 consecutive bad minutes vs the baseline hour
    En5, Rn5 = roll(err_new, 5), roll(rq_new, 5)
    base_rate = err_prev[:, :B].sum(1) / np.maximum(rq_prev[:, :B].sum(1), 1)
    bad = (s_nom >= 1) & (En5 >= 30) & (En5 > (4 * base_rate[:, None] + 0.01) * np.maximum(Rn5, 1))
    cond_human = roll(bad.astype(np.int64), 3) >= 3
    react = rng.integers(2, 9, n)
    idx_a = np.where(cond_auto.any(1), cond_auto.argmax(1) + 1, 10 ** 6)
    idx_h = np.where(cond_human.any(1), cond_human.argmax(1) + react, 10 ** 6)
    abort_idx = np.minimum(idx_a, idx_h)
    aborted = abort_idx < T
    abort_minute = np.where(aborted, abort_idx - B, np.nan)
    after = np.arange(T)[None, :] >= abort_idx[:, None]
    moved = np.where(after, rq_new, 0)
    extra_err = rng.binomial(moved, p_prev)
    rq_prev = rq_prev + moved
    err_prev = err_prev + extra_err
    nt_prev = nt_prev + rng.binomial(extra_err, f_inh[:, None])
    rq_new = np.where(after, 0, rq_new)
    err_new = np.where(after, 0, err_new)
    nt_new = np.where(after, 0, nt_new)
    served = live & ~after
    s_lat = np.where(served, s_nom, 0.0)

    # ---------------- monitoring artefacts ----------------
    def gaps(p_start):
        return _episodes(rng.random((n, T)), np.full((n, T), p_start), rng.integers(1, 4, (n, T)))

    col_out = np.zeros((n, T), dtype=bool)
    has_co = rng.random(n) < 0.01
    co_start = rng.integers(-B, W, n)
    col_out = _window_event(co_start, rng.integers(2, 9, n), minutes) & has_co[:, None]
    gap_p = gaps(0.002) | col_out
    gap_n = gaps(0.002) | col_out
    for arrs, gmask in (((rq_prev, err_prev, nt_prev), gap_p), ((rq_new, err_new, nt_new), gap_n)):
        for a in arrs:
            a[gmask] = 0
    late_p = rng.random((n, T)) < 0.003
    late_n = rng.random((n, T)) < 0.003
    for arrs, lm in (((rq_prev, err_prev, nt_prev), late_p), ((rq_new, err_new, nt_new), late_n)):
        lm = lm.copy()
        lm[:, -1] = False
        lm &= (arrs[0] > 0) & (np.roll(arrs[0], -1, axis=1) > 0)
        for a in arrs:
            shifted = np.where(lm, a, 0)
            a += np.roll(shifted, 1, axis=1)
            a[lm] = 0

    # ---------------- latency ----------------
    l_sh = _ar1(rng, n, T, 0.9, rng.uniform(0.04, 0.12, n))
    l_p = _ar1(rng, n, T, 0.5, 0.03)
    l_n = _ar1(rng, n, T, 0.5, 0.03)
    sig = lsig[:, None]
    mu0 = mu_med[:, None] + batch_lat + load_lat + inc_lat[:, None] * inc_on
    m1_prev = mu0 + l_sh + l_p + pop_lat_prev + np.where(served, lat_f_prev, 0.0)
    m1_new = mu0 + l_sh + l_n + pop_lat_new + imp_lat[:, None] + lat_f_whole
    lt = np.log(t_out)[:, None]

    def slow_comp(parts):
        w = sum(p[0] for p in parts)
        d = sum(p[0] * p[1] for p in parts) / np.maximum(w, 1e-12)
        return np.minimum(w, 0.95), d

    w2_prev, d2_prev = slow_comp([(fb_prev, bp_lat[:, None])])
    w2_new, d2_new = slow_comp([(fb_new, bp_lat[:, None]), (cold * (1 - fb_new), c0[:, None]),
                                (w_fseg, d_fseg[:, None])])
    lat_prev = _latency(rng, rq_prev, m1_prev, sig, w2_prev, m1_prev + d2_prev,
                        err_prev, t_share, lt, hist)
    lat_new = _latency(rng, rq_new, m1_new, sig, w2_new, m1_new + d2_new, err_new, t_share, lt, hist)

    # ---------------- ground truth: detectable ----------------
    in_win = (minutes >= 0)[None, :] & served
    E_n = base_mean * batch * surge * s_nom * in_win
    n_min = np.maximum(in_win.sum(1), 1)
    util_e = base_mean * batch * surge / capacity[:, None]
    p_thr_e = 0.5 * np.clip(1 - 1 / np.maximum(util_e, 1e-9), 0, None)
    p0 = (err0[:, None] * np.exp(pop_err_new + imp_err[:, None]) * (1 + 30 * np.clip(util_e - 1, 0, None) ** 2)
          + a_new + p_thr_e + r_cold[:, None] * cold ** 2)
    E_x = (E_n * p_fault).sum(1)
    E_0 = (E_n * p0).sum(1)
    D = 1 + (E_0 / n_min) / k_err
    c2 = _SD_EV ** 2 * (1 + _RHO_EV) / ((1 - _RHO_EV) * n_min) + pop_sd[:, 0] ** 2
    noise = np.sqrt(D * E_0 + c2 * E_0 ** 2)
    det_a = (E_x >= 10) & (E_x >= 3 * noise)
    E_nt = (E_n * p_fault * f_ntf[:, None]).sum(1)
    E_b = (E_n * (r_benign[:, None] + p0 * f_relabel[:, None])).sum(1)
    det_b = (E_nt >= 10) & (E_nt >= 3 * np.sqrt(D * E_b))
    det_c = np.zeros(n, dtype=bool)
    lat_min = np.zeros(n)
    fi = np.nonzero(faulty & ~is_s("fault_silent"))[0]
    if fi.size:
        cell = (E_n[fi] >= 20)
        ii, jj = np.nonzero(cell)
        if ii.size:
            dd = fi[ii]
            mu_e = (mu_med[dd] + batch_lat[dd, jj] + 1.2 * np.clip(util_e[dd, jj] - 0.7, 0, None)
                    + inc_lat[dd] * inc_on[dd, jj] + pop_lat_new[dd, jj])
            cw = cold[dd, jj]
            u95 = np.full(dd.size, 0.95)
            w3_wo = np.clip(t_share[dd] * p0[dd, jj], 0, 0.5)
            w3_w = np.clip(t_share[dd] * (p0[dd, jj] + p_fault[dd, jj]), 0, 0.9)
            q_wo = _mix_quantile(u95, mu_e, lsig[dd], np.minimum(cw, 0.95) * (1 - w3_wo), mu_e + c0[dd],
                                 w3_wo, np.log(t_out[dd]))
            ws = np.minimum(cw + w_fseg[dd, jj], 0.95)
            ds_ = (cw * c0[dd] + w_fseg[dd, jj] * d_fseg[dd]) / np.maximum(ws, 1e-12)
            ws = np.minimum(ws, 1 - w3_w)
            mu_w = mu_e + lat_f_whole[dd, jj]
            q_w = _mix_quantile(u95, mu_w, lsig[dd], ws, mu_w + ds_, w3_w, np.log(t_out[dd]))
            hit = (q_w - q_wo) >= np.log(1.25)
            lat_min = np.bincount(dd, weights=hit.astype(float), minlength=n)
            det_c = lat_min >= 20
    detectable = faulty & ~is_s("fault_silent") & (det_a | det_b | det_c)

    # ---------------- after-the-fact signals ----------------
    vis = np.maximum.reduce([E_x / np.maximum(10, 3 * noise), E_nt / np.maximum(10, 3 * np.sqrt(D * E_b)),
                             lat_min / 20.0])
    full_rate = (base_mean * batch * surge)[:, B:].mean(1)
    impact_h = 60 * full_rate * p_fault[:, B:].mean(1)
    score = np.where(faulty, np.maximum(vis, impact_h / 300.0), 0.0)
    sig_ = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    silent = is_s("fault_silent")
    p_notice = np.where(silent, 0.45, 0.1 + 0.85 * sig_(1.5 * np.log(np.maximum(score, 1e-3))))
    noticed = faulty & (rng.random(n) < p_notice)
    t_notice = np.where(silent, _loguniform(rng, 180, 4320, n),
                        W + np.exp(rng.normal(np.log(60) - 0.6 * np.log(np.clip(score, 0.05, 50)), 0.9)))
    rb_fault = noticed & (rng.random(n) < 0.85 * rb_prop)
    # healthy false alarms
    inc_overlap = inc_on_dep & (inc_start + inc_dur > 0)
    p_false = 1 - ((1 - 0.015) * (1 - 0.3 * inc_overlap) * (1 - 0.12 * npod) * (1 - 0.06 * heavy)
                   * (1 - 0.05 * cm_force) * (1 - 0.04 * is_s("traffic_surge")))
    false_rb = ~faulty & (rng.random(n) < p_false * rb_prop)
    t_false = W + _loguniform(rng, 5, 1500, n)
    rolled_back = np.zeros(n, dtype=bool)
    life = gap_to_next.copy()  # NaN for the newest release of each service
    stop = np.where(faulty, t_notice, t_false)
    wants_rb = rb_fault | false_rb
    hotfixed = noticed & ~rb_fault
    ends = wants_rb | hotfixed
    stop_ok = ends & (stop < np.where(np.isnan(gap_to_next), to_end, gap_to_next))
    life = np.where(stop_ok, stop, life)
    rolled_back = stop_ok & wants_rb
    life = np.where(aborted, abort_minute, life)
    rolled_back = rolled_back | aborted
    # incidents while the new version was live
    live_min = np.where(np.isnan(life), to_end, life)
    lam = np.where(cls == "core", 1 / 250.0, 1 / 600.0) / 60.0
    p_bg = 1 - np.exp(-lam * np.minimum(live_min, 14 * 1440))
    p_sh = np.where(inc_on_dep & (inc_start + inc_dur > 0) & (inc_start < live_min),
                    np.where(a_inc >= 0.01, 0.6, 0.25), 0.0)
    p_ft = np.where(faulty, np.where(silent, 0.4 * noticed, 0.03 + 0.6 * sig_(2 * np.log(np.maximum(score, 1e-3) / 3))),
                    0.0)
    p_incident = 1 - (1 - p_bg) * (1 - p_sh) * (1 - p_ft)
    incident = rng.random(n) < p_incident

    # ---------------- telemetry rows (local deployment index _i) ----------------
    frames = []
    for vname, rq, er, nt, lat in (("previous", rq_prev, err_prev, nt_prev, lat_prev),
                                   ("new", rq_new, err_new, nt_new, lat_new)):
        ii, jj = np.nonzero(rq > 0)
        frames.append(pd.DataFrame({
            "_i": ii, "_v": np.int8(vname == "new"),
            "minute": minutes[jj].astype(np.int64),
            "requests": rq[ii, jj].astype(np.int64),
            "errors": er[ii, jj].astype(np.int64),
            "new_type_errors": nt[ii, jj].astype(np.int64),
            "latency_ms": np.round(lat[ii, jj], 2),
        }))
    out = dict(rolled_back=rolled_back, life=life, incident=incident, detectable=detectable)
    return frames, out



def _latency(rng, rq, m1, sig, w2, m2, err, t_share, lt, hist):
    """Sample p95 (ms) of each version-minute with requests > 0."""
    n, T = rq.shape
    out = np.zeros((n, T))
    ii, jj = np.nonzero(rq > 0)
    if ii.size == 0:
        return out
    k = rq[ii, jj].astype(float)
    rank = np.ceil(0.95 * k)
    u = np.clip(rng.beta(rank, k + 1 - rank), 1e-9, 1 - 1e-9)
    w3 = np.clip(t_share[ii] * err[ii, jj] / k, 0, 0.9)
    w2c = np.minimum(w2[ii, jj], 1 - w3)
    a1, s = m1[ii, jj], sig[ii, 0]
    a2 = m2[ii, jj]
    a3 = lt[ii, 0]
    y = _mix_quantile(u, a1, s, w2c, a2, w3, a3)
    x = np.exp(y)
    h = hist[ii]
    if h.any():
        hx, hu = x[h], u[h]
        j = np.searchsorted(_BUCKETS, hx)
        over = j >= len(_BUCKETS)
        jc = np.clip(j, 0, len(_BUCKETS) - 1)
        lo_b = np.where(jc > 0, _BUCKETS[np.maximum(jc - 1, 0)], 0.0)
        hi_b = _BUCKETS[jc]
        args = (a1[h], s[h], w2c[h], a2[h], w3[h], a3[h])
        f_lo = np.where(lo_b > 0, _mix_cdf(np.log(np.maximum(lo_b, 1e-9)), *args), 0.0)
        f_hi = _mix_cdf(np.log(hi_b), *args)
        frac = np.clip((hu - f_lo) / np.maximum(f_hi - f_lo, 1e-12), 0, 1)
        est = lo_b + (hi_b - lo_b) * frac
        x[h] = np.where(over, _BUCKETS[-1], est)
    out[ii, jj] = x
    return out


def write(n: int, seed: int, out_dir, fmt: str = "csv", **kw) -> None:
    """Generate and write ``timeseries.<fmt>`` and ``deployments.<fmt>`` into ``out_dir``."""
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


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--format", choices=["csv", "parquet"], default="csv")
    ap.add_argument("--baseline-minutes", type=int, default=60)
    ap.add_argument("--window-minutes", type=int, default=60)
    a = ap.parse_args(argv)
    write(a.n, a.seed, a.out, fmt=a.format, baseline_minutes=a.baseline_minutes,
          window_minutes=a.window_minutes)


if __name__ == "__main__":
    main()
