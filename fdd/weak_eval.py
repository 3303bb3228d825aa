"""How good weak supervision is: label quality against truth, and what it does to the models.

`label_quality_table` compares the label model, majority vote and the 60-minute ensemble as
labelers. `compare_label_sources` trains the sequential models on the ensemble's vote (the blog's
second step) and on weak labels, and compares their cascades on the same fleet with out-of-fold
scores: coverage at each horizon, time to detection, and precision and recall on the deployments
where the two models' final decisions differ (the simulator's stand-in for the blog's manual
review of disagreements). Truth is read only here and in `fdd.metrics`, never to fit or threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from fdd.checks import HorizonVerdict, run_checks
from fdd.fleet import Fleet
from fdd.metrics import coverage_by_horizon, disagreement_metrics, label_quality, require_truth, time_to_detection
from fdd.weak import CHECK_HORIZON, LFConfig, WeakLabels, training_targets, weak_labels

if TYPE_CHECKING:  # lightgbm is imported only when models are trained
    from fdd.sequential import CascadeResult, SequentialDetector

LABEL_VARIANTS: dict[str, str] = {
    "ensemble": "the 60-minute check ensemble's vote",
    "weak_thresholded": "label-model labels (P(faulty) > 0.5); abstained deployments get weight 0",
    "weak_weighted": "label-model labels, each deployment weighted by the probability of its label",
}
Progress = Callable[[str], None]


def label_quality_table(fleet: Fleet, label_model: WeakLabels, majority: WeakLabels,
                        verdict: HorizonVerdict | None = None) -> pd.DataFrame:
    """Precision, recall, F1 and coverage against truth of the three labelers.

    Abstentions count as "not faulty" for precision and recall; coverage is the share labelled.
    The ensemble labels every deployment (that is how it trains the models).
    """
    truth = require_truth(fleet, "measuring label quality")
    verdict = verdict if verdict is not None else run_checks(fleet, CHECK_HORIZON)
    rows = [
        {"labeler": "label model", "model": label_model.model, **label_quality(label_model.label, truth)},
        {"labeler": "majority vote", "model": majority.model, **label_quality(majority.label, truth)},
        {"labeler": "ensemble alone", "model": "unanimous vote of the checks at 60 min",
         **label_quality(verdict.flagged.astype(np.int64), truth)},
    ]
    return pd.DataFrame(rows)


def vote_pattern_ceiling(L: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """The best label F1 that any rule mapping votes to labels could reach on this fleet.

    A label model's label is a function of a deployment's row of votes, so deployments with the
    same votes get the same label. Labelling every vote pattern by its true faulty share (an
    oracle, in-sample) and keeping the patterns above the F1-optimal share gives the ceiling:
    adding a pattern raises F1 exactly when its share exceeds F1 / 2, so the best set is a prefix of
    the patterns sorted by share. It measures how much the rules themselves know. (It may label
    the all-abstain pattern faulty, which no label model does: a bound, slightly loose.) NaN
    without any faulty deployment; ValueError when some truth is unknown (NaN or NA).
    """
    truth = require_truth(truth, "the vote-pattern ceiling").astype(np.int64)
    if L.shape[1] == 0 or not truth.any():
        return {"f1": float("nan"), "precision": float("nan"), "recall": float("nan"), "patterns": 0}
    _, pattern = np.unique(np.asarray(L), axis=0, return_inverse=True)
    pattern = pattern.ravel()
    size = np.bincount(pattern).astype(np.float64)
    faulty = np.bincount(pattern, weights=truth.astype(np.float64))
    order = np.argsort(-(faulty / size), kind="stable")
    tp, flagged = np.cumsum(faulty[order]), np.cumsum(size[order])
    f1 = 2.0 * tp / (flagged + truth.sum())
    best = int(np.argmax(f1))
    return {"f1": float(f1[best]), "precision": float(tp[best] / flagged[best]),
            "recall": float(tp[best] / max(truth.sum(), 1)), "patterns": int(len(size))}


# ---------------------------------------------------------------------------- training


MIN_FLAGS_FOR_TARGET = 10  # the reference must flag this many labelled deployments to set a target


def matched_thresholds(candidate: SequentialDetector, reference: SequentialDetector, labels: np.ndarray,
                       weights: np.ndarray) -> np.ndarray:
    """Thresholds at which `candidate` is, horizon by horizon, as precise against the weak labels as
    `reference` (the ensemble-trained detector) is: one referee for both models, and no truth.

    Why not the same target precision: the ensemble's vote is a function of the telemetry, so a
    model reproduces it almost exactly and 0.9 against it is easy; weak labels also carry rollbacks
    and lifetimes the telemetry cannot show, so 0.9 against them may hold for a handful of
    deployments only, and the two models would sit at incomparable operating points.
    """
    from fdd.sequential import precision_threshold

    labelled = np.asarray(weights) > 0
    y = np.asarray(labels)[labelled]
    out = []
    for j in range(len(reference.horizons_)):
        fired = reference.oof_proba_[labelled, j] >= reference.thresholds_[j]
        # A precision measured on a handful of flags is noise (one unlucky flag would give a
        # target of 0 and a model that flags everything): below MIN_FLAGS_FOR_TARGET flags the
        # reference's own target precision stands. Never below twice the positives' share,
        # or the "detector" would be no better than a coin weighted by the base rate.
        enough = int(fired.sum()) >= MIN_FLAGS_FOR_TARGET
        target = float(y[fired].mean()) if enough else float(reference.target_precision)
        target = max(target, min(2.0 * float(y.mean()), 1.0))
        out.append(precision_threshold(candidate.oof_proba_[labelled, j], y, target))
    return np.array(out)


def fit_ensemble_detector(fleet: Fleet, verdict: HorizonVerdict | None = None,
                          **detector_args: object) -> SequentialDetector:
    """The sequential models trained on the 60-minute ensemble's vote (the blog's second step)."""
    from fdd.sequential import SequentialDetector  # lightgbm: imported only when models are trained

    labels = None if verdict is None else verdict.flagged.astype(np.int64)
    return SequentialDetector(**detector_args).fit(fleet, labels=labels)


def fit_weak_detector(fleet: Fleet, weak: WeakLabels, *, weighted: bool = False,
                      reference: SequentialDetector | None = None, verdict: HorizonVerdict | None = None,
                      **detector_args: object) -> SequentialDetector:
    """The sequential models trained on weak labels, with thresholds matched to `reference`.

    `reference` is the ensemble-trained detector (fitted here when not given). With `weighted`,
    each deployment weighs the probability of its label; deployments no LF voted on weigh 0.
    """
    from fdd.sequential import SequentialDetector

    reference = reference if reference is not None else fit_ensemble_detector(fleet, verdict, **detector_args)
    labels, weights = training_targets(weak, weighted=weighted)
    how = ", probability-weighted" if weighted else ""
    detector = SequentialDetector(**detector_args).fit(
        fleet, labels=labels, sample_weight=weights,
        target_name=f"weak supervision ({weak.model}{how}); thresholds matched to the ensemble-trained "
                    "models' precision against these labels")
    detector.thresholds_ = matched_thresholds(detector, reference, labels, weights)
    return detector


# ---------------------------------------------------------------------------- comparison


def _model_row(name: str, result: CascadeResult, truth: np.ndarray, horizons: tuple[int, ...],
               positives: float) -> dict[str, object]:
    """Quality of one cascade against truth: overall, coverage per horizon, time to detection."""
    quality = label_quality(result.faulty.astype(np.int64), truth)
    row: dict[str, object] = {"labels": name, "training_positives": positives,
                              "precision": quality["precision"], "recall": quality["recall"], "f1": quality["f1"]}
    coverage = coverage_by_horizon(result.detected_minute, truth, horizons)
    for h, value in zip(coverage["horizon"], coverage["coverage"]):
        row[f"coverage_{h}"] = value
    row["time_to_detection"] = time_to_detection(result.detected_minute, truth, horizons[-1])["mean_minutes"]
    return row


def _disagreement_columns(candidate: CascadeResult, reference: CascadeResult, truth: np.ndarray
                          ) -> dict[str, float]:
    """Precision and recall of the candidate and of the ensemble-trained model where they differ."""
    table = disagreement_metrics(candidate.faulty, reference.faulty, truth)
    a, b = table.iloc[0], table.iloc[1]
    return {"disagreements": int(a["disagreements"]),
            "disagreement_precision": a["precision"], "disagreement_recall": a["recall"],
            "ensemble_disagreement_precision": b["precision"], "ensemble_disagreement_recall": b["recall"]}


def compare_label_sources(fleet: Fleet, config: LFConfig | None = None, *, weak: WeakLabels | None = None,
                          verdict: HorizonVerdict | None = None, horizons: Sequence[int] = (10, 20, 60),
                          feature_set: str = "full", target_precision: float = 0.9, n_folds: int = 5,
                          seed: int = 0, variants: Sequence[str] = tuple(LABEL_VARIANTS),
                          progress: Progress | None = None) -> pd.DataFrame:
    """Sequential models trained on each label source, judged against truth (one row per source).

    The ensemble-trained models use `target_precision` against the ensemble's vote; the weak-label
    models are matched to them (`matched_thresholds`). Columns: training positives; precision,
    recall, F1 of the final decision; `coverage_<h>` (share of truly faulty deployments already
    flagged at minute h); `time_to_detection` (mean minute among detected faulty ones); and, for
    weak-label rows, precision and recall on the deployments where this model and the
    ensemble-trained one decide differently, for both models.
    """
    unknown = set(variants) - set(LABEL_VARIANTS)
    if unknown or "ensemble" not in variants:
        raise ValueError(f"variants must include 'ensemble' and come from {list(LABEL_VARIANTS)}; got {list(variants)}")
    truth = require_truth(fleet, "comparing label sources")
    horizons = tuple(sorted({int(h) for h in horizons}))
    say = progress or (lambda message: None)
    verdict = verdict if verdict is not None else run_checks(fleet, CHECK_HORIZON)
    if weak is None and any(v != "ensemble" for v in variants):
        say("Fitting the label model…")
        weak = weak_labels(fleet, config, seed=seed, verdict=verdict)
    args = dict(horizons=horizons, feature_set=feature_set, target_precision=target_precision,
                n_folds=n_folds, seed=seed)
    say(f"Training the sequential models on {LABEL_VARIANTS['ensemble']}…")
    reference = fit_ensemble_detector(fleet, verdict, **args)
    reference_result = reference.oof_cascade()
    rows = [_model_row("ensemble", reference_result, truth, horizons, float(reference.labels_.sum()))]
    for name in variants:
        if name == "ensemble":
            continue
        say(f"Training the sequential models on {LABEL_VARIANTS[name]}…")
        weighted = name == "weak_weighted"
        detector = fit_weak_detector(fleet, weak, weighted=weighted, reference=reference, **args)
        labels, weights = training_targets(weak, weighted=weighted)
        result = detector.oof_cascade()
        row = _model_row(name, result, truth, horizons, float((labels * weights).sum()))
        row.update(_disagreement_columns(result, reference_result, truth))
        rows.append(row)
    return pd.DataFrame(rows)
