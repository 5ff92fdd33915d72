"""Library codes → SDMX code lists of the SDG data structure (DSD ``IAEG-SDGs:SDG``).

The library keeps SDMX-like codes in its tidy frames (``sex`` is ``F``/``M``/``_T``,
``migratory_status`` is ``MS_MIGRANT``/``MS_NOMIGRANT``/``_T``, ``ref_area`` is ISO 3166-1
alpha-3 or an M49 code), so most mappings are identities plus a few spelled-out synonyms.
This module is the one place where these choices are written down:

* ``SEX`` (CL_SEX): ``F``, ``M``, ``_T``; ``female``/``male``/``total`` are accepted.
* ``AGE`` (CL_AGE): SDMX labels such as ``Y15T19``, ``Y_GE65`` pass through; ``15-19``,
  ``65+`` are rewritten to them, and ``<15`` to ``Y0T14`` (CL_AGE 1.12 spells "under 15" as
  ages 0 to 14; it has no ``Y_LT`` codes); blank means ``_T``.
* ``COMPOSITE_BREAKDOWN``: migratory status travels here (the DSD has no migratory-status
  dimension): ``MS_MIGRANT``, ``MS_NOMIGRANT``, ``MS_EUMIGRANT``, ``MS_NONEUMIGRANT``.
* ``UNIT_MEASURE`` (CL_UNIT_MEASURE): see :data:`UNIT_MEASURE`; an ISO 4217 currency code
  passes through; a library unit with no SDG code is written upper-cased and reported by
  :func:`unit_measure_known`. ``month_of_earnings`` (SDG 10.7.1) is published as
  ``MO_EARN`` ("Number of months of earnings") under the series ``SL_EMP_RCOST_MO``, as
  is, without conversion. A library unit that an SDG series states in another unit would
  be converted through :data:`UNIT_CONVERSIONS` (:func:`published_unit`); none is today.
* ``OBS_STATUS`` (SDMX CL_OBS_STATUS): from the library's cell flags, see :data:`FLAG_OBS_STATUS`.
* ``CONF_STATUS`` (SDMX CL_CONF_STATUS): confidentiality, separate from the observation
  status as Eurostat adopted in 2025 (a withheld cell is "missing" in OBS_STATUS and says
  why in CONF_STATUS), see :data:`FLAG_CONF_STATUS`.
* ``REF_AREA``: UN M49 numeric codes via :func:`migindicators.core.countries.to_m49`, written
  in ``CL_AREA``'s spelling without leading zeros (``4``) or, on request, three digits
  (``004``): see :func:`migindicators.publish.sdmx.to_sdmx` (``area_codes=``).
* ``CUST_BREAKDOWN`` of a remittance corridor: ``C`` + the receiving country's M49 number in
  at least two digits (``C04``, ``C36``, ``C484``), see :func:`corridor_code`.

Every code these maps produce is a code of the SDG DSD's code lists as shipped
(:mod:`migindicators.core.sdg_codes`, ``IAEG-SDGs:SDG(1.14)``; ``tests/test_sdg_codes.py``
checks it); values that pass through unchanged are checked by
:func:`migindicators.publish.sdmx.check_sdmx_csv`.

References
----------
IAEG-SDGs, *SDG Data Structure Definition* (``IAEG-SDGs:SDG``, SDMX registry).
SDMX, *Cross-domain code lists* CL_SEX, CL_AGE, CL_OBS_STATUS, CL_CONF_STATUS, CL_UNIT_MULT.
Eurostat (2025), *Flags and confidentiality status*: observation status and confidentiality
status disseminated as two attributes (OBS_STATUS, CONF_STATUS).
UN Statistics Division, *Standard country or area codes for statistical use (M49)*.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from migindicators.core.countries import to_m49
from migindicators.core.result import Result
from migindicators.core.units import is_currency

if TYPE_CHECKING:
    from migindicators.core.registry import IndicatorSpec

__all__ = [
    "AGE_LABELS",
    "CONF_STATUS_LABELS",
    "CONF_STATUS_PRIORITY",
    "FLAG_CONF_STATUS",
    "FLAG_OBS_STATUS",
    "MIGRATORY_STATUS",
    "OBS_STATUS_LABELS",
    "OBS_STATUS_PRIORITY",
    "SEX",
    "UNIT_CONVERSIONS",
    "UNIT_MEASURE",
    "age_code",
    "composite_breakdown_code",
    "conf_status",
    "corridor_area",
    "corridor_code",
    "group_columns",
    "obs_status",
    "published_unit",
    "ref_area_m49",
    "registry_entry",
    "sex_code",
    "unit_measure",
    "unit_measure_known",
]

TOTAL = "_T"

#: Library sex code or synonym → CL_SEX.
SEX: dict[str, str] = {
    "F": "F",
    "M": "M",
    "_T": TOTAL,
    "female": "F",
    "male": "M",
    "total": TOTAL,
    "T": TOTAL,
    "": TOTAL,
}

#: Migratory-status code or synonym → COMPOSITE_BREAKDOWN code.
MIGRATORY_STATUS: dict[str, str] = {
    "MS_MIGRANT": "MS_MIGRANT",
    "MS_NOMIGRANT": "MS_NOMIGRANT",
    "MS_EUMIGRANT": "MS_EUMIGRANT",
    "MS_NONEUMIGRANT": "MS_NONEUMIGRANT",
    "migrant": "MS_MIGRANT",
    "non-migrant": "MS_NOMIGRANT",
    "nonmigrant": "MS_NOMIGRANT",
    "non_migrant": "MS_NOMIGRANT",
    "_T": TOTAL,
    "": TOTAL,
}

#: Library unit string (pint) → CL_UNIT_MEASURE code.
UNIT_MEASURE: dict[str, str] = {
    "percent": "PT",
    "%": "PT",
    "month_of_earnings": "MO_EARN",
    "per_100000": "PER_100000_POP",
    "per_100k": "PER_100000_POP",
    "person": "NUMBER",
    "persons": "NUMBER",
    "dimensionless": "NUMBER",
    "count": "NUMBER",
    "": "NUMBER",
}

#: Library unit → (the unit the SDG series publishes, factor applied to values).
#:
#: Empty since 0.2.0. ``month_of_earnings`` used to be published as ``PT`` × 100 under
#: ``SL_EMP_RCOST``; the SDG DSD (IAEG-SDGs:SDG 1.14) carries SDG 10.7.1 in months of
#: earnings itself (series ``SL_EMP_RCOST_MO``, unit ``MO_EARN``), and ``SL_EMP_RCOST`` is
#: named for a share of *yearly* income, which the indicator is not. The mapping stays for
#: units that a series states otherwise; the SDMX-CSV and Open SDG writers apply its factor
#: to values, bounds and the unit.
UNIT_CONVERSIONS: dict[str, tuple[str, float]] = {}

#: Library flag → SDMX OBS_STATUS. Flags not listed here (and cells without a flag) are
#: ``A`` (normal value); every flag also travels verbatim in ``COMMENT_OBS``.
FLAG_OBS_STATUS: dict[str, str] = {
    "suppressed": "Q",  # missing value; suppressed
    "zero_denominator": "M",  # missing value; data cannot exist
    "no_qualifying_service": "M",
    "missing_input": "O",  # missing value
    "low_n": "U",  # low reliability
    "high_cv": "U",
    "imputed": "I",  # imputed value
    "estimated": "E",  # estimated value
    "unreliable": "U",  # low reliability (published only when not withheld)
    "low_reliability": "U",
    "confidential_frequency": "O",  # missing value: withheld, the reason is in CONF_STATUS
    "confidential_dominance": "O",
    "secondary_suppressed": "O",
}

#: When a cell has several flags, the first status in this order wins.
OBS_STATUS_PRIORITY = ("Q", "M", "O", "U", "I", "E", "A")

#: OBS_STATUS code → label (for legends).
OBS_STATUS_LABELS: dict[str, str] = {
    "A": "normal value",
    "E": "estimated value",
    "I": "imputed value",
    "M": "missing value; data cannot exist",
    "O": "missing value",
    "Q": "missing value; suppressed",
    "U": "low reliability",
}

#: Library flag → SDMX CONF_STATUS (CL_CONF_STATUS). Cells without one of these flags are
#: ``F`` (free). Quality suppression is "not for publication" (N), not confidentiality.
FLAG_CONF_STATUS: dict[str, str] = {
    "confidential_frequency": "A",  # primary confidentiality due to small counts
    "confidential_dominance": "G",  # primary confidentiality: dominance by one or two units
    "secondary_suppressed": "D",  # secondary confidentiality set by the sender
    "suppressed": "N",  # not for publication, restricted for internal use only
}

#: When a cell has several confidentiality flags, the first status in this order wins.
CONF_STATUS_PRIORITY = ("A", "G", "D", "N", "F")

#: CONF_STATUS code → label (for legends).
CONF_STATUS_LABELS: dict[str, str] = {
    "F": "free (for publication)",
    "A": "primary confidentiality due to small counts",
    "G": "primary confidentiality due to dominance by one or two units",
    "D": "secondary confidentiality set by the sender, not for publication",
    "N": "not for publication, restricted for internal use only",
}

#: Labels of AGE codes for human-readable outputs (Open SDG, report).
AGE_LABELS: dict[str, str] = {TOTAL: ""}

_RANGE = re.compile(r"^\s*(\d+)\s*[-–]\s*(\d+)\s*$")
_PLUS = re.compile(r"^\s*(\d+)\s*(\+|and over|or more)\s*$")
_UNDER = re.compile(r"^\s*(<|under\s*)(\d+)\s*$")
_SDMX_RANGE = re.compile(r"^Y(\d+)T(\d+)$")
_SDMX_GE = re.compile(r"^Y_GE(\d+)$")
_SDMX_LT = re.compile(r"^Y_LT(\d+)$")


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if value is pd.NA:
        return ""
    return str(value).strip()


def sex_code(value: object) -> str:
    """CL_SEX code of a library sex value (unknown values pass through unchanged)."""
    text = _text(value)
    return SEX.get(text, SEX.get(text.lower(), text))


def composite_breakdown_code(value: object) -> str:
    """COMPOSITE_BREAKDOWN code of a migratory status (unknown values pass through)."""
    text = _text(value)
    return MIGRATORY_STATUS.get(text, MIGRATORY_STATUS.get(text.lower(), text))


def age_code(value: object) -> str:
    """CL_AGE code of an age-group label: ``15-19`` → ``Y15T19``, ``65+`` → ``Y_GE65``,
    ``<15`` → ``Y0T14`` (``<1`` → ``Y0``); other values pass through unchanged."""
    text = _text(value)
    if text in {"", TOTAL, "total", "Total"}:
        return TOTAL
    if match := _RANGE.match(text):
        return f"Y{int(match[1])}T{int(match[2])}"
    if match := _PLUS.match(text):
        return f"Y_GE{int(match[1])}"
    if match := _UNDER.match(text):
        # CL_AGE has no "less than" codes: under N completed years is ages 0 to N-1
        top = int(match[2]) - 1
        return f"Y0T{top}" if top > 0 else "Y0"
    return text


def age_label(code: object) -> str:
    """Human label of an AGE code: ``Y15T19`` → ``15-19``, ``Y_GE65`` → ``65+``, ``_T`` → ``""``."""
    text = _text(code)
    if text in AGE_LABELS:
        return AGE_LABELS[text]
    if match := _SDMX_RANGE.match(text):
        return f"{match[1]}-{match[2]}"
    if match := _SDMX_GE.match(text):
        return f"{match[1]}+"
    if match := _SDMX_LT.match(text):
        return f"<{match[1]}"
    return text


def age_sort_key(code: object) -> tuple[int, str]:
    """A key that sorts age codes by their lower bound (totals last)."""
    text = age_code(code)
    for pattern, group in ((_SDMX_RANGE, 1), (_SDMX_GE, 1)):
        if match := pattern.match(text):
            return int(match[group]), text
    if _SDMX_LT.match(text):
        return -1, text
    return 10_000, text


def published_unit(unit: str) -> tuple[str, float]:
    """The unit a library unit is published in, and the factor its values are multiplied by.

    >>> published_unit("month_of_earnings")
    ('month_of_earnings', 1.0)
    >>> published_unit("percent")
    ('percent', 1.0)
    """
    text = unit.strip()
    return UNIT_CONVERSIONS.get(text, (text, 1.0))


def unit_measure(unit: str) -> str:
    """CL_UNIT_MEASURE code of a library unit string (currencies pass through).

    Units in :data:`UNIT_CONVERSIONS` give the code of the unit they are published in; the
    writers multiply the values by the factor. ``month_of_earnings`` → ``MO_EARN``.
    """
    text = published_unit(unit)[0]
    if text in UNIT_MEASURE:
        return UNIT_MEASURE[text]
    if is_currency(text):
        return text.upper()
    return text.upper()


def unit_measure_known(unit: str) -> bool:
    """Whether :func:`unit_measure` has a real SDG code for *unit* (not just upper-casing)."""
    text = published_unit(unit)[0]
    return text in UNIT_MEASURE or is_currency(text)


def obs_status(flags: object) -> str:
    """OBS_STATUS of a cell from its ``;``-joined library flags (``A`` when none applies)."""
    codes = [c for c in _text(flags).split(";") if c]
    statuses = {FLAG_OBS_STATUS.get(c, "A") for c in codes} | {"A"}
    return next(s for s in OBS_STATUS_PRIORITY if s in statuses)


def conf_status(flags: object) -> str:
    """CONF_STATUS of a cell from its ``;``-joined library flags (``F`` when free)."""
    codes = [c for c in _text(flags).split(";") if c]
    statuses = {FLAG_CONF_STATUS.get(c, "F") for c in codes} | {"F"}
    return next(s for s in CONF_STATUS_PRIORITY if s in statuses)


def ref_area_m49(codes: pd.Series) -> pd.Series:
    """REF_AREA codes: ISO3 → M49 (three digits); M49 passes through; unknown codes, and
    withdrawn codes that have no numeric code (``SKM`` Sikkim), unchanged."""
    m49 = to_m49(codes)
    raw = codes.astype("string")
    return m49.where(m49 != "").fillna(raw).astype("string")


_CORRIDOR = re.compile(r"^C(\d+)$")


def corridor_code(m49: object) -> str:
    """The CUST_BREAKDOWN code of a remittance corridor to the receiving area *m49*.

    ``C`` followed by the M49 number in at least two digits: ``"004"`` → ``"C04"``, ``"036"``
    → ``"C36"``, ``"484"`` → ``"C484"``; blank for a blank or non-numeric area. The width
    is that of the code list's own codes: ``CL_CUST_BREAKDOWN(1.14)`` has ``C01`` … ``C99``
    then ``C100`` … ``C5000``, so the two-digit codes are the only ones below 100 (it has no
    ``C004``), and M49's three-digit codes map onto ``C100`` … ``C894`` unchanged.

    References
    ----------
    IAEG-SDGs, code list ``IAEG-SDGs:CL_CUST_BREAKDOWN`` version 1.14 (SDMX Global Registry,
    2023-08-20), shipped in ``migindicators/data/sdg_dsd``.
    """
    text = _text(m49)
    return f"C{int(text):02d}" if text.isdigit() and int(text) > 0 else ""


def corridor_area(code: object) -> str:
    """The receiving area (three-digit M49) of a corridor's CUST_BREAKDOWN *code*.

    The inverse of :func:`corridor_code`: ``"C04"`` → ``"004"``, ``"C484"`` → ``"484"``;
    files written before 0.2.0 (``"C004"``) read the same. Blank for a code that is not
    ``C`` followed by digits (``_T``, ``BANK``).
    """
    match = _CORRIDOR.match(_text(code))
    return f"{int(match[1]):03d}" if match and int(match[1]) > 0 else ""


def group_columns(result: Result) -> list[str]:
    """The grouping columns of *result*: those before ``value`` in :attr:`Result.data`.

    (:func:`~migindicators.core.assemble.make_result` puts the groups first, then the value columns,
    then indicator-specific extras such as numerators, which are not groups.)
    """
    columns = list(result.data.columns)
    if "value" not in columns:
        return []
    return columns[: columns.index("value")]


def registry_entry(indicator: str) -> IndicatorSpec | None:
    """The registry entry of *indicator*, or ``None`` for a result of an unregistered id."""
    from migindicators.core.registry import registry

    return registry[indicator] if indicator in registry.ids() else None
