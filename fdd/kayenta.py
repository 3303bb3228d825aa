"""A Kayenta-style canary judge: the peer our detector is measured against.

This mirrors Spinnaker Kayenta's default judge, ``NetflixACAJudge-v1.0`` (repository
spinnaker/kayenta, ``kayenta-judge/src/main/scala/com/netflix/kayenta/judge/``):

* ``NetflixACAJudge.scala`` -- one canary run at a time: each configured metric is classified on
  its own, then the scorer turns the classifications into a 0-100 score.
* ``classifiers/metric/MannWhitneyClassifier.scala`` -- per metric, in this order:

  1. no data on either side (after NaN removal) -> ``Nodata``, carrying the metric's ``critical``
     flag (or ``NodataFailMetric`` for a metric marked ``mustHaveData`` that is not critical);
  2. the two samples are identical (as multisets) -> ``Pass``; all values one and the same ->
     ``Pass``;
  3. when each sample holds a single distinct value, tiny Gaussian noise (sd = 1e-5 x the value)
     is added to both, so that the rank test can run;
  4. the 98% confidence interval and Hodges-Lehmann estimate of the shift "new minus control",
     exactly as R's ``wilcox.test(conf.int=TRUE, exact=FALSE, correct=TRUE)``
     (:func:`fdd.kayenta_stats.mann_whitney_ci`);
  5. the tolerance band is ``+/- tolerance x |estimate|`` (Kayenta's ``calculateBounds``: a
     fraction of the Hodges-Lehmann estimate -- *not* of the control's level);
     ``High`` when the whole interval lies above ``+band``, the direction allows an increase and
     the effect size (mean ratio new / control) is at least ``allowedIncrease``; ``Low`` mirrors
     it below ``-band`` with ``allowedDecrease``. The effect-size gate is skipped when the ratio
     cannot be computed (control mean 0). A direction of ``"increase"`` never yields ``Low``:
     a decrease is a ``Pass`` (the reason text still says the value went down);
  6. a critical metric whose ``High`` (``Low``) also passes ``criticalIncrease``
     (``criticalDecrease``) -- or whose ratio is undefined -- is a *critical* failure.

  A failure of the rank test itself (R would stop) is ``Error``, not critical, as
  ``NetflixACAJudge.classifyMetric`` catches it.
* ``scorers/WeightedSumScorer.scala`` -- a group's score is ``100 x Pass / (Pass + High + Low +
  NodataFailMetric)`` (``Nodata`` and ``Error`` do not count; a group with nothing counted scores
  100); the summary is the weighted sum of group scores (unweighted groups share the weight
  equally), rounded to 2 decimals. Any critical metric that is not ``Pass`` sets the score to 0,
  and so does ``Nodata`` on 50% or more of the metrics.
* ``classifiers/score/ThresholdScoreClassifier.scala`` -- score >= pass threshold -> Pass,
  >= marginal threshold -> Marginal, else Fail (Spinnaker's defaults: 95 and 75).

How deployments become canary runs (our choices, Kayenta has no notion of them):

* Metrics (``DEFAULT_METRICS``): the per-minute error rate ``errors / requests`` and the per-minute
  p95 latency, both with direction ``"increase"`` and both critical. A minute counts for a version
  when that version served requests in it; a minute without a (finite) latency is left out of
  the latency metric only (Kayenta's ``nanStrategy: remove``). A fleet without a latency column
  does not configure the latency metric at all (otherwise every run would be ``Nodata``).
* Experiment: the new version, ``0 <= minute < h``.
* Control: Kayenta compares canary and baseline *side by side*, over the same interval. So when
  the previous version kept serving during the window -- in at least half as many minutes as the
  new version did (a canary or a gradual rollout, not the drain of a full rollout) -- the control
  is the previous version in those same minutes. Otherwise (a full rollout) there is no
  concurrent baseline, and the control is the previous version before the rollout (Kayenta's
  before/after use, with a control scope earlier than the experiment's). The two are not pooled:
  pooling pre-rollout minutes into a canary's control would turn any incident that hits both
  versions at once into a ``High``.
* A horizon is one run of the judge on the data with ``minute < h``. As in our own cascade
  (``fdd.checks.first_detection``) a deployment is flagged at the first horizon whose run
  *fails* (score below the marginal threshold) and ``faulty`` means flagged by the last horizon.

The judge runs one deployment at a time in a Python loop, on purpose: that is how Kayenta judges
one canary run at a time, and the benchmark compares its cost with our vectorised checks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from fdd.fleet import NEW, PREVIOUS, Fleet
from fdd.kayenta_stats import mann_whitney_ci

__all__ = [
    "CLASSES",
    "DEFAULT_METRICS",
    "EXPECTED_SECONDS_PER_RUN",
    "CanaryResult",
    "KayentaMetric",
    "MetricResult",
    "MetricSamples",
    "classify_metric",
    "judge_deployment",
    "judge_fleet",
    "mann_whitney_ci",
    "metric_samples",
    "score_canary",
]

PASS, HIGH, LOW, NODATA, NODATA_FAIL, ERROR = "Pass", "High", "Low", "Nodata", "NodataFailMetric", "Error"
#: Every metric classification the judge can give (Kayenta's MetricClassificationLabel).
CLASSES: tuple[str, ...] = (PASS, HIGH, LOW, NODATA, NODATA_FAIL, ERROR)
DIRECTIONS = ("increase", "decrease", "either")
#: Kayenta's MannWhitneyClassifier: the noise added to degenerate samples, relative to the value.
NOISE_SCALE = 1e-5
#: WeightedSumScorer.NODATA_THRESHOLD: the run fails when this share (%) of metrics is Nodata.
NODATA_THRESHOLD = 50.0
#: What the app tells a visitor to expect while the judge runs: seconds per deployment and horizon,
#: as `benchmarks/bench_app.py` measures it on 2 CPUs (it prints the measured value beside this one).
EXPECTED_SECONDS_PER_RUN = 0.005


# ------------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class KayentaMetric:
    """One metric of the canary config, with Kayenta's ``analysisConfigurations.canary`` keys."""

    name: str  # column prefix: "error_rate", "latency"
    label: str  # in reasons: "error rate", "p95 latency"
    unit: str  # "rate" (shown as %) or "ms"
    direction: str = "increase"  # canary.direction
    critical: bool = True  # canary.critical
    must_have_data: bool = False  # canary.mustHaveData
    allowed_increase: float = 1.0  # canary.effectSize.allowedIncrease (mean ratio)
    allowed_decrease: float = 1.0  # canary.effectSize.allowedDecrease
    critical_increase: float = 1.0  # canary.effectSize.criticalIncrease
    critical_decrease: float = 1.0  # canary.effectSize.criticalDecrease
    group: str = "default"  # the metric's group (WeightedSumScorer)

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {self.direction!r}")
        if self.unit not in ("rate", "ms"):
            raise ValueError(f"unit must be 'rate' or 'ms', got {self.unit!r}")


ERROR_RATE = KayentaMetric("error_rate", "error rate", "rate")
LATENCY = KayentaMetric("latency", "p95 latency", "ms")
#: The default canary config: error rate and p95 latency, "increase" is bad, both critical.
DEFAULT_METRICS: tuple[KayentaMetric, ...] = (ERROR_RATE, LATENCY)


# ------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class MetricResult:
    """One metric's classification in one canary run (Kayenta's CanaryAnalysisResult)."""

    metric: KayentaMetric
    classification: str  # one of CLASSES
    critical: bool  # a critical failure (or critical Nodata): the run fails
    reason: str
    deviation: float = math.nan  # effect size: mean(new) / mean(control); NaN if undefined
    ci_low: float = math.nan  # 98% CI of the shift new - control
    ci_high: float = math.nan
    estimate: float = math.nan  # Hodges-Lehmann estimate of the shift
    experiment_mean: float = math.nan
    control_mean: float = math.nan
    n_experiment: int = 0
    n_control: int = 0

    @property
    def name(self) -> str:
        return self.metric.name


@dataclass(frozen=True)
class CanaryResult:
    """A canary run: every metric's result, Kayenta's 0-100 score and its classification."""

    metrics: tuple[MetricResult, ...]
    score: float  # Kayenta's summary score, 0..100
    classification: str  # "Pass", "Marginal" or "Fail"
    reason: str
    horizon: int | None = None
    side_by_side: bool | None = None  # the control ran alongside (canary) or before (full rollout)
    group_scores: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        """The run fails: Kayenta's classification is Fail."""
        return self.classification == "Fail"

    def metric(self, name: str) -> MetricResult:
        """The result of the metric called `name`."""
        for result in self.metrics:
            if result.name == name:
                return result
        raise KeyError(f"no metric {name!r} in this run; have {[r.name for r in self.metrics]}")


# ------------------------------------------------------------------------------- classification


def classify_metric(experiment: Sequence[float] | np.ndarray, control: Sequence[float] | np.ndarray,
                    metric: KayentaMetric = ERROR_RATE, confidence: float = 0.98,
                    tolerance: float = 0.25) -> MetricResult:
    """Classify one metric as Kayenta's MannWhitneyClassifier does (NaN values are removed first)."""
    _check_settings(confidence, tolerance)
    x = _clean(experiment)
    y = _clean(control)
    n_x, n_y = int(x.size), int(y.size)
    base = {"n_experiment": n_x, "n_control": n_y,
            "experiment_mean": float(x.mean()) if n_x else math.nan,
            "control_mean": float(y.mean()) if n_y else math.nan}

    if n_x == 0 or n_y == 0:
        missing = "the new version" if n_x == 0 else "the control"
        if n_x == 0 and n_y == 0:
            missing = "either version"
        if metric.must_have_data and not metric.critical:
            label, critical = NODATA_FAIL, False
        else:
            label, critical = NODATA, metric.critical
        reason = f"{metric.label}: {label}, no data for {missing}" + (" (critical)" if critical else "")
        return MetricResult(metric, label, critical, reason, deviation=1.0, **base)

    if n_x == n_y and np.array_equal(np.sort(x), np.sort(y)):
        return MetricResult(metric, PASS, False, f"{metric.label}: Pass, the new version's and the control's "
                            f"values are identical", deviation=1.0, **base)
    if np.unique(np.concatenate((x, y))).size == 1:
        return MetricResult(metric, PASS, False, f"{metric.label}: Pass, every value is "
                            f"{_level(x[0], metric)}", deviation=1.0, **base)

    # Degenerate distributions: Kayenta adds Gaussian noise (seeded here, so runs are repeatable).
    if np.unique(x).size == 1 and np.unique(y).size == 1:
        rng = np.random.default_rng(0)
        x = x + rng.normal(0.0, abs(x[0]) * NOISE_SCALE, size=n_x)
        y = y + rng.normal(0.0, abs(y[0]) * NOISE_SCALE, size=n_y)

    try:
        ci_low, ci_high, estimate = mann_whitney_ci(x, y, confidence)
    except ValueError as exc:  # where R's wilcox.test stops; NetflixACAJudge catches it
        return MetricResult(metric, ERROR, False, f"{metric.label}: Error, the Mann-Whitney test failed: {exc}",
                            **base)
    control_mean = float(np.mean(y))
    deviation = float(np.mean(x)) / control_mean if control_mean != 0.0 else math.nan
    band = tolerance * abs(estimate)
    up = ci_low > band
    down = ci_high < -band
    may_up = metric.direction in ("increase", "either")
    may_down = metric.direction in ("decrease", "either")
    no_ratio = math.isnan(deviation)
    high = may_up and up and (no_ratio or deviation >= metric.allowed_increase)
    low = may_down and down and (no_ratio or deviation <= metric.allowed_decrease)
    label = HIGH if high else LOW if low else PASS
    critical = metric.critical and (
        (label == HIGH and (no_ratio or deviation >= metric.critical_increase))
        or (label == LOW and (no_ratio or deviation <= metric.critical_decrease)))

    stats = {"ci_low": ci_low, "ci_high": ci_high, "estimate": estimate, "deviation": deviation}
    reason = _reason(metric, label, critical, stats, up, down, confidence, tolerance, base)
    return MetricResult(metric, label, critical, reason, deviation=deviation, ci_low=ci_low, ci_high=ci_high,
                        estimate=estimate, **base)


def _reason(metric: KayentaMetric, label: str, critical: bool, s: dict[str, float], up: bool, down: bool,
            confidence: float, tolerance: float, base: dict[str, float]) -> str:
    """"error rate: High, 98% CI of the shift [+0.80%, +1.40%] above the tolerance +0.28% ..."."""
    ci = f"{confidence:.0%} CI of the shift [{_shift(s['ci_low'], metric)}, {_shift(s['ci_high'], metric)}]"
    band = f"{tolerance:.0%} of the estimated shift {_shift(s['estimate'], metric)}"
    tol = abs(s["estimate"]) * tolerance
    if up:
        where = f"above the tolerance {_shift(tol, metric)} ({band})"
    elif down:
        where = f"below the tolerance {_shift(-tol, metric)} ({band})"
    else:
        where = f"not clear of the tolerance \u00b1{_level(tol, metric)} ({band})"
    ratio = f"{s['deviation']:.2f}x" if not math.isnan(s["deviation"]) else "undefined ratio"
    means = (f"mean {_level(base['experiment_mean'], metric)} vs control {_level(base['control_mean'], metric)} "
             f"({ratio}), {base['n_experiment']} vs {base['n_control']} minutes")
    note = ""
    if label == PASS and up and metric.direction == "decrease":
        note = "; higher, but only a decrease counts"
    elif label == PASS and down and metric.direction == "increase":
        note = "; lower, but only an increase counts"
    elif label == PASS and up:
        note = f"; effect {ratio} below the allowed increase {metric.allowed_increase:.2f}x"
    elif label == PASS and down:
        note = f"; effect {ratio} above the allowed decrease {metric.allowed_decrease:.2f}x"
    flag = " (critical)" if critical else ""
    return f"{metric.label}: {label}{flag}, {ci} {where}{note}; {means}"


def _shift(value: float, metric: KayentaMetric) -> str:
    return f"{value * 100:+.2f}%" if metric.unit == "rate" else f"{value:+.1f} ms"


def _level(value: float, metric: KayentaMetric) -> str:
    return f"{value * 100:.2f}%" if metric.unit == "rate" else f"{value:.1f} ms"


def _clean(values: Sequence[float] | np.ndarray) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    return arr[~np.isnan(arr)]


def _check_settings(confidence: float, tolerance: float) -> None:
    if not 0.0 < float(confidence) < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    if not (math.isfinite(float(tolerance)) and tolerance >= 0.0):
        raise ValueError(f"tolerance must be a finite number >= 0, got {tolerance!r}")


# ------------------------------------------------------------------------------- scoring


def score_canary(results: Sequence[MetricResult], pass_threshold: float = 95.0,
                 marginal_threshold: float = 75.0, group_weights: dict[str, float] | None = None
                 ) -> CanaryResult:
    """Kayenta's WeightedSumScorer and ThresholdScoreClassifier over one run's metric results."""
    if not results:
        raise ValueError("a canary run needs at least one metric")
    if not 0.0 <= marginal_threshold <= pass_threshold <= 100.0:
        raise ValueError("need 0 <= marginal_threshold <= pass_threshold <= 100")
    weights = dict(group_weights or {})
    groups: dict[str, list[str]] = {}
    for r in results:
        groups.setdefault(r.metric.group, []).append(r.classification)
    group_scores: dict[str, float] = {}
    no_data: dict[str, bool] = {}
    for name, labels in groups.items():
        counted = sum(labels.count(c) for c in (PASS, HIGH, LOW, NODATA_FAIL))
        no_data[name] = counted == 0
        group_scores[name] = 0.0 if counted == 0 else 100.0 * labels.count(PASS) / counted

    failures = [r for r in results if r.critical and r.classification != PASS]
    nodata_share = 100.0 * sum(r.classification == NODATA for r in results) / len(results)
    if failures:
        score, reason = 0.0, f"Canary Failed: {failures[0].reason}"
    elif nodata_share >= NODATA_THRESHOLD:
        score, reason = 0.0, f"Canary Failed: {NODATA_THRESHOLD:.0f}% or more metrics returned NODATA"
    else:
        unweighted = [g for g in group_scores if g not in weights]
        share = (100.0 - sum(weights.values())) / len(unweighted) if unweighted else 0.0
        total = sum((100.0 if no_data[g] else s) * weights.get(g, share) / 100.0 for g, s in group_scores.items())
        score, reason = round(total, 2), ""
    if score >= pass_threshold:
        classification = "Pass"
    elif score >= marginal_threshold:
        classification = "Marginal"
    else:
        classification = "Fail"
    if not reason:
        passing = sum(r.classification == PASS for r in results)
        reason = f"{classification}: score {score:g}, {passing} of {len(results)} metrics pass"
    return CanaryResult(tuple(results), float(score), classification, reason, group_scores=group_scores)


# ------------------------------------------------------------------------------- deployments


@dataclass(frozen=True)
class MetricSamples:
    """The per-minute values one canary run compares, per metric name: (experiment, control)."""

    values: dict[str, tuple[np.ndarray, np.ndarray]]
    side_by_side: bool


def metric_samples(fleet: Fleet, i: int, horizon: int,
                   metrics: Sequence[KayentaMetric] = DEFAULT_METRICS) -> MetricSamples:
    """Experiment and control values of deployment at position `i`, seeing only minutes < horizon."""
    zero, stop = _window(fleet, horizon)
    new_req = fleet.requests[NEW, i, zero:stop]
    new_on = new_req > 0
    win_req = fleet.requests[PREVIOUS, i, zero:stop]
    win_on = win_req > 0
    # Side by side when the previous version kept serving alongside (not just draining).
    side_by_side = bool(win_on.any() and 2 * int(win_on.sum()) >= int(new_on.sum()))
    ctl = slice(zero, stop) if side_by_side else slice(0, zero)
    ctl_req = fleet.requests[PREVIOUS, i, ctl]
    ctl_on = ctl_req > 0

    values: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for metric in metrics:
        if metric.name == "error_rate":
            exp = fleet.errors[NEW, i, zero:stop][new_on] / new_req[new_on]
            con = fleet.errors[PREVIOUS, i, ctl][ctl_on] / ctl_req[ctl_on]
        elif metric.name == "latency":
            lat_new = fleet.latency_ms[NEW, i, zero:stop]
            lat_ctl = fleet.latency_ms[PREVIOUS, i, ctl]
            exp = lat_new[new_on & np.isfinite(lat_new)]
            con = lat_ctl[ctl_on & np.isfinite(lat_ctl)]
        else:
            raise ValueError(f"unknown metric {metric.name!r}: the judge knows 'error_rate' and 'latency'")
        values[metric.name] = (exp.astype(np.float64), con.astype(np.float64))
    return MetricSamples(values, side_by_side)


def judge_deployment(fleet: Fleet, deployment: int | str, horizon: int = 60, confidence: float = 0.98,
                     tolerance: float = 0.25, metrics: Sequence[KayentaMetric] | None = None,
                     pass_threshold: float = 95.0, marginal_threshold: float = 75.0) -> CanaryResult:
    """One canary run for one deployment (a position or a deployment_id) on minutes < horizon."""
    i = _position(fleet, deployment)
    metrics = _metrics_for(fleet, metrics)
    samples = metric_samples(fleet, i, horizon, metrics)
    results = [classify_metric(*samples.values[m.name], metric=m, confidence=confidence, tolerance=tolerance)
               for m in metrics]
    run = score_canary(results, pass_threshold, marginal_threshold)
    return CanaryResult(run.metrics, run.score, run.classification, run.reason, horizon=int(horizon),
                        side_by_side=samples.side_by_side, group_scores=run.group_scores)


def judge_fleet(fleet: Fleet, horizons: Sequence[int] = (10, 20, 60), confidence: float = 0.98,
                tolerance: float = 0.25, metrics: Sequence[KayentaMetric] | None = None,
                pass_threshold: float = 95.0, marginal_threshold: float = 75.0) -> pd.DataFrame:
    """Judge every deployment at every horizon; one row per deployment in the `scores` format.

    Columns: ``deployment_id``, ``faulty`` (0/1: some run failed by the last horizon),
    ``score`` (``1 - canary score / 100`` at the last horizon: the share of metrics not passing,
    1.0 when a critical metric fails or half the metrics have no data), ``detected_minute``
    (the first horizon whose run failed; ``<NA>`` if none), then per horizon ``h`` the class of
    each metric (``error_rate_class_h``, ``latency_class_h``) and Kayenta's score
    (``canary_score_h``, 0-100), and at the last horizon each metric's reason
    (``error_rate_reason``, ...), the run's reason (``canary_reason``) and whether the control
    ran side by side (``side_by_side``).
    """
    if not horizons:
        raise ValueError("give at least one horizon")
    hs = sorted({int(h) for h in horizons})
    _check_settings(confidence, tolerance)
    metrics = _metrics_for(fleet, metrics)
    for h in hs:
        _window(fleet, h)  # validate every horizon before the long loop
    n = fleet.n
    classes = {(m.name, h): np.empty(n, dtype=object) for m in metrics for h in hs}
    canary = {h: np.empty(n, dtype=np.float64) for h in hs}
    detected = np.full(n, -1, dtype=np.int64)
    reasons = {m.name: np.empty(n, dtype=object) for m in metrics}
    run_reason = np.empty(n, dtype=object)
    side = np.zeros(n, dtype=bool)
    for i in range(n):
        for h in hs:
            run = judge_deployment(fleet, i, h, confidence, tolerance, metrics, pass_threshold, marginal_threshold)
            for result in run.metrics:
                classes[(result.name, h)][i] = result.classification
            canary[h][i] = run.score
            if run.failed and detected[i] < 0:
                detected[i] = h
        for result in run.metrics:  # the last horizon's run
            reasons[result.name][i] = result.reason
        run_reason[i] = run.reason
        side[i] = bool(run.side_by_side)

    last = hs[-1]
    out = pd.DataFrame({
        "deployment_id": pd.Series(fleet.ids.astype(str), dtype="str"),
        "faulty": (detected >= 0).astype(np.int64),
        "score": np.clip(1.0 - canary[last] / 100.0, 0.0, 1.0),
        "detected_minute": pd.array([int(d) if d >= 0 else None for d in detected], dtype="Int64"),
    })
    for h in hs:
        for m in metrics:
            out[f"{m.name}_class_{h}"] = pd.Series(classes[(m.name, h)], dtype="str")
        out[f"canary_score_{h}"] = canary[h]
    for m in metrics:
        out[f"{m.name}_reason"] = pd.Series(reasons[m.name], dtype="str")
    out["canary_reason"] = pd.Series(run_reason, dtype="str")
    out["side_by_side"] = side
    return out


def _metrics_for(fleet: Fleet, metrics: Sequence[KayentaMetric] | None) -> tuple[KayentaMetric, ...]:
    """The configured metrics; by default the latency metric only where the fleet has latency."""
    if metrics is None:
        metrics = tuple(m for m in DEFAULT_METRICS if m.name != "latency" or fleet.has_latency)
    metrics = tuple(metrics)
    if not metrics:
        raise ValueError("configure at least one metric")
    names = [m.name for m in metrics]
    if len(set(names)) != len(names):
        raise ValueError(f"metric names must be unique, got {names}")
    return metrics


def _window(fleet: Fleet, horizon: int) -> tuple[int, int]:
    """Array columns of minute 0 and of `horizon` (exclusive)."""
    if int(horizon) < 1:
        raise ValueError(f"horizon must be at least 1 minute, got {horizon}")
    zero, stop = fleet.column(0), fleet.column(int(horizon))
    if stop <= zero:
        raise ValueError(f"the data has no minutes between 0 and horizon {horizon}")
    return zero, stop


def _position(fleet: Fleet, deployment: int | str) -> int:
    if isinstance(deployment, (int, np.integer)) and not isinstance(deployment, bool):
        i = int(deployment)
        if not 0 <= i < fleet.n:
            raise IndexError(f"deployment position {i} is outside 0..{fleet.n - 1}")
        return i
    hits = np.flatnonzero(fleet.ids.astype(str) == str(deployment))
    if hits.size == 0:
        raise KeyError(f"no deployment with id {deployment!r}")
    return int(hits[0])
