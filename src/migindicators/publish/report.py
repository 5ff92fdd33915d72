"""``migindicators report``: compute the demo jobs and write a report a statistics office can share.

:func:`build_report` runs every demo job declared by the bundled datasets (the ``[[demo]]``
tables of ``datasets/*.toml``; see :func:`migindicators.datasets.demo_jobs`), or the jobs
given, and writes into the output folder:

* ``report.html``: one self-contained page (inline CSS, charts as SVG ``data:`` URIs, no
  script, no external resource): a summary per agenda point 1–8, including the points with
  no indicator yet; jobs that failed, with their error; then each result's table with
  standard errors and flags, its exclusions and its charts; and a legend of the flags the
  tables show, with their SDMX observation and confidentiality status;
* ``csv/<job>.csv`` (tidy results) and ``csv/<job>_exclusions.csv``, and Open SDG files in
  ``open-sdg/indicator_<code>.csv``;
* ``sdmx/sdg_sdmx.csv`` (SDMX-CSV against the SDG DSD) and, with the ``sdmx`` extra,
  ``sdmx/sdg_sdmx.xml`` (SDMX-ML 2.1);
* ``excel/migindicators.xlsx`` (with the ``excel`` extra), where no formula ever runs and
  control characters are stripped (:mod:`migindicators.publish.excel`).

The CSV files (tidy, Open SDG, SDMX-CSV) are machine-read data and are written verbatim: a
leading ``-`` is a minus sign there. For a CSV file meant to be opened in a spreadsheet, use
:func:`migindicators.io.files.write_table` with ``escape_formulas=True``.

A job that fails is reported (in the page, the summary and the exit code) and the others go
on. Missing optional extras are said in the page, never silently skipped.

Exit codes of :func:`run`: ``0`` every job computed and every file written; ``1`` the report
was written but at least one job failed; ``2`` nothing could be done (bad arguments, no job
selected, or the output folder cannot be written).
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import time
import traceback
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migindicators._version import __version__
from migindicators.core.errors import OptionError, UnknownNameError
from migindicators.core.flags import FLAGS
from migindicators.core.registry import AGENDA_POINTS, registry
from migindicators.core.result import Result
from migindicators.datasets import DemoJob, demo_jobs, load
from migindicators.publish.charts import Chart, charts_available, charts_for
from migindicators.publish.codes import (
    CONF_STATUS_LABELS,
    OBS_STATUS_LABELS,
    conf_status,
    group_columns,
    obs_status,
    registry_entry,
    unit_measure_known,
)

__all__ = ["FORMATS", "JobOutcome", "ReportSummary", "add_arguments", "build_report", "run"]

#: Output formats :func:`build_report` knows.
FORMATS = ("html", "csv", "sdmx", "excel")
#: Rows of a result shown in the page (the CSV/Excel files have them all).
MAX_TABLE_ROWS = 200


@dataclass
class JobOutcome:
    """One demo job's outcome: its result, or the error that stopped it."""

    job: DemoJob
    key: str
    result: Result | None = None
    error: str | None = None
    seconds: float = 0.0
    charts: list[Chart] = field(default_factory=list)
    chart_error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the job produced a result."""
        return self.result is not None


@dataclass
class ReportSummary:
    """What :func:`build_report` did: outcomes per job, files written, notes, timing."""

    out_dir: Path
    outcomes: list[JobOutcome] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def html(self) -> Path | None:
        """The HTML report, when written."""
        return next((f for f in self.files if f.suffix == ".html"), None)

    @property
    def failed(self) -> list[JobOutcome]:
        """The jobs that failed."""
        return [o for o in self.outcomes if not o.ok]

    @property
    def results(self) -> list[Result]:
        """The results computed."""
        return [o.result for o in self.outcomes if o.result is not None]

    @property
    def ok(self) -> bool:
        """True when every job computed and every file was written."""
        return not self.failed and not self.errors


# ---------------------------------------------------------------------------- progress


class _Progress:
    """tqdm when installed, else one stderr line per step; silent when disabled."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled, self.count = total, enabled, 0
        self._bar: Any = None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                self._bar = None
            else:
                self._bar = tqdm(
                    total=total, desc="report", unit="step", file=sys.stderr, leave=True
                )

    def start(self, label: str) -> None:
        if self.enabled and self._bar is not None:
            self._bar.set_postfix_str(label[:40])

    def step(self, label: str) -> None:
        self.count += 1
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.set_postfix_str(label[:40])
            self._bar.update(1)
        else:
            print(f"[{self.count}/{self.total}] {label}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


# ------------------------------------------------------------------------------ running


def _job_key(job: DemoJob, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{job.indicator}__{job.dataset}")
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    taken.add(key)
    return key


def _error_text(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" (at {Path(last[0].filename).name}:{last[0].lineno})" if last else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _run_job(job: DemoJob, cache: dict[str, Any]) -> Result:
    if job.dataset not in cache:
        cache[job.dataset] = load(job.dataset)
    data = cache[job.dataset]
    inputs: dict[str, Any] = {}
    for argument, key in job.inputs.items():
        if isinstance(data, pd.DataFrame):
            inputs[argument] = data
        elif key not in data:
            raise UnknownNameError(
                f"dataset {job.dataset!r} has no table {key!r} (it has {sorted(data)})"
            )
        else:
            inputs[argument] = data[key]
    kwargs: dict[str, Any] = {**inputs, **dict(job.options)}
    if job.by:
        kwargs["by"] = list(job.by)
    return registry[job.indicator].compute(**kwargs)


def _compute(
    jobs: Sequence[DemoJob], bar: _Progress, cache: dict[str, Any] | None = None
) -> list[JobOutcome]:
    outcomes: list[JobOutcome] = []
    cache = {} if cache is None else cache
    taken: set[str] = set()
    for job in jobs:
        outcome = JobOutcome(job=job, key=_job_key(job, taken))
        bar.start(job.indicator)
        start = time.perf_counter()
        try:
            outcome.result = _run_job(job, cache)
        except Exception as exc:  # a failing job is reported, the others go on
            outcome.error = _error_text(exc)
        outcome.seconds = time.perf_counter() - start
        outcomes.append(outcome)
        bar.step(f"{job.indicator} ({'ok' if outcome.ok else 'FAILED'})")
    return outcomes


# ------------------------------------------------------------------------------ files


_FILE_FORMATS = ("csv", "sdmx", "excel")


def _write_files(summary: ReportSummary, formats: Sequence[str], bar: _Progress) -> None:
    """Write each format; a writer that fails is reported and the others go on."""
    for fmt in _FILE_FORMATS:
        if fmt not in formats:
            continue
        bar.start(f"writing {fmt}")
        try:
            _write_format(summary, fmt)
        except Exception as exc:  # one broken writer must not hide the rest of the report
            summary.errors.append(f"writing the {fmt} files failed: {_error_text(exc)}")
        bar.step(f"{fmt} files written")


def _write_format(summary: ReportSummary, fmt: str) -> None:
    from migindicators.publish.opensdg import write_open_sdg
    from migindicators.publish.sdmx import (
        check_sdmx_csv,
        series_of,
        skipped_results,
        write_sdmx_csv,
        write_sdmx_ml,
    )

    out = summary.out_dir
    done = [o for o in summary.outcomes if o.result is not None]
    results = [o.result for o in done if o.result is not None]
    if fmt == "csv":
        for outcome in done:
            assert outcome.result is not None
            path = out / "csv" / f"{outcome.key}.csv"
            path.parent.mkdir(parents=True, exist_ok=True)
            outcome.result.data.to_csv(path, index=False, lineterminator="\n")
            summary.files.append(path)
            if len(outcome.result.exclusions):
                excl = out / "csv" / f"{outcome.key}_exclusions.csv"
                outcome.result.exclusions.to_csv(excl, index=False, lineterminator="\n")
                summary.files.append(excl)
        written = write_open_sdg(results, out / "open-sdg")
        summary.files.extend(written.files.values())
        if written.skipped:
            summary.notes.append(
                "Open SDG files leave out indicators without an SDG code: "
                + ", ".join(sorted(set(written.skipped)))
                + "."
            )
    if fmt == "sdmx":
        unplaced: list[str] = []
        sdmx_csv = write_sdmx_csv(results, out / "sdmx" / "sdg_sdmx.csv", problems=unplaced)
        summary.files.append(sdmx_csv)
        problems = check_sdmx_csv(pd.read_csv(sdmx_csv, dtype=str, keep_default_na=False))
        for problem in problems:
            summary.notes.append(f"SDMX-CSV check: {problem} (fix before sending).")
        for message in unplaced:
            summary.notes.append(f"SDMX-CSV: {message}.")
        for result in results:
            if series_of(result) is not None and not unit_measure_known(result.unit):
                summary.notes.append(
                    f"SDMX-CSV: the unit {result.unit!r} of {result.indicator} has no SDG "
                    f"UNIT_MEASURE code; it is written as {result.unit.upper()!r} (agree the "
                    "code and any conversion with the custodian before sending)."
                )
        skipped = skipped_results(results)
        if skipped:
            summary.notes.append(
                "SDMX output leaves out indicators without an SDMX series: "
                + ", ".join(sorted(set(skipped)))
                + "."
            )
        try:
            import sdmx  # noqa: F401
        except ImportError:
            summary.notes.append(
                "SDMX-ML was not written: it needs the sdmx extra "
                "(pip install 'migindicators[sdmx]'); SDMX-CSV was."
            )
        else:
            summary.files.append(write_sdmx_ml(results, out / "sdmx" / "sdg_sdmx.xml"))
    if fmt == "excel":
        try:
            import openpyxl  # noqa: F401
        except ImportError:
            summary.notes.append(
                "The Excel workbook was not written: it needs the excel "
                "extra (pip install 'migindicators[excel]')."
            )
        else:
            from migindicators.publish.excel import write_excel

            summary.files.append(
                write_excel(
                    results,
                    out / "excel" / "migindicators.xlsx",
                    titles=[o.result.indicator for o in done if o.result is not None],
                )
            )


# ------------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:72rem;padding:0 1rem;color:#212529;line-height:1.45}
h1{font-size:1.7rem}h2{font-size:1.3rem;border-bottom:2px solid #dee2e6;padding-top:1rem}
h3{font-size:1.05rem}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0 1rem}
th,td{border:1px solid #dee2e6;padding:.2rem .45rem;text-align:left;vertical-align:top}
th{background:#f1f3f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
.failed{background:#fff5f5;border:1px solid #ffa8a8;padding:.5rem 1rem;border-radius:4px}
.note{background:#fff9db;border:1px solid #ffe066;padding:.5rem 1rem;border-radius:4px}
.none{color:#868e96;font-style:italic}.flag{color:#c92a2a}
figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #e9ecef}
figcaption{font-size:.85rem;color:#495057}dl{display:grid;grid-template-columns:12rem 1fr;
gap:.15rem 1rem;font-size:.9rem}dt{font-weight:600}dd{margin:0}
.scroll{overflow-x:auto}
"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: Any) -> str:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return ""
        magnitude = abs(float(value))
        if magnitude != 0 and (magnitude >= 1e7 or magnitude < 1e-3):
            return f"{float(value):.4g}"
        return f"{float(value):,.3f}".rstrip("0").rstrip(".")
    return str(value)


def _table(frame: pd.DataFrame, *, max_rows: int = MAX_TABLE_ROWS, cls: str = "") -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in frame.columns)
    rows = []
    for record in frame.head(max_rows).itertuples(index=False, name=None):
        cells = []
        for column, value in zip(frame.columns, record, strict=True):
            numeric = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
                value, bool
            )
            klass = (
                ' class="num"'
                if numeric
                else (' class="flag"' if column == "flag" and value else "")
            )
            cells.append(f"<td{klass}>{_esc(_fmt(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if len(frame) > max_rows:
        more = (
            f'<p class="none">First {max_rows} of {len(frame)} rows; the CSV and Excel '
            "files have them all.</p>"
        )
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<div class="scroll"><table{klass}><thead><tr>{head}</tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table></div>"
        + more
    )


def _agenda_section(outcomes: Sequence[JobOutcome]) -> str:
    rows = []
    for point, title in AGENDA_POINTS.items():
        specs = registry.by_agenda_point(point)
        if not specs:
            rows.append(
                f"<tr><td>{point}</td><td>{_esc(title)}</td>"
                '<td class="none" colspan="3">no indicator yet</td></tr>'
            )
            continue
        names, computed, status = [], [], []
        for spec in specs:
            primary = " (primary)" if spec.agenda_points[0] == point else ""
            names.append(
                f"{_esc(spec.id)}{primary}" + (f" — SDG {_esc(spec.sdg)}" if spec.sdg else "")
            )
            mine = [o for o in outcomes if o.job.indicator == spec.id]
            good = [o for o in mine if o.ok]
            if good:
                computed.append(f'<a href="#{_esc(good[0].key)}">{_esc(spec.id)}</a>')
            if not mine:
                status.append(f"{_esc(spec.id)}: not computed in this report")
            elif len(good) < len(mine):
                status.append(f'<span class="flag">{_esc(spec.id)}: failed</span>')
            else:
                status.append(f"{_esc(spec.id)}: computed")
        rows.append(
            f"<tr><td>{point}</td><td>{_esc(title)}</td><td>{'<br>'.join(names)}</td>"
            f"<td>{'<br>'.join(computed) or '—'}</td><td>{'<br>'.join(status)}</td></tr>"
        )
    return (
        '<h2 id="agenda">Indicators by point of the eight-point agenda</h2>'
        '<table class="summary"><thead><tr><th>Point</th><th>Agenda point</th>'
        "<th>Indicators in the registry</th><th>Computed here</th><th>Status</th></tr>"
        "</thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _result_section(outcome: JobOutcome) -> str:
    job, result = outcome.job, outcome.result
    title = job.title or job.indicator
    parts = [f'<section id="{_esc(outcome.key)}"><h2>{_esc(title)}</h2>']
    spec = registry_entry(job.indicator)
    if result is None:
        parts.append(f'<div class="failed"><b>This job failed.</b> {_esc(outcome.error)}</div>')
        parts.append("</section>")
        return "".join(parts)
    meta = result.metadata
    info = {
        "Indicator": f"{result.indicator}: {meta.get('name', '')}",
        "SDG indicator": meta.get("sdg") or "none",
        "SDMX series": meta.get("sdmx_series") or "none",
        "Unit": result.unit,
        "Definition": spec.definition if spec is not None else "",
        "Method": meta.get("method", ""),
        "Dataset": job.dataset,
        "Options": json.dumps(meta.get("options", {}), default=str),
        "Rows": "; ".join(
            f"{k}: {v.get('given')} given, {v.get('used')} used, {v.get('excluded')} excluded"
            for k, v in meta.get("rows", {}).items()
        ),
        "Computed in": f"{outcome.seconds:.2f} s",
    }
    parts.append(
        "<dl>" + "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in info.items()) + "</dl>"
    )
    for chart in outcome.charts:
        parts.append(
            f'<figure><img src="{chart.data_uri}" alt="{_esc(chart.alt)}">'
            f"<figcaption>{_esc(chart.title)}</figcaption></figure>"
        )
    if outcome.chart_error:
        parts.append(f'<div class="failed">Charts failed: {_esc(outcome.chart_error)}</div>')
    data = result.data
    shown = [
        *group_columns(result),
        *[c for c in ("value", "se", "ci_lower", "ci_upper", "n", "flag") if c in data.columns],
    ]
    parts.append(f"<h3>Values ({len(data)} cells, with standard errors and flags)</h3>")
    parts.append(_table(data[shown], cls="result"))
    if len(result.exclusions):
        parts.append("<h3>Rows excluded</h3>")
        parts.append(_table(result.exclusions, cls="exclusions"))
    else:
        parts.append('<p class="none">No input row was excluded.</p>')
    parts.append("</section>")
    return "".join(parts)


def _legend_section(outcomes: Sequence[JobOutcome]) -> str:
    """The flags that occur in the results, their meaning and SDMX statuses."""
    seen: list[str] = []
    for outcome in outcomes:
        if outcome.result is None or "flag" not in outcome.result.data.columns:
            continue
        for cell in outcome.result.data["flag"].fillna("").astype(str).unique():
            seen.extend(c for c in cell.split(";") if c and c not in seen)
    head = '<h2 id="legend">Legend of flags</h2>'
    if not seen:
        return head + '<p class="none">No cell of these results carries a flag.</p>'
    rows = []
    for code in sorted(seen):
        obs, conf = obs_status(code), conf_status(code)
        rows.append(
            f'<tr><td class="flag">{_esc(code)}</td><td>{_esc(FLAGS.get(code, ""))}</td>'
            f"<td>{_esc(obs)}: {_esc(OBS_STATUS_LABELS.get(obs, ''))}</td>"
            f"<td>{_esc(conf)}: {_esc(CONF_STATUS_LABELS.get(conf, ''))}</td></tr>"
        )
    return (
        head + '<table class="legend"><thead><tr><th>Flag</th><th>Meaning</th>'
        "<th>SDMX OBS_STATUS</th><th>SDMX CONF_STATUS</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def _render_html(summary: ReportSummary, generated: str) -> str:
    outcomes = summary.outcomes
    done = [o for o in outcomes if o.ok]
    body = [
        f"<h1>migindicators report</h1><p>migindicators {_esc(__version__)} · generated "
        f"{_esc(generated)} · {len(done)} of {len(outcomes)} job(s) computed · "
        f"{len(registry)} indicator(s) in the registry.</p>"
    ]
    if summary.failed:
        items = "".join(
            f'<li><a href="#{_esc(o.key)}">{_esc(o.job.indicator)}</a> '
            f"(dataset {_esc(o.job.dataset)}): {_esc(o.error)}</li>"
            for o in summary.failed
        )
        body.append(
            f'<div class="failed"><b>{len(summary.failed)} job(s) failed</b><ul>{items}</ul></div>'
        )
    if summary.errors:
        items = "".join(f"<li>{_esc(e)}</li>" for e in summary.errors)
        body.append(f'<div class="failed"><b>Some files were not written</b><ul>{items}</ul></div>')
    notes = list(summary.notes)
    if not charts_available():
        notes.insert(
            0,
            "Charts need the charts extra (pip install 'migindicators[charts]'): "
            "matplotlib is not installed, so this report has tables only.",
        )
    if notes:
        body.append(
            '<div class="note"><ul>' + "".join(f"<li>{_esc(n)}</li>" for n in notes) + "</ul></div>"
        )
    body.append(_agenda_section(outcomes))
    body.append(
        '<h2 id="contents">Results</h2><ul>'
        + "".join(
            f'<li><a href="#{_esc(o.key)}">{_esc(o.job.title or o.job.indicator)}</a>'
            + ("" if o.ok else ' <span class="flag">(failed)</span>')
            + "</li>"
            for o in outcomes
        )
        + "</ul>"
    )
    body.extend(_result_section(o) for o in outcomes)
    body.append(_legend_section(outcomes))
    files = [f for f in summary.files if f.suffix != ".html"]
    if files:
        links = "".join(
            f'<li><a href="{_esc(f.relative_to(summary.out_dir).as_posix())}">'
            f"{_esc(f.relative_to(summary.out_dir).as_posix())}</a></li>"
            for f in files
        )
        body.append(f'<h2 id="files">Files</h2><ul>{links}</ul>')
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>migindicators report</title>"
        f"<style>{_CSS}</style></head><body>" + "".join(body) + "</body></html>\n"
    )


# --------------------------------------------------------------------------------- API


def _select(
    jobs: Iterable[DemoJob] | None, datasets: Sequence[str] | None, indicators: Sequence[str] | None
) -> list[DemoJob]:
    chosen = list(demo_jobs() if jobs is None else jobs)
    if datasets:
        chosen = [j for j in chosen if j.dataset in datasets]
    if indicators:
        chosen = [j for j in chosen if j.indicator in indicators]
    return chosen


def _summarises_flow_matrix(outcome: JobOutcome, *, drawn: bool) -> bool:
    """An index of a flow matrix drawn for its dataset, one number per period (no areas)."""
    spec = registry_entry(outcome.job.indicator)
    if not drawn or spec is None or outcome.result is None:
        return False
    from_matrix = any(i.kind == "flow_matrix" for i in spec.inputs)
    return from_matrix and "ref_area" not in group_columns(outcome.result)


def _add_charts(
    outcomes: Sequence[JobOutcome], loaded: dict[str, Any], bar: _Progress | None = None
) -> None:
    """Charts of every result, plus each dataset's input flow matrix on its first result.

    The flow matrix of a dataset is drawn once; the indices computed from it that have no
    reference area (one number per period: Gini, effectiveness, connectivity, …) get no
    chart of their own, their few values read better in the table.
    """
    from migindicators.publish.charts import input_flow_heatmap

    bar = bar or _Progress(0, False)
    inputs: dict[str, list[Chart]] = {}
    errors: dict[str, str] = {}
    for dataset in dict.fromkeys(o.job.dataset for o in outcomes if o.result is not None):
        tables = loaded.get(dataset)
        items = tables.items() if isinstance(tables, dict) else [("data", tables)]
        found: list[Chart] = []
        try:
            for name, frame in items:
                if isinstance(frame, pd.DataFrame):
                    found.extend(input_flow_heatmap(frame, f"Input {dataset}/{name}"))
        except Exception as exc:  # a chart must not sink the report; say so in it
            errors[dataset] = _error_text(exc)
        inputs[dataset] = found
    first_of: dict[str, JobOutcome] = {}
    for outcome in outcomes:
        bar.start(f"charts {outcome.job.indicator}")
        if outcome.result is not None:
            dataset = outcome.job.dataset
            first_of.setdefault(dataset, outcome)
            matrix_index = _summarises_flow_matrix(outcome, drawn=bool(inputs.get(dataset)))
            try:
                outcome.charts = charts_for(outcome.result, fallback=not matrix_index)
            except Exception as exc:  # as above: reported, not hidden
                outcome.chart_error = _error_text(exc)
        bar.step(f"charts {outcome.job.indicator}")
    for dataset, outcome in first_of.items():
        outcome.charts = [*inputs.get(dataset, []), *outcome.charts]
        if dataset in errors:
            outcome.chart_error = errors[dataset]


def build_report(
    out_dir: str | Path,
    *,
    jobs: Iterable[DemoJob] | None = None,
    progress: bool = True,
    formats: Sequence[str] = FORMATS,
) -> ReportSummary:
    """Compute *jobs* (default: every bundled demo job) and write the report into *out_dir*.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into (created; existing files of the same names are replaced).
    jobs : iterable of DemoJob, optional
        The computations; default :func:`migindicators.datasets.demo_jobs`.
    progress : bool
        Show a progress bar on stderr (tqdm when installed, else one line per job).
    formats : sequence of str
        Any of ``html``, ``csv`` (tidy CSV and Open SDG files), ``sdmx`` (SDMX-CSV, and
        SDMX-ML with the sdmx extra) and ``excel``.

    Returns
    -------
    ReportSummary
        Outcome of every job (failed jobs included, with their error), files, notes.
    """
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise OptionError(f"unknown report format(s) {unknown}; choose from {list(FORMATS)}")
    start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = ReportSummary(out_dir=out)
    loaded: dict[str, Any] = {}
    chosen = list(_select(jobs, None, None))
    charts = "html" in formats and charts_available()
    steps = len(chosen) * (2 if charts else 1) + sum(f in formats for f in (*_FILE_FORMATS, "html"))
    bar = _Progress(steps, progress)
    try:
        summary.outcomes = _compute(chosen, bar, loaded)
        if charts:
            _add_charts(summary.outcomes, loaded, bar)
        _write_files(summary, formats, bar)
        if "html" in formats:
            bar.start("writing report.html")
            path = out / "report.html"
            generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
            path.write_text(_render_html(summary, generated), encoding="utf-8")
            summary.files.insert(0, path)
            bar.step("report.html written")
    finally:
        bar.close()
    summary.seconds = time.perf_counter() - start
    return summary


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``report`` subcommand's options to *parser*."""
    parser.add_argument(
        "--out",
        default="report-output",
        metavar="DIR",
        help="folder to write the report into (default: report-output)",
    )
    parser.add_argument("--no-progress", action="store_true", help="do not show a progress bar")
    parser.add_argument(
        "--formats",
        default=",".join(FORMATS),
        metavar="LIST",
        help=f"comma-separated outputs among {','.join(FORMATS)} (default: all)",
    )
    parser.add_argument(
        "--dataset",
        action="append",
        metavar="NAME",
        help="only the demo jobs of this bundled dataset (repeatable)",
    )
    parser.add_argument(
        "--indicator",
        action="append",
        metavar="ID",
        help="only the demo jobs of this indicator (repeatable)",
    )


def _iter_lines(summary: ReportSummary) -> Iterator[str]:
    done = len(summary.outcomes) - len(summary.failed)
    yield (f"report: {done} of {len(summary.outcomes)} job(s) computed in {summary.seconds:.1f} s")
    for outcome in summary.failed:
        yield f"  FAILED {outcome.job.indicator} ({outcome.job.dataset}): {outcome.error}"
    for error in summary.errors:
        yield f"  ERROR {error}"
    for note in summary.notes:
        yield f"  note: {note}"
    if summary.html is not None:
        yield f"  open {summary.html}"
    else:
        yield f"  files in {summary.out_dir}"


def run(args: argparse.Namespace) -> int:
    """Run the ``report`` subcommand; return the exit code (0 ok, 1 a job failed, 2 error)."""
    formats = [
        f.strip() for f in str(getattr(args, "formats", ",".join(FORMATS))).split(",") if f.strip()
    ]
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        print(
            f"migindicators report: unknown format(s) {unknown}; choose from {','.join(FORMATS)}",
            file=sys.stderr,
        )
        return 2
    datasets = getattr(args, "dataset", None)
    indicators = getattr(args, "indicator", None)
    jobs = _select(None, datasets, indicators)
    if not jobs:
        print(
            "migindicators report: no demo job matches "
            f"(datasets {datasets or 'all'}, indicators {indicators or 'all'}); "
            "see `migindicators datasets`",
            file=sys.stderr,
        )
        return 2
    out = Path(getattr(args, "out", "report-output"))
    if out.exists() and not out.is_dir():
        print(
            f"migindicators report: {out} exists and is not a folder; choose another --out",
            file=sys.stderr,
        )
        return 2
    try:
        summary = build_report(
            out, jobs=jobs, progress=not getattr(args, "no_progress", False), formats=formats
        )
    except OSError as exc:
        print(f"migindicators report: cannot write to {out}: {exc}", file=sys.stderr)
        return 2
    for line in _iter_lines(summary):
        print(line)
    return 0 if summary.ok else 1
