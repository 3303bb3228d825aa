"""`label` is "ground truth where it is known": an empty cell is a deployment nobody reviewed.

Every measuring function either refuses a half-labelled fleet with one clear ValueError or
measures the labelled deployments only; none counts an empty label as faulty (NaN -> True).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fdd import charts_checks as cc
from fdd import evaluation as ev
from fdd.checks import run_checks
from fdd.fleet import Fleet
from fdd.metrics import confusion, label_values, require_truth, truth_of
from fdd.refinement import information_ceilings, iteration_table
from fdd.schema import load_fleet
from fdd.weak import MAJORITY_VOTE, lf_analysis, weak_labels
from fdd.weak_eval import compare_label_sources, label_quality_table, vote_pattern_ceiling

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


@pytest.fixture(scope="module")
def full() -> Fleet:
    return load_fleet(SAMPLE)


@pytest.fixture(scope="module")
def half(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    """The sample fleet with every other `label` cell left empty, read through the data contract."""
    folder = tmp_path_factory.mktemp("half")
    shutil.copy(SAMPLE / "timeseries.csv", folder / "timeseries.csv")
    deployments = pd.read_csv(SAMPLE / "deployments.csv", dtype={"deployment_id": str})
    deployments["label"] = deployments["label"].astype("Int64")
    deployments.loc[1::2, "label"] = pd.NA
    deployments.to_csv(folder / "deployments.csv", index=False)
    return load_fleet(folder)


@pytest.fixture(scope="module")
def verdict(full: Fleet):
    return run_checks(full, 60)


def test_the_sample_fleet_has_faulty_and_healthy_deployments_among_the_blanked(full: Fleet, half: Fleet):
    assert full.n == 200 and str(half.deployments["label"].dtype) == "Int64"
    blanked = full.deployments["label"].to_numpy()[1::2]
    assert 0 < blanked.sum() < len(blanked)  # so "empty read as faulty" would change the figures


def test_truth_readers(full: Fleet, half: Fleet):
    assert np.array_equal(require_truth(full), full.deployments["label"].to_numpy() == 1)
    assert np.array_equal(truth_of(full), require_truth(full.deployments))
    assert truth_of(half) is None and ev.truth_of(half) is None
    assert np.isnan(label_values(half)).sum() == 100
    with pytest.raises(ValueError, match="^the report needs ground truth for every deployment, but 100 of 200 "
                                         "have an empty `label`, e.g. deployment d000002 "):
        require_truth(half, "the report")
    with pytest.raises(ValueError, match="needs ground truth: a `label` column"):
        require_truth(full.deployments.drop(columns="label"))
    for labels in (half.deployments["label"], half.deployments["label"].to_numpy(), [1, None, 0]):
        with pytest.raises(ValueError, match="have an empty `label`"):
            require_truth(labels)
    assert require_truth([True, False]).tolist() == [True, False]


def test_metrics_refuse_nan_truth():
    with pytest.raises(ValueError, match="empty values"):
        confusion(np.ones(3, bool), np.array([1.0, np.nan, 0.0]))


@pytest.fixture(scope="module")
def weak(full: Fleet, verdict):
    return weak_labels(full, verdict=verdict, method=MAJORITY_VOTE)  # no label model: quick


REFUSALS = {  # name -> (call on the half-labelled fleet, the start of the message)
    "iteration_table": (lambda half, verdict, weak: iteration_table(verdict, half.deployments),
                        "the iteration table"),
    "information_ceilings": (lambda half, verdict, weak: information_ceilings(verdict.flagged, half.deployments),
                             "measuring the ceilings"),
    "detector_comparison": (lambda half, verdict, weak: cc.detector_comparison({"c": verdict.flagged},
                                                                               half.deployments),
                            "comparing detectors"),
    "scenario_recall": (lambda half, verdict, weak: cc.scenario_recall({"c": verdict.flagged}, half.deployments),
                        "recall per scenario"),
    "label_quality_table": (lambda half, verdict, weak: label_quality_table(half, weak, weak, verdict),
                            "measuring label quality"),
    "compare_label_sources": (lambda half, verdict, weak: compare_label_sources(half, weak=weak, verdict=verdict,
                                                                                n_folds=2),
                              "comparing label sources"),
    "vote_pattern_ceiling": (lambda half, verdict, weak: vote_pattern_ceiling(weak.L, label_values(half)),
                             "the vote-pattern ceiling"),
    "detection_time_frame": (lambda half, verdict, weak: ev.detection_time_frame([ev.checks_vote_stage(verdict)],
                                                                                 label_values(half)),
                             "the time-to-detection table"),
}


@pytest.mark.parametrize("name", list(REFUSALS))
def test_whole_fleet_measures_refuse_partial_labels(name: str, half: Fleet, verdict, weak):
    call, purpose = REFUSALS[name]
    with pytest.raises(ValueError, match=f"^{purpose} needs ground truth for every deployment, but 100 of 200 "):
        call(half, verdict, weak)


def test_lf_analysis_measures_accuracy_on_the_labelled_deployments(full: Fleet, half: Fleet, weak):
    partial = label_values(half)
    known = ~np.isnan(partial)
    masked = lf_analysis(weak.L, weak.lf_names, half.deployments["label"])
    subset = lf_analysis(weak.L[known], weak.lf_names, partial[known])
    for column in ("correct", "incorrect", "empirical_accuracy"):
        np.testing.assert_array_equal(masked[column].to_numpy(), subset[column].to_numpy())
    everything = lf_analysis(weak.L, weak.lf_names, require_truth(full))
    assert (everything["correct"] + everything["incorrect"]).sum() > (masked["correct"] + masked["incorrect"]).sum()


def test_nan_truth_message_counts_the_empty_values():
    from fdd.metrics import confusion

    with pytest.raises(ValueError, match=r"^the truth has 1 empty values"):
        confusion(np.ones(3, bool), np.array([1.0, np.nan, 0.0]))


def test_lf_analysis_refuses_truth_of_another_length():
    from fdd import weak

    L = np.array([[weak.FAULTY, weak.ABSTAIN]] * 5)
    with pytest.raises(ValueError, match="the truth has 1 values for 5 deployments"):
        weak.lf_analysis(L, ["a", "b"], truth=[1])


def test_undefined_quality_reasons_name_the_silent_detectors():
    from fdd import upload as up

    quality = pd.DataFrame({"detector": ["checks", "models"], "flagged": [0, 3], "faulty": [2, 2]})
    assert up.undefined_quality_reasons(quality) == [
        "precision is undefined for checks: it flags none of the labelled deployments"]
    both = quality.assign(flagged=0)
    assert up.undefined_quality_reasons(both)[0] == \
        "precision is undefined for checks and models: they flag none of the labelled deployments"
