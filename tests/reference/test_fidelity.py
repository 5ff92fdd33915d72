"""Every indicator says how closely it is checked against its custodian (issue 20).

``fidelity`` in the registry is a promise about the tests: an indicator said to match a
published figure or the custodian's worked example is named by a test in this folder; the
others say why no such test exists. Choices the library makes where the methodology is
silent are options marked ``library_choice``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import migindicators as mi
from migindicators.core.errors import RegistryError
from migindicators.core.registry import FIDELITY_LEVELS, parse_spec

HERE = Path(__file__).resolve().parent
REFERENCE_TEXT = "\n".join(
    p.read_text() for p in sorted(HERE.glob("test_*.py")) if p.name != Path(__file__).name
)
SPECS = list(mi.registry.values())


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_fidelity_is_stated_and_backed(spec: mi.IndicatorSpec) -> None:
    assert spec.fidelity in FIDELITY_LEVELS
    assert len(spec.fidelity_note) > 20, (
        f"{spec.id}: fidelity_note must give the citation or reason"
    )
    if spec.fidelity in ("published figure", "custodian worked example"):
        assert spec.id in REFERENCE_TEXT, (
            f"{spec.id}: fidelity {spec.fidelity!r} but no test in tests/reference names it"
        )
        assert "tests/reference/" in spec.fidelity_note


def test_most_indicators_are_not_hand_computed_by_accident() -> None:
    counts = {level: sum(s.fidelity == level for s in SPECS) for level in FIDELITY_LEVELS}
    assert counts["published figure"] >= 6
    assert counts["custodian worked example"] >= 2
    assert sum(counts.values()) == len(SPECS)


@pytest.mark.parametrize(
    ("indicator", "option"),
    [
        ("remittance_cost_smart", "fewer_than_three"),
        ("remittance_cost_smart", "accessibility"),
        ("recruitment_cost_indicator", "include_zero_cost"),
        ("recruitment_cost_indicator", "max_years_since_first_job"),
        ("mobility_dispersion_index", "measure"),
    ],
)
def test_library_choices_are_marked(indicator: str, option: str) -> None:
    opts = {o.name: o for o in mi.registry[indicator].options}
    assert opts[option].library_choice
    assert mi.registry[indicator].to_dict()["options"][option]["library_choice"] is True


def test_fidelity_schema_is_strict() -> None:
    base = mi.registry["refugees_per_100k"].to_dict()
    raw = {
        k: v
        for k, v in base.items()
        if k not in ("sdg", "sdmx_series", "sdmx_series_name", "function", "inputs", "options")
    }
    raw.update(
        sdg="10.7.4",
        sdmx_series="SM_POP_REFG_OR",
        function=base["function"],
        inputs={"refugees": {"kind": "refugees", "description": "d"}},
    )
    assert parse_spec(raw, "ok.toml").fidelity == "hand-computed only"
    with pytest.raises(RegistryError, match="fidelity"):
        parse_spec({**raw, "fidelity": "roughly right"}, "bad.toml")
    with pytest.raises(RegistryError, match="fidelity_note"):
        parse_spec({**raw, "fidelity_note": " "}, "bad.toml")
    missing = {k: v for k, v in raw.items() if k != "fidelity"}
    with pytest.raises(RegistryError, match="fidelity"):
        parse_spec(missing, "bad.toml")
    with pytest.raises(RegistryError, match="library_choice"):
        parse_spec(
            {**raw, "options": {"x": {"description": "d", "library_choice": "yes"}}}, "bad.toml"
        )


def test_catalogue_shows_fidelity_and_library_choices() -> None:
    import importlib.util

    path = HERE.parents[1] / "docs" / "_ext" / "catalogue.py"
    spec = importlib.util.spec_from_file_location("_catalogue", path)
    assert spec is not None and spec.loader is not None
    catalogue = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(catalogue)
    page = catalogue.indicator_page(mi.registry["remittance_cost_smart"])
    assert "| Fidelity | hand-computed only |" in page
    assert "`'mean_available'` (library choice)" in page
    index = catalogue.index_page()
    assert "| published figure |" in index
    assert (
        "| [`outbound_mobility_ratio`](outbound_mobility_ratio.md) | — | `percent` | "
        "published figure |" in index
    )
