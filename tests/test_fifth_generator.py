"""Tests for the independent fifth telemetry generator (mobile-game / streaming backend) (benchmarks/fifth_generator.py)."""
import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "fifth_generator.py"
_spec = importlib.util.spec_from_file_location("fifth_generator", _PATH)
tg = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tg)

N = 300


@pytest.fixture(scope="module")
def data():
    return tg.generate(N, seed=5)


def test_deterministic(data):
    ts, deps = data
    ts2, deps2 = tg.generate(N, seed=5)
    pd.testing.assert_frame_equal(ts, ts2)
    pd.testing.assert_frame_equal(deps, deps2)
    ts3, _ = tg.generate(N, seed=6)
    assert not ts.equals(ts3)


def test_passes_project_validation(tmp_path):
    from fdd.schema import load_fleet

    tg.write(N, 5, tmp_path)
    assert (tmp_path / "timeseries.csv").exists()
    assert (tmp_path / "deployments.csv").exists()
    load_fleet(tmp_path)


def test_contract_invariants(data):
    ts, deps = data
    assert len(deps) == N and deps.deployment_id.is_unique
    assert not ts.duplicated(["deployment_id", "minute", "version"]).any()
    assert (ts.requests > 0).all()
    assert ((ts.errors >= 0) & (ts.errors <= ts.requests)).all()
    assert ((ts.new_type_errors >= 0) & (ts.new_type_errors <= ts.errors)).all()
    assert (ts.latency_ms >= 0).all()
    assert ts.minute.between(-60, 59).all()
    assert set(ts.version) <= {"previous", "new"}
    assert not ((ts.version == "new") & (ts.minute < 0)).any()
    assert set(ts.deployment_id) <= set(deps.deployment_id)
    assert deps.deployed_at.str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$").all()
    life = deps.lifetime_minutes.dropna()
    assert (life >= 0).all()


def test_labels_and_detectable(data):
    _, deps = data
    assert set(deps.label.unique()) == {0, 1}
    for c in ("rolled_back", "incident", "detectable"):
        assert set(deps[c].unique()) <= {0, 1}
    assert (deps.loc[deps.detectable == 1, "label"] == 1).all()
    assert deps.detectable.sum() > 0
    assert 0.03 < deps.label.mean() < 0.2
    assert (deps.scenario.str.startswith("fault_") == (deps.label == 1)).all()


def test_other_windows_and_parquet(tmp_path):
    ts, deps = tg.generate(40, seed=1, baseline_minutes=30, window_minutes=90)
    assert ts.minute.min() >= -30 and ts.minute.max() <= 89
    assert len(deps) == 40
    pytest.importorskip("pyarrow")
    tg.write(40, 1, tmp_path, fmt="parquet")
    back = pd.read_parquet(tmp_path / "timeseries.parquet")
    assert len(back) == len(tg.generate(40, seed=1)[0])
    assert np.issubdtype(back.requests.dtype, np.integer)


def test_world_features(data):
    ts, deps = data
    # canary / staged rollouts: both versions at the same minute after minute 0
    both = ts[ts.minute >= 0].groupby(["deployment_id", "minute"]).version.nunique()
    assert (both == 2).any()
    # every fault scenario name starts with fault_, healthy ones are never detectable
    assert (deps.loc[deps.label == 0, "detectable"] == 0).all()
    assert deps.scenario.nunique() >= 10
    assert ts.latency_ms.notna().all() and ts.new_type_errors.notna().all()


def test_cli(tmp_path):
    tg.main(["--n", "20", "--seed", "3", "--out", str(tmp_path), "--format", "csv",
             "--baseline-minutes", "20", "--window-minutes", "30"])
    ts = pd.read_csv(tmp_path / "timeseries.csv")
    deps = pd.read_csv(tmp_path / "deployments.csv")
    assert len(deps) == 20 and ts.minute.between(-20, 29).all()
