"""Tests for fdd.kayenta_stats: R/Kayenta Mann-Whitney confidence interval and estimate."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fdd.kayenta_stats import _wilcoxon_z, mann_whitney_ci

VECTORS_PATH = (
    Path(__file__).resolve().parents[2] / "shared" / "peer-tests" / "kayenta_mannwhitney.json"
)
TOL = 1e-4  # R's uniroot tolerance: anything within it is equally right


def _load_cases() -> list[dict[str, Any]]:
    """Peer test vectors, or [] when the shared file is absent."""
    if not VECTORS_PATH.is_file():
        return []
    return list(json.loads(VECTORS_PATH.read_text())["cases"])


_CASES = _load_cases()


@pytest.mark.parametrize(
    "case",
    _CASES or [pytest.param(None, marks=pytest.mark.skip(reason=f"{VECTORS_PATH} is absent"))],
    ids=[c["name"] for c in _CASES] or ["missing-vectors"],
)
def test_peer_vectors_match_r(case: dict[str, Any] | None) -> None:
    """Every R/Kayenta vector: ci_low, ci_high and estimate within 1e-4."""
    if case is None:  # pragma: no cover - only when the shared file is missing
        pytest.skip(f"{VECTORS_PATH} is absent")
    low, high, est = mann_whitney_ci(case["experiment"], case["control"], case["confidence"])
    assert low == pytest.approx(case["ci_low"], abs=TOL)
    assert high == pytest.approx(case["ci_high"], abs=TOL)
    assert est == pytest.approx(case["estimate"], abs=TOL)


# ----------------------------------------------------------------------------- hand tests


def _distinct_sample(n: int, seed: int) -> np.ndarray:
    """n distinct values on a 1/8 grid, so ``(v + 5) - 5 == v`` holds exactly."""
    rng = np.random.default_rng(seed)
    return rng.choice(np.arange(4000), size=n, replace=False) / 8.0


def test_symmetric_shift_recovers_shift() -> None:
    control = _distinct_sample(30, seed=1)
    experiment = control + 5.0
    low, high, est = mann_whitney_ci(experiment, control)
    assert est == pytest.approx(5.0, abs=TOL)
    assert low < 5.0 < high


def test_swapping_arguments_negates_estimate_and_flips_interval() -> None:
    # n*m odd and no ties: W has no zero plateau, so each root is pinned to a jump and the two
    # directions may differ only by the two root tolerances.
    rng = np.random.default_rng(7)
    experiment = rng.normal(3.0, 2.0, size=15)
    control = rng.normal(0.0, 1.0, size=21)
    low, high, est = mann_whitney_ci(experiment, control)
    s_low, s_high, s_est = mann_whitney_ci(control, experiment)
    assert s_est == pytest.approx(-est, abs=2 * TOL)
    assert s_low == pytest.approx(-high, abs=2 * TOL)
    assert s_high == pytest.approx(-low, abs=2 * TOL)
    assert low < est < high


def test_interval_narrows_as_confidence_drops() -> None:
    rng = np.random.default_rng(3)
    experiment, control = rng.normal(1.0, 1.0, 40), rng.normal(0.0, 1.0, 45)
    low99, high99, _ = mann_whitney_ci(experiment, control, 0.99)
    low80, high80, _ = mann_whitney_ci(experiment, control, 0.80)
    assert low99 < low80 < high80 < high99


def test_separated_samples_return_range_endpoints() -> None:
    """R's root() returns mumin/mumax when the quantile lies outside W's range."""
    low, high, est = mann_whitney_ci([1.0], np.arange(2.0, 61.0))
    assert low == pytest.approx(1.0 - 60.0)
    assert -59.0 <= est <= high <= -1.0


# Kayenta "tie out intermediate variables" (MannWhitneySuite.scala): zero-inflated error rates,
# 210 observations each; only the non-zero values are listed (ranks ignore order).
_TIED_EXPERIMENT_NONZERO = [
    1.6666666666666572, 3.703703703703681, 1.5625000000000142, 3.333333333333343,
    1.7543859649122737, 1.8518518518518476, 1.8518518518518476, 1.5151515151515156,
    1.7857142857142776, 1.3333333333333286, 3.125000000000014, 1.9607843137255117,
    1.4492753623188293, 2.439024390243887, 1.6393442622950687, 1.6129032258064484,
    1.9607843137255117, 1.5873015873015817, 2.8169014084507182, 3.0303030303030454,
    3.3898305084745743, 1.234567901234584, 1.7241379310344769, 1.6949152542372872,
    1.470588235294116, 1.3698630136986196, 3.225806451612911, 1.754385964912288,
    3.4482758620689538, 3.333333333333343, 1.818181818181813, 1.4285714285714448,
    1.8867924528301927, 2.0000000000000284, 2.985074626865682, 1.6666666666666714,
    1.5625, 1.9230769230769198, 1.8518518518518619, 2.702702702702709, 1.3513513513513544,
    1.818181818181813, 1.6666666666666572, 1.818181818181813, 1.4285714285714164,
    4.1095890410959015, 1.8518518518518619, 1.8518518518518476, 1.3888888888888857,
    1.8867924528301785, 1.4285714285714164, 1.5625, 1.8867924528301927, 2.040816326530603,
    1.818181818181813, 1.6393442622950687, 1.7241379310344769, 1.5151515151515156,
    2.564102564102555, 5.555555555555557, 4.081632653061206, 3.5714285714285836,
    2.040816326530603, 3.1746031746031633,
]
_TIED_CONTROL_NONZERO = [
    1.5625000000000142, 1.3888888888888857, 1.5384615384615614, 1.492537313432834,
    1.6949152542373014, 1.470588235294116, 1.754385964912288, 1.8518518518518619,
    1.6393442622950687, 1.7241379310344769, 1.5873015873015817, 1.492537313432834,
    3.124999999999986, 1.492537313432834, 2.9850746268656536, 2.5000000000000284,
    1.7857142857142776,
]


def _pad_zeros(nonzero: list[float], n: int = 210) -> np.ndarray:
    return np.concatenate([np.zeros(n - len(nonzero)), nonzero])


def test_heavy_ties_match_r_intermediates() -> None:
    """R's f.lower/f.upper (tie-corrected sigma) and CI, printed in Kayenta's suite."""
    x = _pad_zeros(_TIED_EXPERIMENT_NONZERO)
    y = _pad_zeros(_TIED_CONTROL_NONZERO)
    mumin, mumax = x.min() - y.max(), x.max() - y.min()
    assert mumin == pytest.approx(-3.124999999999986, abs=1e-12)
    assert mumax == pytest.approx(5.555555555555557, abs=1e-12)
    zq = 1.9599639845400536
    assert _wilcoxon_z(x, y, mumin, True) - zq == pytest.approx(17.090968923762254, abs=1e-9)
    assert _wilcoxon_z(x, y, mumax, True) - zq == pytest.approx(-20.997687930433106, abs=1e-9)
    assert _wilcoxon_z(x, y, mumin, True) + zq == pytest.approx(21.01089689284236, abs=1e-9)
    assert _wilcoxon_z(x, y, mumax, True) + zq == pytest.approx(-17.077759961353, abs=1e-9)

    low, high, est = mann_whitney_ci(x, y, 0.95)
    # Both bounds sit on the jump of W at 0; zeroin stops on either side of it, hence low > high
    # here, as in R. Matching R to 1e-9 requires the verbatim zeroin port (brentq does not).
    assert low == pytest.approx(3.521755377702165e-05, abs=1e-9)
    assert high == pytest.approx(2.02456461662334e-05, abs=1e-9)
    # The suite's R estimate came from a hand-run wdiff that kept the continuity correction;
    # wilcox.test proper drops it (we give 1.5e-05), and both lie within the root tolerance.
    assert est == pytest.approx(2.6279243045155653e-05, abs=TOL)


def test_estimate_has_no_continuity_correction() -> None:
    """R sets correct <- FALSE before the estimate's uniroot, so W(estimate) need only be 0
    without the +-0.5 correction; with nm odd and no ties W jumps across 0 at the estimate."""
    rng = np.random.default_rng(11)
    x, y = rng.normal(0.5, 1.0, 9), rng.normal(0.0, 1.0, 7)
    _, _, est = mann_whitney_ci(x, y)
    assert _wilcoxon_z(x, y, est - TOL, False) > 0 > _wilcoxon_z(x, y, est + TOL, False)


def test_large_inputs_are_fast() -> None:
    rng = np.random.default_rng(5)
    experiment, control = rng.normal(0.1, 1.0, 850), rng.normal(0.0, 1.0, 850)
    start = time.perf_counter()
    low, high, est = mann_whitney_ci(experiment, control, 0.98)
    assert time.perf_counter() - start < 0.5
    assert low < est < high


@pytest.mark.parametrize(
    ("experiment", "control", "confidence", "match"),
    [
        ([], [1.0, 2.0], 0.95, "experiment is empty"),
        ([1.0, 2.0], [], 0.95, "control is empty"),
        ([1.0, float("nan")], [1.0, 2.0], 0.95, "non-finite"),
        ([1.0, 2.0], [1.0, float("inf")], 0.95, "non-finite"),
        ([1.0, 2.0], [1.0, 3.0], 1.0, "confidence"),
        ([1.0, 2.0], [1.0, 3.0], 0.0, "confidence"),
        ([1.0, 2.0], [1.0, 3.0], float("nan"), "confidence"),
        ([[1.0, 2.0]], [1.0, 3.0], 0.95, "one-dimensional"),
        (["a", "b"], [1.0, 3.0], 0.95, "numbers"),
        ([2.0, 2.0], [2.0, 2.0], 0.95, "tied"),
    ],
)
def test_bad_input_raises_value_error(
    experiment: Any, control: Any, confidence: float, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        mann_whitney_ci(experiment, control, confidence)
