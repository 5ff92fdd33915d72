"""``protect(result, ...)``: disclosure control of a published table, recorded in metadata."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.errors import OptionError
from migindicators.core.flags import add_flag
from migindicators.core.result import Result
from migindicators.disclosure.cellkey import cell_keys, perturb, perturbation_table
from migindicators.disclosure.primary import expand_margins, primary_mask
from migindicators.disclosure.secondary import complementary_suppression
from migindicators.disclosure.table import Hierarchies, table_structure

__all__ = ["DEFAULT_PRIMARY", "METHODS", "protect"]

#: Disclosure-control methods of :func:`protect`: cell suppression or cell-key perturbation.
METHODS = ("suppress", "cell_key")
#: Primary rules when none are given: at least 3 unweighted contributors.
DEFAULT_PRIMARY: dict[str, dict[str, Any]] = {"frequency": {"min": 3}}
#: Columns never withheld (they describe the cell, not its content).
_DESCRIPTIVE = ("unit", "flag", "type_of_data")


def protect(
    result: Result,
    *,
    method: str = "suppress",
    rules: Mapping[str, Mapping[str, Any]] | None = None,
    dimensions: Sequence[str] | None = None,
    hierarchies: Hierarchies | None = None,
    total_code: str = "_T",
    secondary: bool = True,
    protection: float | tuple[float, float] = 0.1,
    contributions: pd.DataFrame | None = None,
    amount: str = "amount",
    microdata: pd.DataFrame | None = None,
    record_key: str = "record_key",
    ptable: pd.DataFrame | None = None,
    max_perturbation: int = 2,
    variance: float = 1.0,
    keep_columns: Sequence[str] = (),
) -> Result:
    """Protect the cells of a published table: suppression or cell-key perturbation.

    ``method="suppress"`` (default) withholds the primary-sensitive cells (rules of
    :mod:`~migindicators.disclosure.primary`: ``frequency``, ``threshold``, ``dominance``,
    ``p_percent``) and, with ``secondary=True``, the complementary cells that keep them from
    being recovered from the table's margins and hierarchies
    (:mod:`~migindicators.disclosure.secondary`, audited by linear programming).
    ``method="cell_key"`` perturbs every count by the cell-key method
    (:mod:`~migindicators.disclosure.cellkey`) from the records' keys in *microdata*; a
    margin or parent cell (``_T``, or a code of *hierarchies*) gets the key of all the
    records it covers.

    Parameters
    ----------
    result : Result
        The table: one row per cell, its dimension columns before ``value``.
    method : {"suppress", "cell_key"}
    rules : mapping, optional
        Primary rule → parameters, e.g. ``{"frequency": {"min": 5}, "dominance": {"n": 2,
        "k": 0.9}}``; default ``{"frequency": {"min": 3}}`` (on the column ``n``).
    dimensions : sequence of str, optional
        Columns identifying a cell (default: the result's grouping columns).
    hierarchies : mapping, optional
        Per dimension, parent code → child codes (areas in regions …). Dimensions with the
        total code *total_code* get ``{_T: all other codes}`` automatically.
    secondary : bool
        Add complementary suppression (needs SciPy).
    protection : float or tuple of float
        Protection interval as shares of the value below and above it: the feasible range
        of a suppressed cell must reach ``v (1 - lower)`` and ``v (1 + upper)``.
    contributions, amount
        For the dominance rules: one row per contributor with the dimension columns and the
        amount (non-negative) it contributes.
    microdata, record_key
        For ``cell_key``: one row per record with the dimension columns and an integer key
        in [0, 2**32) (:func:`~migindicators.disclosure.cellkey.record_keys`).
    ptable, max_perturbation, variance
        The perturbation table, or the parameters of the default one.
    keep_columns : sequence of str
        Numeric columns published even for withheld or perturbed cells (by default every
        numeric column but the dimensions is withheld, ``n`` and standard errors included,
        since they can reveal the value).

    Returns
    -------
    Result
        A copy with withheld cells NaN and flagged (``confidential_frequency``,
        ``confidential_dominance``, ``secondary_suppressed``) or perturbed cells flagged
        ``perturbed``; ``metadata["disclosure"]`` records the method, rules, parameters,
        cells affected and (suppression) the audit of each primary cell.
    """
    if method not in METHODS:
        raise OptionError(f"method={method!r}: choose one of {METHODS}")
    data = result.data.reset_index(drop=True).copy()
    dims = list(dimensions) if dimensions is not None else result.group_columns
    if not dims:
        raise OptionError("protect: the table has no dimension columns; give dimensions=")
    lower, upper = _protection(protection)
    structure = table_structure(
        data, dims, hierarchies=hierarchies, total_code=total_code, check=method == "suppress"
    )
    withheld_cols = [
        c
        for c in data.columns
        if c not in dims
        and c not in _DESCRIPTIVE
        and c not in keep_columns
        and pd.api.types.is_numeric_dtype(data[c])
    ]
    record: dict[str, Any] = {"method": method, "dimensions": dims, "total_code": total_code}
    record["hierarchies"] = structure.hierarchies
    if method == "cell_key":
        if microdata is None:
            raise OptionError(
                "method='cell_key' needs microdata= (one row per record with the dimension "
                f"columns and the record key {record_key!r})"
            )
        table = (
            ptable
            if ptable is not None
            else perturbation_table(max_perturbation=max_perturbation, variance=variance)
        )
        _check_ptable(table)
        if hierarchies:
            # Records copied under every parent code (margins included): every cell of the
            # table is then an exact match of expanded records, and its key the sum of its
            # own records' keys, as for any cell.
            missing = [c for c in [*dims, record_key] if c not in microdata.columns]
            if missing:
                raise OptionError(
                    f"microdata= lacks the columns {missing}; it needs the table's dimensions "
                    f"{dims} and the record key column {record_key!r}"
                )
            expanded = expand_margins(microdata[[*dims, record_key]], structure.hierarchies)
            counts, ckeys = cell_keys(expanded, dims, record_key, data, total_code="\0")
        else:
            counts, ckeys = cell_keys(microdata, dims, record_key, data, total_code=total_code)
        v = perturb(counts, ckeys, table)
        value = pd.to_numeric(data["value"], errors="coerce").to_numpy(dtype=float)
        mismatch = np.isfinite(value) & (value != counts)
        if mismatch.any():
            raise OptionError(
                f"method='cell_key' perturbs counts of records: {int(mismatch.sum())} cells "
                "have a value different from their number of records in microdata= (e.g. "
                f"{data.loc[mismatch, dims].head(3).to_dict('records')}); perturb an "
                "unweighted count table"
            )
        touched = counts > 0
        for col in withheld_cols:
            if col != "value":
                data.loc[touched, col] = np.nan
        data["value"] = np.where(touched, np.maximum(value + v, 0.0), value)
        data["flag"] = add_flag(data["flag"], touched, "perturbed")
        record["cell_key"] = {
            "record_key": record_key,
            "key_range": "2**32",
            "max_perturbation": int(table["v"].abs().max()),
            "variance": float(variance) if ptable is None else None,
            "ptable": table.to_dict("records"),
            "cells_perturbed": int(touched.sum()),
            "cells_changed": int((v[touched] != 0).sum()),
        }
        return replace(result, data=data, metadata={**result.metadata, "disclosure": record})
    chosen = {k: dict(v) for k, v in (rules or DEFAULT_PRIMARY).items()}
    masks, applied = primary_mask(
        data,
        dims,
        chosen,
        contributions=contributions,
        amount=amount,
        hierarchies=structure.hierarchies,
    )
    primary = np.zeros(len(data), dtype=bool)
    for flag, mask in masks.items():
        data["flag"] = add_flag(data["flag"], mask, flag)
        primary |= mask
    record["primary"] = applied
    record["protection"] = {"lower": lower, "upper": upper}
    values = pd.to_numeric(data["value"], errors="coerce").to_numpy(dtype=float)
    extra = np.zeros(len(data), dtype=bool)
    if secondary and primary.any() and structure.equations:
        extra, rows = complementary_suppression(
            values, structure, primary, lower_protection=lower, upper_protection=upper
        )
        record["audit"] = [
            {
                **{d: data.loc[r.cell, d] for d in dims},
                "value_range": [r.lower, r.upper],
                "protection_interval": [r.required_lower, r.required_upper],
                "protected": r.protected,
            }
            for r in rows
        ]
    data["flag"] = add_flag(data["flag"], extra, "secondary_suppressed")
    record["secondary"] = {
        "applied": bool(secondary),
        "algorithm": "greedy cheapest related cell, audited by linear programming",
        "cells": int(extra.sum()),
    }
    record["cells_withheld"] = int((primary | extra).sum())
    withheld = primary | extra
    for col in withheld_cols:
        data.loc[withheld, col] = np.nan
    return replace(result, data=data, metadata={**result.metadata, "disclosure": record})


def _protection(protection: float | tuple[float, float]) -> tuple[float, float]:
    pair = protection if isinstance(protection, tuple) else (protection, protection)
    try:
        lower, upper = (float(x) for x in pair)
    except (TypeError, ValueError):
        raise OptionError(
            f"protection={protection!r}: a share (e.g. 0.1) or a pair (lower, upper)"
        ) from None
    if not (0.0 <= lower <= 1.0) or not (0.0 <= upper < 10.0):
        raise OptionError(
            f"protection={protection!r}: shares of the value, lower in [0, 1], upper in [0, 10)"
        )
    return lower, upper


def _check_ptable(table: pd.DataFrame) -> None:
    need = {"i", "v", "p", "lower", "upper"}
    if not need <= set(table.columns):
        raise OptionError(f"ptable needs the columns {sorted(need)}, got {list(table.columns)}")
    for i, rows in table.groupby("i"):
        if not np.isclose(rows["p"].sum(), 1.0) or rows["upper"].iloc[-1] < 1.0 - 1e-12:
            raise OptionError(f"ptable: the probabilities of count {i} do not sum to 1")
        if ((rows["v"] + rows["i"]) < 0).any():
            raise OptionError(f"ptable: count {i} could become negative")
