"""Issue 14's remaining options against R ``survey`` (golden values from
``tests/golden/r_survey/cirules.R``; the tests do not need R).

- ``estimate(parameter="proportion", proportion_ci=...)``: every ``svyciprop`` method, per
  category of a categorical *y*, overall and by domain (R: ``svyciprop(~I(y == k), design,
  method=)`` and ``svyby(~I(y == k), ~by, design, svyciprop, method=)``), on Taylor (cluster,
  stratified), replicate (JK1), raked and post-stratified designs;
- ``qrule="shahvaish"`` in ``quantiles`` (whole population and by domain);
- ``chisq_test`` (every statistic) and ``ttest`` on two- and three-stage designs with an fpc
  at each stage (R ``svydesign(ids=~psu+ssu(+tsu), fpc=~N1+N2(+N3))``, R's default full
  multistage variance), on PPS designs without replacement (Brewer, Overton, Hartley–Rao)
  and on post-stratified and raked designs (one and several stages).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from migindicators import survey
from migindicators.core.errors import OptionError
from migindicators.engine.survey import Design

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "r_survey" / "cirules.json"
TEXT_COLUMNS = {
    *("stype", "sch.wide", "awards", "comp.imp"),
    *("h", "s2", "sex", "mig", "emp"),
    *("winner", "size"),
}


@cache
def _golden() -> dict[str, Any]:
    return dict(json.loads(GOLDEN.read_text()))


@cache
def _data(name: str) -> pd.DataFrame:
    # numbers as text with 17 digits: R's exact doubles
    frame = pd.DataFrame(_golden()["data"][name])
    for col in frame.columns:
        if col not in TEXT_COLUMNS:
            frame[col] = frame[col].astype(float)
    return frame


def _margin(name: str) -> pd.DataFrame:
    return pd.DataFrame(_golden()["margins"][name])


def _design(name: str) -> Design:
    """The design R built under *name* in cirules.R."""
    clus = Design(weight="pw", psu="dnum", fpc="fpc")
    two = Design(weight="w", psu="dnum", fpc="fpc1", ssu="snum", fpc2="fpc2")
    three = Design(
        weight="w", strata="h", psu="psu", fpc="N1", ssu=["ssu", "tsu"], fpc2=["N2p", "N3"]
    )
    if name == "clus":
        return clus
    if name == "strat":
        return Design(weight="pw", strata="stype", fpc="fpc")
    if name == "rep":
        reps = [f"rep{i}" for i in range(1, 16)]
        return Design(weight="pw", replicate_weights=reps, replicate_method="jk1")
    if name == "raked":
        return survey.rake(clus, [_margin("stype"), _margin("sch.wide")])
    if name == "poststratified":
        return survey.post_stratify(clus, _margin("sch.wide"))
    if name == "two_stage":
        return two
    if name == "two_stage_poststratified":
        return survey.post_stratify(two, _margin("stype"))
    if name == "three_stage":
        return three
    if name == "three_stage_strata2":
        return Design(
            weight="w",
            strata="h",
            psu="psu",
            fpc="N1",
            ssu=["ssu", "tsu"],
            fpc2=["N2", "N3"],
            strata2=["s2", None],
        )
    if name == "three_stage_raked":
        return survey.rake(three, [_margin("sex"), _margin("h")])
    if name == "pps_brewer":
        return Design(prob="p", pps="brewer")
    if name == "pps_overton":
        return Design(prob="p", pps="overton")
    if name == "pps_hartley_rao":
        return Design(prob="p", pps="hartley-rao", pps_psum=_golden()["pps_psum"])
    raise KeyError(name)


def test_generated_by_r_survey_4_1_1() -> None:
    assert _golden()["survey_version"] == "4.1.1"


# --- estimate(parameter="proportion", proportion_ci=...) ----------------------------------

CIPROP = list(range(len(_golden()["ciprop"]))) if GOLDEN.is_file() else []


def _category(res: pd.DataFrame, y: str, category: str) -> pd.DataFrame:
    return res.loc[res[y] == category]


@pytest.mark.parametrize("k", CIPROP)
def test_estimate_proportion_ci_matches_r_svyciprop(k: int) -> None:
    case = _golden()["ciprop"][k]
    frame, design = _data(case["data"]), _design(case["design"])
    label = f"{case['category']} {case['method']} {case['level']} on {case['design']}"
    if case.get("r_gives_na"):
        # R 4.1.1 gives NA limits on replicate designs; the library raises.
        assert case["ci"] == [None, None], label
        with pytest.raises(OptionError, match="likelihood"):
            survey.estimate(
                frame, design, parameter="proportion", y=case["y"], proportion_ci="likelihood"
            )
        return
    # R's logit and likelihood estimates are expit of an IRLS fit (converged to ~1e-8), the
    # others exact; R's likelihood limits are read off a spline through a coarse profile (see
    # intervals.py).
    rel = 5e-3 if case["method"] == "likelihood" else 1e-7
    rel_value = 1e-7 if case["method"] in ("logit", "likelihood") else 1e-10
    by = survey.estimate(
        frame,
        design,
        parameter="proportion",
        y=case["y"],
        by=case["by"],
        proportion_ci=case["method"],
        level=case["level"],
    ).data
    got = _category(by, case["y"], case["category"]).set_index(case["by"]).loc[case["keys"]]
    np.testing.assert_allclose(got["value"], case["value"], rtol=rel_value, err_msg=label)
    np.testing.assert_allclose(got["se"], case["se"], rtol=1e-8, err_msg=label)
    np.testing.assert_allclose(got["ci_lower"], case["ci_lower"], rtol=rel, err_msg=label)
    np.testing.assert_allclose(got["ci_upper"], case["ci_upper"], rtol=rel, err_msg=label)
    whole = survey.estimate(
        frame,
        design,
        parameter="proportion",
        y=case["y"],
        proportion_ci=case["method"],
        level=case["level"],
    ).data
    row = _category(whole, case["y"], case["category"]).iloc[0]
    expected = case["all"]
    assert row["value"] == pytest.approx(expected["value"], rel=rel_value), label
    if expected["se"] < 1e-12:
        # The design is stratified by y: the share is fixed, R's SE is exactly 0 and the
        # library's rounding noise (R's degenerate "interval" is not compared).
        assert row["se"] < 1e-8, label
        return
    if expected["ci"] == [None, None]:
        # raked on y: an SE of ~1e-6, where R's likelihood profile finds no limits
        assert case["method"] == "likelihood" and case["design"] == "raked", label
        return
    assert row["se"] == pytest.approx(expected["se"], rel=1e-8), label
    assert [row["ci_lower"], row["ci_upper"]] == pytest.approx(expected["ci"], rel=rel), label


@pytest.mark.parametrize("name", ["clus", "rep", "raked", "poststratified"])
def test_estimate_and_ciprop_give_the_same_intervals(name: str) -> None:
    # One arithmetic, two callers: the category's row of estimate(parameter="proportion")
    # is ciprop of the category's 0/1 indicator, for every method the design supports.
    frame, design = _data("apiclus1"), _design(name)
    for method in ("logit", "likelihood", "xlogit", "mean", "asin", "beta"):
        if method == "likelihood" and name == "rep":
            continue
        est = survey.estimate(
            frame, design, parameter="proportion", y="stype", by="awards", proportion_ci=method
        ).data
        est = _category(est, "stype", "H").reset_index(drop=True)
        cip = survey.ciprop(frame, design, y="is_H", by="awards", method=method).data
        for col in ("value", "se", "ci_lower", "ci_upper", "df"):
            np.testing.assert_allclose(est[col], cip[col], rtol=1e-12, err_msg=f"{method} {col}")


def test_beta_limits_where_the_se_is_at_rounding_level() -> None:
    # The share of a stratum in a stratified design: an SE of ~1e-9 from rounding, an
    # effective sample size of ~1e17. The incomplete beta function overflowed there (or ran
    # for half a minute); the limits are p within a few SEs (hand-computed bound).
    p, se = np.array([0.713755236839661]), np.array([1.2241466060416496e-09])
    lo, hi = survey.proportion_interval(p, se, 197.0, 0.95, "beta", n=200.0)
    assert lo[0] < p[0] < hi[0]
    assert hi[0] - lo[0] == pytest.approx(2 * 1.972 * se[0], rel=1e-3)


def test_proportion_ci_names_and_aliases() -> None:
    frame, design = _data("apiclus1"), _design("clus")
    kg = survey.estimate(
        frame, design, parameter="proportion", y="stype", proportion_ci="korn-graubard"
    )
    beta = survey.estimate(frame, design, parameter="proportion", y="stype", proportion_ci="beta")
    pd.testing.assert_frame_equal(kg.data, beta.data)
    assert "method='beta'" in beta.metadata["ci"]
    with pytest.raises(OptionError, match="proportion_ci='score'.*'likelihood'"):
        survey.estimate(frame, design, parameter="proportion", y="stype", proportion_ci="score")
    # the default is R's: logit
    default = survey.estimate(frame, design, parameter="proportion", y="stype")
    assert "method='logit'" in default.metadata["ci"]


# --- qrule="shahvaish" --------------------------------------------------------------------

QUANTILES = list(range(len(_golden()["svyquantile"]))) if GOLDEN.is_file() else []


def _nan(values: Any) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in np.ravel(values)], dtype=float)


@pytest.mark.parametrize("k", QUANTILES)
def test_shahvaish_quantiles_match_r(k: int) -> None:
    case = _golden()["svyquantile"][k]
    frame, design = _data(case["data"]), _design(case["design"])
    label = f"{case['interval_type']} on {case['design']}"
    if case["design"] == "rep" and case["interval_type"] in ("beta", "xlogit", "asin"):
        pytest.fail("R ignores these types on replicate designs: not in the golden set")
    whole = survey.quantiles(
        frame,
        design,
        y=case["y"],
        probs=case["probs"],
        qrule="shahvaish",
        interval_type=case["interval_type"],
    ).data
    for col in ("value", "ci_lower", "ci_upper", "se"):
        np.testing.assert_allclose(
            whole[col], _nan(case["whole"][col]), rtol=1e-9, err_msg=f"{label} {col}"
        )
    by = survey.quantiles(
        frame,
        design,
        y=case["y"],
        probs=case["by_probs"],
        by=case["by"],
        qrule="shahvaish",
        interval_type=case["interval_type"],
    ).data
    for j, p in enumerate(case["by_probs"]):
        got = by.loc[by["q"] == p].set_index(case["by"]).loc[case["keys"]]
        for col in ("value", "ci_lower", "ci_upper", "se"):
            expected = _nan(np.asarray(case[col], dtype=object)[j])
            np.testing.assert_allclose(
                got[col], expected, rtol=1e-9, err_msg=f"{label} by {p} {col}"
            )


def test_shahvaish_rule_by_hand() -> None:
    # Hand-computed (and R's survey:::qrule_shahvaish gives the same). Equal weights: the
    # positions are (1, 2, 3)/4. Weights (1, 10, 1): mean 4, positions (0.0625, -0.4375, 0.75),
    # out of order. Weights (1, 2, 9): positions (0.0625, 0.0625, -0.25), a tie sharing the
    # mean of its values.
    q = survey.weighted_quantile
    x = np.array([1.0, 2.0, 3.0])
    ones = np.ones(3)
    got = [q(x, ones, p, "shahvaish") for p in (0.5, 0.49, 0.1, 0.9)]
    assert got == [2.0, 1.0, 1.0, 3.0]
    w = np.array([1.0, 10.0, 1.0])
    assert [q(x, w, p, "shahvaish") for p in (0.05, 0.5, 0.8)] == [2.0, 1.0, 3.0]
    w = np.array([1.0, 2.0, 9.0])
    assert [q(x, w, p, "shahvaish") for p in (0.5, 0.01)] == [1.5, 3.0]
    # rows of weight 0 are ignored, as R
    assert q(np.array([1.0, 2.0, 3.0, 9.0]), np.array([1.0, 1.0, 1.0, 0.0]), 0.9, "shahvaish") == 3


# --- tests of association and t tests on multistage and calibrated designs -----------------

CHISQ = list(range(len(_golden()["svychisq"]))) if GOLDEN.is_file() else []
TTESTS = list(range(len(_golden()["svyttest"]))) if GOLDEN.is_file() else []


@pytest.mark.parametrize("k", CHISQ)
def test_chisq_test_matches_r_on_multistage_and_calibrated_designs(k: int) -> None:
    case = _golden()["svychisq"][k]
    frame, design = _data(case["data"]), _design(case["design"])
    res = survey.chisq_test(
        frame, design, rows=case["rows"], cols=case["cols"], statistic=case["statistic_type"]
    )
    label = f"{case['statistic_type']} {case['rows']} x {case['cols']} on {case['design']}"
    assert res.statistic == pytest.approx(case["statistic"], rel=1e-7), label
    assert res.parameter == pytest.approx(case["parameter"], rel=1e-7), label
    assert res.p_value == pytest.approx(case["p_value"], rel=1e-7), label


@pytest.mark.parametrize("k", TTESTS)
def test_ttest_matches_r_on_multistage_and_calibrated_designs(k: int) -> None:
    case = _golden()["svyttest"][k]
    frame, design = _data(case["data"]), _design(case["design"])
    row = survey.ttest(frame, design, y=case["y"], group=case["group"]).data.iloc[0]
    label = f"{case['y']} ~ {case['group']} on {case['design']}"
    assert row["value"] == pytest.approx(case["estimate"], rel=1e-9), label
    assert row["statistic"] == pytest.approx(case["statistic"], rel=1e-7), label
    assert row["df"] == case["df"], label
    assert row["p_value"] == pytest.approx(case["p_value"], rel=1e-7), label
    assert [row["ci_lower"], row["ci_upper"]] == pytest.approx(case["ci"], rel=1e-7), label


@pytest.mark.parametrize(
    "k",
    [
        k
        for k in QUANTILES
        if _golden()["svyquantile"][k]["interval_type"] == "mean"
        and _golden()["svyquantile"][k]["design"] != "rep"
    ],
)
def test_estimate_quantile_takes_shahvaish_as_r(k: int) -> None:
    # estimate(parameter="quantile") applies the same rules as quantiles() (one
    # implementation, engine/quantile_rules.py); R's Woodruff ("mean") interval.
    case = _golden()["svyquantile"][k]
    frame, design = _data(case["data"]), _design(case["design"])
    for j, p in enumerate(case["probs"]):
        row = survey.estimate(
            frame, design, parameter="quantile", y=case["y"], q=p, qrule="shahvaish"
        ).data.iloc[0]
        for col in ("value", "ci_lower", "ci_upper", "se"):
            expected = _nan(case["whole"][col])[j]
            np.testing.assert_allclose(row[col], expected, rtol=1e-9, err_msg=f"{p} {col}")


@pytest.mark.parametrize("qrule", [f"hf{i}" for i in range(1, 10)] + ["math", "school"])
def test_estimate_quantile_rules_equal_quantiles(qrule: str) -> None:
    case = next(c for c in _golden()["svyquantile"] if c["design"] != "rep")
    frame, design = _data(case["data"]), _design(case["design"])
    mine = survey.estimate(
        frame, design, parameter="quantile", y=case["y"], q=0.3, qrule=qrule, by=case["by"]
    ).data
    theirs = survey.quantiles(
        frame, design, y=case["y"], probs=[0.3], qrule=qrule, by=case["by"]
    ).data
    np.testing.assert_allclose(mine["value"], theirs["value"], rtol=1e-12)
    np.testing.assert_allclose(mine["ci_lower"], theirs["ci_lower"], rtol=1e-12)
    np.testing.assert_allclose(mine["ci_upper"], theirs["ci_upper"], rtol=1e-12)
