"""Disclosure control: primary rules by hand, complementary suppression audited by an
independent linear program on generated tables (margins, hierarchies, zeros), cell-key
perturbation reproducible from the same keys, and clear errors for bad parameters."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from migindicators.core.errors import InputValidationError, OptionError
from migindicators.core.flags import has_flag
from migindicators.core.result import VALUE_COLUMNS, Result
from migindicators.disclosure import perturbation_table, protect, record_keys

linprog = pytest.importorskip("scipy.optimize").linprog

T = "_T"


def _records(seed: int, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "sex": rng.choice(["F", "M"], n),
            "age_group": rng.choice(
                ["Y0T14", "Y15T29", "Y30T64", "Y_GE65"], n, p=[0.2, 0.4, 0.37, 0.03]
            ),
            "origin": rng.choice(["UGA", "SOM", "ETH"], n, p=[0.7, 0.25, 0.05]),
        }
    )


def _cube(records: pd.DataFrame, dims: list[str]) -> Result:
    """Counts of every combination of *dims* with every margin (_T)."""
    levels = {d: sorted(records[d].unique()) for d in dims}
    counts = records.groupby(dims).size()
    rows = []
    for combo in itertools.product(*[[*levels[d], T] for d in dims]):
        mask = np.ones(len(records), dtype=bool)
        for d, code in zip(dims, combo, strict=True):
            if code != T:
                mask &= (records[d] == code).to_numpy()
        rows.append({**dict(zip(dims, combo, strict=True)), "value": float(mask.sum())})
    data = pd.DataFrame(rows)
    assert counts.sum() == len(records)
    data["unit"] = "person"
    data["se"] = np.nan
    data["ci_lower"] = np.nan
    data["ci_upper"] = np.nan
    data["n"] = data["value"].astype("int64")
    data["flag"] = ""
    return Result(data=data[[*dims, *VALUE_COLUMNS]], metadata={"indicator": "test_table"})


def _cube_relations(data: pd.DataFrame, dims: list[str]) -> list[tuple[int, list[int]]]:
    """The margins of a cube, written independently of the library: total = sum of parts."""
    key = {tuple(r): i for i, r in enumerate(data[dims].astype(str).itertuples(index=False))}
    relations = []
    for i, row in enumerate(data[dims].astype(str).itertuples(index=False)):
        for pos, code in enumerate(row):
            if code != T:
                continue
            parts = [
                key[(*row[:pos], other, *row[pos + 1 :])]
                for other in data[dims[pos]].astype(str).unique()
                if other != T and (*row[:pos], other, *row[pos + 1 :]) in key
            ]
            relations.append((i, parts))
    return relations


def _independent_audit(
    values: np.ndarray, relations: list[tuple[int, list[int]]], hidden: np.ndarray, cell: int
) -> tuple[float, float]:
    """min and max of a hidden cell: published cells fixed, relations hold, cells >= 0."""
    idx = np.flatnonzero(hidden)
    col = {c: k for k, c in enumerate(idx)}
    a_eq, b_eq = [], []
    for total, parts in relations:
        row = np.zeros(len(idx))
        rhs = 0.0
        for c, coef in [(total, -1.0), *[(p, 1.0) for p in parts]]:
            if hidden[c]:
                row[col[c]] += coef
            else:
                rhs -= coef * values[c]
        if np.any(row != 0):
            a_eq.append(row)
            b_eq.append(rhs)
    c = np.zeros(len(idx))
    c[col[cell]] = 1.0
    kwargs = {"A_eq": np.array(a_eq), "b_eq": np.array(b_eq)} if a_eq else {}
    lo = linprog(c, bounds=[(0, None)] * len(idx), method="highs", **kwargs)
    hi = linprog(-c, bounds=[(0, None)] * len(idx), method="highs", **kwargs)
    assert lo.status == 0
    upper = np.inf if hi.status == 3 else -hi.fun
    return float(lo.fun), float(upper)


@pytest.mark.parametrize(
    ("seed", "dims", "minimum"),
    [
        (1, ["sex", "age_group"], 5),
        (2, ["sex", "age_group", "origin"], 3),
        (3, ["age_group", "origin"], 10),
        (4, ["sex", "age_group", "origin"], 8),
    ],
)
def test_no_suppressed_cell_can_be_recovered(seed: int, dims: list[str], minimum: int) -> None:
    result = _cube(_records(seed), dims)
    protected = protect(result, rules={"frequency": {"min": minimum}}, protection=0.2)
    data = protected.data
    values = result.data["value"].to_numpy(dtype=float)
    flags = data["flag"]
    primary = has_flag(flags, "confidential_frequency").to_numpy()
    hidden = data["value"].isna().to_numpy()
    assert primary.any(), "the generated table must have sensitive cells"
    assert np.array_equal(primary, (values > 0) & (values < minimum))
    assert np.array_equal(hidden, primary | has_flag(flags, "secondary_suppressed").to_numpy())
    assert data.loc[hidden, "n"].isna().all()  # the count of contributors is withheld too
    relations = _cube_relations(result.data, dims)
    for cell in np.flatnonzero(primary):
        lo, hi = _independent_audit(values, relations, hidden, cell)
        v = values[cell]
        assert hi - lo > 1e-6, f"cell {cell} is recoverable exactly"
        assert lo <= v * 0.8 + 1e-7 and hi >= v * 1.2 - 1e-7, (cell, v, lo, hi)
    record = protected.metadata["disclosure"]
    assert record["method"] == "suppress"
    assert record["primary"][0]["cells"] == int(primary.sum())
    assert record["cells_withheld"] == int(hidden.sum())
    assert all(row["protected"] for row in record["audit"])


def test_hierarchy_of_areas_is_protected() -> None:
    rng = np.random.default_rng(7)
    areas = {"EAF": ["KEN", "UGA", "TZA"], "WAF": ["NGA", "GHA"], "AFR": ["EAF", "WAF"]}
    leaves = ["KEN", "UGA", "TZA", "NGA", "GHA"]
    counts = {(a, s): int(rng.choice([0, 1, 2, 15, 40, 80])) for a in leaves for s in "FM"}
    counts[("KEN", "F")] = 2  # at least one sensitive cell
    counts[("TZA", "M")] = 0  # and a zero
    rows = []
    for area in [*leaves, "EAF", "WAF", "AFR"]:
        members = {
            "EAF": areas["EAF"],
            "WAF": areas["WAF"],
            "AFR": leaves,
        }.get(area, [area])
        for s in ["F", "M", T]:
            sexes = ["F", "M"] if s == T else [s]
            rows.append(
                {
                    "ref_area": area,
                    "sex": s,
                    "value": float(sum(counts[(m, x)] for m in members for x in sexes)),
                }
            )
    data = pd.DataFrame(rows)
    for col in ("se", "ci_lower", "ci_upper"):
        data[col] = np.nan
    data["unit"] = "person"
    data["n"] = data["value"].astype("int64")
    data["flag"] = ""
    result = Result(data=data[["ref_area", "sex", *VALUE_COLUMNS]])
    protected = protect(result, rules={"frequency": {"min": 3}}, hierarchies={"ref_area": areas})
    values = data["value"].to_numpy()
    hidden = protected.data["value"].isna().to_numpy()
    primary = has_flag(protected.data["flag"], "confidential_frequency").to_numpy()
    key = {(r.ref_area, r.sex): i for i, r in enumerate(data.itertuples())}
    relations = []
    for parent, children in areas.items():
        for s in ["F", "M", T]:
            relations.append((key[(parent, s)], [key[(c, s)] for c in children]))
    for area in [*leaves, *areas]:
        relations.append((key[(area, T)], [key[(area, "F")], key[(area, "M")]]))
    for cell in np.flatnonzero(primary):
        lo, hi = _independent_audit(values, relations, hidden, cell)
        assert lo <= values[cell] * 0.9 + 1e-7 and hi >= values[cell] * 1.1 - 1e-7
    assert (
        not hidden[key[("TZA", "M")]]
        or has_flag(protected.data["flag"], "secondary_suppressed")[key[("TZA", "M")]]
    )
    assert protected.metadata["disclosure"]["hierarchies"]["ref_area"] == areas


def test_dominance_and_p_percent_by_hand() -> None:
    contributions = pd.DataFrame(
        {
            "corridor": ["A"] * 3 + ["B"] * 3 + ["C"] * 3,
            "amount": [90.0, 5.0, 5.0, 50.0, 30.0, 20.0, 50.0, 45.0, 4.0],
        }
    )
    data = pd.DataFrame({"corridor": ["A", "B", "C"], "value": [100.0, 100.0, 99.0]})
    data["unit"] = "USD"
    for col in ("se", "ci_lower", "ci_upper"):
        data[col] = np.nan
    data["n"] = 3
    data["flag"] = ""
    result = Result(data=data[["corridor", *VALUE_COLUMNS]])
    # (1, 0.85): A's largest is 90 % of its total -> sensitive; B (50 %), C (50.5 %) are not.
    out = protect(result, rules={"dominance": {"n": 1, "k": 0.85}}, contributions=contributions)
    assert out.data["value"].isna().tolist() == [True, False, False]
    # (2, 0.9): C's two largest are 95/99 > 0.9 -> sensitive; B 80 % is not.
    out = protect(result, rules={"dominance": {"n": 2, "k": 0.9}}, contributions=contributions)
    assert out.data["value"].isna().tolist() == [True, False, True]
    # p% with p = 10 %: remainder after the two largest must reach 10 % of the largest:
    # A 5 < 9 sensitive, B 20 >= 5 safe, C 4 < 5 sensitive.
    out = protect(result, rules={"p_percent": {"p": 0.10}}, contributions=contributions)
    assert out.data["value"].isna().tolist() == [True, False, True]
    assert has_flag(out.data["flag"], "confidential_dominance").tolist() == [True, False, True]


def test_threshold_rule_on_weighted_counts() -> None:
    result = _cube(_records(5), ["sex", "age_group"])
    result.data["value"] = result.data["value"] * 250.0  # weighted persons
    out = protect(result, rules={"threshold": {"min": 2000}}, secondary=False)
    small = (result.data["value"] > 0) & (result.data["value"] < 2000)
    assert out.data["value"].isna().tolist() == small.tolist()
    assert out.metadata["disclosure"]["secondary"] == {
        "applied": False,
        "algorithm": "greedy cheapest related cell, audited by linear programming",
        "cells": 0,
    }


def test_cell_key_perturbation_is_reproducible_and_consistent() -> None:
    records = _records(11)
    records["record_key"] = record_keys(len(records), seed=2026)
    dims = ["sex", "age_group"]
    table = _cube(records, dims)
    first = protect(table, method="cell_key", microdata=records)
    again = protect(table, method="cell_key", microdata=records.sample(frac=1.0, random_state=1))
    pd.testing.assert_frame_equal(first.data, again.data)  # same keys, any record order
    # the same cell in another table (sex margins only) is perturbed identically
    by_sex = protect(_cube(records, ["sex"]), method="cell_key", microdata=records)
    for s in ["F", "M", T]:
        a = first.data.loc[(first.data["sex"] == s) & (first.data["age_group"] == T), "value"]
        b = by_sex.data.loc[by_sex.data["sex"] == s, "value"]
        assert a.iloc[0] == b.iloc[0]
    original = table.data["value"].to_numpy()
    perturbed = first.data["value"].to_numpy()
    assert (perturbed >= 0).all()
    assert (np.abs(perturbed - original) <= 2).all()
    assert (perturbed[original == 0] == 0).all()
    assert first.data["n"].isna().all()
    assert has_flag(first.data["flag"], "perturbed").tolist() == (original > 0).tolist()
    other = records.assign(record_key=record_keys(len(records), seed=7))
    changed = protect(table, method="cell_key", microdata=other).data["value"]
    assert not np.array_equal(changed.to_numpy(), perturbed)  # other keys, other noise
    record = first.metadata["disclosure"]["cell_key"]
    assert record["max_perturbation"] == 2 and record["variance"] == 1.0


def test_perturbation_table_is_unbiased_with_the_stated_variance() -> None:
    table = perturbation_table(max_perturbation=3, variance=1.5)
    for i, rows in table.groupby("i"):
        assert rows["p"].sum() == pytest.approx(1.0)
        assert (rows["v"] * rows["p"]).sum() == pytest.approx(0.0, abs=1e-12)
        assert (rows["v"] + i >= 0).all()
    last = table[table["i"] == 3]
    assert (last["v"] ** 2 * last["p"]).sum() == pytest.approx(1.5, rel=1e-9)
    assert table.loc[table["i"] == 0, "v"].tolist() == [0]


def test_bad_parameters_are_clear_errors() -> None:
    result = _cube(_records(1), ["sex", "age_group"])
    with pytest.raises(OptionError, match="unknown disclosure rule 'freq'"):
        protect(result, rules={"freq": {"min": 3}})
    with pytest.raises(OptionError, match="min='3'"):
        protect(result, rules={"frequency": {"min": "3"}})
    with pytest.raises(OptionError, match="no parameter \\['minimum'\\]"):
        protect(result, rules={"frequency": {"minimum": 3}})
    with pytest.raises(OptionError, match="needs min="):
        protect(result, rules={"threshold": {}})
    with pytest.raises(OptionError, match="k=1.5"):
        protect(result, rules={"dominance": {"k": 1.5}}, contributions=pd.DataFrame())
    with pytest.raises(OptionError, match="contributions="):
        protect(result, rules={"p_percent": {}})
    with pytest.raises(OptionError, match="protection"):
        protect(result, protection=-0.1)
    with pytest.raises(OptionError, match="method="):
        protect(result, method="swap")
    with pytest.raises(OptionError, match="microdata="):
        protect(result, method="cell_key")
    with pytest.raises(OptionError, match="max_perturbation"):
        perturbation_table(max_perturbation=0)
    with pytest.raises(OptionError, match="variance"):
        perturbation_table(max_perturbation=2, variance=5)
    records = _records(1).assign(record_key=1.5)
    with pytest.raises(OptionError, match="integers in \\[0, 2\\*\\*32\\)"):
        protect(result, method="cell_key", microdata=records)
    broken = Result(data=result.data.assign(value=result.data["value"] + (result.data["sex"] == T)))
    with pytest.raises(InputValidationError, match="not additive"):
        protect(broken)


def test_cell_key_with_a_hierarchy_of_areas() -> None:
    rng = np.random.default_rng(5)
    n = 300
    records = pd.DataFrame(
        {
            "ref_area": rng.choice(["KEN", "UGA", "NGA"], n),
            "sex": rng.choice(["F", "M"], n),
            "record_key": record_keys(n, seed=99),
        }
    )
    areas = {"EAF": ["KEN", "UGA"], "AFR": ["EAF", "NGA"]}
    members = {"KEN": ["KEN"], "UGA": ["UGA"], "NGA": ["NGA"], "EAF": ["KEN", "UGA"]}
    members["AFR"] = ["KEN", "UGA", "NGA"]
    rows = []
    for area, inside in members.items():
        for s in ["F", "M", T]:
            hit = records["ref_area"].isin(inside) & ((records["sex"] == s) | (s == T))
            rows.append({"ref_area": area, "sex": s, "value": float(hit.sum())})
    data = pd.DataFrame(rows).assign(
        unit="person", se=np.nan, ci_lower=np.nan, ci_upper=np.nan, n=0, flag=""
    )
    result = Result(data=data[["ref_area", "sex", *VALUE_COLUMNS]])
    out = protect(result, method="cell_key", microdata=records, hierarchies={"ref_area": areas})
    # the same East-Africa cells as a table of their own (one area, KEN+UGA relabelled)
    east = records[records["ref_area"].isin(["KEN", "UGA"])].assign(ref_area="EAF")
    alone = data[data["ref_area"] == "EAF"].reset_index(drop=True)
    other = protect(
        Result(data=alone[["ref_area", "sex", *VALUE_COLUMNS]]), method="cell_key", microdata=east
    )
    mine = out.data[out.data["ref_area"] == "EAF"].reset_index(drop=True)
    assert mine["value"].tolist() == other.data["value"].tolist()
    assert (np.abs(out.data["value"] - data["value"]) <= 2).all()
