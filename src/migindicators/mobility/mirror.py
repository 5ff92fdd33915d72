"""Compiling inbound and outbound student counts from host-country reports (mirror data).

UIS compiles a country's *outbound* internationally mobile students from the reports of the
host countries, by origin: outbound students of origin o = Σ over hosts d of the students from
o that d reports. A host that does not report by origin is missing from that sum, so outbound
counts are lower bounds. This module does the compilation for the indicator functions of
:mod:`migindicators.mobility.indicators` and says, for every outbound cell, how many potential
hosts did not report: the *partner universe* is every country in the denominator input (tertiary
enrolment or population) plus every known origin in the student rows, and a host *reports*
for a year (and sex / ISCED cell) when it has at least one student row (a zero row counts).

Each pass returns the cells and, for every input row, the reason it was not used (``""`` when
it was), so that the caller's :class:`~migindicators.core.ledger.RowLedger` accounts for every row.

References
----------
UNESCO Institute for Statistics, glossary: "Outbound internationally mobile students",
"Inbound mobility rate", "Outbound mobility ratio", http://uis.unesco.org/en/glossary.
UNESCO-UIS/OECD/Eurostat (UOE) data collection manual, internationally mobile students.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from migindicators.core.countries import is_country
from migindicators.core.ledger import RowLedger

__all__ = ["Pass", "account", "inbound_pass", "non_reporting_hosts", "outbound_pass"]

SAME = "origin equals destination: not internationally mobile"


@dataclass
class Pass:
    """Cells compiled from the student rows, and each row's exclusion reason.

    Attributes
    ----------
    cells : pandas.DataFrame
        ``ref_area``, the keys, the count column and ``n`` (rows in the cell).
    reason : pandas.Series
        Per input row: ``""`` if used, else why not.
    used : pandas.DataFrame
        The rows used, with ``ref_area`` (the host or origin the row counts for).
    published : pandas.Series
        For outbound cells: whether the count is a published total (destination ``_T``).
    """

    cells: pd.DataFrame
    reason: pd.Series
    used: pd.DataFrame
    published: pd.Series = field(default_factory=lambda: pd.Series(dtype=bool))


def _mark(reason: pd.Series, mask: pd.Series | np.ndarray, text: str) -> None:
    m = np.asarray(mask, dtype=bool) & (reason == "").to_numpy()
    reason.iloc[np.flatnonzero(m)] = text


def _supersede(use: pd.DataFrame, keys: list[str], area: str, total: pd.Series) -> pd.Series:
    """Rows of a cell that also has a published-total row (which the total replaces)."""
    if use.empty:
        return pd.Series(False, index=use.index)
    has_total = total.groupby([use[k] for k in (area, *keys)], dropna=False).transform("any")
    return has_total.astype(bool) & ~total


def inbound_pass(students: pd.DataFrame, keys: Sequence[str]) -> Pass:
    """Inbound students per host (``ref_area`` = destination): Σ over origins, or the host
    total (origin ``_T``) when given. Unknown-origin rows (``_U``) count for the host."""
    keys = list(keys)
    reason = pd.Series("", index=students.index, dtype=object)
    _mark(reason, students["origin"] == students["destination"], SAME)
    _mark(
        reason,
        students["destination"] == "_T",
        "destination _T (an origin's total over hosts) names no host",
    )
    _mark(reason, ~is_country(students["destination"]), "unknown country code (host)")
    use = students.loc[reason == ""]
    total = use["origin"].eq("_T")
    superseded = _supersede(use, keys, "destination", total)
    _mark(
        reason,
        students.index.isin(superseded[superseded].index),
        "host total given (origin _T): bilateral rows not added to it",
    )
    use = use.loc[~superseded].rename(columns={"destination": "ref_area"})
    cells = (
        use.groupby(["ref_area", *keys], dropna=False, sort=True)
        .agg(inbound=("students", "sum"), n=("students", "size"))
        .reset_index()
    )
    return Pass(cells=cells, reason=reason, used=use)


def outbound_pass(students: pd.DataFrame, keys: Sequence[str]) -> Pass:
    """Outbound students per origin (``ref_area`` = origin): Σ over the hosts that report, or
    the published origin total (destination ``_T``) when given."""
    keys = list(keys)
    reason = pd.Series("", index=students.index, dtype=object)
    _mark(reason, students["origin"] == students["destination"], SAME)
    _mark(
        reason,
        students["origin"].isin(["_T", "_U"]),
        "origin _T or _U (host total, unknown origin): counts for the host only",
    )
    _mark(reason, ~is_country(students["origin"]), "unknown country code (origin)")
    _mark(
        reason,
        (students["destination"] != "_T") & ~is_country(students["destination"]),
        "unknown country code (host)",
    )
    use = students.loc[reason == ""]
    total = use["destination"].eq("_T")
    superseded = _supersede(use, keys, "origin", total)
    _mark(
        reason,
        students.index.isin(superseded[superseded].index),
        "origin total given (destination _T): bilateral rows not added to it",
    )
    use = use.loc[~superseded].rename(columns={"origin": "ref_area"})
    grouped = use.assign(_published=use["destination"].eq("_T")).groupby(
        ["ref_area", *keys], dropna=False, sort=True
    )
    cells = grouped.agg(
        outbound=("students", "sum"), n=("students", "size"), published_total=("_published", "any")
    ).reset_index()
    return Pass(
        cells=cells, reason=reason, used=use, published=cells["published_total"].astype(bool)
    )


def non_reporting_hosts(
    students: pd.DataFrame, universe: pd.DataFrame, keys: Sequence[str]
) -> dict[tuple[object, ...], frozenset[str]]:
    """Per key (``time_period``, sex, …): the countries of the partner universe that sent no
    student row as a host.

    Parameters
    ----------
    students : pandas.DataFrame
        The validated student rows.
    universe : pandas.DataFrame
        ``ref_area`` and the keys: the countries that could have reported (denominator input
        countries), completed here with the known origins of *students*.
    """
    keys = list(keys)
    hosts = students.loc[is_country(students["destination"])]
    reporting = {
        k if isinstance(k, tuple) else (k,): frozenset(v)
        for k, v in hosts.groupby(keys, dropna=False)["destination"]
    }
    origins = students.loc[is_country(students["origin"]), ["origin", *keys]].rename(
        columns={"origin": "ref_area"}
    )
    pool = pd.concat(
        [universe.loc[is_country(universe["ref_area"]), ["ref_area", *keys]], origins],
        ignore_index=True,
    )
    out: dict[tuple[object, ...], frozenset[str]] = {}
    for k, codes in pool.groupby(keys, dropna=False)["ref_area"]:
        key = k if isinstance(k, tuple) else (k,)
        out[key] = frozenset(codes) - reporting.get(key, frozenset())
    return out


def add_reporting_columns(
    cells: pd.DataFrame,
    published: pd.Series,
    missing: dict[tuple[object, ...], frozenset[str]],
    keys: Sequence[str],
) -> pd.DataFrame:
    """Add ``hosts_not_reporting`` (Int64; NA for published totals) to outbound *cells*.

    The origin itself is not counted among its own missing hosts.
    """
    keys = list(keys)
    counts: list[int | None] = []
    for origin, key, pub in zip(
        cells["ref_area"],
        cells[keys].itertuples(index=False, name=None),
        published.to_numpy(),
        strict=True,
    ):
        if pub:
            counts.append(None)
            continue
        absent = missing.get(tuple(key), frozenset())
        counts.append(len(absent - {origin}))
    out = cells.copy()
    out["hosts_not_reporting"] = pd.array(counts, dtype="Int64")
    return out


def account(ledger: RowLedger, input_name: str, frame: pd.DataFrame, reason: pd.Series) -> None:
    """Record every row of *frame* whose *reason* is not empty, grouped by reason."""
    for text in pd.unique(reason[reason != ""]):
        ledger.exclude(input_name, frame, (reason == text).to_numpy(), str(text))
