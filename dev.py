#!/usr/bin/env python3
"""Run a development session on a fresh machine: ``python3 dev.py <session> [-- args]``.

A fresh machine has only Python and pip. This script (standard library only) makes a private
virtual environment ``.venv-nox`` holding nox, then runs ``nox -s <session>``; nox builds each
session's own environment from ``pyproject.toml``. Sessions: tests, tests_slow, lint,
typecheck, docs, demo, bench (see ``noxfile.py``).
"""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
NOX_VENV = ROOT / ".venv-nox"
NOX_REQUIREMENT = "nox>=2024.10"


def _nox_python() -> Path:
    return NOX_VENV / ("Scripts" if sys.platform == "win32" else "bin") / "python"


def ensure_nox() -> Path:
    """Create ``.venv-nox`` with nox in it unless it is already there."""
    python = _nox_python()
    if python.exists():
        probe = subprocess.run([str(python), "-c", "import nox"], capture_output=True, check=False)
        if probe.returncode == 0:
            return python
    print(f"dev.py: installing {NOX_REQUIREMENT} into {NOX_VENV.name}/", file=sys.stderr)
    venv.EnvBuilder(with_pip=True, clear=True).create(NOX_VENV)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", NOX_REQUIREMENT], check=True)
    return python


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 0 if argv else 2
    session, rest = argv[0], argv[1:]
    python = ensure_nox()
    command = [str(python), "-m", "nox", "-f", str(ROOT / "noxfile.py"), "-s", session, *rest]
    return subprocess.run(command, cwd=ROOT, check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
