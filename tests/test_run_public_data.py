"""A run over the real public files as their publishers distribute them (../shared/data).

The spec is the one the docs show (``docs/guide/runs/public-data.toml``), read with the
shared data folder as its base: every shipped reader (RPW and its DataBank export, the
bilateral remittance matrix, UIS, UNHCR, both UN DESA editions, WDI, a CSV census file with
a variable mapping, an IPUMS extract with its DDI codebook) reads its file and meets its
indicator without a hand fix. Figures are checked against the published values listed in
``../shared/data/README.md`` (EXACT / PUBLISHED) or hand-computed from the file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from migindicators.publish.run import RunSummary, check, parse_spec, run

SPEC = Path(__file__).resolve().parents[1] / "docs" / "guide" / "runs" / "public-data.toml"


@pytest.fixture(scope="module")
def spec(shared_data: Path):  # type: ignore[no-untyped-def]
    return parse_spec(SPEC.read_text(encoding="utf-8"), base_dir=shared_data, source=str(SPEC))


@pytest.fixture(scope="module")
def summary(spec, tmp_path_factory: pytest.TempPathFactory) -> RunSummary:  # type: ignore[no-untyped-def]
    return run(spec, out=tmp_path_factory.mktemp("public-run"), progress=False)


def _result(summary: RunSummary, key: str) -> pd.DataFrame:
    outcome = next(o for o in summary.outcomes if o.job.key == key)
    assert outcome.ok, outcome.error
    assert outcome.result is not None and outcome.result.rows_accounted()
    return outcome.result.data


def test_every_reader_reads_its_file(spec) -> None:  # type: ignore[no-untyped-def]
    report = check(spec)
    readers = {rec.reader for rec in report.inputs.values() if rec.error is None}
    assert {
        "rpw",
        "rpw_databank",
        "bilateral_remittances",
        "uis",
        "unhcr",
        "wdi",
        "csv",
        "ipums",
        "knomad",
    } <= readers
    assert report.problems == []


def test_remittance_costs_match_the_published_corridor_averages(summary: RunSummary) -> None:
    data = _result(summary, "remittance_cost_average").set_index(
        ["sending_area", "receiving_area", "time_period"]
    )["value"]
    # README §1 (EXACT): float32 published values, tolerance 1e-5
    assert data[("TZA", "KEN", "2011-Q1")] == pytest.approx(23.6175003, abs=1e-5)
    assert data[("TZA", "KEN", "2011-Q3")] == pytest.approx(23.6027279, abs=1e-5)
    assert data[("TZA", "UGA", "2011-Q3")] == pytest.approx(24.5942860, abs=1e-5)


def test_uis_views_feed_the_mobility_indicators(summary: RunSummary) -> None:
    ratio = _result(summary, "outbound_mobility_ratio").set_index(["ref_area", "time_period"])
    # README §4 (EXACT within 0.01 pp): published MOR.5T8.40510
    assert ratio.loc[("FRA", 2022), "value"] == pytest.approx(3.9354, abs=0.01)
    assert ratio.loc[("IND", 2022), "value"] == pytest.approx(1.5550, abs=0.01)
    inbound = _result(summary, "inbound_mobility_rate")
    assert len(inbound) > 1000
    notes = [n for rec in summary.inputs.values() for n in rec.notes if "UIS view" in n]
    assert len(notes) == 2  # students and enrolment, each said in the run log


def test_refugees_with_unhcr_and_desa_population(summary: RunSummary) -> None:
    data = _result(summary, "refugees_per_100k").set_index(["ref_area", "time_period"])["value"]
    # README §5: with IMS 2020 Table 2 as the denominator Syria at end-2020 is about 27,694
    assert data[("SYR", 2020)] == pytest.approx(27_694, rel=1e-3)


def test_census_csv_with_a_variable_mapping(summary: RunSummary, shared_data: Path) -> None:
    data = _result(summary, "foreign_born_share_ons").set_index("region")["value"]
    raw = pd.read_csv(shared_data / "ons_census2011_teaching_file_subset50k.csv")
    known = raw[raw["Country of Birth"].isin([1, 2])]
    expected = 100 * known.groupby("Region")["Country of Birth"].apply(lambda s: (s == 2).mean())
    pd.testing.assert_series_equal(
        data.sort_index(), expected.sort_index(), check_names=False, check_index_type=False
    )
    census = summary.inputs["census"]
    assert any("['-9']" in n for n in census.notes)  # the unmapped code is said


@pytest.mark.parametrize(
    ("key", "year", "share", "migrants"),
    [
        # README §2 (EXACT): World 2020 280,598,105 migrants, 3.5998 % of the population
        ("migrant_share_desa2020", 2020, 3.5998, 280_598_105),
        # the 2019 edition (UN_MigrantStockTotal_2019): World 2019 271,642,105 migrants
        ("migrant_share_desa2019", 2019, None, 271_642_105),
    ],
)
def test_both_desa_editions(
    summary: RunSummary, key: str, year: int, share: float | None, migrants: int
) -> None:
    data = _result(summary, key)
    row = data[(data["ref_area"] == "001") & (data["time_period"] == year) & (data["sex"] == "_T")]
    assert len(row) == 1
    assert float(row["migrants"].iloc[0]) == migrants
    if share is not None:
        assert float(row["value"].iloc[0]) == pytest.approx(share, abs=1e-4)


def test_everything_computed_and_logged(summary: RunSummary) -> None:
    assert summary.exit_code == 0, [o.error for o in summary.failed] + summary.errors
    log = summary.to_dict()
    for entry in log["indicators"]:
        assert entry["seconds"] >= 0 and entry["inputs"]
        if entry["status"] == "ok":
            assert all(r["given"] == r["used"] + r["excluded"] for r in entry["rows"].values())
    assert (summary.out_dir / "index.html").is_file()


def test_knomad_inflows_match_the_brief(shared_data: Path) -> None:
    from migindicators.io import read_knomad

    frame = read_knomad(shared_data / "knomad_remittance_inflows_june2023.xlsx")
    values = frame.set_index(["ref_area", "time_period"])["remittances"]
    # README §5 (PUBLISHED, Migration and Development Brief 38), US$ million
    assert values[("IND", 2022)] == pytest.approx(111_222, abs=0.5)
    assert values[("001", 2022)] == pytest.approx(831_103, abs=0.5)
    assert frame.attrs["left_out"] == ["Low-and Middle-Income Countries"]
