"""Interval methods by domain against R ``survey`` (golden values from
``tests/golden/r_survey/intervals.R``; the tests do not need R).

R's ``svyby`` runs ``svyciprop`` (every method, the likelihood interval included),
``svyquantile`` (every interval type, Fuller's score type included, and some quantile rules)
and ``svyvar`` per domain on R's bundled data: the api cluster sample (Taylor, its JK1
replicate version and a raked version) and stratified sample, and NHANES (strata and PSUs,
``HI_CHOL`` with missing values, i.e. the domain of its non-missing rows). Each domain's
figures are compared with the library's ``by=`` result, with R's domain degrees of freedom.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from migindicators import survey
from migindicators.core.errors import EstimationError, OptionError
from migindicators.engine.survey import Design

HERE = Path(__file__).resolve().parents[1] / "golden" / "r_survey"
GOLDEN = HERE / "intervals.json"
NUMERIC = {"dnum", "snum", "pw", "fpc", "api00", "enroll", "yes", "rare"} | {
    f"rep{i}" for i in range(1, 16)
}


@cache
def _golden() -> dict[str, Any]:
    return dict(json.loads(GOLDEN.read_text()))


@cache
def _data(name: str) -> pd.DataFrame:
    if name == "nhanes":
        return pd.read_csv(HERE / "data" / "nhanes.csv")
    columns = _golden()["data"][name]  # numbers as text with 17 digits: R's exact doubles
    frame = pd.DataFrame(columns)
    for col in frame.columns:
        if col in NUMERIC:
            frame[col] = frame[col].astype(float)
    return frame


def _design(spec: dict[str, Any], frame: pd.DataFrame) -> Design:
    if spec.get("replicate"):
        reps = [c for c in frame.columns if c.startswith("rep")]
        return Design(weight=spec["weight"], replicate_weights=reps, replicate_method="jk1")
    design = Design(
        weight=spec["weight"], strata=spec.get("strata"), psu=spec.get("psu"), fpc=spec.get("fpc")
    )
    if spec.get("rake"):
        margins = [pd.DataFrame(_golden()["margins"][v]) for v in spec["rake"].split("+")]
        design = survey.rake(design, margins)
    return design


def _aligned(res: pd.DataFrame, by: str, keys: list[str]) -> pd.DataFrame:
    """The library's rows in R's domain order (R's keys are text)."""
    index = res[by].map(lambda v: str(int(v)) if isinstance(v, float) else str(v))
    return res.set_index(index).loc[keys]


def _label(case: dict[str, Any], *more: Any) -> str:
    return " ".join(str(v) for v in (case["data"], case["design"], case["y"], *more))


CIPROP = list(range(len(_golden()["ciprop"]))) if GOLDEN.is_file() else []
QUANTILES = list(range(len(_golden()["svyquantile"]))) if GOLDEN.is_file() else []


def test_generated_by_r_and_nhanes_frame_is_rs() -> None:
    assert _golden()["survey_version"] == "4.1.1"
    frame = _data("nhanes")
    assert len(frame) == 8591  # R's data(nhanes)
    methods = {c["method"] for c in _golden()["ciprop"] if "by" in c}
    assert methods == {"logit", "likelihood", "asin", "beta", "mean", "xlogit"}
    types = {c["interval_type"] for c in _golden()["svyquantile"] if "value" in c}
    assert types == {"mean", "beta", "xlogit", "asin", "score", "quantile"}


@pytest.mark.parametrize("k", CIPROP)
def test_ciprop_by_domain_matches_r(k: int) -> None:
    case = _golden()["ciprop"][k]
    frame = _data(case["data"])
    design = _design(case["design"], frame)
    label = _label(case, case["method"], case["level"])
    if case.get("r_gives_na"):
        # R 4.1.1 gives NA limits for the likelihood interval on a replicate design.
        assert case["ci"] == [None, None]
        with pytest.raises(OptionError, match="likelihood.*Taylor"):
            survey.ciprop(frame, design, y=case["y"], method="likelihood")
        return
    res = survey.ciprop(
        frame, design, y=case["y"], by=case["by"], method=case["method"], level=case["level"]
    ).data
    got = _aligned(res, case["by"], case["keys"])
    # R's logit and likelihood estimates are expit of an IRLS fit (glm's default convergence,
    # ~1e-8 relative for the small proportions); the other methods' are exact.
    glm = case["method"] in ("logit", "likelihood")
    np.testing.assert_allclose(
        got["value"], case["value"], rtol=1e-7 if glm else 1e-12, err_msg=label
    )
    np.testing.assert_allclose(got["se"], case["se"], rtol=1e-8, err_msg=label)
    np.testing.assert_array_equal(got["df"].to_numpy(dtype=float), case["df"], err_msg=label)
    limits = got[["ci_lower", "ci_upper"]].to_numpy()
    if case["method"] != "likelihood":
        # atol: where a JK1 replicate has no positives in the domain R's replicate GLM runs
        # off to a logit of about -37, and its logit interval to (2e-18, 1 - 5e-15); the
        # library's replicate logit is infinite and its interval (0, 1).
        for j, key in ((0, "ci_lower"), (1, "ci_upper")):
            np.testing.assert_allclose(
                limits[:, j], case[key], rtol=1e-7, atol=1e-14, err_msg=label
            )
        return
    # The exact root of R's equation, solved in R with its own GLM deviance (uniroot).
    np.testing.assert_allclose(limits[:, 0], case["exact_lower"], rtol=1e-8, err_msg=label)
    np.testing.assert_allclose(limits[:, 1], case["exact_upper"], rtol=1e-8, err_msg=label)
    # svyciprop itself reads the root off a spline through a coarse profile (up to 10 points
    # a side): up to ~3e-3 relative off the exact root here, where p is small.
    np.testing.assert_allclose(limits[:, 0], case["ci_lower"], rtol=5e-3, err_msg=label)
    np.testing.assert_allclose(limits[:, 1], case["ci_upper"], rtol=5e-3, err_msg=label)
    whole = survey.ciprop(
        frame, design, y=case["y"], method="likelihood", level=case["level"]
    ).data.iloc[0]
    assert whole["value"] == pytest.approx(case["all"]["value"], rel=1e-7), label
    assert whole["se"] == pytest.approx(case["all"]["se"], rel=1e-8), label
    assert [whole["ci_lower"], whole["ci_upper"]] == pytest.approx(
        case["all"]["exact"], rel=1e-8
    ), label
    assert [whole["ci_lower"], whole["ci_upper"]] == pytest.approx(case["all"]["ci"], rel=5e-3), (
        label
    )


@pytest.mark.parametrize("k", QUANTILES)
def test_quantiles_by_domain_match_r(k: int) -> None:
    case = _golden()["svyquantile"][k]
    frame = _data(case["data"])
    design = _design(case["design"], frame)
    if "r_error" in case:
        # R stops: no score interval on replicate designs, or no root in the search range.
        error = OptionError if case["design"].get("replicate") else EstimationError
        with pytest.raises(error, match="score"):
            survey.quantiles(
                frame,
                design,
                y=case["y"],
                by=case.get("by"),
                probs=np.atleast_1d(case.get("probs", 0.5)).tolist(),
                interval_type="score",
            )
        return
    res = survey.quantiles(
        frame,
        design,
        y=case["y"],
        by=case["by"],
        probs=case["probs"],
        qrule=case["qrule"],
        interval_type=case["interval_type"],
    ).data
    label = _label(case, case["interval_type"], case["qrule"])
    for j, p in enumerate(case["probs"]):
        got = _aligned(res[res["q"] == p], case["by"], case["keys"])
        np.testing.assert_array_equal(got["df"].to_numpy(dtype=float), case["df"], err_msg=label)
        np.testing.assert_allclose(got["value"], case["value"][j], rtol=1e-12, err_msg=label)
        for col in ("ci_lower", "ci_upper", "se"):
            expected = np.array(case[col][j], dtype=float)
            np.testing.assert_allclose(
                got[col], expected, rtol=1e-9, err_msg=f"{label} p={p} {col}"
            )


@pytest.mark.parametrize("k", range(5))
def test_variance_of_by_domain_matches_r_svyvar(k: int) -> None:
    case = _golden()["svyvar"][k]
    frame = _data(case["data"])
    design = _design(case["design"], frame)
    res = survey.variance_of(frame, design, y=case["y"], by=case["by"]).data
    got = _aligned(res, case["by"], case["keys"])
    label = _label(case, case["by"])
    np.testing.assert_allclose(got["value"], case["value"], rtol=1e-10, err_msg=label)
    np.testing.assert_allclose(got["se"], case["se"], rtol=1e-8, err_msg=label)


def test_likelihood_interval_hand_computed() -> None:
    """Equal weights, one stratum of PSUs of one row: :math:`\\hat p = 0.3`, n = 10.

    v = p(1-p)/(n-1) = 0.21/9 (with-replacement PSU variance, no fpc), df = 9,
    phi = 10/9; each limit solves KL(0.3 || mu) = phi t^2 v / (2 p (1-p)) = 5 t_9^2 / 81
    (t_9 = 2.2621571627982 at 95%).
    """
    frame = pd.DataFrame({"y": [1, 1, 1, 0, 0, 0, 0, 0, 0, 0], "id": range(10)})
    row = survey.ciprop(frame, Design(psu="id"), y="y", method="likelihood").data.iloc[0]
    target = 5 * 2.2621571627982049**2 / 81

    def kl(mu: float) -> float:
        return 0.3 * math.log(0.3 / mu) + 0.7 * math.log(0.7 / (1 - mu))

    assert kl(row["ci_lower"]) == pytest.approx(target, rel=1e-10)
    assert kl(row["ci_upper"]) == pytest.approx(target, rel=1e-10)
    assert 0 < row["ci_lower"] < 0.3 < row["ci_upper"] < 1
