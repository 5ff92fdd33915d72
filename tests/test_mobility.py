"""UIS student-mobility indicators: definitions, mirror data, aggregates, edge cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import migindicators as mi
from migindicators.core.errors import InputValidationError
from migindicators.core.flags import has_flag
from migindicators.mobility import indicators as mobility


def students() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "origin": ["IND", "CHN", "IND", "GBR", "CHN"],
            "destination": ["GBR", "GBR", "USA", "USA", "USA"],
            "time_period": 2022,
            "students": [100_000.0, 150_000.0, 200_000.0, 10_000.0, 290_000.0],
        }
    )


def enrolment() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ref_area": ["GBR", "USA", "IND", "CHN"],
            "time_period": 2022,
            "enrolment": [2_500_000.0, 19_000_000.0, 40_000_000.0, 57_000_000.0],
        }
    )


def by_area(result: mi.Result) -> pd.DataFrame:
    return result.data.set_index("ref_area")


# --- definitions by hand ----------------------------------------------------------------------


def test_inbound_mobility_rate_by_hand():
    res = mobility.inbound_mobility_rate(students(), enrolment())
    data = by_area(res)
    assert data.loc["GBR", "value"] == pytest.approx(100 * 250_000 / 2_500_000)
    assert data.loc["USA", "value"] == pytest.approx(100 * 500_000 / 19_000_000)
    assert data.loc["GBR", "n"] == 2
    assert res.unit == "percent"
    assert res.rows_accounted()
    # IND and CHN host nobody here: their enrolment rows are excluded, with a reason
    assert res.exclusions.set_index("input").loc["enrolment", "rows"] == 2


def test_outbound_mobility_ratio_from_mirror_data():
    res = mobility.outbound_mobility_ratio(students(), enrolment())
    data = by_area(res)
    assert data.loc["IND", "value"] == pytest.approx(100 * 300_000 / 40_000_000)
    assert data.loc["CHN", "value"] == pytest.approx(100 * 440_000 / 57_000_000)
    assert data.loc["GBR", "value"] == pytest.approx(100 * 10_000 / 2_500_000)
    # Hosts of the partner universe that sent no rows: IND and CHN (the origin itself is
    # not counted among its own missing hosts).
    assert data.loc["IND", "hosts_not_reporting"] == 1
    assert data.loc["GBR", "hosts_not_reporting"] == 2
    assert has_flag(res.data["flag"], "partial_reporting").all()
    listed = res.metadata["hosts_not_reporting"]
    assert listed == [{"time_period": 2022, "hosts": ["CHN", "IND"]}]
    assert res.rows_accounted()


def test_all_hosts_reporting_is_not_flagged():
    st_ = pd.DataFrame(
        {
            "origin": ["FRA", "DEU"],
            "destination": ["DEU", "FRA"],
            "time_period": 2020,
            "students": [10.0, 20.0],
        }
    )
    en = pd.DataFrame(
        {"ref_area": ["FRA", "DEU"], "time_period": 2020, "enrolment": [1000.0, 2000.0]}
    )
    res = mobility.outbound_mobility_ratio(st_, en)
    assert (res.data["hosts_not_reporting"] == 0).all()
    assert not has_flag(res.data["flag"], "partial_reporting").any()


def test_net_flow_and_net_flow_ratio():
    nf = by_area(mobility.net_flow_mobile_students(students()))
    assert nf.loc["GBR", "value"] == pytest.approx(250_000 - 10_000)
    # IND reports no inbound students (no host rows): unknown, not zero
    assert math.isnan(nf.loc["IND", "value"])
    assert "missing_input" in nf.loc["IND", "flag"]
    # USA: inbound known, no host reported students from the USA: outbound unknown
    assert math.isnan(nf.loc["USA", "value"])
    nfr = by_area(mobility.net_flow_ratio(students(), enrolment()))
    assert nfr.loc["GBR", "value"] == pytest.approx(100 * 240_000 / 2_500_000)
    assert nfr.loc["GBR", "net"] == pytest.approx(240_000)


def test_gross_outbound_enrolment_ratio():
    pop = pd.DataFrame(
        {"ref_area": ["IND", "CHN", "GBR"], "time_period": 2022, "population": [120e6, 90e6, 4e6]}
    )
    data = by_area(mobility.gross_outbound_enrolment_ratio(students(), pop))
    assert data.loc["IND", "value"] == pytest.approx(100 * 300_000 / 120e6)
    with pytest.raises(ValueError, match="cannot be disaggregated"):
        mobility.gross_outbound_enrolment_ratio(students(), pop, by=["isced_level"])


# --- special codes, exclusions and edge cases -------------------------------------------------


def test_unknown_origin_counts_for_the_host_only():
    extra = pd.concat(
        [
            students(),
            pd.DataFrame(
                {
                    "origin": ["_U"],
                    "destination": ["GBR"],
                    "time_period": [2022],
                    "students": [5_000.0],
                }
            ),
        ]
    )
    inbound = by_area(mobility.inbound_mobility_rate(extra, enrolment()))
    assert inbound.loc["GBR", "inbound"] == 255_000
    out = mobility.outbound_mobility_ratio(extra, enrolment())
    assert any("origin _T or _U" in r for r in out.exclusions["reason"])
    assert out.rows_accounted()


def test_published_totals_replace_bilateral_rows():
    totals = pd.DataFrame(
        {
            "origin": ["_T", "IND"],
            "destination": ["GBR", "_T"],
            "time_period": 2022,
            "students": [260_000.0, 320_000.0],
        }
    )
    both = pd.concat([students(), totals], ignore_index=True)
    inbound = mobility.inbound_mobility_rate(both, enrolment())
    assert by_area(inbound).loc["GBR", "inbound"] == 260_000
    assert "host total given (origin _T): bilateral rows not added to it" in set(
        inbound.exclusions["reason"]
    )
    out = mobility.outbound_mobility_ratio(both, enrolment())
    data = by_area(out)
    assert data.loc["IND", "outbound"] == 320_000
    assert bool(data.loc["IND", "published_total"])
    assert pd.isna(data.loc["IND", "hosts_not_reporting"])
    assert "partial_reporting" not in data.loc["IND", "flag"]
    assert out.rows_accounted()


def test_ratio_above_100_percent_is_kept_and_flagged():
    st_ = pd.DataFrame(
        {"origin": ["LUX"], "destination": ["DEU"], "time_period": 2004, "students": [7_000.0]}
    )
    en = pd.DataFrame(
        {"ref_area": ["LUX", "DEU"], "time_period": 2004, "enrolment": [3_000.0, 2e6]}
    )
    data = by_area(mobility.outbound_mobility_ratio(st_, en))
    assert data.loc["LUX", "value"] == pytest.approx(100 * 7_000 / 3_000)
    assert "above_100_percent" in data.loc["LUX", "flag"]


def test_zero_enrolment_gives_nan_and_flag():
    en = enrolment().assign(enrolment=lambda f: f["enrolment"].where(f["ref_area"] != "IND", 0))
    data = by_area(mobility.outbound_mobility_ratio(students(), en))
    assert math.isnan(data.loc["IND", "value"])
    assert "zero_denominator" in data.loc["IND", "flag"]


def test_unknown_codes_and_same_country_rows_are_excluded():
    extra = pd.concat(
        [
            students(),
            pd.DataFrame(
                {
                    "origin": ["XXX", "GBR"],
                    "destination": ["GBR", "GBR"],
                    "time_period": 2022,
                    "students": [1.0, 2.0],
                }
            ),
        ],
        ignore_index=True,
    )
    res = mobility.outbound_mobility_ratio(extra, enrolment())
    reasons = set(res.exclusions["reason"])
    assert "unknown country code (origin)" in reasons
    assert "origin equals destination: not internationally mobile" in reasons
    assert res.rows_accounted()
    bad_en = pd.concat(
        [
            enrolment(),
            pd.DataFrame({"ref_area": ["QQQ"], "time_period": [2022], "enrolment": [5.0]}),
        ]
    )
    res2 = mobility.inbound_mobility_rate(students(), bad_en)
    assert "unknown country code" in set(res2.exclusions["reason"])


def test_bad_input_names_the_column():
    bad = students()
    bad.loc[0, "students"] = -1
    with pytest.raises(InputValidationError, match="'students'"):
        mobility.inbound_mobility_rate(bad, enrolment())
    with pytest.raises(InputValidationError, match="enrolment"):
        mobility.inbound_mobility_rate(students(), enrolment().drop(columns=["enrolment"]))
    with pytest.raises(InputValidationError, match="isced_level"):
        mobility.inbound_mobility_rate(students().assign(isced_level="9"), enrolment())


def test_caller_frames_are_not_mutated():
    s, e = students(), enrolment()
    s0, e0 = s.copy(), e.copy()
    mobility.net_flow_ratio(s, e, aggregate="world")
    pd.testing.assert_frame_equal(s, s0)
    pd.testing.assert_frame_equal(e, e0)


# --- disaggregations and aggregates -----------------------------------------------------------


def by_sex_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    s = pd.concat(
        [
            students().assign(sex="F", students=lambda f: f["students"] * 0.6),
            students().assign(sex="M", students=lambda f: f["students"] * 0.4),
        ],
        ignore_index=True,
    )
    e = pd.concat(
        [
            enrolment().assign(sex="F", enrolment=lambda f: f["enrolment"] * 0.5),
            enrolment().assign(sex="M", enrolment=lambda f: f["enrolment"] * 0.5),
        ],
        ignore_index=True,
    )
    return s, e


def test_disaggregation_by_sex_sums_to_the_total():
    s, e = by_sex_inputs()
    by_sex = mobility.outbound_mobility_ratio(s, e, by=["sex"]).data
    total = by_area(mobility.outbound_mobility_ratio(s, e))
    sums = by_sex.groupby("ref_area")[["outbound", "enrolment"]].sum()
    np.testing.assert_allclose(sums.loc[total.index, "outbound"], total["outbound"])
    assert total.loc["IND", "value"] == pytest.approx(100 * 300_000 / 40_000_000)
    # sex = _T rows are used instead of the breakdown when present
    with_total = pd.concat([s, students().assign(sex="_T")], ignore_index=True)
    res = mobility.outbound_mobility_ratio(with_total, e)
    assert by_area(res).loc["IND", "outbound"] == pytest.approx(300_000)
    assert res.rows_accounted()


def test_aggregates_sum_counts_then_divide():
    res = mobility.outbound_mobility_ratio(students(), enrolment(), aggregate="world")
    world = res.data.loc[res.data["ref_area"] == "001"].iloc[0]
    countries = res.data.loc[res.data["ref_area"] != "001"]
    assert world["value"] == pytest.approx(
        100 * countries["outbound"].sum() / countries["enrolment"].sum()
    )
    assert world["value"] != pytest.approx(countries["value"].mean())
    assert "incomplete_coverage" in world["flag"]
    assert "partial_reporting" in world["flag"]


def test_aggregates_leave_out_members_whose_ratio_is_undefined():
    # ITA has students but a zero enrolment: its own ratios are NaN, and its students must
    # not enter the world numerators while adding nothing to the denominators.
    s = pd.DataFrame(
        {
            "origin": ["FRA", "DEU", "FRA", "ITA"],
            "destination": ["DEU", "FRA", "ITA", "DEU"],
            "time_period": 2021,
            "students": [100.0, 50.0, 30.0, 20.0],
        }
    )
    e = pd.DataFrame(
        {"ref_area": ["FRA", "DEU", "ITA"], "time_period": 2021, "enrolment": [2000.0, 1000.0, 0.0]}
    )
    p = e.rename(columns={"enrolment": "population"})

    def world(res: mi.Result) -> pd.Series:
        row = res.data.set_index("ref_area").loc["001"]
        assert row["members_with_data"] == 2
        assert res.rows_accounted()
        return row

    # inbound: DEU 100 + 20, FRA 50 over 1000 + 2000
    assert world(mobility.inbound_mobility_rate(s, e, aggregate="world"))["value"] == pytest.approx(
        100 * 170 / 3000
    )
    # outbound: DEU 50, FRA 100 + 30 over the same enrolments
    assert world(mobility.outbound_mobility_ratio(s, e, aggregate="world"))[
        "value"
    ] == pytest.approx(100 * 180 / 3000)
    assert world(mobility.gross_outbound_enrolment_ratio(s, p, aggregate="world"))[
        "value"
    ] == pytest.approx(100 * 180 / 3000)
    assert world(mobility.net_flow_ratio(s, e, aggregate="world"))["value"] == pytest.approx(
        100 * (170 - 180) / 3000
    )


codes = ["FRA", "DEU", "ITA", "ESP", "NLD", "BEL", "POL", "SWE"]


@st.composite
def mobility_inputs(draw):
    n = draw(st.integers(2, len(codes)))
    cs = codes[:n]
    rows = []
    for o in cs:
        for d in cs:
            if o != d and draw(st.booleans()):
                rows.append(
                    {
                        "origin": o,
                        "destination": d,
                        "time_period": 2020,
                        "students": float(draw(st.integers(0, 10_000))),
                    }
                )
    if not rows:
        rows.append({"origin": cs[0], "destination": cs[1], "time_period": 2020, "students": 5.0})
    en = pd.DataFrame(
        {
            "ref_area": cs,
            "time_period": 2020,
            "enrolment": [float(draw(st.integers(1, 10**6))) for _ in cs],
        }
    )
    return pd.DataFrame(rows), en


@settings(max_examples=10, deadline=None)
@given(mobility_inputs(), st.randoms(use_true_random=False))
def test_row_order_does_not_change_mobility_ratios(inputs, rnd):
    s, e = inputs
    order = list(range(len(s)))
    rnd.shuffle(order)
    for func in (mobility.inbound_mobility_rate, mobility.outbound_mobility_ratio):
        a = func(s, e, aggregate="world").data
        b = func(s.iloc[order].reset_index(drop=True), e.iloc[::-1], aggregate="world").data
        pd.testing.assert_frame_equal(a, b)


@settings(max_examples=10, deadline=None)
@given(mobility_inputs())
def test_aggregates_lie_between_their_members(inputs):
    s, e = inputs
    for func in (mobility.inbound_mobility_rate, mobility.outbound_mobility_ratio):
        data = func(s, e, aggregate="m49_region").data
        countries = data.loc[data["aggregate_grouping"].isna()]
        for _, agg in data.loc[data["aggregate_grouping"].notna()].iterrows():
            member = countries["ref_area"].isin(
                mi.core.countries.members("m49_region").query("area == @agg.ref_area")["iso3"]
            )
            values = countries.loc[member, "value"].dropna()
            if len(values) and not math.isnan(agg["value"]):
                assert values.min() - 1e-9 <= agg["value"] <= values.max() + 1e-9


# --- dispersion index (library reconstruction) ------------------------------------------------


def test_dispersion_measures_by_hand():
    even = mobility.dispersion_measures(np.array([50.0, 50.0]), possible=2, top_k=1)
    assert even["normalised_entropy"] == pytest.approx(1.0)
    assert even["hhi"] == pytest.approx(0.5)
    assert even["effective_destinations"] == pytest.approx(2.0)
    assert even["top_k_share"] == pytest.approx(50.0)
    one = mobility.dispersion_measures(np.array([80.0, 0.0]), possible=4)
    assert one["normalised_entropy"] == 0.0
    # == 0.0 also holds for -0.0, which the published tables would print as "-0.0"
    assert math.copysign(1.0, one["normalised_entropy"]) == 1.0
    assert math.copysign(1.0, one["entropy"]) == 1.0
    assert one["hhi"] == 1.0
    shares = np.array([0.5, 0.3, 0.2])
    m = mobility.dispersion_measures(shares * 1000, possible=5, top_k=2)
    assert m["entropy"] == pytest.approx(-(shares * np.log(shares)).sum())
    assert m["normalised_entropy"] == pytest.approx(m["entropy"] / math.log(5))
    assert m["effective_destinations"] == pytest.approx(1 / (shares**2).sum())
    assert m["top_k_share"] == pytest.approx(80.0)


def test_dispersion_indicator_and_its_status():
    res = mobility.mobility_dispersion_index(students())
    data = by_area(res)
    # IND: 100k in GBR, 200k in USA; possible hosts GBR and USA
    s = np.array([1 / 3, 2 / 3])
    assert data.loc["IND", "value"] == pytest.approx(-(s * np.log(s)).sum() / math.log(2))
    assert data.loc["IND", "possible_destinations"] == 2
    assert res.unit == "dimensionless"
    top = mobility.mobility_dispersion_index(students(), measure="top_k_share", top_k=1)
    assert by_area(top).loc["IND", "value"] == pytest.approx(200 / 3)
    assert top.unit == "percent"
    spec = mi.registry["mobility_dispersion_index"]
    assert spec.status == "reconstruction"
    assert "reconstruction" in spec.name.lower()
    with pytest.raises(ValueError, match="measure"):
        mobility.mobility_dispersion_index(students(), measure="gini")


def test_registry_entries_of_the_family():
    for id_ in (
        "inbound_mobility_rate",
        "outbound_mobility_ratio",
        "net_flow_mobile_students",
        "net_flow_ratio",
        "gross_outbound_enrolment_ratio",
        "mobility_dispersion_index",
    ):
        spec = mi.registry[id_]
        assert spec.sdg is None
        assert spec.agenda_points == (7, 6)


def test_demo_jobs_run_and_account_for_rows():
    data = mi.datasets.load("student_mobility_demo")
    for job in mi.datasets.demo_jobs():
        if job.dataset != "student_mobility_demo":
            continue
        kwargs = {arg: data[key] for arg, key in job.inputs.items()}
        res = mi.compute(
            job.indicator, **kwargs, **dict(job.options), **({"by": list(job.by)} if job.by else {})
        )
        assert res.rows_accounted(), job.indicator
        if job.indicator == "outbound_mobility_ratio":
            assert has_flag(res.data["flag"], "above_100_percent").any()
            assert has_flag(res.data["flag"], "partial_reporting").any()


def test_outbound_by_destination_region_sums_to_the_total():
    res = mobility.outbound_mobility_ratio(
        students(), enrolment(), destination_grouping="m49_region"
    )
    data = res.data
    # GBR and USA are in Europe (150) and the Americas (019)
    ind = data.loc[data["ref_area"] == "IND"].set_index("destination_region")
    assert ind.loc["150", "value"] == pytest.approx(100 * 100_000 / 40_000_000)
    assert ind.loc["019", "value"] == pytest.approx(100 * 200_000 / 40_000_000)
    total = by_area(mobility.outbound_mobility_ratio(students(), enrolment()))
    sums = data.groupby("ref_area")["value"].sum()
    np.testing.assert_allclose(sums.loc[total.index], total["value"])
    assert (data["hosts_not_reporting"] >= 0).all()
    assert res.rows_accounted()
    with pytest.raises(ValueError, match="destination_grouping"):
        mobility.outbound_mobility_ratio(students(), enrolment(), destination_grouping="world")
    with pytest.raises(mi.OptionError):
        mi.compute(
            "outbound_mobility_ratio",
            students=students(),
            enrolment=enrolment(),
            destination_grouping="continent",
        )
