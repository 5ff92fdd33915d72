"""Write the Sphinx inventories the documentation links to, so the build needs no network.

Intersphinx normally downloads each project's ``objects.inv`` at build time; the machines
that build these docs reach only PyPI and Debian. This script writes small inventories,
``docs/_inventories/<project>.inv``, holding the outside names the docs refer to, each with
its address relative to the project's public documentation (the base addresses are in
``docs/conf.py``'s ``intersphinx_mapping``). The links in the built pages go to the public
sites; only the look-up is local.

Where the addresses come from:

* Python, pandas, pint: the projects' own inventories as shipped by Debian 12
  (``python3.11-doc``, ``python-pandas-doc``, ``python-pint-doc``), checked against the
  current documentation's page layout (pint's API moved from ``developers_reference.html``
  to ``api/base.html`` in 0.20);
* NumPy, pandera, Dask: the projects' page layout for generated API pages
  (``reference/generated/<name>.html``, ``generated/<name>.html``).

A name the docs start using that is missing here makes ``sphinx-build -W`` fail with
"reference target not found": add it to the table below and rerun the script.

Usage::

    python tools/build_inventories.py           # rewrite docs/_inventories/*.inv
    python tools/build_inventories.py --check   # exit 1 if a committed inventory differs

``--check`` compares the decompressed contents (zlib output may differ between zlib
versions); ``tests/test_docs_reference.py`` runs it.
"""

from __future__ import annotations

import argparse
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "_inventories"

HEADER = (
    "# Sphinx inventory version 2\n"
    "# Project: {project}\n"
    "# Version: {version}\n"
    "# The remainder of this file is compressed using zlib.\n"
)

_EXC = "library/exceptions.html#{0}"
_ABC = "library/collections.abc.html#collections.abc.{0}"

#: project key -> (project name, version, [(name, "domain:role", uri)]).
#: A uri ending in ``$`` stands for the name itself (inventory shorthand).
INVENTORIES: dict[str, tuple[str, str, list[tuple[str, str, str]]]] = {
    "python": (
        "Python",
        "3",
        [
            *(
                (name, "py:exception", _EXC.format(name))
                for name in (
                    "AttributeError",
                    "Exception",
                    "FileNotFoundError",
                    "ImportError",
                    "IndexError",
                    "KeyError",
                    "LookupError",
                    "NotImplementedError",
                    "OSError",
                    "RuntimeError",
                    "TypeError",
                    "ValueError",
                )
            ),
            ("bool", "py:class", "library/functions.html#bool"),
            ("bytes", "py:class", "library/stdtypes.html#bytes"),
            ("complex", "py:class", "library/functions.html#complex"),
            ("dict", "py:class", "library/stdtypes.html#dict"),
            ("float", "py:class", "library/functions.html#float"),
            ("frozenset", "py:class", "library/stdtypes.html#frozenset"),
            ("int", "py:class", "library/functions.html#int"),
            ("list", "py:class", "library/stdtypes.html#list"),
            ("object", "py:class", "library/functions.html#object"),
            ("range", "py:class", "library/stdtypes.html#range"),
            ("set", "py:class", "library/stdtypes.html#set"),
            ("slice", "py:class", "library/functions.html#slice"),
            ("str", "py:class", "library/stdtypes.html#str"),
            ("tuple", "py:class", "library/stdtypes.html#tuple"),
            *(
                (f"collections.abc.{name}", "py:class", _ABC.format(name))
                for name in (
                    "Callable",
                    "Collection",
                    "Generator",
                    "Hashable",
                    "Iterable",
                    "Iterator",
                    "Mapping",
                    "MutableMapping",
                    "Sequence",
                    "Set",
                )
            ),
            ("datetime.date", "py:class", "library/datetime.html#datetime.date"),
            ("datetime.datetime", "py:class", "library/datetime.html#datetime.datetime"),
            ("decimal.Decimal", "py:class", "library/decimal.html#decimal.Decimal"),
            ("fractions.Fraction", "py:class", "library/fractions.html#fractions.Fraction"),
            ("pathlib.Path", "py:class", "library/pathlib.html#pathlib.Path"),
            ("pathlib.PurePath", "py:class", "library/pathlib.html#pathlib.PurePath"),
            ("typing.BinaryIO", "py:class", "library/typing.html#typing.BinaryIO"),
            ("typing.IO", "py:class", "library/typing.html#typing.IO"),
            ("typing.TextIO", "py:class", "library/typing.html#typing.TextIO"),
            ("Ellipsis", "py:data", "library/constants.html#Ellipsis"),
            ("False", "py:data", "library/constants.html#False"),
            ("None", "py:data", "library/constants.html#None"),
            ("True", "py:data", "library/constants.html#True"),
            ("typing.Any", "py:data", "library/typing.html#typing.Any"),
            ("typing.Literal", "py:data", "library/typing.html#typing.Literal"),
            ("typing.Optional", "py:data", "library/typing.html#typing.Optional"),
            ("typing.Union", "py:data", "library/typing.html#typing.Union"),
            ("isinstance", "py:function", "library/functions.html#isinstance"),
            ("len", "py:function", "library/functions.html#len"),
            ("open", "py:function", "library/functions.html#open"),
            *(
                (name, "py:module", f"library/{name}.html#module-{name}")
                for name in (
                    "collections.abc",
                    "csv",
                    "datetime",
                    "gzip",
                    "json",
                    "pathlib",
                    "tomllib",
                    "typing",
                    "zipfile",
                )
            ),
            *(
                (term, "std:term", "glossary.html#term-" + term.replace(" ", "-"))
                for term in (
                    "callable",
                    "context manager",
                    "file object",
                    "file-like object",
                    "generator",
                    "iterable",
                    "iterator",
                    "mapping",
                    "path-like object",
                    "sequence",
                )
            ),
        ],
    ),
    "numpy": (
        "NumPy",
        "2",
        [
            ("numpy.ndarray", "py:class", "reference/generated/numpy.ndarray.html#$"),
            ("numpy.dtype", "py:class", "reference/generated/numpy.dtype.html#$"),
            ("numpy.frombuffer", "py:function", "reference/generated/numpy.frombuffer.html#$"),
            ("numpy.quantile", "py:function", "reference/generated/numpy.quantile.html#$"),
        ],
    ),
    "pandas": (
        "pandas",
        "stable",
        [
            *(
                (f"pandas.{name}", "py:class", f"reference/api/pandas.{name}.html#$")
                for name in (
                    "Categorical",
                    "CategoricalDtype",
                    "DataFrame",
                    "Index",
                    "MultiIndex",
                    "Series",
                    "Timestamp",
                )
            ),
            *(
                (f"pandas.{name}", "py:function", f"reference/api/pandas.{name}.html#$")
                for name in (
                    "concat",
                    "isna",
                    "merge",
                    "read_csv",
                    "read_excel",
                    "read_parquet",
                    "read_spss",
                    "read_stata",
                )
            ),
            *(
                (
                    f"pandas.DataFrame.{name}",
                    "py:method",
                    f"reference/api/pandas.DataFrame.{name}.html#$",
                )
                for name in ("groupby", "to_csv", "to_excel", "to_parquet")
            ),
        ],
    ),
    "pint": (
        "pint",
        "0.25",
        [
            ("pint.Measurement", "py:class", "api/base.html#$"),
            ("pint.Quantity", "py:class", "api/base.html#$"),
            ("pint.Unit", "py:class", "api/base.html#$"),
            ("pint.UnitRegistry", "py:class", "api/base.html#$"),
            ("pint.DimensionalityError", "py:exception", "api/base.html#$"),
            ("pint.UndefinedUnitError", "py:exception", "api/base.html#$"),
        ],
    ),
    "pandera": (
        "pandera",
        "0.35",
        [
            *(
                (
                    f"pandera.api.{name}",
                    "py:class",
                    f"reference/generated/pandera.api.{name}.html#$",
                )
                for name in (
                    "checks.Check",
                    "pandas.components.Column",
                    "pandas.container.DataFrameSchema",
                )
            ),
        ],
    ),
    "dask": (
        "Dask",
        "stable",
        [
            ("dask.dataframe.DataFrame", "py:class", "generated/dask.dataframe.DataFrame.html#$"),
        ],
    ),
}


def body(entries: list[tuple[str, str, str]]) -> str:
    """The inventory lines ``name domain:role priority uri dispname``, sorted."""
    return "".join(f"{name} {role} 1 {uri} -\n" for name, role, uri in sorted(entries))


def render(key: str) -> bytes:
    """The complete ``objects.inv`` bytes of project *key*."""
    project, version, entries = INVENTORIES[key]
    header = HEADER.format(project=project, version=version)
    return header.encode() + zlib.compress(body(entries).encode(), 9)


def read_body(path: Path) -> str:
    """The decompressed entry lines of an inventory file."""
    data = path.read_bytes()
    lines = data.split(b"\n", 4)
    return zlib.decompress(lines[4]).decode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    stale = []
    for key in INVENTORIES:
        path = OUT / f"{key}.inv"
        if args.check:
            expected_head = HEADER.format(project=INVENTORIES[key][0], version=INVENTORIES[key][1])
            if (
                not path.exists()
                or read_body(path) != body(INVENTORIES[key][2])
                or not path.read_bytes().startswith(expected_head.encode())
            ):
                stale.append(path)
        else:
            OUT.mkdir(parents=True, exist_ok=True)
            path.write_bytes(render(key))
    extra = sorted(p for p in OUT.glob("*.inv") if p.stem not in INVENTORIES)
    if args.check and (stale or extra):
        for path in [*stale, *extra]:
            print(f"out of date: {path.relative_to(ROOT)}", file=sys.stderr)
        print("run: python tools/build_inventories.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
