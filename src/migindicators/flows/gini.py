"""Gini indices of spatial focusing of a migration flow matrix (pure numpy).

Every function takes an n × n flow matrix ``m`` [person] with origins in rows and
destinations in columns; the diagonal is ignored. Sums of absolute differences use the sorted
form :math:`\\sum_a \\sum_b |x_a - x_b| = 2 \\sum_k (2k - K - 1) x_{(k)}` (K values sorted
ascending), which is exact and O(K log K) instead of O(K²).

Denominators follow Bell et al. (2002), who corrected those of Plane and Mulligan (1997);
``correction="bell"`` (the default, as in migest and migration.indices) or
``"plane_mulligan"`` selects them. The values reproduce the documented example of the R
package migration.indices (matrix ``migration.hyp``; see ``tests/test_flows_gini.py``).

References
----------
Bell, M., Blake, M., Boyle, P., Duke-Williams, O., Rees, P., Stillwell, J. and Hugo, G.
(2002). Cross-national comparison of internal migration: issues and measures. *Journal of the
Royal Statistical Society A* 165(3), 435–464. doi:10.1111/1467-985X.00247.
Plane, D. A. and Mulligan, G. F. (1997). Measuring spatial focusing in a migration system.
*Demography* 34(2), 251–262.
Bojte, Z. and Daróczi, G., R package ``migration.indices`` (functions ``migration.gini.*``).
Abel, G. J., R package ``migest``, ``index_connectivity``.
"""

from __future__ import annotations

import numpy as np

from migindicators.core.errors import OptionError

__all__ = [
    "CORRECTIONS",
    "field_gini_in",
    "field_gini_out",
    "gini_column",
    "gini_exchange",
    "gini_row",
    "gini_total",
    "off_diagonal",
    "sum_abs_differences",
    "weighted_gini",
]

#: Values of the ``correction`` option.
CORRECTIONS = ("bell", "plane_mulligan")


def _check_correction(correction: str) -> None:
    if correction not in CORRECTIONS:
        raise OptionError(f"correction={correction!r}: use one of {list(CORRECTIONS)}")


def off_diagonal(m: np.ndarray) -> np.ndarray:
    """The off-diagonal cells of square *m*, row by row: an n × (n − 1) array."""
    a = np.asarray(m, dtype="float64")
    n = a.shape[0]
    return a[~np.eye(n, dtype=bool)].reshape(n, n - 1)


def sum_abs_differences(x: np.ndarray) -> np.ndarray:
    """:math:`\\sum_a \\sum_b |x_a - x_b|` over the last axis (ordered pairs: each pair twice)."""
    s = np.sort(np.asarray(x, dtype="float64"), axis=-1)
    k = s.shape[-1]
    weights = 2.0 * np.arange(1, k + 1) - k - 1
    result: np.ndarray = 2.0 * (s * weights).sum(axis=-1)
    return result


def _ratio(num: np.ndarray | float, den: np.ndarray | float) -> np.ndarray:
    num_a = np.asarray(num, dtype="float64")
    den_a = np.asarray(den, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out: np.ndarray = np.where(den_a > 0, num_a / np.where(den_a > 0, den_a, 1.0), np.nan)
    return out


def gini_total(m: np.ndarray, *, correction: str = "bell") -> float:
    """Total flows Gini index: concentration of all n(n − 1) flows.

    .. math:: G = \\frac{\\sum_{i \\ne j} \\sum_{k \\ne l} |M_{ij} - M_{kl}|}{d \\, M},
       \\quad d = 2(n(n-1) - 1) \\text{ (Bell)} \\text{ or } 2n(n-1) \\text{ (Plane-Mulligan)}

    Parameters
    ----------
    m : numpy.ndarray
        n × n flows [person]; the diagonal is ignored.
    correction : {"bell", "plane_mulligan"}
        The denominator.

    Returns
    -------
    float
        0 (all flows equal) to 1 [dimensionless]; NaN when there is no flow.

    References
    ----------
    Bell et al. (2002), eq. for :math:`G`; Plane and Mulligan (1997).
    """
    _check_correction(correction)
    x = off_diagonal(m).ravel()
    k = x.size
    den = 2.0 * (k - 1) if correction == "bell" else 2.0 * k
    return float(_ratio(sum_abs_differences(x), den * x.sum()))


def gini_row(m: np.ndarray) -> float:
    """Rows (out-migration) Gini index: inequality of each origin's flows across destinations.

    .. math:: G_R = \\frac{\\sum_i \\sum_{j \\ne i} \\sum_{h \\ne i} |M_{ij} - M_{ih}|}{2n(n-1) M}

    References
    ----------
    Bell et al. (2002); migration.indices ``migration.gini.row``.
    """
    rows = off_diagonal(m)
    n = rows.shape[0]
    return float(_ratio(sum_abs_differences(rows).sum(), 2.0 * n * (n - 1) * rows.sum()))


def gini_column(m: np.ndarray) -> float:
    """Columns (in-migration) Gini index: :func:`gini_row` of the transposed matrix.

    .. math:: G_C = \\frac{\\sum_j \\sum_{i \\ne j} \\sum_{k \\ne j} |M_{ij} - M_{kj}|}{2n(n-1) M}
    """
    return gini_row(np.asarray(m).T)


def gini_exchange(m: np.ndarray) -> float:
    """Exchange Gini index: asymmetry between the two directions of each pair.

    .. math:: G_E = \\frac{\\sum_{i \\ne j} |M_{ij} - M_{ji}|}{2n(n-1) M}

    References
    ----------
    Bell et al. (2002); migration.indices ``migration.gini.exchange``.
    """
    a = np.asarray(m, dtype="float64").copy()
    np.fill_diagonal(a, 0.0)
    n = a.shape[0]
    return float(_ratio(np.abs(a - a.T).sum(), 2.0 * n * (n - 1) * a.sum()))


def field_gini_out(m: np.ndarray, *, correction: str = "bell") -> np.ndarray:
    """Out-migration field Gini of each origin region.

    .. math:: G^O_i = \\frac{\\sum_{j \\ne i} \\sum_{l \\ne i} |M_{ij} - M_{il}|}{d_i \\, O_i},
       \\quad d_i = 2(n-2) \\text{ (Bell)} \\text{ or } 2(n-1) \\text{ (Plane-Mulligan)}

    Returns
    -------
    numpy.ndarray
        One value per region [dimensionless]; NaN where the region has no out-migrants (or,
        with the Bell denominator, when n = 2).
    """
    _check_correction(correction)
    rows = off_diagonal(m)
    n = rows.shape[0]
    den = 2.0 * (n - 2) if correction == "bell" else 2.0 * (n - 1)
    return _ratio(sum_abs_differences(rows), den * rows.sum(axis=1))


def field_gini_in(m: np.ndarray, *, correction: str = "bell") -> np.ndarray:
    """In-migration field Gini of each destination region (:func:`field_gini_out` of M^T)."""
    return field_gini_out(np.asarray(m).T, correction=correction)


def weighted_gini(m: np.ndarray, *, correction: str = "bell") -> tuple[float, float, float]:
    """Migration-weighted out, in and mean Gini indices.

    .. math:: MWG^O = \\frac{1}{n} \\sum_i G^O_i \\, \\frac{D_i}{M}, \\quad
       MWG^I = \\frac{1}{n} \\sum_i G^I_i \\, \\frac{O_i}{M}, \\quad
       MWG = (MWG^O + MWG^I) / 2

    The weights are those of migration.indices (``migration.weighted.gini.out`` weights the
    out-field Gini of a region by its share of **in**-flows, and the in-field Gini by its share
    of **out**-flows); the package's documented example values depend on it, and migest
    reports these values. A region whose field Gini is undefined (no flows) contributes zero.

    Returns
    -------
    (out, in, mean) : tuple of float
        [dimensionless]; NaN when there is no flow.
    """
    a = np.asarray(m, dtype="float64").copy()
    np.fill_diagonal(a, 0.0)
    total = a.sum()
    if not total > 0:
        return (np.nan, np.nan, np.nan)
    n = a.shape[0]
    g_out = np.nan_to_num(field_gini_out(a, correction=correction))
    g_in = np.nan_to_num(field_gini_in(a, correction=correction))
    out = float((g_out * a.sum(axis=0) / total).sum() / n)
    into = float((g_in * a.sum(axis=1) / total).sum() / n)
    return out, into, (out + into) / 2.0
