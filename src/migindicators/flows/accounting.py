"""The demographic account: flows by place of birth from two stock tables, births and deaths.

Plain numpy. For each place of birth, the persons alive at both dates moved from their
residence at the start to their residence at the end; the flows meeting both sets of totals
are fitted by IPF (:mod:`migindicators.flows.ipf`), with as many as possible staying (the
stayer assumption, the minimum migration: Abel 2013; Abel and Sander 2014) or with start and
end places independent (Azose and Raftery 2019, first stage). The two tables' birthplace
totals are first matched, in a closed system (rescaled) or an open one (differences left
or entered the system), and births and deaths taken off. Every change made to the inputs
is recorded in words; an account that cannot balance is an
:class:`~migindicators.core.errors.EstimationError`.

References
----------
Abel, G. J. (2013). Estimating global migration flow tables using place of birth data.
*Demographic Research* 28(18), 505–546. doi:10.4054/DemRes.2013.28.18.
Abel, G. J. and Sander, N. (2014). Quantifying global international migration flows.
*Science* 343(6178), 1520–1522. doi:10.1126/science.1248676.
Abel, G. J. (2018). Estimates of global bilateral migration flows by gender between 1960 and
2015. *International Migration Review* 52(3), 809–852. doi:10.1111/imre.12327.
Abel, G. J. and Cohen, J. E. (2019). Bilateral international migration flow estimates for
200 countries. *Scientific Data* 6, 82. doi:10.1038/s41597-019-0089-3.
Azose, J. J. and Raftery, A. E. (2019). Estimation of emigration, return migration, and
transit migration between all pairs of countries. *PNAS* 116(1), 116–122.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from migindicators.core.errors import EstimationError, InputValidationError
from migindicators.flows.from_stocks import choice, off_diagonal
from migindicators.flows.ipf import ipf2, ipf2_shared_seed, scale_rows

__all__ = [
    "BIRTHPLACE_TOTALS",
    "BIRTH_METHODS",
    "DEATH_METHODS",
    "GLOBAL_BALANCES",
    "DemographicAccount",
    "demographic_account",
]

BIRTHPLACE_TOTALS = ("rescale", "open", "open_dr")
BIRTH_METHODS = ("native", "proportion")
DEATH_METHODS = ("proportion", "accounting")
GLOBAL_BALANCES = ("before", "after")

# Tolerance of the IPF (relative to the largest margin): far tighter than migest's absolute
# 1e-3 stopping rule, so results are the converged model.
_TOL = 1e-10
_NEGATIVE_SLACK = 1e-9


@dataclass(frozen=True)
class DemographicAccount:
    """The outcome of :func:`demographic_account`; arrays in the order of the regions.

    Attributes
    ----------
    flows : numpy.ndarray
        Shape (birthplace, origin, destination) [person]. The diagonal
        ``flows[b, i, i]`` holds those born in *b* who lived in *i* at both dates.
    births, deaths : numpy.ndarray
        Births and deaths as birthplace × region matrices, as subtracted from the end and
        start stocks.
    left, entered : numpy.ndarray
        Open systems only (else zero): birthplace × region of those who left the system
        (counted in the start stock, not in the end stock) and of those who entered it.
    stock_start, stock_end : numpy.ndarray
        The stock tables after every adjustment, before births and deaths came off:
        ``stock_start[b, i] = flows[b, i, :].sum() + deaths[b, i] + left[b, i]`` and
        ``stock_end[b, j] = flows[b, :, j].sum() + births[b, j] + entered[b, j]``.
    adjustments : list of str
        Every change made to the inputs so that the account can balance, in words.
    iterations : int
        IPF cycles of the flow step (one fit for all the birthplaces together).
    """

    flows: np.ndarray
    births: np.ndarray
    deaths: np.ndarray
    left: np.ndarray
    entered: np.ndarray
    stock_start: np.ndarray
    stock_end: np.ndarray
    adjustments: list[str] = field(default_factory=list)
    iterations: int = 0

    @property
    def od_matrix(self) -> np.ndarray:
        """Origin × destination flows summed over the birthplaces, zero diagonal."""
        return off_diagonal(self.flows.sum(axis=0))


def _names(regions: tuple[str, ...], mask: np.ndarray, limit: int = 10) -> str:
    picked = [regions[i] for i in np.flatnonzero(mask)]
    more = f" (+{len(picked) - limit} more)" if len(picked) > limit else ""
    return ", ".join(picked[:limit]) + more


def _global_balance_before(
    s1: np.ndarray,
    s2: np.ndarray,
    births: np.ndarray,
    deaths: np.ndarray,
    notes: list[str],
) -> tuple[np.ndarray, np.ndarray]:
    # A closed world: the stock totals must change by births - deaths. The gap is taken
    # off (put on) the native-born of both tables, half each, in proportion to their size
    # (migest rounds these to integers with random ties; this does not round).
    change, natural = float(s2.sum() - s1.sum()), float(births.sum() - deaths.sum())
    gap = natural - change
    if abs(gap) <= _NEGATIVE_SLACK * max(1.0, float(s1.sum())):
        return s1, s2
    nb1, nb2 = np.diag(s1).copy(), np.diag(s2).copy()
    if nb1.sum() - gap / 2 < 0 or nb2.sum() + gap / 2 < 0 or nb1.sum() <= 0 or nb2.sum() <= 0:
        raise EstimationError(
            f"the stock tables change by {change:g} but births - deaths is {natural:g}: the "
            f"gap {gap:g} is larger than the "
            "native-born populations can absorb; check the inputs or use an open system "
            "(birthplace_totals='open' or 'open_dr')"
        )
    s1, s2 = s1.copy(), s2.copy()
    np.fill_diagonal(s1, nb1 * (nb1.sum() - gap / 2) / nb1.sum())
    np.fill_diagonal(s2, nb2 * (nb2.sum() + gap / 2) / nb2.sum())
    notes.append(
        f"closed system: the stock totals changed by {change:g} but births - deaths is "
        f"{natural:g}; the native-born of "
        f"the start table were changed by {-gap / 2:g} and of the end table by {gap / 2:g} "
        "(in proportion to each region's native-born) so that the world balances"
    )
    return s1, s2


def _birth_matrix(
    births: np.ndarray,
    s2: np.ndarray,
    method: str,
    regions: tuple[str, ...],
    notes: list[str],
) -> np.ndarray:
    col = s2.sum(axis=0)
    short = births > col * (1 + _NEGATIVE_SLACK) + _NEGATIVE_SLACK
    if short.any():
        raise EstimationError(
            f"more births than persons living at the end date in region(s) "
            f"{_names(regions, short)}: births {births[short].tolist()}, end population "
            f"{col[short].tolist()}; check that births and stocks refer to the same areas and "
            "period"
        )
    proportional = scale_rows(s2.T, births).T
    if method == "proportion":
        return proportional
    matrix = np.diag(births).astype("float64")
    # births are native-born; where a region's native-born at the end are fewer than its
    # births, its births are spread over all birthplaces living there instead (migest's
    # birth_non_negative), so that no stock goes below zero
    over = births > np.diag(s2) * (1 + _NEGATIVE_SLACK) + _NEGATIVE_SLACK
    if over.any():
        matrix[:, over] = proportional[:, over]
        notes.append(
            f"more births than native-born at the end date in {_names(regions, over)}: "
            "their births were spread over the birthplaces in proportion to the end stocks"
        )
    return matrix


def _death_matrix(
    deaths: np.ndarray,
    s1: np.ndarray,
    s2: np.ndarray,
    births: np.ndarray,
    method: str,
    regions: tuple[str, ...],
) -> np.ndarray:
    col = s1.sum(axis=0)
    short = deaths > col * (1 + _NEGATIVE_SLACK) + _NEGATIVE_SLACK
    if short.any():
        raise EstimationError(
            f"more deaths than persons living at the start date in region(s) "
            f"{_names(regions, short)}: deaths {deaths[short].tolist()}, start population "
            f"{col[short].tolist()}"
        )
    if method == "proportion":
        return scale_rows(s1.T, deaths).T
    # "accounting": deaths by birthplace from the birthplace totals (start + births - end),
    # fitted together with deaths by residence
    by_birthplace = s1.sum(axis=1) + births - s2.sum(axis=1)
    if (by_birthplace < -_NEGATIVE_SLACK).any():
        raise EstimationError(
            "death_method='accounting': start stock + births - end stock is negative for "
            f"birthplace(s) {_names(regions, by_birthplace < -_NEGATIVE_SLACK)}; use "
            "death_method='proportion'"
        )
    fit = ipf2(s1, np.maximum(by_birthplace, 0.0), deaths, tol=_TOL)
    if not fit.converged:
        raise EstimationError(
            "death_method='accounting': no death matrix meets both the deaths by birthplace "
            "(start + births - end) and the deaths by residence; use death_method='proportion'"
        )
    return fit.table


def _match_birthplace_totals(
    s1: np.ndarray,
    s2: np.ndarray,
    method: str,
    regions: tuple[str, ...],
    notes: list[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    gap = s1.sum(axis=1) - s2.sum(axis=1)
    zeros = np.zeros_like(s1)
    scale = max(1.0, float(np.abs(s1).max(initial=0.0)))
    if np.all(np.abs(gap) <= _TOL * scale):
        return s1, s2, zeros, zeros
    if method == "rescale":
        # closed system: both tables are refitted to the mean of their birthplace totals,
        # keeping their residence totals
        mid = (s1.sum(axis=1) + s2.sum(axis=1)) / 2
        fit1 = ipf2(s1, mid, s1.sum(axis=0), tol=_TOL)
        fit2 = ipf2(s2, mid, s2.sum(axis=0), tol=_TOL)
        if not (fit1.converged and fit2.converged):
            raise EstimationError(
                "birthplace_totals='rescale': the stock tables cannot be refitted to common "
                "birthplace totals with their zero cells (e.g. a birthplace present at one "
                "date only); use birthplace_totals='open' or 'open_dr'"
            )
        notes.append(
            "closed system: both stock tables were refitted (IPF) to the mean of their "
            "totals by birthplace, keeping their totals by residence; largest change of a "
            f"birthplace total {float(np.abs(gap).max()) / 2:g}"
        )
        return fit1.table, fit2.table, zeros, zeros
    # open system: a birthplace that shrank lost persons to outside the system ("left");
    # one that grew gained persons from outside ("entered")
    lost, gained = np.maximum(gap, 0.0), np.maximum(-gap, 0.0)
    if method == "open":
        # migest's "open": leavers spread like the end stocks, entrants like the start
        left_seed, entered_seed = s2, s1
    else:
        # "open_dr": leavers taken where they lived at the start, entrants where they live
        # at the end (never makes a stock negative)
        left_seed, entered_seed = s1, s2
    left = scale_rows(left_seed, lost)
    entered = scale_rows(entered_seed, gained)
    for name, part, target, fallback in (
        ("left", left, lost, s1),
        ("entered", entered, gained, s2),
    ):
        missing = (part.sum(axis=1) < target - _TOL * scale) & (target > 0)
        if missing.any():
            # no stock to spread them like: spread like the other table instead
            part[missing] = scale_rows(fallback[missing], target[missing])
            notes.append(
                f"open system: those who {name} for birthplace(s) {_names(regions, missing)} "
                "were spread like the other date's stocks (none at the date the method uses)"
            )
    s1_adj, s2_adj = s1 - left, s2 - entered
    for label, table in (("start", s1_adj), ("end", s2_adj)):
        negative = table < -_NEGATIVE_SLACK * scale
        if negative.any():
            rows = negative.any(axis=1)
            raise EstimationError(
                f"birthplace_totals={method!r}: taking those who left or entered the system "
                f"off the {label} stocks makes some negative for birthplace(s) "
                f"{_names(regions, rows)}; use birthplace_totals='open_dr', which never does"
            )
    notes.append(
        f"open system: {float(lost.sum()):g} persons left and {float(gained.sum()):g} "
        "entered the system (differences of the birthplace totals after births and deaths)"
    )
    return np.maximum(s1_adj, 0.0), np.maximum(s2_adj, 0.0), left, entered


def demographic_account(
    stock_start: np.ndarray,
    stock_end: np.ndarray,
    births: np.ndarray | None = None,
    deaths: np.ndarray | None = None,
    *,
    seed: np.ndarray | None = None,
    stayer_assumption: bool = True,
    birthplace_totals: str = "rescale",
    global_balance: str = "before",
    birth_method: str = "native",
    death_method: str = "proportion",
    regions: tuple[str, ...] | None = None,
    tol: float = _TOL,
    max_iter: int = 100_000,
) -> DemographicAccount:
    """Flows by place of birth consistent with two stock tables, births and deaths.

    For each place of birth *b* the persons alive at both dates move from their residence
    at the start (row totals ``S^t[b] - deaths``) to their residence at the end (column
    totals ``S^{t+1}[b] - births``); the flows ``F[b, i, j]`` meeting those totals are
    found by IPF:

    * ``stayer_assumption=True`` (Abel 2013; Abel and Sander 2014): as many persons as
      possible stay, ``F[b, i, i] = min(start, end)``; the rest move under a
      quasi-independence model ``F[b, i, j] = a_{bi} c_{bj} m_{ij}`` (``i ≠ j``) with the
      seed *m* (ones by default; a distance-decay seed such as ``1 / distance`` makes
      near moves likelier). This gives the *minimum* migration consistent with the stocks.
    * ``stayer_assumption=False``: the independence model on the whole table
      ``F[b, i, j] = a_{bi} c_{bj} m_{ij}`` including the diagonal, as the first stage of
      Azose and Raftery (2019).

    The birthplace totals of the two tables (after births and deaths) must be equal for
    the account to balance. ``birthplace_totals`` says how:

    * ``"rescale"`` (closed system): both tables are refitted by IPF to the mean of their
      birthplace totals, keeping their residence totals. With ``global_balance="before"``
      the native-born cells first absorb any gap between the change of the world total
      and births − deaths (half in each table); ``"after"`` does it after births and
      deaths came off.
    * ``"open"`` / ``"open_dr"`` (open system): the difference is persons who left the
      system (or entered it), taken off the start (end) table — spread like the end
      (start) table for ``"open"`` as in migest, or like the start (end) table for
      ``"open_dr"``, which never makes a stock negative.

    Births are native-born (``birth_method="native"``; where a region's births exceed its
    native-born at the end they are spread over all birthplaces living there) or spread
    over the birthplaces like the end stocks (``"proportion"``). Deaths are spread like the
    start stocks (``death_method="proportion"``), or fitted to deaths by birthplace
    derived from the account (``"accounting"``).

    Parameters
    ----------
    stock_start, stock_end : numpy.ndarray
        n × n stock tables [person], birthplace × residence.
    births, deaths : numpy.ndarray, optional
        Births and deaths in each region between the dates [person] (default zero).
    seed : numpy.ndarray, optional
        n × n origin × destination seed (non-negative); its zero cells get no flow.
    stayer_assumption : bool
    birthplace_totals : {"rescale", "open", "open_dr"}
    global_balance : {"before", "after"}
        Used with ``"rescale"`` only.
    birth_method : {"native", "proportion"}
    death_method : {"proportion", "accounting"}
    regions : tuple of str, optional
        Region labels, for messages.
    tol, max_iter : float, int
        IPF convergence (largest margin error relative to the largest margin) and cycles.

    Returns
    -------
    DemographicAccount
        Flows by birthplace × origin × destination and every other term of the account.

    Raises
    ------
    EstimationError
        When no account can balance these inputs (e.g. more deaths than residents, or a
        seed whose zeros leave no path for the required moves).

    References
    ----------
    Abel (2013); Abel and Sander (2014); Abel (2018); Abel and Cohen (2019); Azose and
    Raftery (2019); migest ``ffs_demo``.
    """
    choice("birthplace_totals", birthplace_totals, BIRTHPLACE_TOTALS)
    choice("global_balance", global_balance, GLOBAL_BALANCES)
    choice("birth_method", birth_method, BIRTH_METHODS)
    choice("death_method", death_method, DEATH_METHODS)
    s1 = np.array(stock_start, dtype="float64")
    s2 = np.array(stock_end, dtype="float64")
    n = s1.shape[0]
    if s1.shape != (n, n) or s2.shape != (n, n):
        raise InputValidationError(
            f"stock tables must be square and of the same size, got {s1.shape} and {s2.shape}"
        )
    b = np.zeros(n) if births is None else np.asarray(births, dtype="float64")
    d = np.zeros(n) if deaths is None else np.asarray(deaths, dtype="float64")
    labels = regions if regions is not None else tuple(str(i + 1) for i in range(n))
    m = np.ones((n, n)) if seed is None else np.asarray(seed, dtype="float64")
    if m.shape != (n, n) or (m < 0).any() or not np.isfinite(m).all():
        raise InputValidationError(
            f"seed must be an n x n matrix of finite non-negative values (n = {n})"
        )
    notes: list[str] = []
    closed = birthplace_totals == "rescale"
    if closed and global_balance == "before":
        s1, s2 = _global_balance_before(s1, s2, b, d, notes)
    birth_mat = _birth_matrix(b, s2, birth_method, labels, notes)
    death_mat = _death_matrix(d, s1, s2, b, death_method, labels)
    alive1 = np.maximum(s1 - death_mat, 0.0)
    alive2 = np.maximum(s2 - birth_mat, 0.0)
    if closed and global_balance == "after":
        gap = float(alive2.sum() - alive1.sum())
        nb1, nb2 = np.diag(alive1).copy(), np.diag(alive2).copy()
        if gap and (nb1.sum() <= 0 or nb2.sum() <= 0):
            raise EstimationError("global_balance='after': no native-born to absorb the gap")
        if gap:
            np.fill_diagonal(alive1, nb1 + gap * nb1 / nb1.sum() / 2)
            np.fill_diagonal(alive2, nb2 - gap * nb2 / nb2.sum() / 2)
            notes.append(
                f"closed system: the native-born were changed by {gap / 2:g} (start) and "
                f"{-gap / 2:g} (end) so that the world total balances after births and deaths"
            )
            if (np.diag(alive1) < 0).any() or (np.diag(alive2) < 0).any():
                raise EstimationError(
                    "global_balance='after' made a native-born stock negative; use 'before'"
                )
    alive1, alive2, left, entered = _match_birthplace_totals(
        alive1, alive2, birthplace_totals, labels, notes
    )
    flows, iterations = _flows_by_birthplace(alive1, alive2, m, stayer_assumption, tol, max_iter)
    return DemographicAccount(
        flows=flows,
        births=birth_mat,
        deaths=death_mat,
        left=left,
        entered=entered,
        stock_start=alive1 + death_mat + left,
        stock_end=alive2 + birth_mat + entered,
        adjustments=notes,
        iterations=iterations,
    )


def _flows_by_birthplace(
    start: np.ndarray,
    end: np.ndarray,
    seed: np.ndarray,
    stayer_assumption: bool,
    tol: float,
    max_iter: int,
) -> tuple[np.ndarray, int]:
    n = start.shape[0]
    # per birthplace the two totals are equal up to rounding: put the end table on the
    # start table's total (as migest does) so that the fit can converge
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(end.sum(axis=1) > 0, start.sum(axis=1) / end.sum(axis=1), 0.0)
    end = end * factor[:, None]
    if stayer_assumption:
        stay = np.minimum(start, end)
        out_of, into = start - stay, end - stay
        movers_seed = seed.copy()
        np.fill_diagonal(movers_seed, 0.0)
    else:
        stay = np.zeros_like(start)
        out_of, into = start, end
        movers_seed = seed
    # every birthplace's table has the same seed: IPF in scaling-factor form fits all of
    # them with two n x n products per cycle (memory: the n^3 result only)
    fit = ipf2_shared_seed(movers_seed, out_of, into, tol=tol, max_iter=max_iter)
    if not fit.converged:
        raise EstimationError(
            "no flows meet the stock changes of some birthplace with this seed (its zero "
            f"cells leave no route for the moves; largest unmet total {fit.max_margin_error:g}"
            f" after {fit.iterations} IPF cycles); give the seed positive values off the "
            "diagonal"
        )
    flows = fit.tables(movers_seed)
    if stayer_assumption:
        idx = np.arange(n)
        flows[:, idx, idx] += stay
    return flows, fit.iterations
