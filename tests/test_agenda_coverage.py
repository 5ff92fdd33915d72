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
from typing import Any

import pandas as pd
import pytest

import migindicators as mi
from migindicators.datasets import DemoJob, demo_jobs, load
from migindicators.registry import AGENDA_POINTS


@dataclass
class _Coverage:
    working: dict[int, set[str]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def _inputs(job: DemoJob, cache: dict[str, Any]) -> dict[str, Any]:
    if job.dataset not in cache:
        cache[job.dataset] = load(job.dataset)
    data = cache[job.dataset]
    if isinstance(data, pd.DataFrame):
        return dict.fromkeys(job.inputs, data)
    return {arg: data[key] for arg, key in job.inputs.items()}


@pytest.fixture(scope="module")
def coverage() -> _Coverage:
    out = _Coverage()
    cache: dict[str, Any] = {}
    for job in demo_jobs():
        label = f"{job.indicator} on {job.dataset}"
        try:
            kwargs = {**_inputs(job, cache), **dict(job.options)}
            if job.by:
                kwargs["by"] = list(job.by)
            result = mi.compute(job.indicator, **kwargs)
        except Exception as exc:  # collect every failure for the report below
            out.failed[label] = f"{type(exc).__name__}: {exc}"[:300]
            continue
        if not result.rows_accounted():
            out.failed[label] = "rows given != rows used + rows excluded"
            continue
        if len(result.data) == 0:
            out.failed[label] = "computed an empty result"
            continue
        for point in mi.registry[job.indicator].agenda_points:
            out.working.setdefault(point, set()).add(job.indicator)
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
