"""UNHCR population statistics (``refugees`` R package 2025.12.1) reproduce Global Trends 2024.

The headline "refugees under UNHCR's mandate" at end-2024 is the plain sum of the
``refugees`` column over every origin × asylum row of 2024 — unknown and stateless origins
included, Palestine refugees under UNRWA's mandate (a separate table) and OIP excluded.

SDG 10.7.4's numerator adds the other people in need of international protection (UNHCR,
Refugee Data Finder FAQ on SDG 10.7.4: "refugees under UNHCR's mandate, people in a
refugee-like situation and other people in need of international protection"; UNRWA's
Palestine refugees excluded), which is the reader's default since issue 20 (it was
mandate-only before, which put Venezuela at 0.37 M instead of 6.2 M).
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


def test_refugees_under_mandate_end_2024(shared_data: Path, end_2024: pd.DataFrame) -> None:
    # UNHCR Global Trends 2024: 30,958,200 refugees under UNHCR's mandate ("31.0 million")
    mandate = read_unhcr_population(shared_data / FILE, include_oip=False, years=[2024])
    assert mandate["refugees"].sum() == 30_958_200
    assert not mandate["includes_oip"].any()
    assert end_2024["refugees_mandate"].sum() == 30_958_200


def test_default_numerator_is_the_sdg_10_7_4_one(end_2024: pd.DataFrame) -> None:
    # refugees + OIP (Global Trends 2024: 31.0 M + 5.9 M); Venezuela is almost all OIP
    assert end_2024["includes_oip"].all()
    assert end_2024["refugees"].sum() == 30_958_200 + 5_875_359
    ven = end_2024.set_index("ref_area").loc["VEN"]
    assert ven["refugees"] == 370_169 + 5_875_359
    assert ven["refugees_mandate"] == 370_169


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
    assert res.metadata["numerator"].startswith("refugees + other people in need")


def test_world_total_counts_unknown_and_stateless_origins(end_2024: pd.DataFrame) -> None:
    """UNHCR's world total includes refugees of unknown origin (UNK), stateless (XXA) and
    Tibetan (TIB) ones: with aggregate='world' the world numerator is the published world
    total (refugees + OIP), though those have no country value."""
    countries = end_2024.loc[~end_2024["ref_area"].isin(["UNK", "XXA", "TIB"])]
    population = countries[["ref_area", "time_period"]].assign(population=1_000_000.0)
    res = mi.compute(
        "refugees_per_100k", refugees=end_2024, population=population, aggregate="world"
    )
    assert res.rows_accounted()
    world = res.data.loc[res.data["ref_area"] == "001"].iloc[0]
    unattributed = 191_689 + 36_296 + 12_576  # UNK + stateless + Tibetan, end-2024
    assert world["unattributed_refugees"] == unattributed
    known = res.data.loc[res.data["ref_area"] != "001", "refugees"].sum()
    assert world["refugees"] == known + unattributed
    # every origin with a population row is a country here, so the world total is UNHCR's
    assert (
        world["refugees"]
        == 30_958_200
        + 5_875_359
        - end_2024.loc[
            ~end_2024["ref_area"].isin(res.data["ref_area"])
            & ~end_2024["ref_area"].isin(["UNK", "XXA", "TIB"]),
            "refugees",
        ].sum()
    )
    excluded = mi.compute(
        "refugees_per_100k",
        refugees=end_2024,
        population=population,
        aggregate="world",
        unattributed_origins="exclude",
    )
    assert excluded.rows_accounted()
    w2 = excluded.data.loc[excluded.data["ref_area"] == "001"].iloc[0]
    assert w2["refugees"] == known


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
    assert read_unhcr_population(ok)["refugees"].tolist() == [17.0]
