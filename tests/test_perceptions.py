"""Potential migration and perceptions: desire-to-migrate share, PNMI, views share."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import migindicators as mi
from migindicators.core.errors import OptionError
from migindicators.perceptions.indicators import (
    desire_to_migrate_share,
    migrant_views_share,
    potential_net_migration_index,
    potential_net_migration_values,
)


def _survey() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ref_area": ["SEN"] * 6 + ["FRA"] * 5,
            "time_period": 2023,
            "weight": [1.0, 2.0, 1.0, 1.0, 3.0, 2.0, 1.0, 1.0, 2.0, 1.0, 1.0],
            "sex": ["F", "M", "F", "M", "F", "M", "F", "M", "F", "M", "F"],
            "desire_to_migrate": [
                "move",
                "move",
                "stay",
                "dont_know",
                "stay",
                None,
                "move",
                "stay",
                "stay",
                "move",
                "stay",
            ],
            "desired_destination": [
                "FRA",
                None,
                None,
                None,
                None,
                None,
                "CAN",
                None,
                None,
                "SEN",
                None,
            ],
            "immigrants_good": [
                "agree",
                "disagree",
                "strongly_agree",
                "dont_know",
                "agree",
                None,
                "agree",
                "agree",
                "disagree",
                "strongly_disagree",
                "refused",
            ],
        }
    )


def _adults() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ref_area": ["SEN", "FRA"],
            "time_period": 2023,
            "population": [10_000_000.0, 50_000_000.0],
        }
    )


def _cell(res: mi.Result, area: str) -> pd.Series:
    return res.data.loc[res.data["ref_area"] == area].iloc[0]


def _hand_ratio_se(w: np.ndarray, y: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """Ratio and its linearised SE, one stratum, each row its own PSU."""
    b = np.sum(w * x)
    r = np.sum(w * y) / b
    z = w * (y - r * x) / b
    n = len(z)
    return r, float(np.sqrt(n / (n - 1) * np.sum((z - z.mean()) ** 2)))


def test_published_gallup_examples() -> None:
    # Turkey: (2 M in - 7 M out) / 52 M adults = -9.6 % (Gallup: -10 %).
    # Switzerland: (10 M - 0.8 M) / 6 M = +153 % (Gallup: +150 %).
    values = potential_net_migration_values(
        np.array([2e6, 10e6, 1.0]), np.array([7e6, 0.8e6, 1.0]), np.array([52e6, 6e6, 0.0])
    )
    assert round(values[0]) == -10
    assert values[1] == pytest.approx(153.33, abs=0.01)
    assert np.isnan(values[2])


def test_desire_share_by_hand() -> None:
    s = _survey()
    res = desire_to_migrate_share(s, quality=[])
    sen = s.loc[s["ref_area"] == "SEN"]
    # Answered (dont_know in the denominator): weights 1, 2, 1, 1, 3; movers 1 + 2.
    assert _cell(res, "SEN")["value"] == pytest.approx(100 * 3 / 8)
    assert _cell(res, "SEN")["n"] == 5
    # SE: one stratum per country; the not-asked respondent keeps a zero score.
    w = sen["weight"].to_numpy()
    x = sen["desire_to_migrate"].notna().to_numpy(float)
    y = (sen["desire_to_migrate"] == "move").to_numpy(float)
    _, se = _hand_ratio_se(w, y, x)
    assert _cell(res, "SEN")["se"] == pytest.approx(100 * se, rel=1e-10)
    assert _cell(res, "FRA")["value"] == pytest.approx(100 * 2 / 6)
    reasons = dict(zip(res.exclusions["reason"], res.exclusions["rows"], strict=True))
    assert reasons["item not answered (missing)"] == 1
    assert res.rows_accounted()
    excluded = desire_to_migrate_share(s, dont_know="exclude", quality=[])
    assert _cell(excluded, "SEN")["value"] == pytest.approx(100 * 3 / 7)


def test_views_share_by_hand() -> None:
    s = _survey()
    res = migrant_views_share(
        s, item="immigrants_good", values=["agree", "strongly_agree"], quality=[]
    )
    # SEN answered: agree(1) disagree(2) strongly_agree(1) dont_know(1) agree(3) -> 5 / 8.
    assert _cell(res, "SEN")["value"] == pytest.approx(100 * 5 / 8)
    # FRA: agree(1) agree(1) disagree(2) strongly_disagree(1) refused(1) -> 2 / 6.
    assert _cell(res, "FRA")["value"] == pytest.approx(100 * 2 / 6)
    excl = migrant_views_share(
        s,
        item="immigrants_good",
        values=["agree", "strongly_agree"],
        dont_know="exclude",
        quality=[],
    )
    assert _cell(excl, "FRA")["value"] == pytest.approx(100 * 2 / 5)
    assert excl.rows_accounted()
    # Issue 15: a code that matches nothing was a silent 0 %; now an error with suggestions,
    # and a partly unmatched list warns and lists the unmatched codes.
    with pytest.raises(OptionError, match=r"none of values=\['agre'\].*did you mean"):
        migrant_views_share(s, item="immigrants_good", values=["agre"], quality=[])
    with pytest.warns(UserWarning, match="never occur"):
        part = migrant_views_share(s, item="immigrants_good", values=["agree", "agre"], quality=[])
    assert part.metadata["values_never_answered"] == ["agre"]


def test_pnmi_by_hand() -> None:
    s = _survey()
    res = potential_net_migration_index(s, _adults())
    # SEN: out share 3/8; into SEN from FRA: the FRA mover naming SEN, weight 1 of 6.
    sen_out = 10e6 * 3 / 8
    sen_in = 50e6 * 1 / 6
    assert _cell(res, "SEN")["value"] == pytest.approx(100 * (sen_in - sen_out) / 10e6)
    # FRA: out share 2/6; into FRA from SEN: weight 1 of 8.
    fra_in, fra_out = 10e6 * 1 / 8, 50e6 * 2 / 6
    assert _cell(res, "FRA")["value"] == pytest.approx(100 * (fra_in - fra_out) / 50e6)
    assert _cell(res, "FRA")["potential_immigrants"] == pytest.approx(fra_in)
    # SE: independent national samples, each share's linearised variance.
    sen, fra = s["ref_area"] == "SEN", s["ref_area"] == "FRA"
    w_s, w_f = s.loc[sen, "weight"].to_numpy(), s.loc[fra, "weight"].to_numpy()
    x_s = s.loc[sen, "desire_to_migrate"].notna().to_numpy(float)
    x_f = s.loc[fra, "desire_to_migrate"].notna().to_numpy(float)
    _, se_to_fra = _hand_ratio_se(
        w_s, (s.loc[sen, "desired_destination"] == "FRA").to_numpy(float), x_s
    )
    _, se_fra_out = _hand_ratio_se(
        w_f, (s.loc[fra, "desire_to_migrate"] == "move").to_numpy(float), x_f
    )
    expected = 100 / 50e6 * np.sqrt((10e6 * se_to_fra) ** 2 + (50e6 * se_fra_out) ** 2)
    assert _cell(res, "FRA")["se"] == pytest.approx(expected, rel=1e-9)
    assert res.metadata["destinations_named_but_not_surveyed"] == ["CAN"]
    assert res.rows_accounted()


def test_pnmi_origin_without_population_is_excluded() -> None:
    s = _survey()
    res = potential_net_migration_index(s, _adults().iloc[[0]])
    assert list(res.data["ref_area"]) == ["SEN"]
    assert "no adult population for the country and year of interview" in set(
        res.exclusions["reason"]
    )
    assert res.rows_accounted()


def test_pnmi_with_every_respondent_excluded_is_an_empty_accounted_result() -> None:
    s = _survey()
    adults = _adults().assign(time_period=_adults()["time_period"] + 50)
    res = potential_net_migration_index(s, adults)
    assert len(res.data) == 0
    assert {"value", "se", "potential_immigrants", "adult_population"} <= set(res.data.columns)
    assert res.metadata["rows"]["survey"] == {"given": len(s), "used": 0, "excluded": len(s)}
    assert res.rows_accounted()


def test_bad_input_is_a_clear_error() -> None:
    s = _survey()
    s.loc[0, "desire_to_migrate"] = "maybe"
    with pytest.raises(mi.InputValidationError, match="desire_to_migrate"):
        desire_to_migrate_share(s)
    with pytest.raises(mi.InputValidationError, match="desired_destination"):
        potential_net_migration_index(_survey().drop(columns="desired_destination"), _adults())
    with pytest.raises(ValueError, match="item="):
        migrant_views_share(_survey())
    with pytest.raises(ValueError, match="cannot be disaggregated"):
        potential_net_migration_index(_survey(), _adults(), by=["sex"])
    with pytest.raises(ValueError, match="dont_know"):
        desire_to_migrate_share(_survey(), dont_know="drop")
    with pytest.raises(ValueError, match="no column"):
        desire_to_migrate_share(_survey(), by=["education"])


def _demo() -> dict[str, pd.DataFrame]:
    data = mi.datasets.load("opinion_survey_demo", respondents=400)
    assert isinstance(data, dict)
    return data


def test_demo_disaggregation_consistency() -> None:
    d = _demo()
    total = desire_to_migrate_share(d["survey"], quality=[])
    by_sex = desire_to_migrate_share(d["survey"], by=["sex"], quality=[])
    assert total.rows_accounted()
    for area, group in by_sex.data.groupby("ref_area"):
        t = _cell(total, str(area))
        assert group["n"].sum() == t["n"]
        assert group["value"].min() <= t["value"] <= group["value"].max()
    assert ((total.data["ci_lower"] >= 0) & (total.data["ci_upper"] <= 100)).all()
    views = migrant_views_share(d["survey"], item="immigrants_good", values=["agree"], quality=[])
    views_sex = migrant_views_share(
        d["survey"], item="immigrants_good", values=["agree"], by=["sex"], quality=[]
    )
    for area, group in views_sex.data.groupby("ref_area"):
        t = _cell(views, str(area))
        assert group["n"].sum() == t["n"]
        assert group["value"].min() <= t["value"] <= group["value"].max()
    assert views.rows_accounted()
    pnmi = potential_net_migration_index(d["survey"], d["adult_population"])
    # The out part of the index is the desire-to-migrate share.
    merged = pnmi.data.merge(total.data, on=["ref_area", "time_period"], suffixes=("", "_d"))
    np.testing.assert_allclose(merged["desire_to_migrate_share"], merged["value_d"])
    # Potential migrants balance: all named moves into surveyed countries are counted once.
    assert pnmi.data["se"].gt(0).all()


def _views(survey: pd.DataFrame) -> mi.Result:
    return migrant_views_share(
        survey, item="immigrants_good", values=["agree"], by=["sex"], quality=[]
    )


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.1, 100.0))
def test_row_order_and_weight_scale_do_not_matter(seed: int, scale: float) -> None:
    d = _demo()
    base_share = desire_to_migrate_share(d["survey"], quality=[])
    base_pnmi = potential_net_migration_index(d["survey"], d["adult_population"])
    other = d["survey"].sample(frac=1.0, random_state=seed).reset_index(drop=True)
    other["weight"] = other["weight"] * scale
    share = desire_to_migrate_share(other, quality=[])
    pnmi = potential_net_migration_index(other, d["adult_population"])
    base_views = _views(d["survey"])
    views = _views(other)
    for col in ("value", "se", "ci_lower", "ci_upper"):
        np.testing.assert_allclose(share.data[col], base_share.data[col], rtol=1e-9)
        np.testing.assert_allclose(pnmi.data[col], base_pnmi.data[col], rtol=1e-9)
        np.testing.assert_allclose(views.data[col], base_views.data[col], rtol=1e-9)
