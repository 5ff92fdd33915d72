"""Generate the indicator catalogue pages from the registry (a small Sphinx extension).

One page per indicator (definition, formula, unit, agenda points, SDG code and series,
inputs with their columns, options, references, an example) and an index table by agenda
point. Pages are written to ``docs/indicators/generated/`` when the build starts, so the
catalogue can never drift from ``indicators/*.toml``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from migindicators import schemas
from migindicators.core.registry import AGENDA_POINTS, FIDELITY_LEVELS, IndicatorSpec, registry

OUT = Path(__file__).resolve().parents[1] / "indicators" / "generated"


def _input_section(spec: IndicatorSpec) -> list[str]:
    lines = ["## Inputs", ""]
    kinds = schemas.input_kinds()
    for inp in spec.inputs:
        optional = "" if inp.required else " (optional)"
        lines += [f"### `{inp.name}`{optional}: input kind `{inp.kind}`", "", inp.description, ""]
        kind = kinds.get(inp.kind)
        if kind is None:
            continue
        lines += [
            kind.description,
            "",
            "| column | type | unit | required | rule | description |",
            "|---|---|---|---|---|---|",
        ]
        for row in kind.describe().itertuples(index=False):
            rule = str(row.rule).replace("|", "\\|")
            required = "yes" if row.required else "no"
            lines.append(
                f"| `{row.column}` | {row.type} | {row.unit} | {required} | {rule} | "
                f"{row.description} |"
            )
        lines.append("")
    return lines


def indicator_page(spec: IndicatorSpec) -> str:
    points = ", ".join(f"{p} ({AGENDA_POINTS[p]})" for p in spec.agenda_points)
    lines = [
        f"# `{spec.id}`",
        "",
        f"**{spec.name}**",
        "",
        "| | |",
        "|---|---|",
        f"| SDG indicator | {spec.sdg or '—'} |",
        f"| SDMX series | {spec.sdmx_series or '—'} |",
    ]
    if spec.sdmx_series_name:
        lines.append(f"| SDMX series wording | {spec.sdmx_series_name} |")
    lines += [
        f"| Agenda points | {points} |",
        f"| Unit | `{spec.unit}` |",
        f"| Custodian | {spec.custodian} |",
        f"| Status | {spec.status} |",
        f"| Function | `{spec.function_path.replace(':', '.')}` |",
        f"| Disaggregations (`by=`) | {', '.join(spec.disaggregations) or '—'} |",
        f"| Fidelity | {spec.fidelity} |",
        "",
        "## Fidelity",
        "",
        f"**{spec.fidelity}.** {spec.fidelity_note}",
        "",
        "## Definition",
        "",
        spec.definition,
        "",
        "## Formula",
        "",
        "```text",
        spec.formula,
        "```",
        "",
        "## Aggregation",
        "",
        spec.aggregation,
        "",
    ]
    lines += _input_section(spec)
    if spec.options:
        lines += [
            "## Options",
            "",
            "| option | default | choices | description |",
            "|---|---|---|---|",
        ]
        for opt in spec.options:
            choices = ", ".join(f"`{c}`" for c in opt.choices) if opt.choices else ""
            default = f"`{opt.default!r}`"
            if opt.library_choice:
                # the official methodology is silent here: the default is ours, say so
                default += " (library choice)"
            lines.append(f"| `{opt.name}` | {default} | {choices} | {opt.description} |")
        lines.append("")
        if any(opt.library_choice for opt in spec.options):
            lines += [
                "Defaults marked *library choice* are the library's where the official "
                "methodology is silent; each is an option.",
                "",
            ]
    if spec.notes:
        lines += ["## Notes", "", spec.notes, ""]
    if spec.example:
        lines += [
            "## Example",
            "",
            "```python",
            "import migindicators as mi",
            "import pandas as pd",
            "",
            spec.example,
            "```",
            "",
        ]
    lines += ["## References", ""] + [f"- {ref}" for ref in spec.references] + [""]
    return "\n".join(lines)


def _fidelity_summary() -> list[str]:
    """How many indicators are checked against what (from the registry's ``fidelity``)."""
    lines = [
        "## Fidelity",
        "",
        "Each indicator's `fidelity` says what its tests compare it with: a **published "
        "figure** (a file as its publisher distributes it, `tests/reference/`), the "
        "**custodian's worked example**, a **reference package's** documented example, or "
        "values **hand-computed** only (the indicator page says why no official figure "
        "could be used).",
        "",
        "| fidelity | indicators |",
        "|---|---|",
    ]
    for level in FIDELITY_LEVELS:
        n = sum(spec.fidelity == level for spec in registry.values())
        lines.append(f"| {level} | {n} |")
    return [*lines, ""]


def index_page() -> str:
    lines = [
        "# Indicator catalogue",
        "",
        "Generated from the registry (`indicators/*.toml`). Indicators are listed under "
        "each point of the Secretary-General's eight-point agenda they serve (primary "
        "point first in each page).",
        "",
    ]
    uncovered = registry.uncovered_agenda_points()
    if uncovered:
        lines += [
            "```{note}",
            "Agenda points without an indicator yet: "
            + ", ".join(f"{p} ({AGENDA_POINTS[p]})" for p in uncovered)
            + ".",
            "```",
            "",
        ]
    lines += _fidelity_summary()
    for point, title in AGENDA_POINTS.items():
        specs = registry.by_agenda_point(point)
        lines += [f"## {point}. {title}", ""]
        if not specs:
            lines += ["*No indicator yet.*", ""]
            continue
        lines += ["| indicator | SDG | unit | fidelity | name |", "|---|---|---|---|---|"]
        for spec in specs:
            lines.append(
                f"| [`{spec.id}`]({spec.id}.md) | {spec.sdg or '—'} | `{spec.unit}` | "
                f"{spec.fidelity} | {spec.name} |"
            )
        lines.append("")
    lines += ["```{toctree}", ":hidden:", ""] + [f"{i}" for i in registry.ids()] + ["```", ""]
    return "\n".join(lines)


def write_catalogue(out: Path = OUT) -> list[Path]:
    """Write the catalogue pages; return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.md"):
        stale.unlink()
    written = [out / "index.md"]
    written[0].write_text(index_page())
    for spec in registry.values():
        path = out / f"{spec.id}.md"
        path.write_text(indicator_page(spec))
        written.append(path)
    return written


def _on_builder_inited(app: Any) -> None:
    write_catalogue()


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", _on_builder_inited)
    return {"version": "1", "parallel_read_safe": True}


README_START = (
    "<!-- indicator-table:start (generated by `python docs/_ext/catalogue.py --readme`) -->"
)
README_END = "<!-- indicator-table:end -->"


def readme_table() -> str:
    """The README's indicator table by agenda point (primary point of each indicator)."""
    lines = ["| agenda point | indicator | SDG | unit |", "|---|---|---|---|"]
    for point, title in AGENDA_POINTS.items():
        specs = [s for s in registry.values() if s.agenda_points[0] == point]
        secondary = [s for s in registry.by_agenda_point(point) if s.agenda_points[0] != point]
        if not specs and not secondary:
            lines.append(f"| {point}. {title} | *none yet* | | |")
            continue
        for i, spec in enumerate(specs):
            label = f"{point}. {title}" if i == 0 else ""
            lines.append(f"| {label} | `{spec.id}` | {spec.sdg or '—'} | `{spec.unit}` |")
        if not specs:
            also = ", ".join(f"`{s.id}`" for s in secondary)
            lines.append(f"| {point}. {title} | (secondary) {also} | | |")
    return "\n".join(lines)


README = Path(__file__).resolve().parents[2] / "README.md"


def update_readme(path: Path = README) -> bool:
    """Rewrite the generated table in the README; return True when it changed."""
    text = path.read_text()
    start, end = text.index(README_START), text.index(README_END)
    new = text[: start + len(README_START)] + "\n" + readme_table() + "\n" + text[end:]
    if new != text:
        path.write_text(new)
    return new != text


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--readme"]:
        print("README.md updated" if update_readme() else "README.md already up to date")
    else:
        print(f"wrote {len(write_catalogue())} pages to {OUT}")
