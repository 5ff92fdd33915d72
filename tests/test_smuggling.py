"""Fees paid to migrant smugglers: conversion with dated rates, quantiles, exclusions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import migindicators as mi
from migindicators.core.flags import has_flag
from migindicators.protection.smuggling import quantile_confidence_interval, smuggling_fees


def _reports() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "report_id": ["r1", "r2", "r3", "r4", "r5", "r6", "r7"],
            "ref_area": "ITA",
            "time_period": 2023,
            "date": [
                "2023-05-02",
                "2023-05-10",
                "2023-05-20",
                None,
                "2023-06-15",
                "2023-02-30",
                "2023-05-03",
            ],
            "route": "LBY-ITA",
            "transport": ["sea"] * 6 + [None],
            "fee": [3000, 3500, 2000, 1000, np.nan, 5, 900.0],
            "currency": ["USD", "USD", "EUR", "EUR", "USD", "EUR", "EUR"],
            "persons": [1, 1, 1, 1, 1, 1, 2],
        }
    )


def _rates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "currency": ["EUR", "EUR", "GBP", "EUR"],
            "base": ["USD", "USD", "USD", "GBP"],
            "date": ["2023-05-01", "2022-01-01", "2023-05-01", "2023-05-01"],
            "rate": [0.8, 0.9, 0.7, 1.1],
        }
    )


def _cell(res: mi.Result, transport: str, stat: str) -> pd.Series:
    d = res.data
    return d.loc[(d["transport"] == transport) & (d["statistic"] == stat)].iloc[0]


def test_hand_computed_quartiles_and_conversion() -> None:
    res = smuggling_fees(_reports(), _rates())
    # sea: USD 3000, USD 3500, EUR 2000 / 0.8 = USD 2500 -> sorted 2500, 3000, 3500
    assert _cell(res, "sea", "P25")["value"] == pytest.approx(2750.0)
    assert _cell(res, "sea", "P50")["value"] == pytest.approx(3000.0)
    assert _cell(res, "sea", "P75")["value"] == pytest.approx(3250.0)
    assert _cell(res, "sea", "P50")["n"] == 3
    # missing transport -> "unknown"; EUR 900 for 2 migrants at 0.8 -> USD 562.5 each
    assert _cell(res, "unknown", "P50")["value"] == pytest.approx(562.5)
    assert res.unit == "USD"
    assert has_flag(res.data["flag"], "unweighted").all()
    assert res.data["se"].isna().all()


def test_every_lost_report_is_counted_by_reason() -> None:
    res = smuggling_fees(_reports(), _rates())
    assert res.rows_accounted()
    rows = res.metadata["rows"]
    assert rows["reports"] == {"given": 7, "excluded": 3, "used": 4}
    reasons = set(res.exclusions["reason"])
    assert {
        "fee not reported",
        "invalid calendar date",
        "no date to pick an exchange rate",
        "base currency is not USD",
        "not matched to any report",
    } <= reasons


def test_rate_too_old_or_absent_is_an_exclusion() -> None:
    res = smuggling_fees(_reports(), _rates(), max_rate_age_days=5)
    # r3 (20 May) is 19 days after the 1 May rate: now excluded; r7 (3 May) still matched.
    assert _cell(res, "sea", "P50")["n"] == 2
    assert any(res.exclusions["reason"].str.startswith("no exchange rate to USD within 5"))
    no_rates = smuggling_fees(_reports())
    assert _cell(no_rates, "sea", "P50")["n"] == 2
    assert no_rates.rows_accounted()


def test_other_target_currency() -> None:
    rates = pd.DataFrame(
        {"currency": ["USD"], "base": ["EUR"], "date": ["2023-05-01"], "rate": [1.25]}
    )
    res = smuggling_fees(_reports(), rates, currency="EUR")
    # USD 3000 / 1.25 = EUR 2400, USD 3500 -> 2800; EUR 2000 and the undated EUR 1000 need
    # no rate now: median of 1000, 2000, 2400, 2800 = 2200.
    assert _cell(res, "sea", "P50")["value"] == pytest.approx(2200.0)
    assert _cell(res, "sea", "P50")["n"] == 4
    assert res.unit == "EUR"


def test_order_statistic_interval() -> None:
    # n = 20, median: the classical (x_(6), x_(15)) interval, coverage 95.86 %.
    assert quantile_confidence_interval(np.arange(1.0, 21.0), 0.5) == (6.0, 15.0)
    low, high = quantile_confidence_interval([1.0, 2.0], 0.5)
    assert np.isnan(low)
    assert np.isnan(high)


def test_bad_input_is_a_clear_error() -> None:
    bad = _reports()
    bad.loc[0, "currency"] = "DOLLARS"
    with pytest.raises(mi.InputValidationError, match="currency"):
        smuggling_fees(bad, _rates())
    bad = _reports()
    bad.loc[0, "transport"] = "camel"
    with pytest.raises(mi.InputValidationError, match="transport"):
        smuggling_fees(bad, _rates())
    dup = pd.concat([_reports(), _reports().head(1)], ignore_index=True)
    with pytest.raises(mi.InputValidationError, match="unique"):
        smuggling_fees(dup, _rates())
    with pytest.raises(mi.UnitError, match="ISO 4217"):
        smuggling_fees(_reports(), _rates(), currency="XYZ")
    with pytest.raises(ValueError, match="quantiles"):
        smuggling_fees(_reports(), _rates(), quantiles=[0.5, 1.0])


def test_caller_frames_untouched() -> None:
    rep, fx = _reports(), _rates()
    before_rep, before_fx = rep.copy(), fx.copy()
    smuggling_fees(rep, fx)
    pd.testing.assert_frame_equal(rep, before_rep)
    pd.testing.assert_frame_equal(fx, before_fx)


def _demo(reports: int = 600) -> dict[str, pd.DataFrame]:
    data = mi.datasets.load("smuggling_reports_demo", reports=reports)
    assert isinstance(data, dict)
    return data


def test_demo_and_disaggregation_consistency() -> None:
    d = _demo()
    res = mi.compute("smuggling_fees", **d)
    assert res.rows_accounted()
    assert "no exchange rate to USD within 31 days" in set(res.exclusions["reason"])
    by_state = smuggling_fees(d["reports"], d["exchange_rates"], by=["ref_area"])
    # Reports per cell add up whatever the extra disaggregation.
    total_n = res.data.loc[res.data["statistic"] == "P50", "n"].sum()
    assert by_state.data.loc[by_state.data["statistic"] == "P50", "n"].sum() == total_n
    # Quartiles are ordered in every cell.
    wide = res.data.pivot_table(
        index=["time_period", "route", "transport"], columns="statistic", values="value"
    )
    assert (wide["P25"] <= wide["P50"]).all()
    assert (wide["P50"] <= wide["P75"]).all()


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_row_order_does_not_matter(seed: int) -> None:
    d = _demo(reports=150)
    base = smuggling_fees(d["reports"], d["exchange_rates"])
    shuffled = smuggling_fees(
        d["reports"].sample(frac=1.0, random_state=seed),
        d["exchange_rates"].sample(frac=1.0, random_state=seed + 1),
    )
    pd.testing.assert_frame_equal(base.data, shuffled.data)
    pd.testing.assert_frame_equal(
        base.exclusions.sort_values("reason").reset_index(drop=True),
        shuffled.exclusions.sort_values("reason").reset_index(drop=True),
    )


@settings(max_examples=10, deadline=None)
@given(fees=st.lists(st.floats(1.0, 1e5), min_size=1, max_size=40), rate=st.floats(0.1, 50.0))
def test_fees_in_one_foreign_currency_scale_by_the_rate(fees: list[float], rate: float) -> None:
    n = len(fees)
    rep = pd.DataFrame(
        {
            "report_id": [f"r{i}" for i in range(n)],
            "ref_area": "ESP",
            "time_period": 2023,
            "date": "2023-03-15",
            "route": "MAR-ESP",
            "transport": "sea",
            "fee": fees,
            "currency": "MAD",
        }
    )
    fx = pd.DataFrame(
        {"currency": ["MAD"], "base": ["USD"], "date": ["2023-03-01"], "rate": [rate]}
    )
    res = smuggling_fees(rep, fx)
    expected = np.quantile(np.asarray(fees) / rate, [0.25, 0.5, 0.75])
    np.testing.assert_allclose(res.data["value"], expected, rtol=1e-9)
    assert (res.data["n"] == n).all()
