"""Train the sequential models that ship with fdd (fdd/models/default/) and write them.

    python scripts/train_default_models.py [--out DIR]

The shipped models are trained the way `python -m fdd train` trains by default, so that scoring
with or without `--model` means the same kind of detector: on `simulate_fleet(n=10000,
seed=20240601)`, the labeling functions and snorkel's label model (seed 0) turn the fleet's
after-the-fact signals and 60-minute checks into labels; the models learn those labels, with each
horizon's threshold matched to the precision that models trained on the 60-minute check
ensemble's vote reach against them (`fdd.weak_eval.fit_weak_detector`). No ground truth is read.

Deterministic: the label model and LightGBM run with fixed seeds, LightGBM with
`deterministic=True` and a fixed thread count, so running the script twice writes byte-identical
files (check with `diff -r`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fdd.sequential import DEFAULT_MODEL_DIR  # noqa: E402
from fdd.simulate import simulate_fleet  # noqa: E402
from fdd.weak import weak_labels  # noqa: E402
from fdd.weak_eval import fit_ensemble_detector, fit_weak_detector  # noqa: E402

TRAIN_N = 10_000
TRAIN_SEED = 20240601
FEATURE_SET = "full"
TARGET_PRECISION = 0.9
SEED = 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_DIR, help=f"model folder (default {DEFAULT_MODEL_DIR})")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    fleet = simulate_fleet(n=TRAIN_N, seed=TRAIN_SEED)
    settings = dict(feature_set=FEATURE_SET, target_precision=TARGET_PRECISION, seed=SEED)
    reference = fit_ensemble_detector(fleet, **settings)
    weak = weak_labels(fleet, seed=SEED)
    detector = fit_weak_detector(fleet, weak, reference=reference, **settings)
    detector.save(args.out)
    size = sum(p.stat().st_size for p in args.out.iterdir() if p.is_file())
    thresholds = ", ".join(f"{h} min: {t:.4f}" for h, t in zip(detector.horizons_, detector.thresholds_))
    print(f"trained on simulate_fleet(n={TRAIN_N}, seed={TRAIN_SEED}): {int(detector.labels_.sum())} positives "
          f"by {weak.model} (the 60-min ensemble flags {int(reference.labels_.sum())}); thresholds {thresholds}; "
          f"wrote {args.out} ({size / 1024:.0f} KB) in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
