"""The Taylor variance from per-stratum moments: equal to the PSU-score form, additive."""

from __future__ import annotations

import numpy as np
import pytest

from migindicators.engine.estimate import (
    DomainEstimates,
    StrataInfo,
    taylor_variance,
    taylor_variance_from_moments,
)


def _design(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    rng = np.random.default_rng(seed)
    n_psu = np.array([1, 2, 3, 4])
    psu_stratum = np.repeat(np.arange(len(n_psu)), n_psu)
    rows = [(c, p) for c in range(3) for p in range(len(psu_stratum)) if rng.random() < 0.7]
    cell = np.array([c for c, _ in rows])
    psu = np.array([p for _, p in rows])
    return cell, psu_stratum[psu], psu, rng.normal(size=len(rows)), 3


@pytest.mark.parametrize("rule", ["remove", "certainty", "adjust", "average"])
def test_moments_equal_psu_scores_and_add_over_chunks(rule: str) -> None:
    cell, stratum, psu, z, ncells = _design(7)
    strata = StrataInfo(
        n_psu=np.array([1, 2, 3, 4]), f=np.array([1.0, 1.0, 0.5, 1.0]), lonely_psu=rule
    )
    est = DomainEstimates(
        theta=np.zeros(ncells),
        numerator=np.zeros(ncells),
        denominator=np.ones(ncells),
        cell=cell,
        stratum=stratum,
        psu=psu,
        z=z,
    )
    expected, _ = taylor_variance(est, strata)
    # Hand form for the strata with more than one PSU: f n/(n-1) sum (z - zbar)^2.
    if rule in ("remove", "certainty"):
        hand = np.zeros(ncells)
        for d in range(ncells):
            for h, n_h in enumerate(strata.n_psu):
                if n_h < 2:
                    continue
                zs = np.zeros(n_h)
                m = (cell == d) & (stratum == h)
                zs[: m.sum()] = z[m]
                hand[d] += strata.f[h] * n_h / (n_h - 1) * np.sum((zs - zs.mean()) ** 2)
        np.testing.assert_allclose(expected, hand, rtol=1e-12)
    # Moments accumulated over two chunks of PSU rows, then one call.
    key = cell * 4 + stratum
    half = len(z) // 2
    s1 = np.zeros(ncells * 4)
    s2 = np.zeros(ncells * 4)
    for part in (slice(0, half), slice(half, None)):
        s1 += np.bincount(key[part], weights=z[part], minlength=ncells * 4)
        s2 += np.bincount(key[part], weights=z[part] ** 2, minlength=ncells * 4)
    rows = np.flatnonzero(np.bincount(key, minlength=ncells * 4))
    got, lonely = taylor_variance_from_moments(
        rows // 4, rows % 4, s1[rows], s2[rows], strata, ncells
    )
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert lonely.tolist() == [bool(np.any((cell == d) & (stratum == 0))) for d in range(ncells)]


def test_lonely_fail_names_the_options() -> None:
    strata = StrataInfo(n_psu=np.array([1, 2]), f=np.ones(2), lonely_psu="fail")
    with pytest.raises(ValueError, match="lonely_psu="):
        taylor_variance_from_moments(
            np.array([0, 0]),
            np.array([0, 1]),
            np.array([1.0, 2.0]),
            np.array([1.0, 3.0]),
            strata,
            1,
        )
