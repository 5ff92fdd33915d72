"""Flow-matrix input handling: long or wide frames to checked square matrices per group.

A flow input is a long frame with columns ``origin``, ``destination`` and ``flow`` (and
optionally ``time_period``, ``sex``, ``age_group``); a wide matrix (index = origins, columns =
destinations), a square numpy array, or the :class:`~migindicators.core.result.Result` of a
flow estimator (:mod:`migindicators.flows.estimators`) is accepted too and converted. The
checks, in order:

* square-ness: a wide matrix must have the same labels on its rows and its columns;
* schema: labels non-blank, flows numeric, non-negative and present, one row per pair;
* codes: with ``codes="iso3"`` rows whose origin or destination is not a known country code
  are excluded (an account in the ledger);
* ``regions=``: when given, the region set of the system; rows naming other regions are
  excluded. Otherwise the region set is every label seen in the flows (all groups together,
  so that a region absent in one year counts as a region with zero flows that year);
* the diagonal (origin = destination) is not migration between regions: those rows are
  excluded, and the total of non-zero diagonal flows is reported in the exclusion detail.

The result is a list of :class:`FlowSystem` objects, one per group (``time_period`` × ``by``),
each holding the n × n matrix with a zero diagonal, and the populations at risk when given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.countries import is_country
from migindicators.core.errors import InputValidationError, MissingColumnError, OptionError
from migindicators.core.ledger import RowLedger
from migindicators.core.result import Result
from migindicators.schemas.flows import DISTANCES, FLOW_MATRIX, REGION_POPULATION

__all__ = [
    "CODE_CHECKS",
    "FlowSystem",
    "collapse_breakdowns",
    "flow_systems",
    "flow_table",
    "from_result",
    "to_long",
]

#: Values of the ``codes`` option.
CODE_CHECKS = ("any", "iso3")
_GROUP_CANDIDATES = ("time_period", "sex", "age_group")
_ALLOWED_BY = ("sex", "age_group")


@dataclass(frozen=True)
class FlowSystem:
    """One flow matrix ready for the indices.

    Attributes
    ----------
    key : dict
        The group (``time_period``, ``sex``, … → value); empty for a single matrix.
    regions : tuple of str
        Region labels, in the order of the matrix rows and columns.
    matrix : numpy.ndarray
        n × n flows [person], origins in rows, destinations in columns, zero diagonal.
    rows : int
        Input flow rows that entered this matrix.
    population : numpy.ndarray or None
        Population at risk per region [person] (NaN where missing), when given.
    distance : numpy.ndarray or None
        n × n distances (NaN where missing), when given.
    """

    key: dict[str, Any]
    regions: tuple[str, ...]
    matrix: np.ndarray
    rows: int
    population: np.ndarray | None = None
    distance: np.ndarray | None = None


def from_result(result: Result) -> pd.DataFrame:
    """The flows of an estimated flow matrix (a :class:`Result`) as a long flow frame.

    *result* must have the grouping columns ``origin`` and ``destination`` (as the flow
    estimators of :mod:`migindicators.flows.estimators` return); ``value`` becomes ``flow``.
    Where a ``birthplace`` column is present, its total rows (``"_T"``, the origin ×
    destination sum) are taken. ``time_period``, ``sex`` and ``age_group`` are kept.

    Raises
    ------
    InputValidationError
        If the result is not a flow matrix.
    """
    data = result.data
    groups = result.group_columns
    if not {"origin", "destination"} <= set(groups):
        raise InputValidationError(
            f"input 'flows': the result of {result.indicator!r} is not a flow matrix (its "
            f"grouping columns are {groups}, not origin and destination)",
            input_kind="flow_matrix",
        )
    if "birthplace" in groups:
        data = data[data["birthplace"].astype(str) == "_T"]
    keep = [c for c in ("origin", "destination", *_GROUP_CANDIDATES) if c in groups]
    out = data[keep].astype({"origin": str, "destination": str})
    out["flow"] = data["value"].to_numpy(dtype="float64")
    return out.reset_index(drop=True)


def to_long(
    flows: pd.DataFrame | np.ndarray | Result, *, regions: Sequence[str] | None = None
) -> pd.DataFrame:
    """Return *flows* as a long frame ``origin``, ``destination``, ``flow`` (a new frame).

    Parameters
    ----------
    flows : pandas.DataFrame, numpy.ndarray or Result
        A long frame (it has the columns ``origin``, ``destination`` and ``flow``: returned as a
        copy), a wide frame whose index holds the origins and whose columns the destinations,
        a square 2-D array (labels from *regions*, else ``"1"`` … ``"n"``), or an estimated
        flow matrix (see :func:`from_result`).
    regions : sequence of str, optional
        Labels of a numpy array's rows and columns.

    Raises
    ------
    InputValidationError
        If a wide matrix is not square (different row and column labels).
    """
    if isinstance(flows, Result):
        return from_result(flows)
    if isinstance(flows, np.ndarray):
        if flows.ndim != 2 or flows.shape[0] != flows.shape[1]:
            raise InputValidationError(
                f"input 'flows': a flow matrix array must be square, got shape {flows.shape}",
                input_kind="flow_matrix",
            )
        labels = (
            list(regions) if regions is not None else [str(i + 1) for i in range(flows.shape[0])]
        )
        if len(labels) != flows.shape[0]:
            raise InputValidationError(
                f"input 'flows': {len(labels)} region labels for a {flows.shape[0]} x "
                f"{flows.shape[1]} matrix",
                input_kind="flow_matrix",
            )
        flows = pd.DataFrame(flows, index=labels, columns=labels)
    if not isinstance(flows, pd.DataFrame):
        raise InputValidationError(
            f"input 'flows': expected a pandas DataFrame or a square numpy array, got "
            f"{type(flows).__name__}",
            input_kind="flow_matrix",
        )
    if {"origin", "destination", "flow"} <= set(flows.columns):
        return flows.copy()
    rows = [str(r) for r in flows.index]
    cols = [str(c) for c in flows.columns]
    if set(rows) != set(cols) or len(rows) != len(cols):
        only_rows = sorted(set(rows) - set(cols))[:10]
        only_cols = sorted(set(cols) - set(rows))[:10]
        raise InputValidationError(
            "input 'flows' (flow_matrix): a wide flow matrix must be square with the same "
            f"labels on rows (origins) and columns (destinations); {len(rows)} rows, "
            f"{len(cols)} columns; only in rows: {only_rows}, only in columns: {only_cols}. "
            "Pass a long frame with columns origin, destination, flow instead if the "
            "labels differ on purpose.",
            input_kind="flow_matrix",
        )
    wide = flows.copy()
    wide.index = pd.Index(rows, name="origin")
    wide.columns = pd.Index(cols, name="destination")
    long = wide.stack(future_stack=True).reset_index()
    long.columns = pd.Index(["origin", "destination", "flow"])
    return long


def _check_by(by: Sequence[str] | str | None) -> list[str]:
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    bad = [c for c in by_cols if c not in _ALLOWED_BY]
    if bad:
        raise OptionError(
            f"flow indices cannot be disaggregated by {bad}; allowed: "
            f"{list(_ALLOWED_BY)} (time_period is always a group when present)"
        )
    return by_cols


def _codes_detail(values: pd.Series, limit: int = 10) -> str:
    uniq = sorted(map(str, values.unique()))
    more = f" (+{len(uniq) - limit} more)" if len(uniq) > limit else ""
    return ", ".join(uniq[:limit]) + more


def flow_systems(
    flows: pd.DataFrame | np.ndarray | Result,
    ledger: RowLedger,
    *,
    by: Sequence[str] | str | None = None,
    regions: Sequence[str] | None = None,
    codes: str = "any",
    population: pd.DataFrame | None = None,
    distances: pd.DataFrame | None = None,
) -> tuple[list[str], list[FlowSystem]]:
    """Validate the inputs of a flow index and build one :class:`FlowSystem` per group.

    Every row given is recorded in *ledger* as used or excluded with its reason.

    Returns
    -------
    (group_columns, systems)
        The grouping columns (``time_period`` when present, then *by*) and the systems.
    """
    if codes not in CODE_CHECKS:
        raise OptionError(f"codes={codes!r}: use one of {list(CODE_CHECKS)}")
    by_cols = _check_by(by)
    long = to_long(flows, regions=regions)
    ledger.given("flows", long)
    frame = FLOW_MATRIX.validate(long, input_name="flows")
    for col in by_cols:
        if col not in frame.columns:
            raise MissingColumnError(f"by={by_cols}: input 'flows' has no column {col!r}")
    groups = [c for c in ("time_period", *by_cols) if c in frame.columns]
    frame = collapse_breakdowns(ledger, "flows", frame, by_cols, ["origin", "destination"])

    if codes == "iso3":
        bad = ~(is_country(frame["origin"]) & is_country(frame["destination"]))
        detail = _codes_detail(
            pd.concat(
                [
                    frame.loc[bad & ~is_country(frame["origin"]), "origin"],
                    frame.loc[bad & ~is_country(frame["destination"]), "destination"],
                ]
            )
        )
        frame = ledger.exclude("flows", frame, bad, "unknown country code", detail=detail)
    if regions is not None:
        region_list = [str(r) for r in regions]
        if len(set(region_list)) != len(region_list):
            raise OptionError("regions= holds duplicated labels")
        outside = ~(frame["origin"].isin(region_list) & frame["destination"].isin(region_list))
        frame = ledger.exclude(
            "flows",
            frame,
            outside,
            "region not in regions=",
            detail=_codes_detail(
                pd.concat([frame["origin"], frame["destination"]])[lambda s: ~s.isin(region_list)]
            ),
        )
    else:
        region_list = sorted(set(frame["origin"]) | set(frame["destination"]))
    diagonal = (frame["origin"] == frame["destination"]).to_numpy()
    nonzero_diag = diagonal & (frame["flow"].to_numpy() > 0)
    frame = ledger.exclude(
        "flows",
        frame,
        nonzero_diag,
        "diagonal (origin = destination) is not a move between regions: ignored",
        detail=f"total {float(frame.loc[nonzero_diag, 'flow'].sum()):g}",
    )
    diagonal = (frame["origin"] == frame["destination"]).to_numpy()
    frame = ledger.exclude("flows", frame, diagonal, "diagonal (origin = destination), zero")

    index = {r: i for i, r in enumerate(region_list)}
    n = len(region_list)
    pop_frame = _population(population, ledger, groups, index) if population is not None else None
    dist = _distances(distances, ledger, index) if distances is not None else None

    systems: list[FlowSystem] = []
    grouped = frame.groupby(groups, sort=True, dropna=False) if groups else [((), frame)]
    seen_keys: set[tuple[object, ...]] = set()
    for values, part in grouped:
        key_values = values if isinstance(values, tuple) else (values,)
        key = dict(zip(groups, key_values, strict=True))
        seen_keys.add(tuple(key_values))
        matrix = np.zeros((n, n), dtype="float64")
        rows = part["origin"].map(index).to_numpy(dtype="int64")
        cols = part["destination"].map(index).to_numpy(dtype="int64")
        np.add.at(matrix, (rows, cols), part["flow"].to_numpy(dtype="float64"))
        pop = None
        if pop_frame is not None:
            pop = _population_vector(pop_frame, key, index)
        systems.append(
            FlowSystem(
                key=key,
                regions=tuple(region_list),
                matrix=matrix,
                rows=len(part),
                population=pop,
                distance=dist,
            )
        )
    if pop_frame is not None:
        pop_keys = [c for c in groups if c in pop_frame.columns]
        if pop_keys:
            unmatched = ~pop_frame[pop_keys].apply(tuple, axis=1).isin(
                {tuple(k[c] for c in pop_keys) for k in (s.key for s in systems)}
            )
            ledger.record("population", "no flows for this group", int(unmatched.sum()))
    return groups, systems


_TOTAL_CODE = "_T"


def collapse_breakdowns(
    ledger: RowLedger, name: str, frame: pd.DataFrame, by_cols: Sequence[str], base: Sequence[str]
) -> pd.DataFrame:
    """Drop the ``sex`` / ``age_group`` columns that are not in *by*.

    Where a cell has a total row (code ``_T``) it is used and the cell's breakdown rows are
    excluded (not added to it); otherwise the breakdown rows are summed when the matrices and
    population vectors are formed.
    """
    for col in ("sex", "age_group"):
        if col not in frame.columns or col in by_cols:
            continue
        others = [
            c for c in (*base, "time_period", "sex", "age_group") if c in frame.columns and c != col
        ]
        is_total = frame[col].eq(_TOTAL_CODE)
        if is_total.any():
            has_total = (
                is_total.groupby([frame[c] for c in others], dropna=False)
                .transform("any")
                .astype(bool)
            )
            frame = ledger.exclude(
                name,
                frame,
                (has_total & ~is_total).to_numpy(),
                f"{col} breakdown row: the {col} = _T row of its cell is used instead",
            )
        frame = frame.drop(columns=[col])
    return frame


def _population(
    population: pd.DataFrame, ledger: RowLedger, groups: list[str], index: dict[str, int]
) -> pd.DataFrame:
    ledger.given("population", population)
    pop = REGION_POPULATION.validate(population, input_name="population")
    absent = [c for c in groups if c not in pop.columns]
    if absent:
        raise MissingColumnError(
            f"input 'population' needs the grouping column(s) {absent} of the "
            "flows, so that each matrix is matched to its populations at risk"
        )
    if "time_period" in pop.columns and "time_period" not in groups:
        raise InputValidationError(
            "input 'population' has a time_period column but the flows do not: "
            "pass the population of the flows' period only"
        )
    pop = collapse_breakdowns(ledger, "population", pop, list(groups), ["region"])
    outside = ~pop["region"].isin(index)
    return ledger.exclude(
        "population",
        pop,
        outside,
        "region not in the flow system",
        detail=_codes_detail(pop.loc[outside, "region"]),
    )


def _population_vector(pop: pd.DataFrame, key: dict[str, Any], index: dict[str, int]) -> np.ndarray:
    mask = np.ones(len(pop), dtype=bool)
    for col, value in key.items():
        mask &= (pop[col] == value).to_numpy()
    part = pop.loc[mask]
    out = np.full(len(index), np.nan)
    # breakdown rows (sex, age_group not in by) of a region are summed
    summed = part.groupby("region")["population"].sum()
    out[summed.index.map(index).to_numpy(dtype="int64")] = summed.to_numpy(dtype="float64")
    return out


def _distances(distances: pd.DataFrame, ledger: RowLedger, index: dict[str, int]) -> np.ndarray:
    ledger.given("distances", distances)
    dist = DISTANCES.validate(distances, input_name="distances")
    outside = ~(dist["origin"].isin(index) & dist["destination"].isin(index))
    dist = ledger.exclude(
        "distances",
        dist,
        outside,
        "region not in the flow system",
        detail=_codes_detail(
            pd.concat([dist["origin"], dist["destination"]])[lambda s: ~s.isin(index)]
        ),
    )
    n = len(index)
    out = np.full((n, n), np.nan)
    out[
        dist["origin"].map(index).to_numpy(dtype="int64"),
        dist["destination"].map(index).to_numpy(dtype="int64"),
    ] = dist["distance"].to_numpy(dtype="float64")
    return out


def flow_table(
    flows: pd.DataFrame | np.ndarray | Result,
    *,
    by: Sequence[str] | str | None = None,
    regions: Sequence[str] | None = None,
    codes: str = "any",
) -> tuple[pd.DataFrame, RowLedger]:
    """The checked flows as a tidy frame, as the indices see them (for charts and tables).

    The same checks as every flow index (:func:`flow_systems`): square-ness, schema, codes,
    region set, and the diagonal dropped. One row per group × origin × destination of the
    system, zero flows included, in the order of ``regions`` (chord diagrams and heat maps
    need the full square matrix in a stable order).

    Returns
    -------
    (frame, ledger)
        ``frame``: the grouping columns, ``origin``, ``destination``, ``flow`` [person];
        ``ledger``: the row accounting (e.g. the reported diagonal).
    """
    ledger = RowLedger()
    groups, systems = flow_systems(flows, ledger, by=by, regions=regions, codes=codes)
    parts = []
    for system in systems:
        n = len(system.regions)
        off = ~np.eye(n, dtype=bool)
        rows, cols = np.nonzero(off)
        part = pd.DataFrame(
            {
                "origin": np.asarray(system.regions, dtype=object)[rows],
                "destination": np.asarray(system.regions, dtype=object)[cols],
                "flow": system.matrix[rows, cols],
            }
        )
        for col in reversed(groups):
            part.insert(0, col, system.key[col])
        parts.append(part)
    return pd.concat(parts, ignore_index=True), ledger
