"""How right a detector is, against ground truth (the measuring modules, `evaluation`,
`weak_eval`, `refinement` and the charts, read truth through these functions; no detector does).

Ground truth: `require_truth` reads `label` (empty where nobody reviewed the deployment) as
booleans and refuses partial truth with one ValueError, never counting an empty label as faulty;
`truth_of` returns None instead; `label_values` keeps the empty ones as NaN for callers that
measure the labelled subset.

Precision, recall, F1 and false-positive rate; recall per fault scenario and false-positive
rate per confounder; coverage by horizon (the share of a reference set already flagged by
minute h, the blog's notion); time to detection; metrics on disagreements.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from fdd.fleet import Fleet

# ---------------------------------------------------------------------------- ground truth


def label_values(source: Fleet | pd.DataFrame | ArrayLike) -> np.ndarray | None:
    """`label` as floats: 1 faulty, 0 healthy, NaN where nobody knows; None without a `label` column.

    `source` is a `Fleet`, a deployments table, or the labels themselves (a Series or an array;
    pandas' NA, None and NaN are all "unknown").
    """
    deployments = source.deployments if isinstance(source, Fleet) else source
    if isinstance(deployments, pd.DataFrame):
        if "label" not in deployments.columns:
            return None
        values = deployments["label"]
    else:
        values = deployments if isinstance(deployments, pd.Series) else pd.Series(np.asarray(deployments).ravel())
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def truth_of(source: Fleet | pd.DataFrame | ArrayLike) -> np.ndarray | None:
    """Ground truth (`label` == 1, bool) when every deployment has a label, else None (no `label`
    column, or some cell empty: whole-fleet tables need every label; `fdd.scorecard` and
    `fdd.upload` measure the labelled subset instead)."""
    label = label_values(source)
    return None if label is None or np.isnan(label).any() else label == 1


def require_truth(source: Fleet | pd.DataFrame | ArrayLike, purpose: str = "measuring against ground truth"
                  ) -> np.ndarray:
    """Ground truth (`label` == 1, bool), one value per deployment; ValueError naming `purpose`
    when there is no `label` column or any deployment's label is empty (never "faulty")."""
    label = label_values(source)
    if label is None:
        raise ValueError(f"{purpose} needs ground truth: a `label` column")
    unknown = np.isnan(label)
    if unknown.any():
        deployments = source.deployments if isinstance(source, Fleet) else source
        first = ""
        if isinstance(deployments, pd.DataFrame) and "deployment_id" in deployments.columns:
            first = f", e.g. deployment {deployments['deployment_id'].iloc[int(np.argmax(unknown))]}"
        raise ValueError(f"{purpose} needs ground truth for every deployment, but {int(unknown.sum()):,} of "
                         f"{len(label):,} have an empty `label`{first} (nobody reviewed them)")
    return label == 1


def _as_truth(truth: ArrayLike) -> np.ndarray:
    """A truth vector as bool; ValueError on an empty (NaN) value, which `astype(bool)` would make True."""
    truth = np.asarray(truth)
    if truth.dtype.kind == "f" and np.isnan(truth).any():
        raise ValueError(f"the truth has {int(np.isnan(truth).sum()):,} empty values (unlabelled deployments): "
                         "measure the labelled ones only")
    return truth.astype(bool)


# ---------------------------------------------------------------------------- detection quality


@dataclass(frozen=True)
class Confusion:
    """Binary detection quality against a truth vector."""

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float("nan")

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")

    @property
    def f1(self) -> float:
        if self.tp + self.fp + self.fn == 0:  # nothing faulty and nothing flagged: undefined, not 0
            return float("nan")
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn)

    @property
    def fp_rate(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else float("nan")

    def as_dict(self) -> dict[str, float]:
        return {**asdict(self), "precision": self.precision, "recall": self.recall, "f1": self.f1,
                "fp_rate": self.fp_rate}


def confusion(predicted: np.ndarray, truth: np.ndarray) -> Confusion:
    """Counts of a boolean prediction against boolean truth (same length)."""
    predicted = np.asarray(predicted).astype(bool)
    truth = _as_truth(truth)
    if predicted.shape != truth.shape:
        raise ValueError(f"prediction has {predicted.shape[0]} rows, truth {truth.shape[0]}")
    return Confusion(
        tp=int((predicted & truth).sum()),
        fp=int((predicted & ~truth).sum()),
        fn=int((~predicted & truth).sum()),
        tn=int((~predicted & ~truth).sum()),
    )


def rate_by_group(predicted: np.ndarray, groups: np.ndarray, mask: np.ndarray | None = None) -> pd.DataFrame:
    """Share flagged and count per group (e.g. recall per fault scenario, FP rate per confounder)."""
    frame = pd.DataFrame({"group": np.asarray(groups).astype(str), "flagged": np.asarray(predicted).astype(bool)})
    if mask is not None:
        frame = frame[np.asarray(mask).astype(bool)]
    out = frame.groupby("group", sort=True)["flagged"].agg(["mean", "sum", "count"])
    return out.rename(columns={"mean": "flagged_share", "sum": "flagged", "count": "deployments"}).reset_index()


def coverage_by_horizon(detected_minute: np.ndarray, reference: np.ndarray, horizons: tuple[int, ...]) -> pd.DataFrame:
    """Share of `reference` positives already flagged at each horizon (detected_minute <= h)."""
    detected_minute = np.asarray(detected_minute, dtype=np.float64)
    reference = np.asarray(reference).astype(bool)
    total = int(reference.sum())
    rows = []
    for h in horizons:
        hit = int((reference & (detected_minute >= 0) & (detected_minute <= h)).sum())
        rows.append({"horizon": h, "covered": hit, "reference": total, "coverage": hit / total if total else float("nan")})
    return pd.DataFrame(rows)


def time_to_detection(detected_minute: np.ndarray, truth: np.ndarray, full_horizon: int = 60) -> dict[str, float]:
    """Mean detection minute among detected faulty deployments, also as a multiple of `full_horizon`."""
    detected_minute = np.asarray(detected_minute, dtype=np.float64)
    hit = _as_truth(truth) & (detected_minute >= 0)
    mean = float(detected_minute[hit].mean()) if hit.any() else float("nan")
    return {"detected": int(hit.sum()), "mean_minutes": mean, "multiple_of_full": mean / full_horizon}


def disagreement_metrics(pred_a: np.ndarray, pred_b: np.ndarray, truth: np.ndarray) -> pd.DataFrame:
    """Precision and recall of two detectors on the deployments where they disagree.

    The simulator's stand-in for the manual review of disagreements in Datadog's post:
    precision is the share of a detector's own flags (among disagreements) that are faulty;
    recall is the share of faulty disagreements it flags.
    """
    a, b, t = np.asarray(pred_a).astype(bool), np.asarray(pred_b).astype(bool), _as_truth(truth)
    differ = a != b
    rows = []
    for name, pred in (("a", a), ("b", b)):
        c = confusion(pred[differ], t[differ])
        rows.append({"detector": name, "disagreements": int(differ.sum()), "precision": c.precision,
                     "recall": c.recall})
    return pd.DataFrame(rows)


def detection_summary(predicted: np.ndarray, truth: np.ndarray, detectable: np.ndarray | None = None) -> dict[str, float]:
    """Precision, recall, F1, FP rate; plus recall among the detectable faults when known."""
    c = confusion(predicted, truth)
    out = c.as_dict()
    if detectable is not None:
        det = np.asarray(detectable).astype(bool) & _as_truth(truth)
        out["detectable"] = int(det.sum())
        out["recall_detectable"] = float(np.asarray(predicted).astype(bool)[det].mean()) if det.any() else float("nan")
        p = out["precision"]
        r = out["recall_detectable"]
        undefined = np.isnan(p) and np.isnan(r)  # nothing flagged and nothing detectable: no F1 to speak of
        out["f1_detectable"] = float("nan") if undefined else (2 * p * r / (p + r) if p + r > 0 else 0.0)
    return out


# ---------------------------------------------------------------------------- the sequential cascade
# A cascade's detections per horizon, each horizon's model alone, precision-recall curves, label quality.


def _final_flags(detected_minute: np.ndarray) -> np.ndarray:
    return np.asarray(detected_minute, dtype=np.float64) >= 0


def cascade_by_horizon(detected_minute: np.ndarray, horizons: tuple[int, ...], reference: np.ndarray | None = None,
                       truth: np.ndarray | None = None) -> pd.DataFrame:
    """One row per horizon h for a cascade's detection minutes (-1 or NaN = never flagged).

    `flagged_by` counts deployments flagged by minute h and `share_of_final` their share of all the
    cascade's flags; `coverage` is the share of `reference` positives (the 60-minute ensemble's
    flags) already flagged by h, the blog's notion; `precision` / `recall` judge "flagged by h"
    against `truth` when it is known.
    """
    detected = np.nan_to_num(np.asarray(detected_minute, dtype=np.float64), nan=-1.0)
    final = int(_final_flags(detected).sum())
    rows = []
    for h in horizons:
        by_h = (detected >= 0) & (detected <= h)
        row: dict[str, float] = {"horizon": int(h), "flagged_by": int(by_h.sum()),
                                 "share_of_final": by_h.sum() / final if final else float("nan")}
        if reference is not None:
            ref = np.asarray(reference).astype(bool)
            row["coverage"] = (by_h & ref).sum() / ref.sum() if ref.any() else float("nan")
        if truth is not None:
            c = confusion(by_h, truth)
            row |= {"precision": c.precision, "recall": c.recall}
        rows.append(row)
    return pd.DataFrame(rows)


def horizon_models_table(proba: np.ndarray, thresholds: np.ndarray, horizons: tuple[int, ...], target: np.ndarray,
                         truth: np.ndarray | None = None) -> pd.DataFrame:
    """Each horizon's model on its own at its threshold: flags, precision/recall vs target and truth."""
    proba = np.asarray(proba, dtype=np.float64)
    rows = []
    for j, h in enumerate(horizons):
        fired = proba[:, j] >= thresholds[j]
        c = confusion(fired, target)
        row: dict[str, float] = {"horizon": int(h), "threshold": float(thresholds[j]), "flagged": int(fired.sum()),
                                 "precision_target": c.precision, "recall_target": c.recall}
        if truth is not None:
            t = confusion(fired, truth)
            row |= {"precision_truth": t.precision, "recall_truth": t.recall}
        rows.append(row)
    return pd.DataFrame(rows)


def cascade_summary(detected_minute: np.ndarray, reference: np.ndarray, truth: np.ndarray | None = None,
                    early_horizon: int = 20, full_horizon: int = 60) -> dict[str, float]:
    """The issue's targets for a cascade, against the 60-minute ensemble (`reference`) and truth.

    `share_by_early`: share of the cascade's final flags raised by `early_horizon`;
    `precision_early`: their precision against truth; `ttd_minutes` / `ttd_multiple`: mean time to
    detection among detected faulty deployments (in minutes and as a multiple of `full_horizon`;
    Datadog's reported figure is in `fdd.reference`); final precision / recall / F1 against truth
    next to the ensemble's.
    """
    detected = np.nan_to_num(np.asarray(detected_minute, dtype=np.float64), nan=-1.0)
    final = _final_flags(detected)
    early = final & (detected <= early_horizon)
    ref = np.asarray(reference).astype(bool)
    out: dict[str, float] = {
        "flagged": int(final.sum()),
        "share_by_early": early.sum() / final.sum() if final.any() else float("nan"),
        "coverage_early": (early & ref).sum() / ref.sum() if ref.any() else float("nan"),
    }
    if truth is not None:
        ttd = time_to_detection(np.where(final, detected, -1), truth, full_horizon)
        c, e = confusion(final, truth), confusion(ref, truth)
        out |= {
            "precision_early": confusion(early, truth).precision,
            "ttd_minutes": ttd["mean_minutes"], "ttd_multiple": ttd["multiple_of_full"],
            "precision": c.precision, "recall": c.recall, "f1": c.f1,
            "ensemble_precision": e.precision, "ensemble_recall": e.recall, "ensemble_f1": e.f1,
        }
    return out


def precision_recall_points(scores: np.ndarray, labels: np.ndarray, max_points: int = 200) -> pd.DataFrame:
    """Precision and recall at every distinct score cut (thinned to about `max_points` rows)."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = _as_truth(labels)
    if not len(scores) or not labels.any():
        return pd.DataFrame({"threshold": [], "precision": [], "recall": []})
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    last = np.r_[s[1:] != s[:-1], True]
    tp, fp = np.cumsum(y)[last], np.cumsum(~y)[last]
    frame = pd.DataFrame({"threshold": s[last], "precision": tp / (tp + fp), "recall": tp / labels.sum()})
    if len(frame) > max_points:
        keep = np.unique(np.linspace(0, len(frame) - 1, max_points).round().astype(int))
        frame = frame.iloc[keep].reset_index(drop=True)
    return frame


def label_quality(label: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Precision, recall and F1 of training labels against truth, and their coverage.

    `label` holds 1 (faulty), 0 (healthy) or -1 (abstained); an abstention counts as "not
    faulty", so recall is over every faulty deployment. Coverage is the share labelled at all.
    """
    label = np.asarray(label)
    c = confusion(label == 1, truth)
    return {"precision": c.precision, "recall": c.recall, "f1": c.f1,
            "coverage": float((label != -1).mean()) if len(label) else float("nan"),
            "labelled_faulty": int((label == 1).sum())}
