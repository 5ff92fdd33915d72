"""DESA's Tables 1 and 2 are by sex: without ``by=["sex"]`` the share uses their totals.

Regression: the tables' three rows per area (both sexes, male, female) were matched many to
many, giving nine rows per area and year. Published figure: UN DESA, International Migrant
Stock 2020, Table 3 — world 2020, 3.5998 % (281 million of 7.79 billion).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import migindicators as mi
from migindicators.stock.desa import read_desa_table

WORKBOOK = "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"


def test_share_without_by_uses_the_totals(shared_data: Path) -> None:
    path = shared_data / WORKBOOK
    stock, population = read_desa_table(path, 1), read_desa_table(path, 2)
    res = mi.compute("migrant_share_of_population", stock=stock, population=population)
    assert res.rows_accounted()
    data = res.data
    assert not data.duplicated(["ref_area", "time_period"]).any()
    world = data.loc[(data["ref_area"] == "001") & (data["time_period"] == 2020)]
    assert len(world) == 1
    assert world["value"].iloc[0] == pytest.approx(3.5998, abs=5e-5)
    assert world["migrants"].iloc[0] == 280_598_105
    reasons = set(res.exclusions["reason"])
    assert any(r.startswith("breakdown by sex not requested") for r in reasons)


def test_several_rows_per_cell_without_a_total_is_an_error() -> None:
    stock = pd.DataFrame(
        {
            "ref_area": ["KEN", "KEN"],
            "time_period": [2020, 2020],
            "sex": ["F", "M"],
            "migrant_stock": [10.0, 20.0],
        }
    )
    population = pd.DataFrame({"ref_area": ["KEN"], "time_period": [2020], "population": [1000.0]})
    res = mi.compute("migrant_share_of_population", stock=stock, population=population)
    # no total row: the sexes are excluded and counted, nothing is matched many to many
    assert res.rows_accounted()
    assert len(res.data) == 0
