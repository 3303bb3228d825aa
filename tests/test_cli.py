"""`python -m fdd`: exit statuses, the one-line error on stderr, and no output left behind."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fdd import cli, schema
from fdd.fleet import Fleet, fleet_from_tables

ROOT = Path(__file__).resolve().parents[1]

TIMESERIES = """deployment_id,minute,version,requests,errors,new_type_errors,latency_ms
d1,-2,previous,10,0,0,120.5
d1,-1,previous,12,1,0,118.0
d1,0,new,11,0,0,121.5
d1,1,new,9,0,0,
d2,-1,previous,40,2,0,80.0
d2,0,previous,30,1,0,81.0
d2,0,new,10,4,2,95.5
"""
DEPLOYMENTS = """deployment_id,service,rolled_back,lifetime_minutes,incident,label
d1,api,0,1440.0,0,0
d2,web,1,,1,1
"""


def data_dir(folder: Path, timeseries: str = TIMESERIES, deployments: str | bytes = DEPLOYMENTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "timeseries.csv").write_text(timeseries)
    raw = deployments if isinstance(deployments, bytes) else deployments.encode()
    (folder / "deployments.csv").write_bytes(raw)
    return folder


def tiny_fleet() -> Fleet:
    ts = schema.validate_timeseries(pd.read_csv(io.StringIO(TIMESERIES)))
    dep = schema.validate_deployments(pd.read_csv(io.StringIO(DEPLOYMENTS)))
    return fleet_from_tables(ts, dep)


def fake_simulator(monkeypatch: pytest.MonkeyPatch, fleet: Fleet) -> None:
    """Make `fdd.simulate.simulate_fleet` return `fleet`, whether or not the real one exists."""
    module = types.ModuleType("fdd.simulate")
    module.simulate_fleet = lambda n, seed: fleet  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fdd.simulate", module)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(status: int, out: str, err: str, *parts: str) -> None:
    assert status == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("fdd: error: ")
    assert "Traceback" not in err
    for part in parts:
        assert part in lines[0], (part, lines[0])


def have_simulator() -> bool:
    try:
        from fdd.simulate import simulate_fleet  # noqa: F401
    except ImportError:
        return False
    return True


# --- simulate ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_simulate_writes_a_valid_data_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    if not have_simulator():
        fake_simulator(monkeypatch, tiny_fleet())
    out_dir = tmp_path / "fleet"
    argv = ["simulate", "--n", "25", "--seed", "3", "--out", str(out_dir), "--format", fmt]
    status, out, err = run(argv, capsys)
    assert (status, err) == (0, "")
    assert len(out.splitlines()) == 1 and f"to {out_dir} as {fmt}" in out
    assert sorted(p.name for p in out_dir.iterdir()) == [f"deployments.{fmt}", f"timeseries.{fmt}"]
    fleet = schema.load_fleet(out_dir)
    assert "label" in fleet.deployments.columns


def test_simulate_with_a_contract_breaking_fleet_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    good = tiny_fleet()
    errors = good.errors.copy()
    errors[1, 1, 2] = 50  # d2, new version, minute 0 (minutes run -2..1): 50 errors among 10 requests
    fake_simulator(monkeypatch, Fleet(good.deployments, good.minutes, good.requests, errors,
                                      good.new_type_errors, good.latency_ms, good.present))
    out_dir = tmp_path / "out"
    status, out, err = run(["simulate", "--n", "2", "--seed", "0", "--out", str(out_dir)], capsys)
    assert_one_line_error(status, out, err, "timeseries.csv", "column 'errors'", "row 7",
                          "errors 50 > requests 10")
    assert not out_dir.exists()


def test_simulate_refuses_a_folder_with_the_other_format(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    fake_simulator(monkeypatch, tiny_fleet())
    data_dir(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    status, out, err = run(["simulate", "--n", "2", "--seed", "0", "--out", str(tmp_path),
                            "--format", "parquet"], capsys)
    assert_one_line_error(status, out, err, "timeseries.csv already exists")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


@pytest.mark.parametrize("argv", [
    [],
    ["simulate"],
    ["simulate", "--n", "0", "--seed", "1", "--out", "x"],
    ["simulate", "--n", "ten", "--seed", "1", "--out", "x"],
    ["simulate", "--n", "5", "--seed", "-1", "--out", "x"],
    ["simulate", "--n", "5", "--seed", "1", "--out", "x", "--format", "xlsx"],
    ["frobnicate"],
])
def test_usage_errors_exit_2(argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    assert "fdd" in err and "error:" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["--help"], capsys)
    assert status == 0 and "simulate" in out and "validate" in out


# --- validate: contract errors through the command line -------------------------------------------


def test_validate_accepts_a_good_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(["validate", "--data", str(data_dir(tmp_path))], capsys)
    assert (status, err) == (0, "")
    assert out.strip().endswith("valid: 2 deployments, 7 timeseries rows, minutes -2..1; "
                                "optional columns: new_type_errors, latency_ms, label")


BAD_FOLDERS = {
    "errors above requests": (
        dict(timeseries=TIMESERIES.replace("d2,0,new,10,4,2", "d2,0,new,10,14,2")),
        ("timeseries.csv", "column 'errors'", "row 7", "errors 14 > requests 10"),
    ),
    "missing column": (
        dict(deployments=DEPLOYMENTS.replace(",incident", ",incidents")),
        ("deployments.csv", "missing required column 'incident'"),
    ),
    "text in a number column": (
        dict(timeseries=TIMESERIES.replace("d1,-1,previous,12", "d1,-1,previous,twelve")),
        ("timeseries.csv", "column 'requests'", "row 2", "'twelve' is not a number"),
    ),
    "duplicate deployment id": (
        dict(deployments=DEPLOYMENTS + "d1,api,0,10,0,0\n"),
        ("deployments.csv", "column 'deployment_id'", "row 3", "repeats row 1"),
    ),
    "non-UTF-8 bytes": (
        dict(deployments=DEPLOYMENTS.encode().replace(b"web", b"w\xe9b")),
        ("deployments.csv", "column 'service'", "row 2", "not UTF-8"),
    ),
    "empty table": (
        dict(deployments=DEPLOYMENTS.splitlines()[0] + "\n"),
        ("deployments.csv", "no data rows"),
    ),
}


@pytest.mark.parametrize("case", list(BAD_FOLDERS))
def test_validate_bad_folder_exits_2_with_one_line(case: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    change, parts = BAD_FOLDERS[case]
    folder = data_dir(tmp_path / "data", **change)
    before = sorted(p.name for p in folder.iterdir())
    status, out, err = run(["validate", "--data", str(folder)], capsys)
    assert_one_line_error(status, out, err, *parts)
    assert sorted(p.name for p in folder.iterdir()) == before


def test_validate_missing_and_doubled_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = data_dir(tmp_path)
    (folder / "deployments.csv").unlink()
    status, out, err = run(["validate", "--data", str(folder)], capsys)
    assert_one_line_error(status, out, err, "missing deployments.csv")
    data_dir(folder)
    pd.read_csv(folder / "deployments.csv").to_parquet(folder / "deployments.parquet")
    status, out, err = run(["validate", "--data", str(folder)], capsys)
    assert_one_line_error(status, out, err, "both deployments.csv and deployments.parquet")


# --- real processes ------------------------------------------------------------------------------


def python_m_fdd(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "fdd", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_subprocess_bad_input_exits_2_with_one_line(tmp_path: Path) -> None:
    folder = data_dir(tmp_path / "data", timeseries=TIMESERIES.replace("d1,0,new", "d1,0,NEW"))
    done = python_m_fdd("validate", "--data", str(folder), cwd=tmp_path)
    assert_one_line_error(done.returncode, done.stdout, done.stderr,
                          "timeseries.csv", "column 'version'", "row 3", "'NEW' is not 'previous' or 'new'")
    usage = python_m_fdd("simulate", "--n", "0", "--seed", "1", "--out", "out", cwd=tmp_path)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr
    assert not (tmp_path / "out").exists()


def test_subprocess_simulate(tmp_path: Path) -> None:
    if not have_simulator():
        pytest.skip("fdd.simulate not written yet")
    done = python_m_fdd("simulate", "--n", "30", "--seed", "5", "--out", "sim", "--format", "parquet",
                        cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and len(done.stdout.splitlines()) == 1
    fleet = schema.load_fleet(tmp_path / "sim")
    assert fleet.n == 30
    # an existing other-format folder: exit 2, nothing changed
    again = python_m_fdd("simulate", "--n", "30", "--seed", "5", "--out", "sim", cwd=tmp_path)
    assert_one_line_error(again.returncode, again.stdout, again.stderr, "already exists")
    written = sorted(p.name for p in (tmp_path / "sim").iterdir())
    assert written == ["deployments.parquet", "timeseries.parquet"]
    assert np.array_equal(schema.load_fleet(tmp_path / "sim").requests, fleet.requests)


# --- train ---------------------------------------------------------------------------------------


def test_train_says_in_words_that_a_horizon_never_fires(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """On the sample fleet the 10- and 20-minute models find no threshold (inf): "never fires", not "inf"."""
    status, out, err = run(["train", "--data", str(ROOT / "data" / "sample"), "--model", str(tmp_path / "m")],
                           capsys)
    assert status == 0, err
    assert "thresholds 10 min never fires, 20 min never fires, 60 min 0." in out
    assert "inf" not in out
    assert cli._threshold_text(0.5184) == "0.518" and cli._threshold_text(float("inf")) == "never fires"
