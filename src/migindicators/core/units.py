"""The unit registry of migindicators.

pint parses and checks unit strings; it never wraps the data (DESIGN.md, "Units"). Columns
carry their unit as a string in the schema's column metadata, and conversion is a factor
applied at a function's boundary.

Units defined on top of pint's defaults:

``person``
    a count of people (its own dimension, ``[person]``), so that a rate per person and a
    plain ratio cannot be mixed up.
``per_100000``
    the dimensionless factor 10\\ :sup:`-5`, for rates "per 100 000 population" (SDG 10.7.4,
    16.2.2, 8.8.1).
``month_of_earnings``
    one month of a worker's earnings: the unit of SDG 10.7.1 (cost divided by monthly
    earnings). Its own dimension (``[month_of_earnings]``): it is not a duration, and does
    not convert to ``month`` or days.
ISO 4217 currencies
    every code (``USD``, ``EUR``, ``KES``, …; current ones and the historical ones old data
    carries, such as ``HRK`` or ``ZWL``) is a separate base dimension, so amounts in
    different currencies never mix without explicit, dated exchange rates passed as data.
    The table is ``data/currencies.csv``, rebuilt from ISO 4217 by
    ``tools/build_code_lists.py`` (sources in ``data/README.md``).

References
----------
ISO 4217:2015, Codes for the representation of currencies, lists one and three, with
Amendments 176 (XCG) and 177 (ZWG).
"""

from __future__ import annotations

import csv
import logging
import warnings
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, cast

from migindicators.core.errors import UnitError

if TYPE_CHECKING:
    import pint

__all__ = [
    "CURRENCIES",
    "HISTORICAL_CURRENCIES",
    "KNOWN_UNITS",
    "check_dimensionality",
    "check_unit",
    "conversion_factor",
    "get_registry",
    "is_currency",
    "parse_unit",
    "units",
]


def _currency_table() -> list[dict[str, str]]:
    """Rows of ``data/currencies.csv`` (rebuilt by ``tools/build_code_lists.py``)."""
    table = resources.files("migindicators").joinpath("data/currencies.csv")
    return list(csv.DictReader(table.read_text(encoding="utf-8").splitlines()))


_CURRENCY_ROWS = _currency_table()
#: ISO 4217 alphabetic codes, current (list one, with the amendments the source lacks) and
#: historical (list three: withdrawn codes that old data still carries, e.g. HRK, LTL, ZWL).
CURRENCIES: tuple[str, ...] = tuple(row["code"] for row in _CURRENCY_ROWS)
#: Historical ISO 4217 codes → last day they were valid (``YYYY-MM-DD``).
HISTORICAL_CURRENCIES: dict[str, str] = {
    row["code"]: row["valid_to"] for row in _CURRENCY_ROWS if row["status"] == "historical"
}

_EXTRA_DEFINITIONS = (
    "person = [person] = persons",
    "per_100000 = 1e-5 = per_100k",
    # its own dimension: a month of a worker's earnings is a sum of money in the worker's
    # currency, not 30.4375 days, so it converts to nothing but itself
    "month_of_earnings = [month_of_earnings] = months_of_earnings",
)


#: Unit strings of the library's own schemas and registry entries. :func:`check_unit` accepts
#: them without building the pint registry (a test proves pint parses each), so that
#: ``import migindicators`` does not pay for pint (about a second) until a unit is converted.
KNOWN_UNITS = frozenset(
    {
        "1",
        "day",
        "dimensionless",
        "kilometer",
        "month",
        "month_of_earnings",
        "per_100000",
        "percent",
        "permille",
        "person",
        "year",
    }
)


@lru_cache(maxsize=1)
def get_registry() -> pint.UnitRegistry[Any]:
    """The library's pint registry, built on first use (also ``migindicators.core.units``)."""
    import pint

    ureg: pint.UnitRegistry[Any] = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    # pint logs and warns on redefinitions; a library must not clutter notebooks (xclim #1373).
    logging.getLogger("pint").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for definition in _EXTRA_DEFINITIONS:
            ureg.define(definition)
        for code in CURRENCIES:
            ureg.define(f"{code} = [currency_{code}]")
    return ureg


class _LazyRegistry:
    """Stands for the pint registry until first used; then forwards everything to it."""

    def __getattr__(self, name: str) -> Any:
        return getattr(get_registry(), name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return get_registry()(*args, **kwargs)

    def __getitem__(self, key: str) -> Any:
        return get_registry()[key]

    def __dir__(self) -> list[str]:
        return dir(get_registry())

    def __repr__(self) -> str:
        return repr(get_registry())


#: The library's pint registry, built on first attribute access (see :func:`get_registry`).
units = cast("pint.UnitRegistry[Any]", _LazyRegistry())


def check_unit(unit: str) -> None:
    """Raise :class:`UnitError` unless *unit* is a unit the library's registry parses.

    The library's own unit strings (:data:`KNOWN_UNITS`) and currency codes pass without
    building the registry; any other string is parsed with pint.
    """
    if unit in KNOWN_UNITS or is_currency(unit):
        return
    parse_unit(unit)


@lru_cache(maxsize=512)
def parse_unit(unit: str) -> pint.Unit:
    """Parse a unit string with the library's registry.

    Parameters
    ----------
    unit : str
        A pint-parsable unit expression, e.g. ``"percent"``, ``"person"``, ``"USD / month"``.

    Returns
    -------
    pint.Unit

    Raises
    ------
    UnitError
        If the string is not a unit the registry knows.
    """
    import pint

    try:
        return get_registry().Unit(unit)
    except (
        pint.errors.UndefinedUnitError,
        pint.errors.DefinitionSyntaxError,
        ValueError,
        AttributeError,
        TypeError,
    ) as exc:
        raise UnitError(f"{unit!r} is not a unit migindicators knows: {exc}") from None


def is_currency(unit: str) -> bool:
    """Whether *unit* is one ISO 4217 currency code (and nothing else)."""
    return unit in CURRENCIES


def conversion_factor(source: str, target: str) -> float:
    """Return the factor that converts values in *source* units to *target* units.

    Raises
    ------
    UnitError
        If the two units have different dimensions (e.g. two different currencies).
    """
    import pint

    src, dst = parse_unit(source), parse_unit(target)
    try:
        return float(get_registry().Quantity(1.0, src).to(dst).magnitude)
    except pint.errors.DimensionalityError:
        raise UnitError(
            f"cannot convert {source!r} to {target!r}: different dimensions "
            f"({src.dimensionality} vs {dst.dimensionality}). Amounts in different "
            "currencies need explicit, dated exchange rates passed as data."
        ) from None


def check_dimensionality(unit: str, expected: str, *, what: str = "value") -> None:
    """Raise :class:`UnitError` unless *unit* has the dimensionality of *expected*.

    Parameters
    ----------
    unit : str
        The unit to check, e.g. ``"KES"``.
    expected : str
        A unit of the wanted dimension, e.g. ``"USD"`` or ``"person"``.
    what : str
        A name for the quantity, used in the message.
    """
    got, want = parse_unit(unit), parse_unit(expected)
    if got.dimensionality != want.dimensionality:
        raise UnitError(
            f"{what} is in {unit!r} ({got.dimensionality}), which cannot be compared with "
            f"{expected!r} ({want.dimensionality})"
        )
