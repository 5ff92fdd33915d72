"""Reference: RPW corridor averages recomputed from real RPW rows match the World Bank's
published DataBank series ATCR.CORR (to the float32 precision it is stored in)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import migindicators as mi
from migindicators.io import read_bilateral_remittances, read_rpw, read_rpw_databank

EXTRACT = "rpw_eastafrica_2011_extract.csv"
DATABANK = "rpw_corridor_averages_databank_2011q1_2020q3.csv"


@pytest.fixture(scope="module")
def prices(shared_data: Path) -> pd.DataFrame:
    return read_rpw(shared_data / EXTRACT)


@pytest.fixture(scope="module")
def published(shared_data: Path) -> pd.DataFrame:
    return read_rpw_databank(shared_data / DATABANK)


def test_databank_export_is_parsed(published: pd.DataFrame) -> None:
    assert set(published["series"]) == {"ATCR.CORR"}
    assert published["time_period"].str.fullmatch(r"\d{4}-Q[1-4]").all()
    # about 10 400 non-empty cells; footer lines and ".." are gone
    assert 10_000 < len(published) < 11_000
    assert published["value"].notna().all()
    row = published[
        (published["sending_area"] == "TZA")
        & (published["receiving_area"] == "KEN")
        & (published["time_period"] == "2011-Q1")
    ]
    assert row["value"].item() == pytest.approx(23.6175003051758)


def test_rpw_reader_maps_the_published_layout(prices: pd.DataFrame) -> None:
    assert len(prices) == 150  # 75 services x (cc1, cc2)
    assert set(prices["amount_usd"]) == {200.0, 500.0}
    assert set(prices["time_period"]) == {"2011-Q1", "2011-Q3"}
    assert prices["sending_g8g20"].isna().all()  # ".." = not classified
    mi.schemas.validate("remittance_prices", prices)


def test_corridor_averages_reproduce_databank(
    prices: pd.DataFrame, published: pd.DataFrame
) -> None:
    res = mi.compute("remittance_cost_average", prices=prices, level="corridor")
    assert res.rows_accounted()
    got = res.data.merge(
        published,
        on=["sending_area", "receiving_area", "time_period"],
        how="left",
        suffixes=("", "_published"),
    )
    assert len(got) == 6  # 3 corridors x 2 quarters present in the extract
    assert got["value_published"].notna().all(), "a computed cell has no published value"
    np.testing.assert_allclose(got["value"], got["value_published"], rtol=0, atol=1e-5)
    expected = {
        ("KEN", "2011-Q1"): 23.6175003,
        ("KEN", "2011-Q3"): 23.6027279,
        ("RWA", "2011-Q3"): 24.5942860,
        ("UGA", "2011-Q3"): 24.5942860,
    }
    for (dest, quarter), value in expected.items():
        cell = got[(got["receiving_area"] == dest) & (got["time_period"] == quarter)]
        assert cell["value"].item() == pytest.approx(value, abs=1e-5)
    assert (got["n"] > 0).all()


def test_recomputed_costs_agree_with_source_within_rounding(prices: pd.DataFrame) -> None:
    res = mi.compute("remittance_total_cost", prices=prices, amount=200)
    diff = (res.data["total_cost_source"] - res.data["total_cost_recomputed"]).abs()
    assert diff.max() < 0.01  # README: largest difference 0.007 pp
    assert "negative_margin" in ";".join(res.data["flag"])  # a -0.41 margin in the extract


def test_bilateral_remittance_matrix(shared_data: Path) -> None:
    flows = read_bilateral_remittances(shared_data / "WB_Bilateral_Remittance_Estimates_2017.xlsx")
    total = flows["flow"].sum() / 1e6
    # rows sum to the WORLD column exactly; the WORLD row total (613,465.8) differs by ~2
    assert total == pytest.approx(613_463.8046, abs=1e-3)
    assert total == pytest.approx(613_465.8, abs=2.1)
    inflow = flows.groupby("receiving_area")["flow"].sum() / 1e6
    assert inflow["IND"] == pytest.approx(68_968, abs=1)
    assert inflow["CHN"] == pytest.approx(63_860, abs=1)
    assert inflow["PHL"] == pytest.approx(32_808, abs=1)
