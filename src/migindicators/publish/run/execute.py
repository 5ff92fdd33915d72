"""Carry out a run specification: read the inputs, compute, protect, write, log.

:func:`run` never loses work silently:

* an input that cannot be read, or an indicator that fails, is recorded with its error and
  the other indicators go on; so does a writer that fails;
* ``run-log.json`` records, per input, the files read with their SHA-256, size and the
  frame's fingerprint; per indicator its inputs (with fingerprints), options, breakdowns,
  rows given / used / excluded (by reason), duration and error;
* :attr:`RunSummary.exit_code` is ``1`` when anything failed, else ``0``.

:func:`check` does everything up to computing: the spec (already validated by
:func:`~migindicators.publish.run.spec.load_spec`), every input found and read, its
mapping applied and the frame validated against the input kind each indicator needs.
"""

from __future__ import annotations

import glob as globbing
import hashlib
import inspect
import json
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migindicators._version import __version__
from migindicators.core.errors import MigIndicatorsError
from migindicators.core.provenance import fingerprint
from migindicators.core.registry import registry
from migindicators.core.result import Result
from migindicators.publish.run.errors import error_text
from migindicators.publish.run.readers import run_reader
from migindicators.publish.run.spec import (
    IndicatorJob,
    InputSpec,
    MappingSpec,
    RunSpec,
    load_spec,
)

__all__ = ["CheckReport", "IndicatorOutcome", "InputRecord", "RunSummary", "check", "run"]


# ------------------------------------------------------------------------- records


@dataclass
class InputRecord:
    """What was read for one input: files with hashes, the frame's fingerprint, rows."""

    name: str
    location: str
    reader: str
    files: list[dict[str, Any]] = field(default_factory=list)
    rows: int | None = None
    columns: list[str] = field(default_factory=list)
    fingerprint: str = ""
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    source: Mapping[str, str] = field(default_factory=dict)
    description: str = ""
    synthetic: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form for the run log."""
        return {
            "name": self.name,
            "location": self.location,
            "reader": self.reader,
            "files": self.files,
            "rows": self.rows,
            "columns": self.columns,
            "fingerprint": self.fingerprint,
            "notes": self.notes,
            "error": self.error,
            "seconds": round(self.seconds, 3),
            "source": dict(self.source),
            "synthetic": self.synthetic,
        }


@dataclass
class IndicatorOutcome:
    """One indicator job's outcome: its result, or the error that stopped it."""

    job: IndicatorJob
    result: Result | None = None
    error: str | None = None
    seconds: float = 0.0
    inputs: dict[str, str] = field(default_factory=dict)
    quality: Any = None
    disclosure: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the indicator was computed (and protected, when asked)."""
        return self.result is not None and self.error is None

    def to_dict(self, inputs: Mapping[str, InputRecord]) -> dict[str, Any]:
        """JSON-able form for the run log."""
        out: dict[str, Any] = {
            "key": self.job.key,
            "indicator": self.job.id,
            "title": self.job.title,
            "status": "ok" if self.ok else "failed",
            "error": self.error,
            "seconds": round(self.seconds, 3),
            "options": _jsonable(dict(self.job.options)),
            "by": list(self.job.by),
            "quality": _jsonable(self.quality),
            "disclosure": _jsonable(self.disclosure),
            "inputs": {
                argument: {
                    "input": name,
                    "fingerprint": inputs[name].fingerprint if name in inputs else "",
                    "files": [f["path"] for f in inputs[name].files] if name in inputs else [],
                }
                for argument, name in self.inputs.items()
            },
            "notes": self.notes,
        }
        if self.result is not None and self.ok:
            meta = self.result.metadata
            out["rows"] = _jsonable(meta.get("rows", {}))
            out["rows_accounted"] = bool(self.result.rows_accounted())
            out["exclusions"] = _jsonable(
                self.result.exclusions.astype(object)
                .where(self.result.exclusions.notna(), None)
                .to_dict(orient="records")
            )
            out["cells"] = len(self.result.data)
            out["unit"] = self.result.unit
            out["method"] = meta.get("method", "")
            flags = self.result.data.get("flag", pd.Series(dtype="object")).fillna("").astype(str)
            counts: dict[str, int] = {}
            for cell in flags:
                for code in cell.split(";"):
                    if code:
                        counts[code] = counts.get(code, 0) + 1
            out["flags"] = counts
        return out


@dataclass
class RunSummary:
    """What :func:`run` did; :attr:`~RunSummary.exit_code` is 1 when anything failed."""

    spec: RunSpec
    out_dir: Path
    inputs: dict[str, InputRecord] = field(default_factory=dict)
    outcomes: list[IndicatorOutcome] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    started: str = ""
    seconds: float = 0.0

    @property
    def failed(self) -> list[IndicatorOutcome]:
        """The indicators that failed."""
        return [o for o in self.outcomes if not o.ok]

    @property
    def results(self) -> list[Result]:
        """The results computed (and protected, when asked)."""
        return [o.result for o in self.outcomes if o.ok and o.result is not None]

    @property
    def ok(self) -> bool:
        """True when every indicator computed and every file was written."""
        return not self.failed and not self.errors

    @property
    def exit_code(self) -> int:
        """0 when everything worked, 1 when anything failed."""
        return 0 if self.ok else 1

    @property
    def report(self) -> Path | None:
        """The report's index page, when written."""
        return next((f for f in self.files if f.name == "index.html"), None)

    @property
    def log(self) -> Path:
        """The machine-readable run log."""
        return self.out_dir / "run-log.json"

    def to_dict(self) -> dict[str, Any]:
        """The run log (also written as ``run-log.json``)."""
        spec = self.spec
        return {
            "migindicators": __version__,
            "spec": spec.source,
            "spec_sha256": hashlib.sha256(spec.text.encode()).hexdigest(),
            "publication": _jsonable(spec.publication.__dict__),
            "synthetic": spec.synthetic,
            "started": self.started,
            "seconds": round(self.seconds, 3),
            "ok": self.ok,
            "exit_code": self.exit_code,
            "quality": {
                "profile": spec.quality.profile,
                "parameters": _jsonable(dict(spec.quality.parameters)),
                "rules": _jsonable(dict(spec.quality.rules)),
            },
            "disclosure": None
            if spec.disclosure is None
            else {
                "method": spec.disclosure.method,
                "rules": _jsonable(dict(spec.disclosure.rules)),
                "parameters": _jsonable(dict(spec.disclosure.parameters)),
                "indicators": list(spec.disclosure.indicators),
            },
            "inputs": {name: rec.to_dict() for name, rec in self.inputs.items()},
            "indicators": [o.to_dict(self.inputs) for o in self.outcomes],
            "files": [_relative(f, self.out_dir) for f in self.files],
            "notes": self.notes,
            "errors": self.errors,
        }

    def lines(self) -> list[str]:
        """A short account for the terminal."""
        done = len(self.outcomes) - len(self.failed)
        out = [f"run: {done} of {len(self.outcomes)} indicator(s) computed in {self.seconds:.1f} s"]
        for name, rec in self.inputs.items():
            if rec.error:
                out.append(f"  INPUT FAILED {name}: {rec.error}")
        for outcome in self.failed:
            out.append(f"  FAILED {outcome.job.key} ({outcome.job.id}): {outcome.error}")
        out.extend(f"  ERROR {e}" for e in self.errors)
        out.extend(f"  note: {n}" for n in self.notes)
        out.append(f"  run log {self.log}")
        if self.report is not None:
            out.append(f"  open {self.report}")
        return out


@dataclass
class CheckReport:
    """What :func:`check` found: inputs read and validated, problems."""

    spec: RunSpec
    inputs: dict[str, InputRecord] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    def lines(self) -> list[str]:
        """A short account for the terminal."""
        out = [
            f"{self.spec.source}: {len(self.spec.indicators)} indicator(s), "
            f"{len(self.spec.inputs)} input(s)"
        ]
        for name, rec in self.inputs.items():
            status = f"FAILED: {rec.error}" if rec.error else f"{rec.rows} rows, {rec.fingerprint}"
            out.append(f"  input {name} ({rec.reader}, {rec.location}): {status}")
        out.extend(f"  PROBLEM {p}" for p in self.problems)
        out.append(
            "spec OK: every input exists and meets its schema"
            if self.ok
            else f"{len(self.problems)} problem(s)"
        )
        return out


# ------------------------------------------------------------------------- helpers


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if value is pd.NA or value is pd.NaT:
        return None
    return repr(value) if not hasattr(value, "isoformat") else value.isoformat()


def _relative(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return str(path)


def _file_record(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    stat = path.stat()
    return {
        "path": str(path),
        "sha256": digest.hexdigest(),
        "bytes": stat.st_size,
        "modified": datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds"),
    }


def _code_key(value: Any) -> str:
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def apply_mapping(frame: pd.DataFrame, mapping: MappingSpec) -> tuple[pd.DataFrame, list[str]]:
    """Rename, recode and complete *frame* by *mapping*; return it and notes of what changed.

    Source codes missing from a ``codes`` table become missing values (the indicator then
    counts those rows as unknown), and the note says how many rows that touched.
    """
    notes: list[str] = []
    if mapping.empty:
        return frame, notes
    if mapping.preset == "ipums_international":
        from migindicators.io.mapping import ipums_international

        frame = ipums_international().apply(frame)
        notes.append("variable mapping: IPUMS-International preset")
    if mapping.columns:
        absent = [c for c in mapping.columns if c not in frame.columns]
        if absent:
            raise MigIndicatorsError(
                f"mapping: source column(s) {absent} are not in the table; it has "
                f"{list(frame.columns)[:30]}"
            )
        keep = [c for c in frame.columns if c not in mapping.columns]
        keep = [c for c in keep if c in mapping.keep or c not in mapping.columns.values()]
        frame = frame[[*mapping.columns, *keep]].rename(columns=dict(mapping.columns))
        notes.append(
            "variable mapping: " + ", ".join(f"{s} → {t}" for s, t in mapping.columns.items())
        )
    frame = frame.copy()
    for column, table in mapping.codes.items():
        if column not in frame.columns:
            raise MigIndicatorsError(
                f"mapping.codes.{column}: no column {column!r} after renaming; columns are "
                f"{list(frame.columns)[:30]}"
            )
        lookup = {str(k): v for k, v in table.items()}
        keys = frame[column].map(_code_key)
        mapped = keys.map(lookup)
        unmapped = mapped.isna() & frame[column].notna()
        if bool(unmapped.any()):
            values = sorted(set(keys[unmapped]))[:8]
            notes.append(
                f"mapping.codes.{column}: {int(unmapped.sum())} row(s) with code(s) {values} "
                "not in the table were set missing"
            )
        frame[column] = mapped.astype("object").where(mapped.notna(), None)
    for column, value in mapping.constants.items():
        if column in frame.columns:
            raise MigIndicatorsError(
                f"mapping.constants.{column}: the table already has a column {column!r}"
            )
        frame[column] = value
    return frame, notes


def _files_of(spec_input: InputSpec, base: Path) -> list[Path]:
    if spec_input.path is not None:
        return [spec_input.path]
    pattern = spec_input.glob
    full = pattern if Path(pattern).is_absolute() else str(base / pattern)
    found = sorted(Path(p) for p in globbing.glob(full, recursive=True))
    if not found:
        raise MigIndicatorsError(f"glob {pattern!r} (in {base}) matches no file")
    return found


def _kinds_needed(spec: RunSpec) -> dict[str, list[str]]:
    """Input name → the input kinds the indicators read it as."""
    out: dict[str, list[str]] = {}
    for job in spec.indicators:
        entry = registry[job.id]
        by_arg = {i.name: i.kind for i in entry.inputs}
        for argument, name in job.inputs.items():
            kind = by_arg.get(argument, "")
            if kind and kind not in out.setdefault(name, []):
                out[name].append(kind)
    for name, spec_input in spec.inputs.items():
        if spec_input.kind:
            out[name] = [spec_input.kind]
    return out


def _resolve_options(spec: RunSpec, options: Mapping[str, Any]) -> dict[str, Any]:
    # Reader options that are paths (a DDI codebook) are relative to the spec's folder.
    out = dict(options)
    if "ddi" in out and not Path(str(out["ddi"])).is_absolute():
        out["ddi"] = str(spec.base_dir / str(out["ddi"]))
    return out


def load_input(spec: RunSpec, name: str, kind: str = "") -> tuple[pd.DataFrame, InputRecord]:
    """Read input *name* of *spec* (as input kind *kind*), map it, and describe what was read."""
    spec_input = spec.inputs[name]
    record = InputRecord(
        name=name,
        location=spec_input.location,
        reader=spec_input.reader or "dataset",
        source=spec_input.source,
        description=spec_input.description,
        synthetic=bool(spec_input.dataset),
    )
    start = time.perf_counter()
    try:
        if spec_input.dataset:
            from migindicators import datasets

            loaded = datasets.load(spec_input.dataset)
            if isinstance(loaded, dict):
                table = spec_input.table or name
                if table not in loaded:
                    raise MigIndicatorsError(
                        f"bundled dataset {spec_input.dataset!r} has no table {table!r}; it has "
                        f"{sorted(loaded)} (give table = ...)"
                    )
                frame = loaded[table]
            else:
                frame = loaded
            meta = datasets.info(spec_input.dataset)
            record.notes.append(f"bundled synthetic dataset: {meta.source}")
            record.files.append({"path": f"migindicators:datasets/{spec_input.dataset}"})
        else:
            files = _files_of(spec_input, spec.base_dir)
            frames = []
            for path in files:
                part, note = run_reader(
                    spec_input.reader,
                    path,
                    _resolve_options(
                        spec,
                        {
                            **spec_input.options,
                            **({"table": spec_input.table} if spec_input.table else {}),
                        },
                    ),
                    kind,
                )
                frames.append(part)
                record.files.append(_file_record(path))
                if note and note not in record.notes:
                    record.notes.append(note)
            frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
            if len(frames) > 1:
                record.notes.append(f"{len(frames)} files stacked")
        frame, notes = apply_mapping(frame, spec_input.mapping)
        record.notes.extend(notes)
        record.rows = len(frame)
        record.columns = [str(c) for c in frame.columns]
        record.fingerprint = fingerprint(frame)
    finally:
        record.seconds = time.perf_counter() - start
    return frame, record


def _inputs_by_kind(spec: RunSpec) -> list[tuple[str, str]]:
    """(input name, kind) pairs to read; one per distinct view a reader gives."""
    pairs: list[tuple[str, str]] = []
    kinds = _kinds_needed(spec)
    for name in spec.inputs:
        for kind in kinds.get(name, [""]):
            pairs.append((name, kind))
    return pairs


def _view_key(spec: RunSpec, name: str, kind: str) -> str:
    # Readers that give different views per kind (uis, desa) are read once per kind.
    reader = spec.inputs[name].reader
    return f"{name}#{kind}" if reader in {"uis", "desa"} and not spec.inputs[name].table else name


# ------------------------------------------------------------------------------ check


def check(spec: RunSpec | str | Path) -> CheckReport:
    """Validate *spec* and its inputs without computing.

    Every input is found, read with its reader, mapped, and validated against the input kind
    each indicator reads it as (or the kind the spec gives). Problems are collected, not
    raised, so that one run of ``--check`` lists them all.
    """
    spec = spec if isinstance(spec, RunSpec) else load_spec(spec)
    report = CheckReport(spec=spec)
    from migindicators import schemas

    for name, kind in _inputs_by_kind(spec):
        key = _view_key(spec, name, kind)
        try:
            frame, record = load_input(spec, name, kind)
        except Exception as exc:  # collect every problem, not the first
            report.inputs[key] = InputRecord(
                name=name,
                location=spec.inputs[name].location,
                reader=spec.inputs[name].reader,
                error=error_text(exc),
            )
            report.problems.append(f"input {name}: {error_text(exc)}")
            continue
        report.inputs[key] = record
        if kind and kind != "any":
            try:
                schemas.get(kind).validate(_as_indicators_read(frame, kind), input_name=name)
            except Exception as exc:
                report.problems.append(f"input {name} as {kind}: {error_text(exc)}")

    for job in spec.indicators:
        kinds = {i.name: i.kind for i in registry[job.id].inputs}
        columns: set[str] = set()
        for argument, name in job.inputs.items():
            found = report.inputs.get(_view_key(spec, name, kinds.get(argument, "")))
            columns.update(found.columns if found is not None else [])
        unknown = [c for c in job.by if c not in columns and c not in _DERIVED]
        if unknown and columns:
            report.problems.append(
                f"indicator {job.key}: by={list(job.by)}: column(s) {unknown} are in none of "
                f"its inputs {sorted(set(job.inputs.values()))}"
            )
    report.problems.extend(_capability_problems(spec))
    return report


# Breakdowns indicators derive themselves rather than read from a column.
_DERIVED = frozenset({"age_group", "migratory_status", "ref_area", "time_period"})


def _as_indicators_read(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """A published table as the stock indicators validate it (aggregates and ".." set aside).

    The indicators that take ``migrant_stock_table`` and ``population`` tables count the
    rows of a published table that are no area value (DESA's own aggregates, ".." cells)
    as exclusions before validating; ``--check`` validates the same rows.
    """
    if kind not in {"migrant_stock_table", "population"}:
        return frame
    from migindicators.core.ledger import RowLedger
    from migindicators.stock.desa import published_rows

    value = "migrant_stock" if kind == "migrant_stock_table" else "population"
    ledger = RowLedger()
    ledger.given("input", frame)
    return published_rows(frame, ledger, "input", value)


def _capability_problems(spec: RunSpec) -> list[str]:
    problems = []
    if spec.quality.profile and not _profiles_available():
        problems.append(
            f"quality.profile = {spec.quality.profile!r}: this version of migindicators has no "
            "named quality profiles yet (they come with the quality-profiles release); remove "
            "the profile or use rules"
        )
    if spec.disclosure is not None and _protect() is None:
        problems.append(
            "[disclosure]: this version of migindicators has no migindicators.disclosure."
            "protect yet; the results it should protect would not be published"
        )
    return problems


def _profiles_available() -> bool:
    from migindicators.core import quality

    names = getattr(quality, "PROFILES", None) or getattr(quality, "QUALITY_PROFILES", None)
    return names is not None


def _protect() -> Any:
    try:
        module = __import__("migindicators.disclosure", fromlist=["protect"])
    except ImportError:
        return None
    return getattr(module, "protect", None)


# -------------------------------------------------------------------------------- run


class _Progress:
    """tqdm on an interactive terminal when installed, else nothing."""

    def __init__(self, total: int, enabled: bool) -> None:
        self._bar: Any = None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                return
            self._bar = tqdm(total=total, desc="run", unit="indicator", file=sys.stderr)

    def step(self, label: str) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(label[:40])
            self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _accepts(indicator: str, name: str) -> bool:
    entry = registry[indicator]
    if any(o.name == name for o in entry.options):
        return True
    try:
        return name in inspect.signature(entry.function).parameters
    except (TypeError, ValueError):
        return False


def _compute(
    spec: RunSpec,
    job: IndicatorJob,
    frames: Mapping[str, pd.DataFrame],
    summary: RunSummary,
    outcome: IndicatorOutcome,
) -> Result:
    entry = registry[job.id]
    kinds = {i.name: i.kind for i in entry.inputs}
    kwargs: dict[str, Any] = {}
    for argument, name in job.inputs.items():
        key = _view_key(spec, name, kinds.get(argument, ""))
        outcome.inputs[argument] = key
    for argument, key in outcome.inputs.items():
        record = summary.inputs.get(key)
        if record is not None and record.error:
            raise MigIndicatorsError(f"input {record.name!r} could not be read: {record.error}")
        kwargs[argument] = frames[key]
    kwargs.update(job.options)
    if job.by:
        kwargs["by"] = list(job.by)
    quality = spec.quality.argument()
    if quality is not None and job.quality and _accepts(job.id, "quality"):
        if spec.quality.profile and not _profiles_available():
            quality = {k: dict(v) for k, v in spec.quality.rules.items()} or None
            outcome.notes.append(
                f"quality profile {spec.quality.profile!r} not applied: not in this version"
            )
        if quality is not None and "quality" not in job.options:
            kwargs["quality"] = quality
            outcome.quality = quality
    return entry.compute(**kwargs)


def _disclose(spec: RunSpec, outcome: IndicatorOutcome) -> None:
    if spec.disclosure is None or not outcome.job.disclosure or outcome.result is None:
        return
    if not spec.disclosure.applies_to(outcome.job.id):
        return
    protect = _protect()
    if protect is None:
        outcome.error = (
            "disclosure control was asked for ([disclosure]) but this version of migindicators "
            "has no migindicators.disclosure.protect: the result is not published"
        )
        return
    rules = {k: dict(v) for k, v in spec.disclosure.rules.items()} or None
    outcome.result = protect(
        outcome.result, method=spec.disclosure.method, rules=rules, **spec.disclosure.parameters
    )
    cells = outcome.result.metadata.get("disclosure", {}).get("cells_withheld")
    outcome.disclosure = {
        "method": spec.disclosure.method,
        "rules": rules,
        "parameters": dict(spec.disclosure.parameters),
        "cells_withheld": _jsonable(cells),
    }


def run(
    spec: RunSpec | str | Path,
    *,
    out: str | Path | None = None,
    progress: bool | None = None,
) -> RunSummary:
    """Compute every indicator of *spec* and write every output; return a summary.

    Parameters
    ----------
    spec : ~migindicators.publish.run.spec.RunSpec, str or Path
        A spec (:func:`~migindicators.publish.run.spec.load_spec`) or the path of its TOML.
    out : str or Path, optional
        Output folder; default ``outputs.dir`` of the spec (relative to the spec's folder).
    progress : bool, optional
        A progress bar on standard error; default: only when it is a terminal.

    Returns
    -------
    RunSummary
        Inputs read (with fingerprints), each indicator's outcome, files written, notes,
        errors and :attr:`~RunSummary.exit_code`. ``run-log.json`` in the output folder holds
        the same account.

    Examples
    --------
    >>> import migindicators as mi  # doctest: +SKIP
    >>> summary = mi.run("datasets/example_run.toml", out="publication")  # doctest: +SKIP
    >>> summary.exit_code, summary.report  # doctest: +SKIP
    (0, PosixPath('publication/index.html'))
    """
    spec = spec if isinstance(spec, RunSpec) else load_spec(spec)
    start = time.perf_counter()
    out_dir = Path(out) if out is not None else spec.outputs.dir
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = RunSummary(
        spec=spec, out_dir=out_dir, started=datetime.now(UTC).isoformat(timespec="seconds")
    )
    summary.errors.extend(_capability_problems(spec))
    enabled = sys.stderr.isatty() if progress is None else progress
    bar = _Progress(len(spec.inputs) + len(spec.indicators), enabled)
    frames: dict[str, pd.DataFrame] = {}
    try:
        used = {n for job in spec.indicators for n in job.inputs.values()}
        for name, kind in _inputs_by_kind(spec):
            key = _view_key(spec, name, kind)
            if name not in used or key in summary.inputs:
                continue
            try:
                frames[key], summary.inputs[key] = load_input(spec, name, kind)
            except Exception as exc:  # the indicators that need it fail; the others go on
                summary.inputs[key] = InputRecord(
                    name=name,
                    location=spec.inputs[name].location,
                    reader=spec.inputs[name].reader,
                    error=error_text(exc),
                    source=spec.inputs[name].source,
                )
            bar.step(f"read {name}")
        unused = sorted(set(spec.inputs) - used)
        if unused:
            summary.notes.append(f"input(s) declared but used by no indicator: {unused}")
        for job in spec.indicators:
            outcome = IndicatorOutcome(job=job)
            t0 = time.perf_counter()
            try:
                outcome.result = _compute(spec, job, frames, summary, outcome)
                _disclose(spec, outcome)
            except Exception as exc:  # one indicator failing must not stop the others
                outcome.error = error_text(exc)
            outcome.seconds = time.perf_counter() - t0
            summary.outcomes.append(outcome)
            bar.step(f"{job.key} ({'ok' if outcome.ok else 'FAILED'})")
    finally:
        bar.close()
    from migindicators.publish.run.outputs import write_outputs

    write_outputs(summary)
    summary.seconds = time.perf_counter() - start
    log = summary.log
    log.write_text(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False) + "\n", "utf-8")
    summary.files.append(log)
    return summary
