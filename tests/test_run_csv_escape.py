"""The run's tidy CSV files: verbatim by default, spreadsheet-safe on request (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from test_publish_run import SMALL

from migindicators.publish.run import parse_spec
from migindicators.publish.run.outputs import _write_csv

FRAME = pd.DataFrame(
    {"label": ['=HYPERLINK("http://x")', "-5 %", "Kenya\x07"], "value": [-1.5, 2.0, 3.0]}
)


def test_csv_is_verbatim_by_default(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    _write_csv(FRAME, path, escape_formulas=False)
    back = pd.read_csv(path)
    assert back["label"].tolist() == FRAME["label"].tolist()
    assert back["value"].tolist() == [-1.5, 2.0, 3.0]


def test_csv_escaped_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    _write_csv(FRAME, path, escape_formulas=True)
    back = pd.read_csv(path)
    assert back["label"].tolist() == ['\'=HYPERLINK("http://x")', "'-5 %", "Kenya"]
    assert back["value"].tolist() == [-1.5, 2.0, 3.0]  # numbers are never touched


def test_spec_key(tmp_path: Path) -> None:
    assert not parse_spec(SMALL, base_dir=tmp_path).outputs.escape_formulas
    text = SMALL.replace("[outputs]\n", "[outputs]\nescape_formulas = true\n")
    assert parse_spec(text, base_dir=tmp_path).outputs.escape_formulas
