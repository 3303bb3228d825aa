"""Every approach measured on one fleet: the stage table of the Results page, the CLI and the benchmarks.

A *stage* is one detector reduced to what the metrics need: per deployment, the first minute at
which it flagged the deployment (-1 when it never did). The stages of the journey are

* ``checks_vote``    the checks alone, the unanimous vote at 60 minutes (the first step);
* ``checks_cascade`` the same checks run at 10, 20 and 60 minutes, flagged at the first unanimous vote;
* ``seq_ensemble``   sequential LightGBM models trained on the 60-minute ensemble's verdicts of this
  fleet (the second step), scored out of fold, so every deployment is judged by models that did not
  see it;
* ``seq_weak``       the same models trained on weak-supervision labels (the third step), out of fold;
* ``seq_shipped``    the models that ship with fdd (trained on weak-supervision labels of another simulated
  fleet, as `python -m fdd train` trains);
* ``kayenta``        a Kayenta-style Mann-Whitney canary judge at 10, 20 and 60 minutes (the peer).

`stage_table` measures each of them against ground truth (`label`) and against the 60-minute
ensemble (coverage), the way Datadog's blog reports its figures (`fdd.reference`):

* precision, recall and F1 of the final decision against truth;
* coverage at h: the share of the 60-minute ensemble's positives already flagged by minute h;
* time to detection: the mean detection minute among detected faulty deployments, as a multiple
  of 60 minutes;
* precision and recall on disagreements: on the deployments where this stage and the
  ensemble-trained models decide differently (for the ensemble-trained models themselves: where
  they and the weak-supervision models differ), the share of its flags that are faulty and the
  share of the faulty ones it flags (the simulator's truth stands in for the blog's manual review).

Ground truth is read only here and in `fdd.metrics`; never by a detector. Training goes through
`train_on_ensemble` / `train_on_weak_labels`, so the app can cache each piece separately.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from fdd.checks import HorizonVerdict, first_detection, run_horizons
from fdd.fleet import Fleet
from fdd.metrics import (
    confusion,
    coverage_by_horizon,
    disagreement_metrics,
    rate_by_group,
    require_truth,
    time_to_detection,
    truth_of,  # re-exported: the app and the tests read truth through `fdd.evaluation` too
)

if TYPE_CHECKING:  # lightgbm and torch are imported only when models are trained
    from fdd.sequential import CascadeResult, SequentialDetector
    from fdd.weak import WeakLabels

__all__ = [
    "CHECKS_CASCADE",
    "CHECKS_VOTE",
    "FULL_HORIZON",
    "HORIZONS",
    "KAYENTA",
    "SEQ_ENSEMBLE",
    "SEQ_SHIPPED",
    "SEQ_WEAK",
    "SHIPPED_HOW",
    "STAGE_NAMES",
    "STAGE_SHORT",
    "Stage",
    "cascade_stage",
    "checks_cascade_stage",
    "checks_vote_stage",
    "coverage_frame",
    "detection_time_frame",
    "detections_frame",
    "evaluate_fleet",
    "kayenta_stage",
    "reference_comparison",
    "scenario_recall_frame",
    "stage_table",
    "tables_zip",
    "train_on_ensemble",
    "train_on_weak_labels",
    "truth_of",
]

HORIZONS: tuple[int, ...] = (10, 20, 60)
# How the shipped models' stage was measured (the Results table's "how" column).
SHIPPED_HOW = "trained on another simulated fleet's weak-supervision labels (as python -m fdd train); scored here"
FULL_HORIZON = 60
EARLY_HORIZONS: tuple[int, ...] = (10, 20)  # the blog's coverage figures

CHECKS_VOTE = "checks_vote"
CHECKS_CASCADE = "checks_cascade"
SEQ_ENSEMBLE = "seq_ensemble"
SEQ_WEAK = "seq_weak"
SEQ_SHIPPED = "seq_shipped"
KAYENTA = "kayenta"
# Display names, in the order of the journey (the tables and charts keep this order).
STAGE_NAMES: dict[str, str] = {
    CHECKS_VOTE: "Checks only: 60-min unanimous vote",
    CHECKS_CASCADE: "Checks only: cascade at 10/20/60 min",
    SEQ_ENSEMBLE: "Sequential models, ensemble labels",
    SEQ_WEAK: "Sequential models, weak-supervision labels",
    SEQ_SHIPPED: "Sequential models shipped with fdd",
    KAYENTA: "Kayenta-style judge at 10/20/60 min",
}
# Short names for chart legends and axes, same order.
STAGE_SHORT: dict[str, str] = {
    CHECKS_VOTE: "checks: 60-min vote",
    CHECKS_CASCADE: "checks: cascade",
    SEQ_ENSEMBLE: "models: ensemble labels",
    SEQ_WEAK: "models: weak labels",
    SEQ_SHIPPED: "models: shipped",
    KAYENTA: "Kayenta-style judge",
}
NOT_DETECTED = "not detected"
Progress = Callable[[str], None]


@dataclass(frozen=True, eq=False)
class Stage:
    """One detector's decisions on a fleet: the first minute it flagged each deployment (-1: never)."""

    key: str
    name: str
    detected_minute: np.ndarray  # int64 (n,)
    how: str = ""  # one line: how these decisions were obtained

    def __post_init__(self) -> None:
        detected = np.nan_to_num(np.asarray(self.detected_minute, dtype=np.float64), nan=-1.0)
        if detected.ndim != 1:
            raise ValueError(f"stage {self.key!r}: detected_minute must be one value per deployment")
        object.__setattr__(self, "detected_minute", np.where(detected >= 0, detected, -1).astype(np.int64))

    @property
    def flagged(self) -> np.ndarray:
        """Flagged by the last horizon (the final decision)."""
        return self.detected_minute >= 0


# ---------------------------------------------------------------------------- building stages


def checks_vote_stage(verdicts: Sequence[HorizonVerdict] | HorizonVerdict, horizon: int = FULL_HORIZON) -> Stage:
    """The unanimous vote of the checks at `horizon` (default 60 minutes): flagged there or never."""
    verdict = _verdict_at(verdicts, horizon)
    detected = np.where(verdict.flagged, verdict.horizon, -1)
    return Stage(CHECKS_VOTE, STAGE_NAMES[CHECKS_VOTE], detected,
                 f"every check votes faulty on the data before minute {verdict.horizon}")


def checks_cascade_stage(verdicts: Sequence[HorizonVerdict]) -> Stage:
    """The checks at every horizon: flagged at the first horizon whose unanimous vote fires."""
    verdicts = sorted(verdicts, key=lambda v: v.horizon)
    if not verdicts:
        raise ValueError("the checks cascade needs the checks of at least one horizon")
    horizons = "/".join(str(v.horizon) for v in verdicts)
    return Stage(CHECKS_CASCADE, STAGE_NAMES[CHECKS_CASCADE], first_detection(list(verdicts)),
                 f"the unanimous vote run at {horizons} min; flagged at the first that fires")


def cascade_stage(key: str, result: CascadeResult, how: str = "", name: str | None = None) -> Stage:
    """A stage from an `fdd.sequential.CascadeResult` (its `detected_minute`)."""
    return Stage(key, name or STAGE_NAMES.get(key, key), np.asarray(result.detected_minute), how)


def _scores_detected(scores: pd.DataFrame, ids: np.ndarray) -> np.ndarray:
    """The `detected_minute` of a scores table, in the fleet's order (-1 where empty)."""
    missing = {"deployment_id", "detected_minute"} - set(scores.columns)
    if missing:
        raise ValueError(f"the scores table lacks {sorted(missing)}")
    position = pd.Index(scores["deployment_id"].astype(str)).get_indexer(np.asarray(ids).astype(str))
    if (position < 0).any():
        raise ValueError(f"the scores table has no row for deployment {np.asarray(ids)[position < 0][0]}")
    detected = pd.to_numeric(scores["detected_minute"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    return np.nan_to_num(detected[position], nan=-1.0)


def kayenta_stage(scores: pd.DataFrame | Iterable[pd.DataFrame], ids: np.ndarray) -> Stage:
    """The Kayenta-style judge from one or more `judge_fleet` tables (e.g. runs at (10, 20) and at (60,)).

    Each run of the judge at a horizon is independent of the others, so the first failing horizon
    over several tables is the earliest of their `detected_minute`s.
    """
    frames = [scores] if isinstance(scores, pd.DataFrame) else list(scores)
    if not frames:
        raise ValueError("give at least one table of the Kayenta-style judge")
    detected = np.stack([_scores_detected(f, ids) for f in frames])
    first = np.where(detected >= 0, detected, np.inf).min(axis=0)
    return Stage(KAYENTA, STAGE_NAMES[KAYENTA], np.where(np.isfinite(first), first, -1),
                 "Mann-Whitney tests per metric, Kayenta's scorer; flagged at the first failing run")


def _verdict_at(verdicts: Sequence[HorizonVerdict] | HorizonVerdict, horizon: int) -> HorizonVerdict:
    if isinstance(verdicts, HorizonVerdict):
        return verdicts
    for v in verdicts:
        if v.horizon == horizon:
            return v
    raise ValueError(f"the checks did not run at {horizon} minutes")


# ---------------------------------------------------------------------------- training


def train_on_ensemble(fleet: Fleet, seed: int = 0, **detector_args: object) -> SequentialDetector:
    """Sequential models fitted on the fleet's 60-minute ensemble verdicts (a `SequentialDetector`)."""
    from fdd.sequential import SequentialDetector  # lightgbm: imported only when models are trained

    return SequentialDetector(seed=seed, **detector_args).fit(fleet)


def train_on_weak_labels(fleet: Fleet, weak: WeakLabels | None = None, seed: int = 0,
                         reference: SequentialDetector | None = None, weighted: bool = False,
                         **detector_args: object) -> SequentialDetector:
    """Sequential models fitted on weak-supervision labels (`fdd.weak.weak_labels` unless `weak` is given).

    As `python -m fdd train` fits them: the label model's thresholded labels (with `weighted`,
    each deployment weighs the probability of its label instead; those on which every labeling
    function abstained weigh 0 either way), and each horizon's threshold is matched to the precision the
    ensemble-trained models (`reference`, trained here when not given) reach against the same
    labels: a fixed 0.9 against noisy labels would only be met by a model that flags nothing
    (`fdd.weak_eval.fit_weak_detector`). Raises ValueError with one clear line when training
    is impossible (one class only, too few positives).
    """
    from fdd.weak import training_targets, weak_labels
    from fdd.weak_eval import fit_weak_detector

    weak = weak if weak is not None else weak_labels(fleet, seed=seed)
    _, weights = training_targets(weak, weighted=weighted)
    if not weights.any():
        raise ValueError("every labeling function abstains on every deployment: there is no label to train on")
    reference = reference if reference is not None else train_on_ensemble(fleet, seed, **detector_args)
    return fit_weak_detector(fleet, weak, weighted=weighted, reference=reference, seed=seed, **detector_args)


def evaluate_fleet(fleet: Fleet, *, seed: int = 0, include: Sequence[str] | None = None,
                   verdicts: Sequence[HorizonVerdict] | None = None, progress: Progress | None = None) -> list[Stage]:
    """Compute every stage on `fleet` (what the CLI and the benchmarks call; the app caches pieces).

    `include` picks stages by key (default: all of STAGE_NAMES; the Kayenta-style judge is the
    slowest: `benchmarks/bench_app.py` times it). Training stages are scored out of fold.
    """
    keys = tuple(STAGE_NAMES) if include is None else tuple(include)
    unknown = set(keys) - set(STAGE_NAMES)
    if unknown:
        raise ValueError(f"unknown stages {sorted(unknown)}; choose from {list(STAGE_NAMES)}")
    say = progress or (lambda message: None)
    say("Running the statistical checks at 10, 20 and 60 minutes…")
    verdicts = list(verdicts) if verdicts is not None else run_horizons(fleet, HORIZONS)
    stages: list[Stage] = []
    for key in keys:
        if key == CHECKS_VOTE:
            stages.append(checks_vote_stage(verdicts))
        elif key == CHECKS_CASCADE:
            stages.append(checks_cascade_stage(verdicts))
        elif key == SEQ_ENSEMBLE:
            say("Training the sequential models on the ensemble's verdicts (5-fold, out of fold)…")
            stages.append(cascade_stage(SEQ_ENSEMBLE, train_on_ensemble(fleet, seed).oof_cascade(),
                                        "trained on this fleet's 60-min ensemble; scored out of fold"))
        elif key == SEQ_WEAK:
            say("Fitting the label model and training on its labels (5-fold, out of fold)…")
            stages.append(cascade_stage(SEQ_WEAK, train_on_weak_labels(fleet, seed=seed).oof_cascade(),
                                        "trained on this fleet's weak-supervision labels; scored out of fold"))
        elif key == SEQ_SHIPPED:
            from fdd.sequential import SequentialDetector

            say("Scoring with the shipped models…")
            stages.append(cascade_stage(SEQ_SHIPPED, SequentialDetector.load_default().cascade(fleet), SHIPPED_HOW))
        elif key == KAYENTA:
            from fdd.kayenta import judge_fleet

            say(f"Judging {fleet.n:,} deployments one at a time with the Kayenta-style judge…")
            stages.append(kayenta_stage(judge_fleet(fleet, HORIZONS), fleet.ids))
    return stages


# ---------------------------------------------------------------------------- measuring


def _reference(fleet: Fleet, stages: Sequence[Stage], reference: np.ndarray | None) -> np.ndarray:
    """The 60-minute ensemble's positives: given, from the checks_vote stage, or computed."""
    if reference is not None:
        ref = np.asarray(reference).astype(bool)
    else:
        vote = next((s for s in stages if s.key == CHECKS_VOTE), None)
        if vote is not None:
            ref = vote.flagged
        else:
            from fdd.checks import run_checks

            ref = run_checks(fleet, FULL_HORIZON).flagged
    if ref.shape != (fleet.n,):
        raise ValueError(f"the reference has {ref.shape[0]} values for {fleet.n} deployments")
    return ref


def _check_stages(fleet: Fleet, stages: Sequence[Stage]) -> None:
    keys = [s.key for s in stages]
    if len(set(keys)) != len(keys):
        raise ValueError(f"stage keys must be unique, got {keys}")
    for s in stages:
        if len(s.detected_minute) != fleet.n:
            raise ValueError(f"stage {s.key!r} has {len(s.detected_minute)} decisions for {fleet.n} deployments")


def _partner(key: str, by_key: Mapping[str, Stage]) -> Stage | None:
    """The stage a stage's disagreements are measured against (the ensemble-trained models)."""
    if key != SEQ_ENSEMBLE:
        return by_key.get(SEQ_ENSEMBLE)
    return by_key.get(SEQ_WEAK)


def stage_table(fleet: Fleet, stages: Sequence[Stage] | None = None, *, reference: np.ndarray | None = None,
                early_horizons: Sequence[int] = EARLY_HORIZONS, full_horizon: int = FULL_HORIZON) -> pd.DataFrame:
    """One row per stage: quality against truth, coverage, time to detection, disagreements.

    Columns: stage, key, flagged, precision, recall, f1 (NaN without a `label` column),
    `coverage_<h>` for each early horizon (share of the 60-minute ensemble's positives flagged by
    minute h), ttd_minutes and ttd_multiple (mean detection minute among detected faulty
    deployments, and that as a multiple of `full_horizon`), disagrees_with, disagreements,
    precision_disagreements, recall_disagreements, how. `stages` defaults to `evaluate_fleet(fleet)`.
    """
    stages = list(stages) if stages is not None else evaluate_fleet(fleet)
    _check_stages(fleet, stages)
    truth = truth_of(fleet)
    ref = _reference(fleet, stages, reference)
    by_key = {s.key: s for s in stages}
    rows = []
    for s in stages:
        row: dict[str, object] = {"stage": s.name, "key": s.key, "flagged": int(s.flagged.sum())}
        if truth is not None:
            c = confusion(s.flagged, truth)
            row |= {"precision": c.precision, "recall": c.recall, "f1": c.f1}
        else:
            row |= {"precision": np.nan, "recall": np.nan, "f1": np.nan}
        coverage = coverage_by_horizon(s.detected_minute, ref, tuple(early_horizons))
        for h, value in zip(coverage["horizon"], coverage["coverage"]):
            row[f"coverage_{int(h)}"] = float(value)
        if truth is not None:
            ttd = time_to_detection(s.detected_minute, truth, full_horizon)
            row |= {"ttd_minutes": ttd["mean_minutes"], "ttd_multiple": ttd["multiple_of_full"]}
        else:
            row |= {"ttd_minutes": np.nan, "ttd_multiple": np.nan}
        partner = _partner(s.key, by_key)
        row["disagrees_with"] = partner.name if partner is not None else ""
        if partner is not None and truth is not None:
            d = disagreement_metrics(s.flagged, partner.flagged, truth).iloc[0]
            row |= {"disagreements": int(d["disagreements"]), "precision_disagreements": float(d["precision"]),
                    "recall_disagreements": float(d["recall"])}
        else:
            row |= {"disagreements": pd.NA, "precision_disagreements": np.nan, "recall_disagreements": np.nan}
        row["how"] = s.how
        rows.append(row)
    table = pd.DataFrame(rows)
    table["disagreements"] = table["disagreements"].astype("Int64")
    return table


def coverage_frame(stages: Sequence[Stage], reference: np.ndarray,
                   horizons: Sequence[int] = HORIZONS) -> pd.DataFrame:
    """Long table for the coverage chart: stage, key, horizon, covered, reference, coverage."""
    ref = np.asarray(reference).astype(bool)
    frames = []
    for s in stages:
        cov = coverage_by_horizon(s.detected_minute, ref, tuple(horizons))
        frames.append(cov.assign(stage=s.name, key=s.key))
    columns = ["stage", "key", "horizon", "covered", "reference", "coverage"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def _bucket(minute: int) -> str:
    return NOT_DETECTED if minute < 0 else f"{int(minute)} min"


def detection_time_frame(stages: Sequence[Stage], truth: np.ndarray) -> pd.DataFrame:
    """Long table for the time-to-detection chart: among the truly faulty deployments, how many each
    stage detected at each minute, or never. Columns: stage, key, detected, minute (NaN for never),
    order, deployments, share."""
    truth = require_truth(truth, "the time-to-detection table")
    total = int(truth.sum())
    rows = []
    for s in stages:
        minutes = s.detected_minute[truth]
        values, counts = np.unique(minutes, return_counts=True)
        for value, count in zip(values.tolist(), counts.tolist()):
            rows.append({"stage": s.name, "key": s.key, "detected": _bucket(value),
                         "minute": float(value) if value >= 0 else np.nan,
                         "order": value if value >= 0 else 10**6,
                         "deployments": int(count), "share": count / total if total else np.nan})
    columns = ["stage", "key", "detected", "minute", "order", "deployments", "share"]
    return pd.DataFrame(rows, columns=columns)


def scenario_recall_frame(stages: Sequence[Stage], deployments: pd.DataFrame) -> pd.DataFrame:
    """Long table: recall of each stage per fault scenario (columns stage, key, scenario, detected,
    deployments, recall). Empty when the deployments table lacks `label` or `scenario`."""
    columns = ["stage", "key", "scenario", "detected", "deployments", "recall"]
    truth = truth_of(deployments)
    if truth is None or "scenario" not in deployments.columns or not truth.any():
        return pd.DataFrame(columns=columns)
    scenario = deployments["scenario"].astype(str).to_numpy()
    frames = []
    for s in stages:
        by = rate_by_group(s.flagged, scenario, truth)
        frames.append(pd.DataFrame({"stage": s.name, "key": s.key, "scenario": by["group"],
                                    "detected": by["flagged"].astype(int), "deployments": by["deployments"],
                                    "recall": by["flagged_share"]}))
    return pd.concat(frames, ignore_index=True)[columns]


def detections_frame(fleet: Fleet, stages: Sequence[Stage]) -> pd.DataFrame:
    """Per deployment: id, truth columns when known, and each stage's detection minute (empty: never)."""
    out = pd.DataFrame({"deployment_id": fleet.ids.astype(str)})
    for column in ("service", "scenario", "label"):
        if column in fleet.deployments.columns:
            out[column] = fleet.deployments[column].to_numpy()
    for s in stages:
        minute = pd.array(np.where(s.flagged, s.detected_minute, 0), dtype="Int64")
        minute[~s.flagged] = pd.NA
        out[f"detected_{s.key}"] = minute
    return out


def reference_comparison(table: pd.DataFrame) -> pd.DataFrame:
    """Measured-here figures of the ensemble- and weak-trained models next to Datadog's reported ones.

    Columns: figure, measured_ensemble_labels, measured_weak_labels (from `stage_table`; NaN where a
    stage is missing), datadog_before, datadog_after (reference, not measured here), unit.
    """
    from fdd.reference import reported_figures_frame

    reported = reported_figures_frame()
    by_key = table.set_index("key") if "key" in table.columns else pd.DataFrame()

    def measured(stage_key: str, column: str) -> float:
        if stage_key in by_key.index and column in by_key.columns:
            value = by_key.at[stage_key, column]
            return float(value) if pd.notna(value) else np.nan
        return np.nan

    return pd.DataFrame({
        "figure": reported["figure"],
        "measured_ensemble_labels": [measured(SEQ_ENSEMBLE, k) for k in reported["key"]],
        "measured_weak_labels": [measured(SEQ_WEAK, k) for k in reported["key"]],
        "datadog_before": reported["datadog_before"],
        "datadog_after": reported["datadog_after"],
        "unit": reported["unit"],
    })


def tables_zip(tables: Mapping[str, pd.DataFrame]) -> bytes:
    """Several tables as one ZIP of CSV files (`name.csv` each), for a single download."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, frame in tables.items():
            archive.writestr(f"{name}.csv", frame.to_csv(index=False))
    return buffer.getvalue()
