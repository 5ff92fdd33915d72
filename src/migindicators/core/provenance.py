"""Provenance lines: which library version, indicator, options and inputs made a result."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from migindicators._version import __version__

__all__ = ["fingerprint", "provenance", "sampled_rows"]


#: Frames up to this many rows are hashed in full; larger ones by a sample of row runs.
FULL_HASH_ROWS = 200_000
#: The sample of a larger frame: this many runs of :data:`_RUN_ROWS` consecutive rows, evenly
#: spaced from the first row to the last (16 384 rows in all).
_SAMPLE_RUNS = 64
_RUN_ROWS = 256


def sampled_rows(nrows: int) -> np.ndarray:
    """Positions of the rows hashed in the sampled fingerprint of a frame of *nrows* rows.

    :data:`_SAMPLE_RUNS` runs of :data:`_RUN_ROWS` consecutive rows, the first run starting
    at row 0 and the last ending at the last row, the others evenly spaced between.
    """
    if nrows <= _SAMPLE_RUNS * _RUN_ROWS:
        return np.arange(nrows)
    starts = np.linspace(0, nrows - _RUN_ROWS, _SAMPLE_RUNS).astype(np.int64)
    return (starts[:, None] + np.arange(_RUN_ROWS)[None, :]).ravel()


def fingerprint(frame: pd.DataFrame) -> str:
    """A short SHA-256 fingerprint of a frame's columns, dtypes and values.

    Frames of up to :data:`FULL_HASH_ROWS` rows are hashed in full (``sha256:``): the same
    columns and values in the same order give the same fingerprint, and any change of a
    value, of the row order, of a column name or dtype, or of the number of rows changes it.

    Hashing every value of a frame of millions of rows would cost a large share of the
    indicator itself (a census tabulation runs at tens of millions of rows a second; a
    replicate-weight estimate reads each weight once), so larger frames get a sampled
    fingerprint (``sha256~:``): the shape, the column names and dtypes, and the values of
    every column in 64 runs of 256 consecutive rows spread evenly over the frame, the first
    and the last rows included (:func:`sampled_rows`). It changes with the number of rows,
    the columns, their dtypes, a change of a whole column (new weights, a recode) and a
    reordering or filtering of the rows, which is enough to tell one extract from another;
    an edit of a few values between the sampled runs goes unseen. Reading runs of
    consecutive rows costs a few milliseconds whatever the size of the frame (a strided
    sample of single rows touches nearly every memory page of the frame).
    """
    digest = hashlib.sha256()
    digest.update("\x1f".join(f"{c}:{t}" for c, t in frame.dtypes.items()).encode())
    digest.update(f"{frame.shape}".encode())
    if len(frame) <= FULL_HASH_ROWS:
        if len(frame):
            digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        return f"sha256:{digest.hexdigest()[:16]}"
    sample = frame.take(sampled_rows(len(frame)))
    digest.update(pd.util.hash_pandas_object(sample, index=False).to_numpy().tobytes())
    return f"sha256~:{digest.hexdigest()[:16]}"


def _describe_input(value: Any) -> str:
    if isinstance(value, pd.DataFrame):
        return f"{fingerprint(value)} ({len(value)} rows)"
    return type(value).__name__


def provenance(
    indicator_id: str, *, options: Mapping[str, Any], inputs: Mapping[str, Any]
) -> dict[str, Any]:
    """The provenance block stored in every :attr:`Result.metadata`."""
    return {
        "library": "migindicators",
        "version": __version__,
        "indicator": indicator_id,
        "options": {k: _jsonable(v) for k, v in options.items()},
        "inputs": {name: _describe_input(v) for name, v in inputs.items()},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return repr(value)
