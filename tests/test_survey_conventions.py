"""R survey's conventions (issue 13) on hand-worked designs, and the named older options.

Every expected figure is computed by hand in the comments (R agreement on real data is in
tests/reference/test_survey_golden_r.py).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from migindicators.core.distributions import t_quantile
from migindicators.engine.estimate import replicate_rank
from migindicators.engine.survey import Design, estimate, estimate_difference


@pytest.fixture
def small() -> pd.DataFrame:
    # Stratum A: PSU 1 (w 2, y 1), (w 2, y 3); PSU 2 (w 1, y 5).
    # Stratum B: PSU 1 (w 3, y 2); PSU 2 (w 3, y 4).
    return pd.DataFrame(
        {
            "s": ["A", "A", "A", "B", "B"],
            "p": [1, 1, 2, 1, 2],
            "w": [2.0, 2.0, 1.0, 3.0, 3.0],
            "y": [1.0, 3.0, 5.0, 2.0, 4.0],
            "d": ["u", "u", "u", "v", "v"],
        }
    )


DESIGN = Design(weight="w", strata="s", psu="p")


def test_missing_y_keeps_its_psu(small: pd.DataFrame) -> None:
    # PSU A2's only row has no y. R (na.rm=TRUE): A keeps n_h = 2 with a zero PSU total.
    # Totals A: 8, 0; B: 6, 12 -> v = 2*(4^2 + 4^2) + 2*(3^2 + 3^2) = 100.
    frame = small.assign(y=[1.0, 3.0, np.nan, 2.0, 4.0])
    res = estimate(frame, DESIGN, parameter="total", y="y", quality=[])
    row = res.data.iloc[0]
    assert row["value"] == pytest.approx(26.0)
    assert row["se"] ** 2 == pytest.approx(100.0)
    assert row["n"] == 4
    # df: PSUs with a y (A1, B1, B2) minus their strata (2) = 1; the design has 2.
    assert row["df"] == 1
    assert res.rows_accounted()
    assert res.exclusions.loc[res.exclusions["reason"] == "missing y", "rows"].sum() == 1
    assert estimate(frame, DESIGN, parameter="total", y="y", quality=[], df="design").data[
        "df"
    ].iloc[0] == pytest.approx(2.0)


def test_missing_drop_shrinks_the_design(small: pd.DataFrame) -> None:
    # missing="drop": stratum A is left with one PSU (lonely, removed) -> v = 36 from B.
    frame = small.assign(y=[1.0, 3.0, np.nan, 2.0, 4.0])
    design = Design(weight="w", strata="s", psu="p", lonely_psu="remove")
    res = estimate(frame, design, parameter="total", y="y", quality=[], missing="drop")
    assert res.data["se"].iloc[0] ** 2 == pytest.approx(36.0)
    assert res.rows_accounted()


def test_domain_degrees_of_freedom(small: pd.DataFrame) -> None:
    # Domain u: PSU A1 only -> 1 PSU - 1 stratum = 0 df (no t interval, as R's degf 0);
    # v: A2, B1, B2 -> 3 PSUs - 2 strata = 1.
    frame = small.assign(d=["u", "u", "v", "v", "v"])
    res = estimate(frame, DESIGN, parameter="mean", y="y", by="d", quality=[])
    assert res.data.set_index("d")["df"].to_dict() == {"u": 0.0, "v": 1.0}
    assert np.isnan(res.data.set_index("d").loc["u", "ci_lower"])
    row = res.data.set_index("d").loc["v"]
    t = t_quantile(0.975, 1.0)
    assert row["ci_upper"] == pytest.approx(row["value"] + t * row["se"])
    design_df = estimate(frame, DESIGN, parameter="mean", y="y", by="d", quality=[], df="design")
    assert (design_df.data["df"] == 2.0).all()
    fixed = estimate(frame, DESIGN, parameter="mean", y="y", by="d", quality=[], df=30)
    assert (fixed.data["df"] == 30.0).all()


def _with_lonely(small: pd.DataFrame) -> pd.DataFrame:
    extra = pd.DataFrame({"s": ["C"], "p": [1], "w": [1.0], "y": [10.0], "d": ["u"]})
    return pd.concat([small, extra], ignore_index=True)


def test_lonely_average_within_a_domain(small: pd.DataFrame) -> None:
    # Domain u has rows in A (totals 8, 5: 2*(1.5^2+1.5^2) = 9) and lonely C: R scales by
    # (strata of u = 2) / (non-lonely strata of u = 1) -> 18. Domain v (B only): 36, no scaling.
    design = Design(weight="w", strata="s", psu="p", lonely_psu="average")
    res = estimate(_with_lonely(small), design, parameter="total", y="y", by="d", quality=[])
    var = (res.data.set_index("d")["se"] ** 2).to_dict()
    assert var["u"] == pytest.approx(18.0)
    assert var["v"] == pytest.approx(36.0)


def test_lonely_adjust_centres_at_zero(small: pd.DataFrame) -> None:
    # Mean: ybar = 41/12; the lonely PSU's score total (10 - 41/12)*1/12 enters squared.
    design = Design(weight="w", strata="s", psu="p", lonely_psu="adjust")
    frame = _with_lonely(small)
    remove = Design(weight="w", strata="s", psu="p", lonely_psu="remove")
    v_adj = estimate(frame, design, parameter="mean", y="y", quality=[]).data["se"].iloc[0] ** 2
    v_rem = estimate(frame, remove, parameter="mean", y="y", quality=[]).data["se"].iloc[0] ** 2
    assert v_adj - v_rem == pytest.approx(((10.0 - 41.0 / 12.0) / 12.0) ** 2)


def _replicate_frame() -> pd.DataFrame:
    # Three PSUs of two rows; JK1 replicates, each written twice: rank 3 of 6 columns.
    rng = np.random.default_rng(3)
    psu = np.repeat([0, 1, 2], 2)
    w = np.full(6, 2.0)
    frame = pd.DataFrame({"w": w, "y": rng.uniform(1, 5, 6), "g": ["a", "b"] * 3})
    for r in range(3):
        col = np.where(psu == r, 0.0, w * 1.5)
        frame[f"r{r}"] = col
        frame[f"r{r + 3}"] = col
    return frame


def test_replicate_df_is_rank_minus_one() -> None:
    frame = _replicate_frame()
    cols = [f"r{r}" for r in range(6)]
    design = Design(weight="w", replicate_weights=cols, replicate_method="jk1")
    res = estimate(frame, design, parameter="mean", y="y", quality=[])
    assert res.data["df"].iloc[0] == 2.0  # rank 3 - 1, not 6 - 1
    assert replicate_rank(frame[cols].to_numpy()) == 3
    fixed = Design(weight="w", replicate_weights=cols, replicate_method="jk1", replicate_df=5)
    assert estimate(frame, fixed, parameter="mean", y="y", quality=[]).data["df"].iloc[0] == 5


def test_replicate_proportion_logit_from_the_replicates() -> None:
    frame = _replicate_frame().assign(c=["x", "z", "x", "x", "z", "x"])
    cols = [f"r{r}" for r in range(6)]
    design = Design(weight="w", replicate_weights=cols, replicate_method="jk1")
    res = estimate(frame, design, parameter="proportion", y="c", quality=[])
    row = res.data.set_index("c").loc["x"]
    p = 4 / 6
    reps = np.array(
        [(frame[c] * (frame["c"] == "x")).sum() / frame[c].sum() for c in cols], dtype=float
    )
    logits = np.log(reps / (1 - reps))
    se_logit = math.sqrt(5 / 6 * ((logits - logits.mean()) ** 2).sum())
    t = t_quantile(0.975, 2.0)
    expit = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    assert row["value"] == pytest.approx(p)
    assert row["ci_lower"] == pytest.approx(expit(math.log(p / (1 - p)) - t * se_logit))
    assert row["ci_upper"] == pytest.approx(expit(math.log(p / (1 - p)) + t * se_logit))
    delta = estimate(
        frame, design, parameter="proportion", y="c", quality=[], proportion_ci="xlogit"
    )
    d_row = delta.data.set_index("c").loc["x"]
    se_delta = d_row["se"] / (p * (1 - p))
    assert d_row["ci_lower"] == pytest.approx(expit(math.log(p / (1 - p)) - t * se_delta))


def test_quantile_interval_on_the_cdf_at_the_estimate() -> None:
    # 100 equal weights: q = 0.495 gives the value 50, whose CDF is 0.5. R's interval is
    # that of the CDF at the estimate, i.e. the nominal interval of q = 0.5.
    frame = pd.DataFrame({"y": np.arange(1.0, 101.0), "w": np.ones(100)})
    design = Design(weight="w")
    cdf = estimate(frame, design, parameter="quantile", y="y", q=0.495, quality=[]).data
    nominal = estimate(
        frame, design, parameter="quantile", y="y", q=0.5, quality=[], quantile_ci="nominal"
    ).data
    assert cdf["value"].iloc[0] == 50.0
    assert cdf["ci_lower"].iloc[0] == nominal["ci_lower"].iloc[0]
    assert cdf["ci_upper"].iloc[0] == nominal["ci_upper"].iloc[0]
    shifted = estimate(
        frame, design, parameter="quantile", y="y", q=0.495, quality=[], quantile_ci="nominal"
    ).data
    assert shifted["ci_lower"].iloc[0] <= cdf["ci_lower"].iloc[0]


def test_difference_df_is_the_union_of_the_domains(small: pd.DataFrame) -> None:
    frame = small.assign(d=["u", "u", "v", "v", "v"])
    res = estimate_difference(
        frame, DESIGN, parameter="mean", y="y", compare="d", levels=("u", "v"), quality=[]
    )
    assert res.data["df"].iloc[0] == 2.0  # all 4 PSUs - 2 strata


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("df", "psu"),
        ("df", 0),
        ("missing", "keep"),
        ("proportion_ci", "score"),  # "wald" is now an alias of "mean" (svyciprop)
        ("quantile_ci", "x"),
    ],
)
def test_bad_convention_options(small: pd.DataFrame, option: str, value: object) -> None:
    with pytest.raises(ValueError, match=option):
        estimate(small, DESIGN, parameter="mean", y="y", quality=[], **{option: value})
