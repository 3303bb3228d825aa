"""fdd.evaluation (the stage table), fdd.charts_results, fdd.reference and fdd.upload on small fleets."""

from __future__ import annotations

import dataclasses
import io
import zipfile

import altair as alt
import numpy as np
import pandas as pd
import pytest

from fdd import charts_results as cr
from fdd import evaluation as ev
from fdd import upload as up
from fdd.checks import ITERATION_STEPS, run_horizons, vote
from fdd.refinement import information_ceilings, iteration_table
from fdd.reference import DATADOG_REPORTED_FIGURES, DATADOG_REPORTED_URL, reported_figures_frame
from fdd.schema import ContractError
from fdd.simulate import simulate_fleet


@pytest.fixture(scope="module")
def fleet():
    return simulate_fleet(400, seed=5)


@pytest.fixture(scope="module")
def verdicts(fleet):
    return run_horizons(fleet, ev.HORIZONS)


def _stage(key: str, detected: list[int]) -> ev.Stage:
    return ev.Stage(key, ev.STAGE_NAMES.get(key, key), np.asarray(detected))


@pytest.fixture()
def tiny():
    """Six deployments with hand-made truth, reference and detections."""
    fleet = simulate_fleet(6, seed=1)
    deployments = fleet.deployments.copy()
    deployments["label"] = [1, 1, 1, 0, 0, 0]
    deployments["scenario"] = ["error_step", "error_step", "latency_regression", "healthy", "healthy", "healthy"]
    fleet = dataclasses.replace(fleet, deployments=deployments)
    reference = np.array([1, 1, 0, 1, 0, 0], bool)  # the 60-min ensemble's positives
    stages = [
        _stage(ev.CHECKS_VOTE, [60, 60, -1, 60, -1, -1]),
        _stage(ev.SEQ_ENSEMBLE, [10, 60, -1, -1, 20, -1]),
        _stage(ev.SEQ_WEAK, [10, 20, 20, -1, -1, -1]),
    ]
    return fleet, reference, stages


def test_stage_normalises_never_to_minus_one():
    s = ev.Stage("x", "x", np.array([10.0, np.nan, -5, 60]))
    assert s.detected_minute.tolist() == [10, -1, -1, 60]
    assert s.flagged.tolist() == [True, False, False, True]
    with pytest.raises(ValueError):
        ev.Stage("x", "x", np.zeros((2, 2)))


def test_stage_table_by_hand(tiny):
    fleet, reference, stages = tiny
    table = ev.stage_table(fleet, stages, reference=reference).set_index("key")
    vote, ens, weak = table.loc[ev.CHECKS_VOTE], table.loc[ev.SEQ_ENSEMBLE], table.loc[ev.SEQ_WEAK]
    # checks vote: flags 0, 1, 3; truth 0, 1, 2
    assert vote["flagged"] == 3
    assert vote["precision"] == pytest.approx(2 / 3) and vote["recall"] == pytest.approx(2 / 3)
    assert vote["coverage_10"] == 0 and vote["coverage_20"] == 0
    assert vote["ttd_multiple"] == pytest.approx(1.0)
    # ensemble-trained: flags 0 (10), 1 (60), 4 (20); reference positives 0, 1, 3
    assert ens["coverage_10"] == pytest.approx(1 / 3) and ens["coverage_20"] == pytest.approx(1 / 3)
    assert ens["ttd_minutes"] == pytest.approx(35.0)
    # weak: flags 0 (10), 1 (20), 2 (20): all faulty, everything by 20 minutes
    assert weak["precision"] == 1 and weak["recall"] == 1
    assert weak["coverage_20"] == pytest.approx(2 / 3)
    assert weak["ttd_multiple"] == pytest.approx((10 + 20 + 20) / 3 / 60)
    # disagreements weak vs ensemble: deployments 2 (weak flags, faulty) and 4 (ensemble flags, healthy)
    assert weak["disagrees_with"] == ev.STAGE_NAMES[ev.SEQ_ENSEMBLE]
    assert weak["disagreements"] == 2
    assert weak["precision_disagreements"] == 1 and weak["recall_disagreements"] == 1
    # the ensemble-trained models' own disagreements are measured against the weak ones
    assert ens["disagrees_with"] == ev.STAGE_NAMES[ev.SEQ_WEAK]
    assert ens["precision_disagreements"] == 0 and ens["recall_disagreements"] == 0


def test_stage_table_without_truth_or_partner(tiny):
    fleet, reference, stages = tiny
    unlabelled = dataclasses.replace(fleet, deployments=fleet.deployments.drop(columns=["label"]))
    table = ev.stage_table(unlabelled, stages[:1], reference=reference)
    assert np.isnan(table.loc[0, "precision"]) and np.isnan(table.loc[0, "ttd_multiple"])
    assert table.loc[0, "coverage_20"] == 0
    assert table.loc[0, "disagrees_with"] == "" and pd.isna(table.loc[0, "disagreements"])


def test_stage_table_refuses_mismatched_stages(tiny):
    fleet, reference, stages = tiny
    with pytest.raises(ValueError, match="decisions for 6 deployments"):
        ev.stage_table(fleet, [_stage("x", [10, -1])], reference=reference)
    with pytest.raises(ValueError, match="unique"):
        ev.stage_table(fleet, [stages[0], stages[0]], reference=reference)


def test_long_frames(tiny):
    fleet, reference, stages = tiny
    truth = ev.truth_of(fleet)
    coverage = ev.coverage_frame(stages, reference)
    assert len(coverage) == len(stages) * len(ev.HORIZONS)
    assert coverage.query("key == @ev.SEQ_WEAK and horizon == 60")["coverage"].item() == pytest.approx(2 / 3)
    detection = ev.detection_time_frame(stages, truth)
    shares = detection.groupby("key")["share"].sum()
    assert np.allclose(shares.to_numpy(), 1.0)
    assert set(detection["detected"]) <= {"10 min", "20 min", "60 min", ev.NOT_DETECTED}
    recall = ev.scenario_recall_frame(stages, fleet.deployments)
    weak = recall[recall["key"] == ev.SEQ_WEAK].set_index("scenario")["recall"]
    assert weak.to_dict() == {"error_step": 1.0, "latency_regression": 1.0}
    assert ev.scenario_recall_frame(stages, fleet.deployments.drop(columns=["scenario"])).empty
    detections = ev.detections_frame(fleet, stages)
    assert detections["detected_seq_weak"].isna().tolist() == [False, False, False, True, True, True]


def test_kayenta_stage_combines_runs(tiny):
    fleet, _, _ = tiny
    ids = fleet.ids.astype(str)
    early = pd.DataFrame({"deployment_id": ids, "detected_minute": pd.array([10, None, 20, None, None, None],
                                                                             dtype="Int64")})
    late = pd.DataFrame({"deployment_id": ids[::-1], "detected_minute": pd.array([60, None, None, 60, 60, None],
                                                                                  dtype="Int64")})
    stage = ev.kayenta_stage([early, late], fleet.ids)
    # late is in reverse order: deployments 5, 2, 1 failed at 60
    assert stage.detected_minute.tolist() == [10, 60, 20, -1, -1, 60]
    with pytest.raises(ValueError, match="no row"):
        ev.kayenta_stage(early.iloc[:3], fleet.ids)


def test_evaluate_fleet_fast_stages(fleet, verdicts):
    stages = ev.evaluate_fleet(fleet, include=[ev.CHECKS_VOTE, ev.CHECKS_CASCADE], verdicts=verdicts)
    vote, cascade = stages
    assert (vote.flagged == verdicts[-1].flagged).all()
    assert set(np.unique(vote.detected_minute)) <= {-1, 60}
    # the cascade flags everything the 60-min vote flags, some of it earlier
    assert (cascade.flagged >= vote.flagged).all()
    table = ev.stage_table(fleet, stages)
    assert list(table["key"]) == [ev.CHECKS_VOTE, ev.CHECKS_CASCADE]
    assert (table["coverage_20"] >= table["coverage_10"]).all()
    with pytest.raises(ValueError, match="unknown stages"):
        ev.evaluate_fleet(fleet, include=["nope"])


def test_trained_stages_are_out_of_fold(monkeypatch):
    # A fleet on which both trained stages' in-sample detections differ from the out-of-fold ones
    # (on the module's fleet the ensemble-trained models' agree: only their 60-min model fires).
    fleet = simulate_fleet(400, seed=1)
    trained = {}  # the detectors evaluate_fleet trains, by stage

    def keep(key, train):
        def wrapped(*args, **kwargs):
            detector = train(*args, **kwargs)
            trained.setdefault(key, detector)  # the first: train_on_weak_labels trains its own reference too
            return detector
        return wrapped

    monkeypatch.setattr(ev, "train_on_ensemble", keep(ev.SEQ_ENSEMBLE, ev.train_on_ensemble))
    monkeypatch.setattr(ev, "train_on_weak_labels", keep(ev.SEQ_WEAK, ev.train_on_weak_labels))
    messages = []
    stages = ev.evaluate_fleet(fleet, include=[ev.CHECKS_VOTE, ev.SEQ_ENSEMBLE, ev.SEQ_WEAK],
                               progress=messages.append)
    assert [s.key for s in stages] == [ev.CHECKS_VOTE, ev.SEQ_ENSEMBLE, ev.SEQ_WEAK]
    assert len(messages) == 3
    table = ev.stage_table(fleet, stages).set_index("key")
    for stage in stages[1:]:
        detector = trained[stage.key]
        # every deployment is judged by the fold's models that did not see it, not by the refit ones
        oof = ev.cascade_stage(stage.key, detector.oof_cascade()).detected_minute
        in_sample = ev.cascade_stage(stage.key, detector.cascade(fleet)).detected_minute
        np.testing.assert_array_equal(stage.detected_minute, oof)
        assert not np.array_equal(stage.detected_minute, in_sample)
        assert 0 <= table.loc[stage.key, "recall"] <= 1
    comparison = ev.reference_comparison(table.reset_index())
    assert list(comparison["figure"]) == [f.figure for f in DATADOG_REPORTED_FIGURES]
    assert comparison["measured_ensemble_labels"].notna().any()


def test_train_on_weak_labels_explains_impossible_training():
    small = simulate_fleet(60, seed=2)
    with pytest.raises(ValueError, match="positive"):
        ev.train_on_weak_labels(small)


def test_tables_zip_round_trip():
    blob = ev.tables_zip({"a": pd.DataFrame({"x": [1, 2]}), "b": pd.DataFrame({"y": ["z"]})})
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        assert sorted(archive.namelist()) == ["a.csv", "b.csv"]
        assert pd.read_csv(archive.open("a.csv"))["x"].tolist() == [1, 2]


# ---------------------------------------------------------------------------- reference figures


def test_reference_figures_are_one_labelled_constant():
    frame = reported_figures_frame()
    assert list(frame["key"]) == [f.key for f in DATADOG_REPORTED_FIGURES]
    assert DATADOG_REPORTED_URL.startswith("https://www.datadoghq.com/blog/")
    shares = frame[frame["unit"] == "share"]
    assert ((shares["datadog_before"] > 0) & (shares["datadog_before"] < shares["datadog_after"])
            & (shares["datadog_after"] < 1)).all()
    # every key names a column of the stage table
    columns = set(ev.stage_table(*_tiny_args()).columns)
    assert set(frame["key"]) <= columns


def _tiny_args():
    fleet = simulate_fleet(5, seed=3)
    return fleet, [_stage(ev.CHECKS_VOTE, [60, -1, -1, -1, -1])]


# ---------------------------------------------------------------------------- charts


def _chart_dict(chart) -> dict:
    assert isinstance(chart, alt.TopLevelMixin)
    return chart.to_dict()


def _has_tooltip(spec: dict) -> bool:
    text = str(spec)
    return "'tooltip'" in text


def test_charts_build_with_tooltips(tiny):
    fleet, reference, stages = tiny
    table = ev.stage_table(fleet, stages, reference=reference)
    charts = [
        cr.coverage_chart(ev.coverage_frame(stages, reference)),
        cr.detection_time_chart(ev.detection_time_frame(stages, ev.truth_of(fleet))),
        cr.scenario_recall_chart(ev.scenario_recall_frame(stages, fleet.deployments)),
        cr.reference_chart(ev.reference_comparison(table)),
    ]
    for chart in charts:
        assert _has_tooltip(_chart_dict(chart))


def test_stage_colours_are_stable():
    names = list(ev.STAGE_NAMES.values())
    full = cr.stage_colors(names)
    part = cr.stage_colors([names[3], names[0], "something else"])
    colour = dict(zip(full.domain, full.range))
    assert dict(zip(part.domain, part.range))[names[3]] == colour[names[3]]
    assert len(set(part.range)) == 3


def test_charts_refuse_missing_columns():
    with pytest.raises(ValueError, match="coverage"):
        cr.coverage_chart(pd.DataFrame({"stage": ["a"]}))
    with pytest.raises(ValueError, match="detection time"):
        cr.detection_time_chart(pd.DataFrame({"stage": ["a"]}))


# ---------------------------------------------------------------------------- fdd.upload (the Your data page)


def test_template_is_valid_and_complete():
    ts, deployments = up.template_tables()
    fleet = up.fleet_from_uploads(ts.to_csv(index=False).encode(), deployments.to_csv(index=False).encode(),
                                  timeseries_name="timeseries.csv", deployments_name="deployments.csv")
    assert fleet.n == 2
    with zipfile.ZipFile(io.BytesIO(up.template_zip())) as archive:
        assert sorted(archive.namelist()) == ["README.txt", "columns.csv", "deployments.csv", "timeseries.csv"]
        columns = pd.read_csv(archive.open("columns.csv"))
    assert set(columns["table"]) == {"timeseries", "deployments", "scores"}


def test_bad_upload_is_one_clear_error():
    ts, deployments = up.template_tables()
    ts.loc[3, "errors"] = 10_000
    with pytest.raises(ContractError) as error:
        up.fleet_from_uploads(ts.to_csv(index=False).encode(), deployments.to_csv(index=False).encode(),
                              timeseries_name="mine.csv", deployments_name="deployments.csv")
    message = str(error.value)
    assert "mine.csv" in message and "'errors'" in message and "row 4" in message
    assert "\n" not in message


def test_a_stray_minute_far_from_the_rollout_is_refused_by_name_not_densified():
    """One row at minute 10**7 would make every deployment 10**7 minutes wide (gigabytes)."""
    ts, deployments = up.template_tables()
    stray = ts.iloc[[len(ts) - 1]].assign(minute=10_000_000)
    ts = pd.concat([ts, stray], ignore_index=True)
    with pytest.raises(ContractError) as error:
        up.fleet_from_uploads(ts.to_csv(index=False).encode(), deployments.to_csv(index=False).encode(),
                              timeseries_name="mine.csv", deployments_name="deployments.csv")
    message = str(error.value)
    assert "mine.csv" in message and "'minute'" in message and f"row {len(ts)}" in message
    assert "the app holds" in message and "\n" not in message


def test_sample_scores_and_reasons():
    fleet = up.fleet_from_folder()
    assert fleet.n == 200 and {"label", "scenario"} <= set(fleet.deployments.columns)
    assert "magnitude" not in fleet.deployments.columns  # simulator truth other than label/scenario is stripped
    verdict = up.reason_verdict(fleet)
    # scores by hand: the checks' own vote, in the scores format
    flags = verdict.flagged
    scores = pd.DataFrame({"deployment_id": fleet.ids.astype(str), "faulty": flags.astype(int),
                           "score": np.where(flags, 0.9, 0.1),
                           "detected_minute": pd.Series(np.where(flags, 60, 0), dtype="Int64").where(flags)})
    table = up.flagged_table(fleet, scores, verdict)
    assert len(table) == int(flags.sum())
    distinct = scores.assign(score=np.where(flags, np.linspace(0.5, 0.99, fleet.n), 0.1))
    ranked = up.flagged_table(fleet, distinct, verdict)["score"].to_numpy()
    assert len(ranked) > 1 and (np.diff(ranked) < 0).all()  # highest score first
    assert (table["checks_votes"] == f"{len(verdict.enabled)}/{len(verdict.enabled)}").all()
    assert table["reasons"].str.contains("impact").all()
    quality = up.quality_table(fleet, {"checks": flags})
    assert quality.loc[0, "flagged"] == int(flags.sum())
    unlabelled = dataclasses.replace(fleet, deployments=fleet.deployments.drop(columns=["label"]))
    assert up.quality_table(unlabelled, {"checks": flags}) is None


def test_pair_text_marks_missing_sides():
    from fdd.reference import pair_text, reported_text

    assert pair_text(0.5, 0.25, "share") == "50% → 25%"
    assert pair_text(0.123, float("nan"), "share") == "12.3% → —"
    assert pair_text(None, None, "multiple") == "—"
    assert pair_text(0.9, 0.75, "multiple") == "0.90x → 0.75x"
    for figure in DATADOG_REPORTED_FIGURES:
        text = reported_text(figure)
        assert text and text != "—"
        assert ("→" in text) == (figure.before is not None and figure.after is not None)


# ---------------------------------------------------------------------------- the refinement story and the stage table


def test_iteration_table_recall_among_detectable_faults(fleet, verdicts):
    """`recall_detectable` is the share of the detectable faults that each step's vote flags, not plain recall."""
    table = iteration_table(verdicts[-1], fleet.deployments)
    detectable = fleet.deployments["detectable"].to_numpy() == 1
    truth = fleet.deployments["label"].to_numpy() == 1
    assert detectable.sum() < truth.sum()  # some faults are honestly invisible: the two recalls differ
    for row, step in zip(table.itertuples(), ITERATION_STEPS):
        flagged = vote(verdicts[-1].results, step)
        assert row.recall_detectable == pytest.approx(flagged[detectable].mean())
        assert row.recall == pytest.approx(flagged[truth].mean())


def test_information_ceilings_keep_true_faults_of_a_named_scenario():
    """The oracle removes only false positives: a flagged deployment labelled faulty stays flagged even when
    its scenario is one of the removed confounders (e.g. a real fault during an unrelated incident)."""
    deployments = pd.DataFrame({
        "label": [1, 1, 0, 0, 0],
        "scenario": ["unrelated_incident", "error_step", "unrelated_incident", "seasonal_rise", "healthy"],
        "detectable": [1, 1, 0, 0, 0],
    })
    flagged = np.array([1, 1, 1, 1, 0], dtype=bool)
    table = information_ceilings(flagged, deployments)
    assert list(table["flagged"]) == [4, 3, 2]
    assert list(table["precision"]) == pytest.approx([0.5, 2 / 3, 1.0])
    assert list(table["recall_detectable"]) == [1.0, 1.0, 1.0]  # recall cannot fall


def test_checks_cascade_stage_flags_at_the_earliest_horizon_whatever_the_order(verdicts):
    """The checks' cascade flags each deployment at the first horizon (in minutes) whose vote fires, however
    the verdicts are ordered."""
    stage = ev.checks_cascade_stage(verdicts)
    assert ev.checks_cascade_stage(list(reversed(verdicts))).detected_minute.tolist() == stage.detected_minute.tolist()
    assert (stage.detected_minute == 20).any()  # the fleet has deployments caught before the hour
    first = np.full(len(stage.detected_minute), -1)
    for v in reversed(sorted(verdicts, key=lambda v: v.horizon)):
        first = np.where(v.flagged, v.horizon, first)
    np.testing.assert_array_equal(stage.detected_minute, first)


def test_stage_table_coverage_is_against_the_60_minute_ensemble(fleet, verdicts):
    """Without an explicit reference, coverage is measured against the checks_vote stage's flags (the 60-minute
    ensemble), exactly as when that reference is passed."""
    stages = ev.evaluate_fleet(fleet, include=[ev.CHECKS_VOTE, ev.CHECKS_CASCADE], verdicts=verdicts)
    implicit = ev.stage_table(fleet, stages)
    explicit = ev.stage_table(fleet, stages, reference=verdicts[-1].flagged)
    pd.testing.assert_frame_equal(implicit, explicit)
    cascade = implicit.set_index("key").loc[ev.CHECKS_CASCADE]
    reference = verdicts[-1].flagged
    detected = stages[1].detected_minute
    assert cascade["coverage_20"] == pytest.approx(((detected >= 0) & (detected <= 20))[reference].mean())
    assert cascade["coverage_20"] > 0


def test_quality_against_partial_labels_counts_only_the_labelled():
    fleet = up.fleet_from_folder()
    flags = up.reason_verdict(fleet).flagged
    label = fleet.deployments["label"].astype("Int64")
    unknown = np.flatnonzero(flags)[: max(1, int(flags.sum()) // 2)]
    label.iloc[unknown] = pd.NA
    partial = dataclasses.replace(fleet, deployments=fleet.deployments.assign(label=label))
    row = up.quality_table(partial, {"checks": flags}).iloc[0]
    assert row["labelled"] == fleet.n - len(unknown) and row["flagged"] == int(flags.sum()) - len(unknown)
    assert ev.truth_of(partial) is None  # whole-fleet tables need every label
    nobody = dataclasses.replace(fleet, deployments=fleet.deployments.assign(label=pd.array([pd.NA] * fleet.n,
                                                                                            dtype="Int64")))
    assert up.quality_table(nobody, {"checks": flags}) is None
