"""Sequential models: the cascade, cross-fitting, persistence, determinism, errors and the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fdd.cli import main
from fdd.fleet import Fleet
from fdd.schema import read_table, validate_scores, write_data_dir
from fdd.sequential import (
    DEFAULT_MODEL_DIR,
    SequentialDetector,
    SequentialError,
    cascade,
    ensemble_labels,
    normalised_scores,
    precision_threshold,
)
from fdd.simulate import simulate_fleet

SMALL = {"num_iterations": 15, "num_leaves": 4}
SCORE_COLUMNS = ["deployment_id", "faulty", "score", "detected_minute", "score_10", "score_20", "score_60"]


@pytest.fixture(scope="module")
def fleet() -> Fleet:
    return simulate_fleet(1500, seed=3)


@pytest.fixture(scope="module")
def fitted(fleet) -> SequentialDetector:
    return SequentialDetector(feature_set="domain", n_folds=3, seed=1, lgbm_params=SMALL).fit(fleet)


# ---------------------------------------------------------------------------- pure pieces


def test_cascade_flags_at_the_first_horizon_that_fires():
    proba = np.array([
        [0.9, 0.1, 0.1],  # fires at 10 (later horizons do not matter)
        [0.1, 0.8, 0.1],  # fires at 20
        [0.1, 0.1, 0.6],  # fires at 60
        [0.1, 0.1, 0.1],  # never
        [0.5, 0.7, 0.5],  # exactly at the threshold counts: 10
    ])
    result = cascade(proba, [0.5, 0.7, 0.5], (10, 20, 60))
    assert result.detected_minute.tolist() == [10, 20, 60, -1, 10]
    assert result.faulty.tolist() == [True, True, True, False, True]
    assert ((result.score >= 0.5) == result.faulty).all()
    assert ((result.horizon_scores >= 0.5) == (proba >= [0.5, 0.7, 0.5])).all()
    never = cascade(proba, [np.inf, np.inf, 0.5], (10, 20, 60))
    assert never.detected_minute.tolist() == [-1, -1, 60, -1, 60]
    with pytest.raises(SequentialError):
        cascade(proba, [0.5, 0.5], (10, 20, 60))


def test_normalised_scores_put_each_threshold_at_one_half():
    p = np.array([[0.0, 0.2], [0.3, 0.2], [0.5, 0.9], [1.0, 1.0], [0.2999999999, 0.1999999]])
    s = normalised_scores(p, [0.3, 0.2])
    assert ((s >= 0.5) == (p >= [0.3, 0.2])).all()
    assert s.min() >= 0 and s.max() <= 1
    assert np.all(np.diff(normalised_scores(np.linspace(0, 1, 101)[:, None], [0.37]), axis=0) >= 0)


def test_precision_threshold_keeps_the_most_recall_at_the_target():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    labels = np.array([1, 1, 0, 1, 0, 0])
    assert precision_threshold(scores, labels, 0.75) == 0.6  # 3 of 4 above 0.6
    assert precision_threshold(scores, labels, 1.0) == 0.8
    assert precision_threshold(scores, np.zeros(6), 0.5) == np.inf
    # Below the cut that reaches all the recall, lower cuts would add false positives only.
    assert precision_threshold(scores, np.array([1, 1, 0, 0, 0, 0]), 0.5) == 0.8


def test_cascade_metrics_and_charts_on_hand_made_detections():
    from fdd import charts_sequential as cs
    from fdd.metrics import cascade_by_horizon, cascade_summary

    detected = np.array([10, 20, 60, -1, 60, 10])
    reference = np.array([1, 1, 1, 0, 0, 0], dtype=bool)  # the 60-minute ensemble
    truth = np.array([1, 1, 0, 1, 0, 1], dtype=bool)
    table = cascade_by_horizon(detected, (10, 20, 60), reference, truth)
    assert table["flagged_by"].tolist() == [2, 3, 5]
    assert table["coverage"].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert table["share_of_final"].tolist() == pytest.approx([0.4, 0.6, 1.0])
    summary = cascade_summary(detected, reference, truth)
    assert summary["share_by_early"] == pytest.approx(0.6)
    assert summary["precision_early"] == pytest.approx(1.0)
    assert summary["ttd_minutes"] == pytest.approx((10 + 20 + 10) / 3)
    assert summary["ttd_multiple"] == pytest.approx(40 / 3 / 60)
    proba = np.array([[0.9, 0.1, 0.1], [0.1, 0.9, 0.1], [0.1, 0.1, 0.9], [0.2, 0.2, 0.2], [0.1, 0.1, 0.8],
                      [0.95, 0.3, 0.3]])
    result = cascade(proba, [0.5, 0.5, 0.5], (10, 20, 60))
    assert result.detected_minute.tolist() == detected.tolist()
    horizons = cs.horizon_table(proba, np.array([0.5, 0.5, 0.5]), result, reference, truth)
    assert {"threshold", "precision_truth", "recall_truth", "coverage", "share_of_final"} <= set(horizons.columns)
    curves = cs.pr_curves(proba, (10, 20, 60), reference, truth)
    assert set(curves["against"]) == {"60-min ensemble", "ground truth"}
    for chart in (cs.coverage_chart(horizons), cs.pr_chart(curves, horizons),
                  cs.detection_chart(cs.detection_frame(result, truth))):
        spec = chart.to_dict()
        assert "tooltip" in str(spec)


# ---------------------------------------------------------------------------- fitting


def test_fit_cross_fits_and_scores_in_the_contract_format(fleet, fitted):
    n, horizons = fleet.n, (10, 20, 60)
    assert fitted.horizons_ == horizons
    assert fitted.oof_proba_.shape == (n, 3) and set(fitted.models_) == set(horizons)
    assert np.array_equal(fitted.labels_, ensemble_labels(fleet))
    # Out-of-fold scores differ from the refitted models' in-sample scores.
    assert not np.allclose(fitted.oof_proba_, fitted.predict_proba(fleet))
    for j in range(3):  # each threshold reaches the target on the held-out scores
        fired = fitted.oof_proba_[:, j] >= fitted.thresholds_[j]
        if fired.any():
            assert fitted.labels_[fired].mean() >= 0.9
    scores = fitted.score(fleet)
    assert list(scores.columns) == SCORE_COLUMNS
    assert str(scores["detected_minute"].dtype) == "Int64"
    assert scores["deployment_id"].tolist() == list(fleet.ids)
    assert ((scores["score"] >= 0.5) == (scores["faulty"] == 1)).all()
    assert scores["detected_minute"].isna().tolist() == (scores["faulty"] == 0).tolist()
    validate_scores(scores)
    importances = fitted.feature_importances()
    assert list(importances.columns) == ["h10", "h20", "h60"] and importances.to_numpy().sum() > 0


def test_page_charts_build_from_a_fitted_detector(fleet, fitted):
    from fdd import charts_sequential as cs

    result = fitted.oof_cascade()
    row = int(np.flatnonzero(result.faulty)[0])
    timeline = cs.timeline_chart(fleet, row, result).to_dict()
    assert "tooltip" in str(timeline) and str(fleet.ids[row]) in str(timeline)
    importance = cs.importance_frame(fitted.feature_importances(), top=5)
    assert importance["feature"].nunique() == 5 and set(importance["horizon"]) == {"10 min", "20 min", "60 min"}
    assert "tooltip" in str(cs.importance_chart(importance).to_dict())


def test_any_label_vector_and_weights_can_be_passed(fleet):
    truth = fleet.deployments["label"].to_numpy()
    weights = np.where(truth == 1, 2.0, 1.0)
    detector = SequentialDetector(horizons=(10, 20), feature_set="basic", n_folds=3, lgbm_params=SMALL)
    detector.fit(fleet, labels=truth, sample_weight=weights)
    assert detector.oof_proba_.shape == (fleet.n, 2)
    assert detector.target_ == "labels passed to fit"


def test_moving_the_target_precision_only_moves_thresholds(fleet, fitted):
    looser = fitted.with_target_precision(0.6)
    assert looser.models_ is fitted.models_ and fitted.target_precision == 0.9
    assert (looser.thresholds_ <= fitted.thresholds_).all()
    assert looser.oof_cascade().faulty.sum() >= fitted.oof_cascade().faulty.sum()
    with pytest.raises(SequentialError, match="target_precision"):
        fitted.with_target_precision(1.5)


def test_class_weight_sets_lightgbm_scale_pos_weight(fleet):
    balanced = SequentialDetector(horizons=(10,), feature_set="basic", n_folds=2, lgbm_params=SMALL,
                                  class_weight="balanced").fit(fleet)
    assert "[scale_pos_weight: " in balanced.models_[10].model_to_string()
    assert "[scale_pos_weight: 1]" not in balanced.models_[10].model_to_string()
    with pytest.raises(SequentialError, match="class_weight"):
        SequentialDetector(class_weight="heavy").fit(fleet)


def test_same_seed_gives_identical_models_and_scores(fleet, fitted):
    again = SequentialDetector(feature_set="domain", n_folds=3, seed=1, lgbm_params=SMALL).fit(fleet)
    for h in fitted.horizons_:
        assert again.models_[h].model_to_string() == fitted.models_[h].model_to_string()
    np.testing.assert_array_equal(again.oof_proba_, fitted.oof_proba_)
    pd.testing.assert_frame_equal(again.score(fleet), fitted.score(fleet))


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize("labels, message", [
    ("zeros", "one class only"),
    ("ones", "one class only"),
    ("five", "too few examples"),
    ("short", "values for"),
    ("twos", "must be 0 or 1"),
])
def test_bad_labels_are_refused_with_one_clear_error(fleet, labels, message):
    n = fleet.n
    vectors = {"zeros": np.zeros(n), "ones": np.ones(n), "five": np.r_[np.ones(5), np.zeros(n - 5)],
               "short": np.zeros(n - 1), "twos": np.full(n, 2)}
    with pytest.raises(SequentialError, match=message):
        SequentialDetector(lgbm_params=SMALL).fit(fleet, vectors[labels])


def test_bad_configuration_and_horizons_are_refused(fleet, fitted):
    with pytest.raises(SequentialError, match="beyond the data"):
        SequentialDetector(lgbm_params=SMALL).fit(fleet.before(30), np.r_[np.ones(50), np.zeros(fleet.n - 50)])
    with pytest.raises(SequentialError, match="beyond the data"):
        fitted.predict_proba(fleet.before(30))
    with pytest.raises(SequentialError, match="unknown feature set"):
        SequentialDetector(feature_set="nope").fit(fleet)
    with pytest.raises(SequentialError, match="not fitted"):
        SequentialDetector().score(fleet)
    assert issubclass(SequentialError, ValueError)


# ---------------------------------------------------------------------------- persistence


def test_save_and_load_give_identical_scores(fleet, fitted, tmp_path):
    folder = fitted.save(tmp_path / "model")
    assert sorted(p.name for p in folder.iterdir()) == ["meta.json", "model_10.txt", "model_20.txt", "model_60.txt"]
    meta = json.loads((folder / "meta.json").read_text())
    for key in ("horizons", "thresholds", "feature_names", "feature_set", "check_config", "fdd_version",
                "lightgbm_version", "target"):
        assert key in meta
    loaded = SequentialDetector.load(folder)
    pd.testing.assert_frame_equal(loaded.score(fleet), fitted.score(fleet))
    np.testing.assert_array_equal(loaded.thresholds_, fitted.thresholds_)


@pytest.mark.parametrize("change, message", [
    ({"fdd_version": "0.0.1"}, "saved by fdd 0.0.1"),
    ({"feature_set": "full"}, "feature list does not match"),
    ({"feature_names": ["a", "b"]}, "feature list does not match"),
    ({"format": 99}, "model format"),
])
def test_load_refuses_a_folder_from_another_version_or_feature_set(fitted, tmp_path, change, message):
    folder = fitted.save(tmp_path / "model")
    meta = json.loads((folder / "meta.json").read_text())
    (folder / "meta.json").write_text(json.dumps(meta | change))
    with pytest.raises(SequentialError, match=message):
        SequentialDetector.load(folder)


def test_load_refuses_missing_or_foreign_folders(fitted, tmp_path):
    with pytest.raises(SequentialError, match="no such model folder"):
        SequentialDetector.load(tmp_path / "absent")
    with pytest.raises(SequentialError, match="no meta.json"):
        SequentialDetector.load(tmp_path)
    folder = fitted.save(tmp_path / "model")
    with pytest.raises(SequentialError, match="expected 'full'"):
        SequentialDetector.load(folder, feature_set="full")
    (folder / "model_20.txt").write_text("not a model")
    with pytest.raises(SequentialError, match="model_20.txt"):
        SequentialDetector.load(folder)


def test_shipped_models_load_and_score(fleet):
    assert (DEFAULT_MODEL_DIR / "meta.json").is_file()
    assert DEFAULT_MODEL_DIR == Path(__import__("fdd").__file__).parent / "models" / "default"
    size = sum(p.stat().st_size for p in DEFAULT_MODEL_DIR.iterdir())
    assert size < 400_000
    detector = SequentialDetector.load_default()
    # trained as `python -m fdd train` trains by default (scripts/train_default_models.py)
    assert detector.target_.startswith("weak supervision (label_model)")
    scores = detector.score(fleet)
    assert list(scores.columns) == SCORE_COLUMNS and len(scores) == fleet.n
    assert scores["faulty"].sum() > 0


# ---------------------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("data") / "fleet"
    write_data_dir(simulate_fleet(700, seed=5), folder)
    return folder


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_train_then_score(data_dir, tmp_path, capsys):
    model = tmp_path / "model"
    status, out, err = _run(capsys, "train", "--data", str(data_dir), "--model", str(model),
                            "--labels", "ensemble", "--feature-set", "basic")
    assert status == 0, err
    assert "trained 3 models" in out and (model / "meta.json").is_file()
    for extra in ([], ["--model", str(model)], ["--checks-only"]):
        out_file = tmp_path / f"scores{len(extra)}.csv"
        status, out, err = _run(capsys, "score", "--data", str(data_dir), "--out", str(out_file), *extra)
        assert status == 0, err
        scores = validate_scores(read_table(out_file))
        assert list(scores.columns) == SCORE_COLUMNS
        assert len(scores) == 700


def test_cli_train_with_chosen_horizons_scores_at_them(data_dir, tmp_path, capsys):
    model = tmp_path / "model"
    status, out, err = _run(capsys, "train", "--data", str(data_dir), "--model", str(model), "--labels",
                            "ensemble", "--feature-set", "basic", "--horizons", "30,10,30")
    assert status == 0, err
    assert "trained 2 models" in out and "10 min" in out and "30 min" in out
    assert sorted(p.name for p in model.glob("model_*.txt")) == ["model_10.txt", "model_30.txt"]
    out_file = tmp_path / "scores.csv"
    status, _, err = _run(capsys, "score", "--data", str(data_dir), "--out", str(out_file), "--model", str(model))
    assert status == 0, err
    scores = read_table(out_file)
    assert {"score_10", "score_30"} <= set(scores.columns) and "score_60" not in scores.columns
    assert set(scores["detected_minute"].dropna().astype(int)) <= {10, 30}


@pytest.mark.parametrize("horizons", ["0,10", "ten", ",", "10,-5"])
def test_cli_train_refuses_bad_horizons(data_dir, tmp_path, capsys, horizons):
    model = tmp_path / "model"
    status, _, err = _run(capsys, "train", "--data", str(data_dir), "--model", str(model), "--horizons", horizons)
    assert status == 2 and "--horizons" in err and "Traceback" not in err
    assert not model.exists()


def test_cli_train_refuses_a_horizon_beyond_the_data(data_dir, tmp_path, capsys):
    model = tmp_path / "model"
    status, _, err = _run(capsys, "train", "--data", str(data_dir), "--model", str(model), "--labels", "ensemble",
                          "--horizons", "10,90")
    _one_error_line(status, err, "horizon 90")
    assert not model.exists()


@pytest.mark.parametrize("case", ["missing data", "bad table", "bad suffix", "bad model"])
def test_cli_bad_input_exits_2_with_one_line_and_no_output(data_dir, tmp_path, capsys, case):
    out_file = tmp_path / ("scores.txt" if case == "bad suffix" else "scores.csv")
    data = data_dir
    extra: list[str] = []
    if case == "missing data":
        data = tmp_path / "nowhere"
    elif case == "bad table":
        data = tmp_path / "broken"
        shutil.copytree(data_dir, data)
        table = data / "timeseries.csv"
        lines = table.read_text().splitlines()
        header, fields = lines[0].split(","), lines[1].split(",")
        fields[header.index("requests")] = "-7"  # negative requests
        lines[1] = ",".join(fields)
        table.write_text("\n".join(lines) + "\n")
    elif case == "bad model":
        extra = ["--model", str(tmp_path)]
    status, out, err = _run(capsys, "score", "--data", str(data), "--out", str(out_file), *extra)
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("fdd: error: ")
    assert not out_file.exists()
    assert not list(tmp_path.glob(".scores*"))  # no temp file left behind


def test_cli_train_bad_input_writes_no_model(tmp_path, capsys):
    model = tmp_path / "model"
    status, _, err = _run(capsys, "train", "--data", str(tmp_path / "nowhere"), "--model", str(model))
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert not model.exists()


# ---------------------------------------------------------------------------- review fixes


def _one_error_line(status: int, err: str, *parts: str) -> str:
    assert status == 2, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("fdd: error: ") and "Traceback" not in err
    for part in parts:
        assert part in lines[0], (part, lines[0])
    return lines[0]


@pytest.mark.parametrize("change", [
    {"lgbm_params": "oops"},
    {"lgbm_params": {"num_threads": "four"}},
    {"horizons": None},
    {"horizons": [10, "20", 60]},
    {"thresholds": ["a", 0.5, 0.5]},
    {"thresholds": None},
    {"thresholds": [0.5]},
    {"check_config": "x"},
    {"check_config": {"alpha": "x"}},
    {"check_config": {"min_baseline_minutes": 2.5}},
    {"class_weight": {"a": 1}},
    {"class_weight": 3},
    {"seed": "1"},
    {"n_folds": None},
    {"target_precision": "0.9"},
    {"feature_names": None},
    {"feature_set": 7},
    {"target": ["x"]},
    {"fdd_version": 1},
    {"lightgbm_version": None},
    {"format": True},
    {"n_deployments": 0},
    {"n_deployments": "10000"},
])
def test_cli_score_with_a_damaged_meta_json_is_one_line_exit_2(fitted, data_dir, tmp_path, capfd, change):
    folder = fitted.save(tmp_path / "model")
    meta = json.loads((folder / "meta.json").read_text())
    (folder / "meta.json").write_text(json.dumps(meta | change))
    with pytest.raises(SequentialError):
        SequentialDetector.load(folder)
    out_file = tmp_path / "scores.csv"
    status = main(["score", "--data", str(data_dir), "--out", str(out_file), "--model", str(folder)])
    out, err = capfd.readouterr()
    _one_error_line(status, err, "meta.json")
    assert out == "" and not out_file.exists()


def test_the_training_fleet_size_is_saved_with_the_models(fitted, fleet, tmp_path):
    folder = fitted.save(tmp_path / "model")
    assert json.loads((folder / "meta.json").read_text())["n_deployments"] == fleet.n
    assert SequentialDetector.load(folder).n_deployments_ == fleet.n
    meta = json.loads((folder / "meta.json").read_text())
    del meta["n_deployments"]  # a folder that does not record it still loads; the size is unknown
    (folder / "meta.json").write_text(json.dumps(meta))
    assert SequentialDetector.load(folder).n_deployments_ is None


def test_the_shipped_models_record_the_size_of_the_fleet_they_were_trained_on():
    import importlib.util

    script = Path(__file__).resolve().parents[1] / "scripts" / "train_default_models.py"
    spec = importlib.util.spec_from_file_location("train_default_models", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert SequentialDetector.load_default().n_deployments_ == module.TRAIN_N


@pytest.mark.parametrize("keep", [0.02, 0.3, 0.6, 0.97, -40, -3])
def test_a_truncated_model_file_is_one_line_and_lightgbm_stays_silent(fitted, data_dir, tmp_path, capfd, keep):
    folder = fitted.save(tmp_path / "model")
    model = folder / "model_20.txt"
    text = model.read_bytes()
    model.write_bytes(text[:int(len(text) * keep)] if isinstance(keep, float) else text[:keep])
    status = main(["score", "--data", str(data_dir), "--out", str(tmp_path / "scores.csv"), "--model", str(folder)])
    out, err = capfd.readouterr()  # capfd: LightGBM's native messages bypass sys.stderr
    _one_error_line(status, err, "model_20.txt")
    assert out == "" and "[LightGBM]" not in err


def test_a_model_lightgbm_itself_rejects_stays_silent(fitted, tmp_path, capfd):
    folder = fitted.save(tmp_path / "model")
    model = folder / "model_10.txt"
    lines = model.read_text().splitlines(keepends=True)
    # A whole-looking file whose header LightGBM refuses with a native [Fatal] message.
    model.write_text("".join("feature_infos=[0:1]\n" if line.startswith("feature_infos=") else line
                             for line in lines))
    with pytest.raises(SequentialError, match="model_10.txt"):
        SequentialDetector.load(folder)
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_saved_files_get_ordinary_permissions(fitted, tmp_path):
    import os

    umask = os.umask(0)
    os.umask(umask)
    folder = fitted.save(tmp_path / "model")
    for path in folder.iterdir():
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask, path
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]


def _labelled_only_thresholds(detector, precision):
    keep = detector.sample_weight_ > 0
    return np.array([precision_threshold(detector.oof_proba_[keep, j], detector.labels_[keep], precision)
                     for j in range(len(detector.horizons_))])


def test_weight_zero_deployments_count_neither_for_thresholds_nor_classes(fleet):
    y = ensemble_labels(fleet)
    positives = np.flatnonzero(y == 1)
    w = np.ones(fleet.n)
    hidden = positives[::2]  # half the positives lose their label, as where every LF abstained
    w[hidden], y_train = 0.0, y.copy()
    y_train[hidden] = 0  # what fdd.weak.training_targets puts on unlabelled rows
    detector = SequentialDetector(feature_set="basic", n_folds=3, seed=2, lgbm_params=SMALL)
    detector.fit(fleet, labels=y_train, sample_weight=w)
    np.testing.assert_array_equal(detector.sample_weight_, w)
    np.testing.assert_array_equal(detector.thresholds_, _labelled_only_thresholds(detector, 0.9))
    # Counted as negatives, the hidden (faulty-looking) deployments would have moved some threshold.
    everything = np.array([precision_threshold(detector.oof_proba_[:, j], y_train, 0.9) for j in range(3)])
    assert not np.array_equal(everything, detector.thresholds_)
    looser = detector.with_target_precision(0.6)
    np.testing.assert_array_equal(looser.thresholds_, _labelled_only_thresholds(detector, 0.6))

    few = np.zeros(fleet.n, dtype=np.int64)
    few[positives[:30]] = 1
    weights = np.ones(fleet.n)
    weights[positives[5:30]] = 0.0  # 30 positive labels, 5 of them with weight
    with pytest.raises(SequentialError, match="5 positive"):
        SequentialDetector(n_folds=3, lgbm_params=SMALL).fit(fleet, labels=few, sample_weight=weights)


def _folder_state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_cli_retrain_replaces_the_whole_folder(data_dir, tmp_path, capsys):
    model = tmp_path / "model"
    model.mkdir()
    (model / "labels.csv").write_text("deployment_id,probability,label\nold,0.5,1\n")  # an earlier weak training
    (model / "model_30.txt").write_text("stale")
    status, out, err = _run(capsys, "train", "--data", str(data_dir), "--model", str(model),
                            "--labels", "ensemble", "--feature-set", "basic")
    assert status == 0, err
    assert sorted(p.name for p in model.iterdir()) == ["meta.json", "model_10.txt", "model_20.txt", "model_60.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no staging or old folder left
    SequentialDetector.load(model)


def test_cli_train_failure_leaves_the_previous_folder_as_it_was(fitted, data_dir, tmp_path, capsys, monkeypatch):
    model = fitted.save(tmp_path / "model")
    (model / "labels.csv").write_text("deployment_id,probability,label\n")
    before = _folder_state(model)
    original = SequentialDetector.save

    def save_then_fail(self, path):
        original(self, path)
        raise OSError("disk full")

    monkeypatch.setattr(SequentialDetector, "save", save_then_fail)
    status, out, err = _run(capsys, "train", "--data", str(data_dir), "--model", str(model),
                            "--labels", "ensemble", "--feature-set", "basic")
    assert status == 1 and "disk full" in err and out == ""
    assert _folder_state(model) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]

    fresh = tmp_path / "fresh" / "model"
    status, _, err = _run(capsys, "train", "--data", str(data_dir), "--model", str(fresh), "--labels", "ensemble")
    assert status == 1 and not (tmp_path / "fresh").exists()  # not even the parent folder it made


def test_cli_train_refuses_a_folder_that_is_not_a_model(data_dir, tmp_path, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    status, out, err = _run(capsys, "train", "--data", str(data_dir), "--model", str(folder), "--labels", "ensemble")
    _one_error_line(status, err, "notes.txt")
    assert (folder / "notes.txt").read_text() == "keep me" and len(list(folder.iterdir())) == 1


def test_cli_weak_training_names_the_short_reference_labels(data_dir, tmp_path, capsys, monkeypatch):
    import types

    from fdd import cli, sequential

    few = lambda fleet, config=None: np.r_[np.ones(3, np.int64), np.zeros(fleet.n - 3, np.int64)]  # noqa: E731
    monkeypatch.setattr(sequential, "ensemble_labels", few)
    weak = types.SimpleNamespace(model="label_model")
    monkeypatch.setitem(cli.LABEL_SOURCES, "weak", lambda fleet, seed: (None, None, weak))
    model = tmp_path / "model"
    status, out, err = _run(capsys, "train", "--data", str(data_dir), "--model", str(model))
    _one_error_line(status, err, "60-minute check ensemble", "reference", "3 positive")
    assert not model.exists()


def test_load_refuses_a_model_trained_on_other_feature_names(fitted, tmp_path):
    """A model file whose booster was trained on features other than meta.json lists (same count,
    other names) is refused on load instead of silently scoring the wrong columns."""
    import lightgbm as lgb

    folder = fitted.save(tmp_path / "model")
    names = [f"renamed_{name}" for name in fitted.feature_names_]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, len(names)))
    y = (x[:, 0] > 0).astype(int)
    params = {"objective": "binary", "num_leaves": 4, "min_data_in_leaf": 5, "verbosity": -1, "num_threads": 1}
    booster = lgb.train(params, lgb.Dataset(x, label=y, feature_name=names), num_boost_round=2)
    assert booster.num_feature() == len(fitted.feature_names_)
    (folder / "model_20.txt").write_text(booster.model_to_string())
    with pytest.raises(SequentialError, match=r"model_20\.txt: its features differ from those in meta\.json"):
        SequentialDetector.load(folder)


# ---------------------------------------------------------------------------- mutation-testing additions


def test_too_few_negatives_are_refused_before_training(fleet):
    """Every fold needs a healthy example: fewer negatives than folds is one clear error, not a broken fit."""
    labels = np.ones(fleet.n, dtype=np.int64)
    labels[:3] = 0
    with pytest.raises(SequentialError, match="too few examples to train.*3 negative"):
        SequentialDetector(n_folds=5, lgbm_params=SMALL).fit(fleet, labels)


def _scale_pos_weight(detector: SequentialDetector, horizon: int) -> float:
    import re

    found = re.findall(r"\[scale_pos_weight: ([^\]]+)\]", detector.models_[horizon].model_to_string())
    assert len(found) == 1
    return float(found[0])


def test_class_weight_becomes_negatives_over_positives(fleet):
    """class_weight follows scikit-learn: "balanced" up-weights the rarer positives by negatives / positives,
    {0: w0, 1: w1} sets scale_pos_weight = w1 / w0, and the user's own scale_pos_weight wins."""
    args = dict(horizons=(10,), feature_set="basic", n_folds=2, lgbm_params=SMALL)
    balanced = SequentialDetector(class_weight="balanced", **args).fit(fleet)
    y = balanced.labels_
    assert _scale_pos_weight(balanced, 10) == pytest.approx((y == 0).sum() / (y == 1).sum(), rel=1e-4)
    assert _scale_pos_weight(balanced, 10) > 1
    chosen = SequentialDetector(class_weight={0: 1.0, 1: 4.0}, **args).fit(fleet)
    assert _scale_pos_weight(chosen, 10) == pytest.approx(4.0)
    own = SequentialDetector(class_weight="balanced", **{**args, "lgbm_params": {**SMALL, "scale_pos_weight": 2.5}})
    assert _scale_pos_weight(own.fit(fleet), 10) == pytest.approx(2.5)


def test_load_refuses_another_lightgbm_major_version_only(fitted, tmp_path):
    """A model saved by another LightGBM major version is refused on load; a newer minor version loads."""
    import lightgbm as lgb

    folder = fitted.save(tmp_path / "model")
    meta = json.loads((folder / "meta.json").read_text())
    major = int(lgb.__version__.split(".")[0])
    (folder / "meta.json").write_text(json.dumps(meta | {"lightgbm_version": f"{major - 1}.0.0"}))
    with pytest.raises(SequentialError, match=f"saved with LightGBM {major - 1}.0.0"):
        SequentialDetector.load(folder)
    (folder / "meta.json").write_text(json.dumps(meta | {"lightgbm_version": f"{major}.99.0"}))
    np.testing.assert_array_equal(SequentialDetector.load(folder).thresholds_, fitted.thresholds_)


def test_cli_train_uses_the_given_target_precision_and_seed(data_dir, tmp_path, capsys):
    """`train --target-precision P --seed S` trains with them: both are what meta.json records."""
    model = tmp_path / "model"
    status, out, err = _run(capsys, "train", "--data", str(data_dir), "--model", str(model), "--labels", "ensemble",
                            "--feature-set", "basic", "--horizons", "10", "--target-precision", "0.5", "--seed", "3")
    assert status == 0, err
    meta = json.loads((model / "meta.json").read_text())
    assert meta["target_precision"] == 0.5 and meta["seed"] == 3


@pytest.mark.parametrize("value", ["0", "1.5", "nope"])
def test_cli_train_refuses_a_target_precision_outside_0_1(data_dir, tmp_path, capsys, value):
    """--target-precision must lie in (0, 1]: 0 would accept any threshold; a usage error, exit 2."""
    model = tmp_path / "model"
    status, _, err = _run(capsys, "train", "--data", str(data_dir), "--model", str(model),
                          "--target-precision", value)
    assert status == 2 and "--target-precision" in err and "Traceback" not in err
    assert not model.exists()


def test_cli_score_checks_only_runs_the_checks_cascade(data_dir, tmp_path, capsys):
    """`score --checks-only` scores with the statistical checks' cascade, not with any model."""
    from fdd.schema import load_fleet
    from fdd.sequential import checks_cascade, scores_frame

    out_file = tmp_path / "scores.csv"
    status, out, err = _run(capsys, "score", "--data", str(data_dir), "--out", str(out_file), "--checks-only")
    assert status == 0, err
    assert "with the statistical checks" in out
    fleet = load_fleet(data_dir)
    expected = scores_frame(fleet.ids, checks_cascade(fleet))
    written = read_table(out_file)
    assert written["faulty"].tolist() == expected["faulty"].tolist()
    assert written["detected_minute"].fillna(-1).tolist() == expected["detected_minute"].fillna(-1).tolist()
    np.testing.assert_allclose(written["score"], expected["score"])
