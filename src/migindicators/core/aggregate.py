"""Regional and world aggregates of additive quantities (sum first, then divide).

Custodians aggregate ratios by summing numerators and denominators over the member
countries with data, then dividing — never by averaging country ratios (e.g. SDG 10.7.4:
weights P + R; SDG 17.3.2: Σ remittances / Σ GDP). :func:`sum_by_area` does the summing for
any grouping of :mod:`migindicators.core.countries` and reports coverage, so that an aggregate
missing some members is flagged ``incomplete_coverage`` rather than passed off as complete:
``member_coverage`` is the share of the area's members with data and, when a denominator is
named, ``coverage`` the share of the aggregate's denominator that members reported for that
period (the rest imputed by :func:`impute_over_time`).

Some custodians fill in members that did not report before summing. UNESCO UIS: "regional
averages ... are derived from published data complemented by imputed values for missing
countries. Imputations are based on publishable data for the same countries from previous
and/or following years" (UIS glossary, "Regional average"). :func:`impute_over_time` does
that: linear interpolation between a member's reported years, its nearest reported value
beyond them. UIS does not publish its exact procedure (nor the "related indicators" it says
strengthen it); this rule reproduces UIS's published regional counts of mobile students
exactly for most region-years (tests/reference/test_uis.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.countries import (
    GROUPINGS,
    check_assignable,
    count_members,
    counted_member,
    members,
)
from migindicators.core.errors import OptionError

__all__ = ["impute_over_time", "normalise_groupings", "sum_by_area"]


def normalise_groupings(aggregate: str | Sequence[str] | None) -> list[str]:
    """Turn an ``aggregate=`` option into a checked list of groupings."""
    if aggregate is None or aggregate == "none":
        return []
    names = [aggregate] if isinstance(aggregate, str) else list(aggregate)
    if "all" in names:
        return list(GROUPINGS)
    bad = [g for g in names if g not in GROUPINGS]
    if bad:
        raise OptionError(
            f"unknown aggregate grouping(s) {bad}; use any of {list(GROUPINGS)} or 'all'"
        )
    return names


def impute_over_time(
    frame: pd.DataFrame,
    *,
    values: Sequence[str],
    keys: Sequence[str],
    area: str = "ref_area",
    time: str = "time_period",
) -> pd.DataFrame:
    """Fill each member's missing periods from its own reported periods (UIS's rule).

    For each *area* × *keys* series, every period in which any member of *frame* has data
    is filled: linearly interpolated between the member's two nearest reported periods, or
    the nearest reported value before its first / after its last report. Members that
    never report a value are not invented.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per member, period and *keys*, with numeric *values*; rows where any of
        *values* is missing count as not reported.
    values : sequence of str
        Columns to fill (each from the member's reports of that column).
    keys : sequence of str
        Other key columns (``sex``, …), not *time*.

    Returns
    -------
    pandas.DataFrame
        *area*, *time*, *keys*, *values*, plus ``imputed`` (bool: the row was filled) and
        ``<value>_reported`` for each value (the value where reported, else 0) so that
        :func:`sum_by_area` can tell reported from imputed shares.
    """
    cols = list(values)
    reported = frame.dropna(subset=cols)
    series_keys = [area, *keys]
    periods = np.sort(np.asarray(pd.unique(reported[time])))
    parts = []
    for key, group in reported.groupby(series_keys, dropna=False, sort=True):
        group = group.sort_values(time)
        known_t = group[time].to_numpy(dtype="float64")
        out = {time: periods}
        for col in cols:
            # np.interp interpolates linearly inside and holds the end values outside
            out[col] = np.interp(periods.astype("float64"), known_t, group[col].to_numpy())
        part = pd.DataFrame(out)
        is_reported = np.isin(periods, group[time].to_numpy())
        part["imputed"] = ~is_reported
        for col in cols:
            part[f"{col}_reported"] = np.where(is_reported, part[col], 0.0)
        key_values: tuple[Any, ...] = key if isinstance(key, tuple) else (key,)
        for name, value in zip(series_keys, key_values, strict=True):
            part[name] = [value] * len(part)
        parts.append(part)
    columns = [area, time, *keys, *cols, "imputed", *(f"{c}_reported" for c in cols)]
    if not parts:
        return pd.DataFrame(columns=columns)
    filled = pd.concat(parts, ignore_index=True)[columns]
    filled[time] = filled[time].astype(frame[time].dtype)
    return filled


def sum_by_area(
    frame: pd.DataFrame,
    *,
    values: Sequence[str],
    keys: Sequence[str],
    groupings: Sequence[str],
    area: str = "ref_area",
    denominator: str | None = None,
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
    denominator : str, optional
        The value column that is the ratio's denominator. When *frame* comes from
        :func:`impute_over_time` (it has ``<denominator>_reported``), ``coverage`` is the
        share of the summed denominator that members reported; otherwise it is 1 (only
        reported values were summed) and ``member_coverage`` tells how many members lack
        data.

    Returns
    -------
    pandas.DataFrame
        One row per aggregate area × keys: *area* holds the M49 code, *values* the sums,
        ``members_with_data`` / ``members_total`` (members with reported, not imputed,
        data among the members that coverage counts:
        :func:`migindicators.core.countries.count_members`), ``member_coverage`` (their
        share) and, with *denominator*, ``coverage``.

    Raises
    ------
    AmbiguousAreaError
        *frame* has rows of a withdrawn code whose successors lie in several aggregates of
        a grouping (``SUN`` for ``m49_region``), which cannot be assigned to one.
    """
    parts = []
    for grouping in groupings:
        check_assignable(frame[area].dropna().astype(str).unique(), grouping)
        membership = members(grouping)
        merged = frame.merge(
            membership[["iso3", "area"]].rename(columns={"iso3": area, "area": "_agg_area"}),
            on=area,
            how="inner",
        )
        if merged.empty:
            continue
        imputed = "imputed" in merged.columns
        extra = [f"{denominator}_reported"] if imputed and denominator else []
        grouped = merged.groupby(["_agg_area", *keys], dropna=False, sort=True)
        sums = grouped[[*values, *extra]].sum(min_count=1)
        reporting = merged.loc[~merged["imputed"]] if imputed else merged
        # coverage counts reporting members (an alias counts as its area, a withdrawn code
        # with several successors as none), so that it never exceeds members_total
        counted = reporting.assign(_member=counted_member(reporting[area]))
        sums["members_with_data"] = (
            counted.groupby(["_agg_area", *keys], dropna=False, sort=True)["_member"]
            .nunique()
            .reindex(sums.index)
            .fillna(0)
            .astype("int64")
        )
        sums = sums.reset_index().rename(columns={"_agg_area": area})
        # an aggregate with no reporting member (the Channel Islands, 830: Guernsey and
        # Jersey are reported together by DESA, as no country row) counts 0 and has no share
        totals = sums[area].map(count_members(grouping)).fillna(0).astype("int64")
        sums["members_total"] = totals
        sums["member_coverage"] = sums["members_with_data"] / totals.where(totals > 0)
        if denominator is not None:
            if extra:
                with np.errstate(divide="ignore", invalid="ignore"):
                    sums["coverage"] = sums[extra[0]] / sums[denominator]
                sums = sums.drop(columns=extra)
            else:
                sums["coverage"] = 1.0
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
                "member_coverage",
                *(["coverage"] if denominator is not None else []),
                "aggregate_grouping",
            ]
        )
    return pd.concat(parts, ignore_index=True)
