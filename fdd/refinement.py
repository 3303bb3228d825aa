"""The iterative-refinement story, measured: what each added check does to the vote.

For every step of `checks.ITERATION_STEPS` (each adds one check to the unanimous vote) we
measure, against the simulator's truth, precision, recall, F1 and the false-positive rate of
each confounder, so the app can show which check removed which false positives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fdd.checks import ITERATION_STEPS, STEP_STORIES, HorizonVerdict, vote
from fdd.metrics import detection_summary, require_truth

HEALTHY_SCENARIO = "healthy"


def iteration_table(verdict: HorizonVerdict, deployments: pd.DataFrame,
                    steps: tuple[tuple[str, ...], ...] = ITERATION_STEPS) -> pd.DataFrame:
    """One row per refinement step: checks, quality against truth, FP rate per confounder.

    `deployments` must carry `label` for every deployment (ValueError otherwise); with `scenario`
    the FP rate of every non-faulty scenario gets a column `fp_<scenario>`; with `detectable`,
    recall among detectable faults too.
    """
    truth = require_truth(deployments, "the iteration table")
    detectable = deployments["detectable"].to_numpy() if "detectable" in deployments.columns else None
    scenario = deployments["scenario"].astype(str).to_numpy() if "scenario" in deployments.columns else None
    healthy_scenarios = sorted(set(scenario[~truth])) if scenario is not None else []
    rows = []
    for index, step in enumerate(steps):
        flagged = vote(verdict.results, step)
        summary = detection_summary(flagged, truth, detectable)
        row: dict[str, object] = {
            "step": index + 1,
            "added": step[-1],
            "checks": " + ".join(step),
            "story": STEP_STORIES[index] if index < len(STEP_STORIES) and steps is ITERATION_STEPS else "",
            "flagged": int(flagged.sum()),
            **{k: summary[k] for k in ("precision", "recall", "f1", "fp_rate", "tp", "fp")},
        }
        if detectable is not None:
            row["recall_detectable"] = summary["recall_detectable"]
        for name in healthy_scenarios:
            in_group = (scenario == name) & ~truth
            row[f"fp_{name}"] = float(flagged[in_group].mean()) if in_group.any() else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


# What information outside the data contract would remove, as an oracle on the simulator's truth.
MISSING_INFORMATION: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("as measured", ()),
    ("+ a cross-service clock: no unrelated-incident false positive", ("unrelated_incident",)),
    ("+ a day-over-day baseline: no seasonal-rise false positive either", ("unrelated_incident", "seasonal_rise")),
)


def information_ceilings(flagged: np.ndarray, deployments: pd.DataFrame,
                         steps: tuple[tuple[str, tuple[str, ...]], ...] = MISSING_INFORMATION) -> pd.DataFrame:
    """The same flags with every false positive of some confounders removed: the most that
    information the contract does not carry could buy (the error series of every service on one
    clock would expose an incident hitting several services; the same hour of earlier days, a
    seasonal rise). An oracle on truth, for the story, never a detector: recall cannot rise.

    `deployments` must carry `scenario` and, for every deployment, `label` (ValueError otherwise).
    """
    missing = {"label", "scenario"} - set(deployments.columns)
    if missing:
        raise ValueError(f"the ceilings need the simulator's truth: missing column(s) {sorted(missing)}")
    truth = require_truth(deployments, "measuring the ceilings")
    scenario = deployments["scenario"].astype(str).to_numpy()
    detectable = deployments["detectable"].to_numpy() if "detectable" in deployments.columns else None
    flagged = np.asarray(flagged).astype(bool)
    rows = []
    for what, removed in steps:
        kept = flagged & ~(np.isin(scenario, removed) & ~truth)
        summary = detection_summary(kept, truth, detectable)
        row = {"with": what, "flagged": int(kept.sum()), "precision": summary["precision"], "f1": summary["f1"]}
        if detectable is not None:
            row["recall_detectable"] = summary["recall_detectable"]
        rows.append(row)
    return pd.DataFrame(rows)
