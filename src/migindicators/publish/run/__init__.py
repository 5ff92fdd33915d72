"""The publication run: an office's own files to a complete, quality-flagged publication.

A run specification (TOML, :mod:`~migindicators.publish.run.spec`) declares the publication,
the inputs (path or glob, reader, variable mapping), the indicators with their options and
breakdowns, the quality profile and disclosure rules, and the outputs. :func:`run` computes
and writes everything (HTML report, CSV, SDMX-CSV, SDMX-ML, Open SDG, Excel, and the run log
``run-log.json``); :func:`check` validates the spec and its inputs without computing.

On the command line: ``migindicators init``, ``migindicators run --check SPEC`` and
``migindicators run SPEC [--out DIR]``.
"""

from __future__ import annotations

from migindicators.publish.run.execute import (
    CheckReport,
    IndicatorOutcome,
    InputRecord,
    RunSummary,
    check,
    run,
)
from migindicators.publish.run.readers import READERS
from migindicators.publish.run.spec import RunSpec, SpecError, load_spec, parse_spec
from migindicators.publish.run.starter import example_spec_path, starter_spec

__all__ = [
    "READERS",
    "CheckReport",
    "IndicatorOutcome",
    "InputRecord",
    "RunSpec",
    "RunSummary",
    "SpecError",
    "check",
    "example_spec_path",
    "load_spec",
    "parse_spec",
    "run",
    "starter_spec",
]
