"""Excel workbooks: one sheet per result plus a metadata sheet (needs the ``excel`` extra).

The ``Metadata`` sheet lists, per indicator: name, SDG code, SDMX series, definition, unit,
method, sources (references), options, inputs (fingerprints), library version and row
accounting; below it, every exclusion (input, reason, rows, detail).

Each result sheet has, right after ``flag``, a ``status`` column (the SDMX observation
status of the cell, ``A`` normal, ``U`` low reliability, ``O`` withheld …) and a
``confidentiality`` column (the SDMX confidentiality status, ``F`` free, ``A``/``G``
primary, ``D`` secondary confidentiality); the last sheet, ``Legend``, explains every status
code and every flag.

**No formula ever runs.** A text cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab
or carriage return) would be taken as a formula by a spreadsheet: such cells are written as
explicit string cells with Excel's quote prefix, so the text shows as typed and nothing is
evaluated (OWASP, *CSV/formula injection*). Numbers stay numbers. Control characters that an
``.xlsx`` file cannot hold are stripped from text (:mod:`migindicators.core.cells`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.cells import FORMULA_PREFIXES, needs_escape, strip_control
from migindicators.core.flags import FLAGS
from migindicators.core.result import Result
from migindicators.publish.codes import (
    CONF_STATUS_LABELS,
    FLAG_CONF_STATUS,
    FLAG_OBS_STATUS,
    OBS_STATUS_LABELS,
    conf_status,
    obs_status,
    registry_entry,
)

__all__ = ["FORMULA_PREFIXES", "legend_rows", "needs_escape", "sheet_name", "write_excel"]

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str, taken: Sequence[str] = ()) -> str:
    """A valid, unique Excel sheet name (at most 31 characters, no ``[]:*?/\\``)."""
    base = _BAD_SHEET_CHARS.sub("_", name).strip("'") or "sheet"
    base = base[:31]
    candidate, n = base, 2
    lowered = {t.lower() for t in taken}
    while candidate.lower() in lowered:
        suffix = f"~{n}"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    return candidate


def _cell_value(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (list, tuple, dict)):
        return strip_control(json.dumps(value, default=str))
    return strip_control(str(value))


def _write_row(sheet: Any, row: Sequence[Any], *, bold: bool = False) -> None:
    from openpyxl.styles import Font

    values = [_cell_value(raw) for raw in row]
    # one append per row (setting cell by cell costs twice as much on large workbooks)
    sheet.append(values)
    escaped = [isinstance(v, str) and needs_escape(v) for v in values]
    if not bold and not any(escaped):
        return
    r = sheet.max_row
    font = Font(bold=True) if bold else None
    for c, (value, escape) in enumerate(zip(values, escaped, strict=True), start=1):
        cell = sheet.cell(row=r, column=c)
        if escape:
            # An explicit string cell is never evaluated; the quote prefix keeps it text
            # even when a user edits the cell.
            cell.value = value
            cell.data_type = "s"
            cell.quotePrefix = True
        if font is not None:
            cell.font = font


def _exclusion_text(result: Result) -> str:
    lines = []
    for rec in result.exclusions.to_dict("records"):
        detail = (
            f" ({rec['detail']})" if isinstance(rec.get("detail"), str) and rec["detail"] else ""
        )
        lines.append(f"{rec['input']}: {rec['rows']} rows, {rec['reason']}{detail}")
    return "\n".join(lines) if lines else "none"


def _metadata_rows(result: Result, title: str) -> list[list[Any]]:
    meta = result.metadata
    spec = registry_entry(result.indicator)
    rows: list[list[Any]] = [
        ["sheet", title],
        ["indicator", result.indicator],
        ["name", meta.get("name", "")],
        ["sdg", meta.get("sdg") or ""],
        ["sdmx_series", meta.get("sdmx_series") or ""],
        ["definition", spec.definition if spec is not None else ""],
        ["unit", result.unit],
        ["method", meta.get("method", "")],
        ["sources", "\n".join(spec.references) if spec is not None else ""],
        ["options", json.dumps(meta.get("options", {}), sort_keys=True, default=str)],
        ["inputs", json.dumps(meta.get("inputs", {}), sort_keys=True, default=str)],
        ["rows", json.dumps(meta.get("rows", {}), sort_keys=True, default=str)],
        ["version", f"{meta.get('library', 'migindicators')} {meta.get('version', '')}"],
        ["exclusions", _exclusion_text(result)],
    ]
    return rows


def _with_status(data: pd.DataFrame) -> pd.DataFrame:
    """*data* with ``status`` and ``confidentiality`` columns right after ``flag``."""
    if "flag" not in data.columns:
        return data
    out = data.copy()
    where = list(out.columns).index("flag") + 1
    flags = out["flag"]
    out.insert(where, "status", [obs_status(f) for f in flags])
    out.insert(where + 1, "confidentiality", [conf_status(f) for f in flags])
    return out


_LEGEND_HEADINGS = ("status (OBS_STATUS)", "confidentiality (CONF_STATUS)", "flag")


def legend_rows() -> list[list[str]]:
    """The rows of the ``Legend`` sheet: status codes, confidentiality codes, then flags."""
    rows: list[list[str]] = [["status (OBS_STATUS)", "meaning"]]
    rows += [[code, label] for code, label in OBS_STATUS_LABELS.items()]
    rows += [[], ["confidentiality (CONF_STATUS)", "meaning"]]
    rows += [[code, label] for code, label in CONF_STATUS_LABELS.items()]
    rows += [[], ["flag", "meaning", "status", "confidentiality"]]
    rows += [
        [code, text, FLAG_OBS_STATUS.get(code, "A"), FLAG_CONF_STATUS.get(code, "F")]
        for code, text in FLAGS.items()
    ]
    return rows


def write_excel(
    results: Result | Iterable[Result], path: str | Path, *, titles: Sequence[str] | None = None
) -> Path:
    """Write *results* to an ``.xlsx`` workbook at *path*; return the path.

    Parameters
    ----------
    results : Result or iterable of Result
        One sheet each, named after the indicator id (made unique and at most 31 chars).
    path : str or Path
        The workbook to write.
    titles : sequence of str, optional
        Sheet names to use instead of the indicator ids.
    """
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Alignment
    except ImportError as exc:
        raise ImportError(
            "Excel output needs the excel extra: pip install 'migindicators[excel]'"
        ) from exc
    items = [results] if isinstance(results, Result) else list(results)
    book = Workbook()
    meta_sheet = book.active
    meta_sheet.title = "Metadata"
    names: list[str] = ["Metadata", "Exclusions"]
    exclusions: list[list[Any]] = []
    for i, result in enumerate(items):
        wanted = titles[i] if titles is not None and i < len(titles) else result.indicator
        name = sheet_name(wanted, names)
        names.append(name)
        for row in _metadata_rows(result, name):
            _write_row(meta_sheet, row)
        meta_sheet.append([])
        sheet = book.create_sheet(name)
        data = _with_status(result.data)
        _write_row(sheet, list(data.columns), bold=True)
        for record in data.itertuples(index=False, name=None):
            _write_row(sheet, list(record))
        sheet.freeze_panes = "A2"
        for rec in result.exclusions.itertuples(index=False):
            exclusions.append([name, rec.input, rec.reason, rec.rows, rec.weighted, rec.detail])
    for row in meta_sheet.iter_rows(min_col=2, max_col=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    meta_sheet.column_dimensions["A"].width = 14
    meta_sheet.column_dimensions["B"].width = 100
    excl_sheet = book.create_sheet("Exclusions", 1)
    _write_row(excl_sheet, ["sheet", "input", "reason", "rows", "weighted", "detail"], bold=True)
    for row in exclusions:
        _write_row(excl_sheet, row)
    legend = book.create_sheet(sheet_name("Legend", names))
    for row in legend_rows():
        _write_row(legend, row, bold=bool(row) and row[0] in _LEGEND_HEADINGS)
    legend.column_dimensions["A"].width = 24
    legend.column_dimensions["B"].width = 90
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    book.save(target)
    return target
