"""Text cells that are safe in a spreadsheet: no formula runs, no control character breaks it.

A spreadsheet takes text beginning with ``=``, ``+``, ``-`` or ``@`` (and, in some programs,
a tab or carriage return) as a formula: an input cell such as ``=HYPERLINK("http://…")``
would run when the output is opened (OWASP, *CSV injection*). And the XML of an ``.xlsx``
file cannot hold the C0 control characters (other than tab, line feed and carriage return):
openpyxl refuses them.

Every spreadsheet the library writes (:func:`migindicators.publish.excel.write_excel`, the
command line's ``--out x.xlsx``, the report's workbook) therefore

* strips control characters from text (:func:`strip_control`), and
* writes text that :func:`needs_escape` as an explicit string cell with Excel's quote
  prefix, so it shows as typed and never runs.

CSV files are data, not spreadsheets, and are written verbatim by default (a leading ``-``
is a negative number or a minus sign in a label; changing it would change the data).
:func:`escape_formula` is the opt-in for CSV files meant to be opened in a spreadsheet: it
prefixes such text with an apostrophe, the OWASP recommendation.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = [
    "FORMULA_PREFIXES",
    "escape_formula",
    "needs_escape",
    "spreadsheet_frame",
    "strip_control",
]

#: First characters that make a spreadsheet treat text as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# C0 controls that XML 1.0 (and so .xlsx) cannot carry: all but tab, line feed and CR.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def needs_escape(text: str) -> bool:
    """Whether *text* would be read as a formula by a spreadsheet."""
    return text.startswith(FORMULA_PREFIXES)


def strip_control(text: str) -> str:
    """*text* without the control characters a spreadsheet file cannot hold."""
    return _CONTROL.sub("", text)


def escape_formula(text: str) -> str:
    """*text* with an apostrophe in front when a spreadsheet would run it, and without
    control characters (for CSV files meant for spreadsheets).

    >>> escape_formula('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> escape_formula("Kenya")
    'Kenya'
    """
    text = strip_control(text)
    return "'" + text if needs_escape(text) else text


def _map_text(frame: pd.DataFrame, func: Any) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if series.dtype == object or isinstance(series.dtype, pd.StringDtype):
            out[col] = series.map(lambda v: func(v) if isinstance(v, str) else v)
    renamed = {c: func(c) for c in out.columns if isinstance(c, str) and func(c) != c}
    return out.rename(columns=renamed) if renamed else out


def spreadsheet_frame(frame: pd.DataFrame, *, escape_formulas: bool) -> pd.DataFrame:
    """A copy of *frame* with control characters stripped from every text cell and column
    name, and, with *escape_formulas*, formula-like text prefixed by an apostrophe
    (:func:`escape_formula`). Numbers are untouched."""
    return _map_text(frame, escape_formula if escape_formulas else strip_control)
