"""The unsupervised statistical checks, their unanimous vote, and the story of their refinement.

Every check is one vectorised function over the whole fleet at a horizon `h` (it sees only
minutes < h) and returns a `CheckResult`: per deployment a verdict (True = "consistent with a
faulty deployment"), the statistics behind it, and a short human reason built on demand.

The reference ("baseline") of a deployment is its previous version: all minutes before the
rollout and, during a canary, the same minutes. Error counts are compared with a conditional
test of two Poisson rates (given the total, the new version's share of errors is binomial
under no change) after dividing counts by an overdispersion factor estimated from the
baseline itself: real error counts are overdispersed and autocorrelated, and a plain Poisson
test would flag every noisy service.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Callable

import numpy as np
from scipy import special

from fdd.fleet import NEW, PREVIOUS, Fleet

CHECK_NAMES = ("sufficiency", "impact", "persistence", "temporal", "novelty")

# The refinement story: each step adds one check to the unanimous vote.
ITERATION_STEPS: tuple[tuple[str, ...], ...] = (
    ("impact",),
    ("impact", "sufficiency"),
    ("impact", "sufficiency", "persistence"),
    ("impact", "sufficiency", "persistence", "temporal"),
    ("impact", "sufficiency", "persistence", "temporal", "novelty"),
)
STEP_STORIES = (
    "Impact alone: any significant rise of errors or p95 latency over the previous version.",
    "+ baseline sufficiency: abstain where traffic or history is too thin to judge.",
    "+ persistence: the excess must still hold in the latest half and the final quarter of the time the new version "
    "served, outside restarts and the worst minutes (outside restarts only, if it was pulled before half the "
    "window), or recur in every quarter (a crash loop).",
    "+ temporal correlation: the rise must not predate the rollout, hit the previous version too or come "
    "with a surge of the whole service's traffic.",
    "+ novelty: new error types, or a level of errors or latency the service has not shown before.",
)


@dataclass(frozen=True)
class CheckConfig:
    """Thresholds of the checks. Defaults are statistical conventions, not fitted values."""

    alpha: float = 1e-3  # significance of the impact test (many deployments are judged)
    min_ratio: float = 1.5  # minimum relative increase of the error rate
    min_extra_errors: float = 5.0  # minimum number of extra errors over the window
    latency_z: float = 4.0  # z-score for a p95 latency regression
    min_latency_ratio: float = 1.2  # minimum relative increase of p95 latency
    min_baseline_requests: float = 100.0  # sufficiency: requests of the previous version before rollout
    min_baseline_minutes: int = 10  # sufficiency: baseline minutes with traffic
    min_new_requests: float = 30.0  # sufficiency: requests served by the new version
    restart_minutes: int = 3  # persistence: minutes after each rollout step treated as restart
    warmup_minutes: int = 5  # latency: minutes after each rollout step left out (instances warm up)
    burst_minutes: int = 3  # persistence: the most extreme minutes left out (a brief burst)
    min_late_share: float = 0.4  # persistence: share of the excess in the latest half (a steady one puts 0.5 there)
    min_steady_share: float = 0.5  # persistence: share of the excess outside restarts and bursts
    min_final_share: float = 0.15  # persistence: share of the excess in the final quarter (a steady one puts 0.25 there)
    min_quarter_share: float = 0.125  # persistence: or recurring: this share in every quarter (steady: 0.25; 0 = off)
    recent_minutes: int = 15  # temporal: the last baseline minutes compared with earlier ones
    min_pre_ratio: float = 1.25  # temporal: a pre-rollout rise this large (and significant) vetoes
    temporal_alpha: float = 1e-3  # temporal: significance of a pre-rollout / concurrent rise
    load_surge_ratio: float = 1.5  # temporal: service traffic this many times the recent baseline's explains a rise
    block_minutes: int = 5  # overdispersion estimated on blocks of this many minutes
    novel_min_errors: float = 5.0  # novelty: minimum count of never-seen error types
    novel_min_share_of_baseline: float = 0.2  # novelty: novel-error rate vs baseline error rate
    level_window: int = 10  # novelty: rolling window defining "a level seen before"
    late_min_minutes: int = 10  # impact: the latest half is tested too once it has this many minutes (0 = never)

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1 or not 0 < self.temporal_alpha < 1:
            raise ValueError("significance levels must lie strictly between 0 and 1")
        if self.min_ratio < 1 or self.min_latency_ratio < 1:
            raise ValueError("minimum ratios must be at least 1")
        if self.restart_minutes < 1:
            raise ValueError("restart_minutes must be at least 1")
        if self.late_min_minutes < 0:
            raise ValueError("late_min_minutes cannot be negative")
        if self.warmup_minutes < 0 or self.burst_minutes < 0:
            raise ValueError("warmup_minutes and burst_minutes cannot be negative")
        if not all(0 <= v <= 1 for v in (self.min_late_share, self.min_final_share, self.min_steady_share)):
            raise ValueError("persistence shares must lie in [0, 1]")
        if not 0 <= self.min_quarter_share <= 0.25:
            raise ValueError("min_quarter_share must lie in [0, 0.25] (0 turns the recurring rule off)")
        if self.load_surge_ratio < 1:
            raise ValueError("load_surge_ratio must be at least 1")
        if self.block_minutes < 1 or self.level_window < 1 or self.recent_minutes < 1:
            raise ValueError("window lengths must be at least one minute")


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome for every deployment of a fleet at one horizon."""

    name: str
    horizon: int
    passed: np.ndarray  # bool (n,): True means "consistent with a faulty deployment"
    stats: dict[str, np.ndarray] = field(repr=False)
    describe: Callable[[dict[str, float], bool], str] = field(repr=False)

    def reason(self, i: int) -> str:
        """The short human reason for deployment at position `i`."""
        return self.describe({k: float(v[i]) for k, v in self.stats.items()}, bool(self.passed[i]))

    def reasons(self, rows: np.ndarray | None = None) -> list[str]:
        """Reasons for the given positions (all by default); built lazily because it is slow."""
        rows = np.arange(len(self.passed)) if rows is None else np.asarray(rows)
        return [self.reason(int(i)) for i in rows]


# ---------------------------------------------------------------------------- statistics


def poisson_rate_test(k: np.ndarray, n_ref: np.ndarray, exposure: np.ndarray, exposure_ref: np.ndarray,
                      dispersion: np.ndarray) -> np.ndarray:
    """One-sided p-value that counts `k` over `exposure` exceed the rate of `n_ref` over `exposure_ref`.

    Conditional test of two Poisson rates: under equal rates, k given k + n_ref is
    Binomial(k + n_ref, exposure / (exposure + exposure_ref)). Counts are divided by the
    overdispersion factor (quasi-Poisson), and the binomial tail uses the regularised
    incomplete beta so that non-integer scaled counts are handled exactly.
    """
    k = np.asarray(k, dtype=np.float64) / dispersion
    total = k + np.asarray(n_ref, dtype=np.float64) / dispersion
    denom = exposure + exposure_ref
    share = np.divide(exposure, denom, out=np.zeros_like(denom, dtype=np.float64), where=denom > 0)
    valid = (k > 0) & (share > 0) & (share < 1)
    p = np.ones_like(k)
    # P(X >= k) for X ~ Binomial(total, share) = I_share(k, total - k + 1)
    p[valid] = special.betainc(k[valid], total[valid] - k[valid] + 1.0, share[valid])
    p[(k > 0) & (share >= 1)] = 1.0
    return p


def _safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.zeros_like(num, dtype=np.float64), where=den > 0)


def _block_dispersion(requests: np.ndarray, errors: np.ndarray, block: int) -> np.ndarray:
    """Quasi-Poisson dispersion of sums of baseline error counts over several minutes.

    Two estimates, the larger wins: Pearson chi-square on blocks of `block` minutes, and the
    per-minute dispersion inflated by the lag-1 autocorrelation of the Pearson residuals
    ((1 + rho) / (1 - rho), the variance factor of a long sum of an AR(1) series). Error
    counts are overdispersed and correlated for minutes on end; a factor estimated on single
    minutes would understate the variance of a window's total. Clipped to [1, 100].
    """
    n, t = requests.shape
    r_min = requests.astype(np.float64)
    e_min = errors.astype(np.float64)
    rate = _safe_ratio(e_min.sum(axis=1), r_min.sum(axis=1))
    mu = r_min * rate[:, None]
    live = mu > 0
    resid = np.where(live, (e_min - mu) / np.sqrt(np.where(live, mu, 1.0)), np.nan)
    count, _, _ = _nan_stats(resid)
    phi_minute = _safe_ratio(np.nansum(resid**2, axis=1) if t else np.zeros(n), np.maximum(count - 1, 0))
    rho = _lag1_autocorrelation(resid, np.zeros(n), np.sqrt(np.maximum(phi_minute, 1e-12)))
    phi_ar = phi_minute * (1 + rho) / (1 - rho)
    usable = (t // block) * block
    phi_block = np.ones(n)
    if usable:
        start = t - usable  # keep the blocks closest to the rollout
        r = requests[:, start:].reshape(n, -1, block).sum(axis=2).astype(np.float64)
        e = errors[:, start:].reshape(n, -1, block).sum(axis=2).astype(np.float64)
        mu_b = r * rate[:, None]
        live_b = mu_b > 0
        chi2 = np.where(live_b, (e - mu_b) ** 2 / np.where(live_b, mu_b, 1.0), 0.0).sum(axis=1)
        df = live_b.sum(axis=1) - 1
        phi_block = np.where(df > 0, _safe_ratio(chi2, df.astype(np.float64)), 1.0)
    return np.clip(np.maximum(np.where(count > 2, phi_ar, 1.0), phi_block), 1.0, 100.0)


def _nan_stats(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-row count, mean and standard deviation ignoring NaN (no warnings on empty rows)."""
    finite = np.isfinite(values)
    count = finite.sum(axis=1).astype(np.float64)
    filled = np.where(finite, values, 0.0)
    mean = _safe_ratio(filled.sum(axis=1), count)
    sq = np.where(finite, (values - mean[:, None]) ** 2, 0.0).sum(axis=1)
    sd = np.sqrt(_safe_ratio(sq, np.maximum(count - 1, 0)))
    return count, mean, sd


def _lag1_autocorrelation(values: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """Lag-1 autocorrelation per row of a NaN-gapped series, clipped to [0, 0.9]."""
    centred = values - mean[:, None]
    pair = centred[:, 1:] * centred[:, :-1]
    ok = np.isfinite(pair)
    num = np.where(ok, pair, 0.0).sum(axis=1)
    den = ok.sum(axis=1) * sd**2
    return np.clip(_safe_ratio(num, den), 0.0, 0.9)


def _rolling_sum(values: np.ndarray, window: int) -> np.ndarray:
    """Sums over every run of `window` consecutive columns (n, T - window + 1)."""
    csum = np.concatenate([np.zeros((values.shape[0], 1)), np.cumsum(values, axis=1, dtype=np.float64)], axis=1)
    return csum[:, window:] - csum[:, :-window]


# ---------------------------------------------------------------------------- windows


@dataclass(frozen=True)
class Window:
    """Everything the checks need of one fleet at one horizon, computed once."""

    horizon: int
    base_req: np.ndarray  # previous version, minutes < 0, per minute (n, B)
    base_err: np.ndarray
    base_lat: np.ndarray  # log p95 latency, NaN where absent
    new_req: np.ndarray  # new version, 0 <= minute < h (n, W)
    new_err: np.ndarray
    new_novel: np.ndarray
    new_lat: np.ndarray
    ctl_req: np.ndarray  # previous version during the window (canary control) (n, W)
    ctl_err: np.ndarray
    ctl_lat: np.ndarray
    dispersion: np.ndarray  # (n,)
    has_latency: bool

    @property
    def ref_req(self) -> np.ndarray:
        return self.base_req.sum(axis=1, dtype=np.float64) + self.ctl_req.sum(axis=1, dtype=np.float64)

    @property
    def ref_err(self) -> np.ndarray:
        return self.base_err.sum(axis=1, dtype=np.float64) + self.ctl_err.sum(axis=1, dtype=np.float64)


def make_window(fleet: Fleet, horizon: int, config: CheckConfig) -> Window:
    """Cut the fleet into baseline (minutes < 0) and window (0 <= minute < horizon)."""
    if horizon < 1:
        raise ValueError(f"horizon must be at least 1 minute, got {horizon}")
    zero = fleet.column(0)
    stop = fleet.column(horizon)
    if stop <= zero:
        raise ValueError(f"the data has no minutes between 0 and horizon {horizon}")

    def log_latency(version: int, lo: int, hi: int) -> np.ndarray:
        lat = fleet.latency_ms[version, :, lo:hi]
        ok = fleet.present[version, :, lo:hi] & np.isfinite(lat) & (lat > 0)
        return np.where(ok, np.log(np.where(ok, lat, 1.0)), np.nan)

    base_req = fleet.requests[PREVIOUS, :, :zero]
    base_err = fleet.errors[PREVIOUS, :, :zero]
    return Window(
        horizon=horizon,
        base_req=base_req,
        base_err=base_err,
        base_lat=log_latency(PREVIOUS, 0, zero),
        new_req=fleet.requests[NEW, :, zero:stop],
        new_err=fleet.errors[NEW, :, zero:stop],
        new_novel=fleet.new_type_errors[NEW, :, zero:stop],
        new_lat=log_latency(NEW, zero, stop),
        ctl_req=fleet.requests[PREVIOUS, :, zero:stop],
        ctl_err=fleet.errors[PREVIOUS, :, zero:stop],
        ctl_lat=log_latency(PREVIOUS, zero, stop),
        dispersion=_block_dispersion(base_req, base_err, config.block_minutes),
        has_latency=fleet.has_latency,
    )


def _side_by_side(w: Window, minutes: np.ndarray, config: CheckConfig) -> np.ndarray:
    """Deployments judged against the previous version at the same minutes (a canary).

    When the previous version kept serving enough traffic during the given minutes, comparing
    the two versions minute by minute removes every cause they share (time of day, incidents,
    load); otherwise the new version is compared with the previous version before the rollout.
    """
    overlap = minutes & (w.ctl_req > 0)
    return np.where(overlap, w.ctl_req, 0).sum(axis=1, dtype=np.float64) >= config.min_baseline_requests


def _reference(w: Window, req: np.ndarray, err: np.ndarray, config: CheckConfig
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(requests, errors, reference requests, reference errors) summed per deployment.

    Side by side (canary): only the minutes both versions served, against the previous
    version in those minutes. Otherwise: all given minutes against the pre-rollout baseline.
    """
    both = (w.ctl_req > 0) & (req > 0)
    pair = _side_by_side(w, req > 0, config)
    use = np.where(pair[:, None], both, True)
    r = np.where(use, req, 0).sum(axis=1, dtype=np.float64)
    e = np.where(use, err, 0).sum(axis=1, dtype=np.float64)
    ref_r = np.where(pair, np.where(both, w.ctl_req, 0).sum(axis=1, dtype=np.float64),
                     w.base_req.sum(axis=1, dtype=np.float64))
    ref_e = np.where(pair, np.where(both, w.ctl_err, 0).sum(axis=1, dtype=np.float64),
                     w.base_err.sum(axis=1, dtype=np.float64))
    return r, e, ref_r, ref_e


def _error_excess(w: Window, req: np.ndarray, err: np.ndarray, config: CheckConfig, alpha: float
                  ) -> dict[str, np.ndarray]:
    """Error-rate comparison of (req, err) summed over minutes with the reference."""
    r, e, ref_r, ref_e = _reference(w, req, err, config)
    base_rate = _safe_ratio(ref_e, ref_r)
    rate = _safe_ratio(e, r)
    ratio = _safe_ratio(rate, _safe_ratio(ref_e + 0.5, ref_r))
    extra = e - r * base_rate
    p = poisson_rate_test(e, ref_e, r, ref_r, w.dispersion)
    flagged = (p < alpha) & (ratio >= config.min_ratio) & (extra >= config.min_extra_errors)
    return {"p": p, "ratio": ratio, "extra": extra, "rate": rate, "base_rate": base_rate, "flag": flagged}


def _latency_shift(new_lat: np.ndarray, ref_lat: np.ndarray, base_lat: np.ndarray) -> dict[str, np.ndarray]:
    """Shift of mean log p95 latency of `new_lat` over `ref_lat`, with an autocorrelation-aware z."""
    m_new, mean_new, _ = _nan_stats(new_lat)
    m_ref, mean_ref, sd_ref = _nan_stats(ref_lat)
    _, mean_b, sd_b = _nan_stats(base_lat)
    rho = _lag1_autocorrelation(base_lat, mean_b, sd_b)
    inflation = (1 + rho) / (1 - rho)
    sd = np.maximum(sd_ref, 0.02)  # a floor: p95 is never that stable in practice
    se = sd * np.sqrt(inflation * (_safe_ratio(np.ones_like(m_new), m_new) + _safe_ratio(np.ones_like(m_ref), m_ref)))
    diff = mean_new - mean_ref
    usable = (m_new >= 3) & (m_ref >= 3)
    z = np.where(usable, _safe_ratio(diff, se), 0.0)
    return {"z": z, "ratio": np.where(usable, np.exp(diff), 1.0), "minutes": m_new}


def _latency_pair(w: Window, new_lat: np.ndarray, config: CheckConfig) -> tuple[np.ndarray, np.ndarray]:
    """(new, reference) log-latency minutes: side by side in a canary, else against the baseline."""
    pair = _side_by_side(w, np.isfinite(new_lat), config)[:, None]
    both = np.isfinite(w.ctl_lat) & np.isfinite(new_lat)
    new_side = np.where(pair & ~both, np.nan, new_lat)
    nan_base, nan_ctl = np.full_like(w.base_lat, np.nan), np.full_like(w.ctl_lat, np.nan)
    ref = np.where(pair, np.concatenate([nan_base, np.where(both, w.ctl_lat, np.nan)], axis=1),
                   np.concatenate([w.base_lat, nan_ctl], axis=1))
    return new_side, ref


# ---------------------------------------------------------------------------- the checks


def check_sufficiency(w: Window, config: CheckConfig) -> CheckResult:
    """Enough traffic and history to judge; otherwise abstain (the deployment is not flagged)."""
    base_requests = w.base_req.sum(axis=1, dtype=np.float64)
    base_minutes = (w.base_req > 0).sum(axis=1).astype(np.float64)
    new_requests = w.new_req.sum(axis=1, dtype=np.float64)
    ok = (
        (base_requests >= config.min_baseline_requests)
        & (base_minutes >= config.min_baseline_minutes)
        & (new_requests >= config.min_new_requests)
    )

    def describe(s: dict[str, float], passed: bool) -> str:
        if passed:
            return (f"enough data: {s['base_requests']:,.0f} baseline requests over "
                    f"{s['base_minutes']:.0f} min, {s['new_requests']:,.0f} on the new version")
        if s["base_minutes"] < config.min_baseline_minutes or s["base_requests"] < config.min_baseline_requests:
            return (f"abstains, no baseline: only {s['base_requests']:,.0f} requests over "
                    f"{s['base_minutes']:.0f} min before the rollout (needs {config.min_baseline_requests:.0f} "
                    f"requests over {config.min_baseline_minutes:.0f} min)")
        return (f"abstains, too little traffic: the new version served {s['new_requests']:,.0f} requests "
                f"(needs {config.min_new_requests:.0f})")

    stats = {"base_requests": base_requests, "base_minutes": base_minutes, "new_requests": new_requests}
    return CheckResult("sufficiency", w.horizon, ok, stats, describe)


def late_half(w: Window) -> Window:
    """The window's latest half (per-minute arrays of the new and the control version cut)."""
    half = w.new_req.shape[1] // 2
    return replace(w, **{f.name: getattr(w, f.name)[:, half:] for f in fields(w)
                         if f.name.startswith(("new_", "ctl_"))})


def check_impact(w: Window, config: CheckConfig) -> CheckResult:
    """A significant, material rise of the error rate or of p95 latency over the baseline.

    Errors are tested over the whole window and, from `2 * late_min_minutes` minutes on, over
    its latest half too, each at alpha / 2 (Bonferroni): a fault that starts late (a leak, a
    cache expiring) is diluted in the whole window's average but plain in its latest half.
    """
    m = w.new_req.shape[1]
    two_looks = config.late_min_minutes > 0 and m >= 2 * config.late_min_minutes
    alpha = config.alpha / 2 if two_looks else config.alpha
    err = _error_excess(w, w.new_req, w.new_err, config, alpha)
    if two_looks:
        late_w = late_half(w)
        late = _error_excess(late_w, late_w.new_req, late_w.new_err, config, alpha)
        late["side_by_side"] = _side_by_side(late_w, late_w.new_req > 0, config)
    else:
        # too short to halve: the latest half's statistics are the whole window's (finite features)
        late = {k: np.zeros_like(v) if k == "flag" else v for k, v in err.items()}
        late["side_by_side"] = _side_by_side(w, w.new_req > 0, config)
    late_only = late["flag"] & ~err["flag"]
    err["flag"] = err["flag"] | late["flag"]
    lat = _latency_shift(*_latency_pair(w, _steady_latency(w, config), config), w.base_lat)
    lat_flag = (lat["z"] >= config.latency_z) & (lat["ratio"] >= config.min_latency_ratio) if w.has_latency \
        else np.zeros_like(err["flag"])
    passed = err["flag"] | lat_flag
    stats = {
        "error_ratio": err["ratio"], "error_p": err["p"], "extra_errors": err["extra"],
        "error_rate": err["rate"], "base_error_rate": err["base_rate"], "dispersion": w.dispersion,
        "latency_ratio": lat["ratio"], "latency_z": lat["z"],
        "error_flag": err["flag"].astype(np.float64), "latency_flag": lat_flag.astype(np.float64),
        "late_error_ratio": late["ratio"], "late_error_p": late["p"], "late_extra_errors": late["extra"],
        "late_error_rate": late["rate"], "late_only": late_only.astype(np.float64),
        "late_side_by_side": late["side_by_side"].astype(np.float64),
        "side_by_side": _side_by_side(w, w.new_req > 0, config).astype(np.float64),
    }

    def describe(s: dict[str, float], passed: bool) -> str:
        versus = "the previous version at the same minutes" if s["side_by_side"] else "baseline"
        if s["late_only"]:  # the latest half may have lost the canary's control: its own reference
            late_versus = "the previous version at the same minutes" if s["late_side_by_side"] else "baseline"
            errors = (f"error rate {s['late_error_ratio']:.1f}x {late_versus} in the latest {m - m // 2} min "
                      f"({s['late_error_rate']:.2%}), {_p_text(s['late_error_p'])}, "
                      f"{s['late_extra_errors']:,.0f} extra errors there")
        else:
            # the ratio adds half an error to the reference's count (`_error_excess`), so a clean
            # reference gives a finite ratio: it is below the plain ratio of the two rates shown
            errors = (f"error rate {s['error_ratio']:.1f}x {versus} ({s['error_rate']:.2%} vs "
                      f"{s['base_error_rate']:.2%}; the ratio adds half an error to the reference), "
                      f"{_p_text(s['error_p'])}, {s['extra_errors']:,.0f} extra errors")
        latency = f"p95 latency {s['latency_ratio']:.2f}x {versus}, z = {s['latency_z']:.1f}"
        if s["error_flag"] and s["latency_flag"]:
            return f"{errors}; {latency}"
        if s["error_flag"]:
            return errors
        if s["latency_flag"]:
            return latency
        return (f"not significant: {errors} (an impact needs p < {alpha:.0e}, {config.min_ratio:g}x and "
                f"{config.min_extra_errors:g} extra errors); {latency} (needs z >= {config.latency_z:g} and "
                f"{config.min_latency_ratio:g}x)")

    return CheckResult("impact", w.horizon, passed, stats, describe)


def _restart_mask(w: Window, config: CheckConfig, minutes: int | None = None) -> np.ndarray:
    """Minutes of the window that follow a rollout step: minute 0 and each canary share increase.

    A step is a minute where the new version's share of traffic rises well above every share
    seen before (x1.3 and +0.03); instances restarting then may blip. Derived from traffic
    only, so it works on any data, not just our simulator's rollout plans.
    """
    n, m = w.new_req.shape
    total = w.new_req.astype(np.float64) + w.ctl_req
    share = np.where(total > 0, _safe_ratio(w.new_req.astype(np.float64), total), np.nan)
    running = np.fmax.accumulate(np.where(np.isnan(share), -np.inf, share), axis=1)
    before = np.concatenate([np.full((n, 1), 0.0), running[:, :-1]], axis=1)
    step = (share > 1.3 * before + 0.03) & np.isfinite(share)
    step[:, 0] = True
    # dilate each step forward by restart_minutes
    csum = np.cumsum(step, axis=1)
    lag = config.restart_minutes if minutes is None else minutes
    if lag <= 0:
        return np.zeros((n, m), dtype=bool)
    shifted = np.concatenate([np.zeros((n, lag)), csum[:, :-lag]], axis=1) if lag < m else np.zeros((n, m))
    return (csum - shifted) > 0


def _below_top(score: np.ndarray, eligible: np.ndarray, k: int) -> np.ndarray:
    """Mask of minutes that are not among the `k` highest-scoring eligible minutes of their row."""
    m = score.shape[1]
    if k <= 0 or m == 0:
        return np.ones_like(eligible)
    ranked = np.where(eligible, score, -np.inf)
    kk = min(k, m) - 1
    kth = -np.partition(-ranked, kk, axis=1)[:, kk]
    return ranked < kth[:, None]


STOP_MIN_REQUESTS = 10.0  # a stop is real when the new version's own rate would have served this many


def _served_minutes(w: Window) -> tuple[np.ndarray, np.ndarray]:
    """Per deployment, the minutes from the rollout through the last one the new version is seen
    serving, and whether it stopped there (rather than the data ending).

    A new version rolled back (or a canary aborted) inside the window serves nothing after that:
    where its excess sits is judged over the time it served, not over minutes it never saw. A
    stop counts only when the traffic went back to the previous version (it served in at least
    half of the minutes after the new version's last one) and the new version's own rate would
    have served `STOP_MIN_REQUESTS` in them: sparse traffic is not a stop. Where the telemetry of
    both versions ends early (a monitoring gap), the window ends with it.
    """
    m = w.new_req.shape[1]
    minute = np.arange(m)[None, :]

    def one_past_last(mask: np.ndarray) -> np.ndarray:
        return np.where(mask.any(axis=1), m - np.argmax(mask[:, ::-1], axis=1), m)

    served = w.new_req > 0
    last_new = one_past_last(served)
    last_any = one_past_last(served | (w.ctl_req > 0))
    trailing = (last_any - last_new).astype(np.float64)
    after = (minute >= last_new[:, None]) & (minute < last_any[:, None])
    # requests per minute over the minutes up to its last one (empty minutes count: sparse is sparse)
    rate = _safe_ratio(w.new_req.sum(axis=1, dtype=np.float64), last_new.astype(np.float64))
    back = np.where(after, w.ctl_req > 0, False).sum(axis=1) >= 0.5 * trailing
    stopped = served.any(axis=1) & (trailing > 0) & back & (rate * trailing >= STOP_MIN_REQUESTS)
    return np.where(stopped, last_new, last_any), stopped


def _spread(excess: np.ndarray, usable: np.ndarray, restart: np.ndarray, served: np.ndarray,
            config: CheckConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shares of the excess: in the latest half, in the final quarter, outside restart and the
    worst minutes, the smallest share of any quarter (restart minutes left out), and the share
    outside restart minutes relative to the share of minutes there (1 for an even spread, 0 for an
    excess only in restart minutes or when every minute follows a rollout step).

    Halves and quarters are of the `served` minutes (the window, unless the new version stopped
    serving early). Point estimates of where the excess sits, so persistence costs no statistical
    power: a fault with just enough evidence for the impact test is not asked to prove itself
    again on half the data.
    """
    minute = np.arange(excess.shape[1])[None, :]
    span = served[:, None]
    x = np.where(usable, excess, 0.0)
    total = x.sum(axis=1)
    late = np.where(minute >= span // 2, x, 0.0).sum(axis=1)
    final = np.where(span >= 4, np.where(minute >= span - span // 4, x, 0.0).sum(axis=1, keepdims=True),
                     late[:, None])[:, 0]
    steady = usable & ~restart
    settled = np.where(steady, x, 0.0)
    steady &= _below_top(np.where(usable, excess, -np.inf), steady, config.burst_minutes)
    outside = np.where(steady, x, 0.0).sum(axis=1)
    quarter = np.minimum((4 * minute) // np.maximum(span, 1), 3)
    settled_total = settled.sum(axis=1)
    quarters = np.stack([np.where(quarter == k, settled, 0.0).sum(axis=1) for k in range(4)])
    smallest = np.where((settled_total > 0) & (served >= 4), _safe_ratio(quarters.min(axis=0), settled_total), 0.0)
    positive = total > 0
    # outside restart minutes, against what an excess spread evenly over the usable minutes puts there
    settled_minutes = _safe_ratio((usable & ~restart).sum(axis=1).astype(np.float64),
                                  usable.sum(axis=1).astype(np.float64))
    settled_vs_even = np.where(positive & (settled_minutes > 0),
                               _safe_ratio(_safe_ratio(settled_total, total), settled_minutes), 0.0)
    shares = tuple(np.where(positive, _safe_ratio(part, total), 0.0) for part in (late, final, outside))
    return shares + (smallest, settled_vs_even)


def _steady_latency(w: Window, config: CheckConfig) -> np.ndarray:
    """The new version's log p95 latency without the warm-up minutes after each rollout step.

    Fresh instances are slow for a few minutes (cold caches, JIT); during a canary that
    happens after every step, and a side-by-side comparison would call it a regression.
    """
    return np.where(_restart_mask(w, config, config.warmup_minutes), np.nan, w.new_lat)


def check_persistence(w: Window, config: CheckConfig) -> CheckResult:
    """The excess is spread over the window: it still holds late, and not only in a few minutes.

    A restart blip, a canary step's warm-up, an old error reappearing for a few minutes or an
    incident that is already over concentrate their excess in the minutes after a rollout step,
    in a short burst, or early in the window; a real regression does not ("transient" in
    Datadog's reasons). Persistent means: at least `min_late_share` of the window's excess
    lies in its latest half and `min_final_share` in its final quarter (an incident that has
    ended by then leaves none there), and at least `min_steady_share` outside the restart
    minutes and the `burst_minutes` worst minutes, or, for an excess that recurs in bursts (a
    crash loop), at least `min_quarter_share` in every quarter (restart minutes left out; quarters
    of at least `late_min_minutes`, so from 40 minutes on). Errors and p95 latency are judged alike.
    A new version that stopped serving inside the window (rolled back, an aborted canary) is
    judged over the minutes it served: its excess cannot sit in minutes it never saw. Pulled before
    half the window, it has too few minutes to also set the worst minutes aside: outside restart
    minutes it needs at least `min_steady_share` of what an evenly spread excess puts there. A
    restart blip of such a version still fails (its excess sits in restart minutes, and a version
    pulled while every minute followed a rollout step cannot be told from one); a blip that lasts
    beyond the restart minutes until the pull cannot be told from a fault pulled for it.
    """
    restart = _restart_mask(w, config)
    served, stopped = _served_minutes(w)
    m = w.new_req.shape[1]
    # Pulled before half the window: too few minutes to set the worst minutes aside too.
    stopped_early = stopped & (served < m / 2)
    base_rate = _safe_ratio(w.ref_err, w.ref_req)
    err_excess = w.new_err - w.new_req * base_rate[:, None]
    err_late, err_final, err_steady, err_quarter, err_settled = _spread(err_excess, w.new_req > 0, restart, served,
                                                                        config)
    steady_lat = _steady_latency(w, config)
    ref_lat = _nan_stats(_latency_pair(w, steady_lat, config)[1])[1]
    lat_excess = np.nan_to_num(steady_lat - ref_lat[:, None], nan=0.0)
    lat_late, lat_final, lat_steady, lat_quarter, lat_settled = _spread(lat_excess, np.isfinite(steady_lat), restart,
                                                                        served, config)

    def spread_ok(late: np.ndarray, final: np.ndarray, steady: np.ndarray, quarter: np.ndarray,
                  settled: np.ndarray) -> np.ndarray:
        # quarters shorter than `late_min_minutes` cannot tell bursts that come back from one burst
        recurring = ((config.min_quarter_share > 0) & (quarter >= config.min_quarter_share)
                     & (served >= 4 * max(config.late_min_minutes, 1)))
        # pulled early: the worst minutes are not set aside (too few minutes), restart minutes still are
        pulled = stopped_early & (settled >= config.min_steady_share)
        lasting = (steady >= config.min_steady_share) | recurring | pulled
        return (late >= config.min_late_share) & (final >= config.min_final_share) & lasting

    # Only a material excess can persist: noise around zero has no meaningful spread.
    err_material = np.where(w.new_req > 0, err_excess, 0.0).sum(axis=1) >= config.min_extra_errors
    lat_count, lat_mean_excess, _ = _nan_stats(steady_lat - ref_lat[:, None])
    lat_material = (lat_count >= 3) & (lat_mean_excess >= np.log(config.min_latency_ratio))
    err_ok = spread_ok(err_late, err_final, err_steady, err_quarter, err_settled) & err_material
    lat_ok = spread_ok(lat_late, lat_final, lat_steady, lat_quarter, lat_settled) & lat_material if w.has_latency \
        else np.zeros_like(err_ok)
    passed = err_ok | lat_ok
    stats = {"error_late_share": err_late, "error_final_share": err_final, "error_steady_share": err_steady,
             "error_quarter_share": err_quarter, "latency_quarter_share": lat_quarter,
             "latency_late_share": lat_late, "latency_final_share": lat_final, "latency_steady_share": lat_steady,
             "error_ok": err_ok.astype(np.float64), "latency_ok": lat_ok.astype(np.float64),
             "served_share": served / max(m, 1), "stopped_early": stopped_early.astype(np.float64)}

    def describe(s: dict[str, float], passed: bool) -> str:
        which = "latency" if (s["latency_ok"] and not s["error_ok"]) else "error"
        late, final, steady, quarter = (s[f"{which}_{part}_share"] for part in ("late", "final", "steady", "quarter"))
        span = int(round(s["served_share"] * m))
        final_minutes = span // 4 if span >= 4 else span - span // 2
        detail = (f"{late:.0%} of the {which} excess in the latest {span - span // 2} min, {final:.0%} in the final "
                  f"{final_minutes}, {steady:.0%} outside restart minutes and the worst {config.burst_minutes} "
                  f"(needs {config.min_late_share:.0%}, {config.min_final_share:.0%} and {config.min_steady_share:.0%})")
        if steady < config.min_steady_share and s["stopped_early"] and passed:
            detail += ("; the new version was pulled before half the window, its excess spread outside restart "
                       "minutes until then")
        elif steady < config.min_steady_share and quarter >= config.min_quarter_share and passed:
            detail += f"; recurring: at least {quarter:.0%} in every quarter (needs {config.min_quarter_share:.1%})"
        if span < m:
            detail += f"; judged over the first {span} of {m} min, the last the data show the new version serving"
        if min(late, final, steady) < 0:
            detail += "; a negative share: those minutes sat below the baseline, the excess came earlier"
        return ("persistent: " if passed else "transient: ") + detail

    return CheckResult("persistence", w.horizon, passed, stats, describe)


def check_temporal(w: Window, config: CheckConfig) -> CheckResult:
    """The rise starts with the rollout: not before it, not on the previous version too, and not
    with a surge of the whole service's traffic."""
    recent = min(config.recent_minutes, max(w.base_req.shape[1] - 1, 0))
    early_req, early_err = w.base_req[:, :-recent or None], w.base_err[:, :-recent or None]
    recent_req, recent_err = w.base_req[:, w.base_req.shape[1] - recent:], w.base_err[:, w.base_err.shape[1] - recent:]

    def rise(req: np.ndarray, err: np.ndarray, ref_req: np.ndarray, ref_err: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r, e = req.sum(axis=1, dtype=np.float64), err.sum(axis=1, dtype=np.float64)
        rr, re = ref_req.sum(axis=1, dtype=np.float64), ref_err.sum(axis=1, dtype=np.float64)
        ratio = _safe_ratio(_safe_ratio(e, r), _safe_ratio(re + 0.5, rr))
        p = poisson_rate_test(e, re, r, rr, dispersion)
        return (p < config.temporal_alpha) & (ratio >= min_ratio), ratio

    # Noise is judged on the early baseline alone: a rise in the recent minutes would inflate it.
    dispersion = np.minimum(w.dispersion, _block_dispersion(early_req, early_err, config.block_minutes))
    min_ratio = config.min_pre_ratio
    pre_rise, pre_ratio = rise(recent_req, recent_err, early_req, early_err)
    error_pre_rise = pre_rise.copy()
    min_ratio = config.min_ratio
    ctl_rise, ctl_ratio = rise(w.ctl_req, w.ctl_err, w.base_req, w.base_err)
    # During a canary the new version may still be clearly worse than the previous one at the same time.
    # (only the minutes both served: a later rise after the control left is not the canary's to answer for)
    both = (w.new_req > 0) & (w.ctl_req > 0)
    new_vs_ctl, new_ctl_ratio = rise(np.where(both, w.new_req, 0), np.where(both, w.new_err, 0),
                                     np.where(both, w.ctl_req, 0), np.where(both, w.ctl_err, 0))
    has_control = w.ctl_req.sum(axis=1) > 0
    canary_worse = has_control & new_vs_ctl  # the new version is worse than the previous one at the same minutes
    ctl_blame = ctl_rise & ~canary_worse
    if w.has_latency:
        pre_lat = _latency_shift(w.base_lat[:, w.base_lat.shape[1] - recent:], w.base_lat[:, :-recent or None], w.base_lat)
        ctl_lat = _latency_shift(w.ctl_lat, w.base_lat, w.base_lat)
        pre_rise |= (pre_lat["z"] >= config.latency_z) & (pre_lat["ratio"] >= config.min_latency_ratio)
        ctl_blame |= (ctl_lat["z"] >= config.latency_z) & (ctl_lat["ratio"] >= config.min_latency_ratio)
    # A load surge at the rollout: the whole service (both versions) serves far more than in the
    # recent baseline. Error rates and latency rise with load on any version, so the rise is not
    # this deployment's to answer for (a canary's side-by-side test does not always cancel it:
    # the versions may share the load unevenly), unless the new version is clearly worse than the
    # previous one at the same minutes. Load counts successful requests, so that a failing
    # version's own retries are not taken for a surge, per minute with traffic, so that a
    # telemetry gap is not either.
    n, m = w.new_req.shape
    ok_now = (w.new_req - w.new_err).astype(np.float64) + (w.ctl_req - w.ctl_err)
    ok_before = (recent_req - recent_err).astype(np.float64)
    minutes_now = ((w.new_req + w.ctl_req) > 0).sum(axis=1).astype(np.float64)
    minutes_before = (recent_req > 0).sum(axis=1).astype(np.float64)
    load, recent_load = ok_now.sum(axis=1), ok_before.sum(axis=1)
    judged = minutes_before > 0
    load_ratio = np.where(judged, _safe_ratio(_safe_ratio(load, minutes_now), (recent_load + 0.5) /
                                              np.maximum(minutes_before, 1.0)), 1.0)
    load_p = poisson_rate_test(load, recent_load, minutes_now, minutes_before, np.ones(n))
    load_surge = judged & (load_p < config.temporal_alpha) & (load_ratio >= config.load_surge_ratio)
    load_surge &= ~canary_worse
    passed = ~pre_rise & ~ctl_blame & ~load_surge
    stats = {"pre_rollout_ratio": pre_ratio, "error_pre_rise": error_pre_rise.astype(np.float64),
             "previous_ratio": ctl_ratio, "new_vs_previous_ratio": new_ctl_ratio,
             "pre_rise": pre_rise.astype(np.float64), "previous_rise": ctl_blame.astype(np.float64),
             "has_control": has_control.astype(np.float64), "load_ratio": load_ratio,
             "load_surge": load_surge.astype(np.float64)}

    def describe(s: dict[str, float], passed: bool) -> str:
        if s["pre_rise"]:
            if s["error_pre_rise"]:
                return (f"not new: errors were already rising before the rollout "
                        f"(last {recent} min {s['pre_rollout_ratio']:.1f}x the earlier baseline)")
            return (f"not new: p95 latency was already rising before the rollout "
                    f"(last {recent} min vs the earlier baseline)")
        if s["previous_rise"]:
            return (f"unrelated: the previous version rose at the same time "
                    f"({s['previous_ratio']:.1f}x its baseline)")
        if s["load_surge"]:
            return (f"unrelated: the service's successful traffic rose {s['load_ratio']:.1f}x its last {recent} "
                    "baseline minutes at the rollout (both versions); errors and latency rise with load")
        control = (f"; previous version during the canary {s['previous_ratio']:.1f}x"
                   if s["has_control"] else "")
        return f"starts with the rollout: no rise before it{control}"

    return CheckResult("temporal", w.horizon, passed, stats, describe)


def check_novelty(w: Window, config: CheckConfig) -> CheckResult:
    """Something this service has not shown before: new error types, or a new level.

    Novel error types count when they are frequent enough to matter next to the baseline's
    errors. A new level means the new version's error rate (or p95 latency) over the window
    exceeds the worst rolling window of the baseline hour: errors the service already had
    ("errors not new", "common during this service's deployments") do not count.
    """
    r = w.new_req.sum(axis=1, dtype=np.float64)
    e = w.new_err.sum(axis=1, dtype=np.float64)
    novel = w.new_novel.sum(axis=1, dtype=np.float64)
    base_rate = _safe_ratio(w.ref_err, w.ref_req)
    novel_rate = _safe_ratio(novel, r)
    novel_ok = (novel >= config.novel_min_errors) & (novel_rate >= config.novel_min_share_of_baseline * base_rate)
    win = min(config.level_window, w.base_req.shape[1])
    if win > 0:
        roll_r = _rolling_sum(w.base_req, win)
        roll_e = _rolling_sum(w.base_err, win)
        # only windows with at least half the typical traffic: sparse windows give wild rates
        typical = np.median(roll_r, axis=1, keepdims=True)
        rates = np.where((roll_r > 0) & (roll_r >= 0.5 * typical), _safe_ratio(roll_e, roll_r), 0.0)
        max_rate = rates.max(axis=1)
        roll_lat = _rolling_sum(np.nan_to_num(w.base_lat, nan=0.0), win)
        roll_cnt = _rolling_sum(np.isfinite(w.base_lat).astype(np.float64), win)
        lat_means = np.where(roll_cnt >= win / 2, _safe_ratio(roll_lat, roll_cnt), -np.inf)
        max_lat = lat_means.max(axis=1)
    else:
        max_rate, max_lat = np.zeros(len(r)), np.full(len(r), -np.inf)
    rate = _safe_ratio(e, r)
    level_ok = rate > max_rate
    _, mean_new_lat, _ = _nan_stats(w.new_lat)
    lat_ok = (mean_new_lat > max_lat) & np.isfinite(max_lat) & (np.isfinite(w.new_lat).sum(axis=1) > 0) \
        if w.has_latency else np.zeros(len(r), dtype=bool)
    passed = novel_ok | level_ok | lat_ok
    stats = {"novel_errors": novel, "novel_rate": novel_rate, "error_rate": rate, "baseline_max_rate": max_rate,
             "latency_ratio_to_max": np.exp(np.where(np.isfinite(max_lat), mean_new_lat - max_lat, 0.0)),
             "novel_ok": novel_ok.astype(np.float64), "level_ok": level_ok.astype(np.float64),
             "latency_ok": lat_ok.astype(np.float64)}

    def describe(s: dict[str, float], passed: bool) -> str:
        parts = []
        if s["novel_ok"]:
            parts.append(f"{s['novel_errors']:,.0f} errors of never-seen types ({s['novel_rate']:.2%} of requests)")
        if s["level_ok"]:
            parts.append(f"error rate {s['error_rate']:.2%} above the worst {win}-min baseline window "
                         f"({s['baseline_max_rate']:.2%})")
        if s["latency_ok"]:
            parts.append(f"p95 latency {s['latency_ratio_to_max']:.2f}x the worst {win}-min baseline window")
        if parts:
            return "new: " + "; ".join(parts)
        return (f"not new: error rate {s['error_rate']:.2%} within the baseline's range "
                f"(worst window {s['baseline_max_rate']:.2%}), {s['novel_errors']:,.0f} never-seen errors")

    return CheckResult("novelty", w.horizon, passed, stats, describe)


CHECKS: dict[str, Callable[[Window, CheckConfig], CheckResult]] = {
    "sufficiency": check_sufficiency,
    "impact": check_impact,
    "persistence": check_persistence,
    "temporal": check_temporal,
    "novelty": check_novelty,
}


def _p_text(p: float) -> str:
    if p < 1e-6:
        return "p < 1e-6"
    return f"p = {p:.1e}" if p < 0.01 else f"p = {p:.2f}"


# ---------------------------------------------------------------------------- the ensemble


@dataclass(frozen=True)
class HorizonVerdict:
    """All checks and their unanimous vote for one horizon."""

    horizon: int
    results: dict[str, CheckResult]
    enabled: tuple[str, ...]

    @property
    def flagged(self) -> np.ndarray:
        """Unanimous vote of the enabled checks."""
        return vote(self.results, self.enabled)

    def explain(self, i: int) -> list[tuple[str, bool, str]]:
        """(check, verdict, reason) for deployment `i`, enabled checks first."""
        return [(name, bool(self.results[name].passed[i]), self.results[name].reason(i)) for name in self.enabled]


def vote(results: dict[str, CheckResult], enabled: tuple[str, ...]) -> np.ndarray:
    """Unanimous vote: flagged only where every enabled check says faulty."""
    if not enabled:
        raise ValueError("enable at least one check")
    unknown = set(enabled) - set(results)
    if unknown:
        raise ValueError(f"unknown checks: {sorted(unknown)}; choose from {list(CHECK_NAMES)}")
    out = np.ones(len(next(iter(results.values())).passed), dtype=bool)
    for name in enabled:
        out &= results[name].passed
    return out


def run_checks(fleet: Fleet, horizon: int = 60, enabled: tuple[str, ...] = CHECK_NAMES,
               config: CheckConfig | None = None) -> HorizonVerdict:
    """Run every check at `horizon` (only minutes < horizon are read) and keep the vote's set."""
    config = config or CheckConfig()
    window = make_window(fleet, horizon, config)
    results = {name: fn(window, config) for name, fn in CHECKS.items()}
    verdict = HorizonVerdict(horizon, results, tuple(enabled))
    verdict.flagged  # validates `enabled` early
    return verdict


def run_horizons(fleet: Fleet, horizons: tuple[int, ...] = (10, 20, 60), enabled: tuple[str, ...] = CHECK_NAMES,
                 config: CheckConfig | None = None) -> list[HorizonVerdict]:
    """The checks at several horizons, in increasing order."""
    if not horizons:
        raise ValueError("give at least one horizon")
    return [run_checks(fleet, h, enabled, config) for h in sorted(set(int(h) for h in horizons))]


def first_detection(verdicts: list[HorizonVerdict]) -> np.ndarray:
    """Per deployment, the first horizon whose vote flags it, or -1 if none does."""
    detected = np.full(len(verdicts[0].flagged), -1, dtype=np.int64)
    for v in reversed(verdicts):
        detected = np.where(v.flagged, v.horizon, detected)
    return detected
