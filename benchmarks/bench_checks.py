"""Quality and speed of the unsupervised checks, beside the Kayenta-style judge.

Prints: the refinement table on a fresh fleet (a seed never used while developing the checks),
precision / recall / F1 (also among the honestly detectable faults, see fdd.simulate),
per-confounder false-positive rates, the judge's figures on the same fleet, and timings:
all checks at 3 horizons for 10,000 deployments vs the judge run deployment by deployment.

    python benchmarks/bench_checks.py [--n 5000] [--seed 20261128] [--judge-sample 400]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fdd.checks import first_detection, run_horizons  # noqa: E402
from fdd.kayenta import judge_fleet  # noqa: E402
from fdd.metrics import detection_summary, rate_by_group  # noqa: E402
from fdd.refinement import information_ceilings, iteration_table  # noqa: E402
from fdd.simulate import simulate_fleet  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--judge-sample", type=int, default=0,
                        help="judge only this many deployments (0 = the whole fleet)")
    parser.add_argument("--more-seeds", type=int, default=5,
                        help="the 60-min vote again on this many further fresh fleets (seeds after the speed fleet's)")
    args = parser.parse_args()
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 40)

    fleet = simulate_fleet(args.n, args.seed)
    deployments = fleet.deployments
    truth = deployments["label"].to_numpy().astype(bool)
    detectable = deployments["detectable"].to_numpy()
    verdicts = run_horizons(fleet)
    final = verdicts[-1].flagged

    print(f"fleet: n={args.n}, seed={args.seed}, faulty={truth.sum()}, detectable={int(detectable.sum())}\n")
    table = iteration_table(verdicts[-1], deployments)
    shown = table.drop(columns=["story", "checks"]).set_index("step")
    print("Refinement (60 min, unanimous vote of the checks so far):")
    print(shown.T.to_string(float_format=lambda v: f"{v:.3f}"))

    ours = detection_summary(final, truth, detectable)
    print("\nPer-scenario share flagged at 60 min (recall for faults, FP rate for the rest):")
    print(rate_by_group(final, deployments["scenario"]).to_string(index=False, float_format=lambda v: f"{v:.3f}"))

    judged = fleet if not args.judge_sample else fleet.subset(np.arange(min(args.judge_sample, fleet.n)))
    start = time.perf_counter()
    kayenta = judge_fleet(judged)
    judge_seconds = time.perf_counter() - start
    k_truth = judged.deployments["label"].to_numpy().astype(bool)
    k_sum = detection_summary(kayenta["faulty"].to_numpy(), k_truth, judged.deployments["detectable"].to_numpy())
    ours_same = detection_summary(final[: judged.n], k_truth, judged.deployments["detectable"].to_numpy())

    rows = [
        {"detector": "fdd checks, 60-min unanimous vote", **{k: ours_same[k] for k in
         ("precision", "recall", "f1", "fp_rate", "recall_detectable", "f1_detectable")}},
        {"detector": "Kayenta-style judge (0.98, tol 0.25)", **{k: k_sum[k] for k in
         ("precision", "recall", "f1", "fp_rate", "recall_detectable", "f1_detectable")}},
    ]
    print(f"\nSide by side on {judged.n} deployments:")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.3f}"))

    print("\nUpper bounds: the same vote if information outside the contract removed a confounder's false "
          "positives (an oracle on truth; recall cannot rise):")
    print(information_ceilings(final, deployments).to_string(index=False, float_format=lambda v: f"{v:.3f}"))

    big = simulate_fleet(10_000, args.seed + 1)
    start = time.perf_counter()
    big_verdicts = run_horizons(big)
    first_detection(big_verdicts)
    checks_seconds = time.perf_counter() - start
    per_dep_judge = judge_seconds / judged.n
    per_dep_checks = checks_seconds / big.n
    print("\nSpeed (3 horizons: 10, 20, 60 min):")
    print(pd.DataFrame([
        {"what": "fdd checks, 10,000 deployments, vectorised", "seconds": checks_seconds,
         "ms per deployment": 1000 * per_dep_checks},
        {"what": f"Kayenta-style judge, {judged.n} deployments, one by one", "seconds": judge_seconds,
         "ms per deployment": 1000 * per_dep_judge},
    ]).to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"speed-up per deployment: {per_dep_judge / per_dep_checks:.0f}x")
    print(f"\nF1 gap (ours - judge): {ours_same['f1'] - k_sum['f1']:+.3f}; "
          f"precision {ours['precision']:.3f}, recall among detectable {ours['recall_detectable']:.3f} "
          "(targets: >= 0.9, >= 0.8, gap >= 0.2)")
    if args.more_seeds > 0:
        _more_fleets(args.n, [args.seed + 1 + k for k in range(1, args.more_seeds + 1)])


def _more_fleets(n: int, seeds: list[int]) -> None:
    """One fleet is one draw: the 60-minute vote's figures on further fresh fleets, and their spread."""
    rows = []
    for seed in seeds:
        fleet = simulate_fleet(n, seed)
        truth = fleet.deployments["label"].to_numpy().astype(bool)
        summary = detection_summary(run_horizons(fleet, (60,))[-1].flagged, truth,
                                    fleet.deployments["detectable"].to_numpy())
        rows.append({"seed": seed} | {k: summary[k] for k in ("precision", "recall", "recall_detectable", "f1")})
    frame = pd.DataFrame(rows)
    print(f"\nThe 60-min vote on {len(seeds)} more fresh fleets (n={n:,}; seeds never used for tuning):")
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    stats = frame.drop(columns="seed").agg(["mean", "std"])
    print(stats.to_string(float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
