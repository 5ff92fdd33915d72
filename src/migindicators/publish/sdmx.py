"""SDMX-CSV (and, with the ``sdmx`` extra, SDMX-ML) for the UN SDG global database.

The columns follow the SDG data structure definition (DSD ``IAEG-SDGs:SDG``): the
dimensions in DSD order, ``OBS_VALUE``, then the attributes. Every result becomes one
block of observations under its registry entry's SDMX series code (``sdmx_series``).

How library columns become DSD columns
--------------------------------------
======================  =================================================================
DSD column              filled from (default when the result has no such column)
======================  =================================================================
DATAFLOW                ``dataflow=`` (default ``IAEG-SDGs:DF_SDG_GLH(1.0)``; use the
                        identifier and version the receiving agency gives you)
FREQ                    ``freq=`` (default ``A``, annual)
REPORTING_TYPE          ``reporting_type=`` (default ``N``, national data; ``G`` global)
SERIES                  the registry entry's ``sdmx_series``
REF_AREA                ``ref_area`` as a UN M49 code (ISO3 converted; M49 kept), spelled as
                        ``CL_AREA`` spells it, without leading zeros (``4``, ``1`` World);
                        ``area_codes="m49"`` writes three digits (``004``). Without
                        it, the receiving country of a corridor (``receiving_area`` or
                        ``destination``), else ``sending_area``; corridor series: the
                        sending country (see *Corridors*); a ``region`` name or code is
                        mapped to its M49 aggregate (see *Regions*). Rows left without an
                        area are not written (see :func:`unplaced_rows`)
SEX                     ``sex`` (``_T``)
AGE                     ``age_group`` (``_T``); ``15-19`` style labels become ``Y15T19``
URBANISATION            ``urbanisation`` (``_T``)
INCOME_WEALTH_QUANTILE  ``income_wealth_quantile`` (``_T``)
EDUCATION_LEV           ``education_lev`` (``_T``)
OCCUPATION              ``occupation`` (``_T``)
CUST_BREAKDOWN          ``cust_breakdown``; otherwise every other grouping column
                        (``corridor``, ``origin``, ``destination``, …) joined with ``_``;
                        ``_T`` when there is none; corridor series: ``C`` + the receiving
                        country's M49 number in at least two digits (``C04``, ``C484``).
                        ``cust_breakdown=`` maps these library values to the custodian's
                        ``Cnn`` codes, series by series (see *Custom breakdowns*). Columns
                        the series definition fixes
                        (``amount_usd``) or that only name the grouping of an aggregate
                        (``region_grouping``, ``aggregate_grouping``) are not breakdowns
COMPOSITE_BREAKDOWN     ``migratory_status`` (``MS_MIGRANT``/``MS_NOMIGRANT``) or
                        ``composite_breakdown`` (``_T``)
DISABILITY_STATUS       ``disability_status`` (``_T``)
ACTIVITY, PRODUCT       ``activity``, ``product`` (``_T``)
TIME_PERIOD             ``time_period`` (a year; ``2024Q1`` becomes ``2024-Q1``)
OBS_VALUE               ``value`` (blank when NaN; shortest round-trip decimal), times the
                        factor of ``codes.UNIT_CONVERSIONS`` (none today)
OBS_STATUS              the cell's flags through ``codes.FLAG_OBS_STATUS``
CONF_STATUS             confidentiality from the flags through ``codes.FLAG_CONF_STATUS``
                        (``F`` free; ``A``/``G`` primary, ``D`` secondary confidentiality,
                        ``N`` withheld by a quality rule), the 2025 Eurostat split
UNIT_MULT               ``0`` (values are never scaled)
UNIT_MEASURE            the result's unit through ``codes.unit_measure`` (``MO_EARN``
                        for ``month_of_earnings``)
NATURE                  ``nature=`` (default ``C``, country data)
COMMENT_OBS             the cell's library flags, e.g. ``flags: low_n;incomplete_coverage``
UPPER_BOUND/LOWER_BOUND ``ci_upper``/``ci_lower`` (blank when unknown)
SOURCE_DETAIL           ``source_detail=`` (default blank)
CUST_BREAKDOWN_LB       a label of CUST_BREAKDOWN, e.g. ``origin=MEX, destination=USA``; a
                        value mapped by ``cust_breakdown=`` keeps the library value here
======================  =================================================================

Corridors
---------
The SDG database identifies a remittance corridor (series ``SI_RMT_COST_BC`` and
``SI_RMT_COST_SC``) by ``REF_AREA`` = the *sending* country and ``CUST_BREAKDOWN`` = ``C``
followed by the M49 number of the receiving country (e.g. ``REF_AREA=840``,
``CUST_BREAKDOWN=C484`` for United States → Mexico); there is no COUNTERPART_AREA dimension
in the SDG DSD. Source: the SDG global database's harmonized dataflow
``IAEG-SDGs:DF_SDG_GLH`` as decoded in sanand0/journalists ``data/un/v3/analyze_un_data.py``
(``sender_code = REF_AREA``, ``receiver_code = CUST_BREAKDOWN`` without its leading ``C``).
The number is written in at least two digits, not M49's three: the code list
``CL_CUST_BREAKDOWN(1.14)`` itself holds ``C01`` … ``C99`` and then ``C100`` … ``C5000``, so
Afghanistan (M49 ``004``) is ``C04`` (there is no ``C004``) and Australia (``036``) ``C36``;
codes from ``C100`` are M49's own digits. :func:`~migindicators.publish.codes.corridor_code`
writes the code and :func:`~migindicators.publish.codes.corridor_area` reads it back (also
the three-digit ``C004`` of files written before 0.2.0).
Country-level series give the area the series names: ``SI_RMT_COST`` the receiving
country, ``SI_RMT_COST_SND`` the sending country.

Custom breakdowns
-----------------
The SDG DSD has no codes for the library's own breakdowns (service type ``BANK``, route
``CENTRAL_MEDITERRANEAN``, policy domain ``PD_1_1``, …): ``CL_CUST_BREAKDOWN`` holds only
``_T`` and the placeholders ``C01`` … ``C5000``, whose meaning the custodian assigns for each
series, labelled by ``CUST_BREAKDOWN_LB``. The library cannot know that assignment.
``cust_breakdown=`` takes it from the user: series code → library value → placeholder, as a
mapping (``{"SM_DTH_MIGR": {"CENTRAL_MEDITERRANEAN": "C01"}}``) or a CSV file with columns
``series``, ``breakdown``, ``code`` (:func:`cust_breakdown_codes` reads and checks it). A
mapped row carries the placeholder in CUST_BREAKDOWN and keeps the library value in
CUST_BREAKDOWN_LB. Library values left unmapped are written as before and reported by
:func:`check_sdmx_csv`, series by series, with the mapping that would place them. Corridor
series keep the M49 rule above: their ``C`` codes cannot be remapped, nor other values mapped
onto the ``C`` code of an M49 area.

Regions
-------
A ``region`` grouping column (the deaths family's region of incident) holds names or codes;
names of :func:`migindicators.core.countries.region_table` (case-insensitive) map to their M49
aggregate code, which becomes REF_AREA of the rows with no country (blank ``ref_area``) or
of world-total rows (World). Regions without an M49 code (Missing Migrants Project regions
such as "Mediterranean") cannot be placed: such rows without another area are left out and
reported by :func:`unplaced_rows` (the report lists them in its notes) instead of being
written with a blank REF_AREA.

Code lists
----------
:func:`check_sdmx_csv` checks every coded column written (FREQ, REPORTING_TYPE, SERIES,
REF_AREA, SEX, AGE, URBANISATION, INCOME_WEALTH_QUANTILE, EDUCATION_LEV, OCCUPATION,
CUST_BREAKDOWN, COMPOSITE_BREAKDOWN, DISABILITY_STATUS, ACTIVITY, PRODUCT, OBS_STATUS,
UNIT_MULT, UNIT_MEASURE, NATURE) against the code lists of the shipped DSD
(:mod:`migindicators.core.sdg_codes`, ``IAEG-SDGs:SDG(1.14)``), in both SDMX-CSV versions,
comparing codes as strings: REF_AREA must be spelled as ``CL_AREA`` spells it, unless the
check is told the file uses three-digit M49 (``area_codes="m49"``, the writers' option of
the same name), when REF_AREA is also checked against the M49 tables. CONF_STATUS is not
an attribute of that DSD (its codes are SDMX's CL_CONF_STATUS, not shipped) and is not
checked. The writers keep writing and report through :func:`check_sdmx_csv` (the report
and ``migindicators run`` list its problems as notes); ``strict=True`` makes them raise
:class:`~migindicators.core.errors.CodeListError` instead, before anything is written.

The other conditional attributes of the DSD (BASE_PER, TIME_DETAIL, TIME_COVERAGE,
COMMENT_TS, GEO_INFO_URL, GEO_INFO_TYPE, DATA_LAST_UPDATE) are left out: SDMX-CSV allows
absent conditional attributes. Results whose indicator has no SDMX series are skipped
(they cannot be sent to the SDG database) and listed by :func:`skipped_results`.

References
----------
IAEG-SDGs, *SDG Data Structure Definition* ``IAEG-SDGs:SDG`` (dimensions and attributes).
SDMX Technical Working Group, *SDMX-CSV format* (versions 1.0 and 2.0).
IAEG-SDGs, code lists of the DSD ``IAEG-SDGs:SDG`` version 1.14 (SDMX Global Registry,
2023-08-20), shipped in ``migindicators/data/sdg_dsd``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.countries import m49_codes, region_table
from migindicators.core.errors import FileError, OptionError, show_values
from migindicators.core.result import Result
from migindicators.core.sdg_codes import (
    AREA_CODES,
    NEWER_CODES,
    check_codes,
    cl_area_code,
    codelist_of,
    codes,
    component_codelists,
    dsd_version,
    require_codes,
)
from migindicators.publish.codes import (
    TOTAL,
    age_code,
    composite_breakdown_code,
    conf_status,
    corridor_area,
    corridor_code,
    group_columns,
    obs_status,
    published_unit,
    ref_area_m49,
    registry_entry,
    sex_code,
    unit_measure,
)

__all__ = [
    "ATTRIBUTES",
    "DEFAULT_DATAFLOW",
    "DIMENSIONS",
    "MANDATORY_ATTRIBUTES",
    "SDMX_CSV_COLUMNS",
    "SDMX_CSV_VERSIONS",
    "as_sdmx_csv_2",
    "check_sdmx_csv",
    "cust_breakdown_codes",
    "sdmx_dsd",
    "series_of",
    "skipped_results",
    "to_sdmx",
    "unplaced_rows",
    "write_sdmx_csv",
    "write_sdmx_ml",
]

DEFAULT_DATAFLOW = "IAEG-SDGs:DF_SDG_GLH(1.0)"

#: The dimensions of the SDG DSD, in DSD order (TIME_PERIOD last).
DIMENSIONS = (
    "FREQ",
    "REPORTING_TYPE",
    "SERIES",
    "REF_AREA",
    "SEX",
    "AGE",
    "URBANISATION",
    "INCOME_WEALTH_QUANTILE",
    "EDUCATION_LEV",
    "OCCUPATION",
    "CUST_BREAKDOWN",
    "COMPOSITE_BREAKDOWN",
    "DISABILITY_STATUS",
    "ACTIVITY",
    "PRODUCT",
    "TIME_PERIOD",
)
#: The attributes written (mandatory ones first).
ATTRIBUTES = (
    "OBS_STATUS",
    "CONF_STATUS",
    "UNIT_MULT",
    "UNIT_MEASURE",
    "NATURE",
    "COMMENT_OBS",
    "UPPER_BOUND",
    "LOWER_BOUND",
    "SOURCE_DETAIL",
    "CUST_BREAKDOWN_LB",
)
MANDATORY_ATTRIBUTES = ("OBS_STATUS", "UNIT_MULT", "UNIT_MEASURE")
#: Every column of the SDMX-CSV file, in order.
SDMX_CSV_COLUMNS = ("DATAFLOW", *DIMENSIONS, "OBS_VALUE", *ATTRIBUTES)

# Library column → DSD dimension (besides ref_area and time_period).
_COLUMN_DIMENSION: dict[str, str] = {
    "sex": "SEX",
    "age_group": "AGE",
    "age": "AGE",
    "migratory_status": "COMPOSITE_BREAKDOWN",
    "composite_breakdown": "COMPOSITE_BREAKDOWN",
    "urbanisation": "URBANISATION",
    "urbanization": "URBANISATION",
    "income_wealth_quantile": "INCOME_WEALTH_QUANTILE",
    "education_lev": "EDUCATION_LEV",
    "occupation": "OCCUPATION",
    "cust_breakdown": "CUST_BREAKDOWN",
    "disability_status": "DISABILITY_STATUS",
    "activity": "ACTIVITY",
    "product": "PRODUCT",
}
_CODE_FUNCTIONS: dict[str, Callable[[Any], str]] = {
    "SEX": sex_code,
    "AGE": age_code,
    "COMPOSITE_BREAKDOWN": composite_breakdown_code,
}
# Without a ref_area column (remittance corridors), the receiving country is the reference
# area, as in the SDG series "cost of sending USD 200 to a receiving country".
_AREA_FALLBACK = (
    "receiving_area",
    "destination",
    "receiving",
    "destination_country",
    "sending_area",
)
#: Series of one remittance corridor per observation (see the module notes, *Corridors*).
CORRIDOR_SERIES = ("SI_RMT_COST_BC", "SI_RMT_COST_SC")
_CORRIDOR_COLUMNS = ("sending_area", "receiving_area")
# Grouping columns that are not breakdowns: fixed by the series definition (the SI_RMT_COST
# series are for USD 200) or naming the grouping an aggregate code belongs to.
_NOT_BREAKDOWN = frozenset({"amount_usd", "region_grouping", "aggregate_grouping"})
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$")
_NOT_CODE = re.compile(r"[^A-Za-z0-9_@$-]+")


def series_of(result: Result, overrides: Mapping[str, str] | None = None) -> str | None:
    """The SDMX series code of *result*'s indicator (``None`` when it has none).

    *overrides* (indicator id → series code) comes first: a national reporting platform can
    publish indicators that have no global series under its own national series codes.
    """
    if overrides and result.indicator in overrides:
        return overrides[result.indicator]
    if "sdmx_series" in result.metadata:
        # set by the indicator function, per level: None or "none" means "no series"
        series = result.metadata["sdmx_series"]
        return str(series) if series and str(series) != "none" else None
    spec = registry_entry(result.indicator)
    return spec.sdmx_series if spec is not None else None


def skipped_results(
    results: Iterable[Result], series: Mapping[str, str] | None = None
) -> list[str]:
    """Indicator ids among *results* that have no SDMX series (left out of SDMX output)."""
    return [r.indicator for r in results if series_of(r, series) is None]


def _number(value: Any, factor: float = 1.0) -> str:
    if value is None or value is pd.NA:
        return ""
    number = float(value) * factor
    if not np.isfinite(number):
        return ""
    return str(np.format_float_positional(number, unique=True, trim="-"))


def _time_period(value: Any) -> str:
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    text = str(value).strip()
    if re.fullmatch(r"\d{4}\.0", text):
        return text[:4]
    if match := _QUARTER.match(text):
        return f"{match[1]}-Q{match[2]}"
    return text


def _code(value: Any) -> str:
    text = (
        ""
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
        else str(value).strip()
    )
    return _NOT_CODE.sub("_", text).upper() if text else TOTAL


@cache
def _region_codes() -> dict[str, str]:
    """Region name (lower case) or M49 code → M49 aggregate code."""
    table = region_table()
    out = {
        str(n).strip().lower(): str(c) for n, c in zip(table["name"], table["code"], strict=True)
    }
    out.update({str(c): str(c) for c in table["code"]})
    return out


def _region_area(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value).strip()
    return _region_codes().get(text.lower(), _region_codes().get(text.zfill(3), ""))


def _areas(
    result: Result, series: str, groups: list[str]
) -> tuple[list[str], list[str] | None, list[str], list[str]]:
    """REF_AREA per row, the corridor CUST_BREAKDOWN prefix, the columns used, problems."""
    data = result.data
    n = len(data)
    used: list[str] = []
    corridor: list[str] | None = None
    if series in CORRIDOR_SERIES and set(_CORRIDOR_COLUMNS) <= set(groups):
        sending, receiving = _CORRIDOR_COLUMNS
        area = list(ref_area_m49(data[sending]).fillna(""))
        # a receiving area without an M49 number stays visible (C + its code) for the check
        corridor = [
            corridor_code(c) or (f"C{c}" if c else "")
            for c in ref_area_m49(data[receiving]).fillna("")
        ]
        used = [sending, receiving]
    else:
        column = "ref_area" if "ref_area" in data.columns else None
        if column is None:
            column = next((c for c in _AREA_FALLBACK if c in groups), None)
        area = list(ref_area_m49(data[column]).fillna("")) if column else [""] * n
        if column:
            used = [column]
    problems: list[str] = []
    if "region" in groups:
        regions = [_region_area(v) for v in data["region"]]
        unmapped: set[str] = set()
        for i, (code, value) in enumerate(zip(regions, data["region"], strict=True)):
            if code and area[i] in ("", "001"):
                area[i] = code
            elif not code and not area[i] and isinstance(value, str) and value.strip():
                unmapped.add(value.strip())
        for name in sorted(unmapped):
            problems.append(f"region {name!r} has no M49 code")
    return area, corridor, used, problems


def _one_result(
    result: Result,
    series: str,
    *,
    dataflow: str,
    freq: str,
    reporting_type: str,
    nature: str,
    source_detail: str,
    area_codes: str,
) -> tuple[pd.DataFrame, list[str]]:
    data = result.data
    n = len(data)
    out: dict[str, Any] = {col: [""] * n for col in SDMX_CSV_COLUMNS}
    out["DATAFLOW"] = [dataflow] * n
    out["FREQ"] = [freq] * n
    out["REPORTING_TYPE"] = [reporting_type] * n
    out["SERIES"] = [series] * n
    for dim in DIMENSIONS[4:-1]:
        out[dim] = [TOTAL] * n
    groups = group_columns(result)
    area, corridor, used, problems = _areas(result, series, groups)
    extra = [
        c
        for c in groups
        if c not in {"ref_area", "time_period", *used}
        and c not in _COLUMN_DIMENSION
        and c not in _NOT_BREAKDOWN
    ]
    for column in groups:
        target = _COLUMN_DIMENSION.get(column)
        if target is None:
            continue
        func: Callable[[Any], str] = _CODE_FUNCTIONS.get(target, _code)
        out[target] = [func(v) for v in data[column]]
    parts = [[_code(v) for v in data[c]] for c in extra]
    labels = [list(data[c].astype("string").fillna("")) for c in extra]
    names = list(extra)
    if corridor is not None:
        parts.insert(0, corridor)
        labels.insert(0, list(data[_CORRIDOR_COLUMNS[1]].astype("string").fillna("")))
        names.insert(0, _CORRIDOR_COLUMNS[1])
    if parts:
        custom = ["_".join(p for p in row) for row in zip(*parts, strict=True)]
        if "cust_breakdown" in groups:
            custom = [f"{a}_{b}" for a, b in zip(out["CUST_BREAKDOWN"], custom, strict=True)]
        out["CUST_BREAKDOWN"] = custom
        out["CUST_BREAKDOWN_LB"] = [
            ", ".join(f"{c}={v}" for c, v in zip(names, row, strict=True))
            for row in zip(*labels, strict=True)
        ]
    out["REF_AREA"] = (
        [cl_area_code(a) if a else "" for a in area] if area_codes == "cl_area" else area
    )
    if "time_period" in data.columns:
        out["TIME_PERIOD"] = [_time_period(v) for v in data["time_period"]]
    units = (
        [str(u) if isinstance(u, str) else result.unit for u in data["unit"]]
        if "unit" in data.columns
        else [result.unit] * n
    )
    factors = [published_unit(u)[1] for u in units]
    out["OBS_VALUE"] = [_number(v, f) for v, f in zip(data["value"], factors, strict=True)]
    flags = data["flag"] if "flag" in data.columns else pd.Series([""] * n)
    out["OBS_STATUS"] = [obs_status(f) for f in flags]
    out["CONF_STATUS"] = [conf_status(f) for f in flags]
    out["COMMENT_OBS"] = [f"flags: {f}" if isinstance(f, str) and f else "" for f in flags]
    out["UNIT_MULT"] = ["0"] * n
    out["UNIT_MEASURE"] = [unit_measure(u) for u in units]
    out["NATURE"] = [nature] * n
    for attr, column in (("UPPER_BOUND", "ci_upper"), ("LOWER_BOUND", "ci_lower")):
        if column in data.columns:
            out[attr] = [_number(v, f) for v, f in zip(data[column], factors, strict=True)]
    out["SOURCE_DETAIL"] = [source_detail] * n
    frame = pd.DataFrame(out, columns=list(SDMX_CSV_COLUMNS), dtype="object")
    blank = frame["REF_AREA"] == ""
    if bool(blank.any()):
        why = "; ".join(problems) if problems else "no reference area (e.g. no country recorded)"
        problems = [
            f"{result.indicator} ({series}): {int(blank.sum())} row(s) not written, "
            f"no M49 reference area: {why}"
        ]
        frame = frame[~blank]
    else:
        problems = []
    return frame, problems


#: Columns of a ``cust_breakdown=`` CSV file (one row per library value of a series).
CUST_BREAKDOWN_FILE_COLUMNS = ("series", "breakdown", "code")


def _breakdown_file(path: Path) -> dict[str, dict[str, str]]:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError as exc:
        raise FileError(
            f"cust_breakdown={str(path)!r}: no such file; give a CSV file with columns "
            f"{list(CUST_BREAKDOWN_FILE_COLUMNS)} or a mapping series → value → code"
        ) from exc
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise FileError(
            f"cust_breakdown={str(path)!r}: cannot be read as CSV ({exc}); give a UTF-8 CSV "
            f"file with columns {list(CUST_BREAKDOWN_FILE_COLUMNS)}"
        ) from exc
    missing = [c for c in CUST_BREAKDOWN_FILE_COLUMNS if c not in table.columns]
    if missing:
        raise OptionError(
            f"cust_breakdown={str(path)!r}: the file lacks column(s) {missing}; it has "
            f"{list(table.columns)} and needs {list(CUST_BREAKDOWN_FILE_COLUMNS)} (one row per "
            "library value: series code, the value as written in CUST_BREAKDOWN, the code)"
        )
    out: dict[str, dict[str, str]] = {}
    for number, row in enumerate(table.itertuples(index=False), start=2):
        series, value, code = (str(getattr(row, c)).strip() for c in CUST_BREAKDOWN_FILE_COLUMNS)
        values = out.setdefault(series, {})
        if value in values:
            raise OptionError(
                f"cust_breakdown={str(path)!r}, line {number}: series {series!r} maps "
                f"{value!r} a second time; give each library value one code"
            )
        values[value] = code
    return out


def cust_breakdown_codes(
    mapping: Mapping[str, Mapping[str, str]] | str | Path | None,
) -> dict[str, dict[str, str]]:
    """Read and check a ``cust_breakdown=`` assignment of library values to DSD codes.

    Parameters
    ----------
    mapping : mapping, str, Path or None
        Series code (``SM_DTH_MIGR``) → library value → ``CL_CUST_BREAKDOWN`` code (``C01``),
        or the path of a CSV file with columns ``series``, ``breakdown``, ``code`` (one row
        per library value). A library value is the CUST_BREAKDOWN the library writes
        (``CENTRAL_MEDITERRANEAN``, ``PD_1_1``); it may also be given as spelled in the
        data (``"Central Mediterranean"``), which is turned into the written code the same
        way. ``None``: no assignment.

    Returns
    -------
    dict
        Series → written library code → DSD code.

    Raises
    ------
    OptionError
        Not a mapping of mappings of strings; a code outside ``CL_CUST_BREAKDOWN`` (or
        ``_T``, which means "no breakdown"); two library values on one code in a series;
        in a corridor series (``SI_RMT_COST_BC``, ``SI_RMT_COST_SC``), a corridor code
        remapped or a value mapped onto the corridor code of an M49 area.
    FileError
        The CSV file is missing or unreadable.

    Examples
    --------
    >>> cust_breakdown_codes({"SM_DTH_MIGR": {"Central Mediterranean": "C01"}})
    {'SM_DTH_MIGR': {'CENTRAL_MEDITERRANEAN': 'C01'}}
    """
    if mapping is None:
        return {}
    if isinstance(mapping, (str, Path)):
        mapping = _breakdown_file(Path(mapping))
    if not isinstance(mapping, Mapping):
        raise OptionError(
            f"cust_breakdown={mapping!r}: give a mapping series → {{library value: code}} or "
            "the path of a CSV file with columns series, breakdown, code"
        )
    known = codes("CUST_BREAKDOWN") | frozenset(NEWER_CODES.get("CUST_BREAKDOWN", {}))
    out: dict[str, dict[str, str]] = {}
    for given, values in mapping.items():
        if not isinstance(given, str) or not given.strip():
            raise OptionError(f"cust_breakdown: series {given!r} is not an SDMX series code")
        series = given.strip()
        if not isinstance(values, Mapping):
            raise OptionError(
                f"cust_breakdown[{series!r}] = {values!r}: give a mapping library value → code, "
                "e.g. {'CENTRAL_MEDITERRANEAN': 'C01'}"
            )
        where = f"cust_breakdown[{series!r}]"
        written: dict[str, str] = {}
        for value, code in values.items():
            key = _code(value)
            if not isinstance(value, str) or key == TOTAL:
                raise OptionError(
                    f"{where}: library value {value!r} is not a breakdown (blank or _T is the "
                    "total, which keeps _T)"
                )
            if not isinstance(code, str) or code not in known or code == TOTAL:
                raise OptionError(
                    f"{where}[{value!r}] = {code!r}: not a custom code of "
                    f"{codelist_of('CUST_BREAKDOWN')} of {dsd_version()}, which has C01 … C99 "
                    "and C100 … C5000; use the code the custodian assigned to this value"
                )
            if key in written:
                raise OptionError(
                    f"{where}: {value!r} and another value are both the library code {key!r}; "
                    "give it once"
                )
            if series in CORRIDOR_SERIES:
                if corridor_area(key) and corridor_area(key) in m49_codes():
                    raise OptionError(
                        f"{where}: {value!r} is a corridor code (C + the receiving area's M49 "
                        "number), which corridor series keep; it cannot be remapped"
                    )
                if corridor_area(code) in m49_codes():
                    raise OptionError(
                        f"{where}[{value!r}] = {code!r}: in a corridor series {code} is the "
                        f"corridor to M49 area {corridor_area(code)}; choose a code that is no "
                        "M49 area's (e.g. from C1000)"
                    )
            written[key] = code
        twice = {c for c in written.values() if list(written.values()).count(c) > 1}
        if twice:
            shared = {c: sorted(k for k, v in written.items() if v == c) for c in sorted(twice)}
            raise OptionError(
                f"{where}: several library values on one code {shared}; each code of a series "
                "stands for one breakdown"
            )
        out[series] = written
    return out


def _map_breakdowns(frame: pd.DataFrame, assigned: Mapping[str, Mapping[str, str]]) -> None:
    """Put the assigned codes into CUST_BREAKDOWN (in place), the library value into its label."""
    for series, values in assigned.items():
        rows = frame["SERIES"] == series
        if not bool(rows.any()):
            continue
        current = frame.loc[rows, "CUST_BREAKDOWN"]
        # a code the library already writes for another value of the series would then mean two
        taken = sorted(set(current[~current.isin(list(values))]) & set(values.values()))
        if taken:
            raise OptionError(
                f"cust_breakdown[{series!r}]: code(s) {taken} are already written for other "
                f"values of {series} (unmapped, or corridor codes); choose other codes"
            )
        mapped = rows & frame["CUST_BREAKDOWN"].isin(list(values))
        label = frame.loc[mapped, "CUST_BREAKDOWN_LB"]
        frame.loc[mapped, "CUST_BREAKDOWN_LB"] = label.where(
            label != "", frame.loc[mapped, "CUST_BREAKDOWN"]
        )
        frame.loc[mapped, "CUST_BREAKDOWN"] = frame.loc[mapped, "CUST_BREAKDOWN"].map(values)


def unplaced_rows(
    results: Result | Iterable[Result], series: Mapping[str, str] | None = None
) -> list[str]:
    """Why rows of *results* were left out of :func:`to_sdmx` (no M49 reference area).

    One message per result, e.g. ``"migrant_deaths_and_disappearances (SM_DTH_MIGR): 2
    row(s) not written, no M49 reference area: region 'Mediterranean' has no M49 code"``.
    """
    messages: list[str] = []
    to_sdmx(results, series=series, problems=messages)
    return messages


def to_sdmx(
    results: Result | Iterable[Result],
    *,
    dataflow: str = DEFAULT_DATAFLOW,
    freq: str = "A",
    reporting_type: str = "N",
    nature: str = "C",
    source_detail: str = "",
    series: Mapping[str, str] | None = None,
    problems: list[str] | None = None,
    area_codes: str = "cl_area",
    cust_breakdown: Mapping[str, Mapping[str, str]] | str | Path | None = None,
) -> pd.DataFrame:
    """SDMX-CSV rows (as strings) of *results* against the SDG DSD.

    Parameters
    ----------
    results : Result or iterable of Result
        Results whose indicators have an SDMX series; the others are skipped (see
        :func:`skipped_results`).
    dataflow : str
        The DATAFLOW column, ``AGENCY:ID(VERSION)``.
    freq, reporting_type, nature : str
        FREQ (``A``), REPORTING_TYPE (``N`` national, ``G`` global) and NATURE (``C``
        country data, ``CA`` country adjusted, ``E`` estimated, ``M`` modelled).
    source_detail : str
        SOURCE_DETAIL attribute for every observation (e.g. "Population census 2020").
    series : mapping of str to str, optional
        Indicator id → SDMX series code, overriding the registry (e.g. national series for
        indicators outside the global framework).
    problems : list of str, optional
        Receives the messages of :func:`unplaced_rows` (rows left out for want of an M49
        reference area), so that a caller writing the file need not build it twice.
    area_codes : {"cl_area", "m49"}
        Spelling of REF_AREA: ``"cl_area"`` (default) the SDG DSD's ``CL_AREA`` codes, M49
        without leading zeros (``4`` Afghanistan, ``1`` World, ``199`` least developed
        countries); ``"m49"`` UN M49's three digits (``004``, ``001``) for a receiver that
        asks for them. Check such a file with ``check_sdmx_csv(..., area_codes="m49")``.
    cust_breakdown : mapping, str or Path, optional
        The custodian's ``CL_CUST_BREAKDOWN`` codes for the library's breakdowns, series by
        series: ``{"SM_DTH_MIGR": {"CENTRAL_MEDITERRANEAN": "C01"}}`` or a CSV file with
        columns ``series``, ``breakdown``, ``code`` (checked by :func:`cust_breakdown_codes`).
        A mapped row gets the code; CUST_BREAKDOWN_LB keeps the library value. Values not
        mapped are written as they are (and reported by :func:`check_sdmx_csv`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SDMX_CSV_COLUMNS`, every cell a string, rows sorted by the
        dimensions so that the same results always give the same file.

    Raises
    ------
    OptionError
        *area_codes* is not one of ``"cl_area"``, ``"m49"``; *cust_breakdown* is not a valid
        assignment (see :func:`cust_breakdown_codes`), or gives a series a code it already
        writes for another value.
    FileError
        *cust_breakdown* names a CSV file that is missing or unreadable.

    Examples
    --------
    >>> import migindicators as mi  # doctest: +SKIP
    >>> mi.publish.to_sdmx([res]).to_csv("sdg.csv", index=False)  # doctest: +SKIP
    """
    if area_codes not in AREA_CODES:
        raise OptionError(
            f"area_codes={area_codes!r}: REF_AREA is spelled one of {list(AREA_CODES)} "
            "('cl_area': the SDG DSD's CL_AREA codes such as 4; 'm49': three-digit M49 such "
            "as 004)"
        )
    assigned = cust_breakdown_codes(cust_breakdown)
    items = [results] if isinstance(results, Result) else list(results)
    frames = []
    for result in items:
        code = series_of(result, series)
        if code is None:
            continue
        frame, unplaced = _one_result(
            result,
            code,
            dataflow=dataflow,
            freq=freq,
            reporting_type=reporting_type,
            nature=nature,
            source_detail=source_detail,
            area_codes=area_codes,
        )
        frames.append(frame)
        if problems is not None:
            problems.extend(unplaced)
    if not frames:
        return pd.DataFrame(columns=list(SDMX_CSV_COLUMNS), dtype="object")
    out = pd.concat(frames, ignore_index=True)
    _map_breakdowns(out, assigned)
    return out.sort_values(list(DIMENSIONS), kind="stable").reset_index(drop=True)


#: SDMX-CSV versions :func:`write_sdmx_csv` writes.
SDMX_CSV_VERSIONS = ("1.0", "2.0")


def as_sdmx_csv_2(frame: pd.DataFrame) -> pd.DataFrame:
    """An SDMX-CSV 1.0 frame of :func:`to_sdmx` in the layout of SDMX-CSV 2.0.

    Version 2.0 replaces the first column, ``DATAFLOW``, with three: ``STRUCTURE``
    (``dataflow``), ``STRUCTURE_ID`` (the same ``AGENCY:ID(VERSION)``) and ``ACTION`` (``I``,
    information: observations to add or replace). The other columns, their order and the
    observations are those of version 1.0.

    References
    ----------
    SDMX Technical Working Group, *SDMX-CSV format*, version 2.0 (2021), section "Header row".
    """
    out = frame.drop(columns=["DATAFLOW"])
    out.insert(0, "ACTION", "I")
    out.insert(0, "STRUCTURE_ID", frame["DATAFLOW"].to_numpy())
    out.insert(0, "STRUCTURE", "dataflow")
    return out


def write_sdmx_csv(
    results: Result | Iterable[Result],
    path: str | Path,
    *,
    version: str = "1.0",
    strict: bool = False,
    **options: Any,
) -> Path:
    """Write :func:`to_sdmx` of *results* to *path* (UTF-8, comma-separated); return the path.

    Parameters
    ----------
    results : Result or iterable of Result
        What to write.
    path : str or Path
        The file; its folder is created when missing.
    version : {"1.0", "2.0"}
        SDMX-CSV version: ``"1.0"`` (first column ``DATAFLOW``; what the SDG global database
        has taken) or ``"2.0"`` (``STRUCTURE``, ``STRUCTURE_ID``, ``ACTION``; what current
        SDMX tools such as sdmx1 2.28 read, see :func:`as_sdmx_csv_2`).
    strict : bool
        ``False`` (default): write, and leave code list problems to :func:`check_sdmx_csv`
        (as the report and ``migindicators run`` do). ``True``: raise instead when a coded
        column holds a code outside the SDG DSD's code list, writing nothing.
    **options
        Passed to :func:`to_sdmx` (``dataflow``, ``series``, ``source_detail``,
        ``area_codes``, ``cust_breakdown``, …).

    Raises
    ------
    OptionError
        *version* is not one of :data:`SDMX_CSV_VERSIONS`.
    CodeListError
        With ``strict=True``: codes outside the DSD code lists (the message names the
        column, the code list and version, and the codes).
    """
    if version not in SDMX_CSV_VERSIONS:
        raise OptionError(
            f"version={version!r}: SDMX-CSV is written as one of {list(SDMX_CSV_VERSIONS)}"
        )
    frame = to_sdmx(results, **options)
    if strict:
        _require_dsd_codes(frame, str(options.get("area_codes", "cl_area")))
    if version == "2.0":
        frame = as_sdmx_csv_2(frame)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(target, index=False, lineterminator="\n")
    return target


#: Columns of SDMX-CSV 2.0 that replace version 1.0's ``DATAFLOW``.
_CSV_2_HEADER = ("STRUCTURE", "STRUCTURE_ID", "ACTION")
#: SDMX-CSV 2.0 actions: information, append, replace, delete (the set sdmx1's reader takes).
_CSV_2_ACTIONS = frozenset({"I", "A", "R", "D"})


def _coded_columns() -> list[str]:
    """The written columns that the SDG DSD gives a code list."""
    coded = component_codelists()
    return [c for c in SDMX_CSV_COLUMNS if c in coded]


def _require_dsd_codes(frame: pd.DataFrame, area_codes: str) -> None:
    require_codes(frame.astype("string").fillna(""), _coded_columns(), area_codes=area_codes)


def _breakdown_problems(text: pd.DataFrame) -> list[str]:
    """CUST_BREAKDOWN codes outside the code list, one message per series saying how to map."""
    known = codes("CUST_BREAKDOWN") | frozenset(NEWER_CODES.get("CUST_BREAKDOWN", {}))
    filled = text[text["CUST_BREAKDOWN"] != ""]
    bad = filled[~filled["CUST_BREAKDOWN"].isin(known)]
    problems = []
    for series, rows in bad.groupby("SERIES", sort=True):
        values = list(dict.fromkeys(rows["CUST_BREAKDOWN"]))
        head = (
            f"CUST_BREAKDOWN: series {series}: {len(values)} library breakdown(s) in "
            f"{len(rows)} row(s) not in {codelist_of('CUST_BREAKDOWN')} of {dsd_version()}: "
            f"{show_values(values)}; "
        )
        if series in CORRIDOR_SERIES:
            problems.append(
                head + "corridor series take C + the receiving area's M49 number (C04, C484): "
                "give the receiving area as an M49 or ISO3 code, and publish other breakdowns "
                "of a corridor as totals"
            )
            continue
        # the example proposes codes the series does not write yet
        taken = set(text.loc[text["SERIES"] == series, "CUST_BREAKDOWN"])
        free = (f"C{i:02d}" for i in range(1, 5001) if f"C{i:02d}" not in taken)
        example = ", ".join(f"{v!r}: {c!r}" for v, c in zip(values[:2], free, strict=False))
        problems.append(
            head + "the SDG DSD codes these only as placeholders C01 … C5000 that the custodian "
            f"assigns for each series; map them with cust_breakdown={{{series!r}: {{{example}"
            f"{', …' if len(values) > 2 else ''}}}}} (run spec: [outputs.sdmx.cust_breakdown."
            f"{series}]) using the custodian's codes (the library value stays in "
            "CUST_BREAKDOWN_LB); unmapped, they are written as they are"
        )
    return problems


def check_sdmx_csv(frame: pd.DataFrame, *, area_codes: str = "cl_area") -> list[str]:
    """Problems of an SDMX-CSV frame against the SDG DSD (empty list when fine).

    Takes either version: 1.0 (first column ``DATAFLOW``) or 2.0 (``STRUCTURE``,
    ``STRUCTURE_ID``, ``ACTION``; ``STRUCTURE`` must be ``dataflow`` and ``ACTION`` an SDMX-CSV
    action). Checks the column set and order, that every dimension and mandatory attribute is
    filled, that every coded column holds codes of its code list in the shipped SDG DSD
    (:func:`migindicators.core.sdg_codes.check_codes`: SERIES, SEX, AGE, UNIT_MEASURE,
    REF_AREA against ``CL_AREA``, …, compared as strings), that OBS_VALUE is numeric or
    blank, and that no series key and time period appears twice. CUST_BREAKDOWN codes outside
    ``CL_CUST_BREAKDOWN`` are reported series by series, with the ``cust_breakdown=``
    mapping that would place them (see *Custom breakdowns* in the module notes).

    Parameters
    ----------
    frame : pandas.DataFrame
        An SDMX-CSV file read as strings (``pd.read_csv(path, dtype=str,
        keep_default_na=False)``) or :func:`to_sdmx`'s frame.
    area_codes : {"cl_area", "m49"}
        The REF_AREA spelling the file is meant to have, as given to the writer:
        ``"cl_area"`` (default) the codes of ``CL_AREA`` exactly (``4``; a three-digit
        ``004`` is reported); ``"m49"`` three-digit codes of the M49 code list
        (:func:`~migindicators.core.countries.m49_codes`, from the UNSD M49 table recorded in
        ``data/README.md``) whose number is a ``CL_AREA`` code (``4`` is reported).

    Returns
    -------
    list of str
        Each problem names the column, the offending values (the first few and how many)
        and, for code lists, the code list with its version and what to do.

    Raises
    ------
    OptionError
        *area_codes* is not one of ``"cl_area"``, ``"m49"``.
    """
    if area_codes not in AREA_CODES:
        raise OptionError(
            f"area_codes={area_codes!r}: REF_AREA is spelled one of {list(AREA_CODES)}"
        )
    problems: list[str] = []
    if tuple(frame.columns[:3]) == _CSV_2_HEADER:
        two = frame.astype("string").fillna("")
        if not bool((two["STRUCTURE"] == "dataflow").all()):
            problems.append(
                f"STRUCTURE: {sorted(set(two['STRUCTURE']) - {'dataflow'})[:5]} "
                "(SDG data are sent to a dataflow: STRUCTURE is 'dataflow')"
            )
        actions = set(two["ACTION"]) - _CSV_2_ACTIONS
        if actions:
            problems.append(
                f"ACTION: {sorted(actions)[:5]} not an SDMX-CSV 2.0 action {sorted(_CSV_2_ACTIONS)}"
            )
        frame = two.drop(columns=["STRUCTURE", "ACTION"]).rename(
            columns={"STRUCTURE_ID": "DATAFLOW"}
        )
    if tuple(frame.columns) != SDMX_CSV_COLUMNS:
        problems.append(f"columns {list(frame.columns)} differ from {list(SDMX_CSV_COLUMNS)}")
        return problems
    text = frame.astype("string").fillna("")
    for column in (*DIMENSIONS, *MANDATORY_ATTRIBUTES):
        empty = text[column] == ""
        blank = int(empty.sum())
        if blank:
            series = sorted(set(text.loc[empty, "SERIES"]) - {""})
            where = f" (series {', '.join(series)})" if series else ""
            problems.append(f"{column}: {blank} blank cell(s){where}")
    checked = text
    if area_codes == "m49":
        filled = text["REF_AREA"] != ""
        bad_area = text.loc[filled & ~text["REF_AREA"].str.fullmatch(r"\d{3}"), "REF_AREA"]
        if len(bad_area):
            problems.append(
                "REF_AREA not three-digit M49 (area_codes='m49'): "
                f"{show_values(sorted(set(bad_area)))}"
            )
        # three digits, yet no M49 code of the bundled tables (a DESA code such as 947, or 999)
        unlisted = text.loc[
            text["REF_AREA"].str.fullmatch(r"\d{3}") & ~text["REF_AREA"].isin(m49_codes()),
            "REF_AREA",
        ]
        if len(unlisted):
            problems.append(
                f"REF_AREA not in the M49 code list (core.countries.m49_codes): "
                f"{show_values(sorted(set(unlisted)))}"
            )
        # codes already reported as not M49 are not reported again against CL_AREA
        m49 = text["REF_AREA"].isin(m49_codes())
        checked = text.assign(REF_AREA=text["REF_AREA"].where(m49, ""))
    columns = [c for c in _coded_columns() if c != "CUST_BREAKDOWN"]
    problems.extend(check_codes(checked, columns, area_codes=area_codes))
    problems.extend(_breakdown_problems(text))
    values = text["OBS_VALUE"]
    numeric = pd.to_numeric(values.where(values != "", "0"), errors="coerce")
    if numeric.isna().any():
        problems.append(f"OBS_VALUE not numeric: {list(values[numeric.isna()][:5])}")
    duplicated = text.duplicated(subset=list(DIMENSIONS), keep=False)
    if duplicated.any():
        problems.append(f"{int(duplicated.sum())} rows share a series key and time period")
    return problems


def sdmx_dsd() -> Any:
    """An ``sdmx1`` DataStructureDefinition with the dimensions and attributes written here.

    Needs the ``sdmx`` extra (``pip install migindicators[sdmx]``).
    """
    try:
        from sdmx.model import common, v21
    except ImportError as exc:
        raise ImportError(
            "SDMX-ML needs the sdmx extra: pip install 'migindicators[sdmx]'"
        ) from exc
    agency = common.Agency(id="IAEG-SDGs")
    dsd = v21.DataStructureDefinition(id="SDG", maintainer=agency, version="1.0")
    for order, dim in enumerate(DIMENSIONS):
        cls = v21.TimeDimension if dim == "TIME_PERIOD" else common.Dimension
        dsd.dimensions.append(cls(id=dim, order=order))
    dsd.measures.append(v21.PrimaryMeasure(id="OBS_VALUE"))
    for attr in ATTRIBUTES:
        dsd.attributes.append(
            common.DataAttribute(id=attr, related_to=v21.PrimaryMeasureRelationship())
        )
    return dsd


def write_sdmx_ml(
    results: Result | Iterable[Result],
    path: str | Path,
    *,
    prepared: datetime | None = None,
    sender: str = "migindicators",
    strict: bool = False,
    **options: Any,
) -> Path:
    """Write *results* as SDMX-ML 2.1 structure-specific data through ``sdmx1``.

    The observations are exactly those of :func:`to_sdmx` (same codes and attributes; blank
    attributes are left out). *prepared* fixes the header's timestamp (for reproducible
    files); by default it is the current time. *strict* as for :func:`write_sdmx_csv`: raise
    :class:`~migindicators.core.errors.CodeListError` (writing nothing) when a coded column
    holds a code outside the SDG DSD's code list.
    """
    try:
        import sdmx
        from sdmx.message import DataMessage, Header
        from sdmx.model import common, v21
    except ImportError as exc:
        raise ImportError(
            "SDMX-ML needs the sdmx extra: pip install 'migindicators[sdmx]'"
        ) from exc
    frame = to_sdmx(results, **options)
    if strict:
        _require_dsd_codes(frame, str(options.get("area_codes", "cl_area")))
    dsd = sdmx_dsd()
    measure = dsd.measures[0]
    attributes: Mapping[str, Any] = {a.id: a for a in dsd.attributes}
    dataset = v21.StructureSpecificDataSet(structured_by=dsd)
    observations = []
    for row in frame.to_dict("records"):
        key = dsd.make_key(common.Key, {dim: row[dim] for dim in DIMENSIONS})
        attached = {
            name: common.AttributeValue(value=row[name], value_for=attributes[name])
            for name in ATTRIBUTES
            if row[name] != ""
        }
        value = float(row["OBS_VALUE"]) if row["OBS_VALUE"] != "" else float("nan")
        observations.append(
            v21.Observation(
                dimension=key, value=value, value_for=measure, attached_attribute=attached
            )
        )
    dataset.add_obs(observations)
    agency_id, _, rest = str(options.get("dataflow", DEFAULT_DATAFLOW)).partition(":")
    flow_id = rest.split("(")[0] or "DF_SDG_GLH"
    dataflow = v21.DataflowDefinition(
        id=flow_id, structure=dsd, maintainer=common.Agency(id=agency_id or "IAEG-SDGs")
    )
    header = Header(
        id="MIGINDICATORS",
        test=False,
        sender=common.Agency(id=sender),
        prepared=prepared or datetime.now().replace(microsecond=0),
    )
    message = DataMessage(data=[dataset], dataflow=dataflow, header=header)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(sdmx.to_xml(message, pretty_print=True))
    return target
