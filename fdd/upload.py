"""The "Your data" page without Streamlit: template, reading uploads, scoring, explaining.

* `template_tables` / `template_zip`: a tiny, valid example of both tables plus a description of
  every column (`fdd.schema.describe_columns`), to download and fill in;
* `fleet_from_uploads` / `fleet_from_folder`: validated input as a `Fleet` (bad input raises one
  `ContractError` naming the file, the column and the first offending row);
* `score_with_models` (the shipped or any loaded models) and `train_and_score` (models trained on
  the upload's own weak-supervision labels, scored out of fold);
* `flagged_table`: the flagged deployments with the reasons of the 60-minute checks
  (`HorizonVerdict.explain`); `quality_table`: precision and recall when the upload has `label`,
  and `undefined_quality_reasons`: why some of them are undefined.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from fdd.checks import HorizonVerdict, run_checks
from fdd.fleet import Fleet
from fdd.metrics import confusion, label_values
from fdd.schema import (APP_MAX_DENSE_CELLS, APP_MAX_ROWS, DEPLOYMENTS_SPEC, SCORES_SPEC, TIMESERIES_SPEC, build_fleet,
                        describe_columns, load_fleet, read_tables_from_buffers, validate_scores)

__all__ = [
    "SAMPLE_DIR",
    "columns_table",
    "fleet_from_folder",
    "fleet_from_uploads",
    "flagged_table",
    "quality_table",
    "score_with_checks",
    "score_with_models",
    "template_tables",
    "template_zip",
    "too_short_reason",
    "train_and_score",
]

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "sample"
REASON_HORIZON = 60
VOTES_FAULTY, VOTES_AGAINST = "✅", "❌"


# ---------------------------------------------------------------------------- template


def template_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A few rows of each table: one instant rollout, one canary (both versions in the same minutes).

    Valid under the contract (`read_tables_from_buffers` accepts it), but far too short to score:
    real data needs an hour before the rollout and 60 minutes after it.
    """
    ts = pd.DataFrame(
        [
            ("d001", -2, "previous", 1200, 3, 0, 81.5),
            ("d001", -1, "previous", 1180, 2, 0, 79.0),
            ("d001", 0, "new", 1210, 25, 18, 140.2),
            ("d001", 1, "new", 1195, 31, 22, 152.7),
            ("d002", -2, "previous", 40, 0, 0, 210.0),
            ("d002", -1, "previous", 42, 1, 0, 205.3),
            ("d002", 0, "previous", 36, 0, 0, 208.8),
            ("d002", 0, "new", 4, 0, 0, 212.4),
            ("d002", 1, "previous", 33, 0, 0, 199.6),
            ("d002", 1, "new", 8, 0, 0, 215.0),
        ],
        columns=[c.name for c in TIMESERIES_SPEC],
    )
    deployments = pd.DataFrame(
        [
            ("d001", "checkout-api", 1, 42.0, 1, 1, "2025-06-02T09:30:00Z"),
            ("d002", "billing-worker", 0, None, 0, 0, "2025-06-02T10:05:00Z"),
        ],
        columns=[c.name for c in DEPLOYMENTS_SPEC],
    )
    return ts, deployments


def columns_table() -> pd.DataFrame:
    """Every column of the three tables: table, column, dtype, required, empty allowed, meaning."""
    frames = [describe_columns(spec).assign(table=name) for name, spec in
              (("timeseries", TIMESERIES_SPEC), ("deployments", DEPLOYMENTS_SPEC), ("scores", SCORES_SPEC))]
    out = pd.concat(frames, ignore_index=True)
    return out[["table", *[c for c in out.columns if c != "table"]]]


TEMPLATE_README = """\
fdd data format: two tables per data folder, each as NAME.csv or NAME.parquet.

timeseries.csv   one row per deployment, minute and version ("previous" or "new").
                 minute < 0 is the hour before the rollout (only "previous" rows);
                 during a canary both versions have a row for the same minute.
                 A missing row means that version served no requests in that minute.
deployments.csv  one row per deployment: service and the after-the-fact weak signals
                 (rolled_back, lifetime_minutes, incident); label (1 = faulty) is optional
                 and only used to measure precision and recall, never by a detector.

columns.csv describes every column (type, required, meaning), including the scores table
that fdd writes back. The example rows here are valid but far too short to score: give
60 minutes before the rollout and 60 minutes after it.
"""


def template_zip() -> bytes:
    """The template to download: timeseries.csv, deployments.csv, columns.csv and README.txt."""
    ts, deployments = template_tables()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("timeseries.csv", ts.to_csv(index=False, lineterminator="\n"))
        archive.writestr("deployments.csv", deployments.to_csv(index=False, lineterminator="\n"))
        archive.writestr("columns.csv", columns_table().to_csv(index=False, lineterminator="\n"))
        archive.writestr("README.txt", TEMPLATE_README)
    return buffer.getvalue()


# ---------------------------------------------------------------------------- reading


def fleet_from_uploads(timeseries: bytes | IO[bytes], deployments: bytes | IO[bytes], *,
                       timeseries_name: str | None = None, deployments_name: str | None = None) -> Fleet:
    """Validate two uploaded tables (CSV or Parquet, by file name) and build the Fleet.

    Raises `fdd.schema.ContractError` with one line: file, column, first offending row.
    """
    ts, dep = read_tables_from_buffers(timeseries, deployments, timeseries_name=timeseries_name,
                                       deployments_name=deployments_name, max_rows=APP_MAX_ROWS,
                                       too_large_hint=" the app holds: score larger data with python -m fdd on "
                                                      "your machine")
    return build_fleet(ts, dep, str(timeseries_name or getattr(timeseries, "name", None) or "timeseries.csv"),
                       max_cells=APP_MAX_DENSE_CELLS,
                       too_large_hint=" the app holds: keep the minutes near the rollout (the checks read minutes "
                                      "before it and the first 60 after), or run python -m fdd on your machine")


def fleet_from_folder(path: Path | str = SAMPLE_DIR) -> Fleet:
    """A data folder (default: the bundled sample) as a validated Fleet."""
    return load_fleet(path)


# ---------------------------------------------------------------------------- scoring


def score_with_models(fleet: Fleet, detector: object) -> pd.DataFrame:
    """The scores table (DATA_CONTRACT `scores`, then `score_<h>`) of a fitted or loaded detector."""
    scores = detector.score(fleet)
    validate_scores(scores, "scores")
    return scores


def score_with_checks(fleet: Fleet) -> pd.DataFrame:
    """The scores table of the checks alone, as a cascade at 10/20/60 minutes (no model needed)."""
    from fdd.sequential import checks_cascade, scores_frame

    scores = scores_frame(fleet.ids, checks_cascade(fleet))
    validate_scores(scores, "scores")
    return scores


def train_and_score(fleet: Fleet, seed: int = 0) -> tuple[pd.DataFrame, object, object]:
    """Train the sequential models on the fleet's own weak-supervision labels; score out of fold.

    Returns (scores, detector, weak labels). Every deployment's score comes from models that did
    not train on it. Raises ValueError with one clear line when training is impossible (e.g. the
    labels hold one class only, or too few faulty examples).
    """
    from fdd.evaluation import train_on_weak_labels
    from fdd.sequential import scores_frame
    from fdd.weak import weak_labels

    weak = weak_labels(fleet, seed=seed)
    detector = train_on_weak_labels(fleet, weak, seed=seed)
    scores = scores_frame(fleet.ids, detector.oof_cascade())
    validate_scores(scores, "scores")
    return scores, detector, weak


def too_short_reason(fleet: Fleet, minutes: int = REASON_HORIZON, source: str = "timeseries") -> str | None:
    """Why the data cannot be scored, or None: it must hold the rollout's first `minutes` minutes.

    The shipped models and the checks' cascade decide at 10, 20 and 60 minutes; data that ends
    earlier (a rollout still under way, an export cut short) gets this one message, before
    anything else is drawn.
    """
    last = int(fleet.minutes[-1]) if len(fleet.minutes) else None
    if last is not None and last + 1 >= minutes:
        return None
    ends = "has no minute at all" if last is None else f"ends at minute {last}"
    return (f"{source}: column 'minute': the data {ends}; scoring needs the rollout's first {minutes} minutes "
            f"(minutes 0 to {minutes - 1}), where the checks and the models decide at 10, 20 and {minutes} minutes")


def reason_verdict(fleet: Fleet, horizon: int = REASON_HORIZON) -> HorizonVerdict:
    """The checks at `horizon` (60 min, clipped to the data's last minute + 1) that explain decisions."""
    last = int(fleet.minutes[-1]) + 1 if len(fleet.minutes) else 1
    return run_checks(fleet, max(1, min(int(horizon), last)))


# Reasons read best with the checks voting against first, then the evidence before the housekeeping.
REASON_ORDER = ("impact", "persistence", "novelty", "temporal", "sufficiency")


def _explain(verdict: HorizonVerdict, i: int) -> tuple[int, str]:
    rank = {name: k for k, name in enumerate(REASON_ORDER)}
    parts = sorted(verdict.explain(i), key=lambda p: (p[1], rank.get(p[0], len(rank))))
    text = " | ".join(f"{VOTES_FAULTY if faulty else VOTES_AGAINST} {name}: {reason}" for name, faulty, reason in parts)
    return sum(faulty for _, faulty, _ in parts), text


def flagged_table(fleet: Fleet, scores: pd.DataFrame, verdict: HorizonVerdict) -> pd.DataFrame:
    """The flagged deployments (highest score first) with the checks' reasons at the verdict's horizon.

    Columns: deployment_id, position (row in the fleet), service, score, detected_minute,
    checks_votes ("k/m" checks voting faulty), reasons, and label / scenario when known.
    """
    if len(verdict.flagged) != fleet.n:
        raise ValueError(f"the checks cover {len(verdict.flagged)} deployments, the fleet {fleet.n}")
    position = pd.Index(fleet.ids.astype(str)).get_indexer(scores["deployment_id"].astype(str))
    if (position < 0).any():
        raise ValueError("the scores name a deployment that is not in the data")
    faulty = scores["faulty"].to_numpy().astype(bool)
    rows = []
    for j in np.flatnonzero(faulty):
        i = int(position[j])
        votes, reasons = _explain(verdict, i)
        row: dict[str, object] = {
            "deployment_id": str(scores["deployment_id"].iloc[j]), "position": i,
            "service": str(fleet.deployments["service"].iloc[i]) if "service" in fleet.deployments else "",
            "score": float(scores["score"].iloc[j]), "detected_minute": scores["detected_minute"].iloc[j],
            "checks_votes": f"{votes}/{len(verdict.enabled)}", "reasons": reasons,
        }
        for column in ("label", "scenario"):
            if column in fleet.deployments.columns:
                row[column] = fleet.deployments[column].iloc[i]
        rows.append(row)
    columns = ["deployment_id", "position", "service", "score", "detected_minute", "checks_votes", "reasons"]
    columns += [c for c in ("label", "scenario") if c in fleet.deployments.columns]
    out = pd.DataFrame(rows, columns=columns)
    if len(out):
        out["detected_minute"] = out["detected_minute"].astype("Int64")
    return out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def quality_table(fleet: Fleet, flags: Mapping[str, np.ndarray]) -> pd.DataFrame | None:
    """Precision, recall and F1 of each named flag vector against `label`, over the labelled
    deployments (`labelled` says how many); None without a label column or without any label."""
    label = label_values(fleet)
    if label is None:
        return None
    known = ~np.isnan(label)
    if not known.any():
        return None
    rows = []
    for name, flagged in flags.items():
        c = confusion(np.asarray(flagged).astype(bool)[known], label[known] == 1)
        rows.append({"detector": name, "labelled": int(known.sum()), "flagged": c.tp + c.fp, "faulty": c.tp + c.fn,
                     "true_positives": c.tp, "precision": c.precision, "recall": c.recall, "f1": c.f1})
    return pd.DataFrame(rows)


def undefined_quality_reasons(quality: pd.DataFrame) -> list[str]:
    """Why a precision, recall or F1 of `quality_table` is undefined, one short reason per cause."""
    no_fault = bool((quality["faulty"] == 0).any())
    silent = quality.loc[quality["flagged"] == 0, "detector"].astype(str).tolist()
    reasons = []
    if no_fault:
        reasons.append("recall is undefined: no labelled deployment is faulty (`label` = 1), so there is no fault "
                       "to find")
    if silent:
        names = " and ".join(silent)
        reasons.append(f"precision is undefined for {names}: {'it flags' if len(silent) == 1 else 'they flag'} "
                       "none of the labelled deployments")
        if no_fault:
            reasons.append(f"F1 is undefined for {names}: no fault and no flag")
    return reasons
