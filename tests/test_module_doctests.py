"""Every docstring example in the package runs and prints what it says.

``tests/test_examples.py`` runs the Examples of the registered indicator functions; this
runs the examples everywhere else (helpers such as ``total_cost_percent``, module
docstrings). A wrong printed value in a docstring misleads a reader as much as a wrong
number in a table, so it fails here.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil

import pytest

import migindicators
from migindicators import registry

_FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def _module_names() -> list[str]:
    return sorted(
        info.name
        for info in pkgutil.walk_packages(migindicators.__path__, prefix="migindicators.")
        if not info.name.endswith("__main__")
    )


def _indicator_functions() -> set[object]:
    return {inspect.unwrap(registry[key].function) for key in registry.ids()}


@pytest.mark.parametrize("name", _module_names())
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    skip = _indicator_functions()
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=_FLAGS)
    report: list[str] = []
    for test in finder.find(module, name, globs=dict(vars(module))):
        if test.name.rsplit(".", 1)[-1] != name.rsplit(".", 1)[-1]:
            owner = _lookup(module, test.name[len(name) + 1 :])
            if owner is not None and inspect.unwrap(owner) in skip:
                continue  # run by tests/test_examples.py
        if not test.examples:
            continue
        runner.run(test, out=report.append)
    assert runner.summarize(verbose=False).failed == 0, "".join(report)


def _lookup(module: object, dotted: str) -> object | None:
    obj: object | None = module
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj
