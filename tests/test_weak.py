"""Weak supervision: the labeling functions, the label matrix, the label model and labels.csv."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fdd import weak
from fdd.checks import run_checks
from fdd.simulate import simulate_fleet
from fdd.weak import ABSTAIN, FAULTY, HEALTHY, LF_NAMES, LFConfig

ROOT = Path(__file__).resolve().parents[1]
ALL = LFConfig(enabled=LF_NAMES)


@pytest.fixture(scope="module")
def fleet():
    return simulate_fleet(400, 5)


@pytest.fixture(scope="module")
def verdict(fleet):
    return run_checks(fleet, 60)


@pytest.fixture(scope="module")
def inputs(fleet, verdict):
    return weak.lf_inputs(fleet, verdict)


def _row(**changes: float) -> dict[str, float]:
    """A quiet deployment: nothing fires except what `changes` turns on."""
    base = {
        "deployment_id": "d", "rolled_back": 0.0, "lifetime_minutes": 300.0, "incident": 0.0,
        "lived_minutes": 300.0, "sufficient": 0.0, "ensemble_flagged": 0.0, "error_ratio": 1.0,
        "error_flag": 0.0, "persistent_error": 0.0, "base_error_rate": 0.01, "latency_ratio": 1.0,
        "latency_z": 0.0, "novel_errors": 0.0, "novel_rate": 0.0, "rise_elsewhere": 0.0,
    }
    return {**base, **changes}


# Each case: LF, a row on which it votes `expected`, and a row on which it abstains.
CASES = [
    ("rolled_back", _row(rolled_back=1.0), FAULTY, _row(rolled_back=0.0)),
    ("replaced_quickly", _row(lifetime_minutes=10.0), FAULTY, _row(lifetime_minutes=10.0, rolled_back=1.0)),
    ("replaced_quickly", _row(lifetime_minutes=29.0), FAULTY, _row(lifetime_minutes=np.nan)),
    ("lived_long_no_rollback", _row(lived_minutes=2000.0), HEALTHY, _row(lived_minutes=2000.0, rolled_back=1.0)),
    ("lived_long_no_rollback", _row(lived_minutes=1440.0), HEALTHY, _row(lived_minutes=np.nan)),
    ("incident_while_live", _row(incident=1.0), FAULTY, _row(incident=0.0)),
    ("new_error_signatures", _row(novel_errors=50.0, novel_rate=0.02), FAULTY,
     _row(novel_errors=50.0, novel_rate=0.005)),  # below the usual error rate of 1 %
    ("new_error_signatures", _row(novel_errors=10.0, novel_rate=0.02), FAULTY, _row(novel_errors=9.0, novel_rate=0.02)),
    ("check_ensemble", _row(ensemble_flagged=1.0), FAULTY, _row(sufficient=0.0)),
    ("check_ensemble", _row(sufficient=1.0), HEALTHY, _row(sufficient=0.0, ensemble_flagged=0.0)),
    ("latency_regression", _row(latency_ratio=1.5, latency_z=6.0), FAULTY, _row(latency_ratio=1.5, latency_z=3.0)),
    ("latency_regression", _row(latency_ratio=1.25, latency_z=4.0), FAULTY, _row(latency_ratio=1.2, latency_z=9.0)),
    ("persistent_error_rise", _row(error_flag=1.0, persistent_error=1.0), FAULTY, _row(error_flag=1.0)),
    ("rise_explained_elsewhere", _row(rise_elsewhere=1.0), HEALTHY, _row()),
]


@pytest.mark.parametrize("name, fires, expected, abstains", CASES)
def test_each_lf_on_hand_built_rows(name, fires, expected, abstains):
    frame = pd.DataFrame([fires, abstains])
    config = LFConfig(enabled=(name,))
    (lf,) = weak.make_lfs(config)
    assert lf.name == name
    assert lf(frame.iloc[0]) == expected
    assert lf(frame.iloc[1]) == ABSTAIN
    assert weak.label_matrix(frame, config)[:, 0].tolist() == [expected, ABSTAIN]


def test_lived_minutes_read_every_iso_8601_form_of_deployed_at():
    """Python's isoformat() drops zero microseconds, so one column mixes both forms: none may be lost."""
    deployments = pd.DataFrame({"deployed_at": ["2025-06-01T00:00:00+00:00", "2025-06-01T12:00:00.250000+00:00",
                                                "2025-06-02T00:00:00Z"]})
    lived = weak._minutes_live_at_least(deployments, np.full(3, np.nan))
    np.testing.assert_allclose(lived, [1440.0, 720.0 - 0.25 / 60.0, 0.0])


def test_thresholds_come_from_the_config():
    frame = pd.DataFrame([_row(lifetime_minutes=100.0)])
    assert weak.label_matrix(frame, LFConfig(enabled=("replaced_quickly",)))[0, 0] == ABSTAIN
    assert weak.label_matrix(frame, LFConfig(enabled=("replaced_quickly",), replaced_within_minutes=120))[0, 0] == FAULTY


def test_config_rejects_unknown_lfs_and_bad_thresholds():
    with pytest.raises(ValueError, match="unknown labeling functions"):
        LFConfig(enabled=("nope",))
    with pytest.raises(ValueError, match="latency_min_z"):
        LFConfig(latency_min_z=-1.0)


def test_vectorised_matrix_equals_pandas_lf_applier(inputs):
    assert np.array_equal(weak.label_matrix(inputs, ALL), weak.apply_lfs(inputs, ALL))
    hand = pd.DataFrame([row for _, fires, _, abstains in CASES for row in (fires, abstains)])
    assert np.array_equal(weak.label_matrix(hand, ALL), weak.apply_lfs(hand, ALL))


def test_lf_inputs_never_carry_truth(inputs):
    assert not {"label", "scenario", "magnitude", "detectable"} & set(inputs.columns)


def test_lf_analysis_table(inputs, fleet):
    L = weak.label_matrix(inputs, ALL)
    truth = fleet.deployments["label"].to_numpy()
    table = weak.lf_analysis(L, ALL.active, truth, weights=np.linspace(0.5, 0.9, L.shape[1]))
    assert list(table["lf"]) == list(ALL.active)
    assert {"coverage", "overlaps", "conflicts", "empirical_accuracy", "learned_accuracy", "polarity"} <= set(table)
    np.testing.assert_allclose(table["coverage"], (L != ABSTAIN).mean(axis=0))
    assert (table["overlaps"] <= table["coverage"] + 1e-12).all()
    fired = (L != ABSTAIN)[:, 0]
    assert table["empirical_accuracy"][0] == pytest.approx((L[fired, 0] == truth[fired]).mean())
    assert table.loc[table["lf"] == "check_ensemble", "polarity"].item() == "healthy, faulty"


def test_label_model_is_deterministic_with_a_seed(fleet, verdict):
    a = weak.weak_labels(fleet, seed=3, verdict=verdict)
    b = weak.weak_labels(fleet, seed=3, verdict=verdict)
    assert a.model == weak.LABEL_MODEL
    np.testing.assert_array_equal(a.probability, b.probability)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert 0.01 <= a.class_balance <= 0.5
    finite = np.isfinite(a.probability)
    assert ((a.probability[finite] >= 0) & (a.probability[finite] <= 1)).all()
    assert np.array_equal(finite, a.label != ABSTAIN)


def _independent_votes(n: int, prior: float, seed: int = 0) -> np.ndarray:
    """Votes of four LFs independent given the class, like ours: one judges nearly everything
    (and calls half the faults healthy), one fires on rollbacks, one on long lives, one on novelty."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < prior
    u = rng.random((n, 4))
    L = np.full((n, 4), ABSTAIN)
    L[:, 0] = np.where(y, np.where(u[:, 0] < 0.45, FAULTY, np.where(u[:, 0] < 0.95, HEALTHY, ABSTAIN)),
                       np.where(u[:, 0] < 0.01, FAULTY, np.where(u[:, 0] < 0.95, HEALTHY, ABSTAIN)))
    L[:, 1] = np.where(u[:, 1] < np.where(y, 0.4, 0.05), FAULTY, ABSTAIN)
    L[:, 2] = np.where(u[:, 2] < np.where(y, 0.1, 0.6), HEALTHY, ABSTAIN)
    L[:, 3] = np.where(u[:, 3] < np.where(y, 0.15, 0.01), FAULTY, ABSTAIN)
    return L


@pytest.mark.parametrize("prior", [0.04, 0.1, 0.2])
def test_class_balance_is_the_maximum_likelihood_share(prior):
    L = _independent_votes(40_000, prior)
    estimate = weak.estimate_class_balance(L)
    assert estimate == pytest.approx(prior, abs=0.1 * prior)
    # the majority vote's faulty share, the former estimate, misses faults only the healthy vote sees
    assert weak._majority_share(L) < 0.8 * prior


def test_class_balance_without_votes_is_uninformative():
    assert weak.estimate_class_balance(np.full((5, 2), ABSTAIN)) == 0.5
    assert weak.estimate_class_balance(np.empty((5, 0), dtype=int)) == 0.5
    assert weak.estimate_class_balance(np.full((50, 3), HEALTHY)) == 0.01  # no faulty vote: the floor


def test_class_balance_em_runs_to_convergence_where_the_rules_are_weak():
    # without the broad rule EM creeps: 500 iterations stopped at 0.107, convergence gives the truth
    L = _independent_votes(40_000, 0.1)[:, 1:]
    assert weak.estimate_class_balance(L) == pytest.approx(0.1, abs=0.005)


def test_labels_csv_contract(fleet, verdict, tmp_path):
    labels = weak.weak_labels(fleet, seed=0, verdict=verdict)
    L = labels.L.copy()
    L[:3] = ABSTAIN  # every LF abstains on the first three deployments
    labels = weak.combine_votes(L, labels.lf_names, labels.deployment_id)
    path = weak.write_labels_csv(labels, tmp_path / "model" / "labels.csv")
    text = path.read_text()
    assert text.splitlines()[0] == "deployment_id,probability,label"
    assert text.splitlines()[1] == f"{fleet.ids[0]},,"
    back = pd.read_csv(path, dtype={"deployment_id": str})
    assert list(back.columns) == ["deployment_id", "probability", "label"]
    assert back["deployment_id"].tolist() == list(fleet.ids)
    empty = back["label"].isna()
    assert empty.tolist() == (~labels.covered).tolist() and empty[:3].all()
    assert back["probability"].isna().equals(empty)
    assert back["probability"].dropna().between(0, 1).all()
    assert set(back["label"].dropna().astype(int)) <= {0, 1}
    assert not list(tmp_path.joinpath("model").glob(".labels-*"))  # no temp file left behind


def test_a_tied_vote_is_one_half_and_labelled_healthy():
    """One faulty and one healthy vote: P(faulty) 0.5, and a training label only above one half."""
    L = np.array([[FAULTY, HEALTHY], [FAULTY, ABSTAIN], [ABSTAIN, ABSTAIN]])
    labels = weak.combine_votes(L, ("a", "b"), np.array(["x", "y", "z"]), method=weak.MAJORITY_VOTE)
    np.testing.assert_array_equal(labels.probability[:2], [0.5, 1.0])
    assert np.isnan(labels.probability[2])
    np.testing.assert_array_equal(labels.label, [HEALTHY, FAULTY, ABSTAIN])


def test_fall_back_to_majority_vote_with_too_few_lfs(fleet, verdict):
    config = LFConfig(enabled=("rolled_back", "check_ensemble"))
    labels = weak.weak_labels(fleet, config, verdict=verdict)
    assert labels.model.startswith("majority_vote (fall-back: only 2 labeling function(s) fire")
    assert labels.weights is None
    covered = labels.covered
    assert set(np.unique(labels.label[covered])) <= {0, 1}


def test_fall_back_when_every_vote_is_one_class(fleet, verdict):
    config = LFConfig(enabled=("rolled_back", "replaced_quickly", "latency_regression", "persistent_error_rise"))
    labels = weak.weak_labels(fleet, config, verdict=verdict)
    assert "fall-back: every vote says faulty" in labels.model
    assert (labels.label[labels.covered] == 1).all()


def test_label_model_failure_falls_back_visibly(fleet, verdict, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("loss is NaN")

    monkeypatch.setattr(weak, "fit_label_model", broken)
    labels = weak.weak_labels(fleet, verdict=verdict)
    assert labels.model == "majority_vote (fall-back: the label model failed to fit (RuntimeError: loss is NaN))"


def test_an_lf_that_never_fires_and_a_fleet_without_rollbacks(fleet, verdict):
    deployments = fleet.deployments.assign(rolled_back=0)
    quiet = replace(fleet, deployments=deployments)
    labels = weak.weak_labels(quiet, verdict=verdict)
    assert labels.model == weak.LABEL_MODEL
    column = labels.lf_names.index("rolled_back")
    assert (labels.L[:, column] == ABSTAIN).all()
    assert np.isnan(labels.weights[column])
    assert np.isfinite(np.delete(labels.weights, column)).all()


def test_all_abstain_is_one_clear_error(inputs):
    L = np.full((5, 4), ABSTAIN)
    with pytest.raises(ValueError, match="every labeling function abstains on every deployment"):
        weak.combine_votes(L, ("a", "b", "c", "d"), np.arange(5))
    with pytest.raises(ValueError, match="no labeling function is enabled"):
        weak.weak_labels(None, LFConfig(enabled=()))  # type: ignore[arg-type]


def test_training_targets_drop_unlabelled_deployments(fleet, verdict):
    labels = weak.weak_labels(fleet, verdict=verdict)
    y, w = weak.training_targets(labels)
    assert set(np.unique(y)) <= {0, 1}
    np.testing.assert_array_equal(w, labels.covered.astype(float))
    y2, w2 = weak.training_targets(labels, weighted=True)
    np.testing.assert_array_equal(y, y2)
    assert ((w2[labels.covered] >= 0.5) & (w2[labels.covered] <= 1)).all()
    assert (w2[~labels.covered] == 0).all()


def test_importing_fdd_weak_does_not_import_torch():
    code = "import sys, fdd.weak, fdd.weak_eval, fdd.charts_weak; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_compare_label_sources_small(fleet, verdict):
    from fdd.weak_eval import compare_label_sources

    table = compare_label_sources(fleet, verdict=verdict, n_folds=2, variants=("ensemble", "weak_thresholded"))
    assert list(table["labels"]) == ["ensemble", "weak_thresholded"]
    assert {"coverage_10", "coverage_20", "coverage_60", "time_to_detection", "precision", "recall",
            "disagreement_precision", "disagreement_recall", "ensemble_disagreement_recall"} <= set(table)
    assert table[["coverage_10", "coverage_20", "coverage_60"]].stack().between(0, 1).all()


def test_cli_train_uses_weak_labels_by_default(tmp_path):
    from fdd.cli import main

    data, model = tmp_path / "data", tmp_path / "model"
    assert main(["simulate", "--n", "400", "--seed", "5", "--out", str(data)]) == 0
    assert main(["train", "--data", str(data), "--model", str(model)]) == 0
    labels = pd.read_csv(model / "labels.csv")
    assert list(labels.columns) == ["deployment_id", "probability", "label"]
    assert len(labels) == 400


def test_labels_csv_gets_ordinary_permissions_and_no_temp_file(fleet, verdict, tmp_path):
    import os

    umask = os.umask(0)
    os.umask(umask)
    labels = weak.weak_labels(fleet, seed=0, verdict=verdict)
    path = weak.write_labels_csv(labels, tmp_path / "labels.csv")
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600
    assert [p.name for p in tmp_path.iterdir()] == ["labels.csv"]
    back = pd.read_csv(path)
    covered = labels.covered
    np.testing.assert_allclose(back["probability"][covered], labels.probability[covered], rtol=1e-5)


def test_vote_pattern_ceiling_on_a_hand_built_matrix():
    from fdd.weak_eval import vote_pattern_ceiling

    # patterns: (1) half faulty, (0) never, (-1) always: the best set is {(-1), (1)}
    L = np.array([[FAULTY], [FAULTY], [HEALTHY], [HEALTHY], [ABSTAIN]])
    truth = np.array([1, 0, 0, 0, 1])
    ceiling = vote_pattern_ceiling(L, truth)
    assert ceiling["patterns"] == 3
    assert ceiling["f1"] == pytest.approx(0.8)
    assert ceiling["precision"] == pytest.approx(2 / 3) and ceiling["recall"] == pytest.approx(1.0)


def test_vote_pattern_ceiling_equals_an_exhaustive_search_over_labellings():
    import itertools

    from fdd.metrics import label_quality
    from fdd.weak_eval import vote_pattern_ceiling

    rng = np.random.default_rng(0)
    for _ in range(200):
        L = rng.choice([ABSTAIN, HEALTHY, FAULTY], size=(rng.integers(4, 30), 2))
        truth = rng.integers(0, 2, len(L))
        if not truth.any():
            continue
        patterns, which = np.unique(L, axis=0, return_inverse=True)
        best = max(label_quality(np.array(choice)[which.ravel()], truth)["f1"]
                   for choice in itertools.product([0, 1], repeat=len(patterns)))
        assert vote_pattern_ceiling(L, truth)["f1"] == pytest.approx(best)


def test_no_label_model_beats_the_vote_pattern_ceiling(fleet, verdict):
    from fdd.metrics import label_quality
    from fdd.weak_eval import vote_pattern_ceiling

    labels = weak.weak_labels(fleet, seed=0, verdict=verdict)
    truth = fleet.deployments["label"].to_numpy()
    ceiling = vote_pattern_ceiling(labels.L, truth)["f1"]
    assert label_quality(labels.label, truth)["f1"] <= ceiling + 1e-12
    assert label_quality(verdict.flagged.astype(int), truth)["f1"] <= ceiling + 1e-12


# ---------------------------------------------------------------------------- mutation-testing additions


def test_a_rise_in_the_latest_half_alone_is_not_an_lf_error_flag(inputs, verdict):
    """`error_flag` in the LF inputs is the whole hour's rise only: a rise the impact check finds in the
    latest half alone stays the checks' call, so persistent_error_rise does not vote on it."""
    stats = verdict.results["impact"].stats
    late_only = stats["late_only"] == 1
    assert (late_only & (stats["error_flag"] == 1)).any()  # the fleet has such deployments
    np.testing.assert_array_equal(inputs["error_flag"].to_numpy(), stats["error_flag"] * ~late_only)
    votes = weak.label_matrix(inputs, LFConfig(enabled=("persistent_error_rise",)))[:, 0]
    assert (votes[late_only] == ABSTAIN).all()


def test_class_balance_is_capped_at_one_half():
    """A fleet where (almost) every vote says faulty is not one to learn the prior from: it is clipped to 0.5."""
    assert weak.estimate_class_balance(np.full((50, 3), FAULTY)) == 0.5
    L = _independent_votes(5_000, 0.8, seed=1)
    assert weak.estimate_class_balance(L) == 0.5


def test_new_error_signatures_fire_at_exactly_the_baseline_rate():
    """`novel_min_share_of_baseline` is "at least": new types at exactly 1x the usual error rate vote faulty."""
    frame = pd.DataFrame([_row(novel_errors=10.0, novel_rate=0.01, base_error_rate=0.01)])
    assert weak.label_matrix(frame, LFConfig(enabled=("new_error_signatures",)))[0, 0] == FAULTY


def _matched(reference_proba, candidate_proba, labels, weights, threshold=0.5, target_precision=0.9):
    from types import SimpleNamespace

    from fdd.weak_eval import matched_thresholds

    reference = SimpleNamespace(horizons_=(10,), oof_proba_=np.asarray(reference_proba, float)[:, None],
                                thresholds_=np.array([threshold]), target_precision=target_precision)
    candidate = SimpleNamespace(oof_proba_=np.asarray(candidate_proba, float)[:, None])
    return float(matched_thresholds(candidate, reference, np.asarray(labels), np.asarray(weights))[0])


def _scenario(separation: float = 0.5, n: int = 200, positives: int = 40):
    rng = np.random.default_rng(0)
    y = np.zeros(n, dtype=np.int64)
    y[:positives] = 1
    candidate = separation * y + 0.6 * rng.random(n)  # overlapping scores: precision rises with the cut
    return y, candidate


def test_matched_thresholds_copy_the_references_precision_on_the_weak_labels():
    """The candidate's threshold reaches, against the weak labels, the precision the reference reaches."""
    from fdd.sequential import precision_threshold

    y, candidate = _scenario()
    reference = np.zeros(len(y))
    reference[:15] = 1.0  # the reference flags 15 positives ...
    reference[100:105] = 1.0  # ... and 5 negatives: precision 0.75
    got = _matched(reference, candidate, y, np.ones(len(y)))
    assert got == precision_threshold(candidate, y, 0.75)
    assert got != precision_threshold(candidate, y, 0.9)


def test_matched_thresholds_ignore_weight_zero_deployments():
    """Deployments no LF voted on (weight 0, label 0 by training_targets) count neither for the reference's
    precision nor for the candidate's threshold."""
    from fdd.sequential import precision_threshold

    y, candidate = _scenario()
    weights = np.ones(len(y))
    hidden = np.arange(150, 200)
    weights[hidden] = 0.0
    candidate[hidden] = 2.0  # the highest scores, on unlabelled deployments
    reference = np.zeros(len(y))
    reference[:15] = 1.0
    reference[100:105] = 1.0
    reference[hidden] = 1.0  # flags the unlabelled too: counted, they would drag its precision down
    keep = weights > 0
    got = _matched(reference, candidate, y, weights)
    assert got == precision_threshold(candidate[keep], y[keep], 0.75)
    # counted, they would set the target to max(15 / 70, 2 x 40 / 200) on every row
    assert got != precision_threshold(candidate, y, 0.4)


def test_matched_thresholds_need_ten_flags_and_beat_twice_the_base_rate():
    """Below MIN_FLAGS_FOR_TARGET flags the reference's own target precision stands; and the target never
    falls below twice the positives' share (a detector no better than the base rate is no detector)."""
    from fdd.sequential import precision_threshold
    from fdd.weak_eval import MIN_FLAGS_FOR_TARGET

    y, candidate = _scenario(separation=0.2)
    few = np.zeros(len(y))
    few[100:103] = 1.0  # 3 flags, all wrong: precision 0 from a handful of flags is noise
    assert MIN_FLAGS_FOR_TARGET > 3
    assert _matched(few, candidate, y, np.ones(len(y)), target_precision=0.9) == precision_threshold(candidate, y, 0.9)
    poor = np.zeros(len(y))
    poor[:2] = 1.0
    poor[100:118] = 1.0  # 20 flags, 2 faulty: precision 0.1 < 2 x 0.2
    floor = _matched(poor, candidate, y, np.ones(len(y)))
    assert floor == precision_threshold(candidate, y, 0.4)
    assert floor != precision_threshold(candidate, y, 0.1)  # the unfloored target


def test_dawid_skene_gives_a_posterior_per_row_that_follows_the_votes():
    rng = np.random.default_rng(0)
    truth = rng.random(3000) < 0.2
    # three rules that vote the truth 85 % of the time when they fire (60 % of rows)
    L = np.where(rng.random((3000, 3)) < 0.85, truth[:, None], ~truth[:, None]).astype(np.int64)
    L[rng.random((3000, 3)) < 0.4] = ABSTAIN
    prior, posterior = weak.dawid_skene(L)
    assert posterior.shape == (3000,) and np.all((posterior >= 0) & (posterior <= 1))
    assert abs(prior - truth.mean()) < 0.05
    all_faulty, all_healthy = (L == FAULTY).all(axis=1), (L == HEALTHY).all(axis=1)
    assert posterior[all_faulty].min() > 0.9 > 0.1 > posterior[all_healthy].max()
    assert weak.estimate_class_balance(L) == pytest.approx(prior)
    assert weak.dawid_skene(np.full((4, 2), ABSTAIN)) == (0.5, pytest.approx(np.full(4, 0.5)))


def test_dawid_skene_prior_is_unclipped_and_the_label_models_prior_is():
    L = np.full((50, 3), FAULTY)
    assert weak.dawid_skene(L)[0] > 0.5 and weak.estimate_class_balance(L) == 0.5
