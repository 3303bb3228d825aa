"""Fifth, independent telemetry generator: a mobile-game and streaming-media backend.

The world
---------
One company runs three free-to-play mobile games ("skyforge", global; "neon-drift",
Asia-Pacific heavy; "tiny-kingdoms", small, Americas heavy), a video-streaming product
("tv": catalogue, playback, CDN origin, live ingest, transcoding, watch-party chat) and a
shared platform (auth, push notifications, payments webhooks, ad mediation, telemetry
ingest, feature flags ...).  That is 57 services, from ~20 000 requests/min (telemetry
ingest) down to one request every few minutes (live-ops consoles, payment webhooks).

Traffic follows the audience, not the office: each service has a mix of four audience
regions (NA, EU, APAC, LATAM), each with its own local clock, a small lunch bump and a big
evening peak (21-22 h local for streaming, ~20:30 for games), weekend afternoons busier
for games, Friday/Saturday nights busier for streaming, business hours for ops consoles.
Deployments are spread over a calendar whose length grows with n (5 to 120 days,
starting on a Monday) and happen mostly during engineers' working hours.

Fleet-wide happenings at the same wall-clock minute for every deployment in progress
(healthy confounders, never caused by a deployment):
  * live events - tournaments (per game) and episode premieres / live shows (streaming),
    starting on round hours at local prime time: pre-event log-in ramp, a spike of
    x1.4-x5 traffic, a plateau, a decay.  An autoscaler with lag (2 min delay, 3-7 min time
    constant, 25-70 % headroom) means sudden surges overload services for a few minutes:
    p95 latency climbs and timeouts/429s appear on every version at once;
  * push-notification campaigns: app opens surge within two minutes on session, auth,
    inventory, rewards, store, and push-notify itself;
  * origin cache purges: cache-backed services see more origin requests, higher latency;
  * cloud region blips: errors and latency on the share of traffic from one region;
  * client app releases (iOS or Android, per product): the growing share of new clients
    sends requests some server versions do not understand -> *new-type* errors on the
    previous and the new version alike;
  * monitoring outages: every row missing for some minutes, or a collector down so that
    counts are under-reported.
Per-deployment background: AR(1) traffic/error/latency noise, p95 noise that grows at low
traffic, GC pauses (single-minute p95 spikes), noisy-neighbour minutes on one version's
hosts, a cold-start latency bump on new pods, a capacity dip during rolling restarts, a
new version that renames an exception class (25 %: part of its errors count as new-type),
a small benign latency drift between versions.

Rollout styles: instant 20 %, rolling (2-8 min) 30 %, canary (1-20 % of traffic for 10-60
min, previous version serving the rest at the same minutes, then promotion) 25 %, staged
percentages (1/5 -> 10/25 -> 50 -> 100 %) 15 %, blue-green (switch at minute 0, one minute
of draining, pre-warmed pods) 10 %.

Scenarios and shares (faulty share 10 %)
----------------------------------------
healthy_routine 44 %            background only
healthy_live_event 8 %          deployed 35 min before to 25 min after a live-event start
healthy_push_campaign 4 %       deployed around a push campaign
healthy_client_release 5 %      around a client app release: new-type errors from new
                                clients on both versions, and (half) new version returns
                                410 Gone (new type) to old clients on removed endpoints
healthy_cache_cold_start 4 %    cache-backed service: the new version starts with a cold
                                cache (big decaying latency bump) or deploys during a purge
healthy_instance_mix 6 %        new version on another instance family: p95 x0.75-1.35
healthy_flag_rampup 6 %         a feature flag ramps 3-40 min after the deploy on the new
                                version: p95 +5-40 %, more requests, rare new-type errors
healthy_api_deprecation 3 %     new version rejects deprecated calls: 0.03-0.6 % new-type
healthy_monitoring_gap 3 %      deployed around a monitoring outage, plus scrape gaps
healthy_noisy_host 4 %          a strong noisy-neighbour episode on the new version's
                                hosts; a quarter are rolled back inside the window by caution
healthy_low_traffic 3 %         a routine deployment of a very low-traffic service
fault_error_step 2.4 %          extra error probability log-uniform 0.01 %..30 %
fault_memory_leak 1.0 %         p95 ramps up, then OOM kills give periodic error bursts
                                (first OOM 12-150 min after the rollout: often after the hour)
fault_platform_only 1.0 %       errors only on iOS or Android clients (part of them)
fault_region_only 0.8 %         errors (and timeouts) only on one audience region, whose
                                share of traffic moves with its local time of day
fault_latency_only 1.2 %        p95 regression x1.08-x3.5 on all or part of the endpoints
fault_peak_only 0.8 %           connection-pool exhaustion: errors only while the
                                service's load exceeds 55-115 % of its usual daily peak
fault_crash_loop 0.8 %          new pods crash every 2-9 min: error bursts, request dips
fault_rolled_back_in_window 0.8 % a clear error step rolled back 6-35 min after the rollout
fault_low_traffic 0.6 %         error step of 5-100 % on a very low-traffic service
fault_delayed_onset 0.6 %       errors or latency start 8-75 min after the rollout (cache
                                TTL expiry, cron, config refresh) - sometimes after the hour
Every fault only touches the new version's requests.

Definition of ``detectable``
----------------------------
Computed on the rows actually emitted (minute < window, after monitoring gaps), over the
new version's rows, from the expected probabilities (not the sampled errors):
E_extra = sum(requests x fault's additional error probability), E_base = the same for
every other error source.  A faulty deployment is detectable if any of
  * E_extra >= max(6, 4*sqrt(E_base + 1), 0.2*E_base)   (errors beyond Poisson and beyond
    the minute-to-minute overdispersion of the error rate);
  * most of the fault's errors are new-type (fraction >= 0.5) and
    E_extra_new >= max(5, 4*sqrt(E_benign_new + 1), 0.5*E_benign_new), where E_benign_new is
    the expected benign new-type errors of the new version;
  * for >= 10 new-version minutes with >= 20 requests, the fault's p95 multiplier is at
    least 1 + max(0.2, 2*(sigma_service + 0.8/sqrt(requests))) (the p95 noise at that
    traffic level).
Healthy deployments always have detectable = 0.

After-the-fact signals (noisy): faults are rolled back with probability 10-90 % rising with
visibility and severity (memory leaks and low-traffic faults are often found later by
users); some faults are fixed forward (short lifetime, not rolled back), some never noticed;
healthy deployments are rolled back 3-15 % of the time (caution during noisy hosts, live
events, deprecations), and incidents are declared on healthy services overloaded by a live
event or a region blip.  lifetime_minutes is empty when the version outlives the calendar.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

# ----------------------------------------------------------------------------- world
REGIONS = ("na", "eu", "apac", "latam")
TZ = np.array([-6.0, 1.0, 8.0, -3.0])  # audience-weighted UTC offsets (hours)
EPOCH = np.datetime64("2024-09-02T00:00")  # a Monday

# group: 0-2 games, 3 streaming, 4 platform
GROUP_AUD = np.array([
    [0.38, 0.30, 0.17, 0.15],  # skyforge
    [0.15, 0.12, 0.68, 0.05],  # neon-drift
    [0.42, 0.18, 0.05, 0.35],  # tiny-kingdoms
    [0.45, 0.33, 0.08, 0.14],  # tv
    [0.35, 0.25, 0.25, 0.15],  # platform
])
GROUP_IOS = np.array([0.45, 0.35, 0.55, 0.50, 0.45])
PLATFORM_MIX = np.array([0.35, 0.20, 0.15, 0.30])  # how platform services feel each product
TITLES = (("skyforge", 1.0), ("neon-drift", 0.45), ("tiny-kingdoms", 0.12))

# name, rpm, err, p95 ms, p95 sigma, event sens, push sens, cache, gc rate, kind, deploy weight
# kind: 0 game, 1 streaming, 2 platform, 3 ops/batch (business hours)
GAME = [
    ("matchmaking", 1800, .0025, 95, .10, 1.0, .4, 0, .02, 0, 1.5),
    ("leaderboard", 2600, .0010, 35, .12, .8, .3, 1, .03, 0, 1.0),
    ("inventory", 2200, .0015, 60, .09, .5, .8, 0, .02, 0, 1.2),
    ("store", 380, .0030, 190, .10, .4, .9, 0, .01, 0, 1.0),
    ("chat", 4200, .0008, 28, .12, .9, .5, 0, .01, 0, 0.8),
    ("session", 2800, .0010, 45, .08, .7, 1.0, 0, .02, 0, 0.8),
    ("rewards", 650, .0020, 70, .10, .3, 1.0, 0, .02, 0, 1.0),
    ("anticheat", 900, .0012, 120, .11, .9, .3, 0, .04, 0, 0.7),
    ("clans", 260, .0020, 55, .10, .5, .4, 0, .02, 0, 0.8),
    ("replays", 140, .0025, 420, .14, .6, .1, 0, .03, 0, 0.6),
    ("asset-bundles", 1500, .0006, 140, .13, .7, .7, 1, .0, 0, 0.6),
    ("liveops-admin", 0.4, .0100, 260, .20, .1, 0, 0, .01, 3, 0.5),
]
STREAM = [
    ("cdn-origin", 7000, .0007, 110, .12, .9, .2, 1, .0, 1, 1.0),
    ("vod-catalog", 2400, .0010, 60, .10, .6, .3, 1, .03, 1, 1.0),
    ("live-ingest", 220, .0020, 310, .12, 1.0, .0, 0, .02, 1, 0.7),
    ("video-transcode", 35, .0100, 4200, .20, .3, 0, 0, .03, 3, 1.0),
    ("thumbnails", 60, .0040, 900, .18, .3, 0, 0, .02, 3, 0.6),
    ("subtitles", 480, .0010, 50, .10, .5, .1, 1, .01, 1, 0.5),
    ("playback-session", 3800, .0012, 42, .09, .9, .4, 0, .02, 1, 1.0),
    ("watch-party-chat", 1400, .0010, 30, .12, 1.0, .3, 0, .01, 1, 0.7),
    ("recommendations", 1100, .0020, 170, .12, .5, .6, 0, .04, 1, 1.2),
    ("drm-license", 900, .0020, 75, .10, .8, .3, 0, .02, 1, 0.5),
    ("content-ops-console", 0.3, .0120, 320, .22, 0, 0, 0, .01, 3, 0.5),
]
PLATFORM = [
    ("auth", 5500, .0012, 50, .08, .5, .9, 0, .02, 2, 1.0),
    ("push-notify", 650, .0040, 230, .14, .2, 3.0, 0, .02, 2, 1.0),
    ("payments-webhook", 1.5, .0050, 320, .18, .2, .3, 0, .01, 2, 0.6),
    ("ad-mediation", 2400, .0090, 185, .13, .6, .6, 0, .03, 2, 1.2),
    ("profile", 1900, .0010, 40, .09, .5, .7, 1, .02, 2, 0.9),
    ("friends-graph", 1200, .0010, 65, .10, .5, .5, 0, .03, 2, 0.8),
    ("telemetry-ingest", 18000, .0003, 22, .08, .7, .6, 0, .01, 2, 0.7),
    ("feature-flags", 2800, .0002, 9, .10, .3, .8, 1, .0, 2, 0.5),
    ("support-tickets", 0.2, .0100, 400, .22, 0, 0, 0, .01, 3, 0.4),
    ("email-relay", 0.8, .0060, 600, .20, .1, .5, 0, .01, 3, 0.4),
]

# diurnal shape per kind: base, lunch amp/centre/width, evening amp/centre/width,
# weekend-afternoon amp, Friday/Saturday-night amp
KIND_CURVE = np.array([
    [0.15, 0.35, 12.5, 1.8, 1.0, 20.5, 2.5, 0.35, 0.10],
    [0.10, 0.20, 13.0, 2.5, 1.2, 21.5, 2.0, 0.20, 0.25],
    [0.18, 0.35, 12.5, 2.2, 0.9, 20.5, 2.8, 0.25, 0.10],
    [0.05, 1.00, 14.0, 3.0, 0.2, 20.0, 2.0, -0.60, 0.0],
])

SCENARIOS = [
    ("healthy_routine", 0.44),
    ("healthy_live_event", 0.08),
    ("healthy_push_campaign", 0.04),
    ("healthy_client_release", 0.05),
    ("healthy_cache_cold_start", 0.04),
    ("healthy_instance_mix", 0.06),
    ("healthy_flag_rampup", 0.06),
    ("healthy_api_deprecation", 0.03),
    ("healthy_monitoring_gap", 0.03),
    ("healthy_noisy_host", 0.04),
    ("healthy_low_traffic", 0.03),
    ("fault_error_step", 0.024),
    ("fault_memory_leak", 0.010),
    ("fault_platform_only", 0.010),
    ("fault_region_only", 0.008),
    ("fault_latency_only", 0.012),
    ("fault_peak_only", 0.008),
    ("fault_crash_loop", 0.008),
    ("fault_rolled_back_in_window", 0.008),
    ("fault_low_traffic", 0.006),
    ("fault_delayed_onset", 0.006),
]
SC_NAMES = [s for s, _ in SCENARIOS]
SC_P = np.array([p for _, p in SCENARIOS])
SC_P = SC_P / SC_P.sum()
SC = {s: i for i, s in enumerate(SC_NAMES)}

STYLES = ("instant", "rolling", "canary", "staged", "blue_green")
STYLE_P = np.array([0.20, 0.30, 0.25, 0.15, 0.10])

REQ_SIGMA = 0.55  # log-sd of one request's latency, for p95 of mixtures


# ----------------------------------------------------------------------------- helpers
def _loguniform(rng, lo, hi, size=None):
    return np.exp(rng.uniform(np.log(lo), np.log(hi), size))


def _bump(h, c, w):
    d = np.abs(h - c)
    d = np.minimum(d, 24.0 - d)
    return np.exp(-0.5 * (d / w) ** 2)


def _curve(hours, dow, p):
    """Diurnal/weekly load shape; ``p`` rows broadcast against hours."""
    base, a1, c1, w1, a2, c2, w2, wk, fri = (p[..., k] for k in range(9))
    c = base + a1 * _bump(hours, c1, w1) + a2 * _bump(hours, c2, w2)
    weekend = (dow >= 5).astype(float)
    frisat = ((dow == 4) | (dow == 5)).astype(float)
    c = c * (1.0 + wk * weekend * _bump(hours, 15.0, 4.0)) * (1.0 + fri * frisat * _bump(hours, 22.0, 2.5))
    return np.maximum(c, 0.02)


def _erf(x):
    # Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7)
    s = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
               + 0.254829592) * t * np.exp(-x * x)
    return s * y


def _q(z):
    return 0.5 * (1.0 - _erf(z / np.sqrt(2.0)))


def _mix_p95(frac, mult, sigma=REQ_SIGMA):
    """p95 multiplier when a fraction ``frac`` of requests is ``mult`` times slower."""
    frac = np.asarray(frac, float)
    mult = np.maximum(np.asarray(mult, float), 1.0)
    frac, mult = np.broadcast_arrays(frac, mult)
    shift = np.log(mult) / sigma
    lo = np.full(frac.shape, 1.6449)
    hi = lo + shift
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        g = (1 - frac) * _q(mid) + frac * _q(mid - shift) - 0.05
        above = g > 0
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return np.exp(sigma * (0.5 * (lo + hi) - 1.6449))


def _ar1(rng, shape, phi, sd):
    n, T = shape
    out = np.empty(shape)
    x = rng.normal(0.0, sd, n)
    inn = rng.normal(0.0, sd * np.sqrt(1 - phi ** 2), shape)
    for t in range(T):
        x = phi * x + inn[:, t]
        out[:, t] = x
    return out


def _services(rng):
    rows = []
    for g, (title, scale) in enumerate(TITLES):
        for c in GAME:
            rows.append((f"{title}-{c[0]}", g, c, scale))
    for c in STREAM:
        rows.append((f"tv-{c[0]}", 3, c, 1.0))
    for c in PLATFORM:
        rows.append((c[0], 4, c, 1.0))
    S = len(rows)
    svc = {"name": np.array([r[0] for r in rows]), "group": np.array([r[1] for r in rows])}
    comp = np.array([r[2][1:] for r in rows], float)
    scale = np.array([r[3] for r in rows])
    low = comp[:, 0] < 5
    svc["low"] = low
    svc["rpm"] = np.where(low, comp[:, 0] * rng.uniform(0.5, 2.0, S),
                          comp[:, 0] * scale * rng.lognormal(0, 0.3, S))
    svc["err"] = comp[:, 1] * rng.lognormal(0, 0.35, S)
    svc["lat"] = comp[:, 2] * rng.lognormal(0, 0.2, S)
    svc["sig"] = comp[:, 3]
    svc["sens_ev"] = comp[:, 4]
    svc["sens_push"] = comp[:, 5]
    svc["cache"] = comp[:, 6] > 0
    svc["gc"] = comp[:, 7] * rng.uniform(0.5, 1.5, S)
    svc["kind"] = comp[:, 8].astype(int)
    svc["w"] = comp[:, 9]
    aud = np.vstack([rng.dirichlet(GROUP_AUD[g] * 60 + 0.05) for g in svc["group"]])
    svc["aud"] = aud
    svc["ios"] = np.clip(GROUP_IOS[svc["group"]] + rng.normal(0, 0.05, S), 0.2, 0.8)
    # normalise the daily shape so that rpm is the weekly mean; remember the usual daily peak
    wk = np.arange(0, 7 * 24 * 60, 15) / 60.0  # hours over a week (UTC)
    shape = np.zeros((S, wk.size))
    for r in range(4):
        loc = wk[None, :] + TZ[r]
        shape += aud[:, r:r + 1] * _curve(np.mod(loc, 24), np.floor(loc / 24) % 7,
                                          KIND_CURVE[svc["kind"]][:, None, :])
    svc["norm"] = shape.mean(axis=1)
    svc["peak"] = shape.max(axis=1) / svc["norm"]
    return svc


def _day_times(rng, days, count, weights_weekend, hour_lo, hour_hi, round_to, tzr):
    """Event starts (absolute minutes) at local hours [hour_lo, hour_hi) of region tz."""
    dw = np.array([1.0 if (d % 7) < 5 else weights_weekend for d in range(days)])
    d = rng.choice(days, size=count, p=dw / dw.sum())
    h = rng.uniform(hour_lo, hour_hi, count) - tzr
    mins = np.floor(h * 60 / round_to) * round_to
    return (d * 1440 + mins).astype(np.int64)


# ----------------------------------------------------------------------------- generate
def generate(n: int, seed: int, baseline_minutes: int = 60,
             window_minutes: int = 60) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate ``n`` deployments; returns (timeseries, deployments)."""
    rng = np.random.default_rng([seed, 5005])
    B, W = int(baseline_minutes), int(window_minutes)
    T = B + W
    m = np.arange(-B, W)
    svc = _services(rng)
    S = svc["name"].size

    days = int(np.clip(np.ceil(n / 110), 5, 120))
    span = days * 1440
    OFF = B + 200
    M = span + OFF + W + 200
    epoch = EPOCH + np.timedelta64(7 * int(rng.integers(0, 60)), "D")

    def idx(a):
        return np.clip(a + OFF, 0, M - 1)

    t_abs = np.arange(M) - OFF  # absolute minute of each series cell

    # ---- live events (per product group 0..3) ---------------------------------
    ev_ex = np.zeros((5, M))
    ev_starts = []
    for g in range(4):
        rate = (0.9, 0.6, 0.5, 0.7)[g]
        cnt = max(1, rng.poisson(rate * days))
        main = int(np.argmax(GROUP_AUD[g]))
        st = _day_times(rng, days, cnt, 2.0, 18, 21.5, 30, TZ[main])
        st = np.clip(st, 90, span - 90)
        ev_starts.append(st)
        for s in st:
            amp = _loguniform(rng, 0.4, 4.0) if g < 3 else _loguniform(rng, 0.5, 3.0)
            tau, dur = rng.uniform(8, 30), rng.uniform(45, 180)
            lo, hi = s - 20, int(s + dur + 90)
            x = t_abs[lo + OFF:hi + OFF] - s
            pre = amp * 0.3 * np.clip((x + 15) / 15, 0, 1) ** 2
            on = amp * (0.35 + 0.65 * np.exp(-np.maximum(x, 0) / tau))
            after = on * np.exp(-np.maximum(x - dur, 0) / 15.0)
            ev_ex[g, lo + OFF:hi + OFF] += np.where(x < 0, pre, after)
    # ---- push campaigns -------------------------------------------------------
    push_ex = np.zeros((5, M))
    push_starts = []
    for g in range(4):
        cnt = max(1, rng.poisson(1.3 * days))
        main = int(np.argmax(GROUP_AUD[g]))
        st = np.clip(_day_times(rng, days, cnt, 1.0, 10, 20, 15, TZ[main]), 90, span - 90)
        push_starts.append(st)
        for s in st:
            amp, tau = _loguniform(rng, 0.2, 2.0), rng.uniform(4, 15)
            x = np.arange(0, int(6 * tau) + 3)
            shape = amp * np.minimum(1.0, (x + 1) / 2.0) * np.exp(-np.maximum(x - 2, 0) / tau)
            push_ex[g, s + OFF:s + OFF + x.size] += shape
    for arr in (ev_ex, push_ex):
        arr[4] = PLATFORM_MIX @ arr[:4]
    # ---- cache purges (global) ------------------------------------------------
    purge = np.zeros(M)
    cnt = max(1, rng.poisson(2.5 * days))
    purge_starts = rng.integers(90, span - 90, cnt)
    for s in purge_starts:
        amp, tau = _loguniform(rng, 0.3, 2.5), rng.uniform(3, 12)
        x = np.arange(0, int(6 * tau) + 1)
        purge[s + OFF:s + OFF + x.size] += amp * np.exp(-x / tau)
    # ---- region blips ---------------------------------------------------------
    blip_err = np.zeros((4, M))
    blip_lat = np.zeros((4, M))
    for _ in range(rng.poisson(0.3 * days)):
        r, s = rng.integers(0, 4), rng.integers(0, span)
        d = int(rng.uniform(3, 25))
        blip_err[r, s + OFF:s + OFF + d] += _loguniform(rng, 0.003, 0.08)
        blip_lat[r, s + OFF:s + OFF + d] += rng.uniform(0.2, 1.0)
    # ---- monitoring outages ---------------------------------------------------
    mon_drop = np.zeros(M, bool)
    mon_scale = np.ones(M)
    cnt = max(1, rng.poisson(0.5 * days))
    mon_starts = rng.integers(90, span - 90, cnt)
    for s in mon_starts:
        d = int(rng.uniform(2, 20))
        if rng.random() < 0.6:
            mon_drop[s + OFF:s + OFF + d] = True
        else:
            mon_scale[s + OFF:s + OFF + d] = rng.uniform(0.4, 0.8)
    # ---- client releases: new-type error probability per service --------------
    rel_nt = np.zeros((S, M), np.float32)
    for g in range(4):
        t = rng.uniform(0, 5) * 1440
        while t < span:
            s = int(t // 1440) * 1440 + int(rng.uniform(16, 19) * 60)
            ios = rng.random() < 0.5
            members = np.flatnonzero(((svc["group"] == g) | ((svc["group"] == 4) & (rng.random(S) < 0.3)))
                                     & (rng.random(S) < 0.45) & ~svc["low"])
            amax, tau = rng.uniform(0.4, 0.8), rng.uniform(120, 720)
            x = np.arange(0, 2 * 1440)
            adopt = amax * (1 - np.exp(-x / tau)) * np.exp(-np.maximum(x - 1440, 0) / 720)
            hi = min(M, s + OFF + x.size)
            for k in members:
                plat = svc["ios"][k] if ios else 1 - svc["ios"][k]
                rel_nt[k, s + OFF:hi] += (adopt * _loguniform(rng, 5e-4, 2e-2) * plat)[:hi - s - OFF]
            t += rng.uniform(4, 9) * 1440

    # ---- scenarios, services, times -------------------------------------------
    sc = rng.choice(len(SC_NAMES), size=n, p=SC_P)
    low_ids = np.flatnonzero(svc["low"])
    hi_ids = np.flatnonzero(~svc["low"])
    cache_ids = np.flatnonzero(svc["cache"] & ~svc["low"])
    ev_ids = np.flatnonzero((svc["sens_ev"] >= 0.5) & ~svc["low"])
    push_ids = np.flatnonzero((svc["sens_push"] >= 0.5) & ~svc["low"])
    w_all = svc["w"] * np.where(svc["low"], 0.5, 1.0)

    def pick(ids, k):
        w = svc["w"][ids]
        return rng.choice(ids, size=k, p=w / w.sum())

    service = rng.choice(S, size=n, p=w_all / w_all.sum())
    for name, ids in (("healthy_low_traffic", low_ids), ("fault_low_traffic", low_ids),
                      ("healthy_cache_cold_start", cache_ids), ("healthy_live_event", ev_ids),
                      ("healthy_push_campaign", push_ids)):
        sel = sc == SC[name]
        service[sel] = pick(ids, sel.sum())
    for name in SC_NAMES:
        if name.startswith("fault_") and name != "fault_low_traffic":
            sel = (sc == SC[name]) & svc["low"][service]
            service[sel] = pick(hi_ids, sel.sum())
    grp = svc["group"][service]

    # working-hour deploy times
    dw = np.array([1.0 if (d % 7) < 5 else 0.3 for d in range(days)])
    day = rng.choice(days, size=n, p=dw / dw.sum())
    comp = rng.random(n)
    hour = np.where(comp < 0.65, rng.uniform(8, 17.5, n),
                    np.where(comp < 0.9, rng.uniform(15, 23.5, n), rng.uniform(0, 24, n)))
    t0 = (day * 1440 + np.floor(hour * 60)).astype(np.int64)

    def near(sel, starts_by_group, lo, hi):
        for i in np.flatnonzero(sel):
            g = grp[i] if grp[i] < 4 else rng.integers(0, 4)
            st = starts_by_group[g] if isinstance(starts_by_group, list) else starts_by_group
            t0[i] = rng.choice(st) + int(rng.uniform(lo, hi))

    near(sc == SC["healthy_live_event"], ev_starts, -35, 25)
    near(sc == SC["healthy_push_campaign"], push_starts, -30, 10)
    near(sc == SC["healthy_monitoring_gap"], mon_starts, -50, 50)
    cc = (sc == SC["healthy_cache_cold_start"]) & (rng.random(n) < 0.5)
    near(cc, purge_starts, -30, 30)
    cold_cache = (sc == SC["healthy_cache_cold_start"]) & ~cc
    t0 = np.clip(t0, 0, span - 1)

    # ---- rollout shares -------------------------------------------------------
    style = rng.choice(len(STYLES), size=n, p=STYLE_P)
    style[svc["low"][service] & (style == 2) & (rng.random(n) < 0.5)] = 0
    M2 = m[None, :].astype(float)
    post = M2 >= 0
    k_roll = rng.integers(2, 9, n)[:, None]
    can_frac = rng.choice([0.01, 0.05, 0.1, 0.2], n, p=[0.15, 0.35, 0.3, 0.2])[:, None]
    can_dur = rng.integers(10, 61, n)[:, None]
    stage_len = rng.integers(6, 16, n)[:, None]
    st1 = rng.choice([0.01, 0.05], n)[:, None]
    st2 = rng.choice([0.1, 0.25], n)[:, None]
    stage_idx = np.floor(np.maximum(M2, 0) / stage_len)
    staged = np.select([stage_idx == 0, stage_idx == 1, stage_idx == 2], [st1, st2, 0.5], 1.0)
    canary = np.where(M2 < can_dur, can_frac, np.minimum(1.0, can_frac + (M2 - can_dur + 1) / 3.0))
    sty = style[:, None]
    share = np.select(
        [sty == 0, sty == 1, sty == 2, sty == 3],
        [np.ones_like(M2) + 0 * canary, np.minimum(1.0, (M2 + 1) / (k_roll + 1)), canary, staged],
        np.where(M2 == 0, 0.5, 1.0))
    share = np.where(post, share, 0.0)
    # rollback inside the window
    rb_min = np.full(n, 10 ** 6)
    sel = sc == SC["fault_rolled_back_in_window"]
    rb_min[sel] = rng.integers(6, 36, sel.sum())
    cautious = (sc == SC["healthy_noisy_host"]) & (rng.random(n) < 0.25)
    rb_min[cautious] = rng.integers(15, 46, cautious.sum())
    share = np.where(M2 >= rb_min[:, None], 0.0, share)

    # ---- demand ---------------------------------------------------------------
    a = t0[:, None] + m[None, :]
    ia = idx(a)
    aud = svc["aud"][service]
    kp = KIND_CURVE[svc["kind"][service]][:, None, :]
    reg_load = np.empty((4, n, T))
    for r in range(4):
        loc = a / 60.0 + TZ[r]
        reg_load[r] = aud[:, r:r + 1] * _curve(np.mod(loc, 24), np.floor(loc / 24) % 7, kp)
    diurnal = reg_load.sum(axis=0)
    reg_share = reg_load / diurnal[None]
    rpm = svc["rpm"][service][:, None]
    cache = svc["cache"][service][:, None]
    ev = ev_ex[grp[:, None], ia] * svc["sens_ev"][service][:, None]
    push = push_ex[grp[:, None], ia] * svc["sens_push"][service][:, None]
    prg = purge[ia] * cache
    traffic_sd = np.where(svc["kind"][service] == 3, 0.25, rng.uniform(0.04, 0.12, n))[:, None]
    tnoise = np.exp(_ar1(rng, (n, T), 0.8, 1.0) * traffic_sd)
    L_nofx = rpm * diurnal / svc["norm"][service][:, None]
    L = L_nofx * (1 + ev) * (1 + push) * (1 + prg) * tnoise

    # autoscaling with lag
    head = rng.uniform(1.25, 1.7, n)
    kup = rng.uniform(0.15, 0.45, n)
    floor = np.where(svc["low"][service], 3.0, 0.5) * svc["rpm"][service] * head
    cap = np.maximum(L[:, :min(10, T)].mean(axis=1) * head, floor)
    caps = np.empty((n, T))
    for t in range(T):
        target = np.maximum(L[:, max(t - 2, 0)] * head, floor)
        cap = np.where(target > cap, cap + kup * (target - cap), cap + 0.04 * (target - cap))
        caps[:, t] = cap
    dip = np.where(np.isin(style, [0, 1]), rng.uniform(0, 0.25, n), 0.0)[:, None]
    restart = post & (M2 <= np.where(style == 1, k_roll[:, 0], 1)[:, None])
    u = L / (caps * (1 - dip * restart))
    q_lat = 1 + 2.5 * np.maximum(0, u - 0.75) ** 2 / 0.0625 * 0.25
    p_over = np.clip(0.35 * (u - 1.0), 0, 0.4)

    # ---- common error & latency sources ---------------------------------------
    err = svc["err"][service][:, None]
    enoise = np.exp(_ar1(rng, (n, T), 0.6, 0.3))
    blip_p = np.einsum("rnt,rnt->nt", reg_share, blip_err[:, ia])
    blip_l = np.einsum("rnt,rnt->nt", reg_share, blip_lat[:, ia])
    p_common = err * enoise * (1 + 0.8 * ev + 0.3 * push) + p_over + blip_p + 0.001 * prg
    nt_release = rel_nt[service[:, None], ia].astype(float)
    sig = svc["sig"][service][:, None]
    lat0 = (svc["lat"][service][:, None] * np.clip(1 + 0.08 * np.log(np.maximum(L / rpm, 1e-3)), 0.9, 1.4)
            * q_lat * (1 + blip_l) * (1 + 0.5 * prg) * np.exp(_ar1(rng, (n, T), 0.7, 1.0) * sig))

    # per-version: GC, noisy neighbours
    gc = svc["gc"][service][:, None]
    gc_p = np.where(rng.random((n, T)) < gc, rng.uniform(1.3, 3.5, (n, T)), 1.0)
    gc_n = np.where(rng.random((n, T)) < gc, rng.uniform(1.3, 3.5, (n, T)), 1.0)
    K = 3
    n_ep = np.minimum(rng.poisson(0.35, n), K)
    ep_on = np.arange(K)[None, :] < n_ep[:, None]
    ep_st = rng.integers(-B, W, (n, K))
    ep_len = rng.integers(2, 11, (n, K))
    ep_tgt = rng.integers(0, 3, (n, K))  # 0 previous hosts, 1 new hosts, 2 both
    ep_lat = rng.uniform(1.2, 2.2, (n, K))
    ep_err = _loguniform(rng, 1e-4, 5e-3, (n, K))
    noisy = cautious | (sc == SC["healthy_noisy_host"])
    ep_on[noisy, 0] = True
    ep_st[noisy, 0] = rng.integers(2, 41, noisy.sum())
    ep_len[noisy, 0] = rng.integers(4, 16, noisy.sum())
    ep_tgt[noisy, 0] = 1
    ep_lat[noisy, 0] = rng.uniform(1.5, 3.0, noisy.sum())
    ep_err[noisy, 0] = _loguniform(rng, 1e-3, 2e-2, noisy.sum())
    inep = (ep_on[:, :, None] & (m[None, None, :] >= ep_st[:, :, None])
            & (m[None, None, :] < (ep_st + ep_len)[:, :, None]))
    onp = inep & (ep_tgt != 1)[:, :, None]
    onn = inep & (ep_tgt != 0)[:, :, None]
    nn_lat_p = np.prod(np.where(onp, ep_lat[:, :, None], 1.0), axis=1)
    nn_lat_n = np.prod(np.where(onn, ep_lat[:, :, None], 1.0), axis=1)
    nn_err_p = np.sum(np.where(onp, ep_err[:, :, None], 0.0), axis=1)
    nn_err_n = np.sum(np.where(onn, ep_err[:, :, None], 0.0), axis=1)

    # new-version benign effects
    c_cold = rng.lognormal(np.log(0.12), 0.6, n) * np.where(style == 4, 0.3, 1.0)
    tau_cold = rng.uniform(1.5, 5, n)
    c_cold[cold_cache] = rng.uniform(0.5, 2.5, cold_cache.sum())
    tau_cold[cold_cache] = rng.uniform(4, 15, cold_cache.sum())
    cold = c_cold[:, None] * np.exp(-np.maximum(M2, 0) / tau_cold[:, None]) * post
    err_cold = np.where(cold_cache, 0.004, 0.002)[:, None] * cold
    lat_new = np.exp(rng.normal(0, 0.03, n))
    im = sc == SC["healthy_instance_mix"]
    lat_new[im] = np.exp(rng.choice([-1, 1], im.sum()) * rng.uniform(0.08, 0.3, im.sum()))
    lat_new = lat_new[:, None] * np.ones((1, T))
    req_new = np.ones((n, T))
    nt_new_benign = np.zeros((n, T))
    fl = sc == SC["healthy_flag_rampup"]
    fk, fd = rng.uniform(3, 40, n)[:, None], rng.uniform(2, 15, n)[:, None]
    ramp = np.clip((M2 - fk) / fd, 0, 1) * fl[:, None]
    lat_new *= 1 + rng.uniform(0.05, 0.4, n)[:, None] * ramp
    req_new *= 1 + rng.uniform(0, 0.3, n)[:, None] * ramp
    nt_new_benign += np.where(rng.random(n) < 0.3, rng.uniform(0, 3e-4, n), 0)[:, None] * ramp
    dep = sc == SC["healthy_api_deprecation"]
    nt_new_benign += np.where(dep, _loguniform(rng, 3e-4, 6e-3, n), 0.0)[:, None]
    cr = sc == SC["healthy_client_release"]
    cr_adopt = np.clip(rng.uniform(0.01, 0.15, n)[:, None] + rng.uniform(0, 0.002, n)[:, None] * (M2 + B), 0, 0.8)
    cr_nt = np.where(cr, _loguniform(rng, 2e-3, 2e-2, n), 0.0)[:, None] * cr_adopt
    nt_release = nt_release + cr_nt
    companion = cr & (rng.random(n) < 0.5)
    nt_new_benign += np.where(companion, _loguniform(rng, 2e-4, 3e-3, n), 0.0)[:, None] * (1 - cr_adopt)
    rename = np.where(rng.random(n) < 0.25, rng.uniform(0.02, 0.2, n), 0.0)[:, None]

    # ---- faults (new version only) ---------------------------------------------
    f_p = np.zeros((n, T))
    f_lat = np.ones((n, T))
    f_req = np.ones((n, T))
    f_ntfrac = np.where(rng.random(n) < 0.55, rng.uniform(0.7, 1.0, n), rng.uniform(0, 0.15, n))

    def S_(name):
        return sc == SC[name]

    def col(v):
        return np.asarray(v, float)[:, None]

    x = S_("fault_error_step")
    onset = col(np.where(rng.random(n) < 0.8, rng.integers(0, 4, n), rng.integers(0, 11, n)))
    f_p += x[:, None] * (M2 >= onset) * col(_loguniform(rng, 1e-4, 0.3, n))
    f_lat *= np.where(x[:, None] & (M2 >= onset), col(rng.uniform(1.0, 1.15, n)), 1.0)

    x = S_("fault_memory_leak")
    t_oom = col(rng.uniform(12, 150, n))
    g_leak = col(rng.uniform(0.1, 0.8, n))
    per = col(rng.uniform(4, 15, n))
    frac = np.clip(M2 / t_oom, 0, None)
    leak_lat = 1 + g_leak * np.minimum(frac, 1.0) ** 2
    burst = (M2 >= t_oom) & (np.mod(M2 - t_oom, per) < 1)
    f_lat = np.where(x[:, None] & post, f_lat * leak_lat * np.where(burst, 1.8, 1.0), f_lat)
    f_p += x[:, None] * burst * col(_loguniform(rng, 0.005, 0.1, n))
    f_ntfrac[x] = 0.1

    x = S_("fault_platform_only")
    ios = rng.random(n) < 0.5
    pf = np.where(ios, svc["ios"][service], 1 - svc["ios"][service]) * rng.uniform(0.3, 1.0, n)
    f_p += (x[:, None] & post) * col(pf * _loguniform(rng, 0.005, 0.6, n))
    f_ntfrac[x] = np.where(rng.random(x.sum()) < 0.7, rng.uniform(0.7, 1.0, x.sum()), 0.05)

    x = S_("fault_region_only")
    reg = rng.integers(0, 4, n)
    rs = reg_share[reg[:, None], np.arange(n)[:, None], np.arange(T)[None, :]]
    f_p += (x[:, None] & post) * rs * col(_loguniform(rng, 0.01, 0.8, n))
    tmo = np.where(rng.random(n) < 0.5, rng.uniform(1.5, 5.0, n), 1.0)
    xi = np.flatnonzero(x)
    f_lat[xi] = np.where(post, f_lat[xi] * _mix_p95(rs[xi], tmo[xi, None]), f_lat[xi])
    f_ntfrac[x] = np.where(rng.random(x.sum()) < 0.3, rng.uniform(0.7, 1.0, x.sum()), 0.05)

    x = S_("fault_latency_only")
    lf = np.where(rng.random(n) < 0.5, 1.0, rng.uniform(0.05, 0.6, n))
    lm = _loguniform(rng, 1.08, 3.5, n)
    f_lat = np.where(x[:, None] & post, f_lat * col(_mix_p95(lf, lm)), f_lat)
    f_p += (x[:, None] & post) * col(np.where(lm > 2.5, lf * 0.002, 0.0))

    x = S_("fault_peak_only")
    thr = svc["rpm"][service] * svc["peak"][service] * rng.uniform(0.55, 1.15, n)
    over = np.clip(1 - col(thr) / np.maximum(L, 1e-9), 0, 0.9)
    f_p += (x[:, None] & post) * over * col(rng.uniform(0.3, 1.0, n))
    f_lat = np.where(x[:, None] & post, f_lat * (1 + 1.5 * np.clip(L / col(thr) - 0.85, 0, 1.5)), f_lat)
    f_ntfrac[x] = np.where(rng.random(x.sum()) < 0.4, rng.uniform(0.7, 1.0, x.sum()), 0.1)

    x = S_("fault_crash_loop")
    P = col(rng.uniform(2, 9, n))
    m0 = col(rng.uniform(0, 3, n))
    blen = col(rng.integers(1, 3, n))
    cb = (M2 >= m0) & (np.mod(M2 - m0, P) < blen) & x[:, None]
    f_p += cb * col(_loguniform(rng, 0.03, 0.6, n)) + (x[:, None] & post) * col(rng.uniform(0, 0.005, n))
    f_req = np.where(cb, f_req * col(1 - rng.uniform(0.1, 0.5, n)), f_req)
    f_lat = np.where(cb, f_lat * col(rng.uniform(1.5, 4.0, n)), f_lat)
    f_ntfrac[x] = np.where(rng.random(x.sum()) < 0.4, rng.uniform(0.7, 1.0, x.sum()), 0.05)

    x = S_("fault_rolled_back_in_window")
    f_p += (x[:, None] & post) * col(_loguniform(rng, 0.01, 0.4, n))
    f_ntfrac[x] = np.where(rng.random(x.sum()) < 0.6, rng.uniform(0.7, 1.0, x.sum()), 0.05)

    x = S_("fault_low_traffic")
    f_p += (x[:, None] & post) * col(_loguniform(rng, 0.05, 1.0, n))

    x = S_("fault_delayed_onset")
    d_on = col(rng.uniform(8, 75, n))
    lat_kind = rng.random(n) < 0.3
    act = x[:, None] & (M2 >= d_on)
    f_p += act * col(np.where(lat_kind, 0.0, _loguniform(rng, 0.002, 0.3, n)))
    f_lat = np.where(act, f_lat * col(np.where(lat_kind, _loguniform(rng, 1.2, 3.0, n), 1.0)), f_lat)

    # ---- sample ----------------------------------------------------------------
    lam_p = L * (1 - share)
    lam_n = L * share * req_new * f_req
    req_p = rng.poisson(lam_p)
    req_n = rng.poisson(lam_n)

    # benign probabilities; new-type parts listed separately
    p_prev_old = np.clip(p_common + nn_err_p + 0.0005 * (gc_p > 1), 0, 0.95)
    p_prev_nt = nt_release
    p_new_old = np.clip(p_common + nn_err_n + err_cold + 0.0005 * (gc_n > 1), 0, 0.95)
    p_new_rename = p_new_old * rename
    p_new_old = p_new_old - p_new_rename
    p_new_nt = nt_release + nt_new_benign + p_new_rename
    base_new = p_new_old + p_new_nt
    f_eff = np.minimum(f_p, np.maximum(0.999 - base_new, 0))
    f_nt = f_eff * f_ntfrac[:, None]

    def draw(req, p_old, p_nt):
        p = np.clip(p_old + p_nt, 0, 0.999)
        e = rng.binomial(req, p)
        nt = rng.binomial(e, np.where(p > 0, np.clip(p_nt / np.maximum(p, 1e-12), 0, 1), 0))
        return e, nt

    e_p, nt_p = draw(req_p, p_prev_old, p_prev_nt)
    e_n, nt_n = draw(req_n, p_new_old + (f_eff - f_nt), p_new_nt + f_nt)

    lat_p = lat0 * gc_p * nn_lat_p
    lat_n = lat0 * gc_n * nn_lat_n * (1 + cold) * lat_new * f_lat

    def p95(lat, req):
        sd = 0.8 / np.sqrt(np.maximum(req, 1))
        return lat * np.exp(rng.normal(0, 1, lat.shape) * sd)

    lat_p = p95(lat_p, req_p)
    lat_n = p95(lat_n, req_n)

    # ---- monitoring: outages, partial collectors, scrape gaps -------------------
    drop = mon_drop[ia].copy()
    gap = (sc == SC["healthy_monitoring_gap"]) & (rng.random(n) < 0.5)
    gs, gl = rng.integers(-B, W, n)[:, None], rng.integers(5, 26, n)[:, None]
    drop |= gap[:, None] & (M2 >= gs) & (M2 < gs + gl)
    drop |= rng.random((n, T)) < 0.003
    scale = mon_scale[ia]
    part = scale < 1

    def thin(req, e, nt):
        r2 = np.where(part, rng.binomial(req, scale), req)
        e2 = np.minimum(np.where(part, rng.binomial(e, scale), e), r2)
        nt2 = np.minimum(np.where(part, rng.binomial(nt, scale), nt), e2)
        return r2, e2, nt2

    req_p, e_p, nt_p = thin(req_p, e_p, nt_p)
    req_n, e_n, nt_n = thin(req_n, e_n, nt_n)
    keep_p = (req_p > 0) & ~drop
    keep_n = (req_n > 0) & ~drop & post

    # ---- assemble timeseries ---------------------------------------------------
    ids = np.array([f"ms{seed % 1000:03d}-{i:06d}" for i in range(n)])
    parts = []
    for keep, req, e, nt, lat, ver in ((keep_p, req_p, e_p, nt_p, lat_p, 0),
                                       (keep_n, req_n, e_n, nt_n, lat_n, 1)):
        ii, tt = np.nonzero(keep)
        parts.append((ii, tt, np.full(ii.size, ver, np.int8), req[ii, tt], e[ii, tt], nt[ii, tt], lat[ii, tt]))
    ii, tt, vv, rq, er, nt, lt = (np.concatenate(z) for z in zip(*parts))
    order = np.lexsort((vv, tt, ii))
    ts = pd.DataFrame({
        "deployment_id": ids[ii[order]],
        "minute": m[tt[order]].astype(np.int64),
        "version": np.where(vv[order] == 1, "new", "previous"),
        "requests": rq[order].astype(np.int64),
        "errors": er[order].astype(np.int64),
        "new_type_errors": nt[order].astype(np.int64),
        "latency_ms": np.round(lt[order], 1),
    })

    # ---- detectable ------------------------------------------------------------
    label = np.array([s.startswith("fault_") for s in SC_NAMES])[sc].astype(int)
    obs_req = np.where(keep_n, req_n, 0).astype(float)
    E_extra = (obs_req * f_eff).sum(axis=1)
    E_base = (obs_req * base_new).sum(axis=1)
    E_extra_nt = (obs_req * f_nt).sum(axis=1)
    E_benign_nt = (obs_req * p_new_nt).sum(axis=1)
    err_vis = E_extra >= np.maximum.reduce([np.full(n, 6.0), 4 * np.sqrt(E_base + 1), 0.2 * E_base])
    nt_vis = (f_ntfrac >= 0.5) & (E_extra_nt >= np.maximum.reduce(
        [np.full(n, 5.0), 4 * np.sqrt(E_benign_nt + 1), 0.5 * E_benign_nt]))
    lat_thr = 1 + np.maximum(0.2, 2 * (sig + 0.8 / np.sqrt(np.maximum(obs_req, 1))))
    lat_vis = ((obs_req >= 20) & (f_lat >= lat_thr)).sum(axis=1) >= 10
    detectable = (label == 1) & (err_vis | nt_vis | lat_vis)

    # ---- after-the-fact signals -------------------------------------------------
    sev = E_extra / np.maximum.reduce([np.full(n, 6.0), 4 * np.sqrt(E_base + 1), 0.2 * E_base])
    is_leak = sc == SC["fault_memory_leak"]
    is_low = sc == SC["fault_low_traffic"]
    loud = (sc == SC["fault_crash_loop"]) | (sev > 5)
    obs_any = keep_p | keep_n
    overloaded = ((p_over > 0.01) | (blip_p > 0.005)) & obs_any
    overloaded = overloaded.sum(axis=1) >= 3
    p_rb = np.where(label == 1,
                    np.clip(0.10 + 0.5 * detectable + 0.2 * loud + 0.25 * is_leak + 0.2 * is_low, 0, 0.9),
                    0.03 + 0.06 * noisy + 0.05 * dep + 0.04 * overloaded
                    + 0.03 * (sc == SC["healthy_live_event"]))
    rolled = rng.random(n) < p_rb
    p_inc = np.where(label == 1,
                     0.04 + 0.3 * (detectable & loud) + 0.25 * is_leak + 0.1 * rolled,
                     0.01 + 0.15 * overloaded + 0.02 * rolled)
    incident = rng.random(n) < p_inc
    life = rng.lognormal(np.log(2200), 1.1, n)
    fix_fwd = (label == 1) & ~rolled & (rng.random(n) < 0.5)
    life = np.where(fix_fwd, rng.lognormal(np.log(240), 0.8, n), life)
    life_rb = np.where(label == 1,
                       np.where(detectable, rng.lognormal(np.log(50), 0.7, n), rng.lognormal(np.log(900), 1.0, n)),
                       rng.lognormal(np.log(120), 0.8, n))
    life = np.where(rolled, np.maximum(life_rb, 8.0), np.maximum(life, 15.0))
    inwin = rb_min < 10 ** 6
    rolled |= inwin
    life = np.where(inwin, rb_min.astype(float), life)
    life = np.round(life, 1)
    life = np.where(t0 + life > span + 720, np.nan, life)

    stamps = np.datetime_as_string(epoch + t0.astype("timedelta64[m]"), unit="m")
    deps = pd.DataFrame({
        "deployment_id": ids,
        "service": svc["name"][service],
        "deployed_at": np.char.add(stamps.astype(str), ":00Z"),
        "rolled_back": rolled.astype(np.int64),
        "lifetime_minutes": life,
        "incident": incident.astype(np.int64),
        "label": label.astype(np.int64),
        "scenario": np.array(SC_NAMES)[sc],
        "detectable": detectable.astype(np.int64),
    })
    return ts.reset_index(drop=True), deps


# ----------------------------------------------------------------------------- output
def write(n: int, seed: int, out_dir, fmt: str = "csv", **kw) -> tuple[Path, Path]:
    """Generate a fleet and write ``timeseries`` and ``deployments`` tables to ``out_dir``."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"unknown format {fmt!r}: use csv or parquet")
    ts, deps = generate(n, seed, **kw)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = (out / f"timeseries.{fmt}", out / f"deployments.{fmt}")
    for df, p in zip((ts, deps), paths):
        if fmt == "csv":
            df.to_csv(p, index=False)
        else:
            df.to_parquet(p, index=False)
    return paths


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description="Mobile-game / streaming backend deployment telemetry generator")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--format", choices=("csv", "parquet"), default="csv")
    ap.add_argument("--baseline-minutes", type=int, default=60)
    ap.add_argument("--window-minutes", type=int, default=60)
    a = ap.parse_args(argv)
    ts_path, dep_path = write(a.n, a.seed, a.out, fmt=a.format,
                              baseline_minutes=a.baseline_minutes, window_minutes=a.window_minutes)
    print(f"wrote {ts_path} and {dep_path}")


if __name__ == "__main__":
    main()
