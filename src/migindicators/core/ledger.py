"""Row accounting: every input row is either used or excluded for a stated reason.

A :class:`RowLedger` travels with a computation. Each input registers how many rows it was
given; each exclusion (missing weight, unknown country code, out of scope, …) is recorded
with its reason as it happens. The ledger then becomes :attr:`Result.exclusions` and the
per-input summary in ``Result.metadata["rows"]``, where *given = used + excluded* holds
by construction — the promise that no row is lost silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from migindicators.core.errors import InputValidationError

__all__ = ["EXCLUSION_COLUMNS", "RowLedger"]

#: Columns of :attr:`Result.exclusions`.
EXCLUSION_COLUMNS = ("input", "reason", "rows", "weighted", "detail")


@dataclass
class _InputCount:
    given: int = 0
    given_weighted: float | None = None
    excluded: int = 0


@dataclass
class RowLedger:
    """Counts rows given, excluded by reason, and used, per input.

    Examples
    --------
    >>> ledger = RowLedger()
    >>> frame = pd.DataFrame({"x": [1.0, np.nan, 3.0]})
    >>> ledger.given("data", frame)
    >>> kept = ledger.exclude("data", frame, frame["x"].isna(), "missing x")
    >>> ledger.summary()["data"]
    {'given': 3, 'excluded': 1, 'used': 2}
    """

    _inputs: dict[str, _InputCount] = field(default_factory=dict)
    _records: list[dict[str, object]] = field(default_factory=list)

    def given(
        self, input_name: str, frame: pd.DataFrame | int, *, weight: str | None = None
    ) -> None:
        """Record that *frame* (or a row count) was given as input *input_name*.

        Calling it again for the same input adds to the count (chunked inputs).
        """
        if not isinstance(frame, int) and not hasattr(frame, "columns"):
            # before any len(): `refugees=None` must not end in "NoneType has no len()"
            raise InputValidationError(
                f"input {input_name!r}: expected a pandas DataFrame, got "
                f"{type(frame).__name__}; pass the table (e.g. pd.read_csv(path) or "
                "migindicators.io.read_table(path))",
                input_kind=input_name,
            )
        count = self._inputs.setdefault(input_name, _InputCount())
        if isinstance(frame, int):
            count.given += frame
            return
        count.given += len(frame)
        if weight is not None and weight in frame.columns:
            count.given_weighted = (count.given_weighted or 0.0) + _weight_total(frame[weight])

    def exclude(
        self,
        input_name: str,
        frame: pd.DataFrame,
        mask: pd.Series | np.ndarray,
        reason: str,
        *,
        weight: str | None = None,
        detail: str = "",
    ) -> pd.DataFrame:
        """Record the rows of *frame* where *mask* is true as excluded; return the others.

        When no row is excluded, *frame* itself is returned (not a copy).

        Parameters
        ----------
        input_name : str
            The input the rows belong to (as registered with :meth:`given`).
        frame : pandas.DataFrame
            The rows still in play.
        mask : pandas.Series or numpy.ndarray of bool
            True for rows to exclude, aligned with *frame*.
        reason : str
            A short, stable reason such as ``"unknown country code"``.
        weight : str, optional
            Name of a weight column whose excluded total is also recorded.
        detail : str
            Free text, e.g. the offending codes.
        """
        mask_array = np.asarray(mask, dtype=bool)
        n = int(mask_array.sum())
        if n == 0:
            return frame  # nothing excluded: no copy of a possibly large frame
        weighted = None
        if weight is not None and weight in frame.columns:
            w = pd.to_numeric(frame[weight], errors="coerce").to_numpy()[mask_array]
            weighted = float(np.nansum(w))
        self.record(input_name, reason, n, weighted=weighted, detail=detail)
        return frame.loc[~mask_array]

    def record(
        self,
        input_name: str,
        reason: str,
        rows: int,
        *,
        weighted: float | None = None,
        detail: str = "",
    ) -> None:
        """Record *rows* excluded rows directly (for chunked tabulations)."""
        if rows <= 0:
            return
        self._inputs.setdefault(input_name, _InputCount()).excluded += rows
        self._records.append(
            {
                "input": input_name,
                "reason": reason,
                "rows": rows,
                "weighted": weighted,
                "detail": detail,
            }
        )

    def merge(self, other: RowLedger) -> None:
        """Add the counts of *other* (e.g. the ledger of another chunk) to this one."""
        for name, count in other._inputs.items():
            mine = self._inputs.setdefault(name, _InputCount())
            mine.given += count.given
            if count.given_weighted is not None:
                mine.given_weighted = (mine.given_weighted or 0.0) + count.given_weighted
            mine.excluded += count.excluded
        self._records.extend(other._records)

    def frame(self) -> pd.DataFrame:
        """The exclusions, one row per (input, reason, detail), counts summed."""
        if not self._records:
            return pd.DataFrame(
                {
                    c: pd.Series(dtype=t)
                    for c, t in zip(
                        EXCLUSION_COLUMNS,
                        ("object", "object", "int64", "float64", "object"),
                        strict=True,
                    )
                }
            )
        records = pd.DataFrame(self._records, columns=list(EXCLUSION_COLUMNS))
        grouped = records.groupby(["input", "reason", "detail"], sort=False, dropna=False)
        out = grouped.agg(
            rows=("rows", "sum"), weighted=("weighted", lambda s: s.sum(min_count=1))
        ).reset_index()
        return out[list(EXCLUSION_COLUMNS)].astype({"rows": "int64", "weighted": "float64"})

    def summary(self) -> dict[str, dict[str, int]]:
        """Per input: rows ``given``, ``excluded`` and ``used`` (= given − excluded)."""
        return {
            name: {"given": c.given, "excluded": c.excluded, "used": c.given - c.excluded}
            for name, c in self._inputs.items()
        }


def _weight_total(series: pd.Series) -> float:
    """Sum of a weight column, missing and non-numeric values counting as 0."""
    values = series.to_numpy()
    if values.dtype.kind in "iub":
        return float(values.sum())
    if values.dtype.kind == "f":
        total = values.sum()  # one pass; NaN only when some weight is missing
        return float(total if not np.isnan(total) else np.nansum(values))
    return float(pd.to_numeric(series, errors="coerce").sum())
