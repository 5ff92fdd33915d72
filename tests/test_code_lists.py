"""The shipped code lists are what ``tools/build_code_lists.py`` builds from their sources,
and the facts the library relies on hold in them (each test names its source)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from migindicators.core import countries
from migindicators.core.aggregate import sum_by_area
from migindicators.core.errors import AmbiguousAreaError, OptionError
from migindicators.core.units import CURRENCIES, HISTORICAL_CURRENCIES, parse_unit
from migindicators.protection.refugees import refugees_per_100k

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "migindicators" / "data"


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "build_code_lists", ROOT / "tools" / "build_code_lists.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_script_reproduces_the_shipped_currency_table() -> None:
    script = _script()
    folder = script.iso_codes_directory()
    if folder is None:
        pytest.skip("ISO 4217 source absent: install Debian iso-codes or PyPI pycountry")
    shipped = (DATA / "currencies.csv").read_text("utf-8")
    assert script.build_currencies(folder) == shipped


def test_script_reproduces_the_shipped_area_tables(shared_data: Path) -> None:
    script = _script()
    folder = script.iso_codes_directory()
    m49 = script.m49_source()
    desa = script.desa_source(str(shared_data / script.DESA_FILE))
    if folder is None:
        pytest.skip("ISO 3166 source absent: install Debian iso-codes or PyPI pycountry")
    if m49 is None:
        pytest.skip("M49 source absent: pip install --no-deps django-countries-hdx==3.0.3")
    if desa is None:
        pytest.skip(f"{script.DESA_FILE} absent from {shared_data}")
    built = script.build_all(folder, m49, desa)
    for name in ("countries.csv", "regions.csv", "historical_codes.csv"):
        assert built[name] == (DATA / name).read_text("utf-8"), name
    assert script.main(["--check", "--desa", str(desa)]) == 0  # the command-line check


def test_current_amendments_and_historical_codes_are_currencies() -> None:
    # ISO 4217 Amendments 176 (XCG, 2025) and 177 (ZWG, 2024); VED from list one
    for code in ("ZWG", "XCG", "VED", "USD", "XDR"):
        assert code in CURRENCIES and code not in HISTORICAL_CURRENCIES
        parse_unit(code)
    # withdrawn codes old data carries, with the last day they were valid
    assert HISTORICAL_CURRENCIES["ZWL"] == "2024-08-31"
    assert HISTORICAL_CURRENCIES["HRK"] == "2022-12-31"
    assert HISTORICAL_CURRENCIES["ANG"] == "2025-06-30"
    assert HISTORICAL_CURRENCIES["LTL"] == "2014-12-31"
    assert all(code in CURRENCIES for code in HISTORICAL_CURRENCIES)
    assert len(set(CURRENCIES)) == len(CURRENCIES)


# --- the country table (UNSD M49) ------------------------------------------------------------


def test_current_m49_names() -> None:
    # UNSD M49 English short names in force (Türkiye since 2022, North Macedonia since 2019)
    names = countries.country_table().set_index("iso3")["name"]
    assert names["TUR"] == "Türkiye"
    assert names["MKD"] == "North Macedonia"
    assert names["NLD"] == "Netherlands (Kingdom of the)"
    assert names["KOR"] == "Republic of Korea"
    assert names["XKX"] == "Kosovo"


def test_development_groupings() -> None:
    # UN-OHRLLS lists: 44 LDCs after Bhutan (13 Dec 2023) and São Tomé and Príncipe (13 Dec
    # 2024) graduated; 32 LLDCs. SIDS: M49's SIDS column (UN members and associate members).
    table = countries.country_table().set_index("iso3")
    assert table["ldc"].dtype == bool and table["reports"].dtype == bool
    assert int(table["ldc"].sum()) == 44
    assert table.loc[["AFG", "BGD", "HTI", "SLB", "TLS"], "ldc"].all()
    assert not table.loc[["BTN", "STP", "VUT", "MDV", "BWA"], "ldc"].any()  # graduated
    assert int(table["lldc"].sum()) == 32
    assert table.loc[["AFG", "BOL", "PRY", "MNG", "MKD"], "lldc"].all()
    assert table.loc[["FJI", "JAM", "SGP", "MDV", "CUW"], "sids"].all()
    assert not table.loc[["AUS", "NZL", "GBR"], "sids"].any()
    regions = countries.region_table().set_index("grouping")
    for grouping, code in (("ldc", "199"), ("lldc", "432"), ("sids", "722")):
        assert regions.loc[grouping, "code"] == code  # the M49 codes of the groupings
        counted = countries.count_members(grouping)
        assert counted.index.tolist() == [code]
    assert countries.count_members("ldc")["199"] == 44


# --- historical codes (ISO 3166-3) ----------------------------------------------------------


def test_withdrawn_codes_with_dates_and_successors() -> None:
    # ISO 3166-3 withdrawal dates; successors from its four-letter codes or cited rows
    table = countries.historical_table().set_index("iso3")
    assert table.loc["SUN", "valid_to"] == "1992-08-30"
    assert table.loc["ANT", "valid_to"] == "2010-12-15"
    assert table.loc["CSK", "successors"] == "CZE;SVK"
    assert table.loc["SCG", "successors"] == "MNE;SRB;XKX"
    assert len(table.loc["SUN", "successors"].split(";")) == 15
    assert table.loc["DDR", "current"] == "DEU" and table.loc["BUR", "current"] == "MMR"
    assert table.loc["KSV", "current"] == "XKX"
    assert "ATF" not in table.index  # withdrawn in 1979, reused for a current area
    codes = pd.Series(["SUN", "YUG", "CSK", "SCG", "ANT", "DDR", "KSV"])
    assert countries.is_country(codes).all()
    assert countries.to_m49(codes).tolist() == ["810", "890", "200", "891", "530", "278", "412"]


def test_withdrawn_codes_join_the_aggregates_of_all_their_successors() -> None:
    sub = countries.members("m49_sub_region").set_index("iso3")["area"]
    assert sub["CSK"] == "151"  # Czechia and Slovakia: Eastern Europe
    assert sub["YUG"] == sub["SCG"] == "039"  # Southern Europe
    assert sub["DDR"] == "155"
    assert "SUN" not in sub.index  # Europe and Asia: no single sub-region
    inter = countries.members("m49_intermediate_region").set_index("iso3")["area"]
    assert inter["ANT"] == "029"  # Caribbean
    assert "SUN" in set(countries.members("world")["iso3"])
    lldc = set(countries.members("lldc")["iso3"])
    assert "YUG" not in lldc and "MKD" in lldc  # North Macedonia is an LLDC, the others not


def test_ambiguous_withdrawn_codes_are_a_typed_error() -> None:
    countries.check_assignable(["CSK", "DEU"], "m49_region")  # unambiguous: no error
    with pytest.raises(AmbiguousAreaError, match=r"SUN.*142, 150"):
        countries.check_assignable(["SUN", "DEU"], "m49_region")
    with pytest.raises(AmbiguousAreaError, match="YUG"):
        countries.check_assignable(["YUG"], "lldc")
    frame = pd.DataFrame(
        {"ref_area": ["SUN", "CSK", "POL"], "time_period": 1989, "stock": [5.0, 2.0, 1.0]}
    )
    world = sum_by_area(frame, values=["stock"], keys=["time_period"], groupings=["world"])
    assert world["stock"].item() == 8.0  # every successor is in the world
    with pytest.raises(AmbiguousAreaError, match="SUN"):
        sum_by_area(frame, values=["stock"], keys=["time_period"], groupings=["m49_region"])
    east = sum_by_area(
        frame.iloc[1:], values=["stock"], keys=["time_period"], groupings=["m49_sub_region"]
    )
    row = east.set_index("ref_area").loc["151"]
    assert row["stock"] == 3.0  # CSK and POL
    assert row["members_with_data"] == 1  # POL; CSK has two successors and counts as none


# --- coverage counts the members that report -------------------------------------------------


def test_reporting_members_are_desa_ims_2020_areas() -> None:
    # UN DESA IMS 2020 Table 1: 232 countries or areas; the Channel Islands (830) are one of
    # them, Guernsey and Jersey in M49, so 231 country rows report.
    table = countries.country_table().set_index("iso3")
    assert int(table["reports"].sum()) == 231
    assert not table.loc[["HMD", "BVT", "NFK", "CXR", "CCK", "ATA", "TWN", "XKX"], "reports"].any()
    assert table.loc[["AUS", "NZL", "SRB", "CHN", "TKL", "VAT"], "reports"].all()
    assert countries.count_members("m49_sub_region")["053"] == 2  # AUS and NZL
    assert countries.count_members("m49_sub_region", universe="m49")["053"] == 6
    assert countries.count_members("world")["001"] == 231
    with pytest.raises(OptionError, match="universe"):
        countries.count_members("world", universe="inhabited")


def test_australia_and_new_zealand_cover_their_sub_region() -> None:
    ref = pd.DataFrame({"ref_area": ["AUS", "NZL"], "time_period": 2024, "refugees": [1e4, 2e3]})
    pop = pd.DataFrame(
        {"ref_area": ["AUS", "NZL"], "time_period": 2024, "population": [27e6, 5.2e6]}
    )
    res = refugees_per_100k(ref, pop, aggregate="m49_sub_region")
    anz = res.data.set_index("ref_area").loc["053"]
    assert anz["value"] == pytest.approx(1e5 * 12e3 / (12e3 + 32.2e6))  # hand-computed
    assert anz["flag"] == ""  # both reporting members: complete


def test_world_of_all_reporting_areas_is_complete() -> None:
    reporting = countries.country_table().loc[lambda t: t["reports"], "iso3"].tolist()
    frame = pd.DataFrame(
        {"ref_area": reporting, "time_period": 2020, "stock": np.ones(len(reporting))}
    )
    world = sum_by_area(frame, values=["stock"], keys=["time_period"], groupings=["world"])
    assert world["members_with_data"].item() == world["members_total"].item() == 231
    assert world["member_coverage"].item() == 1.0
    # one reporting area fewer: incomplete; a non-reporting one more: still 231 of 231
    fewer = sum_by_area(frame.iloc[1:], values=["stock"], keys=["time_period"], groupings=["world"])
    assert fewer["member_coverage"].item() == pytest.approx(230 / 231)
    extra = pd.concat([frame, frame.iloc[:1].assign(ref_area="HMD")], ignore_index=True)
    more = sum_by_area(extra, values=["stock"], keys=["time_period"], groupings=["world"])
    assert more["members_with_data"].item() == 231 and more["stock"].item() == 232.0


# --- SDMX REF_AREA against the M49 code list ---------------------------------------------------


def test_sdmx_ref_area_is_checked_against_the_m49_code_list() -> None:
    from migindicators.publish import check_sdmx_csv, to_sdmx
    from migindicators.publish.codes import ref_area_m49

    codes = countries.m49_codes()
    # UNSD M49: countries, former areas, aggregates and the three development groupings
    assert {"004", "810", "001", "053", "199", "432", "722"} <= codes
    assert "947" not in codes  # DESA's own code for Sub-Saharan Africa, not M49 (202)
    ref = pd.DataFrame({"ref_area": ["AUS", "NZL"], "time_period": 2024, "refugees": [1e4, 2e3]})
    pop = pd.DataFrame(
        {"ref_area": ["AUS", "NZL"], "time_period": 2024, "population": [27e6, 5.2e6]}
    )
    result = refugees_per_100k(ref, pop, aggregate="ldc")
    # three-digit M49 on request (area_codes="m49"), checked against the M49 tables
    frame = to_sdmx(result, area_codes="m49")
    assert set(frame["REF_AREA"]) == {"036", "554"}  # no LDC among them: no 199 row
    assert check_sdmx_csv(frame, area_codes="m49") == []
    bad = frame.assign(REF_AREA=frame["REF_AREA"].where(frame["REF_AREA"] != "554", "947"))
    problems = check_sdmx_csv(bad, area_codes="m49")
    assert any("not in the M49 code list" in p and "947" in p for p in problems)
    # the SDG DSD's spelling by default: CL_AREA's 36 for M49's 036
    plain = to_sdmx(result)
    assert set(plain["REF_AREA"]) == {"36", "554"}
    assert check_sdmx_csv(plain) == []
    assert any("947" in p and "CL_AREA" in p for p in check_sdmx_csv(bad))
    # a withdrawn code without a numeric one stays as it is (and fails the check)
    assert ref_area_m49(pd.Series(["SKM", "SUN", "KSV"])).tolist() == ["SKM", "810", "412"]


def test_an_aggregate_without_reporting_members_has_no_coverage_share() -> None:
    # M49's Channel Islands (830) hold Guernsey and Jersey, which DESA reports together as
    # one area (no country row), so the aggregate has no counted member: 0 of 0, no share.
    frame = pd.DataFrame({"ref_area": ["GGY", "JEY"], "time_period": 2020, "stock": [1.0, 2.0]})
    out = sum_by_area(
        frame, values=["stock"], keys=["time_period"], groupings=["m49_intermediate_region"]
    )
    row = out.set_index("ref_area").loc["830"]
    assert row["stock"] == 3.0
    assert row["members_total"] == row["members_with_data"] == 0
    assert np.isnan(row["member_coverage"])
