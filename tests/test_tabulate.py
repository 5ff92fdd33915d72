"""Tests of the weighted-totals kernel: hand values, chunked == in-memory, row order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migindicators.engine.tabulate import combine, group_codes, tabulate, tabulate_chunks


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 2_000
    out = pd.DataFrame(
        {
            "sex": rng.choice(np.array(["F", "M"]), n),
            "age": rng.integers(0, 5, n),
            "origin": rng.choice(np.array(["KEN", "UGA", "TZA"]), n).astype(object),
            "w": rng.uniform(1, 3, n),
            "r1": rng.uniform(0, 3, n),
            "y": rng.normal(size=n),
        }
    )
    out.loc[::97, "origin"] = None
    out.loc[::53, "y"] = np.nan
    return out


def test_hand_values() -> None:
    df = pd.DataFrame({"g": ["a", "b", "a"], "w": [1.0, 2.0, 3.0], "y": [10.0, 20.0, 30.0]})
    t = tabulate(df, "g", weights="w", values="y", products=[("y", "y")])
    assert list(t.columns) == ["g", "n", "w", "w*y", "w*y*y"]
    assert t["g"].tolist() == ["a", "b"]
    assert t["n"].tolist() == [2, 1]
    assert t["n"].dtype == np.int64
    np.testing.assert_allclose(t["w"], [4.0, 2.0])
    np.testing.assert_allclose(t["w*y"], [100.0, 40.0])
    np.testing.assert_allclose(t["w*y*y"], [100.0 + 2700.0, 800.0])


def test_unweighted_and_no_keys() -> None:
    df = pd.DataFrame({"y": [1.0, 2.0, np.nan]})
    t = tabulate(df, None, values="y", products=[("y", "y")])
    assert t["n"].tolist() == [3]
    assert t["y"].tolist() == [3.0]
    assert t["y*y"].tolist() == [5.0]
    kept = tabulate(df, None, values="y", skipna=False)
    assert np.isnan(kept["y"].iloc[0])


def test_matches_pandas_groupby(frame: pd.DataFrame) -> None:
    keys = ["sex", "age", "origin"]
    t = tabulate(frame, keys, weights=["w", "r1"], values=["y"])
    base = (
        frame.assign(wy=frame["w"] * frame["y"].fillna(0.0))
        .groupby(keys, dropna=False)[["w", "r1", "wy"]]
        .agg(["sum", "size"])
    )
    assert len(t) == len(base)
    np.testing.assert_allclose(t["w"], base[("w", "sum")].to_numpy())
    np.testing.assert_allclose(t["r1"], base[("r1", "sum")].to_numpy())
    np.testing.assert_allclose(t["w*y"], base[("wy", "sum")].to_numpy())
    np.testing.assert_array_equal(t["n"], base[("w", "size")].to_numpy())
    assert t["origin"].isna().any()  # missing keys form their own group


def test_chunked_equals_in_memory(frame: pd.DataFrame) -> None:
    keys = ["sex", "origin"]
    whole = tabulate(frame, keys, weights="w", values="y", products=[("y", "y")])
    chunks = (frame.iloc[i : i + 137] for i in range(0, len(frame), 137))
    parts = tabulate_chunks(chunks, keys, weights="w", values="y", products=[("y", "y")])
    pd.testing.assert_frame_equal(whole[keys], parts[keys])
    np.testing.assert_array_equal(whole["n"], parts["n"])
    for col in ("w", "w*y", "w*y*y"):
        np.testing.assert_allclose(whole[col], parts[col], rtol=1e-12)


def test_combine_outer_join() -> None:
    a = tabulate(pd.DataFrame({"g": ["x"], "w": [1.0]}), "g", weights="w")
    b = tabulate(pd.DataFrame({"g": ["y", "x"], "w": [2.0, 3.0]}), "g", weights="w")
    c = combine([a, b])
    assert c["g"].tolist() == ["x", "y"]
    assert c["n"].tolist() == [2, 1]
    assert c["w"].tolist() == [4.0, 2.0]
    with pytest.raises(ValueError, match="no tables"):
        combine([])


def test_missing_column_is_named() -> None:
    with pytest.raises(KeyError, match="nope"):
        tabulate(pd.DataFrame({"g": [1]}), "g", weights="nope")


def test_high_cardinality_path() -> None:
    rng = np.random.default_rng(0)
    n = 3_000
    df = pd.DataFrame({k: rng.integers(0, 2_000, n) for k in "abc"} | {"w": np.ones(n)})
    codes, keys = group_codes(df, ["a", "b", "c"])
    assert len(keys) == len(df.drop_duplicates(["a", "b", "c"]))
    rebuilt = keys.iloc[codes].reset_index(drop=True)
    pd.testing.assert_frame_equal(rebuilt, df[["a", "b", "c"]], check_dtype=False)
    t = tabulate(df, ["a", "b", "c"], weights="w")
    assert t["w"].sum() == n
    assert t[["a", "b", "c"]].equals(t[["a", "b", "c"]].sort_values(["a", "b", "c"]))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("abc"), st.floats(0, 100), st.floats(-5, 5)),
        min_size=1,
        max_size=40,
    )
)
def test_row_order_and_split_invariance(rows: list[tuple[str, float, float]]) -> None:
    df = pd.DataFrame(rows, columns=["g", "w", "y"])
    perm = df.sample(frac=1.0, random_state=1)
    t1 = tabulate(df, "g", weights="w", values="y")
    t2 = tabulate(perm, "g", weights="w", values="y")
    np.testing.assert_array_equal(t1["n"], t2["n"])
    np.testing.assert_allclose(t1[["w", "w*y"]], t2[["w", "w*y"]], rtol=1e-9, atol=1e-9)
    half = len(df) // 2
    parts = [df.iloc[:half], df.iloc[half:]] if half else [df]
    t3 = combine([tabulate(p, "g", weights="w", values="y") for p in parts])
    np.testing.assert_array_equal(t1["n"], t3["n"])
    np.testing.assert_allclose(t1[["w", "w*y"]], t3[["w", "w*y"]], rtol=1e-9, atol=1e-9)


def test_dask_partitions_combine_exactly(frame: pd.DataFrame) -> None:
    dd = pytest.importorskip("dask.dataframe")
    keys = ["sex", "age"]
    ddf = dd.from_pandas(frame[[*keys, "w", "y"]], npartitions=4)
    parts = ddf.map_partitions(tabulate, keys, weights="w", values="y").compute()
    table = combine([parts], by=keys)
    whole = tabulate(frame, keys, weights="w", values="y")
    pd.testing.assert_frame_equal(table[keys], whole[keys], check_dtype=False)
    np.testing.assert_array_equal(table["n"], whole["n"])
    np.testing.assert_allclose(table[["w", "w*y"]], whole[["w", "w*y"]], rtol=1e-12)


def test_psu_moments_hand_values_and_chunks() -> None:
    from migindicators.engine.tabulate import psu_moments

    df = pd.DataFrame(
        {
            "d": ["a", "a", "a", "b", "a"],
            "h": [1, 1, 1, 1, 2],
            "p": [10, 10, 11, 11, 12],
            "y": [1.0, 2.0, 4.0, 8.0, 16.0],
            "x": [1.0, 1.0, 1.0, 1.0, 1.0],
        }
    )
    m = psu_moments(df, ["d"], stratum="h", psu="p", values=["y", "x"])
    assert list(m.columns) == ["d", "h", "y", "x", "y*y", "y*x", "x*x"]
    a1 = m.loc[(m["d"] == "a") & (m["h"] == 1)].iloc[0]
    # PSU totals of y in (a, stratum 1): 3 (PSU 10) and 4 (PSU 11).
    assert (a1["y"], a1["y*y"], a1["x"], a1["y*x"], a1["x*x"]) == (7.0, 25.0, 3.0, 10.0, 5.0)
    parts = combine(
        [psu_moments(c, ["d"], stratum="h", psu="p", values=["y", "x"]) for c in (df[:2], df[2:])]
    )
    pd.testing.assert_frame_equal(parts, m, check_dtype=False)


def test_tabulate_codes_row_codes_are_each_rows_dense_cell() -> None:
    from migindicators.engine.tabulate import tabulate_codes

    rng = np.random.default_rng(4)
    a, b = rng.integers(0, 3, 200_000), rng.integers(0, 5, 200_000)  # several blocks
    w = rng.random(200_000)
    out = np.empty(len(a), dtype=np.intp)
    digits, counts, sums = tabulate_codes([a, b], [3, 5], {"w": w}, row_codes=out)
    np.testing.assert_array_equal(out, a * 5 + b)
    np.testing.assert_array_equal(counts, np.bincount(out)[np.bincount(out) > 0])
    np.testing.assert_allclose(sums["w"], np.bincount(out, weights=w)[np.bincount(out) > 0])
    np.testing.assert_array_equal(digits[0] * 5 + digits[1], np.flatnonzero(np.bincount(out)))
