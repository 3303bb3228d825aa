"""The data contract in code (fdd.schema): exact round trips, and one test per contract rule,
each checking that the error names the file, the column and the first offending row."""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from fdd import schema
from fdd.fleet import DEFAULTED_COLUMNS_ATTR, PREVIOUS, Fleet, fleet_from_tables
from fdd.schema import ContractError, load_fleet, read_data_dir, write_data_dir

# --- a small hand-built fleet --------------------------------------------------------------------

# deployment -> (minutes of the previous version, minutes of the new version)
PLAN = {
    "d1": (range(-3, 0), range(0, 4)),  # instant rollout
    "d2": (range(-3, 4), range(0, 4)),  # canary: both versions serve minutes 0..3
    "d3": (range(-3, 0), range(0, 3)),  # faulty: errors of a new type, one unknown latency
}


def good_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A valid (timeseries, deployments) pair in the order `fleet_to_timeseries` writes."""
    rows = []
    for k, (dep, (prev, new)) in enumerate(PLAN.items()):
        for minute in sorted(set(prev) | set(new)):
            for version, minutes in (("previous", prev), ("new", new)):
                if minute in minutes:
                    faulty = dep == "d3" and version == "new"
                    errors = (minute + 4) % 3 + (6 if faulty else 0)
                    rows.append((dep, minute, version, 100 + 10 * k + minute, errors,
                                 2 if faulty and minute >= 1 else 0, 120.5 + minute + k / 4))
    ts = pd.DataFrame(rows, columns=["deployment_id", "minute", "version", "requests", "errors",
                                     "new_type_errors", "latency_ms"])
    ts.loc[(ts["deployment_id"] == "d3") & (ts["minute"] == 2), "latency_ms"] = np.nan
    dep = pd.DataFrame({
        "deployment_id": ["d1", "d2", "d3"],
        "service": ["api", "api", "web"],
        "rolled_back": [0, 0, 1],
        "lifetime_minutes": [1440.0, np.nan, 35.5],
        "incident": [0, 0, 1],
        "label": [0, 0, 1],
        "deployed_at": ["2025-06-02T09:00:00Z", "2025-06-02T09:30:00Z", "2025-06-02T12:00:00+02:00"],
        "scenario": ["healthy", "healthy", "error_spike"],  # extra columns travel along
        "magnitude": [0.0, 0.0, 0.75],
    })
    for frame in (ts, dep):
        for column in frame.columns:
            if frame[column].dtype == object:
                frame[column] = frame[column].astype("str")
    return ts, dep


def row_of(ts: pd.DataFrame, deployment: str, minute: int, version: str) -> int:
    """0-based position of a timeseries row (its contract row number is this + 1)."""
    hit = (ts["deployment_id"] == deployment) & (ts["minute"] == minute) & (ts["version"] == version)
    return int(np.flatnonzero(hit.to_numpy())[0])


def hand_fleet() -> Fleet:
    ts, dep = good_tables()
    return fleet_from_tables(schema.validate_timeseries(ts), schema.validate_deployments(dep))


def simulated_fleet() -> Fleet:
    simulate = pytest.importorskip("fdd.simulate", reason="fdd.simulate not written yet")
    return simulate.simulate_fleet(40, 11)


@pytest.fixture(params=["hand", "simulated"])
def fleet(request: pytest.FixtureRequest) -> Fleet:
    return hand_fleet() if request.param == "hand" else simulated_fleet()


def assert_fleets_equal(a: Fleet, b: Fleet) -> None:
    assert_frame_equal(a.deployments, b.deployments)
    for name in ("minutes", "requests", "errors", "new_type_errors", "latency_ms", "present"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert (a.has_new_type_errors, a.has_latency) == (b.has_new_type_errors, b.has_latency)


def write_raw(folder: Path, ts: pd.DataFrame | None, dep: pd.DataFrame | None, fmt: str = "csv") -> Path:
    """Write tables as they are (no validation): the way an outside tool might."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in (("timeseries", ts), ("deployments", dep)):
        if frame is not None:
            path = folder / f"{name}.{fmt}"
            frame.to_csv(path, index=False) if fmt == "csv" else frame.to_parquet(path, index=False)
    return folder


def contract_error(folder: Path) -> str:
    with pytest.raises(ContractError) as info:
        read_data_dir(folder)
    message = str(info.value)
    assert "\n" not in message
    return message


def assert_names(message: str, file: str, column: str | None = None, row: int | None = None) -> None:
    assert file in message, message
    if column is not None:
        assert f"column '{column}'" in message, message
    if row is not None:
        assert f"row {row} " in message or f"row {row}:" in message, message


# --- round trips ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_fleet_file_fleet_round_trip_is_exact(fleet: Fleet, fmt: str, tmp_path: Path) -> None:
    write_data_dir(fleet, tmp_path / "a", fmt)
    back = load_fleet(tmp_path / "a")
    assert_fleets_equal(fleet, back)
    # ... and once more: the written tables are identical frames.
    write_data_dir(back, tmp_path / "b", fmt)
    for a, b in zip(read_data_dir(tmp_path / "a"), read_data_dir(tmp_path / "b")):
        assert_frame_equal(a, b)


def test_csv_fleet_csv_round_trip_is_byte_exact(tmp_path: Path) -> None:
    ts, dep = good_tables()
    write_raw(tmp_path / "in", ts, dep)
    write_data_dir(load_fleet(tmp_path / "in"), tmp_path / "out", "csv")
    for name in ("timeseries.csv", "deployments.csv"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "in" / name).read_bytes()
    back_ts, back_dep = read_data_dir(tmp_path / "out")
    assert_frame_equal(back_ts, ts)
    assert_frame_equal(back_dep, dep)


def test_parquet_and_csv_read_to_the_same_frames(tmp_path: Path) -> None:
    fleet = hand_fleet()
    write_data_dir(fleet, tmp_path / "csv", "csv")
    write_data_dir(fleet, tmp_path / "pq", "parquet")
    for a, b in zip(read_data_dir(tmp_path / "csv"), read_data_dir(tmp_path / "pq")):
        assert_frame_equal(a, b)


def test_optional_columns_stay_absent(tmp_path: Path) -> None:
    ts, dep = good_tables()
    write_raw(tmp_path / "in", ts.drop(columns=["new_type_errors", "latency_ms"]),
              dep.drop(columns=["label", "deployed_at"]))
    clean_ts, clean_dep = read_data_dir(tmp_path / "in")
    assert (clean_ts["new_type_errors"] == 0).all()  # the default ...
    assert clean_ts.attrs[DEFAULTED_COLUMNS_ATTR] == ("new_type_errors",)  # ... remembered as such
    assert "latency_ms" not in clean_ts and "label" not in clean_dep
    fleet = load_fleet(tmp_path / "in")
    assert not fleet.has_new_type_errors and not fleet.has_latency
    write_data_dir(fleet, tmp_path / "out")
    for name in ("timeseries.csv", "deployments.csv"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "in" / name).read_bytes()


def test_canonical_dtypes_from_loose_input() -> None:
    ts, dep = good_tables()
    loose = ts.astype({"minute": object, "requests": float, "errors": "str", "latency_ms": object})
    clean = schema.validate_timeseries(loose)
    assert_frame_equal(clean, ts)
    numeric_ids = dep.assign(deployment_id=[1, 2, 3], rolled_back=dep["rolled_back"].astype(float))
    clean_dep = schema.validate_deployments(numeric_ids)
    assert clean_dep["deployment_id"].tolist() == ["1", "2", "3"]
    assert clean_dep["rolled_back"].dtype == np.int64
    assert clean_dep["deployed_at"].tolist() == dep["deployed_at"].tolist()  # kept as given


def test_text_columns_are_read_verbatim(tmp_path: Path) -> None:
    ts, dep = good_tables()
    ts["deployment_id"] = ts["deployment_id"].replace({"d1": "NA"})
    dep["deployment_id"] = dep["deployment_id"].replace({"d1": "NA"})
    clean_ts, _ = read_data_dir(write_raw(tmp_path, ts, dep))
    assert (clean_ts["deployment_id"] == "NA").sum() == len(PLAN["d1"][0]) + len(PLAN["d1"][1])


def test_unknown_latency_is_allowed() -> None:
    ts, _ = good_tables()
    assert schema.validate_timeseries(ts)["latency_ms"].isna().sum() == 1


def test_deployment_without_traffic_is_written_as_one_zero_row(tmp_path: Path) -> None:
    fleet = hand_fleet()
    present = fleet.present.copy()
    present[:, 2] = False  # d3 served no requests at all
    silent = Fleet(fleet.deployments, fleet.minutes, np.where(present, fleet.requests, 0),
                   np.where(present, fleet.errors, 0), np.where(present, fleet.new_type_errors, 0),
                   np.where(present, fleet.latency_ms, np.nan), present)
    write_data_dir(silent, tmp_path)
    back = load_fleet(tmp_path)
    np.testing.assert_array_equal(back.requests, silent.requests)
    assert back.present[PREVIOUS, 2].sum() == 1 and back.present[PREVIOUS, 2, 0]


def test_read_tables_from_buffers() -> None:
    ts, dep = good_tables()
    ts_buf = io.BytesIO(ts.to_csv(index=False).encode())
    ts_buf.name = "my_ts.csv"
    dep_buf = io.BytesIO()
    dep.to_parquet(dep_buf, index=False)
    clean_ts, clean_dep = schema.read_tables_from_buffers(ts_buf, dep_buf.getvalue(),
                                                          deployments_name="deps.parquet")
    assert_frame_equal(clean_ts, ts)
    assert_frame_equal(clean_dep, dep)
    bad = io.BytesIO(ts.assign(errors=ts["requests"] + 1).to_csv(index=False).encode())
    bad.name = "upload.csv"
    with pytest.raises(ContractError, match=r"^upload\.csv: column 'errors', row 1 "):
        schema.read_tables_from_buffers(bad, dep_buf, deployments_name="deps.parquet")


def test_scores_table() -> None:
    scores = pd.DataFrame({"deployment_id": ["d1", "d2"], "faulty": [1, 0], "score": [0.9, 0.1],
                           "detected_minute": [10, np.nan], "impact": ["yes", "no"]})
    clean = schema.validate_scores(scores)
    assert str(clean["detected_minute"].dtype) == "Int64"
    assert clean["detected_minute"].isna().tolist() == [False, True]
    with pytest.raises(ContractError, match=r"column 'score', row 2 \(deployment d2\): score 1.5 > 1"):
        schema.validate_scores(scores.assign(score=[0.9, 1.5]))
    with pytest.raises(ContractError, match=r"row 1 \(deployment d1\): detected_minute 0 is not a positive horizon"):
        schema.validate_scores(scores.assign(detected_minute=[0, np.nan]))


def test_validation_is_vectorised() -> None:
    n, minutes = 10_000, np.arange(-60, 60)
    d = np.repeat(np.arange(n), len(minutes))
    m = np.tile(minutes, n)
    rng = np.random.default_rng(0)
    requests = rng.integers(0, 500, len(d))
    ts = pd.DataFrame({
        "deployment_id": pd.Series([f"d{i}" for i in range(n)], dtype="str").take(d).to_numpy(),
        "minute": m, "version": pd.array(np.where(m < 0, "previous", "new"), dtype="str"),
        "requests": requests, "errors": requests // 50, "latency_ms": rng.gamma(2.0, 50.0, len(d)),
    })
    assert len(ts) == 1_200_000
    start = time.perf_counter()
    schema.validate_timeseries(ts)
    assert time.perf_counter() - start < 3.0  # ~0.3 s here; a per-row loop would take minutes
    ts.loc[1_000_000, "errors"] = 10_000
    expected = r"column 'errors', row 1000001 \(deployment d8333, minute -20, previous\): errors 10000 > "
    with pytest.raises(ContractError, match=expected):
        schema.validate_timeseries(ts)


# --- one test per contract rule ------------------------------------------------------------------


def test_missing_column(tmp_path: Path) -> None:
    ts, dep = good_tables()
    message = contract_error(write_raw(tmp_path, ts.drop(columns="errors"), dep))
    assert_names(message, "timeseries.csv", "errors")
    assert "missing required column 'errors'" in message


def test_text_in_a_number_column(tmp_path: Path) -> None:
    ts, dep = good_tables()
    k = row_of(ts, "d2", 1, "new")
    ts = ts.astype({"requests": object})
    ts.loc[k, "requests"] = "lots"
    message = contract_error(write_raw(tmp_path, ts, dep))
    assert_names(message, "timeseries.csv", "requests", k + 1)
    assert message.endswith(f"row {k + 1} (deployment d2, minute 1, new): 'lots' is not a number")


def test_fraction_in_an_integer_column(tmp_path: Path) -> None:
    ts, dep = good_tables()
    ts = ts.astype({"requests": float})
    ts.loc[4, "requests"] = 2.5
    message = contract_error(write_raw(tmp_path, ts, dep))
    assert_names(message, "timeseries.csv", "requests", 5)
    assert "requests 2.5 is not an integer" in message


def test_errors_above_requests(tmp_path: Path) -> None:
    ts, dep = good_tables()
    k = row_of(ts, "d1", 2, "new")
    ts.loc[k, "errors"] = ts.loc[k, "requests"] + 1
    message = contract_error(write_raw(tmp_path, ts, dep))
    assert message.endswith(f"timeseries.csv: column 'errors', row {k + 1} (deployment d1, minute 2, new): "
                            f"errors 103 > requests 102")


def test_negative_counts(tmp_path: Path) -> None:
    ts, dep = good_tables()
    ts.loc[6, "requests"] = -4
    message = contract_error(write_raw(tmp_path, ts, dep))
    assert_names(message, "timeseries.csv", "requests", 7)
    assert "requests -4 < 0" in message


def test_new_type_errors_above_errors(tmp_path: Path) -> None:
    ts, dep = good_tables()
    k = row_of(ts, "d3", 1, "new")
    ts.loc[k, "new_type_errors"] = ts.loc[k, "errors"] + 1
    message = contract_error(write_raw(tmp_path, ts, dep))
    assert_names(message, "timeseries.csv", "new_type_errors", k + 1)
    assert "new_type_errors 9 > errors 8" in message


def test_empty_count(tmp_path: Path) -> None:
    ts, dep = good_tables()
    ts = ts.astype({"errors": float})
    ts.loc[3, "errors"] = np.nan
    message = contract_error(write_raw(tmp_path, ts, dep))
    assert_names(message, "timeseries.csv", "errors", 4)
    assert "empty cell" in message


def test_unknown_version(tmp_path: Path) -> None:
    ts, dep = good_tables()
    k = row_of(ts, "d2", 0, "new")
    ts.loc[k, "version"] = "canary"
    message = contract_error(write_raw(tmp_path, ts, dep))
    assert_names(message, "timeseries.csv", "version", k + 1)
    assert "version 'canary' is not 'previous' or 'new'" in message


def test_new_rows_before_minute_zero(tmp_path: Path) -> None:
    ts, dep = good_tables()
    k = row_of(ts, "d2", -2, "previous")
    ts.loc[k, "version"] = "new"
    message = contract_error(write_raw(tmp_path, ts, dep))
    assert_names(message, "timeseries.csv", "version", k + 1)
    assert "before minute 0 only previous rows exist" in message


def test_duplicate_timeseries_rows(tmp_path: Path) -> None:
    ts, dep = good_tables()
    k = row_of(ts, "d1", 1, "new")
    ts = pd.concat([ts, ts.iloc[[k]]], ignore_index=True)
    message = contract_error(write_raw(tmp_path, ts, dep))
    assert_names(message, "timeseries.csv", row=len(ts))
    assert "columns 'deployment_id', 'minute', 'version'" in message
    assert f"repeats row {k + 1}" in message


def test_duplicate_deployment_ids(tmp_path: Path) -> None:
    ts, dep = good_tables()
    dep = pd.concat([dep, dep.iloc[[1]]], ignore_index=True)
    message = contract_error(write_raw(tmp_path, ts, dep))
    assert message.endswith("deployments.csv: column 'deployment_id', row 4 (deployment d2): "
                            "deployment_id 'd2' repeats row 2")


def test_timeseries_deployment_missing_from_deployments(tmp_path: Path) -> None:
    ts, dep = good_tables()
    message = contract_error(write_raw(tmp_path, ts, dep[dep["deployment_id"] != "d2"]))
    first = row_of(ts, "d2", -3, "previous")
    assert_names(message, "timeseries.csv", "deployment_id", first + 1)
    assert "deployment 'd2' is not in deployments.csv" in message


def test_deployment_missing_from_timeseries_served_no_requests(tmp_path: Path) -> None:
    """The contract: a missing row means no requests, so a deployment with no row at all is silent."""
    from fdd.checks import run_checks

    ts, dep = good_tables()
    fleet = load_fleet(write_raw(tmp_path, ts[ts["deployment_id"] != "d2"], dep))
    silent = list(fleet.ids.astype(str)).index("d2")
    assert fleet.n == len(dep) and not fleet.present[:, silent].any() and fleet.requests[:, silent].sum() == 0
    sufficiency = run_checks(fleet, 10).results["sufficiency"]
    assert not sufficiency.passed[silent] and "no baseline" in sufficiency.reason(silent)


def test_flag_not_zero_or_one(tmp_path: Path) -> None:
    ts, dep = good_tables()
    dep.loc[2, "rolled_back"] = 2
    message = contract_error(write_raw(tmp_path, ts, dep))
    assert message.endswith("deployments.csv: column 'rolled_back', row 3 (deployment d3): "
                            "rolled_back 2 is not 0 or 1")


def test_label_not_zero_or_one(tmp_path: Path) -> None:
    ts, dep = good_tables()
    dep = dep.astype({"label": object})
    dep.loc[1, "label"] = "yes"
    message = contract_error(write_raw(tmp_path, ts, dep))
    assert_names(message, "deployments.csv", "label", 2)


def test_negative_lifetime(tmp_path: Path) -> None:
    ts, dep = good_tables()
    dep.loc[0, "lifetime_minutes"] = -1.5
    message = contract_error(write_raw(tmp_path, ts, dep))
    assert_names(message, "deployments.csv", "lifetime_minutes", 1)
    assert "lifetime_minutes -1.5 < 0" in message


def test_negative_latency(tmp_path: Path) -> None:
    ts, dep = good_tables()
    ts.loc[9, "latency_ms"] = -3.0
    message = contract_error(write_raw(tmp_path, ts, dep))
    assert_names(message, "timeseries.csv", "latency_ms", 10)


def test_bad_timestamp(tmp_path: Path) -> None:
    ts, dep = good_tables()
    dep.loc[1, "deployed_at"] = "yesterday at noon"
    message = contract_error(write_raw(tmp_path, ts, dep))
    assert_names(message, "deployments.csv", "deployed_at", 2)
    assert "is not an ISO 8601 timestamp" in message


def test_header_only_table(tmp_path: Path) -> None:
    ts, dep = good_tables()
    message = contract_error(write_raw(tmp_path, ts.iloc[:0], dep))
    assert_names(message, "timeseries.csv")
    assert "no data rows" in message


def test_zero_byte_file(tmp_path: Path) -> None:
    ts, dep = good_tables()
    write_raw(tmp_path, ts, None)
    (tmp_path / "deployments.csv").write_bytes(b"")
    message = contract_error(tmp_path)
    assert_names(message, "deployments.csv")
    assert "the file is empty" in message


def test_non_utf8_bytes(tmp_path: Path) -> None:
    ts, dep = good_tables()
    write_raw(tmp_path, ts, dep)
    path = tmp_path / "deployments.csv"
    path.write_bytes(path.read_bytes().replace(b",web,", b",w\xe9b,"))  # Latin-1, not UTF-8
    message = contract_error(tmp_path)
    assert_names(message, "deployments.csv", "service", 3)
    assert "not UTF-8" in message


def test_missing_file(tmp_path: Path) -> None:
    ts, _ = good_tables()
    message = contract_error(write_raw(tmp_path, ts, None))
    assert message == f"{tmp_path}: missing deployments.csv (or deployments.parquet)"
    with pytest.raises(ContractError, match=r"nothere\.csv: no such file"):
        schema.read_table(tmp_path / "nothere.csv")
    with pytest.raises(ContractError, match=r"no such folder"):
        read_data_dir(tmp_path / "nowhere")


def test_both_csv_and_parquet(tmp_path: Path) -> None:
    ts, dep = good_tables()
    write_raw(tmp_path, ts, dep)
    ts.to_parquet(tmp_path / "timeseries.parquet")
    message = contract_error(tmp_path)
    assert message == f"{tmp_path}: holds both timeseries.csv and timeseries.parquet; keep only one"


def test_unparsable_csv(tmp_path: Path) -> None:
    ts, dep = good_tables()
    write_raw(tmp_path, ts, dep)
    with open(tmp_path / "timeseries.csv", "a") as out:
        out.write("d1,9,new,1,0,0,1.0,surplus,fields\n")
    message = contract_error(tmp_path)
    assert_names(message, "timeseries.csv")
    assert "not a readable CSV table" in message and f"line {len(ts) + 2}" in message


def test_corrupt_parquet_and_unknown_suffix(tmp_path: Path) -> None:
    (tmp_path / "t.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(ContractError, match=r"t\.parquet: not a readable Parquet file"):
        schema.read_table(tmp_path / "t.parquet")
    with pytest.raises(ContractError, match=r"t\.xlsx: unsupported file type \.xlsx"):
        schema.read_table(tmp_path / "t.xlsx")


def test_parquet_rows_are_numbered_like_csv_rows(tmp_path: Path) -> None:
    ts, dep = good_tables()
    ts.loc[11, "errors"] = 10_000
    message = contract_error(write_raw(tmp_path, ts, dep, "parquet"))
    assert_names(message, "timeseries.parquet", "errors", 12)


def test_first_offending_row_is_reported_and_the_rest_counted(tmp_path: Path) -> None:
    ts, dep = good_tables()
    ts.loc[[13, 5, 20], "requests"] = -1
    ts.loc[2, "version"] = "NEW"
    with pytest.raises(ContractError) as info:
        read_data_dir(write_raw(tmp_path, ts, dep))
    version, requests = info.value.problems[:2]
    assert (version.columns, version.row) == (("version",), 3)
    assert (requests.columns, requests.row, requests.more_rows) == (("requests",), 6, 2)
    assert str(info.value).startswith(str(version)) and "more problem" in str(info.value)
    assert str(requests).endswith("requests -1 < 0 (and 2 more rows)")


# --- writing -------------------------------------------------------------------------------------


def test_write_leaves_nothing_behind_on_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fleet = hand_fleet()
    calls = []

    def failing_write(frame: pd.DataFrame, path: Path, fmt: str) -> None:
        calls.append(path)
        if len(calls) == 2:  # the first table is staged, the second fails
            raise OSError("disk full")
        frame.to_csv(path, index=False)

    monkeypatch.setattr(schema, "_write", failing_write)
    with pytest.raises(OSError, match="disk full"):
        write_data_dir(fleet, tmp_path / "new" / "folder")
    assert not (tmp_path / "new").exists()  # the parent this call created is gone too
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "timeseries.csv").write_text("previous content")
    calls.clear()
    with pytest.raises(OSError):
        write_data_dir(fleet, tmp_path / "old")
    assert [p.name for p in (tmp_path / "old").iterdir()] == ["timeseries.csv"]
    assert (tmp_path / "old" / "timeseries.csv").read_text() == "previous content"


def test_write_validates_the_fleet_first(tmp_path: Path) -> None:
    fleet = hand_fleet()
    errors = fleet.errors.copy()
    errors[1, 0, 4] = 10_000  # d1, new version, minute 1: more errors than requests
    broken = Fleet(fleet.deployments, fleet.minutes, fleet.requests, errors, fleet.new_type_errors,
                   fleet.latency_ms, fleet.present)
    with pytest.raises(ContractError, match=r"timeseries\.csv \(not written\): column 'errors', row 5 "):
        write_data_dir(broken, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_write_refuses_to_leave_both_forms(tmp_path: Path) -> None:
    fleet = hand_fleet()
    write_data_dir(fleet, tmp_path, "parquet")
    with pytest.raises(ValueError, match=r"timeseries\.parquet already exists"):
        write_data_dir(fleet, tmp_path, "csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deployments.parquet", "timeseries.parquet"]
    write_data_dir(fleet, tmp_path, "parquet")  # overwriting the same form is fine


def test_parquet_column_written_as_the_pandas_index_is_read(tmp_path: Path) -> None:
    """`df.set_index("deployment_id").to_parquet(...)` still holds the column in the file."""
    ts, dep = good_tables()
    folder = write_raw(tmp_path, ts, dep, fmt="parquet")
    ts.set_index("deployment_id").to_parquet(folder / "timeseries.parquet")
    dep.set_index("deployment_id").to_parquet(folder / "deployments.parquet")
    fleet = load_fleet(folder)
    assert sorted(fleet.ids.astype(str)) == sorted(dep["deployment_id"].astype(str))


def test_a_semicolon_separated_file_gets_a_hint(tmp_path: Path) -> None:
    ts, dep = good_tables()
    folder = write_raw(tmp_path, ts, dep)
    (folder / "timeseries.csv").write_text(ts.to_csv(index=False, sep=";"))
    message = contract_error(folder)
    assert "timeseries.csv" in message and "separated by semicolons: save the file with commas" in message


def test_an_upload_larger_than_the_app_takes_is_refused_before_validation() -> None:
    ts, dep = good_tables()
    with pytest.raises(ContractError, match=rf"^big\.csv: {len(ts):,} rows, more than the 5 the app holds$"):
        schema.read_tables_from_buffers(ts.to_csv(index=False).encode(), dep.to_csv(index=False).encode(),
                                        timeseries_name="big.csv", max_rows=5, too_large_hint=" the app holds")


def test_parquet_index_that_repeats_a_column_or_counts_rows_is_not_data(tmp_path: Path) -> None:
    ts, dep = good_tables()
    folder = write_raw(tmp_path, ts, dep, fmt="parquet")
    ts.set_index("deployment_id", drop=False).to_parquet(folder / "timeseries.parquet")
    dep.rename_axis("row").to_parquet(folder / "deployments.parquet")
    clean_ts, clean_dep = read_data_dir(folder)
    assert "row" not in clean_dep.columns and len(clean_ts) == len(ts)


def test_a_small_parquet_of_many_rows_is_refused_before_it_is_read(monkeypatch) -> None:
    """Parquet compresses a long constant table to kilobytes: the row limit reads its footer first."""
    parse = schema._parse
    monkeypatch.setattr(schema, "_parse", lambda data, source, fmt: (
        pytest.fail(f"{source} parsed before its rows were counted") if source == "ts.parquet" else
        parse(data, source, fmt)))
    ts, dep = good_tables()
    many = pd.concat([ts] * 400, ignore_index=True)
    buffer = io.BytesIO()
    many.to_parquet(buffer)
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(ContractError, match=rf"^ts\.parquet: {len(many):,} rows, more than the 1,000$"):
        schema.read_tables_from_buffers(buffer.getvalue(), dep.to_csv(index=False).encode(),
                                        timeseries_name="ts.parquet", max_rows=1000)


def test_label_may_be_empty_where_it_is_not_known(tmp_path: Path) -> None:
    ts, dep = good_tables()
    _, full = read_data_dir(write_raw(tmp_path / "full", ts, dep))
    assert str(full["label"].dtype) == "int64"  # every deployment labelled: plain integers
    partial = dep.assign(label=dep["label"].astype("Int64").mask(dep.index == 1))
    _, read = read_data_dir(write_raw(tmp_path / "partial", ts, partial))
    assert str(read["label"].dtype) == "Int64" and read["label"].isna().tolist() == [False, True, False]


def test_a_typed_boolean_flag_in_parquet_reads_as_0_or_1(tmp_path: Path) -> None:
    ts, dep = good_tables()
    flags = dep.assign(rolled_back=dep["rolled_back"] == 1, incident=dep["incident"] == 1, label=dep["label"] == 1)
    folder = write_raw(tmp_path, ts, flags, fmt="parquet")
    _, read = read_data_dir(folder)
    for column in ("rolled_back", "incident", "label"):
        assert read[column].tolist() == dep[column].tolist()
    # ... but a count is never a boolean
    ts.assign(errors=ts["errors"] > 0).to_parquet(folder / "timeseries.parquet")
    assert "is not a number" in contract_error(folder)
