"""Readers for UN DESA *International Migrant Stock* workbooks (reference data, stock family).

The 2020 edition (POP/DB/MIG/Stock/Rev.2020, "by sex and destination") has sheets
``Table 1`` … ``Table 6``: a header on row 11, then one row per region, development group,
country or area, with its location code (M49 for countries; DESA's own codes for its
aggregates, 900 = World), its type of data (B foreign-born, C foreign citizens, R refugees
added, I imputed) and one block of columns per sex (both, male, female). ``..`` marks a value
that is not available. :func:`read_desa_table` returns the table in long form, so that the
published figures can be fed to the library's functions and compared with them.

References
----------
UN DESA Population Division (2020). *International Migrant Stock 2020*,
POP/DB/MIG/Stock/Rev.2020 (CC BY 3.0 IGO).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from migindicators.core.countries import to_iso3

__all__ = ["WORLD_CODE", "read_desa_table"]

#: DESA's location code of the World aggregate.
WORLD_CODE = 900
_SEXES = ("_T", "M", "F")
_HEADER_ROW = 10


def read_desa_table(path: str | Path, table: int | str) -> pd.DataFrame:
    """One table of the DESA 2020 migrant stock workbook, in long form.

    Parameters
    ----------
    path : path
        The ``.xlsx`` workbook (``undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx``).
    table : int or str
        Table number (1 stock, 2 population in thousands, 3 % of population, 4 % female,
        5 annual rate of change, 6 refugees) or the sheet name.

    Returns
    -------
    pandas.DataFrame
        ``location_code`` (int), ``name``, ``type_of_data`` (e.g. ``"B R"``; empty for
        aggregates), ``ref_area`` (ISO3 for countries, ``"001"`` for the World, missing for
        DESA's other aggregates), ``sex`` (``_T``, ``M``, ``F``), ``time_period`` (the year;
        for Table 5 the end of the period, with ``start_period``), ``value`` (float, NaN
        where the workbook says ``..``).
    """
    sheet = table if isinstance(table, str) else f"Table {table}"
    raw = pd.read_excel(path, sheet_name=sheet, header=None)
    header = raw.iloc[_HEADER_ROW]
    body = raw.iloc[_HEADER_ROW + 1 :]
    body = body.loc[pd.to_numeric(body[3], errors="coerce").notna()]
    value_cols = list(range(5, raw.shape[1]))
    labels = [str(header[c]).strip() for c in value_cols]
    blocks = labels.count(labels[0])  # 3 blocks (both sexes, male, female) or 1
    per_sex = len(labels) // blocks
    frames = []
    codes = pd.to_numeric(body[3]).astype("int64").to_numpy()
    names = body[1].astype(str).str.strip().str.rstrip("*").str.strip().to_numpy()
    types = body[4].fillna("").astype(str).str.strip().to_numpy()
    ref_area = _ref_area(codes)
    for i, (col, label) in enumerate(zip(value_cols, labels, strict=True)):
        sex = _SEXES[i // per_sex] if blocks == 3 else "_T"
        values = pd.to_numeric(body[col].replace("..", np.nan), errors="coerce")
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
        if "-" in label:
            start, end = label.split("-")
            frame["start_period"] = int(float(start))
            frame["time_period"] = int(float(end))
        else:
            frame["time_period"] = int(float(label))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _ref_area(codes: np.ndarray) -> pd.Series:
    iso = to_iso3(pd.Series(codes.astype(str)))
    iso = iso.where(codes < 900)  # DESA's aggregate codes (>= 900) are not M49 countries
    iso[codes == WORLD_CODE] = "001"
    return iso.astype("object")
