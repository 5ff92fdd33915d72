"""Excel workbook: sheets, metadata, golden cell values, and no formula ever runs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from golden.publish_inputs import refugees, remittances, small_results

from migindicators.publish import write_excel
from migindicators.publish.excel import needs_escape, sheet_name

openpyxl = pytest.importorskip("openpyxl", reason="the excel extra (openpyxl) is not installed")

GOLDEN = Path(__file__).parent / "golden" / "excel.json"
UPDATE = os.environ.get("MIGINDICATORS_UPDATE_GOLDEN") == "1"


def _dump(path: Path) -> dict[str, list[list[object]]]:
    book = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book}


def test_golden_workbook(tmp_path: Path) -> None:
    path = write_excel(small_results(), tmp_path / "book.xlsx")
    dump = json.dumps(_dump(path), indent=1, default=str, sort_keys=False) + "\n"
    if UPDATE:
        GOLDEN.write_text(dump, encoding="utf-8")
    assert dump == GOLDEN.read_text(encoding="utf-8")


def test_sheets_and_metadata(tmp_path: Path) -> None:
    path = write_excel(small_results(), tmp_path / "book.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "Metadata",
        "Exclusions",
        "refugees_test",
        "migrant_share_test",
        "remittance_cost_test",
        "non_sdg_test",
        "Legend",  # status codes and flags (issue 16)
    ]
    keys = {row[0].value for row in book["Metadata"].iter_rows() if row[0].value}
    assert {"definition", "unit", "sources", "options", "exclusions"} <= keys
    excl = [[c.value for c in row] for row in book["Exclusions"].iter_rows()]
    assert excl[0] == ["sheet", "input", "reason", "rows", "weighted", "detail"]
    assert ["refugees_test", "refugees", "unknown country code", 1, None, "UNK"] in excl


def test_formula_like_text_is_never_a_formula(tmp_path: Path) -> None:
    path = write_excel([remittances(), refugees()], tmp_path / "book.xlsx")
    book = openpyxl.load_workbook(path)
    seen = []
    for ws in book:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str) and needs_escape(cell.value):
                    assert cell.data_type == "s"
                    assert cell.quotePrefix
                    seen.append(cell.value)
    for text in (
        "=cmd|' /C calc'!A0",
        "@SUM(A1)",
        "=1+1",
        "-undisclosed exchange rate",
        "+Remittance costs as a proportion of the amount remitted",
    ):
        assert text in seen
    # numbers stay numbers, negative ones included
    sheet = book["remittance_cost_test"]
    assert isinstance(sheet["D2"].value, float)


def test_sheet_names() -> None:
    assert sheet_name("a" * 40) == "a" * 31
    assert sheet_name("x", ["X"]) == "x~2"
    assert sheet_name("a/b:c[d]") == "a_b_c_d_"
    long = sheet_name("b" * 40, ["b" * 31])
    assert len(long) <= 31 and long.endswith("~2")


def test_write_excel_of_one_result(tmp_path: Path) -> None:
    from migindicators.publish.excel import write_excel

    path = write_excel(refugees(), tmp_path / "r.xlsx")
    assert openpyxl.load_workbook(path).sheetnames[-2:] == ["refugees_test", "Legend"]


def test_status_columns_and_legend(tmp_path: Path) -> None:
    result = refugees()
    flags = list(result.data["flag"])
    flags[0] = "secondary_suppressed"
    result.data["flag"] = flags
    path = write_excel(result, tmp_path / "book.xlsx")
    book = openpyxl.load_workbook(path)
    rows = [[c.value for c in row] for row in book["refugees_test"].iter_rows()]
    header = rows[0]
    at = header.index("flag")
    assert header[at + 1 : at + 3] == ["status", "confidentiality"]
    first = rows[1]
    assert first[at] == "secondary_suppressed" and first[at + 1 : at + 3] == ["O", "D"]
    legend = {row[0].value: row[1].value for row in book["Legend"].iter_rows() if row[0].value}
    assert legend["D"] == "secondary confidentiality set by the sender, not for publication"
    assert legend["U"] == "low reliability"
    assert "complementary suppression" in legend["secondary_suppressed"]
    every_flag = {row[0].value for row in book["Legend"].iter_rows()}
    from migindicators.core.flags import FLAGS

    assert set(FLAGS) <= every_flag
