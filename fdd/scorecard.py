"""`python -m fdd evaluate`: a scores table judged against the `label` column of a data folder.

Pure functions: join scores to labels (refusing mismatches with a ContractError that names
the file, column and row), then precision, recall and F1 per horizon (flags raised by minute
h), coverage by horizon and time to detection.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from fdd.metrics import confusion, time_to_detection
from fdd.schema import ContractError, Problem

DEFAULT_HORIZONS = (10, 20, 60)
# What the `coverage` column of `evaluate` measures, printed under the table.
COVERAGE_NOTE = "coverage at h: share of the deployments flagged by the last horizon already flagged by minute h"


def _problem(source: str, column: str, row: int, detail: str) -> ContractError:
    return ContractError(Problem(source=source, detail=detail, columns=(column,), row=row))


def align_scores(deployments: pd.DataFrame, scores: pd.DataFrame, *, deployments_source: str = "deployments.csv",
                 scores_source: str = "scores.csv") -> tuple[np.ndarray, pd.DataFrame]:
    """(labels, scores) of the labelled deployments, in the deployments' order.

    Every deployment must be scored exactly once; those whose `label` is empty (nobody knows) are
    left out of the measurement. Refused when no deployment has a label.
    """
    if "label" not in deployments.columns:
        raise ContractError(Problem(source=deployments_source, columns=("label",),
                                    detail="evaluate needs ground truth: the column 'label' is missing"))
    ids = deployments["deployment_id"].astype(str)
    scored = scores["deployment_id"].astype(str)
    unknown = ~scored.isin(set(ids))
    if unknown.any():
        row = int(np.flatnonzero(unknown.to_numpy())[0])
        raise _problem(scores_source, "deployment_id", row + 1,
                       f"deployment {scored.iloc[row]!r} is not in {deployments_source}")
    missing = ~ids.isin(set(scored))
    if missing.any():
        row = int(np.flatnonzero(missing.to_numpy())[0])
        raise _problem(deployments_source, "deployment_id", row + 1,
                       f"deployment {ids.iloc[row]!r} has no row in {scores_source}")
    known = deployments["label"].notna().to_numpy()
    if not known.any():
        raise ContractError(Problem(source=deployments_source, columns=("label",),
                                    detail="evaluate needs ground truth: every 'label' cell is empty"))
    ordered = scores.set_index(scored).loc[ids.to_numpy()[known]].reset_index(drop=True)
    return deployments["label"].to_numpy(dtype=np.float64, na_value=np.nan)[known] == 1, ordered


_HORIZON_COLUMN = re.compile(r"score_([1-9][0-9]{0,5})", re.ASCII)  # what `score` writes per horizon


def horizons_of(scores: pd.DataFrame) -> tuple[int, ...]:
    """The horizons a scores table came from: its `score_<h>` columns (what `score` writes; the
    default horizons without any), with every minute `detected_minute` names."""
    named = {int(m.group(1)) for c in scores.columns if (m := _HORIZON_COLUMN.fullmatch(str(c)))}
    detected = pd.to_numeric(scores["detected_minute"], errors="coerce").dropna()
    return tuple(sorted((named or set(DEFAULT_HORIZONS)) | {int(m) for m in detected.unique() if m > 0}))


def evaluate(labels: np.ndarray, scores: pd.DataFrame, horizons: tuple[int, ...] = DEFAULT_HORIZONS
             ) -> tuple[pd.DataFrame, dict[str, float]]:
    """Per horizon (flags raised by minute h) precision, recall, F1, coverage; and overall figures.

    Precision and recall at h judge the flags raised by minute h against `labels`. Coverage at h
    needs no label: the share of the deployments flagged in the end (`faulty`) already flagged by
    minute h. (The app's coverage is against the 60-minute check ensemble's positives; a scores
    table carries no ensemble.)
    """
    detected = pd.to_numeric(scores["detected_minute"], errors="coerce").to_numpy(dtype=np.float64)
    final = scores["faulty"].to_numpy().astype(bool)
    rows = []
    for h in horizons:
        by_h = np.isfinite(detected) & (detected <= h) & final
        c = confusion(by_h, labels)
        rows.append({"horizon": h, "flagged": int(by_h.sum()), "precision": c.precision, "recall": c.recall,
                     "f1": c.f1, "coverage": by_h.sum() / final.sum() if final.any() else float("nan")})
    overall = confusion(final, labels).as_dict()
    ttd = time_to_detection(np.where(np.isfinite(detected) & final, detected, -1), labels,
                            full_horizon=max(horizons))
    overall.update({"mean_detection_minute": ttd["mean_minutes"], "detection_multiple": ttd["multiple_of_full"]})
    return pd.DataFrame(rows), overall


def render(per_horizon: pd.DataFrame, overall: dict[str, float]) -> str:
    """A plain-text report for the command line."""
    def num(value: float, spec: str = ".3f") -> str:
        return "—" if value != value else format(value, spec)  # NaN: no flag, nothing to measure

    lines = [
        f"deployments flagged: {overall['tp'] + overall['fp']} (true positives {overall['tp']}, "
        f"false positives {overall['fp']}, missed {overall['fn']})",
        f"precision {num(overall['precision'])}  recall {num(overall['recall'])}  F1 {num(overall['f1'])}  "
        f"false-positive rate {num(overall['fp_rate'], '.4f')}",
        f"mean time to detection {num(overall['mean_detection_minute'], '.1f')} min "
        f"({num(overall['detection_multiple'], '.2f')} x the last horizon)",
        "",
        per_horizon.to_string(index=False, float_format=lambda v: f"{v:.3f}", na_rep="—"),
        COVERAGE_NOTE,
    ]
    return "\n".join(lines)
