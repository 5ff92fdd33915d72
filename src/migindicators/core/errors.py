"""Exception types raised by migindicators.

Every error a user can cause derives from :class:`MigIndicatorsError`, so that scripts
and the command line can tell bad input (exit code 1) from a bug (a traceback).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = [
    "DesignError",
    "EstimationError",
    "InputValidationError",
    "MigIndicatorsError",
    "OptionError",
    "RegistryError",
    "UnitError",
]


class MigIndicatorsError(Exception):
    """Base class of the errors raised by migindicators for bad input or usage."""


class RegistryError(MigIndicatorsError):
    """An indicator TOML file breaks the registry schema, or an id is unknown."""


class OptionError(MigIndicatorsError, TypeError):
    """An indicator was called with an unknown option or an invalid option value."""


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
