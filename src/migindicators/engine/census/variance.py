"""Stage 5 of the census pass: the Taylor variance of a total or a ratio from PSU moments.

Per stratum h with n_h PSUs and PSU totals z_hj of the linearised variable,

.. math::
    \\hat V = \\sum_h \\frac{n_h}{n_h - 1} \\sum_j (z_{hj} - \\bar z_h)^2
           = \\sum_h \\frac{n_h}{n_h - 1}
             \\Big(\\sum_j z_{hj}^2 - \\frac{(\\sum_j z_{hj})^2}{n_h}\\Big),

whose ingredients (n_h, Σz, Σz², and the cross-products of a ratio's numerator and
denominator) the accumulate stage gives; the variance itself is the survey core's
:func:`migindicators.engine.estimate.taylor_variance_from_moments`.

References
----------
Wolter, K. M. (2007). *Introduction to Variance Estimation*, 2nd ed., Springer, ch. 6.
Lumley, T. (2010). *Complex Surveys*, Wiley, §2.2 and §3.2 (ratio linearisation).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from migindicators.engine.estimate import StrataInfo, taylor_variance_from_moments
from migindicators.engine.tabulate import group_codes

__all__ = ["taylor_variance"]


def taylor_variance(
    moments: pd.DataFrame, psus: pd.DataFrame, domain: Sequence[str], ratio: pd.Series | None = None
) -> tuple[pd.DataFrame, set[tuple[Any, ...]]]:
    """Taylor variance of a total (``ratio=None``) or a ratio per domain, from PSU moments.

    Parameters
    ----------
    moments : pandas.DataFrame
        Per (domain, ``_stratum``): ``_num``, ``_den``, ``_num*_num``, ``_num*_den``,
        ``_den*_den`` (sums over PSUs of PSU totals and their products).
    psus : pandas.DataFrame
        ``n_psu`` per (``ref_area``, ``time_period``, ``_stratum``).
    domain : sequence of str
        Domain columns (must include ``ref_area`` and ``time_period``).
    ratio : pandas.Series, optional
        The estimated ratio R = N/D per domain (indexed by *domain*); the variance is then
        that of R: V(N − R·D) / D².

    Returns
    -------
    tuple of pandas.DataFrame and set
        Variance ``var`` per domain, and the domains containing a stratum with one PSU
        (lonely PSU: it contributes nothing, as R survey's ``lonely.psu="certainty"``).
    """
    m = moments.merge(psus, on=["ref_area", "time_period", "_stratum"], how="left")
    domain = list(domain)
    if ratio is None:
        s1 = m["_num"].to_numpy()
        s2 = m["_num*_num"].to_numpy()
    else:
        # Moments of z = num - R den, from those of num and den.
        r = m.join(ratio.rename("_r"), on=domain)["_r"].to_numpy(dtype="float64")
        r = np.nan_to_num(r)
        s1 = m["_num"].to_numpy() - r * m["_den"].to_numpy()
        s2 = (
            m["_num*_num"].to_numpy()
            - 2 * r * m["_num*_den"].to_numpy()
            + r * r * m["_den*_den"].to_numpy()
        )
    # Strata are design-wide: (ref_area, time_period, stratum); a lonely PSU contributes
    # nothing (R survey's lonely.psu="certainty"), no finite population correction.
    stratum, strata_keys = group_codes(m, ["ref_area", "time_period", "_stratum"])
    n_psu = np.zeros(len(strata_keys), dtype=np.int64)
    n_psu[stratum] = m["n_psu"].to_numpy(dtype="int64")
    cell, cells = group_codes(m, domain)
    variance, cell_lonely = taylor_variance_from_moments(
        cell,
        stratum,
        s1,
        s2,
        StrataInfo(n_psu=n_psu, f=np.ones(len(n_psu)), lonely_psu="certainty"),
        len(cells),
    )
    out = cells.assign(var=variance)
    if ratio is not None:
        d = np.bincount(cell, weights=m["_den"].to_numpy(), minlength=len(cells))
        with np.errstate(divide="ignore", invalid="ignore"):
            out["var"] = np.where(d > 0, variance / (d * d), np.nan)
    known = out[domain].notna().all(axis=1).to_numpy()  # (missing domain keys: no SE)
    lonely = {tuple(row) for row in out.loc[cell_lonely & known, domain].itertuples(index=False)}
    out = out.loc[known].reset_index(drop=True)
    return out, lonely
