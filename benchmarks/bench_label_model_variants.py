"""Two ways around the label model's independence assumption, measured and dropped.

    python benchmarks/bench_label_model_variants.py [--n 10000] [--jobs 2]

Snorkel's `LabelModel` assumes the labeling functions err independently given the class. Ours do
not: every rule that reads telemetry is a piece of the checks' vote, and a visible fault is both
flagged and rolled back more often. Snorkel 0.10 no longer takes a dependency graph. On the
development fleets of `bench_lf_subsets.py` (never a seed another benchmark reports; never the
fifth generator), with the default rules, this prints label F1 against truth of:

* the label model as fdd fits it;
* the same fit with the overlaps of dependent rules masked out, as snorkel's matrix-completion
  objective does for rules in one clique (the rules reading telemetry form one clique, those
  reading the deployments table another). This needs snorkel's internal clique tree (a subclass
  overriding `_create_tree`), one more reason it is not shipped;
* Dawid and Skene's model run by EM to convergence (`fdd.weak.dawid_skene`, which fdd uses for
  the prior only);
* majority vote and the checks' vote alone, the two baselines of issue 5.
"""

from __future__ import annotations

import itertools
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_lf_subsets import fleet_inputs, on_every_fleet, parse_fleet_args  # noqa: E402
from fdd.metrics import label_quality  # noqa: E402
from fdd.weak import (ABSTAIN, LABEL_MODEL, MAJORITY_VOTE, LFConfig, combine_votes, dawid_skene,  # noqa: E402
                      estimate_class_balance, label_matrix)

TELEMETRY_RULES = frozenset({"check_ensemble", "new_error_signatures", "persistent_error_rise",
                             "rise_explained_elsewhere", "latency_regression"})
TABLE_RULES = frozenset({"rolled_back", "replaced_quickly", "lived_long_no_rollback", "incident_while_live"})


def _masked_label_model(L: np.ndarray, names: tuple[str, ...], seed: int = 0) -> np.ndarray:
    """Labels of snorkel's LabelModel fitted with each group of dependent rules as one clique."""
    from snorkel.labeling.model import LabelModel
    from snorkel.labeling.model.graph_utils import get_clique_tree

    edges = [pair for group in (TELEMETRY_RULES, TABLE_RULES)
             for pair in itertools.combinations([i for i, name in enumerate(names) if name in group], 2)]

    class CliqueLabelModel(LabelModel):
        def _create_tree(self) -> None:  # snorkel 0.10 hard-codes no dependencies here
            self.c_tree = get_clique_tree(range(self.m), edges)

    prior = estimate_class_balance(L)
    model = CliqueLabelModel(cardinality=2, verbose=False)
    model.fit(L, class_balance=[1.0 - prior, prior], n_epochs=500, lr=0.01, seed=seed, progress_bar=False)
    covered = (L != ABSTAIN).any(axis=1)
    return np.where(covered, (model.predict_proba(L)[:, 1] > 0.5).astype(np.int64), ABSTAIN)


def _f1s(job: tuple[str, int, int]) -> dict[str, object]:
    world, seed, n = job
    warnings.filterwarnings("ignore")
    inputs, truth, ensemble = fleet_inputs(world, seed, n)
    config = LFConfig()
    L = label_matrix(inputs, config)
    ids = inputs["deployment_id"].to_numpy()
    covered = (L != ABSTAIN).any(axis=1)
    f1 = {
        "label model": combine_votes(L, config.active, ids, seed=0, method=LABEL_MODEL).label,
        "clique-masked label model": _masked_label_model(L, config.active),
        "Dawid-Skene EM": np.where(covered, (dawid_skene(L)[1] > 0.5).astype(np.int64), ABSTAIN),
        "majority vote": combine_votes(L, config.active, ids, method=MAJORITY_VOTE).label,
        "checks alone": ensemble.astype(np.int64),
    }
    return {"world": world, "seed": seed, **{k: label_quality(v, truth)["f1"] for k, v in f1.items()}}


def main() -> None:
    args = parse_fleet_args(__doc__.splitlines()[0])
    start = time.perf_counter()
    frame = pd.DataFrame(on_every_fleet(_f1s, args.n, args.jobs))
    print(f"# Label F1 against truth, default rules, mean per world (n={args.n:,}; "
          f"{len(frame)} development fleets; {time.perf_counter() - start:.0f} s)\n")
    means = frame.drop(columns="seed").groupby("world", sort=False).mean()
    print(means.to_string(float_format=lambda v: f"{v:.3f}"))
    best_baseline = means[["majority vote", "checks alone"]].max(axis=1)
    margins = means[["label model", "clique-masked label model", "Dawid-Skene EM"]].sub(best_baseline, axis=0)
    print("\n## Minus the better baseline (majority vote or the checks alone)\n")
    print(margins.to_string(float_format=lambda v: f"{v:+.3f}"))


if __name__ == "__main__":
    main()
