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

from migindicators.core.errors import InputValidationError
from migindicators.datasets import load
from migindicators.engine.census import keys as census_keys
from migindicators.io.ddi import read_ddi
from migindicators.stock.indicators import (
    migrant_female_share,
    migrant_median_age,
    migrant_share_of_population,
    migrant_stock,
    migrant_stock_by_origin,
    recent_migrants,
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


def clustered_census(households: int = 400, seed: int = 5) -> pd.DataFrame:
    """Households of three, migrants by household, in four strata: clusters that matter."""
    rng = np.random.default_rng(seed)
    hh = np.repeat(np.arange(households), 3)
    n = len(hh)
    migrant = rng.random(households) < 0.4
    return pd.DataFrame(
        {
            "ref_area": "KEN",
            "time_period": 2020,
            "household": hh + 1000,
            "strata": (np.arange(households) % 4)[hh],
            "weight": rng.uniform(1.0, 3.0, households)[hh],
            "sex": rng.choice(["F", "M"], n),
            "age": rng.integers(0, 90, n).astype(float),
            "country_of_birth": np.where(migrant[hh], "UGA", "KEN"),
        }
    )


def test_households_split_across_chunks_keep_their_cluster() -> None:
    census = clustered_census()
    whole = migrant_stock(census, by=["sex"], variance="taylor").data["se"]
    # The clusters matter here: rows as their own PSUs give other standard errors.
    unclustered = migrant_stock(census.drop(columns="household"), by=["sex"], variance="taylor")
    assert np.abs(unclustered.data["se"].to_numpy() - whole.to_numpy()).max() > 1e-3
    for size in (37, 100):  # chunk boundaries inside households
        got = migrant_stock(iter(chunks(census, size)), by=["sex"], variance="taylor").data["se"]
        np.testing.assert_allclose(got, whole, rtol=1e-9)


@pytest.mark.parametrize("threads", ["1", "2", "3"])
def test_parquet_on_threads_equals_in_memory_with_taylor_se(
    demo: dict[str, pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: str
) -> None:
    """Row groups cut through households: PSU records are joined whatever the piece."""
    monkeypatch.setenv("MIGINDICATORS_THREADS", threads)
    census = demo["census"]
    path = tmp_path / "census.parquet"
    census.to_parquet(path, row_group_size=997)
    whole = migrant_stock(census, by=BY, variance="taylor")
    got = migrant_stock(path, by=BY, variance="taylor", chunk_rows=997)
    assert_same(whole.data, got.data)
    pd.testing.assert_frame_equal(whole.exclusions, got.exclusions)
    assert got.rows_accounted()
    clustered = clustered_census()
    split = tmp_path / "clustered.parquet"
    clustered.to_parquet(split, row_group_size=37)  # boundaries inside households
    expected = migrant_stock(clustered, by=["sex"], variance="taylor").data
    assert_same(expected, migrant_stock(split, by=["sex"], variance="taylor", chunk_rows=37).data)
    by_origin = migrant_stock_by_origin(path, by=["sex"], chunk_rows=500)
    reference = migrant_stock_by_origin(census, by=["sex"])
    assert_same(reference.data, by_origin.data)
    # A frame larger than chunk_rows is tabulated in slices on the threads too.
    sliced = migrant_stock_by_origin(census, by=["sex"], chunk_rows=500)
    assert_same(reference.data, sliced.data)
    pd.testing.assert_frame_equal(reference.exclusions, sliced.exclusions)


def test_parquet_error_in_a_late_row_group_names_the_file_row(
    demo: dict[str, pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIGINDICATORS_THREADS", "2")
    census = demo["census"].copy()
    bad_row = len(census) - 10
    census.loc[bad_row, "weight"] = -3.0
    path = tmp_path / "bad.parquet"
    census.to_parquet(path, row_group_size=1000)
    with pytest.raises(InputValidationError, match="weight") as err:
        migrant_stock(path, chunk_rows=1000, variance="none")
    assert str(bad_row) in str(err.value)


def test_area_constant_in_some_row_groups_only(
    demo: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    """Two countries in one file: constant-column pieces and mixed ones give the same table."""
    census = demo["census"]
    half = len(census) // 2
    other = census.iloc[half:].assign(
        ref_area="UGA",
        country_of_birth=census["country_of_birth"].iloc[half:].replace("UGA", "KEN"),
    )
    both = pd.concat([census.iloc[:half], other], ignore_index=True)
    path = tmp_path / "two.parquet"
    both.to_parquet(path, row_group_size=700)
    got = migrant_stock_by_origin(path, by=["sex", "age_group"], chunk_rows=700)
    assert_same(migrant_stock_by_origin(both, by=["sex", "age_group"]).data, got.data)


def test_hashing_fallback_equals_dense_cell_codes(
    demo: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Too many raw cells for one dense code: the hashing kernel gives the same table."""
    census = demo["census"]
    dense = migrant_stock_by_origin(census, by=["sex", "age_group"], variance="none").data
    arrival = recent_migrants(census, variance="none").data
    median = migrant_median_age(census).data
    monkeypatch.setattr(census_keys, "CELLS", 8)
    assert_same(
        dense, migrant_stock_by_origin(census, by=["sex", "age_group"], variance="none").data
    )
    assert_same(arrival, recent_migrants(census, variance="none").data)
    assert_same(median, migrant_median_age(census).data)


def test_ipums_parquet_with_mapping_on_threads_equals_standard_frame(
    demo: dict[str, pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """IPUMS names and codes in Parquet: constant COUNTRY/YEAR from statistics, mapped per chunk."""
    monkeypatch.setenv("MIGINDICATORS_THREADS", "2")
    path = tmp_path / "ipums.parquet"
    demo["ipums"].to_parquet(path, row_group_size=1500)
    res = migrant_stock(path, mapping="ipums_international", by=BY, chunk_rows=1500)
    ref = migrant_stock(demo["census"], by=BY)
    assert_same(ref.data, res.data)
    assert res.rows_accounted()
