"""Country and area codes: ISO 3166-1 alpha-3, UN M49 numeric codes, and regional groupings.

The bundled tables (``migindicators/data``, provenance in ``data/README.md``, rebuilt by
``tools/build_code_lists.py``) give for every current country or area its ISO3 and M49
codes, its current M49 name, its M49 region, sub-region and intermediate region, its SDG
regional grouping, whether it is a least developed country (LDC), a landlocked developing
country (LLDC) or a small island developing State (SIDS), and whether it is one of the
areas that report (``reports``: the 232 countries or areas of UN DESA's International
Migrant Stock 2020). They let indicator functions check area codes (an unknown code is an
exclusion, never a silent drop) and build regional and world aggregates by the custodians'
rules.

Historical and alias codes (``historical_codes.csv``: the withdrawn codes of ISO 3166-3
such as ``SUN``, ``YUG``, ``CSK``, ``SCG``, ``ANT``, and World Bank RPW's ``KSV`` for
Kosovo) are known areas. Each names its successors, the current areas that cover its
territory. It is a member of an aggregate when all of its successors are, and of none
when none are; when only some are (``SUN`` in Europe and Asia, ``YUG`` among LLDCs, where
North Macedonia is one and the others are not) it cannot be assigned, and aggregating its
rows to that grouping raises :class:`~migindicators.core.errors.AmbiguousAreaError`
(:func:`check_assignable`) rather than guessing.

Coverage (:func:`count_members`) counts the reporting members of an aggregate only, so
that uninhabited or separately unreported territories (Heard and McDonald Islands, Bouvet
Island, Norfolk Island, …) do not make an aggregate of all its reporting members look
incomplete.

References
----------
UN Statistics Division, *Standard country or area codes for statistical use (M49)*,
https://unstats.un.org/unsd/methodology/m49/.
ISO 3166-1 and ISO 3166-3, *Codes for the representation of names of countries and their
subdivisions* (current and formerly used codes).
UN Statistics Division, *SDG Indicators Database, regional groupings*.
UN DESA Population Division (2020), *International Migrant Stock 2020*
(POP/DB/MIG/Stock/Rev.2020).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from migindicators.core.errors import AmbiguousAreaError, OptionError, show_values

__all__ = [
    "GROUPINGS",
    "UNIVERSES",
    "area_name",
    "check_assignable",
    "count_members",
    "counted_member",
    "country_table",
    "historical_table",
    "is_country",
    "is_known_area",
    "m49_codes",
    "members",
    "region_table",
    "to_iso3",
    "to_m49",
]

#: Aggregation levels available for regional aggregates.
GROUPINGS = (
    "world",
    "m49_region",
    "m49_sub_region",
    "m49_intermediate_region",
    "sdg_region",
    "ldc",
    "lldc",
    "sids",
)

#: Universes of members that coverage counts (see :func:`count_members`).
UNIVERSES = ("reporting", "m49")

_GROUPING_COLUMN = {
    "m49_region": "region_code",
    "m49_sub_region": "sub_region_code",
    "m49_intermediate_region": "intermediate_region_code",
    "sdg_region": "sdg_region_code",
}

#: The M49 codes of the development groupings (UNSD M49: 199 LDC, 432 LLDC, 722 SIDS).
_FLAG_CODE = {"ldc": "199", "lldc": "432", "sids": "722"}

_BOOLEAN_COLUMNS = ("ldc", "lldc", "sids", "reports")


def _read(name: str) -> pd.DataFrame:
    with resources.files("migindicators").joinpath(f"data/{name}").open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


@cache
def country_table() -> pd.DataFrame:
    """The bundled country table, one row per current country or area.

    Returns
    -------
    pandas.DataFrame
        Codes and names as strings (``iso3``, ``iso2``, ``m49`` zero-padded to 3 digits,
        ``name`` the current M49 English name, the region, sub-region, intermediate region
        and SDG region codes and names, empty where none applies) and booleans ``ldc``,
        ``lldc``, ``sids`` (UNSD M49 development groupings) and ``reports`` (one of the 232
        countries or areas of UN DESA's International Migrant Stock 2020).
    """
    table = _read("countries.csv")
    for column in _BOOLEAN_COLUMNS:
        table[column] = table[column].map({"true": True, "false": False}).astype(bool)
    return table


@cache
def historical_table() -> pd.DataFrame:
    """Withdrawn and alias codes that data sources use besides the current ones.

    Returns
    -------
    pandas.DataFrame
        ``iso3``, ``iso2``, ``m49``, ``name``, ``valid_to`` (ISO 3166-3 withdrawal date,
        ``YYYY`` or ``YYYY-MM-DD``; empty for the alias ``KSV``), ``successors`` (the current
        ISO3 codes that cover the area, ``;``-separated), ``current`` (the one successor,
        where there is only one) and ``source``.
    """
    return _read("historical_codes.csv")


@cache
def region_table() -> pd.DataFrame:
    """Aggregate areas: ``code``, ``name``, ``grouping``, ``parent_code``.

    A code can appear under two groupings (202 is an M49 sub-region and an SDG region), so
    the key is the pair (``code``, ``grouping``). The groupings ``ldc``, ``lldc`` and
    ``sids`` have one aggregate each (199, 432, 722).
    """
    return _read("regions.csv")


@cache
def _iso3_set() -> frozenset[str]:
    return frozenset(country_table()["iso3"]) | frozenset(historical_table()["iso3"])


@cache
def _m49_set() -> frozenset[str]:
    return frozenset(country_table()["m49"]) | frozenset(region_table()["code"])


@cache
def m49_codes() -> frozenset[str]:
    """Every M49 code the tables know: current countries or areas, former ones (``810``
    USSR, ``890`` Yugoslavia, …) and aggregates (``001``, regions, SDG regions, ``199``
    LDC, ``432`` LLDC, ``722`` SIDS). The REF_AREA code list of SDMX output.

    References
    ----------
    UN Statistics Division, *Standard country or area codes for statistical use (M49)*.
    """
    former = frozenset(code for code in historical_table()["m49"] if code)
    return _m49_set() | former


def is_country(codes: pd.Series) -> pd.Series:
    """Whether each code is a known ISO3 code: current (ISO 3166-1 and ``XKX``), withdrawn
    (ISO 3166-3) or an alias (``KSV``)."""
    return codes.isin(_iso3_set())


def is_known_area(codes: pd.Series) -> pd.Series:
    """Whether each code is a known ISO3 code or an M49 code (country or aggregate)."""
    as_str = codes.astype("string")
    m49 = as_str.str.zfill(3)
    return (as_str.isin(_iso3_set()) | m49.isin(_m49_set())).fillna(False).astype(bool)


def to_m49(iso3: pd.Series) -> pd.Series:
    """M49 numeric codes (3-digit strings) for ISO3 codes; M49 codes pass through.

    Withdrawn codes give their former numeric code (``SUN`` 810, ``YUG`` 890), empty where
    ISO 3166-3 gives none.
    """
    mapping = dict(zip(historical_table()["iso3"], historical_table()["m49"], strict=True))
    mapping.update(zip(country_table()["iso3"], country_table()["m49"], strict=True))
    as_str = iso3.astype("string")
    out = as_str.map(mapping)
    passthrough = as_str.str.fullmatch(r"\d{1,3}").fillna(False).astype(bool)
    out = out.where(~passthrough, as_str.str.zfill(3))
    return out.astype("string")


def to_iso3(m49: pd.Series) -> pd.Series:
    """ISO3 codes for M49 numeric codes of current countries (aggregates give ``<NA>``)."""
    mapping = dict(zip(country_table()["m49"], country_table()["iso3"], strict=True))
    return m49.astype("string").str.zfill(3).map(mapping).astype("string")


def area_name(codes: pd.Series) -> pd.Series:
    """English names of ISO3 codes (current M49 names; withdrawn codes their ISO 3166-3
    names) or M49 aggregate codes."""
    names = dict(zip(historical_table()["iso3"], historical_table()["name"], strict=True))
    names.update(zip(country_table()["iso3"], country_table()["name"], strict=True))
    names.update(zip(region_table()["code"], region_table()["name"], strict=False))
    return codes.astype("string").map(names).astype("string")


def _check_grouping(grouping: str) -> None:
    if grouping not in GROUPINGS:
        raise OptionError(f"unknown grouping {grouping!r}; use one of {GROUPINGS}")


def _current_membership(grouping: str) -> pd.DataFrame:
    """``iso3``, ``area`` of the current areas in an aggregate of *grouping*."""
    table = country_table()
    if grouping == "world":
        return pd.DataFrame({"iso3": table["iso3"], "area": "001"})
    if grouping in _FLAG_CODE:
        keep = table[grouping].to_numpy(dtype=bool)
        return pd.DataFrame({"iso3": table["iso3"][keep].to_numpy(), "area": _FLAG_CODE[grouping]})
    codes = table[_GROUPING_COLUMN[grouping]]
    keep = (codes != "").to_numpy()
    return pd.DataFrame({"iso3": table["iso3"][keep].to_numpy(), "area": codes[keep].to_numpy()})


@cache
def _historical_membership(grouping: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Members among the historical codes, and the codes that cannot be assigned.

    A code whose successors are all in one aggregate is its member; a code none of whose
    successors is in an aggregate of *grouping* is outside it, as they are; any other code
    (successors in several aggregates, or some in one and some in none) is ambiguous.
    """
    current = _current_membership(grouping)
    area_of = dict(zip(current["iso3"], current["area"], strict=True))
    members_rows: list[tuple[str, str]] = []
    ambiguous_rows: list[tuple[str, str]] = []
    for code, successors in zip(
        historical_table()["iso3"], historical_table()["successors"], strict=True
    ):
        areas = [area_of.get(s, "") for s in successors.split(";")]
        distinct = sorted(set(areas))
        if distinct == [""]:
            continue
        if len(distinct) == 1:
            members_rows.append((code, distinct[0]))
        else:
            shown = [a if a else "none" for a in distinct]
            ambiguous_rows.append((code, ", ".join(shown)))
    members_frame = pd.DataFrame(members_rows, columns=["iso3", "area"], dtype=object)
    ambiguous = pd.DataFrame(ambiguous_rows, columns=["iso3", "areas"], dtype=object)
    return members_frame, ambiguous


def members(grouping: str) -> pd.DataFrame:
    """Country → aggregate membership for *grouping*.

    Parameters
    ----------
    grouping : {"world", "m49_region", "m49_sub_region", "m49_intermediate_region", \
"sdg_region", "ldc", "lldc", "sids"}

    Returns
    -------
    pandas.DataFrame
        Columns ``iso3``, ``area`` (the aggregate's M49 code) and ``area_name``; countries
        outside every aggregate of the grouping are absent. Every current area is listed,
        whether or not it reports. Historical and alias codes (:func:`historical_table`)
        are members of the aggregate that holds all their successors, so that their data
        are aggregated; one whose successors span several aggregates is absent (see
        :func:`check_assignable`).

    Raises
    ------
    OptionError
        *grouping* is not one of :data:`GROUPINGS`.
    """
    _check_grouping(grouping)
    current = _current_membership(grouping)
    historical, _ = _historical_membership(grouping)
    out = pd.concat([current, historical], ignore_index=True)
    regions = region_table()
    names = dict(zip(regions["code"], regions["name"], strict=False))
    in_grouping = regions.loc[regions["grouping"] == grouping]
    names.update(zip(in_grouping["code"], in_grouping["name"], strict=True))
    out["area_name"] = out["area"].map(names)
    return out


def check_assignable(codes: Iterable[str], grouping: str, *, input_name: str = "data") -> None:
    """Raise when *codes* hold a withdrawn code that no single aggregate of *grouping* holds.

    Parameters
    ----------
    codes : iterable of str
        Area codes of the rows to aggregate (ISO3).
    grouping : str
        One of :data:`GROUPINGS`.
    input_name : str
        The input the codes come from, for the message.

    Raises
    ------
    AmbiguousAreaError
        A code's successors lie in several aggregates of *grouping* (``SUN`` for
        ``m49_region``: Europe and Asia) or only some of them in one (``YUG`` for ``lldc``).
    """
    _check_grouping(grouping)
    _, ambiguous = _historical_membership(grouping)
    present = ambiguous.loc[ambiguous["iso3"].isin(set(codes))]
    if present.empty:
        return
    detail = "; ".join(
        f"{code} (successors in {areas})"
        for code, areas in zip(present["iso3"], present["areas"], strict=True)
    )
    raise AmbiguousAreaError(
        f"{input_name}: withdrawn area code(s) {show_values(present['iso3'])} cannot be "
        f"assigned to one {grouping} aggregate: {detail}. Split those rows among the "
        "successor areas (historical_table()['successors']), aggregate to a grouping that "
        "holds all successors (e.g. 'world'), or drop the rows before aggregating.",
        input_kind=input_name,
    )


@cache
def _universe(universe: str) -> frozenset[str]:
    if universe not in UNIVERSES:
        raise OptionError(f"unknown universe {universe!r}; use one of {UNIVERSES}")
    table = country_table()
    if universe == "m49":
        return frozenset(table["iso3"])
    return frozenset(table.loc[table["reports"], "iso3"])


def counted_member(codes: pd.Series, universe: str = "reporting") -> pd.Series:
    """The member each code counts as in coverage: itself if it is in *universe*, the one
    current code of an alias or renamed code (``KSV`` → ``XKX``, ``BUR`` → ``MMR``) if that
    is, else ``<NA>`` (a withdrawn code with several successors counts as none of them).

    Parameters
    ----------
    codes : pandas.Series
        ISO3 codes.
    universe : {"reporting", "m49"}
        See :func:`count_members`.
    """
    allowed = _universe(universe)
    current = dict(zip(historical_table()["iso3"], historical_table()["current"], strict=True))
    as_str = codes.astype("string")
    mapped = as_str.map(lambda c: (current.get(c) or c) if isinstance(c, str) else c)
    return mapped.where(mapped.isin(allowed)).astype("string")


def count_members(grouping: str, universe: str = "reporting") -> pd.Series:
    """Number of members in each aggregate of *grouping* that coverage counts.

    Parameters
    ----------
    grouping : str
        One of :data:`GROUPINGS`.
    universe : {"reporting", "m49"}
        ``"reporting"`` (default): the current areas that report, i.e. the 232 countries or
        areas of UN DESA's International Migrant Stock 2020 (``country_table()["reports"]``;
        231 rows: DESA's Channel Islands (830) are Guernsey and Jersey together, which then
        do not count). Not counted: the 19 areas DESA does not report separately, among
        them uninhabited territories (Bouvet Island, Heard and McDonald Islands), Christmas
        Island, Cocos (Keeling) Islands, Norfolk Island, Åland Islands, Kosovo and Taiwan.
        ``"m49"``: every current area of the M49 table (250).

    Returns
    -------
    pandas.Series
        Count (int) indexed by the aggregate's M49 code. Historical and alias codes are not
        counted: their data count towards :func:`counted_member`.

    References
    ----------
    UN DESA Population Division (2020), *International Migrant Stock 2020*, Table 1
    (countries or areas with a type of data).
    """
    _check_grouping(grouping)
    allowed = _universe(universe)
    membership = _current_membership(grouping)
    counted = membership.loc[membership["iso3"].isin(allowed)]
    return counted.groupby("area")["iso3"].count()


def known_mask(codes: pd.Series) -> np.ndarray:
    """Boolean numpy array of :func:`is_known_area` (convenience for ledgers)."""
    return is_known_area(codes).to_numpy(dtype=bool)
