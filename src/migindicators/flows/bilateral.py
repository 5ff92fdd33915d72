"""Inputs of the flow estimators: stock tables, vital events, net totals and seeds to arrays.

Every input is a long frame of its kind (:mod:`migindicators.schemas.bilateral`) or a
square table with labels (a wide frame whose index holds the birthplaces or origins and
whose columns the residences or destinations); a plain square numpy array gets the labels
``"1"`` … ``"n"``. Each is validated by its schema and counted in the row ledger. The
region set is every label of the stock tables (or of the net totals), sorted, so that the
results do not depend on the order of the input rows; a pair without a row is a zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from migindicators.core.errors import InputValidationError
from migindicators.core.ledger import RowLedger
from migindicators.schemas._spec import InputKind
from migindicators.schemas.bilateral import (
    BILATERAL_STOCK,
    FLOW_SEED,
    REGION_BIRTHS,
    REGION_DEATHS,
    REGION_NET,
)

__all__ = [
    "BilateralInput",
    "long_frame",
    "pair_matrix",
    "region_vector",
    "seed_matrix",
    "stock_tables",
]

#: An estimator input: a long frame of its kind, a labelled square table, or an array.
BilateralInput = pd.DataFrame | pd.Series | np.ndarray


def long_frame(
    data: BilateralInput, kind: InputKind, name: str, row: str, col: str, value: str
) -> pd.DataFrame:
    """*data* as a long frame ``row``, ``col``, ``value`` of input kind *kind* (a new frame).

    A frame that already has the three columns is returned as a copy; a wide frame is
    stacked (index = *row*, columns = *col*) and must be square with the same labels on
    both axes; a square numpy array gets the labels ``"1"`` … ``"n"``.
    """
    if isinstance(data, np.ndarray):
        if data.ndim != 2 or data.shape[0] != data.shape[1]:
            raise InputValidationError(
                f"input {name!r}: a {kind.name} array must be square, got shape {data.shape}",
                input_kind=kind.name,
            )
        labels = [str(i + 1) for i in range(data.shape[0])]
        data = pd.DataFrame(data, index=labels, columns=labels)
    if not isinstance(data, pd.DataFrame):
        raise InputValidationError(
            f"input {name!r}: expected a pandas DataFrame or a square numpy array, got "
            f"{type(data).__name__}",
            input_kind=kind.name,
        )
    if {row, col, value} <= set(data.columns):
        return data.copy()
    rows = [str(r) for r in data.index]
    cols = [str(c) for c in data.columns]
    if set(rows) != set(cols) or len(rows) != len(cols):
        raise InputValidationError(
            f"input {name!r} ({kind.name}): a wide table must be square with the same labels "
            f"on rows ({row}) and columns ({col}); {len(rows)} rows, {len(cols)} columns; "
            f"only in rows: {sorted(set(rows) - set(cols))[:10]}, only in columns: "
            f"{sorted(set(cols) - set(rows))[:10]}. Pass a long frame with columns {row}, "
            f"{col}, {value} instead.",
            input_kind=kind.name,
        )
    wide = data.copy()
    wide.index = pd.Index(rows, name=row)
    wide.columns = pd.Index(cols, name=col)
    long = wide.stack(future_stack=True).reset_index()
    long.columns = pd.Index([row, col, value])
    return long


def _validated(
    data: BilateralInput,
    kind: InputKind,
    name: str,
    row: str,
    col: str,
    value: str,
    ledger: RowLedger,
) -> pd.DataFrame:
    long = long_frame(data, kind, name, row, col, value)
    ledger.given(name, long)
    return kind.validate(long, input_name=name)


def pair_matrix(
    frame: pd.DataFrame, row: str, col: str, value: str, index: dict[str, int]
) -> np.ndarray:
    """An n × n array from a validated long frame whose labels are all in *index*."""
    n = len(index)
    out = np.zeros((n, n))
    out[
        frame[row].map(index).to_numpy(dtype="int64"),
        frame[col].map(index).to_numpy(dtype="int64"),
    ] = frame[value].to_numpy(dtype="float64")
    return out


def stock_tables(
    tables: Sequence[tuple[str, BilateralInput]], ledger: RowLedger
) -> tuple[tuple[str, ...], list[np.ndarray]]:
    """Validate stock tables and return the sorted region set and one n × n array each.

    The region set is the union of every birthplace and residence label of all the tables,
    so that a region absent from one date counts with zero stocks there.
    """
    frames = [
        (name, _validated(data, BILATERAL_STOCK, name, "birthplace", "residence", "stock", ledger))
        for name, data in tables
    ]
    labels: set[str] = set()
    for _, frame in frames:
        labels |= set(frame["birthplace"]) | set(frame["residence"])
    regions = tuple(sorted(labels))
    index = {r: i for i, r in enumerate(regions)}
    return regions, [pair_matrix(f, "birthplace", "residence", "stock", index) for _, f in frames]


_VECTOR_KINDS = {"births": REGION_BIRTHS, "deaths": REGION_DEATHS, "net": REGION_NET}


def region_vector(
    data: pd.DataFrame | pd.Series | None,
    name: str,
    column: str,
    regions: tuple[str, ...] | None,
    ledger: RowLedger,
) -> tuple[tuple[str, ...], np.ndarray] | None:
    """Validate a per-region input (births, deaths or net) and return it in region order.

    *data* is a frame ``region``, *column* or a Series indexed by region. With *regions*
    given (the stock tables' set), rows of other regions are excluded (counted in the
    ledger) and a region of the set without a row is an error, since a missing value is
    not the same as zero; without *regions*, the set is the sorted labels of *data*.
    """
    if data is None:
        return None
    kind = _VECTOR_KINDS[column]
    if isinstance(data, pd.Series):
        data = pd.DataFrame({"region": [str(i) for i in data.index], column: data.to_numpy()})
    if not isinstance(data, pd.DataFrame):
        raise InputValidationError(
            f"input {name!r}: expected a DataFrame (region, {column}) or a Series indexed by "
            f"region, got {type(data).__name__}",
            input_kind=kind.name,
        )
    ledger.given(name, data)
    frame = kind.validate(data, input_name=name)
    if regions is None:
        regions = tuple(sorted(frame["region"]))
    outside = ~frame["region"].isin(regions)
    frame = ledger.exclude(
        name,
        frame,
        outside,
        "region not in the stock tables",
        detail=", ".join(sorted(frame.loc[outside, "region"].astype(str))[:10]),
    )
    absent = sorted(set(regions) - set(frame["region"]))
    if absent:
        raise InputValidationError(
            f"input {name!r} has no row for region(s) {absent[:10]}"
            f"{' (+more)' if len(absent) > 10 else ''} of the stock tables; give 0 explicitly "
            f"where there were no {column}",
            input_kind=kind.name,
        )
    values = frame.set_index("region")[column].reindex(list(regions))
    return regions, values.to_numpy(dtype="float64")


def seed_matrix(
    data: BilateralInput | None, name: str, regions: tuple[str, ...], ledger: RowLedger
) -> np.ndarray | None:
    """Validate a seed (origin, destination, seed) and return it as an n × n array.

    Rows naming a region outside *regions* are excluded (counted in the ledger); pairs of
    the region set without a row weigh zero.
    """
    if data is None:
        return None
    frame = _validated(data, FLOW_SEED, name, "origin", "destination", "seed", ledger)
    outside = ~(frame["origin"].isin(regions) & frame["destination"].isin(regions))
    frame = ledger.exclude(name, frame, outside, "region not in the estimated system")
    index = {r: i for i, r in enumerate(regions)}
    return pair_matrix(frame, "origin", "destination", "seed", index)
