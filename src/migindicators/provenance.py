"""Provenance lines: which library version, indicator, options and inputs made a result."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from migindicators._version import __version__

__all__ = ["fingerprint", "provenance"]


def fingerprint(frame: pd.DataFrame) -> str:
    """A short, order-sensitive SHA-256 fingerprint of a frame's columns and values.

    Two frames with the same column names, dtypes' values and rows in the same order have the
    same fingerprint, so a published figure can be traced to the exact input it came from.
    """
    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, frame.columns)).encode())
    if len(frame):
        hashed = pd.util.hash_pandas_object(frame, index=False)
        digest.update(hashed.to_numpy().tobytes())
    return f"sha256:{digest.hexdigest()[:16]}"


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
