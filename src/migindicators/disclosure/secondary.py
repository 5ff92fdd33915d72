"""Secondary (complementary) suppression and its audit by linear programming.

Withholding a sensitive cell is not enough when the table publishes its margins: the cell
would follow from its total minus the published cells. Complementary suppression withholds
further cells until, for every primary-suppressed cell, the smallest and largest values
consistent with the published cells and the table's additive relations (and with
non-negative cells) lie outside its *protection interval*
:math:`[v(1-\\ell),\\; v(1+u)]`: an intruder can neither recover the value exactly nor
narrow it to within the interval.

The audit solves, for each suppressed cell *i*, the two linear programs

.. math:: \\min / \\max\\; x_i \\quad \\text{s.t.}\\; A x = 0,\\; x_j = v_j
          \\text{ for published } j,\\; x \\ge 0,

(:func:`audit`). The complementary cells are chosen greedily: while some primary cell is
under-protected, the cheapest published cell among those in a relation with it — or, when
none is left there, in a relation with a suppressed cell of such a relation — is withheld
and the audit repeated. Cheapest: a cell large enough to absorb the protection shift
(value ≥ v·u, otherwise it cannot give way when the primary cell is pushed up), then the
smallest value, inner cells before margins. Withholding a cell only widens the feasible
ranges, so a cell once protected stays protected and only the others are audited again.
The result is protected by construction (the loop stops only when the audit passes),
though not necessarily with the fewest cells an optimal (MILP) method would find.

Needs SciPy (``pip install migindicators[disclosure]``) for the linear programs.

References
----------
Hundepool, A. et al. (2012). *Statistical Disclosure Control*, Wiley, §4.3 (secondary cell
suppression, protection intervals, the audit of a suppression pattern).
Fischetti, M. and Salazar-González, J.-J. (2000). Models and algorithms for optimizing cell
suppression in tabular data with linear constraints. *JASA* 95, 916–928.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from migindicators.core.errors import MigIndicatorsError, OptionError
from migindicators.disclosure.table import TableStructure

__all__ = ["AuditRow", "audit", "complementary_suppression"]


@dataclass(frozen=True)
class AuditRow:
    """The feasible range of one suppressed cell."""

    cell: int
    value: float
    lower: float
    upper: float
    required_lower: float
    required_upper: float

    @property
    def protected(self) -> bool:
        """Whether the range covers the protection interval (and the cell is not exact)."""
        tol = 1e-7 * max(1.0, abs(self.value))
        exact = self.upper - self.lower <= tol
        return (
            not exact
            and self.lower <= self.required_lower + tol
            and self.upper >= self.required_upper - tol
        )


def _linprog() -> Any:
    try:
        from scipy.optimize import linprog
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MigIndicatorsError(
            "secondary suppression and its audit solve linear programs with SciPy: "
            "pip install 'migindicators[disclosure]' (or scipy)"
        ) from exc
    return linprog


def audit(
    values: np.ndarray,
    structure: TableStructure,
    suppressed: np.ndarray,
    *,
    check: np.ndarray | None = None,
    lower_protection: float = 0.1,
    upper_protection: float = 0.1,
) -> list[AuditRow]:
    """Feasible range of each suppressed cell given the published ones.

    Parameters
    ----------
    values : array of float
        The true cell values (non-negative).
    structure : TableStructure
        The table's additive relations.
    suppressed : array of bool
        Cells withheld.
    check : array of bool, optional
        The cells to audit (default: all suppressed cells).
    lower_protection, upper_protection : float
        The protection interval as shares of the value: [v(1 − lower), v(1 + upper)].
    """
    linprog = _linprog()
    values = np.asarray(values, dtype=float)
    suppressed = np.asarray(suppressed, dtype=bool)
    hidden = np.flatnonzero(suppressed)
    cells = np.flatnonzero(suppressed if check is None else (check & suppressed))
    if not len(cells):
        return []
    a = structure.matrix(len(values))
    a_hidden = a[:, hidden]
    rhs = -(a[:, ~suppressed] @ values[~suppressed])
    keep = np.any(a_hidden != 0, axis=1)
    a_eq, b_eq = a_hidden[keep], rhs[keep]
    position = {c: k for k, c in enumerate(hidden)}
    rows = []
    for cell in cells:
        c = np.zeros(len(hidden))
        c[position[cell]] = 1.0
        bounds = [(0.0, None)] * len(hidden)
        kwargs: dict[str, Any] = {"bounds": bounds, "method": "highs"}
        if len(b_eq):
            kwargs.update(A_eq=a_eq, b_eq=b_eq)
        low = linprog(c, **kwargs)
        high = linprog(-c, **kwargs)
        lower = float(low.fun) if low.status == 0 else (np.nan if low.status == 2 else 0.0)
        if high.status == 3:  # unbounded
            upper = np.inf
        elif high.status == 0:
            upper = float(-high.fun)
        else:
            upper = np.nan
        v = values[cell]
        rows.append(
            AuditRow(
                int(cell),
                float(v),
                lower,
                upper,
                float(v * (1 - lower_protection)),
                float(v * (1 + upper_protection)),
            )
        )
    return rows


def complementary_suppression(
    values: np.ndarray,
    structure: TableStructure,
    primary: np.ndarray,
    *,
    lower_protection: float = 0.1,
    upper_protection: float = 0.1,
    max_rounds: int | None = None,
) -> tuple[np.ndarray, list[AuditRow]]:
    """Cells to withhold in addition to *primary*, and the final audit.

    Returns the boolean mask of the secondary cells and the audit of every primary cell
    under the final pattern (all protected).
    """
    for name, share in (
        ("lower_protection", lower_protection),
        ("upper_protection", upper_protection),
    ):
        if not (0.0 <= share < 10.0):
            raise OptionError(f"{name}={share!r}: a protection share is in [0, 10), e.g. 0.1")
    values = np.asarray(values, dtype=float)
    if np.any(values < 0) or not np.all(np.isfinite(values)):
        raise OptionError(
            "complementary suppression needs finite, non-negative cell values; the table has "
            "negative or missing values"
        )
    primary = np.asarray(primary, dtype=bool)
    suppressed = primary.copy()
    # Cost of withholding a cell: its value, and margins (cells that are totals) cost more.
    is_total = np.zeros(len(values), dtype=bool)
    members: list[list[int]] = [[] for _ in range(len(values))]
    for k, (total, parts) in enumerate(structure.equations):
        is_total[total] = True
        members[total].append(k)
        for p in parts:
            members[int(p)].append(k)
    big = values.sum() + 1.0
    cost = values + 1.0 + np.where(is_total, big, 0.0)
    rounds = max_rounds if max_rounds is not None else len(values) + 1
    final: dict[int, AuditRow] = {}
    pending = primary.copy()
    for _ in range(rounds):
        rows = audit(
            values,
            structure,
            suppressed,
            check=pending,
            lower_protection=lower_protection,
            upper_protection=upper_protection,
        )
        weak = [r for r in rows if not r.protected]
        final.update({r.cell: r for r in rows})
        pending = np.zeros(len(values), dtype=bool)
        pending[[r.cell for r in weak]] = True
        if not weak:
            return suppressed & ~primary, [final[c] for c in sorted(final)]
        need = values[weak[0].cell] * upper_protection
        weighted = cost + np.where(values < need, 2 * big, 0.0)
        choice = _cheapest_partner(weak[0].cell, structure, members, suppressed, weighted)
        if choice is None:
            # Nothing left to withhold beside this cell: the table cannot protect it.
            raise MigIndicatorsError(
                f"cell {weak[0].cell} cannot be protected: every cell related to it is "
                "already withheld"
            )
        suppressed[choice] = True
    raise MigIndicatorsError("complementary suppression did not converge")  # pragma: no cover


def _cheapest_partner(
    cell: int,
    structure: TableStructure,
    members: list[list[int]],
    suppressed: np.ndarray,
    cost: np.ndarray,
) -> int | None:
    """The cheapest published cell sharing a relation with *cell*, searching outwards
    through suppressed cells' relations when the nearest relations are exhausted."""
    seen_cells = {cell}
    frontier = [cell]
    while frontier:
        candidates: set[int] = set()
        nxt: list[int] = []
        for c in frontier:
            for k in members[c]:
                total, parts = structure.equations[k]
                for other in (total, *(int(p) for p in parts)):
                    if other in seen_cells:
                        continue
                    seen_cells.add(other)
                    if suppressed[other]:
                        nxt.append(other)
                    else:
                        candidates.add(other)
        if candidates:
            return min(candidates, key=lambda j: (cost[j], j))
        frontier = nxt
    return None
