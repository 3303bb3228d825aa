"""Sequential detectors: one LightGBM classifier per horizon, their thresholds and the cascade.

The statistical checks decide with 60 minutes of data. A model at 10 (and 20) minutes that
predicts the 60-minute verdict from what is already visible catches most faults sooner
(Datadog's "sequential models"). The target is, by default, the 60-minute check ensemble's vote,
so no ground truth is needed; any label vector (e.g. weak supervision's) can be passed instead.

Honest numbers: every training deployment is scored out of fold (stratified K-fold, seeded), each
horizon's threshold is chosen on those held-out scores for the target precision, then the final
models are refitted on all data. Models are saved as LightGBM text plus `meta.json`, never pickle.

The cascade: a deployment is flagged at the first horizon whose model fires (proba >= threshold);
its detected minute is that horizon. In the scores table each horizon's probability is rescaled
so that its threshold sits at 0.5 (`score_<h>`), and `score` is their maximum: faulty iff >= 0.5.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import os
import sys
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import MISSING, asdict, dataclass, fields
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from fdd import __version__
from fdd.checks import CHECK_NAMES, CheckConfig, run_checks
from fdd.features import FEATURE_SETS, HorizonError, build_features, check_horizon, feature_names
from fdd.fleet import Fleet

TARGET_HORIZON = 60
TARGET_DESCRIPTION = ("ensemble: the unanimous vote of the statistical checks at 60 minutes "
                      "(fdd.checks.run_checks(fleet, 60).flagged)")
DEFAULT_HORIZONS: tuple[int, ...] = (10, 20, 60)
DEFAULT_MODEL_DIR = Path(__file__).parent / "models" / "default"
META_FILE = "meta.json"
FORMAT_VERSION = 1
MIN_POSITIVES = 10
# Small, regularised trees: the shipped text models stay small, training on 10k takes seconds,
# and a fixed thread count plus `deterministic` makes the model text reproducible.
# Measured on training seeds only (never the benchmark's): more trees or leaves gained nothing
# beyond noise, and up-weighting positives (class_weight="balanced", scale_pos_weight = neg/pos
# ~ 15) halved the recall at precision 0.9, so class imbalance is handled by stratified folds and
# by thresholds chosen for a target precision on held-out scores; `class_weight` can change that.
DEFAULT_LGBM_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.08,
    "num_iterations": 80,
    "num_leaves": 10,
    "min_data_in_leaf": 20,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "max_bin": 63,
    "verbosity": -1,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
}


_ROUND_ALIASES = ("num_iterations", "num_iteration", "n_iter", "num_tree", "num_trees", "num_round", "num_rounds",
                  "nrounds", "num_boost_round", "n_estimators", "max_iter")


class SequentialError(ValueError):
    """Bad input or state for the sequential models; the message is one clear line."""


# ---------------------------------------------------------------------------- pure helpers


def ensemble_labels(fleet: Fleet, config: CheckConfig | None = None) -> np.ndarray:
    """The default target: the 60-minute check ensemble's unanimous vote (0/1)."""
    try:
        check_horizon(fleet, TARGET_HORIZON)
    except HorizonError as exc:
        raise SequentialError(f"the default target needs {TARGET_HORIZON} minutes of data: {exc}") from None
    return run_checks(fleet, TARGET_HORIZON, CHECK_NAMES, config).flagged.astype(np.int64)


def precision_threshold(scores: np.ndarray, labels: np.ndarray, target_precision: float) -> float:
    """The score cut with the most recall among those whose precision reaches the target (inf if none).

    Among cuts of equal recall the highest wins: lowering a cut further would only add false
    positives. Cuts lie only between distinct scores (ties fire together).
    """
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels).astype(bool)
    if not len(scores):
        return float("inf")
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    tp = np.cumsum(y)
    fp = np.cumsum(~y)
    last = np.r_[s[1:] != s[:-1], True]  # the last row of each run of equal scores
    tp, fp, cuts = tp[last], fp[last], s[last]
    ok = tp / (tp + fp) >= target_precision
    if not ok.any() or tp[ok].max() == 0:
        return float("inf")
    best = np.flatnonzero(ok & (tp == tp[ok].max()))[0]  # the highest cut with the most recall
    return float(cuts[best])


@dataclass(frozen=True)
class CascadeResult:
    """The cascade's decision for every deployment."""

    horizons: tuple[int, ...]
    faulty: np.ndarray  # bool (n,): some horizon fired
    detected_minute: np.ndarray  # int64 (n,): the first horizon that fired, -1 if none
    score: np.ndarray  # float (n,) in [0, 1]: max over horizons of `horizon_scores`; >= 0.5 iff faulty
    horizon_scores: np.ndarray  # float (n, H): each horizon's proba rescaled so that its threshold is 0.5


def normalised_scores(proba: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    """Each column's probabilities mapped piecewise-linearly so that its threshold lands on 0.5.

    Scores of different horizons become comparable: >= 0.5 means "this horizon fires".
    A horizon that never fires (threshold inf) keeps its proba halved, below 0.5.
    """
    p = np.asarray(proba, dtype=np.float64)
    t = np.asarray(thresholds, dtype=np.float64)[None, :]
    fire = p >= t
    finite = np.isfinite(t)
    t_safe = np.where(finite & (t > 0), np.minimum(t, 1.0), 1.0)
    above = np.where(t_safe < 1.0, 0.5 + 0.5 * (p - t_safe) / np.where(t_safe < 1.0, 1.0 - t_safe, 1.0), 1.0)
    below = 0.5 * p / t_safe
    out = np.where(fire, np.clip(above, 0.5, 1.0), np.minimum(below, np.nextafter(0.5, 0.0)))
    return np.clip(out, 0.0, 1.0)


def cascade(proba: np.ndarray, thresholds: Sequence[float], horizons: Sequence[int]) -> CascadeResult:
    """Flag each deployment at the first horizon (in increasing order) whose score reaches its threshold."""
    proba = np.asarray(proba, dtype=np.float64)
    horizons = tuple(int(h) for h in horizons)
    if proba.ndim != 2 or proba.shape[1] != len(horizons) or len(thresholds) != len(horizons):
        raise SequentialError(f"cascade needs one column and one threshold per horizon {horizons}; "
                              f"got scores {proba.shape} and {len(thresholds)} thresholds")
    if list(horizons) != sorted(set(horizons)):
        raise SequentialError(f"horizons must be distinct and increasing, got {horizons}")
    fired = proba >= np.asarray(thresholds, dtype=np.float64)[None, :]
    faulty = fired.any(axis=1)
    first = np.argmax(fired, axis=1)
    detected = np.where(faulty, np.asarray(horizons, dtype=np.int64)[first], -1)
    scores = normalised_scores(proba, thresholds)
    return CascadeResult(horizons, faulty, detected, scores.max(axis=1), scores)


def scores_frame(ids: np.ndarray, result: CascadeResult) -> pd.DataFrame:
    """The `scores` table of DATA_CONTRACT.md (then one `score_<h>` column per horizon)."""
    detected = pd.array(np.where(result.faulty, result.detected_minute, 0), dtype="Int64")
    detected[~result.faulty] = pd.NA
    frame = pd.DataFrame({
        "deployment_id": pd.array(np.asarray(ids).astype(str), dtype="str"),
        "faulty": result.faulty.astype(np.int64),
        "score": result.score.astype(np.float64),
        "detected_minute": detected,
    })
    for j, h in enumerate(result.horizons):
        frame[f"score_{h}"] = result.horizon_scores[:, j]
    return frame


def checks_cascade(fleet: Fleet, horizons: Sequence[int] = DEFAULT_HORIZONS,
                   config: CheckConfig | None = None) -> CascadeResult:
    """The same cascade run on the checks alone: a horizon fires when its vote is unanimous.

    A horizon's score is the share of checks voting "faulty", so 1.0 (unanimous) is its threshold.
    """
    horizons = tuple(sorted({int(h) for h in horizons}))
    for h in horizons:
        _check_horizon(fleet, h)
    shares = np.column_stack([
        np.mean([v.results[name].passed for name in v.enabled], axis=0)
        for v in (run_checks(fleet, h, CHECK_NAMES, config) for h in horizons)
    ])
    return cascade(shares, [1.0] * len(horizons), horizons)


def _check_horizon(fleet: Fleet, horizon: int) -> None:
    try:
        check_horizon(fleet, horizon)
    except HorizonError as exc:
        raise SequentialError(str(exc)) from None


# ---------------------------------------------------------------------------- the estimator


class SequentialDetector:
    """One LightGBM classifier per horizon that predicts the 60-minute verdict, and their cascade.

    Follows scikit-learn's conventions: configuration in `__init__`, `fit` returns self, learned
    state ends in `_` (`models_`, `thresholds_`, `oof_proba_`, `feature_names_`, `horizons_`).
    """

    def __init__(self, horizons: Sequence[int] = DEFAULT_HORIZONS, feature_set: str = "full",
                 target_precision: float = 0.9, n_folds: int = 5, seed: int = 0,
                 lgbm_params: dict[str, Any] | None = None, config: CheckConfig | None = None,
                 class_weight: str | dict[int, float] | None = None) -> None:
        self.horizons = horizons
        self.feature_set = feature_set
        self.target_precision = target_precision
        self.n_folds = n_folds
        self.seed = seed
        self.lgbm_params = lgbm_params
        self.config = config
        self.class_weight = class_weight

    # -- configuration ---------------------------------------------------------------------------

    def _validated_horizons(self) -> tuple[int, ...]:
        try:
            horizons = tuple(sorted({int(h) for h in self.horizons}))
        except (TypeError, ValueError):
            raise SequentialError(f"horizons must be whole minutes, got {self.horizons!r}") from None
        if not horizons or horizons[0] < 1:
            raise SequentialError(f"give at least one horizon of 1 minute or more, got {self.horizons!r}")
        return horizons

    def _validate_params(self) -> tuple[int, ...]:
        if self.feature_set not in FEATURE_SETS:
            raise SequentialError(f"unknown feature set {self.feature_set!r}; choose one of {list(FEATURE_SETS)}")
        if not 0.0 < float(self.target_precision) <= 1.0:
            raise SequentialError(f"target_precision must lie in (0, 1], got {self.target_precision}")
        if int(self.n_folds) < 2:
            raise SequentialError(f"n_folds must be at least 2, got {self.n_folds}")
        weights = self.class_weight
        if not (weights is None or weights == "balanced" or (
                isinstance(weights, dict) and set(weights) == {0, 1} and all(float(v) > 0 for v in weights.values()))):
            raise SequentialError(f'class_weight must be None, "balanced" or {{0: w0, 1: w1}} with positive '
                                  f"weights, got {weights!r}")
        return self._validated_horizons()

    def _params(self, labels: np.ndarray, weights: np.ndarray) -> dict[str, Any]:
        """LightGBM parameters: defaults, the user's overrides, the seed, the class weight.

        `class_weight` follows scikit-learn: None (equal weights), "balanced" (positives weighted
        by negatives / positives) or {0: w0, 1: w1}; it becomes LightGBM's `scale_pos_weight`
        unless `lgbm_params` sets that (or `is_unbalance`) itself.
        """
        params = {**DEFAULT_LGBM_PARAMS, **(self.lgbm_params or {}), "seed": int(self.seed)}
        if any(k in params for k in ("scale_pos_weight", "is_unbalance", "is_unbalanced", "unbalance")):
            return params
        if self.class_weight == "balanced":
            pos = float(weights[labels == 1].sum())
            params["scale_pos_weight"] = float(weights[labels == 0].sum()) / pos if pos > 0 else 1.0
        elif isinstance(self.class_weight, dict):
            params["scale_pos_weight"] = float(self.class_weight[1]) / float(self.class_weight[0])
        return params

    # -- training --------------------------------------------------------------------------------

    def fit(self, fleet: Fleet, labels: np.ndarray | Sequence[int] | None = None,
            sample_weight: np.ndarray | Sequence[float] | None = None,
            target_name: str | None = None) -> SequentialDetector:
        """Fit one model per horizon on `labels` (default: the 60-minute ensemble's vote).

        Sets `oof_proba_` (n, H) out-of-fold probabilities, `thresholds_` (H,) chosen on them for
        `target_precision` against the labels, and `models_` refitted on every deployment.
        Deployments of `sample_weight` 0 carry no label: they count neither in the class check nor
        when thresholds are chosen (`sample_weight_` keeps the weights).
        `target_name` describes where given labels come from and `n_deployments_` records the
        fleet's size (both saved in meta.json).
        """
        horizons = self._validate_params()
        for h in horizons:
            _check_horizon(fleet, h)
        y = ensemble_labels(fleet, self.config) if labels is None else _validated_labels(labels, fleet.n)
        w = _validated_weights(sample_weight, fleet.n)
        self._check_classes(y[w > 0])  # weight-0 rows (e.g. no labeling function voted) carry no label
        folds = list(StratifiedKFold(int(self.n_folds), shuffle=True, random_state=int(self.seed))
                     .split(np.zeros((fleet.n, 1)), y))
        oof = np.zeros((fleet.n, len(horizons)))
        models: dict[int, lgb.Booster] = {}
        for j, h in enumerate(horizons):
            x = build_features(fleet, h, self.feature_set, self.config)
            oof[:, j], models[h] = self._cross_fit(x, y, w, folds)
        self.horizons_ = horizons
        self.feature_names_ = list(x.columns)
        self.labels_ = y
        self.sample_weight_ = w
        self.oof_proba_ = oof
        self.thresholds_ = _thresholds(oof, y, float(self.target_precision), w)
        self.models_ = models
        self.target_ = TARGET_DESCRIPTION if labels is None else (target_name or "labels passed to fit")
        self.n_deployments_ = int(fleet.n)
        return self

    def _cross_fit(self, x: pd.DataFrame, y: np.ndarray, w: np.ndarray,
                   folds: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, lgb.Booster]:
        """Out-of-fold probabilities (each fold scored by a model that never saw it) and the refit on all."""
        names, values = list(x.columns), x.to_numpy(dtype=np.float64)
        oof = np.zeros(len(y))
        for train, test in folds:
            oof[test] = self._train(values[train], y[train], w[train], names).predict(values[test])
        return oof, self._train(values, y, w, names)

    def with_target_precision(self, target_precision: float) -> SequentialDetector:
        """A copy sharing the fitted models, with thresholds re-chosen on the out-of-fold scores.

        Thresholds depend on the target precision, the models do not: a slider can move it without
        refitting.
        """
        self._check_fitted()
        if getattr(self, "oof_proba_", None) is None:
            raise SequentialError("no out-of-fold scores: this detector was loaded, not fitted")
        if not 0.0 < float(target_precision) <= 1.0:
            raise SequentialError(f"target_precision must lie in (0, 1], got {target_precision}")
        other = copy.copy(self)
        other.target_precision = float(target_precision)
        other.thresholds_ = _thresholds(self.oof_proba_, self.labels_, float(target_precision),
                                        getattr(self, "sample_weight_", None))
        return other

    def _check_classes(self, y: np.ndarray) -> None:
        pos, neg = int(y.sum()), int(len(y) - y.sum())
        if pos == 0 or neg == 0:
            raise SequentialError(f"the training labels hold one class only ({pos} positive, {neg} negative); "
                                  "a detector needs both faulty and healthy examples")
        need = max(MIN_POSITIVES, int(self.n_folds))
        if pos < need or neg < int(self.n_folds):
            raise SequentialError(f"too few examples to train: {pos} positive and {neg} negative; need at least "
                                  f"{need} positives and {self.n_folds} negatives ({self.n_folds} folds)")

    def _train(self, x: np.ndarray, y: np.ndarray, w: np.ndarray, names: list[str]) -> lgb.Booster:
        params = self._params(y, w)
        user = self.lgbm_params or {}
        rounds = next((user[k] for k in _ROUND_ALIASES if k in user), DEFAULT_LGBM_PARAMS["num_iterations"])
        params = {k: v for k, v in params.items() if k not in _ROUND_ALIASES}
        data = lgb.Dataset(x, label=y, weight=w, feature_name=names, free_raw_data=True)
        return lgb.train(params, data, num_boost_round=int(rounds))

    # -- prediction ------------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "models_"):
            raise SequentialError("this SequentialDetector is not fitted yet: call fit() or load()")

    def predict_proba(self, fleet: Fleet) -> np.ndarray:
        """Each horizon's model probability that the deployment is faulty, shape (n, H)."""
        self._check_fitted()
        for h in self.horizons_:
            _check_horizon(fleet, h)
        out = np.zeros((fleet.n, len(self.horizons_)))
        for j, h in enumerate(self.horizons_):
            x = build_features(fleet, h, self.feature_set, self.config)
            out[:, j] = self.models_[h].predict(x.to_numpy(dtype=np.float64), num_threads=_threads(self))
        return out

    def cascade(self, fleet: Fleet) -> CascadeResult:
        """The cascade's decision on a fleet."""
        return cascade(self.predict_proba(fleet), self.thresholds_, self.horizons_)

    def oof_cascade(self) -> CascadeResult:
        """The cascade on the training fleet's out-of-fold probabilities (honest training numbers)."""
        self._check_fitted()
        if getattr(self, "oof_proba_", None) is None:
            raise SequentialError("no out-of-fold scores: this detector was loaded, not fitted")
        return cascade(self.oof_proba_, self.thresholds_, self.horizons_)

    def score(self, fleet: Fleet) -> pd.DataFrame:
        """The `scores` table of DATA_CONTRACT.md for every deployment of the fleet."""
        return scores_frame(fleet.ids, self.cascade(fleet))

    def feature_importances(self, importance_type: str = "gain") -> pd.DataFrame:
        """Importance of every feature (rows) for each horizon's model (columns `h<minutes>`)."""
        self._check_fitted()
        return pd.DataFrame({f"h{h}": self.models_[h].feature_importance(importance_type=importance_type)
                             for h in self.horizons_}, index=pd.Index(self.feature_names_, name="feature"))

    # -- persistence -----------------------------------------------------------------------------

    def meta(self) -> dict[str, Any]:
        """What `save` writes to meta.json."""
        self._check_fitted()
        return {
            "format": FORMAT_VERSION,
            "fdd_version": __version__,
            "lightgbm_version": lgb.__version__,
            "horizons": list(self.horizons_),
            "thresholds": [None if not np.isfinite(t) else float(t) for t in self.thresholds_],
            "feature_set": self.feature_set,
            "feature_names": list(self.feature_names_),
            "check_config": asdict(self.config or CheckConfig()),
            "target": getattr(self, "target_", TARGET_DESCRIPTION),
            "target_precision": float(self.target_precision),
            "n_folds": int(self.n_folds),
            "seed": int(self.seed),
            "lgbm_params": self.lgbm_params,
            "class_weight": self.class_weight,
            "n_deployments": getattr(self, "n_deployments_", None),
        }

    def save(self, path: Path | str) -> Path:
        """Write `model_<h>.txt` (LightGBM text) per horizon and `meta.json` (last) into a folder."""
        meta = self.meta()
        folder = Path(path)
        if folder.exists() and not folder.is_dir():
            raise SequentialError(f"{folder}: exists and is not a folder")
        folder.mkdir(parents=True, exist_ok=True)
        for h in self.horizons_:
            _write_atomic(folder / f"model_{h}.txt", self.models_[h].model_to_string())
        _write_atomic(folder / META_FILE, json.dumps(meta, indent=2, sort_keys=True) + "\n")
        return folder

    @classmethod
    def load(cls, path: Path | str, feature_set: str | None = None) -> SequentialDetector:
        """Read a folder written by `save`; refuse another fdd version, feature set or feature list."""
        folder = Path(path)
        meta = _read_meta(folder)
        if meta["fdd_version"] != __version__:
            raise SequentialError(f"{folder}: saved by fdd {meta['fdd_version']}, this is fdd {__version__}; "
                                  "retrain with `python -m fdd train`")
        if feature_set is not None and meta["feature_set"] != feature_set:
            raise SequentialError(f"{folder}: models use feature set {meta['feature_set']!r}, "
                                  f"expected {feature_set!r}")
        if meta["feature_set"] not in FEATURE_SETS or meta["feature_names"] != feature_names(meta["feature_set"]):
            raise SequentialError(f"{folder}: its feature list does not match feature set "
                                  f"{meta['feature_set']!r} of fdd {__version__}; retrain")
        if str(meta["lightgbm_version"]).split(".")[0] != lgb.__version__.split(".")[0]:
            raise SequentialError(f"{folder}: saved with LightGBM {meta['lightgbm_version']}, "
                                  f"this is LightGBM {lgb.__version__}; retrain")
        try:
            config = CheckConfig(**meta["check_config"])
        except (TypeError, ValueError) as exc:
            raise SequentialError(f"{folder}: unusable check_config in {META_FILE}: {exc}") from None
        detector = cls(horizons=tuple(meta["horizons"]), feature_set=meta["feature_set"],
                       target_precision=meta["target_precision"], n_folds=meta["n_folds"], seed=meta["seed"],
                       lgbm_params=meta["lgbm_params"], config=config, class_weight=_class_weight(meta["class_weight"]))
        horizons = detector._validated_horizons()
        if list(horizons) != list(meta["horizons"]) or len(meta["thresholds"]) != len(horizons):
            raise SequentialError(f"{folder}: horizons and thresholds in {META_FILE} do not match")
        detector.models_ = {h: _read_model(folder / f"model_{h}.txt", meta["feature_names"]) for h in horizons}
        detector.horizons_ = horizons
        detector.feature_names_ = list(meta["feature_names"])
        detector.thresholds_ = np.array([np.inf if t is None else float(t) for t in meta["thresholds"]])
        detector.target_ = meta["target"]
        detector.n_deployments_ = meta.get("n_deployments")  # the training fleet's size (None: not recorded)
        return detector

    @classmethod
    def load_default(cls) -> SequentialDetector:
        """The models that ship with the package: trained on weak-supervision labels of a simulated fleet,
        as `python -m fdd train` trains (scripts/train_default_models.py regenerates them exactly)."""
        return cls.load(DEFAULT_MODEL_DIR)


# ---------------------------------------------------------------------------- validation and files


def _thresholds(oof: np.ndarray, labels: np.ndarray, target_precision: float,
                weights: np.ndarray | None = None) -> np.ndarray:
    """One threshold per column of out-of-fold scores, chosen on the rows of positive weight."""
    labelled = np.ones(len(labels), dtype=bool) if weights is None else np.asarray(weights) > 0
    return np.array([precision_threshold(oof[labelled, j], labels[labelled], target_precision)
                     for j in range(oof.shape[1])])


def _validated_labels(labels: np.ndarray | Sequence[int], n: int) -> np.ndarray:
    """Labels as int64 0/1 of length n."""
    try:
        y = np.asarray(labels, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise SequentialError("labels must be numbers 0 or 1") from None
    if len(y) != n:
        raise SequentialError(f"labels have {len(y)} values for {n} deployments")
    if not np.isin(y, (0.0, 1.0)).all():
        bad = y[~np.isin(y, (0.0, 1.0))][0]
        raise SequentialError(f"labels must be 0 or 1 (found {bad})")
    return y.astype(np.int64)


def _validated_weights(weights: np.ndarray | Sequence[float] | None, n: int) -> np.ndarray:
    """Sample weights as finite, non-negative float64 of length n (ones by default)."""
    if weights is None:
        return np.ones(n)
    try:
        w = np.asarray(weights, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise SequentialError("sample_weight must be numbers") from None
    if len(w) != n:
        raise SequentialError(f"sample_weight has {len(w)} values for {n} deployments")
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise SequentialError("sample_weight must be finite, non-negative and not all zero")
    return w


def _threads(detector: SequentialDetector) -> int:
    return int({**DEFAULT_LGBM_PARAMS, **(detector.lgbm_params or {})}.get("num_threads", 1))


_META_KEYS = ("format", "fdd_version", "lightgbm_version", "horizons", "thresholds", "feature_set",
              "feature_names", "check_config", "target", "target_precision", "n_folds", "seed", "lgbm_params",
              "class_weight")


def _class_weight(saved: Any) -> str | dict[int, float] | None:
    """`class_weight` as read back from JSON (dict keys become strings there)."""
    return {int(k): float(v) for k, v in saved.items()} if isinstance(saved, dict) else saved


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return _is_int(value) or (isinstance(value, float) and math.isfinite(value))


def _is_param_value(value: Any) -> bool:
    """A LightGBM parameter value: a JSON scalar or a list of them (e.g. monotone_constraints)."""
    if isinstance(value, list):
        return all(_is_param_value(v) and not isinstance(v, list) for v in value)
    return value is None or isinstance(value, (str, bool)) or _is_number(value)


def _check_config_problem(saved: Any) -> str | None:
    """What is wrong with a saved `check_config` (a dict of CheckConfig's fields), or None."""
    if not isinstance(saved, dict):
        return f"check_config must be an object, got {_json_type(saved)}"
    defaults = {f.name: f.default for f in fields(CheckConfig) if f.default is not MISSING}
    for key, value in saved.items():
        if key not in defaults:
            continue  # CheckConfig(**...) names unknown keys itself
        want_int = _is_int(defaults[key])
        if not (_is_int(value) if want_int else _is_number(value)):
            return f"check_config.{key} must be {'a whole number' if want_int else 'a finite number'}, got {value!r}"
    return None


def _class_weight_ok(saved: Any) -> bool:
    if saved is None or saved == "balanced":
        return True
    return (isinstance(saved, dict) and set(saved) == {"0", "1"}
            and all(_is_number(v) and v > 0 for v in saved.values()))


def _json_type(value: Any) -> str:
    names = {type(None): "null", bool: "a boolean", str: "a string", list: "a list", dict: "an object"}
    return names.get(type(value), "a number" if isinstance(value, (int, float)) else type(value).__name__)


def _meta_problem(meta: dict[str, Any]) -> str | None:
    """The first value of a meta.json of the wrong type or out of range, described; None if all fit."""
    horizons, thresholds = meta["horizons"], meta["thresholds"]
    rules: list[tuple[str, bool, str]] = [
        ("fdd_version", isinstance(meta["fdd_version"], str), "a string"),
        ("lightgbm_version", isinstance(meta["lightgbm_version"], str), "a string"),
        ("horizons", isinstance(horizons, list) and bool(horizons) and all(_is_int(h) and h >= 1 for h in horizons),
         "a non-empty list of whole minutes >= 1"),
        ("thresholds", isinstance(thresholds, list) and all(t is None or _is_number(t) for t in thresholds),
         "a list of numbers (null: never fires)"),
        ("feature_set", isinstance(meta["feature_set"], str), "a string"),
        ("feature_names", isinstance(meta["feature_names"], list)
         and all(isinstance(n, str) for n in meta["feature_names"]), "a list of strings"),
        ("target", isinstance(meta["target"], str), "a string"),
        ("target_precision", _is_number(meta["target_precision"]) and 0 < meta["target_precision"] <= 1,
         "a number in (0, 1]"),
        ("n_folds", _is_int(meta["n_folds"]) and meta["n_folds"] >= 2, "a whole number >= 2"),
        ("seed", _is_int(meta["seed"]) and meta["seed"] >= 0, "a whole number >= 0"),
        ("lgbm_params", meta["lgbm_params"] is None or (
            isinstance(meta["lgbm_params"], dict) and all(_is_param_value(v) for v in meta["lgbm_params"].values())
            and _is_int(meta["lgbm_params"].get("num_threads", 1))),
         "null or an object of LightGBM parameters (num_threads a whole number)"),
        ("class_weight", _class_weight_ok(meta["class_weight"]),
         'null, "balanced" or {"0": w0, "1": w1} with positive weights'),
        ("n_deployments", meta.get("n_deployments") is None or (_is_int(meta["n_deployments"])
                                                              and meta["n_deployments"] >= 1),
         "null or a whole number >= 1"),
    ]
    for key, ok, expected in rules:
        if not ok:
            shown = json.dumps(meta[key])
            return f"{key} must be {expected}, got {shown if len(shown) <= 60 else shown[:57] + '...'}"
    if len(thresholds) != len(horizons):
        return f"{len(horizons)} horizons but {len(thresholds)} thresholds"
    return _check_config_problem(meta["check_config"])


def _read_meta(folder: Path) -> dict[str, Any]:
    """meta.json, every value checked for its type: a damaged file is one SequentialError."""
    if not folder.is_dir():
        raise SequentialError(f"{folder}: {'not a folder' if folder.exists() else 'no such model folder'}")
    path = folder / META_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SequentialError(f"{folder}: not a model folder (no {META_FILE})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SequentialError(f"{path}: unreadable ({exc})") from None
    missing = [k for k in _META_KEYS if not isinstance(meta, dict) or k not in meta]
    if missing:
        raise SequentialError(f"{path}: missing {', '.join(missing)}; not a model folder of fdd {__version__}")
    if not _is_int(meta["format"]) or meta["format"] != FORMAT_VERSION:
        raise SequentialError(f"{path}: model format {meta['format']}, expected {FORMAT_VERSION}")
    problem = _meta_problem(meta)
    if problem:
        raise SequentialError(f"{path}: damaged: {problem}; retrain with `python -m fdd train`")
    return meta


def _model_text_problem(data: bytes) -> str | None:
    """Why `data` cannot be a complete LightGBM text model, or None when its layout is whole.

    LightGBM trusts the header's `tree_sizes` and reads that many bytes per tree: on a truncated
    file it reads past the end or aborts the process, so the layout is checked here first.
    """
    if not data.startswith(b"tree\n"):
        return "it does not start like a LightGBM text model"
    end = data.find(b"\nend of trees\n")
    if end < 0 or not _closing_line_ok(data.rstrip(b"\n").rsplit(b"\n", 1)[-1]):
        return "it is truncated (no 'end of trees' and closing 'pandas_categorical' lines)"
    first = data.find(b"\nTree=")
    if first < 0 or first > end:
        return "it holds no trees"
    header = data[:first].split(b"\n")
    sizes_line = next((line for line in header if line.startswith(b"tree_sizes=")), None)
    if sizes_line is not None:
        try:
            sizes = [int(x) for x in sizes_line[len(b"tree_sizes="):].split()]
        except ValueError:
            return "its tree_sizes line is damaged"
        starts = np.r_[0, np.cumsum(sizes, dtype=np.int64)] + first + 1
        if any(size < 0 for size in sizes) or starts[-1] > end + 1 or not all(
                data.startswith(b"Tree=", int(at)) for at in starts[:-1]):
            return "its trees do not match its tree_sizes header (truncated or edited)"
    return None


def _closing_line_ok(line: bytes) -> bool:
    """The last line Python's LightGBM writes: `pandas_categorical:<JSON>`."""
    prefix = b"pandas_categorical:"
    if not line.startswith(prefix):
        return False
    try:
        json.loads(line[len(prefix):])
    except ValueError:
        return False
    return True


@contextlib.contextmanager
def _quiet_lightgbm() -> Iterator[None]:
    """Silence LightGBM while it parses a model.

    Its native `[LightGBM] [Fatal]` line is written straight to file descriptor 2 (the same message
    comes back as the exception), its warnings go through Python's print: both are dropped here.
    """
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            sys.stderr.flush()
            saved = os.dup(2)
        except (OSError, ValueError):  # no usable descriptor 2: nothing to silence
            saved = None
        if saved is None:
            yield
            return
        try:
            with open(os.devnull, "wb") as sink:
                os.dup2(sink.fileno(), 2)
                try:
                    yield
                finally:
                    os.dup2(saved, 2)
        finally:
            os.close(saved)


def _read_model(path: Path, names: list[str]) -> lgb.Booster:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SequentialError(f"{path}: missing model file") from None
    except OSError as exc:
        raise SequentialError(f"{path}: unreadable ({exc})") from None
    problem = _model_text_problem(data)
    if problem is not None:
        raise SequentialError(f"{path}: not a complete LightGBM text model: {problem}; retrain")
    try:
        text = data.decode("utf-8")
        with _quiet_lightgbm():
            booster = lgb.Booster(model_str=text)
    except (ValueError, lgb.basic.LightGBMError) as exc:  # ValueError: UnicodeDecodeError, bad JSON
        raise SequentialError(f"{path}: not a LightGBM text model ({' '.join(str(exc).split())}); retrain") from None
    if booster.feature_name() != names:
        raise SequentialError(f"{path}: its features differ from those in {META_FILE}; retrain")
    return booster


def _write_atomic(path: Path, text: str) -> None:
    """Write a text file atomically, as `fdd.schema.write_table` writes tables.

    A hidden, uniquely named temp file beside `path`, created by `open` so that it gets the usual
    permissions (umask), not mkstemp's 0600; then a rename. No partial file is left on failure.
    """
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
