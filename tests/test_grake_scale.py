"""R's calibration terms for grake's rescaling (engine/grake_scale.py), by hand.

Expected columns are R's ``model.matrix(~a*b + c)`` on the same data (intercept, treatment
coding with the first level as reference, interactions), written out by hand; the end-to-end
check against R's calibrated weights is in tests/reference/test_r_weighting.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from migindicators.engine.grake_scale import r_scale_terms, rescale_factor


def test_joint_margin_gives_intercept_main_effects_and_interaction() -> None:
    work = pd.DataFrame({"a": ["y", "x", "y", "x"], "b": [2, 1, 1, 2]})
    totals = [(("x", 1), 10.0), (("x", 2), 20.0), (("y", 1), 30.0), (("y", 2), 40.0)]
    mm, pop = r_scale_terms(work, [(("a", "b"), totals)], [], None)
    # columns: (Intercept), ay, b2, ay:b2 -- reference levels x and 1
    expected = np.array([[1, 1, 1, 1], [1, 0, 1, 0], [1, 0, 0, 1], [1, 0, 0, 0]], dtype=float).T
    np.testing.assert_array_equal(mm, expected)
    np.testing.assert_array_equal(pop, [100.0, 70.0, 60.0, 40.0])


def test_a_term_shared_by_two_margins_is_kept_once_from_the_first() -> None:
    work = pd.DataFrame({"a": ["x", "y", "y"], "b": ["p", "q", "p"], "z": [1.0, 2.0, 3.0]})
    first = [(("x",), 5.0), (("y",), 7.0)]
    second = [(("x", "p"), 4.0), (("x", "q"), 1.0), (("y", "p"), 3.0), (("y", "q"), 5.0)]
    mm, pop = r_scale_terms(work, [(("a",), first), (("a", "b"), second)], [("z", 9.0)], None)
    # (Intercept)=12 from the first margin, ay=7 (first margin), bq=6, ay:bq=5, then z.
    np.testing.assert_array_equal(pop, [12.0, 7.0, 6.0, 5.0, 9.0])
    np.testing.assert_array_equal(mm[:, 3], [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(mm[:, 4], [1.0, 2.0, 3.0])


def test_level_order_is_r_s() -> None:
    cat = pd.Categorical(["lo", "hi", "hi"], categories=["lo", "hi"])
    work = pd.DataFrame({"c": cat, "n": [10, 9, 10], "s": ["b", "B", "a"]})
    totals_c = [(("lo",), 1.0), (("hi",), 2.0)]
    totals_n = [((9,), 3.0), ((10,), 4.0)]
    totals_s = [(("B",), 1.0), (("a",), 1.0), (("b",), 1.0)]
    mm, pop = r_scale_terms(
        work, [(("c",), totals_c), (("n",), totals_n), (("s",), totals_s)], [], population=50.0
    )
    # Categorical: its categories' order (reference lo); numbers numerically (reference 9,
    # not "10" < "9" as text); text in C-locale order (reference "B").
    np.testing.assert_array_equal(pop, [50.0, 2.0, 4.0, 1.0, 1.0])
    np.testing.assert_array_equal(mm[:, 1], [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(mm[:, 2], [1.0, 0.0, 1.0])


def test_rescale_factor_is_the_mean_ratio_only_above_twenty() -> None:
    mm = np.array([[1.0, 1.0], [1.0, 0.0]])
    w = np.array([1.0, 1.0])
    assert rescale_factor(mm, np.array([100.0, 30.0]), w) == (50.0 + 30.0) / 2
    assert rescale_factor(mm, np.array([100.0, 20.0]), w) is None
    assert rescale_factor(np.zeros((2, 0)), np.zeros(0), w) is None
