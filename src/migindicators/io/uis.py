"""Reader for UNESCO UIS indicator-data API exports (student mobility).

The UIS data browser and API (https://api.uis.unesco.org) export one row per indicator x
geographic unit x year, columns ``indicatorId, geoUnit, year, value, qualifier, magnitude``.
:func:`read_uis` reads such a file and names each indicator by the quantity it holds;
:func:`uis_students` and :func:`uis_tertiary_enrolment` turn the result into the input frames
of :mod:`migindicators.mobility.indicators`.

Indicator ids mapped (February 2026 data release):

========================  ==========================================  =================
indicatorId               quantity                                    unit
========================  ==========================================  =================
``26637``                 ``inbound_students`` (host total)           person
``OE.5T8.40510``          ``outbound_students`` (origin total)        person
``MSEP.5T8``              ``inbound_mobility_rate``                   percent
``MOR.5T8.40510``         ``outbound_mobility_ratio``                 percent
``NERT.5T8.40510``        ``net_flow_mobile_students``                person
``NMR.5T8.40510``         ``net_flow_ratio``                          percent
``GOER.5T8.40510``        ``gross_outbound_enrolment_ratio``          percent
========================  ==========================================  =================

Other ids are kept with ``quantity`` equal to the id. UIS qualifiers (``UIS_EST`` for UIS
estimates, ``NAT_EST`` for national estimates) and magnitudes (``NIL``: nil or negligible)
are kept as columns. ``geoUnit`` holds ISO3 codes for countries and labels such as
``"SDG: World"`` for aggregates: ``ref_area`` is the ISO3 code for countries and missing for
aggregates, whose label stays in ``geo_unit``.

References
----------
UNESCO Institute for Statistics, UIS Data Browser and bulk/API download documentation,
https://databrowser.uis.unesco.org/ ; UIS glossary (indicator definitions).
"""

from __future__ import annotations

from os import PathLike

import numpy as np
import pandas as pd

from migindicators.core.errors import InputValidationError
from migindicators.core.frames import accepts_any_frame

__all__ = ["UIS_QUANTITIES", "read_uis", "uis_students", "uis_tertiary_enrolment"]

#: UIS indicatorId → quantity name used by migindicators.
UIS_QUANTITIES: dict[str, str] = {
    "26637": "inbound_students",
    "OE.5T8.40510": "outbound_students",
    "MSEP.5T8": "inbound_mobility_rate",
    "MOR.5T8.40510": "outbound_mobility_ratio",
    "NERT.5T8.40510": "net_flow_mobile_students",
    "NMR.5T8.40510": "net_flow_ratio",
    "GOER.5T8.40510": "gross_outbound_enrolment_ratio",
}

_COLUMNS = ("indicatorId", "geoUnit", "year", "value", "qualifier", "magnitude")


def read_uis(path: str | PathLike[str]) -> pd.DataFrame:
    """Read a UIS indicator-data export (CSV) into a tidy long frame.

    Parameters
    ----------
    path : str or path-like
        The CSV file (columns ``indicatorId, geoUnit, year, value, qualifier, magnitude``).

    Returns
    -------
    pandas.DataFrame
        ``indicator_id``, ``quantity``, ``geo_unit``, ``ref_area`` (ISO3 for countries, NA for
        aggregates), ``time_period``, ``value``, ``qualifier``, ``magnitude``; one row per
        input row, in the file's order.

    Raises
    ------
    InputValidationError
        If a column is missing or ``year``/``value`` hold non-numbers.
    """
    # "NA" is Namibia's ISO2 code and a UIS magnitude value: never read it as missing.
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    missing = [c for c in _COLUMNS if c not in raw.columns]
    if missing:
        raise InputValidationError(
            f"{path}: not a UIS indicator-data export: missing column(s) {missing}; expected "
            f"{list(_COLUMNS)}"
        )
    year = pd.to_numeric(raw["year"], errors="coerce")
    value = pd.to_numeric(raw["value"], errors="coerce")
    bad = (year.isna() & raw["year"].notna()) | (value.isna() & raw["value"].notna())
    if bad.any():
        rows = list(np.flatnonzero(bad.to_numpy())[:5])
        raise InputValidationError(
            f"{path}: non-numeric year or value in {int(bad.sum())} row(s), e.g. rows {rows}"
        )
    geo = raw["geoUnit"].astype("string")
    iso3 = geo.str.fullmatch(r"[A-Z]{3}").fillna(False).astype(bool)
    out = pd.DataFrame(
        {
            "indicator_id": raw["indicatorId"].astype("string"),
            "quantity": raw["indicatorId"].map(lambda i: UIS_QUANTITIES.get(i, i)).astype("string"),
            "geo_unit": geo,
            "ref_area": geo.where(iso3),
            "time_period": year.astype("Int64"),
            "value": value.astype("float64"),
            "qualifier": raw["qualifier"].astype("string"),
            "magnitude": raw["magnitude"].astype("string"),
        }
    )
    return out


def _countries(frame: pd.DataFrame, quantity: str) -> pd.DataFrame:
    part = frame.loc[
        (frame["quantity"] == quantity) & frame["ref_area"].notna() & frame["value"].notna()
    ]
    return part


@accepts_any_frame
def uis_students(frame: pd.DataFrame) -> pd.DataFrame:
    """Country totals of mobile students as a ``mobile_students`` input frame.

    Inbound totals (``26637``) become host-total rows (origin ``_T``, destination the host);
    outbound totals (``OE.5T8.40510``) become origin-total rows (origin the country,
    destination ``_T``). Aggregates (no ISO3 code) and missing values are not carried over.

    Parameters
    ----------
    frame : pandas.DataFrame
        The output of :func:`read_uis`.
    """
    inbound = _countries(frame, "inbound_students")
    outbound = _countries(frame, "outbound_students")
    rows = pd.concat(
        [
            pd.DataFrame(
                {
                    "origin": "_T",
                    "destination": inbound["ref_area"].astype(str),
                    "time_period": inbound["time_period"].astype("int64"),
                    "students": inbound["value"],
                }
            ),
            pd.DataFrame(
                {
                    "origin": outbound["ref_area"].astype(str),
                    "destination": "_T",
                    "time_period": outbound["time_period"].astype("int64"),
                    "students": outbound["value"],
                }
            ),
        ],
        ignore_index=True,
    )
    return rows


@accepts_any_frame
def uis_tertiary_enrolment(
    frame: pd.DataFrame, *, from_outbound_ratio: bool = False
) -> pd.DataFrame:
    """Total tertiary enrolment derived from the inbound count and the inbound mobility rate.

    UIS exports of the mobility indicators do not carry total enrolment, but the inbound
    mobility rate is inbound / enrolment × 100, so

    .. math:: E = I / \\text{MSEP} \\times 100

    for country-years with both and a positive rate (a rate of zero leaves E unknown). The
    result is a ``tertiary_enrolment`` input frame (``ref_area``, ``time_period``,
    ``enrolment``), rounded to nothing: E is as exact as the published I and rate allow.

    Parameters
    ----------
    frame : pandas.DataFrame
        The output of :func:`read_uis`.
    from_outbound_ratio : bool
        Where E cannot be derived from the inbound side, derive it from the outbound side,
        :math:`E = O / \\text{MOR} \\times 100` (the two agree to a median 2e-5 where both
        exist). This gives the enrolment of countries that report no inbound students,
        which regional aggregates need; do not use it to check a country's own published
        MOR (that would be circular).
    """
    keys = ["ref_area", "time_period"]
    inbound = _countries(frame, "inbound_students")[[*keys, "value"]].rename(
        columns={"value": "inbound"}
    )
    rate = _countries(frame, "inbound_mobility_rate")[[*keys, "value"]].rename(
        columns={"value": "rate"}
    )
    both = inbound.merge(rate, on=keys, how="inner")
    both = both.loc[both["rate"] > 0]
    out = pd.DataFrame(
        {
            "ref_area": both["ref_area"].astype(str),
            "time_period": both["time_period"].astype("int64"),
            "enrolment": both["inbound"] / both["rate"] * 100.0,
        }
    ).reset_index(drop=True)
    if not from_outbound_ratio:
        return out
    outbound = _countries(frame, "outbound_students")[[*keys, "value"]].rename(
        columns={"value": "outbound"}
    )
    ratio = _countries(frame, "outbound_mobility_ratio")[[*keys, "value"]].rename(
        columns={"value": "ratio"}
    )
    other = outbound.merge(ratio, on=keys, how="inner")
    other = other.loc[other["ratio"] > 0]
    extra = pd.DataFrame(
        {
            "ref_area": other["ref_area"].astype(str),
            "time_period": other["time_period"].astype("int64"),
            "enrolment": other["outbound"] / other["ratio"] * 100.0,
        }
    )
    # inbound-side values take precedence; add only the missing country-years
    missing = ~pd.MultiIndex.from_frame(extra[keys]).isin(pd.MultiIndex.from_frame(out[keys]))
    return pd.concat([out, extra.loc[missing]], ignore_index=True)
