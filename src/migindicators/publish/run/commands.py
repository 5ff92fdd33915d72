"""The ``init`` and ``run`` subcommands of ``migindicators`` (added by :mod:`migindicators.cli`).

Exit codes: ``0`` everything computed and written (``--check``: spec and inputs valid);
``1`` something failed (an indicator, an input, a writer; ``--check``: a problem found);
``2`` the spec itself is invalid or the arguments are wrong (raised as
:class:`~migindicators.publish.run.spec.SpecError`, an ``OptionError``, for the command
line's error handling).
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_parsers", "cmd_init", "cmd_run"]


def cmd_init(args: argparse.Namespace) -> int:
    """Write the bundled example spec (``--demo``) or a starter spec for ``--indicators``."""
    from migindicators.publish.run.spec import SpecError
    from migindicators.publish.run.starter import write_demo, write_starter

    if args.demo == bool(args.indicators):
        raise SpecError("init: give either --demo or --indicators ID,... (not both, not neither)")
    if args.demo:
        path = write_demo(args.directory, force=args.force)
        print(f"wrote {path} (every demo indicator on the bundled synthetic datasets)")
    else:
        ids = [i.strip() for i in args.indicators.split(",") if i.strip()]
        path = write_starter(args.directory, ids, force=args.force)
        print(f"wrote {path}: fill in the input paths, then `migindicators run --check {path}`")
    print(f"next: migindicators run {path}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Check (``--check``) or carry out a run specification."""
    from migindicators.publish.run.execute import check, run
    from migindicators.publish.run.spec import SpecError, load_spec

    spec = load_spec(args.spec)
    if args.check:
        report = check(spec)
        for line in report.lines():
            print(line)
        return 0 if report.ok else 1
    progress = False if args.no_progress else None
    try:
        summary = run(spec, out=args.out, progress=progress)
    except OSError as exc:  # the output folder cannot be made or written
        raise SpecError(f"cannot write the outputs: {exc}") from None
    for line in summary.lines():
        print(line, file=sys.stdout)
    return summary.exit_code


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``init`` and ``run`` to the command line's subparsers."""
    p = sub.add_parser(
        "init",
        help="write a run specification: the bundled example (--demo) or a starter",
        description="Examples: migindicators init --demo demo/ ; migindicators init "
        "mypub/ --indicators migrant_stock,refugees_per_100k",
    )
    p.add_argument("directory", metavar="DIR", help="folder to write migindicators-run.toml into")
    p.add_argument("--demo", action="store_true", help="the bundled example spec")
    p.add_argument("--indicators", metavar="ID,...", help="a commented starter for these ids")
    p.add_argument("--force", action="store_true", help="replace an existing spec")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "run",
        help="compute and publish everything a run specification declares",
        description="Exit codes: 0 everything computed and written; 1 something failed "
        "(see the report and run-log.json); 2 the spec is invalid.",
    )
    p.add_argument("spec", metavar="SPEC", help="the run specification (TOML)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: outputs.dir of the spec)")
    p.add_argument(
        "--check",
        action="store_true",
        help="validate the spec and every input against its schema, without computing",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_run)
