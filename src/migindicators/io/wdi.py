"""World Bank World Development Indicators (WDI) downloads → long frames.

A WDI indicator download (``API_<code>_DS2_…`` or the data-catalog ``.xls``) has a sheet
``Data`` whose first three rows are "Data Source", "Last Updated Date" and a blank; the
header is on row 4: ``Country Name, Country Code, Indicator Name, Indicator Code, 1960 …``.
:func:`read_wdi` turns it into one row per economy and year: ``ref_area`` (the WDI code —
ISO 3166-1 alpha-3 for economies, WDI's own codes such as ``WLD`` for aggregates),
``time_period``, ``value``, plus ``indicator`` and ``country_name``.

Old ``.xls`` files need ``xlrd`` and ``.xlsx`` files ``openpyxl`` (the optional extra
``migindicators[excel]``). The ``.xls`` sheet is read with xlrd directly rather than through
pandas, whose xlrd engine is deprecated.

References
----------
World Bank, *World Development Indicators*, https://datacatalog.worldbank.org/dataset/world-development-indicators
(CC BY 4.0).
"""

from __future__ import annotations

import importlib
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd

from migindicators.core.errors import InputValidationError

__all__ = ["QUANTITIES", "read_wdi"]

_HEADER_ROW = 3  # 0-based: the header is the fourth row of the sheet
#: WDI codes whose values are also given under the library's quantity name, so that the
#: frame is an input of that kind as read (``--reader remittances=wdi`` on the command line).
QUANTITIES = {
    "BX.TRF.PWKR.CD.DT": "remittances",
    "NY.GDP.MKTP.CD": "gdp",
    "SP.POP.TOTL": "population",
}
_ID_COLUMNS = ("Country Name", "Country Code", "Indicator Name", "Indicator Code")


def read_wdi(
    path: str | PathLike[str],
    *,
    sheet: str = "Data",
    dropna: bool = True,
) -> pd.DataFrame:
    """Read a WDI indicator file (sheet ``Data``, header on row 4) into long format.

    Parameters
    ----------
    path : path-like
        A WDI download: ``.xls`` (needs ``xlrd``), ``.xlsx`` (needs ``openpyxl``) or
        ``.csv`` (the same layout, four lines before the header).
    sheet : str
        The sheet with the data (``"Data"``).
    dropna : bool
        Leave out empty cells (default): WDI writes no value where it has no figure, and a
        blank is not an observation. With ``False`` every economy × year is returned, NaN
        where blank.

    Returns
    -------
    pandas.DataFrame
        Columns ``ref_area``, ``country_name``, ``indicator`` (the WDI code, e.g.
        ``BX.TRF.PWKR.CD.DT``), ``time_period`` (int) and ``value`` (float, in the
        indicator's unit: current US$, percent, …), sorted by area and year. For the
        indicators in :data:`QUANTITIES` (personal remittances received, GDP, population in
        current US$ / persons) the values are also in a column named after the quantity
        (``remittances``, ``gdp``, ``population``), so the frame is ready as that input.

    Raises
    ------
    ImportError
        When the Excel reader is not installed, naming the extra to install.
    InputValidationError
        When the file does not have the WDI layout.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raw = _read_xls(path, sheet)
    elif suffix in (".xlsx", ".xlsm"):
        _require("openpyxl", suffix)
        raw = pd.read_excel(path, sheet_name=sheet, header=_HEADER_ROW, engine="openpyxl")
    elif suffix == ".csv":
        raw = pd.read_csv(path, skiprows=4)
    else:
        raise InputValidationError(f"{path}: a WDI file is .xls, .xlsx or .csv, not {suffix!r}")
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in _ID_COLUMNS if c not in raw.columns]
    if missing:
        raise InputValidationError(
            f"{path}: not a WDI indicator file: sheet {sheet!r} has no column(s) {missing} on "
            f"row {_HEADER_ROW + 1}; found {list(raw.columns)[:8]}"
        )
    year_columns = [c for c in raw.columns if _is_year(c)]
    if not year_columns:
        raise InputValidationError(f"{path}: no year columns (1960, 1961, …) in sheet {sheet!r}")
    raw = raw.loc[raw["Country Code"].notna() & (raw["Country Code"].astype(str) != "")]
    long = raw.melt(
        id_vars=["Country Code", "Country Name", "Indicator Code"],
        value_vars=year_columns,
        var_name="time_period",
        value_name="value",
    )
    long["value"] = pd.to_numeric(long["value"].replace("", None), errors="coerce")
    if dropna:
        long = long.loc[long["value"].notna()]
    out = pd.DataFrame(
        {
            "ref_area": long["Country Code"].astype(str).to_numpy(),
            "country_name": long["Country Name"].astype(str).to_numpy(),
            "indicator": long["Indicator Code"].astype(str).to_numpy(),
            "time_period": long["time_period"].map(lambda c: int(float(c))).to_numpy(dtype="int64"),
            "value": long["value"].to_numpy(dtype="float64"),
        }
    )
    codes = set(out["indicator"])
    if len(codes) == 1 and (code := codes.pop()) in QUANTITIES:
        out[QUANTITIES[code]] = out["value"]
    return out.sort_values(["ref_area", "time_period"], kind="stable").reset_index(drop=True)


def _is_year(column: str) -> bool:
    try:
        year = float(column)
    except ValueError:
        return False
    return year.is_integer() and 1900 <= year <= 2100


def _require(module: str, suffix: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"reading WDI {suffix} files needs {module}, which is not installed: "
            "pip install 'migindicators[excel]'"
        ) from None


def _read_xls(path: Path, sheet: str) -> pd.DataFrame:
    xlrd = _require("xlrd", ".xls")
    book = xlrd.open_workbook(str(path), on_demand=True)
    try:
        if sheet not in book.sheet_names():
            raise InputValidationError(
                f"{path}: no sheet {sheet!r} (sheets: {book.sheet_names()}); a WDI download "
                "keeps its data in the sheet 'Data'"
            )
        data = book.sheet_by_name(sheet)
        rows = [data.row_values(i) for i in range(data.nrows)]
    finally:
        book.release_resources()
    if len(rows) <= _HEADER_ROW:
        raise InputValidationError(
            f"{path}: sheet {sheet!r} has no header on row {_HEADER_ROW + 1}"
        )
    header = [_header_label(v) for v in rows[_HEADER_ROW]]
    return pd.DataFrame(rows[_HEADER_ROW + 1 :], columns=header)


def _header_label(value: object) -> str:
    # xlrd returns year headers stored as numbers as floats (1960.0)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
