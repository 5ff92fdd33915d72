"""The shipped code lists are what ``tools/build_code_lists.py`` builds from their sources."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from migindicators.core.units import CURRENCIES, HISTORICAL_CURRENCIES, parse_unit

ROOT = Path(__file__).resolve().parents[1]


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "build_code_lists", ROOT / "tools" / "build_code_lists.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_script_reproduces_the_shipped_currency_table() -> None:
    script = _script()
    folder = script.iso_codes_directory()
    if folder is None:
        pytest.skip("ISO 4217 source absent: install Debian iso-codes or PyPI pycountry")
    shipped = (ROOT / "src" / "migindicators" / "data" / "currencies.csv").read_text("utf-8")
    assert script.build_currencies(folder) == shipped


def test_current_amendments_and_historical_codes_are_currencies() -> None:
    # ISO 4217 Amendments 176 (XCG, 2025) and 177 (ZWG, 2024); VED from list one
    for code in ("ZWG", "XCG", "VED", "USD", "XDR"):
        assert code in CURRENCIES and code not in HISTORICAL_CURRENCIES
        parse_unit(code)
    # withdrawn codes old data carries, with the last day they were valid
    assert HISTORICAL_CURRENCIES["ZWL"] == "2024-08-31"
    assert HISTORICAL_CURRENCIES["HRK"] == "2022-12-31"
    assert HISTORICAL_CURRENCIES["ANG"] == "2025-06-30"
    assert HISTORICAL_CURRENCIES["LTL"] == "2014-12-31"
    assert all(code in CURRENCIES for code in HISTORICAL_CURRENCIES)
    assert len(set(CURRENCIES)) == len(CURRENCIES)
