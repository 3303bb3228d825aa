"""`python -m fdd score --checks-only` then `evaluate`: the output contract and its bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fdd.cli import main
from fdd.schema import validate_scores, write_data_dir
from fdd.scorecard import COVERAGE_NOTE
from fdd.simulate import simulate_fleet


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fleet")
    write_data_dir(simulate_fleet(300, seed=4), path, fmt="csv")
    return path


def test_score_checks_only_then_evaluate(data_dir: Path, tmp_path: Path, capsys):
    scores = tmp_path / "scores.csv"
    assert main(["score", "--data", str(data_dir), "--out", str(scores), "--checks-only"]) == 0
    frame = validate_scores(pd.read_csv(scores, dtype={"deployment_id": str}))
    assert list(frame.columns[:4]) == ["deployment_id", "faulty", "score", "detected_minute"]
    flagged = frame["faulty"] == 1
    assert frame.loc[flagged, "detected_minute"].isin([10, 20, 60]).all()
    assert frame.loc[~flagged, "detected_minute"].isna().all()
    capsys.readouterr()
    assert main(["evaluate", "--data", str(data_dir), "--scores", str(scores)]) == 0
    out = capsys.readouterr().out
    assert "precision" in out and "recall" in out and "coverage" in out and "time to detection" in out
    assert out.rstrip().endswith(COVERAGE_NOTE)  # what `coverage` measures here (no ensemble to compare to)


def test_evaluate_rejects_scores_of_other_deployments(data_dir: Path, tmp_path: Path, capsys):
    scores = tmp_path / "scores.csv"
    pd.DataFrame({"deployment_id": ["nope"], "faulty": [1], "score": [0.9], "detected_minute": [10]}).to_csv(
        scores, index=False)
    assert main(["evaluate", "--data", str(data_dir), "--scores", str(scores)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "deployment_id" in err[0] and "scores.csv" in err[0]


def test_evaluate_needs_labels(data_dir: Path, tmp_path: Path, capsys):
    unlabelled = tmp_path / "unlabelled"
    unlabelled.mkdir()
    (unlabelled / "timeseries.csv").write_bytes((data_dir / "timeseries.csv").read_bytes())
    deployments = pd.read_csv(data_dir / "deployments.csv", dtype={"deployment_id": str})
    deployments.drop(columns=["label"]).to_csv(unlabelled / "deployments.csv", index=False)
    scores = tmp_path / "scores.csv"
    assert main(["score", "--data", str(data_dir), "--out", str(scores), "--checks-only"]) == 0
    capsys.readouterr()
    assert main(["evaluate", "--data", str(unlabelled), "--scores", str(scores)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'label'" in err[0]


@pytest.mark.parametrize("faulty, minute, needle", [
    (1, None, "detected_minute is empty"),
    (0, 20, "faulty is 0"),
    (1, -5, "not a positive horizon"),
])
def test_evaluate_rejects_inconsistent_scores(data_dir: Path, tmp_path: Path, capsys, faulty, minute, needle):
    ids = pd.read_csv(data_dir / "deployments.csv", dtype={"deployment_id": str})["deployment_id"]
    scores = pd.DataFrame({"deployment_id": ids, "faulty": 0, "score": 0.1, "detected_minute": pd.NA})
    scores.loc[3, ["faulty", "detected_minute"]] = [faulty, minute if minute is not None else pd.NA]
    path = tmp_path / "scores.csv"
    scores.to_csv(path, index=False)
    assert main(["evaluate", "--data", str(data_dir), "--scores", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0] and "row 4" in err[0]


def test_evaluate_renders_a_horizon_without_flags(data_dir: Path, tmp_path: Path, capsys):
    ids = pd.read_csv(data_dir / "deployments.csv", dtype={"deployment_id": str})["deployment_id"]
    scores = pd.DataFrame({"deployment_id": ids, "faulty": 0, "score": 0.1, "detected_minute": pd.NA})
    scores.loc[0, ["faulty", "detected_minute"]] = [1, 60]
    path = tmp_path / "scores.csv"
    scores.to_csv(path, index=False)
    assert main(["evaluate", "--data", str(data_dir), "--scores", str(path)]) == 0
    out = capsys.readouterr().out
    assert "nan" not in out.lower() and "—" in out


def test_evaluate_reads_the_horizons_the_scores_came_from(data_dir: Path, tmp_path: Path, capsys):
    """Scores from models at 5/15/30 min are evaluated at those horizons, with 30 as the full wait."""
    ids = pd.read_csv(data_dir / "deployments.csv", dtype={"deployment_id": str})["deployment_id"]
    scores = pd.DataFrame({"deployment_id": ids, "faulty": 0, "score": 0.1, "detected_minute": pd.NA,
                           "score_5": 0.1, "score_15": 0.1, "score_30": 0.1})
    labels = pd.read_csv(data_dir / "deployments.csv")["label"].to_numpy()
    first_faulty = int(labels.argmax())
    scores.loc[first_faulty, ["faulty", "detected_minute"]] = [1, 15]
    path = tmp_path / "scores.csv"
    scores.to_csv(path, index=False)
    assert main(["evaluate", "--data", str(data_dir), "--scores", str(path)]) == 0
    out = capsys.readouterr().out
    table = [line.split()[0] for line in out.splitlines()[4:-1]]  # the last line says what coverage is
    assert table == ["horizon", "5", "15", "30"]
    assert "mean time to detection 15.0 min (0.50 x the last horizon)" in out


def test_evaluate_names_the_parquet_deployments_file(data_dir: Path, tmp_path: Path, capsys):
    folder = tmp_path / "parquet"
    write_data_dir(simulate_fleet(50, seed=5), folder, fmt="parquet")
    scores = tmp_path / "scores.csv"
    assert main(["score", "--data", str(folder), "--out", str(scores), "--checks-only"]) == 0
    pd.read_csv(scores, dtype={"deployment_id": str}).iloc[1:].to_csv(scores, index=False)
    capsys.readouterr()
    assert main(["evaluate", "--data", str(folder), "--scores", str(scores)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "deployments.parquet" in err[0] and "has no row in scores.csv" in err[0]


def test_f1_is_undefined_without_a_fault_or_a_flag():
    from fdd.metrics import confusion

    assert np.isnan(confusion(np.zeros(4, bool), np.zeros(4, bool)).f1)
    assert confusion(np.zeros(4, bool), np.array([1, 0, 0, 0], bool)).f1 == 0.0
    assert confusion(np.array([1, 0, 0, 0], bool), np.zeros(4, bool)).f1 == 0.0
    assert confusion(np.array([1, 1, 0, 0], bool), np.array([1, 0, 0, 0], bool)).f1 == 2 / 3


def test_scorecard_counts_a_flag_raised_at_the_horizon_itself():
    from fdd.scorecard import evaluate

    labels = np.array([1, 1, 1, 0, 1, 0], bool)
    scores = pd.DataFrame({"faulty": [1, 1, 1, 1, 0, 0], "detected_minute": [10, 20, 60, 20, np.nan, np.nan]})
    per_horizon, overall = evaluate(labels, scores)
    assert per_horizon["flagged"].tolist() == [1, 3, 4]
    np.testing.assert_allclose(per_horizon["recall"], [0.25, 0.5, 0.75])
    np.testing.assert_allclose(per_horizon["coverage"], [0.25, 0.75, 1.0])
    np.testing.assert_allclose(per_horizon["precision"], [1.0, 2 / 3, 0.75])
    assert overall["mean_detection_minute"] == 30.0  # (10 + 20 + 60) / 3 among the detected faulty ones


def test_horizons_of_a_scores_table():
    """`score_<h>` columns name the horizons, every flagged minute counts too, and other columns do not."""
    from fdd.scorecard import horizons_of

    def table(columns, minutes):
        return pd.DataFrame({"detected_minute": minutes, **{c: [0.1] * len(minutes) for c in columns}})

    assert horizons_of(table(["score_5", "score_15"], [5, np.nan])) == (5, 15)
    assert horizons_of(table(["score_10", "score_20"], [60, 10])) == (10, 20, 60)  # a flag at 60 is not lost
    assert horizons_of(table(["score_²", "score_x", "scores_30", "score_0"], [20])) == (10, 20, 60)
    assert horizons_of(table([], [np.nan])) == (10, 20, 60)


def test_detectable_f1_is_undefined_without_a_flag_or_a_detectable_fault():
    from fdd.metrics import detection_summary

    none = np.zeros(4, bool)
    assert np.isnan(detection_summary(none, none, none)["f1_detectable"])
    assert detection_summary(none, np.array([1, 0, 0, 0], bool), np.array([1, 0, 0, 0], bool))["f1_detectable"] == 0.0


def test_evaluate_measures_the_labelled_deployments_only(data_dir: Path, tmp_path: Path, capsys):
    """`label` is "ground truth where it is known": empty cells are left out, not read as healthy."""
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / "timeseries.csv").write_bytes((data_dir / "timeseries.csv").read_bytes())
    deployments = pd.read_csv(data_dir / "deployments.csv", dtype={"deployment_id": str})
    faulty = deployments.index[deployments["label"] == 1]
    deployments["label"] = deployments["label"].astype("Int64")
    deployments.loc[faulty[1:], "label"] = pd.NA  # one known fault; every other fault unknown
    deployments.to_csv(partial / "deployments.csv", index=False)
    scores = pd.DataFrame({"deployment_id": deployments["deployment_id"], "faulty": 0, "score": 0.1,
                           "detected_minute": pd.NA})
    scores.loc[faulty, ["faulty", "detected_minute"]] = [1, 60]  # every fault flagged, known or not
    path = tmp_path / "scores.csv"
    scores.to_csv(path, index=False)
    assert main(["evaluate", "--data", str(partial), "--scores", str(path)]) == 0
    out = capsys.readouterr().out
    labelled = len(deployments) - len(faulty) + 1
    assert out.startswith(f"measured on the {labelled:,} labelled deployments of {len(deployments):,}")
    assert "precision 1.000  recall 1.000" in out  # the unknown faults are not counted as false positives

    deployments["label"] = pd.NA
    deployments.to_csv(partial / "deployments.csv", index=False)
    assert main(["evaluate", "--data", str(partial), "--scores", str(path)]) == 2
    assert "every 'label' cell is empty" in capsys.readouterr().err
