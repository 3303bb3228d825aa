"""Streamlit helpers shared by every page (the ``fdd`` package itself never imports Streamlit).

``fleet_controls`` draws the sidebar controls that choose which simulated fleet the pages look at.
The choice lives in ``st.session_state`` (so it survives page switches) and is mirrored in the URL
as ``?n=...&seed=...`` (so a shared link reproduces the same view). Pages read the current choice
with ``current_fleet()``.
"""

from __future__ import annotations

import streamlit as st

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
