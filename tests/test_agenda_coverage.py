"""Every point of the Secretary-General's eight-point agenda has a computable indicator.

The registry maps indicators to agenda points; the bundled datasets declare demo jobs (the
``[[demo]]`` tables that ``migindicators report`` computes). An agenda point is *covered*
when at least one registered indicator mapped to it computes without error on bundled data,
with every input row accounted for. The assertion lists, per uncovered point, what is
registered for it and why it did not count, so a failure says what is missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import DemoReport

import migindicators as mi
from migindicators.core.registry import AGENDA_POINTS
from migindicators.datasets import demo_jobs


@dataclass
class _Coverage:
    working: dict[int, set[str]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def coverage(demo_report: DemoReport) -> _Coverage:
    """From the session's run of every demo job (``migindicators report``, see conftest)."""
    out = _Coverage()
    assert [(o["indicator"], o["dataset"]) for o in demo_report.outcomes] == [
        (j.indicator, j.dataset) for j in demo_jobs()
    ], "every demo job has an outcome"
    for job in demo_report.outcomes:
        label = f"{job['indicator']} on {job['dataset']}"
        if job["error"] is not None:
            out.failed[label] = str(job["error"])[:300]
            continue
        if not job["rows_accounted"]:
            out.failed[label] = "rows given != rows used + rows excluded"
            continue
        if job["rows"] == 0:
            out.failed[label] = "computed an empty result"
            continue
        for point in mi.registry[job["indicator"]].agenda_points:
            out.working.setdefault(point, set()).add(job["indicator"])
    return out


def _explain(point: int, cov: _Coverage) -> str:
    registered = [s.id for s in mi.registry.by_agenda_point(point)]
    with_demo = {j.indicator for j in demo_jobs()}
    lines = [f"agenda point {point} ({AGENDA_POINTS[point]}):"]
    if not registered:
        lines.append("    no indicator in the registry maps to it")
    for ind in registered:
        if ind not in with_demo:
            lines.append(f"    {ind}: registered, but no [[demo]] job on bundled data")
        for label, err in cov.failed.items():
            if label.startswith(f"{ind} on "):
                lines.append(f"    {label}: failed: {err}")
    return "\n".join(lines)


def test_every_agenda_point_has_a_working_indicator(coverage: _Coverage) -> None:
    uncovered = [p for p in AGENDA_POINTS if not coverage.working.get(p)]
    assert not uncovered, "agenda points without a working computation on bundled data:\n" + (
        "\n".join(_explain(p, coverage) for p in uncovered)
    )


@pytest.mark.parametrize("point", list(AGENDA_POINTS))
def test_agenda_point_is_covered(point: int, coverage: _Coverage) -> None:
    assert coverage.working.get(point), _explain(point, coverage)


def test_demo_jobs_name_registered_indicators() -> None:
    unknown = sorted({j.indicator for j in demo_jobs()} - set(mi.registry.ids()))
    assert not unknown, f"[[demo]] jobs naming indicators not in the registry: {unknown}"


def test_coverage_page_lists_only_registered_indicators_at_their_point() -> None:
    """docs/guide/agenda-coverage.md: one row per point; no stale or misplaced id."""
    page = Path(__file__).resolve().parents[1] / "docs" / "guide" / "agenda-coverage.md"
    if not page.is_file():
        pytest.skip("docs/ not present in this installation")
    rows = {}
    for line in page.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*(\d)\s*\|[^|]*\|([^|]*)\|", line)
        if match:
            rows[int(match.group(1))] = re.findall(r"`([a-z0-9_]+)`", match.group(2))
    assert sorted(rows) == list(AGENDA_POINTS), "the coverage table needs one row per point"
    problems = []
    for point, ids in rows.items():
        for ind in ids:
            if ind not in mi.registry:
                problems.append(f"point {point}: {ind!r} is not in the registry")
            elif point not in mi.registry[ind].agenda_points:
                problems.append(
                    f"point {point}: {ind!r} is mapped to {list(mi.registry[ind].agenda_points)}"
                )
    assert not problems, "docs/guide/agenda-coverage.md is out of date:\n" + "\n".join(problems)
