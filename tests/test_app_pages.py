"""AppTest smoke tests: every page runs without an exception, and the fleet controls round-trip
through the URL query parameters."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
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


def _open(page: str, timeout: int, n: int = 500) -> AppTest:
    """A visitor on `page` of a fleet of `n` deployments (the default seed)."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params["n"] = str(n)
    at.run()
    return at.switch_page(page).run()


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


def _dataframe_with(at: AppTest, column: str):
    frames = [df.value for df in at.dataframe if column in df.value.columns]
    assert frames, f"no table with a {column!r} column"
    return frames[0]


def _tables_showing_none(at: AppTest) -> list[list[str]]:
    """Columns of the tables that hold a missing value but set no placeholder: Streamlit shows "None" there."""
    return [list(df.value.columns) for df in at.dataframe
            if df.value.isna().any().any() and not df.proto.HasField("placeholder")]


def _coloured_zero_deltas(at: AppTest) -> list[tuple[str, str]]:
    """Metric deltas that round to zero yet carry an arrow or a colour (a change that is none)."""
    from streamlit.proto.Metric_pb2 import Metric

    return [(m.label, m.proto.delta) for m in at.metric
            if m.proto.delta and re.fullmatch(r"[+-]?0(\.0+)?", m.proto.delta.split(" ")[0])
            and (m.proto.color != Metric.MetricColor.GRAY or m.proto.direction != Metric.MetricDirection.NONE)]


def _chart_titles(at: AppTest) -> list[str]:
    return [str(json.loads(c.proto.spec).get("title")) for c in at.get("vega_lite_chart")]


def test_unsupervised_page_survives_its_widgets_extremes():
    at = _open("app_pages/unsupervised.py", timeout=120)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]

    # The fleet view: iteration table, and both detectors side by side.
    assert len(_dataframe_with(at, "story")) == 5
    ceilings = _dataframe_with(at, "with")
    assert len(ceilings) == 3  # what a cross-service clock and a day-over-day baseline would buy
    assert ceilings["flagged"].iloc[0] == _dataframe_with(at, "story")["flagged"].iloc[-1]  # the same vote
    comparison = _dataframe_with(at, "detector")
    assert list(comparison["detector"]) == ["fdd checks (60 min)"]  # the slow judge is opt-in
    at.toggle(key="uns_kayenta").set_value(True).run()
    comparison = _dataframe_with(at, "detector")
    assert list(comparison["detector"]) == ["fdd checks (60 min)", "Kayenta-style judge (60 min)"]
    assert at.get("download_button")

    moves = [
        (at.slider, "uns_magnitude", 0.0),
        (at.slider, "uns_magnitude", 1.0),
        (at.select_slider, "uns_traffic", 0.1),
        (at.select_slider, "uns_traffic", 5000.0),
        (at.select_slider, "uns_base_error", 0.0001),
        (at.select_slider, "uns_base_error", 0.05),
        (at.slider, "uns_horizon", 5),
        (at.slider, "uns_horizon", 60),
        (at.radio, "uns_rollout", "canary"),
        (at.number_input, "uns_seed", 1_000_000),
        (at.selectbox, "uns_profile", "internal_tool"),
        (at.toggle, "uns_manual_levels", False),
    ]
    for widgets, key, value in moves:
        widgets(key=key).set_value(value).run()
        assert not at.exception, (key, value, at.exception)
        assert not at.error, (key, value, [e.value for e in at.error])

    # Levels drawn from the profile: the history's empty traffic and error rate read "—", not "None"; the
    # largest seed has room (a narrow, right-aligned column showed 1000000 as "000000").
    assert not _tables_showing_none(at), _tables_showing_none(at)
    history_table = next(df for df in at.dataframe if "failed_checks" in df.value.columns)
    assert history_table.value["traffic_rpm"].isna().any() and history_table.proto.placeholder == "—"
    seed_width = json.loads(history_table.proto.columns)["seed"]["width"]
    assert isinstance(seed_width, int) and seed_width >= 16 + 8 * len("1000000")
    assert "weakest fault" in at.slider(key="uns_magnitude").help

    # Every scenario at the lowest traffic, a canary seen only 5 minutes in.
    at.toggle(key="uns_manual_levels").set_value(True).run()
    at.select_slider(key="uns_traffic").set_value(0.1)
    at.slider(key="uns_horizon").set_value(5)
    for scenario in at.selectbox(key="uns_scenario").options:
        at.selectbox(key="uns_scenario").set_value(scenario.split(" ")[0]).run()
        assert not at.exception, (scenario, at.exception)
        assert not at.error, (scenario, [e.value for e in at.error])

    history = at.session_state["uns_history"]
    assert len(history) >= 10
    assert {"scenario", "decision", "failed_checks"} <= set(history[-1])

    # No checks in the vote: a clear message, not an exception.
    at.multiselect(key="uns_enabled").set_value([]).run()
    assert not at.exception, at.exception
    assert any("at least one check" in e.value for e in at.error)

    at.multiselect(key="uns_enabled").set_value(["impact"]).run()
    assert not at.exception and not at.error
    at.toggle(key="uns_kayenta").set_value(False).run()
    assert not at.exception and not at.error
    assert list(_dataframe_with(at, "detector")["detector"]) == ["fdd checks (60 min)"]
    at.button(key="uns_clear_history").click().run()
    assert not at.exception, at.exception
    assert at.session_state["uns_history"] == []


def _nan_metrics(at: AppTest) -> list[tuple[str, str, str]]:
    """Metric tiles showing "nan" (a number that does not exist must read "—")."""
    return [(m.label, m.value, str(m.delta)) for m in at.metric
            if "nan" in f"{m.value} {m.delta}".lower()]


def test_sequential_page_survives_its_widgets_extremes():
    at = _open("app_pages/sequential.py", timeout=120)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert len(at.metric) == 4 and not _nan_metrics(at), _nan_metrics(at)
    table = _dataframe_with(at, "coverage")
    assert list(table["horizon"]) == [10, 20, 60]
    assert at.get("download_button")

    moves = [
        ("slider", "seq_target_precision", 0.5),
        ("slider", "seq_target_precision", 0.99),
        ("selectbox", "seq_feature_set", "basic"),
        ("slider", "seq_target_precision", 0.5),
        ("selectbox", "seq_feature_set", "domain"),
        ("selectbox", "seq_feature_set", "full"),
        ("slider", "seq_target_precision", 0.99),
    ]
    for kind, key, value in moves:  # look widgets up in the latest run's tree, not the first one's
        getattr(at, kind)(key=key).set_value(value).run()
        assert not at.exception, (key, value, at.exception)
        assert not at.error, (key, value, [e.value for e in at.error])
        assert not _nan_metrics(at), (key, value, _nan_metrics(at))
    picker = [box for box in at.selectbox if box.key == "seq_deployment"]
    if picker:  # the last flagged deployment's timeline
        picker[0].select_index(len(picker[0].options) - 1).run()
        assert not at.exception, at.exception

    at.multiselect(key="seq_extra_horizons").set_value([30, 50]).run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert list(_dataframe_with(at, "coverage")["horizon"]) == [10, 20, 30, 50, 60]
    at.multiselect(key="seq_extra_horizons").set_value([]).run()
    assert list(_dataframe_with(at, "coverage")["horizon"]) == [10, 20, 60]


def test_sequential_page_says_when_a_horizon_never_fires():
    """On the default fleet no 20-minute cut is 90 % precise on held-out folds: the page says so (and why),
    and the note goes once the target precision is low enough for the model to fire."""
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.switch_page("app_pages/sequential.py").run()
    table = _dataframe_with(at, "share_of_final")
    silent = [int(h) for h, cut in zip(table["horizon"], table["threshold"]) if pd.isna(cut)]
    notes = [i.value for i in at.info if "never fire" in i.value]
    assert silent and len(notes) == 1  # seed 7, 2,000 deployments: the 20-minute model is silent at 0.9
    assert all(f"{h}-minute" in notes[0] for h in silent)
    # The silent horizon's threshold and precisions read "—", as the column help says, not "None".
    assert not _tables_showing_none(at), _tables_showing_none(at)
    horizons = next(df for df in at.dataframe if "share_of_final" in df.value.columns)
    assert horizons.proto.placeholder == "—" and "—" in json.loads(horizons.proto.columns)["threshold"]["help"]
    # Metric labels short enough for a quarter of a 1280-px page (the meaning is in help=).
    assert all(len(m.label) <= 27 for m in at.metric), [m.label for m in at.metric]
    # The threshold help says what fdd.sequential.precision_threshold does: the most recall, then the highest.
    assert "most recall" in at.slider(key="seq_target_precision").help
    # A latency flag is shown with its latency: d000021 is a latency regression.
    picker = at.selectbox(key="seq_deployment")
    picker.set_value(next(o for o in picker.options if o.startswith("d000021"))).run()
    assert not at.exception, at.exception
    titles = _chart_titles(at)
    assert any("d000021" in t and "latency" in t for t in titles), titles
    # At 0.99 the F1 gain rounds to zero: no green arrow on "+0.000".
    at.slider(key="seq_target_precision").set_value(0.99).run()
    assert not at.exception
    assert not _coloured_zero_deltas(at), _coloured_zero_deltas(at)
    at.slider(key="seq_target_precision").set_value(0.5).run()
    assert not at.exception
    assert not [i.value for i in at.info if "never fire" in i.value]


def test_weak_supervision_page_survives_its_widgets_extremes():
    at = _open("app_pages/weak_supervision.py", timeout=180)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert "learned_accuracy" in _dataframe_with(at, "coverage").columns
    quality = _dataframe_with(at, "labeler")
    assert list(quality["labeler"]) == ["label model", "majority vote", "ensemble alone"]
    assert not quality["model"].str.contains("_").any(), list(quality["model"])  # words, not identifiers
    assert "(symlog)" not in " ".join(c.proto.spec for c in at.get("vega_lite_chart"))  # an axis title in words
    ceiling = [c.value for c in at.caption if c.value.startswith("Ceiling: the best F1")]
    assert len(ceiling) == 1
    ceiling_f1 = float(ceiling[0].split(" is ")[1].split(" ")[0])
    assert quality["f1"].max() <= ceiling_f1 + 1e-3  # no labeler beats what the votes know
    comparison = _dataframe_with(at, "time_to_detection")
    assert list(comparison["labels"])[0] == "the checks' vote (ensemble)"
    assert not comparison["labels"].str.contains("_").any(), list(comparison["labels"])  # words, not identifiers
    # Recall on disagreements: one bar for each weak-label model and one for the ensemble-trained model beside it.
    import pyarrow as pa

    chart = next(c for c in at.get("vega_lite_chart") if "by training labels" in str(json.loads(c.proto.spec)["title"]))
    data = chart.proto.datasets[0].data.data if chart.proto.datasets else chart.proto.data.data
    rows = pa.ipc.open_stream(data).read_all().to_pandas().to_dict("records")
    on_disagreements = {(r["labels"], r["measure"]) for r in rows if r["measure"].startswith("recall on disagreements")}
    drawn_for_ensemble = {m for source, m in on_disagreements if source == "the checks' vote (ensemble)"}
    assert drawn_for_ensemble and len(on_disagreements) == 2 * len(drawn_for_ensemble), on_disagreements
    # "—" in the learned accuracy is explained for both of its causes.
    help_text = json.loads(next(df for df in at.dataframe if "learned_accuracy" in df.value.columns
                                and "rule" in df.value.columns).proto.columns)["learned_accuracy"]["help"]
    assert "never fires" in help_text and "majority vote" in help_text, help_text
    assert len(at.get("download_button")) >= 3

    # The next visitor (a new session) gets every result from the cache, without a traceback: a cached
    # function must not replay Streamlit calls it made on the first visitor's page.
    again = AppTest.from_file(APP, default_timeout=180)
    again.query_params["n"] = "500"
    again.run()
    again.switch_page("app_pages/weak_supervision.py").run()
    assert not again.exception, again.exception
    assert len(_dataframe_with(again, "time_to_detection")) == len(_dataframe_with(at, "time_to_detection"))

    at.toggle(key="ws_compare").set_value(False).run()  # keep the rest fast: no model training
    moves = [
        ("toggle", "ws_on_rolled_back", False),
        ("slider", "ws_lived_long_minutes", 0.0),
        ("slider", "ws_lived_long_minutes", 10080.0),
        ("slider", "ws_replaced_within_minutes", 1.0),
        ("slider", "ws_replaced_within_minutes", 1440.0),
        ("slider", "ws_novel_min_errors", 0.0),
        ("slider", "ws_novel_min_share_of_baseline", 0.0),
        ("slider", "ws_novel_min_errors", 200.0),
        ("toggle", "ws_on_latency_regression", True),
        ("slider", "ws_latency_min_ratio", 3.0),
        ("slider", "ws_latency_min_z", 0.0),
        ("slider", "ws_latency_min_z", 20.0),
        ("toggle", "ws_on_incident_while_live", True),
    ]
    for kind, key, value in moves:  # look each widget up in the latest tree (enabled state changes)
        getattr(at, kind)(key=key).set_value(value).run()
        assert not at.exception, (key, value, at.exception)
        assert not at.error, (key, value, [e.value for e in at.error])
    picker = at.selectbox(key="ws_deployment")
    picker.select_index(len(picker.options) - 1).run()
    assert not at.exception, at.exception

    # Two rules left: the label model cannot be fitted, majority vote takes over, visibly.
    for toggle in at.toggle:
        if toggle.key.startswith("ws_on_") and toggle.key not in ("ws_on_check_ensemble", "ws_on_lived_long_no_rollback"):
            toggle.set_value(False)
    at.run()
    assert not at.exception, at.exception
    assert any("majority vote" in w.value for w in at.warning)

    # No rule at all: one clear message, no exception.
    for toggle in at.toggle:
        if toggle.key.startswith("ws_on_"):
            toggle.set_value(False)
    at.run()
    assert not at.exception, at.exception
    assert any("No labeling function is enabled" in e.value for e in at.error)


def test_weak_supervision_settings_survive_a_visit_to_another_page():
    """Streamlit drops the state of widgets a run does not draw: the page's toggles and sliders keep theirs."""
    at = _open("app_pages/weak_supervision.py", timeout=300)
    at.toggle(key="ws_compare").set_value(False).run()
    at.toggle(key="ws_on_rolled_back").set_value(False).run()
    at.slider(key="ws_replaced_within_minutes").set_value(5.0).run()
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, at.exception
    at.switch_page("app_pages/weak_supervision.py").run()
    assert not at.exception, at.exception
    assert at.toggle(key="ws_on_rolled_back").value is False
    assert at.toggle(key="ws_compare").value is False
    assert at.slider(key="ws_replaced_within_minutes").value == 5.0


def test_weak_supervision_keeps_the_training_switch_and_says_why_training_is_impossible():
    at = _open("app_pages/weak_supervision.py", timeout=300)
    at.toggle(key="ws_compare").set_value(False).run()
    for toggle in at.toggle:
        if toggle.key.startswith("ws_on_"):
            toggle.set_value(False)
    at.run()  # no rule: the page stops before the switch is drawn
    assert any("No labeling function is enabled" in e.value for e in at.error)
    at.toggle(key="ws_on_rolled_back").set_value(True).run()
    assert not at.exception, at.exception
    assert at.toggle(key="ws_compare").value is False  # the user's choice survives the run it was not drawn in
    assert not [df for df in at.dataframe if "time_to_detection" in df.value.columns]  # nothing trained
    # One rule: majority vote, which learns no accuracy: "—", not "None".
    assert not _tables_showing_none(at), _tables_showing_none(at)

    # Switched on, with labels of one class: the reason is one message in the open, not in a collapsed status.
    at.toggle(key="ws_compare").set_value(True).run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "one class only" in errors[0] and "vote healthy" in errors[0], errors
    assert "`lived_long_no_rollback`" in errors[0] and "`rolled_back`" not in errors[0], errors  # the healthy voters
    assert not [s.label for s in at.status if s.error], [s.label for s in at.status]
    assert not [s.label for s in at.status if s.state == "error"]


# ---------------------------------------------------------------------------- Results and Your data pages

ALL_STAGE_KEYS = ["checks_vote", "checks_cascade", "seq_ensemble", "seq_weak", "seq_shipped", "kayenta"]


def _visit_every_page(n: int) -> dict[str, list[str]]:
    """One visitor opening every page (Results measured): each page's error messages."""
    at = AppTest.from_file(APP, default_timeout=600)
    at.query_params["n"] = str(n)
    at.run()
    errors = {}
    for page in PAGES:
        at.switch_page(page).run()
        if page == "app_pages/results.py" and any(b.key == "res_measure" for b in at.button):
            at.button(key="res_measure").click().run()
        assert not at.exception, (page, at.exception)
        errors[page] = [e.value for e in at.error]
    return errors


def test_a_second_visitor_gets_every_page_from_the_cache_without_a_traceback():
    """Cached results are shared between sessions: replaying them must not fail (a cached function that
    wrote to its caller's page once gave every later visitor a CacheReplayClosureError)."""
    first = _visit_every_page(500)
    assert _visit_every_page(500) == first


def test_results_page_measures_every_stage():
    at = _open("app_pages/results.py", timeout=600)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    # The fast stages at once; the slow ones behind one button.
    assert list(_dataframe_with(at, "coverage_10")["key"]) == ["checks_vote", "checks_cascade", "seq_shipped"]
    at.button(key="res_measure").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    table = _dataframe_with(at, "coverage_10")
    assert list(table["key"]) == ALL_STAGE_KEYS
    assert table[["precision", "recall", "f1", "coverage_10", "coverage_20", "ttd_multiple"]].notna().all().all()
    assert not at.get("button") or "res_measure" not in [b.key for b in at.button]
    texts = [m.value for m in at.markdown]
    assert "**Datadog's published figures (reference, not measured here)**" in texts
    measured, reference = [t for t in texts if t.startswith("| figure |")]
    assert len(reference.splitlines()) == 2 + 5 and "→" in reference
    assert len(measured.splitlines()) == 2 + 5
    assert "—" not in measured.splitlines()[2]  # coverage at 10 minutes of both models, measured here
    assert len(at.get("vega_lite_chart")) >= 3
    assert {"res_stage_csv", "res_detections_csv", "res_all_zip"} <= {b.key for b in at.get("download_button")}
    # Kayenta off and on again: from the cache, nothing recomputed, no message.
    at.toggle(key="res_kayenta").set_value(False).run()
    assert not at.exception and not at.error
    assert "kayenta" not in list(_dataframe_with(at, "coverage_10")["key"])
    at.toggle(key="res_kayenta").set_value(True).run()
    assert list(_dataframe_with(at, "coverage_10")["key"]) == ALL_STAGE_KEYS
    # The note under the disagreement figures counts the disagreements the table shows.
    table = _dataframe_with(at, "disagreements").set_index("key")
    count = int(table.at["seq_weak", "disagreements"])
    note = next(c.value for c in at.caption if c.value.startswith("The sequential models trained"))
    assert count > 1 and f"The two disagree on {count:,} deployments:" in note, note
    if table.loc["seq_weak", ["precision_disagreements", "recall_disagreements"]].isna().any():
        assert "undefined" in note, note


def test_results_page_says_why_disagreement_figures_are_undefined():
    """Seed 1,000,000 at 500 deployments: the two models never disagree; "—" is undefined, not "not measured"."""
    at = AppTest.from_file(APP, default_timeout=600)
    at.query_params["n"] = "500"
    at.query_params["seed"] = "1000000"
    at.run()
    at.switch_page("app_pages/results.py").run()
    notes = [c.value for c in at.caption if c.value.startswith("The sequential models trained")]
    assert len(notes) == 1 and "not measured yet" in notes[0]
    at.button(key="res_measure").click().run()
    assert not at.exception, at.exception
    assert int(_dataframe_with(at, "disagreements").set_index("key").at["seq_weak", "disagreements"]) == 0
    notes = [c.value for c in at.caption if c.value.startswith("The sequential models trained")]
    assert len(notes) == 1 and "never disagree" in notes[0] and "undefined" in notes[0], notes
    assert "not measured yet" not in notes[0]
    # Missing figures (not reported by Datadog, undefined here) read "—", not "None".
    assert not _tables_showing_none(at), _tables_showing_none(at)
    assert "restart minutes" in " ".join(c.value for c in at.caption)


def _sample_bytes(name: str) -> bytes:
    return (ROOT / "data" / "sample" / name).read_bytes()


def test_your_data_page_sample_upload_and_training():
    at = _open("app_pages/your_data.py", timeout=600)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    flagged = _dataframe_with(at, "reasons")
    assert len(flagged) > 0 and flagged["reasons"].str.len().gt(0).all()
    assert len(_dataframe_with(at, "precision")) == 2  # the sample has `label`
    # the highest-scoring deployment's telemetry: the error rate, and p95 latency (the sample has latency_ms)
    assert _chart_titles(at) == ["error rate", "p95 latency (ms)"]
    assert {"yd_template", "yd_scores_csv"} <= {b.key for b in at.get("download_button")}
    from fdd.sequential import SequentialDetector  # the shipped models' fleet size, from their meta.json

    assert f"{SequentialDetector.load_default().n_deployments_:,}-deployment" in at.radio(key="yd_models").help

    # Upload: a broken timeseries (errors above requests) gives ONE clear message, no traceback.
    at.radio(key="yd_source").set_value("Upload my files").run()
    assert not at.exception and not at.error
    bad = _sample_bytes("timeseries.csv").replace(b"\nd000001,-59,previous,1265,0,", b"\nd000001,-59,previous,1265,9999,")
    assert bad != _sample_bytes("timeseries.csv")
    at.file_uploader(key="yd_timeseries").set_value(("my_timeseries.csv", bad, "text/csv"))
    at.file_uploader(key="yd_deployments").set_value(("deployments.csv", _sample_bytes("deployments.csv"), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert len(at.error) == 1, [e.value for e in at.error]
    message = at.error[0].value
    assert "my_timeseries.csv" in message and "'errors'" in message and "row 2" in message
    assert "Traceback" not in message

    # The same file repaired: scored, no message.
    at.file_uploader(key="yd_timeseries").set_value(("my_timeseries.csv", _sample_bytes("timeseries.csv"), "text/csv"))
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert len(_dataframe_with(at, "reasons")) == len(flagged)

    # Training on the 200 sample deployments: models fitted on their own weak labels score them.
    at.radio(key="yd_models").set_value("Models trained here on this data (weak supervision)").run()
    at.button(key="yd_train").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert len(_dataframe_with(at, "reasons")) >= 1
    trained = [s.label for s in at.status if s.label.startswith("Trained on")]
    assert len(trained) == 1 and "_" not in trained[0], trained  # "label model", not "label_model"

    # Training on 40 of them is impossible (too few weak-label positives): one clear message, and
    # the shipped models' scores stay on screen.
    ts = pd.read_csv(ROOT / "data" / "sample" / "timeseries.csv")
    deployments = pd.read_csv(ROOT / "data" / "sample" / "deployments.csv")
    few = set(deployments["deployment_id"].iloc[:40])
    at.file_uploader(key="yd_timeseries").set_value(
        ("few.csv", ts[ts["deployment_id"].isin(few)].to_csv(index=False).encode(), "text/csv"))
    at.file_uploader(key="yd_deployments").set_value(
        ("few_deployments.csv", deployments.iloc[:40].to_csv(index=False).encode(), "text/csv"))
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    shown = sum(len(d.value) for d in at.dataframe if "reasons" in d.value.columns)
    at.button(key="yd_train").click().run()
    assert not at.exception, at.exception
    assert len(at.error) == 1 and "Training on this data is impossible" in at.error[0].value
    assert sum(len(d.value) for d in at.dataframe if "reasons" in d.value.columns) == shown

    # Data that ends at minute 29 (a rollout still under way): one message, nothing else drawn.
    at.file_uploader(key="yd_timeseries").set_value(
        ("short.csv", ts[ts["minute"] < 30].to_csv(index=False).encode(), "text/csv"))
    at.file_uploader(key="yd_deployments").set_value(
        ("deployments.csv", _sample_bytes("deployments.csv"), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert len(at.error) == 1 and "ends at minute 29" in at.error[0].value, [e.value for e in at.error]
    assert not at.metric and not [d for d in at.dataframe if "reasons" in d.value.columns]



def test_your_data_page_shows_undefined_figures_and_empty_labels_as_promised():
    at = _open("app_pages/your_data.py", timeout=600)
    at.radio(key="yd_source").set_value("Upload my files").run()
    deployments = pd.read_csv(ROOT / "data" / "sample" / "deployments.csv")
    at.file_uploader(key="yd_timeseries").set_value(("timeseries.csv", _sample_bytes("timeseries.csv"), "text/csv"))

    # Every label 0: recall is undefined, shown as "—" with the reason.
    at.file_uploader(key="yd_deployments").set_value(
        ("deployments.csv", deployments.assign(label=0).to_csv(index=False).encode(), "text/csv"))
    at.run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert _dataframe_with(at, "recall")["recall"].isna().all()
    assert not _tables_showing_none(at), _tables_showing_none(at)
    assert any("Recall is undefined: no labelled deployment is faulty" in c.value for c in at.caption)

    # Half the labels empty: the flagged table shows an empty cell for them, not "None".
    partly = deployments.assign(label=deployments["label"].astype("Float64"))
    partly.loc[::2, "label"] = pd.NA
    at.file_uploader(key="yd_deployments").set_value(
        ("deployments.csv", partly.to_csv(index=False).encode(), "text/csv"))
    at.run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    flagged = next(df for df in at.dataframe if "reasons" in df.value.columns)
    assert flagged.value["label"].isna().any() and flagged.proto.placeholder == ""
    assert not _tables_showing_none(at), _tables_showing_none(at)


def test_overview_formats_its_figures_from_their_one_place():
    from fdd.reference import CHANGE_OUTAGE_SHARE, CHANGE_OUTAGE_SOURCE
    from ui_common import DEFAULT_N, DEFAULT_SEED

    at = _app().run()
    text = " ".join(m.value for m in at.markdown)
    assert f"about {CHANGE_OUTAGE_SHARE:.0%} of outages" in text and CHANGE_OUTAGE_SOURCE in text
    assert f"({DEFAULT_N:,} deployments, seed {DEFAULT_SEED})" in text


def _foreign_generator(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("generator", ["other_generator", "third_generator", "fourth_generator", "fifth_generator"])
def test_your_data_page_scores_telemetry_of_generators_written_by_others(generator):
    # Other baselines (45 min), rollbacks inside the window, region rollouts, monitoring gaps: scored
    # with the shipped models and explained, no message, no traceback.
    timeseries, deployments = _foreign_generator(generator).generate(300, 5)
    at = _open("app_pages/your_data.py", timeout=600)
    at.radio(key="yd_source").set_value("Upload my files").run()
    at.file_uploader(key="yd_timeseries").set_value(
        ("timeseries.csv", timeseries.to_csv(index=False).encode(), "text/csv"))
    at.file_uploader(key="yd_deployments").set_value(
        ("deployments.csv", deployments.to_csv(index=False).encode(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert len(_dataframe_with(at, "precision")) == 2  # the generators write `label`


def test_your_data_draws_no_latency_chart_when_every_latency_value_is_empty():
    ts = pd.read_csv(ROOT / "data" / "sample" / "timeseries.csv")
    ts["latency_ms"] = float("nan")  # the column is there, every value empty
    at = _open("app_pages/your_data.py", timeout=600)
    at.radio(key="yd_source").set_value("Upload my files").run()
    at.file_uploader(key="yd_timeseries").set_value(("timeseries.csv", ts.to_csv(index=False).encode(), "text/csv"))
    at.file_uploader(key="yd_deployments").set_value(("deployments.csv", _sample_bytes("deployments.csv"), "text/csv"))
    at.run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert _chart_titles(at) == ["error rate"]
