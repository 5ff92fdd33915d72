"""SDG 10.7.2: migration policy scores, categories and counts of countries by category."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import migindicators as mi
from migindicators.core.errors import AmbiguousAreaError, InputValidationError
from migindicators.policy.indicators import (
    migration_policy_categories,
    migration_policy_category_values,
    migration_policy_score,
    migration_policy_score_values,
)

SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
D1 = {1.0: "yes_regardless_of_status", 0.5: "yes_legal_status_only", 0.0: "no"}
OTHER = {1.0: "yes", 0.0: "no"}


def _answers(values: list[float | None], country: str = "MEX", year: int = 2021) -> pd.DataFrame:
    """30 numeric values (None = blank) → the answers frame."""
    rows = []
    for i, v in enumerate(values):
        domain = i // 5 + 1
        answer = None if v is None else (D1 if domain == 1 else OTHER)[v]
        rows.append(
            {
                "ref_area": country,
                "time_period": year,
                "domain": domain,
                "subcategory": i % 5 + 1,
                "answer": answer,
            }
        )
    return pd.DataFrame(rows)


def test_unit_examples_from_methodology() -> None:
    # methodology.md §5.1 unit tests
    assert migration_policy_score_values([1, 1, 1, 1, 0]) == 80.0
    assert migration_policy_category_values([80.0])[0] == 3  # Meets
    assert migration_policy_score_values([1, 0.5, 0.5, 0, 1]) == 60.0
    assert migration_policy_category_values([60.0])[0] == 2  # Partially meets
    assert migration_policy_score_values([1] * 30) == 100.0
    assert migration_policy_category_values([100.0])[0] == 4  # Fully meets
    assert migration_policy_category_values([39.999])[0] == 1  # Requires further progress


def test_exact_boundaries_after_rounding() -> None:
    cats = migration_policy_category_values(
        [0, 39.999, 40, 40 - 1e-12, 79.99999999999997, 80, 99.99, 100, 100 + 1e-12, np.nan]
    )
    assert cats[:-1].tolist() == [1, 1, 2, 2, 3, 3, 3, 4, 4]
    assert np.isnan(cats[-1])


def test_country_scores_through_registry() -> None:
    values = [1, 0.5, 0.5, 0, 1] + [1, 1, 1, 1, 0] * 5
    res = mi.compute("migration_policy_score", answers=_answers(values))
    data = res.data.set_index("domain")
    assert data.loc["PD_1", "value"] == 60.0
    assert data.loc["PD_1", "category_label"] == "Partially meets"
    assert data.loc["PD_4", "value"] == 80.0
    assert data.loc["PD_4", "category"] == 3
    assert data.loc["_T", "value"] == pytest.approx(100 * (3 + 20) / 30)
    assert data.loc["_T", "category"] == 2
    assert res.metadata["sdmx_series"] == "SG_CPA_MIGRS"
    assert res.rows_accounted()


def test_all_yes_fully_meets() -> None:
    data = migration_policy_score(_answers([1.0] * 30)).data
    assert (data["value"] == 100.0).all()
    assert (data["category_label"] == "Fully meets").all()


def test_missing_answer_means_domain_not_computed() -> None:
    values: list[float | None] = [1.0] * 30
    values[7] = None  # domain 2
    frame = _answers(values)
    frame = frame.drop(index=29)  # domain 6: the row is absent altogether
    data = migration_policy_score(frame).data.set_index("domain")
    assert np.isnan(data.loc["PD_2", "value"]) and data.loc["PD_2", "flag"] == "missing_input"
    assert np.isnan(data.loc["PD_6", "value"])
    assert data.loc["PD_6", "answered"] == 4
    assert np.isnan(data.loc["_T", "value"])
    assert data.loc["PD_1", "value"] == 100.0
    assert pd.isna(data.loc["_T", "category"])


def test_ambiguous_answers_are_errors() -> None:
    frame = _answers([1.0] * 30)
    frame.loc[0, "answer"] = "yes"
    with pytest.raises(InputValidationError, match="domain 1"):
        migration_policy_score(frame)
    frame = _answers([1.0] * 30)
    frame.loc[10, "answer"] = "yes_legal_status_only"
    with pytest.raises(InputValidationError, match="domains 2-6"):
        migration_policy_score(frame)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"answer": "maybe"}, "answer"),
        ({"domain": 7}, "domain"),
        ({"subcategory": 0}, "subcategory"),
    ],
)
def test_bad_input(change: dict[str, object], message: str) -> None:
    frame = _answers([1.0] * 30)
    for col, value in change.items():
        frame.loc[3, col] = value
    with pytest.raises(InputValidationError, match=message):
        migration_policy_score(frame)


def test_duplicate_answer_is_an_error_and_unknown_country_excluded() -> None:
    frame = _answers([1.0] * 30)
    with pytest.raises(InputValidationError, match="unique"):
        migration_policy_score(pd.concat([frame, frame.iloc[[0]]], ignore_index=True))
    res = migration_policy_score(
        pd.concat([frame, _answers([1.0] * 30, country="ZZZ")], ignore_index=True)
    )
    assert res.exclusions["rows"].sum() == 30
    assert res.rows_accounted()


def test_counts_and_shares_of_countries() -> None:
    frames = [
        _answers([1.0] * 30, "MEX"),
        _answers([0.0] * 30, "KEN"),
        _answers([1, 1, 1, 1, 0] * 6, "FRA"),
    ]
    blank: list[float | None] = [1.0] * 30
    blank[0] = None
    frames.append(_answers(blank, "DEU"))
    res = mi.compute("migration_policy_categories", answers=pd.concat(frames, ignore_index=True))
    overall = res.data.loc[res.data["domain"] == "_T"].set_index("category")
    assert overall["countries"].to_dict() == {1: 1, 2: 0, 3: 1, 4: 1}
    assert (overall["n"] == 3).all()  # DEU has no overall score
    assert overall["value"].to_dict() == pytest.approx({1: 100 / 3, 2: 0.0, 3: 100 / 3, 4: 100 / 3})
    pd1 = res.data.loc[res.data["domain"] == "PD_1"]
    assert pd1["n"].iloc[0] == 3
    pd2 = res.data.loc[res.data["domain"] == "PD_2"]
    assert pd2["countries"].sum() == 4
    assert res.metadata["sdmx_series"] == "SG_CPA_MIGRP"


# --- properties -------------------------------------------------------------------------------

COUNTRIES = ["MEX", "KEN", "FRA", "DEU", "PHL", "IND", "BRA", "SEN"]
answer_values = st.lists(st.sampled_from([0.0, 1.0]), min_size=30, max_size=30)


@st.composite
def answer_tables(draw: st.DrawFn) -> pd.DataFrame:
    areas = draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=6, unique=True))
    frames = []
    for area in areas:
        values = draw(answer_values)
        values[:5] = draw(st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=5, max_size=5))
        frames.append(_answers(values, area))
    return pd.concat(frames, ignore_index=True)


@SETTINGS
@given(answer_tables(), st.integers(0, 2**31))
def test_row_order(frame: pd.DataFrame, seed: int) -> None:
    a = migration_policy_score(frame).data
    b = migration_policy_score(frame.sample(frac=1, random_state=seed)).data
    pd.testing.assert_frame_equal(a, b)
    c = migration_policy_categories(frame).data
    d = migration_policy_categories(frame.sample(frac=1, random_state=seed)).data
    pd.testing.assert_frame_equal(c, d)


@SETTINGS
@given(answer_tables())
def test_overall_is_mean_of_domains_and_counts_sum(frame: pd.DataFrame) -> None:
    data = migration_policy_score(frame).data
    for _, group in data.groupby("ref_area"):
        domains = group.loc[group["domain"] != "_T", "value"]
        overall = group.loc[group["domain"] == "_T", "value"].iloc[0]
        assert overall == pytest.approx(domains.mean())
        assert domains.min() - 1e-9 <= overall <= domains.max() + 1e-9
    counts = migration_policy_categories(frame).data
    per_domain = counts.groupby("domain")
    assert (per_domain["countries"].sum() == frame["ref_area"].nunique()).all()
    np.testing.assert_allclose(per_domain["value"].sum(), 100.0)


def test_withdrawn_code_spanning_regions_is_an_error_not_a_silent_drop() -> None:
    # Hand-built: SUN's successors lie in Europe and Asia, so no single m49_region can count it;
    # before, its score fell out of every regional share without a word.
    answers = pd.concat([_answers([1.0] * 30, "SUN"), _answers([0.0] * 30, "KEN")])
    with pytest.raises(AmbiguousAreaError, match="SUN"):
        mi.compute("migration_policy_categories", answers=answers, aggregate=["m49_region"])
