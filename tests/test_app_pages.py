"""AppTest smoke tests: every page runs without an exception, and the fleet controls round-trip
through the URL query parameters."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "streamlit_app.py")

PAGES = {
    "app_pages/overview.py": "Faulty deployment detection",
    "app_pages/unsupervised.py": "Unsupervised checks",
    "app_pages/sequential.py": "Sequential models",
    "app_pages/weak_supervision.py": "Weak supervision",
    "app_pages/results.py": "Results",
    "app_pages/your_data.py": "Your data",
}


@pytest.fixture(autouse=True)
def _clear_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def _app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def _fleet_widgets(at: AppTest):
    size = at.sidebar.select_slider(key="fleet_n")
    seed = at.sidebar.number_input(key="fleet_seed")
    return size, seed


def test_default_page_is_overview_with_default_controls():
    at = _app().run()
    assert not at.exception, at.exception
    assert at.title[0].value == PAGES["app_pages/overview.py"]
    size, seed = _fleet_widgets(at)
    assert size.value == 2000
    assert seed.value == 7
    assert at.query_params["n"] == "2000"
    assert at.query_params["seed"] == "7"


@pytest.mark.parametrize("page", list(PAGES))
def test_page_runs_without_exception(page):
    at = _app().run()
    assert not at.exception, at.exception
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == [PAGES[page]]
    # The shared sidebar controls are drawn on every page.
    size, seed = _fleet_widgets(at)
    assert (size.value, seed.value) == (2000, 7)


def test_query_params_set_the_controls():
    at = _app()
    at.query_params["n"] = "5000"
    at.query_params["seed"] = "42"
    at.run()
    assert not at.exception, at.exception
    size, seed = _fleet_widgets(at)
    assert size.value == 5000
    assert seed.value == 42
    assert at.query_params["n"] == "5000"
    assert at.query_params["seed"] == "42"


def test_changing_a_control_updates_query_params():
    at = _app().run()
    _, seed = _fleet_widgets(at)
    seed.set_value(123).run()
    assert not at.exception, at.exception
    assert at.query_params["seed"] == "123"
    size, _ = _fleet_widgets(at)
    size.set_value(500).run()
    assert at.query_params["n"] == "500"
    assert at.query_params["seed"] == "123"


def test_controls_survive_a_page_switch():
    at = _app()
    at.query_params["n"] = "10000"
    at.query_params["seed"] = "99"
    at.run()
    at.switch_page("app_pages/results.py").run()
    assert not at.exception, at.exception
    size, seed = _fleet_widgets(at)
    assert (size.value, seed.value) == (10000, 99)
    assert at.session_state["fleet_n"] == 10000
    assert at.session_state["fleet_seed"] == 99


@pytest.mark.parametrize(
    "n, seed",
    [("123", "abc"), ("", "-5"), ("2000.5", "1000001"), ("lots", "")],
)
def test_invalid_query_params_fall_back_to_defaults(n, seed):
    at = _app()
    at.query_params["n"] = n
    at.query_params["seed"] = seed
    at.run()
    assert not at.exception, at.exception
    assert not at.error and not at.warning
    size, seed_widget = _fleet_widgets(at)
    assert (size.value, seed_widget.value) == (2000, 7)
    assert at.query_params["n"] == "2000"
    assert at.query_params["seed"] == "7"
