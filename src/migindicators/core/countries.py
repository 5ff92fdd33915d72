"""Country and area codes: ISO 3166-1 alpha-3, UN M49 numeric codes, and regional groupings.

The bundled table (``migindicators/data/countries.csv``, provenance in ``data/README.md``)
gives for every country or area its ISO3 and M49 codes, its M49 region, sub-region and
intermediate region, and its SDG regional grouping. It lets indicator functions check area
codes (an unknown code is an exclusion, never a silent drop) and build regional and world
aggregates by the custodians' rules.

References
----------
UN Statistics Division, *Standard country or area codes for statistical use (M49)*,
https://unstats.un.org/unsd/methodology/m49/.
ISO 3166-1, *Codes for the representation of names of countries and their subdivisions*.
UN Statistics Division, *SDG Indicators Database, regional groupings*.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from migindicators.core.errors import OptionError

__all__ = [
    "GROUPINGS",
    "area_name",
    "country_table",
    "historical_table",
    "is_country",
    "is_known_area",
    "members",
    "region_table",
    "to_iso3",
    "to_m49",
]

#: Aggregation levels available for regional aggregates.
GROUPINGS = ("world", "m49_region", "m49_sub_region", "m49_intermediate_region", "sdg_region")

_GROUPING_COLUMN = {
    "m49_region": "region_code",
    "m49_sub_region": "sub_region_code",
    "m49_intermediate_region": "intermediate_region_code",
    "sdg_region": "sdg_region_code",
}


@cache
def country_table() -> pd.DataFrame:
    """The bundled country table, one row per country or area (codes as strings)."""
    with resources.files("migindicators").joinpath("data/countries.csv").open("rb") as fh:
        table = pd.read_csv(fh, dtype=str, keep_default_na=False)
    return table


@cache
def historical_table() -> pd.DataFrame:
    """Codes that data sources use besides the current ones (``data/historical_codes.csv``).

    ``KSV`` (World Bank RPW's code for Kosovo, the area of ``XKX``) and ``ANT`` (the
    Netherlands Antilles, withdrawn from ISO 3166-1 in 2010, still in early RPW quarters).
    They are known countries and belong to their regions' aggregates, so that their rows are
    not lost, but they do not count as members of their own in coverage
    (:func:`count_members`), which is over current areas only.
    """
    with resources.files("migindicators").joinpath("data/historical_codes.csv").open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


@cache
def region_table() -> pd.DataFrame:
    """Aggregate areas: ``code``, ``name``, ``grouping``, ``parent_code``.

    A code can appear under two groupings (202 is an M49 sub-region and an SDG region), so
    the key is the pair (``code``, ``grouping``).
    """
    with resources.files("migindicators").joinpath("data/regions.csv").open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


@cache
def _iso3_set() -> frozenset[str]:
    return frozenset(country_table()["iso3"]) | frozenset(historical_table()["iso3"])


def _all_areas() -> pd.DataFrame:
    return pd.concat([country_table(), historical_table()], ignore_index=True)


@cache
def _m49_set() -> frozenset[str]:
    return frozenset(country_table()["m49"]) | frozenset(region_table()["code"])


def is_country(codes: pd.Series) -> pd.Series:
    """Whether each code is a known ISO 3166-1 alpha-3 country or area code."""
    return codes.isin(_iso3_set())


def is_known_area(codes: pd.Series) -> pd.Series:
    """Whether each code is a known ISO3 code or an M49 code (country or aggregate)."""
    as_str = codes.astype("string")
    m49 = as_str.str.zfill(3)
    return (as_str.isin(_iso3_set()) | m49.isin(_m49_set())).fillna(False).astype(bool)


def to_m49(iso3: pd.Series) -> pd.Series:
    """M49 numeric codes (3-digit strings) for ISO3 codes; M49 codes pass through."""
    table = _all_areas()
    mapping = dict(zip(table["iso3"], table["m49"], strict=True))
    as_str = iso3.astype("string")
    out = as_str.map(mapping)
    passthrough = as_str.str.fullmatch(r"\d{1,3}").fillna(False).astype(bool)
    out = out.where(~passthrough, as_str.str.zfill(3))
    return out.astype("string")


def to_iso3(m49: pd.Series) -> pd.Series:
    """ISO3 codes for M49 numeric country codes (aggregates give ``<NA>``)."""
    mapping = dict(zip(country_table()["m49"], country_table()["iso3"], strict=True))
    return m49.astype("string").str.zfill(3).map(mapping).astype("string")


def area_name(codes: pd.Series) -> pd.Series:
    """English names of ISO3 country codes or M49 aggregate codes."""
    table = _all_areas()
    names = dict(zip(table["iso3"], table["name"], strict=True))
    names.update(zip(region_table()["code"], region_table()["name"], strict=False))
    return codes.astype("string").map(names).astype("string")


def members(grouping: str) -> pd.DataFrame:
    """Country → aggregate membership for *grouping*.

    Parameters
    ----------
    grouping : {"world", "m49_region", "m49_sub_region", "m49_intermediate_region", "sdg_region"}

    Returns
    -------
    pandas.DataFrame
        Columns ``iso3``, ``area`` (the aggregate's M49 code) and ``area_name``; countries
        outside every aggregate of the grouping are absent. Historical and alias codes
        (:func:`historical_table`) are members too, so that their data are aggregated.
    """
    return _members(grouping, current_only=False)


def _members(grouping: str, *, current_only: bool) -> pd.DataFrame:
    table = country_table() if current_only else _all_areas()
    if grouping == "world":
        return pd.DataFrame({"iso3": table["iso3"], "area": "001", "area_name": "World"})
    if grouping not in _GROUPING_COLUMN:
        raise OptionError(f"unknown grouping {grouping!r}; use one of {GROUPINGS}")
    codes = table[_GROUPING_COLUMN[grouping]]
    keep = codes != ""
    regions = region_table()
    names = dict(
        zip(
            regions.loc[regions["grouping"] == grouping, "code"],
            regions.loc[regions["grouping"] == grouping, "name"],
            strict=True,
        )
    )
    out = pd.DataFrame({"iso3": table["iso3"][keep].to_numpy(), "area": codes[keep].to_numpy()})
    out["area_name"] = out["area"].map(names)
    return out


def count_members(grouping: str) -> pd.Series:
    """Number of current countries or areas in each aggregate of *grouping* (for coverage;
    historical and alias codes are not counted)."""
    return _members(grouping, current_only=True).groupby("area")["iso3"].count()


def known_mask(codes: pd.Series) -> np.ndarray:
    """Boolean numpy array of :func:`is_known_area` (convenience for ledgers)."""
    return is_known_area(codes).to_numpy(dtype=bool)
