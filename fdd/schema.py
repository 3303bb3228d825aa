"""The data contract (/work/shared/DATA_CONTRACT.md) in code: column specs, readers, validators,
atomic writers.

Every table that enters `fdd` from outside goes through here, so bad input fails in one place
with one line naming the file, the column and the first offending row, e.g.

    timeseries.csv: column 'errors', row 17 (deployment d000003, minute 4, new): errors 12 > requests 10

Row numbers count data rows from 1; the header is not a row, so "row 17" is line 18 of a CSV file.
Each rule reports its lowest offending row and how many more rows break it; a `ContractError`
carries every failing rule in `.problems` and its message is the first of them (rules run in a
fixed order: table shape, then each column's type and range, then rules across columns, then
duplicates, then the two tables against each other). Validation is vectorised (no Python loop
over rows).

Where the contract is silent this module decides:
- `latency_ms` may be empty (NaN): the p95 latency of that minute is unknown. It must otherwise be
  finite and >= 0. `lifetime_minutes` is likewise finite and >= 0 when given.
- Integers may be written as integral numbers (`4.0`, `1e3`); `2.5` is an error. True/False are
  not numbers, except in a typed boolean column (Parquet) of a 0-or-1 flag, where they are 1/0. Counts must fit 32 bits (`Fleet` stores them as int32).
- `new_type_errors` and `deployed_at` are optional *columns*: once a column is present every row
  needs a value (leave the column out when it is unknown). `label` is "ground truth where it is
  known": an empty cell is a deployment nobody reviewed, and measuring uses the labelled ones. An absent `new_type_errors`
  becomes 0 and is marked in `frame.attrs[DEFAULTED_COLUMNS_ATTR]`, so a `Fleet` built from the
  frame records `has_new_type_errors=False` and writes no such column back.
- `deployed_at` must parse as ISO 8601 (a time without offset is taken as UTC); the text is kept.
- `service` must not be empty; `version` is exactly `previous` or `new` (case and spaces matter).
- Text cells of the contract's string columns are read verbatim: `NA` or `null` is an id, only an
  empty cell is missing. Extra columns are kept with pandas' own parsing.
- A UTF-8 byte-order mark is accepted.
"""

from __future__ import annotations

import csv
import io
import os
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

import numpy as np
import pandas as pd

from fdd.fleet import DEFAULTED_COLUMNS_ATTR, Fleet, fleet_from_tables, fleet_to_timeseries

__all__ = [
    "DEPLOYMENTS_SPEC",
    "SCORES_SPEC",
    "TIMESERIES_SPEC",
    "Column",
    "ContractError",
    "Problem",
    "build_fleet",
    "check_output_dir",
    "check_same_deployments",
    "describe_columns",
    "find_tables",
    "load_fleet",
    "read_data_dir",
    "read_table",
    "read_table_buffer",
    "read_tables_from_buffers",
    "validate_deployments",
    "validate_scores",
    "validate_timeseries",
    "write_data_dir",
    "write_table",
]

Kind = Literal["text", "integer", "number", "timestamp"]
Format = Literal["csv", "parquet"]
FORMATS: tuple[str, ...] = ("csv", "parquet")
TABLES: tuple[str, ...] = ("timeseries", "deployments")  # the two tables of a data folder
INT32_MAX = int(np.iinfo(np.int32).max)
# Integers beyond 2**53 cannot pass through float64 exactly; no count or minute gets near it.
_INT_LIMIT = 2.0**53
# Fleet holds 2 x deployments x minutes cells of ~21 bytes each; refuse folders that would need
# more than ~2 GB rather than die of MemoryError.
MAX_DENSE_CELLS = 100_000_000
# The app shares a 1-2 GB server between visitors. Reading, validating and scoring an upload of
# 16,000 deployments of 2 hours (1.9 M rows, 3.8 M cells) peaks at ~700 MB in a fresh process,
# 50,000 at ~1.6 GB (`benchmarks/bench_app.py --upload-n`). So the app takes at most 2 M
# timeseries rows (counted before validation, which is what costs memory) and 4 M cells; larger
# data goes through `python -m fdd` on the user's own machine.
APP_MAX_ROWS = 2_000_000
APP_MAX_DENSE_CELLS = 4_000_000


@dataclass(frozen=True)
class Column:
    """One column of the contract: its type, whether it must exist, and the values it allows."""

    name: str
    kind: Kind
    required: bool = True  # the column must exist
    nullable: bool = False  # an empty cell is allowed (it means "unknown")
    minimum: float | None = None
    maximum: float | None = None
    allowed: tuple[str | int, ...] = ()  # the only values allowed, when not empty
    ceiling: int | None = None  # an implementation limit, not a contract rule
    meaning: str = ""

    @property
    def dtype(self) -> str:
        """The canonical pandas dtype of the validated column."""
        if self.kind == "integer":
            return "Int64" if self.nullable else "int64"
        return "float64" if self.kind == "number" else "str"


TIMESERIES_SPEC: tuple[Column, ...] = (
    Column("deployment_id", "text", meaning="the deployment this row belongs to"),
    Column("minute", "integer", meaning="minutes since the rollout began; negative is the baseline"),
    Column("version", "text", allowed=("previous", "new"), meaning="which version served the requests"),
    Column("requests", "integer", minimum=0, ceiling=INT32_MAX, meaning="requests served that minute"),
    Column("errors", "integer", minimum=0, ceiling=INT32_MAX, meaning="failed requests among them"),
    Column("new_type_errors", "integer", required=False, minimum=0, ceiling=INT32_MAX,
           meaning="errors of a type no earlier version showed; default 0"),
    Column("latency_ms", "number", required=False, nullable=True, minimum=0,
           meaning="p95 latency; empty when unknown"),
)
DEPLOYMENTS_SPEC: tuple[Column, ...] = (
    Column("deployment_id", "text", meaning="unique"),
    Column("service", "text", meaning="the service that was deployed"),
    Column("rolled_back", "integer", allowed=(0, 1), meaning="the new version was rolled back"),
    Column("lifetime_minutes", "number", nullable=True, minimum=0,
           meaning="minutes until the next deployment replaced it; empty while live"),
    Column("incident", "integer", allowed=(0, 1), meaning="an incident was declared while it was live"),
    Column("label", "integer", required=False, nullable=True, allowed=(0, 1),
           meaning="ground truth where it is known: 1 is faulty; empty where unknown"),
    Column("deployed_at", "timestamp", required=False, meaning="ISO 8601 (UTC) time of minute 0"),
)
SCORES_SPEC: tuple[Column, ...] = (
    Column("deployment_id", "text", meaning="unique"),
    Column("faulty", "integer", allowed=(0, 1), meaning="flagged by the last horizon"),
    Column("score", "number", minimum=0, maximum=1, meaning="confidence that it is faulty"),
    Column("detected_minute", "integer", nullable=True, meaning="first horizon that flagged it"),
)
# Contract columns read as text verbatim (no NA guessing), whatever the table.
_TEXT_COLUMNS = frozenset(c.name for c in TIMESERIES_SPEC + DEPLOYMENTS_SPEC + SCORES_SPEC
                          if c.kind in ("text", "timestamp"))
# pandas' default NA spellings, used for every other column.
_NA_SPELLINGS = ("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
                 "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null")


# --- errors -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One broken rule: where (file, columns, first offending row) and what."""

    source: str
    detail: str
    columns: tuple[str, ...] = ()
    row: int | None = None  # 1-based data row
    where: str = ""  # the identifying values of that row
    more_rows: int = 0  # further rows breaking the same rule

    def __str__(self) -> str:
        place = []
        if self.columns:
            names = ", ".join(f"'{c}'" for c in self.columns)
            place.append(f"column {names}" if len(self.columns) == 1 else f"columns {names}")
        if self.row is not None:
            place.append(f"row {self.row}" + (f" ({self.where})" if self.where else ""))
        text = f"{self.source}: " + (f"{', '.join(place)}: " if place else "") + self.detail
        if self.more_rows:
            text += f" (and {self.more_rows} more row{'s' if self.more_rows > 1 else ''})"
        return text


class ContractError(ValueError):
    """Input that breaks the data contract. The message is one line: file, column, first row."""

    def __init__(self, message: str | Problem, problems: Sequence[Problem] = ()) -> None:
        if isinstance(message, Problem):
            problems = (message, *problems)
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(" ".join(str(message).split()))

    @classmethod
    def of(cls, problems: Sequence[Problem]) -> ContractError:
        """One error for several problems: the first is the message, the rest are counted."""
        message = str(problems[0])
        if len(problems) > 1:
            more = len(problems) - 1
            message += f" [+{more} more problem{'s' if more > 1 else ''}]"
        return cls(message, problems)


def _show(value: object) -> str:
    """A cell value as a message shows it: text quoted, integral floats without '.0'."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "empty"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _plain(value: object) -> str:
    """A cell value inside a row description: like `_show` but without quotes."""
    return value if isinstance(value, str) else _show(value)


class _Findings:
    """The problems found in one table; each rule reports its first offending row."""

    def __init__(self, source: str, frame: pd.DataFrame, key_columns: Sequence[tuple[str, str]]) -> None:
        self.source = source
        self.frame = frame
        self.key_columns = key_columns  # (column, format) pairs that describe a row
        self.problems: list[Problem] = []

    def where(self, i: int) -> str:
        """The identifying values of row i, e.g. 'deployment d3, minute 4, new'."""
        parts = []
        for column, template in self.key_columns:
            if column in self.frame.columns:
                value = self.frame[column].iloc[i]
                if _show(value) != "empty":
                    parts.append(template.format(_plain(value)))
        return ", ".join(parts)

    def rows(self, column: str | tuple[str, ...], mask: np.ndarray, detail: Callable[[int], str]) -> bool:
        """Record a problem at the first row where `mask` holds; True if there was one."""
        if not mask.any():
            return False
        i = int(mask.argmax())
        columns = (column,) if isinstance(column, str) else column
        self.problems.append(
            Problem(self.source, detail(i), columns, i + 1, self.where(i), int(mask.sum()) - 1)
        )
        return True

    def table(self, detail: str, columns: tuple[str, ...] = ()) -> None:
        """Record a problem of the whole table (no row)."""
        self.problems.append(Problem(self.source, detail, columns))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ContractError.of(self.problems)


# --- column checks ------------------------------------------------------------------------------


def _empty_cell(col: Column) -> str:
    """Why an empty cell is an error in `col`."""
    if col.required:
        return f"empty cell: {col.name} is required"
    return f"empty cell: once the column is there every row needs a {col.name} (leave it out if unknown)"


def _check_text(raw: pd.Series, col: Column, found: _Findings) -> pd.Series | None:
    """Text column: no empty cell, only `col.allowed` values when given."""
    text = raw if raw.dtype == "str" else raw.astype("str")
    missing = (text.isna() | (text == "")).to_numpy()
    bad = found.rows(col.name, missing, lambda i: _empty_cell(col))
    if col.allowed:
        allowed = " or ".join(repr(v) for v in col.allowed)
        other = ~missing & ~text.isin(col.allowed).to_numpy()
        bad |= found.rows(col.name, other, lambda i: f"{col.name} {_show(text.iloc[i])} is not {allowed}")
    return None if bad else text


def _to_floats(raw: pd.Series, col: Column, found: _Findings) -> tuple[np.ndarray, pd.Series] | None:
    """The column as float64 (NaN where empty) and as parsed numbers; None if any cell is not a number."""
    dtype = raw.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        raw, dtype = raw.astype(object), np.dtype(object)
    if pd.api.types.is_bool_dtype(dtype) and tuple(col.allowed) == (0, 1):
        raw = raw.astype("Int64")  # a typed boolean column (Parquet) is a 0/1 flag, written as such
        dtype = raw.dtype
    if pd.api.types.is_bool_dtype(dtype) or not (
        pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    ):
        found.rows(col.name, np.ones(len(raw), bool), lambda i: f"{_show(raw.iloc[i])} is not a number")
        return None
    if pd.api.types.is_numeric_dtype(dtype):
        return raw.to_numpy(dtype=np.float64, na_value=np.nan), raw
    parsed = pd.to_numeric(raw, errors="coerce")
    blank = raw.isna() | (raw.astype("str").str.strip() == "")
    text = (parsed.isna() & ~blank).to_numpy()
    if found.rows(col.name, text, lambda i: f"{_show(raw.iloc[i])} is not a number"):
        return None
    return parsed.to_numpy(dtype=np.float64, na_value=np.nan), parsed


def _number_rules(values: np.ndarray, col: Column) -> list[tuple[np.ndarray, Callable[[float], str]]]:
    """(mask, message) for every range rule of a numeric column, in reporting order."""
    name, finite = col.name, np.isfinite(values)
    rules: list[tuple[np.ndarray, Callable[[float], str]]] = []
    if not col.nullable:
        rules.append((np.isnan(values), lambda v: _empty_cell(col)))
    rules.append((np.isinf(values), lambda v: f"{name} {_show(v)} is not a finite number"))
    if col.kind == "integer":
        rules.append((finite & (values != np.round(values)),
                      lambda v: f"{name} {_show(v)} is not an integer"))
        rules.append((finite & (np.abs(values) > _INT_LIMIT), lambda v: f"{name} {_show(v)} is too large"))
    if col.allowed:
        allowed = " or ".join(str(a) for a in col.allowed)
        rules.append((finite & ~np.isin(values, col.allowed),
                      lambda v: f"{name} {_show(v)} is not {allowed}"))
    if col.minimum is not None:
        rules.append((finite & (values < col.minimum), lambda v: f"{name} {_show(v)} < {_show(col.minimum)}"))
    if col.maximum is not None:
        rules.append((finite & (values > col.maximum), lambda v: f"{name} {_show(v)} > {_show(col.maximum)}"))
    if col.ceiling is not None:
        rules.append((finite & (values > col.ceiling),
                      lambda v: f"{name} {_show(v)} is above the supported maximum {col.ceiling}"))
    return rules


def _check_number(raw: pd.Series, col: Column, found: _Findings) -> pd.Series | None:
    """Numeric column: numbers only, integral where required, within range; canonical dtype."""
    parsed = _to_floats(raw, col, found)
    if parsed is None:
        return None
    values, numbers = parsed
    bad = False
    for mask, message in _number_rules(values, col):
        bad |= found.rows(col.name, mask, lambda i, m=message: m(values[i]))
    if bad:
        return None
    # a nullable integer column with every cell filled is plain int64, so that code reading a fully
    # labelled table never meets pandas' NA (which numpy would turn into NaN, and NaN into True)
    if col.dtype == "int64" or (col.dtype == "Int64" and not np.isnan(values).any()):
        exact = pd.api.types.is_integer_dtype(numbers.dtype) and not pd.api.types.is_bool_dtype(numbers.dtype)
        ints = numbers.to_numpy(dtype=np.int64) if exact else values.astype(np.int64)
        return pd.Series(ints, index=raw.index, name=col.name)
    return pd.Series(values, index=raw.index, name=col.name).astype(col.dtype)


def _check_timestamp(raw: pd.Series, col: Column, found: _Findings) -> pd.Series | None:
    """ISO 8601 column: every cell parses; the text is kept as given."""
    text = _check_text(raw, col, found)
    if text is None:
        return None
    parsed = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    bad = parsed.isna().to_numpy()
    if found.rows(col.name, bad, lambda i: f"{col.name} {_show(text.iloc[i])} is not an ISO 8601 timestamp"):
        return None
    return text


_CHECKS: dict[str, Callable[[pd.Series, Column, _Findings], pd.Series | None]] = {
    "text": _check_text,
    "integer": _check_number,
    "number": _check_number,
    "timestamp": _check_timestamp,
}


_OTHER_SEPARATORS = ((";", "semicolons"), ("\t", "tabs"), ("|", "vertical bars"))  # read as one column


def _check_shape(frame: pd.DataFrame, spec: Sequence[Column], found: _Findings) -> None:
    """Unique column names, at least one row, every required column; raises at once if not."""
    duplicated = frame.columns[frame.columns.duplicated()]
    if len(duplicated):
        found.table("the column appears more than once", (str(duplicated[0]),))
    elif len(frame) == 0:
        found.table("no data rows (the table is empty)")
    else:
        missing = [c.name for c in spec if c.required and c.name not in frame.columns]
        if missing:
            names = ", ".join(f"'{m}'" for m in missing)
            seen = ", ".join(str(c) for c in frame.columns[:12]) + (", ..." if frame.shape[1] > 12 else "")
            header = str(frame.columns[0]) if frame.shape[1] == 1 else ""
            glued = [name for sep, name in _OTHER_SEPARATORS if sep in header]
            hint = f"; the header looks separated by {glued[0]}: save the file with commas" if glued else ""
            found.table(f"missing required column{'s' if len(missing) > 1 else ''} {names} "
                        f"(columns found: {seen or 'none'}){hint}")
    found.raise_if_any()


def _check_columns(frame: pd.DataFrame, spec: Sequence[Column],
                   found: _Findings) -> dict[str, pd.Series | None]:
    """Check every contract column present; map its name to the clean column or None if broken."""
    return {c.name: _CHECKS[c.kind](frame[c.name], c, found) for c in spec if c.name in frame.columns}


def _first_earlier(keys: np.ndarray, i: int) -> int:
    """The first row whose key equals row i's key."""
    return int(np.argmax(keys == keys[i]))


def _check_unique(found: _Findings, columns: tuple[str, ...], keys: np.ndarray,
                  detail: Callable[[int, int], str]) -> None:
    """Rows whose key repeats an earlier row's; `detail(row, earlier row)` says so (0-based)."""
    dup = pd.Series(keys).duplicated().to_numpy()
    found.rows(columns, dup, lambda i: detail(i, _first_earlier(keys, i)))


def _timeseries_keys(ids: pd.Series, minute: np.ndarray, is_new: np.ndarray) -> np.ndarray:
    """One int64 per (deployment_id, minute, version), equal exactly when the triples are."""
    codes = pd.factorize(ids)[0].astype(np.int64)
    low, span = int(minute.min()), int(minute.max()) - int(minute.min()) + 1
    if (int(codes.max()) + 1) * span * 2 < 2**62:
        return (codes * span + (minute - low)) * 2 + is_new
    # Astronomically wide minutes: fall back to hashing the triples.
    triples = pd.DataFrame({"d": codes, "m": minute, "v": is_new})
    return pd.util.hash_pandas_object(triples, index=False).to_numpy()


def _finish(frame: pd.DataFrame, clean: dict[str, pd.Series | None]) -> pd.DataFrame:
    """The frame with its contract columns in canonical dtypes; extra columns as they were."""
    out = frame.reset_index(drop=True)
    for name, column in clean.items():
        out[name] = column.reset_index(drop=True)
    return out


# --- validators ---------------------------------------------------------------------------------

_TIMESERIES_KEYS = (("deployment_id", "deployment {}"), ("minute", "minute {}"), ("version", "{}"))
_DEPLOYMENT_KEYS = (("deployment_id", "deployment {}"),)


def validate_timeseries(frame: pd.DataFrame, source: str = "timeseries.csv") -> pd.DataFrame:
    """Check a `timeseries` table against the contract and return it in canonical dtypes.

    An absent `new_type_errors` column is added as 0 and listed in
    `attrs[DEFAULTED_COLUMNS_ATTR]`; an absent `latency_ms` stays absent.
    """
    found = _Findings(source, frame, _TIMESERIES_KEYS)
    _check_shape(frame, TIMESERIES_SPEC, found)
    clean = _check_columns(frame, TIMESERIES_SPEC, found)
    ids, minute, version = clean["deployment_id"], clean["minute"], clean["version"]
    requests, errors, novel = clean["requests"], clean["errors"], clean.get("new_type_errors")
    if requests is not None and errors is not None:
        req, err = requests.to_numpy(), errors.to_numpy()
        found.rows("errors", err > req, lambda i: f"errors {err[i]} > requests {req[i]}")
    if errors is not None and novel is not None:
        err, nte = errors.to_numpy(), novel.to_numpy()
        found.rows("new_type_errors", nte > err, lambda i: f"new_type_errors {nte[i]} > errors {err[i]}")
    if minute is not None and version is not None:
        m, is_new = minute.to_numpy(), (version == "new").to_numpy()  # pyarrow compares fast
        found.rows("version", is_new & (m < 0), lambda i: f"a 'new' row at minute {m[i]}: before minute 0 "
                                                         "only previous rows exist")
    if ids is not None and minute is not None and version is not None:
        keys = _timeseries_keys(ids, m, is_new)
        _check_unique(found, ("deployment_id", "minute", "version"), keys,
                      lambda i, j: f"repeats row {j + 1} (same deployment_id, minute and version)")
    found.raise_if_any()
    out = _finish(frame, clean)
    if "new_type_errors" not in frame.columns:
        out.insert(out.columns.get_loc("errors") + 1, "new_type_errors", np.zeros(len(out), np.int64))
        out.attrs[DEFAULTED_COLUMNS_ATTR] = (*out.attrs.get(DEFAULTED_COLUMNS_ATTR, ()), "new_type_errors")
    return out


def validate_deployments(frame: pd.DataFrame, source: str = "deployments.csv") -> pd.DataFrame:
    """Check a `deployments` table against the contract and return it in canonical dtypes."""
    return _validate_keyed(frame, DEPLOYMENTS_SPEC, source)


def validate_scores(frame: pd.DataFrame, source: str = "scores.csv") -> pd.DataFrame:
    """Check a `scores` table (what `python -m fdd score` writes) and return it in canonical dtypes.

    Beyond each column's rules: a flagged deployment names the minute it was flagged at (a
    positive horizon), and an unflagged one names none.
    """
    clean = _validate_keyed(frame, SCORES_SPEC, source)
    found = _Findings(source, clean, _DEPLOYMENT_KEYS)
    flagged = clean["faulty"].to_numpy() == 1
    minute = pd.to_numeric(clean["detected_minute"], errors="coerce").to_numpy(dtype=np.float64)
    found.rows(("faulty", "detected_minute"), flagged & np.isnan(minute),
               lambda i: "faulty is 1 but detected_minute is empty")
    found.rows(("faulty", "detected_minute"), ~flagged & ~np.isnan(minute),
               lambda i: f"faulty is 0 but detected_minute is {minute[i]:.0f}")
    found.rows("detected_minute", minute <= 0, lambda i: f"detected_minute {minute[i]:.0f} is not a positive horizon")
    found.raise_if_any()
    return clean


def _validate_keyed(frame: pd.DataFrame, spec: Sequence[Column], source: str) -> pd.DataFrame:
    """Validate a one-row-per-deployment table: its columns, then unique deployment ids."""
    found = _Findings(source, frame, _DEPLOYMENT_KEYS)
    _check_shape(frame, spec, found)
    clean = _check_columns(frame, spec, found)
    ids = clean["deployment_id"]
    if ids is not None:
        keys = ids.to_numpy()
        _check_unique(found, ("deployment_id",), keys,
                      lambda i, j: f"deployment_id {_show(keys[i])} repeats row {j + 1}")
    found.raise_if_any()
    return _finish(frame, clean)


def check_same_deployments(timeseries: pd.DataFrame, deployments: pd.DataFrame,
                           timeseries_source: str = "timeseries.csv",
                           deployments_source: str = "deployments.csv") -> None:
    """Every deployment the timeseries names is in the deployments table.

    The other way round is allowed: a deployment without any timeseries row served no requests
    (the contract: a missing row means no requests), as a per-version query export that returns
    nothing for a silent version writes it. Its checks abstain for lack of a baseline.
    """
    ts_ids, dep_ids = timeseries["deployment_id"], deployments["deployment_id"]
    in_ts = _Findings(timeseries_source, timeseries, _TIMESERIES_KEYS)
    unknown = (~ts_ids.isin(dep_ids.unique())).to_numpy()
    in_ts.rows("deployment_id", unknown, lambda i: f"deployment {_show(ts_ids.iloc[i])} is not in "
                                                    f"{Path(deployments_source).name}")
    in_ts.raise_if_any()


def build_fleet(timeseries: pd.DataFrame, deployments: pd.DataFrame,
                source: str = "timeseries.csv", max_cells: int = MAX_DENSE_CELLS, too_large_hint: str = "") -> Fleet:
    """A `Fleet` from validated tables, refusing minute ranges too wide to hold densely.

    The fleet holds every minute from the first to the last row for every deployment, so one
    stray row far from the rollout costs as much as all the others: the error names it.
    """
    minute = timeseries["minute"].to_numpy()
    span = int(minute.max()) - int(minute.min()) + 1 if len(minute) else 0
    if 2 * len(deployments) * span > max_cells:
        found = _Findings(source, timeseries, _TIMESERIES_KEYS)
        far = np.abs(minute) == np.abs(minute).max()
        found.rows("minute", far, lambda i: f"minutes {minute.min()}..{minute.max()} for {len(deployments):,} "
                                            f"deployments need {2 * len(deployments) * span:,} cells, more than "
                                            f"{max_cells:,}{too_large_hint}")
        found.raise_if_any()
    return fleet_from_tables(timeseries, deployments)


# --- reading ------------------------------------------------------------------------------------


def _format_of(name: str) -> Format:
    """'csv' or 'parquet' from a file name's suffix."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ContractError(f"{name}: unsupported file type {('.' + suffix) if suffix else '(no suffix)'}; "
                            "use .csv or .parquet")
    return suffix  # type: ignore[return-value]


def _check_utf8(data: bytes, source: str) -> None:
    """Raise naming the row and column of the first byte that is not UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line_no = data.count(b"\n", 0, exc.start) + 1
        where = "the header" if line_no == 1 else f"row {line_no - 1}"
        column = _column_at(data, line_start, exc.start)
        at = f"column '{column}', {where}" if column else where
        raise ContractError(f"{source}: {at}: byte 0x{data[exc.start]:02x} at offset {exc.start} is not "
                            "UTF-8; save the file as UTF-8") from None


def _column_at(data: bytes, line_start: int, offset: int) -> str | None:
    """The header name of the CSV field holding byte `offset` (None if it cannot tell)."""
    header = _header(data)
    before = data[line_start:offset].decode("utf-8", errors="replace")
    try:
        fields = next(csv.reader([before]), [""])
    except csv.Error:
        return None
    index = len(fields) - 1 if fields else 0
    return header[index] if index < len(header) else None


def _header(data: bytes) -> list[str]:
    """The column names on a CSV's first line."""
    first = data.split(b"\n", 1)[0].decode("utf-8", errors="replace").rstrip("\r").lstrip("\ufeff")
    try:
        return next(csv.reader([first]), [])
    except csv.Error:
        return []


PARQUET_MAGIC = b"PAR1"  # the first (and last) four bytes of every Parquet file


def _parse_csv(data: bytes, source: str) -> pd.DataFrame:
    """A CSV's bytes as a frame: contract text columns verbatim, the rest as pandas infers."""
    if data.startswith(PARQUET_MAGIC):
        raise ContractError(f"{source}: this is a Parquet file, not a CSV; name it "
                            f"{Path(source).stem}.parquet")
    _check_utf8(data, source)
    data = data.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark, as Excel writes
    if not data.strip():
        raise ContractError(f"{source}: the file is empty (no header, no rows)")
    header = _header(data)
    if len(set(header)) < len(header):
        twice = next(h for h in header if header.count(h) > 1)
        raise ContractError(f"{source}: column '{twice}': the column appears more than once")
    na = {h: ([""] if h in _TEXT_COLUMNS else list(_NA_SPELLINGS)) for h in header}
    dtype = {h: "str" for h in header if h in _TEXT_COLUMNS}
    try:
        return pd.read_csv(io.BytesIO(data), dtype=dtype, keep_default_na=False, na_values=na,
                           low_memory=False, encoding="utf-8")
    except pd.errors.EmptyDataError:
        raise ContractError(f"{source}: the file is empty (no header, no rows)") from None
    except (pd.errors.ParserError, ValueError, OverflowError) as exc:
        raise ContractError(f"{source}: not a readable CSV table: {' '.join(str(exc).split())}") from None


def _parse_parquet(data: bytes, source: str) -> pd.DataFrame:
    """A Parquet file's bytes as a frame."""
    import pyarrow as pa

    if not data:
        raise ContractError(f"{source}: the file is empty (no header, no rows)")
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except (pa.ArrowException, ValueError, OSError) as exc:
        if not data.startswith(PARQUET_MAGIC) and _is_text(data):
            raise ContractError(f"{source}: this is a text file, not Parquet; if it is a CSV, name it "
                                f"{Path(source).stem}.csv") from None
        raise ContractError(f"{source}: not a readable Parquet file: {' '.join(str(exc).split())}") from None
    # a column written as pandas' index (`df.set_index("deployment_id").to_parquet(...)`) is a
    # column of the file all the same: pandas' metadata would hide it in the index (an index that
    # merely repeats a column, or a row counter, is not data)
    hidden = [name for name in frame.index.names if name is not None and name not in frame.columns]
    if hidden and not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index(level=hidden)
    return frame.reset_index(drop=True)


def _is_text(data: bytes) -> bool:
    """Whether the bytes read as UTF-8 text (a CSV saved under a .parquet name)."""
    try:
        data[:65536].decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= 65536 - 4  # a character cut at the sample's end is still text
    return b"\x00" not in data[:65536]


def _parse(data: bytes, source: str, fmt: Format) -> pd.DataFrame:
    """A table from a file's bytes; `source` names the file in errors."""
    return _parse_csv(data, source) if fmt == "csv" else _parse_parquet(data, source)


def read_table(path: Path | str) -> pd.DataFrame:
    """Read one table (CSV or Parquet, by suffix) as it is; unreadable input is a ContractError.

    The frame is not validated: pass it to `validate_timeseries` / `validate_deployments`.
    """
    path = Path(path)
    fmt = _format_of(str(path))
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ContractError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ContractError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise ContractError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return _parse(data, str(path), fmt)


def _buffer_bytes(buffer: bytes | IO[bytes]) -> bytes:
    """All bytes of an uploaded file (bytes, or a binary file-like such as Streamlit's UploadedFile)."""
    if isinstance(buffer, (bytes, bytearray, memoryview)):
        return bytes(buffer)
    getvalue = getattr(buffer, "getvalue", None)
    if callable(getvalue):
        return bytes(getvalue())
    if buffer.seekable():
        buffer.seek(0)
    return buffer.read()


def read_table_buffer(buffer: bytes | IO[bytes], name: str | None = None) -> pd.DataFrame:
    """Read one uploaded table (not validated yet).

    `name` (default `buffer.name`) gives the format by its suffix and names the file in errors.
    """
    name = name or getattr(buffer, "name", None)
    if not name:
        raise ContractError("uploaded file: it has no name, so its format (.csv or .parquet) is unknown")
    return _parse(_buffer_bytes(buffer), str(name), _format_of(str(name)))


def read_tables_from_buffers(timeseries: bytes | IO[bytes], deployments: bytes | IO[bytes], *,
                             timeseries_name: str | None = None, deployments_name: str | None = None,
                             max_rows: int | None = None, too_large_hint: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read and validate an uploaded timeseries and deployments table (the app's upload page).

    Same rules as `read_data_dir`; `build_fleet(*tables)` turns the result into a Fleet. With
    `max_rows`, a larger table of either kind is refused before validation (which costs memory).
    """
    ts_name = str(timeseries_name or getattr(timeseries, "name", None) or "timeseries.csv")
    dep_name = str(deployments_name or getattr(deployments, "name", None) or "deployments.csv")
    tables = []
    for buffer, name in ((timeseries, ts_name), (deployments, dep_name)):
        data = _buffer_bytes(buffer)
        rows = _row_count(data, name) if max_rows is not None else None
        if rows is not None and rows > max_rows:
            raise ContractError(f"{name}: {rows:,} rows, more than the {max_rows:,}{too_large_hint}")
        tables.append(read_table_buffer(data, name))
    return _validate_pair(tables[0], ts_name, tables[1], dep_name)


def _row_count(data: bytes, name: str) -> int | None:
    """Rows of a table, cheaply and before parsing it: a Parquet footer's count (Parquet compresses
    so well that megabytes may hold tens of millions of rows), or a CSV's line breaks minus the
    header (an upper bound). None when the Parquet footer is unreadable (parsing will say why)."""
    if _format_of(name) == "csv":
        return max(data.count(b"\n") - (0 if data.endswith(b"\n") else -1) - 1, 0)
    import pyarrow.parquet as pq

    try:
        return int(pq.ParquetFile(io.BytesIO(data)).metadata.num_rows)
    except Exception:  # noqa: BLE001 - a broken footer is reported by the parser with its reason
        return None


def _looks_like(frame: pd.DataFrame, spec: Sequence[Column], other: Sequence[Column]) -> bool:
    """Whether a table has every required column of `spec` and lacks one of `other`'s."""
    columns = set(map(str, frame.columns))
    return (all(c.name in columns for c in spec if c.required)
            and not all(c.name in columns for c in other if c.required))


def _check_not_swapped(ts: pd.DataFrame, ts_source: str, dep: pd.DataFrame, dep_source: str) -> None:
    """One clear message when a table was given in the other table's place (an upload slot mix-up)."""
    ts_is_dep = _looks_like(ts, DEPLOYMENTS_SPEC, TIMESERIES_SPEC)
    dep_is_ts = _looks_like(dep, TIMESERIES_SPEC, DEPLOYMENTS_SPEC)
    if ts_is_dep and dep_is_ts:
        raise ContractError(f"{ts_source} holds the deployments table and {dep_source} the timeseries table: "
                            "the two files are swapped")
    if ts_is_dep:
        raise ContractError(f"{ts_source}: this is a deployments table (one row per deployment), given as the "
                            "timeseries table")
    if dep_is_ts:
        raise ContractError(f"{dep_source}: this is a timeseries table (one row per minute and version), given "
                            "as the deployments table")


def _validate_pair(ts: pd.DataFrame, ts_source: str, dep: pd.DataFrame,
                   dep_source: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate both tables, each alone and then against each other."""
    _check_not_swapped(ts, ts_source, dep, dep_source)
    problems: list[Problem] = []
    checked = []
    pairs = ((validate_timeseries, ts, ts_source), (validate_deployments, dep, dep_source))
    for validate, frame, source in pairs:
        try:
            checked.append(validate(frame, source))
        except ContractError as exc:
            problems.extend(exc.problems or [Problem(source, str(exc))])
    if problems:
        raise ContractError.of(problems)
    check_same_deployments(checked[0], checked[1], ts_source, dep_source)
    return checked[0], checked[1]


def find_tables(path: Path | str) -> dict[str, Path]:
    """The file of each table in a data folder: NAME.csv or NAME.parquet, exactly one of them."""
    folder = Path(path)
    if not folder.is_dir():
        raise ContractError(f"{folder}: {'not a folder' if folder.exists() else 'no such folder'}")
    found = {name: [folder / f"{name}.{fmt}" for fmt in FORMATS if (folder / f"{name}.{fmt}").exists()]
             for name in TABLES}
    for name, files in found.items():
        if len(files) > 1:
            raise ContractError(f"{folder}: holds both {name}.csv and {name}.parquet; keep only one")
    missing = [f"{name}.csv (or {name}.parquet)" for name, files in found.items() if not files]
    if missing:
        raise ContractError(f"{folder}: missing {' and '.join(missing)}")
    return {name: files[0] for name, files in found.items()}


def read_data_dir(path: Path | str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read and validate a data folder: (timeseries, deployments) in canonical dtypes."""
    files = find_tables(path)
    ts_path, dep_path = files["timeseries"], files["deployments"]
    return _validate_pair(read_table(ts_path), str(ts_path), read_table(dep_path), str(dep_path))


def load_fleet(path: Path | str) -> Fleet:
    """Read, validate and densify a data folder."""
    timeseries, deployments = read_data_dir(path)
    return build_fleet(timeseries, deployments, str(find_tables(path)["timeseries"]))


# --- writing ------------------------------------------------------------------------------------


def write_table(frame: pd.DataFrame, path: Path | str) -> Path:
    """Write one table atomically (temp file in the same folder, then rename); format by suffix.

    Columns a validator only filled with defaults (`attrs[DEFAULTED_COLUMNS_ATTR]`) are left out.
    """
    path = Path(path)
    tmp = _stage(frame, path, _format_of(str(path)))
    try:
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _write(frame: pd.DataFrame, path: Path, fmt: Format) -> None:
    """Write without index and without defaulted columns."""
    frame = frame.drop(columns=[c for c in frame.attrs.get(DEFAULTED_COLUMNS_ATTR, ()) if c in frame.columns])
    if fmt == "csv":
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    else:
        frame.to_parquet(path, index=False)


def write_data_dir(fleet: Fleet, path: Path | str, fmt: Format = "csv") -> tuple[Path, Path]:
    """Write a fleet as a data folder (timeseries + deployments, every deployments column).

    Both tables are validated first and written atomically; on any error nothing is left behind
    (a folder this call created is removed again). Refuses a folder that holds the other format
    of a table, which would leave both forms.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unsupported format {fmt!r}; use csv or parquet")
    folder = Path(path)
    targets = (folder / f"timeseries.{fmt}", folder / f"deployments.{fmt}")
    tables = _validate_pair(_timeseries_for_writing(fleet), f"{targets[0]} (not written)",
                            fleet.deployments, f"{targets[1]} (not written)")
    check_output_dir(folder, fmt)
    created = _make_folder(folder)  # the top-most folder this call created, if any
    staged: list[Path] = []
    placed: list[Path] = []
    try:
        for frame, target in zip(tables, targets):
            staged.append(_stage(frame, target, fmt))
        for tmp, target in zip(staged, targets):
            os.replace(tmp, target)
            placed.append(target)
    except BaseException:
        for tmp in staged:
            tmp.unlink(missing_ok=True)
        if created is not None:  # nothing of the user's was here: leave no trace
            for target in placed:
                target.unlink(missing_ok=True)
            _remove_empty_folders(folder, created)
        raise
    return targets


def _timeseries_for_writing(fleet: Fleet) -> pd.DataFrame:
    """The fleet's long table, with one explicit zero-request row for each deployment that has none.

    The contract lets a deployment without traffic have no rows at all (and the reader accepts
    that), but a `previous` row with 0 requests at the first minute says "no traffic" in the same
    words and keeps every deployment visible in both tables, for tools that join them (a Fleet
    read back has `present` set on that one cell).
    """
    frame = fleet_to_timeseries(fleet)
    silent = ~fleet.present.any(axis=(0, 2))
    if not silent.any() or len(fleet.minutes) == 0:
        return frame
    pad = {c: np.zeros(int(silent.sum()), np.int64) for c in frame.columns}
    pad.update(deployment_id=fleet.ids[silent].astype(str),
               minute=np.full(int(silent.sum()), fleet.minutes[0]), version="previous")
    if "latency_ms" in frame.columns:
        pad["latency_ms"] = np.nan
    frame = pd.concat([frame, pd.DataFrame(pad).astype(frame.dtypes.to_dict())], ignore_index=True)
    position = pd.Index(fleet.ids.astype(str)).get_indexer(frame["deployment_id"])
    order = np.lexsort(((frame["version"] == "new").to_numpy(), frame["minute"].to_numpy(), position))
    return frame.iloc[order].reset_index(drop=True)


def check_output_dir(path: Path | str, fmt: Format = "csv") -> None:
    """Raise ValueError unless `path` can take a data folder in `fmt`: it is a folder (or does not
    exist yet) and holds no table in the other format, which would leave both forms."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{folder}: exists and is not a folder")
    other = "parquet" if fmt == "csv" else "csv"
    clash = [folder / f"{n}.{other}" for n in TABLES if (folder / f"{n}.{other}").exists()]
    if clash:
        raise ValueError(f"{clash[0]} already exists; writing {fmt} beside it would leave both forms "
                         f"(remove it or write {other})")


def _make_folder(folder: Path) -> Path | None:
    """Create the folder and missing parents; the top-most folder created, None if it existed."""
    top = None
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        top = candidate
    folder.mkdir(parents=True, exist_ok=True)
    return top


def _remove_empty_folders(folder: Path, top: Path) -> None:
    """Remove `folder` and its parents up to `top` while they are empty."""
    for candidate in (folder, *folder.parents):
        if any(candidate.iterdir()):
            return
        candidate.rmdir()
        if candidate == top:
            return


def _stage(frame: pd.DataFrame, target: Path, fmt: Format) -> Path:
    """Write `frame` to a hidden temp file beside `target`; the caller renames it into place.

    The name is unique but the file is created by the writer, so it gets the usual permissions
    (mkstemp's would be 0600).
    """
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        _write(frame, tmp, fmt)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def describe_columns(spec: Iterable[Column]) -> pd.DataFrame:
    """A spec as a table (name, type, required, meaning), e.g. for the app's upload page."""
    return pd.DataFrame(
        [(c.name, c.dtype, c.required, c.nullable, c.meaning) for c in spec],
        columns=["column", "dtype", "required", "empty allowed", "meaning"],
    )
