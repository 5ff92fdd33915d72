"""The SDG DSD code lists shipped as data, and SDMX output checked against them.

Sources: the SDG data structure definition ``IAEG-SDGs:SDG(1.14)`` with its code lists, the
SDMX Global Registry message prepared 2023-08-20T04:35:29Z committed (xz) in
``tools/sources/`` (provenance in ``src/migindicators/data/README.md``). Code lists, versions
and codes asserted below are read from that message.
"""

from __future__ import annotations

import hashlib
import importlib.util
import lzma
import re
from pathlib import Path

import pandas as pd
import pytest
from golden.publish_inputs import migrant_stock, refugees

from migindicators.core import countries, sdg_codes
from migindicators.core.errors import CodeListError, OptionError, UnknownNameError
from migindicators.core.registry import registry
from migindicators.publish import check_sdmx_csv, codes, to_sdmx, write_sdmx_csv
from migindicators.publish.sdmx import ATTRIBUTES, CORRIDOR_SERIES, DIMENSIONS

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "migindicators" / "data" / "sdg_dsd"


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "build_sdg_codelists", ROOT / "tools" / "build_sdg_codelists.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the shipped tables are what the script builds from the committed message ----------------


def test_script_reproduces_the_shipped_tables_byte_for_byte() -> None:
    script = _script()
    source = script.read_source(script.shipped_source())
    built = script.build_all(source, script.shipped_retrieval())
    shipped = {p.name for p in OUT.iterdir() if p.suffix in {".csv", ".json"}}
    assert set(built) == shipped
    for name, text in built.items():
        assert (OUT / name).read_bytes() == text.encode("utf-8"), name
    assert script.main(["--check"]) == 0  # the command-line check


def test_manifest_names_the_source_it_was_built_from() -> None:
    manifest = sdg_codes.manifest()
    source = ROOT / manifest["source"]["file"]
    assert source.suffix == ".xz" and source.parent == ROOT / "tools" / "sources"
    digest = hashlib.sha256(lzma.decompress(source.read_bytes())).hexdigest()
    assert manifest["source"]["sha256"] == digest
    assert "0b450bf08529dce715bcce32600c709e205324a7" in manifest["source"]["retrieved_via"]
    assert manifest["message"]["prepared"] == "2023-08-20T04:35:29Z"


def test_check_mode_fails_on_an_edited_table(tmp_path: Path) -> None:
    script = _script()
    script.OUT = tmp_path  # a copy of the shipped folder, one table edited
    for path in OUT.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    assert script.main(["--check"]) == 0
    edited = tmp_path / "CL_SEX.csv"
    edited.write_text(edited.read_text("utf-8").replace("Female", "Women"), "utf-8")
    assert script.main(["--check"]) == 1
    (tmp_path / "CL_OLD.csv").write_text("code,name,parent\n", "utf-8")
    assert script.main([]) == 0  # a rebuild restores the table and removes the stale one
    assert "Female" in edited.read_text("utf-8") and not (tmp_path / "CL_OLD.csv").exists()


def test_a_message_without_the_dsd_is_refused(tmp_path: Path) -> None:
    script = _script()
    bad = tmp_path / "not_a_dsd.xml"
    bad.write_text("<root/>", "utf-8")
    with pytest.raises(script.SourceError, match="no SDMX-ML 2.1 DataStructure"):
        script.build_all(script.read_source(bad))
    assert script.main(["--check", "--source", str(bad)]) == 2


# --- versions, component map, API -------------------------------------------------------------


def test_dsd_and_code_list_versions() -> None:
    assert sdg_codes.dsd_version() == "IAEG-SDGs:SDG(1.14)"
    versions = {f"{c['agency']}:{c['id']}": c["version"] for c in sdg_codes.manifest()["codelists"]}
    # the 20 code lists of the message (references=children), with their versions
    assert versions == {
        "IAEG-SDGs:CL_ACTIVITY": "1.6",
        "IAEG-SDGs:CL_AGE": "1.12",
        "IAEG-SDGs:CL_AREA": "1.14",
        "IAEG-SDGs:CL_COMP_BREAKDOWN": "1.14",
        "IAEG-SDGs:CL_CUST_BREAKDOWN": "1.14",
        "IAEG-SDGs:CL_DISABILITY": "1.0",
        "IAEG-SDGs:CL_EDUCATION_LEV": "1.10",
        "IAEG-SDGs:CL_GEO_INFO_TYPE": "1.0",
        "IAEG-SDGs:CL_NATURE": "1.0",
        "IAEG-SDGs:CL_OCCUPATION": "1.8",
        "IAEG-SDGs:CL_PRODUCT": "1.0",
        "IAEG-SDGs:CL_QUANTILE": "1.1",
        "IAEG-SDGs:CL_REPORTING_TYPE": "1.0",
        "IAEG-SDGs:CL_SERIES": "1.14",
        "IAEG-SDGs:CL_SEX": "1.1",
        "IAEG-SDGs:CL_UNIT_MEASURE": "1.8",
        "IAEG-SDGs:CL_URBANISATION": "1.10",
        "SDMX:CL_FREQ": "2.0",
        "SDMX:CL_OBS_STATUS": "2.1",
        "SDMX:CL_UNIT_MULT": "1.1",
    }
    for entry in sdg_codes.manifest()["codelists"]:
        assert len(sdg_codes.codelist(entry["id"])) == entry["codes"], entry["id"]


def test_the_writer_follows_the_dsd_components() -> None:
    table = pd.read_csv(OUT / "components.csv", dtype=str, keep_default_na=False)
    dims = table[table["role"].isin(["dimension", "time_dimension"])]
    # the writer's dimensions are the DSD's, in the DSD's order
    assert tuple(dims.sort_values("position", key=lambda p: p.astype(int))["component"]) == (
        DIMENSIONS
    )
    attributes = set(table.loc[table["role"] == "attribute", "component"])
    # every written attribute is the DSD's except CONF_STATUS (documented: not in 1.14)
    assert set(ATTRIBUTES) - attributes == {"CONF_STATUS"}
    mandatory = set(table.loc[table["assignment"] == "Mandatory", "component"])
    assert mandatory == {"OBS_STATUS", "UNIT_MULT", "UNIT_MEASURE"}
    mapping = sdg_codes.component_codelists()
    assert mapping["SEX"] == "IAEG-SDGs:CL_SEX(1.1)"
    assert mapping["REF_AREA"] == "IAEG-SDGs:CL_AREA(1.14)"
    assert mapping["INCOME_WEALTH_QUANTILE"] == "IAEG-SDGs:CL_QUANTILE(1.1)"
    assert mapping["OBS_STATUS"] == "SDMX:CL_OBS_STATUS(2.1)"
    assert "TIME_PERIOD" not in mapping and "COMMENT_OBS" not in mapping


def test_codelist_by_component_or_id() -> None:
    sex = sdg_codes.codelist("SEX")
    pd.testing.assert_frame_equal(sex, sdg_codes.codelist("CL_SEX"))
    assert sex["code"].tolist() == ["_T", "F", "M", "_N", "_O", "_U", "_X"]
    urban = sdg_codes.codelist("URBANISATION").set_index("code")["parent"]
    assert urban["CITY"] == "U" and urban["U"] == ""  # CL_URBANISATION's hierarchy
    area = sdg_codes.codelist("REF_AREA").set_index("code")
    assert area.loc["1", "name"] == "World" and area.loc["4", "parent"] == "34"
    sex.loc[0, "code"] = "changed"  # a copy: the cached table is untouched
    assert sdg_codes.codelist("SEX")["code"].iloc[0] == "_T"
    with pytest.raises(UnknownNameError, match="'GENDER'.*components: .*'SEX'"):
        sdg_codes.codelist("GENDER")


# --- the library's codes are codes of the DSD ------------------------------------------------


def test_every_registry_series_is_in_cl_series() -> None:
    series = {spec.sdmx_series for i in registry.ids() if (spec := registry[i]).sdmx_series} | {
        *CORRIDOR_SERIES,
        "SI_RMT_COST_SND",
    }
    known = sdg_codes.codes("SERIES") | set(sdg_codes.NEWER_CODES.get("SERIES", {}))
    assert series and series <= known, sorted(series - known)
    # newer codes, if any are listed, each name their source
    assert all(src.strip() for codes_ in sdg_codes.NEWER_CODES.values() for src in codes_.values())


def test_code_maps_of_publish_codes_land_in_the_dsd_lists() -> None:
    assert set(codes.SEX.values()) <= sdg_codes.codes("SEX")
    assert set(codes.MIGRATORY_STATUS.values()) <= sdg_codes.codes("COMPOSITE_BREAKDOWN")
    assert set(codes.UNIT_MEASURE.values()) <= sdg_codes.codes("UNIT_MEASURE")
    published = {codes.unit_measure(u) for u in codes.UNIT_CONVERSIONS}
    assert published <= sdg_codes.codes("UNIT_MEASURE")
    assert set(codes.FLAG_OBS_STATUS.values()) | set(codes.OBS_STATUS_PRIORITY) <= (
        sdg_codes.codes("OBS_STATUS")
    )
    for label in ("15-19", "65+", "<15", "<1", "", "total"):
        assert codes.age_code(label) in sdg_codes.codes("AGE"), label
    assert codes.age_code("<15") == "Y0T14"  # CL_AGE(1.12) has no Y_LT codes


def test_every_aggregate_and_country_is_a_cl_area_code() -> None:
    area = sdg_codes.codes("REF_AREA")
    # CL_AREA writes M49 without leading zeros: World is 1, not 001
    assert "1" in area and "001" not in area
    assert sdg_codes.cl_area_code("001") == "1" and sdg_codes.cl_area_code("AD") == "AD"
    aggregates = set(countries.region_table()["code"])
    assert {"001", "199", "432", "722", "513", "747", "753", "543"} <= aggregates
    assert {sdg_codes.cl_area_code(c) for c in aggregates} <= area
    assert {sdg_codes.cl_area_code(c) for c in countries.country_table()["m49"]} <= area
    # former areas are M49 codes but not SDG areas: reported, not written silently
    assert "810" in countries.m49_codes() and "810" not in area
    frame = pd.DataFrame({"REF_AREA": ["004", "001", "199", "810"]})
    # three-digit M49 stands for CL_AREA's code only when the check is told so
    problems = sdg_codes.check_codes(frame, area_codes="m49")
    assert problems == [
        "REF_AREA: 1 code(s) in 1 row(s) not in IAEG-SDGs:CL_AREA(1.14) of "
        "IAEG-SDGs:SDG(1.14): ['810']; " + sdg_codes._ADVICE["REF_AREA"]
    ]
    # by default codes are compared as strings, as a receiver of the SDG DSD compares them
    (problem,) = sdg_codes.check_codes(frame)
    assert problem.startswith("REF_AREA: 3 code(s) in 3 row(s)")
    assert "['004', '001', '810']" in problem and "area_codes='m49'" in problem
    assert sdg_codes.check_codes(pd.DataFrame({"REF_AREA": ["4", "1", "199"]})) == []
    # the unpadded spelling is not three-digit M49
    (problem,) = sdg_codes.check_codes(pd.DataFrame({"REF_AREA": ["4", "004"]}), area_codes="m49")
    assert "['4']" in problem
    with pytest.raises(OptionError, match="area_codes='iso3'"):
        sdg_codes.check_codes(frame, area_codes="iso3")


# --- the writers flag (or, strict, reject) codes outside the lists ---------------------------


def _bad_result():  # type: ignore[no-untyped-def]
    result = refugees()
    data = result.data.copy()
    data["sex"] = ["X", "F"] * (len(data) // 2)
    data.insert(2, "age_group", "15 to 19")  # not a label age_code rewrites: passes through
    data["unit"] = "furlong"
    result.data = data
    return result


@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_writer_flags_bad_sex_age_and_unit_codes(tmp_path: Path, version: str) -> None:
    path = write_sdmx_csv(_bad_result(), tmp_path / "sdg.csv", version=version)
    problems = check_sdmx_csv(pd.read_csv(path, dtype=str, keep_default_na=False))
    by_column = {p.split(":", 1)[0]: p for p in problems}
    assert set(by_column) == {"SEX", "AGE", "UNIT_MEASURE"}, problems
    assert "IAEG-SDGs:CL_SEX(1.1)" in by_column["SEX"] and "['X']" in by_column["SEX"]
    assert "CL_AGE(1.12)" in by_column["AGE"] and "['15 to 19']" in by_column["AGE"]
    assert "CL_UNIT_MEASURE(1.8)" in by_column["UNIT_MEASURE"]
    assert "['FURLONG']" in by_column["UNIT_MEASURE"]
    assert "publish.codes.UNIT_MEASURE" in by_column["UNIT_MEASURE"]  # what to do


def test_strict_writer_rejects_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "sdg.csv"
    with pytest.raises(CodeListError, match=r"SEX: 1 code\(s\)") as caught:
        write_sdmx_csv(_bad_result(), target, version="2.0", strict=True)
    assert not target.exists()
    cases = caught.value.failure_cases
    assert set(cases["column"]) == {"SEX", "AGE", "UNIT_MEASURE"}
    assert cases.set_index("column").loc["SEX", "check"] == "IAEG-SDGs:CL_SEX(1.1)"
    assert isinstance(caught.value, ValueError)  # an InputValidationError
    # good codes pass the strict writer
    assert write_sdmx_csv(refugees(), target, strict=True).is_file()


def test_many_bad_codes_are_shown_first_few_and_counted() -> None:
    frame = pd.DataFrame({"SEX": [f"S{i}" for i in range(8)] + ["F"]})
    (problem,) = sdg_codes.check_codes(frame)
    assert "SEX: 8 code(s) in 8 row(s)" in problem
    assert "['S0', 'S1', 'S2', 'S3', 'S4', … and 3 more]" in problem


def test_newer_codes_are_accepted_only_when_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = to_sdmx(migrant_stock())
    assert any("SP_POP_SHARE_TEST" in p for p in check_sdmx_csv(frame))
    monkeypatch.setitem(
        sdg_codes.NEWER_CODES, "SERIES", {"SP_POP_SHARE_TEST": "test: an invented series"}
    )
    assert check_sdmx_csv(frame) == []


def test_sdmx_csv_2_layout_is_checked() -> None:
    from migindicators.publish.sdmx import as_sdmx_csv_2

    two = as_sdmx_csv_2(to_sdmx(refugees()))
    assert check_sdmx_csv(two) == []
    broken = two.assign(ACTION="X", STRUCTURE="datastructure")
    problems = check_sdmx_csv(broken)
    assert any(p.startswith("ACTION: ['X']") for p in problems)
    assert any(p.startswith("STRUCTURE: ['datastructure']") for p in problems)
    bad = two.assign(NATURE="Z")
    assert any(p.startswith("NATURE: ") and "CL_NATURE(1.0)" in p for p in check_sdmx_csv(bad))


def test_sdmx1_reads_the_2_0_file_and_its_codes_are_dsd_codes(tmp_path: Path) -> None:
    sdmx = pytest.importorskip("sdmx", reason="the sdmx extra (sdmx1) is not installed")
    from migindicators.publish.sdmx import sdmx_dsd

    path = write_sdmx_csv(refugees(), tmp_path / "sdg.csv", version="2.0", strict=True)
    message = sdmx.read_sdmx(path, structure=sdmx_dsd())
    observations = [obs for data_set in message.data for obs in data_set.obs]
    read = pd.DataFrame(
        [{d: str(obs.dimension.values[d].value) for d in DIMENSIONS} for obs in observations]
    )
    assert len(read) == len(pd.read_csv(path))
    assert sdg_codes.check_codes(read) == []
    assert set(read["SERIES"]) == {"SM_POP_REFG_OR"}


# --- the demo run's publications -------------------------------------------------------------


def test_demo_run_sdmx_files_pass_every_code_list_but_custom_breakdowns(example_run) -> None:  # type: ignore[no-untyped-def]
    placeholder = re.compile(r"^(_T|C\d+)$")
    for name in ("sdg_sdmx.csv", "sdg_sdmx_v20.csv"):
        frame = pd.read_csv(example_run.out / "sdmx" / name, dtype=str, keep_default_na=False)
        problems = check_sdmx_csv(frame)
        # every coded column but CUST_BREAKDOWN holds codes of the DSD 1.14 lists: REF_AREA
        # in CL_AREA's own spelling (4, not 004), corridors as C + at least two digits
        assert frame["REF_AREA"].isin(sdg_codes.codes("REF_AREA")).all()
        # the breakdowns the library makes from grouping columns (service type, route, policy
        # domain) are not CL_CUST_BREAKDOWN codes, which are _T and C01…C5000 only; each
        # series that has them gets one message saying which values and how to map them
        made = frame[~frame["CUST_BREAKDOWN"].str.match(placeholder)]
        series = sorted(set(made["SERIES"]))
        assert len(series) > 3
        assert [p.split(":", 2)[:2] for p in problems] == [
            ["CUST_BREAKDOWN", f" series {s}"] for s in series
        ], (name, problems)
        for code, problem in zip(series, problems, strict=True):
            values = made.loc[made["SERIES"] == code, "CUST_BREAKDOWN"]
            assert f"{values.nunique()} library breakdown(s) in {len(values)} row(s)" in problem
            assert f"cust_breakdown={{'{code}': {{'{values.iloc[0]}'" in problem or (
                code in CORRIDOR_SERIES
            )
        assert (
            not set(frame["CUST_BREAKDOWN"])
            - set(made["CUST_BREAKDOWN"])
            - (sdg_codes.codes("CUST_BREAKDOWN"))
        )
    # the run log tells the sender, once per series: the 2.0 file's identical findings are
    # not repeated
    notes = example_run.log["notes"]
    assert sum(n.startswith("SDMX-CSV check: CUST_BREAKDOWN") for n in notes) == len(series)
    assert not any(n.startswith("SDMX-CSV 2.0 check") for n in notes)


def test_a_run_writing_only_sdmx_csv_2_reports_its_code_problems(tmp_path: Path) -> None:
    from migindicators.publish.run import parse_spec, run

    spec = """\
spec_version = 1

[publication]
title = "Test publication"
office = "Test office"
release = "2024-12"

[inputs.refugees]
dataset = "refugees_demo"
table = "refugees"

[inputs.population]
dataset = "refugees_demo"
table = "population"

[[indicators]]
id = "refugees_per_100k"
by = ["sex"]

[outputs]
excel = false
sdmx_ml = false
sdmx_csv = ["2.0"]
sdmx = { nature = "Z" }
"""
    summary = run(parse_spec(spec, base_dir=tmp_path), progress=False)
    assert (tmp_path / "output" / "sdmx" / "sdg_sdmx_v20.csv").is_file()
    (note,) = [n for n in summary.notes if n.startswith("SDMX-CSV 2.0 check")]
    assert note.startswith("SDMX-CSV 2.0 check: NATURE: ")
    assert "IAEG-SDGs:CL_NATURE(1.0)" in note and "['Z']" in note


_DEATHS_SPEC = """\
spec_version = 1

[publication]
title = "Test publication"
office = "Test office"
release = "2024-12"

[inputs.incidents]
dataset = "deaths_demo"
table = "incidents"

[[indicators]]
id = "migrant_deaths_and_disappearances"
by = ["route"]

[outputs]
html = false
csv = false
open_sdg = false
excel = false
sdmx_ml = false
sdmx_csv = ["1.0", "2.0"]
"""


def test_run_spec_area_codes_and_cust_breakdown(tmp_path: Path) -> None:
    from migindicators.publish.run import SpecError, parse_spec, run

    mapping = """
[outputs.sdmx]
area_codes = "m49"

[outputs.sdmx.cust_breakdown.SM_DTH_MIGR]
"Central Mediterranean" = "C01"
"""
    spec = parse_spec(_DEATHS_SPEC + mapping, base_dir=tmp_path)
    assert spec.outputs.sdmx["cust_breakdown"] == {"SM_DTH_MIGR": {"CENTRAL_MEDITERRANEAN": "C01"}}
    summary = run(spec, progress=False)
    for name in ("sdg_sdmx.csv", "sdg_sdmx_v20.csv"):
        frame = pd.read_csv(tmp_path / "output" / "sdmx" / name, dtype=str, keep_default_na=False)
        assert set(frame["REF_AREA"]) == {"001"}  # M49's spelling, as asked
        assert "C01" in set(frame["CUST_BREAKDOWN"])
        assert "CENTRAL_MEDITERRANEAN" not in set(frame["CUST_BREAKDOWN"])
    # the run checks the file in the spelling it asked for: no REF_AREA note; the routes left
    # unmapped are named, once
    assert not any("REF_AREA" in n for n in summary.notes), summary.notes
    (note,) = [n for n in summary.notes if "CUST_BREAKDOWN" in n]
    assert note.startswith("SDMX-CSV check: CUST_BREAKDOWN: series SM_DTH_MIGR: ")
    assert "CENTRAL_MEDITERRANEAN" not in note and "HORN_OF_AFRICA_TO_YEMEN" in note
    # a CSV file relative to the spec's folder
    (tmp_path / "codes.csv").write_text(
        "series,breakdown,code\nSM_DTH_MIGR,CENTRAL_MEDITERRANEAN,C07\n", encoding="utf-8"
    )
    spec = parse_spec(
        _DEATHS_SPEC + '\n[outputs.sdmx]\ncust_breakdown = "codes.csv"\n', base_dir=tmp_path
    )
    assert spec.outputs.sdmx["cust_breakdown"] == {"SM_DTH_MIGR": {"CENTRAL_MEDITERRANEAN": "C07"}}
    # bad options stop the run at parse time, naming the key
    for extra, message in (
        ('area_codes = "iso3"', r"outputs\.sdmx\.area_codes: 'iso3' is not one of"),
        ('cust_breakdown = "missing.csv"', r"outputs\.sdmx\.cust_breakdown: .*no such file"),
        (
            "cust_breakdown = { SM_DTH_MIGR = { BANK = 'C004' } }",
            r"outputs\.sdmx\.cust_breakdown: .*'C004': not a custom code",
        ),
        ("cust_breakdown = 3", r"outputs\.sdmx\.cust_breakdown: must be a table or a string"),
    ):
        with pytest.raises(SpecError, match=message):
            parse_spec(_DEATHS_SPEC + f"\n[outputs.sdmx]\n{extra}\n", base_dir=tmp_path)
