"""The publication run: spec validation (with lines), run log, failures kept, outputs, CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import ExampleRun

import migindicators as mi
from migindicators.cli import main
from migindicators.publish.run import SpecError, check, parse_spec, run, starter_spec
from migindicators.publish.run.execute import apply_mapping
from migindicators.publish.run.site import non_negative, result_table
from migindicators.publish.run.spec import MappingSpec

SMALL = """\
spec_version = 1

[publication]
title = "Test publication"
office = "Test office"
release = "2024-12"

[inputs.prices]
dataset = "rpw_demo"
table = "prices"

[inputs.refugees]
dataset = "refugees_demo"
table = "refugees"

[inputs.population]
dataset = "refugees_demo"
table = "population"

[[indicators]]
id = "remittance_cost_average"
inputs = { prices = "prices" }
options = { level = "corridor" }

[[indicators]]
id = "refugees_per_100k"
by = ["sex"]

[outputs]
excel = false
sdmx_ml = false
"""


def _error(text: str) -> str:
    with pytest.raises(SpecError) as info:
        parse_spec(text, source="spec.toml")
    return str(info.value)


# ----------------------------------------------------------------------------- spec


def test_small_spec_parses_and_defaults_inputs_by_name() -> None:
    spec = parse_spec(SMALL, base_dir="/somewhere")
    assert [j.id for j in spec.indicators] == ["remittance_cost_average", "refugees_per_100k"]
    # refugees_per_100k gave no inputs table: its arguments map to inputs of the same name
    assert dict(spec.indicators[1].inputs) == {"refugees": "refugees", "population": "population"}
    assert spec.synthetic  # bundled datasets
    assert spec.outputs.dir == Path("/somewhere/output")
    assert spec.outputs.sdmx_csv == ("1.0",)


def test_unknown_key_names_key_and_line() -> None:
    text = SMALL.replace('release = "2024-12"', 'release = "2024-12"\nrelaese = "x"')
    message = _error(text)
    assert "spec.toml, line 7" in message
    assert "publication.relaese" in message and "allowed keys" in message


def test_misplaced_key_in_second_indicator() -> None:
    # `by` belongs to an [[indicators]] entry, not to its options
    text = SMALL.replace('by = ["sex"]', 'options = { by = ["sex"] }')
    message = _error(text)
    assert "line 27" in message and "indicators.1.options.by" in message
    assert "own key" in message


def test_unknown_key_inside_inline_table_has_its_line() -> None:
    text = SMALL.replace('options = { level = "corridor" }', 'options = { levle = "corridor" }')
    message = _error(text)
    assert "line 23" in message and "no option 'levle'" in message and "'level'" in message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('id = "refugees_per_100k"', 'id = "refugees_per_100"', "unknown indicator"),
        ('table = "prices"', 'table = "prices"\nreader = "rpw"', "needs no reader"),
        ('dataset = "rpw_demo"', 'path = "x.csv"\nreader = "nosuch"', "unknown reader 'nosuch'"),
        ('dataset = "rpw_demo"', 'path = "x.xyz"', "no reader for 'x.xyz'"),
        ('dataset = "rpw_demo"', 'dataset = "rpw_demo"\npath = "x.csv"', "exactly one of path"),
        ('options = { level = "corridor" }', 'options = { level = "planet" }', "not one of"),
        ('by = ["sex"]', 'by = "sex"', "must be an array"),
        ("excel = false", "excel = 1", "must be true or false"),
        ("excel = false", 'sdmx_csv = ["3.0"]', "unknown SDMX-CSV version"),
        ('inputs = { prices = "prices" }', 'inputs = { prices = "price" }', "not an input of"),
        ('inputs = { prices = "prices" }', 'inputs = { cost = "prices" }', "has no input 'cost'"),
        (
            "[outputs]",
            "[quality]\nrules = { min_m = { min = 3 } }\n[outputs]",
            "unknown quality rule",
        ),
        ("[outputs]", '[quality]\nprofile = "iso"\n[outputs]', "unknown profile 'iso'"),
        ("[outputs]", '[disclosure]\nmethod = "noise"\n[outputs]', "unknown method 'noise'"),
        ("[outputs]", '[disclosure]\nmethod = "cell_key"\n[outputs]', "record key per person"),
        ("[outputs]", "[disclosure]\nparameters = { ptable = 1 }\n[outputs]", "unknown parameter"),
        ('title = "Test publication"', "", "missing required key 'title'"),
        ("spec_version = 1", "spec_version = 2", "reads spec_version 1"),
        (
            'table = "refugees"',
            'table = "refugees"\n[inputs.refugees.mapping]\ncolums = { a = "b" }',
            "line 16: inputs.refugees.mapping.colums: unknown key 'colums'",
        ),
        (
            'table = "refugees"',
            'table = "refugees"\n[inputs.refugees.mapping.codes]\nsex = "M"',
            "must be a table of source code = standard code",
        ),
        ("[outputs]", "[outputs", "not valid TOML"),
    ],
)
def test_invalid_specs(old: str, new: str, expected: str) -> None:
    assert old in SMALL
    assert expected in _error(SMALL.replace(old, new, 1))


def test_missing_input_is_explained() -> None:
    text = SMALL.replace(
        '[inputs.population]\ndataset = "refugees_demo"\ntable = "population"\n', ""
    )
    message = _error(text)
    assert "needs input(s) ['population']" in message and "line 22" in message


def test_example_spec_covers_every_demo_job() -> None:
    spec = mi.publish.run.load_spec(mi.publish.run.example_spec_path())
    jobs = [(j.id, dict(j.options), tuple(j.by)) for j in spec.indicators]
    demo = [(j.indicator, dict(j.options), tuple(j.by)) for j in mi.datasets.demo_jobs()]
    assert jobs == demo, "stale example: run python datasets/runs/make_example.py"
    assert spec.synthetic and spec.outputs.sdmx_csv == ("1.0", "2.0")


def test_starter_spec_parses_once_filled_in(tmp_path: Path) -> None:
    text = starter_spec(["refugees_per_100k", "migrant_stock"])
    assert "[inputs.refugees]" in text and 'kind = "census"' in text
    assert "# unknown_birthplace = " in text  # options listed, commented out
    spec = parse_spec(text, base_dir=tmp_path)
    assert [j.id for j in spec.indicators] == ["refugees_per_100k", "migrant_stock"]
    with pytest.raises(SpecError, match="unknown indicator"):
        starter_spec(["nope"])


# ------------------------------------------------------------------------------ run


def test_run_keeps_going_logs_everything_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("ref_area,time_period,refugees\nSYR,2024,-5\n", encoding="utf-8")
    text = SMALL.replace(
        '[inputs.refugees]\ndataset = "refugees_demo"\ntable = "refugees"',
        '[inputs.refugees]\npath = "bad.csv"',
    )
    summary = run(parse_spec(text, base_dir=tmp_path), progress=False)
    assert summary.exit_code == 1
    ok, failed = summary.outcomes
    assert ok.ok and not failed.ok
    assert "refugees" in str(failed.error)
    log = json.loads((tmp_path / "output" / "run-log.json").read_text(encoding="utf-8"))
    assert log["exit_code"] == 1 and not log["ok"]
    first, second = log["indicators"]
    assert first["status"] == "ok" and second["status"] == "failed" and second["error"]
    assert first["rows_accounted"] is True
    rows = first["rows"]["prices"]
    assert rows["given"] == rows["used"] + rows["excluded"] and rows["excluded"] > 0
    assert first["inputs"]["prices"]["fingerprint"].startswith("sha256")
    assert first["options"] == {"level": "corridor"} and first["seconds"] >= 0
    assert log["inputs"]["refugees"]["files"][0]["sha256"]
    out = tmp_path / "output"
    assert (out / "index.html").is_file()
    assert (out / "indicators" / "remittance_cost_average.html").is_file()
    assert (out / "indicators" / "refugees_per_100k.html").is_file()  # says why it failed
    assert (out / "csv" / "remittance_cost_average.csv").is_file()
    assert (out / "sdmx" / "sdg_sdmx.csv").is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Not everything was computed" in index and "Synthetic data" in index


def test_input_that_cannot_be_read_fails_only_its_indicators(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = SMALL.replace(
        '[inputs.prices]\ndataset = "rpw_demo"\ntable = "prices"',
        '[inputs.prices]\npath = "missing.csv"\nreader = "rpw"',
    )
    summary = run(parse_spec(text, base_dir=tmp_path), out=tmp_path / "o")
    assert capsys.readouterr().err == ""  # no progress bar when stderr is not a terminal
    assert [o.ok for o in summary.outcomes] == [False, True]
    assert "could not be read" in str(summary.outcomes[0].error)
    assert summary.inputs["prices"].error and summary.exit_code == 1


def test_quality_rules_reach_indicators_that_take_them(tmp_path: Path) -> None:
    text = SMALL.replace(
        "[outputs]",
        '[inputs.persons]\ndataset = "lfs_integration_demo"\ntable = "persons"\n\n'
        '[[indicators]]\nid = "employment_rate_gap"\ninputs = { persons = "persons" }\n\n'
        "[quality]\nrules = { min_n = { min = 100000 } }\n\n[outputs]",
    )
    summary = run(parse_spec(text, base_dir=tmp_path), progress=False)
    gap = summary.outcomes[-1]
    assert gap.ok and gap.quality == {"min_n": {"min": 100000}}
    assert gap.result is not None
    assert gap.result.data["flag"].str.contains("low_n").all()  # every cell below 100 000
    assert summary.outcomes[0].quality is None  # remittance costs take no quality=


def test_disclosure_is_applied_before_anything_is_written(tmp_path: Path) -> None:
    text = SMALL.replace(
        "[outputs]",
        "[disclosure]\nrules = { frequency = { min = 5 } }\nindicators = "
        '["remittance_cost_average"]\n[outputs]',
    )
    summary = run(parse_spec(text, base_dir=tmp_path), progress=False)
    costs, refugees = summary.outcomes
    assert costs.ok and costs.disclosure is not None and refugees.disclosure is None
    assert costs.result is not None
    withheld = costs.result.data["n"].isna() | (costs.result.data["n"] >= 5)
    assert withheld.all()  # no published cell rests on fewer than 5 services
    assert costs.result.metadata["disclosure"]["method"] == "suppress"
    log = json.loads(summary.log.read_text("utf-8"))
    assert log["indicators"][0]["disclosure"]["rules"] == {"frequency": {"min": 5}}
    assert "cells_withheld" in log["indicators"][0]["disclosure"]


def test_disclosure_that_fails_publishes_nothing(tmp_path: Path) -> None:
    text = SMALL.replace(
        "[outputs]",
        "[disclosure]\nrules = { nosuchrule = { min = 5 } }\n[outputs]",
    )
    summary = run(parse_spec(text, base_dir=tmp_path), progress=False)
    assert all(not o.ok for o in summary.outcomes) and summary.exit_code == 1
    assert not (tmp_path / "output" / "csv").exists()
    page = (tmp_path / "output" / "indicators" / "refugees_per_100k.html").read_text("utf-8")
    assert "Not computed." in page and 'class="result"' not in page and "<img" not in page


def test_check_finds_schema_problems_without_computing(tmp_path: Path) -> None:
    (tmp_path / "pop.csv").write_text("ref_area,time_period,population\nSYR,2024,x\n", "utf-8")
    text = SMALL.replace(
        '[inputs.population]\ndataset = "refugees_demo"\ntable = "population"',
        '[inputs.population]\npath = "pop.csv"',
    )
    report = check(parse_spec(text, base_dir=tmp_path))
    assert not report.ok
    assert any("population as population" in p for p in report.problems)
    assert not (tmp_path / "output").exists()


def test_mapping_renames_recodes_and_counts_unmapped_codes() -> None:
    frame = pd.DataFrame({"Sex": [1, 2, 2, 9], "COB": [1.0, 2.0, -9.0, 1.0], "x": [1, 2, 3, 4]})
    mapping = MappingSpec(
        columns={"Sex": "sex", "COB": "country_of_birth"},
        codes={"sex": {"1": "M", "2": "F"}, "country_of_birth": {"1": "GBR", "2": "XXX"}},
        constants={"ref_area": "GBR"},
    )
    out, notes = apply_mapping(frame, mapping)
    assert out["sex"].tolist() == ["M", "F", "F", None]
    assert out["country_of_birth"].tolist() == ["GBR", "XXX", None, "GBR"]
    assert (out["ref_area"] == "GBR").all() and out["x"].tolist() == [1, 2, 3, 4]
    assert any("1 row(s) with code(s) ['9']" in n for n in notes)
    assert any("['-9']" in n for n in notes)


def test_glob_stacks_files_and_logs_each(tmp_path: Path) -> None:
    for year in (2023, 2024):
        (tmp_path / f"pop_{year}.csv").write_text(
            f"ref_area,time_period,population\nSYR,{year},1000000\nAFG,{year},40000000\n", "utf-8"
        )
        (tmp_path / f"ref_{year}.csv").write_text(
            f"ref_area,time_period,refugees\nSYR,{year},100000\nAFG,{year},50000\n", "utf-8"
        )
    text = (
        SMALL.replace(
            '[inputs.refugees]\ndataset = "refugees_demo"\ntable = "refugees"',
            '[inputs.refugees]\nglob = "ref_*.csv"',
        )
        .replace(
            '[inputs.population]\ndataset = "refugees_demo"\ntable = "population"',
            '[inputs.population]\nglob = "pop_*.csv"',
        )
        .replace('by = ["sex"]', "")
    )
    summary = run(parse_spec(text, base_dir=tmp_path), progress=False)
    refugees = summary.outcomes[1]
    assert refugees.ok and refugees.result is not None
    values = refugees.result.data.set_index(["ref_area", "time_period"])["value"]
    # hand-computed: 100000 * R / (P + R)
    assert values[("SYR", 2024)] == pytest.approx(1e5 * 100_000 / 1_100_000)
    assert values[("AFG", 2023)] == pytest.approx(1e5 * 50_000 / 40_050_000)
    assert len(summary.inputs["refugees"].files) == 2


# ----------------------------------------------------------------------------- report


def test_interval_truncated_at_zero_and_said() -> None:
    result = mi.Result(
        data=pd.DataFrame(
            {
                "ref_area": ["KEN", "UGA"],
                "value": [2.0, 50.0],
                "unit": "person",
                "se": [3.0, 5.0],
                "ci_lower": [-3.88, 40.2],
                "ci_upper": [7.88, 59.8],
                "n": [3, 40],
                "flag": ["low_n", ""],
            }
        ),
        metadata={"indicator": "migrant_stock", "unit": "person"},
    )
    assert non_negative(result)
    table, notes = result_table(result)
    assert '<td class="num">0*</td>' in table and "-3.88" not in table
    assert any("truncated at zero" in n for n in notes)
    assert "Kenya" in table  # codes shown with their names
    assert 'title="low_n: fewer unweighted observations' in table  # tooltip on the cell
    gap = mi.Result(
        data=result.data, metadata={"indicator": "employment_rate_gap", "unit": "percent"}
    )
    assert not non_negative(gap)


def test_example_run_is_complete(example_run: ExampleRun) -> None:
    assert example_run.code == 0, [i["error"] for i in example_run.log["indicators"] if i["error"]]
    log = example_run.log
    assert log["synthetic"] is True and len(log["indicators"]) == len(mi.datasets.demo_jobs())
    assert all(i["rows_accounted"] for i in log["indicators"])
    pages = sorted((example_run.out / "indicators").glob("*.html"))
    assert len(pages) == len(log["indicators"])
    index = (example_run.out / "index.html").read_text(encoding="utf-8")
    for needle in (
        "Synthetic data",
        "Data sources",
        "Quality profile",
        "Disclosure control",
        "Flag legend",
        "fewer_than_three_services",
        "run-log.json",
    ):
        assert needle in index
    assert "http://" not in index.replace('href="http', "") and "<script" not in index
    # Indicators serving a further agenda point are named as readers know them, not by job key.
    also = re.findall(r'<td class="also">(.*?)</td>', index)
    assert any("<a href=" in cell for cell in also)
    assert not any("<code>" in cell for cell in also)
    page = (example_run.out / "indicators" / "refugees_per_100k.html").read_text("utf-8")
    assert "100000 * R_o / (P_o + R_o)" in page  # the registry's formula, as text
    assert "Central and Southern Asia" in page  # M49 names beside the codes
    files = (
        "sdmx/sdg_sdmx.csv",
        "sdmx/sdg_sdmx_v20.csv",
        "sdmx/sdg_sdmx.xml",
        "excel/migindicators.xlsx",
    )
    for name in files:
        assert (example_run.out / name).is_file(), name


# -------------------------------------------------------------------------------- CLI


def test_cli_init_check_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--demo", str(tmp_path / "demo")]) == 0
    spec = tmp_path / "demo" / "migindicators-run.toml"
    assert spec.read_text("utf-8") == mi.publish.run.example_spec_path().read_text("utf-8")
    assert main(["init", "--demo", str(tmp_path / "demo")]) == 2  # exists: --force
    assert main(["init", str(tmp_path / "s"), "--indicators", "refugees_per_100k"]) == 0
    starter = tmp_path / "s" / "migindicators-run.toml"
    assert main(["run", "--check", str(starter)]) == 1  # its data files do not exist yet
    assert "no such file" in capsys.readouterr().out
    (tmp_path / "small.toml").write_text(SMALL, "utf-8")
    assert main(["run", "--check", str(tmp_path / "small.toml")]) == 0
    assert main(["run", str(tmp_path / "small.toml"), "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "index.html").is_file()
    (tmp_path / "afile").write_text("x", "utf-8")
    assert main(["run", str(tmp_path / "small.toml"), "--out", str(tmp_path / "afile")]) == 2
    assert "cannot write the outputs" in capsys.readouterr().err
    (tmp_path / "bad.toml").write_text(SMALL.replace("[outputs]", "[output]"), "utf-8")
    assert main(["run", str(tmp_path / "bad.toml")]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'output'" in err and "line" in err and "Traceback" not in err


def test_cli_compute_reader_gives_the_view_the_input_needs(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    uis = str(shared_data / "uis_student_mobility_feb2026.csv")
    out = tmp_path / "omr.csv"
    argv = [
        "compute",
        "outbound_mobility_ratio",
        "--input",
        f"students={uis}",
        "--input",
        f"enrolment={uis}",
        "--reader",
        "students=uis",
        "--reader",
        "enrolment=uis",
        "--out",
        str(out),
    ]
    assert main(argv) == 0, capsys.readouterr().err
    data = pd.read_csv(out).set_index(["ref_area", "time_period"])
    assert data.loc[("FRA", 2022), "value"] == pytest.approx(3.9354, abs=0.01)


@pytest.mark.parametrize("suffix", [".dta", ".parquet", ".sav", ".csv.gz", ".xlsx"])
def test_table_readers_by_extension(tmp_path: Path, suffix: str) -> None:
    refugees = pd.DataFrame(
        {"ref_area": ["SYR", "AFG"], "time_period": [2024, 2024], "refugees": [1e5, 5e4]}
    )
    path = tmp_path / f"refugees{suffix}"
    if suffix == ".dta":
        refugees.to_stata(path, write_index=False)
    elif suffix == ".parquet":
        refugees.to_parquet(path, index=False)
    elif suffix == ".sav":
        pyreadstat = pytest.importorskip("pyreadstat")
        pyreadstat.write_sav(refugees, str(path))
    elif suffix == ".xlsx":
        pytest.importorskip("openpyxl")
        refugees.to_excel(path, index=False)
    else:
        refugees.to_csv(path, index=False)
    (tmp_path / "pop.csv").write_text(
        "ref_area,time_period,population\nSYR,2024,1000000\nAFG,2024,40000000\n", "utf-8"
    )
    text = (
        SMALL.replace(
            '[inputs.refugees]\ndataset = "refugees_demo"\ntable = "refugees"',
            f'[inputs.refugees]\npath = "{path.name}"',
        )
        .replace(
            '[inputs.population]\ndataset = "refugees_demo"\ntable = "population"',
            '[inputs.population]\npath = "pop.csv"',
        )
        .replace('by = ["sex"]', "")
    )
    spec = parse_spec(text, base_dir=tmp_path)
    assert check(spec).ok, check(spec).problems
    summary = run(spec, out=tmp_path / "out", progress=False)
    outcome = summary.outcomes[1]
    assert outcome.ok and outcome.result is not None, outcome.error
    values = outcome.result.data.set_index("ref_area")["value"]
    assert values["SYR"] == pytest.approx(1e5 * 1e5 / 1.1e6)


def test_ipums_fixed_width_with_ddi_and_preset_mapping(tmp_path: Path) -> None:
    from test_io_ddi import make_ddi, write_fixed_width

    from migindicators.io.ddi import read_ddi

    frame = mi.datasets.load("census_demo")["ipums"].iloc[:3000].reset_index(drop=True)
    (tmp_path / "extract.xml").write_text(make_ddi(file_name="extract.dat"), "utf-8")
    book = read_ddi(tmp_path / "extract.xml")
    (tmp_path / "extract.dat").write_bytes(write_fixed_width(frame, book))
    text = (
        SMALL.split("[inputs.prices]")[0]
        + '[inputs.census]\npath = "extract.dat"\nreader = "ipums"\n'
        'options = { ddi = "extract.xml" }\nmapping = { preset = "ipums_international" }\n\n'
        '[[indicators]]\nid = "migrant_stock"\nby = ["sex"]\n\n[outputs]\nhtml = false\n'
    )
    summary = run(parse_spec(text, base_dir=tmp_path), progress=False)
    (outcome,) = summary.outcomes
    assert outcome.ok and outcome.result is not None, outcome.error
    expected = mi.compute("migrant_stock", census=frame, mapping="ipums_international", by=["sex"])
    pd.testing.assert_frame_equal(outcome.result.data, expected.data)
    assert "DDI codebook extract.xml" in " ".join(summary.inputs["census"].notes)


def test_quality_profile_is_passed_by_name(tmp_path: Path) -> None:
    text = SMALL.replace(
        "[outputs]",
        '[inputs.persons]\ndataset = "lfs_integration_demo"\ntable = "persons"\n\n'
        '[[indicators]]\nid = "employment_rate_gap"\ninputs = { persons = "persons" }\n\n'
        '[quality]\nprofile = "statcan"\n\n[outputs]',
    )
    spec = parse_spec(text, base_dir=tmp_path)
    assert check(spec).ok
    summary = run(spec, progress=False)
    gap = summary.outcomes[-1]
    assert gap.ok and gap.quality == "statcan" and summary.exit_code == 0
    assert gap.result is not None
    persons = mi.datasets.load("lfs_integration_demo")
    assert isinstance(persons, pd.DataFrame)  # one table: `table` names it, nothing to pick
    expected = mi.compute("employment_rate_gap", persons=persons, quality="statcan")
    pd.testing.assert_frame_equal(gap.result.data, expected.data)
    index = (tmp_path / "output" / "index.html").read_text("utf-8")
    assert "statcan" in index
