"""The independent second generator (benchmarks/other_generator.py): deterministic, and its output
passes the project's own data-contract validation."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fdd.schema import load_fleet

ROOT = Path(__file__).resolve().parents[1]
N = 300


def _module():
    spec = importlib.util.spec_from_file_location("other_generator", ROOT / "benchmarks" / "other_generator.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


og = _module()


def test_same_seed_same_output_and_other_seed_differs():
    first, again, other = og.generate(N, 7), og.generate(N, 7), og.generate(N, 8)
    for a, b in zip(first, again):
        pd.testing.assert_frame_equal(a, b)
    assert not first[0].equals(other[0])


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_written_folder_passes_the_contract(tmp_path: Path, fmt: str):
    og.write(N, 3, tmp_path, fmt=fmt)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"deployments.{fmt}", f"timeseries.{fmt}"]
    fleet = load_fleet(tmp_path)  # raises ContractError on any violation
    dep = fleet.deployments
    assert len(dep) == N and dep["deployment_id"].is_unique
    assert set(dep["label"].unique()) == {0, 1}
    assert set(dep["detectable"].unique()) <= {0, 1}
    assert (dep.loc[dep["label"] == 0, "detectable"] == 0).all()
    assert dep["deployed_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00Z").all()


def test_table_invariants():
    ts, dep = og.generate(N, 5, baseline_minutes=20, window_minutes=30)
    assert ts["minute"].between(-20, 29).all()
    assert not ((ts["version"] == "new") & (ts["minute"] < 0)).any()
    assert (ts["requests"] > 0).all()
    assert (ts["errors"] <= ts["requests"]).all() and (ts["new_type_errors"] <= ts["errors"]).all()
    assert not ts.duplicated(["deployment_id", "minute", "version"]).any()
    assert set(ts["deployment_id"]) == set(dep["deployment_id"])
    assert np.nanmin(ts["latency_ms"].to_numpy()) >= 0
    assert 0.03 < dep["label"].mean() < 0.2
