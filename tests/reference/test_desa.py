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


# --- both editions, read as DESA distributes them, fed straight to the indicators ------------

EDITIONS = {
    2019: "undesa_pd_2019_migrant_stock_total_dataset.xlsx",
    2020: WORKBOOK,
}
KEY = ["ref_area", "sex", "time_period"]
#: Cells where the published 2019 tables do not follow from the published stock and
#: population, all at territorial changes: the Netherlands Antilles (dissolved 2010; BES,
#: SXM), Sudan (South Sudan seceded 2011), Serbia (Montenegro 2006, Kosovo). DESA's
#: population for those years covers the former territory while the stock does not (or the
#: reverse), so the table breaks, not the formula. The 2020 edition has no such cell.
TERRITORIAL_2019 = {
    # (ref_area, sex, time_period) for Tables 3 and 5, (ref_area, time_period) for Table 4
    "share": {("BES", "_T", year) for year in (1990, 1995, 2000, 2005)}
    | {
        (area, sex, year)
        for area in ("SDN", "SRB")
        for year in (1990, 1995, 2000, 2005)
        for sex in ("_T", "M", "F")
    },
    "growth": {("BES", sex, 2010) for sex in ("_T", "M", "F")},
    "female": {("SXM", 2005)},
}


@pytest.fixture(scope="module", params=sorted(EDITIONS))
def edition(request, shared_data: Path) -> tuple[int, dict[int, pd.DataFrame]]:
    path = shared_data / EDITIONS[request.param]
    return request.param, {t: read_desa_table(path, t) for t in (1, 2, 3, 4, 5)}


def _mismatches(ours: pd.DataFrame, published: pd.DataFrame, key: list[str], **tol) -> set:
    pub = published.loc[published["ref_area"].notna()].drop_duplicates(key)
    merged = pub.merge(ours, on=key, how="left", suffixes=("_pub", ""))
    same = np.isclose(merged["value"], merged["value_pub"], **tol) | (
        merged["value"].isna() & merged["value_pub"].isna()
    )
    assert len(merged) > 1500
    return set(map(tuple, merged.loc[~same, key].itertuples(index=False)))


def test_world_totals_of_each_edition(edition) -> None:
    year, t = edition
    world = t[1].loc[(t[1]["location_code"] == 900) & (t[1]["sex"] == "_T")]
    world = world.set_index("time_period")["migrant_stock"]
    if year == 2019:
        assert world[2019] == 271_642_105
        assert world[2015] == 248_861_296  # revised to 247,958,644 in the 2020 edition
    else:
        assert world[2020] == 280_598_105
    assert t[2]["population"].equals(t[2]["value"] * 1000)


def test_stock_tables_feed_the_indicators_directly(edition) -> None:
    """Table 1 and Table 2 as read (aggregate rows, '..' cells, blank type codes) are valid
    stock= and population= inputs; the rows set aside are counted by reason."""
    _, t = edition
    res = migrant_share_of_population(stock=t[1], population=t[2], by=["sex"])
    assert res.rows_accounted()
    reasons = set(res.exclusions["reason"])
    assert "aggregate without an area code (a DESA region or group code)" in reasons


def test_share_of_population_reproduces_table_3(edition) -> None:
    year, t = edition
    res = migrant_share_of_population(stock=t[1], population=t[2], by=["sex"])
    bad = _mismatches(res.data, t[3], KEY, rtol=1e-6, atol=1e-9)
    assert bad == (TERRITORIAL_2019["share"] if year == 2019 else set())


def test_female_share_reproduces_table_4_in_each_edition(edition) -> None:
    year, t = edition
    res = migrant_female_share(stock=t[1])
    assert res.rows_accounted()
    bad = _mismatches(res.data, t[4], ["ref_area", "time_period"], rtol=1e-6, atol=1e-9)
    assert bad == (TERRITORIAL_2019["female"] if year == 2019 else set())


def test_growth_rate_reproduces_table_5(edition) -> None:
    """Every published rate, '..' included (NaN here), from Table 1 as read; the 2019
    edition's last period is 2015-2019 (four years)."""
    year, t = edition
    res = migrant_stock_growth_rate(stock=t[1], by=["sex"])
    assert res.rows_accounted()
    bad = _mismatches(res.data, t[5], KEY, rtol=0, atol=1e-10)
    assert bad == (TERRITORIAL_2019["growth"] if year == 2019 else set())
    last = res.data.loc[(res.data["ref_area"] == "001") & (res.data["sex"] == "_T")]
    assert last["time_period"].max() - last["start_period"].max() == (4 if year == 2019 else 5)


def test_missing_middle_year_is_nan_as_desa_prints(tables: dict[int, pd.DataFrame]) -> None:
    """A '..' for 2010 between two published years: DESA prints '..' for the rate ending in
    2015; the library gives NaN flagged missing_input (or, with missing_period='span', the
    rate over 2005-2015)."""
    t1 = tables[1].copy()
    hole = (t1["ref_area"] == "DEU") & (t1["time_period"] == 2010)
    t1.loc[hole, ["value", "migrant_stock"]] = np.nan
    res = migrant_stock_growth_rate(stock=t1, by=["sex"])
    assert res.rows_accounted()
    deu = res.data.loc[(res.data["ref_area"] == "DEU") & (res.data["sex"] == "_T")]
    row = deu.set_index("time_period").loc[2015]
    assert np.isnan(row["value"]) and row["start_period"] == 2010
    assert "missing_input" in row["flag"]
    assert 2010 not in set(deu["time_period"])
    span = migrant_stock_growth_rate(stock=t1, by=["sex"], missing_period="span")
    srow = span.data.loc[(span.data["ref_area"] == "DEU") & (span.data["sex"] == "_T")]
    srow = srow.set_index("time_period").loc[2015]
    m = t1.loc[(t1["ref_area"] == "DEU") & (t1["sex"] == "_T")].set_index("time_period")
    expected = 100 * np.log(m.loc[2015, "value"] / m.loc[2005, "value"]) / 10
    assert srow["start_period"] == 2005
    assert srow["value"] == pytest.approx(expected, rel=1e-12)


def test_not_a_desa_table_is_a_clear_error(tmp_path: Path) -> None:
    from migindicators.core.errors import InputValidationError

    path = tmp_path / "other.xlsx"
    pd.DataFrame({"a": [1, 2], "b": ["x", "y"], "c": [0, 0], "d": ["no", "code"]}).to_excel(
        path, sheet_name="Table 1", index=False
    )
    with pytest.raises(InputValidationError, match="Location code"):
        read_desa_table(path, 1)
    wide = tmp_path / "wide.xlsx"
    pd.DataFrame({c: [1, 2] for c in "abcdefg"}).to_excel(wide, sheet_name="Table 1")
    with pytest.raises(InputValidationError, match="no header row"):
        read_desa_table(wide, 1)
