"""Refugees: SDG 10.7.4, the proportion of the population who are refugees, by origin.

Numerator (UNHCR, SDG 10.7.4 and its Refugee Data Finder FAQ): refugees under UNHCR's
mandate, people in refugee-like situations and **other people in need of international
protection** (OIP); Palestine refugees under UNRWA's mandate are not included. Refugees
whose origin is unknown or who are stateless have no country value but are in UNHCR's world
totals: they are added to the world aggregate only (``unattributed_origins``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from migindicators.core.aggregate import normalise_groupings
from migindicators.core.assemble import make_result
from migindicators.core.errors import MissingColumnError, OptionError
from migindicators.core.flags import add_flag
from migindicators.core.frames import accepts_any_frame
from migindicators.core.ledger import RowLedger
from migindicators.core.ratio import (
    add_aggregates,
    check_by,
    collapse_to_totals,
    exclude_unknown_countries,
    match_cells,
)
from migindicators.core.registry import typed_options
from migindicators.core.result import Result
from migindicators.schemas.population import POPULATION, REFUGEES

__all__ = ["UNATTRIBUTED_ORIGINS", "refugees_per_100k", "refugees_per_100k_values"]

_BASE_KEYS = ("ref_area", "time_period")
_ALLOWED_BY = ("sex", "age_group")
#: Origin codes of refugees with no country of origin in UNHCR's tables: unknown (UNK),
#: stateless (XXA, UNHCR code STA) and Tibetan (TIB). UNHCR counts them in world totals.
UNATTRIBUTED_ORIGINS = ("UNK", "XXA", "TIB")
_UNATTRIBUTED = ("world", "exclude")


def refugees_per_100k_values(
    refugees: pd.Series | np.ndarray, population: pd.Series | np.ndarray
) -> np.ndarray:
    """Refugees per 100 000 population of the country of origin.

    .. math:: 10^5 \\cdot R / (P + R)

    The denominator includes the refugees themselves, so the value is bounded by 100 000.
    A zero or missing denominator gives NaN (never inf).

    Parameters
    ----------
    refugees : array-like
        Refugees and people in refugee-like situations from the origin, end of year [person].
    population : array-like
        Resident population of the origin, end of year [person].

    Returns
    -------
    numpy.ndarray
        Refugees per 100 000 [per_100000].

    References
    ----------
    UNHCR, SDG indicator metadata 10.7.4, "Proportion of the population who are refugees, by
    country of origin", https://unstats.un.org/sdgs/metadata/files/Metadata-10-07-04.pdf.

    Examples
    --------
    >>> refugees_per_100k_values(np.array([100_000.0]), np.array([1_000_000.0]))
    array([9090.90909091])
    """
    r = np.asarray(refugees, dtype="float64")
    p = np.asarray(population, dtype="float64")
    denominator = p + r
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(denominator > 0, 1e5 * r / denominator, np.nan)
    return out


@accepts_any_frame
@typed_options("refugees_per_100k")
def refugees_per_100k(
    refugees: pd.DataFrame,
    population: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    aggregate: str | Sequence[str] | None = None,
    unattributed_origins: str = "world",
    aggregate_method: str = "reporting",
) -> Result:
    """Proportion of the population who are refugees, by country of origin (SDG 10.7.4).

    .. math:: \\text{10.7.4}_o = 10^5 \\cdot R_o / (P_o + R_o)

    Refugee rows are summed per origin, year and ``by`` cell (so an origin × asylum table can
    be passed as is), then matched to the origin's population. Aggregates follow the
    custodian's rule: a weighted average with weights :math:`P_o + R_o`, i.e.
    :math:`10^5 \\, \\Sigma R / \\Sigma (P + R)` over member countries with data. UNHCR imputes
    missing members for its published aggregates; this function does not impute and flags
    the aggregate ``incomplete_coverage`` instead.

    Parameters
    ----------
    refugees : pandas.DataFrame
        Input kind ``refugees``: ``ref_area`` (origin, ISO3), ``time_period``, ``refugees``
        [person], optionally ``sex`` and ``age_group``.
    population : pandas.DataFrame
        Input kind ``population``: ``ref_area``, ``time_period``, ``population`` [person],
        with the same ``by`` columns.
    by : sequence of str, optional
        Disaggregations: any of ``sex``, ``age_group`` (present in both inputs).
    aggregate : str or sequence of str, optional
        Add aggregates: ``"world"``, ``"sdg_region"``, ``"m49_region"``,
        ``"m49_sub_region"``, ``"m49_intermediate_region"`` or ``"all"``.
    unattributed_origins : {"world", "exclude"}
        Refugees of unknown origin, stateless or Tibetan (:data:`UNATTRIBUTED_ORIGINS`):
        add them to the world aggregate's numerator (and to its P + R), as UNHCR's world
        totals do (default), or exclude them; either way they have no country value and
        belong to no region. The count added is the column ``unattributed_refugees``.
    aggregate_method : {"reporting", "unhcr"}
        ``"reporting"`` (default): origins with a population row but no refugee row are
        excluded (counted), and aggregates sum the origins with both. ``"unhcr"``: UNHCR's
        tables list only origins that have refugees, so such an origin has zero refugees:
        it gets the value 0 and its population enters the aggregates' denominators, as in
        UNHCR's world and regional values (every country's population). UNHCR's further
        imputation of members with missing values is not published beyond that sentence
        of the metadata.

    Returns
    -------
    Result
        ``value`` in refugees per 100 000 [per_100000]; ``n`` is the number of refugee rows in
        the cell; extra columns ``refugees`` and ``population``. Exclusions: refugee rows
        whose origin is not a known country code, refugee rows with no population row, and
        population rows with no refugee row.

    Notes
    -----
    The numerator is whatever ``refugees`` holds: :func:`migindicators.io.read_unhcr_population`
    adds OIP by default, as the SDG metadata asks, and marks it in the column
    ``includes_oip``; ``metadata["numerator"]`` records which it was.

    References
    ----------
    UNHCR, SDG indicator metadata 10.7.4,
    https://unstats.un.org/sdgs/metadata/files/Metadata-10-07-04.pdf.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("refugees_demo")
    >>> result = mi.protection.refugees_per_100k(
    ...     refugees=data["refugees"],
    ...     population=data["population"],
    ...     aggregate=["world", "sdg_region"],
    ...     by=["sex"],
    ... )
    >>> cols = ["ref_area", "time_period", "sex", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period sex    value
         001         2022   F 5726.392
         001         2022   M 5726.394
         001         2023   F 5975.554
    """
    by_cols = check_by("refugees_per_100k", by, _ALLOWED_BY)
    groupings = normalise_groupings(aggregate)
    ledger = RowLedger()
    ledger.given("refugees", refugees)
    ledger.given("population", population)
    r = REFUGEES.validate(refugees, input_name="refugees")
    p = POPULATION.validate(population, input_name="population")
    for name, frame in (("refugees", r), ("population", p)):
        absent = [c for c in by_cols if c not in frame.columns]
        if absent:
            raise MissingColumnError(f"by={by_cols}: input {name!r} has no column(s) {absent}")
    keys = [*_BASE_KEYS, *by_cols]

    if aggregate_method not in ("reporting", "unhcr"):
        raise OptionError(
            f"aggregate_method must be 'reporting' or 'unhcr', got {aggregate_method!r}"
        )
    if unattributed_origins not in _UNATTRIBUTED:
        raise OptionError(
            f"unattributed_origins must be one of {list(_UNATTRIBUTED)}, got "
            f"{unattributed_origins!r}"
        )
    numerator = _numerator(r)
    dropped = [d for d in _ALLOWED_BY if d not in by_cols]
    unattributed = np.asarray(r["ref_area"].isin(UNATTRIBUTED_ORIGINS), dtype=bool)
    to_world = unattributed_origins == "world" and "world" in groupings
    if to_world:
        extra = collapse_to_totals(r.loc[unattributed], dropped, keys, ledger, "refugees")
        r = r.loc[~unattributed]
    else:
        r = ledger.exclude(
            "refugees",
            r,
            unattributed,
            "unknown country code",
            detail="origin unknown, stateless or Tibetan ("
            + ", ".join(sorted(map(str, pd.unique(r.loc[unattributed, "ref_area"])))[:5])
            + "): no country value; UNHCR counts them in world totals only"
            + (" (ask aggregate='world')" if unattributed_origins == "world" else ""),
        )
    r = exclude_unknown_countries(r, ledger, "refugees")
    p = exclude_unknown_countries(p, ledger, "population")
    # Breakdowns not asked for: use the _T rows where given, else sum (never count twice).
    r = collapse_to_totals(r, dropped, keys, ledger, "refugees")
    p = collapse_to_totals(p, dropped, keys, ledger, "population")
    r = r.assign(_zero=0)
    if aggregate_method == "unhcr":
        # origins absent from UNHCR's tables have no refugees: zero rows, not exclusions
        listed = pd.MultiIndex.from_frame(p[keys].astype(object)).isin(
            pd.MultiIndex.from_frame(r[keys].astype(object))
        )
        zeros = p.loc[~listed, keys].drop_duplicates().assign(refugees=0.0, _zero=1)
        r = pd.concat([r, zeros], ignore_index=True)

    cells = match_cells(
        r,
        p,
        num_input="refugees",
        den_input="population",
        num_values=["refugees", "_zero"],
        den_values=["population"],
        keys=keys,
        den_keys=keys,
        ledger=ledger,
        no_denominator_reason="origin with no population row",
        unused_denominator_reason="no refugee row for this key",
    )
    cells["n"] = cells["n"] - cells.pop("_zero")
    cells = add_aggregates(
        cells,
        values=["refugees", "population", "n"],
        keys=keys[1:],
        groupings=groupings,
        valid=(cells["population"] + cells["refugees"] > 0).to_numpy(),
    )
    if to_world:
        cells = _add_unattributed(cells, extra, keys[1:], ledger)

    cells["value"] = refugees_per_100k_values(cells["refugees"], cells["population"])
    flags = cells["flag"] if "flag" in cells.columns else pd.Series("", index=cells.index)
    cells["flag"] = add_flag(flags, cells["value"].isna(), "zero_denominator")
    cells["n"] = cells["n"].astype("int64")
    return make_result(
        "refugees_per_100k",
        cells,
        ledger,
        group_columns=keys,
        options={
            "by": by_cols,
            "aggregate": groupings,
            "unattributed_origins": unattributed_origins,
            "aggregate_method": aggregate_method,
        },
        inputs={"refugees": refugees, "population": population},
        method="100000 * R / (P + R); aggregates 100000 * sum(R) / sum(P + R)"
        + ("; world adds refugees of unknown origin and stateless" if to_world else ""),
        extra_metadata={"numerator": numerator},
    )


def _numerator(refugees: pd.DataFrame) -> str:
    """What the numerator holds, as far as the input says (``includes_oip`` column)."""
    if "includes_oip" not in refugees.columns:
        return "refugees as given (no includes_oip column: OIP inclusion not recorded)"
    flags = set(refugees["includes_oip"].dropna().astype(bool))
    if flags == {True}:
        return "refugees + other people in need of international protection (SDG 10.7.4)"
    if flags == {False}:
        return "refugees under UNHCR's mandate only (OIP excluded)"
    return "mixed: OIP included in some rows only"


def _add_unattributed(
    cells: pd.DataFrame, extra: pd.DataFrame, keys: list[str], ledger: RowLedger
) -> pd.DataFrame:
    """Add refugees without a country of origin to the world rows of the same keys."""
    sums = extra.groupby(keys, dropna=False)["refugees"].sum()
    if "aggregate_grouping" in cells.columns:
        world = np.asarray(cells["aggregate_grouping"] == "world", dtype=bool)
    else:
        world = np.zeros(len(cells), dtype=bool)
    index = pd.MultiIndex.from_frame(cells.loc[world, keys].astype(object))
    added = sums.reindex(index).fillna(0.0).to_numpy()
    cells["unattributed_refugees"] = np.nan
    cells.loc[world, "unattributed_refugees"] = added
    cells.loc[world, "refugees"] = cells.loc[world, "refugees"] + added
    key_index = pd.MultiIndex.from_frame(extra[keys].astype(object))
    unmatched = ~key_index.isin(index)
    ledger.exclude(
        "refugees",
        extra,
        np.asarray(unmatched, dtype=bool),
        "origin unknown or stateless, and no world aggregate for this key",
    )
    return cells
