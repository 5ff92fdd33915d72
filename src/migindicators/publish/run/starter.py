"""Starter run specifications: the bundled example, and a commented one from the registry."""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from migindicators.core.registry import registry
from migindicators.publish.run.readers import READERS
from migindicators.publish.run.spec import SpecError

__all__ = ["SPEC_NAME", "example_spec_path", "starter_spec", "write_demo", "write_starter"]

#: File name ``init`` writes.
SPEC_NAME = "migindicators-run.toml"

# Which reader usually gives an input kind, for the starter's comments.
_KIND_READERS = {
    "remittance_prices": "rpw",
    "mobile_students": "uis",
    "tertiary_enrolment": "uis",
    "refugees": "unhcr",
    "remittances": "wdi",
    "gdp": "wdi",
    "population": "wdi (SP.POP.TOTL) or desa (Table 2)",
    "migrant_stock_table": "desa",
    "census": "csv, parquet, stata, spss or ipums (with options = { ddi = ... })",
    "remittance_flows": "bilateral_remittances",
}


def example_spec_path() -> Path:
    """The bundled example spec (every demo indicator on the bundled datasets)."""
    from migindicators.datasets import datasets_directory

    return datasets_directory() / "runs" / "example.toml"


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _comment(text: str, width: int = 92) -> list[str]:
    return textwrap.wrap(" ".join(text.split()), width, initial_indent="# ", subsequent_indent="# ")


def starter_spec(indicators: Sequence[str], *, title: str = "", office: str = "") -> str:
    """A commented run specification for *indicators*, to be completed by hand.

    Every input the indicators need is declared once (by its argument name), with its input
    kind and a reader that usually gives it; every option is listed with its default,
    commented out. The result parses (:func:`~migindicators.publish.run.spec.parse_spec`) once
    the input paths exist; ``migindicators run --check`` says what is still missing.

    Raises
    ------
    SpecError
        For an unknown indicator id.
    """
    unknown = [i for i in indicators if i not in registry]
    if unknown or not indicators:
        raise SpecError(
            f"unknown indicator(s) {unknown}; see `migindicators list`"
            if unknown
            else "give at least one indicator id (--indicators ID,...)"
        )
    lines = [
        "# migindicators run specification (docs/guide/run.md). Fill in the paths, readers",
        "# and mappings, then: migindicators run --check THIS_FILE; migindicators run THIS_FILE",
        "spec_version = 1",
        "",
        "[publication]",
        f"title = {_value(title or 'International migration indicators')}",
        f"office = {_value(office or 'Your office')}",
        'release = ""          # e.g. "2025-06"',
        '# date = "2025-06-30"',
        '# contact = "migration.statistics@example.org"',
        '# licence = "CC BY 4.0"',
        "",
    ]
    declared: dict[str, str] = {}
    for ident in indicators:
        for spec_input in registry[ident].inputs:
            declared.setdefault(spec_input.name, spec_input.kind)
    for name, kind in declared.items():
        description = next(
            i.description for ident in indicators for i in registry[ident].inputs if i.name == name
        )
        reader = _KIND_READERS.get(kind, "csv")
        lines += [
            f"[inputs.{name}]",
            *_comment(
                f"input kind {kind}: {description}. `migindicators validate {kind} "
                "--describe` lists its columns."
            ),
            f'path = "data/{name}.csv"        # or glob = "data/{name}_*.csv"',
            f'# reader = "{reader.split()[0]}"   # usually: {reader}; known: '
            + ", ".join(sorted(READERS)),
            f'kind = "{kind}"',
            f"# [inputs.{name}.mapping]    # your column names -> the standard ones",
            '# columns = { "Your column" = "standard_column" }',
            "# constants = { time_period = 2024 }",
            f"# [inputs.{name}.mapping.codes.sex]",
            '# 1 = "M"',
            '# 2 = "F"',
            f"# [inputs.{name}.source]",
            '# publisher = ""',
            '# url = ""',
            '# retrieved = ""',
            "",
        ]
    for ident in indicators:
        entry = registry[ident]
        lines += ["[[indicators]]", *_comment(f"{entry.name} (SDG {entry.sdg or 'none'})")]
        lines.append(f'id = "{ident}"')
        mapping = ", ".join(f'{i.name} = "{i.name}"' for i in entry.inputs if i.required)
        lines.append(f"inputs = {{ {mapping} }}")
        by = [d for d in entry.disaggregations if " " not in d]
        lines.append(f"# by = {_value(by[:2])}    # breakdowns: {', '.join(entry.disaggregations)}")
        if entry.options:
            lines.append(f"[indicators.options]    # options of {ident} (defaults shown)")
            for opt in entry.options:
                lines += [*_comment(opt.description)]
                default = opt.default if opt.default is not None else ""
                lines.append(f"# {opt.name} = {_value(default)}")
        lines.append("")
    lines += [
        "[quality]",
        '# profile = "statcan"   # an agency standard: nchs, statcan, eurostat, abs',
        "# rules = { min_n = { min = 30 }, max_cv = { max = 0.3 } }",
        "",
        "# [disclosure]          # migindicators.disclosure.protect before anything is written",
        '# method = "suppress"',
        "# rules = { frequency = { min = 10 } }",
        "# parameters = { secondary = true, protection = 0.1 }",
        "",
        "[outputs]",
        'dir = "output"',
        "html = true",
        "csv = true",
        'sdmx_csv = ["1.0"]      # add "2.0" for SDMX-CSV 2.0',
        "sdmx_ml = true",
        "open_sdg = true",
        "excel = true",
        "",
    ]
    return "\n".join(lines)


def _target(directory: str | Path, force: bool) -> Path:
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise SpecError(f"{folder} exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SPEC_NAME
    if path.exists() and not force:
        raise SpecError(f"{path} already exists; pass --force to replace it")
    return path


def write_demo(directory: str | Path, *, force: bool = False) -> Path:
    """Copy the bundled example spec into *directory*; return its path."""
    path = _target(directory, force)
    shutil.copyfile(example_spec_path(), path)
    return path


def write_starter(directory: str | Path, indicators: Sequence[str], *, force: bool = False) -> Path:
    """Write a commented starter spec for *indicators* into *directory*; return its path."""
    text = starter_spec(indicators)
    path = _target(directory, force)
    path.write_text(text, encoding="utf-8")
    return path
