"""World Bank–KNOMAD remittance inflows and outflows workbooks (US$ million, by year).

The workbooks (``remittance-inflows.xlsx``, ``remittance-outflows.xlsx``, June 2023 and later
editions) have a title cell (``Remittance inflows (US$ million)``) above the year columns,
one row per economy named in World Bank spelling, then aggregates (income groups, regions,
``World``) and footnotes. :func:`read_knomad` returns the economies and the World as a tidy
frame of input kind ``remittances`` (inflows) with ``unit_mult = 6`` (US$ million, as
published); the other aggregates have no ISO or M49 code and are left out (the function
reports how many in ``frame.attrs["left_out"]``).

References
----------
World Bank–KNOMAD, *Remittance inflows* and *Remittance outflows* (US$ million), June 2023,
https://www.knomad.org/data/remittances.
"""

from __future__ import annotations

from os import PathLike

import numpy as np
import pandas as pd

from migindicators.core.countries import country_table
from migindicators.core.errors import InputValidationError
from migindicators.io.rpw import WB_NAMES

__all__ = ["KNOMAD_NAMES", "read_knomad"]

#: KNOMAD spellings of economies beyond :data:`migindicators.io.rpw.WB_NAMES`.
KNOMAD_NAMES: dict[str, str] = {
    "Türkiye, Rep. of": "TUR",
    "Turkiye": "TUR",
    "Virgin Islands (U.S.)": "VIR",
    "Sint Maarten (Dutch part)": "SXM",
    "North Macedonia": "MKD",
    "Eswatini": "SWZ",
    "Cabo Verde": "CPV",
    "Russian Federation": "RUS",
    "Syrian Arab Republic": "SYR",
    "Micronesia": "FSM",
    "World": "001",
}


def read_knomad(path: str | PathLike[str], *, sheet: str | int = 0) -> pd.DataFrame:
    """Read a KNOMAD remittance inflows or outflows workbook into long format.

    Parameters
    ----------
    path : path-like
        The ``.xlsx`` workbook as distributed.
    sheet : str or int
        The sheet (the first by default).

    Returns
    -------
    pandas.DataFrame
        ``ref_area`` (ISO3, ``001`` for the World), ``country_name``, ``time_period`` (int),
        ``remittances`` [US$ million] and ``unit_mult`` (6), one row per economy and year with
        a figure; blank cells are no observation. ``attrs["left_out"]`` lists the aggregates
        left out (income groups and regions have no area code).

    Raises
    ------
    InputValidationError
        If the title row with the years is not found, or an economy's name cannot be matched.
    """
    raw = pd.read_excel(path, sheet_name=sheet, header=None)
    titles = raw.iloc[:, 0].astype(str).str.contains(r"Remittance (?:in|out)flows", case=False)
    if not titles.any():
        raise InputValidationError(
            f"{path}: not a KNOMAD remittance workbook: no 'Remittance inflows/outflows' title"
        )
    header_at = int(np.flatnonzero(titles.to_numpy())[0])
    header = raw.iloc[header_at]
    years = {
        col: int(float(value))
        for col, value in header.items()
        if col != 0
        and isinstance(value, int | float)
        and not pd.isna(value)
        and 1900 < float(value) < 2200
    }
    body = raw.iloc[header_at + 1 :]
    names = body[0]
    # the table ends at the first blank name (footnotes follow)
    blank = np.flatnonzero(names.isna().to_numpy())
    body = body.iloc[: blank[0]] if blank.size else body
    names = body[0].astype(str).str.strip()
    codes = dict(zip(country_table()["name"], country_table()["iso3"], strict=True))
    codes.update(WB_NAMES)
    codes.update(KNOMAD_NAMES)
    ref_area = names.map(codes)
    aggregate = (
        names.str.contains(
            r"countries|income|World|Asia|Africa|America|Europe|Caribbean|Pacific|Middle East",
            case=False,
        )
        & ref_area.isna()
    )
    unmatched = sorted(set(names[ref_area.isna() & ~aggregate]))
    if unmatched:
        raise InputValidationError(f"{path}: economy names with no ISO3 code: {unmatched}")
    kept = body.loc[ref_area.notna().to_numpy()]
    long = kept[[0, *years]].melt(id_vars=[0], var_name="column", value_name="remittances")
    long["remittances"] = pd.to_numeric(long["remittances"], errors="coerce")
    long = long[long["remittances"].notna()]
    out = pd.DataFrame(
        {
            "ref_area": long[0].astype(str).str.strip().map(codes).to_numpy(),
            "country_name": long[0].astype(str).str.strip().to_numpy(),
            "time_period": long["column"].map(years).astype("int64").to_numpy(),
            "remittances": long["remittances"].astype("float64").to_numpy(),
            "unit_mult": 6,
        }
    ).sort_values(["ref_area", "time_period"], ignore_index=True)
    out.attrs["left_out"] = sorted(set(names[aggregate]))
    return out
