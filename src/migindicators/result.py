"""The :class:`Result` every indicator returns: a tidy frame, exclusions and metadata."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migindicators.ledger import EXCLUSION_COLUMNS, RowLedger
from migindicators.provenance import provenance

__all__ = ["VALUE_COLUMNS", "Result", "make_result"]

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
        entered the cell) and ``flag`` (codes from :data:`migindicators.flags.FLAGS`).
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

    def to_sdmx_csv(self, path: str | Path, **options: Any) -> Path:
        """Write SDMX-CSV for the SDG global database (see :mod:`migindicators.publish.sdmx`)."""
        from migindicators.publish.sdmx import write_sdmx_csv

        return write_sdmx_csv(self, path, **options)

    def to_open_sdg(self, path_or_dir: str | Path) -> Path | None:
        """Write ``indicator_<sdg>.csv`` into a folder (or to a ``.csv`` path) for Open SDG.

        Returns the file written, or ``None`` when the indicator has no SDG code.
        """
        from migindicators.publish.opensdg import write_open_sdg_file

        return write_open_sdg_file(self, path_or_dir)

    def to_excel(self, path: str | Path) -> Path:
        """Write an Excel workbook: this result's sheet and a metadata sheet."""
        from migindicators.publish.excel import write_excel

        return write_excel(self, path)

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


def make_result(
    indicator_id: str,
    data: pd.DataFrame,
    ledger: RowLedger,
    *,
    group_columns: Sequence[str],
    options: Mapping[str, Any],
    inputs: Mapping[str, Any],
    unit: str | None = None,
    method: str = "",
    extra_metadata: Mapping[str, Any] | None = None,
) -> Result:
    """Assemble a :class:`Result` in the standard layout.

    Missing standard columns are filled (``se``, ``ci_lower``, ``ci_upper`` with NaN, ``flag``
    with ``""``), columns are ordered (groups, then :data:`VALUE_COLUMNS`, then any extra
    columns), rows are sorted by the groups, and the provenance block and row accounting are
    written to the metadata. The registry entry of *indicator_id* supplies name, unit and SDG
    codes when it exists.
    """
    from migindicators.registry import registry  # the registry imports indicator modules

    spec = registry.get(indicator_id)
    out = data.copy()
    unit = unit or (spec.unit if spec is not None else "")
    if "unit" not in out.columns:
        out["unit"] = unit
    for col in ("se", "ci_lower", "ci_upper"):
        if col not in out.columns:
            out[col] = np.nan
    if "flag" not in out.columns:
        out["flag"] = ""
    out["flag"] = out["flag"].astype("object").fillna("")
    if "n" not in out.columns:
        out["n"] = pd.NA
    groups = [g for g in group_columns if g in out.columns]
    extra = [c for c in out.columns if c not in groups and c not in VALUE_COLUMNS]
    out = out[[*groups, *VALUE_COLUMNS, *extra]]
    if groups and len(out):
        out = out.sort_values(groups, kind="stable", na_position="last").reset_index(drop=True)
    else:
        out = out.reset_index(drop=True)
    metadata: dict[str, Any] = {
        "indicator": indicator_id,
        "name": spec.name if spec is not None else indicator_id,
        "unit": unit,
        "sdg": spec.sdg if spec is not None else None,
        "sdmx_series": spec.sdmx_series if spec is not None else None,
        "agenda_points": list(spec.agenda_points) if spec is not None else [],
        "method": method,
        "group_columns": groups,
        "rows": ledger.summary(),
        "quality_rules": [],
    }
    metadata.update(provenance(indicator_id, options=options, inputs=inputs))
    if extra_metadata:
        metadata.update(extra_metadata)
    return Result(data=out, exclusions=ledger.frame(), metadata=metadata)
