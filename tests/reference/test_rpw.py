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


def test_wdi_annual_sending_cost_is_the_third_quarter_mean(
    prices: pd.DataFrame, shared_data: Path
) -> None:
    """WDI SI.RMT.COST.OB.ZS (2023-05-10) for Tanzania 2011 is the mean over the services of
    2011 Q3 with each cost recomputed unrounded from fee and rates: reproduced exactly.

    The rounded cost column gives 24.3146 and the fee + printed margin 24.3149 instead, and
    the two-quarter mean is further off, so this test fails under any other rule."""
    from migindicators.io import read_wdi

    wdi = read_wdi(shared_data / "wdi_SI.RMT.COST.OB.ZS_2023-05-10.xls")
    published = wdi.set_index(["ref_area", "time_period"]).loc[("TZA", 2011), "value"]
    assert published == pytest.approx(24.3134728971593, abs=1e-13)
    res = mi.compute("remittance_cost_average", prices=prices, level="sending", period="year_q3")
    assert res.rows_accounted()
    row = res.data.set_index(["sending_area", "time_period"]).loc[("TZA", "2011")]
    assert row["value"] == pytest.approx(published, rel=0, abs=1e-12)
    assert row["n"] == 39
    assert res.metadata["options"]["cost_source"] == "recomputed"
    reasons = set(res.exclusions["reason"])
    assert any("third-quarter" in r for r in reasons)
    quarterly = mi.compute("remittance_cost_average", prices=prices, level="sending")
    q3 = quarterly.data.set_index("time_period").loc["2011-Q3", "value"]
    assert abs(q3 - published) > 1e-3  # the rounded source column is not WDI's rule


def test_rpw_codes_ksv_and_ant_stay_in_regional_averages() -> None:
    """RPW writes Kosovo as KSV and still has the Netherlands Antilles (ANT) in early
    quarters: their services count in regional and world averages (not 'unknown country'),
    but not as extra members in coverage counts (hand-checked counts)."""
    from migindicators.core.countries import count_members, counted_member, members

    rows = [("USA", "KSV", 5.0), ("USA", "ANT", 7.0), ("USA", "MEX", 3.0), ("DEU", "XKX", 4.0)]
    prices = pd.DataFrame(
        {
            "time_period": "2011-Q1",
            "sending_area": [s for s, _, _ in rows],
            "receiving_area": [r for _, r, _ in rows],
            "amount_usd": 200.0,
            "total_cost": [c for _, _, c in rows],
            "transparent": "yes",
        }
    )
    region = mi.compute("remittance_cost_average", prices=prices, level="region")
    assert region.exclusions.empty
    values = region.data.set_index("ref_area")["value"]
    assert values["513"] == 4.5  # Europe and Northern America: KSV and XKX
    assert values["419"] == 5.0  # Latin America and the Caribbean: ANT and MEX
    covered = region.data.set_index("ref_area")["members_with_data"]
    # Coverage counts reporting members (DESA IMS 2020's areas, core.countries.count_members).
    # DESA does not report Kosovo separately, so neither KSV nor XKX counts towards 513's
    # coverage, while their services are in its value (above).
    assert covered["513"] == 0
    assert covered["419"] == 1  # MEX; ANT (withdrawn, three successors) counts as none
    share = region.data.set_index("ref_area")["member_coverage"]
    assert share["419"] == pytest.approx(1 / count_members("sdg_region")["419"])
    world = mi.compute("remittance_cost_average", prices=prices, level="world")
    assert world.data["n"].item() == 4
    sdg = members("sdg_region").set_index("iso3")["area"]
    assert sdg["KSV"] == sdg["XKX"] == "513"
    assert sdg["ANT"] == "419"  # every successor (BES, CUW, SXM) is in the Caribbean
    # KSV counts as XKX where Kosovo is counted at all (every M49 area): one member, not two
    counted = counted_member(pd.Series(["KSV", "XKX", "ANT"]), universe="m49")
    assert counted.tolist()[:2] == ["XKX", "XKX"] and pd.isna(counted.iloc[2])
    # the world counts the 231 country rows of DESA IMS 2020's 232 areas (the Channel
    # Islands, one DESA area, are Guernsey and Jersey in M49 and not counted), not every
    # M49 area (250: Antarctica, Bouvet Island, ... report nothing)
    table = mi.core.countries.country_table()
    assert count_members("world")["001"] == int(table["reports"].sum()) == 231
    assert count_members("world", universe="m49")["001"] == len(table) == 250
