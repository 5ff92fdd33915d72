"""Every registered indicator function has a runnable Examples section, run here as a doctest.

The examples compute on the bundled, seeded demo datasets, so their printed values are
deterministic; a change in an indicator's numbers shows up here as a doctest failure (and
must then be explained, as for any other changed figure).
"""

from __future__ import annotations

import doctest
import inspect

import pytest

from migindicators import registry

_FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


@pytest.mark.parametrize("indicator", registry.ids())
def test_indicator_docstring_example_runs(indicator: str) -> None:
    func = registry[indicator].function
    doc = func.__doc__ or ""
    # some families assemble their docstrings (dedented) from shared parts: compare cleaned
    clean = inspect.cleandoc(doc)
    assert "\nExamples\n--------\n" in clean, f"{indicator}: no Examples section"
    # numpydoc order: Examples is the last section
    assert "\nReferences\n----------" not in clean.split("\nExamples\n--------\n", 1)[1]
    module = inspect.getmodule(inspect.unwrap(func))
    test = doctest.DocTestParser().get_doctest(
        doc, dict(vars(module)) if module else {}, f"{indicator}", None, 0
    )
    assert sum(1 for ex in test.examples if ex.want) >= 1, f"{indicator}: no printed value"
    runner = doctest.DocTestRunner(optionflags=_FLAGS)
    runner.run(test, out=lambda text: _report.append(text))
    failures = runner.summarize(verbose=False).failed
    message = "".join(_report)
    _report.clear()
    assert failures == 0, message


_report: list[str] = []
