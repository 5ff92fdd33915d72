"""The indicator registry: metadata in ``indicators/*.toml`` bound to compute functions.

Each TOML file describes one indicator and names the function that computes it. Files are
read with :mod:`tomllib` and checked against a strict schema: an unknown, misplaced or
missing key is an error naming the file and the key (xclim learned this the hard way, its
issue #828). Entries hold data only, never code; the function is resolved by import path
when first used.

An entry is a frozen :class:`IndicatorSpec` in a plain mapping, :data:`registry`:

>>> from migindicators import registry
>>> registry["refugees_per_100k"].sdg
'10.7.4'
>>> [spec.id for spec in registry.by_agenda_point(4)]  # doctest: +SKIP
['migrant_deaths_and_disappearances', 'refugees_per_100k']

Options are typed in the TOML (``type = "bool"``, ``"int"``, ``"float"``, ``"str"``,
``"list[str]"``, ``"list[int]"``, ``"list[float]"``, ``"str|list[str]"``, ``"unit"`` with an
optional ``dimension`` such as ``"[length]"``, ``"path"`` or ``"object"``), and
:meth:`IndicatorSpec.check_options` is the one place where option values are checked and
converted: for :func:`compute`, for the command line (:meth:`IndicatorSpec.options_from_text`)
and for direct Python calls (every indicator function carries :func:`typed_options`). A value
of the wrong type is an :class:`~migindicators.core.errors.OptionError`: the string
``"False"`` is not a bool, ``"agree"`` is not a list of strings and ``2024.5`` is not an int.

Other packages can add indicators from their own TOML folder with
:meth:`Registry.load_directory`, or by declaring an entry point in the group
``migindicators.indicators`` whose object is that folder's path.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import inspect
import math
import numbers
import os
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import numpy as np

from migindicators.core.errors import OptionError, RegistryError, UnitError
from migindicators.core.units import check_unit

if TYPE_CHECKING:
    from migindicators.core.result import Result

__all__ = [
    "FIDELITY_LEVELS",
    "OPTION_TYPES",
    "IndicatorSpec",
    "InputSpec",
    "OptionSpec",
    "Registry",
    "UnknownIndicatorError",
    "check_int",
    "compute",
    "registry",
    "typed_options",
]

#: The option types a TOML ``type`` key may name; ``"object"`` is passed through unchecked
#: (designs, quality rules, codebooks: the function checks them).
OPTION_TYPES = (
    "bool",
    "int",
    "float",
    "str",
    "list[str]",
    "list[int]",
    "list[float]",
    "str|list[str]",
    "unit",
    "path",
    "object",
)


class UnknownIndicatorError(RegistryError, KeyError):
    """No indicator of that id in the registry (also a :class:`KeyError`)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


#: The eight points of the UN Secretary-General's agenda on migration and development
#: (number → title); registry entries map to them.
AGENDA_POINTS: dict[int, str] = {
    1: "Protect the human rights of all migrants",
    2: "Reduce the costs of labour migration",
    3: "Eliminate migrant exploitation, including human trafficking",
    4: "Address the plight of stranded migrants",
    5: "Improve public perceptions of migrants",
    6: "Integrate migration into the development agenda",
    7: "Strengthen the migration evidence base",
    8: "Enhance migration partnerships and cooperation",
}

STATUSES = ("official", "derived", "reconstruction")

#: How closely an indicator is checked against its custodian (``fidelity`` key) — a test in
#: ``tests/reference/`` against a figure from a file as its publisher distributes it, or
#: against the custodian's own worked example; or a reference package's documented example;
#: or, where none exists, values computed by hand (``fidelity_note`` says why).
FIDELITY_LEVELS = (
    "published figure",
    "custodian worked example",
    "reference package example",
    "hand-computed only",
)

# key -> (required, type(s)); the whole schema of a TOML file.
_TOP_KEYS: dict[str, tuple[bool, type | tuple[type, ...]]] = {
    "id": (True, str),
    "name": (True, str),
    "definition": (True, str),
    "formula": (True, str),
    "sdg": (True, str),
    "sdmx_series": (True, str),
    "sdmx_series_name": (False, str),
    "agenda_points": (True, list),
    "unit": (True, str),
    "custodian": (True, str),
    "status": (True, str),
    "function": (True, str),
    "references": (True, list),
    "disaggregations": (True, list),
    "aggregation": (True, str),
    "inputs": (True, dict),
    "options": (False, dict),
    "notes": (False, str),
    "example": (False, str),
    "fidelity": (True, str),
    "fidelity_note": (True, str),
}
_INPUT_KEYS: dict[str, tuple[bool, type | tuple[type, ...]]] = {
    "kind": (True, str),
    "description": (True, str),
    "required": (False, bool),
}
_OPTION_KEYS: dict[str, tuple[bool, type | tuple[type, ...]]] = {
    "description": (True, str),
    "default": (False, (str, int, float, bool, list)),
    "choices": (False, list),
    "unit": (False, str),
    "library_choice": (False, bool),
    "type": (False, str),
    "dimension": (False, str),
    "nullable": (False, bool),
    "min": (False, (int, float)),
    "max": (False, (int, float)),
}
# Keyword arguments every indicator function may take besides inputs and options.
COMMON_ARGUMENTS = ("by",)


@dataclass(frozen=True)
class InputSpec:
    """One input of an indicator: its argument name, input kind (schema) and meaning."""

    name: str
    kind: str
    description: str
    required: bool = True


@dataclass(frozen=True)
class OptionSpec:
    """One named option, with its default (``None`` when the TOML gives none), its type
    (one of :data:`OPTION_TYPES`; ``None``: unchecked), whether ``None`` is allowed
    (``nullable``, true when the default is ``None``), bounds and, for ``type = "unit"``, the
    pint dimension the unit must have (``"[length]"``)."""

    name: str
    description: str
    default: Any = None
    choices: tuple[Any, ...] | None = None
    unit: str | None = None
    #: The default is the library's choice where the official methodology is silent.
    library_choice: bool = False
    type: str | None = None
    dimension: str | None = None
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None

    def convert(self, value: Any, *, indicator: str = "", from_text: bool = False) -> Any:
        """Check *value* against the option's type, choices and bounds; return it converted
        (an integral float to ``int``, a tuple to a list, command-line text to its type).

        Raises
        ------
        OptionError
            Naming the indicator, the option, the value and what is expected.
        """
        return _convert_option(self, value, indicator=indicator, from_text=from_text)


@dataclass(frozen=True)
class IndicatorSpec:
    """A registry entry: everything known about one indicator, and how to compute it.

    ``name`` is the indicator's official wording; ``sdmx_series_name`` the SDMX series
    wording when it differs (they can: the SDG series for 10.7.1 still says "yearly income"
    while the indicator says "monthly"). ``sdg`` and ``sdmx_series`` are ``None`` for
    indicators outside the SDG framework. ``agenda_points`` lists the Secretary-General's
    eight-point agenda points, primary first.
    """

    id: str
    name: str
    definition: str
    formula: str
    sdg: str | None
    sdmx_series: str | None
    agenda_points: tuple[int, ...]
    unit: str
    custodian: str
    status: str
    function_path: str
    references: tuple[str, ...]
    disaggregations: tuple[str, ...]
    aggregation: str
    inputs: tuple[InputSpec, ...]
    options: tuple[OptionSpec, ...] = ()
    sdmx_series_name: str | None = None
    notes: str = ""
    example: str = ""
    fidelity: str = "hand-computed only"
    fidelity_note: str = ""
    source_file: str = field(default="", compare=False)

    @property
    def function(self) -> Callable[..., Result]:
        """The compute function, imported on first use."""
        module_name, _, attr = self.function_path.partition(":")
        try:
            module = importlib.import_module(module_name)
            func: Callable[..., Result] = getattr(module, attr)
        except (ImportError, AttributeError) as exc:
            raise RegistryError(
                f"{self.source_file}: function {self.function_path!r} cannot be imported: {exc}"
            ) from exc
        return func

    @property
    def option_defaults(self) -> dict[str, Any]:
        """Option name → default."""
        return {opt.name: opt.default for opt in self.options}

    def compute(self, **kwargs: Any) -> Result:
        """Compute the indicator: inputs and options as keyword arguments.

        Unknown argument names raise :class:`OptionError` listing the accepted ones, and an
        option with ``choices`` rejects other values, before any data is touched.
        """
        accepted = (
            {i.name for i in self.inputs} | {o.name for o in self.options} | set(COMMON_ARGUMENTS)
        )
        unknown = sorted(set(kwargs) - accepted)
        if unknown:
            raise OptionError(
                f"{self.id}: unknown argument(s) {unknown}{_suggest(unknown, accepted)}; "
                f"inputs are {[i.name for i in self.inputs]}, options are "
                f"{[o.name for o in self.options]} and 'by'"
            )
        missing = [i.name for i in self.inputs if i.required and i.name not in kwargs]
        if missing:
            raise OptionError(f"{self.id}: missing required input(s) {missing}")
        return self.function(**self.check_options(kwargs))

    __call__ = compute

    def check_options(self, kwargs: Mapping[str, Any]) -> dict[str, Any]:
        """Check and convert the option values in *kwargs* (other keys pass unchanged).

        The one place where options are validated, for :meth:`compute`, the command line and
        direct calls of the indicator function (:func:`typed_options`).
        """
        out = dict(kwargs)
        for opt in self.options:
            if opt.name in out:
                out[opt.name] = opt.convert(out[opt.name], indicator=self.id)
        return out

    def options_from_text(self, texts: Mapping[str, str]) -> dict[str, Any]:
        """Convert command-line option text (``NAME=VALUE``) to typed values.

        Lists are comma-separated; ``none`` gives ``None`` for nullable options. Unknown
        option names raise :class:`OptionError` with the closest names.
        """
        by_name = {o.name: o for o in self.options}
        unknown = sorted(set(texts) - set(by_name))
        if unknown:
            raise OptionError(
                f"{self.id}: unknown option(s) {unknown}{_suggest(unknown, by_name)}; "
                f"options are {sorted(by_name)} (see `migindicators describe {self.id}`)"
            )
        return {
            name: by_name[name].convert(text, indicator=self.id, from_text=True)
            for name, text in texts.items()
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able description (used by the CLI and the docs catalogue)."""
        return {
            "id": self.id,
            "name": self.name,
            "definition": self.definition,
            "formula": self.formula,
            "sdg": self.sdg,
            "sdmx_series": self.sdmx_series,
            "sdmx_series_name": self.sdmx_series_name,
            "agenda_points": list(self.agenda_points),
            "unit": self.unit,
            "custodian": self.custodian,
            "status": self.status,
            "function": self.function_path,
            "references": list(self.references),
            "disaggregations": list(self.disaggregations),
            "aggregation": self.aggregation,
            "inputs": {
                i.name: {"kind": i.kind, "description": i.description, "required": i.required}
                for i in self.inputs
            },
            "options": {
                o.name: {
                    "description": o.description,
                    "default": o.default,
                    "choices": list(o.choices) if o.choices else None,
                    "unit": o.unit,
                    "library_choice": o.library_choice,
                    "type": o.type,
                    "nullable": o.nullable,
                }
                for o in self.options
            },
            "notes": self.notes,
            "example": self.example,
            "fidelity": self.fidelity,
            "fidelity_note": self.fidelity_note,
        }


_P = ParamSpec("_P")
_R = TypeVar("_R")


def typed_options(indicator_id: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Decorate an indicator function so its options are checked and converted by the
    registry entry *indicator_id* (:meth:`IndicatorSpec.check_options`) on every call.

    Direct Python calls then meet the same typed options as :func:`compute` and the
    command line. Without a registry entry of that id the function runs unchecked.
    """

    def decorate(func: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(func)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            spec = registry.get(indicator_id)
            if spec is not None and kwargs:
                kwargs = spec.check_options(kwargs)  # type: ignore[assignment]
            return func(*args, **kwargs)

        wrapper.__migindicators_id__ = indicator_id  # type: ignore[attr-defined]
        return wrapper

    return decorate


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _suggest(names: Any, known: Any) -> str:
    """`` (did you mean …?)`` for misspelt names, or ``""``."""
    close = sorted({c for n in names for c in difflib.get_close_matches(n, list(known))})
    return f" (did you mean {close}?)" if close else ""


def _convert_option(opt: OptionSpec, value: Any, *, indicator: str, from_text: bool) -> Any:
    where = f"{indicator}: option {opt.name}" if indicator else f"option {opt.name}"

    def fail(expected: str, hint: str = "") -> OptionError:
        return OptionError(
            f"{where}={value!r} ({type(value).__name__}): expected {expected}"
            + (f"; {hint}" if hint else "")
        )

    if from_text and isinstance(value, str):
        if value.strip().lower() in {"none", "null"} and opt.nullable:
            return None
        if opt.type in {"list[str]", "list[int]", "list[float]", "str|list[str]"}:
            parts = [p.strip() for p in value.split(",") if p.strip() != ""]
            if opt.type == "str|list[str]" and "," not in value:
                converted: Any = value.strip()
            else:
                converted = parts
            if opt.type in {"list[int]", "list[float]"}:
                number = int if opt.type == "list[int]" else float
                try:
                    converted = [number(p) for p in parts]
                except ValueError:
                    raise fail(f"a comma-separated list of {number.__name__} numbers") from None
            value = converted
        elif opt.type == "bool":
            text = value.strip().lower()
            if text not in _TRUE | _FALSE:
                raise fail("true or false")
            value = text in _TRUE
        elif opt.type == "int":
            try:
                value = int(value.strip())
            except ValueError:
                raise fail("an integer") from None
        elif opt.type == "float":
            try:
                value = float(value.strip())
            except ValueError:
                raise fail("a number") from None
        elif opt.type in {"object", None}:
            value = _text_value(value)
    if value is None:
        if opt.nullable:
            return None
        raise fail(f"a value of type {opt.type or 'as documented'}", "None is not allowed here")
    kind = opt.type
    if kind == "bool":
        if not isinstance(value, (bool, np.bool_)):
            raise fail("True or False", "a string such as 'False' is not a bool")
        value = bool(value)
    elif kind == "int":
        if isinstance(value, (bool, np.bool_)):
            raise fail("an integer, not a bool")
        if isinstance(value, numbers.Integral) or (
            isinstance(value, numbers.Real) and float(value).is_integer()
        ):
            value = int(float(value)) if not isinstance(value, numbers.Integral) else int(value)
        elif isinstance(value, numbers.Real):
            raise fail("an integer", "a fraction is never truncated; pass a whole number")
        else:
            raise fail("an integer")
    elif kind == "float":
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise fail("a number")
        value = float(value)
        if not math.isfinite(value):
            raise fail("a finite number")
    elif kind in {"str", "unit"}:
        if not isinstance(value, str):
            raise fail("a string")
        if kind == "unit":
            _check_option_unit(opt, value, where)
    elif kind == "path":
        if not isinstance(value, (str, os.PathLike)):
            raise fail("a file path (str or pathlib.Path)")
    elif kind in {"list[str]", "list[int]", "list[float]", "str|list[str]"}:
        if isinstance(value, str):
            if kind != "str|list[str]":
                raise fail(
                    "a list",
                    f"a single string is not a list: write [{value!r}] for one element",
                )
        else:
            if isinstance(value, Mapping) or not hasattr(value, "__iter__"):
                raise fail("a list")
            items = list(value)
            element = {"list[int]": "int", "list[float]": "float"}.get(kind, "str")
            element_spec = OptionSpec(name=f"{opt.name}[]", description="", type=element)
            value = [element_spec.convert(v, indicator=indicator) for v in items]
    if opt.choices is not None:
        chosen = value if isinstance(value, list) else [value]
        bad = [v for v in chosen if v not in opt.choices]
        if bad:
            hint = _suggest([str(v) for v in bad], [str(c) for c in opt.choices])
            raise OptionError(f"{where}={value!r} is not one of {list(opt.choices)}{hint}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if opt.minimum is not None and value < opt.minimum:
            raise fail(f"a value >= {opt.minimum}")
        if opt.maximum is not None and value > opt.maximum:
            raise fail(f"a value <= {opt.maximum}")
    return value


def check_int(value: Any, name: str, *, minimum: int | None = None) -> int:
    """*value* as an ``int`` (an integral float converts; text, bools and fractions do
    not), at least *minimum*: the same rule as an ``int`` option of the registry, for
    arguments of functions outside it (``chunk_rows`` of the readers).

    Raises
    ------
    OptionError
        Naming the argument and the value.
    """
    spec = OptionSpec(name=name, description="", type="int", minimum=minimum)
    converted: int = spec.convert(value)
    return converted


def _check_option_unit(opt: OptionSpec, value: str, where: str) -> None:
    try:
        check_unit(value)
        if opt.dimension is not None:
            from migindicators.core.units import get_registry, parse_unit

            got = parse_unit(value).dimensionality
            want = get_registry().get_dimensionality(opt.dimension)
            if got != want:
                raise OptionError(
                    f"{where}={value!r} has dimension {got}; expected a unit of {opt.dimension}"
                    " (e.g. kilometer or mile for [length])"
                )
    except UnitError as exc:
        raise OptionError(f"{where}: {exc}") from None


def _text_value(text: str) -> Any:
    """Command-line text of an untyped option: int, float, true/false, none or a list."""
    if "," in text:
        return [_text_value(part) for part in text.split(",") if part != ""]
    lowered = text.lower()
    if lowered in {"true", "false"}:
        return lowered == "true"
    if lowered in {"none", "null"}:
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _check_keys(
    where: str, table: Mapping[str, Any], schema: Mapping[str, tuple[bool, type | tuple[type, ...]]]
) -> None:
    unknown = sorted(set(table) - set(schema))
    if unknown:
        raise RegistryError(f"{where}: unknown key(s) {unknown}; allowed keys are {sorted(schema)}")
    for key, (required, types) in schema.items():
        if key not in table:
            if required:
                raise RegistryError(f"{where}: missing required key {key!r}")
            continue
        if not isinstance(table[key], types) or (types is int and isinstance(table[key], bool)):
            raise RegistryError(
                f"{where}: key {key!r} must be of type {types}, got {type(table[key]).__name__}"
            )


def _none_if(value: str) -> str | None:
    return None if value.strip().lower() in {"", "none"} else value


def parse_spec(raw: Mapping[str, Any], source: str) -> IndicatorSpec:
    """Validate one parsed TOML document and build its :class:`IndicatorSpec`."""
    _check_keys(source, raw, _TOP_KEYS)
    points = raw["agenda_points"]
    if not points or not all(isinstance(p, int) and 1 <= p <= 8 for p in points):
        raise RegistryError(f"{source}: agenda_points must be a non-empty list of 1..8")
    if raw["status"] not in STATUSES:
        raise RegistryError(f"{source}: status must be one of {STATUSES}")
    if raw["fidelity"] not in FIDELITY_LEVELS:
        raise RegistryError(
            f"{source}: fidelity {raw['fidelity']!r} must be one of {list(FIDELITY_LEVELS)}"
        )
    if not raw["fidelity_note"].strip():
        raise RegistryError(f"{source}: fidelity_note must cite the figure or give the reason")
    if ":" not in raw["function"]:
        raise RegistryError(f"{source}: function must be 'package.module:function'")
    try:
        check_unit(raw["unit"])
    except UnitError as exc:
        raise RegistryError(f"{source}: key 'unit': {exc}") from None
    for key in ("references", "disaggregations"):
        if not all(isinstance(v, str) for v in raw[key]):
            raise RegistryError(f"{source}: {key} must be a list of strings")
    if not raw["references"]:
        raise RegistryError(f"{source}: references must cite at least one source")
    inputs = []
    for name, table in raw["inputs"].items():
        if not isinstance(table, dict):
            raise RegistryError(f"{source}: inputs.{name} must be a table")
        _check_keys(f"{source}: inputs.{name}", table, _INPUT_KEYS)
        inputs.append(
            InputSpec(
                name=name,
                kind=table["kind"],
                description=table["description"],
                required=table.get("required", True),
            )
        )
    options = []
    for name, table in raw.get("options", {}).items():
        if not isinstance(table, dict):
            raise RegistryError(f"{source}: options.{name} must be a table")
        _check_keys(f"{source}: options.{name}", table, _OPTION_KEYS)
        choices = tuple(table["choices"]) if "choices" in table else None
        default = table.get("default")
        if choices is not None and default is not None and default not in choices:
            raise RegistryError(f"{source}: options.{name}: default {default!r} not in choices")
        type_ = table.get("type")
        if type_ is not None and type_ not in OPTION_TYPES:
            raise RegistryError(
                f"{source}: options.{name}: type {type_!r} is not one of {list(OPTION_TYPES)}"
            )
        if "dimension" in table and type_ != "unit":
            raise RegistryError(f"{source}: options.{name}: dimension needs type = 'unit'")
        options.append(
            OptionSpec(
                name=name,
                description=table["description"],
                default=default,
                choices=choices,
                unit=table.get("unit"),
                library_choice=table.get("library_choice", False),
                type=type_,
                dimension=table.get("dimension"),
                nullable=table.get("nullable", default is None),
                minimum=table.get("min"),
                maximum=table.get("max"),
            )
        )
        if type_ not in (None, "unit") and default is not None:  # unit: pint stays lazy
            try:
                options[-1].convert(default)
            except OptionError as exc:
                raise RegistryError(f"{source}: options.{name}: default: {exc}") from None
    return IndicatorSpec(
        id=raw["id"],
        name=raw["name"],
        definition=raw["definition"].strip(),
        formula=raw["formula"].strip(),
        sdg=_none_if(raw["sdg"]),
        sdmx_series=_none_if(raw["sdmx_series"]),
        agenda_points=tuple(points),
        unit=raw["unit"],
        custodian=raw["custodian"],
        status=raw["status"],
        function_path=raw["function"],
        references=tuple(raw["references"]),
        disaggregations=tuple(raw["disaggregations"]),
        aggregation=raw["aggregation"].strip(),
        inputs=tuple(inputs),
        options=tuple(options),
        sdmx_series_name=raw.get("sdmx_series_name"),
        notes=raw.get("notes", "").strip(),
        example=raw.get("example", "").strip(),
        fidelity=raw["fidelity"],
        fidelity_note=raw["fidelity_note"].strip(),
        source_file=source,
    )


class Registry(Mapping[str, IndicatorSpec]):
    """A read-only mapping of indicator id → :class:`IndicatorSpec`, with look-ups."""

    def __init__(self) -> None:
        self._specs: dict[str, IndicatorSpec] = {}

    def __getitem__(self, key: str) -> IndicatorSpec:
        try:
            return self._specs[key]
        except (KeyError, TypeError):
            text = str(key).lower()
            close = [i for i in self._specs if text in i or i in text]
            close += [
                c for c in difflib.get_close_matches(text, list(self._specs)) if c not in close
            ]
            hint = f"; did you mean {close[:5]}?" if close else ""
            raise UnknownIndicatorError(
                f"no indicator {key!r} in the registry{hint} (see `migindicators list`)"
            ) from None

    def __contains__(self, key: object) -> bool:
        return key in self._specs

    def get(self, key: str, default: IndicatorSpec | None = None) -> IndicatorSpec | None:  # type: ignore[override]
        """The entry *key*, or *default* when there is none (no error)."""
        return self._specs.get(key, default)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._specs))

    def __len__(self) -> int:
        return len(self._specs)

    def __repr__(self) -> str:
        return f"<Registry of {len(self)} indicators>"

    def ids(self) -> list[str]:
        """All indicator ids, sorted."""
        return sorted(self._specs)

    def add(self, spec: IndicatorSpec) -> None:
        """Add one entry; a second entry with the same id is an error."""
        if spec.id in self._specs:
            raise RegistryError(
                f"{spec.source_file}: duplicate indicator id {spec.id!r} "
                f"(already in {self._specs[spec.id].source_file})"
            )
        self._specs[spec.id] = spec

    def load_file(self, path: Path) -> IndicatorSpec:
        """Read, validate and add one TOML file."""
        try:
            with path.open("rb") as fh:
                raw = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise RegistryError(f"{path.name}: not valid TOML: {exc}") from None
        spec = parse_spec(raw, path.name)
        if spec.id != path.stem:
            raise RegistryError(f"{path.name}: id {spec.id!r} must equal the file name stem")
        self.add(spec)
        return spec

    def load_directory(self, directory: Path | str) -> list[IndicatorSpec]:
        """Read every ``*.toml`` file of *directory* into the registry."""
        return [self.load_file(p) for p in sorted(Path(directory).glob("*.toml"))]

    def by_agenda_point(self, point: int) -> list[IndicatorSpec]:
        """Entries mapped to agenda point *point* (1–8), primary or secondary."""
        if point not in AGENDA_POINTS:
            raise RegistryError(f"agenda points are 1..8, got {point!r}")
        return [s for s in self.values() if point in s.agenda_points]

    def by_sdg(self, code: str) -> list[IndicatorSpec]:
        """Entries of SDG indicator *code* (``"10.7.4"``), or of a target (``"10.7"``)."""
        code = code.strip().removeprefix("SDG").strip()
        return [
            s
            for s in self.values()
            if s.sdg is not None and (s.sdg == code or s.sdg.startswith(code + "."))
        ]

    def search(self, text: str) -> list[IndicatorSpec]:
        """Entries whose id, name, definition, SDG code, series or custodian contain *text*."""
        needle = text.lower()
        return [
            s
            for s in self.values()
            if any(
                needle in (field_ or "").lower()
                for field_ in (s.id, s.name, s.definition, s.sdg, s.sdmx_series, s.custodian)
            )
        ]

    def uncovered_agenda_points(self) -> list[int]:
        """Agenda points with no indicator yet."""
        return [p for p in AGENDA_POINTS if not self.by_agenda_point(p)]


def indicators_directory() -> Path:
    """Where the bundled TOML files are: inside the wheel, or at the top of a source tree."""
    package = Path(__file__).resolve().parents[1]  # migindicators/ (this file is core/registry.py)
    packaged = package / "_indicators"
    if packaged.is_dir():
        return packaged
    source_tree = package.parents[1] / "indicators"
    if source_tree.is_dir():
        return source_tree
    raise RegistryError("the bundled indicators/ folder is missing from this installation")


def _load_default() -> Registry:
    reg = Registry()
    reg.load_directory(indicators_directory())
    for entry_point in importlib_metadata.entry_points(group="migindicators.indicators"):
        reg.load_directory(Path(str(entry_point.load())))
    return reg


#: The registry of every bundled (and entry-point) indicator.
registry: Registry = _load_default()


def compute(indicator_id: str, /, **kwargs: Any) -> Result:
    """Compute indicator *indicator_id* with inputs, ``by`` and options as keywords.

    Examples
    --------
    >>> import migindicators as mi  # doctest: +SKIP
    >>> res = mi.compute("refugees_per_100k", refugees=r, population=p)  # doctest: +SKIP
    """
    return registry[indicator_id].compute(**kwargs)


def signature_defaults(func: Callable[..., Any]) -> dict[str, Any]:
    """Keyword-only parameters of *func* with their defaults (for registry consistency tests)."""
    return {
        name: p.default
        for name, p in inspect.signature(func).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }
