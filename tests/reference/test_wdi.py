"""WDI extracts (2023-05-10) reproduce the published SDG 17.3.2 values.

GDP of the same WDI vintage is not available (data README, section 5), and GDP of another
vintage differs by 0.07-1.4 % (median), which would make any comparison approximate. So the
test uses the *implied* GDP, received ÷ (% of GDP) × 100, taken from the two files of the
same vintage: fed back through :func:`remittances_share_of_gdp`, the division must give the
published percentages to the last bit. That checks the reader (sheet, header row, codes,
years, units) and the indicator's arithmetic, scaling and matching exactly; it does not
check the World Bank's GDP, which is not what this library computes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import migindicators as mi
from migindicators.io import read_wdi

RECEIVED = "wdi_BX.TRF.PWKR.CD.DT_2023-05-10.xls"
PERCENT = "wdi_BX.TRF.PWKR.DT.GD.ZS_2023-05-10.xls"


@pytest.fixture(scope="module")
def frames(shared_data: Path) -> dict[str, pd.DataFrame]:
    received = read_wdi(shared_data / RECEIVED)
    percent = read_wdi(shared_data / PERCENT)
    both = received.merge(percent, on=["ref_area", "time_period"], suffixes=("_r", "_p"))
    both = both.loc[both["value_p"] > 0]
    gdp = both.assign(gdp=both["value_r"] / both["value_p"] * 100.0)
    return {
        "received": received,
        "percent": percent,
        "remittances": received[["ref_area", "time_period", "remittances"]],
        "gdp": gdp[["ref_area", "time_period", "gdp"]],
    }


def test_reader_layout(frames: dict[str, pd.DataFrame]) -> None:
    percent = frames["percent"]
    assert list(percent.columns) == [
        "ref_area",
        "country_name",
        "indicator",
        "time_period",
        "value",
    ]
    assert set(percent["indicator"]) == {"BX.TRF.PWKR.DT.GD.ZS"}
    assert percent["time_period"].between(1960, 2022).all()
    tjk = percent.set_index(["ref_area", "time_period"]).loc[("TJK", 2021)]
    assert tjk["country_name"] == "Tajikistan"


@pytest.mark.parametrize(
    ("area", "published"),
    [
        ("TJK", 33.41),
        ("HND", 25.29),
        ("NPL", 22.67),
        ("KEN", 3.42),
    ],
)
def test_published_2021_values(
    frames: dict[str, pd.DataFrame], area: str, published: float
) -> None:
    res = mi.compute(
        "remittances_share_of_gdp", remittances=frames["remittances"], gdp=frames["gdp"]
    )
    value = res.data.set_index(["ref_area", "time_period"]).loc[(area, 2021), "value"]
    assert round(value, 2) == published


def test_every_country_value_reproduced(frames: dict[str, pd.DataFrame]) -> None:
    res = mi.compute(
        "remittances_share_of_gdp", remittances=frames["remittances"], gdp=frames["gdp"]
    )
    assert res.rows_accounted()
    check = res.data.merge(frames["percent"], on=["ref_area", "time_period"], suffixes=("", "_wdi"))
    assert len(check) > 6000
    np.testing.assert_allclose(check["value"], check["value_wdi"], rtol=1e-14)
    # WDI aggregates (WLD, SSF, ...) are not country codes: reported, not dropped silently
    unknown = res.exclusions.loc[res.exclusions["reason"] == "unknown country code"]
    aggregates = ~mi.core.countries.is_country(frames["remittances"]["ref_area"])
    assert unknown.set_index("input").loc["remittances", "rows"] == aggregates.sum()
    assert "ARB" in unknown["detail"].iloc[0]


def test_world_aggregate_rounds_to_published(frames: dict[str, pd.DataFrame]) -> None:
    # APPROX by construction: the implied GDP exists only for economies with remittance
    # data, while the World Bank's WLD denominator is the GDP of all economies
    # (0.7848 here against 0.7815 published for 2021); both round to the published 0.78.
    res = mi.compute(
        "remittances_share_of_gdp",
        remittances=frames["remittances"],
        gdp=frames["gdp"],
        aggregate="world",
    )
    world = res.data.set_index(["ref_area", "time_period"]).loc[("001", 2021)]
    assert round(world["value"], 2) == 0.78
    assert "incomplete_coverage" in world["flag"]


def test_missing_excel_engine_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, shared_data: Path
) -> None:
    import importlib

    real = importlib.import_module

    def fake(name: str, *args: object) -> object:
        if name == "xlrd":
            raise ImportError("No module named 'xlrd'")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.raises(ImportError, match=r"migindicators\[excel\]"):
        read_wdi(shared_data / PERCENT)


def test_csv_layout_and_bad_files(tmp_path: Path) -> None:
    from migindicators.core.errors import InputValidationError

    csv = tmp_path / "API_BX.csv"
    csv.write_text(
        '"Data Source","World Development Indicators",\n\n'
        '"Last Updated Date","2023-05-10",\n\n'
        '"Country Name","Country Code","Indicator Name","Indicator Code","2020","2021",\n'
        '"Tajikistan","TJK","Personal remittances, received (% of GDP)",'
        '"BX.TRF.PWKR.DT.GD.ZS","31.2","33.4",\n'
        '"Kenya","KEN","Personal remittances, received (% of GDP)",'
        '"BX.TRF.PWKR.DT.GD.ZS","","3.4",\n'
    )
    out = read_wdi(csv)
    assert out[["ref_area", "time_period", "value"]].values.tolist() == [
        ["KEN", 2021, 3.4],
        ["TJK", 2020, 31.2],
        ["TJK", 2021, 33.4],
    ]
    assert len(read_wdi(csv, dropna=False)) == 4
    bad = tmp_path / "other.csv"
    bad.write_text("a,b\n1,2\n" * 4)
    with pytest.raises(InputValidationError, match="not a WDI indicator file"):
        read_wdi(bad)
    with pytest.raises(InputValidationError, match=".xls, .xlsx or .csv"):
        read_wdi(tmp_path / "file.json")
