#!/usr/bin/env python3
"""Run a development session on a fresh machine: ``python3 dev.py <session> [-- args]``.

A fresh machine has only Python and pip. This script (standard library only) makes a private
virtual environment holding nox, then runs ``nox -s <session>``; nox builds each session's own
environment from ``pyproject.toml``. Sessions: tests, tests_slow, lint, typecheck, docs, demo,
bench (see ``noxfile.py``).

Every session runs on the Python that runs this script, when it is 3.11 or newer; an older
Python looks for a newer one on ``PATH`` (``python3.13``, ``python3.12``, ``python3.11``) and
hands over to it. Each Python version has its own nox environment (``.venv-nox/py3.X``) and
its own session environments (``.nox/py3.X``), so ``python3.11 dev.py tests`` and
``python3.12 dev.py tests`` never share one. A session that nox would skip (an interpreter it
cannot find) is an error here, never a silent success.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
NOX_REQUIREMENT = "nox>=2024.10"
MINIMUM = (3, 11)
NEWER_FIRST = ("python3.13", "python3.12", "python3.11")


def _tag() -> str:
    return f"py{sys.version_info.major}.{sys.version_info.minor}"


def _nox_python(nox_venv: Path) -> Path:
    return nox_venv / ("Scripts" if sys.platform == "win32" else "bin") / "python"


def _runs(python: str) -> bool:
    """True when *python* starts (a pyenv shim of an inactive version is on PATH but fails)."""
    probe = subprocess.run([python, "-c", "pass"], capture_output=True, check=False)
    return probe.returncode == 0


def _hand_over(argv: list[str]) -> int:
    """On a Python older than 3.11, re-run this script with the newest 3.11+ on PATH."""
    for name in NEWER_FIRST:
        found = shutil.which(name)
        if found and _runs(found):
            print(
                f"dev.py: Python {sys.version.split()[0]} is too old; using {found}",
                file=sys.stderr,
            )
            return subprocess.run([found, __file__, *argv], check=False).returncode
    print(
        f"dev.py: migindicators needs Python >= 3.11; this is {sys.version.split()[0]} and no "
        f"{', '.join(NEWER_FIRST)} is on PATH. Install Python 3.11 or newer and run it.",
        file=sys.stderr,
    )
    return 1


def ensure_nox() -> Path:
    """Create ``.venv-nox/py3.X`` with nox in it unless it is already there."""
    nox_venv = ROOT / ".venv-nox" / _tag()
    python = _nox_python(nox_venv)
    if python.exists():
        probe = subprocess.run([str(python), "-c", "import nox"], capture_output=True, check=False)
        if probe.returncode == 0:
            return python
    print(
        f"dev.py: installing {NOX_REQUIREMENT} into {nox_venv.relative_to(ROOT)}/", file=sys.stderr
    )
    venv.EnvBuilder(with_pip=True, clear=True).create(nox_venv)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", NOX_REQUIREMENT], check=True)
    return python


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 0 if argv else 2
    if sys.version_info < MINIMUM:
        return _hand_over(argv)
    session, rest = argv[0], argv[1:]
    python = ensure_nox()
    command = [
        str(python),
        "-m",
        "nox",
        "-f",
        str(ROOT / "noxfile.py"),
        "--envdir",
        str(ROOT / ".nox" / _tag()),
        "--error-on-missing-interpreters",
        "-s",
        session,
        *rest,
    ]
    env = {**os.environ, "MIGI_DEV_PYTHON": sys.executable}
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
