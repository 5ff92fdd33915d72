"""The registry: strict TOML schema, look-ups, and consistency between entries and functions."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import migindicators as mi
from migindicators import schemas
from migindicators.core.registry import (
    AGENDA_POINTS,
    Registry,
    indicators_directory,
    parse_spec,
    signature_defaults,
)
from migindicators.core.units import parse_unit

# Public functions that return a Result but are general tools, not indicators.
NOT_INDICATORS = {
    "migindicators.core.assemble:make_result",
    "migindicators.core.registry:compute",
    "migindicators.engine.survey:estimate",
    "migindicators.engine.survey:estimate_difference",
    "migindicators.engine.estimate:estimate",
    "migindicators.engine.estimate:estimate_difference",
    "migindicators.disclosure.control:protect",  # protects a Result, computes none
    # design-based estimators of the survey engine (R svyciprop, svyquantile, svyvar, svyttest)
    "migindicators.engine.intervals:ciprop",
    "migindicators.engine.quantiles:quantiles",
    "migindicators.engine.variance_of:variance_of",
    "migindicators.engine.association:ttest",
}

MINIMAL = {
    "id": "x",
    "name": "X",
    "definition": "d",
    "formula": "f",
    "sdg": "none",
    "sdmx_series": "none",
    "agenda_points": [7],
    "unit": "percent",
    "custodian": "c",
    "status": "derived",
    "function": "m:f",
    "references": ["r"],
    "disaggregations": [],
    "aggregation": "none",
    "inputs": {"data": {"kind": "population", "description": "d"}},
    "fidelity": "hand-computed only",
    "fidelity_note": "why",
}

SPECS = list(mi.registry.values())


def test_registry_is_not_empty_and_sorted() -> None:
    assert len(mi.registry) >= 1
    assert mi.registry.ids() == sorted(mi.registry.ids())
    assert list(mi.registry) == mi.registry.ids()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_entry_binds_to_its_function(spec: mi.IndicatorSpec) -> None:
    func = spec.function
    assert callable(func)
    assert func.__doc__, f"{spec.function_path} has no docstring"
    assert "References" in func.__doc__, f"{spec.function_path} docstring lacks References"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_entry_inputs_and_options_match_the_signature(spec: mi.IndicatorSpec) -> None:
    params = inspect.signature(spec.function).parameters
    for inp in spec.inputs:
        assert inp.name in params, f"{spec.id}: input {inp.name!r} is not an argument"
    defaults = signature_defaults(spec.function)
    for opt in spec.options:
        assert opt.name in defaults, f"{spec.id}: option {opt.name!r} is not keyword-only"
        assert defaults[opt.name] == opt.default, (
            f"{spec.id}: option {opt.name!r} default {defaults[opt.name]!r} in the function, "
            f"{opt.default!r} in the TOML"
        )


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.id)
def test_entry_input_kinds_and_unit_exist(spec: mi.IndicatorSpec) -> None:
    for inp in spec.inputs:
        assert inp.kind in schemas.input_kinds() or inp.kind == "any", (
            f"{spec.id}: unknown input kind {inp.kind!r}"
        )
    parse_unit(spec.unit)
    assert all(1 <= p <= 8 for p in spec.agenda_points)


def _public_result_functions() -> set[str]:
    found = set()
    for info in pkgutil.walk_packages(mi.__path__, prefix="migindicators."):
        if info.name.rsplit(".", 1)[-1].startswith("_") or info.name == "migindicators.cli":
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extra is absent; its module cannot hold indicators
            continue
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            if not inspect.isfunction(obj) or obj.__module__ != module.__name__:
                continue
            ret = inspect.signature(obj).return_annotation
            if ret in ("Result", mi.Result):
                found.add(f"{module.__name__}:{name}")
    return found


def test_every_public_indicator_function_has_an_entry() -> None:
    bound = {spec.function_path for spec in SPECS}
    orphans = sorted(_public_result_functions() - bound - NOT_INDICATORS)
    assert not orphans, f"public functions returning Result without a registry entry: {orphans}"


def test_lookups() -> None:
    spec = mi.registry["refugees_per_100k"]
    assert spec in mi.registry.by_agenda_point(4)
    assert spec in mi.registry.by_sdg("10.7.4")
    assert spec in mi.registry.by_sdg("10.7")
    assert spec not in mi.registry.by_sdg("10.7.1")
    assert spec in mi.registry.search("REFUGEE")
    assert spec.sdmx_series == "SM_POP_REFG_OR"


def test_unknown_id_is_a_clear_error() -> None:
    with pytest.raises(mi.RegistryError, match="no indicator 'refugees'.*did you mean"):
        mi.registry["refugees"]


def test_agenda_point_out_of_range() -> None:
    with pytest.raises(mi.RegistryError, match=r"1\.\.8"):
        mi.registry.by_agenda_point(9)


def test_uncovered_agenda_points_are_listed() -> None:
    uncovered = mi.registry.uncovered_agenda_points()
    assert set(uncovered) <= set(AGENDA_POINTS)
    assert 4 not in uncovered


def test_compute_rejects_unknown_arguments_before_touching_data() -> None:
    with pytest.raises(mi.OptionError, match="unknown argument.*'agregate'"):
        mi.compute("refugees_per_100k", refugees=None, population=None, agregate="world")


def test_compute_requires_inputs() -> None:
    with pytest.raises(mi.OptionError, match="missing required input.*population"):
        mi.compute("refugees_per_100k", refugees=None)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sdg_code": "1"}, "unknown key.*sdg_code"),
        ({"agenda_points": [9]}, "agenda_points"),
        ({"agenda_points": []}, "agenda_points"),
        ({"unit": "furlongs_per_migrant"}, "unit"),
        ({"status": "maybe"}, "status"),
        ({"function": "no_colon"}, "function"),
        ({"references": []}, "references"),
        (
            {"inputs": {"data": {"kind": "population", "description": "d", "typo": 1}}},
            "inputs.data.*unknown key.*typo",
        ),
        (
            {"options": {"o": {"description": "d", "default": "a", "choices": ["b"]}}},
            "default 'a' not in choices",
        ),
        ({"name": 3}, "key 'name' must be of type"),
    ],
)
def test_schema_violations_name_the_file_and_key(change: dict[str, object], message: str) -> None:
    raw = {**MINIMAL, **change}
    with pytest.raises(mi.RegistryError, match=message) as info:
        parse_spec(raw, "bad.toml")
    assert "bad.toml" in str(info.value)


def test_missing_key_is_an_error() -> None:
    raw = dict(MINIMAL)
    del raw["formula"]
    with pytest.raises(mi.RegistryError, match="missing required key 'formula'"):
        parse_spec(raw, "bad.toml")


def test_file_stem_must_match_id_and_duplicates_fail(tmp_path: Path) -> None:
    source = (indicators_directory() / "refugees_per_100k.toml").read_text()
    (tmp_path / "other.toml").write_text(source)
    with pytest.raises(mi.RegistryError, match="must equal the file name"):
        Registry().load_directory(tmp_path)
    (tmp_path / "other.toml").unlink()
    (tmp_path / "refugees_per_100k.toml").write_text(source)
    reg = Registry()
    reg.load_directory(tmp_path)
    with pytest.raises(mi.RegistryError, match="duplicate"):
        reg.load_directory(tmp_path)


def test_invalid_toml_is_reported(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text("id = ")
    with pytest.raises(mi.RegistryError, match="broken.toml: not valid TOML"):
        Registry().load_directory(tmp_path)


def test_to_dict_is_json_able() -> None:
    import json

    for spec in SPECS:
        json.dumps(spec.to_dict())


def test_membership_and_get_never_raise() -> None:
    assert "refugees_per_100k" in mi.registry
    assert "no_such_indicator" not in mi.registry
    assert mi.registry.get("no_such_indicator") is None
    assert mi.registry.get("refugees_per_100k") is mi.registry["refugees_per_100k"]
