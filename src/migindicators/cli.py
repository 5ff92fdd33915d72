"""The ``migindicators`` command: list, describe, compute, validate, init, run, report, datasets.

Exit codes (one place, :func:`main`, maps errors to them, for every command):

* 0 success;
* 1 bad data or a file problem: an input fails its schema or holds values the indicator
  cannot use, a file is missing, unreadable, corrupt or not in the expected encoding, an
  output folder is read-only or its parent is a file (any
  :class:`~migindicators.core.errors.MigIndicatorsError` other than the usage errors below,
  and any :class:`OSError`);
* 2 bad usage: an unknown command, indicator, option or reader, or an option value of the
  wrong type (:class:`~migindicators.core.errors.OptionError`,
  :class:`~migindicators.core.errors.RegistryError`; misspelt names get suggestions).

Errors print one readable message, ``migindicators: error: …``, never a traceback; set the
environment variable ``MIGINDICATORS_TRACEBACK=1`` to see the traceback of an error.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

import pandas as pd

from migindicators import datasets as datasets_module
from migindicators import io as io_module
from migindicators._version import __version__
from migindicators.core.errors import MigIndicatorsError, OptionError, RegistryError
from migindicators.core.registry import AGENDA_POINTS, IndicatorSpec, registry
from migindicators.io.files import read_table, write_table

__all__ = ["main"]

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


class _UsageError(Exception):
    pass


def parse_value(text: str) -> Any:
    """Parse an option value: int, float, true/false, none, or a comma-separated list."""
    if "," in text:
        return [parse_value(part) for part in text.split(",") if part != ""]
    lowered = text.lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    if lowered in {"none", "null"}:
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _pairs(items: Sequence[str] | None, what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise _UsageError(f"{what} must be NAME=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def _spec_line(spec: IndicatorSpec) -> str:
    sdg = spec.sdg or "-"
    points = ",".join(map(str, spec.agenda_points))
    return f"{spec.id:42s} {sdg:8s} {points:6s} {spec.name}"


def cmd_list(args: argparse.Namespace) -> int:
    specs = list(registry.values())
    if args.agenda_point is not None:
        specs = [s for s in specs if args.agenda_point in s.agenda_points]
    if args.sdg:
        chosen = {s.id for s in registry.by_sdg(args.sdg)}
        specs = [s for s in specs if s.id in chosen]
    if args.search:
        chosen = {s.id for s in registry.search(args.search)}
        specs = [s for s in specs if s.id in chosen]
    if args.json:
        print(json.dumps([s.to_dict() for s in specs], indent=2))
        return EXIT_OK
    print(f"{'id':42s} {'SDG':8s} {'agenda':6s} name")
    for spec in specs:
        print(_spec_line(spec))
    print(
        f"\n{len(specs)} indicator(s). Agenda points: "
        + "; ".join(f"{k} {v}" for k, v in AGENDA_POINTS.items())
    )
    return EXIT_OK


def cmd_describe(args: argparse.Namespace) -> int:
    spec = registry[args.indicator]
    if args.json:
        print(json.dumps(spec.to_dict(), indent=2))
        return EXIT_OK
    wrap = textwrap.TextWrapper(width=96, initial_indent="  ", subsequent_indent="  ")
    print(f"{spec.id}: {spec.name}")
    print(
        f"  SDG {spec.sdg or '-'}   SDMX series {spec.sdmx_series or '-'}   unit {spec.unit}   "
        f"custodian {spec.custodian}   status {spec.status}"
    )
    print("  agenda points: " + "; ".join(f"{p} {AGENDA_POINTS[p]}" for p in spec.agenda_points))
    print("\nDefinition:\n" + wrap.fill(spec.definition))
    print("\nFormula:\n  " + spec.formula)
    print("\nAggregation:\n" + wrap.fill(spec.aggregation))
    print("\nInputs:")
    for inp in spec.inputs:
        print(
            f"  {inp.name} (kind {inp.kind}{'' if inp.required else ', optional'}): "
            f"{inp.description}"
        )
    print(f"\nDisaggregations (by=): {', '.join(spec.disaggregations) or 'none'}")
    if spec.options:
        print("\nOptions:")
        for opt in spec.options:
            choices = f" choices {list(opt.choices)}" if opt.choices else ""
            print(f"  {opt.name} = {opt.default!r}{choices}: {opt.description}")
    print("\nReferences:")
    for ref in spec.references:
        print(wrap.fill("- " + ref))
    return EXIT_OK


def _read_input(
    path: str, reader: str | None, kind: str = "", encoding: str | None = None
) -> pd.DataFrame:
    if reader is None:
        return read_table(path, encoding=encoding)
    run_readers = _publish_module("migindicators.publish.run.readers")
    if run_readers is not None and reader in run_readers.READERS:
        # the run's readers give the view of a custodian file an input kind needs
        # (``--reader students=uis`` gives mobile students, not the whole UIS export)
        from pathlib import Path

        read: pd.DataFrame = run_readers.run_reader(reader, Path(path), {}, kind)[0]
        return read
    func = getattr(io_module, f"read_{reader}", None)
    if func is None:
        readers = sorted(n.removeprefix("read_") for n in dir(io_module) if n.startswith("read_"))
        raise _UsageError(f"unknown reader {reader!r}; available: {readers}")
    frame: pd.DataFrame = func(path)
    return frame


def cmd_compute(args: argparse.Namespace) -> int:
    spec = registry[args.indicator]
    readers = _pairs(args.reader, "--reader")
    kinds = {i.name: i.kind for i in spec.inputs}
    inputs = {
        name: _read_input(path, readers.get(name), kinds.get(name, ""), args.encoding)
        for name, path in _pairs(args.input, "--input").items()
    }
    options = spec.options_from_text(_pairs(args.option, "--option"))
    if args.design:
        options["design"] = {k: parse_value(v) for k, v in _pairs(args.design, "--design").items()}
    by = [c for item in (args.by or []) for c in item.split(",") if c]
    kwargs: dict[str, Any] = {**inputs, **options}
    if by:
        kwargs["by"] = by
    result = spec.compute(**kwargs)
    if args.out:
        write_table(result.data, args.out, escape_formulas=args.escape_formulas)
        print(f"wrote {len(result.data)} rows to {args.out}", file=sys.stderr)
    else:
        print(result.data.to_csv(index=False), end="")
    if args.exclusions:
        write_table(result.exclusions, args.exclusions, escape_formulas=args.escape_formulas)
    for name, counts in result.metadata.get("rows", {}).items():
        print(
            f"{name}: {counts['given']} rows given, {counts['used']} used, "
            f"{counts['excluded']} excluded",
            file=sys.stderr,
        )
    for rec in result.exclusions.itertuples(index=False):
        print(f"  excluded from {rec.input}: {rec.rows} rows, {rec.reason}", file=sys.stderr)
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from migindicators import schemas

    kind = schemas.get(args.kind)
    if args.describe or args.file is None:
        print(f"{kind.name}: {kind.description}\n")
        print(kind.describe().to_string(index=False))
        return EXIT_OK
    frame = _read_input(args.file, args.reader, args.encoding)
    kind.validate(frame, input_name=args.file)
    print(f"{args.file}: {len(frame)} rows valid as input kind {kind.name!r}")
    return EXIT_OK


def cmd_datasets(args: argparse.Namespace) -> int:
    for name in datasets_module.list():
        meta = datasets_module.info(name)
        print(f"{name:32s} {meta.description}")
        if args.write:
            loaded = datasets_module.load(name)
            frames = loaded if isinstance(loaded, dict) else {name: loaded}
            for key, frame in frames.items():
                path = write_table(frame, f"{args.write}/{name}__{key}.csv")
                print(f"  wrote {path}")
    return EXIT_OK


def _report_module() -> Any:
    """The publishing layer's report command, imported lazily (it pulls optional engines)."""
    try:
        return importlib.import_module("migindicators.publish.report")
    except ModuleNotFoundError as exc:
        if exc.name is not None and exc.name.startswith("migindicators"):
            return None
        raise


def _add_run_commands(sub: Any) -> None:
    """``init`` and ``run`` (the publication run), from the publishing layer, imported lazily."""
    module = _publish_module("migindicators.publish.run.commands")
    if module is not None:
        module.add_parsers(sub)


def _publish_module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and exc.name.startswith("migindicators"):
            return None
        raise


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="migindicators",
        description="Compute international-migration indicators (SDG 10.7, 10.c, 17.3, …) "
        "from validated tables.",
        epilog="Exit codes: 0 ok; 1 bad data or a file that cannot be read or written; "
        "2 bad usage (unknown command, indicator, option or option value). Errors print one "
        "message, no traceback (MIGINDICATORS_TRACEBACK=1 shows it).",
    )
    parser.add_argument("--version", action="version", version=f"migindicators {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("list", help="list the indicators in the registry")
    p.add_argument(
        "--agenda-point",
        type=int,
        choices=range(1, 9),
        metavar="N",
        help="only indicators of agenda point N (1-8)",
    )
    p.add_argument("--sdg", help="only indicators of this SDG indicator or target (e.g. 10.7)")
    p.add_argument("--search", help="only indicators whose text contains this")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("describe", help="show an indicator's definition, inputs and options")
    p.add_argument("indicator", help="registry id, e.g. refugees_per_100k")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_describe)

    p = sub.add_parser(
        "compute",
        help="compute an indicator from input files",
        description="Example: migindicators compute refugees_per_100k "
        "--input refugees=r.csv --input population=p.csv "
        "--by sex --out out.csv",
    )
    p.add_argument("indicator", help="registry id")
    p.add_argument(
        "--input",
        action="append",
        metavar="NAME=PATH",
        help="an input file (CSV, Parquet, Excel, Stata, SPSS); repeat per input",
    )
    p.add_argument(
        "--reader",
        action="append",
        metavar="NAME=READER",
        help="read input NAME with migindicators.io.read_READER (e.g. prices=rpw)",
    )
    p.add_argument(
        "--by",
        action="append",
        metavar="COLUMN",
        help="disaggregation column(s); repeat or comma-separate",
    )
    p.add_argument(
        "--option",
        action="append",
        metavar="KEY=VALUE",
        help="an indicator option (see `describe`); lists comma-separated",
    )
    p.add_argument(
        "--design",
        action="append",
        metavar="KEY=VALUE",
        help="survey design argument (weight=, strata=, psu=, …)",
    )
    p.add_argument(
        "--out",
        help="output file; format from the extension (.csv, .parquet, "
        ".xlsx); default: CSV on standard output",
    )
    p.add_argument("--exclusions", help="also write the exclusions table to this file")
    p.add_argument(
        "--encoding",
        help="text encoding of CSV inputs (default UTF-8; e.g. latin-1, cp1252); the "
        "delimiter (comma, semicolon, tab, bar) is detected",
    )
    p.add_argument(
        "--escape-formulas",
        action="store_true",
        help="in CSV output, put an apostrophe before text a spreadsheet would run as a "
        "formula (leading = + - @ tab CR); .xlsx output is always escaped",
    )
    p.set_defaults(func=cmd_compute)

    p = sub.add_parser("validate", help="check a file against an input kind's schema")
    p.add_argument("kind", help="input kind, e.g. population")
    p.add_argument("file", nargs="?", help="the file to check")
    p.add_argument("--reader", help="read the file with migindicators.io.read_READER")
    p.add_argument("--describe", action="store_true", help="print the kind's columns")
    p.add_argument("--encoding", help="text encoding of a CSV file (default UTF-8)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("datasets", help="list the bundled demo datasets")
    p.add_argument("--write", metavar="DIR", help="also write them as CSV files to DIR")
    p.set_defaults(func=cmd_datasets)

    _add_run_commands(sub)

    report = _report_module()
    if report is not None:
        p = sub.add_parser(
            "report",
            help="compute every indicator with inputs (by default the bundled datasets) "
            "and write an HTML report",
        )
        report.add_arguments(p)
        p.set_defaults(func=report.run)
    return parser


def exit_code(exc: BaseException) -> int:
    """The exit code of an error (see the module notes): 2 for bad usage, 1 otherwise."""
    if isinstance(exc, (_UsageError, OptionError, RegistryError)):
        return EXIT_USAGE
    return EXIT_DATA


def _message(exc: BaseException) -> str:
    if isinstance(exc, (MigIndicatorsError, _UsageError)):
        return str(exc)
    if isinstance(exc, OSError):
        # e.g. PermissionError from a reader: say which file and what the system said
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}"
    # An error the library did not classify (a reader's or engine's own): still no traceback,
    # but say what it was.
    return f"{type(exc).__name__}: {exc}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    The one place where errors become exit codes, for every command (see the module notes):
    the library's own errors and operating-system errors print one message and return 1
    (bad data, file problems) or 2 (bad usage); argparse's usage errors exit 2.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        return code
    except BrokenPipeError:  # e.g. `migindicators list | head`
        sys.stderr.close()
        return EXIT_OK
    except (MigIndicatorsError, _UsageError, OSError, ValueError, KeyError, TypeError) as exc:
        if os.environ.get("MIGINDICATORS_TRACEBACK"):
            raise
        print(f"migindicators: error: {_message(exc)}", file=sys.stderr)
        return exit_code(exc)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
