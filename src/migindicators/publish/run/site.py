"""The run's HTML report: an index page and one page per indicator, usable offline.

``index.html`` says what was published and how: the publication and office, a banner when
the data are the bundled synthetic ones, what failed, the indicators by point of the
eight-point agenda, the data sources with their provenance (files, SHA-256, rows, reader,
publisher), the quality profile and rules, the disclosure control applied, the flag legend
(:data:`migindicators.core.flags.FLAGS`) and the files written.

``indicators/<key>.html`` gives one indicator: its official definition and formula (from the
registry, as text: no script or web font is needed to read it), method, options and
breakdowns, sources, the table (codes shown with their names, a tooltip on every flagged
cell, intervals of non-negative quantities truncated at zero and marked), charts where a
chart means something, and the rows excluded.

Pages use inline CSS and charts as SVG ``data:`` URIs: no network access, no script.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from migindicators._version import __version__
from migindicators.core.flags import FLAGS
from migindicators.core.registry import AGENDA_POINTS, registry
from migindicators.core.result import Result
from migindicators.publish.codes import age_label, group_columns

if TYPE_CHECKING:
    from migindicators.publish.run.execute import IndicatorOutcome, InputRecord, RunSummary

__all__ = ["NON_NEGATIVE_UNITS", "code_names", "non_negative", "write_site"]

#: Rows of a result shown in its page (the CSV and Excel files have them all).
MAX_ROWS = 300
#: Units of quantities that cannot be negative (counts, amounts, shares, rates, ratios).
NON_NEGATIVE_UNITS = (
    "person",
    "percent",
    "USD",
    "usd",
    "count",
    "per_100k",
    "per 100000",
    "1 / 100000",
    "dimensionless",
    "year",
    "km",
)
# Indicators whose values can be negative whatever their unit (gaps, changes, net flows).
_SIGNED_WORDS = ("gap", "change", "growth", "net_", "effectiveness", "difference", "index")

_CSS = """
:root{--ink:#212529;--muted:#495057;--line:#dee2e6;--flag:#c92a2a}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto 3rem;
max-width:76rem;padding:0 1.2rem;color:var(--ink);line-height:1.45}
header.top{border-bottom:3px solid #1864ab;margin-bottom:1rem;padding:.6rem 0}
header.top .office{color:var(--muted);font-size:.95rem}
nav.crumbs{font-size:.9rem;margin:.5rem 0}
h1{font-size:1.6rem;margin:.3rem 0}h2{font-size:1.25rem;border-bottom:2px solid var(--line);
padding-top:1rem}h3{font-size:1.05rem}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0 1rem}
th,td{border:1px solid var(--line);padding:.2rem .45rem;text-align:left;vertical-align:top}
th{background:#f1f3f5}td.num{text-align:right;font-variant-numeric:tabular-nums;
white-space:nowrap}
td.flagged{background:#fff5f5}td.flag{color:var(--flag);white-space:nowrap}
abbr[title]{text-decoration:underline dotted;cursor:help}
.banner{background:#fff3bf;border:2px solid #f59f00;padding:.6rem 1rem;border-radius:4px;
font-weight:600;margin:1rem 0}
.failed{background:#fff5f5;border:1px solid #ffa8a8;padding:.5rem 1rem;border-radius:4px}
.note{background:#f8f9fa;border:1px solid var(--line);padding:.5rem 1rem;border-radius:4px}
.none{color:#868e96;font-style:italic}
pre.formula{background:#f8f9fa;border-left:4px solid #1864ab;padding:.5rem .8rem;
white-space:pre-wrap;font-size:.95rem}
figure{margin:1rem 0}figure img{max-width:100%;height:auto;border:1px solid #e9ecef}
figcaption{font-size:.85rem;color:var(--muted)}
dl{display:grid;grid-template-columns:13rem 1fr;gap:.2rem 1rem;font-size:.9rem}
dt{font-weight:600}dd{margin:0}
.scroll{overflow-x:auto}code{font-size:.9em}
td.also{font-size:.78rem;max-width:22rem}
table.sources,table.summary,table.computed{width:100%}
table.sources td{overflow-wrap:anywhere;font-size:.8rem}
table.sources td:first-child{min-width:11rem}
footer{margin-top:2rem;border-top:1px solid var(--line);font-size:.8rem;color:var(--muted)}
"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: Any) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return ""
        magnitude = abs(float(value))
        if magnitude != 0 and (magnitude >= 1e12 or magnitude < 1e-3):
            return f"{float(value):.4g}"
        return f"{float(value):,.3f}".rstrip("0").rstrip(".")
    if isinstance(value, int | np.integer):
        return f"{int(value):,}" if abs(int(value)) >= 10_000 else str(int(value))
    return str(value)


# --------------------------------------------------------------------- code names


def _area_names() -> Callable[[Any], str]:
    from migindicators.core.countries import country_table, region_table

    names = dict(zip(country_table()["iso3"], country_table()["name"], strict=True))
    names.update(zip(country_table()["m49"], country_table()["name"], strict=True))
    names.update(zip(region_table()["code"], region_table()["name"], strict=False))
    names.update({"_T": "all", "XXX": "foreign, country not stated", "UNK": "unknown"})
    return lambda code: names.get(str(code), "")


def _static_names() -> dict[str, dict[str, str]]:
    from migindicators.policy.indicators import CATEGORY_LABELS, DOMAIN_NAMES

    sex = {"F": "female", "M": "male", "_T": "both sexes"}
    status = {
        "MS_MIGRANT": "migrants",
        "MS_NOMIGRANT": "non-migrants",
        "MS_EUMIGRANT": "EU migrants",
        "MS_NONEUMIGRANT": "non-EU migrants",
        "_T": "all",
    }
    exploitation = {
        "SX": "sexual exploitation",
        "FL": "forced labour",
        "OG": "removal of organs",
        "OP": "other purposes",
        "_T": "all forms",
    }
    domains = {str(k): v for k, v in DOMAIN_NAMES.items()}
    domains.update({f"PD_{k}": v for k, v in DOMAIN_NAMES.items()})
    return {
        "sex": sex,
        "migratory_status": status,
        "form_of_exploitation": exploitation,
        "domain": domains,
        "policy_domain": domains,
        "category": {str(k): v for k, v in CATEGORY_LABELS.items()},
    }


_AREA_COLUMNS = (
    "ref_area",
    "origin",
    "destination",
    "sending_area",
    "receiving_area",
    "country_of_birth",
    "citizenship",
    "area",
)


def code_names(column: str) -> Callable[[Any], str] | None:
    """A function giving the name of a code of *column* (M49/ISO3 areas, sex, …), or None."""
    if column in _AREA_COLUMNS:
        return _area_names()
    if column == "age_group":
        return lambda code: "all ages" if str(code) == "_T" else age_label(code)
    table = _static_names().get(column)
    if table is None:
        return None
    return lambda code: table.get(str(code), "total" if str(code) == "_T" else "")


# --------------------------------------------------------------- intervals, flags


def non_negative(result: Result) -> bool:
    """Whether *result* is a quantity that cannot be negative (a count, share, rate, cost).

    Decided from the unit and the registry id (gaps, changes and net quantities are signed)
    and from the values themselves (all defined values at or above zero).
    """
    unit = result.unit
    if not any(unit == u or unit.startswith(u) for u in NON_NEGATIVE_UNITS):
        return False
    if any(word in result.indicator for word in _SIGNED_WORDS):
        return False
    if "value" not in result.data.columns:
        return False
    values = pd.to_numeric(result.data["value"], errors="coerce")
    return bool((values.dropna() >= 0).all())


def _flag_cell(flags: str) -> str:
    codes = [c for c in str(flags).split(";") if c]
    if not codes:
        return "<td></td>"
    tip = "; ".join(f"{c}: {FLAGS.get(c, 'unknown flag')}" for c in codes)
    return (
        f'<td class="flag" title="{_esc(tip)}">'
        + ", ".join(f'<abbr title="{_esc(FLAGS.get(c, c))}">{_esc(c)}</abbr>' for c in codes)
        + "</td>"
    )


def _legend(codes: Sequence[str] | None = None) -> str:
    chosen = list(FLAGS) if codes is None else [c for c in FLAGS if c in codes]
    if not chosen:
        return '<p class="none">No cell carries a flag.</p>'
    rows = "".join(
        f"<tr><td><code>{_esc(c)}</code></td><td>{_esc(FLAGS[c])}</td></tr>" for c in chosen
    )
    return (
        '<table class="legend"><thead><tr><th>Flag</th><th>Meaning</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _used_flags(result: Result) -> list[str]:
    found: set[str] = set()
    for cell in result.data.get("flag", pd.Series(dtype="object")).fillna("").astype(str):
        found.update(c for c in cell.split(";") if c)
    return sorted(found)


def result_table(result: Result, *, max_rows: int = MAX_ROWS) -> tuple[str, list[str]]:
    """The result's table as HTML, and notes about it (truncated intervals, rows shown)."""
    data = result.data
    groups = group_columns(result)
    measures = [c for c in ("value", "se", "ci_lower", "ci_upper", "n") if c in data.columns]
    clip = non_negative(result) and "ci_lower" in data.columns
    namers = {c: code_names(c) for c in groups}
    head = []
    for column in groups:
        head.append(f"<th>{_esc(column)}</th>")
        if namers[column] is not None:
            head.append(f"<th>{_esc(column)} name</th>")
    head.extend(f"<th>{_esc(c)}</th>" for c in measures)
    head.append("<th>flag</th>")
    clipped = 0
    rows = []
    shown = data.head(max_rows)
    flags = shown["flag"].fillna("").astype(str) if "flag" in shown.columns else None
    for i, record in enumerate(shown.itertuples(index=False)):
        values = dict(zip(data.columns, record, strict=True))
        cells = []
        for column in groups:
            cells.append(f"<td>{_esc(_fmt(values[column]))}</td>")
            namer = namers[column]
            if namer is not None:
                cells.append(f"<td>{_esc(namer(values[column]))}</td>")
        flag = flags.iloc[i] if flags is not None else ""
        tip = "; ".join(f"{c}: {FLAGS.get(c, c)}" for c in flag.split(";") if c)
        for column in measures:
            value = values[column]
            text = _fmt(value)
            mark = ""
            below = isinstance(value, float | np.floating) and not np.isnan(value) and value < 0
            if clip and column == "ci_lower" and below:
                text, mark = "0", "*"
                clipped += 1
            klass = "num flagged" if (tip and column == "value") else "num"
            title = f' title="{_esc(tip)}"' if tip and column == "value" else ""
            cells.append(f'<td class="{klass}"{title}>{_esc(text)}{mark}</td>')
        cells.append(_flag_cell(flag))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    notes = []
    if len(data) > max_rows:
        notes.append(f"First {max_rows} of {len(data)} cells; the CSV and Excel files have all.")
    if clipped:
        notes.append(
            f"* {clipped} lower interval bound(s) below zero are shown as 0: the quantity "
            "cannot be negative, so the interval the indicator computed (see Method) is "
            "truncated at zero here; the CSV and Excel files keep the bounds as computed."
        )
    elif "ci_lower" in data.columns and data["ci_lower"].notna().any():
        notes.append(
            "ci_lower and ci_upper are the interval the indicator computed (its method is "
            "given above); no bound was below zero."
        )
    table = (
        '<div class="scroll"><table class="result"><thead><tr>'
        + "".join(head)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
    )
    return table, notes


def _plain_table(frame: pd.DataFrame, cls: str) -> str:
    head = "".join(f"<th>{_esc(c)}</th>" for c in frame.columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{_esc(_fmt(v))}</td>'
            if isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
            else f"<td>{_esc(_fmt(v))}</td>"
            for v in rec
        )
        + "</tr>"
        for rec in frame.itertuples(index=False, name=None)
    )
    return (
        f'<div class="scroll"><table class="{cls}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


# ------------------------------------------------------------------------- pages


def _page(title: str, body: str, *, summary: RunSummary, depth: int) -> str:
    pub = summary.spec.publication
    up = "../" * depth
    crumbs = f'<nav class="crumbs"><a href="{up}index.html">Index</a></nav>' if depth else ""
    banner = ""
    if summary.spec.synthetic:
        banner = (
            '<div class="banner" role="alert">Synthetic data: the figures in this report are '
            "computed from the bundled demonstration datasets of migindicators, which are "
            "generated, not real. Do not quote them.</div>"
        )
    release = " · ".join(x for x in (pub.release, pub.date) if x)
    return (
        f'<!DOCTYPE html>\n<html lang="{_esc(pub.language or "en")}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>"
        f'<header class="top"><div class="office">{_esc(pub.office)}'
        f"{' · ' + _esc(release) if release else ''}</div>"
        f"<div><b>{_esc(pub.title)}</b></div></header>{crumbs}{banner}{body}"
        f"<footer>Computed with migindicators {_esc(__version__)} from "
        f"{_esc(Path(summary.spec.source).name)} on {_esc(summary.started)}. "
        f'Machine-readable account: <a href="{up}run-log.json">run-log.json</a>.</footer>'
        "</body></html>\n"
    )


def _input_rows(records: Sequence[InputRecord], base: Path) -> str:
    rows = []
    for rec in records:
        files = "<br>".join(
            f"<code>{_esc(_short(f.get('path', ''), base))}</code>"
            + (
                f"<br>sha256 <code>{_esc(str(f['sha256'])[:16])}…</code>, {f['bytes']:,} bytes"
                if "sha256" in f
                else ""
            )
            for f in rec.files
        )
        src = rec.source
        provenance = "<br>".join(
            _esc(f"{k}: {v}") if k != "url" else f'url: <a href="{_esc(v)}">{_esc(v)}</a>'
            for k, v in src.items()
        )
        status = (
            f'<span class="flag">could not be read: {_esc(rec.error)}</span>'
            if rec.error
            else f"{rec.rows:,} rows · fingerprint <code>{_esc(rec.fingerprint)}</code>"
        )
        notes = "<br>".join(_esc(n) for n in rec.notes)
        rows.append(
            f"<tr><td><b>{_esc(rec.name)}</b><br>{_esc(rec.description)}</td>"
            f"<td>{_esc(rec.reader)}</td><td>{files or _esc(rec.location)}</td>"
            f"<td>{provenance or '<span class=none>not given in the spec</span>'}</td>"
            f"<td>{status}{'<br>' + notes if notes else ''}</td></tr>"
        )
    return (
        '<div class="scroll"><table class="sources"><thead><tr><th>Input</th><th>Reader</th>'
        "<th>Files</th><th>Provenance</th><th>Read</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
    )


def _short(path: str, base: Path) -> str:
    try:
        return Path(path).relative_to(base).as_posix()
    except ValueError:
        return path


def _page_name(outcome: IndicatorOutcome) -> str:
    return f"indicators/{outcome.job.key}.html"


def _quality_text(summary: RunSummary) -> str:
    q = summary.spec.quality
    if q.empty:
        return (
            "<p>No run-wide quality rules: each indicator applies its own defaults (for "
            "survey estimates, <code>low_n</code> below 30 observations and "
            "<code>high_cv</code> above a CV of 0.3 are flagged, nothing is suppressed).</p>"
        )
    parts = []
    if q.profile:
        parts.append(f"<dt>Profile</dt><dd><code>{_esc(q.profile)}</code></dd>")
        if q.parameters:
            parts.append(
                f"<dt>Parameters</dt><dd><code>{_esc(json.dumps(dict(q.parameters)))}</code></dd>"
            )
    for name, params in q.rules.items():
        parts.append(
            f"<dt>Rule {_esc(name)}</dt><dd><code>{_esc(json.dumps(dict(params)))}</code></dd>"
        )
    applied = [o.job.key for o in summary.outcomes if o.quality is not None]
    parts.append(
        "<dt>Applied to</dt><dd>"
        + (", ".join(_esc(a) for a in applied) or "no indicator (none accepts quality=)")
        + "</dd>"
    )
    return "<dl>" + "".join(parts) + "</dl>"


def _disclosure_text(summary: RunSummary) -> str:
    d = summary.spec.disclosure
    if d is None:
        return "<p>No disclosure control was asked for in this run.</p>"
    applied = [o.job.key for o in summary.outcomes if o.disclosure is not None]
    return (
        f"<dl><dt>Method</dt><dd>{_esc(d.method)}</dd><dt>Rules</dt><dd><code>"
        f"{_esc(json.dumps(dict(d.rules)))}</code></dd><dt>Applied to</dt><dd>"
        + (", ".join(_esc(a) for a in applied) or '<span class="flag">none</span>')
        + "</dd></dl>"
    )


def _agenda_link(outcome: IndicatorOutcome) -> str:
    """A link to an indicator's page, labelled with its title (or registry name)."""
    label = outcome.job.title or registry[outcome.job.id].name
    failed = ' <span class="flag">(failed)</span>' if not outcome.ok else ""
    return f'<a href="{_page_name(outcome)}">{_esc(label)}</a>{failed}'


def _agenda(summary: RunSummary) -> str:
    rows = []
    for point, title in AGENDA_POINTS.items():
        primary = [o for o in summary.outcomes if registry[o.job.id].agenda_points[0] == point]
        also = [o for o in summary.outcomes if point in registry[o.job.id].agenda_points[1:]]
        links = "<br>".join(_agenda_link(o) for o in primary)
        # The same readable label as the primary column: a job key such as
        # ``remittance_cost_average_2`` means nothing to a reader of the publication.
        others = "<br>".join(_agenda_link(o) for o in also)
        rows.append(
            f"<tr><td>{point}</td><td>{_esc(title)}</td>"
            f"<td>{links or '<span class=none>nothing computed in this run</span>'}</td>"
            f'<td class="also">{others or "—"}</td></tr>'
        )
    return (
        '<table class="summary"><thead><tr><th>Point</th><th>Agenda point</th>'
        "<th>Computed in this run (primary point)</th><th>Also serves this point</th></tr>"
        "</thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _index(summary: RunSummary) -> str:
    pub = summary.spec.publication
    done = [o for o in summary.outcomes if o.ok]
    body = [f"<h1>{_esc(pub.title)}</h1>"]
    meta = {
        "Office": pub.office,
        "Release": pub.release,
        "Date": pub.date,
        "Contact": pub.contact,
        "Licence": pub.licence,
    }
    body.append(
        "<dl>"
        + "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in meta.items() if v)
        + f"<dt>Computed</dt><dd>{len(done)} of {len(summary.outcomes)} indicator(s)</dd></dl>"
    )
    if pub.notes:
        body.append(f"<p>{_esc(pub.notes)}</p>")
    failed_inputs = [r for r in summary.inputs.values() if r.error]
    if summary.failed or summary.errors or failed_inputs:
        items = [
            f'<li><a href="{_page_name(o)}">{_esc(o.job.key)}</a> ({_esc(o.job.id)}): '
            f"{_esc(o.error)}</li>"
            for o in summary.failed
        ]
        said = dict.fromkeys((r.name, r.error) for r in failed_inputs)
        items += [f"<li>input {_esc(name)}: {_esc(error)}</li>" for name, error in said]
        items += [f"<li>{_esc(e)}</li>" for e in summary.errors]
        body.append(
            '<div class="failed"><b>Not everything was computed or written.</b><ul>'
            + "".join(items)
            + "</ul></div>"
        )
    body.append('<h2 id="agenda">Indicators by point of the eight-point agenda</h2>')
    body.append(_agenda(summary))
    body.append('<h2 id="computed">What was computed</h2>')
    rows = []
    for o in summary.outcomes:
        entry = registry[o.job.id]
        status = (
            f"{len(o.result.data):,} cells"
            if o.ok and o.result is not None
            else '<span class="flag">failed</span>'
        )
        rows.append(
            f'<tr><td><a href="{_page_name(o)}">{_esc(o.job.title or entry.name)}</a></td>'
            f"<td><code>{_esc(o.job.id)}</code></td><td>{_esc(entry.sdg or '—')}</td>"
            f"<td>{_esc(', '.join(o.job.by) or '—')}</td><td>{status}</td>"
            f'<td class="num">{o.seconds:.2f} s</td></tr>'
        )
    body.append(
        '<table class="computed"><thead><tr><th>Indicator</th><th>Id</th><th>SDG</th>'
        "<th>Breakdown</th><th>Result</th><th>Time</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )
    body.append('<h2 id="sources">Data sources</h2>')
    body.append(_input_rows(list(summary.inputs.values()), summary.spec.base_dir))
    body.append('<h2 id="quality">Quality profile</h2>' + _quality_text(summary))
    body.append('<h2 id="disclosure">Disclosure control</h2>' + _disclosure_text(summary))
    body.append('<h2 id="flags">Flag legend</h2>' + _legend())
    if summary.notes:
        body.append(
            '<h2 id="notes">Notes</h2><div class="note"><ul>'
            + "".join(f"<li>{_esc(n)}</li>" for n in summary.notes)
            + "</ul></div>"
        )
    files = [f for f in summary.files if f.suffix != ".html"]
    if files:
        body.append(
            '<h2 id="files">Files</h2><ul>'
            + "".join(
                f'<li><a href="{_esc(_short(str(f), summary.out_dir))}">'
                f"{_esc(_short(str(f), summary.out_dir))}</a></li>"
                for f in files
            )
            + '<li><a href="run-log.json">run-log.json</a> (the run log)</li></ul>'
        )
    return _page(pub.title, "".join(body), summary=summary, depth=0)


def _indicator_page(summary: RunSummary, outcome: IndicatorOutcome, charts: list[Any]) -> str:
    job = outcome.job
    entry = registry[job.id]
    title = job.title or entry.name
    body = [f"<h1>{_esc(title)}</h1>"]
    if not outcome.ok:
        body.append(f'<div class="failed"><b>Not computed.</b> {_esc(outcome.error)}</div>')
    points = "; ".join(f"{p}. {AGENDA_POINTS[p]}" for p in entry.agenda_points)
    info = {
        "Indicator": f"{entry.name} ({entry.id})",
        "SDG indicator": entry.sdg or "none",
        "SDMX series": entry.sdmx_series or "none",
        "Agenda points": points,
        "Unit": entry.unit,
        "Custodian": entry.custodian,
    }
    body.append(
        "<dl>" + "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in info.items()) + "</dl>"
    )
    body.append(f"<h2>Definition</h2><p>{_esc(entry.definition)}</p>")
    body.append(f'<h3>Formula</h3><pre class="formula">{_esc(entry.formula)}</pre>')
    body.append(f"<h3>Aggregation</h3><p>{_esc(entry.aggregation)}</p>")
    # a failed indicator shows no values: its result may be one that could not be protected
    result = outcome.result if outcome.ok else None
    method = result.metadata.get("method", "") if result is not None else ""
    options = {**entry.option_defaults, **dict(job.options)}
    shown_options = {k: v for k, v in options.items() if v is not None}
    body.append("<h2>Method and options</h2><dl>")
    if method:
        body.append(f"<dt>Method</dt><dd>{_esc(method)}</dd>")
    body.append(f"<dt>Breakdown (by)</dt><dd>{_esc(', '.join(job.by) or 'none')}</dd>")
    for name, value in shown_options.items():
        given = "" if name in job.options else " (default)"
        body.append(f"<dt>{_esc(name)}</dt><dd><code>{_esc(value)}</code>{given}</dd>")
    if outcome.quality is not None:
        body.append(f"<dt>Quality</dt><dd><code>{_esc(json.dumps(outcome.quality))}</code></dd>")
    if outcome.disclosure is not None:
        body.append(
            f"<dt>Disclosure</dt><dd><code>{_esc(json.dumps(outcome.disclosure))}</code></dd>"
        )
    body.append(f"<dt>Computed in</dt><dd>{outcome.seconds:.2f} s</dd></dl>")
    for note in outcome.notes:
        body.append(f'<p class="note">{_esc(note)}</p>')
    records = [summary.inputs[k] for k in outcome.inputs.values() if k in summary.inputs]
    body.append("<h2>Sources</h2>")
    body.append(_input_rows(records, summary.spec.base_dir) if records else '<p class="none">—</p>')
    if result is not None:
        rows = result.metadata.get("rows", {})
        if rows:
            body.append(
                "<p>Rows: "
                + "; ".join(
                    f"{_esc(k)}: {v.get('given', 0):,} given, {v.get('used', 0):,} used, "
                    f"{v.get('excluded', 0):,} excluded"
                    for k, v in rows.items()
                )
                + "</p>"
            )
        for chart in charts:
            body.append(
                f'<figure><img src="{chart.data_uri}" alt="{_esc(chart.alt)}">'
                f"<figcaption>{_esc(chart.title)}</figcaption></figure>"
            )
        table, notes = result_table(result)
        body.append(f"<h2>Values ({len(result.data):,} cells)</h2>{table}")
        body.extend(f'<p class="none">{_esc(n)}</p>' for n in notes)
        body.append("<h3>Flags on this page</h3>" + _legend(_used_flags(result)))
        body.append("<h2>Rows excluded</h2>")
        if len(result.exclusions):
            body.append(_plain_table(result.exclusions, "exclusions"))
        else:
            body.append('<p class="none">No input row was excluded.</p>')
    if entry.notes:
        body.append(f"<h2>Notes</h2><p>{_esc(entry.notes)}</p>")
    body.append(
        "<h2>References</h2><ul>"
        + "".join(f"<li>{_esc(r)}</li>" for r in entry.references)
        + "</ul>"
    )
    return _page(title, "".join(body), summary=summary, depth=1)


def _charts(outcome: IndicatorOutcome) -> tuple[list[Any], str | None]:
    from migindicators.publish.charts import charts_for

    if outcome.result is None or not outcome.ok:
        return [], None
    try:
        return charts_for(outcome.result), None
    except Exception as exc:  # a chart must not sink the page; say so in it
        return [], f"{type(exc).__name__}: {exc}"


def write_site(summary: RunSummary) -> list[Path]:
    """Write ``index.html`` and one page per indicator into the run's folder; return them."""
    out = summary.out_dir
    (out / "indicators").mkdir(parents=True, exist_ok=True)
    written = []
    for outcome in summary.outcomes:
        charts, error = _charts(outcome)
        if error:
            outcome.notes.append(f"charts failed: {error}")
        path = out / _page_name(outcome)
        path.write_text(_indicator_page(summary, outcome, charts), encoding="utf-8")
        written.append(path)
    index = out / "index.html"
    index.write_text(_index(summary), encoding="utf-8")
    return [index, *written]
