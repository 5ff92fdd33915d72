"""Flow-matrix inputs and the intensity, impact, connectivity and distance indices."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import migindicators as mi
from migindicators.core.errors import InputValidationError, OptionError
from migindicators.core.flags import has_flag
from migindicators.flows import gini as flow_gini
from migindicators.flows import indicators as flows
from migindicators.flows import indices as flow_indices

HYP = np.array([[0, 10, 10], [20, 0, 20], [30, 30, 0]], dtype=float)
LABELS = ["A", "B", "C"]


def long_hyp() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"origin": o, "destination": d, "flow": HYP[i, j]}
            for i, o in enumerate(LABELS)
            for j, d in enumerate(LABELS)
            if i != j
        ]
    )


def pop3() -> pd.DataFrame:
    return pd.DataFrame({"region": LABELS, "population": [1000.0, 2000.0, 3000.0]})


# --- input forms and checks -------------------------------------------------------------------


def test_long_wide_and_array_inputs_agree():
    wide = pd.DataFrame(HYP, index=LABELS, columns=LABELS)
    values = [
        float(flows.migration_gini_total(x).data["value"].iloc[0]) for x in (long_hyp(), wide, HYP)
    ]
    assert values == pytest.approx([0.2666667] * 3, abs=5e-8)


def test_wide_matrix_must_be_square():
    wide = pd.DataFrame(HYP[:, :2], index=LABELS, columns=["A", "B"])
    with pytest.raises(InputValidationError, match="square"):
        flows.migration_connectivity(wide)
    with pytest.raises(InputValidationError, match="square"):
        flows.migration_connectivity(np.ones((2, 3)))


def test_negative_flow_names_the_column():
    bad = long_hyp()
    bad.loc[0, "flow"] = -5
    with pytest.raises(InputValidationError, match="'flow'"):
        flows.migration_effectiveness_index(bad)


def test_missing_flow_and_duplicated_pair_are_errors():
    bad = long_hyp()
    bad.loc[0, "flow"] = np.nan
    with pytest.raises(InputValidationError, match="flow"):
        flows.migration_connectivity(bad)
    dup = pd.concat([long_hyp(), long_hyp().head(1)], ignore_index=True)
    with pytest.raises(InputValidationError, match="unique key"):
        flows.migration_connectivity(dup)


def test_missing_column_is_named():
    with pytest.raises(InputValidationError, match="destination"):
        flows.migration_connectivity(
            long_hyp()
            .rename(columns={"destination": "dest"})
            .drop(columns=["flow"])
            .assign(flow=1.0, origin="A")
        )


def test_diagonal_is_ignored_and_reported():
    frame = pd.concat(
        [
            long_hyp(),
            pd.DataFrame({"origin": ["A", "B"], "destination": ["A", "B"], "flow": [500.0, 0.0]}),
        ],
        ignore_index=True,
    )
    res = flows.migration_gini_total(frame)
    assert res.data["value"].iloc[0] == pytest.approx(0.2666667, abs=5e-8)
    excl = res.exclusions.set_index("reason")
    nonzero = [r for r in excl.index if "not a move between regions" in r]
    assert excl.loc[nonzero[0], "rows"] == 1
    assert "500" in excl.loc[nonzero[0], "detail"]
    assert res.rows_accounted()
    assert res.metadata["rows"]["flows"] == {"given": 8, "excluded": 2, "used": 6}


def test_regions_option_defines_the_system():
    frame = pd.concat(
        [long_hyp(), pd.DataFrame({"origin": ["A"], "destination": ["Z"], "flow": [7.0]})],
        ignore_index=True,
    )
    res = flows.migration_connectivity(frame, regions=LABELS)
    assert res.data["value"].iloc[0] == 1.0
    assert "region not in regions=" in set(res.exclusions["reason"])
    assert res.rows_accounted()
    # a declared region with no flows lowers connectivity: 6 of 12 pairs
    res4 = flows.migration_connectivity(long_hyp(), regions=[*LABELS, "D"])
    assert res4.data["value"].iloc[0] == pytest.approx(6 / 12)


def test_iso3_code_check_excludes_unknown_codes():
    frame = pd.DataFrame(
        {
            "origin": ["FRA", "DEU", "XXX"],
            "destination": ["DEU", "FRA", "FRA"],
            "flow": [5.0, 3.0, 9.0],
        }
    )
    res = flows.migration_effectiveness_index(frame, codes="iso3")
    assert "unknown country code" in set(res.exclusions["reason"])
    assert "XXX" in res.exclusions["detail"].iloc[0]
    assert res.data.set_index("region").loc["_T", "value"] == pytest.approx(100 * 4 / 16)
    with pytest.raises(OptionError):
        mi.compute("migration_connectivity", flows=frame, codes="m49")


def test_no_flows_gives_nan_and_flag():
    zero = np.zeros((3, 3))
    for func in (
        flows.migration_gini_total,
        flows.migration_effectiveness_index,
        flows.migration_inequality,
    ):
        data = func(zero).data
        assert data["value"].isna().all()
        assert has_flag(data["flag"], "zero_denominator").all()


# --- intensity with populations ---------------------------------------------------------------


def test_intensity_courgeau_anmr_and_nmr_by_hand():
    cmi = flows.crude_migration_intensity(long_hyp(), pop3()).data
    assert cmi["value"].iloc[0] == pytest.approx(100 * 120 / 6000)
    k = flows.courgeau_k(long_hyp(), pop3()).data
    assert k["value"].iloc[0] == pytest.approx(2.0 / math.log(9))
    anmr = flows.aggregate_net_migration_rate(long_hyp(), pop3()).data
    assert anmr["value"].iloc[0] == pytest.approx(100 * 0.5 * 60 / 6000)
    nmr = flows.net_migration_rate(long_hyp(), pop3()).data.set_index("region")
    np.testing.assert_allclose(nmr["value"], [1000 * 30 / 1000, 0.0, -1000 * 30 / 3000])
    assert nmr["unit"].iloc[0] == "permille"


def test_region_without_population_is_flagged_missing():
    res = flows.crude_migration_intensity(long_hyp(), pop3().iloc[:2])
    assert np.isnan(res.data["value"].iloc[0])
    assert has_flag(res.data["flag"], "missing_input").all()
    nmr = flows.net_migration_rate(long_hyp(), pop3().iloc[:2]).data.set_index("region")
    assert np.isnan(nmr.loc["C", "value"]) and "missing_input" in nmr.loc["C", "flag"]
    assert nmr.loc["A", "flag"] == ""


def test_population_outside_the_system_is_excluded():
    pop = pd.concat([pop3(), pd.DataFrame({"region": ["Q"], "population": [5.0]})])
    res = flows.crude_migration_intensity(long_hyp(), pop)
    assert res.data["value"].iloc[0] == pytest.approx(2.0)
    assert "region not in the flow system" in set(res.exclusions["reason"])
    assert res.rows_accounted()


def test_groups_by_year_and_sex_with_totals():
    frames = []
    for year, factor in ((2020, 1.0), (2021, 2.0)):
        for sex, share in (("F", 0.25), ("M", 0.75)):
            frames.append(
                long_hyp().assign(
                    time_period=year, sex=sex, flow=lambda f, s=share, k=factor: f["flow"] * s * k
                )
            )
    flows_by_sex = pd.concat(frames, ignore_index=True)
    pops = pd.concat(
        [
            pop3().assign(time_period=y, sex=s, population=lambda p: p["population"] / 2)
            for y in (2020, 2021)
            for s in ("F", "M")
        ],
        ignore_index=True,
    )
    by_sex = flows.crude_migration_intensity(flows_by_sex, pops, by=["sex"]).data
    assert len(by_sex) == 4
    total = flows.crude_migration_intensity(flows_by_sex, pops).data.set_index("time_period")
    assert total.loc[2020, "value"] == pytest.approx(2.0)
    assert total.loc[2021, "value"] == pytest.approx(4.0)
    # a _T row per cell is used instead of the breakdown
    with_total = pd.concat(
        [flows_by_sex, long_hyp().assign(time_period=2020, sex="_T")], ignore_index=True
    )
    res = flows.migration_gini_total(with_total)
    assert "sex breakdown row: the sex = _T row of its cell is used instead" in set(
        res.exclusions["reason"]
    )
    assert res.rows_accounted()
    with pytest.raises(ValueError, match="cannot be disaggregated"):
        flows.migration_gini_total(flows_by_sex, by=["destination"])


def test_mean_distance_by_hand_and_missing_distance():
    dist = pd.DataFrame(
        [
            {"origin": o, "destination": d, "distance": 100.0 * (i + j)}
            for i, o in enumerate(LABELS)
            for j, d in enumerate(LABELS)
            if i != j
        ]
    )
    res = flows.mean_migration_distance(long_hyp(), dist)
    d = np.array([[0, 100, 200], [100, 0, 300], [200, 300, 0]])
    assert res.data["value"].iloc[0] == pytest.approx((HYP * d).sum() / HYP.sum())
    assert res.unit == "kilometer"
    missing = flows.mean_migration_distance(long_hyp(), dist.iloc[1:])
    assert np.isnan(missing.data["value"].iloc[0])
    assert has_flag(missing.data["flag"], "missing_input").all()
    miles = flows.mean_migration_distance(long_hyp(), dist, distance_unit="mile")
    assert miles.unit == "mile"


def test_inequality_independence_reproduces_margins():
    rng = np.random.default_rng(1)
    m = rng.integers(0, 500, size=(5, 5)).astype(float)
    np.fill_diagonal(m, 0)
    fit = flow_indices.expected_independence(m)
    np.testing.assert_allclose(fit.sum(axis=1), m.sum(axis=1), rtol=1e-9)
    np.testing.assert_allclose(fit.sum(axis=0), m.sum(axis=0), rtol=1e-9)
    assert np.all(np.diag(fit) == 0)
    value = flows.migration_inequality(m, expected="independence").data["value"].iloc[0]
    assert 0 <= value < 1


# --- properties -------------------------------------------------------------------------------

matrices = (
    st.integers(3, 6)
    .flatmap(lambda n: arrays(np.float64, (n, n), elements=st.integers(0, 500).map(float)))
    .filter(lambda m: (m.sum() - np.trace(m)) > 0)
)

# Pure functions: many examples (fast); indicator functions: a few (each validates and
# fingerprints its inputs).
PURE_SCALAR = (
    flow_gini.gini_total,
    flow_gini.gini_row,
    flow_gini.gini_column,
    flow_gini.gini_exchange,
    flow_indices.connectivity,
    flow_indices.inequality,
    flow_indices.effectiveness,
)


@settings(max_examples=60, deadline=None)
@given(matrices, st.randoms(use_true_random=False))
def test_permuting_regions_leaves_scalar_indices_unchanged(m, rnd):
    order = list(range(m.shape[0]))
    rnd.shuffle(order)
    permuted = m[np.ix_(order, order)]
    pop = np.arange(1.0, m.shape[0] + 1) * 1e3
    for func in PURE_SCALAR:
        assert func(permuted) == pytest.approx(func(m), abs=1e-12)
    assert flow_indices.crude_migration_intensity(permuted, pop[order]) == pytest.approx(
        flow_indices.crude_migration_intensity(m, pop)
    )
    assert flow_indices.aggregate_net_migration_rate(permuted, pop[order]) == pytest.approx(
        flow_indices.aggregate_net_migration_rate(m, pop)
    )
    for a, b in zip(flow_gini.weighted_gini(permuted), flow_gini.weighted_gini(m), strict=True):
        assert a == pytest.approx(b, abs=1e-12)


@settings(max_examples=5, deadline=None)
@given(matrices, st.permutations(list("ABCDEF")))
def test_relabelling_regions_in_a_long_frame_leaves_indicators_unchanged(m, labels):
    n = m.shape[0]
    frame = pd.DataFrame(m, index=list("ABCDEF")[:n], columns=list("ABCDEF")[:n])
    mapping = dict(zip(list("ABCDEF")[:n], labels[:n], strict=True))
    relabelled = frame.rename(index=mapping, columns=mapping)
    for func in (
        flows.migration_gini_total,
        flows.migration_inequality,
        flows.migration_connectivity,
    ):
        assert _scalar(func, relabelled) == pytest.approx(_scalar(func, frame), abs=1e-12)
    mei = flows.migration_effectiveness_index
    assert mei(relabelled).data.set_index("region").loc["_T", "value"] == pytest.approx(
        mei(frame).data.set_index("region").loc["_T", "value"]
    )


@settings(max_examples=60, deadline=None)
@given(matrices, st.floats(0.01, 1000))
def test_scaling_flows_leaves_ginis_and_mei_unchanged(m, factor):
    for func in (
        flow_gini.gini_total,
        flow_gini.gini_row,
        flow_gini.gini_column,
        flow_gini.gini_exchange,
        flow_indices.effectiveness,
    ):
        assert func(m * factor) == pytest.approx(func(m), rel=1e-9, abs=1e-12)
    for func in (flow_gini.field_gini_out, flow_gini.field_gini_in):
        np.testing.assert_allclose(func(m * factor), func(m), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        flow_gini.weighted_gini(m * factor), flow_gini.weighted_gini(m), rtol=1e-9, atol=1e-12
    )
    np.testing.assert_allclose(
        flow_indices.regional_effectiveness(m * factor)[0],
        flow_indices.regional_effectiveness(m)[0],
        rtol=1e-9,
        atol=1e-9,
    )


@settings(max_examples=5, deadline=None)
@given(matrices, st.floats(0.01, 1000))
def test_scaling_flows_leaves_gini_and_mei_indicators_unchanged(m, factor):
    for func in (flows.migration_gini_total, flows.migration_gini_exchange):
        assert _scalar(func, m * factor) == pytest.approx(_scalar(func, m), rel=1e-9, abs=1e-12)
    mei = flows.migration_effectiveness_index
    np.testing.assert_allclose(
        mei(m * factor).data["value"], mei(m).data["value"], rtol=1e-9, atol=1e-9
    )


@settings(max_examples=60, deadline=None)
@given(matrices, st.integers(1, 10**6))
def test_anmr_equals_cmi_times_mei(m, scale):
    pop = np.arange(1.0, m.shape[0] + 1) * float(scale)
    cmi = flow_indices.crude_migration_intensity(m, pop)
    anmr = flow_indices.aggregate_net_migration_rate(m, pop)
    assert anmr == pytest.approx(cmi * flow_indices.effectiveness(m) / 100, rel=1e-9)


def test_anmr_identity_through_the_indicators():
    cmi = _scalar(flows.crude_migration_intensity, long_hyp(), population=pop3())
    anmr = _scalar(flows.aggregate_net_migration_rate, long_hyp(), population=pop3())
    mei = flows.migration_effectiveness_index(long_hyp()).data.set_index("region")
    assert anmr == pytest.approx(cmi * mei.loc["_T", "value"] / 100)


def _scalar(func, m, **kw) -> float:
    return float(func(m, **kw).data["value"].iloc[0])


def test_every_flow_indicator_runs_through_the_registry_and_accounts_rows():
    pop = pd.DataFrame({"region": ["1", "2", "3"], "population": [1000, 2000, 3000]})
    dist = pd.DataFrame(
        {
            "origin": ["1", "1", "2", "2", "3", "3"],
            "destination": ["2", "3", "1", "3", "1", "2"],
            "distance": 50.0,
        }
    )
    for id_ in (
        "crude_migration_intensity",
        "courgeau_k",
        "net_migration_rate",
        "migration_effectiveness_index",
        "aggregate_net_migration_rate",
        "migration_connectivity",
        "migration_inequality",
        "migration_gini_total",
        "migration_gini_row",
        "migration_gini_column",
        "migration_gini_exchange",
        "migration_field_gini_out",
        "migration_field_gini_in",
        "migration_weighted_gini",
        "mean_migration_distance",
    ):
        spec = mi.registry[id_]
        kwargs = {"flows": HYP}
        names = {i.name for i in spec.inputs}
        if "population" in names:
            kwargs["population"] = pop
        if "distances" in names:
            kwargs["distances"] = dist
        res = spec.compute(**kwargs)
        assert res.rows_accounted(), id_
        assert res.indicator == id_
        assert res.unit == spec.unit
        assert res.metadata["regions"] == ["1", "2", "3"]


def test_flow_table_gives_the_checked_square_matrix():
    from migindicators.flows.matrix import flow_table

    frame = pd.concat(
        [long_hyp().iloc[1:], pd.DataFrame({"origin": ["A"], "destination": ["A"], "flow": [9.0]})],
        ignore_index=True,
    )
    table, ledger = flow_table(frame)
    assert list(table.columns) == ["origin", "destination", "flow"]
    assert len(table) == 6  # the missing pair comes back as a zero flow
    assert table.loc[(table["origin"] == "A") & (table["destination"] == "B"), "flow"].item() == 0
    assert ledger.summary()["flows"] == {"given": 6, "excluded": 1, "used": 5}


def test_all_rows_excluded_gives_an_empty_result_with_reasons():
    frame = pd.DataFrame(
        {
            "origin": ["R1", "R2"],
            "destination": ["R2", "R1"],
            "time_period": 2020,
            "flow": [1.0, 2.0],
        }
    )
    for func in (flows.migration_gini_total, flows.migration_effectiveness_index):
        res = func(frame, codes="iso3")
        assert res.data.empty
        assert res.exclusions["reason"].tolist() == ["unknown country code"]
        assert res.rows_accounted()


def test_flow_demo_jobs_run_and_account_for_rows():
    data = mi.datasets.load("flow_matrix_demo")
    jobs = [j for j in mi.datasets.demo_jobs() if j.dataset == "flow_matrix_demo"]
    assert len({j.indicator for j in jobs}) == 15
    for job in jobs:
        kwargs = {arg: data[key] for arg, key in job.inputs.items()}
        res = mi.compute(
            job.indicator, **kwargs, **dict(job.options), **({"by": list(job.by)} if job.by else {})
        )
        assert res.rows_accounted(), job.indicator
        assert len(res.data) > 0
        # the demo's within-region moves are reported, not used
        assert any("not a move between regions" in r for r in res.exclusions["reason"])


# --- shared parameter documentation (issue 12) ------------------------------------------------


@pytest.mark.parametrize("name", flows.__all__)
def test_flow_index_docs_share_one_copy_of_the_common_parameters(name: str) -> None:
    import inspect

    func = getattr(flows, name)
    doc = func.__doc__
    assert doc is not None
    params = doc.split("Parameters\n----------\n", 1)[1].split("\n\nReturns\n", 1)[0]
    documented = [line.split(" :")[0] for line in params.splitlines() if line and line[0] != " "]
    assert documented == list(inspect.signature(func).parameters)
    for shared in ("flows", "by", "regions", "codes", "population", "correction"):
        if shared in documented:
            assert flows._SHARED_PARAMETERS[shared] in doc
    assert "\nReturns\n-------\n" in doc and "\nReferences\n----------\n" in doc
