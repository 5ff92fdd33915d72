"""The :class:`Result` every indicator returns: a tidy frame, exclusions and metadata."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from migindicators.core.ledger import EXCLUSION_COLUMNS

__all__ = ["VALUE_COLUMNS", "Result"]

#: The columns that follow the grouping columns in :attr:`Result.data`, in this order.
VALUE_COLUMNS = ("value", "unit", "se", "ci_lower", "ci_upper", "n", "flag")


@dataclass
class Result:
    """The outcome of an indicator computation.

    Attributes
    ----------
    data : pandas.DataFrame
        Tidy frame: the grouping columns (``ref_area``, ``time_period``, ``sex``, …), then
        ``value``, ``unit``, ``se``, ``ci_lower``, ``ci_upper``, ``n`` (input rows that
        entered the cell) and ``flag`` (codes from :data:`migindicators.core.flags.FLAGS`).
    exclusions : pandas.DataFrame
        Rows left out, by input and reason: ``input``, ``reason``, ``rows``, ``weighted``
        (the weighted total when the input is weighted) and ``detail``.
    metadata : dict
        Indicator id, unit, method, options used, library version, input fingerprints,
        row accounting (``metadata["rows"][input] = {"given", "excluded", "used"}``), the
        quality rules applied, and indicator-specific notes.
    """

    data: pd.DataFrame
    exclusions: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(EXCLUSION_COLUMNS))
    )
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def indicator(self) -> str:
        """The registry id of the indicator that produced this result."""
        return str(self.metadata.get("indicator", ""))

    @property
    def unit(self) -> str:
        """The unit of ``value``."""
        return str(self.metadata.get("unit", ""))

    @property
    def group_columns(self) -> list[str]:
        """The grouping columns of :attr:`data` (the columns before ``value``)."""
        columns = list(self.data.columns)
        return columns[: columns.index("value")] if "value" in columns else columns

    def to_frame(self, *, with_metadata: bool = False) -> pd.DataFrame:
        """A copy of :attr:`data`; with ``with_metadata=True`` an ``indicator`` column first."""
        out = self.data.copy()
        if with_metadata:
            out.insert(0, "indicator", self.indicator)
        return out

    def rows_accounted(self) -> bool:
        """True when, for every input, rows given = rows used + rows excluded."""
        rows: Mapping[str, Mapping[str, int]] = self.metadata.get("rows", {})
        excluded: dict[str, int] = {}
        for name, rows_excluded in zip(
            self.exclusions["input"].astype(str),
            self.exclusions["rows"].astype("int64"),
            strict=True,
        ):
            excluded[name] = excluded.get(name, 0) + int(rows_excluded)
        for name, counts in rows.items():
            if counts["given"] != counts["used"] + excluded.get(name, 0):
                return False
        return True

    def __repr__(self) -> str:
        title = self.metadata.get("name", self.indicator)
        lines = [
            f"<Result {self.indicator}: {title}>",
            f"unit: {self.unit}   cells: {len(self.data)}",
        ]
        for name, counts in self.metadata.get("rows", {}).items():
            lines.append(
                f"input {name!r}: {counts['given']} rows given, "
                f"{counts['used']} used, {counts['excluded']} excluded"
            )
        if len(self.exclusions):
            lines.append("exclusions:")
            for rec in self.exclusions.itertuples(index=False):
                detail = f" ({rec.detail!s})" if rec.detail else ""
                lines.append(f"  {rec.input!s}: {rec.rows!s} rows, {rec.reason!s}{detail}")
        with pd.option_context("display.max_rows", 12, "display.width", 100):
            lines.append(repr(self.data))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = f"<p><b>{self.indicator}</b>: {self.metadata.get('name', '')} [{self.unit}]</p>"
        excl = self.exclusions.to_html(index=False) if len(self.exclusions) else ""
        return head + self.data.to_html(index=False, max_rows=30) + excl
