"""Refugees: SDG 10.7.4, the proportion of the population who are refugees, by origin."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from migindicators.core.aggregate import normalise_groupings
from migindicators.core.assemble import make_result
from migindicators.core.flags import add_flag
from migindicators.core.ledger import RowLedger
from migindicators.core.ratio import (
    add_aggregates,
    check_by,
    collapse_to_totals,
    exclude_unknown_countries,
    match_cells,
)
from migindicators.core.result import Result
from migindicators.schemas.population import POPULATION, REFUGEES

__all__ = ["refugees_per_100k", "refugees_per_100k_values"]

_BASE_KEYS = ("ref_area", "time_period")
_ALLOWED_BY = ("sex", "age_group")


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


def refugees_per_100k(
    refugees: pd.DataFrame,
    population: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    aggregate: str | Sequence[str] | None = None,
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

    Returns
    -------
    Result
        ``value`` in refugees per 100 000 [per_100000]; ``n`` is the number of refugee rows in
        the cell; extra columns ``refugees`` and ``population``. Exclusions: refugee rows
        whose origin is not a known country code, refugee rows with no population row, and
        population rows with no refugee row.

    References
    ----------
    UNHCR, SDG indicator metadata 10.7.4,
    https://unstats.un.org/sdgs/metadata/files/Metadata-10-07-04.pdf.
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
            raise ValueError(f"by={by_cols}: input {name!r} has no column(s) {absent}")
    keys = [*_BASE_KEYS, *by_cols]

    r = exclude_unknown_countries(r, ledger, "refugees")
    p = exclude_unknown_countries(p, ledger, "population")
    # Breakdowns not asked for: use the _T rows where given, else sum (never count twice).
    dropped = [d for d in _ALLOWED_BY if d not in by_cols]
    r = collapse_to_totals(r, dropped, keys, ledger, "refugees")
    p = collapse_to_totals(p, dropped, keys, ledger, "population")

    cells = match_cells(
        r,
        p,
        num_input="refugees",
        den_input="population",
        num_values=["refugees"],
        den_values=["population"],
        keys=keys,
        den_keys=keys,
        ledger=ledger,
        no_denominator_reason="origin with no population row",
        unused_denominator_reason="no refugee row for this key",
    )
    cells = add_aggregates(
        cells,
        values=["refugees", "population", "n"],
        keys=keys[1:],
        groupings=groupings,
        valid=(cells["population"] + cells["refugees"] > 0).to_numpy(),
    )

    cells["value"] = refugees_per_100k_values(cells["refugees"], cells["population"])
    flags = cells["flag"] if "flag" in cells.columns else pd.Series("", index=cells.index)
    cells["flag"] = add_flag(flags, cells["value"].isna(), "zero_denominator")
    cells["n"] = cells["n"].astype("int64")
    return make_result(
        "refugees_per_100k",
        cells,
        ledger,
        group_columns=keys,
        options={"by": by_cols, "aggregate": groupings},
        inputs={"refugees": refugees, "population": population},
        method="100000 * R / (P + R); aggregates 100000 * sum(R) / sum(P + R)",
    )
