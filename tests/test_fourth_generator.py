"""Tests for the independent fourth telemetry generator (benchmarks/fourth_generator.py)."""

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "fourth_generator.py"
_spec = importlib.util.spec_from_file_location("fourth_generator", _PATH)
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)

N = 300


@pytest.fixture(scope="module")
def data():
    return gen.generate(N, seed=7)


def test_deterministic(data):
    ts, deps = data
    ts2, deps2 = gen.generate(N, seed=7)
    pd.testing.assert_frame_equal(ts, ts2)
    pd.testing.assert_frame_equal(deps, deps2)
    ts3, _ = gen.generate(N, seed=8)
    assert not ts.equals(ts3)


def test_passes_project_validation(tmp_path):
    from fdd.schema import load_fleet

    gen.write(N, 11, tmp_path)
    assert (tmp_path / "timeseries.csv").exists()
    assert (tmp_path / "deployments.csv").exists()
    load_fleet(tmp_path)


def test_contract_basics(data):
    ts, deps = data
    assert len(deps) == N and deps["deployment_id"].is_unique
    assert set(deps["label"].unique()) == {0, 1}
    assert set(deps["rolled_back"].unique()) <= {0, 1}
    assert set(deps["incident"].unique()) <= {0, 1}
    assert set(deps["detectable"].unique()) <= {0, 1}
    assert (deps.loc[deps["label"] == 0, "detectable"] == 0).all()
    assert deps.loc[deps["label"] == 1, "detectable"].sum() > 0
    life = deps["lifetime_minutes"]
    assert (life.dropna() >= 0).all()
    assert deps["deployed_at"].str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").all()

    assert not ts.duplicated(["deployment_id", "minute", "version"]).any()
    assert (ts["requests"] > 0).all()
    assert ((ts["errors"] >= 0) & (ts["errors"] <= ts["requests"])).all()
    assert ((ts["new_type_errors"] >= 0) & (ts["new_type_errors"] <= ts["errors"])).all()
    assert (ts["latency_ms"] >= 0).all() and np.isfinite(ts["latency_ms"]).all()
    assert ts["minute"].between(-60, 59).all()
    assert set(ts["version"].unique()) == {"previous", "new"}
    assert (ts.loc[ts["minute"] < 0, "version"] == "previous").all()
    assert set(ts["deployment_id"]) <= set(deps["deployment_id"])


def test_window_arguments():
    ts, deps = gen.generate(40, seed=3, baseline_minutes=30, window_minutes=20)
    assert ts["minute"].min() >= -30 and ts["minute"].max() <= 19
    assert len(deps) == 40
