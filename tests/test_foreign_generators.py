"""The generators written by others from the data contract alone (benchmarks/*_generator.py):
deterministic, honest about their truth, and their output passes the project's own validation.

Each was written by someone who saw neither `fdd.simulate` nor the detectors; these tests hold
them to the contract, not to fdd's view of the world.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fdd.schema import load_fleet

ROOT = Path(__file__).resolve().parents[1]
GENERATORS = ("other_generator", "third_generator", "fourth_generator", "fifth_generator")
N = 300


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MODULES = {name: _module(name) for name in GENERATORS}


@pytest.fixture(scope="module", params=GENERATORS)
def generated(request):
    """(module, timeseries, deployments) of one generator at N deployments, seed 5."""
    module = MODULES[request.param]
    return (module, *module.generate(N, 5))


def test_same_seed_same_output_and_another_seed_differs(generated):
    module, ts, deps = generated
    ts2, deps2 = module.generate(N, 5)
    pd.testing.assert_frame_equal(ts, ts2)
    pd.testing.assert_frame_equal(deps, deps2)
    assert not ts.equals(module.generate(N, 6)[0])


def test_contract_invariants(generated):
    _, ts, deps = generated
    assert len(deps) == N and deps["deployment_id"].is_unique
    assert not ts.duplicated(["deployment_id", "minute", "version"]).any()
    assert (ts["requests"] > 0).all()
    assert ((ts["errors"] >= 0) & (ts["errors"] <= ts["requests"])).all()
    assert ((ts["new_type_errors"] >= 0) & (ts["new_type_errors"] <= ts["errors"])).all()
    assert np.nanmin(ts["latency_ms"].to_numpy()) >= 0
    assert ts["minute"].between(-60, 59).all()
    assert set(ts["version"]) == {"previous", "new"}
    assert not ((ts["version"] == "new") & (ts["minute"] < 0)).any()
    assert set(ts["deployment_id"]) <= set(deps["deployment_id"])
    assert deps["deployed_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    assert (deps["lifetime_minutes"].dropna() >= 0).all()


# What each generator promises beyond the contract's minimum, as its own tests held it to.
FINITE_LATENCY = {"third_generator", "fourth_generator", "fifth_generator"}
EVERY_DEPLOYMENT_HAS_ROWS = {"other_generator", "third_generator"}
WHOLE_MINUTE_STAMPS = {"other_generator", "third_generator", "fifth_generator"}


def test_promises_of_each_generator(generated):
    module, ts, deps = generated
    name = module.__name__
    if name in FINITE_LATENCY:
        assert np.isfinite(ts["latency_ms"]).all()
    if name in EVERY_DEPLOYMENT_HAS_ROWS:
        assert set(ts["deployment_id"]) == set(deps["deployment_id"])
    if name in WHOLE_MINUTE_STAMPS:
        assert deps["deployed_at"].str.endswith(":00Z").all()


def test_truth_and_detectable(generated):
    _, _, deps = generated
    assert set(deps["label"].unique()) == {0, 1}
    for column in ("rolled_back", "incident", "detectable"):
        assert set(deps[column].unique()) <= {0, 1}
    assert (deps.loc[deps["label"] == 0, "detectable"] == 0).all()
    assert deps["detectable"].sum() > 0
    assert 0.03 < deps["label"].mean() < 0.2


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_written_folder_passes_the_contract(tmp_path: Path, name: str, fmt: str):
    MODULES[name].write(N, 3, tmp_path, fmt=fmt)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"deployments.{fmt}", f"timeseries.{fmt}"]
    fleet = load_fleet(tmp_path)  # raises ContractError on any violation
    assert fleet.n == N
    if fmt == "parquet":
        written = pd.read_parquet(tmp_path / "timeseries.parquet")
        assert all(np.issubdtype(written[c].dtype, np.integer) for c in ("minute", "requests", "errors"))


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize(("baseline", "window"), [(30, 20), (30, 90)])
def test_other_windows(name: str, baseline: int, window: int):
    ts, deps = MODULES[name].generate(40, 1, baseline_minutes=baseline, window_minutes=window)
    assert ts["minute"].min() >= -baseline and ts["minute"].max() <= window - 1
    assert len(deps) == 40
    assert (ts["errors"] <= ts["requests"]).all() and (ts["new_type_errors"] <= ts["errors"]).all()


@pytest.mark.parametrize("name", GENERATORS)
def test_command_line(tmp_path: Path, name: str):
    MODULES[name].main(["--n", "20", "--seed", "3", "--out", str(tmp_path), "--format", "csv",
                        "--baseline-minutes", "20", "--window-minutes", "30"])
    written = pd.read_csv(tmp_path / "timeseries.csv")
    assert len(pd.read_csv(tmp_path / "deployments.csv")) == 20 and written["minute"].between(-20, 29).all()


@pytest.mark.parametrize("name", ["third_generator", "fifth_generator"])
def test_scenario_names_say_which_are_faults(name: str):
    _, deps = MODULES[name].generate(N, 5)
    assert deps["scenario"].nunique() >= 10
    assert (deps["scenario"].str.startswith("fault_") == (deps["label"] == 1)).all()


def test_fifth_generator_has_canaries():
    ts, _ = MODULES["fifth_generator"].generate(N, 5)
    both = ts[ts["minute"] >= 0].groupby(["deployment_id", "minute"])["version"].nunique()
    assert (both == 2).any()  # canary and staged rollouts: both versions in one minute
