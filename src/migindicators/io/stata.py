"""Stata (``.dta``) and SPSS (``.sav``, ``.zsav``, ``.por``) files, chunked (optional pyreadstat).

Install with ``pip install migindicators[stata]``. Only the requested columns are read, and
files are read ``chunk_rows`` rows at a time, so memory stays bounded. Value labels are not
applied: indicator mappings work on the stored codes (as IPUMS codebooks give them).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from migindicators.core.errors import OptionError

__all__ = ["STATA_SUFFIXES", "iter_stata"]

#: File suffix → the pyreadstat function that reads it.
STATA_SUFFIXES = {".dta": "read_dta", ".sav": "read_sav", ".zsav": "read_sav", ".por": "read_por"}


def _pyreadstat() -> Any:
    try:
        import pyreadstat
    except ImportError:
        raise ImportError(
            "reading Stata/SPSS files needs pyreadstat: pip install 'migindicators[stata]'"
        ) from None
    return pyreadstat


def iter_stata(
    path: str | Path, *, columns: Sequence[str] | None = None, chunk_rows: int = 1_000_000
) -> Iterator[pd.DataFrame]:
    """Yield chunks of a Stata or SPSS file.

    Parameters
    ----------
    path : path
        A ``.dta``, ``.sav``, ``.zsav`` or ``.por`` file.
    columns : sequence of str, optional
        Columns to read (default all).
    chunk_rows : int
        Rows per chunk.
    """
    path = Path(path)
    reader_name = STATA_SUFFIXES.get(path.suffix.lower())
    if reader_name is None:
        raise OptionError(f"{path.name}: not a Stata/SPSS file ({sorted(STATA_SUFFIXES)})")
    prs = _pyreadstat()
    reader = getattr(prs, reader_name)
    first = 0
    for frame, _meta in prs.read_file_in_chunks(
        reader,
        str(path),
        chunksize=chunk_rows,
        usecols=list(columns) if columns is not None else None,
    ):
        frame.index = pd.RangeIndex(first, first + len(frame))
        first += len(frame)
        yield frame
