"""Input kinds: the pandera schemas of every input frame the indicators take.

Each family module in this package defines its :class:`InputKind` objects and registers
them with :func:`register`; :func:`get` finds a kind by name (modules are imported on first
look-up, so nothing needs to be listed here by hand).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import pandas as pd

from migindicators.core.errors import InputValidationError, RegistryError
from migindicators.core.frames import accepts_any_frame
from migindicators.schemas._spec import Column, InputKind

__all__ = ["Column", "InputKind", "get", "input_kinds", "register", "validate"]

_KINDS: dict[str, InputKind] = {}


def register(kind: InputKind) -> InputKind:
    """Add *kind* to the catalogue of input kinds (a second kind of the same name is an error)."""
    if kind.name in _KINDS and _KINDS[kind.name] is not kind:
        raise RegistryError(f"input kind {kind.name!r} is already registered")
    _KINDS[kind.name] = kind
    return kind


@cache
def _import_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


def input_kinds() -> dict[str, InputKind]:
    """All input kinds, by name."""
    _import_all()
    return dict(sorted(_KINDS.items()))


def get(name: str) -> InputKind:
    """The input kind called *name*."""
    _import_all()
    try:
        return _KINDS[name]
    except KeyError:
        raise InputValidationError(
            f"unknown input kind {name!r}; known kinds: {sorted(_KINDS)}"
        ) from None


@accepts_any_frame
def validate(kind: str, frame: pd.DataFrame, *, input_name: str | None = None) -> pd.DataFrame:
    """Validate *frame* as input kind *kind*; return the coerced copy."""
    return get(kind).validate(frame, input_name=input_name)
