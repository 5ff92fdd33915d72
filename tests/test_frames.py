"""Any dataframe in: polars (eager and lazy), pyarrow and DuckDB give the numbers pandas gives.

The conversion lives in one place (:mod:`migindicators.core.frames`); these tests check that
every registered indicator function and every other entry point carries it, and that each
kind of frame gives a Result identical to the pandas one on the bundled demo datasets
(hand-checkable equality against the pandas path, which the rest of the suite tests against
published figures).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import migindicators as mi
from migindicators import registry
from migindicators.core.errors import InputValidationError
from migindicators.core.frames import carries_frame_boundary, to_pandas
from migindicators.datasets import demo_jobs, load
from migindicators.io.files import write_table
from migindicators.io.rpw import rpw_to_standard
from migindicators.io.uis import uis_students, uis_tertiary_enrolment
from migindicators.schemas.census import validate_census

pl = pytest.importorskip("polars", reason="polars (test extra) converts frames")
pa = pytest.importorskip("pyarrow", reason="pyarrow (test extra)")
duckdb = pytest.importorskip("duckdb", reason="duckdb (test extra)")


def _polars(frame: pd.DataFrame) -> Any:
    return pl.from_pandas(frame)


def _polars_lazy(frame: pd.DataFrame) -> Any:
    return pl.from_pandas(frame).lazy()


def _arrow(frame: pd.DataFrame) -> Any:
    return pa.Table.from_pandas(frame, preserve_index=False)


# Connections stay open for the session: a relation is valid only while its connection is.
_CONNECTIONS: list[Any] = []


def _duckdb(frame: pd.DataFrame) -> Any:
    con = duckdb.connect()
    _CONNECTIONS.append(con)
    con.register("frame", frame)
    return con.sql("select * from frame")


CONVERTERS: dict[str, Callable[[pd.DataFrame], Any]] = {
    "polars": _polars,
    "polars_lazy": _polars_lazy,
    "pyarrow": _arrow,
    "duckdb": _duckdb,
}


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"ref_area": ["AUS", "NZL", None], "x": [1.5, None, 3.0], "k": [1, 2, 3]})


@pytest.mark.parametrize("kind", sorted(CONVERTERS))
def test_to_pandas_round_trips_each_kind(kind: str) -> None:
    out = to_pandas(CONVERTERS[kind](_frame()))
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["ref_area", "x", "k"]
    assert out["ref_area"].tolist()[:2] == ["AUS", "NZL"] and pd.isna(out["ref_area"].iloc[2])
    np.testing.assert_array_equal(out["x"].to_numpy(dtype=float), [1.5, np.nan, 3.0])
    np.testing.assert_array_equal(out["k"].to_numpy(), [1, 2, 3])


def test_to_pandas_leaves_pandas_dask_and_other_objects_alone() -> None:
    frame = _frame()
    assert to_pandas(frame) is frame
    column = frame["x"]
    assert to_pandas(column) is column
    array = np.arange(3)
    assert to_pandas(array) is array
    for obj in ("path.csv", 3, None, [frame], {"a": 1}):
        assert to_pandas(obj) is obj
    dd = pytest.importorskip("dask.dataframe")
    lazy = dd.from_pandas(frame, npartitions=1)
    assert to_pandas(lazy) is lazy  # the census pass streams Dask frames itself


def test_polars_series_becomes_a_pandas_series() -> None:
    out = to_pandas(pl.Series("s", [1, 2]))
    assert isinstance(out, pd.Series) and out.tolist() == [1, 2]


def test_every_registered_function_carries_the_boundary() -> None:
    missing = [i for i, spec in registry.items() if not carries_frame_boundary(spec.function)]
    assert missing == []


@pytest.mark.parametrize(
    "entry",
    [
        mi.survey.estimate,
        mi.survey.estimate_difference,
        mi.schemas.validate,
        mi.schemas.InputKind.validate,
        validate_census,
        rpw_to_standard,
        uis_students,
        uis_tertiary_enrolment,
        write_table,
    ],
    ids=lambda f: f.__qualname__,
)
def test_other_entry_points_carry_the_boundary(entry: Callable[..., Any]) -> None:
    assert carries_frame_boundary(entry)


def test_a_function_without_the_boundary_is_detected() -> None:
    assert not carries_frame_boundary(lambda frame: frame)


def _one_job_per_indicator() -> list[Any]:
    seen: dict[str, Any] = {}
    for job in demo_jobs():
        seen.setdefault(job.indicator, job)
    return [seen[k] for k in sorted(seen)]


_JOBS = _one_job_per_indicator()
_CACHE: dict[str, Any] = {}


def _inputs(job: Any, convert: Callable[[pd.DataFrame], Any] | None) -> dict[str, Any]:
    if job.dataset not in _CACHE:
        _CACHE[job.dataset] = load(job.dataset)
    data = _CACHE[job.dataset]
    kwargs: dict[str, Any] = {}
    for argument, key in job.inputs.items():
        frame = data if isinstance(data, pd.DataFrame) else data[key]
        kwargs[argument] = frame if convert is None else convert(frame)
    kwargs.update(job.options)
    if job.by:
        kwargs["by"] = list(job.by)
    return kwargs


def _values(frame: pd.DataFrame) -> pd.DataFrame:
    # Compare values, not storage: a missing string is None in one library, NaN in another.
    plain = frame.reset_index(drop=True).astype(object)
    return plain.where(plain.notna(), None)


def _assert_same(left: mi.Result, right: mi.Result) -> None:
    # dtypes may differ (a categorical comes back as a string); values may not.
    pd.testing.assert_frame_equal(_values(left.data), _values(right.data), check_dtype=False)
    pd.testing.assert_frame_equal(
        _values(left.exclusions), _values(right.exclusions), check_dtype=False
    )
    assert left.metadata.get("rows") == right.metadata.get("rows")


def test_demo_jobs_cover_most_indicators() -> None:
    # the identity test below runs one demo job per indicator: it must reach most of them
    assert len(_JOBS) >= 0.9 * len(registry)


_EXPECTED: dict[str, mi.Result] = {}


def _expected(job: Any) -> mi.Result:
    if job.indicator not in _EXPECTED:
        _EXPECTED[job.indicator] = registry[job.indicator].compute(**_inputs(job, None))
    return _EXPECTED[job.indicator]


def _check_jobs(jobs: list[Any], kind: str) -> None:
    failures = []
    for job in jobs:
        got = registry[job.indicator].compute(**_inputs(job, CONVERTERS[kind]))
        try:
            _assert_same(_expected(job), got)
        except AssertionError as exc:
            failures.append(f"{job.indicator}: {str(exc)[:300]}")
    assert failures == []


@pytest.mark.parametrize("kind", sorted(CONVERTERS))
def test_each_kind_of_frame_gives_the_pandas_numbers(kind: str) -> None:
    # Default suite: the indicators are dealt out among the four kinds, so every indicator
    # runs from one non-pandas frame and every kind feeds a quarter of the indicators.
    # The full matrix (every indicator x every kind) is the slow test below.
    position = sorted(CONVERTERS).index(kind)
    _check_jobs(_JOBS[position :: len(CONVERTERS)], kind)


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(CONVERTERS))
def test_every_kind_of_frame_gives_the_pandas_numbers(kind: str) -> None:
    _check_jobs(_JOBS, kind)


@pytest.mark.parametrize("kind", sorted(CONVERTERS))
def test_every_demo_table_arrives_as_the_same_values(kind: str) -> None:
    # What the indicator sees after the boundary: the same columns and values as pandas.
    for name in mi.datasets.list():
        data = load(name)
        tables = {name: data} if isinstance(data, pd.DataFrame) else data
        for key, frame in tables.items():
            out = to_pandas(CONVERTERS[kind](frame))
            assert list(out.columns) == list(frame.columns), (name, key)
            pd.testing.assert_frame_equal(
                _values(out), _values(frame), check_dtype=False, obj=f"{name}/{key}"
            )


@pytest.mark.parametrize("kind", sorted(CONVERTERS))
def test_survey_estimate_accepts_each_kind(kind: str) -> None:
    frame = pd.DataFrame(
        {
            "y": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "w": [1.0, 2.0, 1.0, 2.0, 1.0, 2.0],
            "g": ["a", "a", "a", "b", "b", "b"],
        }
    )
    design = {"weight": "w"}
    expected = mi.survey.estimate(frame, design, y="y", by="g")
    got = mi.survey.estimate(CONVERTERS[kind](frame), design, y="y", by="g")
    _assert_same(expected, got)
    frame = frame.assign(r=["u", "v", "u", "v", "u", "v"])
    options: dict[str, Any] = {"y": "y", "compare": "r", "levels": ("u", "v"), "by": "g"}
    expected = mi.survey.estimate_difference(frame, design, **options)
    got = mi.survey.estimate_difference(CONVERTERS[kind](frame), design, **options)
    _assert_same(expected, got)


@pytest.mark.parametrize("kind", sorted(CONVERTERS))
def test_calibration_totals_of_each_kind_alone_or_in_a_list(kind: str) -> None:
    # A list of margins is one argument: each frame in it must cross the boundary too (a
    # polars margin in rake's list was refused as "got DataFrame" before).
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "y": rng.normal(size=60),
            "w": rng.uniform(1.0, 3.0, 60),
            "psu": np.repeat(np.arange(12), 5),
            "sex": rng.choice(["F", "M"], 60),
            "age": rng.choice(["young", "old"], 60),
        }
    )
    sex = pd.DataFrame({"sex": ["F", "M"], "Freq": [70.0, 60.0]})
    age = pd.DataFrame({"age": ["old", "young"], "Freq": [50.0, 80.0]})
    design = mi.survey.Design(weight="w", psu="psu")
    convert = CONVERTERS[kind]
    pairs = [
        (mi.survey.post_stratify(design, sex), mi.survey.post_stratify(design, convert(sex))),
        (
            mi.survey.rake(design, [sex, age]),
            mi.survey.rake(design, [convert(sex), convert(age)]),
        ),
        (
            mi.survey.calibrate(design, [sex, age], bounds=(0.5, 2.0)),
            mi.survey.calibrate(design, [convert(sex), convert(age)], bounds=(0.5, 2.0)),
        ),
    ]
    for want, got in pairs:
        _assert_same(
            mi.survey.estimate(frame, want, y="y", by="sex"),
            mi.survey.estimate(frame, got, y="y", by="sex"),
        )


@pytest.mark.parametrize("kind", sorted(CONVERTERS))
def test_census_chunks_of_each_kind_stream_as_pandas(kind: str) -> None:
    # An iterable of chunks is one argument: each chunk crosses the boundary as it is read,
    # on the plain streamed pass and on the calibrated one (whose ratio indicators spool a
    # one-shot iterator to disk for their second pass: a DuckDB relation cannot be pickled).
    census = load("census_demo")["census"]
    half = len(census) // 2
    parts = [census.iloc[:half].reset_index(drop=True), census.iloc[half:].reset_index(drop=True)]
    sex = census.groupby("sex", observed=True)["weight"].sum().mul(1.05)
    calibration = mi.survey.post_stratify(
        mi.survey.Design(weight="weight"), sex.rename("Freq").reset_index()
    )
    for function in (mi.stock.migrant_stock, mi.stock.migrant_share_of_population):
        for options in ({}, {"calibration": calibration}):
            expected = function(census=census, by=["sex"], **options)
            chunks = iter([CONVERTERS[kind](part) for part in parts])
            got = function(census=chunks, by=["sex"], **options)
            pd.testing.assert_frame_equal(
                _values(expected.data), _values(got.data), check_exact=False, rtol=1e-12
            )


@pytest.mark.parametrize("kind", sorted(CONVERTERS))
def test_validation_accepts_each_kind(kind: str) -> None:
    population = pd.DataFrame(
        {"ref_area": ["AUS", "NZL"], "time_period": [2020, 2020], "population": [25.7e6, 5.1e6]}
    )
    expected = mi.schemas.validate("population", population)
    got = mi.schemas.validate("population", CONVERTERS[kind](population))
    pd.testing.assert_frame_equal(expected, got, check_dtype=False)
    bad = population.assign(population=[-1.0, 5.1e6])
    with pytest.raises(InputValidationError, match="population"):
        mi.schemas.validate("population", CONVERTERS[kind](bad))


def test_every_survey_function_taking_frames_carries_the_boundary() -> None:
    import inspect

    missing = []
    for name in mi.survey.__all__:
        obj = getattr(mi.survey, name)
        if not inspect.isfunction(obj):
            continue
        params = inspect.signature(obj).parameters
        if {"frame", "design", "population"} & set(params) and not carries_frame_boundary(obj):
            missing.append(name)
    assert sorted(missing) == ["as_design"]  # as_design takes a Design or a mapping only
