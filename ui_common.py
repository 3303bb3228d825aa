"""Streamlit helpers shared by every page (the ``fdd`` package itself never imports Streamlit).

``fleet_controls`` draws the sidebar controls that choose which simulated fleet the pages look at.
The choice lives in ``st.session_state`` (so it survives page switches) and is mirrored in the URL
as ``?n=...&seed=...`` (so a shared link reproduces the same view). Pages read the current choice
with ``current_fleet()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:  # the heavy modules load inside the cached functions, on first use
    import pandas as pd

    from fdd.checks import HorizonVerdict
    from fdd.fleet import Fleet
    from fdd.sequential import SequentialDetector
    from fdd.weak import LFConfig, WeakLabels

FLEET_SIZES: tuple[int, ...] = (500, 1000, 2000, 5000, 10000)
DEFAULT_N = 2000
DEFAULT_SEED = 7
SEED_MIN, SEED_MAX = 0, 1_000_000

N_KEY = "fleet_n"
SEED_KEY = "fleet_seed"
# What we last wrote to the URL; a query value that differs from it came from outside (a new link).
_SYNCED_KEY = "_fleet_query_synced"


def parse_n(raw: object) -> int | None:
    """The fleet size encoded in a query value, or None when it is missing or not one of FLEET_SIZES."""
    try:
        n = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return n if n in FLEET_SIZES else None


def parse_seed(raw: object) -> int | None:
    """The seed encoded in a query value, or None when it is missing, not an integer or out of range."""
    try:
        seed = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return seed if SEED_MIN <= seed <= SEED_MAX else None


def _adopt_query_params() -> None:
    """Seed the widget state from the URL on first load, or when the URL was changed from outside."""
    synced = st.session_state.get(_SYNCED_KEY, {})
    for key, qp_name, parse, default in (
        (N_KEY, "n", parse_n, DEFAULT_N),
        (SEED_KEY, "seed", parse_seed, DEFAULT_SEED),
    ):
        raw = st.query_params.get(qp_name)
        from_url = parse(raw) if raw is not None else None
        if key not in st.session_state:
            st.session_state[key] = default if from_url is None else from_url
        elif from_url is not None and raw != synced.get(qp_name):
            st.session_state[key] = from_url


def _write_query_params(n: int, seed: int) -> None:
    wanted = {"n": str(n), "seed": str(seed)}
    for name, value in wanted.items():
        if st.query_params.get(name) != value:
            st.query_params[name] = value
    st.session_state[_SYNCED_KEY] = wanted


def fleet_controls() -> tuple[int, int]:
    """Draw the sidebar fleet controls and return ``(fleet size, seed)``."""
    _adopt_query_params()
    with st.sidebar:
        st.subheader("Simulated fleet")
        n = st.select_slider(
            "Fleet size",
            options=list(FLEET_SIZES),
            key=N_KEY,
            help="Number of simulated deployments every page analyses.",
        )
        seed = st.number_input(
            "Seed",
            min_value=SEED_MIN,
            max_value=SEED_MAX,
            step=1,
            key=SEED_KEY,
            help="Random seed of the simulation: the same size and seed give the same fleet.",
        )
    n, seed = int(n), int(seed)
    _write_query_params(n, seed)
    return n, seed


def current_fleet() -> tuple[int, int]:
    """The ``(fleet size, seed)`` chosen in the sidebar (defaults before the controls are drawn)."""
    return (
        int(st.session_state.get(N_KEY, DEFAULT_N)),
        int(st.session_state.get(SEED_KEY, DEFAULT_SEED)),
    )


_KEPT_PREFIX = "_kept_"


def keep(key: str, default: object) -> str:
    """Let the widget ``key`` keep its value across page changes; call just before drawing it.

    Streamlit forgets the state of a widget in any run that does not draw it (another page, or a
    branch that hides it). The value is mirrored under a key of our own and handed back when the
    widget is drawn again; the widget must then be drawn without its own default value.
    """
    shadow = _KEPT_PREFIX + key
    if key in st.session_state:
        st.session_state[shadow] = st.session_state[key]
    else:
        st.session_state[key] = st.session_state.get(shadow, default)
    return key


# ---------------------------------------------------------------------------- shared, cached pipeline
# Pages never compute statistics themselves: they call these cached accessors, so the fleet and the
# checks of one (size, seed) are computed once per server and shared by every page and session.
# cache_resource (not cache_data) because the objects are large, read-only numpy containers that
# need not be copied on every read; max_entries bounds memory on a small Community Cloud box.


@st.cache_resource(show_spinner="Simulating the fleet…", max_entries=3)
def simulated_fleet(n: int, seed: int) -> Fleet:
    """The simulated fleet of the sidebar's size and seed (an ``fdd.fleet.Fleet``)."""
    from fdd.simulate import simulate_fleet

    return simulate_fleet(n, seed)


@st.cache_resource(show_spinner="Running the statistical checks…", max_entries=3)
def fleet_checks(n: int, seed: int, horizons: tuple[int, ...] = (10, 20, 60)) -> list[HorizonVerdict]:
    """The checks of every deployment of that fleet at each horizon (``list[HorizonVerdict]``)."""
    from fdd.checks import run_horizons

    return run_horizons(simulated_fleet(n, seed), horizons)


def show_error(message: str | Exception) -> None:
    """One clear message instead of a traceback (bad input, impossible parameters)."""
    st.error(str(message), icon="⚠️")


@st.cache_resource(show_spinner=False, max_entries=6)
def kayenta_scores(n: int, seed: int, horizons: tuple[int, ...] = (10, 20, 60)) -> pd.DataFrame:
    """The Kayenta-style judge's ``scores`` table for that fleet (``fdd.kayenta.judge_fleet``).

    Slow (the judge runs one deployment at a time, as Kayenta does): callers show progress around
    the first call, e.g. with ``st.status``. Pages share entries: Unsupervised checks and Results
    both ask for ``(60,)``; six entries hold two per fleet for the three cached fleets.
    """
    from fdd.kayenta import judge_fleet

    return judge_fleet(simulated_fleet(n, seed), horizons=tuple(horizons))


DEFAULT_HORIZONS = (10, 20, 60)


@st.cache_resource(show_spinner=False, max_entries=6)
def _sequential_fit(n: int, seed: int, feature_set: str, horizons: tuple[int, ...]) -> SequentialDetector:
    """The sequential models fitted (with 5-fold cross-fitting) on that fleet's ensemble verdicts.

    `horizons` is required: Streamlit keys the cache on the arguments passed, so a default would
    let two calls for the same models fit them twice."""
    from fdd.sequential import SequentialDetector

    return SequentialDetector(horizons=horizons, feature_set=feature_set).fit(simulated_fleet(n, seed))


def trained_sequential(n: int, seed: int, feature_set: str, target_precision: float,
                       horizons: tuple[int, ...] = DEFAULT_HORIZONS) -> SequentialDetector:
    """A fitted ``fdd.sequential.SequentialDetector`` for that fleet, feature set, horizons and target precision.

    The models are cached per (fleet, feature set, horizons); the target precision only re-chooses
    the thresholds on the cached out-of-fold scores, so moving its slider does not refit.
    """
    return _sequential_fit(n, seed, feature_set, tuple(sorted(set(horizons)))).with_target_precision(target_precision)


# ---------------------------------------------------------------------------- results / your data


@st.cache_resource(show_spinner=False)
def shipped_models() -> SequentialDetector:
    """The sequential models that ship with fdd (``SequentialDetector.load_default()``), read once."""
    from fdd.sequential import SequentialDetector

    return SequentialDetector.load_default()


@st.cache_resource(show_spinner=False, max_entries=3)
def weak_trained_sequential(n: int, seed: int) -> SequentialDetector:
    """Sequential models fitted (5-fold cross-fitting) on that fleet's weak-supervision labels."""
    from fdd.evaluation import train_on_weak_labels

    # the ensemble-trained models set the precision the weak-trained thresholds are matched to
    reference = _sequential_fit(n, seed, "full", DEFAULT_HORIZONS)
    return train_on_weak_labels(simulated_fleet(n, seed), reference=reference)


# ---------------------------------------------------------------------------- weak supervision


@st.cache_resource(show_spinner="Applying the labeling functions and fitting the label model…", max_entries=8)
def weak_supervision(n: int, seed: int, config: LFConfig) -> tuple[WeakLabels, WeakLabels, pd.DataFrame]:
    """``(label-model labels, majority-vote labels, LF inputs)`` of that fleet for an ``fdd.weak.LFConfig``.

    Raises ValueError (not cached) when no labeling function is enabled or all abstain everywhere.
    """
    from fdd.weak import LABEL_MODEL, MAJORITY_VOTE, combine_votes, label_matrix, lf_inputs

    if not config.active:
        raise ValueError("No labeling function is enabled: switch at least one on to get labels.")
    verdict = fleet_checks(n, seed)[-1]  # the 60-minute checks, shared with the other pages
    inputs = lf_inputs(simulated_fleet(n, seed), verdict)
    L = label_matrix(inputs, config)
    ids = inputs["deployment_id"].to_numpy()
    return (combine_votes(L, config.active, ids, seed=0, method=LABEL_MODEL),
            combine_votes(L, config.active, ids, method=MAJORITY_VOTE), inputs)


@st.cache_resource(show_spinner=False, max_entries=4)
def label_source_comparison(n: int, seed: int, config: LFConfig) -> pd.DataFrame:
    """``fdd.weak_eval.compare_label_sources`` on that fleet (trains the sequential models: slow).

    No progress callback: a cached function that writes to the caller's page would have Streamlit
    replay those writes for the next visitor, into a page that no longer exists (a traceback).
    """
    from fdd.weak_eval import compare_label_sources

    labels, _, _ = weak_supervision(n, seed, config)
    return compare_label_sources(simulated_fleet(n, seed), config, weak=labels, verdict=fleet_checks(n, seed)[-1],
                                 seed=0)
