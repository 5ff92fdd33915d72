"""Human trafficking: SDG 16.2.2, victims of trafficking per 100 000 population."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from migindicators.core.aggregate import normalise_groupings
from migindicators.core.assemble import make_result
from migindicators.core.errors import MissingColumnError
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
from migindicators.schemas.population import POPULATION
from migindicators.schemas.trafficking import TRAFFICKING_VICTIMS

__all__ = ["trafficking_victims_per_100k", "trafficking_victims_per_100k_values"]

_BASE_KEYS = ("ref_area", "time_period")
_ALLOWED_BY = ("sex", "age_group", "form_of_exploitation")
_POPULATION_DIMS = ("sex", "age_group")


def trafficking_victims_per_100k_values(
    victims: pd.Series | np.ndarray,
    population: pd.Series | np.ndarray,
) -> np.ndarray:
    """Victims of trafficking per 100 000 population.

    .. math:: 10^5 \\cdot (V_d + V_u) / P

    A zero, negative or missing population gives NaN (never inf).

    Parameters
    ----------
    victims : array-like
        Victims, detected plus undetected where an estimate exists, :math:`V_d + V_u`
        [person].
    population : array-like
        Resident population of the same country, year, sex and age group, :math:`P`
        [person].

    Returns
    -------
    numpy.ndarray
        Victims per 100 000 population [per_100000].

    References
    ----------
    UNODC, SDG indicator metadata 16.2.2, "Number of victims of human trafficking per
    100,000 population, by sex, age and form of exploitation",
    https://unstats.un.org/sdgs/metadata/files/Metadata-16-02-02.pdf.

    Examples
    --------
    >>> trafficking_victims_per_100k_values(np.array([250.0]), np.array([5_000_000.0]))
    array([5.])
    """
    v = np.asarray(victims, dtype="float64")
    p = np.asarray(population, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(p > 0, 1e5 * v / p, np.nan)
    return np.asarray(out, dtype="float64")


@accepts_any_frame
@typed_options("trafficking_victims_per_100k")
def trafficking_victims_per_100k(
    victims: pd.DataFrame,
    population: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    include_undetected: bool = True,
    aggregate: str | Sequence[str] | None = None,
) -> Result:
    """Number of victims of human trafficking per 100 000 population (SDG 16.2.2).

    .. math:: \\text{16.2.2} = 10^5 \\cdot (V_{detected} + V_{undetected}) / P

    The custodian's formula counts detected and undetected victims; the undetected are
    added only where an estimate is given (column ``undetected_victims``, e.g. from Multiple
    Systems Estimation) and such cells are flagged ``estimated``. Victims are matched to the
    population of the same country, year and, when asked for, sex and age group; a breakdown
    by form of exploitation divides each form by the whole population (the forms of one
    country share one denominator). Breakdowns not asked for are removed by using the input's
    ``_T`` rows where present and summing the breakdown otherwise. Aggregates sum victims
    and populations over member countries with data, then divide.

    Parameters
    ----------
    victims : pandas.DataFrame
        Input kind ``trafficking_victims``: ``ref_area`` (country of detection),
        ``time_period``, ``victims`` (detected) [person], optionally ``sex``,
        ``age_group``, ``form_of_exploitation`` and ``undetected_victims`` [person].
    population : pandas.DataFrame
        Input kind ``population``: ``ref_area``, ``time_period``, ``population`` [person],
        with ``sex`` / ``age_group`` when the result is broken down by them.
    by : sequence of str, optional
        Any of ``sex``, ``age_group``, ``form_of_exploitation``.
    include_undetected : bool
        Add ``undetected_victims`` where given (default ``True``, the metadata's formula);
        ``False`` gives the detected-victims rate (series VC_HTF_DETVR).
    aggregate : str or sequence of str, optional
        ``"world"``, ``"sdg_region"``, ``"m49_region"``, ``"m49_sub_region"``,
        ``"m49_intermediate_region"`` or ``"all"``.

    Returns
    -------
    Result
        ``value`` in victims per 100 000 [per_100000]; extra columns ``victims`` (the
        numerator), ``detected``, ``undetected`` and ``population``.

    References
    ----------
    UNODC, SDG indicator metadata 16.2.2,
    https://unstats.un.org/sdgs/metadata/files/Metadata-16-02-02.pdf.
    UNODC, *Global Report on Trafficking in Persons* (GLOTIP), methodology annex.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("trafficking_demo")
    >>> result = mi.protection.trafficking_victims_per_100k(
    ...     victims=data["victims"],
    ...     population=data["population"],
    ...     aggregate="world",
    ...     by=["sex"],
    ... )
    >>> cols = ["ref_area", "time_period", "sex", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period sex  value
         001         2020   F  0.731
         001         2020   M  0.485
         001         2021   F  0.712
    """
    by_cols = check_by("trafficking_victims_per_100k", by, _ALLOWED_BY)
    groupings = normalise_groupings(aggregate)
    ledger = RowLedger()
    ledger.given("victims", victims)
    ledger.given("population", population)
    v = TRAFFICKING_VICTIMS.validate(victims, input_name="victims")
    p = POPULATION.validate(population, input_name="population")
    absent = [c for c in by_cols if c not in v.columns]
    if absent:
        raise MissingColumnError(f"by={by_cols}: input 'victims' has no column(s) {absent}")
    den_by = [c for c in by_cols if c in _POPULATION_DIMS]
    absent = [c for c in den_by if c not in p.columns]
    if absent:
        raise MissingColumnError(
            f"by={by_cols}: input 'population' has no column(s) {absent}; the "
            "rate by sex or age group needs the population by sex or age group"
        )
    keys = [*_BASE_KEYS, *by_cols]
    den_keys = [*_BASE_KEYS, *den_by]

    v = exclude_unknown_countries(v, ledger, "victims")
    p = exclude_unknown_countries(p, ledger, "population")
    v = collapse_to_totals(v, [d for d in _ALLOWED_BY if d not in by_cols], keys, ledger, "victims")
    p = collapse_to_totals(
        p, [d for d in _POPULATION_DIMS if d not in by_cols], den_keys, ledger, "population"
    )

    v = v.copy()
    v["detected"] = v["victims"]
    if "undetected_victims" in v.columns and include_undetected:
        undetected = v["undetected_victims"]
    else:
        undetected = pd.Series(np.nan, index=v.index)
    v["undetected"] = undetected
    v["victims"] = v["detected"] + undetected.fillna(0.0)
    v["_estimated"] = undetected.notna().astype("int64")

    cells = match_cells(
        v,
        p,
        num_input="victims",
        den_input="population",
        num_values=["victims", "detected", "undetected", "_estimated"],
        den_values=["population"],
        keys=keys,
        den_keys=den_keys,
        ledger=ledger,
    )
    valid = cells["population"] > 0
    cells = add_aggregates(
        cells,
        values=["victims", "detected", "undetected", "_estimated", "population", "n"],
        keys=keys[1:],
        groupings=groupings,
        valid=valid,
    )

    cells["value"] = trafficking_victims_per_100k_values(cells["victims"], cells["population"])
    flags = cells["flag"] if "flag" in cells.columns else pd.Series("", index=cells.index)
    flags = add_flag(flags, cells["value"].isna(), "zero_denominator")
    cells["flag"] = add_flag(flags, cells["_estimated"].fillna(0) > 0, "estimated")
    cells = cells.drop(columns=["_estimated"])
    cells["n"] = cells["n"].astype("int64")
    return make_result(
        "trafficking_victims_per_100k",
        cells,
        ledger,
        group_columns=keys,
        options={"by": by_cols, "include_undetected": include_undetected, "aggregate": groupings},
        inputs={"victims": victims, "population": population},
        method="100000 * (detected + undetected victims) / population; aggregates "
        "100000 * sum(victims) / sum(population) over members with data",
    )
