"""Mutations of valid input frames for the fuzz test (tests/test_fuzz_inputs.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

#: What a careless user does to a table, one kind per mutation.
MUTATIONS = (
    "nan",
    "inf",
    "-inf",
    "negative",
    "zero",
    "wrong_type",
    "duplicate_rows",
    "unknown_code",
    "empty",
    "one_row",
    "drop_column",
    "formula_text",
    "as_text",
    "as_category",
)


def mutate(frame: pd.DataFrame, kind: str, column: str, rows: Sequence[int]) -> pd.DataFrame:
    """A copy of *frame* with mutation *kind* applied to *column* at row positions *rows*."""
    out = frame.copy()
    if kind == "empty":
        return out.iloc[:0]
    if kind == "one_row":
        return out.iloc[list(rows)[:1] or [0]]
    if kind == "duplicate_rows":
        return pd.concat([out, out.iloc[list(rows)]])
    if kind == "drop_column":
        return out.drop(columns=[column])
    if kind == "as_text":  # numbers typed as text, the way a CSV export may leave them
        out[column] = out[column].astype(str)
        return out
    if kind == "as_category":
        out[column] = out[column].astype("category")
        return out
    series = out[column]
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    values: Any
    if kind in ("nan", "inf", "-inf", "negative", "zero"):
        if not numeric:
            values = {"nan": np.nan}.get(kind, "-1" if kind == "negative" else "0")
            if kind in ("inf", "-inf"):
                values = kind
        else:
            series = series.astype("float64")
            base = series.iloc[list(rows)]
            values = {
                "nan": np.nan,
                "inf": np.inf,
                "-inf": -np.inf,
                "negative": -(base.abs() + 1),
                "zero": 0.0,
            }[kind]
            if isinstance(values, pd.Series):
                values = values.to_numpy()
    elif kind == "wrong_type":
        values = "abc" if numeric else 12345
    elif kind == "unknown_code":
        values = 999999 if numeric else "ZZZ_unknown"
    elif kind == "formula_text":
        values = '=HYPERLINK("http://example.invalid","x")'
    else:  # pragma: no cover - the list above is complete
        raise AssertionError(kind)
    series = series.astype(object) if not numeric or not isinstance(values, float) else series
    if isinstance(values, np.ndarray) and series.dtype != object:
        series = series.astype("float64")
    series = series.copy()
    series.iloc[list(rows)] = values
    out[column] = series
    return out
