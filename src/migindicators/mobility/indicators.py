"""Internationally mobile tertiary students: the UNESCO UIS mobility indicators.

Definitions (UIS glossary; methodology.md §4). An internationally mobile student has crossed
a border to study; the country of origin is the country of prior education (where the upper
secondary qualification was obtained). All counts are of tertiary students (ISCED 5–8) in the
same academic year.

* inbound mobility rate = 100 · inbound students in the country / total tertiary enrolment in
  the country;
* outbound mobility ratio = 100 · students from the country studying abroad / total tertiary
  enrolment in the country;
* net flow = inbound − outbound (persons; positive = net importer);
* net flow ratio = 100 · (inbound − outbound) / total tertiary enrolment in the country;
* gross outbound enrolment ratio = 100 · outbound students / population of tertiary school
  age in the country of origin.

Outbound counts are compiled from host-country reports (mirror data,
:mod:`migindicators.mobility.mirror`); each outbound cell states how many hosts of the
partner universe did not report (``hosts_not_reporting``) and carries the flag
``partial_reporting`` when any did. Ratios above 100 % are genuine (more students abroad than
at home) and are kept, flagged ``above_100_percent``. Regional aggregates sum the counts and
the enrolments of the member countries with data, then divide — never an average of ratios.

The library's own :func:`mobility_dispersion_index` (status "reconstruction") measures how
concentrated a country's outbound students are across destinations.

References
----------
UNESCO Institute for Statistics, glossary: "Inbound mobility rate"
(https://uis.unesco.org/node/3079622), "Outbound mobility ratio"
(http://uis.unesco.org/en/glossary-term/outbound-mobility-ratio), "Net flow ratio of
internationally mobile students" (http://uis.unesco.org/node/3079624), "Net flow of
internationally mobile students" (https://uis.unesco.org/node/4789139).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.aggregate import impute_over_time, normalise_groupings, sum_by_area
from migindicators.core.assemble import make_result
from migindicators.core.countries import is_country, members
from migindicators.core.errors import MissingColumnError, OptionError
from migindicators.core.flags import add_flag
from migindicators.core.frames import accepts_any_frame
from migindicators.core.ledger import RowLedger
from migindicators.core.registry import typed_options
from migindicators.core.result import Result
from migindicators.mobility import mirror
from migindicators.schemas.mobility import (
    MOBILE_STUDENTS,
    TERTIARY_AGE_POPULATION,
    TERTIARY_ENROLMENT,
)

__all__ = [
    "DISPERSION_MEASURES",
    "dispersion_measures",
    "gross_outbound_enrolment_ratio",
    "inbound_mobility_rate",
    "mobility_dispersion_index",
    "mobility_ratio_values",
    "net_flow_mobile_students",
    "net_flow_ratio",
    "outbound_mobility_ratio",
]

_ALLOWED_BY = ("sex", "isced_level")
#: Values of the ``aggregate_method`` option: the plain sum over members reporting in the
#: year, or UIS's rule (missing members filled from their own other years, and the world's
#: outbound students = all mobile students hosted, unknown origins included).
AGGREGATE_METHODS = ("reporting", "uis_imputed")
#: Values of the ``measure`` option of :func:`mobility_dispersion_index`.
DISPERSION_MEASURES = ("normalised_entropy", "effective_destinations", "hhi", "top_k_share")


# --- pure compute -----------------------------------------------------------------------------


def mobility_ratio_values(
    students: pd.Series | np.ndarray, denominator: pd.Series | np.ndarray
) -> np.ndarray:
    """A UIS mobility ratio in percent.

    .. math:: 100 \\cdot S / E

    Values above 100 are kept (not clipped); a zero or missing denominator gives NaN.

    Parameters
    ----------
    students : array-like
        Inbound, outbound or net mobile students [person].
    denominator : array-like
        Total tertiary enrolment of the country, or its population of tertiary age [person].

    Returns
    -------
    numpy.ndarray
        [percent].

    References
    ----------
    UNESCO Institute for Statistics, glossary (inbound mobility rate, outbound mobility
    ratio, net flow ratio, gross outbound enrolment ratio).

    Examples
    --------
    >>> mobility_ratio_values(np.array([113471.0]), np.array([2883413.0])).round(4)
    array([3.9353])
    """
    s = np.asarray(students, dtype="float64")
    d = np.asarray(denominator, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out: np.ndarray = np.where(d > 0, 100.0 * s / np.where(d > 0, d, 1.0), np.nan)
    return out


def dispersion_measures(counts: np.ndarray, *, possible: int, top_k: int = 3) -> dict[str, float]:
    """Concentration of one origin's outbound students across destinations.

    With shares :math:`s_d = x_d / \\sum x` over destinations with students:

    * Shannon entropy :math:`H = -\\sum_d s_d \\ln s_d`; normalised entropy
      :math:`J = H / \\ln K`, K = *possible* destinations (0 = all in one host, 1 = spread
      evenly over all K; NaN when K < 2) — Pielou's evenness with K the number of hosts
      that could have been chosen rather than those that were;
    * Herfindahl–Hirschman index :math:`HHI = \\sum_d s_d^2` (1/K to 1);
    * effective number of destinations :math:`1 / HHI` (the inverse Simpson index, the
      "numbers equivalent" of Laakso and Taagepera 1979 / Jost 2006);
    * top-k share :math:`100 \\sum_{d \\in top k} s_d` [percent].

    Parameters
    ----------
    counts : numpy.ndarray
        Students from the origin in each destination [person].
    possible : int
        K, the number of destinations that could be chosen (reporting hosts other than the
        origin).
    top_k : int
        k for the top-k share.

    References
    ----------
    Shannon, C. E. (1948). A mathematical theory of communication. *Bell System Technical
    Journal* 27, 379–423. Pielou, E. C. (1966). The measurement of diversity in different types
    of biological collections. *Journal of Theoretical Biology* 13, 131–144. Hirschman, A. O.
    (1964). The paternity of an index. *American Economic Review* 54(5), 761. Laakso, M. and
    Taagepera, R. (1979). "Effective" number of parties. *Comparative Political Studies*
    12(1), 3–27. Jost, L. (2006). Entropy and diversity. *Oikos* 113(2), 363–375.
    """
    x = np.asarray(counts, dtype="float64")
    x = x[x > 0]
    total = x.sum()
    if x.size == 0 or not total > 0:
        return {
            "normalised_entropy": np.nan,
            "entropy": np.nan,
            "hhi": np.nan,
            "effective_destinations": np.nan,
            "top_k_share": np.nan,
            "destinations": 0.0,
        }
    s = x / total
    # + 0.0 turns the -0.0 of a single destination (-(1 * ln 1)) into 0.0.
    entropy = float(-(s * np.log(s)).sum()) + 0.0
    hhi = float((s**2).sum())
    normalised = entropy / float(np.log(possible)) if possible >= 2 else np.nan
    top = float(100.0 * np.sort(s)[::-1][:top_k].sum())
    return {
        "normalised_entropy": normalised,
        "entropy": entropy,
        "hhi": hhi,
        "effective_destinations": 1.0 / hhi,
        "top_k_share": top,
        "destinations": float(x.size),
    }


# --- shared machinery -------------------------------------------------------------------------


def _check_by(
    by: Sequence[str] | str | None, indicator: str, allowed: Sequence[str] = _ALLOWED_BY
) -> list[str]:
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    bad = [c for c in by_cols if c not in allowed]
    if bad:
        raise OptionError(f"{indicator} cannot be disaggregated by {bad}; allowed: {list(allowed)}")
    return by_cols


def _students(ledger: RowLedger, students: pd.DataFrame, by_cols: list[str]) -> pd.DataFrame:
    ledger.given("students", students)
    st = MOBILE_STUDENTS.validate(students, input_name="students")
    absent = [c for c in by_cols if c not in st.columns]
    if absent:
        raise MissingColumnError(f"by={by_cols}: input 'students' has no column(s) {absent}")
    st = _collapse(ledger, "students", st, by_cols, ["origin", "destination", "time_period"])
    return st.reset_index(drop=True)


_TOTAL_CODES = (("sex", "_T"), ("isced_level", "5T8"))


def _collapse(
    ledger: RowLedger, name: str, frame: pd.DataFrame, by_cols: list[str], base: list[str]
) -> pd.DataFrame:
    """Drop breakdown columns not in *by*: a cell's total row is used when it has one (its
    breakdown rows are excluded, not added to it); otherwise its breakdown rows are summed
    later, when the cells are formed."""
    for col, total in _TOTAL_CODES:
        if col not in frame.columns or col in by_cols:
            continue
        others = [
            c for c in frame.columns if c in (*base, *(c for c, _ in _TOTAL_CODES)) and c != col
        ]
        is_total = frame[col].eq(total)
        if is_total.any():
            has_total = (
                is_total.groupby([frame[c] for c in others], dropna=False)
                .transform("any")
                .astype(bool)
            )
            frame = ledger.exclude(
                name,
                frame,
                (has_total & ~is_total).to_numpy(),
                f"{col} breakdown row: the {col} = {total} row of its cell is used instead",
            )
        frame = frame.drop(columns=[col])
    return frame


def _denominator(
    ledger: RowLedger, name: str, frame: pd.DataFrame, by_cols: list[str], population: bool = False
) -> pd.DataFrame:
    ledger.given(name, frame)
    kind = TERTIARY_AGE_POPULATION if population else TERTIARY_ENROLMENT
    out = kind.validate(frame, input_name=name)
    absent = [c for c in by_cols if c not in out.columns]
    if absent:
        raise MissingColumnError(f"by={by_cols}: input {name!r} has no column(s) {absent}")
    out = _collapse(ledger, name, out, by_cols, ["ref_area", "time_period"])
    unknown = ~is_country(out["ref_area"])
    return ledger.exclude(
        name, out, unknown, "unknown country code", detail=_sample(out.loc[unknown, "ref_area"])
    )


def _sample(values: pd.Series, limit: int = 10) -> str:
    uniq = sorted(map(str, pd.unique(values)))
    more = f" (+{len(uniq) - limit} more)" if len(uniq) > limit else ""
    return ", ".join(uniq[:limit]) + more


def _key_index(frame: pd.DataFrame, cols: list[str]) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(frame[cols].astype(object))


def _match(
    ledger: RowLedger,
    cells: pd.DataFrame,
    used: pd.DataFrame,
    den: pd.DataFrame,
    den_name: str,
    den_col: str,
    keys: list[str],
    role: str,
) -> pd.DataFrame:
    """Keep cells with a denominator row; account for student and denominator rows."""
    cols = ["ref_area", *keys]
    cell_idx = _key_index(cells, cols)
    den_idx = _key_index(den, cols)
    has_den = cell_idx.isin(den_idx)
    rows_out = _key_index(used, cols).isin(cell_idx[~has_den])
    ledger.exclude(
        "students",
        used,
        rows_out,
        f"{role} with no {den_name} row",
        detail=_sample(cells.loc[~has_den, "ref_area"]),
    )
    ledger.exclude(
        den_name, den, ~den_idx.isin(cell_idx), "no mobile-student cell for this country and key"
    )
    summed = den.groupby(cols, dropna=False)[den_col].sum().reset_index()
    return cells.loc[has_den].merge(summed, on=cols, how="left")


def _finish(
    indicator: str,
    cells: pd.DataFrame,
    ledger: RowLedger,
    *,
    num: str,
    den: str,
    keys: list[str],
    groupings: list[str],
    options: dict[str, Any],
    inputs: dict[str, Any],
    method: str,
    extra: dict[str, Any] | None = None,
    aggregate_method: str = "reporting",
    world_numerator: pd.DataFrame | None = None,
    uis_inputs: tuple[pd.DataFrame, pd.DataFrame] | None = None,
) -> Result:
    """Aggregates (sum, then divide), the ratio, flags, and the Result.

    With ``aggregate_method="uis_imputed"``, *uis_inputs* holds every member's numerator
    cells and denominator rows before they were matched: UIS sums each over the members
    that have it (imputed from their other years), not only over members with both.
    """
    partial = "hosts_not_reporting" in cells.columns
    if partial:
        cells["_partial"] = (cells["hosts_not_reporting"].fillna(0) > 0).astype("int64")
    if groupings:
        values = [num, den, "n", *(["_partial"] if partial else [])]
        # Members with data only: a country whose own ratio is undefined (no count, or a
        # zero enrolment) must not put its students into the aggregate's numerator alone.
        with_data = cells[num].notna() & (cells[den] > 0)
        if aggregate_method == "uis_imputed" and uis_inputs is not None:
            agg = _uis_sums(uis_inputs, num, den, keys, groupings)
            if world_numerator is not None:
                agg = _replace_world_numerator(agg, world_numerator, num, keys)
        else:
            agg = sum_by_area(
                cells.loc[with_data], values=values, keys=keys, groupings=groupings, denominator=den
            )
        incomplete = agg["members_with_data"] < agg["members_total"]
        agg = agg.drop(columns=["members_total"])
        agg["flag"] = add_flag(pd.Series("", index=agg.index), incomplete, "incomplete_coverage")
        cells = pd.concat([cells, agg], ignore_index=True)
    cells["value"] = mobility_ratio_values(cells[num], cells[den])
    flags = cells["flag"] if "flag" in cells.columns else pd.Series("", index=cells.index)
    flags = add_flag(flags, cells["value"].isna(), "zero_denominator")
    flags = add_flag(flags, cells["value"] > 100, "above_100_percent")
    if partial:
        flags = add_flag(flags, cells["_partial"].fillna(0) > 0, "partial_reporting")
        cells = cells.drop(columns=["_partial"])
        if "hosts_not_reporting" in cells.columns:
            cells["hosts_not_reporting"] = cells["hosts_not_reporting"].astype("Int64")
    cells["flag"] = flags
    cells["n"] = cells["n"].astype("int64")
    return make_result(
        indicator,
        cells,
        ledger,
        group_columns=["ref_area", *keys],
        options=options,
        inputs=inputs,
        method=method,
        extra_metadata=extra,
    )


def _check_aggregate_method(aggregate_method: str) -> None:
    if aggregate_method not in AGGREGATE_METHODS:
        raise OptionError(
            f"aggregate_method must be one of {list(AGGREGATE_METHODS)}, got {aggregate_method!r}"
        )


def _uis_sums(
    uis_inputs: tuple[pd.DataFrame, pd.DataFrame],
    num: str,
    den: str,
    keys: list[str],
    groupings: list[str],
) -> pd.DataFrame:
    """UIS's aggregates: numerator and denominator each summed over the members that have
    it, members missing a year filled from their own other years."""
    numerators, denominators = uis_inputs
    area_keys = ["ref_area", *keys]
    numer = impute_over_time(
        numerators.loc[numerators[num].notna(), [*area_keys, num, "n"]],
        values=[num, "n"],
        keys=keys[1:],
    )
    denom = denominators.groupby(area_keys, dropna=False)[den].sum().reset_index()
    denom = impute_over_time(denom.loc[denom[den] > 0], values=[den], keys=keys[1:])
    top = sum_by_area(numer, values=[num, "n"], keys=keys, groupings=groupings)
    bottom = sum_by_area(denom, values=[den], keys=keys, groupings=groupings, denominator=den)
    on = ["ref_area", *keys, "aggregate_grouping"]
    agg = bottom.merge(top[[*on, num, "n"]], on=on, how="left")
    agg["n"] = agg["n"].fillna(0).round()
    return agg


def _replace_world_numerator(
    agg: pd.DataFrame, inbound: pd.DataFrame, num: str, keys: list[str]
) -> pd.DataFrame:
    """UIS's world outbound count is every mobile student hosted anywhere (the world's
    inbound total, unknown origins included), hosts filled from their other years."""
    hosts = impute_over_time(inbound, values=["inbound"], keys=keys[1:])
    world = hosts.groupby(keys, dropna=False)["inbound"].sum()
    is_world = (agg["aggregate_grouping"] == "world").to_numpy()
    index = pd.MultiIndex.from_frame(agg.loc[is_world, keys].astype(object))
    replaced = world.reindex(index).to_numpy()
    agg.loc[is_world, num] = np.where(np.isnan(replaced), agg.loc[is_world, num], replaced)
    return agg


def _missing_metadata(
    missing: dict[tuple[object, ...], frozenset[str]], keys: list[str]
) -> dict[str, Any]:
    return {
        "hosts_not_reporting": [
            {**dict(zip(keys, k, strict=True)), "hosts": sorted(v)}
            for k, v in sorted(missing.items(), key=lambda kv: tuple(map(str, kv[0])))
            if v
        ]
    }


def _outbound(
    ledger: RowLedger, st: pd.DataFrame, universe: pd.DataFrame, keys: list[str]
) -> tuple[mirror.Pass, dict[tuple[object, ...], frozenset[str]]]:
    out = mirror.outbound_pass(st, keys)
    mirror.account(ledger, "students", st, out.reason)
    missing = mirror.non_reporting_hosts(st, universe, keys)
    out.cells = mirror.add_reporting_columns(out.cells, out.published, missing, keys)
    return out, missing


# --- indicators -------------------------------------------------------------------------------


@accepts_any_frame
@typed_options("inbound_mobility_rate")
def inbound_mobility_rate(
    students: pd.DataFrame,
    enrolment: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    aggregate: str | Sequence[str] | None = None,
    aggregate_method: str = "reporting",
) -> Result:
    """Inbound mobility rate: mobile students hosted per 100 tertiary students (UIS).

    .. math:: \\text{IMR}_d = 100 \\cdot I_d / E_d

    :math:`I_d` is the host's inbound count: the sum over origins of the rows with
    destination d (origins ``_U`` included), or the host's total row (origin ``_T``) when
    given, which then replaces its bilateral rows.

    Parameters
    ----------
    students : pandas.DataFrame
        Input kind ``mobile_students`` (origin, destination, time_period, students [person],
        optionally sex, isced_level).
    enrolment : pandas.DataFrame
        Input kind ``tertiary_enrolment`` (ref_area, time_period, enrolment [person]).
    by : sequence of str, optional
        ``sex``, ``isced_level`` (in both inputs).
    aggregate : str or sequence of str, optional
        ``"world"``, ``"sdg_region"``, ``"m49_region"``, … or ``"all"``: Σ I / Σ E over the
        member hosts with data, flagged ``incomplete_coverage`` when members lack data.
    aggregate_method : {"reporting", "uis_imputed"}
        Plain sums over the hosts reporting that year (default), or UIS's rule: hosts
        missing a year filled from their own other years before summing (see
        :func:`outbound_mobility_ratio`).

    Returns
    -------
    Result
        ``value`` [percent] per host (``ref_area``) and year; extra columns ``inbound``,
        ``enrolment``.

    References
    ----------
    UNESCO Institute for Statistics, glossary, "Inbound mobility rate",
    https://uis.unesco.org/node/3079622.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("student_mobility_demo")
    >>> result = mi.mobility.inbound_mobility_rate(
    ...     students=data["students"],
    ...     enrolment=data["enrolment"],
    ...     aggregate=["world", "sdg_region"],
    ... )
    >>> cols = ["ref_area", "time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period  value
         001         2021  4.703
         001         2022  5.065
         053         2021 37.619
    """
    by_cols = _check_by(by, "inbound_mobility_rate")
    groupings = normalise_groupings(aggregate)
    _check_aggregate_method(aggregate_method)
    ledger = RowLedger()
    st = _students(ledger, students, by_cols)
    en = _denominator(ledger, "enrolment", enrolment, by_cols)
    keys = ["time_period", *by_cols]
    inb = mirror.inbound_pass(st, keys)
    mirror.account(ledger, "students", st, inb.reason)
    cells = _match(ledger, inb.cells, inb.used, en, "enrolment", "enrolment", keys, "host")
    return _finish(
        "inbound_mobility_rate",
        cells,
        ledger,
        num="inbound",
        den="enrolment",
        keys=keys,
        groupings=groupings,
        options={"by": by_cols, "aggregate": groupings, "aggregate_method": aggregate_method},
        inputs={"students": students, "enrolment": enrolment},
        method="100 * inbound / tertiary enrolment (host); aggregates "
        "100 * sum(inbound) / sum(enrolment)"
        + (
            " with hosts imputed from their other years (UIS)"
            if aggregate_method != "reporting"
            else ""
        ),
        aggregate_method=aggregate_method,
        uis_inputs=(inb.cells, en),
    )


@accepts_any_frame
@typed_options("outbound_mobility_ratio")
def outbound_mobility_ratio(
    students: pd.DataFrame,
    enrolment: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    aggregate: str | Sequence[str] | None = None,
    destination_grouping: str | None = None,
    aggregate_method: str = "reporting",
) -> Result:
    """Outbound mobility ratio: students abroad per 100 tertiary students at home (UIS).

    .. math:: \\text{OMR}_o = 100 \\cdot O_o / E_o, \\quad O_o = \\sum_d S_{od}

    :math:`O_o` is compiled from the host reports (mirror data), or taken from the origin's
    published total (destination ``_T``) when given. ``hosts_not_reporting`` counts the
    hosts of the partner universe (enrolment countries and known origins) that sent no row
    for the year; the flag ``partial_reporting`` marks such lower bounds. Ratios above 100 %
    are kept and flagged ``above_100_percent``.

    Parameters
    ----------
    students, enrolment, by, aggregate
        As for :func:`inbound_mobility_rate`; ``enrolment`` is that of the origin.
    destination_grouping : {"sdg_region", "m49_region", "m49_sub_region", \
"m49_intermediate_region"}, optional
        Split the outbound students by the region of their host (UIS publishes the ratio
        "by region of destination"): a group column ``destination_region`` (M49 code) is
        added; the denominator stays the origin's total enrolment, so the regional ratios
        of an origin sum to its all-regions ratio. Published origin totals (destination
        ``_T``) cannot be split and are excluded.
    aggregate_method : {"reporting", "uis_imputed"}
        ``"reporting"`` (default): Σ outbound / Σ enrolment over the members with data
        that year. ``"uis_imputed"``: UIS's rule for its regional averages — members
        missing a year are filled from their own other years (linear interpolation,
        nearest reported value beyond; :func:`migindicators.core.aggregate.impute_over_time`),
        and the world's numerator is every mobile student hosted (hosts' inbound totals,
        unknown origins included), as UIS's world outbound count equals its world inbound
        count. Aggregates carry ``coverage`` (share of the summed enrolment reported that
        year) and ``member_coverage``.

    Returns
    -------
    Result
        ``value`` [percent] per origin (``ref_area``) and year; extra columns ``outbound``,
        ``enrolment``, ``published_total``, ``hosts_not_reporting``; the metadata entry
        ``hosts_not_reporting`` lists the missing hosts by key.

    References
    ----------
    UNESCO Institute for Statistics, glossary, "Outbound mobility ratio",
    http://uis.unesco.org/en/glossary-term/outbound-mobility-ratio.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("student_mobility_demo")
    >>> result = mi.mobility.outbound_mobility_ratio(
    ...     students=data["students"],
    ...     enrolment=data["enrolment"],
    ...     aggregate="world",
    ...     by=["sex"],
    ... )
    >>> cols = ["ref_area", "time_period", "sex", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period sex  value
         001         2021   F  2.814
         001         2021   M  3.297
         001         2022   F  2.999
    """
    by_cols = _check_by(by, "outbound_mobility_ratio")
    groupings = normalise_groupings(aggregate)
    _check_aggregate_method(aggregate_method)
    ledger = RowLedger()
    st = _students(ledger, students, by_cols)
    en = _denominator(ledger, "enrolment", enrolment, by_cols)
    keys = ["time_period", *by_cols]
    world_numerator = None
    if aggregate_method == "uis_imputed" and "world" in groupings and destination_grouping is None:
        world_numerator = mirror.inbound_pass(st, keys).cells
    out, missing = _outbound(ledger, st, en, keys)
    out_keys = keys
    if destination_grouping is not None:
        _split_by_destination_region(ledger, out, keys, destination_grouping)
        out_keys = [*keys, "destination_region"]
    cells = _match(ledger, out.cells, out.used, en, "enrolment", "enrolment", keys, "origin")
    return _finish(
        "outbound_mobility_ratio",
        cells,
        ledger,
        num="outbound",
        den="enrolment",
        keys=out_keys,
        groupings=groupings,
        options={
            "by": by_cols,
            "aggregate": groupings,
            "destination_grouping": destination_grouping,
            "aggregate_method": aggregate_method,
        },
        inputs={"students": students, "enrolment": enrolment},
        method="100 * outbound (mirror data) / tertiary enrolment (origin); "
        "aggregates 100 * sum(outbound) / sum(enrolment)"
        + (
            " with members imputed from their other years (UIS); world outbound = all "
            "mobile students hosted"
            if aggregate_method == "uis_imputed"
            else ""
        ),
        extra=_missing_metadata(missing, keys),
        aggregate_method=aggregate_method,
        world_numerator=world_numerator,
        uis_inputs=(out.cells, en) if destination_grouping is None else None,
    )


_DESTINATION_GROUPINGS = ("sdg_region", "m49_region", "m49_sub_region", "m49_intermediate_region")


def _split_by_destination_region(
    ledger: RowLedger, out: mirror.Pass, keys: list[str], grouping: str
) -> None:
    """Regroup the outbound cells of *out* by the region of the host (in place)."""
    if grouping not in _DESTINATION_GROUPINGS:
        raise OptionError(
            f"destination_grouping={grouping!r}: use one of {list(_DESTINATION_GROUPINGS)}"
        )
    membership = members(grouping)
    region_of = dict(zip(membership["iso3"], membership["area"], strict=True))
    used = out.used
    published = used["destination"].eq("_T").to_numpy()
    used = ledger.exclude(
        "students",
        used,
        published,
        "destination _T: a published total cannot be split by destination region",
    )
    regions = used["destination"].map(region_of)
    no_region = regions.isna().to_numpy()
    used = ledger.exclude(
        "students",
        used,
        no_region,
        f"host outside every {grouping} aggregate",
        detail=_sample(used.loc[no_region, "destination"]),
    )
    used = used.assign(destination_region=regions[~no_region].astype(str))
    cols = ["ref_area", *keys]
    cells = (
        used.groupby([*cols, "destination_region"], dropna=False, sort=True)
        .agg(outbound=("students", "sum"), n=("students", "size"))
        .reset_index()
    )
    origin_info = out.cells[[*cols, "published_total", "hosts_not_reporting"]]
    out.cells = cells.merge(origin_info, on=cols, how="left")
    out.used = used


@accepts_any_frame
@typed_options("gross_outbound_enrolment_ratio")
def gross_outbound_enrolment_ratio(
    students: pd.DataFrame,
    population: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    aggregate: str | Sequence[str] | None = None,
) -> Result:
    """Gross outbound enrolment ratio: students abroad per 100 of the tertiary-age population.

    .. math:: \\text{GOER}_o = 100 \\cdot O_o / P^{tert}_o

    Parameters
    ----------
    students : pandas.DataFrame
        Input kind ``mobile_students``.
    population : pandas.DataFrame
        Input kind ``tertiary_age_population`` (ref_area, time_period, population [person]).
    by : sequence of str, optional
        ``sex``.
    aggregate : str or sequence of str, optional
        As for :func:`inbound_mobility_rate` (Σ O / Σ P).

    Returns
    -------
    Result
        ``value`` [percent]; extra columns ``outbound``, ``population``, ``published_total``,
        ``hosts_not_reporting``.

    References
    ----------
    UNESCO Institute for Statistics, *Global Education Digest* (2006 onwards), glossary,
    "Gross outbound enrolment ratio".

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("student_mobility_demo")
    >>> result = mi.mobility.gross_outbound_enrolment_ratio(
    ...     students=data["students"],
    ...     population=data["population"],
    ...     by=["sex"],
    ... )
    >>> cols = ["ref_area", "time_period", "sex", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period sex  value
         AUS         2021   F  2.289
         AUS         2021   M  2.294
         AUS         2022   F  4.104
    """
    by_cols = _check_by(by, "gross_outbound_enrolment_ratio", ("sex",))
    groupings = normalise_groupings(aggregate)
    ledger = RowLedger()
    st = _students(ledger, students, by_cols)
    pop = _denominator(ledger, "population", population, by_cols, population=True)
    keys = ["time_period", *by_cols]
    out, missing = _outbound(ledger, st, pop, keys)
    cells = _match(ledger, out.cells, out.used, pop, "population", "population", keys, "origin")
    return _finish(
        "gross_outbound_enrolment_ratio",
        cells,
        ledger,
        num="outbound",
        den="population",
        keys=keys,
        groupings=groupings,
        options={"by": by_cols, "aggregate": groupings},
        inputs={"students": students, "population": population},
        method="100 * outbound (mirror data) / population of tertiary age",
        extra=_missing_metadata(missing, keys),
    )


def _net_cells(
    ledger: RowLedger, st: pd.DataFrame, universe: pd.DataFrame, keys: list[str]
) -> tuple[pd.DataFrame, mirror.Pass, mirror.Pass, dict[tuple[object, ...], frozenset[str]]]:
    inb = mirror.inbound_pass(st, keys)
    out = mirror.outbound_pass(st, keys)
    both = (inb.reason != "") & (out.reason != "")
    combined = pd.Series(
        np.where(both, inb.reason + "; " + out.reason, ""), index=st.index, dtype=object
    )
    combined = combined.str.replace(f"{mirror.SAME}; {mirror.SAME}", mirror.SAME, regex=False)
    mirror.account(ledger, "students", st, combined)
    missing = mirror.non_reporting_hosts(st, universe, keys)
    out.cells = mirror.add_reporting_columns(out.cells, out.published, missing, keys)
    cols = ["ref_area", *keys]
    cells = inb.cells.rename(columns={"n": "n_in"}).merge(
        out.cells.rename(columns={"n": "n_out"}), on=cols, how="outer"
    )
    cells["n"] = cells["n_in"].fillna(0) + cells["n_out"].fillna(0)
    cells = cells.drop(columns=["n_in", "n_out"])
    return cells, inb, out, missing


def _net_flags(cells: pd.DataFrame) -> pd.Series:
    flags = cells["flag"] if "flag" in cells.columns else pd.Series("", index=cells.index)
    flags = add_flag(flags, cells["inbound"].isna() | cells["outbound"].isna(), "missing_input")
    return add_flag(flags, cells["hosts_not_reporting"].fillna(0) > 0, "partial_reporting")


@accepts_any_frame
@typed_options("net_flow_mobile_students")
def net_flow_mobile_students(
    students: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    aggregate: str | Sequence[str] | None = None,
) -> Result:
    """Net flow of internationally mobile students: inbound minus outbound (UIS).

    .. math:: \\text{NF}_c = I_c - O_c

    A country with no host row (it did not report inbound students) has an unknown inbound
    count, and a country that no host reported students from has an unknown outbound count:
    the value is then NaN with the flag ``missing_input`` (never a silent zero).

    Parameters
    ----------
    students : pandas.DataFrame
        Input kind ``mobile_students``.
    by : sequence of str, optional
        ``sex``, ``isced_level``.
    aggregate : str or sequence of str, optional
        Sums of I and O over member countries with both counts.

    Returns
    -------
    Result
        ``value`` [person] (positive = net importer); extra columns ``inbound``,
        ``outbound``, ``hosts_not_reporting``.

    References
    ----------
    UNESCO Institute for Statistics, glossary, "Net flow of internationally mobile
    students", https://uis.unesco.org/node/4789139.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("student_mobility_demo")
    >>> result = mi.mobility.net_flow_mobile_students(students=data["students"])
    >>> cols = ["ref_area", "time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period    value
         AUS         2021 678790.0
         AUS         2022 342264.0
         BRA         2021      NaN
    """
    by_cols = _check_by(by, "net_flow_mobile_students")
    groupings = normalise_groupings(aggregate)
    ledger = RowLedger()
    st = _students(ledger, students, by_cols)
    keys = ["time_period", *by_cols]
    universe = pd.DataFrame(
        {"ref_area": pd.Series(dtype=str), **{k: pd.Series(dtype=st[k].dtype) for k in keys}}
    )
    cells, _, _, missing = _net_cells(ledger, st, universe, keys)
    if groupings:
        complete = cells.dropna(subset=["inbound", "outbound"])
        agg = sum_by_area(
            complete, values=["inbound", "outbound", "n"], keys=keys, groupings=groupings
        )
        incomplete = agg["members_with_data"] < agg["members_total"]
        agg = agg.drop(columns=["members_total"])
        agg["flag"] = add_flag(pd.Series("", index=agg.index), incomplete, "incomplete_coverage")
        cells = pd.concat([cells, agg], ignore_index=True)
    cells["value"] = cells["inbound"] - cells["outbound"]
    cells["flag"] = _net_flags(cells)
    cells["hosts_not_reporting"] = cells["hosts_not_reporting"].astype("Int64")
    cells["n"] = cells["n"].astype("int64")
    return make_result(
        "net_flow_mobile_students",
        cells,
        ledger,
        group_columns=["ref_area", *keys],
        options={"by": by_cols, "aggregate": groupings},
        inputs={"students": students},
        method="inbound - outbound",
        extra_metadata=_missing_metadata(missing, keys),
    )


@accepts_any_frame
@typed_options("net_flow_ratio")
def net_flow_ratio(
    students: pd.DataFrame,
    enrolment: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    aggregate: str | Sequence[str] | None = None,
) -> Result:
    """Net flow ratio: (inbound − outbound) per 100 tertiary students in the country (UIS).

    .. math:: \\text{NFR}_c = 100 \\cdot (I_c - O_c) / E_c

    Parameters
    ----------
    students, enrolment, by, aggregate
        As for :func:`inbound_mobility_rate`.

    Returns
    -------
    Result
        ``value`` [percent] (negative = net exporter); extra columns ``inbound``,
        ``outbound``, ``net``, ``enrolment``, ``hosts_not_reporting``.

    References
    ----------
    UNESCO Institute for Statistics, glossary, "Net flow ratio of internationally mobile
    students", http://uis.unesco.org/node/3079624.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("student_mobility_demo")
    >>> result = mi.mobility.net_flow_ratio(students=data["students"], enrolment=data["enrolment"])
    >>> cols = ["ref_area", "time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period  value
         AUS         2021 35.578
         AUS         2022 17.220
         BRA         2021    NaN
    """
    by_cols = _check_by(by, "net_flow_ratio")
    groupings = normalise_groupings(aggregate)
    ledger = RowLedger()
    st = _students(ledger, students, by_cols)
    en = _denominator(ledger, "enrolment", enrolment, by_cols)
    keys = ["time_period", *by_cols]
    cells, inb, out, missing = _net_cells(ledger, st, en, keys)
    cols = ["ref_area", *keys]
    cell_idx = _key_index(cells, cols)
    en_idx = _key_index(en, cols)
    has_den = cell_idx.isin(en_idx)
    dropped = cell_idx[~has_den]
    in_kept = pd.Series(False, index=st.index)
    in_kept.loc[inb.used.index] = ~_key_index(inb.used, cols).isin(dropped)
    out_kept = pd.Series(False, index=st.index)
    out_kept.loc[out.used.index] = ~_key_index(out.used, cols).isin(dropped)
    was_used = (inb.reason == "") | (out.reason == "")
    ledger.exclude(
        "students",
        st,
        was_used & ~in_kept & ~out_kept,
        "host and origin have no enrolment row",
        detail=_sample(cells.loc[~has_den, "ref_area"]),
    )
    ledger.exclude(
        "enrolment", en, ~en_idx.isin(cell_idx), "no mobile-student cell for this country and key"
    )
    summed = en.groupby(cols, dropna=False)["enrolment"].sum().reset_index()
    cells = cells.loc[has_den].merge(summed, on=cols, how="left")
    cells["net"] = cells["inbound"] - cells["outbound"]
    if groupings:
        # Members with data only (both counts and a positive enrolment), as in _finish.
        complete = cells.loc[cells["net"].notna() & (cells["enrolment"] > 0)]
        agg = sum_by_area(
            complete,
            values=["inbound", "outbound", "net", "enrolment", "n"],
            keys=keys,
            groupings=groupings,
        )
        incomplete = agg["members_with_data"] < agg["members_total"]
        agg = agg.drop(columns=["members_total"])
        agg["flag"] = add_flag(pd.Series("", index=agg.index), incomplete, "incomplete_coverage")
        cells = pd.concat([cells, agg], ignore_index=True)
    cells["value"] = mobility_ratio_values(cells["net"], cells["enrolment"])
    flags = _net_flags(cells)
    flags = add_flag(flags, cells["value"].isna() & cells["net"].notna(), "zero_denominator")
    cells["flag"] = add_flag(flags, cells["value"].abs() > 100, "above_100_percent")
    cells["hosts_not_reporting"] = cells["hosts_not_reporting"].astype("Int64")
    cells["n"] = cells["n"].astype("int64")
    return make_result(
        "net_flow_ratio",
        cells,
        ledger,
        group_columns=cols,
        options={"by": by_cols, "aggregate": groupings},
        inputs={"students": students, "enrolment": enrolment},
        method="100 * (inbound - outbound) / tertiary enrolment; aggregates "
        "100 * sum(I - O) / sum(E)",
        extra_metadata=_missing_metadata(missing, keys),
    )


@accepts_any_frame
@typed_options("mobility_dispersion_index")
def mobility_dispersion_index(
    students: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    aggregate: str | Sequence[str] | None = None,
    measure: str = "normalised_entropy",
    top_k: int = 3,
) -> Result:
    """Dispersion of a country's outbound students over destinations (library reconstruction).

    **Not an official UIS formula.** UIS material describes a mobility dispersion index (are
    a country's outbound students concentrated in few destinations or spread over many?) but
    no formula for it was found; this is the library's reconstruction with that meaning,
    from standard concentration measures (see :func:`dispersion_measures`). ``value`` holds
    the chosen *measure*; every measure is in the extra columns.

    The distribution is that of the bilateral host reports (mirror data): rows with
    destination ``_T`` carry no distribution and are excluded, as are unknown or total
    origins. K (for the normalised entropy) is the number of hosts that reported in the year
    (and cell) other than the origin. Aggregates pool the member origins' students by
    destination, then measure.

    Parameters
    ----------
    students : pandas.DataFrame
        Input kind ``mobile_students``.
    by : sequence of str, optional
        ``sex``, ``isced_level``.
    aggregate : str or sequence of str, optional
        Regional pools (``"world"``, ``"sdg_region"``, …).
    measure : {"normalised_entropy", "effective_destinations", "hhi", "top_k_share"}
        Which measure is ``value``: normalised Shannon entropy (0 concentrated – 1 even),
        effective number of destinations 1/HHI, Herfindahl–Hirschman index, or the share of
        the top-k destinations [percent].
    top_k : int
        k of the top-k share.

    Returns
    -------
    Result
        Per origin (``ref_area``) and year; extra columns ``normalised_entropy``, ``entropy``,
        ``hhi``, ``effective_destinations``, ``top_k_share``, ``destinations``,
        ``possible_destinations``, ``outbound``.

    References
    ----------
    Shannon (1948); Pielou (1966); Hirschman (1964); Laakso and Taagepera (1979); Jost (2006)
    — full citations in :func:`dispersion_measures`. methodology.md §4 records that no UIS
    formula was found.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("student_mobility_demo")
    >>> result = mi.mobility.mobility_dispersion_index(students=data["students"], aggregate="world")
    >>> cols = ["ref_area", "time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period  value
         001         2021  0.938
         001         2022  0.868
         AUS         2021  0.919
    """
    if measure not in DISPERSION_MEASURES:
        raise OptionError(f"measure={measure!r}: use one of {list(DISPERSION_MEASURES)}")
    if not isinstance(top_k, int) or isinstance(top_k, bool) or top_k < 1:
        raise OptionError(f"top_k must be a positive integer, got {top_k!r}")
    by_cols = _check_by(by, "mobility_dispersion_index")
    groupings = normalise_groupings(aggregate)
    ledger = RowLedger()
    st = _students(ledger, students, by_cols)
    keys = ["time_period", *by_cols]
    out = mirror.outbound_pass(st, keys)
    reason = out.reason.copy()
    published = (reason == "") & (st["destination"] == "_T")
    reason[published.to_numpy()] = "destination _T: a published total has no distribution"
    mirror.account(ledger, "students", st, reason)
    rows = st.loc[reason == ""].rename(columns={"origin": "ref_area"})
    reporting = {
        k if isinstance(k, tuple) else (k,): frozenset(v)
        for k, v in st.loc[is_country(st["destination"])].groupby(keys, dropna=False)["destination"]
    }
    pools = [
        rows.groupby(["ref_area", "destination", *keys], dropna=False, sort=True)["students"]
        .sum()
        .reset_index()
    ]
    for grouping in groupings:
        membership = members(grouping)[["iso3", "area"]]
        pooled = rows.merge(membership, left_on="ref_area", right_on="iso3", how="inner")
        pooled = (
            pooled.groupby(["area", "destination", *keys], dropna=False, sort=True)
            .agg(students=("students", "sum"), n=("students", "size"))
            .reset_index()
            .rename(columns={"area": "ref_area"})
        )
        pooled["aggregate_grouping"] = grouping
        pools.append(pooled)
    records = []
    n_rows = rows.groupby(["ref_area", *keys], dropna=False).size()
    for i, pool in enumerate(pools):
        for k, part in pool.groupby(["ref_area", *keys], dropna=False, sort=True):
            key = tuple(k)
            hosts = reporting.get(key[1:], frozenset())
            possible = len(hosts - ({key[0]} if i == 0 else set()))
            m = dispersion_measures(part["students"].to_numpy(), possible=possible, top_k=top_k)
            rec: dict[str, Any] = dict(zip(["ref_area", *keys], key, strict=True))
            rec.update(m)
            rec["possible_destinations"] = possible
            rec["outbound"] = float(part["students"].sum())
            rec["n"] = int(n_rows.get(key, 0)) if i == 0 else int(part["n"].sum())
            if i > 0:
                rec["aggregate_grouping"] = part["aggregate_grouping"].iloc[0]
            records.append(rec)
    cells = pd.DataFrame(
        records,
        columns=[
            "ref_area",
            *keys,
            "normalised_entropy",
            "entropy",
            "hhi",
            "effective_destinations",
            "top_k_share",
            "destinations",
            "possible_destinations",
            "outbound",
            "n",
            "aggregate_grouping",
        ],
    )
    if not groupings:
        cells = cells.drop(columns=["aggregate_grouping"])
    cells["value"] = cells[measure].astype("float64")
    cells["flag"] = add_flag(
        pd.Series("", index=cells.index), cells["value"].isna(), "zero_denominator"
    )
    cells["n"] = cells["n"].astype("int64")
    unit = "percent" if measure == "top_k_share" else "dimensionless"
    return make_result(
        "mobility_dispersion_index",
        cells,
        ledger,
        group_columns=["ref_area", *keys],
        options={"by": by_cols, "aggregate": groupings, "measure": measure, "top_k": top_k},
        inputs={"students": students},
        unit=unit,
        method=f"library reconstruction (not a UIS formula): {measure} of the "
        "distribution of outbound students over reporting hosts",
    )
