"""The API reference (docs/reference/*.md) has a page for every public object.

"Public" is what the package exports: the ``__all__`` of every package, of every module a
public ``__all__`` exports (``migindicators.survey``, ``migindicators.publish.codes``, …),
and of the modules documented as public in the guides (the core infrastructure and the
census/survey file readers, listed in ``PUBLIC_MODULES``). A public object is in the
reference when an ``autosummary`` entry names it, under any of its public names (each object
gets one page). Also checked: every entry imports, and the committed intersphinx inventories
are what ``tools/build_inventories.py`` writes.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
import zlib
from pathlib import Path
from types import ModuleType

import pytest

import migindicators

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "reference"

#: Public modules that are not packages and not exported by a package's ``__all__``.
PUBLIC_MODULES = (
    "migindicators.io.ddi",
    "migindicators.io.files",
    "migindicators.io.fixed_width",
    "migindicators.io.mapping",
    "migindicators.io.stata",
    *(f"migindicators.core.{m.name}" for m in pkgutil.iter_modules(migindicators.core.__path__)),
)

_DIRECTIVE = re.compile(r"^\.\. (automodule|currentmodule|autosummary)::\s*(\S*)")


def public_namespaces() -> list[ModuleType]:
    """Every module whose ``__all__`` is public API."""
    found: dict[str, ModuleType] = {}
    for info in pkgutil.walk_packages(migindicators.__path__, "migindicators."):
        if info.ispkg and not info.name.rsplit(".", 1)[-1].startswith("_"):
            module = importlib.import_module(info.name)
            if hasattr(module, "__all__"):
                found[info.name] = module
    found["migindicators"] = migindicators
    for name in PUBLIC_MODULES:
        found[name] = importlib.import_module(name)
    # modules exported by a public __all__ (mi.survey, mi.publish.codes) are public too
    for module in list(found.values()):
        for name in module.__all__:
            value = getattr(module, name)
            if isinstance(value, ModuleType) and hasattr(value, "__all__"):
                found[value.__name__] = value
    return [found[name] for name in sorted(found)]


def reference_entries(text: str) -> tuple[list[str], set[str]]:
    """Full names listed in autosummary directives, and the modules given a page.

    Entries are relative to the current module (the last ``automodule`` or
    ``currentmodule``), as Sphinx reads them, unless written in full.
    """
    entries: list[str] = []
    modules: set[str] = set()
    current = ""
    in_summary = False
    for raw in text.splitlines():
        line = raw.strip()
        match = _DIRECTIVE.match(line)
        if match:
            kind, arg = match.groups()
            in_summary = kind == "autosummary"
            if kind in {"automodule", "currentmodule"}:
                current = arg
                if kind == "automodule":
                    modules.add(arg)
            continue
        if not in_summary or not line or line.startswith(":"):
            continue
        if line.startswith("```") or not raw.startswith("   "):
            in_summary = False
            continue
        name = line.lstrip("~")
        entries.append(name if name.startswith("migindicators.") else f"{current}.{name}")
    return entries, modules


def _resolve(name: str) -> object:
    module_name, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


def _is_shared(value: object) -> bool:
    """Whether an object's identity says which public name it is (not an interned scalar)."""
    return not isinstance(value, (str, int, float, bool, bytes, type(None)))


def _reference() -> tuple[list[str], set[str]]:
    entries: list[str] = []
    modules: set[str] = set()
    for page in sorted(REFERENCE.glob("*.md")):
        page_entries, page_modules = reference_entries(page.read_text())
        entries += page_entries
        modules |= page_modules
    return entries, modules


def missing_from_reference(entries: list[str], modules: set[str]) -> list[str]:
    """Public names whose object has no reference entry (modules: no automodule)."""
    listed = set(entries)
    listed_ids = {id(obj) for obj in map(_resolve, entries) if _is_shared(obj)}
    missing = []
    for namespace in public_namespaces():
        if namespace.__name__ not in modules:
            missing.append(namespace.__name__)
        for name in namespace.__all__:
            full = f"{namespace.__name__}.{name}"
            value = getattr(namespace, name)
            if isinstance(value, ModuleType):
                if value.__name__ not in modules:
                    missing.append(full)
            elif full not in listed and not (_is_shared(value) and id(value) in listed_ids):
                missing.append(full)
    return sorted(set(missing))


def test_every_public_object_has_a_reference_page() -> None:
    entries, modules = _reference()
    missing = missing_from_reference(entries, modules)
    assert not missing, (
        "public objects without an API reference entry (add them to an autosummary list in "
        f"docs/reference/*.md): {missing}"
    )


def test_the_issue_examples_are_in_the_reference() -> None:
    # issue 19 named these as missing from the old API page
    entries, _ = _reference()
    for name in (
        "migindicators.io.fixed_width.read_ipums",
        "migindicators.io.ddi.read_ddi",
        "migindicators.io.mapping.VariableMapping",
    ):
        assert name in entries


def test_a_new_public_function_without_a_page_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import migindicators.stock as stock

    def brand_new_indicator() -> None:
        """A new public function nobody added to the reference."""

    monkeypatch.setattr(stock, "brand_new_indicator", brand_new_indicator, raising=False)
    monkeypatch.setattr(stock, "__all__", [*stock.__all__, "brand_new_indicator"])
    entries, modules = _reference()
    assert missing_from_reference(entries, modules) == ["migindicators.stock.brand_new_indicator"]


def test_the_parser_reads_relative_and_full_entries() -> None:
    text = """
```{eval-rst}
.. automodule:: migindicators.stock
   :no-members:

.. autosummary::
   :toctree: api/

   migrant_stock
   migindicators.survey.Design
```
"""
    entries, modules = reference_entries(text)
    assert entries == ["migindicators.stock.migrant_stock", "migindicators.survey.Design"]
    assert modules == {"migindicators.stock"}


def test_every_entry_imports_and_has_one_page() -> None:
    entries, _ = _reference()
    for name in entries:
        _resolve(name)  # AttributeError names the stale entry
    shared = [id(obj) for obj in map(_resolve, entries) if inspect.isclass(obj) or callable(obj)]
    assert len(shared) == len(set(shared)), "an object is listed under two names"


def test_committed_inventories_are_current() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_inventories.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_inventories_parse_and_the_build_is_offline() -> None:
    # the objects.inv format: four header lines, then zlib-compressed
    # "name domain:role priority uri dispname" lines (read here without Sphinx, which the
    # test environment does not install)
    line = re.compile(r"^(\S.*?) (py|std):[a-z]+ -?\d+ \S+ \S.*$")
    for path in sorted((ROOT / "docs" / "_inventories").glob("*.inv")):
        head = path.read_bytes().split(b"\n", 4)
        assert head[0] == b"# Sphinx inventory version 2", path
        body = zlib.decompress(head[4]).decode().splitlines()
        assert body, path
        for entry in body:
            assert line.match(entry), (path, entry)
    conf = (ROOT / "docs" / "conf.py").read_text()
    # every intersphinx source is a committed file, never a download
    sources = re.findall(r'\("https://[^"]+",\s*"([^"]+)"\)', conf)
    assert len(sources) >= 5
    for source in sources:
        assert (ROOT / "docs" / source).is_file(), source
    # formulas render with the bundled MathJax, which the docs extra installs
    assert '"sphinx-mathjax-offline"' in conf
    pyproject = (ROOT / "pyproject.toml").read_text()
    docs_extra = pyproject.split("\ndocs = [", 1)[1].split("]", 1)[0]
    assert "sphinx-mathjax-offline" in docs_extra
