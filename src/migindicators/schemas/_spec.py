"""A neutral column specification from which pandera schemas are generated.

We keep our own small spec (name, logical type, unit, nullability, range, allowed values)
rather than writing pandera models by hand, because the same spec also feeds the docs, the
unit checks at function boundaries and the hypothesis strategies (peers.md §7).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from migindicators.core.errors import InputValidationError, RegistryError, UnknownNameError
from migindicators.core.frames import accepts_any_frame
from migindicators.core.units import check_unit

__all__ = ["Column", "InputKind"]

# logical type -> pandas dtype used for coercion
_DTYPES: dict[str, Any] = {
    "str": str,
    "int": "int64",
    "nullable_int": "Int64",
    "float": "float64",
    "bool": "bool",
}

_MAX_EXAMPLES = 5


@dataclass(frozen=True)
class Column:
    """One column of an input kind.

    Parameters
    ----------
    name : str
        Standard column name (lowercase snake_case, SDMX concept where one exists).
    dtype : {"str", "int", "nullable_int", "float", "bool"}
        Logical type; values are coerced to it, and a value that cannot be is an error.
    description : str
        What the column holds, for the docs and error messages.
    unit : str, optional
        A pint unit string (``"person"``, ``"USD"``, ``"percent"``), or ``None``.
    required : bool
        Whether the column must be present.
    nullable : bool
        Whether missing values are allowed.
    ge, le : float, optional
        Inclusive bounds.
    isin : sequence, optional
        Allowed values.
    pattern : str, optional
        A regular expression every (non-missing) string value must match fully.

    Notes
    -----
    Every ``float`` column also checks that its values are finite: ``inf`` and ``-inf`` are
    never a count, weight, cost, population or rate that an indicator can use (a ``>= 0``
    bound alone lets ``inf`` through), so they are rejected with the rows named, in every
    input kind alike. Missing values (NaN) are governed by ``nullable``; where a kind allows
    them, the indicator excludes and counts those rows.
    """

    name: str
    dtype: str
    description: str
    unit: str | None = None
    required: bool = True
    nullable: bool = False
    ge: float | None = None
    le: float | None = None
    isin: tuple[Any, ...] | None = None
    pattern: str | None = None

    def __post_init__(self) -> None:
        if self.dtype not in _DTYPES:
            raise RegistryError(f"column {self.name!r}: unknown dtype {self.dtype!r}")
        if self.unit is not None:
            check_unit(self.unit)

    def checks(self) -> list[pa.Check]:
        """The pandera checks of this column."""
        checks: list[pa.Check] = []
        if self.ge is not None:
            checks.append(pa.Check.ge(self.ge))
        if self.le is not None:
            checks.append(pa.Check.le(self.le))
        if self.isin is not None:
            checks.append(pa.Check.isin(list(self.isin)))
        if self.pattern is not None:
            checks.append(pa.Check.str_matches(f"^(?:{self.pattern})$"))
        if self.dtype == "float":
            checks.append(
                pa.Check(_finite_or_missing, name="finite", error="finite (not +inf or -inf)")
            )
        return checks

    def to_pandera(self) -> pa.Column:
        """This column as a pandera ``Column`` (unit in its metadata)."""
        return pa.Column(
            _DTYPES[self.dtype],
            checks=self.checks(),
            nullable=self.nullable,
            required=self.required,
            coerce=True,
            description=self.description,
            metadata={"unit": self.unit} if self.unit else None,
            title=self.name,
        )


@dataclass(frozen=True)
class InputKind:
    """A kind of input frame (refugee counts, price observations, census persons, …).

    Parameters
    ----------
    name : str
        Registry name of the kind, used in indicator TOML files (``inputs.x.kind``).
    description : str
        What one row is.
    columns : sequence of Column
        The columns; extra columns are allowed and passed through untouched.
    unique : sequence of str
        Columns whose combination must not repeat (the frame's key).
    allow_empty : bool
        Whether a frame with no rows is acceptable.
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    unique: tuple[str, ...] = ()
    allow_empty: bool = False
    examples: Mapping[str, Any] = field(default_factory=dict)

    def column(self, name: str) -> Column:
        """The spec of column *name*."""
        for col in self.columns:
            if col.name == name:
                return col
        raise UnknownNameError(f"input kind {self.name!r} has no column {name!r}")

    @property
    def units(self) -> dict[str, str]:
        """Column name → unit string, for the columns that have a unit."""
        return {c.name: c.unit for c in self.columns if c.unit}

    def to_pandera(self) -> pa.DataFrameSchema:
        """The pandera schema of this kind."""
        present_unique = list(self.unique) or None
        return pa.DataFrameSchema(
            {c.name: c.to_pandera() for c in self.columns},
            unique=present_unique,
            strict=False,
            coerce=True,
            name=self.name,
            description=self.description,
            report_duplicates="all",
        )

    @accepts_any_frame
    def validate(self, frame: pd.DataFrame, *, input_name: str | None = None) -> pd.DataFrame:
        """Validate *frame* and return a coerced copy; the caller's frame is never mutated.

        Raises
        ------
        InputValidationError
            Naming the input, each failed column and check, and a few offending rows.
        """
        label = f"input {input_name!r} ({self.name})" if input_name else f"input kind {self.name!r}"
        if not isinstance(frame, pd.DataFrame):
            raise InputValidationError(
                f"{label}: expected a pandas DataFrame (or a polars, pyarrow or DuckDB frame), "
                f"got {type(frame).__name__}",
                input_kind=self.name,
            )
        if len(frame) == 0 and not self.allow_empty:
            raise InputValidationError(
                f"{label}: the frame is empty (no rows)", input_kind=self.name
            )
        missing = [c.name for c in self.columns if c.required and c.name not in frame.columns]
        if missing:
            raise InputValidationError(
                f"{label}: missing required column(s) {missing}; the frame has "
                f"{list(frame.columns)[:20]}. Required columns: "
                f"{[c.name for c in self.columns if c.required]}",
                input_kind=self.name,
            )
        try:
            # pandera's failure report cannot handle repeated index labels (common after a
            # pd.concat without ignore_index): fall back to row positions then.
            candidate = frame.copy() if frame.index.is_unique else frame.reset_index(drop=True)
            # Coercion to int64 would truncate 2024.5 to 2024: find fractions first.
            fractions = self._fractions(candidate)
            validated: pd.DataFrame = self.to_pandera().validate(candidate, lazy=True)
        except SchemaErrors as exc:
            cases = exc.failure_cases
            if len(fractions):
                cases = pd.concat([fractions, cases], ignore_index=True)
            raise self._error(label, cases) from None
        except SchemaError as exc:  # pragma: no cover - lazy=True collects, kept for safety
            cases = exc.failure_cases if isinstance(exc.failure_cases, pd.DataFrame) else None
            raise InputValidationError(
                f"{label}: {exc}", input_kind=self.name, failure_cases=cases
            ) from None
        if len(fractions):
            raise self._error(label, fractions)
        return validated

    def _fractions(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Failure cases for fractional numbers in integer columns (never truncated)."""
        parts = []
        for col in self.columns:
            if col.dtype not in ("int", "nullable_int") or col.name not in frame.columns:
                continue
            raw = frame[col.name]
            if pd.api.types.is_integer_dtype(raw) or pd.api.types.is_bool_dtype(raw):
                continue
            values = pd.to_numeric(raw, errors="coerce").astype(float)
            with np.errstate(invalid="ignore"):
                bad = values.notna() & np.isfinite(values) & (values % 1 != 0)
            if bad.any():
                parts.append(
                    pd.DataFrame(
                        {
                            "column": col.name,
                            "check": "whole number",
                            "index": raw.index[bad],
                            "failure_case": raw[bad].to_numpy(),
                        }
                    )
                )
        if not parts:
            return pd.DataFrame(columns=["column", "check", "index", "failure_case"])
        return pd.concat(parts, ignore_index=True)

    def _error(self, label: str, cases: pd.DataFrame) -> InputValidationError:
        cases = cases.copy()
        cases["column"] = cases["column"].fillna("(frame)").astype(str)
        cases["check"] = cases["check"].astype(str).map(_readable_check)
        lines = [f"{label} failed validation:"]
        for (column, check), group in cases.groupby(["column", "check"], sort=False):
            examples = ", ".join(
                f"row {idx}: {val!r}" if pd.notna(idx) else f"{val!r}"
                for idx, val in zip(
                    group["index"].head(_MAX_EXAMPLES),
                    group["failure_case"].head(_MAX_EXAMPLES),
                    strict=True,
                )
            )
            more = f" (+{len(group) - _MAX_EXAMPLES} more)" if len(group) > _MAX_EXAMPLES else ""
            lines.append(
                f"  - column {column!r}, check {check}: {len(group)} failure(s); "
                f"e.g. {examples}{more}"
            )
        return InputValidationError(
            "\n".join(lines),
            input_kind=self.name,
            failure_cases=cases[["column", "check", "index", "failure_case"]],
        )

    def describe(self) -> pd.DataFrame:
        """A table of the columns (for docs and ``migindicators validate --describe``)."""
        rows = []
        for c in self.columns:
            rule: Sequence[str] = [
                *(f">= {c.ge:g}" for _ in [0] if c.ge is not None),
                *(f"<= {c.le:g}" for _ in [0] if c.le is not None),
                *(f"in {list(c.isin)}" for _ in [0] if c.isin is not None),
                *(f"matches {c.pattern}" for _ in [0] if c.pattern is not None),
            ]
            rows.append(
                {
                    "column": c.name,
                    "type": c.dtype,
                    "unit": c.unit or "",
                    "required": c.required,
                    "nullable": c.nullable,
                    "rule": "; ".join(rule),
                    "description": c.description,
                }
            )
        return pd.DataFrame(rows)


def _finite_or_missing(series: pd.Series) -> pd.Series:
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return pd.Series(np.isfinite(values) | np.isnan(values), index=series.index)


_CHECK_NAMES = {
    "greater_than_or_equal_to": ">=",
    "less_than_or_equal_to": "<=",
    "isin": "in",
    "str_matches": "matches",
}


def _readable_check(check: str) -> str:
    match = re.match(r"(\w+)\((.*)\)$", check)
    if match and match.group(1) in _CHECK_NAMES:
        return f"'{_CHECK_NAMES[match.group(1)]} {match.group(2)}'"
    if check == "whole number":
        return "'whole number' (a fraction in an integer column is never truncated)"
    if check == "finite":
        return "'finite' (inf and -inf cannot be used; give the real value or leave it missing)"
    if check.startswith("coerce_dtype"):
        return f"'{check}' (values that cannot be converted)"
    if check == "field_uniqueness" or "unique" in check:
        return "'unique key' (duplicated rows for the same key)"
    return f"'{check}'"
