"""The calibrated census pass on streamed input (issue 14): files, chunks and Dask.

Reference values: the in-memory calibrated pass on the same rows (itself checked against R
``survey`` in ``tests/reference/test_r_census_calibration.py``), to a relative 1e-12; and
the R golden values of ``tests/golden/r_survey/census_calibration.json`` (R's
``svyby(~migrant, ~sex+age_group, svytotal)`` on the calibrated ``svydesign``) for the
fixture streamed from a Parquet file. The fixture is ``data/census_extract.csv`` of that
golden set (Kenya 2009, every sixth household of the bundled ``census_demo``).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import migindicators as mi
from migindicators.core.errors import InputValidationError, OptionError
from migindicators.engine.calibration import CalibrationError
from migindicators.io.mapping import VariableMapping

HERE = Path(__file__).resolve().parent / "golden" / "r_survey"
RTOL = 1e-12


@cache
def _golden() -> dict[str, Any]:
    return dict(json.loads((HERE / "census_calibration.json").read_text()))


@cache
def _fixture() -> pd.DataFrame:
    ext = pd.read_csv(HERE / "data" / "census_extract.csv", keep_default_na=False, na_values=[""])
    return ext.drop(columns=["age_group", "migrant"])


def _census() -> pd.DataFrame:
    return _fixture().copy()


def _margin(name: str) -> pd.DataFrame:
    return pd.DataFrame(_golden()["margins"][name])


BASE = mi.survey.Design(weight="weight")


def _design(kind: str) -> Any:
    margins = [_margin("sex"), _margin("age_group"), _margin("region")]
    if kind == "poststratify":
        return mi.survey.post_stratify(BASE, _margin("sex_region"))
    if kind == "rake":
        return mi.survey.rake(BASE, margins, maxit=50, epsilon=1e-9)
    if kind == "linear_bounded":
        return mi.survey.calibrate(BASE, margins, bounds=(0.7, 1.4))
    if kind == "linear_wide_bounds":
        return mi.survey.calibrate(BASE, margins, bounds=(0.5, 2.0))
    if kind == "raking_trimmed":
        return mi.survey.calibrate(BASE, margins, calfun="raking", trim=(0.8, 1.2))
    if kind == "poststratify_then_rake":
        return mi.survey.rake(mi.survey.post_stratify(BASE, _margin("sex_region")), margins)
    raise AssertionError(kind)


def _chunks(frame: pd.DataFrame, size: int) -> Iterator[pd.DataFrame]:
    return (frame.iloc[i : i + size] for i in range(0, len(frame), size))


def _stock(census: Any, cal: Any, **kw: Any) -> mi.Result:
    return mi.compute("migrant_stock", census=census, calibration=cal, **kw)


def _assert_same(got: mi.Result, want: mi.Result, rtol: float = RTOL) -> None:
    g, w = got.data, want.data
    assert list(g.columns) == list(w.columns)
    assert len(g) == len(w)
    keys = [
        c for c in ("ref_area", "time_period", "sex", "age_group", "migratory_status") if c in w
    ]
    pd.testing.assert_frame_equal(g[keys], w[keys])
    # Every column: the interval, cv, deff, effective n and the design df too (the streamed
    # pass once left df empty, so its intervals used the normal quantile, not t).
    for col in w.columns.difference(keys):
        if pd.api.types.is_numeric_dtype(w[col]):
            np.testing.assert_allclose(g[col], w[col], rtol=rtol, atol=0, err_msg=col)
        else:
            assert g[col].tolist() == w[col].tolist(), col
    # The row ledger: the same rows given, used and excluded (weighted sums to rounding).
    ge, we = got.exclusions, want.exclusions
    assert ge[["input", "reason", "rows"]].equals(we[["input", "reason", "rows"]])
    np.testing.assert_allclose(ge["weighted"], we["weighted"], rtol=1e-12)
    assert got.rows_accounted() and want.rows_accounted()
    assert got.metadata["calibration"] == want.metadata["calibration"]
    assert got.metadata["variance_detail"] == want.metadata["variance_detail"]


# ---- the R golden values, streamed -------------------------------------------------------


@pytest.mark.parametrize("case_id", [c["id"] for c in _golden()["cases"] if c["kind"] != "none"])
def test_streamed_parquet_reproduces_the_r_golden_values(case_id: str, tmp_path: Path) -> None:
    case = next(c for c in _golden()["cases"] if c["id"] == case_id)
    path = tmp_path / "census.parquet"
    _census().to_parquet(path, row_group_size=1000)
    base = mi.survey.Design(weight="weight")
    margins = [_margin("sex"), _margin("age_group"), _margin("region")]
    if case["kind"] == "poststratify":
        cal = mi.survey.post_stratify(base, _margin("sex_region"))
    elif case["kind"] == "rake":
        cal = mi.survey.rake(base, margins, maxit=case["maxit"], epsilon=case["epsilon"])
    else:
        bounds = tuple(case.get("bounds", (-np.inf, np.inf)))
        cal = mi.survey.calibrate(base, margins, calfun=case["calfun"], bounds=bounds)
    res = _stock(str(path), cal, by=["sex", "age_group"], chunk_rows=1500)
    r = pd.DataFrame(
        {
            "sex": case["by_sex"],
            "age_group": case["by_age_group"],
            "r_value": case["by_value"],
            "r_se": case["by_se"],
        }
    )
    got = res.data.merge(r, on=["sex", "age_group"], how="outer", indicator=True)
    assert (got["_merge"] == "both").all()
    np.testing.assert_allclose(got["value"], got["r_value"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(got["se"], got["r_se"], rtol=1e-9)
    total = _stock(str(path), cal, chunk_rows=2000).data.iloc[0]
    np.testing.assert_allclose([total["value"], total["se"]], case["total"], rtol=1e-9)


# ---- streamed equals in memory -------------------------------------------------------------


SOURCES = ["parquet", "csv", "chunks_97", "chunks_700", "chunks_5000", "list", "dask_1", "dask_4"]
#: The default suite streams Parquet, chunks and Dask; the other sources run in the slow one.
_QUICK = ("parquet", "chunks_700", "dask_4")
SOURCE_PARAMS = [pytest.param(s, marks=() if s in _QUICK else (pytest.mark.slow,)) for s in SOURCES]


def _source(name: str, frame: pd.DataFrame, tmp_path: Path) -> Any:
    if name == "parquet":
        path = tmp_path / "c.parquet"
        frame.to_parquet(path, row_group_size=900)
        return str(path)
    if name == "csv":
        path = tmp_path / "c.csv"
        frame.to_csv(path, index=False)
        return str(path)
    if name.startswith("chunks_"):
        return _chunks(frame, int(name.split("_")[1]))
    if name == "list":
        return list(_chunks(frame, 1200))
    import dask.dataframe as dd

    return dd.from_pandas(frame, npartitions=int(name.split("_")[1]))


@pytest.mark.parametrize("source", SOURCE_PARAMS)
@pytest.mark.parametrize(
    "kind", ["poststratify", "rake", "linear_bounded", "raking_trimmed", "poststratify_then_rake"]
)
def test_streamed_equals_in_memory(source: str, kind: str, tmp_path: Path) -> None:
    if source == "chunks_97" and kind not in ("rake", "linear_bounded"):
        pytest.skip("54 small chunks: two calibrations are enough (slow)")
    census = _census()
    cal = _design(kind)
    want = _stock(census, cal, by=["sex", "age_group"])
    got = _stock(_source(source, census, tmp_path), cal, by=["sex", "age_group"], chunk_rows=800)
    _assert_same(got, want)


@pytest.mark.parametrize("source", ["parquet", "chunks_700", "dask_4"])
@pytest.mark.parametrize("kind", ["poststratify", "rake", "linear_wide_bounds"])
def test_replicate_weights_are_recalibrated_in_the_stream(
    source: str, kind: str, tmp_path: Path
) -> None:
    census = _census()
    group = census["household"].to_numpy() % 8
    reps = [f"rep{r}" for r in range(8)]
    for r, name in enumerate(reps):
        census[name] = np.where(group == r, 0.0, census["weight"] * 8 / 7)
    kw: dict[str, Any] = {"by": ["sex"], "replicate_weights": reps, "replicate_method": "jk1"}
    want = _stock(census, _design(kind), **kw)
    got = _stock(_source(source, census, tmp_path), _design(kind), chunk_rows=900, **kw)
    _assert_same(got, want)
    assert (got.data["se"] > 0).all()


def test_row_order_and_chunking_do_not_matter() -> None:
    census = _census()
    cal = _design("rake")
    want = _stock(census, cal, by=["sex", "age_group"])
    shuffled = census.sample(frac=1.0, random_state=3).reset_index(drop=True)
    for size in (333, 1024, 10_000):
        _assert_same(_stock(_chunks(shuffled, size), cal, by=["sex", "age_group"]), want)


def test_records_spilled_to_disk_give_the_same_result(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    census = _census()
    cal = _design("linear_bounded")
    want = _stock(census, cal, by=["sex"])
    monkeypatch.setenv("MIGINDICATORS_SPILL_MB", "0")  # every chunk's records to disk
    monkeypatch.setenv("MIGINDICATORS_TMPDIR", str(tmp_path))
    _assert_same(_stock(_chunks(census, 500), cal, by=["sex"]), want)
    assert list(tmp_path.iterdir()) == []  # records and spooled chunks removed


def test_rows_out_of_the_table_stay_in_the_calibration() -> None:
    # Unknown sex (excluded from a table by sex), unknown country of enumeration and a
    # missing weight (out of the design): counted exactly as in memory.
    census = _census()
    census.loc[census.index[:7], "sex"] = None
    census.loc[census.index[10:13], "ref_area"] = "ZZZ"
    census.loc[census.index[20:24], "weight"] = np.nan
    census.loc[census.index[30:40], "country_of_birth"] = None
    region = census.groupby("region", as_index=False)["weight"].sum()
    region = region.assign(Freq=region["weight"] * [1.1, 0.9, 1.05, 0.95]).drop(columns="weight")
    for cal in (mi.survey.post_stratify(BASE, region), mi.survey.calibrate(BASE, [region])):
        want = _stock(census, cal, by=["sex", "age_group"])
        got = _stock(_chunks(census, 999), cal, by=["sex", "age_group"])
        _assert_same(got, want)
        reasons = set(got.exclusions["reason"])
        assert {"unknown sex", "missing weight", "unknown country code (ref_area)"} <= reasons


def test_by_migratory_status_and_persons_as_psus() -> None:
    census = _census()
    cal = _design("rake")
    _assert_same(
        _stock(_chunks(census, 800), cal, by=["sex", "migratory_status"]),
        _stock(census, cal, by=["sex", "migratory_status"]),
    )
    alone = census.drop(columns=["household"])
    _assert_same(_stock(_chunks(alone, 800), cal, by=["sex"]), _stock(alone, cal, by=["sex"]))


def test_weights_of_zero_and_cells_calibrated_to_zero_weight() -> None:
    # Rows of weight 0, and cells whose g-weight a bounded calibration sets to 0 (11 cells
    # of the fixture with bounds (0, 1.02)), take R's psw[psw == 0 & oldw == 0] <- 1 path
    # of the post-stratification that follows.
    margins = [_margin("sex"), _margin("age_group"), _margin("region")]
    zero = _census()
    zero.loc[zero.index[::50], "weight"] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        greg = mi.survey.calibrate(BASE, margins, bounds=(0.0, 1.02), force=True)
        cal = mi.survey.post_stratify(greg, _margin("sex_region"))
        for census in (zero, _census()):
            want = _stock(census, cal, by=["sex", "age_group"])
            got = _stock(_chunks(census, 700), cal, by=["sex", "age_group"])
            _assert_same(got, want, rtol=1e-11)


def test_mapped_source_columns(tmp_path: Path) -> None:
    census = _census()
    mapping = VariableMapping(
        name="renamed",
        columns={
            "area": "ref_area",
            "perwt": "weight",
            "hh": "household",
            "gender": "sex",
            **{c: c for c in ("time_period", "strata", "age", "country_of_birth")},
        },
    )
    renamed = census.rename(columns={"ref_area": "area", "weight": "perwt", "household": "hh"})
    renamed = renamed.rename(columns={"sex": "gender"})
    cal = mi.survey.post_stratify(BASE, _margin("sex_region"))
    want = _stock(renamed, cal, by=["sex"], mapping=mapping)
    _assert_same(want, _stock(census, cal, by=["sex"]))
    path = tmp_path / "mapped.parquet"
    renamed.to_parquet(path)
    _assert_same(_stock(str(path), cal, by=["sex"], mapping=mapping), want)


# ---- a property: any small census, any chunking ---------------------------------------------


@st.composite
def _small_census(draw: st.DrawFn) -> tuple[pd.DataFrame, int, str]:
    n_hh = draw(st.integers(8, 40))
    size = draw(st.lists(st.integers(1, 5), min_size=n_hh, max_size=n_hh))
    hh = np.repeat(np.arange(n_hh), size)
    n = len(hh)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    strata = rng.integers(0, 3, n_hh)[hh]
    weight = rng.uniform(1.0, 20.0, n_hh)[hh]
    if draw(st.booleans()):
        weight[rng.random(n) < 0.1] = 0.0
    frame = pd.DataFrame(
        {
            "ref_area": "KEN",
            "time_period": 2009,
            "household": hh,
            "strata": strata,
            "weight": weight,
            "sex": np.array(["F", "M"])[np.r_[0, 1, rng.integers(0, 2, n - 2)]],
            "region": np.array(["A", "B", "C"])[np.r_[0, 1, 2, rng.integers(0, 3, n - 3)]],
            "age": rng.integers(0, 90, n).astype(float),
            "country_of_birth": np.array(["KEN", "UGA", "SOM"])[rng.integers(0, 3, n)],
        }
    )
    frame = frame.sample(frac=1.0, random_state=int(rng.integers(0, 1000)))
    chunk = draw(st.integers(1, n))
    kind = draw(st.sampled_from(["poststratify", "rake", "linear", "logit"]))
    return frame.reset_index(drop=True), chunk, kind


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_small_census())
def test_property_streamed_equals_in_memory(drawn: tuple[pd.DataFrame, int, str]) -> None:
    frame, chunk, kind = drawn
    w = frame.groupby(["sex", "region"])["weight"].sum()
    cross = pd.DataFrame(
        {"sex": w.index.get_level_values(0), "region": w.index.get_level_values(1)}
    ).assign(Freq=(w * 1.1).to_numpy() + 3.0)
    sex = cross.groupby("sex", as_index=False)["Freq"].sum()
    region = cross.groupby("region", as_index=False)["Freq"].sum()
    if kind == "poststratify":
        cal = mi.survey.post_stratify(BASE, cross)
    elif kind == "rake":
        cal = mi.survey.rake(BASE, [sex, region], maxit=100, epsilon=1e-10, force=True)
    elif kind == "linear":
        cal = mi.survey.calibrate(BASE, [sex, region])
    else:
        cal = mi.survey.calibrate(BASE, [sex, region], calfun="logit", bounds=(0.2, 5.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refused: str | None = None
        try:
            want = _stock(frame, cal, by=["sex"])
        except CalibrationError as err:
            refused = str(err)
        if refused is not None:  # the stream must refuse it the same way
            with pytest.raises(CalibrationError) as caught:
                _stock(_chunks(frame, chunk), cal, by=["sex"])
            assert str(caught.value) == refused
            return
        got = _stock(_chunks(frame, chunk), cal, by=["sex"])
    np.testing.assert_allclose(got.data["value"], want.data["value"], rtol=1e-10)
    np.testing.assert_allclose(got.data["se"], want.data["se"], rtol=1e-9, atol=1e-9)
    assert got.data["flag"].tolist() == want.data["flag"].tolist()


# ---- bad input ---------------------------------------------------------------------------


def _same_error(census: pd.DataFrame, cal: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match) as memory:
        _stock(census, cal)
    with pytest.raises(error, match=match) as streamed:
        _stock(_chunks(census, 700), cal)
    assert str(streamed.value) == str(memory.value)


def test_categories_that_do_not_fit_are_the_in_memory_errors() -> None:
    census = _census()
    extra = pd.concat([_margin("region"), pd.DataFrame({"region": ["R9"], "Freq": [10.0]})])
    _same_error(census, mi.survey.post_stratify(BASE, extra), CalibrationError, "have no sample")
    short = _margin("region").iloc[1:]
    _same_error(census, mi.survey.post_stratify(BASE, short), CalibrationError, "no population")


def test_missing_calibration_values_are_counted_over_the_whole_stream() -> None:
    census = _census()
    census.loc[census.index[::500], "region"] = None  # 11 rows in several chunks
    cal = mi.survey.post_stratify(BASE, _margin("region"))
    _same_error(census, cal, CalibrationError, r"11 row\(s\) with a missing 'region'")
    aged = _census()
    aged.loc[aged.index[::1000], "age"] = np.nan
    cal = mi.survey.rake(BASE, [_margin("sex"), _margin("age_group")])
    _same_error(aged, cal, InputValidationError, r"6 row\(s\) have none")


def test_calibrations_of_row_values_are_refused_when_streamed() -> None:
    census = _census().assign(size=1.0)
    numeric = mi.survey.calibrate(BASE, [_margin("sex")], totals={"size": 100.0})
    with pytest.raises(OptionError, match=r"numeric calibration totals \['size'\]"):
        _stock(_chunks(census, 700), numeric)
    const = mi.survey.calibrate(BASE, [_margin("sex")], bounds=(1.0, 500.0), bounds_const=True)
    with pytest.raises(OptionError, match="bounds_const=True"):
        _stock(_chunks(census, 700), const)


def test_other_bad_streams_are_typed() -> None:
    census = _census()
    cal = _design("poststratify")
    with pytest.raises(InputValidationError, match="needs a weight column"):
        _stock(_chunks(census.drop(columns="weight"), 700), cal)
    with pytest.raises(InputValidationError, match="needs a column 'region'"):
        _stock(_chunks(census.drop(columns="region"), 700), cal)
    with pytest.raises(
        InputValidationError,
        match=r"must yield dataframes \(pandas, polars, pyarrow or DuckDB\), got str",
    ):
        _stock(iter([census, "not a frame"]), cal)
    with pytest.raises(InputValidationError, match="has no rows"):
        _stock(iter([]), cal)


def test_an_iterable_that_changes_between_the_passes_is_refused() -> None:
    census = _census()

    class Changing:
        """Yields the census, then on the second iteration a region the first did not have."""

        def __init__(self) -> None:
            self.passes = 0

        def __iter__(self) -> Iterator[pd.DataFrame]:
            self.passes += 1
            yield census if self.passes == 1 else census.assign(region="R9")

    with pytest.raises(InputValidationError, match="met calibration cells the first pass"):
        _stock(Changing(), _design("poststratify"))
