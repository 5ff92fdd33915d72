"""Flow indices against the documented example of R migration.indices (methodology.md §6).

R ``matrix(c(0,20,30,10,0,30,10,20,0),3,3)`` fills by column, so with rows = origins the
example matrix ``migration.hyp`` is [[0,10,10],[20,0,20],[30,30,0]].
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from migindicators.core.registry import registry
from migindicators.flows import gini as flow_gini
from migindicators.flows import indicators as flows
from migindicators.flows import indices as flow_indices

HYP = np.array([[0, 10, 10], [20, 0, 20], [30, 30, 0]], dtype=float)
ATOL = 5e-8  # the package documents 7 significant digits


def _value(result_data: pd.DataFrame) -> float:
    assert len(result_data) == 1
    return float(result_data["value"].iloc[0])


@pytest.mark.parametrize(
    ("func", "kwargs", "expected"),
    [
        (flows.migration_gini_total, {}, 0.2666667),
        (flows.migration_gini_total, {"correction": "bell"}, 0.2666667),
        (flows.migration_gini_total, {"correction": "plane_mulligan"}, 0.2222222),
        (flows.migration_gini_row, {}, 0.0),
        (flows.migration_gini_column, {}, 0.05555556),
        (flows.migration_gini_exchange, {}, 0.05555556),
        (flows.migration_connectivity, {}, 1.0),
    ],
)
def test_scalar_indices_match_migration_indices(func, kwargs, expected):
    assert _value(func(HYP, **kwargs).data) == pytest.approx(expected, abs=ATOL)


def test_standardized_row_and_column_gini():
    assert flows.migration_gini_row(HYP).data["standardized"].iloc[0] == pytest.approx(0.0)
    assert flows.migration_gini_column(HYP).data["standardized"].iloc[0] == pytest.approx(25.0)


@pytest.mark.parametrize(
    ("func", "correction", "expected"),
    [
        (flows.migration_field_gini_out, "bell", [0, 0, 0]),
        (flows.migration_field_gini_out, "plane_mulligan", [0, 0, 0]),
        (flows.migration_field_gini_in, "bell", [0.2, 0.5, 0.3333333]),
        (flows.migration_field_gini_in, "plane_mulligan", [0.1, 0.25, 0.1666667]),
    ],
)
def test_field_ginis_match_migration_indices(func, correction, expected):
    data = func(HYP, correction=correction).data
    assert list(data["region"]) == ["1", "2", "3"]
    np.testing.assert_allclose(data["value"], expected, atol=ATOL)


def test_weighted_ginis_match_migration_indices():
    data = flows.migration_weighted_gini(HYP).data.set_index("direction")["value"]
    assert data["out"] == pytest.approx(0.0, abs=ATOL)
    assert data["in"] == pytest.approx(0.1222222, abs=ATOL)
    assert data["mean"] == pytest.approx(0.06111111, abs=ATOL)


def test_effectiveness_of_the_example():
    data = flows.migration_effectiveness_index(HYP).data.set_index("region")
    assert data.loc["_T", "value"] == pytest.approx(25.0)
    np.testing.assert_allclose(data.loc[["1", "2", "3"], "net"], [30, 0, -30])
    np.testing.assert_allclose(data.loc[["1", "2", "3"], "turnover"], [70, 80, 90])
    np.testing.assert_allclose(data.loc[["1", "2", "3"], "value"], [300 / 7, 0, -100 / 3])


def test_inequality_equal_by_hand():
    # flows/M = (1,1,2,2,3,3)/12 against 1/6 each: half the absolute deviations is 1/6
    assert _value(flows.migration_inequality(HYP).data) == pytest.approx(1 / 6)


def test_pure_functions_agree_with_the_indicators():
    assert flow_gini.gini_total(HYP) == pytest.approx(0.2666667, abs=ATOL)
    assert flow_indices.effectiveness(HYP) == pytest.approx(25.0)
    assert flow_indices.connectivity(HYP) == 1.0


def _brute_total(m: np.ndarray, correction: str) -> float:
    n = m.shape[0]
    x = [m[i, j] for i in range(n) for j in range(n) if i != j]
    num = sum(abs(a - b) for a, b in itertools.product(x, x))
    den = 2 * (len(x) - 1) if correction == "bell" else 2 * len(x)
    return num / (den * sum(x))


def _brute_field_out(m: np.ndarray, correction: str) -> list[float]:
    n = m.shape[0]
    out = []
    for i in range(n):
        x = [m[i, j] for j in range(n) if j != i]
        den = 2 * (n - 2) if correction == "bell" else 2 * (n - 1)
        num = sum(abs(a - b) for a, b in itertools.product(x, x))
        out.append(num / (den * sum(x)) if sum(x) > 0 else np.nan)
    return out


matrices = st.integers(3, 6).flatmap(
    lambda n: arrays(np.float64, (n, n), elements=st.integers(0, 1000).map(float))
)


@settings(max_examples=40, deadline=None)
@given(matrices, st.sampled_from(["bell", "plane_mulligan"]))
def test_sorted_gini_equals_the_double_sum(m, correction):
    np.fill_diagonal(m, 0)
    if m.sum() == 0:
        assert np.isnan(flow_gini.gini_total(m, correction=correction))
        return
    assert flow_gini.gini_total(m, correction=correction) == pytest.approx(
        _brute_total(m, correction)
    )
    np.testing.assert_allclose(
        flow_gini.field_gini_out(m, correction=correction), _brute_field_out(m, correction)
    )


def test_registry_entries_and_option_defaults():
    for id_ in ("migration_gini_total", "migration_field_gini_in", "migration_weighted_gini"):
        spec = registry[id_]
        assert spec.sdg is None
        assert spec.agenda_points == (7,)
        assert spec.option_defaults["correction"] == "bell"
        assert spec.options[[o.name for o in spec.options].index("correction")].choices == (
            "bell",
            "plane_mulligan",
        )


def test_bad_correction_is_refused():
    with pytest.raises(ValueError, match="correction"):
        flows.migration_gini_total(HYP, correction="corrected")
