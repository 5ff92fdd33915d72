"""Input kinds for remittance prices (World Bank RPW layout) and bilateral remittance flows.

One row of ``remittance_prices`` is one service (firm x product) in one corridor
(sending x receiving country), one quarter and one amount sent (USD 200 or USD 500
equivalent): the RPW workbook's ``cc1``/``cc2`` column blocks become two rows told apart
by ``amount_usd`` (see :func:`migindicators.io.read_rpw`). A long layout keeps one set of
cost columns, so the same code serves both price points and the choice of amount is a row
filter that the row ledger accounts for.

:func:`validate_columns` applies the same column rules as the pandera schema, vectorised on
the distinct values of each column (a categorical column is checked on its categories in
use, a numeric one by its minimum and maximum). An indicator validates only the columns it
reads, so that tabulating five million price rows is not dominated by validating columns it
never touches. Whenever a rule fails, or a column needs coercion, the pandera schema of
those columns runs and produces the library's standard error (column, check, offending
rows), so messages are the same on both paths.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from migindicators.core.errors import InputValidationError
from migindicators.schemas import register
from migindicators.schemas._spec import Column, InputKind
from migindicators.schemas.common import area_column

__all__ = [
    "COST_COLUMNS",
    "REMITTANCE_FLOWS",
    "REMITTANCE_PRICES",
    "TIME_QUARTER",
    "validate_columns",
]

#: A quarter in SDMX form, e.g. ``2011-Q1``.
TIME_QUARTER = Column(
    "time_period", "str", "Quarter of the price collection, e.g. 2011-Q1", pattern=r"\d{4}-Q[1-4]"
)


def _text(name: str, description: str) -> Column:
    return Column(name, "str", description, required=False, nullable=True)


def _number(
    name: str, description: str, unit: str | None = None, *, ge: float | None = None
) -> Column:
    return Column(name, "float", description, unit=unit, required=False, nullable=True, ge=ge)


#: Cost columns: the source's figures and the components they are recomputed from.
COST_COLUMNS = ("total_cost", "fx_margin", "fee_lcu", "amount_lcu", "fx_rate", "interbank_rate")

REMITTANCE_PRICES = register(
    InputKind(
        name="remittance_prices",
        description="Remittance price observations (World Bank Remittance Prices Worldwide "
        "layout): one row per service (firm x product) x corridor x quarter x amount "
        "sent (USD 200 or USD 500 equivalent).",
        columns=(
            TIME_QUARTER,
            area_column("sending_area", "Sending country (ISO3), RPW source_code"),
            area_column("receiving_area", "Receiving country (ISO3), RPW destination_code"),
            Column(
                "amount_usd",
                "float",
                "USD denomination of the amount sent (200 or 500)",
                unit="USD",
                ge=0,
            ),
            Column(
                "transparent",
                "str",
                "Exchange rate disclosed to the sender: yes or no",
                nullable=True,
                isin=("yes", "no"),
            ),
            _number("total_cost", "Total cost as given by the source, % of amount sent", "percent"),
            _number(
                "fx_margin",
                "Exchange-rate margin as given by the source, % (may be < 0)",
                "percent",
            ),
            _number("fee_lcu", "Fee charged to the sender, in send_currency", ge=0),
            _number("amount_lcu", "Amount sent, in send_currency", ge=0),
            _number(
                "fx_rate",
                "Exchange rate applied: receive-currency units per send-currency unit",
                ge=0,
            ),
            _number(
                "interbank_rate", "Interbank rate at collection, same quotation as fx_rate", ge=0
            ),
            Column(
                "send_currency",
                "str",
                "ISO 4217 code of amount_lcu (and of fee_lcu unless fee_currency says otherwise)",
                required=False,
                nullable=True,
                pattern=r"[A-Z]{3}",
            ),
            Column(
                "fee_currency",
                "str",
                "ISO 4217 code of fee_lcu when it differs from send_currency",
                required=False,
                nullable=True,
                pattern=r"[A-Z]{3}",
            ),
            _text("service_id", "Identifier of the observation (RPW id)"),
            _text("corridor", "Corridor code, sending + receiving ISO3 (e.g. TZAKEN)"),
            _text("firm", "Remittance service provider"),
            _text(
                "firm_type",
                "Type of provider: Bank, Money Transfer Operator, Post office, "
                "Mobile Operator, Non-Bank FI, ...",
            ),
            _text("product", "Product name"),
            _text("access_point", "Access point (RPW 'access point')"),
            _text("speed", "Speed of delivery as published (RPW 'speed actual')"),
            _number(
                "speed_days", "Upper bound of the delivery time in days, from speed", "day", ge=0
            ),
            _text("payment_instrument", "Funding instrument (cash, account, card, ...)"),
            _text("pickup_method", "Disbursement instrument (cash, account, mobile wallet, ...)"),
            _text("receiving_network_coverage", "Coverage of the paying network"),
            Column(
                "accessible",
                "str",
                "Accessible to the general public (SmaRT rule): yes or no",
                required=False,
                nullable=True,
                isin=("yes", "no"),
            ),
            Column(
                "mobile_money",
                "str",
                "Mobile-money service: yes or no",
                required=False,
                nullable=True,
                isin=("yes", "no"),
            ),
            _text("sending_wb_region", "World Bank region of the sending country (RPW)"),
            _text("receiving_wb_region", "World Bank region of the receiving country (RPW)"),
            _text("sending_income", "World Bank income group of the sending country (RPW)"),
            _text("receiving_income", "World Bank income group of the receiving country (RPW)"),
            _text("collection_date", "Date of the price collection, ISO 8601"),
        ),
    )
)

REMITTANCE_FLOWS = register(
    InputKind(
        name="remittance_flows",
        description="Bilateral remittance flows (e.g. the World Bank/KNOMAD bilateral "
        "remittance matrix): one row per sending x receiving country.",
        columns=(
            area_column("sending_area", "Sending (host) country, ISO3"),
            area_column("receiving_area", "Receiving (origin) country, ISO3"),
            Column(
                "flow", "float", "Remittances sent in the year", unit="USD", ge=0, nullable=True
            ),
            Column("year", "int", "Year of the flow estimate", required=False, ge=1900, le=2100),
        ),
        unique=("sending_area", "receiving_area"),
    )
)


def _labels_ok(col: Column, values: pd.Series) -> bool:
    """Whether distinct text *values* are strings passing *col*'s ``isin`` and ``pattern``."""
    if not all(isinstance(v, str) for v in values):
        return False
    if col.isin is not None and not bool(values.isin(list(col.isin)).all()):
        return False
    if col.pattern is not None:
        return bool(values.str.fullmatch(f"(?:{col.pattern})").all())
    return True


def _fast_ok(col: Column, series: pd.Series) -> bool:
    """Whether *series* already has *col*'s type and passes its rules (no coercion needed).

    Text rules are checked on the distinct values only (for a categorical, the categories
    in use); numeric bounds by NaN-ignoring minimum and maximum. No check allocates a
    temporary the size of the column beyond what numpy's reductions need.
    """
    if col.dtype == "str":
        if isinstance(series.dtype, pd.CategoricalDtype):
            codes = series.cat.codes.to_numpy()
            if not col.nullable and codes.size and codes.min() < 0:
                return False
            values = pd.Series(series.cat.categories.to_numpy(), dtype=object)
            if not _labels_ok(col, values):
                # an unused category may be the culprit: check the labels in use only
                used = np.unique(codes)
                values = pd.Series(values.to_numpy()[used[used >= 0]], dtype=object)
            return _labels_ok(col, values)
        elif ptypes.is_string_dtype(series.dtype):
            if not col.nullable and bool(series.isna().any()):
                return False
            values = pd.Series(pd.unique(series.dropna()), dtype=object)
        else:
            return False
        return _labels_ok(col, values)
    if col.dtype == "float":
        if not ptypes.is_float_dtype(series.dtype) or isinstance(
            series.dtype, pd.api.extensions.ExtensionDtype
        ):
            return False
        arr = series.to_numpy()
        if arr.size == 0:
            return True
        low, high = np.fmin.reduce(arr), np.fmax.reduce(arr)  # NaN only if all NaN
        if np.isnan(low):
            return col.nullable
        if not col.nullable and np.isnan(np.add.reduce(arr)):
            return False  # a NaN somewhere (or inf - inf): let pandera say which rows
        if np.isinf(low) or np.isinf(high):
            return False
        if col.ge is not None and low < col.ge:
            return False
        return not (col.le is not None and high > col.le)
    if not col.nullable and bool(series.isna().any()):
        return False
    if col.dtype in ("int", "nullable_int"):
        if not ptypes.is_integer_dtype(series.dtype):
            return False
        arr = series.dropna().to_numpy()
        if arr.size and col.ge is not None and arr.min() < col.ge:
            return False
        return not (arr.size and col.le is not None and arr.max() > col.le)
    return col.dtype == "bool" and ptypes.is_bool_dtype(series.dtype)


def validate_columns(
    kind: InputKind,
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    input_name: str | None = None,
) -> pd.DataFrame:
    """Validate the *columns* of *frame* (all declared ones present when ``None``).

    Parameters
    ----------
    kind : InputKind
        The input kind whose column rules apply.
    frame : pandas.DataFrame
        The caller's frame (never mutated).
    columns : sequence of str, optional
        The columns the computation reads; required columns of *kind* are always checked.
        Other columns are not carried into the returned frame.
    input_name : str, optional
        The argument name, for error messages.

    Returns
    -------
    pandas.DataFrame
        A new frame with the validated columns (coerced where needed).

    Raises
    ------
    InputValidationError
        Naming the column, the failed check and a few offending rows (pandera's report).
    """
    if not isinstance(frame, pd.DataFrame) or len(frame) == 0:
        return kind.validate(frame, input_name=input_name)
    required = [c.name for c in kind.columns if c.required]
    if any(name not in frame.columns for name in required):
        return kind.validate(frame, input_name=input_name)
    wanted = list(dict.fromkeys([*required, *(columns or [c.name for c in kind.columns])]))
    specs = [kind.column(name) for name in wanted if name in frame.columns]
    slow = [c for c in specs if not _fast_ok(c, frame[c.name])]
    out = pd.DataFrame({c.name: frame[c.name] for c in specs}, index=frame.index)
    if slow:
        sub = InputKind(name=kind.name, description=kind.description, columns=tuple(slow))
        coerced = sub.validate(frame[[c.name for c in slow]], input_name=input_name)
        for c in slow:
            out[c.name] = coerced[c.name]
    key = [k for k in kind.unique if k in out.columns]
    if kind.unique and len(key) == len(kind.unique) and bool(out.duplicated(key).any()):
        dup = out.loc[out.duplicated(key, keep=False), key].head(5)
        label = f"input {input_name!r} ({kind.name})" if input_name else kind.name
        raise InputValidationError(
            f"{label}: duplicated rows for the key {key}; e.g. "
            f"{dup.to_dict(orient='records')}. Keep one row per key.",
            input_kind=kind.name,
        )
    return out
