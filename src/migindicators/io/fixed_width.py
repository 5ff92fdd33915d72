"""A fast reader for fixed-width extracts (IPUMS ``.dat`` / ``.dat.gz``) driven by a DDI codebook.

Every record of an IPUMS extract has the same length, so a block of records is a 2-D byte
matrix: :func:`read_fixed_width` reads ``chunk_rows`` records at a time into one buffer,
views it with :func:`numpy.frombuffer` as an ``(n, record_length)`` ``uint8`` array, and turns
each requested field (a column slice of that matrix) into integers with one vectorised
digit-times-power product. Implied decimals (``dcml``) divide afterwards. Only the
requested variables are converted, memory is bounded by ``chunk_rows × record_length``,
and no Python code runs per record. Blank fields become missing values; a field holding
something other than digits, blanks, a sign or a decimal point is an error naming the
variable and record.

pandas ``read_fwf`` is not used: it runs the pure-Python parser (pandas-dev/pandas#6706)
and ipumspy reads every column as text then casts, which is far too slow for 10^8 rows.

References
----------
peers.md §4 (IPUMS extracts and ipumspy); IPUMS, *Fixed-width data and DDI codebooks*,
https://www.ipums.org/.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, cast

import numpy as np
import pandas as pd

from migindicators.core.errors import InputValidationError
from migindicators.core.registry import check_int
from migindicators.io.ddi import Codebook, VariableSpec, read_ddi

__all__ = ["iter_fixed_width", "parse_numeric_field", "read_fixed_width", "read_ipums"]

_DIGIT0, _SPACE, _MINUS, _PLUS, _DOT = 48, 32, 45, 43, 46


def _open(path: Path) -> IO[bytes]:
    if path.suffix == ".gz":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def parse_numeric_field(
    field: np.ndarray, decimals: int = 0, *, name: str = "field", first_record: int = 0
) -> pd.Series:
    """Convert a ``(n, width)`` uint8 matrix of ASCII digits to numbers.

    Parameters
    ----------
    field : numpy.ndarray
        The field's bytes, one row per record (a column slice of the record matrix).
    decimals : int
        Implied decimal places: the integer read is divided by ``10**decimals``.
    name : str
        Variable name, for error messages.
    first_record : int
        0-based number of the first record of *field* in the file, for error messages.

    Returns
    -------
    pandas.Series
        ``int64`` when every value is present and no decimals are implied; ``Int64``
        (nullable) when some are blank; ``float64`` when decimals are implied or a value has
        an explicit decimal point.
    """
    width = field.shape[1]
    is_digit = (field >= _DIGIT0) & (field <= _DIGIT0 + 9)
    if is_digit.all():
        values = _digits_to_int(field, width)
        if decimals:
            return pd.Series(values / 10.0**decimals)
        return pd.Series(values)
    is_space = field == _SPACE
    is_sign = (field == _MINUS) | (field == _PLUS)
    is_dot = field == _DOT
    bad = ~(is_digit | is_space | is_sign | is_dot)
    if bad.any():
        row = int(np.flatnonzero(bad.any(axis=1))[0])
        text = bytes(field[row]).decode("latin-1")
        raise InputValidationError(
            f"fixed-width variable {name!r}, record {first_record + row + 1}: {text!r} is not "
            "a number; check that the codebook matches the data file"
        )
    blank = is_space.all(axis=1)
    # Blanks only around the number, a sign only before the significant digits (zero-padded
    # writers put it after leading zeros: "000-123"), some digit, at most one point: "1 2"
    # must not become 102, nor a lone "-" 0.
    filled = ~is_space
    positions = np.arange(width)
    first = filled.argmax(axis=1)[:, None]
    last = (width - 1 - filled[:, ::-1].argmax(axis=1))[:, None]
    inside = (positions >= first) & (positions <= last)
    malformed = ~blank & (
        (is_space & inside).any(axis=1)
        | (is_sign & (np.cumsum(is_digit & (field != _DIGIT0) | is_dot, axis=1) > 0)).any(axis=1)
        | (is_sign.sum(axis=1) > 1)
        | ~is_digit.any(axis=1)
        | (is_dot.sum(axis=1) > 1)
    )
    if malformed.any():
        row = int(np.flatnonzero(malformed)[0])
        text = bytes(field[row]).decode("latin-1")
        raise InputValidationError(
            f"fixed-width variable {name!r}, record {first_record + row + 1}: {text!r} is not "
            f"a number ({int(malformed.sum())} such record(s)): a blank or sign inside the "
            "digits, or no digit. A field of blanks only is read as missing; check that the "
            "codebook's positions match the data file"
        )
    if is_dot.any():
        # Explicit decimal points are rare in IPUMS files: parse the affected records as text.
        as_text = np.char.strip(field.copy().view(f"S{width}").ravel())
        as_text[blank] = b"nan"
        out = as_text.astype("float64")
        return pd.Series(out / 10.0**decimals if decimals else out)
    digits = np.where(is_digit, field, _DIGIT0)
    values = _digits_to_int(digits, width)
    # Trailing blanks of a left-justified number were read as zeros ("1 " as 10): undo.
    trailing = np.where(blank, 0, width - 1 - last[:, 0])
    if trailing.any():
        values = values // (10 ** trailing.astype(np.int64))
    negative = (field == _MINUS).any(axis=1)
    values = np.where(negative, -values, values)
    if decimals:
        result = values / 10.0**decimals
        result[blank] = np.nan
        return pd.Series(result)
    if not blank.any():
        return pd.Series(values)
    out_series = pd.Series(pd.array(values, dtype="Int64"))
    out_series[blank] = pd.NA
    return out_series


def _digits_to_int(field: np.ndarray, width: int) -> np.ndarray:
    if width > 18:
        raise InputValidationError(f"a numeric field of {width} digits does not fit in int64")
    powers = 10 ** np.arange(width - 1, -1, -1, dtype="int64")
    # uint8 -> int64 once; the product with the powers is one matrix-vector multiply.
    out: np.ndarray = (field.astype("int64") - _DIGIT0) @ powers
    return out


def _record_length(head: bytes, codebook: Codebook) -> tuple[int, int]:
    newline = head.find(b"\n")
    if newline < 0:
        if len(head) < codebook.record_length:
            raise InputValidationError(
                f"the data file's first record has {len(head)} characters but the codebook "
                f"needs {codebook.record_length}"
            )
        return len(head), 0
    terminator = 2 if newline > 0 and head[newline - 1 : newline] == b"\r" else 1
    content = newline + 1 - terminator
    if content < codebook.record_length:
        raise InputValidationError(
            f"records are {content} characters long but the codebook places variables up to "
            f"column {codebook.record_length}; the codebook does not belong to this data file"
        )
    return newline + 1, terminator


def iter_fixed_width(
    data: str | Path | IO[bytes],
    codebook: Codebook | str | Path,
    *,
    columns: Sequence[str] | None = None,
    chunk_rows: int = 1_000_000,
) -> Iterator[pd.DataFrame]:
    """Read a rectangular fixed-width file chunk by chunk.

    Parameters
    ----------
    data : path or file-like
        The ``.dat`` or ``.dat.gz`` file, or a binary file object.
    codebook : Codebook or path
        Its DDI codebook (:func:`migindicators.io.ddi.read_ddi`).
    columns : sequence of str, optional
        Variables to read (default: all). Reading few columns is much faster.
    chunk_rows : int
        Records per chunk; memory is about ``chunk_rows × record length`` bytes plus the
        converted columns.

    Yields
    ------
    pandas.DataFrame
        One frame per chunk, columns named as in the codebook, a RangeIndex continuing
        across chunks.
    """
    book = codebook if isinstance(codebook, Codebook) else read_ddi(codebook)
    if book.structure not in ("rectangular", ""):
        raise InputValidationError(
            f"the codebook describes a {book.structure!r} file; only rectangular extracts "
            "are supported (request a rectangular extract, or split record types first)"
        )
    specs = book.select(list(columns) if columns is not None else book.names)
    chunk_rows = check_int(chunk_rows, "chunk_rows", minimum=1)
    fh: IO[bytes]
    if isinstance(data, (str, Path)):
        fh = _open(Path(data))
        close = True
    else:
        fh, close = data, False
    try:
        yield from _iter_records(fh, book, specs, chunk_rows)
    finally:
        if close:
            fh.close()


def _iter_records(
    fh: IO[bytes], book: Codebook, specs: Sequence[VariableSpec], chunk_rows: int
) -> Iterator[pd.DataFrame]:
    head = fh.read(max(4 * book.record_length + 4, 65536))
    if not head:
        return
    reclen, terminator = _record_length(head, book)
    pending = head
    first = 0
    while True:
        want = chunk_rows * reclen
        if len(pending) < want:
            parts = [pending]
            have = len(pending)
            while have < want:
                block = fh.read(want - have)
                if not block:
                    break
                parts.append(block)
                have += len(block)
            pending = b"".join(parts)
        if not pending:
            return
        buf, pending = pending[:want], pending[want:]
        if len(buf) % reclen:
            # The last record may lack its line terminator.
            short = reclen - len(buf) % reclen
            if terminator and short == terminator and not pending:
                buf = buf + (b"\r\n" if terminator == 2 else b"\n")
            else:
                raise InputValidationError(
                    f"the data file does not consist of records of {reclen - terminator} "
                    f"characters (a record near number {first + len(buf) // reclen + 1} is "
                    "shorter or longer); is it a fixed-width file matching the codebook?"
                )
        matrix = np.frombuffer(buf, dtype=np.uint8).reshape(-1, reclen)
        if terminator and not (matrix[:, reclen - 1] == 10).all():
            row = int(np.flatnonzero(matrix[:, reclen - 1] != 10)[0])
            raise InputValidationError(
                f"record {first + row + 1} is not {reclen - terminator} characters long; "
                "fixed-width records must all have the same length"
            )
        n = matrix.shape[0]
        out: dict[str, object] = {}
        for spec in specs:
            field = matrix[:, spec.start - 1 : spec.end]
            if spec.numeric:
                out[spec.name] = parse_numeric_field(
                    field, spec.decimals, name=spec.name, first_record=first
                ).array
            else:
                text = np.ascontiguousarray(field).view(f"S{spec.width}").ravel()
                out[spec.name] = pd.Series(text).str.decode(book.charset).str.strip().array
        yield pd.DataFrame(out, index=pd.RangeIndex(first, first + n))
        first += n
        if not pending and len(buf) < want:
            return


def read_fixed_width(
    data: str | Path | IO[bytes],
    codebook: Codebook | str | Path,
    *,
    columns: Sequence[str] | None = None,
    chunk_rows: int = 1_000_000,
) -> pd.DataFrame:
    """Read a whole fixed-width file into one frame (see :func:`iter_fixed_width`)."""
    chunks = list(iter_fixed_width(data, codebook, columns=columns, chunk_rows=chunk_rows))
    if not chunks:
        book = codebook if isinstance(codebook, Codebook) else read_ddi(codebook)
        names = list(columns) if columns is not None else book.names
        return pd.DataFrame({n: pd.Series(dtype="float64") for n in names})
    return pd.concat(chunks) if len(chunks) > 1 else chunks[0]


def read_ipums(
    ddi: str | Path,
    data: str | Path | None = None,
    *,
    columns: Sequence[str] | None = None,
    chunk_rows: int = 1_000_000,
    rename: Mapping[str, str] | None = None,
) -> Iterator[pd.DataFrame]:
    """Chunks of an IPUMS extract, located from its codebook.

    Parameters
    ----------
    ddi : path
        The extract's ``.xml`` codebook.
    data : path, optional
        The data file; default: the codebook's ``<fileName>`` beside it, as ``.dat.gz`` or
        ``.dat``.
    columns, chunk_rows
        As in :func:`iter_fixed_width`.
    rename : mapping, optional
        Source → new column names applied to each chunk.
    """
    ddi_path = Path(ddi)
    book = read_ddi(ddi_path)
    if data is None:
        stem = book.file_name or ddi_path.with_suffix(".dat").name
        candidates = [
            ddi_path.with_name(stem + ".gz"),
            ddi_path.with_name(stem),
            ddi_path.with_suffix(".dat.gz"),
            ddi_path.with_suffix(".dat"),
        ]
        found = next((c for c in candidates if c.exists()), None)
        if found is None:
            raise FileNotFoundError(
                f"no data file for {ddi_path.name}: looked for "
                f"{[c.name for c in candidates]}; pass data=..."
            )
        data = found
    for chunk in iter_fixed_width(data, book, columns=columns, chunk_rows=chunk_rows):
        yield chunk.rename(columns=dict(rename)) if rename else chunk
