"""Write a run's files: CSV, SDMX-CSV 1.0/2.0, SDMX-ML, Open SDG, Excel and the HTML report.

Each writer runs on its own: one that fails (or needs an extra that is not installed) is
recorded in :attr:`RunSummary.errors` or :attr:`RunSummary.notes` and the others go on.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from migindicators.core.cells import spreadsheet_frame

if TYPE_CHECKING:
    from migindicators.publish.run.execute import RunSummary

__all__ = ["write_outputs"]


def _csv(summary: RunSummary) -> None:
    # CSV is data and is written verbatim unless the spec asks for spreadsheet-safe text
    # ([outputs] escape_formulas = true), see migindicators.core.cells
    escape = summary.spec.outputs.escape_formulas
    for outcome in summary.outcomes:
        if not outcome.ok or outcome.result is None:
            continue
        path = summary.out_dir / "csv" / f"{outcome.job.key}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_csv(outcome.result.data, path, escape)
        summary.files.append(path)
        if len(outcome.result.exclusions):
            excl = path.with_name(f"{outcome.job.key}_exclusions.csv")
            _write_csv(outcome.result.exclusions, excl, escape)
            summary.files.append(excl)


def _write_csv(frame: pd.DataFrame, path: Path, escape_formulas: bool) -> None:
    if escape_formulas:
        frame = spreadsheet_frame(frame, escape_formulas=True)
    frame.to_csv(path, index=False, lineterminator="\n")


def _open_sdg(summary: RunSummary) -> None:
    from migindicators.publish.opensdg import write_open_sdg

    written = write_open_sdg(summary.results, summary.out_dir / "open-sdg")
    summary.files.extend(written.files.values())
    if written.skipped:
        summary.notes.append(
            "Open SDG files leave out indicators without an SDG code: "
            + ", ".join(sorted(set(written.skipped)))
            + "."
        )


def _sdmx_options(summary: RunSummary) -> dict[str, Any]:
    return dict(summary.spec.outputs.sdmx)


def _sdmx_csv(summary: RunSummary, version: str) -> None:
    from migindicators.publish.codes import unit_measure_known
    from migindicators.publish.sdmx import (
        check_sdmx_csv,
        series_of,
        skipped_results,
        to_sdmx,
        write_sdmx_csv,
    )

    results = summary.results
    options = _sdmx_options(summary)
    # the check reads REF_AREA in the spelling the file was written in
    spelling = str(options.get("area_codes", "cl_area"))
    name = "sdg_sdmx.csv" if version == "1.0" else f"sdg_sdmx_v{version.replace('.', '')}.csv"
    target = summary.out_dir / "sdmx" / name
    if version != "1.0":
        accepts = "version" in inspect.signature(write_sdmx_csv).parameters or (
            "version" in inspect.signature(to_sdmx).parameters
        )
        if not accepts:
            summary.notes.append(
                f"SDMX-CSV {version} was not written: this version of migindicators writes "
                "SDMX-CSV 1.0 only (2.0 comes with the SDMX 2.0 release); 1.0 was written."
            )
            return
        written = write_sdmx_csv(results, target, version=version, **options)
        summary.files.append(written)
        # the same checks as version 1.0 (layout, blanks, the SDG DSD code lists); a problem
        # the 1.0 file already reported is not noted twice
        frame = pd.read_csv(written, dtype=str, keep_default_na=False)
        for problem in check_sdmx_csv(frame, area_codes=spelling):
            if f"SDMX-CSV check: {problem} (fix before sending)." not in summary.notes:
                summary.notes.append(f"SDMX-CSV {version} check: {problem} (fix before sending).")
        return
    unplaced: list[str] = []
    path = write_sdmx_csv(results, target, problems=unplaced, **options)
    summary.files.append(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for problem in check_sdmx_csv(frame, area_codes=spelling):
        summary.notes.append(f"SDMX-CSV check: {problem} (fix before sending).")
    summary.notes.extend(f"SDMX-CSV: {m}." for m in unplaced)
    for result in results:
        if series_of(result) is not None and not unit_measure_known(result.unit):
            summary.notes.append(
                f"SDMX-CSV: the unit {result.unit!r} of {result.indicator} has no SDG "
                f"UNIT_MEASURE code; it is written as {result.unit.upper()!r}."
            )
    skipped = skipped_results(results)
    if skipped:
        summary.notes.append(
            "SDMX output leaves out indicators without an SDMX series: "
            + ", ".join(sorted(set(skipped)))
            + "."
        )


def _sdmx_ml(summary: RunSummary) -> None:
    try:
        import sdmx  # noqa: F401
    except ImportError:
        summary.notes.append(
            "SDMX-ML was not written: it needs the sdmx extra (pip install 'migindicators[sdmx]')."
        )
        return
    from migindicators.publish.sdmx import write_sdmx_ml

    summary.files.append(
        write_sdmx_ml(
            summary.results, summary.out_dir / "sdmx" / "sdg_sdmx.xml", **_sdmx_options(summary)
        )
    )


def _excel(summary: RunSummary) -> None:
    try:
        import openpyxl  # noqa: F401
    except ImportError:
        summary.notes.append(
            "The Excel workbook was not written: it needs the excel extra "
            "(pip install 'migindicators[excel]')."
        )
        return
    from migindicators.publish.excel import write_excel

    done = [o for o in summary.outcomes if o.ok and o.result is not None]
    summary.files.append(
        write_excel(
            [o.result for o in done if o.result is not None],
            summary.out_dir / "excel" / "migindicators.xlsx",
            titles=[o.job.key for o in done],
        )
    )


def _html(summary: RunSummary) -> None:
    from migindicators.publish.run.site import write_site

    summary.files[:0] = write_site(summary)


def write_outputs(summary: RunSummary) -> None:
    """Write every output the spec asks for; a failing writer is recorded, the others go on."""
    from migindicators.publish.run.errors import error_text

    outputs = summary.spec.outputs
    writers: list[tuple[str, Callable[[], None]]] = []
    if outputs.csv:
        writers.append(("CSV", lambda: _csv(summary)))
    if outputs.open_sdg:
        writers.append(("Open SDG", lambda: _open_sdg(summary)))
    for version in outputs.sdmx_csv:
        writers.append((f"SDMX-CSV {version}", lambda v=version: _sdmx_csv(summary, v)))  # type: ignore[misc]
    if outputs.sdmx_ml:
        writers.append(("SDMX-ML", lambda: _sdmx_ml(summary)))
    if outputs.excel:
        writers.append(("Excel", lambda: _excel(summary)))
    for name, writer in writers:
        if not summary.results:
            break
        try:
            writer()
        except Exception as exc:  # one broken writer must not hide the others
            summary.errors.append(f"writing the {name} files failed: {error_text(exc)}")
    if outputs.html:
        try:
            _html(summary)
        except Exception as exc:
            summary.errors.append(f"writing the HTML report failed: {error_text(exc)}")
