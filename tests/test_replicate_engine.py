"""The replicate-weight engine: its kernel against direct sums, and its numbers pinned.

Pinned values (``tests/golden/replicate_engine_pins.json``) are the previous implementation's
(commit 89d7e02, a per-block ``reduceat`` of the replicate sums) on the frames built here:
the sort-and-gather kernel of :func:`migindicators.engine.tabulate.replicate_totals` must give
the same estimates, SEs and degrees of freedom up to the rounding of a different summation
order (measured: 2e-14 relative at most). R's figures for replicate designs are checked in
``tests/reference/test_survey_golden_r.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from migindicators.engine import tabulate as tab
from migindicators.engine.survey import Design, estimate
from migindicators.engine.tabulate import replicate_totals, stacked_columns

PINS = json.loads((Path(__file__).parent / "golden" / "replicate_engine_pins.json").read_text())[
    "values"
]
RTOL = 1e-12  # summation order only


def _small() -> pd.DataFrame:
    rng = np.random.default_rng(13)
    n = 240
    psu = rng.integers(0, 24, n)
    frame = pd.DataFrame(
        {
            "region": rng.choice(["N", "S", "E"], n),
            "sex": rng.choice([1, 2], n),
            "y": rng.gamma(2.0, 50.0, n).round(2),
            "x": rng.uniform(1, 3, n).round(3),
            "w": rng.uniform(10, 90, n).round(2),
            "cat": rng.choice(["a", "b", "c"], n),
        }
    )
    factors = rng.choice([0.5, 1.0, 1.5], size=(24, 12))
    for r in range(12):
        frame[f"rw{r + 1}"] = (frame["w"] * factors[psu, r]).round(4)
    return frame


def _big() -> pd.DataFrame:
    # 50 000 rows: more than eight kernel blocks, so the two-thread path runs.
    rng = np.random.default_rng(14)
    n = 50_000
    psu = rng.integers(0, 500, n)
    frame = pd.DataFrame(
        {
            "d": rng.integers(0, 7, n),
            "y": rng.gamma(2.0, 50.0, n),
            "x": rng.uniform(1, 3, n),
            "w": rng.uniform(10, 90, n),
        }
    )
    factors = rng.choice([0.29, 1.0, 1.71], size=(500, 16))
    for r in range(16):
        frame[f"rw{r + 1}"] = frame["w"] * factors[psu, r]
    return frame


SMALL_REPS = [f"rw{r + 1}" for r in range(12)]
METHODS: list[tuple[str, dict[str, Any]]] = [
    ("jk1", {}),
    ("brr", {}),
    ("fay", {"fay_rho": 0.5}),
    ("bootstrap", {"mse": True}),
    ("sdr", {}),
]


def _check(data: pd.DataFrame, key: str, columns: tuple[str, str, str]) -> None:
    for col, pinned in zip(columns, PINS[key], strict=True):
        np.testing.assert_allclose(
            data[col].to_numpy(dtype=float), np.asarray(pinned, float), rtol=RTOL, err_msg=key
        )


@pytest.mark.parametrize(("method", "options"), METHODS)
def test_small_design_matches_the_previous_implementation(
    method: str, options: dict[str, Any]
) -> None:
    frame = _small()
    design = Design(weight="w", replicate_weights=SMALL_REPS, replicate_method=method, **options)
    for parameter, x in (("total", None), ("mean", None), ("ratio", "x")):
        res = estimate(
            frame, design, parameter=parameter, y="y", x=x, by=["region", "sex"], quality=[]
        )
        _check(res.data, f"small/{method}/{parameter}", ("value", "se", "df"))
    res = estimate(frame, design, parameter="proportion", y="cat", by="region", quality=[])
    _check(res.data, f"small/{method}/proportion", ("value", "se", "ci_lower"))


def test_missing_replicate_weight_is_excluded_and_counted_as_before() -> None:
    # The check of the replicate weights is deferred to the sums (a missing weight makes them
    # non-finite) and then made exactly: same rows excluded, same numbers as before.
    frame = _small()
    frame.loc[[3, 77], "rw5"] = np.nan
    design = Design(weight="w", replicate_weights=SMALL_REPS, replicate_method="jk1")
    res = estimate(frame, design, parameter="ratio", y="y", x="x", by="region", quality=[])
    value, se, exclusions = PINS["small/jk1/nan"]
    np.testing.assert_allclose(res.data["value"].to_numpy(), value, rtol=RTOL)
    np.testing.assert_allclose(res.data["se"].to_numpy(), se, rtol=RTOL)
    assert res.exclusions.to_dict("records") == exclusions
    assert exclusions[0]["reason"] == "missing design variable (rw5)"
    assert exclusions[0]["rows"] == 2
    # And the same as estimating on the frame without those rows.
    kept = estimate(frame.drop(index=[3, 77]), design, parameter="ratio", y="y", x="x", by="region")
    np.testing.assert_allclose(res.data["se"], kept.data["se"], rtol=RTOL)


def test_large_design_matches_the_previous_implementation() -> None:
    frame = _big()
    design = Design(
        weight="w", replicate_weights=[f"rw{r + 1}" for r in range(16)], replicate_method="sdr"
    )
    for parameter, x in (("total", None), ("mean", None), ("ratio", "x")):
        res = estimate(frame, design, parameter=parameter, y="y", x=x, by="d", quality=[])
        _check(res.data, f"big/sdr/{parameter}", ("value", "se", "df"))


def _direct(
    weights: list[np.ndarray], code: np.ndarray, ncells: int, values: list[np.ndarray | None]
) -> np.ndarray:
    out = np.zeros((ncells, len(weights), len(values)))
    for k, w in enumerate(weights):
        for v, val in enumerate(values):
            prod = w if val is None else w * np.nan_to_num(val)
            out[:, k, v] = np.bincount(code, weights=prod, minlength=ncells)
    return out


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("layout", ["block", "separate", "reversed"])
def test_kernel_equals_direct_sums(threads: int, layout: str) -> None:
    rng = np.random.default_rng(7)
    n, k, ncells = 3 * tab.REPLICATE_BLOCK * 3 + 17, 9, 11  # a partial last block
    matrix = rng.uniform(0.5, 2.0, size=(k, n))
    if layout == "block":  # the rows of one 2-D array, as pandas stores them
        weights = [matrix[j] for j in range(k)]
    elif layout == "separate":
        weights = [matrix[j].copy() for j in range(k)]
    else:  # adjacent in memory, listed backwards (a negative stride)
        weights = [matrix[j] for j in range(k - 1, -1, -1)]
    code = rng.integers(0, ncells, n)
    code[code == 4] = 5  # a cell without rows
    y = rng.normal(size=n)
    y[::97] = np.nan  # missing values count as 0
    values: list[np.ndarray | None] = [y, None, rng.uniform(size=n)]
    got = replicate_totals(weights, code, ncells, values, threads=threads)
    np.testing.assert_allclose(got, _direct(weights, code, ncells, values), rtol=1e-12)
    assert (got[4] == 0).all()
    again = replicate_totals(weights, code, ncells, values, threads=threads)
    assert np.array_equal(got, again)  # fixed blocks per thread: no dependence on timing


def test_stacked_columns_views_are_the_columns() -> None:
    frame = pd.DataFrame(np.arange(40.0).reshape(8, 5), columns=list("abcde"))
    frame["t"] = ["x"] * 8
    cols = [frame[c].to_numpy() for c in "abcde"]
    groups = stacked_columns(cols)
    assert len(groups) == 1  # one pandas block: one strided view, no copy
    first, view = groups[0]
    assert first == 0 and view.shape == (5, 8) and not view.flags.writeable
    for j, col in enumerate(cols):
        assert np.shares_memory(view[j], col)
        np.testing.assert_array_equal(view[j], col)
    mixed = [cols[0], cols[2], np.ones(8), cols[3], cols[4], cols[4].astype(np.float32)]
    groups = stacked_columns(mixed)
    starts = [g for g, _ in groups]
    # Columns of one block make a run at a constant gap; a separate allocation (the 1s) never
    # joins one: (a, c), (1s), (d, e), and the float32 column of its own.
    assert starts == [0, 2, 3, 5]
    for start, view in groups:
        for j in range(len(view)):
            np.testing.assert_array_equal(view[j], mixed[start + j])


def test_columns_of_separate_allocations_never_share_a_view() -> None:
    # Two arrays allocated apart are a constant distance apart by definition; a view spanning
    # both would cover memory that belongs to neither (it once crashed numpy's overlap check).
    first = np.arange(1000, dtype=float)
    second = first + 1.0
    views = stacked_columns([first, second])
    assert [index for index, _ in views] == [0, 1]
    block = np.arange(3000, dtype=float).reshape(3, 1000)
    joined = stacked_columns([block[0], block[1], block[2]])
    assert len(joined) == 1 and joined[0][1].shape == (3, 1000)
