"""Readers for UN DESA *International Migrant Stock* workbooks (reference data, stock family).

Two editions are read, as DESA distributes them:

- 2020 (POP/DB/MIG/Stock/Rev.2020, "by sex and destination"): sheets ``Table 1`` …
  ``Table 6``, a header row with the years (row 11), dates 1990, 1995, …, 2020;
- 2019 (POP/DB/MIG/Stock/Rev.2019, ``UN_MigrantStockTotal_2019``): the same six tables, a
  header row with block titles (row 15) and the years below it (row 16), dates 1990, …,
  2015, 2019; Table 2 (population) has no type-of-data column.

Each table has one row per region, development group, country or area, with its location
code (M49 for countries; DESA's own codes for its aggregates, 900 = World), its type of data
(B foreign-born, C foreign citizens, R refugees added, I imputed) and one block of columns
per sex (both, male, female) — except Table 4 (% female, one block) and Table 6 (refugee
stock, refugees as % of migrants and their rate of change: three measures, not sexes).
``..`` marks a value that is not available. :func:`read_desa_table` returns a table in long
form, so that the published figures can be fed to the library's functions and compared.

The frame is accepted as is by the ``stock=`` (Table 1) and ``population=`` (Table 2)
arguments of the stock indicators: :func:`published_rows` sets aside the rows that are not
country values (DESA's aggregates without an M49 code, ``..`` cells) and counts them.

References
----------
UN DESA Population Division (2020). *International Migrant Stock 2020*,
POP/DB/MIG/Stock/Rev.2020 (CC BY 3.0 IGO).
UN DESA Population Division (2019). *International Migrant Stock 2019*,
POP/DB/MIG/Stock/Rev.2019 (CC BY 3.0 IGO).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from migindicators.core.countries import to_iso3
from migindicators.core.errors import InputValidationError
from migindicators.core.ledger import RowLedger

__all__ = ["TABLE6_MEASURES", "WORLD_CODE", "published_rows", "read_desa_table"]

#: DESA's location code of the World aggregate.
WORLD_CODE = 900
_SEXES = ("_T", "M", "F")
#: The three blocks of Table 6 (both editions), in order.
TABLE6_MEASURES = ("refugee_stock", "refugees_percent_of_migrants", "refugee_growth_rate")
_PERIOD = re.compile(r"^\s*(\d{4})(?:\.0)?(?:\s*-\s*(\d{4}))?\s*$")
#: Column the stock indicators read, by table: Table 1 → migrant_stock, Table 2 →
#: population (DESA prints thousands; the column is in persons).
_QUANTITY = {1: ("migrant_stock", 1.0), 2: ("population", 1000.0)}


def _period(cell: object) -> tuple[int, int | None] | None:
    if cell is None or (isinstance(cell, float) and np.isnan(cell)):
        return None
    match = _PERIOD.match(str(cell))
    if match is None:
        return None
    end = match.group(2)
    return (int(match.group(1)), int(end) if end else None)


def _header_row(raw: pd.DataFrame, path: str | Path, sheet: str) -> int:
    if raw.shape[1] < 6:
        raise InputValidationError(
            f"{path}, sheet {sheet!r}: {raw.shape[1]} columns; a UN DESA International "
            "Migrant Stock table has sort order, name, notes, 'Location code' (or 'Code'), "
            "type of data and year columns"
        )
    codes = raw[3].astype(str).str.strip().str.lower()
    hits = np.flatnonzero(codes.isin(["code", "location code"]).to_numpy())
    if not len(hits):
        raise InputValidationError(
            f"{path}, sheet {sheet!r}: no header row with 'Code' or 'Location code' in the "
            "fourth column; is this a UN DESA International Migrant Stock table (2019 or "
            "2020 edition)?"
        )
    return int(hits[0])


def read_desa_table(path: str | Path, table: int | str) -> pd.DataFrame:
    """One table of a DESA migrant stock workbook (2019 or 2020 edition), in long form.

    Parameters
    ----------
    path : path
        The ``.xlsx`` workbook (``undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx`` or
        ``undesa_pd_2019_migrant_stock_total_dataset.xlsx``).
    table : int or str
        Table number (1 stock, 2 population in thousands, 3 % of population, 4 % female,
        5 annual rate of change, 6 refugees) or the sheet name.

    Returns
    -------
    pandas.DataFrame
        ``location_code`` (int), ``name``, ``type_of_data`` (e.g. ``"B R"``; missing for
        aggregates), ``ref_area`` (ISO3 for countries, ``"001"`` for the World, missing for
        DESA's other aggregates), ``sex`` (``_T``, ``M``, ``F``), ``time_period`` (the year;
        for rates the end of the period, with ``start_period``), ``value`` (float, NaN where
        the workbook says ``..``). Table 1 adds ``migrant_stock`` [person] and Table 2
        ``population`` [person] (thousands × 1000), the columns the stock indicators read;
        Table 6 adds ``measure`` (:data:`TABLE6_MEASURES`, sex ``_T``).

    Raises
    ------
    InputValidationError
        If the sheet has no DESA header row or no year columns.
    """
    number = int(str(table).split()[-1]) if str(table).split()[-1].isdigit() else None
    sheet = table if isinstance(table, str) else f"Table {table}"
    raw = pd.read_excel(path, sheet_name=sheet, header=None)
    head = _header_row(raw, path, sheet)
    has_type = str(raw.iat[head, 4]).strip().lower().startswith("type of data")
    first = 5 if has_type else 4
    label_row = head if _period(raw.iat[head, first]) is not None else head + 1
    value_cols = [c for c in range(first, raw.shape[1]) if _period(raw.iat[label_row, c])]
    if not value_cols:
        raise InputValidationError(f"{path}, sheet {sheet!r}: no year columns found")
    periods: list[tuple[int, int | None]] = []
    for c in value_cols:
        period = _period(raw.iat[label_row, c])
        assert period is not None  # value_cols are the columns with a period
        periods.append(period)
    # a block ends where the years start again
    block_of, block = [], 0
    for i, period in enumerate(periods):
        if i and period[0] <= periods[i - 1][0]:
            block += 1
        block_of.append(block)
    blocks = block + 1
    body = raw.iloc[label_row + 1 :]
    body = body.loc[pd.to_numeric(body[3], errors="coerce").notna()]
    codes = pd.to_numeric(body[3]).astype("int64").to_numpy()
    names = body[1].astype(str).str.strip().str.rstrip("*").str.strip().to_numpy()
    if has_type:
        stripped = body[4].astype("string").str.strip()
        types = stripped.mask(stripped == "").to_numpy(dtype=object)
    else:
        types = np.full(len(body), None, dtype=object)
    ref_area = _ref_area(codes)
    is_table6 = number == 6
    frames = []
    for col, period, blk in zip(value_cols, periods, block_of, strict=True):
        values = pd.to_numeric(body[col].replace("..", np.nan), errors="coerce")
        sex = "_T" if blocks != 3 or is_table6 else _SEXES[blk]
        frame = pd.DataFrame(
            {
                "location_code": codes,
                "name": names,
                "type_of_data": types,
                "ref_area": ref_area,
                "sex": sex,
                "value": values.to_numpy(dtype="float64"),
            }
        )
        start, end = period
        if end is not None:
            frame["start_period"] = start
            frame["time_period"] = end
        else:
            frame["time_period"] = start
        if is_table6:
            frame["measure"] = TABLE6_MEASURES[min(blk, 2)]
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    if number in _QUANTITY:
        column, scale = _QUANTITY[number]
        out[column] = out["value"] * scale
    return out


def _ref_area(codes: np.ndarray) -> pd.Series:
    iso = to_iso3(pd.Series(codes.astype(str)))
    iso = iso.where(codes < 900)  # DESA's aggregate codes (>= 900) are not M49 countries
    iso[codes == WORLD_CODE] = "001"
    return iso.astype("object")


def published_rows(
    frame: pd.DataFrame, ledger: RowLedger, input_name: str, value: str
) -> pd.DataFrame:
    """Set aside the rows of a published table that are not area values, counting them.

    Rows with no ``ref_area`` (DESA's aggregates with its own codes, such as "More
    developed regions") and rows whose *value* is missing (``..``) are excluded with their
    reasons; a blank ``type_of_data`` becomes missing and an unspaced one (``"CR"``, 2019
    edition) is spaced (``"C R"``). Frames without these features pass
    through unchanged.

    Parameters
    ----------
    frame : pandas.DataFrame
        A ``migrant_stock_table`` or ``population`` input, e.g. :func:`read_desa_table`.
    ledger : RowLedger
        Receives the exclusions under *input_name*.
    value : str
        The value column (``migrant_stock`` or ``population``).
    """
    if not isinstance(frame, pd.DataFrame):
        return frame
    out = frame
    if "ref_area" in out.columns:
        out = ledger.exclude(
            input_name,
            out,
            out["ref_area"].isna().to_numpy(),
            "aggregate without an area code (a DESA region or group code)",
        )
    if value in out.columns:
        out = ledger.exclude(
            input_name,
            out,
            out[value].isna().to_numpy(),
            "value not available ('..' in the published table)",
        )
    if "type_of_data" in out.columns:
        types = out["type_of_data"].astype("string").str.strip()
        # the 2019 edition writes some codes unspaced ("CR" for "C R")
        spaced = types.str.fullmatch(r"[BCRI]+").fillna(False).astype(bool)
        types = types.where(~spaced, types.str.replace(r"(?<=[BCRI])(?=[BCRI])", " ", regex=True))
        out = out.assign(type_of_data=types.mask(types == "").astype(object))
    return out
