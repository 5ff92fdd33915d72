"""Named variable mappings: a source layout's column names and codes → the standard census columns.

A :class:`VariableMapping` renames source columns to the library's standard names
(``ref_area``, ``time_period``, ``sex``, ``age``, ``country_of_birth``, ``citizenship``,
``year_of_arrival``, ``weight``, ``household``, ``strata``) and recodes values (IPUMS
``SEX`` 1/2 → ``M``/``F``, country codes → ISO3). :data:`IPUMS_INTERNATIONAL` is shipped;
a national layout is a few lines::

    national = VariableMapping(
        name="my_census_2022",
        columns={"PROV": "strata", "HH_ID": "household", "W": "weight", "SEXO": "sex",
                 "EDAD": "age", "PAIS_NAC": "country_of_birth"},
        recode={"sex": codes({1: "M", 2: "F"})},
        constants={"ref_area": "BOL", "time_period": 2022},
    )

IPUMS-International codes
-------------------------
``COUNTRY`` is the ISO 3166 numeric code, which equals the UN M49 code: it is converted with
:func:`migindicators.core.countries.to_iso3`. ``BPLCNTRY`` (country of birth) is IPUMS's own
5-digit hierarchical code (continent, region, two digits for the country alphabetically
within the region, one detail digit; "n.s." residuals end in ``999``). The library ships a
small table, :data:`BPLCNTRY_ISO3`, holding only codes checked against IPUMS documentation
(IPUMS-International variable MIGCTRY1 code list as published by the IHSN catalogue, which
uses the same country scheme, and the IPUMS forum thread "Reason behind different codes used
for migctry 1, 5, 0, P, and C"); extend it for your sample with
``ipums_international(bplcntry={code: iso3, ...})`` from the extract's own codebook
(``Codebook["BPLCNTRY"].codes`` lists its labels). Codes then map as follows:

* a code in the table → its ISO3 code;
* a residual "n.s." code (ending in ``999``, other than ``99999``) → ``"XXX"``: foreign-born,
  country not stated (a migrant of unknown origin);
* ``00000`` (not in universe), ``99999`` (unknown) and codes not in the table → missing:
  unknown place of birth, counted and reported by the indicators (never silently dropped);
* when ``NATIVITY`` is in the extract, ``1`` (native-born) sets the country of birth to the
  country of enumeration and ``2`` (foreign-born) with an unmapped code gives ``"XXX"``.

``CITIZEN`` is a citizenship *status* (1 citizen, 2 citizen by birth, 3 naturalised,
4 not a citizen; 0 not in universe, 8/9 unknown), not a country: citizens get the country
of enumeration as ``citizenship`` and non-citizens ``"XXX"`` (foreign citizen, country not
stated; ICAO Doc 9303 uses XXX for unspecified nationality). ``YRIMM`` 0 (not in universe)
and 9999 (unknown) become missing; ``AGE`` 999 (unknown) becomes missing; ``SEX`` 9 too.
These IPUMS-I value codes are from the IPUMS-International variable descriptions
(international.ipums.org, variables SEX, AGE, CITIZEN, NATIVITY, YRIMM) [recorded from
documentation, re-check against your extract's codebook, which is authoritative].
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.countries import to_iso3

__all__ = [
    "BPLCNTRY_ISO3",
    "FOREIGN_UNSPECIFIED",
    "IPUMS_INTERNATIONAL",
    "STANDARD",
    "VariableMapping",
    "codes",
    "ipums_international",
]

#: Code for "foreign, country not stated" (birthplace or citizenship).
FOREIGN_UNSPECIFIED = "XXX"

#: The standard census column names (schema ``census``).
STANDARD = (
    "ref_area",
    "time_period",
    "sex",
    "age",
    "age_group",
    "country_of_birth",
    "citizenship",
    "year_of_arrival",
    "weight",
    "household",
    "strata",
)

Recoder = Callable[[pd.DataFrame, str], pd.Series]

#: IPUMS-International BPLCNTRY → ISO3, for the codes verified against IPUMS documentation
#: (see the module docstring). Extend with ``ipums_international(bplcntry=...)``.
BPLCNTRY_ISO3: dict[int, str] = {
    # Eastern Africa (11xxx), IHSN catalogue 5383, variable MIGCTRY1 code list
    11010: "BDI",
    11020: "COM",
    11030: "DJI",
    11040: "ERI",
    11050: "ETH",
    11060: "KEN",
    11070: "MDG",
    11080: "MWI",
    11090: "MUS",
    11100: "MOZ",
    11110: "REU",
    11120: "RWA",
    11130: "SYC",
    11140: "SOM",
    11150: "SSD",
    # Northern America (24xxx): United States (IPUMS forum, MIGCTRY1 label), Canada
    # (IPUMS-I Canada 1881 extracts select Canadian-born with bplcntry == 24020)
    24020: "CAN",
    24040: "USA",
    # Southern Europe (43xxx): Bosnia and Herzegovina (IPUMS forum, MIGCTRY labels)
    43030: "BIH",
}


@dataclass(frozen=True)
class VariableMapping:
    """Source column names and codes → standard census columns.

    Parameters
    ----------
    name : str
        A name for the layout (recorded in results).
    columns : mapping
        Source column → standard column.
    recode : mapping
        Standard column → function ``f(frame, column) -> Series`` applied after renaming
        (the frame holds every mapped column under its standard name, with source codes).
    constants : mapping
        Standard column → a constant value (e.g. ``ref_area`` for a national file).
    helpers : mapping
        Source column → internal name of columns read only to recode others (IPUMS
        ``NATIVITY``); they are dropped after recoding.
    description : str
        Free text for the docs.
    """

    name: str
    columns: Mapping[str, str]
    recode: Mapping[str, Recoder] = field(default_factory=dict)
    constants: Mapping[str, Any] = field(default_factory=dict)
    helpers: Mapping[str, str] = field(default_factory=dict)
    description: str = ""

    def source_for(
        self, standard: Sequence[str], available: Sequence[str] | None = None
    ) -> list[str]:
        """Source columns to read for the *standard* columns (plus helpers), in file order.

        When *available* (the file's columns) is given, absent optional sources are skipped.
        """
        wanted = set(standard)
        out = [src for src, std in self.columns.items() if std in wanted]
        out += [src for src in self.helpers if src not in out]
        if available is not None:
            have = set(available)
            out = [c for c in out if c in have]
        return out

    def apply(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Rename and recode *frame* (a new frame; the input is not modified)."""
        present = {src: std for src, std in self.columns.items() if src in frame.columns}
        helpers = {src: name for src, name in self.helpers.items() if src in frame.columns}
        out = frame[list(present) + list(helpers)].rename(columns={**present, **helpers})
        for std, value in self.constants.items():
            if std not in out.columns:
                out[std] = value
        for std, func in self.recode.items():
            if std in out.columns:
                out[std] = func(out, std)
        return out.drop(columns=list(helpers.values()))


def codes(table: Mapping[Any, Any], *, other: Any = None) -> Recoder:
    """A recoder mapping values through *table*; values not in it become *other* (missing)."""

    def _recode(frame: pd.DataFrame, column: str) -> pd.Series:
        mapped = frame[column].map(dict(table))
        if other is not None:
            mapped = mapped.fillna(other)
        return mapped

    return _recode


def _sex(frame: pd.DataFrame, column: str) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype="float64")
    out = np.full(len(values), None, dtype=object)
    out[values == 1] = "M"
    out[values == 2] = "F"
    return pd.Series(out, index=frame.index, dtype="object")


def _age(frame: pd.DataFrame, column: str) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return values.where(values < 999)


def _country(frame: pd.DataFrame, column: str) -> pd.Series:
    numeric = pd.to_numeric(frame[column], errors="coerce")
    # Map each distinct code once (a census has one or a few countries).
    uniques = pd.unique(numeric.dropna())
    lookup = pd.Series(uniques).astype("int64").astype(str)
    iso = to_iso3(lookup)
    table = dict(zip(uniques, iso.fillna(lookup).astype(str), strict=True))
    return numeric.map(table).astype("object")


def _year_of_arrival(frame: pd.DataFrame, column: str) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return values.where((values > 0) & (values < 9999))


def _citizenship(frame: pd.DataFrame, column: str) -> pd.Series:
    status = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype="float64")
    own = frame["ref_area"].astype("object").to_numpy() if "ref_area" in frame else None
    citizen = np.isin(status, [1, 2, 3])
    out = np.full(len(frame), None, dtype=object)
    if own is not None:
        out[citizen] = own[citizen]
    out[status == 4] = FOREIGN_UNSPECIFIED
    return pd.Series(out, index=frame.index, dtype="object")


def _birthplace(table: Mapping[int, str]) -> Recoder:
    def _recode(frame: pd.DataFrame, column: str) -> pd.Series:
        code = pd.to_numeric(frame[column], errors="coerce")
        uniques = pd.unique(code.dropna()).astype("int64")
        lookup: dict[int, str | None] = {}
        for value in uniques:
            if value in table:
                lookup[int(value)] = table[int(value)]
            elif value % 1000 == 999 and value != 99999:
                lookup[int(value)] = FOREIGN_UNSPECIFIED
            else:
                lookup[int(value)] = None
        out = code.map(lookup).astype("object")
        if "_nativity" in frame.columns:
            nativity = pd.to_numeric(frame["_nativity"], errors="coerce")
            if "ref_area" in frame.columns:
                out = out.where(nativity != 1, frame["ref_area"])
            out = out.where(~((nativity == 2) & out.isna()), FOREIGN_UNSPECIFIED)
        return out

    return _recode


def ipums_international(bplcntry: Mapping[int, str] | None = None) -> VariableMapping:
    """The IPUMS-International mapping, optionally with more BPLCNTRY codes.

    Parameters
    ----------
    bplcntry : mapping of int to str, optional
        Extra (or overriding) BPLCNTRY code → ISO3 entries for your sample.
    """
    table = {**BPLCNTRY_ISO3, **(dict(bplcntry) if bplcntry else {})}
    return VariableMapping(
        name="ipums_international",
        columns={
            "COUNTRY": "ref_area",
            "YEAR": "time_period",
            "SERIAL": "household",
            "PERWT": "weight",
            "SEX": "sex",
            "AGE": "age",
            "BPLCNTRY": "country_of_birth",
            "CITIZEN": "citizenship",
            "STRATA": "strata",
            "YRIMM": "year_of_arrival",
        },
        recode={
            "ref_area": _country,
            "sex": _sex,
            "age": _age,
            "country_of_birth": _birthplace(table),
            "citizenship": _citizenship,
            "year_of_arrival": _year_of_arrival,
        },
        helpers={"NATIVITY": "_nativity"},
        description="IPUMS-International harmonised person records (COUNTRY, YEAR, SERIAL, "
        "PERWT, SEX, AGE, BPLCNTRY, CITIZEN, STRATA, YRIMM; NATIVITY if present)",
    )


#: The shipped IPUMS-International mapping (:func:`ipums_international` with no extras).
IPUMS_INTERNATIONAL = ipums_international()
