"""Read and write whole tables by file extension (CSV, Parquet, Excel, Stata, SPSS).

Used by the command line, where an input is a path and the output format follows the
``--out`` file's extension. Readers for custodians' own layouts (RPW workbooks, UIS exports,
IPUMS extracts, …) live in their own modules and are chosen by name.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from migindicators.core.errors import MigIndicatorsError
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


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a whole table; the engine follows the extension.

    Raises
    ------
    MigIndicatorsError
        For an unknown extension, a missing file, or a missing optional engine (the message
        names the extra to install).
    """
    path = Path(path)
    if not path.exists():
        raise MigIndicatorsError(f"{path}: no such file")
    fmt = _format(path)
    try:
        if fmt == ".csv":
            return pd.read_csv(path, keep_default_na=False, na_values=["", "NA", "NaN", ".."])
        if fmt == ".parquet":
            return pd.read_parquet(path)
        if fmt in {".xlsx", ".xls"}:
            return pd.read_excel(path)
        if fmt == ".dta":
            return pd.read_stata(path)
        return pd.read_spss(path)
    except ImportError as exc:
        raise _missing_engine(exc, "stata" if fmt == ".sav" else TABLE_FORMATS[fmt]) from None


@accepts_any_frame
def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write *frame* to *path*; the format follows the extension (CSV, Parquet or Excel)."""
    path = Path(path)
    fmt = _format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if fmt == ".csv":
            frame.to_csv(path, index=False)
        elif fmt == ".parquet":
            frame.to_parquet(path, index=False)
        elif fmt == ".xlsx":
            frame.to_excel(path, index=False)
        else:
            raise MigIndicatorsError(f"{path}: cannot write {fmt}; use .csv, .parquet or .xlsx")
    except ImportError as exc:
        raise _missing_engine(exc, TABLE_FORMATS[fmt]) from None
    return path
