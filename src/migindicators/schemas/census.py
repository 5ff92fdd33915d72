"""Input kind ``census``: person records of a census or census sample, and a fast validator.

One row is one person enumerated in ``ref_area`` at ``time_period``. Place of birth and
citizenship are ISO3 codes; ``"XXX"`` means "foreign, country not stated" and a missing
value means unknown. ``household`` and ``strata`` are opaque keys (IPUMS ``SERIAL`` and
``STRATA``) used as the cluster and stratum of the Taylor variance.

Fast validation
---------------
A national extract has 10^7–10^9 rows. :func:`validate_census` checks the *same column
specification* as the pandera schema (:meth:`InputKind.validate`) with vectorised numpy
operations, and raises the same :class:`~migindicators.core.errors.InputValidationError` layout
(column, check, count, a few offending rows):

* numeric columns: one coercion (skipped when already numeric), then ``>=``/``<=`` as array
  comparisons and a null count;
* code columns (area, sex, birthplace): the pattern and allowed-value checks are evaluated on
  the *distinct* values (a categorical's categories, or :func:`pandas.unique`), because their
  result depends only on the value; only when a distinct value fails are its rows located.
  Regex matching on 20 million strings row by row is what makes pandera slow at this scale;
  on the distinct values it costs microseconds;
* ``household``/``strata`` are keys: presence only, no coercion (IDs may be text).

Small frames (below :data:`PANDERA_ROWS`) go through pandera itself, so both paths are
exercised, and a test checks they accept and reject the same frames.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from migindicators.core.errors import InputValidationError
from migindicators.core.frames import accepts_any_frame
from migindicators.schemas import register
from migindicators.schemas._spec import Column, InputKind
from migindicators.schemas.common import AGE_GROUP, REF_AREA, SEX, TIME_PERIOD, WEIGHT

#: Highest valid age in completed years [year].
AGE_MAX = 130

__all__ = ["CENSUS", "MIGRANT_STOCK_TABLE", "PANDERA_ROWS", "validate_census", "validate_fast"]

#: Frames with fewer rows are validated by pandera; larger ones by :func:`validate_fast`.
PANDERA_ROWS = 50_000

#: ISO3 code or "XXX" (foreign, country not stated).
_ISO3 = r"[A-Z]{3}"

_KEY_COLUMNS = ("household", "strata")

CENSUS = register(
    InputKind(
        name="census",
        description="Person records of a census or census sample (one row per person), with "
        "place of birth and/or citizenship, sex, age and an expansion weight.",
        columns=(
            REF_AREA,
            TIME_PERIOD,
            Column("sex", SEX.dtype, SEX.description, required=False, nullable=True, isin=SEX.isin),
            Column(
                "age",
                "float",
                "Age in completed years",
                unit="year",
                required=False,
                nullable=True,
                ge=0,
                le=AGE_MAX,
            ),
            AGE_GROUP,
            Column(
                "country_of_birth",
                "str",
                "Country of birth (ISO3; XXX = foreign, country not stated; missing = unknown)",
                required=False,
                nullable=True,
                pattern=_ISO3,
            ),
            Column(
                "citizenship",
                "str",
                "Country of citizenship (ISO3; XXX = foreign, country "
                "not stated; missing = unknown)",
                required=False,
                nullable=True,
                pattern=_ISO3,
            ),
            Column(
                "year_of_arrival",
                "float",
                "Year of arrival in the country (immigrants)",
                required=False,
                nullable=True,
                ge=1800,
                le=2100,
            ),
            Column(
                "weight",
                WEIGHT.dtype,
                "Person expansion weight (IPUMS PERWT)",
                unit="person",
                required=False,
                nullable=True,
                ge=0,
            ),
            Column(
                "household",
                "str",
                "Household identifier (cluster, e.g. IPUMS SERIAL)",
                required=False,
                nullable=True,
            ),
            Column(
                "strata",
                "str",
                "Sampling stratum (e.g. IPUMS STRATA)",
                required=False,
                nullable=True,
            ),
        ),
    )
)

MIGRANT_STOCK_TABLE = register(
    InputKind(
        name="migrant_stock_table",
        description="Published international migrant stock by area and date (e.g. UN DESA "
        "Table 1), optionally by sex and age group; one row per key.",
        columns=(
            REF_AREA,
            TIME_PERIOD,
            SEX,
            AGE_GROUP,
            Column("migrant_stock", "float", "International migrant stock", unit="person", ge=0),
            Column(
                "type_of_data",
                "str",
                "DESA type of data: B foreign-born, C foreign citizens, R refugees added, "
                "I imputed (combinations such as 'B R')",
                required=False,
                nullable=True,
                pattern=r"[BCRI]( [BCRI])*",
            ),
        ),
        unique=("ref_area", "time_period", "sex", "age_group"),
    )
)

_MAX_EXAMPLES = 5


@accepts_any_frame
def validate_census(frame: pd.DataFrame, *, input_name: str = "census") -> pd.DataFrame:
    """Validate a census frame: pandera below :data:`PANDERA_ROWS` rows, else the fast path."""
    if isinstance(frame, pd.DataFrame) and len(frame) < PANDERA_ROWS:
        keys = {c: frame[c] for c in _KEY_COLUMNS if c in frame.columns}
        out = CENSUS.validate(frame.drop(columns=list(keys)), input_name=input_name)
        for name, values in keys.items():  # keys keep their type (not coerced to text)
            out[name] = values
        return out[list(frame.columns)]
    return validate_fast(CENSUS, frame, input_name=input_name)


def validate_fast(
    kind: InputKind,
    frame: pd.DataFrame,
    *,
    input_name: str | None = None,
    keys: Sequence[str] = _KEY_COLUMNS,
) -> pd.DataFrame:
    """Check *frame* against *kind*'s column spec with vectorised operations.

    Returns a new frame (columns shared where no coercion was needed; the caller's frame
    is never modified). Uniqueness constraints are not checked (census rows have none).

    Raises
    ------
    InputValidationError
        Naming each failed column and check with a few offending rows.
    """
    label = f"input {input_name!r} ({kind.name})" if input_name else f"input kind {kind.name!r}"
    if not isinstance(frame, pd.DataFrame):
        raise InputValidationError(
            f"{label}: expected a pandas DataFrame, got {type(frame).__name__}",
            input_kind=kind.name,
        )
    if len(frame) == 0 and not kind.allow_empty:
        raise InputValidationError(f"{label}: the frame is empty (no rows)", input_kind=kind.name)
    missing = [c.name for c in kind.columns if c.required and c.name not in frame.columns]
    if missing:
        raise InputValidationError(
            f"{label}: missing required column(s) {missing}; the frame has "
            f"{list(frame.columns)[:20]}. Required columns: "
            f"{[c.name for c in kind.columns if c.required]}",
            input_kind=kind.name,
        )
    failures: list[tuple[str, str, np.ndarray, pd.Series]] = []
    out = frame.copy(deep=False)
    for col in kind.columns:
        if col.name not in frame.columns or col.name in keys:
            continue
        series = frame[col.name]
        if col.dtype in ("int", "nullable_int", "float"):
            checked = _check_numeric(col, series, failures)
            if checked is not series:  # coerced; an unchanged column is not set again
                out[col.name] = checked
        elif col.dtype == "str":
            _check_codes(col, series, failures)
        if not col.nullable:
            null = series.isna().to_numpy()
            if null.any():
                failures.append((col.name, "'not_nullable'", null, series))
    if failures:
        raise _error(label, kind.name, failures)
    return out


def _check_numeric(
    col: Column, series: pd.Series, failures: list[tuple[str, str, np.ndarray, pd.Series]]
) -> pd.Series:
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        coerced = pd.to_numeric(series, errors="coerce")
        bad = (coerced.isna() & series.notna()).to_numpy()
        if bad.any():
            failures.append(
                (
                    col.name,
                    f"'coerce_dtype({col.dtype})' (values that cannot be converted)",
                    bad,
                    series,
                )
            )
        series = coerced
    values = series.to_numpy()
    if values.dtype.kind not in "iuf":
        values = series.to_numpy(dtype="float64", na_value=np.nan)
    if len(values) and _within(values, col.ge, col.le):
        return series  # the common case: two reductions, no row masks
    with np.errstate(invalid="ignore"):
        if values.dtype.kind == "f":
            infinite = np.isinf(values)
            if infinite.any():
                failures.append(
                    (col.name, "'finite' (inf and -inf cannot be used)", infinite, series)
                )
        if col.ge is not None:
            bad = values < col.ge
            if bad.any():
                failures.append((col.name, f"'>= {col.ge:g}'", bad, series))
        if col.le is not None:
            bad = values > col.le
            if bad.any():
                failures.append((col.name, f"'<= {col.le:g}'", bad, series))
    if col.dtype == "int" and not pd.api.types.is_integer_dtype(series):
        values = values.astype("float64")
        whole = np.isnan(values) | (np.isfinite(values) & (values == np.round(values)))
        if not whole.all():
            failures.append((col.name, "'coerce_dtype(int64)' (not whole numbers)", ~whole, series))
        elif not np.isnan(values).any():
            series = pd.Series(values.astype("int64"), index=series.index)
    return series


def _all_valid(col: Column, values: np.ndarray) -> bool:
    if col.pattern is not None:
        regex = re.compile(f"(?:{col.pattern})")
        if not all(regex.fullmatch(str(v)) for v in values):
            return False
    return col.isin is None or all(v in set(col.isin) for v in values)


def _within(values: np.ndarray, ge: float | None, le: float | None) -> bool:
    """Whether every non-missing value lies in [ge, le] (NaN-aware min and max)."""
    with np.errstate(invalid="ignore"):
        # fmin/fmax skip NaN like nanmin/nanmax, without their all-NaN RuntimeWarning
        low = np.fmin.reduce(values) if values.dtype.kind == "f" else values.min()
        high = np.fmax.reduce(values) if values.dtype.kind == "f" else values.max()
    if np.isnan(low):
        return True  # every value missing: the null check decides
    if np.isinf(low) or np.isinf(high):
        return False  # the slow path names the infinite rows
    return (ge is None or low >= ge) and (le is None or high <= le)


def _distinct(series: pd.Series) -> np.ndarray:
    if isinstance(series.dtype, pd.CategoricalDtype):
        cats = series.cat.categories.to_numpy(dtype=object)
        counts = np.bincount(
            series.cat.codes.to_numpy().astype(np.int64) + 1, minlength=len(cats) + 1
        )
        return np.asarray(cats[np.flatnonzero(counts[1:])])
    values = pd.unique(series.dropna())
    return np.asarray(values, dtype=object)


def _check_codes(
    col: Column, series: pd.Series, failures: list[tuple[str, str, np.ndarray, pd.Series]]
) -> None:
    if col.pattern is None and col.isin is None:
        return
    if isinstance(series.dtype, pd.CategoricalDtype) and _all_valid(
        col, np.asarray(series.cat.categories, dtype=object)
    ):
        return  # every category passes, so every row does: no pass over the rows
    distinct = [v for v in _distinct(series) if not (isinstance(v, float) and np.isnan(v))]
    if col.pattern is not None:
        regex = re.compile(f"(?:{col.pattern})")
        bad_values = [v for v in distinct if not regex.fullmatch(str(v))]
        if bad_values:
            failures.append(
                (col.name, f"'matches {col.pattern}'", series.isin(bad_values).to_numpy(), series)
            )
    if col.isin is not None:
        allowed = set(col.isin)
        bad_values = [v for v in distinct if v not in allowed]
        if bad_values:
            failures.append(
                (col.name, f"'in {list(col.isin)}'", series.isin(bad_values).to_numpy(), series)
            )


def _error(
    label: str, kind: str, failures: list[tuple[str, str, np.ndarray, pd.Series]]
) -> InputValidationError:
    lines = [f"{label} failed validation:"]
    cases = []
    for column, check, mask, series in failures:
        rows = np.flatnonzero(mask)
        examples = series.iloc[rows[:_MAX_EXAMPLES]]
        shown = ", ".join(f"row {idx}: {val!r}" for idx, val in examples.items())
        more = f" (+{len(rows) - _MAX_EXAMPLES} more)" if len(rows) > _MAX_EXAMPLES else ""
        lines.append(
            f"  - column {column!r}, check {check}: {len(rows)} failure(s); e.g. {shown}{more}"
        )
        cases.append(
            pd.DataFrame(
                {
                    "column": column,
                    "check": check,
                    "index": examples.index,
                    "failure_case": examples.to_numpy(),
                }
            )
        )
    return InputValidationError(
        "\n".join(lines), input_kind=kind, failure_cases=pd.concat(cases, ignore_index=True)
    )
