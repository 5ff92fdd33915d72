"""UNHCR population statistics (the ``refugees`` R data package) → input kind ``refugees``.

UNHCR publishes its end-year population statistics in the R data package ``refugees``
(PopulationStatistics/refugees on GitHub, CC BY 4.0). Its table ``population`` has one row
per year × country of origin × country of asylum with the columns ``year, coo_name, coo,
coo_iso, coa_name, coa, coa_iso, refugees, asylum_seekers, returned_refugees, idps,
returned_idps, stateless, ooc, oip, hst`` (``coo``/``coa`` are UNHCR's own codes,
``coo_iso``/``coa_iso`` ISO 3166-1 alpha-3; ``oip`` = other people in need of international
protection, blank before the category existed). :func:`read_unhcr_population` reads that
table (exported to CSV) and sums it over the countries of asylum.

How the headline figure is formed
---------------------------------
"Refugees under UNHCR's mandate" at the end of a year (Global Trends) is the plain sum of
``refugees`` over every origin × asylum row of that year — origins ``UNK`` (unknown) and
stateless included — and does not include the Palestine refugees under UNRWA's mandate
(a separate table, ``unrwa``) nor the OIP. End-2024: 30,958,200; OIP 5,875,359.

SDG 10.7.4's numerator is refugees under UNHCR's mandate, people in refugee-like situations
**and other people in need of international protection** (UNHCR, SDG 10.7.4 metadata and
Refugee Data Finder FAQ), without UNRWA's Palestine refugees: ``include_oip=True`` (the
default) gives that numerator; ``include_oip=False`` the Global Trends mandate figure.

References
----------
UNHCR, *refugees: UNHCR Refugee Data Finder* R package, version 2025.12.1,
https://github.com/PopulationStatistics/refugees.
UNHCR, *Global Trends: Forced Displacement in 2024*, 2025.
UNHCR, Refugee Data Finder, "Forcibly displaced: FAQ" (SDG indicator 10.7.4),
https://www.unhcr.org/refugee-statistics/insights/explainers/forcibly-displaced-faq.html.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike

import pandas as pd

from migindicators.core.errors import InputValidationError

__all__ = ["read_unhcr_population"]

_REQUIRED = ("year", "coo_iso", "coa_iso", "refugees")


def read_unhcr_population(
    path: str | PathLike[str],
    *,
    include_oip: bool = True,
    years: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Read UNHCR's ``population`` table into the input kind ``refugees`` (sum over asylum).

    Parameters
    ----------
    path : path-like
        A CSV export of the ``population`` table of the UNHCR ``refugees`` package.
    include_oip : bool
        Add the other people in need of international protection (``oip``) to the
        refugees, as the SDG 10.7.4 numerator does (default ``True``); ``False`` keeps the
        refugees under UNHCR's mandate only (the Global Trends headline).
    years : sequence of int, optional
        Keep only these years.

    Returns
    -------
    pandas.DataFrame
        One row per origin and year: ``ref_area`` (``coo_iso``), ``time_period``,
        ``refugees`` [person] (plus OIP when asked), ``refugees_mandate`` [person]
        (without OIP), ``oip`` [person] (blank where UNHCR has no figure),
        ``includes_oip`` (the choice, recorded in 10.7.4 results) and ``asylum_countries``
        (rows summed). Origins such as ``UNK``
        (unknown) are kept; indicator functions report them as unknown country codes.

    Raises
    ------
    InputValidationError
        If a required column is missing or a count is not a number.
    """
    raw = pd.read_csv(
        path, keep_default_na=False, na_values=[""], dtype={"coo_iso": str, "coa_iso": str}
    )
    missing = [c for c in _REQUIRED if c not in raw.columns]
    if missing:
        raise InputValidationError(
            f"{path}: not a UNHCR population table: missing column(s) {missing}; expected "
            f"the columns of the 'population' table of the UNHCR refugees package "
            f"({', '.join(_REQUIRED)}, oip, ...)",
            input_kind="refugees",
        )
    if years is not None:
        raw = raw.loc[raw["year"].isin(list(years))]
    counts = {}
    for col in ("refugees", "oip"):
        if col not in raw.columns:
            counts[col] = pd.Series(float("nan"), index=raw.index)
            continue
        values = pd.to_numeric(raw[col], errors="coerce")
        bad = values.isna() & raw[col].notna()
        if bad.any():
            raise InputValidationError(
                f"{path}: column {col!r} has values that are not numbers, e.g. "
                f"{raw.loc[bad, col].head(5).tolist()}",
                input_kind="refugees",
            )
        counts[col] = values
    frame = pd.DataFrame(
        {
            "ref_area": raw["coo_iso"],
            "time_period": raw["year"],
            "refugees": counts["refugees"],
            "oip": counts["oip"],
        }
    )
    grouped = frame.groupby(["ref_area", "time_period"], sort=True)
    out = grouped[["refugees", "oip"]].sum(min_count=1)
    out["asylum_countries"] = grouped.size()
    out = out.reset_index()
    out["refugees"] = out["refugees"].astype("float64").fillna(0.0)
    out["refugees_mandate"] = out["refugees"]
    out["includes_oip"] = include_oip
    if include_oip:
        out["refugees"] = out["refugees"] + out["oip"].fillna(0.0)
    out["time_period"] = out["time_period"].astype("int64")
    return out
