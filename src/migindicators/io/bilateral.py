"""Reader of the World Bank bilateral migrant stock matrix (input kind ``bilateral_stock``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from migindicators.core.errors import InputValidationError

__all__ = ["read_wb_bilateral_stocks"]


def read_wb_bilateral_stocks(
    path: str | Path, *, sheet: str | int = "Bilateral_Migration_2017"
) -> pd.DataFrame:
    """Read the World Bank bilateral migration matrix into input kind ``bilateral_stock``.

    The sheet holds countries of origin (birth) in rows and countries of destination
    (residence) in columns, with "Other North", "Other South" and a "World" total row and
    column; a title row above and notes below. The labels are the World Bank's country
    names (stripped of white space), the "World" row and column are dropped, and so are
    empty and zero cells (a pair without a row is a zero stock).

    Parameters
    ----------
    path : str or pathlib.Path
        The workbook (e.g. ``WB_Bilateral_Estimates_Migrant_Stocks_2017.xlsx``).
    sheet : str or int
        The matrix sheet.

    Returns
    -------
    pandas.DataFrame
        ``birthplace``, ``residence``, ``stock`` [person].

    Raises
    ------
    InputValidationError
        If the sheet has no "World" row and column, or its cells do not add up to them.

    References
    ----------
    World Bank (2018), Bilateral Migration Matrix 2017 (World Bank staff estimates based on
    UN Population Division and national sources; Migration and Remittances Factbook).
    """
    raw = pd.read_excel(path, sheet_name=sheet, header=None)
    first = raw.iloc[:, 0].astype("string").str.strip()
    header_row = int(np.flatnonzero(raw.iloc[:, 1:].notna().sum(axis=1).to_numpy() > 10)[0])
    columns = [str(c).strip() for c in raw.iloc[header_row, 1:]]
    world_rows = np.flatnonzero((first == "World").fillna(False).to_numpy())
    if "World" not in columns or not world_rows.size:
        raise InputValidationError(f"{path}: no 'World' row and column in sheet {sheet!r}")
    body = raw.iloc[header_row + 1 : world_rows[0] + 1, : columns.index("World") + 2]
    body = body.set_axis(["birthplace", *columns[: columns.index("World") + 1]], axis=1)
    body["birthplace"] = body["birthplace"].astype(str).str.strip()
    values = body.set_index("birthplace").apply(pd.to_numeric, errors="coerce")
    world = values.loc["World"].drop("World")
    matrix = values.drop(index="World", columns="World")
    if not np.allclose(matrix.sum(axis=0).to_numpy(), world.to_numpy(), rtol=1e-9, atol=1):
        raise InputValidationError(
            f"{path}: the destination totals do not add up to the 'World' row; the sheet "
            "layout is not the World Bank matrix this reader knows"
        )
    long = matrix.rename_axis(index="birthplace", columns="residence").stack().reset_index()
    long.columns = pd.Index(["birthplace", "residence", "stock"])
    out: pd.DataFrame = long[long["stock"] > 0].reset_index(drop=True)
    return out
