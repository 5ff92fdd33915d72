"""DDI codebooks and the fixed-width reader: a generated IPUMS-like fixture and the CPS codebook."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from migindicators.core.errors import InputValidationError
from migindicators.io.ddi import Codebook, DdiError, VariableSpec, read_ddi
from migindicators.io.fixed_width import (
    iter_fixed_width,
    parse_numeric_field,
    read_fixed_width,
    read_ipums,
)

# name, start, end, decimals — an IPUMS-International-like person layout
LAYOUT = [
    ("COUNTRY", 1, 3, 0),
    ("YEAR", 4, 7, 0),
    ("SERIAL", 8, 17, 0),
    ("PERWT", 18, 25, 2),
    ("SEX", 26, 26, 0),
    ("AGE", 27, 29, 0),
    ("BPLCNTRY", 30, 34, 0),
    ("CITIZEN", 35, 35, 0),
    ("STRATA", 36, 41, 0),
    ("YRIMM", 42, 45, 0),
]


def make_ddi(layout: list[tuple[str, int, int, int]] = LAYOUT, file_name: str = "x.dat") -> str:
    """A DDI 2.5 codebook text for *layout* (with a few value labels)."""
    parts = []
    for name, start, end, dcml in layout:
        labels = ""
        if name == "SEX":
            labels = (
                "<catgry><catValu>1</catValu><labl>Male</labl></catgry>"
                "<catgry><catValu>2</catValu><labl>Female</labl></catgry>"
            )
        parts.append(
            f'<var ID="{name}" files="F1" name="{name}" dcml="{dcml}">'
            f'<location StartPos="{start}" width="{end - start + 1}" EndPos="{end}"/>'
            f"<labl>{name.title()}</labl>{labels}"
            '<varFormat schema="other" type="numeric"/></var>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<codeBook xmlns="ddi:codebook:2_5" version="2.5"><fileDscr ID="F1"><fileTxt>'
        f"<fileName>{file_name}</fileName>"
        '<fileStrc type="rectangular"/><fileType charset="ISO-8859-1">d</fileType>'
        "</fileTxt></fileDscr><dataDscr>" + "".join(parts) + "</dataDscr></codeBook>"
    )


def write_fixed_width(frame: pd.DataFrame, book: Codebook, *, newline: str = "\n") -> bytes:
    """Encode *frame* (IPUMS names, numbers) as fixed-width records by the codebook."""
    columns = []
    for var in book.variables:
        stored = np.round(frame[var.name].to_numpy(dtype="float64") * 10**var.decimals)
        text = pd.Series(stored.astype("int64")).astype(str).str.rjust(var.width, "0")
        columns.append(text)
    lines = columns[0]
    for col in columns[1:]:
        lines = lines + col
    return (newline.join(lines) + newline).encode("ascii")


@pytest.fixture(scope="module")
def ipums_frame() -> pd.DataFrame:
    from migindicators.datasets import load

    data = load("census_demo")
    assert isinstance(data, dict)
    return data["ipums"].iloc[:5000].reset_index(drop=True)


def test_read_ddi_positions_decimals_labels() -> None:
    book = read_ddi(make_ddi())
    assert book.names[:3] == ["COUNTRY", "YEAR", "SERIAL"]
    assert book["PERWT"].decimals == 2
    assert book["PERWT"].width == 8
    assert book["SEX"].codes == {"1": "Male", "2": "Female"}
    assert book.record_length == 45
    assert book.file_name == "x.dat"


def test_overlapping_positions_are_an_error() -> None:
    bad = [*LAYOUT[:2], ("SERIAL", 7, 16, 0)]  # overlaps YEAR (4-7)
    with pytest.raises(DdiError, match="overlap"):
        read_ddi(make_ddi(bad))


@pytest.mark.parametrize(
    "xml",
    [
        "<codeBook><var name='A'><location StartPos='1' width='3' EndPos='4'/></var></codeBook>",
        "<codeBook><var name='A'/></codeBook>",
        "<codeBook><var name='A'><location StartPos='x' EndPos='2'/></var></codeBook>",
        "<codeBook></codeBook>",
        "<codeBook><var",
    ],
)
def test_malformed_codebooks(xml: str) -> None:
    with pytest.raises(DdiError):
        read_ddi(xml)


def test_fixed_width_round_trip(ipums_frame: pd.DataFrame, tmp_path: Path) -> None:
    book = read_ddi(make_ddi())
    path = tmp_path / "x.dat.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(write_fixed_width(ipums_frame, book))
    out = read_fixed_width(path, book, chunk_rows=777)
    assert len(out) == len(ipums_frame)
    for name in book.names:
        np.testing.assert_allclose(out[name].to_numpy(dtype=float), ipums_frame[name], rtol=0)
    assert out["PERWT"].dtype == "float64"  # implied decimals
    assert out["AGE"].dtype == "int64"
    chunks = list(iter_fixed_width(path, book, columns=["AGE", "PERWT"], chunk_rows=1000))
    assert [len(c) for c in chunks] == [1000] * 5
    assert list(chunks[0].columns) == ["AGE", "PERWT"]
    assert chunks[1].index[0] == 1000


def test_crlf_blanks_signs_and_bad_bytes() -> None:
    book = Codebook((VariableSpec("A", 1, 4), VariableSpec("B", 5, 7, decimals=1)))
    data = b"  12 15\r\n  -3 20\r\n    007\r\n"
    out = read_fixed_width(io.BytesIO(data), book)
    assert out["A"].tolist()[:2] == [12, -3]
    assert pd.isna(out["A"].iloc[2])
    np.testing.assert_allclose(out["B"], [1.5, 2.0, 0.7])
    with pytest.raises(InputValidationError, match="record 2"):
        read_fixed_width(io.BytesIO(b"0012345\n00x2345\n"), book)
    with pytest.raises(InputValidationError, match="same length|fixed-width"):
        read_fixed_width(io.BytesIO(b"0012345\n001234\n0012345\n"), book)
    with pytest.raises(InputValidationError, match="codebook"):
        read_fixed_width(io.BytesIO(b"001\n"), book)


def test_parse_numeric_field_fast_path() -> None:
    field = np.frombuffer(b"01239999", dtype=np.uint8).reshape(2, 4)
    assert parse_numeric_field(field).tolist() == [123, 9999]
    assert parse_numeric_field(field, 2).tolist() == [1.23, 99.99]


def test_read_ipums_finds_the_data_file(ipums_frame: pd.DataFrame, tmp_path: Path) -> None:
    (tmp_path / "extract.xml").write_text(make_ddi(file_name="extract.dat"))
    book = read_ddi(tmp_path / "extract.xml")
    (tmp_path / "extract.dat").write_bytes(write_fixed_width(ipums_frame.iloc[:100], book))
    chunks = list(read_ipums(tmp_path / "extract.xml", columns=["SERIAL"], chunk_rows=40))
    assert sum(len(c) for c in chunks) == 100


def test_cps_codebook_and_person_weights(shared_data: Path) -> None:
    """Fixture check on a real IPUMS DDI: positions, decimals, and the WTSUPP total."""
    book = read_ddi(shared_data / "ipums_cps_00006.xml")
    assert book.names == [
        "YEAR",
        "SERIAL",
        "HWTSUPP",
        "STATEFIP",
        "MONTH",
        "PERNUM",
        "WTSUPP",
        "INCTOT",
    ]
    assert book["WTSUPP"].decimals == 4
    assert (book["WTSUPP"].start, book["WTSUPP"].end) == (26, 35)
    assert book["STATEFIP"].codes["27"] == "Minnesota"
    csv = pd.read_csv(shared_data / "ipums_cps_00006.csv.gz")
    assert len(csv) == 7668
    assert round(csv["WTSUPP"].sum(), 4) == 15_338_485.8167
    # The same records as the fixed-width file the codebook describes, read back fast.
    data = write_fixed_width(csv, book)
    back = read_fixed_width(io.BytesIO(data), book, chunk_rows=1000)
    assert round(back["WTSUPP"].sum(), 4) == 15_338_485.8167
    assert (back["SERIAL"].to_numpy() == csv["SERIAL"].to_numpy()).all()
