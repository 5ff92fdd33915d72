"""The stock indicators take their shared parameter docs from one place, expanded in full."""

from __future__ import annotations

import inspect
import re

import pytest

import migindicators as mi
from migindicators.stock import indicators


@pytest.mark.parametrize("name", mi.stock.__all__)
def test_every_parameter_documented_in_full(name: str) -> None:
    func = getattr(mi.stock, name)
    # cleandoc: Python 3.13 strips docstring indentation at compile time, older ones do not
    doc = inspect.cleandoc(func.__doc__ or "")
    assert "{census parameters" not in doc, f"{name}: unexpanded shared parameter docs"
    documented = {
        part.strip()
        for line in re.findall(r"^(\w[\w, ]*?) :", doc, flags=re.MULTILINE)
        for part in line.split(",")
    }
    missing = set(inspect.signature(func).parameters) - documented
    assert not missing, f"{name}: parameters without an entry: {sorted(missing)}"


def test_shared_entries_are_the_same_text_everywhere() -> None:
    shared = indicators._PARAMETER_DOCS["replicate_method"].splitlines()[1].strip()
    for name in ("migrant_stock", "recent_migrants", "migrant_stock_growth_rate"):
        assert shared in (getattr(mi.stock, name).__doc__ or "")
