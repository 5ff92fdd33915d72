"""Issue 15: a catalogue of careless inputs, each with a clear typed error or a counted exclusion.

Every case here failed raw (a traceback, a silent wrong number or a live formula) before
issue 15; the test names say what is now true. The fuzz test over every input kind is in
``tests/test_fuzz_inputs.py``.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import migindicators as mi
from migindicators.cli import main
from migindicators.core.cells import escape_formula, spreadsheet_frame, strip_control
from migindicators.core.errors import (
    FileError,
    InputValidationError,
    MigIndicatorsError,
    MissingColumnError,
    OptionError,
    UnknownNameError,
    WeightError,
)
from migindicators.core.registry import OPTION_TYPES, check_int, registry
from migindicators.io.files import read_table, sniff_delimiter, write_table

SPECS = list(registry.values())


def _refugees(**changes: Any) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"ref_area": ["SYR", "AFG"], "time_period": [2024, 2024], "refugees": [1e5, 5e4]}
    )
    return frame.assign(**changes)


def _population(**changes: Any) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"ref_area": ["SYR", "AFG"], "time_period": [2024, 2024], "population": [1e6, 4e7]}
    )
    return frame.assign(**changes)


# ------------------------------------------------------------------ the error hierarchy


def test_error_classes_keep_the_builtin_bases() -> None:
    assert issubclass(OptionError, TypeError) and issubclass(OptionError, ValueError)
    assert issubclass(MissingColumnError, KeyError) and issubclass(MissingColumnError, ValueError)
    assert issubclass(UnknownNameError, KeyError) and issubclass(UnknownNameError, OptionError)
    assert issubclass(FileError, OSError) and issubclass(WeightError, InputValidationError)
    for cls in (OptionError, MissingColumnError, FileError, WeightError, UnknownNameError):
        assert issubclass(cls, MigIndicatorsError)
    # KeyError subclasses print their message, not its repr
    assert str(MissingColumnError("column 'x' is absent")) == "column 'x' is absent"


def test_no_bare_builtin_raises_left_in_the_library() -> None:
    """The 111+ bare ValueError/KeyError/TypeError raises became the library's classes."""
    src = Path(mi.__file__).parent
    offenders = [
        f"{path.relative_to(src)}:{n}"
        for path in src.rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if any(f"raise {name}(" in line for name in ("ValueError", "KeyError", "TypeError"))
        and "is not documented" not in line  # a developer's docstring check at import time
    ]
    assert offenders == []


# ------------------------------------------------------------------ typed options


def test_every_registry_option_declares_a_type() -> None:
    untyped = [f"{s.id}.{o.name}" for s in SPECS for o in s.options if o.type is None]
    assert untyped == []
    assert {o.type for s in SPECS for o in s.options} <= set(OPTION_TYPES)


def test_every_indicator_function_checks_its_options() -> None:
    for spec in SPECS:
        assert getattr(spec.function, "__migindicators_id__", None) == spec.id, spec.id


_BAD_VALUES: dict[str, list[Any]] = {
    "bool": ["False", "true", 1],
    "int": [2024.5, "abc", True],
    "float": ["abc", float("inf"), None],
    "str": [5],
    "list[str]": ["agree", [1]],
    "list[int]": [["abc"], "15"],
    "list[float]": ["median", ["x"]],
    "str|list[str]": [5, [1]],
    "unit": [5],
    "path": [5],
}


def _bad_cases() -> list[Any]:
    cases = []
    for spec in SPECS:
        for opt in spec.options:
            for value in _BAD_VALUES.get(opt.type or "", []):
                if value is None and opt.nullable:
                    continue
                cases.append(pytest.param(spec.id, opt.name, value, id=f"{spec.id}-{opt.name}"))
    return cases


@pytest.mark.parametrize(("indicator", "option", "value"), _bad_cases())
def test_a_wrong_option_type_is_an_option_error(indicator: str, option: str, value: Any) -> None:
    spec = registry[indicator]
    inputs = {i.name: None for i in spec.inputs}
    # the direct Python call: checked by @typed_options before any input is touched
    with pytest.raises(OptionError, match=option):
        spec.function(**inputs, **{option: value})
    with pytest.raises(OptionError, match=option):
        mi.compute(indicator, **inputs, **{option: value})


def test_option_messages_say_what_to_do() -> None:
    with pytest.raises(OptionError, match=r"single string is not a list: write \['agree'\]"):
        mi.perceptions.migrant_views_share(None, item="x", values="agree")
    with pytest.raises(OptionError, match="'False' is not a bool"):
        registry["migrant_deaths_and_disappearances"].function(None, derive_missing="False")
    with pytest.raises(OptionError, match="fraction is never truncated"):
        registry["migrant_stock"].function(None, chunk_rows=2.5)
    with pytest.raises(OptionError, match=r"\[length\]"):
        mi.compute("mean_migration_distance", flows=None, distances=None, distance_unit="kilogram")
    with pytest.raises(OptionError, match="unknown aggregate grouping"):
        registry["refugees_per_100k"].function(_refugees(), _population(), aggregate=["wrld"])


def test_choices_typo_gets_a_suggestion() -> None:
    with pytest.raises(OptionError, match="did you mean"):
        mi.compute("desire_to_migrate_share", survey=None, dont_know="exlude")


def test_good_values_convert() -> None:
    spec = registry["migrant_stock"]
    assert spec.check_options({"chunk_rows": 10.0})["chunk_rows"] == 10
    assert spec.check_options({"progress": np.bool_(False)})["progress"] is False
    text = spec.options_from_text({"progress": "false", "chunk_rows": "500"})
    assert text == {"progress": False, "chunk_rows": 500}
    views = registry["migrant_views_share"]
    assert views.options_from_text({"values": "agree,strongly_agree"})["values"] == [
        "agree",
        "strongly_agree",
    ]
    assert views.options_from_text({"item": "none"})["item"] is None
    with pytest.raises(OptionError, match="true or false"):
        spec.options_from_text({"progress": "maybe"})
    with pytest.raises(OptionError, match="did you mean"):
        spec.options_from_text({"chunk_row": "5"})
    assert check_int(7.0, "n", minimum=1) == 7
    for bad in ("abc", 0, 1.5, None):
        with pytest.raises(OptionError):
            check_int(bad, "chunk_rows", minimum=1)


def test_misspelt_indicator_gets_suggestions() -> None:
    with pytest.raises(KeyError, match=r"did you mean \['refugees_per_100k'\]"):
        mi.compute("refugees_per_100")
    with pytest.raises(OptionError, match="did you mean"):
        mi.compute("refugees_per_100k", refugees=None, population=None, agregate="world")


# ------------------------------------------------------------------ bad data


def test_input_that_is_not_a_frame_names_the_input() -> None:
    with pytest.raises(InputValidationError, match="input 'refugees': expected a pandas"):
        mi.protection.refugees_per_100k(None, _population())


def test_fraction_in_an_integer_column_is_never_truncated() -> None:
    with pytest.raises(InputValidationError, match="time_period.*whole number.*2024.5"):
        mi.protection.refugees_per_100k(_refugees(time_period=[2024.5, 2024]), _population())


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_infinite_numbers_fail_every_float_schema(bad: float) -> None:
    with pytest.raises(InputValidationError, match="population.*finite"):
        mi.protection.refugees_per_100k(_refugees(), _population(population=[bad, 4e7]))
    with pytest.raises(InputValidationError, match="refugees.*finite"):
        mi.protection.refugees_per_100k(_refugees(refugees=[bad, 1.0]), _population())


def test_every_float_column_of_every_kind_checks_finiteness() -> None:
    from migindicators import schemas

    for name in schemas.input_kinds():
        kind = schemas.get(name)
        for col in kind.columns:
            if col.dtype == "float":
                assert any(getattr(c, "name", "") == "finite" for c in col.checks()), (
                    f"{name}.{col.name}"
                )


def _survey_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"y": [1.0, 2.0, 3.0, 4.0], "name": list("abcd"), "w": [1.0, 2.0, 0.0, -1.0]}
    )


def test_non_positive_weights_list_the_rows_or_are_excluded_and_counted() -> None:
    frame = _survey_frame()
    with pytest.raises(WeightError, match=r"2 row\(s\).*row 2: 0\.0, row 3: -1\.0.*exclude") as err:
        mi.survey.estimate(frame, y="y", design={"weight": "w"})
    assert err.value.failure_cases["index"].tolist() == [2, 3]
    ledger_rows = mi.survey.estimate(frame, y="y", design={"weight": "w", "bad_weights": "exclude"})
    # the weighted mean of the two rows left: (1 * 1 + 2 * 2) / 3
    assert ledger_rows.data["value"].iloc[0] == pytest.approx(5 / 3)
    reasons = ledger_rows.exclusions.set_index("reason")["rows"]
    assert reasons["non-positive or non-finite weight (w)"] == 2
    assert ledger_rows.rows_accounted()
    with pytest.raises(WeightError, match="inf"):
        mi.survey.estimate(frame.assign(w=[1.0, np.inf, 1.0, 1.0]), y="y", design={"weight": "w"})
    with pytest.raises(OptionError, match="bad_weights"):
        mi.survey.estimate(frame, y="y", design={"weight": "w", "bad_weights": "drop"})


def test_text_column_as_y_and_quantile_as_text() -> None:
    frame = _survey_frame().assign(w=1.0)
    with pytest.raises(InputValidationError, match="column 'name' must hold finite numbers"):
        mi.survey.estimate(frame, y="name", design={"weight": "w"})
    with pytest.raises(OptionError, match="q='median'"):
        mi.survey.estimate(frame, y="y", design={"weight": "w"}, parameter="quantile", q="median")


def test_age_bands_and_quantiles_of_the_wrong_type() -> None:
    with pytest.raises(OptionError, match="age_bands"):
        mi.compute("employment_rate_gap", persons=None, age_bands=["abc"])
    with pytest.raises(OptionError, match="quantiles"):
        mi.compute("smuggling_fees", reports=None, quantiles="median")


def test_unknown_receiving_area_is_excluded_and_counted_at_every_level() -> None:
    prices = mi.datasets.load("rpw_demo")
    prices = prices if isinstance(prices, pd.DataFrame) else next(iter(prices.values()))
    prices = prices.assign(receiving_area=prices["receiving_area"].astype(str))
    prices.loc[prices.index[:3], "receiving_area"] = "ZZZ"
    for level, reason in (
        ("receiving", "unknown receiving country code"),
        ("region", "receiving country in no sdg_region area"),
    ):
        res = mi.compute("remittance_cost_average", prices=prices, level=level)
        area = "receiving_area" if level == "receiving" else "ref_area"
        assert "ZZZ" not in set(res.data[area].astype(str))
        assert reason in set(res.exclusions["reason"])
        assert res.rows_accounted()


def test_fixed_width_blanks() -> None:
    from migindicators.io.ddi import Codebook, VariableSpec
    from migindicators.io.fixed_width import read_fixed_width

    book = Codebook((VariableSpec("A", 1, 4), VariableSpec("B", 5, 6)))
    out = read_fixed_width(io.BytesIO(b"  1201\n    02\n0-1203\n"), book)
    assert out["A"].iloc[0] == 12 and pd.isna(out["A"].iloc[1]) and out["A"].iloc[2] == -12
    # a left-justified number: trailing blanks are not zeros ("1 " is 1, not 10)
    assert read_fixed_width(io.BytesIO(b" 12 1 \n"), book)["B"].tolist() == [1]
    for record in (b"1 2 01\n", b"  - 01\n", b"12-301\n", b"1-2301\n"):
        with pytest.raises(InputValidationError, match="is not a number"):
            read_fixed_width(io.BytesIO(record), book)


def test_chunk_rows_and_corrupt_parquet(tmp_path: Path) -> None:
    census = mi.datasets.load("census_demo")["census"]
    for bad in ("abc", 0):
        with pytest.raises(OptionError, match="chunk_rows"):
            mi.compute("migrant_stock", census=census, chunk_rows=bad)
    good = tmp_path / "c.parquet"
    census.to_parquet(good, row_group_size=len(census))
    data = bytearray(good.read_bytes())
    for i in range(len(data) // 3, len(data) // 3 + 200):
        data[i] ^= 0x5A
    bad_file = tmp_path / "damaged.parquet"
    bad_file.write_bytes(bytes(data))
    with pytest.raises(FileError, match="damaged.parquet"):
        mi.compute("migrant_stock", census=str(bad_file), by=["sex"])


# ------------------------------------------------------------------ files and spreadsheets


def test_cells_helpers() -> None:
    assert escape_formula('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert escape_formula("-12 km") == "'-12 km"
    assert escape_formula("Kenya") == "Kenya"
    assert strip_control("a\x07b\x00c\td") == "abc\td"
    frame = spreadsheet_frame(
        pd.DataFrame({"a\x01": ["@x", 1], "n": [-1, 2]}), escape_formulas=True
    )
    assert list(frame.columns) == ["a", "n"]
    assert frame["a"].tolist() == ["'@x", 1] and frame["n"].tolist() == [-1, 2]


def test_xlsx_output_never_holds_a_formula_or_a_control_character(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    frame = pd.DataFrame(
        {"label": ['=HYPERLINK("http://evil","x")', "+1", "ok\x07bell", "-3"], "v": [1, 2, 3, -4]}
    )
    path = write_table(frame, tmp_path / "x.xlsx")
    sheet = openpyxl.load_workbook(path).active
    cells = {c.value: c for c in sheet["A"][1:]}
    assert all(c.data_type == "s" for c in cells.values())
    assert cells['=HYPERLINK("http://evil","x")'].quotePrefix
    assert "okbell" in cells
    assert [c.value for c in sheet["B"][1:]] == [1, 2, 3, -4]


def test_csv_output_is_verbatim_unless_escaping_is_asked(tmp_path: Path) -> None:
    frame = pd.DataFrame({"label": ["=1+1", "-3"]})
    plain = pd.read_csv(write_table(frame, tmp_path / "a.csv"), dtype=str)
    assert plain["label"].tolist() == ["=1+1", "-3"]
    escaped = pd.read_csv(write_table(frame, tmp_path / "b.csv", escape_formulas=True), dtype=str)
    assert escaped["label"].tolist() == ["'=1+1", "'-3"]


def test_publisher_strips_control_characters(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    from migindicators.publish.excel import write_excel

    res = mi.protection.refugees_per_100k(
        _refugees(age_group=["Y15\x07T19", "=cmd|' /C calc'!A0"]),
        _population(age_group=["Y15\x07T19", "=cmd|' /C calc'!A0"]),
        by=["age_group"],
    )
    path = write_excel(res, tmp_path / "r.xlsx")
    values = [c.value for row in openpyxl.load_workbook(path)["refugees_per_100k"] for c in row]
    assert "Y15T19" in values
    assert all(not (isinstance(v, str) and "\x07" in v) for v in values)


def test_csv_delimiter_and_encoding(tmp_path: Path) -> None:
    semi = tmp_path / "semi.csv"
    semi.write_text("ref_area;time_period;population\nSYR;2024;1000\n")
    assert list(read_table(semi).columns) == ["ref_area", "time_period", "population"]
    assert sniff_delimiter('a,b\n"1;2",3\n') == ","
    assert sniff_delimiter("a\tb\n1\t2\n") == "\t"
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name,v\nS\xe3o Tom\xe9,1\n".encode("latin-1"))
    with pytest.raises(FileError, match=r"latin\.csv: not valid utf-8.*encoding='latin-1'"):
        read_table(latin)
    assert read_table(latin, encoding="latin-1")["name"].iloc[0] == "São Tomé"
    with pytest.raises(FileError, match="is a folder"):
        read_table(tmp_path)


def test_write_errors_name_the_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(FileError, match="cannot be written"):
        write_table(pd.DataFrame({"a": [1]}), blocker / "out.csv")


# ------------------------------------------------------------------ the command line


def _cli_inputs(tmp_path: Path, age_group: list[str] | None = None) -> tuple[Path, Path]:
    extra = {"age_group": age_group} if age_group else {}
    r, p = tmp_path / "r.csv", tmp_path / "p.csv"
    _refugees(**extra).to_csv(r, index=False)
    _population(**extra).to_csv(p, index=False)
    return r, p


def _compute(r: Path, p: Path, *extra: str) -> list[str]:
    return ["compute", "refugees_per_100k", "--input", f"refugees={r}", "--input",
            f"population={p}", *extra]  # fmt: skip


def test_cli_xlsx_output_is_escaped(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    r, p = _cli_inputs(tmp_path, age_group=['=HYPERLINK("http://e","x")', "ok\x07"])
    out = tmp_path / "out.xlsx"
    assert main(_compute(r, p, "--by", "age_group", "--out", str(out))) == 0
    sheet = openpyxl.load_workbook(out).active
    link = [c for row in sheet for c in row if c.value == '=HYPERLINK("http://e","x")']
    assert link and link[0].data_type == "s" and link[0].quotePrefix


@pytest.mark.parametrize(
    ("case", "code", "message"),
    [
        ("out_parent_is_a_file", 1, "cannot be written"),
        ("out_read_only", 1, "cannot be written"),
        ("input_is_a_folder", 1, "is a folder"),
        ("input_unreadable", 1, "Permission denied"),
        ("input_latin1", 1, "latin.csv: not valid utf-8"),
        ("misspelt_indicator", 2, "did you mean"),
        ("misspelt_option", 2, "did you mean"),
        ("option_wrong_type", 2, "expected true or false"),
    ],
)
def test_cli_exit_codes_and_messages(
    case: str,
    code: int,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    r, p = _cli_inputs(tmp_path)
    argv = _compute(r, p)
    if case == "out_parent_is_a_file":
        (tmp_path / "f").write_text("x")
        argv += ["--out", str(tmp_path / "f" / "out.csv")]
    elif case == "out_read_only":

        def denied(*args: Any, **kwargs: Any) -> None:
            raise PermissionError(13, "Permission denied", str(tmp_path / "ro" / "out.csv"))

        monkeypatch.setattr(pd.DataFrame, "to_csv", denied)
        argv += ["--out", str(tmp_path / "ro" / "out.csv")]
    elif case == "input_is_a_folder":
        argv[3] = f"refugees={tmp_path}"
    elif case == "input_unreadable":

        def unreadable(*args: Any, **kwargs: Any) -> None:
            raise PermissionError(13, "Permission denied", str(r))

        monkeypatch.setattr(Path, "open", unreadable)
    elif case == "input_latin1":
        latin = tmp_path / "latin.csv"
        latin.write_bytes("ref_area,time_period,refugees\nSTP,2024,1\n# S\xe3o\n".encode("latin-1"))
        argv[3] = f"refugees={latin}"
    elif case == "misspelt_indicator":
        argv[1] = "refugees_per_100"
    elif case == "misspelt_option":
        argv += ["--option", "agregate=world"]
    elif case == "option_wrong_type":
        argv = ["compute", "migrant_stock", "--input", f"census={r}", "--option",
                "progress=maybe"]  # fmt: skip
    assert main(argv) == code
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_cli_never_prints_a_traceback_for_os_errors(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    r, p = _cli_inputs(tmp_path)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "migindicators",
            *_compute(r, p, "--out", str(tmp_path / "f/o.csv")),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "MIGINDICATORS_TRACEBACK": ""},
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "cannot be written" in proc.stderr


def test_cli_help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "Exit codes" in out and "2 bad usage" in out


def test_one_excluded_row_gives_an_empty_result_not_a_crash() -> None:
    """Found by the fuzz test: no cell left made the world aggregate's coverage divide text."""
    prices = mi.datasets.load("rpw_demo")
    prices = prices if isinstance(prices, pd.DataFrame) else prices["prices"]
    res = mi.compute("remittance_corridors_above_target", prices=prices.iloc[[285]])
    assert res.rows_accounted()
