"""Regional and world aggregates of additive quantities (sum first, then divide).

Custodians aggregate ratios by summing numerators and denominators over the member
countries with data, then dividing — never by averaging country ratios (e.g. SDG 10.7.4:
weights P + R; SDG 17.3.2: Σ remittances / Σ GDP). :func:`sum_by_area` does the summing for
any grouping of :mod:`migindicators.core.countries` and reports coverage, so that an aggregate
missing some members is flagged ``incomplete_coverage`` rather than passed off as complete.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from migindicators.core.countries import GROUPINGS, count_members, members

__all__ = ["normalise_groupings", "sum_by_area"]


def normalise_groupings(aggregate: str | Sequence[str] | None) -> list[str]:
    """Turn an ``aggregate=`` option into a checked list of groupings."""
    if aggregate is None or aggregate == "none":
        return []
    names = [aggregate] if isinstance(aggregate, str) else list(aggregate)
    if "all" in names:
        return list(GROUPINGS)
    bad = [g for g in names if g not in GROUPINGS]
    if bad:
        raise ValueError(
            f"unknown aggregate grouping(s) {bad}; use any of {list(GROUPINGS)} or 'all'"
        )
    return names


def sum_by_area(
    frame: pd.DataFrame,
    *,
    values: Sequence[str],
    keys: Sequence[str],
    groupings: Sequence[str],
    area: str = "ref_area",
) -> pd.DataFrame:
    """Sum *values* of country rows into aggregate areas.

    Parameters
    ----------
    frame : pandas.DataFrame
        Country-level rows with an ISO3 column *area*, the *keys* (``time_period``, ``sex``, …)
        and additive *values*.
    values : sequence of str
        Additive columns to sum (counts, money amounts, ``n``).
    keys : sequence of str
        Other grouping columns, kept as they are.
    groupings : sequence of str
        Aggregation levels from :data:`migindicators.core.countries.GROUPINGS`.

    Returns
    -------
    pandas.DataFrame
        One row per aggregate area × keys: *area* holds the M49 code, *values* the sums, and
        ``members_with_data`` / ``members_total`` the coverage.
    """
    parts = []
    for grouping in groupings:
        membership = members(grouping)
        merged = frame.merge(
            membership[["iso3", "area"]].rename(columns={"iso3": area, "area": "_agg_area"}),
            on=area,
            how="inner",
        )
        if merged.empty:
            continue
        sums = merged.groupby(["_agg_area", *keys], dropna=False, sort=True)[list(values)].sum(
            min_count=1
        )
        sums["members_with_data"] = merged.groupby(["_agg_area", *keys], dropna=False, sort=True)[
            area
        ].nunique()
        sums = sums.reset_index().rename(columns={"_agg_area": area})
        sums["members_total"] = sums[area].map(count_members(grouping)).astype("int64")
        sums["aggregate_grouping"] = grouping
        parts.append(sums)
    if not parts:
        return pd.DataFrame(
            columns=[
                area,
                *keys,
                *values,
                "members_with_data",
                "members_total",
                "aggregate_grouping",
            ]
        )
    return pd.concat(parts, ignore_index=True)
