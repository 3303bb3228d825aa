"""Benchmark of the sequential models and their cascade on a fresh simulated fleet.

    python benchmarks/bench_sequential.py [--n 10000] [--train-seed 20240601] [--eval-seed 987654]

Trains the three models (10/20/60 min) on a training fleet twice, without ground truth: on the
60-minute check ensemble's vote (Datadog's second step) and on weak-supervision labels (what
`python -m fdd train` does by default and how the models shipped in fdd/models/default were
trained); then measures both, and the shipped models, on an evaluation fleet whose seed was
never used for tuning. Prints, per horizon, each model's
precision and recall against ground truth, the cascade's coverage of the ensemble's flags and the
thresholds; then the cascade's targets from the issue: share of final flags raised by minute 20
(>= 0.5) and their precision against truth (>= 0.9), mean time to detection among detected faulty
deployments (<= 0.55 x 60), final F1 against the 60-minute ensemble's F1; the time to train
on and to score the fleet; and what extra horizons (30, 40, 50 min) buy in time to detection and
cost in precision; then the shipped models' targets on further fresh evaluation fleets.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fdd.metrics import cascade_by_horizon, cascade_summary, horizon_models_table  # noqa: E402
from fdd.sequential import SequentialDetector, cascade, checks_cascade, ensemble_labels  # noqa: E402
from fdd.simulate import simulate_fleet  # noqa: E402
from fdd.weak import weak_labels  # noqa: E402
from fdd.weak_eval import fit_ensemble_detector, fit_weak_detector  # noqa: E402

TARGETS = {"share_by_early": 0.5, "precision_early": 0.9, "ttd_multiple": 0.55}


def fit_on_weak_labels(train, horizons: tuple[int, ...], feature_set: str) -> SequentialDetector:
    """Models trained as `python -m fdd train` trains them: weak labels, thresholds matched to the
    ensemble-trained reference's precision against those labels."""
    settings = dict(horizons=horizons, feature_set=feature_set, target_precision=0.9, seed=0)
    reference = fit_ensemble_detector(train, **settings)
    return fit_weak_detector(train, weak_labels(train, seed=0), reference=reference, **settings)


def evaluate(detector: SequentialDetector, fleet, ensemble: np.ndarray, truth: np.ndarray) -> tuple[pd.DataFrame, dict]:
    """Per-horizon table and cascade summary of `detector` on `fleet` (plus the scoring time)."""
    start, cpu = time.perf_counter(), time.process_time()
    proba = detector.predict_proba(fleet)
    result = cascade(proba, detector.thresholds_, detector.horizons_)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    models = horizon_models_table(proba, detector.thresholds_, detector.horizons_, ensemble, truth)
    flow = cascade_by_horizon(result.detected_minute, detector.horizons_, ensemble, truth)
    table = models.merge(flow[["horizon", "coverage", "share_of_final"]], on="horizon")
    summary = cascade_summary(result.detected_minute, ensemble, truth) | {"score_seconds": seconds, "score_cpu": cpu}
    return table, summary


def evaluate_checks(fleet, ensemble: np.ndarray, truth: np.ndarray) -> tuple[pd.DataFrame, dict]:
    """The same cascade on the checks alone (a horizon fires when its vote is unanimous)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = checks_cascade(fleet)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    fired = (result.horizon_scores >= 0.5).astype(np.float64)
    table = horizon_models_table(fired, np.full(3, 0.5), result.horizons, ensemble, truth)
    flow = cascade_by_horizon(result.detected_minute, result.horizons, ensemble, truth)
    table = table.merge(flow[["horizon", "coverage", "share_of_final"]], on="horizon")
    return table, cascade_summary(result.detected_minute, ensemble, truth) | {"score_seconds": seconds,
                                                                               "score_cpu": cpu}


def show(title: str, table: pd.DataFrame, summary: dict) -> None:
    print(f"\n== {title}")
    cols = ["horizon", "threshold", "flagged", "precision_truth", "recall_truth", "precision_target",
            "recall_target", "coverage", "share_of_final"]
    print(table[cols].rename(columns={"precision_target": "precision_ens", "recall_target": "recall_ens"})
          .to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    rows = [
        ("flags raised by minute 20 / final flags", summary["share_by_early"], ">= 0.50"),
        ("precision at 20 vs truth", summary["precision_early"], ">= 0.90"),
        ("mean time to detection, detected faulty (min)", summary["ttd_minutes"], "<= 33.0"),
        ("  ... as a multiple of 60 min", summary["ttd_multiple"], "<= 0.55"),
        ("cascade final precision vs truth", summary["precision"], ""),
        ("cascade final recall vs truth", summary["recall"], ""),
        ("cascade final F1 vs truth", summary["f1"], f">= {summary['ensemble_f1']:.3f}"),
        ("60-min ensemble F1 vs truth (P / R)", summary["ensemble_f1"],
         f"P {summary['ensemble_precision']:.3f} R {summary['ensemble_recall']:.3f}"),
        ("scoring time for the fleet, wall (s)", summary["score_seconds"], "< 1"),
        ("scoring time for the fleet, CPU (s)", summary["score_cpu"], "< 1"),
    ]
    for name, value, target in rows:
        print(f"  {name:<48} {value:8.3f}   {target}")


def _more_fleets(n: int, seeds: list[int]) -> None:
    """One evaluation fleet is one draw: the shipped cascade's targets again on further fresh fleets."""
    shipped = SequentialDetector.load_default()
    rows = []
    for seed in seeds:
        fleet = simulate_fleet(n, seed)
        truth = fleet.deployments["label"].to_numpy().astype(bool)
        summary = evaluate(shipped, fleet, ensemble_labels(fleet).astype(bool), truth)[1]
        rows.append({"seed": seed, **{k: summary[k] for k in ("share_by_early", "precision_early", "ttd_multiple",
                                                               "f1", "ensemble_f1")}})
    frame = pd.DataFrame(rows)
    frame["f1 - ensemble"] = frame["f1"] - frame["ensemble_f1"]
    print(f"\n== shipped models on {len(seeds)} more fresh evaluation fleets (n={n:,}; seeds never used for tuning)")
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"final F1 no worse than the checks' on {int((frame['f1 - ensemble'] >= 0).sum())} of {len(seeds)} "
          f"(mean {frame['f1 - ensemble'].mean():+.3f}); mean share by minute 20 {frame['share_by_early'].mean():.3f}, "
          f"precision by 20 {frame['precision_early'].mean():.3f}, time to detection {frame['ttd_multiple'].mean():.3f} x 60")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--train-seed", type=int, default=20240601)
    parser.add_argument("--eval-seed", type=int, default=987654)
    parser.add_argument("--feature-set", default="full")
    parser.add_argument("--more-seeds", type=int, default=5,
                        help="the shipped models again on this many further evaluation fleets (seeds after --eval-seed)")
    parser.add_argument("--oracle", action="store_true",
                        help="also train on the training fleet's ground truth: an upper bound for what a better "
                             "label source (weak supervision) could give; never a shipped detector")
    args = parser.parse_args(argv)

    train = simulate_fleet(args.n, args.train_seed)
    start, cpu = time.perf_counter(), time.process_time()
    detector = SequentialDetector(feature_set=args.feature_set).fit(train)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"trained on simulate_fleet({args.n}, seed={args.train_seed}): {int(detector.labels_.sum())} ensemble "
          f"positives; fit (target, features, 5-fold cross-fitting and refit of 3 models): {wall:.1f} s wall, "
          f"{cpu:.1f} s CPU (target < 10 s)")
    start, cpu = time.perf_counter(), time.process_time()
    weak_detector = fit_on_weak_labels(train, (10, 20, 60), args.feature_set)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"  on weak labels as python -m fdd train does ({int(weak_detector.labels_.sum())} positives): "
          f"checks, label model, the ensemble-trained reference and the models: {wall:.1f} s wall, {cpu:.1f} s CPU")

    fleet = simulate_fleet(args.n, args.eval_seed)
    truth = fleet.deployments["label"].to_numpy().astype(bool)
    ensemble = ensemble_labels(fleet).astype(bool)
    print(f"evaluated on simulate_fleet({args.n}, seed={args.eval_seed}): {int(truth.sum())} faulty, "
          f"{int(ensemble.sum())} flagged by the 60-min ensemble")
    for title, model in (("models trained here on the 60-min ensemble's vote", detector),
                         ("models trained here on weak labels (python -m fdd train)", weak_detector),
                         ("shipped models (fdd/models/default: weak labels of seed 20240601)",
                          SequentialDetector.load_default())):
        show(title, *evaluate(model, fleet, ensemble, truth))
    show("checks only: the unanimous vote at 10 / 20 / 60 min (no models)", *evaluate_checks(fleet, ensemble, truth))
    for horizons in ((10, 20, 30, 40, 60), (10, 20, 30, 40, 50, 60)):
        more = fit_on_weak_labels(train, horizons, args.feature_set)
        table, summary = evaluate(more, fleet, ensemble, truth)
        print(f"\n== more horizons {'/'.join(map(str, horizons))} (python -m fdd train --horizons ...): mean time "
              f"to detection {summary['ttd_multiple']:.3f} x 60 min, final precision {summary['precision']:.3f}, "
              f"F1 {summary['f1']:.3f} (ensemble {summary['ensemble_f1']:.3f}), flags by minute 20 / final "
              f"{summary['share_by_early']:.3f}")
    if args.more_seeds > 0:
        _more_fleets(args.n, [args.eval_seed + k for k in range(1, args.more_seeds + 1)])
    if args.oracle:
        oracle = SequentialDetector(feature_set=args.feature_set).fit(
            train, train.deployments["label"].to_numpy(), target_name="ground truth (oracle)")
        show("oracle: models trained on the training fleet's ground truth", *evaluate(oracle, fleet, ensemble, truth))
    return 0


if __name__ == "__main__":
    sys.exit(main())
