"""Shared steps of the ratio indicators: totals selection, matching, sum-then-divide aggregates.

Several SDG indicators are a count (or an amount) over a base: trafficking victims per
100 000 population (16.2.2), remittances over GDP (17.3.2), occupational injuries per
100 000 workers (8.8.1). They share three steps, kept here so that each is written once:

1. :func:`collapse_to_totals` — an input may carry a breakdown (``sex``) that the caller
   did not ask for. Where a total row (``_T``) exists for a key it is used and the breakdown
   rows are excluded (so nothing is counted twice); where none exists the breakdown rows are
   summed.
2. :func:`match_cells` — numerator cells are matched to the denominator; every row that
   finds no partner is recorded in the ledger.
3. :func:`add_aggregates` — regional and world aggregates by summing numerators and
   denominators over the member countries whose cell is valid, then dividing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from migindicators.core.aggregate import sum_by_area
from migindicators.core.countries import is_country
from migindicators.core.errors import OptionError
from migindicators.core.flags import add_flag
from migindicators.core.ledger import RowLedger

__all__ = [
    "TOTAL",
    "add_aggregates",
    "check_by",
    "collapse_to_totals",
    "exclude_unknown_countries",
    "key_sample",
    "match_cells",
]

#: The SDMX code of a total (``_T``) in a disaggregation column.
TOTAL = "_T"


def check_by(
    indicator_id: str, by: Sequence[str] | str | None, allowed: Sequence[str]
) -> list[str]:
    """Turn ``by=`` into a checked list of disaggregation columns."""
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    bad = [c for c in by_cols if c not in allowed]
    if bad:
        raise OptionError(
            f"{indicator_id} cannot be disaggregated by {bad}; allowed: {list(allowed)}"
        )
    if len(set(by_cols)) != len(by_cols):
        raise OptionError(f"{indicator_id}: by={by_cols} repeats a column")
    return by_cols


def key_sample(keys: pd.DataFrame, limit: int = 5) -> str:
    """A short text listing a few keys, for the ``detail`` of an exclusion."""
    rows = [", ".join(map(str, row)) for row in keys.head(limit).itertuples(index=False)]
    more = f" (+{len(keys) - limit} more)" if len(keys) > limit else ""
    return "; ".join(f"({r})" for r in rows) + more


def exclude_unknown_countries(
    frame: pd.DataFrame, ledger: RowLedger, input_name: str, column: str = "ref_area"
) -> pd.DataFrame:
    """Exclude rows whose *column* is not a known ISO3 country code (aggregates are ours)."""
    unknown = ~is_country(frame[column])
    codes = sorted(map(str, frame.loc[unknown, column].unique()))
    detail = ", ".join(codes[:10]) + (f" (+{len(codes) - 10} more)" if len(codes) > 10 else "")
    return ledger.exclude(
        input_name, frame, unknown.to_numpy(), "unknown country code", detail=detail
    )


def collapse_to_totals(
    frame: pd.DataFrame,
    dims: Sequence[str],
    keys: Sequence[str],
    ledger: RowLedger,
    input_name: str,
) -> pd.DataFrame:
    """Remove the breakdowns *dims* that were not asked for, without double counting.

    For each column of *dims* present in *frame*, taken in turn: within each group of
    *keys* and the dims not yet removed, if a row coded ``_T`` exists, the other rows of the
    group are excluded (reason ``"<dim> breakdown not used: a _T total row exists"``);
    the column is then dropped, so the rows left are summed by the caller.

    Parameters
    ----------
    frame : pandas.DataFrame
        Validated input rows.
    dims : sequence of str
        Disaggregation columns to remove (those absent from *frame* are skipped).
    keys : sequence of str
        The columns that stay (``ref_area``, ``time_period`` and the ``by`` columns).
    ledger : RowLedger
        Where excluded rows are recorded.
    input_name : str
        The input's name in the ledger.
    """
    out = frame
    remaining = [d for d in dims if d in out.columns]
    for dim in list(remaining):
        others = [d for d in remaining if d != dim]
        group = [*keys, *others]
        is_total = out[dim].astype("object").eq(TOTAL)
        if group:
            has_total = (
                is_total.groupby([out[c] for c in group], dropna=False, sort=False)
                .transform("any")
                .astype(bool)
            )
        else:
            has_total = pd.Series(bool(is_total.any()), index=out.index)
        drop = (has_total & ~is_total).to_numpy()
        out = ledger.exclude(
            input_name, out, drop, f"{dim} breakdown not used: a {dim}=_T total row exists"
        )
        out = out.drop(columns=dim)
        remaining = others
    return out


def match_cells(
    numerator: pd.DataFrame,
    denominator: pd.DataFrame,
    *,
    num_input: str,
    den_input: str,
    num_values: Sequence[str],
    den_values: Sequence[str],
    keys: Sequence[str],
    den_keys: Sequence[str],
    ledger: RowLedger,
    no_denominator_reason: str | None = None,
    unused_denominator_reason: str | None = None,
) -> pd.DataFrame:
    """Sum numerator rows into cells and attach the denominator of each cell.

    Numerator rows are summed per *keys* (``n`` counts them); denominator rows per
    *den_keys* (a subset of *keys*: a breakdown such as the form of exploitation exists only
    in the numerator, and all its cells share one denominator). Sums keep NaN when every
    value is missing (``min_count=1``). Numerator rows whose cell has no denominator row,
    and denominator rows no cell uses, are excluded in the ledger, with the given reasons
    (default ``"no <den_input> row for this key"`` and ``"no <num_input> row for this
    key"``).
    """
    keys = list(keys)
    den_keys = list(den_keys)
    cells = numerator.groupby(keys, dropna=False, sort=False)[list(num_values)].sum(min_count=1)
    cells["n"] = numerator.groupby(keys, dropna=False, sort=False).size()
    cells = cells.reset_index()
    den = (
        denominator.groupby(den_keys, dropna=False, sort=False)[list(den_values)]
        .sum(min_count=1)
        .reset_index()
    )

    den_index = pd.MultiIndex.from_frame(den[den_keys])
    cell_den_index = pd.MultiIndex.from_frame(cells[den_keys])
    has_den = cell_den_index.isin(den_index)
    num_den_index = pd.MultiIndex.from_frame(numerator[den_keys])
    ledger.exclude(
        num_input,
        numerator,
        ~num_den_index.isin(den_index),
        no_denominator_reason or f"no {den_input} row for this key",
        detail=key_sample(cells.loc[~has_den, den_keys]),
    )
    used_den = pd.MultiIndex.from_frame(denominator[den_keys]).isin(cell_den_index[has_den])
    ledger.exclude(
        den_input,
        denominator,
        ~used_den,
        unused_denominator_reason or f"no {num_input} row for this key",
    )
    return cells.loc[has_den].merge(den, on=den_keys, how="left")


def add_aggregates(
    cells: pd.DataFrame,
    *,
    values: Sequence[str],
    keys: Sequence[str],
    groupings: Sequence[str],
    valid: pd.Series | np.ndarray,
) -> pd.DataFrame:
    """Append regional and world aggregates (sums of *values* over valid member cells).

    Only cells where *valid* is true (both numerator and a positive denominator known) enter
    the sums, as the custodians' "countries with data" rule says. An aggregate with fewer
    valid members than the area has is flagged ``incomplete_coverage``; the columns
    ``members_with_data`` and ``aggregate_grouping`` say which.
    """
    if not groupings:
        return cells
    valid_cells = cells.loc[np.asarray(valid, dtype=bool)]
    agg = sum_by_area(valid_cells, values=list(values), keys=list(keys), groupings=groupings)
    if agg.empty:
        return cells
    incomplete = agg["members_with_data"] < agg["members_total"]
    agg = agg.drop(columns=["members_total"])
    agg["flag"] = add_flag(
        pd.Series("", index=agg.index, dtype="object"), incomplete, "incomplete_coverage"
    )
    return pd.concat([cells, agg], ignore_index=True)
