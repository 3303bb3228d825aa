"""What the sequential models see at horizon h: one numeric row per deployment.

Every feature is computed from rows with `minute < h` only: the checks' `Window` (built by
`checks.make_window`, which cuts the fleet at h) is the single source of telemetry here, and the
statistics come from the check functions themselves (`checks.CHECKS`), never re-derived.
The deployments table is never read except for its ids: weak signals (`rolled_back`,
`lifetime_minutes`, `incident`) and truth columns cannot become features.

Features are scale-free where possible (log ratios, -log10 p-values, z-scores, shares) so that a
model trained on one fleet transfers to services of other traffic and error levels.

Feature sets (each extends the previous one):
* `basic`: the checks' verdicts and every statistic behind them at h (error ratio, -log10 p,
  extra errors, dispersion, latency ratio and z, the impact check's latest-half ratio and p, the
  persistence check's shares of the excess, pre-rollout / previous-version / new-vs-previous
  ratios, novel error count and rate, the rate against the baseline's worst window), whatever
  `checks.CheckResult.stats` reports.
* `domain`: + the traffic profile (volumes, canary share) and the shape of the excess over the
  window (first vs second half, slope, early share, worst minute).
* `full`: + the impact check re-run on the recent half of the window (the trend) and the
  baseline's own volatility (error-rate CV, spread of log p95 latency).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from fdd.checks import CHECKS, CheckConfig, CheckResult, Window, late_half, make_window, vote
from fdd.checks import _nan_stats, _safe_ratio  # the checks' own NaN-safe helpers, shared
from fdd.fleet import Fleet

FEATURE_SETS: tuple[str, ...] = ("basic", "domain", "full")

RECENT_PREFIX = "recent_"  # full: the impact check's statistics on the recent half of the window
EARLY_MINUTES = 3  # "share of the excess in the first minutes" (restart-like excess)
_P_FLOOR = 1e-300
_RATIO_FLOOR = 1e-3
_RATE_EPS = 1e-5  # pseudo error rate so that log ratios of zero rates stay finite


class HorizonError(ValueError):
    """A horizon the data cannot serve (no minute 0, or fewer minutes than the horizon)."""


def check_horizon(fleet: Fleet, horizon: int) -> None:
    """Refuse a horizon beyond the data: features at h need every minute 0..h-1 to exist."""
    if int(horizon) < 1:
        raise HorizonError(f"horizon must be at least 1 minute, got {horizon}")
    last = int(fleet.minutes[-1]) if len(fleet.minutes) else -1
    if last + 1 < int(horizon):
        raise HorizonError(f"timeseries, column 'minute': horizon {horizon} min is beyond the data: its last "
                           f"minute is {last}, so it supports horizons up to {last + 1} (models for shorter "
                           "horizons: train --horizons)")


def feature_names(feature_set: str = "full", config: CheckConfig | None = None) -> list[str]:
    """The ordered feature columns of a feature set.

    The basic set mirrors whatever statistics the checks report, so the names are read off a tiny
    probe fleet rather than hard-coded: a change of the checks changes the list, and saved models
    trained on another list are refused.
    """
    if feature_set not in FEATURE_SETS:
        raise ValueError(f"unknown feature set {feature_set!r}; choose one of {list(FEATURE_SETS)}")
    return list(build_features(_probe_fleet(), 2, feature_set, config).columns)


def _probe_fleet() -> Fleet:
    """Two deployments, 4 baseline minutes and 2 window minutes of constant traffic."""
    minutes = np.arange(-4, 2)
    shape = (2, 2, len(minutes))
    deployments = pd.DataFrame({"deployment_id": ["probe-0", "probe-1"]})
    return Fleet(deployments=deployments, minutes=minutes, requests=np.full(shape, 100, np.int32),
                 errors=np.ones(shape, np.int32), new_type_errors=np.zeros(shape, np.int32),
                 latency_ms=np.full(shape, 100.0), present=np.ones(shape, bool))


def build_features(fleet: Fleet, horizon: int, feature_set: str = "full",
                   config: CheckConfig | None = None) -> pd.DataFrame:
    """Features of every deployment at `horizon` (rows with minute < horizon only).

    Returns a float64 frame indexed by deployment_id, columns `feature_names(feature_set)`.
    """
    if feature_set not in FEATURE_SETS:
        raise ValueError(f"unknown feature set {feature_set!r}; choose one of {list(FEATURE_SETS)}")
    check_horizon(fleet, horizon)
    config = config or CheckConfig()
    window = make_window(fleet, int(horizon), config)
    results = {name: fn(window, config) for name, fn in CHECKS.items()}
    columns = _basic(window, results)
    if feature_set != "basic":
        columns |= _domain(window)
    if feature_set == "full":
        columns |= _full(window, config)
    index = pd.Index(fleet.ids.astype(str), name="deployment_id")
    return pd.DataFrame({name: np.asarray(v, dtype=np.float64) for name, v in columns.items()}, index=index)


# ---------------------------------------------------------------------------- transforms


def _log_ratio(ratio: np.ndarray) -> np.ndarray:
    return np.log(np.maximum(np.asarray(ratio, dtype=np.float64), _RATIO_FLOOR))


def _neglog10(p: np.ndarray) -> np.ndarray:
    return 0.0 - np.log10(np.clip(np.asarray(p, dtype=np.float64), _P_FLOOR, 1.0)) + 0.0


def _slog(x: np.ndarray) -> np.ndarray:
    """Signed log: keeps the sign of extra errors, compresses their scale."""
    return np.sign(x) * np.log1p(np.abs(x))


def _rate_log_ratio(rate: np.ndarray, reference: np.ndarray) -> np.ndarray:
    return np.log((rate + _RATE_EPS) / (reference + _RATE_EPS))


# ---------------------------------------------------------------------------- feature groups


def _stat_features(prefix: str, stats: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every statistic of a check as a feature, on a scale-free footing chosen by its name.

    p-values become -log10 p, ratios log ratios, counts of errors and requests signed logs,
    rates and dispersion logs; z-scores, minutes, shares and 0/1 flags stay as they are.
    """
    out: dict[str, np.ndarray] = {}
    for key, values in stats.items():
        v = np.asarray(values, dtype=np.float64)
        if key == "p" or key.endswith("_p"):
            out[f"{prefix}{key}_neglog10"] = _neglog10(v)
        elif "ratio" in key:
            out[f"{prefix}{key}_log"] = _log_ratio(v)
        elif key.endswith(("errors", "requests")):
            out[f"{prefix}{key}_slog"] = _slog(v)
        elif key.endswith("rate") or key == "dispersion":
            out[f"{prefix}{key}_log"] = np.log(np.maximum(v, 0.0) + _RATE_EPS)
        else:
            out[f"{prefix}{key}"] = v
    return out


def _basic(w: Window, results: dict[str, CheckResult]) -> dict[str, np.ndarray]:
    """The checks' verdicts and statistics, plus two comparisons the statistics imply."""
    out: dict[str, np.ndarray] = {f"verdict_{name}": r.passed for name, r in results.items()}
    out["verdict_vote"] = vote(results, tuple(results))
    out["verdicts_share"] = np.mean([r.passed for r in results.values()], axis=0)
    for name, result in results.items():
        out |= _stat_features(f"{name}_", result.stats)
    new_r = w.new_req.sum(axis=1, dtype=np.float64)
    base_rate = _safe_ratio(w.ref_err, w.ref_req)
    rate = _safe_ratio(w.new_err.sum(axis=1, dtype=np.float64), new_r)
    novel_rate = _safe_ratio(w.new_novel.sum(axis=1, dtype=np.float64), new_r)
    # novel errors against the baseline's error level (the novelty check's "share of baseline")
    out["novel_rate_vs_base_log_ratio"] = _rate_log_ratio(novel_rate, base_rate)
    worst = results["novelty"].stats.get("baseline_max_rate") if "novelty" in results else None
    if worst is not None:  # the error rate against the baseline's worst window
        out["rate_vs_worst_window_log_ratio"] = _rate_log_ratio(rate, np.asarray(worst, dtype=np.float64))
    return out


def _domain(w: Window) -> dict[str, np.ndarray]:
    """Traffic profile, canary share, novelty counts and the shape of the excess."""
    new_r = w.new_req.sum(axis=1, dtype=np.float64)
    new_e = w.new_err.sum(axis=1, dtype=np.float64)
    ctl_r = w.ctl_req.sum(axis=1, dtype=np.float64)
    base_minutes = max(w.base_req.shape[1], 1)
    recent = slice(max(w.new_req.shape[1] - 5, 0), None)
    recent_new = w.new_req[:, recent].sum(axis=1, dtype=np.float64)
    recent_ctl = w.ctl_req[:, recent].sum(axis=1, dtype=np.float64)
    out = {
        "log_new_requests": np.log1p(new_r),
        "log_new_errors": np.log1p(new_e),
        "log_base_requests_per_minute": np.log1p(w.base_req.sum(axis=1, dtype=np.float64) / base_minutes),
        # shares of minutes with traffic; 0, not NaN, when there are no baseline minutes at all
        "base_active_share": _safe_ratio((w.base_req > 0).sum(axis=1), np.full(len(new_r), w.base_req.shape[1])),
        "new_active_share": _safe_ratio((w.new_req > 0).sum(axis=1), np.full(len(new_r), w.new_req.shape[1])),
        "canary_share": _safe_ratio(new_r, new_r + ctl_r),
        "canary_share_recent": _safe_ratio(recent_new, recent_new + recent_ctl),
        "novel_share_of_new_errors": _safe_ratio(w.new_novel.sum(axis=1, dtype=np.float64), new_e),
    }
    return out | _shape(w)


def _shape(w: Window) -> dict[str, np.ndarray]:
    """How the excess of errors is spread over the window (vectorised over the fleet)."""
    req = w.new_req.astype(np.float64)
    err = w.new_err.astype(np.float64)
    n, m = req.shape
    base_rate = _safe_ratio(w.ref_err, w.ref_req)
    expected = req * base_rate[:, None]
    disp = w.dispersion[:, None]
    excess = err - expected
    z = excess / np.sqrt(disp * expected + 1.0)  # per-minute z of the excess (overdispersion-scaled)
    half = m // 2
    first, second = slice(0, half), slice(half, None)

    def half_stats(part: slice) -> tuple[np.ndarray, np.ndarray]:
        e, x = err[:, part].sum(axis=1), expected[:, part].sum(axis=1)
        log_ratio = np.log((e + 0.5) / (x + 0.5))
        zed = (e - x) / np.sqrt(w.dispersion * x + 1.0)
        return log_ratio, zed

    r1, z1 = half_stats(first)
    r2, z2 = half_stats(second)
    active = req > 0
    t = np.broadcast_to(np.arange(m, dtype=np.float64), (n, m))
    count = active.sum(axis=1)
    t_mean = _safe_ratio(np.where(active, t, 0.0).sum(axis=1), count)
    z_mean = _safe_ratio(np.where(active, z, 0.0).sum(axis=1), count)
    tc = np.where(active, t - t_mean[:, None], 0.0)
    # least-squares slope of the per-minute z, scaled to the change across the whole window
    slope = _safe_ratio((tc * np.where(active, z - z_mean[:, None], 0.0)).sum(axis=1), (tc**2).sum(axis=1)) * m
    positive = np.maximum(excess, 0.0)
    early = positive[:, :EARLY_MINUTES].sum(axis=1)
    lat_second = _latency_log_ratio(w.new_lat[:, second], w.base_lat)
    return {
        "shape_first_half_log_ratio": r1,
        "shape_second_half_log_ratio": r2,
        "shape_half_change": r2 - r1,
        "shape_first_half_z": z1,
        "shape_second_half_z": z2,
        "shape_slope_z": slope,
        "shape_early_share": early / (positive.sum(axis=1) + 1.0),
        "shape_max_minute_z": np.where(active, z, -np.inf).max(axis=1, initial=-np.inf).clip(min=-50.0),
        "shape_share_minutes_z2": _safe_ratio((active & (z > 2.0)).sum(axis=1), count),
        "shape_latency_second_half_log_ratio": lat_second,
    }


def _latency_log_ratio(new_lat: np.ndarray, base_lat: np.ndarray) -> np.ndarray:
    """Mean log p95 of `new_lat` minus that of the baseline (0 where either has no minute)."""
    n_new, m_new, _ = _nan_stats(new_lat)
    n_base, m_base, _ = _nan_stats(base_lat)
    return np.where((n_new > 0) & (n_base > 0), m_new - m_base, 0.0)


def _full(w: Window, config: CheckConfig) -> dict[str, np.ndarray]:
    """The impact check on the recent half of the window (the trend), and baseline volatility."""
    # One look at the recent half (its own latest quarter would only repeat the impact check's).
    one_look = replace(config, late_min_minutes=0)
    recent = CHECKS["impact"](late_half(w), one_look) if "impact" in CHECKS else None
    stats = {k: v for k, v in recent.stats.items() if not k.startswith("late_")} if recent is not None else {}
    out = _stat_features(f"{RECENT_PREFIX}impact_", stats)
    for same in ("dispersion_log", "base_error_rate_log"):  # the same as over the whole window
        out.pop(f"{RECENT_PREFIX}impact_{same}", None)
    base_r = w.base_req.astype(np.float64)
    rates = np.where(base_r > 0, _safe_ratio(w.base_err, base_r), np.nan)
    _, rate_mean, rate_sd = _nan_stats(rates)
    out["base_error_cv"] = _safe_ratio(rate_sd, rate_mean + _RATE_EPS)
    out["base_latency_sd"] = _nan_stats(w.base_lat)[2]
    return out

