"""Shared fixtures."""

from __future__ import annotations

import fcntl
import json
import os
import resource
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real public data beside the repository (``../shared/data``).

    Tests that use it skip with a clear reason when it is absent (e.g. an sdist unpacked
    elsewhere); CI always has it.
    """
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real reference data not found at {SHARED_DATA}")
    return SHARED_DATA


@dataclass(frozen=True)
class DemoReport:
    """The README's main job (``migindicators report --out DIR``), run once per test session.

    ``out`` is the report folder (shared between pytest-xdist workers: read, never write);
    ``code`` the exit code of :func:`migindicators.publish.report.run`; ``cpu_seconds`` the
    CPU time the job took in the process that ran it; ``outcomes`` one entry per demo job:
    ``indicator``, ``dataset``, ``key``, ``error`` (``None`` when it computed),
    ``rows_accounted`` and ``rows`` (rows of the result).
    """

    out: Path
    code: int
    cpu_seconds: float
    outcomes: tuple[dict[str, Any], ...]


def _build_demo_report(out: Path) -> dict[str, Any]:
    import argparse

    from migindicators.publish import report

    parser = argparse.ArgumentParser()
    report.add_arguments(parser)
    args = parser.parse_args(["--out", str(out), "--no-progress"])
    captured: list[Any] = []
    original = report.build_report

    def capture(*a: Any, **k: Any) -> Any:
        summary = original(*a, **k)
        captured.append(summary)
        return summary

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(report, "build_report", capture)
        # CPU seconds, not wall time: the test suite runs beside other processes
        usage = resource.getrusage(resource.RUSAGE_SELF)
        start = usage.ru_utime + usage.ru_stime
        code = report.run(args)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        seconds = usage.ru_utime + usage.ru_stime - start
    (summary,) = captured
    outcomes = [
        {
            "indicator": o.job.indicator,
            "dataset": o.job.dataset,
            "key": o.key,
            "error": o.error,
            "rows_accounted": bool(o.result.rows_accounted()) if o.result is not None else False,
            "rows": len(o.result.data) if o.result is not None else 0,
        }
        for o in summary.outcomes
    ]
    return {"code": code, "cpu_seconds": seconds, "outcomes": outcomes}


@pytest.fixture(scope="session")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> DemoReport:
    """Every bundled demo job computed and written once per session (shared by xdist workers).

    The first worker to take the lock builds the report into the session's temporary root;
    the others wait for it and read its manifest, so the heavy main job runs once whatever
    the number of workers (and once without xdist).
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the session root, shared by the workers' own temp folders
    root = base / "demo-report"
    root.mkdir(parents=True, exist_ok=True)
    manifest = root / "manifest.json"
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not manifest.exists():
                built = _build_demo_report(root / "out")
                partial = manifest.with_suffix(".tmp")
                partial.write_text(json.dumps(built), encoding="utf-8")
                partial.replace(manifest)
            data = json.loads(manifest.read_text(encoding="utf-8"))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return DemoReport(
        out=root / "out",
        code=int(data["code"]),
        cpu_seconds=float(data["cpu_seconds"]),
        outcomes=tuple(data["outcomes"]),
    )


@dataclass(frozen=True)
class ExampleRun:
    """The README's main job: ``migindicators run`` on the bundled example spec, run once.

    ``out`` is its output folder (shared by xdist workers: read, never write), ``code`` the
    exit code, ``log`` the parsed ``run-log.json``.
    """

    out: Path
    code: int
    log: dict[str, Any]


@pytest.fixture(scope="session")
def example_run(tmp_path_factory: pytest.TempPathFactory) -> ExampleRun:
    """The bundled example spec computed and written once per session (as ``demo_report``)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    root = base / "example-run"
    root.mkdir(parents=True, exist_ok=True)
    manifest = root / "manifest.json"
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not manifest.exists():
                from migindicators.cli import main

                code = main(["run", _example_spec(), "--out", str(root / "out"), "--no-progress"])
                partial = manifest.with_suffix(".tmp")
                partial.write_text(json.dumps({"code": code}), encoding="utf-8")
                partial.replace(manifest)
            data = json.loads(manifest.read_text(encoding="utf-8"))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    out = root / "out"
    return ExampleRun(
        out=out,
        code=int(data["code"]),
        log=json.loads((out / "run-log.json").read_text(encoding="utf-8")),
    )


def _example_spec() -> str:
    from migindicators.publish.run import example_spec_path

    return str(example_spec_path())
