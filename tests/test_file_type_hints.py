"""A Parquet file saved under a .csv name, or a CSV under a .parquet name, gets one line that says
so (not a column name made of binary bytes)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from fdd.schema import ContractError, read_table, read_table_buffer

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"


def _parquet_bytes(tmp_path: Path) -> bytes:
    pd.read_csv(SAMPLE / "deployments.csv").to_parquet(tmp_path / "d.parquet")
    return (tmp_path / "d.parquet").read_bytes()


def test_a_parquet_file_named_csv_is_named_for_what_it_is(tmp_path: Path) -> None:
    (tmp_path / "deployments.csv").write_bytes(_parquet_bytes(tmp_path))
    with pytest.raises(ContractError) as err:
        read_table(tmp_path / "deployments.csv")
    message = str(err.value)
    assert "this is a Parquet file, not a CSV; name it deployments.parquet" in message
    assert "PAR1" not in message and len(message) < 200


def test_a_csv_named_parquet_is_named_for_what_it_is() -> None:
    data = (SAMPLE / "deployments.csv").read_bytes()
    with pytest.raises(ContractError, match=r"deployments\.parquet: this is a text file, not Parquet; "
                                            r"if it is a CSV, name it deployments\.csv"):
        read_table_buffer(data, "deployments.parquet")


def test_a_broken_binary_parquet_keeps_the_readers_reason() -> None:
    with pytest.raises(ContractError, match="not a readable Parquet file") as err:
        read_table_buffer(b"\x00\x01garbage\xff", "deployments.parquet")
    assert "text file" not in str(err.value)


def test_a_binary_file_without_invalid_utf8_is_not_called_text() -> None:
    with pytest.raises(ContractError, match="not a readable Parquet file") as err:
        read_table_buffer(b"\x00\x01garbage", "deployments.parquet")
    assert "text file" not in str(err.value)


def test_a_long_csv_with_a_character_cut_at_the_sample_end_is_text() -> None:
    head = b"deployment_id,service\nd0,"
    data = head + b"x" * (65535 - len(head)) + "é".encode() + b"\n" + b"d1,caf\xc3\xa9\n" * 100
    assert data[65535:65537] == "é".encode()  # the 64 KB sample ends inside the character
    with pytest.raises(ContractError, match="this is a text file, not Parquet"):
        read_table_buffer(data, "deployments.parquet")


def test_swapped_tables_are_named_as_swapped() -> None:
    from fdd.schema import read_tables_from_buffers

    ts, dep = (SAMPLE / "timeseries.csv").read_bytes(), (SAMPLE / "deployments.csv").read_bytes()
    with pytest.raises(ContractError, match=r"^a\.csv holds the deployments table and b\.csv the timeseries "
                                            r"table: the two files are swapped$"):
        read_tables_from_buffers(dep, ts, timeseries_name="a.csv", deployments_name="b.csv")
    with pytest.raises(ContractError, match=r"^a\.csv: this is a deployments table"):
        read_tables_from_buffers(dep, dep, timeseries_name="a.csv", deployments_name="b.csv")
    with pytest.raises(ContractError, match=r"^b\.csv: this is a timeseries table"):
        read_tables_from_buffers(ts, ts, timeseries_name="a.csv", deployments_name="b.csv")
    assert len(read_tables_from_buffers(ts, dep)[0]) > 0  # the right way round still reads
