"""One additive kernel: frames, chunks, files and IPUMS fixed-width give the same tables."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_io_ddi import make_ddi, write_fixed_width  # tests/ is on sys.path (rootdir-less)

from migindicators.datasets import load
from migindicators.io.ddi import read_ddi
from migindicators.stock import (
    migrant_female_share,
    migrant_share_of_population,
    migrant_stock,
    migrant_stock_by_origin,
)


@pytest.fixture(scope="module")
def demo() -> dict[str, pd.DataFrame]:
    data = load("census_demo", households=1500)
    assert isinstance(data, dict)
    return data


def chunks(frame: pd.DataFrame, size: int) -> list[pd.DataFrame]:
    return [frame.iloc[i : i + size] for i in range(0, len(frame), size)]


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False, rtol=1e-9
    )


BY = ["sex", "age_group"]


def test_chunked_equals_in_memory_including_taylor_se(demo: dict[str, pd.DataFrame]) -> None:
    census = demo["census"]
    whole = migrant_stock(census, by=BY)
    for size in (997, 4096):
        part = migrant_stock(iter(chunks(census, size)), by=BY)
        assert_same(whole.data, part.data)
        pd.testing.assert_frame_equal(whole.exclusions, part.exclusions)
        assert part.rows_accounted()


def test_parquet_and_csv_paths_equal_in_memory(
    demo: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    census = demo["census"]
    pq = tmp_path / "census.parquet"
    census.to_parquet(pq, row_group_size=5000)
    csv = tmp_path / "census.csv"
    census.to_csv(csv, index=False)
    whole = migrant_stock_by_origin(census, by=["sex"])
    for path in (pq, csv):
        got = migrant_stock_by_origin(path, by=["sex"], chunk_rows=3000)
        assert_same(whole.data, got.data)


def test_ipums_fixed_width_with_mapping_equals_standard_frame(
    demo: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    """The generated IPUMS extract (DDI + .dat.gz) read fast and mapped gives the same stock."""
    ipums = demo["ipums"]
    xml = tmp_path / "extract.xml"
    xml.write_text(make_ddi(file_name="extract.dat"))
    book = read_ddi(xml)
    with gzip.open(tmp_path / "extract.dat.gz", "wb") as fh:
        fh.write(write_fixed_width(ipums, book))
    res = migrant_stock(
        tmp_path / "extract.dat.gz", ddi=xml, mapping="ipums_international", by=BY, chunk_rows=5000
    )
    ref = migrant_stock(demo["census"], by=BY)
    assert_same(
        ref.data.drop(columns=["se", "ci_lower", "ci_upper"]),
        res.data.drop(columns=["se", "ci_lower", "ci_upper"]),
    )
    np.testing.assert_allclose(res.data["se"], ref.data["se"], rtol=1e-9)
    assert res.rows_accounted()


def test_disaggregations_sum_to_totals(demo: dict[str, pd.DataFrame]) -> None:
    census = demo["census"]
    total = migrant_stock(census).data.set_index("time_period")["value"]
    by = migrant_stock(census, by=["sex", "age_group"])
    summed = by.data.groupby("time_period")["value"].sum()
    excluded_age = by.exclusions.loc[by.exclusions["reason"] == "unknown age", "weighted"].sum()
    assert (summed <= total + 1e-6).all()
    assert total.sum() - summed.sum() <= excluded_age + 1e-6
    origin = migrant_stock_by_origin(census).data.groupby("time_period")["value"].sum()
    np.testing.assert_allclose(origin, total)


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.1, 100.0), size=st.integers(400, 3000))
def test_properties_row_order_chunk_size_and_weight_scaling(
    demo: dict[str, pd.DataFrame], seed: int, scale: float, size: int
) -> None:
    census = demo["census"].iloc[:3000]
    base = migrant_share_of_population(census, by=["sex"], variance="none").data
    shuffled = census.sample(frac=1.0, random_state=seed)
    assert_same(base, migrant_share_of_population(shuffled, by=["sex"], variance="none").data)
    assert_same(
        base,
        migrant_share_of_population(iter(chunks(census, size)), by=["sex"], variance="none").data,
    )
    scaled = census.assign(weight=census["weight"] * scale)
    got = migrant_share_of_population(scaled, by=["sex"], variance="none").data
    np.testing.assert_allclose(got["value"], base["value"], rtol=1e-9)
    fem = migrant_female_share(scaled, variance="none").data["value"]
    np.testing.assert_allclose(
        fem, migrant_female_share(census, variance="none").data["value"], rtol=1e-9
    )


def test_households_split_across_chunks_keep_their_cluster(
    demo: dict[str, pd.DataFrame],
) -> None:
    census = demo["census"].iloc[:200]  # households of 1..7 persons
    whole = migrant_stock(census, variance="taylor").data["se"]
    assert whole.iloc[0] > 0
    for size in (37, 9):  # chunk boundaries inside households
        got = migrant_stock(iter(chunks(census, size)), variance="taylor").data["se"]
        np.testing.assert_allclose(got, whole, rtol=1e-9)
