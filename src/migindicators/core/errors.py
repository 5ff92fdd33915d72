"""Exception types raised by migindicators.

Every error a user can cause derives from :class:`MigIndicatorsError`, so that scripts
and the command line can tell bad input (exit code 1) from a bug (a traceback).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = [
    "AmbiguousAreaError",
    "CodeListError",
    "DesignError",
    "EstimationError",
    "FileError",
    "InputValidationError",
    "MigIndicatorsError",
    "MissingColumnError",
    "OptionError",
    "RegistryError",
    "UnitError",
    "UnknownNameError",
    "WeightError",
    "show_values",
]


class MigIndicatorsError(Exception):
    """Base class of the errors raised by migindicators for bad input or usage."""


class RegistryError(MigIndicatorsError):
    """An indicator TOML file breaks the registry schema, or an id is unknown."""


class OptionError(MigIndicatorsError, TypeError, ValueError):
    """An indicator was called with an unknown option or an option value of the wrong type
    or outside its choices.

    Both a :class:`TypeError` (wrong type) and a :class:`ValueError` (wrong value), so that
    ``except`` clauses written for either keep working.
    """


class UnknownNameError(OptionError, KeyError):
    """An argument names something that does not exist: a quality rule, a flag code, a
    codebook variable, a dataset table. Also a :class:`KeyError`."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class DesignError(MigIndicatorsError, ValueError):
    """A survey design cannot give a variance as specified (e.g. a stratum with one PSU
    under ``lonely_psu="fail"``): the message says which option to choose."""


class EstimationError(MigIndicatorsError, ValueError):
    """An estimation method cannot reach a solution for these inputs.

    Raised, for instance, when stock tables cannot be balanced (more deaths than residents),
    when a seed's zero cells leave no flow matrix that meets the required totals, or when a
    matrix that must be inverted is singular. The message says which input and what to try.
    """


class UnitError(MigIndicatorsError, ValueError):
    """A unit string cannot be parsed, or two quantities with incompatible units meet."""


class InputValidationError(MigIndicatorsError, ValueError):
    """An input frame failed its schema.

    Attributes
    ----------
    input_kind : str
        The name of the input kind (schema) that failed.
    failure_cases : pandas.DataFrame
        One row per failed check and offending value: ``column``, ``check``,
        ``index`` and ``failure_case``.
    """

    def __init__(
        self,
        message: str,
        *,
        input_kind: str = "",
        failure_cases: pd.DataFrame | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.input_kind = input_kind
        self.failure_cases = (
            failure_cases
            if failure_cases is not None
            else pd.DataFrame(columns=["column", "check", "index", "failure_case"])
        )
        self.extra = extra


class MissingColumnError(InputValidationError, KeyError):
    """A column the computation needs (an input column, a ``by`` column, a design column) is
    absent from an input frame. Also a :class:`KeyError`."""

    def __str__(self) -> str:
        # KeyError quotes its argument; the message reads better as written.
        return str(self.args[0]) if self.args else ""


class WeightError(InputValidationError):
    """Survey weights that are negative, zero or not finite where the estimator needs positive
    finite weights. ``failure_cases`` lists the offending rows."""


class AmbiguousAreaError(InputValidationError):
    """A withdrawn area code (``SUN``, ``YUG``, …) whose successors lie in several aggregates
    of a grouping cannot be assigned to one of them (the USSR spans Europe and Asia): the
    message names the codes, the grouping and the aggregates, and what to do (split the rows
    among the successors, or aggregate to a grouping that holds all of them)."""


class CodeListError(InputValidationError):
    """Codes of an output column are not in the code list the data structure definition
    gives that column (SDMX output against the SDG DSD's code lists): the message names the
    column, the code list and its version, the offending codes (the first few and how many)
    and what to do. ``failure_cases`` lists them (``column``, ``check`` = the code list,
    ``index`` = the first row, ``failure_case`` = the code)."""


class FileError(MigIndicatorsError, OSError):
    """An input file cannot be read or decoded (missing, unreadable, corrupt, wrong encoding or
    delimiter), or an output file cannot be written (read-only folder, a parent that is a
    file): the message names the file and what to try. Also an :class:`OSError`."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def show_values(values: Any, limit: int = 5) -> str:
    """A short, readable list of offending values for an error message: the first *limit*
    distinct values and how many more there are."""
    try:
        distinct = list(dict.fromkeys(list(values)))
    except TypeError:
        distinct = [values]
    shown = ", ".join(repr(v) for v in distinct[:limit])
    more = len(distinct) - limit
    return f"[{shown}{f', … and {more} more' if more > 0 else ''}]"
