"""Development sessions: ``nox -s tests|tests_slow|lint|typecheck|docs|demo|bench``.

On a fresh machine, ``python3 dev.py <session>`` installs nox into ``.venv-nox`` first and
then runs the session (the README's quick start uses it).
"""

from __future__ import annotations

import os
import pathlib
import re

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_venv = "yes"

# Sessions run on the interpreter that runs nox (``dev.py`` starts nox with the Python that runs
# it, 3.11 or newer), so a machine with only Python 3.12 or 3.13 works as well as one with 3.11.
PYTHON = None
# Every optional engine the test suite exercises (Excel, Parquet, Stata/SPSS, Dask, charts,
# SDMX, progress bars); tests of a missing engine skip with a reason.
TEST_EXTRAS = ".[test,all]"
# The M49 source that tools/build_code_lists.py reads (tests/test_code_lists.py checks the
# shipped tables against it): only its data file is used, so not its Django dependencies.
CODE_LIST_SOURCES = ("django-countries-hdx==3.0.3",)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The default test suite (everything but @slow), on 2 processes."""
    session.install("-e", TEST_EXTRAS)
    session.install("--no-deps", *CODE_LIST_SOURCES)
    workers = os.environ.get("MIGI_TEST_WORKERS", "2")
    session.run("pytest", "-n", workers, "-m", "not slow", "--durations=15", *session.posargs)


@nox.session(python=PYTHON)
def tests_slow(session: nox.Session) -> None:
    """The heavier tests (larger generated extracts, long property runs)."""
    session.install("-e", TEST_EXTRAS)
    session.run("pytest", "-m", "slow", "--durations=15", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff>=0.5")
    session.run(
        "ruff", "check", "src", "tests", "datasets", "benchmarks", "docs", "noxfile.py", "dev.py"
    )
    session.run(
        "ruff",
        "format",
        "--check",
        "src",
        "tests",
        "datasets",
        "benchmarks",
        "docs",
        "noxfile.py",
        "dev.py",
    )


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("-e", ".[all]", "mypy>=1.10", "pandas-stubs")
    session.run("mypy")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the Sphinx site: nitpicky, warnings are errors, no network needed.

    The catalogue comes from the registry, the API reference pages from autosummary (written
    under docs/reference/api/ at build time); intersphinx reads the committed inventories in
    docs/_inventories/ and MathJax is bundled. The built pages are then checked to load no
    script or stylesheet from another site.
    """
    session.install("-e", ".[docs,all]")
    session.run(
        "sphinx-build",
        "-E",
        "-W",
        "--keep-going",
        "-b",
        "html",
        "docs",
        DOCS_HTML,
        *session.posargs,
    )
    remote = remote_assets(DOCS_HTML)
    if remote:
        session.error("pages load from the network: " + "; ".join(remote[:10]))


DOCS_HTML = "docs/_build/html"
_REMOTE_ASSET = re.compile(
    r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=[\"'](?:https?:)?//[^\"']+", re.IGNORECASE
)


def remote_assets(html_dir: str) -> list[str]:
    """Scripts, stylesheets, images and frames the built pages fetch from another site.

    Links (``<a href>``) to other sites are fine; anything the browser loads by itself is not,
    as the docs must render offline (formulas included: MathJax is served from _static/).
    """
    found = []
    for page in sorted(pathlib.Path(html_dir).rglob("*.html")):
        for match in _REMOTE_ASSET.finditer(page.read_text(encoding="utf-8")):
            found.append(f"{page}: {match.group(0)[:120]}")
    return found


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The main job: ``migindicators run`` on the bundled example spec → demo-output/ (HTML
    report, CSV, SDMX-CSV 1.0/2.0, SDMX-ML, Open SDG, Excel, run-log.json) and a summary."""
    session.install("-e", ".[excel,charts,progress,parquet,sdmx]")
    out = session.posargs[0] if session.posargs else "demo-output"
    session.run("migindicators", "init", "--demo", out, "--force")
    session.run("migindicators", "run", f"{out}/migindicators-run.toml", "--out", out)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks: library vs a baseline measured in the same run; prints ratios."""
    # svy (PyPI, Rust core) is the baseline of benchmarks/bench_replicates.py only.
    session.install("-e", ".[all]", "duckdb>=1.0", "psutil", "svy")
    session.run("python", "benchmarks/run.py", *session.posargs)
