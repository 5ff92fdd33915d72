"""Primary suppression rules: which cells of a table are sensitive in themselves.

Frequency tables (counts of persons):

``frequency`` (``min=3``, ``column="n"``)
    fewer than *min* unweighted contributors (a cell with 0 contributors is an empty cell,
    not a sensitive one, unless ``zeros=True``) → ``confidential_frequency``;
``threshold`` (``min``, ``column="value"``)
    a weighted count below *min* (and above zero) → ``confidential_frequency``.

Magnitude tables (sums of amounts over contributors, e.g. fees paid or remittances sent):
they need the contributions, ``contributions=`` a frame with the table's dimension columns
and one amount per contributor (what :func:`cell_contributions` summarises);

``dominance`` (``n=1``, ``k=0.85``)
    the *n* largest contributions exceed the share *k* of the cell total ((n,k) rule)
    → ``confidential_dominance``;
``p_percent`` (``p=0.10``)
    the cell total minus its two largest contributions is less than *p* times the largest:
    the second contributor could estimate the largest within *p* per cent (p% rule)
    → ``confidential_dominance``.

References
----------
Hundepool, A. et al. (2012). *Statistical Disclosure Control*, Wiley, §4.2 (sensitivity
rules: threshold, (n,k) dominance, p%).
Eurostat (2019). *Handbook on Statistical Disclosure Control for Outputs*, §3.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.errors import OptionError

__all__ = ["PRIMARY_RULES", "cell_contributions", "expand_margins", "primary_mask"]

#: Rule → (flag, default parameters).
PRIMARY_RULES: dict[str, tuple[str, dict[str, Any]]] = {
    "frequency": ("confidential_frequency", {"min": 3, "column": "n", "zeros": False}),
    "threshold": ("confidential_frequency", {"min": None, "column": "value"}),
    "dominance": ("confidential_dominance", {"n": 1, "k": 0.85}),
    "p_percent": ("confidential_dominance", {"p": 0.10}),
}


def _param(rule: str, name: str, value: Any, *, low: float, high: float = np.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise OptionError(
            f"disclosure rule {rule!r}: {name}={value!r} must be a number in [{low:g}, {high:g}]"
        )
    if not (low <= float(value) <= high):
        raise OptionError(
            f"disclosure rule {rule!r}: {name}={value!r} is outside [{low:g}, {high:g}]"
        )
    return float(value)


def cell_contributions(
    contributions: pd.DataFrame, dimensions: Sequence[str], amount: str, top: int
) -> pd.DataFrame:
    """Per cell of *dimensions*: ``total``, ``contributors`` and ``top1`` … ``top<top>``
    (the largest contributions, 0 when the cell has fewer contributors)."""
    missing = [c for c in [*dimensions, amount] if c not in contributions.columns]
    if missing:
        raise OptionError(
            f"contributions= lacks the columns {missing}; it needs the table's dimensions "
            f"{list(dimensions)} and the amount column {amount!r}"
        )
    work = contributions[[*dimensions, amount]].copy()
    work[amount] = pd.to_numeric(work[amount], errors="raise").astype(float)
    if (work[amount] < 0).any():
        raise OptionError(
            f"contributions: {amount!r} has negative amounts; dominance rules need "
            "non-negative contributions"
        )
    for d in dimensions:
        work[d] = work[d].astype(str)
    work = work.sort_values(amount, ascending=False, kind="stable")
    grouped = work.groupby(list(dimensions), sort=False)[amount]
    out = grouped.agg(total="sum", contributors="size")
    rank = grouped.cumcount()
    for r in range(top):
        nth = work.loc[rank.to_numpy() == r].set_index(list(dimensions))[amount]
        out[f"top{r + 1}"] = nth.reindex(out.index).fillna(0.0).to_numpy()
    return out.reset_index()


def primary_mask(
    data: pd.DataFrame,
    dimensions: Sequence[str],
    rules: Mapping[str, Mapping[str, Any]],
    *,
    contributions: pd.DataFrame | None = None,
    amount: str = "amount",
    hierarchies: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
) -> tuple[dict[str, np.ndarray], list[dict[str, Any]]]:
    """Flag → mask of the primary-sensitive cells of *data*, and the record of each rule.

    Margins are checked like any cell (a total can be sensitive too). Unknown rules and bad
    parameters raise :class:`~migindicators.core.errors.OptionError`.
    """
    masks: dict[str, np.ndarray] = {}
    applied: list[dict[str, Any]] = []
    top: pd.DataFrame | None = None
    for name, params in rules.items():
        if name not in PRIMARY_RULES:
            raise OptionError(
                f"unknown disclosure rule {name!r}; primary rules are {sorted(PRIMARY_RULES)}"
            )
        flag, defaults = PRIMARY_RULES[name]
        if not isinstance(params, Mapping):
            raise OptionError(
                f"disclosure rule {name!r}: parameters must be a mapping, got {params!r}"
            )
        unknown = sorted(set(params) - set(defaults))
        if unknown:
            raise OptionError(
                f"disclosure rule {name!r} has no parameter {unknown}; its parameters are "
                f"{defaults}"
            )
        p = {**defaults, **params}
        if name in ("frequency", "threshold"):
            if p["min"] is None:
                raise OptionError(f"disclosure rule {name!r} needs min= (e.g. {{'min': 10}})")
            minimum = _param(name, "min", p["min"], low=0)
            if p["column"] not in data.columns:
                raise OptionError(
                    f"disclosure rule {name!r}: the table has no column {p['column']!r} "
                    f"(columns: {list(data.columns)}); give column="
                )
            v = pd.to_numeric(data[p["column"]], errors="coerce").to_numpy(dtype=float)
            mask = v < minimum
            if not p.get("zeros", False):
                mask &= v > 0
        else:
            if name == "dominance":
                n = int(_param(name, "n", p["n"], low=1, high=3))
                k = _param(name, "k", p["k"], low=0, high=1)
            else:
                pp = _param(name, "p", p["p"], low=0, high=1)
            if contributions is None:
                raise OptionError(
                    f"disclosure rule {name!r} is for magnitude tables: give contributions= "
                    f"(one row per contributor with the dimension columns and {amount!r})"
                )
            if top is None:
                expanded = expand_margins(contributions, hierarchies or {})
                top = _aligned(
                    data, dimensions, cell_contributions(expanded, dimensions, amount, 3)
                )
            if name == "dominance":
                largest = sum(top[f"top{r + 1}"] for r in range(n))
                mask = (top["total"] > 0) & (largest > k * top["total"])
            else:
                rest = top["total"] - top["top1"] - top["top2"]
                mask = (top["total"] > 0) & (rest < pp * top["top1"])
            mask = np.asarray(mask, dtype=bool)
        masks[flag] = masks.get(flag, np.zeros(len(data), dtype=bool)) | mask
        applied.append({"rule": name, "flag": flag, "params": p, "cells": int(mask.sum())})
    return masks, applied


def expand_margins(
    contributions: pd.DataFrame, hierarchies: Mapping[str, Mapping[str, Sequence[str]]]
) -> pd.DataFrame:
    """Contributions repeated under every margin or parent code that covers them.

    A contributor to (F, 15-19) also contributes to (_T, 15-19), (F, _T) and (_T, _T): its
    row is copied with each dimension replaced by each of its ancestors, so that margin
    cells get their own largest contributions.
    """
    out = contributions.copy()
    for d, tree in hierarchies.items():
        if d not in out.columns:
            continue
        out[d] = out[d].astype(str)
        parents: dict[str, list[str]] = {}
        for parent, children in tree.items():
            for child in children:
                parents.setdefault(str(child), []).append(str(parent))
        copies = [out]
        frontier = out
        for _ in range(32):  # depth of the hierarchy
            rows = []
            for parent_code, group in _by_parent(frontier, d, parents):
                rows.append(group.assign(**{d: parent_code}))
            if not rows:
                break
            frontier = pd.concat(rows, ignore_index=True)
            copies.append(frontier)
        out = pd.concat(copies, ignore_index=True)
    return out


def _by_parent(
    frame: pd.DataFrame, d: str, parents: Mapping[str, list[str]]
) -> list[tuple[str, pd.DataFrame]]:
    found: list[tuple[str, pd.DataFrame]] = []
    codes = frame[d].to_numpy()
    for child, plist in parents.items():
        hit = codes == child
        if hit.any():
            for parent in plist:
                found.append((parent, frame.loc[hit]))
    return found


def _aligned(data: pd.DataFrame, dimensions: Sequence[str], top: pd.DataFrame) -> pd.DataFrame:
    """Contribution summaries per row of *data* (zeros for a cell without contributors)."""
    dims = list(dimensions)
    keys = data[dims].astype(str).reset_index(drop=True)
    merged = keys.merge(top, on=dims, how="left")
    return merged.fillna({"total": 0.0, "contributors": 0, "top1": 0.0, "top2": 0.0, "top3": 0.0})
