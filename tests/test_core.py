"""Units, row ledger, flags, Result, countries and schemas: the core every indicator uses."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import migindicators as mi
from migindicators.core import countries
from migindicators.core.flags import FLAGS, add_flag, combine_flags, has_flag
from migindicators.core.ledger import RowLedger
from migindicators.core.units import (
    CURRENCIES,
    KNOWN_UNITS,
    check_dimensionality,
    check_unit,
    conversion_factor,
    parse_unit,
)
from migindicators.schemas import Column, InputKind

# --- units ----------------------------------------------------------------------------------


def test_library_units() -> None:
    assert conversion_factor("per_100000", "percent") == pytest.approx(1e-3)
    assert conversion_factor("percent", "dimensionless") == pytest.approx(0.01)
    # months of earnings are their own dimension, not a duration (no days in them)
    assert str(parse_unit("month_of_earnings").dimensionality) == "[month_of_earnings]"
    with pytest.raises(mi.UnitError, match="different dimensions"):
        conversion_factor("month_of_earnings", "month")
    assert str(parse_unit("person").dimensionality) == "[person]"


def test_every_currency_is_its_own_dimension() -> None:
    dims = {str(parse_unit(code).dimensionality) for code in CURRENCIES}
    assert len(dims) == len(CURRENCIES)


def test_currencies_never_mix() -> None:
    with pytest.raises(mi.UnitError, match="exchange rates"):
        conversion_factor("USD", "EUR")
    with pytest.raises(mi.UnitError, match="cannot be compared"):
        check_dimensionality("KES", "USD", what="fee")
    check_dimensionality("USD / month", "EUR / month".replace("EUR", "USD"))


def test_unknown_unit() -> None:
    with pytest.raises(mi.UnitError, match="not a unit"):
        parse_unit("degrees C of migrants")
    with pytest.raises(mi.UnitError, match="not a unit"):
        check_unit("degrees C of migrants")


def test_known_units_are_pint_units() -> None:
    # check_unit accepts these without pint: each must be one pint parses.
    for unit in KNOWN_UNITS:
        parse_unit(unit)
    check_unit("USD / month")  # not in the list: parsed by pint


def test_import_does_not_build_the_unit_registry() -> None:
    code = (
        "import sys, migindicators as mi; assert 'pint' not in sys.modules; "
        "assert str(mi.units.Unit('person')) == 'person'; assert 'pint' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- ledger and flags -------------------------------------------------------------------------


def test_ledger_accounts_for_every_row() -> None:
    frame = pd.DataFrame({"x": [1.0, np.nan, 3.0, -1.0], "w": [1.0, 2.0, 3.0, 4.0]})
    ledger = RowLedger()
    ledger.given("data", frame, weight="w")
    kept = ledger.exclude("data", frame, frame["x"].isna(), "missing x", weight="w")
    kept = ledger.exclude("data", kept, kept["x"] < 0, "negative x", weight="w")
    assert len(kept) == 2
    assert ledger.summary() == {"data": {"given": 4, "excluded": 2, "used": 2}}
    excl = ledger.frame()
    assert list(excl["reason"]) == ["missing x", "negative x"]
    assert list(excl["weighted"]) == [2.0, 4.0]


def test_ledger_merge_adds_chunks() -> None:
    a, b = RowLedger(), RowLedger()
    a.given("d", 10)
    a.record("d", "missing weight", 2)
    b.given("d", 5)
    b.record("d", "missing weight", 1)
    a.merge(b)
    assert a.summary()["d"] == {"given": 15, "excluded": 3, "used": 12}
    assert a.frame()["rows"].tolist() == [3]


def test_empty_ledger_frame_has_columns() -> None:
    assert list(RowLedger().frame().columns) == ["input", "reason", "rows", "weighted", "detail"]


def test_flags_are_a_closed_vocabulary() -> None:
    flags = pd.Series(["", "low_n", ""])
    out = add_flag(flags, [True, True, False], "high_cv")
    assert out.tolist() == ["high_cv", "low_n;high_cv", ""]
    assert add_flag(out, [True, False, False], "high_cv").tolist()[0] == "high_cv"
    assert has_flag(out, "low_n").tolist() == [False, True, False]
    assert combine_flags(["a;b", "", "b;c"]) == "a;b;c"
    with pytest.raises(KeyError):
        add_flag(flags, [True, False, False], "not_a_flag")
    assert "zero_denominator" in FLAGS


# --- Result -----------------------------------------------------------------------------------


def _refugee_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    refugees = pd.DataFrame(
        {
            "ref_area": ["SYR", "SYR", "AFG", "UNK"],
            "time_period": 2024,
            "refugees": [60_000, 40_000, 5_000, 7],
        }
    )
    population = pd.DataFrame(
        {
            "ref_area": ["SYR", "AFG", "KEN"],
            "time_period": 2024,
            "population": [1_000_000, 0, 50_000_000],
        }
    )
    return refugees, population


def test_result_layout_and_accounting() -> None:
    refugees, population = _refugee_inputs()
    res = mi.compute("refugees_per_100k", refugees=refugees, population=population)
    assert list(res.data.columns[:9]) == [
        "ref_area",
        "time_period",
        "value",
        "unit",
        "se",
        "ci_lower",
        "ci_upper",
        "n",
        "flag",
    ]
    assert res.rows_accounted()
    assert res.metadata["rows"]["refugees"] == {"given": 4, "excluded": 1, "used": 3}
    assert res.metadata["rows"]["population"] == {"given": 3, "excluded": 1, "used": 2}
    assert res.metadata["indicator"] == "refugees_per_100k"
    assert res.metadata["version"] == mi.__version__
    assert res.metadata["inputs"]["refugees"].startswith("sha256:")
    assert res.group_columns == ["ref_area", "time_period"]
    assert "refugees_per_100k" in repr(res) and "unknown country code" in repr(res)
    assert "<table" in res._repr_html_()
    frame = res.to_frame(with_metadata=True)
    assert frame.columns[0] == "indicator"
    # the caller's frames are untouched
    assert refugees.equals(_refugee_inputs()[0])


def test_zero_denominator_is_nan_with_flag_never_inf() -> None:
    # AFG: P = 0 and R = 5000 → 100000; a real zero-denominator needs P + R = 0
    refugees = pd.DataFrame({"ref_area": ["AFG"], "time_period": [2024], "refugees": [0]})
    population = pd.DataFrame({"ref_area": ["AFG"], "time_period": [2024], "population": [0]})
    res = mi.compute("refugees_per_100k", refugees=refugees, population=population)
    assert np.isnan(res.data["value"].iloc[0])
    assert res.data["flag"].iloc[0] == "zero_denominator"


# --- countries -----------------------------------------------------------------------------


def test_country_table() -> None:
    table = countries.country_table()
    assert table["iso3"].is_unique and table["m49"].is_unique
    assert len(table) >= 249
    codes = pd.Series(["KEN", "XKX", "UNK", "001", "202"])
    assert countries.is_country(codes).tolist() == [True, True, False, False, False]
    assert countries.is_known_area(codes).tolist() == [True, True, False, True, True]
    assert countries.to_m49(pd.Series(["KEN", "DEU", "1"])).tolist() == ["404", "276", "001"]
    assert countries.to_iso3(pd.Series(["404"])).tolist() == ["KEN"]
    assert countries.area_name(pd.Series(["KEN", "747"])).tolist() == [
        "Kenya",
        "Northern Africa and Western Asia",
    ]


@pytest.mark.parametrize(
    ("iso3", "sdg"),
    [
        ("AFG", "062"),
        ("KEN", "202"),
        ("DEU", "513"),
        ("USA", "513"),
        ("MEX", "419"),
        ("AUS", "053"),
        ("FJI", "543"),
        ("EGY", "747"),
        ("CHN", "753"),
    ],
)
def test_sdg_regions(iso3: str, sdg: str) -> None:
    membership = countries.members("sdg_region").set_index("iso3")["area"]
    assert membership[iso3] == sdg


def test_every_sdg_region_partition_covers_countries_once() -> None:
    for grouping in countries.GROUPINGS:
        membership = countries.members(grouping)
        assert membership["iso3"].is_unique, grouping
    with pytest.raises(ValueError, match="unknown grouping"):
        countries.members("continents")


# --- schemas --------------------------------------------------------------------------------

KIND = InputKind(
    name="test_kind",
    description="test",
    columns=(
        Column("ref_area", "str", "area", pattern=r"[A-Z]{3}"),
        Column("time_period", "int", "year"),
        Column("population", "float", "pop", unit="person", ge=0),
    ),
    unique=("ref_area", "time_period"),
)


def test_schema_error_names_column_check_and_rows() -> None:
    frame = pd.DataFrame(
        {
            "ref_area": ["KEN", "ken", "UGA", "UGA"],
            "time_period": [2020, 2020, 2021, 2021],
            "population": [1.0, 2.0, -5.0, 3.0],
        }
    )
    with pytest.raises(mi.InputValidationError) as info:
        KIND.validate(frame, input_name="population")
    message = str(info.value)
    assert "input 'population'" in message
    assert "column 'population', check '>= 0'" in message and "-5.0" in message
    assert "column 'ref_area'" in message and "'ken'" in message
    assert "unique key" in message
    assert set(info.value.failure_cases["column"]) >= {"population", "ref_area"}


def test_schema_missing_columns_wrong_dtypes_and_empty() -> None:
    with pytest.raises(
        mi.InputValidationError, match=r"missing required column\(s\) \['population'\]"
    ):
        KIND.validate(pd.DataFrame({"ref_area": ["KEN"], "time_period": [2020]}))
    bad_dtype = pd.DataFrame({"ref_area": ["KEN"], "time_period": [2020], "population": ["many"]})
    with pytest.raises(mi.InputValidationError, match="column 'population'.*convert"):
        KIND.validate(bad_dtype)
    with pytest.raises(mi.InputValidationError, match="empty"):
        KIND.validate(
            KIND.validate(
                pd.DataFrame({"ref_area": ["KEN"], "time_period": [2020], "population": [1]})
            ).iloc[:0]
        )
    with pytest.raises(mi.InputValidationError, match="expected a pandas DataFrame"):
        KIND.validate([1, 2, 3])  # type: ignore[arg-type]


def test_schema_coerces_without_mutating_and_keeps_extra_columns() -> None:
    frame = pd.DataFrame(
        {"ref_area": ["KEN"], "time_period": ["2020"], "population": ["5"], "note": ["x"]}
    )
    out = KIND.validate(frame)
    assert out["population"].dtype == "float64" and out["time_period"].dtype == "int64"
    assert frame["population"].tolist() == ["5"]
    assert "note" in out.columns


def test_schema_units_in_metadata_and_describe() -> None:
    assert KIND.units == {"population": "person"}
    schema = KIND.to_pandera()
    assert schema.columns["population"].metadata == {"unit": "person"}
    assert "population" in KIND.describe()["column"].tolist()


def test_input_kinds_catalogue() -> None:
    kinds = mi.schemas.input_kinds()
    assert {"population", "refugees"} <= set(kinds)
    with pytest.raises(mi.InputValidationError, match="unknown input kind"):
        mi.schemas.get("nope")


# --- datasets -------------------------------------------------------------------------------


def test_datasets_catalogue_and_seeded_generators() -> None:
    names = mi.datasets.list()
    assert "refugees_demo" in names
    for name in names:
        meta = mi.datasets.info(name)
        assert meta.description and meta.source
    a = mi.datasets.load("refugees_demo", seed=1)
    b = mi.datasets.load("refugees_demo", seed=1)
    assert isinstance(a, dict) and isinstance(b, dict)
    pd.testing.assert_frame_equal(a["refugees"], b["refugees"])
    with pytest.raises(mi.MigIndicatorsError, match="no dataset"):
        mi.datasets.info("nope")


def test_every_demo_job_names_a_registered_indicator() -> None:
    for job in mi.datasets.demo_jobs():
        assert job.indicator in mi.registry, f"{job.dataset}: unknown indicator {job.indicator}"


def test_schema_with_duplicated_index_labels_reports_cleanly() -> None:
    part = pd.DataFrame({"ref_area": ["KEN"], "time_period": [2020], "population": [1.0]})
    frame = pd.concat([part, part])  # index [0, 0], duplicated key
    with pytest.raises(mi.InputValidationError, match="unique key"):
        KIND.validate(frame)
    ok = pd.concat([part, part.assign(time_period=2021)])
    assert len(KIND.validate(ok)) == 2
