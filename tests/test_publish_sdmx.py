"""SDMX-CSV against the SDG DSD: golden file, column schema, code mappings, SDMX-ML round trip."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from golden.publish_inputs import migrant_stock, non_sdg, refugees, remittances, small_results

import migindicators as mi
from migindicators import datasets, publish
from migindicators.core import sdg_codes
from migindicators.core.countries import to_m49
from migindicators.core.errors import CodeListError
from migindicators.publish import check_sdmx_csv, codes, to_sdmx, write_sdmx_csv
from migindicators.publish.sdmx import (
    DIMENSIONS,
    MANDATORY_ATTRIBUTES,
    SDMX_CSV_COLUMNS,
    skipped_results,
    write_sdmx_ml,
)

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("MIGINDICATORS_UPDATE_GOLDEN") == "1"


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"golden file {path} missing: run with MIGINDICATORS_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def test_golden_sdmx_csv(tmp_path: Path) -> None:
    path = write_sdmx_csv(small_results(), tmp_path / "sdg.csv")
    _golden("sdmx.csv", path.read_text(encoding="utf-8"))


def test_columns_follow_the_dsd() -> None:
    frame = to_sdmx([refugees(), migrant_stock()])
    assert tuple(frame.columns) == SDMX_CSV_COLUMNS
    assert SDMX_CSV_COLUMNS[0] == "DATAFLOW"
    required = {
        "SERIES",
        "REF_AREA",
        "TIME_PERIOD",
        "SEX",
        "AGE",
        "URBANISATION",
        "COMPOSITE_BREAKDOWN",
        "UNIT_MEASURE",
        "UNIT_MULT",
        "OBS_VALUE",
        "OBS_STATUS",
        "NATURE",
        "FREQ",
        "REPORTING_TYPE",
    }
    assert required <= set(frame.columns)
    assert list(frame.columns).index("TIME_PERIOD") == list(frame.columns).index("OBS_VALUE") - 1
    # the test fixture's series is invented: the one problem is that it is no SDG series
    (problem,) = check_sdmx_csv(frame)
    assert problem.startswith("SERIES: 1 code(s) in 12 row(s) not in IAEG-SDGs:CL_SERIES(1.14)")
    assert "'SP_POP_SHARE_TEST'" in problem
    assert check_sdmx_csv(frame[frame["SERIES"] != "SP_POP_SHARE_TEST"]) == []
    for column in (*DIMENSIONS, *MANDATORY_ATTRIBUTES):
        assert (frame[column] != "").all(), column


def test_ref_area_is_m49_and_migratory_status_in_composite_breakdown() -> None:
    frame = to_sdmx([refugees(), migrant_stock()])
    # CL_AREA(1.14) spells M49 without leading zeros: World 1, Afghanistan 4
    assert set(frame["REF_AREA"]) == {"1", "4", "760", "404"}
    m49 = to_sdmx([refugees(), migrant_stock()], area_codes="m49")
    assert set(m49["REF_AREA"]) == {"001", "004", "760", "404"}
    stock = frame[frame["SERIES"] == "SP_POP_SHARE_TEST"]
    assert set(stock["COMPOSITE_BREAKDOWN"]) == {"MS_MIGRANT", "MS_NOMIGRANT"}
    assert set(stock["AGE"]) == {"Y0T14", "Y15T64", "Y_GE65"}
    assert set(stock["UNIT_MEASURE"]) == {"PT"}
    refs = frame[frame["SERIES"] == "SM_POP_REFG_OR"]
    assert set(refs["UNIT_MEASURE"]) == {"PER_100000_POP"}
    assert set(refs["COMPOSITE_BREAKDOWN"]) == {"_T"}


def test_flags_to_obs_status_and_comment() -> None:
    frame = to_sdmx([refugees(), migrant_stock()])
    missing = frame[(frame["REF_AREA"] == "760") & (frame["SEX"] == "F")].iloc[0]
    assert missing["OBS_VALUE"] == ""
    assert missing["OBS_STATUS"] == "M"
    assert missing["COMMENT_OBS"] == "flags: zero_denominator"
    low = frame[frame["COMMENT_OBS"].str.contains("low_n")].iloc[0]
    assert low["OBS_STATUS"] == "U"
    assert (frame.loc[frame["COMMENT_OBS"] == "", "OBS_STATUS"] == "A").all()
    assert float(low["UPPER_BOUND"]) > float(low["OBS_VALUE"]) > float(low["LOWER_BOUND"])


def test_other_groups_go_to_cust_breakdown_and_quarters_are_sdmx() -> None:
    frame = to_sdmx(remittances())
    assert set(frame["TIME_PERIOD"]) == {"2024-Q1", "2024-Q2"}
    # a corridor's reference area is its receiving country; the sender is a custom breakdown
    assert set(frame["REF_AREA"]) >= {"484", "566"}
    assert set(frame["CUST_BREAKDOWN"]) == {"USA", "GBR"}
    assert "origin=USA" in set(frame["CUST_BREAKDOWN_LB"])
    # an unknown receiving code is kept as is, and the check says so: against CL_AREA by
    # default, and as not three-digit M49 when the file is meant to be M49
    assert any(p.startswith("REF_AREA: 1 code(s)") for p in check_sdmx_csv(frame))
    m49 = to_sdmx(remittances(), area_codes="m49")
    assert any("REF_AREA not three-digit M49" in p for p in check_sdmx_csv(m49, area_codes="m49"))


def test_results_without_series_are_skipped() -> None:
    frame = to_sdmx([non_sdg()])
    assert len(frame) == 0
    assert tuple(frame.columns) == SDMX_CSV_COLUMNS
    assert skipped_results(small_results()) == ["non_sdg_test"]


def test_options_and_determinism() -> None:
    frame = to_sdmx(
        refugees(),
        reporting_type="G",
        nature="CA",
        source_detail="Census 2019",
        dataflow="IAEG-SDGs:DF_SDG_GLC(1.2)",
    )
    assert set(frame["REPORTING_TYPE"]) == {"G"}
    assert set(frame["NATURE"]) == {"CA"}
    assert set(frame["SOURCE_DETAIL"]) == {"Census 2019"}
    assert set(frame["DATAFLOW"]) == {"IAEG-SDGs:DF_SDG_GLC(1.2)"}
    shuffled = refugees()
    shuffled.data = shuffled.data.sample(frac=1, random_state=1).reset_index(drop=True)
    pd.testing.assert_frame_equal(to_sdmx(shuffled), to_sdmx(refugees()))


def test_check_finds_duplicates_and_bad_values() -> None:
    frame = to_sdmx(refugees())
    doubled = pd.concat([frame, frame.iloc[:1]], ignore_index=True)
    assert any("share a series key" in p for p in check_sdmx_csv(doubled))
    bad = frame.copy()
    bad.loc[0, "OBS_VALUE"] = "n/a"
    assert any("OBS_VALUE" in p for p in check_sdmx_csv(bad))
    assert check_sdmx_csv(frame.drop(columns="NATURE"))
    # a result without time_period (recruitment costs, for now) is named in the problem
    no_time = refugees()
    no_time.data = no_time.data.drop(columns="time_period")
    problems = check_sdmx_csv(to_sdmx(no_time))
    assert "TIME_PERIOD: 6 blank cell(s) (series SM_POP_REFG_OR)" in problems


def test_write_sdmx_csv_of_one_result(tmp_path: Path) -> None:
    path = write_sdmx_csv(refugees(), tmp_path / "out" / "r.csv")
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert tuple(back.columns) == SDMX_CSV_COLUMNS
    assert check_sdmx_csv(back) == []


def test_sdmx_ml_round_trip(tmp_path: Path) -> None:
    sdmx = pytest.importorskip("sdmx", reason="the sdmx extra (sdmx1) is not installed")
    from migindicators.publish.sdmx import sdmx_dsd

    results = [refugees(), migrant_stock()]
    path = write_sdmx_ml(results, tmp_path / "sdg.xml", prepared=datetime(2026, 1, 1))
    _golden("sdmx.xml", path.read_text(encoding="utf-8"))
    message = sdmx.read_sdmx(path, structure=sdmx_dsd())
    back = sdmx.to_pandas(message.data[0], attributes="o").reset_index()
    expected = to_sdmx(results)
    assert len(back) == len(expected)
    got = back.set_index(
        ["SERIES", "REF_AREA", "SEX", "AGE", "COMPOSITE_BREAKDOWN", "TIME_PERIOD"]
    ).sort_index()
    want = expected.set_index(
        ["SERIES", "REF_AREA", "SEX", "AGE", "COMPOSITE_BREAKDOWN", "TIME_PERIOD"]
    ).sort_index()
    values = pd.to_numeric(want["OBS_VALUE"].replace("", np.nan))
    np.testing.assert_allclose(got["value"].astype(float), values.astype(float))
    assert list(got["OBS_STATUS"]) == list(want["OBS_STATUS"])
    assert list(got["UNIT_MEASURE"]) == list(want["UNIT_MEASURE"])


def test_series_override_for_national_series() -> None:
    frame = to_sdmx([non_sdg(), refugees()], series={"non_sdg_test": "NAT_SHARE"})
    assert set(frame["SERIES"]) == {"NAT_SHARE", "SM_POP_REFG_OR"}
    assert frame.loc[frame["SERIES"] == "NAT_SHARE", "REF_AREA"].tolist() == ["288"]
    assert skipped_results([non_sdg()], {"non_sdg_test": "NAT_SHARE"}) == []


# --------------------------------------------------------------- series per level, areas


def _prices() -> pd.DataFrame:
    prices = datasets.load("rpw_demo")["prices"]
    assert isinstance(prices, pd.DataFrame)
    return prices


def test_remittance_series_per_level_and_corridor_areas() -> None:
    prices = _prices()
    corridor = mi.compute("remittance_cost_average", prices=prices, level="corridor")
    out = publish.to_sdmx(corridor)
    assert set(out["SERIES"]) == {"SI_RMT_COST_BC"}
    # the SDG database: REF_AREA the sending country, CUST_BREAKDOWN "C" + the receiving one
    row = corridor.data.iloc[0]
    first = out[
        (out["REF_AREA"] == str(int(to_m49(pd.Series([row["sending_area"]]))[0])))
        & (out["CUST_BREAKDOWN"] == "C" + str(to_m49(pd.Series([row["receiving_area"]]))[0]))
    ]
    assert len(first)
    assert len(first) == int(
        (
            (corridor.data["sending_area"] == row["sending_area"])
            & (corridor.data["receiving_area"] == row["receiving_area"])
        ).sum()
    )
    assert out["REF_AREA"].isin(sdg_codes.codes("REF_AREA")).all()
    # C + at least two digits (CL_CUST_BREAKDOWN has C01…C99, then C100…): no C004 style code
    assert out["CUST_BREAKDOWN"].str.fullmatch(r"C(0[1-9]|[1-9]\d{1,3})").all()
    assert out["CUST_BREAKDOWN"].isin(sdg_codes.codes("CUST_BREAKDOWN")).all()
    assert not publish.sdmx.check_sdmx_csv(out)
    smart = mi.compute("remittance_cost_smart", prices=prices, level="corridor")
    out = publish.to_sdmx(smart)
    assert set(out["SERIES"]) == {"SI_RMT_COST_SC"}
    assert out["CUST_BREAKDOWN"].isin(sdg_codes.codes("CUST_BREAKDOWN")).all()
    for level, series, area in (
        ("world", "SI_RMT_COST", {"1"}),
        ("receiving", "SI_RMT_COST", None),
        ("sending", "SI_RMT_COST_SND", None),
        ("region", "SI_RMT_COST", None),
    ):
        res = mi.compute("remittance_cost_average", prices=prices, level=level)
        assert res.metadata["sdmx_series"] == series
        out = publish.to_sdmx(res)
        assert set(out["SERIES"]) == {series}
        assert out["REF_AREA"].isin(sdg_codes.codes("REF_AREA")).all(), level
        assert set(out["CUST_BREAKDOWN"]) == {"_T"}  # amount and grouping are no breakdowns
        if area is not None:
            assert set(out["REF_AREA"]) == area
    # no SDG series: USD 500, World Bank regions, the global SmaRT
    for res in (
        mi.compute("remittance_cost_average", prices=prices, level="world", amount=500),
        mi.compute("remittance_cost_smart", prices=prices, level="world"),
    ):
        assert publish.sdmx.series_of(res) is None
        assert publish.to_sdmx(res).empty


def test_month_of_earnings_published_as_months_of_earnings() -> None:
    # SDG DSD 1.14: SL_EMP_RCOST_MO is in MO_EARN ("Number of months of earnings"), so the
    # value goes out as computed (it was PT = months x 100 under SL_EMP_RCOST before 0.2.0).
    res = refugees()
    res.metadata["unit"] = "month_of_earnings"
    res.data = res.data.assign(unit="month_of_earnings", ci_lower=0.5, ci_upper=2.0)
    out = publish.to_sdmx(res)
    assert set(out["UNIT_MEASURE"]) == {"MO_EARN"}
    world_f = out[(out["REF_AREA"] == "1") & (out["SEX"] == "F")].iloc[0]
    assert world_f["OBS_VALUE"] == "1234.5"
    assert (world_f["LOWER_BOUND"], world_f["UPPER_BOUND"]) == ("0.5", "2")
    assert codes.published_unit("month_of_earnings") == ("month_of_earnings", 1.0)
    assert codes.unit_measure("month_of_earnings") == "MO_EARN"
    assert codes.unit_measure_known("month_of_earnings")


def test_recruitment_cost_goes_out_as_sl_emp_rcost_mo() -> None:
    lfs = datasets.load("lfs_migration_module")
    res = mi.compute(
        "recruitment_cost_indicator",
        survey=lfs["survey"],
        exchange_rates=lfs["exchange_rates"],
        design={"weight": "weight", "strata": "stratum", "psu": "psu"},
    )
    out = publish.to_sdmx(res)
    assert set(out["SERIES"]) == {"SL_EMP_RCOST_MO"}
    assert set(out["UNIT_MEASURE"]) == {"MO_EARN"}
    assert float(out["OBS_VALUE"].iloc[0]) == pytest.approx(res.data["value"].iloc[0], rel=1e-12)
    assert publish.sdmx.check_sdmx_csv(out) == []


def test_deaths_regions_to_m49_and_rows_without_area_reported() -> None:
    incidents = datasets.load("deaths_demo")["incidents"]
    by_region = mi.compute("migrant_deaths_and_disappearances", incidents=incidents, by=["region"])
    out = publish.to_sdmx(by_region)
    labels = dict(zip(out["CUST_BREAKDOWN"], out["REF_AREA"], strict=False))
    assert labels["AMERICAS"] == "19" and labels["NORTHERN_AFRICA"] == "15"
    assert (out["REF_AREA"] != "").all()
    by_country = mi.compute(
        "migrant_deaths_and_disappearances",
        incidents=incidents,
        by=["ref_area", "region"],
    )
    out = publish.to_sdmx(by_country)
    assert (out["REF_AREA"] != "").all() and len(out) < len(by_country.data)
    messages = publish.sdmx.unplaced_rows(by_country)
    assert len(messages) == 1 and "'Mediterranean' has no M49 code" in messages[0]
    at_sea = mi.compute(
        "migrant_deaths_and_disappearances",
        incidents=incidents,
        by=["ref_area"],
        aggregate=["world", "sdg_region"],
    )
    assert not publish.sdmx.check_sdmx_csv(publish.to_sdmx(at_sea))
    (message,) = publish.sdmx.unplaced_rows(at_sea)
    assert "2 row(s) not written" in message


def test_sdmx_csv_2_layout(tmp_path: Path) -> None:
    results = [refugees(), migrant_stock()]
    one = pd.read_csv(
        write_sdmx_csv(results, tmp_path / "v1.csv"), dtype=str, keep_default_na=False
    )
    two = pd.read_csv(
        write_sdmx_csv(results, tmp_path / "v2.csv", version="2.0"),
        dtype=str,
        keep_default_na=False,
    )
    assert list(two.columns[:3]) == ["STRUCTURE", "STRUCTURE_ID", "ACTION"]
    assert list(two.columns[3:]) == list(SDMX_CSV_COLUMNS[1:])
    assert set(two["STRUCTURE"]) == {"dataflow"} and set(two["ACTION"]) == {"I"}
    assert two["STRUCTURE_ID"].tolist() == one["DATAFLOW"].tolist()
    pd.testing.assert_frame_equal(two.iloc[:, 3:], one.iloc[:, 1:])


def test_sdmx_csv_2_read_back_by_sdmx1(tmp_path: Path) -> None:
    sdmx = pytest.importorskip("sdmx", reason="the sdmx extra (sdmx1) is not installed")
    from migindicators.publish.sdmx import DIMENSIONS, sdmx_dsd

    results = [refugees(), migrant_stock()]
    path = write_sdmx_csv(results, tmp_path / "sdg.csv", version="2.0")
    written = pd.read_csv(path, dtype=str, keep_default_na=False)
    message = sdmx.read_sdmx(path, structure=sdmx_dsd())
    observations = [obs for data_set in message.data for obs in data_set.obs]
    assert len(observations) == len(written)
    read = {
        tuple(str(obs.dimension.values[d].value) for d in DIMENSIONS): (
            "" if obs.value is None else str(obs.value)
        )
        for obs in observations
    }
    expected = {
        tuple(row[d] for d in DIMENSIONS): row["OBS_VALUE"] for _, row in written.iterrows()
    }
    assert read == expected


def test_sdmx_csv_version_is_checked(tmp_path: Path) -> None:
    with pytest.raises(mi.OptionError, match="version='3.0'"):
        write_sdmx_csv([refugees()], tmp_path / "x.csv", version="3.0")


def test_conf_status_is_split_from_obs_status() -> None:
    result = refugees()
    codes_ = [
        "confidential_frequency",
        "confidential_dominance",
        "secondary_suppressed",
        "low_n;suppressed",
        "unreliable",
        "",
    ]
    result.data["flag"] = (codes_ * len(result.data))[: len(result.data)]
    frame = to_sdmx(result)
    by_comment = dict(
        zip(
            frame["COMMENT_OBS"],
            zip(frame["OBS_STATUS"], frame["CONF_STATUS"], strict=True),
            strict=True,
        )
    )
    assert by_comment["flags: confidential_frequency"] == ("O", "A")
    assert by_comment["flags: confidential_dominance"] == ("O", "G")
    assert by_comment["flags: secondary_suppressed"] == ("O", "D")
    assert by_comment["flags: low_n;suppressed"] == ("Q", "N")
    assert by_comment["flags: unreliable"] == ("U", "F")
    assert by_comment[""] == ("A", "F")
    assert check_sdmx_csv(frame) == []
    assert codes.conf_status("secondary_suppressed;confidential_frequency") == "A"


# ------------------------------------------------- the SDG DSD's spellings (issue 19)
# Hand-checked against the shipped code lists of IAEG-SDGs:SDG(1.14): CL_AREA has "4", "1",
# "199" and no "004"; CL_CUST_BREAKDOWN has C01…C99 then C100…C5000 and no "C004".


def test_ref_area_spelled_as_cl_area_unless_m49_is_asked(tmp_path: Path) -> None:
    results = [refugees(), migrant_stock()]
    one = pd.read_csv(write_sdmx_csv(results, tmp_path / "a.csv"), dtype=str)
    assert {"1", "4"} <= set(one["REF_AREA"]) and not {"001", "004"} & set(one["REF_AREA"])
    two = pd.read_csv(write_sdmx_csv(results, tmp_path / "b.csv", version="2.0"), dtype=str)
    assert two["REF_AREA"].tolist() == one["REF_AREA"].tolist()
    # strings compared exactly: the file passes as written, and its three-digit twin does not
    assert not any(p.startswith("REF_AREA") for p in check_sdmx_csv(one))
    m49 = pd.read_csv(write_sdmx_csv(results, tmp_path / "c.csv", area_codes="m49"), dtype=str)
    assert {"001", "004"} <= set(m49["REF_AREA"])
    (problem,) = [p for p in check_sdmx_csv(m49) if p.startswith("REF_AREA")]
    assert "['001', '004']" in problem and "area_codes='m49'" in problem
    # ... unless the check is told the file is meant for three-digit M49, which then rejects
    # the CL_AREA spelling
    assert not any(p.startswith("REF_AREA") for p in check_sdmx_csv(m49, area_codes="m49"))
    assert any(p.startswith("REF_AREA") for p in check_sdmx_csv(one, area_codes="m49"))
    # a strict writer checks the spelling it writes
    write_sdmx_csv(refugees(), tmp_path / "d.csv", area_codes="m49", strict=True)
    with pytest.raises(mi.OptionError, match="area_codes='M49'"):
        to_sdmx(refugees(), area_codes="M49")
    with pytest.raises(mi.OptionError, match="area_codes="):
        check_sdmx_csv(one, area_codes="iso3")


def test_sdmx_ml_writes_the_same_ref_area_spelling(tmp_path: Path) -> None:
    pytest.importorskip("sdmx", reason="the sdmx extra (sdmx1) is not installed")
    text = write_sdmx_ml(refugees(), tmp_path / "a.xml", prepared=datetime(2026, 1, 1))
    assert 'REF_AREA="4"' in text.read_text(encoding="utf-8")
    text = write_sdmx_ml(
        refugees(), tmp_path / "b.xml", prepared=datetime(2026, 1, 1), area_codes="m49"
    )
    assert 'REF_AREA="004"' in text.read_text(encoding="utf-8")


def test_corridor_codes_have_at_least_two_digits_as_in_cl_cust_breakdown() -> None:
    # receiving countries with M49 codes below 100: Afghanistan 004, Australia 036
    prices = _prices()
    receiving = prices["receiving_area"].astype(str).replace({"MEX": "AFG", "IND": "AUS"})
    corridor = mi.compute(
        "remittance_cost_average", prices=prices.assign(receiving_area=receiving), level="corridor"
    )
    out = publish.to_sdmx(corridor)
    assert {"C04", "C36", "C586"} <= set(out["CUST_BREAKDOWN"])
    assert not {"C004", "C036"} & set(out["CUST_BREAKDOWN"])
    assert not check_sdmx_csv(out)
    # the rule both ways, and files of 0.1 (C004) read back the same
    assert [codes.corridor_code(c) for c in ("004", "36", "484", "", "XKX")] == [
        "C04",
        "C36",
        "C484",
        "",
        "",
    ]
    assert [codes.corridor_area(c) for c in ("C04", "C004", "C36", "C484", "_T", "BANK")] == [
        "004",
        "004",
        "036",
        "484",
        "",
        "",
    ]
    labels = out.drop_duplicates("CUST_BREAKDOWN").set_index("CUST_BREAKDOWN")
    assert labels.loc["C04", "CUST_BREAKDOWN_LB"] == "receiving_area=AFG"
    # the M49 option changes REF_AREA only: the corridor code is the code list's
    m49 = publish.to_sdmx(corridor, area_codes="m49")
    assert m49["CUST_BREAKDOWN"].tolist() == out["CUST_BREAKDOWN"].tolist()


def _deaths_by_route() -> mi.Result:
    incidents = datasets.load("deaths_demo")["incidents"]
    return mi.compute(
        "migrant_deaths_and_disappearances",
        incidents=incidents,
        by=["route"],
    )


def test_cust_breakdown_maps_library_values_to_dsd_codes(tmp_path: Path) -> None:
    res = _deaths_by_route()
    plain = to_sdmx(res)
    routes = sorted(set(plain["CUST_BREAKDOWN"]) - {"_T"})
    assert "CENTRAL_MEDITERRANEAN" in routes
    # unmapped: written as is, reported for the series with the mapping to give
    (problem,) = [p for p in check_sdmx_csv(plain) if p.startswith("CUST_BREAKDOWN")]
    assert problem.startswith(f"CUST_BREAKDOWN: series SM_DTH_MIGR: {len(routes)} library")
    assert "cust_breakdown={'SM_DTH_MIGR': {" in problem
    assert "[outputs.sdmx.cust_breakdown.SM_DTH_MIGR]" in problem
    # mapped: the code goes to CUST_BREAKDOWN, the library value stays in the label
    mapping = {"SM_DTH_MIGR": {r: f"C{i:02d}" for i, r in enumerate(routes, start=1)}}
    mapped = to_sdmx(res, cust_breakdown=mapping)
    assert not any(p.startswith("CUST_BREAKDOWN") for p in check_sdmx_csv(mapped))
    assert sorted(set(mapped["CUST_BREAKDOWN"]) - {"_T"}) == sorted(mapping["SM_DTH_MIGR"].values())
    code = mapping["SM_DTH_MIGR"]["CENTRAL_MEDITERRANEAN"]
    rows = mapped[mapped["CUST_BREAKDOWN"] == code]
    assert set(rows["CUST_BREAKDOWN_LB"]) == {"route=Central Mediterranean"}
    assert (
        rows["OBS_VALUE"].tolist()
        == plain.loc[plain["CUST_BREAKDOWN"] == "CENTRAL_MEDITERRANEAN", "OBS_VALUE"].tolist()
    )
    # part of a series mapped: the rest is still reported, by name
    partial = to_sdmx(res, cust_breakdown={"SM_DTH_MIGR": {"Central Mediterranean": "C01"}})
    (problem,) = [p for p in check_sdmx_csv(partial) if p.startswith("CUST_BREAKDOWN")]
    assert f"{len(routes) - 1} library" in problem and "CENTRAL_MEDITERRANEAN" not in problem
    # a CSV file gives the same
    path = tmp_path / "codes.csv"
    pd.DataFrame(
        [
            {"series": "SM_DTH_MIGR", "breakdown": r, "code": c}
            for r, c in mapping["SM_DTH_MIGR"].items()
        ]
    ).to_csv(path, index=False)
    pd.testing.assert_frame_equal(to_sdmx(res, cust_breakdown=path), mapped)
    written = write_sdmx_csv(res, tmp_path / "sdg.csv", cust_breakdown=str(path), strict=True)
    assert written.is_file()
    # a strict writer refuses the unmapped values
    with pytest.raises(CodeListError, match="CUST_BREAKDOWN"):
        write_sdmx_csv(res, tmp_path / "x.csv", strict=True)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"SM_DTH_MIGR": {"CENTRAL_MEDITERRANEAN": "X1"}}, "not a custom code of"),
        ({"SM_DTH_MIGR": {"CENTRAL_MEDITERRANEAN": "C5001"}}, "C100 … C5000"),
        ({"SM_DTH_MIGR": {"CENTRAL_MEDITERRANEAN": "_T"}}, "not a custom code"),
        ({"SM_DTH_MIGR": {"": "C01"}}, "is not a breakdown"),
        ({"SM_DTH_MIGR": "C01"}, "give a mapping library value"),
        (["SM_DTH_MIGR"], "give a mapping series"),
        (
            {"SM_DTH_MIGR": {"CENTRAL_MEDITERRANEAN": "C01", "WESTERN_AFRICA": "C01"}},
            "several library values on one code",
        ),
        (
            {"SM_DTH_MIGR": {"Central Mediterranean": "C01", "CENTRAL_MEDITERRANEAN": "C02"}},
            "give it once",
        ),
        ({"SI_RMT_COST_BC": {"C484": "C1001"}}, "cannot be remapped"),
        ({"SI_RMT_COST_BC": {"BANK": "C04"}}, "corridor to M49 area 004"),
    ],
)
def test_cust_breakdown_is_checked(mapping: object, message: str) -> None:
    with pytest.raises(mi.OptionError, match=message):
        to_sdmx(_deaths_by_route(), cust_breakdown=mapping)  # type: ignore[arg-type]


def test_cust_breakdown_collisions_with_written_codes_and_bad_files(tmp_path: Path) -> None:
    res = _deaths_by_route()
    routes = sorted(set(to_sdmx(res)["CUST_BREAKDOWN"]) - {"_T"})
    # a value the data already spell as a code (C01) is written as that code: mapping another
    # value of the series onto it would give one code two meanings
    data = res.data.copy()
    data["route"] = data["route"].astype(str).replace({"Central Mediterranean": "C01"})
    res.data = data
    other = next(r for r in routes if r != "CENTRAL_MEDITERRANEAN")
    with pytest.raises(mi.OptionError, match=r"\['C01'\] are already written for other values"):
        to_sdmx(res, cust_breakdown={"SM_DTH_MIGR": {other: "C01"}})
    assert "C01" in set(
        to_sdmx(res, cust_breakdown={"SM_DTH_MIGR": {other: "C02"}})["CUST_BREAKDOWN"]
    )
    # corridor series keep their codes; codes no M49 area has are free for other values
    assert publish.sdmx.cust_breakdown_codes({"SI_RMT_COST_BC": {"BANK": "C1001"}}) == {
        "SI_RMT_COST_BC": {"BANK": "C1001"}
    }
    with pytest.raises(mi.FileError, match=r"nope\.csv"):
        to_sdmx(res, cust_breakdown=tmp_path / "nope.csv")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("series,value\nSM_DTH_MIGR,C01\n", encoding="utf-8")
    with pytest.raises(mi.OptionError, match=r"lacks column\(s\) \['breakdown', 'code'\]"):
        to_sdmx(res, cust_breakdown=wrong)
    twice = tmp_path / "twice.csv"
    twice.write_text(
        "series,breakdown,code\nSM_DTH_MIGR,X,C01\nSM_DTH_MIGR,X,C02\n", encoding="utf-8"
    )
    with pytest.raises(mi.OptionError, match=r"line 3: series 'SM_DTH_MIGR' maps 'X'"):
        to_sdmx(res, cust_breakdown=twice)


def test_cust_breakdown_label_keeps_the_library_code_when_there_was_none() -> None:
    # a result that carries its own cust_breakdown column has no label; once mapped, the
    # library value goes to CUST_BREAKDOWN_LB so that nothing is lost
    res = refugees()
    res.data = res.data.assign(cust_breakdown=["camp", "urban"] * 3)[
        ["cust_breakdown", *res.data.columns]
    ]
    plain = to_sdmx(res)
    assert set(plain["CUST_BREAKDOWN"]) == {"CAMP", "URBAN"}
    assert set(plain["CUST_BREAKDOWN_LB"]) == {""}
    mapped = to_sdmx(res, cust_breakdown={"SM_POP_REFG_OR": {"camp": "C11", "URBAN": "C12"}})
    assert dict(zip(mapped["CUST_BREAKDOWN"], mapped["CUST_BREAKDOWN_LB"], strict=True)) == {
        "C11": "CAMP",
        "C12": "URBAN",
    }
    assert check_sdmx_csv(mapped) == []
    # a mapping for a series that is not written changes nothing
    other = to_sdmx(res, cust_breakdown={"SM_DTH_MIGR": {"CAMP": "C01"}})
    pd.testing.assert_frame_equal(other, plain)
