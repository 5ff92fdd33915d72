"""Reliability beside every estimate: se, cv, df, deff, effective_n and the Korn–Graubard
interval, against R ``survey`` (golden values of ``tests/golden/r_survey/quality.R``)."""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from migindicators.core.korn_graubard import (
    beta_quantile,
    effective_sample_size,
    korn_graubard,
    t_quantile,
)
from migindicators.engine.survey import Design, estimate
from migindicators.stock import migrant_share_of_population, migrant_stock

GOLDEN = Path(__file__).parent / "golden" / "r_survey" / "quality.json"
DESIGN = Design(weight="weight", strata="strata", psu="household", lonely_psu="certainty")


@cache
def _golden() -> dict[str, Any]:
    return dict(json.loads(GOLDEN.read_text()))


def _data() -> pd.DataFrame:
    return pd.DataFrame(_golden()["data"])


def _kg_cases() -> list[dict[str, Any]]:
    return list(_golden()["korn_graubard"])


@pytest.mark.parametrize("case", _kg_cases(), ids=lambda c: f"{c['y']}-{c['domain']}-{c['level']}")
def test_korn_graubard_matches_svyciprop_beta(case: dict[str, Any]) -> None:
    # R: n.eff = p(1-p)/var * (qt(a/2, nrow-1)/qt(a/2, degf))^2, Clopper-Pearson at n.eff.
    lo, hi, _ = korn_graubard(
        np.array([case["value"]]),
        np.array([case["se"]]),
        np.array([case["n"]]),
        case["df"],
        level=case["level"],
    )
    assert lo[0] == pytest.approx(case["ci_lower"], rel=1e-9)
    assert hi[0] == pytest.approx(case["ci_upper"], rel=1e-9)


@pytest.mark.parametrize("case", _kg_cases(), ids=lambda c: f"{c['y']}-{c['domain']}-{c['level']}")
def test_engine_proportion_and_se_match_r(case: dict[str, Any]) -> None:
    data = _data()
    if case["domain"] != "all":
        res = estimate(data, DESIGN, parameter="mean", y=case["y"], by="sex", quality=[])
        row = res.data.loc[res.data["sex"] == case["domain"]].iloc[0]
    else:
        row = estimate(data, DESIGN, parameter="mean", y=case["y"], quality=[]).data.iloc[0]
    assert row["value"] == pytest.approx(case["value"], rel=1e-12)
    assert row["se"] == pytest.approx(case["se"], rel=1e-9)


def _deff_cases(stat: str) -> list[dict[str, Any]]:
    return [c for c in _golden()["deff"] if c["stat"] == stat]


@pytest.mark.parametrize("stat", ["mean", "total"])
def test_survey_deff_and_effective_n_match_r(stat: str) -> None:
    data = _data()
    for case in _deff_cases(stat):
        kind: bool | str = True if case["deff_kind"] == "TRUE" else "replace"
        by = None if case["domain"] == "all" else "sex"
        res = estimate(data, DESIGN, parameter=stat, y="migrant", by=by, deff=kind, quality=[])
        frame = res.data if by is None else res.data.loc[res.data["sex"] == case["domain"]]
        row = frame.iloc[0]
        assert row["value"] == pytest.approx(case["value"], rel=1e-12)
        assert row["se"] == pytest.approx(case["se"], rel=1e-9)
        assert row["deff"] == pytest.approx(case["deff"], rel=1e-9), case
        assert row["effective_n"] == pytest.approx(row["n"] / case["deff"], rel=1e-9)
        assert row["cv"] == pytest.approx(case["se"] / case["value"], rel=1e-9)
        # The design's df; a domain's interval uses its own (R's degf of the domain, issue 13).
        assert res.metadata["df"] == _golden()["design_df"]
        assert 0 < row["df"] <= _golden()["design_df"]


def test_bad_deff_option_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="deff='srs'"):
        estimate(_data(), DESIGN, parameter="mean", y="migrant", deff="srs")


def test_census_stock_reliability_matches_r_svytotal() -> None:
    data = _data()
    for case in _deff_cases("total"):
        if case["deff_kind"] != "TRUE":
            continue
        by = None if case["domain"] == "all" else "sex"
        res = migrant_stock(data, by=by)
        frame = res.data if by is None else res.data.loc[res.data["sex"] == case["domain"]]
        row = frame.iloc[0]
        assert row["value"] == pytest.approx(case["value"], rel=1e-12)
        assert row["se"] == pytest.approx(case["se"], rel=1e-9)
        assert row["deff"] == pytest.approx(case["deff"], rel=1e-9)
        assert row["cv"] == pytest.approx(case["se"] / case["value"], rel=1e-9)
        known = (data["sex"] == case["domain"]).sum() if by else len(data)
        assert row["effective_n"] == pytest.approx(known / case["deff"], rel=1e-9)
        assert row["df"] == _golden()["design_df"]


def test_census_share_reliability_matches_r_svymean() -> None:
    data = _data()
    for case in _deff_cases("mean"):
        if case["deff_kind"] != "TRUE":
            continue
        by = None if case["domain"] == "all" else "sex"
        res = migrant_share_of_population(data, by=by)
        frame = res.data if by is None else res.data.loc[res.data["sex"] == case["domain"]]
        row = frame.iloc[0]
        assert row["value"] == pytest.approx(100 * case["value"], rel=1e-12)
        assert row["se"] == pytest.approx(100 * case["se"], rel=1e-9)
        assert row["deff"] == pytest.approx(case["deff"], rel=1e-9)
        assert row["effective_n"] == pytest.approx(row["n"] / case["deff"], rel=1e-9)


def test_census_without_variance_has_no_deff() -> None:
    data = _data().drop(columns="weight")
    row = migrant_stock(data).data.iloc[0]
    assert math.isnan(row["se"]) and math.isnan(row["deff"]) and math.isnan(row["df"])
    assert math.isnan(row["cv"]) and math.isnan(row["effective_n"])


def test_beta_and_t_quantiles_by_hand() -> None:
    # Beta(1, b): F(x) = 1 - (1-x)^b, so the q quantile is 1 - (1-q)^(1/b).
    assert beta_quantile(0.975, 1.0, 10.0) == pytest.approx(1 - 0.025 ** (1 / 10), rel=1e-12)
    # Beta(a, 1): x^a.
    assert beta_quantile(0.025, 3.5, 1.0) == pytest.approx(0.025 ** (1 / 3.5), rel=1e-12)
    # t with 1 df is Cauchy: tan(pi (p - 1/2)); with 2 df: (2p-1)/sqrt(2p(1-p)).
    assert t_quantile(0.975, 1) == pytest.approx(math.tan(math.pi * 0.475), rel=1e-10)
    p = 0.9
    assert t_quantile(p, 2) == pytest.approx((2 * p - 1) / math.sqrt(2 * p * (1 - p)), rel=1e-10)
    assert math.isnan(beta_quantile(0.5, 0.0, 1.0))


def test_korn_graubard_edge_cases() -> None:
    # p = 0: lower bound 0, upper the Clopper-Pearson bound 1 - (a/2)^(1/n) at n (no df).
    lo, hi, neff = korn_graubard(np.array([0.0]), np.array([0.0]), np.array([50]), np.nan)
    assert lo[0] == 0.0
    assert hi[0] == pytest.approx(1 - 0.025 ** (1 / 50), rel=1e-10)
    assert neff[0] == 50
    # effective sample size capped at n (NCHS) when deff < 1
    assert effective_sample_size(np.array([0.5]), np.array([0.01]), np.array([100]))[0] == 2500
    capped = effective_sample_size(
        np.array([0.5]), np.array([0.01]), np.array([100]), cap_at_n=True
    )
    assert capped[0] == 100
    with pytest.raises(ValueError, match="level"):
        korn_graubard(np.array([0.5]), np.array([0.1]), np.array([10]), 5, level=95)
