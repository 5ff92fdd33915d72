"""UN DESA International Migrant Stock 2020: the library reproduces the published tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from migindicators.stock.compute import growth_rate_values
from migindicators.stock.desa import read_desa_table
from migindicators.stock.indicators import (
    migrant_female_share,
    migrant_share_of_population,
    migrant_stock_growth_rate,
)

WORKBOOK = "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"


@pytest.fixture(scope="module")
def tables(shared_data: Path) -> dict[int, pd.DataFrame]:
    path = shared_data / WORKBOOK
    return {t: read_desa_table(path, t) for t in (1, 2, 3, 4, 5)}


def stock_input(t1: pd.DataFrame) -> pd.DataFrame:
    rows = t1.loc[t1["ref_area"].notna()]
    return pd.DataFrame(
        {
            "ref_area": rows["ref_area"],
            "time_period": rows["time_period"],
            "sex": rows["sex"],
            "migrant_stock": rows["value"],
            "type_of_data": rows["type_of_data"].replace("", None),
        }
    ).dropna(subset=["migrant_stock"])


def test_world_stock_2020(tables: dict[int, pd.DataFrame]) -> None:
    t1 = tables[1]
    world = t1.loc[(t1["location_code"] == 900) & (t1["sex"] == "_T")].set_index("time_period")
    assert world.loc[2020, "value"] == 280_598_105
    germany = t1.loc[(t1["ref_area"] == "DEU") & (t1["sex"] == "_T") & (t1["time_period"] == 2020)]
    assert germany["value"].iloc[0] == 15_762_457
    assert germany["type_of_data"].iloc[0].startswith("B")


def test_world_share_of_population(tables: dict[int, pd.DataFrame]) -> None:
    t1, t2, t3 = tables[1], tables[2], tables[3]
    keep = (t1["ref_area"] == "001") & (t1["sex"] == "_T")
    stock = stock_input(t1.loc[keep])
    pop_rows = t2.loc[(t2["ref_area"] == "001") & (t2["sex"] == "_T")]
    population = pd.DataFrame(
        {
            "ref_area": "001",
            "time_period": pop_rows["time_period"],
            "sex": "_T",
            "population": pop_rows["value"] * 1000,
        }
    )
    res = migrant_share_of_population(stock=stock, population=population, by=["sex"])
    share = res.data.set_index("time_period")["value"]
    assert round(share[2020], 4) == 3.5998
    published = t3.loc[(t3["ref_area"] == "001") & (t3["sex"] == "_T")].set_index("time_period")
    np.testing.assert_allclose(share.sort_index(), published["value"].sort_index(), rtol=1e-6)
    assert res.rows_accounted()


def test_country_shares_reproduce_table_3(tables: dict[int, pd.DataFrame]) -> None:
    t1, t2, t3 = tables[1], tables[2], tables[3]
    key = ["location_code", "sex", "time_period"]
    t1, t2, t3 = (t.drop_duplicates(key) for t in (t1, t2, t3))
    merged = t1.merge(t2, on=key, suffixes=("_m", "_p")).merge(t3, on=key)
    merged = merged.dropna(subset=["value_m", "value_p", "value"])
    ours = 100 * merged["value_m"] / (merged["value_p"] * 1000)
    np.testing.assert_allclose(ours, merged["value"], rtol=1e-6, atol=1e-9)


def test_female_share_reproduces_table_4(tables: dict[int, pd.DataFrame]) -> None:
    t1, t4 = tables[1], tables[4]
    stock = stock_input(t1.loc[t1["ref_area"].notna()])
    res = migrant_female_share(stock=stock).data
    published = t4.loc[(t4["sex"] == "_T") & t4["ref_area"].notna()]
    merged = res.merge(published, on=["ref_area", "time_period"], suffixes=("", "_pub"))
    merged = merged.dropna(subset=["value", "value_pub"])
    assert len(merged) > 1000
    np.testing.assert_allclose(merged["value"], merged["value_pub"], rtol=1e-6, atol=1e-9)


def test_growth_rates_reproduce_every_cell_of_table_5(tables: dict[int, pd.DataFrame]) -> None:
    """Every published rate (all areas, sexes, periods) = 100 ln(M2/M1)/5 to 1e-12."""
    # "Australia and New Zealand" (927) is listed twice (two groupings), with equal values
    t1 = tables[1].drop_duplicates(["location_code", "sex", "time_period"])
    t5 = tables[5].drop_duplicates(["location_code", "sex", "time_period"])
    key = ["location_code", "sex"]
    start = t1.rename(columns={"time_period": "start_period", "value": "m1"})[
        [*key, "start_period", "m1"]
    ]
    end = t1.rename(columns={"value": "m2"})[[*key, "time_period", "m2"]]
    cells = t5.merge(start, on=[*key, "start_period"]).merge(end, on=[*key, "time_period"])
    assert len(cells) == len(t5)
    ours = growth_rate_values(
        cells["m1"], cells["m2"], cells["time_period"] - cells["start_period"]
    )
    published = cells["value"].to_numpy()
    available = ~np.isnan(published)
    assert available.sum() > 4900
    np.testing.assert_allclose(ours[available], published[available], rtol=0, atol=1e-12)
    # where DESA prints "..", the rate is undefined for us too (missing or zero stock)
    assert np.isnan(ours[~available]).all()
    for method in ("geometric", "linear"):
        other = growth_rate_values(cells["m1"], cells["m2"], 5.0, method)
        assert np.nanmax(np.abs(other[available] - published[available])) > 1e-3


def test_growth_rate_indicator_on_table_1(tables: dict[int, pd.DataFrame]) -> None:
    t1, t5 = tables[1], tables[5]
    stock = stock_input(t1)
    res = migrant_stock_growth_rate(stock=stock, by=["sex"])
    published = t5.loc[t5["ref_area"].notna()]
    merged = res.data.merge(
        published, on=["ref_area", "sex", "time_period"], suffixes=("", "_pub")
    ).dropna(subset=["value_pub"])
    assert (merged["start_period"] == merged["start_period_pub"]).all()
    np.testing.assert_allclose(merged["value"], merged["value_pub"], rtol=0, atol=1e-12)
    world = res.data.loc[(res.data["ref_area"] == "001") & (res.data["sex"] == "_T")]
    assert world.set_index("time_period").loc[2020, "value"] == pytest.approx(2.473229, abs=1e-6)
    assert res.rows_accounted()
