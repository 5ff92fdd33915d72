"""Multistage and PPS designs: hand-checkable properties (R agreement is in
``tests/reference/test_r_weighting.py``).

PPS without replacement with equal probabilities n/N is simple random sampling without
replacement: Brewer's, Overton's and Hartley–Rao's (R's HR()) variances then equal the
SRSWOR variance :math:`N^2 (1 - n/N) s^2 / n` of a total. A certainty stratum (fpc = sampled
PSUs) has no first-stage variance but its whole second-stage variance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from migindicators import survey
from migindicators.core.errors import DesignError


@settings(max_examples=30, deadline=None)
@given(
    values=st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=3, max_size=30),
    extra=st.integers(1, 500),
    method=st.sampled_from(["brewer", "overton", "hartley-rao"]),
)
def test_pps_with_equal_probabilities_is_srswor(
    values: list[float], extra: int, method: str
) -> None:
    n = len(values)
    big_n = n + extra
    # R's HRDcheck zeroes the pairs with pi_i + pi_j = 1 (kept, as R): not SRSWOR at n/N = 1/2.
    assume(not (method == "hartley-rao" and 2 * n == big_n))
    frame = pd.DataFrame({"y": values, "p": n / big_n})
    res = survey.estimate(frame, survey.Design(prob="p", pps=method), parameter="total", y="y")
    srswor = survey.estimate(
        frame.assign(w=big_n / n, N=float(big_n)),
        survey.Design(weight="w", fpc="N"),
        parameter="total",
        y="y",
    )
    s2 = float(np.var(values, ddof=1))
    assert res.data["value"].iloc[0] == pytest.approx(big_n * np.mean(values), rel=1e-9, abs=1e-6)
    expected = big_n**2 * (1 - n / big_n) * s2 / n
    # Equal values have variance 0, computed from squares of PSU totals ~ (N y)^2: rounding
    # leaves ~1e-16 of those (hypothesis found -1.4e-6 for y = 324, N = 463).
    rounding = 1e-14 * big_n**2 * float(np.mean(np.square(values))) + 1e-9
    assert res.data["variance"].iloc[0] == pytest.approx(expected, rel=1e-8, abs=rounding)
    assert res.data["variance"].iloc[0] == pytest.approx(
        srswor.data["variance"].iloc[0], rel=1e-8, abs=rounding
    )


def _two_stage() -> pd.DataFrame:
    # Stratum A: 2 of 10 PSUs; stratum B: a certainty stratum (both of its 2 PSUs taken).
    rows = []
    rng = np.random.default_rng(4)
    for h, psus, big_n in (("A", (1, 2), 10), ("B", (3, 4), 2)):
        for p in psus:
            for s in range(3):
                rows.append({"h": h, "p": p, "s": s, "N": big_n, "M": 6, "y": rng.normal(10, 2)})
    frame = pd.DataFrame(rows)
    frame["w"] = frame["N"] / 2 * frame["M"] / 3
    return frame


def test_certainty_stratum_contributes_its_second_stage_only() -> None:
    frame = _two_stage()
    design = survey.Design(weight="w", strata="h", psu="p", fpc="N", ssu="s", fpc2="M")
    got = survey.estimate(frame, design, parameter="total", y="y").data["variance"].iloc[0]
    # By hand: z = weighted SSU totals; stage 1 over PSU totals, stage 2 within PSUs.
    frame["z"] = frame["w"] * frame["y"]
    expected = 0.0
    for h, big_n in (("A", 10), ("B", 2)):
        part = frame[frame["h"] == h]
        psu_tot = part.groupby("p")["z"].sum()
        n = len(psu_tot)
        expected += (1 - n / big_n) * n / (n - 1) * float(((psu_tot - psu_tot.mean()) ** 2).sum())
        for _, psu in part.groupby("p"):
            m = len(psu)
            expected += (
                n
                / big_n
                * (1 - m / 6)
                * m
                / (m - 1)
                * float(((psu["z"] - psu["z"].mean()) ** 2).sum())
            )
    assert got == pytest.approx(expected, rel=1e-12)
    # Ultimate cluster: stage 1 only, and the certainty stratum then adds nothing.
    uc = survey.Design(
        weight="w", strata="h", psu="p", fpc="N", ssu="s", fpc2="M", ultimate_cluster=True
    )
    first = survey.estimate(frame, uc, parameter="total", y="y").data["variance"].iloc[0]
    part = frame[frame["h"] == "A"].groupby("p")["z"].sum()
    assert first == pytest.approx(0.8 * 2 * float(((part - part.mean()) ** 2).sum()), rel=1e-12)


def test_bad_multistage_and_pps_designs_are_refused() -> None:
    with pytest.raises(ValueError, match="ssu= .* needs psu="):
        survey.Design(ssu="s")
    with pytest.raises(ValueError, match="pps= needs prob="):
        survey.Design(pps="brewer")
    with pytest.raises(ValueError, match="pps='sampford'"):
        survey.Design(prob="p", pps="sampford")
    frame = _two_stage()
    frame.loc[0, "M"] = 5
    with pytest.raises(ValueError, match="fpc2 column 'M' must be constant within each PSU"):
        survey.estimate(
            frame,
            survey.Design(weight="w", strata="h", psu="p", fpc="N", ssu="s", fpc2="M"),
            parameter="total",
            y="y",
        )
    one = _two_stage()
    one = one[~((one["p"] == 1) & (one["s"] > 0))]
    with pytest.raises(DesignError, match="single sampled SSU at stage 2"):
        survey.estimate(
            one,
            survey.Design(weight="w", strata="h", psu="p", fpc="N", ssu="s", fpc2="M"),
            parameter="total",
            y="y",
        )
    with pytest.raises(ValueError, match="inclusion probabilities must be in"):
        survey.estimate(
            pd.DataFrame({"y": [1.0, 2.0], "p": [0.5, 1.5]}),
            survey.Design(prob="p", pps="overton"),
            parameter="total",
            y="y",
        )
