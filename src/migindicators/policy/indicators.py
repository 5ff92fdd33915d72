"""Migration policies: SDG 10.7.2, policy domain scores, overall score and categories."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from migindicators.core.aggregate import normalise_groupings
from migindicators.core.assemble import make_result
from migindicators.core.countries import check_assignable, members
from migindicators.core.errors import InputValidationError, OptionError
from migindicators.core.flags import add_flag
from migindicators.core.frames import accepts_any_frame
from migindicators.core.ledger import RowLedger
from migindicators.core.ratio import check_by, exclude_unknown_countries
from migindicators.core.registry import typed_options
from migindicators.core.result import Result
from migindicators.schemas.policy import POLICY_ANSWERS

__all__ = [
    "CATEGORY_LABELS",
    "DOMAIN_NAMES",
    "migration_policy_categories",
    "migration_policy_category_values",
    "migration_policy_score",
    "migration_policy_score_values",
]

#: The six policy domains (SDMX COMPOSITE_BREAKDOWN codes PD_1 … PD_6).
DOMAIN_NAMES = {
    1: "Migrant rights",
    2: "Whole-of-government / evidence-based policies",
    3: "Cooperation and partnerships",
    4: "Socioeconomic well-being",
    5: "Mobility dimensions of crises",
    6: "Safe, orderly and regular migration",
}
#: Category code → label (the values of series SG_CPA_MIGRS).
CATEGORY_LABELS = {
    1: "Requires further progress",
    2: "Partially meets",
    3: "Meets",
    4: "Fully meets",
}
_SUBCATEGORIES = 5
_DOMAIN1_VALUES = {"yes_regardless_of_status": 1.0, "yes_legal_status_only": 0.5, "no": 0.0}
_OTHER_VALUES = {"yes": 1.0, "no": 0.0}
_DECIMALS = 6
_KEYS = ["ref_area", "time_period"]


def migration_policy_score_values(answers: pd.Series | np.ndarray | Sequence[float]) -> float:
    """Score of one domain (5 values) or of all domains (30 values), 0 to 100.

    .. math:: D = 100 \\cdot \\frac{1}{n} \\sum_j s_j

    Parameters
    ----------
    answers : array-like
        Sub-category values :math:`s_j`: 1 for yes (domain 1: yes regardless of
        immigration status), 0.5 for domain 1's "yes, only for those with legal status",
        0 for no [dimensionless]. A missing value (NaN) makes the score NaN: an unanswered
        sub-category is never read as "no".

    Returns
    -------
    float
        The score [percent], or NaN.

    References
    ----------
    UN DESA and IOM, SDG indicator metadata 10.7.2, "Number of countries with migration
    policies that facilitate orderly, safe, regular and responsible migration and mobility
    of people", https://unstats.un.org/sdgs/metadata/files/Metadata-10-07-02.pdf.

    Examples
    --------
    >>> migration_policy_score_values([1, 1, 1, 1, 0])
    80.0
    >>> migration_policy_score_values([1, 0.5, 0.5, 0, 1])
    60.0
    """
    values = np.asarray(answers, dtype="float64")
    if values.size == 0 or np.isnan(values).any():
        return float("nan")
    return float(100.0 * values.sum() / values.size)


def migration_policy_category_values(
    scores: pd.Series | np.ndarray | Sequence[float], *, decimals: int = _DECIMALS
) -> np.ndarray:
    """Category of 10.7.2 scores: 1 requires further progress … 4 fully meets.

    Boundaries: score < 40 → 1; 40 ≤ score < 80 → 2; 80 ≤ score < 100 → 3; score = 100 → 4.
    Scores are rounded to *decimals* places first, so that float noise (79.99999999999997
    from a sum of halves) does not move a score across a boundary; 39.999 stays in 1.

    Parameters
    ----------
    scores : array-like
        Domain or overall scores [percent].
    decimals : int
        Rounding before comparison (default 6).

    Returns
    -------
    numpy.ndarray
        Float array of category codes 1–4, NaN where the score is NaN.

    References
    ----------
    UN DESA and IOM, SDG indicator metadata 10.7.2,
    https://unstats.un.org/sdgs/metadata/files/Metadata-10-07-02.pdf.

    Examples
    --------
    >>> migration_policy_category_values([39.999, 40, 79.99999999999997, 100])
    array([1., 2., 3., 4.])
    """
    s = np.round(np.asarray(scores, dtype="float64"), decimals)
    out = np.select([s < 40, s < 80, s < 100, s >= 100], [1.0, 2.0, 3.0, 4.0], default=np.nan)
    return np.asarray(np.where(np.isnan(s), np.nan, out), dtype="float64")


@accepts_any_frame
@typed_options("migration_policy_score")
def migration_policy_score(
    answers: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
) -> Result:
    """Migration policy domain scores, overall score and category (SDG 10.7.2).

    For each country and survey round: the six domain scores
    :math:`D_i = 100 \\cdot \\sum_j s_{ji} / 5` and the overall score, 100 times the
    unweighted mean of the 30 sub-category values, each with its category
    (see :func:`migration_policy_category_values`). Domain 1 (migrant rights) is scored
    1 / 0.5 / 0 for "yes, regardless of immigration status" / "yes, only for those with legal
    status" / "no"; domains 2–6 yes = 1, no = 0. A domain with an unanswered sub-category is
    not computed (NaN, flag ``missing_input``) rather than scored as if the answer were no,
    and then neither is the overall score.

    Parameters
    ----------
    answers : pandas.DataFrame
        Input kind ``policy_answers``: ``ref_area``, ``time_period``, ``domain`` (1–6),
        ``subcategory`` (1–5), ``answer``.
    by : sequence of str, optional
        Not used (only ``None`` or ``[]``); the domain breakdown is always given.

    Returns
    -------
    Result
        One row per country, round and ``domain`` (``PD_1`` … ``PD_6``, and ``_T`` for the
        overall score): ``value`` the score 0–100 [percent], ``category`` (1–4, the value
        of series SG_CPA_MIGRS), ``category_label``, ``answered`` (sub-categories answered).

    Raises
    ------
    InputValidationError
        When a domain-1 answer is a plain "yes" (ambiguous between 1 and 0.5) or a
        domain 2–6 answer uses the domain-1 codes.

    References
    ----------
    UN DESA and IOM, SDG indicator metadata 10.7.2,
    https://unstats.un.org/sdgs/metadata/files/Metadata-10-07-02.pdf.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("policy_demo")
    >>> result = mi.policy.migration_policy_score(answers=data["answers"])
    >>> cols = ["ref_area", "time_period", "domain", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period domain  value
         ARG         2019   PD_1   50.0
         ARG         2019   PD_2  100.0
         ARG         2019   PD_3   80.0
    """
    check_by("migration_policy_score", by, ())
    ledger = RowLedger()
    ledger.given("answers", answers)
    cells = _country_scores(answers, ledger)
    return make_result(
        "migration_policy_score",
        cells,
        ledger,
        group_columns=[*_KEYS, "domain"],
        options={"by": []},
        inputs={"answers": answers},
        method="domain score 100 * sum(s) / 5; overall 100 * mean of the 30 values; "
        "categories <40, 40-<80, 80-<100, 100 after rounding to 6 decimals; a "
        "domain with a missing answer is not computed",
    )


@accepts_any_frame
@typed_options("migration_policy_categories")
def migration_policy_categories(
    answers: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    aggregate: str | Sequence[str] = "world",
) -> Result:
    """Number and share of countries in each 10.7.2 category (SDG 10.7.2, SG_CPA_MIGRP).

    Countries are scored by :func:`migration_policy_score`; then, per aggregate area,
    survey round and domain (``_T`` the overall score), the countries with a computed score
    are counted in each of the four categories. ``value`` is the share of those countries
    [percent], ``countries`` the number, ``n`` the number of countries with a score:

    .. math:: S_{a,c} = 100 \\cdot N_{a,c} / \\sum_{c'} N_{a,c'}

    for area :math:`a` and category :math:`c` (countries without a computed score are in no
    category and in no denominator).

    Parameters
    ----------
    answers : pandas.DataFrame
        Input kind ``policy_answers`` (see :func:`migration_policy_score`).
    by : sequence of str, optional
        Not used (only ``None`` or ``[]``).
    aggregate : str or sequence of str
        ``"world"`` (default), ``"sdg_region"``, ``"m49_region"``, ``"m49_sub_region"``,
        ``"m49_intermediate_region"`` or ``"all"``.

    Returns
    -------
    Result
        One row per area, round, domain and category (1–4, all four always present).

    References
    ----------
    UN DESA and IOM, SDG indicator metadata 10.7.2,
    https://unstats.un.org/sdgs/metadata/files/Metadata-10-07-02.pdf.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("policy_demo")
    >>> result = mi.policy.migration_policy_categories(
    ...     answers=data["answers"],
    ...     aggregate=["world", "sdg_region"],
    ... )
    >>> cols = ["ref_area", "time_period", "domain", "category", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period domain  category  value
         001         2019   PD_1         1 31.579
         001         2019   PD_1         2 44.737
         001         2019   PD_1         3 18.421
    """
    check_by("migration_policy_categories", by, ())
    groupings = normalise_groupings(aggregate)
    if not groupings:
        raise OptionError("migration_policy_categories needs at least one aggregate grouping")
    ledger = RowLedger()
    ledger.given("answers", answers)
    scores = _country_scores(answers, ledger)
    scored = scores.loc[scores["category"].notna()].astype({"category": "int64"})
    parts = []
    for grouping in groupings:
        # A withdrawn code whose successors span several aggregates would otherwise drop out
        # of the inner join below without a word.
        check_assignable(
            scored["ref_area"].dropna().astype(str).unique(), grouping, input_name="answers"
        )
        membership = members(grouping)[["iso3", "area"]].rename(columns={"iso3": "ref_area"})
        merged = scored.merge(membership, on="ref_area", how="inner")
        if merged.empty:
            continue
        base = merged.groupby(["area", "time_period", "domain"]).size().rename("n")
        counts = merged.groupby(["area", "time_period", "domain", "category"]).size()
        full = pd.MultiIndex.from_tuples(
            [(*key, cat) for key in base.index for cat in CATEGORY_LABELS],
            names=["area", "time_period", "domain", "category"],
        )
        table = counts.reindex(full, fill_value=0).rename("countries").reset_index()
        table = table.merge(base.reset_index(), on=["area", "time_period", "domain"])
        table["aggregate_grouping"] = grouping
        parts.append(table)
    columns = ["area", "time_period", "domain", "category", "countries", "n", "aggregate_grouping"]
    cells = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    cells = cells.rename(columns={"area": "ref_area"})
    cells["category"] = cells["category"].astype("int64")
    cells["category_label"] = cells["category"].map(CATEGORY_LABELS)
    with np.errstate(divide="ignore", invalid="ignore"):
        cells["value"] = 100.0 * cells["countries"].astype("float64") / cells["n"]
    cells["n"] = cells["n"].astype("int64")
    cells["countries"] = cells["countries"].astype("int64")
    return make_result(
        "migration_policy_categories",
        cells,
        ledger,
        group_columns=[*_KEYS, "domain", "category"],
        options={"by": [], "aggregate": groupings},
        inputs={"answers": answers},
        method="share of countries with a computed score in each category, per area, "
        "round and domain",
    )


def _country_scores(answers: pd.DataFrame, ledger: RowLedger) -> pd.DataFrame:
    """Validated answers → one row per country, round and domain (PD_1 … PD_6, _T)."""
    frame = POLICY_ANSWERS.validate(answers, input_name="answers")
    frame = exclude_unknown_countries(frame, ledger, "answers")
    answer = frame["answer"].astype("object")
    domain1 = frame["domain"] == 1
    bad1 = domain1 & answer.eq("yes")
    bad_other = ~domain1 & answer.isin(["yes_regardless_of_status", "yes_legal_status_only"])
    for mask, message in (
        (
            bad1,
            "domain 1 (migrant rights) needs yes_regardless_of_status, "
            "yes_legal_status_only or no; a plain 'yes' is ambiguous (1 or 0.5)",
        ),
        (bad_other, "domains 2-6 take yes or no; the three-level codes belong to domain 1"),
    ):
        if mask.any():
            rows = ", ".join(
                f"row {i}: domain {d}, {a!r}"
                for i, d, a in zip(
                    frame.index[mask][:5], frame["domain"][mask][:5], answer[mask][:5], strict=True
                )
            )
            raise InputValidationError(
                f"input 'answers' (policy_answers) failed validation: column 'answer': "
                f"{message}; {int(mask.sum())} failure(s), e.g. {rows}",
                input_kind=POLICY_ANSWERS.name,
            )
    value = np.where(domain1, answer.map(_DOMAIN1_VALUES), answer.map(_OTHER_VALUES))
    frame = frame.assign(_s=pd.to_numeric(pd.Series(value, index=frame.index)))

    grouped = frame.groupby([*_KEYS, "domain"], sort=True)
    dom = grouped.agg(total=("_s", "sum"), answered=("_s", "count"), n=("_s", "size")).reset_index()
    # Every country and round gets all six domains, even those with no row at all.
    rounds = dom[_KEYS].drop_duplicates()
    grid = rounds.merge(pd.DataFrame({"domain": list(DOMAIN_NAMES)}), how="cross")
    dom = grid.merge(dom, on=[*_KEYS, "domain"], how="left")
    dom[["total", "answered", "n"]] = dom[["total", "answered", "n"]].fillna(0)
    complete = dom["answered"] == _SUBCATEGORIES
    dom["value"] = np.where(complete, 100.0 * dom["total"] / _SUBCATEGORIES, np.nan)

    overall = (
        dom.groupby(_KEYS, sort=True)
        .agg(
            total=("total", "sum"),
            answered=("answered", "sum"),
            n=("n", "sum"),
            complete=("value", lambda s: bool(s.notna().all())),
        )
        .reset_index()
    )
    n_all = _SUBCATEGORIES * len(DOMAIN_NAMES)
    overall["value"] = np.where(overall["complete"], 100.0 * overall["total"] / n_all, np.nan)
    overall["domain"] = "_T"
    dom["domain"] = "PD_" + dom["domain"].astype("int64").astype(str)
    cells = pd.concat(
        [dom.drop(columns=["total"]), overall.drop(columns=["total", "complete"])],
        ignore_index=True,
    )
    cells["category"] = migration_policy_category_values(cells["value"])
    cells["category_label"] = cells["category"].map(CATEGORY_LABELS)
    cells["category"] = cells["category"].astype("Int64")
    cells["answered"] = cells["answered"].astype("int64")
    cells["n"] = cells["n"].astype("int64")
    cells["flag"] = add_flag(
        pd.Series("", index=cells.index, dtype="object"), cells["value"].isna(), "missing_input"
    )
    return cells
