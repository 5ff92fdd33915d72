"""The README and the docs catalogue stay in step with the registry and CI."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import migindicators as mi

ROOT = Path(__file__).resolve().parents[1]


def _catalogue() -> ModuleType:
    spec = importlib.util.spec_from_file_location("catalogue", ROOT / "docs/_ext/catalogue.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```console\n(.*?)```", section, re.S)
    assert block is not None
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def test_readme_quick_start_has_exactly_two_commands() -> None:
    commands = _quick_start_commands()
    assert len(commands) == 2
    assert commands[0] == "python3 dev.py demo"
    assert commands[1] == "python3 dev.py tests"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci/run").read_text().splitlines()
    assert _quick_start_commands()[1] in [line.strip() for line in ci]


def test_readme_indicator_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    assert _catalogue().readme_table() in readme, (
        "README indicator table is stale: run `python docs/_ext/catalogue.py --readme`"
    )


def test_catalogue_has_a_page_per_indicator(tmp_path: Path) -> None:
    written = _catalogue().write_catalogue(tmp_path)
    assert {p.stem for p in written} == {"index", *mi.registry.ids()}
    page = (tmp_path / "refugees_per_100k.md").read_text()
    for needle in (
        "SM_POP_REFG_OR",
        "10.7.4",
        "## Definition",
        "## Formula",
        "## Inputs",
        "## References",
        "## Example",
        "per_100000",
    ):
        assert needle in page
    index = (tmp_path / "index.md").read_text()
    for point in range(1, 9):
        assert f"## {point}. {mi.AGENDA_POINTS[point]}" in index
