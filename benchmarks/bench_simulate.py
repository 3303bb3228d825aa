"""Speed and memory of `fdd.simulate.simulate_fleet`.

    python benchmarks/bench_simulate.py [--sizes 1000 10000 50000] [--repeat 3] [--seed 0]

For each fleet size: the best wall time of `repeat` runs (without tracing), the peak memory
traced by `tracemalloc` during one more run (numpy registers its buffers with it), and the
memory the Fleet's arrays hold. Target: 10,000 deployments x 120 minutes in under 2 s.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fdd.simulate import BASELINE_MINUTES, WINDOW_MINUTES, simulate_fleet  # noqa: E402

MB = 1024.0 * 1024.0


def measure(n: int, repeat: int, seed: int) -> tuple[float, float, float]:
    """(best seconds, peak traced MB, Fleet MB) of simulate_fleet(n, seed)."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fleet = simulate_fleet(n, seed)
        best = min(best, time.perf_counter() - start)
        del fleet
    gc.collect()
    tracemalloc.start()
    fleet = simulate_fleet(n, seed)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return best, peak / MB, fleet.nbytes() / MB


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    minutes = BASELINE_MINUTES + WINDOW_MINUTES
    print(f"simulate_fleet: deployments x {minutes} minutes, best of {args.repeat}")
    print(f"{'n':>8} {'seconds':>9} {'per 1k (s)':>11} {'peak MB':>9} {'Fleet MB':>9}")
    for n in args.sizes:
        seconds, peak, held = measure(n, args.repeat, args.seed)
        print(f"{n:>8} {seconds:>9.3f} {seconds / n * 1000:>11.4f} {peak:>9.1f} {held:>9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
