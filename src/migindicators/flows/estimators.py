"""Migration flow estimates from stock tables and net totals, as indicators.

Most countries do not measure international migration flows; they are estimated from
bilateral stock tables (place of birth × place of residence at two dates) and from net
migration totals. Each function here checks its inputs
(:mod:`migindicators.flows.bilateral`), runs an estimator of
:mod:`migindicators.flows.from_stocks`, :mod:`migindicators.flows.accounting` or
:mod:`migindicators.flows.net_totals` and returns
a :class:`~migindicators.core.result.Result` whose rows are origin × destination flows
(grouping columns ``origin``, ``destination``; ``value`` in persons; every cell flagged
``estimated``). That result is a flow matrix: the flow indices of
:mod:`migindicators.flows.indicators` take it directly (``migration_effectiveness_index(
result)``), and the report draws it as a heat map.

The region set is the sorted union of the labels of the stock tables (or of the net
totals), so results do not depend on the order of the input rows or labels.

References
----------
Abel, G. J. and Cohen, J. E. (2019). Bilateral international migration flow estimates for
200 countries. *Scientific Data* 6, 82. doi:10.1038/s41597-019-0089-3 (the methods compared).
Abel, G. J., R package ``migest`` (``ffs_diff``, ``ffs_rates``, ``ffs_demo``,
``net_matrix_*``): the reference implementation whose documented examples the tests
reproduce.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.assemble import make_result
from migindicators.core.frames import accepts_any_frame
from migindicators.core.ledger import RowLedger
from migindicators.core.registry import typed_options
from migindicators.core.result import Result
from migindicators.flows import accounting, from_stocks, net_totals
from migindicators.flows.bilateral import (
    BilateralInput,
    region_vector,
    seed_matrix,
    stock_tables,
)

__all__ = [
    "flows_demographic_accounting",
    "flows_from_net_totals",
    "flows_stock_difference",
    "flows_stock_rates",
]

_TOTAL = "_T"


def _od_frame(regions: tuple[str, ...], flows: np.ndarray, *, diagonal: bool) -> pd.DataFrame:
    """One row per origin × destination (off the diagonal unless *diagonal*), zeros kept."""
    n = len(regions)
    keep = np.ones((n, n), dtype=bool) if diagonal else ~np.eye(n, dtype=bool)
    rows, cols = np.nonzero(keep)
    labels = np.asarray(regions, dtype=object)
    return pd.DataFrame(
        {"origin": labels[rows], "destination": labels[cols], "value": flows[rows, cols]}
    )


def _assemble(
    indicator_id: str,
    data: pd.DataFrame,
    ledger: RowLedger,
    *,
    groups: list[str],
    options: dict[str, Any],
    inputs: dict[str, Any],
    method: str,
    extra: dict[str, Any],
) -> Result:
    data["flag"] = "estimated"
    return make_result(
        indicator_id,
        data,
        ledger,
        group_columns=groups,
        options=options,
        inputs=inputs,
        method=method,
        unit="person",
        extra_metadata=extra,
    )


def _negatives(flows: np.ndarray) -> dict[str, Any]:
    negative = flows < 0
    return {
        "negative_flows": int(negative.sum()),
        "negative_total": float(flows[negative].sum()),
    }


@accepts_any_frame
@typed_options("flows_stock_difference")
def flows_stock_difference(
    stock_start: BilateralInput,
    stock_end: BilateralInput,
    *,
    decrease: str = "return",
) -> Result:
    """Migration flows by differencing two bilateral stock tables.

    .. math::

        \\Delta_{ij} = S^{t+1}_{ij} - S^t_{ij}, \\qquad
        F_{ij} = \\max(\\Delta_{ij}, 0) \\;+\\;
        [\\texttt{decrease="return"}]\\, \\max(-\\Delta_{ji}, 0), \\quad i \\ne j

    A growing stock of persons born in *i* living in *j* is a flow from *i* to *j*. A
    shrinking one is either dropped (``"zero"``: Bertoli and Fernández-Huertas Moraga
    2015) or read as persons going home, a flow from *j* back to *i* (``"return"``: Beine
    and Parsons 2015). Deaths, births and onward moves are ignored: the result is a count
    of net changes of the stocks, a lower bound of the flows.

    Parameters
    ----------
    stock_start, stock_end : pandas.DataFrame or numpy.ndarray
        Input kind ``bilateral_stock`` [person] at the two dates: long ``birthplace``,
        ``residence``, ``stock``, or a square table (rows = birthplaces, columns =
        residences). The native-born (diagonal) cells are not used.
    decrease : {"return", "zero"}
        What a decrease of a stock means (migest's default is ``"return"``).

    Returns
    -------
    Result
        One row per origin × destination (i ≠ j, zeros kept): ``value`` [person].

    References
    ----------
    Abel and Cohen (2019); Beine, M. and Parsons, C. (2015), *Scandinavian Journal of
    Economics* 117(2), 723–767; Bertoli, S. and Fernández-Huertas Moraga, J. (2015),
    *Regional Science and Urban Economics* 51, 1–6; migest ``ffs_diff``.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("bilateral_stock_demo")
    >>> result = mi.flows.flows_stock_difference(
    ...     stock_start=data["stock_start"],
    ...     stock_end=data["stock_end"],
    ... )
    >>> cols = ["origin", "destination", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    origin destination   value
       AAA         BBB 38411.0
       AAA         CCC  3034.0
       AAA         DDD 53115.0
    """
    ledger = RowLedger()
    regions, (s1, s2) = stock_tables(
        [("stock_start", stock_start), ("stock_end", stock_end)], ledger
    )
    flows = from_stocks.stock_difference(s1, s2, decrease=decrease)
    return _assemble(
        "flows_stock_difference",
        _od_frame(regions, flows, diagonal=False),
        ledger,
        groups=["origin", "destination"],
        options={"decrease": decrease},
        inputs={"stock_start": stock_start, "stock_end": stock_end},
        method="stock differencing, decreases "
        + ("dropped" if decrease == "zero" else "read as return flows"),
        extra={"regions": list(regions), "n_regions": len(regions)},
    )


@accepts_any_frame
@typed_options("flows_stock_rates")
def flows_stock_rates(
    stock_start: BilateralInput,
    stock_end: BilateralInput | None = None,
    *,
    method: str = "dennett",
    total: float | None = None,
) -> Result:
    """Migration flows from rates implied by bilateral stock tables.

    ``method="dennett"`` (Dennett 2016) shares a known total of migrants *M* over the
    corridors in proportion to the foreign-born stocks at the start:
    :math:`F_{ij} = M S^t_{ij} / \\sum_{k \\ne l} S^t_{kl}`. It assumes the migrants of the
    period follow the networks of earlier migrants.

    ``method="rogers_von_rabenau"`` (Rogers and von Rabenau 1971) finds the transition
    matrix :math:`G = (S^t)^{-1} S^{t+1}` that turns the start table into the end table
    and applies it to each region's population at the start,
    :math:`F_{ij} = G_{ij} \\sum_b S^t_{bi}`. It assumes every birthplace group moves with
    the same probabilities; nothing keeps *G* non-negative, so flows can be negative:
    ``metadata["negative_flows"]`` counts them, and the flow indices (which need
    non-negative flows) reject such a result.

    Parameters
    ----------
    stock_start : pandas.DataFrame or numpy.ndarray
        Input kind ``bilateral_stock`` at the start date [person].
    stock_end : pandas.DataFrame or numpy.ndarray, optional
        The end-date table; required by ``"rogers_von_rabenau"``.
    method : {"dennett", "rogers_von_rabenau"}
    total : float, optional
        The number of migrants *M* to share out [person]; required by ``"dennett"``.

    Returns
    -------
    Result
        One row per origin × destination (i ≠ j): ``value`` [person].

    References
    ----------
    Dennett, A. (2016). Estimating an annual time series of global migration flows. In
    *Global Dynamics*, Wiley, 125–142. Rogers, A. and von Rabenau, B. (1971). *Demography*
    8(2), 185–194. Abel and Cohen (2019); migest ``ffs_rates``.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("bilateral_stock_demo")
    >>> result = mi.flows.flows_stock_rates(
    ...     stock_start=data["stock_start"],
    ...     method="dennett",
    ...     total=1500000.0,
    ... )
    >>> cols = ["origin", "destination", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    origin destination      value
       AAA         BBB 120743.072
       AAA         CCC  48426.357
       AAA         DDD  29944.454
    """
    ledger = RowLedger()
    tables: list[tuple[str, BilateralInput]] = [("stock_start", stock_start)]
    if stock_end is not None:
        tables.append(("stock_end", stock_end))
    regions, arrays = stock_tables(tables, ledger)
    flows = from_stocks.stock_rates(
        arrays[0], arrays[1] if len(arrays) > 1 else None, method=method, total=total
    )
    inputs: dict[str, Any] = {"stock_start": stock_start}
    if stock_end is not None:
        inputs["stock_end"] = stock_end
    return _assemble(
        "flows_stock_rates",
        _od_frame(regions, flows, diagonal=False),
        ledger,
        groups=["origin", "destination"],
        options={"method": method, "total": total},
        inputs=inputs,
        method="M * S_ij / sum S_kl (Dennett)"
        if method == "dennett"
        else "G = solve(S_t, S_t+1); F_ij = G_ij * P_i (Rogers-von Rabenau)",
        extra={"regions": list(regions), "n_regions": len(regions), **_negatives(flows)},
    )


@accepts_any_frame
@typed_options("flows_demographic_accounting")
def flows_demographic_accounting(
    stock_start: BilateralInput,
    stock_end: BilateralInput,
    births: pd.DataFrame | pd.Series | None = None,
    deaths: pd.DataFrame | pd.Series | None = None,
    seed: BilateralInput | None = None,
    *,
    stayer_assumption: bool = True,
    birthplace_totals: str = "rescale",
    global_balance: str = "before",
    birth_method: str = "native",
    death_method: str = "proportion",
) -> Result:
    """Migration flows by place of birth from two stock tables, births and deaths.

    The demographic account of each place of birth *b* (Abel 2013):

    .. math::

        S^t_{bi} = \\textstyle\\sum_j F_{bij} + D_{bi} + L_{bi}, \\qquad
        S^{t+1}_{bj} = \\textstyle\\sum_i F_{bij} + B_{bj} + E_{bj}

    with the flows :math:`F_{bij}` of those born in *b* from residence *i* at the start to
    *j* at the end (:math:`F_{bii}` those who stayed), deaths *D*, births *B*, and, in an
    open system, those who left (*L*) or entered (*E*) the system. So, by birthplace,
    stock at *t* + births − deaths + inflows − outflows = stock at *t* + 1 (inflows and
    outflows including those from and to outside the system). The flows are estimated by
    IPF, under the stayer assumption (as many as possible stay; the rest move under a
    quasi-independence model with the seed, the minimum migration consistent with the
    stocks; Abel and Sander 2014) or without it (an independence model, as in the first
    stage of Azose and Raftery 2019). See
    :func:`migindicators.flows.accounting.demographic_account` for each option.

    The two tables' totals by birthplace (after births and deaths) rarely agree; how they
    are made to is the option ``birthplace_totals``: ``"rescale"`` (a closed system: both
    tables refitted to common totals, and the native-born adjusted so that the world
    changes by births − deaths) or ``"open"`` / ``"open_dr"`` (an open system: the
    differences left or entered from outside). Every adjustment made is listed in
    ``metadata["adjustments"]``; an account that cannot balance is an
    :class:`~migindicators.core.errors.EstimationError`, never a silent fix.

    Parameters
    ----------
    stock_start, stock_end : pandas.DataFrame or numpy.ndarray
        Input kind ``bilateral_stock`` at the two dates [person] (birthplace × residence).
    births, deaths : pandas.DataFrame or pandas.Series, optional
        Input kinds ``region_births`` (``region``, ``births``) and ``region_deaths``
        (``region``, ``deaths``) [person], between the two dates, one row per region of
        the stock tables (default: none). Rows of other regions are excluded and counted.
    seed : pandas.DataFrame or numpy.ndarray, optional
        Input kind ``flow_seed`` (``origin``, ``destination``, ``seed``): prior weights of
        the moves, e.g. ``1 / distance``; default equal weights. Pairs without a row weigh
        zero (no flow). Used in both models (migest 2.0.5 ignores it under the stayer
        assumption; the papers' quasi-independence model uses it).
    stayer_assumption : bool
    birthplace_totals : {"rescale", "open", "open_dr"}
    global_balance : {"before", "after"}
        With ``"rescale"``: whether the native-born absorb the world's imbalance before or
        after births and deaths come off.
    birth_method : {"native", "proportion"}
        Births as native-born (where they exceed the native-born at the end, spread over
        the birthplaces), or spread over the birthplaces like the end stocks.
    death_method : {"proportion", "accounting"}
        Deaths spread over birthplaces like the start stocks, or fitted to the deaths by
        birthplace that the account implies.

    Returns
    -------
    Result
        Grouping columns ``birthplace``, ``origin``, ``destination``; ``value`` [person].
        One row per non-zero birthplace × origin × destination flow (the diagonal
        origin = destination holds the stayers; zero cells are left out, since the full
        array has n³ cells, nearly all zero at world scale), then the rows
        ``birthplace = "_T"``: the origin × destination sum over birthplaces, one row per
        pair, zeros kept (diagonal: all stayers). The flow indices and
        the heat map use the ``_T`` rows and ignore the diagonal. Metadata:
        ``adjustments`` (list of str), ``outside`` (persons who ``left`` and ``entered``
        the system by birthplace), ``iterations``.

    References
    ----------
    Abel, G. J. (2013). Estimating global migration flow tables using place of birth data.
    *Demographic Research* 28(18), 505–546. Abel, G. J. and Sander, N. (2014). Quantifying
    global international migration flows. *Science* 343(6178), 1520–1522. Abel, G. J.
    (2018). *International Migration Review* 52(3), 809–852. Abel and Cohen (2019). Azose,
    J. J. and Raftery, A. E. (2019). *PNAS* 116(1), 116–122. migest ``ffs_demo``.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("bilateral_stock_demo")
    >>> result = mi.flows.flows_demographic_accounting(
    ...     stock_start=data["stock_start"],
    ...     stock_end=data["stock_end"],
    ...     births=data["births"],
    ...     deaths=data["deaths"],
    ... )
    >>> cols = ["birthplace", "origin", "destination", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    birthplace origin destination        value
           AAA    AAA         AAA 34660346.609
           AAA    AAA         BBB    65481.329
           AAA    AAA         CCC    12208.358
    """
    ledger = RowLedger()
    regions, (s1, s2) = stock_tables(
        [("stock_start", stock_start), ("stock_end", stock_end)], ledger
    )
    b = region_vector(births, "births", "births", regions, ledger)
    d = region_vector(deaths, "deaths", "deaths", regions, ledger)
    m = seed_matrix(seed, "seed", regions, ledger)
    account = accounting.demographic_account(
        s1,
        s2,
        None if b is None else b[1],
        None if d is None else d[1],
        seed=m,
        stayer_assumption=stayer_assumption,
        birthplace_totals=birthplace_totals,
        global_balance=global_balance,
        birth_method=birth_method,
        death_method=death_method,
        regions=regions,
    )
    data = _birthplace_frame(regions, account.flows)
    inputs: dict[str, Any] = {"stock_start": stock_start, "stock_end": stock_end}
    for name, value in (("births", births), ("deaths", deaths), ("seed", seed)):
        if value is not None:
            inputs[name] = value
    return _assemble(
        "flows_demographic_accounting",
        data,
        ledger,
        groups=["birthplace", "origin", "destination"],
        options={
            "stayer_assumption": stayer_assumption,
            "birthplace_totals": birthplace_totals,
            "global_balance": global_balance,
            "birth_method": birth_method,
            "death_method": death_method,
        },
        inputs=inputs,
        method="demographic account by birthplace; IPF "
        + ("quasi-independence with stayers" if stayer_assumption else "independence"),
        extra={
            "regions": list(regions),
            "n_regions": len(regions),
            "adjustments": list(account.adjustments),
            "outside": {
                "left": dict(zip(regions, account.left.sum(axis=1).tolist(), strict=True)),
                "entered": dict(zip(regions, account.entered.sum(axis=1).tolist(), strict=True)),
            },
            "iterations": account.iterations,
        },
    )


def _birthplace_frame(regions: tuple[str, ...], flows: np.ndarray) -> pd.DataFrame:
    # by birthplace only the non-zero cells: the full array has n^3 cells, almost all zero
    # at the scale of the world (8 million for 200 regions, about 4 % non-zero); the total
    # rows keep every pair, as a flow matrix for the indices and the heat map
    n = len(regions)
    labels = np.asarray([*regions, _TOTAL], dtype=object)
    b, o, d = np.nonzero(flows)
    o2, d2 = np.indices((n, n)).reshape(2, -1)
    return pd.DataFrame(
        {
            "birthplace": labels[np.concatenate([b, np.full(n * n, n)])],
            "origin": labels[np.concatenate([o, o2])],
            "destination": labels[np.concatenate([d, d2])],
            "value": np.concatenate([flows[b, o, d], flows.sum(axis=0).reshape(-1)]),
        }
    )


@accepts_any_frame
@typed_options("flows_from_net_totals")
def flows_from_net_totals(
    net: pd.DataFrame | pd.Series,
    seed: BilateralInput | None = None,
    *,
    method: str = "ipf",
) -> Result:
    """A flow matrix that reproduces given net migration totals.

    Net migration of region *i* is :math:`N_i = \\sum_k F_{ki} - \\sum_j F_{ij}` (the
    totals of a closed system sum to zero). Among the many matrices with these nets:

    * ``"ipf"`` — the multiplicative model :math:`F_{ij} = m_{ij}\\alpha_i/\\alpha_j`:
      the seed pattern, scaled up for regions that must send more and down for those that
      must receive more (fixed-point iteration on :math:`\\alpha`);
    * ``"entropy"`` — the matrix closest to the seed in Kullback–Leibler divergence
      (Newton's method on the convex dual); the same model as ``"ipf"``, found by another
      algorithm, so the two agree to numerical precision;
    * ``"lp"`` — the smallest total flow that produces the nets, the linear programme
      ``min sum |F|``: its optimum :math:`\\sum_i \\max(N_i, 0)` is reached by shipping
      from the regions that lose to those that gain, with no other flow (proof in
      :func:`migindicators.flows.net_totals.net_min_flow`; no LP solver needed). The
      optimum is not unique; the shipment closest to the seed is returned.

    Parameters
    ----------
    net : pandas.DataFrame or pandas.Series
        Input kind ``region_net_migration``: ``region``, ``net`` [person] (or a Series
        indexed by region), summing to zero.
    seed : pandas.DataFrame or numpy.ndarray, optional
        Input kind ``flow_seed``: prior flows [person] (e.g. a past flow matrix). Pairs
        without a row, and the diagonal, get no flow. Its *level* matters for ``"ipf"`` and
        ``"entropy"``: the fit keeps gross flows near the seed's, and scales them only as
        far as the nets require. The default (one person per pair) therefore gives nearly
        the minimum flow when the nets are large.
    method : {"ipf", "lp", "entropy"}

    Returns
    -------
    Result
        One row per origin × destination (i ≠ j): ``value`` [person]. Metadata
        ``max_net_residual`` and ``iterations``.

    References
    ----------
    migest ``net_matrix_ipf``, ``net_matrix_lp``, ``net_matrix_entropy`` (Abel, R
    package migest 2.0.5); Bishop, Fienberg and Holland (1975), *Discrete Multivariate
    Analysis*, ch. 3; Hitchcock, F. L. (1941), *Journal of Mathematics and Physics* 20,
    224–230; Boyd, S. and Vandenberghe, L. (2004), *Convex Optimization*, §5.2.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("bilateral_stock_demo")
    >>> result = mi.flows.flows_from_net_totals(net=data["net"], seed=data["prior_flows"])
    >>> cols = ["origin", "destination", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    origin destination     value
       AAA         BBB 32657.245
       AAA         CCC  5225.736
       AAA         DDD  5098.490
    """
    ledger = RowLedger()
    found = region_vector(net, "net", "net", None, ledger)
    assert found is not None
    regions, totals = found
    m = seed_matrix(seed, "seed", regions, ledger)
    fit = net_totals.net_matrix(totals, m, method=method)
    inputs: dict[str, Any] = {"net": net}
    if seed is not None:
        inputs["seed"] = seed
    return _assemble(
        "flows_from_net_totals",
        _od_frame(regions, fit.flows, diagonal=False),
        ledger,
        groups=["origin", "destination"],
        options={"method": method},
        inputs=inputs,
        method={
            "ipf": "F_ij = m_ij a_i / a_j fitted to the nets (fixed point)",
            "entropy": "min KL(F || m) subject to the nets (Newton on the dual)",
            "lp": "min sum F subject to the nets: senders to receivers, closest to the seed",
        }[method],
        extra={
            "regions": list(regions),
            "n_regions": len(regions),
            "max_net_residual": fit.max_net_residual,
            "iterations": fit.iterations,
        },
    )
