"""Atomic writers: a write that fails midway leaves the old file byte for byte and no temp file.

Every writer stages its output in a hidden temp file beside the target and renames it into place.
Each test writes a good target first, then makes the low-level writer put some bytes on disk and
fail (as a full disk does), and checks the folder afterwards.
"""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from fdd import schema, sequential
from fdd.schema import write_data_dir, write_table
from fdd.sequential import SequentialDetector
from fdd.simulate import simulate_fleet

TINY = {"num_iterations": 3, "num_leaves": 4, "min_data_in_leaf": 5}


@pytest.fixture(scope="module")
def fleet():
    return simulate_fleet(60, seed=1)


def _state(folder: Path) -> dict[str, bytes]:
    """Every file of a folder (hidden ones included) and its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _partial_write(fail_on: int = 1) -> tuple[Any, list[Path]]:
    """A stand-in for `fdd.schema._write` that writes normally until call `fail_on`, which
    writes half a file and raises OSError."""
    calls: list[Path] = []
    real = schema._write

    def write(frame: pd.DataFrame, path: Path, fmt: str) -> None:
        calls.append(Path(path))
        if len(calls) < fail_on:
            real(frame, path, fmt)
            return
        Path(path).write_bytes(b"deployment_id,minute,vers")
        raise OSError("disk full")

    return write, calls


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_write_table_failure_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch, fmt):
    """write_table stages beside the target and renames: a failed write leaves the previous table
    untouched and removes its half-written temp file."""
    target = tmp_path / f"scores.{fmt}"
    write_table(pd.DataFrame({"deployment_id": ["a", "b"], "score": [0.1, 0.9]}), target)
    before = _state(tmp_path)
    write, calls = _partial_write()
    monkeypatch.setattr(schema, "_write", write)
    with pytest.raises(OSError, match="disk full"):
        write_table(pd.DataFrame({"deployment_id": ["c"], "score": [0.5]}), target)
    assert _state(tmp_path) == before
    assert calls and calls[0] != target and calls[0].parent == tmp_path  # a temp file beside it


def test_write_table_success_leaves_only_the_target(tmp_path):
    """A successful write_table replaces the target's content and leaves no temp file."""
    target = tmp_path / "scores.csv"
    write_table(pd.DataFrame({"x": [1]}), target)
    write_table(pd.DataFrame({"x": [2, 3]}), target)
    assert list(_state(tmp_path)) == ["scores.csv"]
    assert target.read_text() == "x\n2\n3\n"


@pytest.mark.parametrize("fail_on", [1, 2])
def test_write_data_dir_failure_keeps_both_old_tables(fleet, tmp_path, monkeypatch, fail_on):
    """write_data_dir over an existing data folder: when writing either table fails midway, both old
    tables stay as they were and no staged temp file (of the failed or of the finished table) remains."""
    folder = tmp_path / "data"
    write_data_dir(fleet, folder)
    before = _state(folder)
    assert list(before) == ["deployments.csv", "timeseries.csv"]
    write, calls = _partial_write(fail_on)
    monkeypatch.setattr(schema, "_write", write)
    other = simulate_fleet(30, seed=2)
    with pytest.raises(OSError, match="disk full"):
        write_data_dir(other, folder)
    assert _state(folder) == before
    assert len(calls) == fail_on and all(p.parent == folder and p.name.startswith(".") for p in calls)


def test_write_data_dir_failure_in_a_new_folder_leaves_no_trace(fleet, tmp_path, monkeypatch):
    """A failed write_data_dir into a folder it had to create removes the folder again."""
    write, _ = _partial_write(2)
    monkeypatch.setattr(schema, "_write", write)
    with pytest.raises(OSError, match="disk full"):
        write_data_dir(fleet, tmp_path / "new" / "data")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- SequentialDetector.save


@pytest.fixture(scope="module")
def detector(fleet) -> SequentialDetector:
    labels = (np.arange(fleet.n) % 3 == 0).astype(int)  # any two-class labels will do here
    return SequentialDetector(horizons=(10, 20), feature_set="basic", n_folds=2, lgbm_params=TINY).fit(
        fleet, labels=labels)


class _HalfThenFail:
    """A file handle whose write puts half the text on disk, then raises OSError."""

    def __init__(self, handle):
        self.handle = handle

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.handle.close()
        return False

    def write(self, text: str) -> int:
        self.handle.write(text[: len(text) // 2])
        self.handle.flush()
        raise OSError("disk full")


def _failing_open(opened: list[Path], fail_on: int):
    """`open` for fdd.sequential: the `fail_on`-th file opened for writing fails halfway."""

    def fake_open(file, mode="r", *args, **kwargs):
        handle = builtins.open(file, mode, *args, **kwargs)
        if "w" not in mode:
            return handle
        opened.append(Path(file))
        return _HalfThenFail(handle) if len(opened) == fail_on else handle

    return fake_open


@pytest.mark.parametrize("fail_on", [1, 3])  # the first model file; meta.json (written last)
def test_save_failure_keeps_the_previous_model_folder(detector, tmp_path, monkeypatch, fail_on):
    """SequentialDetector.save writes each file through a temp file and a rename: a write that fails
    midway leaves every file of the previous save intact, loadable, and no temp file behind."""
    folder = detector.save(tmp_path / "model")
    before = _state(folder)
    assert list(before) == ["meta.json", "model_10.txt", "model_20.txt"]
    opened: list[Path] = []
    monkeypatch.setattr(sequential, "open", _failing_open(opened, fail_on), raising=False)
    with pytest.raises(OSError, match="disk full"):
        detector.with_target_precision(0.5).save(folder)
    assert _state(folder) == before
    assert len(opened) == fail_on
    assert all(p.parent == folder and p.name.startswith(".") and p.name.endswith(".tmp") for p in opened)
    monkeypatch.undo()
    np.testing.assert_array_equal(SequentialDetector.load(folder).thresholds_, detector.thresholds_)
