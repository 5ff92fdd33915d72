"""Migrant deaths and disappearances: SDG 10.7.3, from incident records."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from migindicators.core.aggregate import normalise_groupings
from migindicators.core.assemble import make_result
from migindicators.core.countries import check_assignable, is_country, members
from migindicators.core.errors import MissingColumnError, OptionError
from migindicators.core.frames import accepts_any_frame
from migindicators.core.ledger import RowLedger
from migindicators.core.ratio import check_by
from migindicators.core.registry import typed_options
from migindicators.core.result import Result
from migindicators.schemas.deaths import MIGRANT_INCIDENTS

__all__ = ["derive_missing_values", "migrant_deaths_and_disappearances"]

_ALLOWED_BY = ("ref_area", "region", "route")
_WORLD = "001"
_COUNTS = [
    "value",
    "dead",
    "missing",
    "missing_derived",
    "females",
    "males",
    "sex_unknown",
    "children",
    "cumulative_rows",
    "n",
]


def derive_missing_values(
    missing: pd.Series | np.ndarray,
    on_board: pd.Series | np.ndarray,
    dead: pd.Series | np.ndarray,
    survivors: pd.Series | np.ndarray,
) -> np.ndarray:
    """Number missing, derived where it is not given.

    .. math:: M = B - D - S

    where :math:`B` is the number reported on board (or in the group), :math:`D` the bodies
    recovered and :math:`S` the survivors. A given :math:`M` is kept. The derivation needs
    :math:`B` and :math:`S`; a blank :math:`D` counts as no body recovered. A negative
    result (inconsistent reports) is not a number of people: it stays unknown (NaN).

    Parameters
    ----------
    missing : array-like
        Number missing as reported, NaN when blank [person].
    on_board : array-like
        Number reported on board, NaN when unknown [person].
    dead : array-like
        Bodies recovered, NaN when blank [person].
    survivors : array-like
        Survivors, NaN when unknown [person].

    Returns
    -------
    numpy.ndarray
        Number missing [person], NaN when neither given nor derivable.

    References
    ----------
    IOM, SDG indicator metadata 10.7.3, "Number of people who died or disappeared in the
    process of migration towards an international destination",
    https://unstats.un.org/sdgs/metadata/files/Metadata-10-07-03.pdf.
    IOM Missing Migrants Project, methodology, https://missingmigrants.iom.int/methodology.

    Examples
    --------
    >>> derive_missing_values([np.nan], [120.0], [30.0], [70.0])
    array([20.])
    """
    m = np.asarray(missing, dtype="float64")
    b = np.asarray(on_board, dtype="float64")
    d = np.nan_to_num(np.asarray(dead, dtype="float64"), nan=0.0)
    s = np.asarray(survivors, dtype="float64")
    derived = b - d - s
    derived = np.where(derived >= 0, derived, np.nan)
    return np.asarray(np.where(np.isnan(m), derived, m), dtype="float64")


@accepts_any_frame
@typed_options("migrant_deaths_and_disappearances")
def migrant_deaths_and_disappearances(
    incidents: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    derive_missing: bool = True,
    aggregate: str | Sequence[str] | None = None,
) -> Result:
    """Number of people who died or disappeared in the process of migration (SDG 10.7.3).

    .. math:: \\text{10.7.3} = \\sum_{incidents} (D + M)

    summed per year and, when asked for, country of incident, region and route. The
    number missing is taken as reported, or derived as on board − bodies recovered −
    survivors (:func:`derive_missing_values`) when ``derive_missing`` is true; the column
    ``missing_derived`` counts the incidents where that happened. Blanks are unknown, not
    zero: an incident with neither a number dead nor a number missing (nor a derivable one)
    is excluded and reported; the sex and age columns sum only the known figures, so
    ``females + males`` can be below the total (``sex_unknown`` is the rest). "Cumulative
    total" records are counted whole in the year of their last date, never split.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Input kind ``migrant_incidents``: ``time_period``, ``dead`` and/or ``missing``,
        optionally ``ref_area``, ``region``, ``route``, ``on_board``, ``survivors``,
        ``females``, ``males``, ``children``, ``cumulative``, ``incident_id``, ``month``.
    by : sequence of str, optional
        Any of ``ref_area`` (country of incident; incidents at sea form a cell with no
        country), ``region``, ``route``. Without ``ref_area`` the cells are world totals
        (``ref_area`` = ``"001"``).
    derive_missing : bool
        Derive the number missing where it is blank (default ``True``, as IOM does).
    aggregate : str or sequence of str, optional
        With ``by`` containing ``ref_area``: add ``"world"`` (every incident, at sea
        included) and regional totals (``"sdg_region"``, ``"m49_region"``, … or ``"all"``,
        incidents located in a member country).

    Returns
    -------
    Result
        ``value`` = dead + missing [person]; extra columns ``dead``, ``missing``,
        ``missing_derived``, ``females``, ``males``, ``sex_unknown``, ``children``,
        ``cumulative_rows``.

    References
    ----------
    IOM, SDG indicator metadata 10.7.3,
    https://unstats.un.org/sdgs/metadata/files/Metadata-10-07-03.pdf.
    IOM Missing Migrants Project, https://missingmigrants.iom.int.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("deaths_demo")
    >>> result = mi.protection.migrant_deaths_and_disappearances(
    ...     incidents=data["incidents"],
    ...     aggregate=["world", "sdg_region"],
    ...     by=["ref_area"],
    ... )
    >>> cols = ["ref_area", "time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period  value
         001         2022 1900.0
         001         2023 1461.0
         202         2022   84.0
    """
    by_cols = check_by("migrant_deaths_and_disappearances", by, _ALLOWED_BY)
    groupings = normalise_groupings(aggregate)
    if groupings and "ref_area" not in by_cols:
        raise OptionError(
            "aggregate= needs by to include 'ref_area' (without it the cells "
            "are already world totals)"
        )
    ledger = RowLedger()
    ledger.given("incidents", incidents)
    frame = MIGRANT_INCIDENTS.validate(incidents, input_name="incidents")
    absent = [c for c in by_cols if c not in frame.columns]
    if absent:
        raise MissingColumnError(f"by={by_cols}: input 'incidents' has no column(s) {absent}")
    frame = frame.copy()
    for col in ("dead", "missing", "on_board", "survivors", "females", "males", "children"):
        if col not in frame.columns:
            frame[col] = np.nan

    # Checked whenever the column exists, so that totals with and without the country
    # breakdown agree (a blank country, at sea, is not an unknown code).
    if "ref_area" in frame.columns:
        located = frame["ref_area"].notna()
        unknown = located & ~is_country(frame["ref_area"].astype("object").fillna(""))
        codes = sorted(map(str, frame.loc[unknown, "ref_area"].unique()))
        frame = ledger.exclude(
            "incidents",
            frame,
            unknown.to_numpy(),
            "unknown country code",
            detail=", ".join(codes[:10]),
        )

    missing = frame["missing"].to_numpy(dtype="float64")
    if derive_missing:
        derived = derive_missing_values(
            missing, frame["on_board"], frame["dead"], frame["survivors"]
        )
    else:
        derived = missing
    frame["missing_derived"] = (np.isnan(missing) & ~np.isnan(derived)).astype("int64")
    frame["missing"] = derived
    no_count = frame["dead"].isna() & frame["missing"].isna()
    frame = ledger.exclude(
        "incidents",
        frame,
        no_count.to_numpy(),
        "no number dead or missing",
        detail="neither given nor derivable from on board, dead and survivors",
    )

    frame["value"] = frame["dead"].fillna(0.0) + frame["missing"].fillna(0.0)
    known_sex = frame["females"].fillna(0.0) + frame["males"].fillna(0.0)
    frame["sex_unknown"] = (frame["value"] - known_sex).clip(lower=0.0)
    frame["cumulative_rows"] = (
        frame["cumulative"].astype("int64") if "cumulative" in frame.columns else 0
    )
    frame["n"] = 1

    keys = ["time_period", *by_cols]
    cells = _sum(frame, keys)
    if "ref_area" not in by_cols:
        cells.insert(0, "ref_area", _WORLD)
    parts = [cells]
    for grouping in groupings:
        if grouping == "world":
            world = _sum(frame, [k for k in keys if k != "ref_area"])
            world["ref_area"] = _WORLD
            world["aggregate_grouping"] = "world"
            parts.append(world)
            continue
        # A withdrawn code whose successors span several aggregates would otherwise drop out
        # of the inner join below without a word.
        check_assignable(
            frame["ref_area"].dropna().astype(str).unique(), grouping, input_name="incidents"
        )
        membership = members(grouping)[["iso3", "area"]].rename(columns={"iso3": "ref_area"})
        merged = frame.merge(membership, on="ref_area", how="inner")
        if merged.empty:
            continue
        regional = _sum(merged.drop(columns="ref_area").rename(columns={"area": "ref_area"}), keys)
        regional["aggregate_grouping"] = grouping
        parts.append(regional)
    cells = pd.concat(parts, ignore_index=True)
    for col in ("n", "missing_derived", "cumulative_rows"):
        cells[col] = cells[col].astype("int64")
    group_columns = ["ref_area", *(k for k in keys if k != "ref_area")]
    return make_result(
        "migrant_deaths_and_disappearances",
        cells,
        ledger,
        group_columns=group_columns,
        options={"by": by_cols, "derive_missing": derive_missing, "aggregate": groupings},
        inputs={"incidents": incidents},
        method="sum over incidents of dead + missing (missing = on board - dead - survivors "
        "where blank); blanks are unknown, not zero",
    )


def _sum(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Per-cell sums; known-only sums (NaN when no incident reports the figure)."""
    counts = [c for c in _COUNTS if c in frame.columns]
    if not keys:
        summed = frame[counts].sum(min_count=1).to_frame().T
    else:
        summed = (
            frame.groupby(list(keys), dropna=False, sort=True)[counts]
            .sum(min_count=1)
            .reset_index()
        )
    for col in ("value", "n", "missing_derived", "cumulative_rows", "sex_unknown"):
        summed[col] = summed[col].fillna(0.0)
    return summed
