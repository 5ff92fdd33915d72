"""Read and write whole tables by file extension (CSV, Parquet, Excel, Stata, SPSS).

Used by the command line, where an input is a path and the output format follows the
``--out`` file's extension. Readers for custodians' own layouts (RPW workbooks, UIS exports,
IPUMS extracts, …) live in their own modules and are chosen by name.

CSV input: the delimiter (comma, semicolon, tab or bar) is detected from the first lines and
the text must be UTF-8 (with or without a byte-order mark) unless an ``encoding`` is named; a
file that does not decode is an error naming the file, the byte and the encoding to try.
Any file that cannot be read or written raises :class:`~migindicators.core.errors.FileError`
(also an :class:`OSError`) naming the file.

Spreadsheet output (``.xlsx``) never holds a live formula: text that a spreadsheet would run
(leading ``=``, ``+``, ``-``, ``@``, tab, carriage return) is written as an explicit string
cell with the quote prefix, and control characters are stripped
(:mod:`migindicators.core.cells`). CSV output is written verbatim (it is data: a leading
``-`` may be a minus sign); ``escape_formulas=True`` prefixes such text with an apostrophe for
CSV files meant to be opened in a spreadsheet.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from migindicators.core.cells import needs_escape, spreadsheet_frame
from migindicators.core.errors import FileError, MigIndicatorsError
from migindicators.core.frames import accepts_any_frame

__all__ = ["TABLE_FORMATS", "read_table", "write_table"]

#: File extensions understood by :func:`read_table` / :func:`write_table`, and the extra
#: that provides each engine.
TABLE_FORMATS = {
    ".csv": "core",
    ".parquet": "parquet",
    ".xlsx": "excel",
    ".xls": "excel",
    ".dta": "core (pandas)",
    ".sav": "stata (pyreadstat)",
}


def _format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-2:] == [".csv", ".gz"]:
        return ".csv"
    suffix = suffixes[-1] if suffixes else ""
    if suffix not in TABLE_FORMATS:
        raise MigIndicatorsError(
            f"{path}: unknown table format {suffix!r}; use one of {sorted(TABLE_FORMATS)}"
        )
    return suffix


def _missing_engine(exc: ImportError, extra: str) -> MigIndicatorsError:
    return MigIndicatorsError(
        f"{exc}. Install the optional extra: pip install 'migindicators[{extra}]'"
    )


_DELIMITERS = ",;\t|"


def sniff_delimiter(sample: str) -> str:
    """The delimiter of CSV text *sample* (its first lines): comma, semicolon, tab or bar.

    A delimiter qualifies when it splits every line (quotes respected) into the same number
    of fields, more than one; the comma wins among those that qualify, then semicolon, tab,
    bar. When none qualifies, the one most frequent in the header line; a header without
    any is a one-column file and gets the comma.
    """
    lines = [line for line in sample.splitlines() if line.strip()][:20]
    if not lines:
        return ","
    for delimiter in _DELIMITERS:
        widths = {len(row) for row in csv.reader(lines, delimiter=delimiter)}
        if len(widths) == 1 and widths.pop() > 1:
            return delimiter
    counts = {d: lines[0].count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _read_csv(path: Path, encoding: str | None, delimiter: str | None) -> pd.DataFrame:
    with path.open("rb") as fh:
        head = fh.read(65536)
    if len(head) == 65536:  # the last line of the sample may be cut
        head = head[: head.rfind(b"\n") + 1] or head
    enc = encoding or "utf-8-sig"
    if delimiter is None:
        try:
            delimiter = sniff_delimiter(head.decode(enc, errors="strict" if encoding else "ignore"))
        except (UnicodeDecodeError, LookupError):
            delimiter = ","
    try:
        return pd.read_csv(
            path,
            sep=delimiter,
            encoding=enc,
            keep_default_na=False,
            na_values=["", "NA", "NaN", ".."],
        )
    except UnicodeDecodeError as exc:
        raise FileError(
            f"{path}: not valid {enc} text (byte {exc.object[exc.start : exc.start + 1]!r} at "
            f"position {exc.start}); the file is probably in another encoding such as latin-1 "
            "or cp1252: name it (read_table(path, encoding='latin-1'), or --encoding on the "
            "command line) or save the file as UTF-8"
        ) from None
    except LookupError:
        raise FileError(f"{path}: unknown encoding {enc!r}") from None


def read_table(
    path: str | Path, *, encoding: str | None = None, delimiter: str | None = None
) -> pd.DataFrame:
    """Read a whole table; the engine follows the extension.

    Parameters
    ----------
    path : str or Path
        The file: ``.csv`` (or ``.csv.gz``), ``.parquet``, ``.xlsx``/``.xls``, ``.dta``,
        ``.sav``.
    encoding : str, optional
        Text encoding of a CSV file; default UTF-8 (a byte-order mark is allowed).
    delimiter : str, optional
        Delimiter of a CSV file; default detected (comma, semicolon, tab or bar).

    Raises
    ------
    FileError
        For a missing, unreadable or corrupt file, or CSV text that does not decode (the
        message names the file).
    MigIndicatorsError
        For an unknown extension, or a missing optional engine (the message names the extra
        to install).
    """
    path = Path(path)
    if not path.exists():
        raise FileError(f"{path}: no such file")
    if path.is_dir():
        raise FileError(f"{path}: is a folder, not a table file")
    fmt = _format(path)
    try:
        if fmt == ".csv":
            return _read_csv(path, encoding, delimiter)
        if fmt == ".parquet":
            return pd.read_parquet(path)
        if fmt in {".xlsx", ".xls"}:
            return pd.read_excel(path)
        if fmt == ".dta":
            return pd.read_stata(path)
        return pd.read_spss(path)
    except ImportError as exc:
        raise _missing_engine(exc, "stata" if fmt == ".sav" else TABLE_FORMATS[fmt]) from None
    except MigIndicatorsError:
        raise
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        # pyarrow's ArrowInvalid (a corrupt Parquet file or column chunk) is a ValueError.
        raise FileError(
            f"{path}: cannot be read as {fmt[1:]}: {type(exc).__name__}: {exc}"
        ) from None


@accepts_any_frame
def write_table(frame: pd.DataFrame, path: str | Path, *, escape_formulas: bool = False) -> Path:
    """Write *frame* to *path*; the format follows the extension (CSV, Parquet or Excel).

    An ``.xlsx`` file never holds a live formula and never a control character (see the
    module notes). A CSV file is written verbatim unless *escape_formulas* is true, when
    formula-like text gets an apostrophe in front and control characters are stripped.

    Raises
    ------
    FileError
        When the file cannot be written (a read-only folder, a parent that is a file), naming
        the path.
    """
    path = Path(path)
    fmt = _format(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == ".csv":
            out = spreadsheet_frame(frame, escape_formulas=True) if escape_formulas else frame
            out.to_csv(path, index=False)
        elif fmt == ".parquet":
            frame.to_parquet(path, index=False)
        elif fmt == ".xlsx":
            _write_xlsx(frame, path)
        else:
            raise MigIndicatorsError(f"{path}: cannot write {fmt}; use .csv, .parquet or .xlsx")
    except ImportError as exc:
        raise _missing_engine(exc, TABLE_FORMATS[fmt]) from None
    except MigIndicatorsError:
        raise
    except OSError as exc:
        raise FileError(
            f"{path}: cannot be written ({exc.strerror or type(exc).__name__}"
            f"{': ' + str(exc.filename) if exc.filename else ''}); choose a writable folder"
        ) from None
    return path


def _write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    """One sheet; formula-like text as explicit, quote-prefixed string cells."""
    clean = spreadsheet_frame(frame, escape_formulas=False)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        clean.to_excel(writer, index=False)
        for sheet in writer.sheets.values():
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and needs_escape(cell.value):
                        cell.data_type = "s"
                        cell.quotePrefix = True
