"""World Bank bilateral migration matrix 2017: the reader, and the guide's worked example.

The reader must reproduce the published world total (the bottom-right cell, 266,143,792);
Dennett's flows on it must share out exactly the total given and stay proportional to the
stocks; the figures quoted in docs/guide/flows-from-stocks.md are checked here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import migindicators as mi
from migindicators.io import read_wb_bilateral_stocks
from migindicators.stock.desa import read_desa_table


@pytest.fixture(scope="module")
def stocks(shared_data: Path) -> pd.DataFrame:
    return read_wb_bilateral_stocks(shared_data / "WB_Bilateral_Estimates_Migrant_Stocks_2017.xlsx")


def test_reader_reproduces_the_world_total(stocks: pd.DataFrame) -> None:
    assert stocks["stock"].sum() == 266_143_792  # EXACT: the published World cell
    assert len(stocks) == 14_947
    assert len(set(stocks["birthplace"]) | set(stocks["residence"])) == 216
    mex_usa = stocks.query("birthplace == 'Mexico' and residence == 'United States'")
    assert float(mex_usa["stock"].iloc[0]) == 11_573_680


def test_guide_worked_example(stocks: pd.DataFrame, shared_data: Path) -> None:
    t1 = read_desa_table(shared_data / "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx", 1)
    by_country = t1[t1["ref_area"].notna() & (t1["sex"] == "_T")].pivot_table(
        index="ref_area", columns="time_period", values="value"
    )
    total = float((by_country[2020] - by_country[2015]).abs().sum())
    assert total == pytest.approx(68_980_774, abs=1)
    flows = mi.compute("flows_stock_rates", stock_start=stocks, method="dennett", total=total)
    assert flows.rows_accounted()
    assert flows.data["value"].sum() == pytest.approx(total, rel=1e-12)
    foreign = stocks[stocks["birthplace"] != stocks["residence"]]["stock"].sum()
    top = flows.data.nlargest(3, "value")
    assert list(zip(top["origin"], top["destination"], strict=True)) == [
        ("Mexico", "United States"),
        ("India", "United Arab Emirates"),
        ("Russian Federation", "Ukraine"),
    ]
    assert top["value"].iloc[0] == pytest.approx(total * 11_573_680 / foreign, rel=1e-12)
    assert top["value"].iloc[0] == pytest.approx(3_000_139, abs=1)
    mei = mi.compute("migration_effectiveness_index", flows=flows).data
    assert float(mei.loc[mei["region"] == "_T", "value"].iloc[0]) == pytest.approx(
        57.5745, abs=1e-4
    )
    gini = mi.compute("migration_gini_total", flows=flows).data["value"].iloc[0]
    assert gini == pytest.approx(0.981626, abs=1e-6)
    connectivity = mi.compute("migration_connectivity", flows=flows).data["value"].iloc[0]
    off_diagonal = int((stocks["birthplace"] != stocks["residence"]).sum())
    assert connectivity == pytest.approx(off_diagonal / (216 * 215))
    assert np.isclose(connectivity, 0.321792, atol=1e-6)
