"""Provenance lines: which library version, indicator, options and inputs made a result."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from migindicators._version import __version__

__all__ = ["fingerprint", "provenance"]


#: Frames up to this many rows are hashed in full; larger ones by a strided sample.
FULL_HASH_ROWS = 200_000
_SAMPLE_ROWS = 100_000


def fingerprint(frame: pd.DataFrame) -> str:
    """A short SHA-256 fingerprint of a frame's columns, dtypes and values.

    Frames of up to :data:`FULL_HASH_ROWS` rows are hashed in full (``sha256:``): the same
    columns and values in the same order give the same fingerprint. Hashing every value of a
    frame of millions of rows would cost a large share of the indicator itself (a census
    tabulation runs at tens of millions of rows a second), so larger frames get a sampled
    fingerprint (``sha256~:``) over the shape, the columns and dtypes, and every k-th row
    (about 100 000 rows, the first and last included): enough to tell one extract from
    another, though an edit of a row between the sampled ones goes unseen.
    """
    digest = hashlib.sha256()
    digest.update("\x1f".join(f"{c}:{t}" for c, t in frame.dtypes.items()).encode())
    digest.update(f"{frame.shape}".encode())
    if len(frame) <= FULL_HASH_ROWS:
        if len(frame):
            digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        return f"sha256:{digest.hexdigest()[:16]}"
    step = max(1, len(frame) // _SAMPLE_ROWS)
    sample = pd.concat([frame.iloc[::step], frame.iloc[-1:]])
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
