"""The additive structure of a published table: which cells are sums of which.

A table is a :class:`~migindicators.core.result.Result`'s ``data``: one row per cell, the
dimension columns (``sex``, ``age_group``, ``origin``, ``ref_area`` …) and a value. Along a
dimension that carries a total code (``"_T"`` by default), the total cell equals the sum of
the other cells with the same values of the other dimensions; a *hierarchy* generalises this
to any number of levels (``{"ref_area": {"AFR": ["KEN", "UGA"], "WLD": ["AFR", "EUR"]}}``).
Every such relation is one linear equation; the equations of all dimensions together are the
"additive relations" an intruder can use to recover a withheld cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from migindicators.core.errors import InputValidationError, OptionError

__all__ = ["Hierarchies", "TableStructure", "table_structure"]

#: Dimension → {parent code: child codes}.
Hierarchies = Mapping[str, Mapping[str, Sequence[str]]]

TOTAL = "_T"


@dataclass(frozen=True)
class TableStructure:
    """Cells and additive relations of a table.

    Attributes
    ----------
    equations : list of tuple of int and numpy.ndarray
        Per relation: the row position of the total cell and the positions of its parts
        (``value[total] == value[parts].sum()``).
    dimensions : list of str
        The dimension columns.
    hierarchies : dict
        The hierarchies used, per dimension (including the ``_T`` margins found).
    """

    equations: list[tuple[int, np.ndarray]]
    dimensions: list[str]
    hierarchies: dict[str, dict[str, list[str]]]

    def matrix(self, n_cells: int) -> np.ndarray:
        """The relations as a dense matrix A with ``A @ value == 0`` (total −1, parts +1)."""
        a = np.zeros((len(self.equations), n_cells))
        for k, (total, parts) in enumerate(self.equations):
            a[k, total] = -1.0
            a[k, parts] += 1.0
        return a


def table_structure(
    data: pd.DataFrame,
    dimensions: Sequence[str],
    *,
    hierarchies: Hierarchies | None = None,
    total_code: str = TOTAL,
    value: str = "value",
    check: bool = True,
    rtol: float = 1e-9,
) -> TableStructure:
    """The additive relations of *data* along its *dimensions*.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per cell; the combination of *dimensions* must be unique.
    dimensions : sequence of str
        Dimension columns.
    hierarchies : mapping, optional
        Per dimension, parent code → child codes. A dimension without one gets
        ``{total_code: every other code}`` when *total_code* occurs in it.
    total_code : str
        The code of a margin (SDMX ``_T``).
    value : str
        Column checked for additivity when *check*.
    check : bool
        Raise :class:`~migindicators.core.errors.InputValidationError` when a total differs
        from the sum of its parts (relative tolerance *rtol*): a table that is not additive
        cannot be protected by complementary suppression.
    """
    dims = list(dimensions)
    missing = [d for d in dims if d not in data.columns]
    if missing:
        raise OptionError(f"dimensions {missing} are not columns of the table {list(data.columns)}")
    keys = data[dims].astype(str)
    if keys.duplicated().any():
        dup = keys[keys.duplicated(keep=False)].head(4).to_dict("records")
        raise InputValidationError(
            f"the table has several rows for the same cell of {dims}, e.g. {dup}: give the "
            "dimension columns that identify a cell (dimensions=...)"
        )
    index = {tuple(row): i for i, row in enumerate(keys.itertuples(index=False, name=None))}
    used: dict[str, dict[str, list[str]]] = {}
    for d in dims:
        given = (hierarchies or {}).get(d)
        codes = list(pd.unique(keys[d]))
        if given is not None:
            used[d] = {str(p): [str(c) for c in cs] for p, cs in given.items()}
        elif total_code in codes:
            used[d] = {total_code: [c for c in codes if c != total_code]}
    for d in hierarchies or {}:
        if d not in dims:
            raise OptionError(f"hierarchies: {d!r} is not one of the dimensions {dims}")
    equations: list[tuple[int, np.ndarray]] = []
    for d, tree in used.items():
        pos = dims.index(d)
        for parent, children in tree.items():
            for key, row in index.items():
                if key[pos] != parent:
                    continue
                found = [index.get((*key[:pos], c, *key[pos + 1 :])) for c in children]
                present = np.array([p for p in found if p is not None], dtype=np.intp)
                equations.append((row, present))
    structure = TableStructure(equations, dims, used)
    if check and value in data.columns and equations:
        v = pd.to_numeric(data[value], errors="coerce").to_numpy(dtype=float)
        for total, parts in equations:
            expected = v[parts].sum()
            if not np.isclose(v[total], expected, rtol=rtol, atol=1e-9 * max(1.0, abs(expected))):
                cell = dict(zip(dims, keys.iloc[total], strict=True))
                raise InputValidationError(
                    f"the table is not additive: the total cell {cell} has {value}="
                    f"{v[total]:g} but its parts sum to {expected:g}; protect a table whose "
                    "margins are the sums of their cells (or give hierarchies=)"
                )
    return structure
