"""Hand-worked design-based estimates, lonely PSUs, fpc, domains, replicates and properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import migindicators as mi
from migindicators.core.distributions import t_cdf, t_quantile
from migindicators.core.flags import has_flag
from migindicators.engine.survey import Design, as_design, estimate, estimate_difference


@pytest.fixture
def small() -> pd.DataFrame:
    # Stratum A: PSU 1 (w 2, y 1), (w 2, y 3); PSU 2 (w 1, y 5).
    # Stratum B: PSU 1 (w 3, y 2); PSU 2 (w 3, y 4). PSU codes restart within strata.
    return pd.DataFrame(
        {
            "s": ["A", "A", "A", "B", "B"],
            "p": [1, 1, 2, 1, 2],
            "w": [2.0, 2.0, 1.0, 3.0, 3.0],
            "y": [1.0, 3.0, 5.0, 2.0, 4.0],
            "N": [10, 10, 10, 4, 4],
            "f": [0.2, 0.2, 0.2, 0.5, 0.5],
        }
    )


DESIGN = Design(weight="w", strata="s", psu="p")


def test_total_by_hand(small: pd.DataFrame) -> None:
    # PSU totals A: 8, 5; B: 6, 12 -> v = 2*(1.5^2 + 1.5^2) + 2*(3^2 + 3^2) = 45
    res = estimate(small, DESIGN, parameter="total", y="y", quality=[])
    row = res.data.iloc[0]
    assert row["value"] == pytest.approx(31.0)
    assert row["se"] == pytest.approx(math.sqrt(45.0))
    assert row["df"] == 2
    t = 4.302652729749464  # t(0.975, 2)
    assert row["ci_lower"] == pytest.approx(31.0 - t * math.sqrt(45.0))
    assert row["n"] == 5
    assert "Student t with 2 design degrees of freedom" in res.metadata["ci"]


def test_mean_by_hand(small: pd.DataFrame) -> None:
    # ybar = 31/11; PSU score totals -36/121, 24/121 | -27/121, 39/121 -> v = 7956/14641
    res = estimate(small, DESIGN, parameter="mean", y="y", quality=[])
    row = res.data.iloc[0]
    assert row["value"] == pytest.approx(31 / 11)
    assert row["se"] == pytest.approx(math.sqrt(7956 / 14641))
    assert row["cv"] == pytest.approx(row["se"] / row["value"])


def test_fpc_sizes_and_fractions(small: pd.DataFrame) -> None:
    # f_A = 1 - 2/10, f_B = 1 - 2/4 -> v = 0.8*9 + 0.5*36 = 25.2
    for col in ("N", "f"):
        res = estimate(
            small,
            Design(weight="w", strata="s", psu="p", fpc=col),
            parameter="total",
            y="y",
            quality=[],
        )
        assert res.data["se"].iloc[0] == pytest.approx(math.sqrt(25.2))


def test_domain_is_not_a_subset(small: pd.DataFrame) -> None:
    frame = small.assign(d=np.where(small["y"] >= 3, "hi", "lo"))
    res = estimate(frame, DESIGN, parameter="total", y="y", by="d", quality=[])
    hi = res.data.set_index("d").loc["hi"]
    # Domain PSU totals A: 6, 5; B: 0, 12 -> v = 2*(0.5^2*2) + 2*(6^2*2) = 145
    assert hi["value"] == pytest.approx(23.0)
    assert hi["se"] == pytest.approx(math.sqrt(145.0))
    assert hi["n"] == 3


def _with_lonely(small: pd.DataFrame) -> pd.DataFrame:
    extra = pd.DataFrame({"s": ["C"], "p": [1], "w": [1.0], "y": [10.0], "N": [5], "f": [0.2]})
    return pd.concat([small, extra], ignore_index=True)


@pytest.mark.parametrize(
    ("rule", "variance"),
    [
        ("remove", 45.0),
        ("certainty", 45.0),
        ("average", 45.0 * 3 / 2),
        # R survey (svyrecvar) centres the lonely PSU's total at zero, not at the grand
        # mean of the PSU totals as this test had it before (issue 13): 45 + 10^2.
        ("adjust", 45.0 + 10.0**2),
    ],
)
def test_lonely_psu_rules(small: pd.DataFrame, rule: str, variance: float) -> None:
    design = Design(weight="w", strata="s", psu="p", lonely_psu=rule)
    res = estimate(_with_lonely(small), design, parameter="total", y="y", quality=[])
    assert res.data["value"].iloc[0] == pytest.approx(41.0)
    assert res.data["se"].iloc[0] ** 2 == pytest.approx(variance)
    assert has_flag(res.data["flag"], "lonely_psu").all()


def test_lonely_psu_fail(small: pd.DataFrame) -> None:
    # a library error (exit code 1 on the command line), and still a ValueError
    with pytest.raises(mi.DesignError, match="lonely_psu"):
        estimate(_with_lonely(small), DESIGN, parameter="total", y="y")


def test_missing_rows_excluded_and_counted(small: pd.DataFrame) -> None:
    frame = small.copy()
    frame.loc[0, "y"] = np.nan
    res = estimate(frame, DESIGN, parameter="mean", y="y", quality=[])
    assert res.rows_accounted()
    ex = res.exclusions
    assert ex.loc[ex["reason"] == "missing y", "rows"].sum() == 1
    assert res.data["n"].iloc[0] == 4


def test_proportion_one_row_per_category(small: pd.DataFrame) -> None:
    frame = small.assign(c=["a", "b", "a", "b", "b"])
    res = estimate(frame, DESIGN, parameter="proportion", y="c", quality=[])
    assert res.data["c"].tolist() == ["a", "b"]
    assert res.data["value"].sum() == pytest.approx(1.0)
    assert res.data["se"].iloc[0] == pytest.approx(res.data["se"].iloc[1])
    p, se = res.data["value"].iloc[0], res.data["se"].iloc[0]
    t = t_quantile(0.975, 2)
    lo = 1 / (1 + math.exp(-(math.log(p / (1 - p)) - t * se / (p * (1 - p)))))
    assert res.data["ci_lower"].iloc[0] == pytest.approx(lo)


def test_ratio_and_unweighted(small: pd.DataFrame) -> None:
    frame = small.assign(x=small["y"] * 2 + 1)
    res = estimate(frame, Design(), parameter="ratio", y="y", x="x", quality=[])
    assert res.data["value"].iloc[0] == pytest.approx(15.0 / 35.0)
    assert has_flag(res.data["flag"], "unweighted").all()
    assert res.metadata["weighted"] is False
    assert res.data["df"].iloc[0] == 4  # 5 rows, each its own PSU, one stratum


def test_jk1_equals_taylor_for_a_total() -> None:
    # One stratum, 4 PSUs: delete-one-PSU JK1 replicates reproduce the Taylor variance.
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {"p": np.repeat([1, 2, 3, 4], 5), "w": rng.uniform(1, 3, 20), "y": rng.normal(10, 2, 20)}
    )
    for k in range(1, 5):
        frame[f"r{k}"] = np.where(frame["p"] == k, 0.0, frame["w"] * 4 / 3)
    taylor = estimate(frame, Design(weight="w", psu="p"), parameter="total", y="y")
    jk = estimate(
        frame,
        Design(weight="w", replicate_weights="r[0-9]", replicate_method="jk1", mse=True),
        parameter="total",
        y="y",
    )
    assert jk.data["se"].iloc[0] == pytest.approx(taylor.data["se"].iloc[0])
    assert jk.data["df"].iloc[0] == 3


def test_replicate_scales() -> None:
    cols = ("a", "b", "c", "d")
    assert Design(weight="w", replicate_weights=cols, replicate_method="brr").scheme(
        4
    ).scale == pytest.approx(0.25)
    fay = Design(weight="w", replicate_weights=cols, replicate_method="fay", fay_rho=0.5)
    assert fay.scheme(4).scale == pytest.approx(1.0)
    assert Design(weight="w", replicate_weights=cols, replicate_method="sdr").scheme(
        4
    ).scale == pytest.approx(1.0)
    assert Design(weight="w", replicate_weights=cols, replicate_method="bootstrap").scheme(
        4
    ).scale == pytest.approx(1 / 3)
    jkn = Design(
        weight="w", replicate_weights=cols, replicate_method="jkn", rscales=(0.5, 0.5, 0.5, 0.5)
    )
    assert jkn.scheme(4).rscales.tolist() == [0.5] * 4
    with pytest.raises(ValueError, match="fay_rho"):
        Design(weight="w", replicate_weights=cols, replicate_method="fay")
    with pytest.raises(ValueError, match="rscales"):
        Design(weight="w", replicate_weights=cols, replicate_method="jkn")
    with pytest.raises(ValueError, match="lonely_psu"):
        Design(weight="w", lonely_psu="center")


def test_design_from_mapping() -> None:
    d = as_design({"weight": "w", "strata": "s", "psu": "p"})
    assert d == Design(weight="w", strata="s", psu="p")
    with pytest.raises(ValueError, match="unknown key"):
        as_design({"wgt": "w"})
    assert mi.survey.Design is Design


def test_difference_uses_covariance() -> None:
    rng = np.random.default_rng(7)
    n = 300
    frame = pd.DataFrame(
        {
            "s": rng.integers(0, 4, n),
            "p": rng.integers(0, 6, n),
            "w": rng.uniform(1, 4, n),
            "g": rng.choice(np.array(["M", "N"]), n),
            "y": rng.normal(size=n),
        }
    )
    frame["y"] += frame["p"] * 0.8  # cluster effect shared by both domains -> covariance
    design = Design(weight="w", strata="s", psu="p")
    res = estimate_difference(
        frame, design, parameter="mean", y="y", compare="g", levels=("M", "N"), quality=[]
    )
    # Brute force: linearised scores of both domain means, differenced, summed by PSU.
    z = np.zeros(n)
    for level, sign in (("M", 1.0), ("N", -1.0)):
        m = frame["g"] == level
        big_w = frame.loc[m, "w"].sum()
        ybar = (frame.loc[m, "w"] * frame.loc[m, "y"]).sum() / big_w
        z += sign * np.where(m, frame["w"] * (frame["y"] - ybar) / big_w, 0.0)
    psu = pd.DataFrame({"s": frame["s"], "p": frame["p"], "z": z}).groupby(["s", "p"])["z"].sum()
    var = 0.0
    for _, zh in psu.groupby(level=0):
        var += len(zh) / (len(zh) - 1) * ((zh - zh.mean()) ** 2).sum()
    assert res.data["se"].iloc[0] == pytest.approx(math.sqrt(var))
    sep = estimate(frame, design, parameter="mean", y="y", by="g", quality=[]).data
    assert res.data["value"].iloc[0] == pytest.approx(sep["value"].iloc[0] - sep["value"].iloc[1])
    naive = math.sqrt((sep["se"] ** 2).sum())
    assert abs(res.data["se"].iloc[0] - naive) > 1e-6  # covariance is not zero here
    assert res.metadata["contrast"]["levels"] == ["M", "N"]


def test_difference_replicate_per_replicate() -> None:
    rng = np.random.default_rng(2)
    n = 120
    frame = pd.DataFrame(
        {
            "p": rng.integers(0, 6, n),
            "w": rng.uniform(1, 2, n),
            "g": rng.choice(np.array(["a", "b"]), n),
            "y": rng.normal(size=n),
        }
    )
    for k in range(6):
        frame[f"r{k}"] = np.where(frame["p"] == k, 0.0, frame["w"] * 6 / 5)
    design = Design(
        weight="w", replicate_weights=[f"r{k}" for k in range(6)], replicate_method="jk1"
    )
    res = estimate_difference(frame, design, y="y", compare="g", levels=("a", "b"), quality=[])
    reps = []
    for k in range(6):
        means = [
            np.average(frame.loc[frame.g == lv, "y"], weights=frame.loc[frame.g == lv, f"r{k}"])
            for lv in ("a", "b")
        ]
        reps.append(means[0] - means[1])
    reps_arr = np.array(reps)
    var = 5 / 6 * ((reps_arr - reps_arr.mean()) ** 2).sum()
    assert res.data["se"].iloc[0] == pytest.approx(math.sqrt(var))


def test_quantile_woodruff() -> None:
    frame = pd.DataFrame({"y": np.arange(1.0, 101.0), "w": np.ones(100)})
    res = estimate(frame, Design(weight="w"), parameter="quantile", y="y", q=0.5, quality=[])
    row = res.data.iloc[0]
    assert row["value"] == 50.0
    assert row["ci_lower"] < 50.0 < row["ci_upper"]
    # Woodruff: the CDF's SE at the median is sqrt(0.25/99 * ...) ~ 0.05 -> about +-10 ranks.
    assert 38 <= row["ci_lower"] <= 42
    assert 58 <= row["ci_upper"] <= 62


def test_quality_rules_recorded(small: pd.DataFrame) -> None:
    res = estimate(small, DESIGN, parameter="mean", y="y")
    rules = {r["rule"]: r for r in res.metadata["quality_rules"]}
    assert rules["min_n"]["cells_flagged"] == 1
    assert has_flag(res.data["flag"], "low_n").all()
    sup = estimate(
        small, DESIGN, parameter="mean", y="y", quality={"min_n": {"min": 10}, "suppress": {}}
    )
    assert sup.data["value"].isna().all()
    assert has_flag(sup.data["flag"], "suppressed").all()
    with pytest.raises(KeyError, match="unknown quality rule"):
        estimate(small, DESIGN, parameter="mean", y="y", quality=["nope"])


def test_t_distribution() -> None:
    assert t_quantile(0.975, 39) == pytest.approx(2.0226909117347285, rel=1e-8)
    assert t_quantile(0.975, 1) == pytest.approx(12.706204736174696, rel=1e-8)
    assert t_cdf(t_quantile(0.9, 7.5), 7.5) == pytest.approx(0.9, rel=1e-10)
    assert math.isnan(t_quantile(0.975, 0))


@settings(max_examples=25, deadline=None)
@given(st.floats(0.01, 1000.0), st.integers(0, 10_000))
def test_weight_scaling_and_row_order(factor: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 40
    frame = pd.DataFrame(
        {
            "s": rng.integers(0, 2, n),
            "p": rng.integers(0, 3, n),
            "w": rng.uniform(1, 5, n),
            "y": rng.normal(size=n),
            "x": rng.uniform(1, 2, n),
            "d": rng.choice(np.array(["a", "b"]), n),
        }
    )
    design = Design(weight="w", strata="s", psu="p", lonely_psu="adjust")
    base = estimate(frame, design, parameter="ratio", y="y", x="x", by="d", quality=[]).data
    scaled = estimate(
        frame.assign(w=frame["w"] * factor),
        design,
        parameter="ratio",
        y="y",
        x="x",
        by="d",
        quality=[],
    ).data
    shuffled = estimate(
        frame.sample(frac=1.0, random_state=seed % 97),
        design,
        parameter="ratio",
        y="y",
        x="x",
        by="d",
        quality=[],
    ).data
    for other in (scaled, shuffled):
        np.testing.assert_allclose(other["value"], base["value"], rtol=1e-9)
        np.testing.assert_allclose(other["se"], base["se"], rtol=1e-7)


def test_bad_arguments(small: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="confidence level"):
        estimate(small, DESIGN, parameter="mean", y="y", level=95)
    with pytest.raises(ValueError, match="parameter"):
        estimate(small, DESIGN, parameter="median", y="y")
    with pytest.raises(ValueError, match="needs x"):
        estimate(small, DESIGN, parameter="ratio", y="y")
    with pytest.raises(ValueError, match="not found"):
        estimate(small, DESIGN, parameter="mean", y="nope")
    with pytest.raises(ValueError, match="constant within each stratum"):
        estimate(
            small.assign(N=[10, 11, 10, 4, 4]),
            Design(weight="w", strata="s", psu="p", fpc="N"),
            parameter="mean",
            y="y",
        )


def test_school_median() -> None:
    frame = pd.DataFrame({"y": [0.0, 1.0, 2.0, 2.0], "w": 1.0})
    math_rule = estimate(frame, Design(weight="w"), parameter="quantile", y="y", quality=[])
    school = estimate(
        frame, Design(weight="w"), parameter="quantile", y="y", qrule="school", quality=[]
    )
    assert math_rule.data["value"].iloc[0] == 1.0
    assert school.data["value"].iloc[0] == 1.5


def test_chunked_tables_give_the_in_memory_estimate() -> None:
    # The estimators only need additive totals per (domain, stratum, PSU): tables tabulated
    # chunk by chunk and combined give the same estimate and SE as the in-memory call.
    from migindicators.engine.estimate import StrataInfo, taylor_estimates, taylor_variance
    from migindicators.engine.tabulate import combine, group_codes, tabulate

    rng = np.random.default_rng(11)
    n = 5_000
    frame = pd.DataFrame(
        {
            "h": rng.integers(0, 5, n),
            "p": rng.integers(0, 8, n),
            "w": rng.uniform(1, 9, n),
            "y": rng.normal(3, 1, n),
            "d": rng.choice(np.array(["a", "b", "c"]), n),
        }
    )
    frame = frame.sort_values(["h", "p"], kind="stable").reset_index(drop=True)
    res = estimate(
        frame, Design(weight="w", strata="h", psu="p"), parameter="mean", y="y", by="d", quality=[]
    ).data
    chunks = [frame.iloc[i : i + 777] for i in range(0, n, 777)]
    table = combine([tabulate(c, ["d", "h", "p"], weights="w", values="y") for c in chunks])
    cell, keys = group_codes(table, ["d"])
    psu, _ = group_codes(table, ["h", "p"])
    psus = frame.drop_duplicates(["h", "p"])
    strata = StrataInfo(n_psu=psus.groupby("h").size().to_numpy(), f=np.ones(5))
    est = taylor_estimates(
        cell,
        table["h"].to_numpy(np.intp),
        psu,
        table["w*y"].to_numpy(),
        table["w"].to_numpy(),
        len(keys),
    )
    variance, _ = taylor_variance(est, strata)
    np.testing.assert_allclose(est.theta, res["value"], rtol=1e-12)
    np.testing.assert_allclose(np.sqrt(variance), res["se"], rtol=1e-10)


def test_missing_domain_rows_stay_in_the_design(small: pd.DataFrame) -> None:
    # The row with no domain value keeps PSU B2 in the design: the domain SE is the one of
    # the full design, not of a subset; the row is counted as excluded.
    for fill in ("x", 1.0):
        d = pd.Series([fill, fill, fill, fill, None], dtype=object if fill == "x" else float)
        frame = small.assign(d=d)
        res = estimate(frame, DESIGN, parameter="total", y="y", by="d", quality=[])
        assert len(res.data) == 1
        # Domain PSU totals A: 8, 5; B: 6, 0 -> v = 2*(1.5^2*2) + 2*(3^2*2) = 45
        assert res.data["value"].iloc[0] == pytest.approx(19.0)
        assert res.data["se"].iloc[0] == pytest.approx(math.sqrt(45.0))
        assert (
            res.exclusions.loc[res.exclusions["reason"] == "missing domain (d)", "rows"].sum() == 1
        )
        assert res.rows_accounted()
        assert res.data["n"].iloc[0] == 4
