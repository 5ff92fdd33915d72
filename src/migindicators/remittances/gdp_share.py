"""Remittance flows: SDG 17.3.2, personal remittances received as a proportion of GDP."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from migindicators.core.aggregate import normalise_groupings
from migindicators.core.assemble import make_result
from migindicators.core.errors import UnitError
from migindicators.core.flags import add_flag
from migindicators.core.frames import accepts_any_frame
from migindicators.core.ledger import RowLedger
from migindicators.core.ratio import (
    add_aggregates,
    check_by,
    exclude_unknown_countries,
    match_cells,
)
from migindicators.core.registry import typed_options
from migindicators.core.result import Result
from migindicators.core.units import parse_unit
from migindicators.schemas.remittance_flows import GDP, REMITTANCES

__all__ = ["remittances_share_of_gdp", "remittances_share_of_gdp_values"]

_KEYS = ["ref_area", "time_period"]
_DEFAULT_CURRENCY = "USD"


def remittances_share_of_gdp_values(
    remittances: pd.Series | np.ndarray,
    gdp: pd.Series | np.ndarray,
) -> np.ndarray:
    """Personal remittances received as a percentage of GDP.

    .. math:: 100 \\cdot R / \\mathrm{GDP}

    Both amounts must be in the same currency and scale (current US$ for the SDG series).
    A GDP that is zero, negative or missing gives NaN (never inf); values above 100 are
    genuine and are not capped.

    Parameters
    ----------
    remittances : array-like
        Personal remittances received, :math:`R` [USD].
    gdp : array-like
        Gross domestic product, :math:`\\mathrm{GDP}` [USD].

    Returns
    -------
    numpy.ndarray
        Remittances as a percentage of GDP [percent].

    References
    ----------
    World Bank, SDG indicator metadata 17.3.2, "Volume of remittances (in United States
    dollars) as a proportion of total GDP",
    https://unstats.un.org/sdgs/metadata/files/Metadata-17-03-02.pdf.
    IMF, *Balance of Payments and International Investment Position Manual*, 6th ed.
    (BPM6), 2009, §12.20–12.27 (personal transfers, compensation of employees).

    Examples
    --------
    >>> remittances_share_of_gdp_values(np.array([3.0e9]), np.array([12.0e9]))
    array([25.])
    """
    r = np.asarray(remittances, dtype="float64")
    g = np.asarray(gdp, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(g > 0, 100.0 * r / g, np.nan)
    return np.asarray(out, dtype="float64")


@accepts_any_frame
@typed_options("remittances_share_of_gdp")
def remittances_share_of_gdp(
    remittances: pd.DataFrame,
    gdp: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    aggregate: str | Sequence[str] | None = None,
) -> Result:
    """Volume of remittances as a proportion of total GDP (SDG 17.3.2).

    .. math:: \\text{17.3.2} = 100 \\cdot R / \\mathrm{GDP}

    Remittances and GDP must be in the same currency (current US$ for the SDG series): a
    second currency raises :class:`~migindicators.UnitError` — convert with dated exchange
    rates first. Amounts given in millions or billions (column ``unit_mult``) are scaled to
    units before dividing. A GDP that is zero, negative or missing gives NaN flagged
    ``zero_denominator``; a missing remittance amount gives NaN flagged ``missing_input``;
    values above 100 % are kept and flagged ``above_100_percent`` (never capped).
    Aggregates are the custodian's GDP-weighted average, i.e. Σ remittances / Σ GDP over the
    member countries with both figures.

    Parameters
    ----------
    remittances : pandas.DataFrame
        Input kind ``remittances``: ``ref_area``, ``time_period``, ``remittances`` [USD],
        optionally ``currency`` and ``unit_mult``.
    gdp : pandas.DataFrame
        Input kind ``gdp``: ``ref_area``, ``time_period``, ``gdp`` [USD], optionally
        ``currency`` and ``unit_mult``.
    by : sequence of str, optional
        Not used: the indicator has no disaggregation (only ``None`` or ``[]``).
    aggregate : str or sequence of str, optional
        ``"world"``, ``"sdg_region"``, ``"m49_region"``, ``"m49_sub_region"``,
        ``"m49_intermediate_region"`` or ``"all"``.

    Returns
    -------
    Result
        ``value`` in percent of GDP; extra columns ``remittances`` and ``gdp`` (in units of
        the currency) and ``currency``.

    References
    ----------
    World Bank, SDG indicator metadata 17.3.2,
    https://unstats.un.org/sdgs/metadata/files/Metadata-17-03-02.pdf.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("remittance_flows_demo")
    >>> result = mi.remittances.remittances_share_of_gdp(
    ...     remittances=data["remittances"],
    ...     gdp=data["gdp"],
    ...     aggregate=["world", "sdg_region"],
    ... )
    >>> cols = ["ref_area", "time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period  value
         001         2020  4.205
         001         2021  4.403
         001         2022  4.237
    """
    check_by("remittances_share_of_gdp", by, ())
    groupings = normalise_groupings(aggregate)
    ledger = RowLedger()
    ledger.given("remittances", remittances)
    ledger.given("gdp", gdp)
    r = REMITTANCES.validate(remittances, input_name="remittances")
    g = GDP.validate(gdp, input_name="gdp")
    currency = _common_currency(r, g)
    r = _to_units(r, "remittances")
    g = _to_units(g, "gdp")

    r = exclude_unknown_countries(r, ledger, "remittances")
    g = exclude_unknown_countries(g, ledger, "gdp")
    cells = match_cells(
        r,
        g,
        num_input="remittances",
        den_input="gdp",
        num_values=["remittances"],
        den_values=["gdp"],
        keys=_KEYS,
        den_keys=_KEYS,
        ledger=ledger,
    )
    valid = cells["remittances"].notna() & (cells["gdp"] > 0)
    cells = add_aggregates(
        cells, values=["remittances", "gdp", "n"], keys=_KEYS[1:], groupings=groupings, valid=valid
    )

    cells["value"] = remittances_share_of_gdp_values(cells["remittances"], cells["gdp"])
    flags = cells["flag"] if "flag" in cells.columns else pd.Series("", index=cells.index)
    flags = add_flag(flags, ~(cells["gdp"] > 0), "zero_denominator")
    flags = add_flag(flags, cells["remittances"].isna(), "missing_input")
    cells["flag"] = add_flag(flags, cells["value"] > 100, "above_100_percent")
    cells["currency"] = currency
    cells["n"] = cells["n"].astype("int64")
    return make_result(
        "remittances_share_of_gdp",
        cells,
        ledger,
        group_columns=_KEYS,
        options={"by": [], "aggregate": groupings},
        inputs={"remittances": remittances, "gdp": gdp},
        method="100 * remittances / GDP (same currency, scaled to units); aggregates "
        "100 * sum(remittances) / sum(GDP) over members with both",
    )


def _currencies(frame: pd.DataFrame) -> set[str]:
    if "currency" not in frame.columns:
        return {_DEFAULT_CURRENCY}
    return set(frame["currency"].astype("object").fillna(_DEFAULT_CURRENCY).map(str))


def _common_currency(remittances: pd.DataFrame, gdp: pd.DataFrame) -> str:
    """The one currency of both inputs; a second currency is a :class:`UnitError`."""
    found = _currencies(remittances) | _currencies(gdp)
    for code in sorted(found):
        parse_unit(code)  # an unknown code is a UnitError naming it
    if len(found) > 1:
        raise UnitError(
            f"remittances and GDP must be in one currency (current US$ for SDG 17.3.2); found "
            f"{sorted(found)} (remittances: {sorted(_currencies(remittances))}, GDP: "
            f"{sorted(_currencies(gdp))}). Convert with dated exchange rates passed as data "
            "before computing the ratio."
        )
    return found.pop()


def _to_units(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Scale amounts given in millions etc. (``unit_mult``) to units of the currency."""
    if "unit_mult" not in frame.columns:
        return frame
    out = frame.copy()
    out[column] = out[column] * np.power(10.0, out["unit_mult"].to_numpy(dtype="float64"))
    return out.drop(columns="unit_mult")
