"""UNHCR population statistics (``refugees`` R package 2025.12.1) reproduce Global Trends 2024.

The headline "refugees under UNHCR's mandate" at end-2024 is the plain sum of the
``refugees`` column over every origin × asylum row of 2024 — unknown and stateless origins
included, Palestine refugees under UNRWA's mandate (a separate table) and OIP excluded.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import migindicators as mi
from migindicators.io import read_unhcr_population
from migindicators.schemas.population import REFUGEES

FILE = "unhcr_refugees_pkg_2025.12.1_population.csv"


@pytest.fixture(scope="module")
def end_2024(shared_data: Path) -> pd.DataFrame:
    return read_unhcr_population(shared_data / FILE, years=[2024])


def test_refugees_under_mandate_end_2024(end_2024: pd.DataFrame) -> None:
    # UNHCR Global Trends 2024: 30,958,200 refugees under UNHCR's mandate ("31.0 million")
    assert end_2024["refugees"].sum() == 30_958_200


def test_other_people_in_need_of_international_protection(end_2024: pd.DataFrame) -> None:
    # UNHCR Global Trends 2024: OIP 5,875,359 ("5.9 million")
    assert end_2024["oip"].sum() == 5_875_359


def test_include_oip_adds_them(shared_data: Path) -> None:
    with_oip = read_unhcr_population(shared_data / FILE, include_oip=True, years=[2024])
    assert with_oip["refugees"].sum() == 30_958_200 + 5_875_359


def test_output_is_a_valid_refugees_input(end_2024: pd.DataFrame) -> None:
    REFUGEES.validate(end_2024, input_name="refugees")
    assert not end_2024.duplicated(["ref_area", "time_period"]).any()
    syr = end_2024.set_index("ref_area").loc["SYR"]
    assert syr["asylum_countries"] > 50


def test_feeds_refugees_per_100k(end_2024: pd.DataFrame) -> None:
    # No WPP denominators are bundled: a round illustrative population, to show the flow and
    # that the unknown/stateless origins are reported, not dropped silently.
    population = pd.DataFrame(
        {"ref_area": ["SYR"], "time_period": [2024], "population": [24_000_000]}
    )
    res = mi.compute("refugees_per_100k", refugees=end_2024, population=population)
    assert res.rows_accounted()
    assert "unknown country code" in set(res.exclusions["reason"])
    syr = end_2024.set_index("ref_area").loc["SYR", "refugees"]
    assert res.data["value"].iloc[0] == pytest.approx(1e5 * syr / (24e6 + syr))


def test_not_a_unhcr_table(tmp_path: Path) -> None:
    from migindicators.core.errors import InputValidationError

    bad = tmp_path / "x.csv"
    bad.write_text("year,origin,refugees\n2024,SYR,10\n")
    with pytest.raises(InputValidationError, match="coo_iso"):
        read_unhcr_population(bad)
    text = "year,coo_iso,coa_iso,refugees,oip\n2024,SYR,TUR,10,\n2024,SYR,DEU,5,2\n"
    ok = tmp_path / "ok.csv"
    ok.write_text(text)
    out = read_unhcr_population(ok, include_oip=True)
    assert out[["ref_area", "refugees", "oip", "asylum_countries"]].values.tolist() == [
        ["SYR", 17.0, 2.0, 2]
    ]
