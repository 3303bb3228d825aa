"""`Fleet`: the dense, per-version form of a data folder that every detector works on.

The long `timeseries` table of DATA_CONTRACT.md (one row per deployment, minute and version)
becomes arrays of shape (2, n_deployments, n_minutes): index 0 is the `previous` version,
index 1 the `new` one. A cell whose row is absent has `present == False`, zero counts and NaN
latency (the contract says an absent row means that version served no requests). Keeping
`present` makes the round trip long table -> Fleet -> long table exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PREVIOUS, NEW = 0, 1
VERSION_NAMES = ("previous", "new")
TIMESERIES_COLUMNS = (
    "deployment_id",
    "minute",
    "version",
    "requests",
    "errors",
    "new_type_errors",
    "latency_ms",
)
# `DataFrame.attrs` key: optional columns a validator filled with their default because the
# source table lacked them (fdd.schema fills `new_type_errors` with 0). Such a column does not
# count as present, so the round trip table -> Fleet -> table stays exact.
DEFAULTED_COLUMNS_ATTR = "fdd_defaulted_columns"


@dataclass(frozen=True, eq=False)
class Fleet:
    """Telemetry of many deployments as dense arrays, plus the deployments table.

    Row i of every array belongs to `deployments.iloc[i]`; column t to minute `minutes[t]`
    (consecutive integers, minute 0 is the first minute of the rollout).
    """

    deployments: pd.DataFrame
    minutes: np.ndarray  # (T,) int64, consecutive
    requests: np.ndarray  # (2, n, T) int32
    errors: np.ndarray  # (2, n, T) int32
    new_type_errors: np.ndarray  # (2, n, T) int32
    latency_ms: np.ndarray  # (2, n, T) float64, NaN where absent or unknown
    present: np.ndarray  # (2, n, T) bool: a row exists in the long table
    has_new_type_errors: bool = True  # the source table had the optional column
    has_latency: bool = True  # the source table had the optional column

    def __post_init__(self) -> None:
        shape = (2, len(self.deployments), len(self.minutes))
        for name in ("requests", "errors", "new_type_errors", "latency_ms", "present"):
            got = getattr(self, name).shape
            if got != shape:
                raise ValueError(f"Fleet.{name} has shape {got}, expected {shape}")

    @property
    def n(self) -> int:
        """Number of deployments."""
        return len(self.deployments)

    @property
    def ids(self) -> np.ndarray:
        """Deployment ids in array order."""
        return self.deployments["deployment_id"].to_numpy()

    def column(self, minute: int) -> int:
        """Array column of `minute`, clipped into the fleet's range."""
        return int(np.clip(minute - int(self.minutes[0]), 0, len(self.minutes)))

    def before(self, horizon: int) -> Fleet:
        """The fleet as a detector at `horizon` sees it: only minutes < horizon (a view)."""
        stop = self.column(horizon)
        return Fleet(
            deployments=self.deployments,
            minutes=self.minutes[:stop],
            requests=self.requests[:, :, :stop],
            errors=self.errors[:, :, :stop],
            new_type_errors=self.new_type_errors[:, :, :stop],
            latency_ms=self.latency_ms[:, :, :stop],
            present=self.present[:, :, :stop],
            has_new_type_errors=self.has_new_type_errors,
            has_latency=self.has_latency,
        )

    def subset(self, rows: np.ndarray) -> Fleet:
        """The fleet restricted to the deployments at positions (or boolean mask) `rows`."""
        rows = np.asarray(rows)
        return Fleet(
            deployments=self.deployments.iloc[rows].reset_index(drop=True),
            minutes=self.minutes,
            requests=self.requests[:, rows],
            errors=self.errors[:, rows],
            new_type_errors=self.new_type_errors[:, rows],
            latency_ms=self.latency_ms[:, rows],
            present=self.present[:, rows],
            has_new_type_errors=self.has_new_type_errors,
            has_latency=self.has_latency,
        )

    def nbytes(self) -> int:
        """Memory held by the telemetry arrays."""
        arrays = (self.requests, self.errors, self.new_type_errors, self.latency_ms, self.present)
        return int(sum(a.nbytes for a in arrays))


def fleet_from_tables(timeseries: pd.DataFrame, deployments: pd.DataFrame) -> Fleet:
    """Scatter a validated long `timeseries` table into dense arrays.

    `deployments` fixes the row order; the minute range runs from the earliest to the latest
    minute present. Validation (DATA_CONTRACT.md) is `fdd.schema`'s job and happens before.
    """
    deployments = deployments.reset_index(drop=True)
    ids = pd.Index(deployments["deployment_id"].astype(str))
    row = ids.get_indexer(timeseries["deployment_id"].astype(str))
    if (row < 0).any():
        raise ValueError("timeseries names a deployment_id absent from deployments")
    minute = timeseries["minute"].to_numpy(dtype=np.int64)
    first, last = (int(minute.min()), int(minute.max())) if len(minute) else (0, -1)
    minutes = np.arange(first, last + 1, dtype=np.int64)
    version = (timeseries["version"].astype(str).to_numpy() == "new").astype(np.int64)
    col = minute - first
    shape = (2, len(deployments), len(minutes))

    def scatter(values: np.ndarray, dtype: type, fill: float) -> np.ndarray:
        out = np.full(shape, fill, dtype=dtype)
        out[version, row, col] = values
        return out

    defaulted = timeseries.attrs.get(DEFAULTED_COLUMNS_ATTR, ())
    has_nte = "new_type_errors" in timeseries.columns and "new_type_errors" not in defaulted
    has_lat = "latency_ms" in timeseries.columns and "latency_ms" not in defaulted
    nte = timeseries["new_type_errors"].to_numpy() if has_nte else np.zeros(len(timeseries))
    lat = timeseries["latency_ms"].to_numpy(dtype=np.float64) if has_lat else np.full(len(timeseries), np.nan)
    present = np.zeros(shape, dtype=bool)
    present[version, row, col] = True
    return Fleet(
        deployments=deployments,
        minutes=minutes,
        requests=scatter(timeseries["requests"].to_numpy(), np.int32, 0),
        errors=scatter(timeseries["errors"].to_numpy(), np.int32, 0),
        new_type_errors=scatter(nte, np.int32, 0),
        latency_ms=scatter(lat, np.float64, np.nan),
        present=present,
        has_new_type_errors=has_nte,
        has_latency=has_lat,
    )


def fleet_to_timeseries(fleet: Fleet) -> pd.DataFrame:
    """The long `timeseries` table of DATA_CONTRACT.md, sorted by deployment, minute, version.

    Optional columns are written only if the fleet has them.
    """
    # Axis order (deployment, minute, version) gives the sort order directly.
    present = fleet.present.transpose(1, 2, 0)
    row, col, version = np.nonzero(present)

    def gather(values: np.ndarray) -> np.ndarray:
        return values.transpose(1, 2, 0)[row, col, version]

    columns: dict[str, object] = {
        "deployment_id": fleet.ids[row].astype(str),
        "minute": fleet.minutes[col].astype(np.int64),
        "version": np.asarray(VERSION_NAMES, dtype=object)[version],
        "requests": gather(fleet.requests).astype(np.int64),
        "errors": gather(fleet.errors).astype(np.int64),
    }
    if fleet.has_new_type_errors:
        columns["new_type_errors"] = gather(fleet.new_type_errors).astype(np.int64)
    if fleet.has_latency:
        columns["latency_ms"] = gather(fleet.latency_ms)
    frame = pd.DataFrame(columns)
    frame["deployment_id"] = frame["deployment_id"].astype("str")
    frame["version"] = frame["version"].astype("str")
    return frame
