"""Migration-flow indices (Bell et al. 2002) of origin–destination matrices, as indicators.

Each function takes a flow input (long frame ``origin``, ``destination``, ``flow``, optionally
``time_period``, ``sex``, ``age_group``; or a wide matrix, or a square numpy array), checks it
with :func:`migindicators.flows.matrix.flow_systems`, computes one matrix per group
(``time_period`` × ``by``) and returns a :class:`~migindicators.core.result.Result`. The arithmetic
lives in :mod:`migindicators.flows.indices` and :mod:`migindicators.flows.gini` (plain numpy,
usable on their own).

Common options: ``regions`` (the region set; default every label in the flows), ``codes``
(``"any"`` labels, or ``"iso3"`` to exclude rows with unknown country codes) and, for the Gini
family, ``correction`` (``"bell"``, the default, or ``"plane_mulligan"``).

References
----------
Bell, M., Blake, M., Boyle, P., Duke-Williams, O., Rees, P., Stillwell, J. and Hugo, G.
(2002). Cross-national comparison of internal migration: issues and measures. *Journal of the
Royal Statistical Society A* 165(3), 435–464. doi:10.1111/1467-985X.00247.
Abel, G. J., R package ``migest``; Bojte, Z. and Daróczi, G., R package ``migration.indices``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from migindicators.core.assemble import make_result
from migindicators.core.errors import OptionError
from migindicators.core.flags import add_flag
from migindicators.core.frames import accepts_any_frame
from migindicators.core.ledger import RowLedger
from migindicators.core.registry import typed_options
from migindicators.core.result import Result
from migindicators.core.units import parse_unit
from migindicators.flows import gini as flow_gini
from migindicators.flows import indices as flow_indices
from migindicators.flows.matrix import FlowSystem, flow_systems

__all__ = [
    "aggregate_net_migration_rate",
    "courgeau_k",
    "crude_migration_intensity",
    "mean_migration_distance",
    "migration_connectivity",
    "migration_effectiveness_index",
    "migration_field_gini_in",
    "migration_field_gini_out",
    "migration_gini_column",
    "migration_gini_exchange",
    "migration_gini_row",
    "migration_gini_total",
    "migration_inequality",
    "migration_weighted_gini",
    "net_migration_rate",
]

FlowInput = pd.DataFrame | np.ndarray | Result
_Cells = Callable[[FlowSystem], pd.DataFrame]

# --- shared parameter documentation -----------------------------------------------------------
# The flow indices keep explicit signatures; the parameters they share are documented once
# here and written into each docstring by :func:`_shared_flow_doc`, in signature order
# (parameters of one index only stay in that index's own Parameters section).

_SHARED_PARAMETERS: dict[str, str] = {
    "flows": """flows : pandas.DataFrame, numpy.ndarray or Result
    Input kind ``flow_matrix``: long ``origin``, ``destination``, ``flow`` [person]
    (optionally ``time_period``, ``sex``, ``age_group``); or a wide matrix (rows = origins,
    columns = destinations), a square array, or the Result of a flow estimator
    (:mod:`migindicators.flows.estimators`). The diagonal is ignored (reported in the
    exclusions if non-zero).""",
    "population": """population : pandas.DataFrame
    Input kind ``region_population``: ``region``, ``population`` [person], with the
    grouping columns of the flows. A region of the system without a population gives NaN
    and the flag ``missing_input``.""",
    "by": """by : sequence of str, optional
    ``sex`` and/or ``age_group`` (``time_period`` is always a group when present).""",
    "regions": """regions : sequence of str, optional
    The region set; rows naming other regions are excluded. Default: every label in the
    flows.""",
    "codes": """codes : {"any", "iso3"}
    ``"iso3"`` excludes rows whose origin or destination is not a known country code.""",
    "correction": """correction : {"bell", "plane_mulligan"}
    Denominator of the Gini indices: Bell et al. (2002), the default, or Plane and
    Mulligan (1997).""",
}

_DEFAULT_RETURNS = """Returns
-------
Result
    One row per group (``time_period`` × ``by``): ``value``; ``n`` = flow rows used."""

_SECTION = re.compile(r"^(Parameters|Returns|References|Examples)\n-+$", re.MULTILINE)
_ENTRY = re.compile(r"^(\w+)(?: :.*)?$")

F = TypeVar("F", bound=Callable[..., Any])


def _sections(doc: str) -> tuple[str, dict[str, str]]:
    """Split a cleaned numpydoc docstring into its head and its named sections."""
    marks = list(_SECTION.finditer(doc))
    head = doc[: marks[0].start()] if marks else doc
    sections = {
        m.group(1): doc[m.end() : marks[k + 1].start() if k + 1 < len(marks) else len(doc)]
        for k, m in enumerate(marks)
    }
    return head.rstrip(), {k: v.strip("\n") for k, v in sections.items()}


def _entries(block: str) -> dict[str, str]:
    """The parameter entries of a Parameters section, by name."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in block.splitlines():
        match = _ENTRY.match(line) if line and not line[0].isspace() else None
        if match:
            current = found.setdefault(match.group(1), [])
        if current is not None:
            current.append(line)
    return {name: "\n".join(lines).rstrip() for name, lines in found.items()}


def _shared_flow_doc(func: F) -> F:
    """Write the Parameters section of a flow index from its signature.

    Each parameter is documented by the index's own entry when it has one, else by the
    shared entry of :data:`_SHARED_PARAMETERS`; a parameter with neither is an error at
    import time. A docstring without a Returns section gets :data:`_DEFAULT_RETURNS`.
    """
    head, sections = _sections(inspect.cleandoc(func.__doc__ or ""))
    own = _entries(sections.get("Parameters", ""))
    entries = []
    for name in inspect.signature(func).parameters:
        text = own.get(name, _SHARED_PARAMETERS.get(name))
        if text is None:
            raise TypeError(f"{func.__name__}: parameter {name!r} is not documented")
        entries.append(text)
    returns = sections.get("Returns")
    parts = [
        head,
        "Parameters\n----------\n" + "\n".join(entries),
        f"Returns\n-------\n{returns}" if returns else _DEFAULT_RETURNS,
        "References\n----------\n" + sections["References"],
    ]
    if "Examples" in sections:  # numpydoc order: Examples come last
        parts.append("Examples\n--------\n" + sections["Examples"])
    func.__doc__ = "\n\n".join(parts) + "\n"
    return func


def _scalar(value: float, missing: bool = False, **extra: Any) -> pd.DataFrame:
    return pd.DataFrame(
        {"value": [value], "_missing": [missing], **{k: [v] for k, v in extra.items()}}
    )


def _run(
    indicator_id: str,
    flows: FlowInput,
    cells_of: _Cells,
    *,
    by: Sequence[str] | str | None,
    regions: Sequence[str] | None,
    codes: str,
    options: dict[str, Any],
    method: str,
    population: pd.DataFrame | None = None,
    distances: pd.DataFrame | None = None,
    extra_groups: Sequence[str] = (),
    unit: str | None = None,
) -> Result:
    ledger = RowLedger()
    groups, systems = flow_systems(
        flows,
        ledger,
        by=by,
        regions=regions,
        codes=codes,
        population=population,
        distances=distances,
    )
    parts = []
    for system in systems:
        part = cells_of(system)
        for col, value in system.key.items():
            part[col] = value
        part["n"] = system.rows
        parts.append(part)
    if not parts:  # every row excluded: an empty result, the exclusions say why
        empty = {c: pd.Series(dtype=object) for c in (*groups, *extra_groups)}
        parts.append(
            pd.DataFrame(
                {
                    **empty,
                    "value": pd.Series(dtype="float64"),
                    "_missing": pd.Series(dtype=bool),
                    "n": pd.Series(dtype="int64"),
                }
            )
        )
    cells = pd.concat(parts, ignore_index=True)
    missing = cells.pop("_missing").astype(bool).to_numpy()
    flag = add_flag(pd.Series("", index=cells.index), missing, "missing_input")
    cells["flag"] = add_flag(flag, cells["value"].isna().to_numpy() & ~missing, "zero_denominator")
    cells["n"] = cells["n"].astype("int64")
    inputs: dict[str, Any] = {"flows": flows}
    if population is not None:
        inputs["population"] = population
    if distances is not None:
        inputs["distances"] = distances
    n_regions = len(systems[0].regions) if systems else 0
    return make_result(
        indicator_id,
        cells,
        ledger,
        group_columns=[*groups, *extra_groups],
        options={
            "by": [] if by is None else ([by] if isinstance(by, str) else list(by)),
            "regions": list(regions) if regions is not None else None,
            "codes": codes,
            **options,
        },
        inputs=inputs,
        method=method,
        unit=unit,
        extra_metadata={
            "regions": list(systems[0].regions) if systems else [],
            "n_regions": n_regions,
        },
    )


def _pop_missing(system: FlowSystem) -> bool:
    return system.population is None or bool(np.isnan(system.population).any())


# --- intensity --------------------------------------------------------------------------------


@accepts_any_frame
@typed_options("crude_migration_intensity")
@_shared_flow_doc
def crude_migration_intensity(
    flows: FlowInput,
    population: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    codes: str = "any",
) -> Result:
    """Crude migration intensity: migrants between regions per 100 population at risk.

    .. math:: CMI = 100 \\, M / P, \\quad M = \\sum_{i \\ne j} M_{ij}, \\; P = \\sum_i P_i

    Returns
    -------
    Result
        ``value`` [percent], one row per group; ``n`` = flow rows used.

    References
    ----------
    Bell et al. (2002), §4.1; migest ``index_intensity``.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("flow_matrix_demo")
    >>> result = mi.flows.crude_migration_intensity(
    ...     flows=data["flows"],
    ...     population=data["population"],
    ... )
    >>> cols = ["time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
     time_period  value
            2019  0.522
            2020  0.496
            2021  0.471
    """

    def cells(s: FlowSystem) -> pd.DataFrame:
        assert s.population is not None
        return _scalar(
            flow_indices.crude_migration_intensity(s.matrix, s.population),
            _pop_missing(s),
            migrants=float(s.matrix.sum()),
            population=float(np.sum(s.population)),
        )

    return _run(
        "crude_migration_intensity",
        flows,
        cells,
        by=by,
        regions=regions,
        codes=codes,
        options={},
        population=population,
        method="100 * M / P",
    )


@accepts_any_frame
@typed_options("courgeau_k")
@_shared_flow_doc
def courgeau_k(
    flows: FlowInput,
    population: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    codes: str = "any",
) -> Result:
    """Courgeau's k: the crude migration intensity over the log of the number of region pairs.

    .. math:: k = CMI / \\ln(n^2)

    n is the number of regions of the system (``regions=`` or every label in the flows).

    References
    ----------
    Courgeau, D. (1973). Migrations et découpages du territoire. *Population* 28(3), 511–537;
    Courgeau, D. (1973). Migrants et migrations. *Population* 28(1), 95–129 (cited by migest);
    Bell et al. (2002); migest ``index_intensity``.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("flow_matrix_demo")
    >>> result = mi.flows.courgeau_k(flows=data["flows"], population=data["population"])
    >>> cols = ["time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
     time_period  value
            2019  0.105
            2020  0.100
            2021  0.095
    """

    def cells(s: FlowSystem) -> pd.DataFrame:
        assert s.population is not None
        return _scalar(flow_indices.courgeau_k(s.matrix, s.population), _pop_missing(s))

    return _run(
        "courgeau_k",
        flows,
        cells,
        by=by,
        regions=regions,
        codes=codes,
        options={},
        population=population,
        method="CMI / ln(n^2)",
    )


@accepts_any_frame
@typed_options("net_migration_rate")
@_shared_flow_doc
def net_migration_rate(
    flows: FlowInput,
    population: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    codes: str = "any",
) -> Result:
    """Crude net migration rate of each region, per 1000 population.

    .. math:: NMR_i = 1000 \\, (D_i - O_i) / P_i

    Returns
    -------
    Result
        One row per region and group: ``value`` [permille], extra columns ``inflow``,
        ``outflow``, ``net`` [person] and ``population``.

    References
    ----------
    United Nations (1970), *Methods of measuring internal migration*, Manual VI,
    ST/SOA/Series A/47; Bell et al. (2002).

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("flow_matrix_demo")
    >>> result = mi.flows.net_migration_rate(flows=data["flows"], population=data["population"])
    >>> cols = ["time_period", "region", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
     time_period region  value
            2019    R01  0.259
            2019    R02 -0.502
            2019    R03 -1.687
    """

    def cells(s: FlowSystem) -> pd.DataFrame:
        assert s.population is not None
        inflow, outflow = s.matrix.sum(axis=0), s.matrix.sum(axis=1)
        return pd.DataFrame(
            {
                "region": list(s.regions),
                "value": flow_indices.net_migration_rate(s.matrix, s.population),
                "_missing": np.isnan(s.population),
                "inflow": inflow,
                "outflow": outflow,
                "net": inflow - outflow,
                "population": s.population,
            }
        )

    return _run(
        "net_migration_rate",
        flows,
        cells,
        by=by,
        regions=regions,
        codes=codes,
        options={},
        population=population,
        extra_groups=["region"],
        method="1000 * (D_i - O_i) / P_i",
    )


@accepts_any_frame
@typed_options("aggregate_net_migration_rate")
@_shared_flow_doc
def aggregate_net_migration_rate(
    flows: FlowInput,
    population: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    codes: str = "any",
) -> Result:
    """Aggregate net migration rate: net redistribution of population per 100.

    .. math:: ANMR = 100 \\cdot \\tfrac12 \\sum_i |D_i - O_i| / P = CMI \\cdot MEI / 100

    References
    ----------
    Bell et al. (2002), §4.3; migest ``index_impact``.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("flow_matrix_demo")
    >>> result = mi.flows.aggregate_net_migration_rate(
    ...     flows=data["flows"],
    ...     population=data["population"],
    ... )
    >>> cols = ["time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
     time_period  value
            2019  0.083
            2020  0.077
            2021  0.075
    """

    def cells(s: FlowSystem) -> pd.DataFrame:
        assert s.population is not None
        return _scalar(
            flow_indices.aggregate_net_migration_rate(s.matrix, s.population), _pop_missing(s)
        )

    return _run(
        "aggregate_net_migration_rate",
        flows,
        cells,
        by=by,
        regions=regions,
        codes=codes,
        options={},
        population=population,
        method="100 * 0.5 * sum|N_i| / P",
    )


# --- impact and connectivity ------------------------------------------------------------------


@accepts_any_frame
@typed_options("migration_effectiveness_index")
@_shared_flow_doc
def migration_effectiveness_index(
    flows: FlowInput,
    *,
    by: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    codes: str = "any",
) -> Result:
    """Migration effectiveness index, for the system and for each region.

    .. math:: MEI = 100 \\sum_i |N_i| / \\sum_i T_i, \\qquad MEI_i = 100 \\, N_i / T_i

    Returns
    -------
    Result
        Group column ``region``: ``"_T"`` for the system (0 to 100), then one row per region
        (−100 to 100; positive = net gain). Extra columns ``net`` and ``turnover`` [person].

    References
    ----------
    Bell et al. (2002), §4.3; migest ``index_impact``; migration.indices
    ``migration.effectiveness``.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("flow_matrix_demo")
    >>> result = mi.flows.migration_effectiveness_index(flows=data["flows"], by=["sex"])
    >>> cols = ["time_period", "sex", "region", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
     time_period sex region   value
            2019   F    R01   2.018
            2019   F    R02 -12.221
            2019   F    R03 -37.967
    """

    def cells(s: FlowSystem) -> pd.DataFrame:
        mei_i, net, turnover = flow_indices.regional_effectiveness(s.matrix)
        total = pd.DataFrame(
            {
                "region": ["_T"],
                "value": [flow_indices.effectiveness(s.matrix)],
                "_missing": [False],
                "net": [float(np.abs(net).sum())],
                "turnover": [float(turnover.sum())],
            }
        )
        regional = pd.DataFrame(
            {
                "region": list(s.regions),
                "value": mei_i,
                "_missing": False,
                "net": net,
                "turnover": turnover,
            }
        )
        return pd.concat([total, regional], ignore_index=True)

    return _run(
        "migration_effectiveness_index",
        flows,
        cells,
        by=by,
        regions=regions,
        codes=codes,
        options={},
        extra_groups=["region"],
        method="100 * sum|N_i| / sum T_i; regions 100 * N_i / T_i "
        "(the _T row's net column holds sum|N_i|)",
    )


@accepts_any_frame
@typed_options("migration_connectivity")
@_shared_flow_doc
def migration_connectivity(
    flows: FlowInput,
    *,
    by: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    codes: str = "any",
) -> Result:
    """Migration connectivity: the share of the n(n − 1) possible flows that are non-zero.

    .. math:: I_{MC} = \\#\\{i \\ne j : M_{ij} > 0\\} / (n(n-1))

    References
    ----------
    Bell et al. (2002), §4.4; migration.indices ``migration.connectivity``.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("flow_matrix_demo")
    >>> result = mi.flows.migration_connectivity(flows=data["flows"])
    >>> cols = ["time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
     time_period  value
            2019    1.0
            2020    1.0
            2021    1.0
    """

    def cells(s: FlowSystem) -> pd.DataFrame:
        return _scalar(flow_indices.connectivity(s.matrix))

    return _run(
        "migration_connectivity",
        flows,
        cells,
        by=by,
        regions=regions,
        codes=codes,
        options={},
        method="#{i != j: M_ij > 0} / (n (n - 1))",
    )


@accepts_any_frame
@typed_options("migration_inequality")
@_shared_flow_doc
def migration_inequality(
    flows: FlowInput,
    *,
    by: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    codes: str = "any",
    expected: str = "equal",
) -> Result:
    """Migration inequality index: how far flows depart from an expected distribution.

    .. math:: I_{MI} = \\tfrac12 \\sum_{i \\ne j} |M_{ij}/M - E_{ij}/E|

    Parameters
    ----------
    expected : {"equal", "independence"}
        Equal expected flows (migest ``inequality_equal``), or the quasi-independence fit
        ``flow ~ origin + destination`` (migest ``inequality_sim``).

    References
    ----------
    Bell et al. (2002), §4.4; migest ``index_connectivity``.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("flow_matrix_demo")
    >>> result = mi.flows.migration_inequality(flows=data["flows"], expected="independence")
    >>> cols = ["time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
     time_period  value
            2019  0.202
            2020  0.200
            2021  0.199
    """

    def cells(s: FlowSystem) -> pd.DataFrame:
        return _scalar(flow_indices.inequality(s.matrix, expected=expected))

    if expected not in flow_indices.INEQUALITY_EXPECTED:
        raise OptionError(
            f"expected={expected!r}: use one of {list(flow_indices.INEQUALITY_EXPECTED)}"
        )
    return _run(
        "migration_inequality",
        flows,
        cells,
        by=by,
        regions=regions,
        codes=codes,
        options={"expected": expected},
        method=f"0.5 * sum|M_ij/M - E_ij/E|, E = {expected}",
    )


# --- Gini family ------------------------------------------------------------------------------


def _check_correction(correction: str) -> None:
    if correction not in flow_gini.CORRECTIONS:
        raise OptionError(f"correction={correction!r}: use one of {list(flow_gini.CORRECTIONS)}")


@accepts_any_frame
@typed_options("migration_gini_total")
@_shared_flow_doc
def migration_gini_total(
    flows: FlowInput,
    *,
    by: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    codes: str = "any",
    correction: str = "bell",
) -> Result:
    """Total flows Gini index: spatial focusing of all inter-regional flows.

    .. math:: G = \\sum_{i \\ne j} \\sum_{k \\ne l} |M_{ij} - M_{kl}| / (d \\, M)

    with :math:`d = 2(n(n-1) - 1)` (``correction="bell"``, Bell et al. 2002) or
    :math:`2n(n-1)` (``"plane_mulligan"``, Plane and Mulligan 1997).

    References
    ----------
    Bell et al. (2002); Plane and Mulligan (1997); migration.indices
    ``migration.gini.total``.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("flow_matrix_demo")
    >>> result = mi.flows.migration_gini_total(flows=data["flows"])
    >>> cols = ["time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
     time_period  value
            2019  0.740
            2020  0.741
            2021  0.742
    """
    _check_correction(correction)

    def cells(s: FlowSystem) -> pd.DataFrame:
        return _scalar(flow_gini.gini_total(s.matrix, correction=correction))

    return _run(
        "migration_gini_total",
        flows,
        cells,
        by=by,
        regions=regions,
        codes=codes,
        options={"correction": correction},
        method=f"total flows Gini, {correction} denominator",
    )


def _row_or_column(
    indicator_id: str,
    flows: FlowInput,
    *,
    by: Sequence[str] | None,
    regions: Sequence[str] | None,
    codes: str,
    column: bool,
) -> Result:
    def cells(s: FlowSystem) -> pd.DataFrame:
        g = flow_gini.gini_column(s.matrix) if column else flow_gini.gini_row(s.matrix)
        total = flow_gini.gini_total(s.matrix, correction="plane_mulligan")
        with np.errstate(divide="ignore", invalid="ignore"):
            standardized = 100.0 * g / total if total > 0 else np.nan
        return _scalar(g, standardized=standardized)

    return _run(
        indicator_id,
        flows,
        cells,
        by=by,
        regions=regions,
        codes=codes,
        options={},
        method=("columns" if column else "rows") + " Gini; standardized = 100 * G / "
        "total Gini (Plane-Mulligan denominator)",
    )


@accepts_any_frame
@typed_options("migration_gini_row")
@_shared_flow_doc
def migration_gini_row(
    flows: FlowInput,
    *,
    by: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    codes: str = "any",
) -> Result:
    """Rows (out-migration) Gini index, with its standardized form.

    .. math:: G_R = \\sum_i \\sum_{j \\ne i} \\sum_{h \\ne i} |M_{ij} - M_{ih}| / (2n(n-1) M)

    The extra column ``standardized`` is :math:`100 \\, G_R / G` with the total Gini
    :math:`G` under the Plane–Mulligan denominator [percent] (migration.indices
    ``migration.gini.row.standardized``).

    References
    ----------
    Bell et al. (2002); migration.indices ``migration.gini.row``.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("flow_matrix_demo")
    >>> result = mi.flows.migration_gini_row(flows=data["flows"])
    >>> cols = ["time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
     time_period  value
            2019  0.054
            2020  0.054
            2021  0.054
    """
    return _row_or_column(
        "migration_gini_row", flows, by=by, regions=regions, codes=codes, column=False
    )


@accepts_any_frame
@typed_options("migration_gini_column")
@_shared_flow_doc
def migration_gini_column(
    flows: FlowInput,
    *,
    by: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    codes: str = "any",
) -> Result:
    """Columns (in-migration) Gini index, with its standardized form.

    .. math:: G_C = \\sum_j \\sum_{i \\ne j} \\sum_{k \\ne j} |M_{ij} - M_{kj}| / (2n(n-1) M)

    References
    ----------
    Bell et al. (2002); migration.indices ``migration.gini.col``.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("flow_matrix_demo")
    >>> result = mi.flows.migration_gini_column(flows=data["flows"])
    >>> cols = ["time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
     time_period  value
            2019   0.05
            2020   0.05
            2021   0.05
    """
    return _row_or_column(
        "migration_gini_column", flows, by=by, regions=regions, codes=codes, column=True
    )


@accepts_any_frame
@typed_options("migration_gini_exchange")
@_shared_flow_doc
def migration_gini_exchange(
    flows: FlowInput,
    *,
    by: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    codes: str = "any",
) -> Result:
    """Exchange Gini index: asymmetry of the two directions of each pair of regions.

    .. math:: G_E = \\sum_{i \\ne j} |M_{ij} - M_{ji}| / (2n(n-1) M)

    References
    ----------
    Bell et al. (2002); migration.indices ``migration.gini.exchange``.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("flow_matrix_demo")
    >>> result = mi.flows.migration_gini_exchange(flows=data["flows"])
    >>> cols = ["time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
     time_period  value
            2019  0.001
            2020  0.001
            2021  0.001
    """

    def cells(s: FlowSystem) -> pd.DataFrame:
        return _scalar(flow_gini.gini_exchange(s.matrix))

    return _run(
        "migration_gini_exchange",
        flows,
        cells,
        by=by,
        regions=regions,
        codes=codes,
        options={},
        method="sum|M_ij - M_ji| / (2 n (n - 1) M)",
    )


def _field(
    indicator_id: str,
    flows: FlowInput,
    *,
    by: Sequence[str] | None,
    regions: Sequence[str] | None,
    codes: str,
    correction: str,
    inward: bool,
) -> Result:
    _check_correction(correction)

    def cells(s: FlowSystem) -> pd.DataFrame:
        if inward:
            values = flow_gini.field_gini_in(s.matrix, correction=correction)
            totals = s.matrix.sum(axis=0)
        else:
            values = flow_gini.field_gini_out(s.matrix, correction=correction)
            totals = s.matrix.sum(axis=1)
        return pd.DataFrame(
            {
                "region": list(s.regions),
                "value": values,
                "_missing": False,
                "inflow" if inward else "outflow": totals,
            }
        )

    side = "in" if inward else "out"
    return _run(
        indicator_id,
        flows,
        cells,
        by=by,
        regions=regions,
        codes=codes,
        options={"correction": correction},
        extra_groups=["region"],
        method=f"{side}-migration field Gini per region, {correction} denominator",
    )


@accepts_any_frame
@typed_options("migration_field_gini_out")
@_shared_flow_doc
def migration_field_gini_out(
    flows: FlowInput,
    *,
    by: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    codes: str = "any",
    correction: str = "bell",
) -> Result:
    """Out-migration field Gini of each origin region.

    .. math:: G^O_i = \\sum_{j \\ne i} \\sum_{l \\ne i} |M_{ij} - M_{il}| / (d_i \\, O_i)

    with :math:`d_i = 2(n-2)` (``"bell"``) or :math:`2(n-1)` (``"plane_mulligan"``). A region
    without out-migrants gets NaN and ``zero_denominator``.

    Returns
    -------
    Result
        One row per region and group: ``value``, extra column ``outflow`` [person].

    References
    ----------
    Bell et al. (2002); migration.indices ``migration.gini.out``.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("flow_matrix_demo")
    >>> result = mi.flows.migration_field_gini_out(flows=data["flows"])
    >>> cols = ["time_period", "region", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
     time_period region  value
            2019    R01  0.830
            2019    R02  0.352
            2019    R03  0.383
    """
    return _field(
        "migration_field_gini_out",
        flows,
        by=by,
        regions=regions,
        codes=codes,
        correction=correction,
        inward=False,
    )


@accepts_any_frame
@typed_options("migration_field_gini_in")
@_shared_flow_doc
def migration_field_gini_in(
    flows: FlowInput,
    *,
    by: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    codes: str = "any",
    correction: str = "bell",
) -> Result:
    """In-migration field Gini of each destination region.

    .. math:: G^I_j = \\sum_{i \\ne j} \\sum_{k \\ne j} |M_{ij} - M_{kj}| / (d_j \\, D_j)

    Returns
    -------
    Result
        One row per region and group: ``value``, extra column ``inflow`` [person]. A region
        without in-migrants gets NaN and ``zero_denominator``.

    References
    ----------
    Bell et al. (2002); migration.indices ``migration.gini.in``.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("flow_matrix_demo")
    >>> result = mi.flows.migration_field_gini_in(flows=data["flows"], correction="plane_mulligan")
    >>> cols = ["time_period", "region", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
     time_period region  value
            2019    R01  0.713
            2019    R02  0.339
            2019    R03  0.294
    """
    return _field(
        "migration_field_gini_in",
        flows,
        by=by,
        regions=regions,
        codes=codes,
        correction=correction,
        inward=True,
    )


@accepts_any_frame
@typed_options("migration_weighted_gini")
@_shared_flow_doc
def migration_weighted_gini(
    flows: FlowInput,
    *,
    by: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    codes: str = "any",
    correction: str = "bell",
) -> Result:
    """Migration-weighted Gini indices: out, in and their mean.

    .. math:: MWG^O = \\tfrac1n \\sum_i G^O_i D_i / M, \\quad
       MWG^I = \\tfrac1n \\sum_i G^I_i O_i / M, \\quad MWG = (MWG^O + MWG^I)/2

    The weights follow migration.indices (and hence migest): the out-field Gini of a region is
    weighted by its share of in-flows and the in-field Gini by its share of out-flows. See
    :func:`migindicators.flows.gini.weighted_gini`.

    Returns
    -------
    Result
        Group column ``direction``: ``out``, ``in``, ``mean``.

    References
    ----------
    Bell et al. (2002); migration.indices ``migration.weighted.gini.out``, ``.in``, ``.mean``.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("flow_matrix_demo")
    >>> result = mi.flows.migration_weighted_gini(flows=data["flows"])
    >>> cols = ["time_period", "direction", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
     time_period direction  value
            2019        in  0.056
            2019      mean  0.057
            2019       out  0.059
    """
    _check_correction(correction)

    def cells(s: FlowSystem) -> pd.DataFrame:
        out, into, mean = flow_gini.weighted_gini(s.matrix, correction=correction)
        return pd.DataFrame(
            {"direction": ["out", "in", "mean"], "value": [out, into, mean], "_missing": False}
        )

    return _run(
        "migration_weighted_gini",
        flows,
        cells,
        by=by,
        regions=regions,
        codes=codes,
        options={"correction": correction},
        extra_groups=["direction"],
        method=f"migration-weighted field Ginis ({correction} field denominators)",
    )


# --- distance ---------------------------------------------------------------------------------


@accepts_any_frame
@typed_options("mean_migration_distance")
@_shared_flow_doc
def mean_migration_distance(
    flows: FlowInput,
    distances: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    codes: str = "any",
    distance_unit: str = "kilometer",
) -> Result:
    """Flow-weighted mean migration distance.

    .. math:: \\bar d = \\sum_{i \\ne j} M_{ij} d_{ij} / \\sum_{i \\ne j} M_{ij}

    Parameters
    ----------
    distances : pandas.DataFrame
        Input kind ``region_distances``: ``origin``, ``destination``, ``distance`` (one row per
        ordered pair). A positive flow without a distance gives NaN and ``missing_input``.
    distance_unit : str
        The unit of ``distance`` (a pint length unit); the unit of the result.

    References
    ----------
    Bell et al. (2002), §4.5; migest ``index_distance``.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("flow_matrix_demo")
    >>> result = mi.flows.mean_migration_distance(flows=data["flows"], distances=data["distances"])
    >>> cols = ["time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
     time_period  value
            2019 77.128
            2020 77.237
            2021 77.254
    """
    parse_unit(distance_unit)

    def cells(s: FlowSystem) -> pd.DataFrame:
        assert s.distance is not None
        value = flow_indices.mean_distance(s.matrix, s.distance)
        lacking = bool(np.isnan(s.distance[s.matrix > 0]).any())
        return _scalar(value, lacking)

    return _run(
        "mean_migration_distance",
        flows,
        cells,
        by=by,
        regions=regions,
        codes=codes,
        options={"distance_unit": distance_unit},
        distances=distances,
        unit=distance_unit,
        method="sum M_ij d_ij / sum M_ij",
    )
