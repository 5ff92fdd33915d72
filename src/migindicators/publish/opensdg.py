"""Open SDG data files: one CSV per SDG indicator, as the ``sdg-build`` tools read them.

Layout of a file (``indicator_10-7-4.csv`` for SDG 10.7.4)::

    Year,Sex,Age,Migratory status,...,Units,Series,GeoCode,Value

* ``Year``: the year of ``time_period``. Open SDG's ``Year`` is a year (its charts and
  tables put years on the axis), so a quarterly period such as ``2024-Q1`` (remittance
  costs) is written as ``Year`` ``2024`` with the quarter kept in a ``Quarter``
  disaggregation column (``Q1``); rows of an annual result leave ``Quarter`` blank. The
  quarterly values are not averaged into an annual one: that would be a different
  statistic (the SDG annual figure of 10.c.1 is published by the World Bank, not derived
  here).
* Disaggregation columns: one per grouping column other than ``ref_area`` and
  ``time_period``, with readable names and values (``sex`` → ``Sex`` with ``Female``/``Male``,
  ``age_group`` → ``Age`` with ``15-19``/``65+``, ``migratory_status`` → ``Migratory status``
  with ``Migrants``/``Non-migrants``). Totals (``_T``) are written as blank cells, which is
  how Open SDG recognises the headline series.
* ``Units``: the result's unit in words (a unit the SDG series states otherwise is
  converted as in SDMX, ``codes.UNIT_CONVERSIONS``; months of earnings are published as
  they are, "Months of earnings"); ``Series``: the SDMX series code of the registry
  entry (Open SDG shows it as the series selector; the SDG global database uses the same
  codes); ``GeoCode``: ``ref_area`` as given (ISO3 for countries, M49 for aggregates);
  ``Value``: the value (blank when NaN), the last column.
* Flags: when a cell of the result carries a flag, the file gets, before ``Units``, the
  observation-attribute columns ``OBS_STATUS`` (the SDMX observation status, e.g. ``U``
  low reliability, ``O`` withheld), ``CONF_STATUS`` (the SDMX confidentiality status, ``F``
  free) and
  ``COMMENT_OBS`` (the footnote: the meaning of each flag, from
  :data:`migindicators.core.flags.FLAGS`). Open SDG shows observation attributes as
  footnotes when the site configuration lists them (``observation_attributes`` with the
  fields ``COMMENT_OBS``, ``OBS_STATUS`` and ``CONF_STATUS``).

Several results for the same SDG code (several series, or several demo runs) go into the
same file. **Indicators without an SDG code** have no place in an Open SDG site's numbering
(``indicator_<goal>-<target>-<n>``), so they are not written; :func:`write_open_sdg`
returns their ids under ``skipped`` so that the caller can say so (the report does).

References
----------
open-sdg, *sdg-build* data format (``indicator_1-1-1.csv``: Year, disaggregations, Units,
Series, GeoCode, Value), https://open-sdg.readthedocs.io/en/latest/data-format/.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.flags import FLAGS
from migindicators.core.result import Result
from migindicators.publish.codes import (
    age_code,
    age_label,
    conf_status,
    group_columns,
    obs_status,
    published_unit,
    registry_entry,
    sex_code,
)

__all__ = [
    "OpenSdgOutput",
    "open_sdg_filename",
    "sdg_code_of",
    "to_open_sdg",
    "write_open_sdg",
    "write_open_sdg_file",
]

_DISAGGREGATION_NAMES = {
    "sex": "Sex",
    "age_group": "Age",
    "migratory_status": "Migratory status",
    "urbanisation": "Location",
    "urbanization": "Location",
}
_SEX_LABELS = {"F": "Female", "M": "Male", "_T": ""}
_STATUS_LABELS = {
    "MS_MIGRANT": "Migrants",
    "MS_NOMIGRANT": "Non-migrants",
    "MS_EUMIGRANT": "EU migrants",
    "MS_NONEUMIGRANT": "Non-EU migrants",
    "_T": "",
}
_UNIT_LABELS = {
    "percent": "Percentage (%)",
    "per_100000": "Per 100 000 population",
    "person": "Number",
    "month_of_earnings": "Months of earnings",
}


@dataclass
class OpenSdgOutput:
    """What :func:`write_open_sdg` wrote: files by SDG code, and results it left out."""

    files: dict[str, Path] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


def sdg_code_of(result: Result) -> str | None:
    """The SDG indicator code (``"10.7.4"``) of *result*, or ``None``."""
    code = result.metadata.get("sdg")
    if code:
        return str(code)
    spec = registry_entry(result.indicator)
    return spec.sdg if spec is not None else None


def open_sdg_filename(sdg_code: str) -> str:
    """Open SDG's file name for an SDG code: ``10.7.4`` → ``indicator_10-7-4.csv``."""
    return f"indicator_{sdg_code.strip().replace('.', '-')}.csv"


def _label(column: str, value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if column == "sex":
        return _SEX_LABELS.get(sex_code(value), str(value))
    if column == "age_group":
        return age_label(age_code(value))
    if column == "migratory_status":
        return _STATUS_LABELS.get(str(value), str(value))
    text = str(value)
    return "" if text == "_T" else text


def _value(value: Any, factor: float = 1.0) -> str:
    if value is None or value is pd.NA or not np.isfinite(float(value)):
        return ""
    return str(np.format_float_positional(float(value) * factor, unique=True, trim="-"))


_QUARTERLY = re.compile(r"^\s*(\d{4})-?Q([1-4])\s*$")


def _year_and_quarter(periods: pd.Series) -> tuple[pd.Series, pd.Series | None]:
    """``Year`` (the year) and, when any period is a quarter, ``Quarter`` (``Q1``…)."""
    text = periods.astype("string").fillna("").str.strip()
    text = text.str.replace(r"^(\d{4})\.0$", r"\1", regex=True)
    parts = text.str.extract(_QUARTERLY)
    quarterly = parts[0].notna()
    if not bool(quarterly.any()):
        return text, None
    year = text.where(~quarterly, parts[0])
    quarter = ("Q" + parts[1]).where(quarterly, "")
    return year.astype("string"), quarter.astype("string")


def to_open_sdg(result: Result) -> pd.DataFrame:
    """The Open SDG rows of one result (all cells strings, sorted for stable files)."""
    from migindicators.publish.sdmx import series_of

    data = result.data
    groups = [c for c in group_columns(result) if c not in {"ref_area", "time_period"}]
    out = pd.DataFrame(index=data.index)
    out["Year"] = ""
    if "time_period" in data.columns:
        out["Year"], quarter = _year_and_quarter(data["time_period"])
        if quarter is not None:
            out["Quarter"] = quarter
    for column in groups:
        name = _DISAGGREGATION_NAMES.get(column, column.replace("_", " ").capitalize())
        out[name] = [_label(column, v) for v in data[column]]
    unit, factor = published_unit(result.unit)
    out["Units"] = _UNIT_LABELS.get(unit, unit)
    out["Series"] = series_of(result) or result.indicator
    out["GeoCode"] = (
        data["ref_area"].astype("string").fillna("") if "ref_area" in data.columns else ""
    )
    flags = data["flag"].fillna("").astype(str) if "flag" in data.columns else None
    if flags is not None and bool((flags != "").any()):
        out["OBS_STATUS"] = [obs_status(f) for f in flags]
        out["CONF_STATUS"] = [conf_status(f) for f in flags]
        out["COMMENT_OBS"] = [footnote(f) for f in flags]
    out["Units"] = out.pop("Units")
    out["Series"] = out.pop("Series")
    out["GeoCode"] = out.pop("GeoCode")
    out["Value"] = [_value(v, factor) for v in data["value"]]
    out = out.astype("string").fillna("")
    keys = [c for c in out.columns if c not in ("Value", *_ATTRIBUTES)]
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


#: Observation-attribute columns written after ``Value`` when cells carry flags.
_ATTRIBUTES = ("OBS_STATUS", "CONF_STATUS", "COMMENT_OBS")


def footnote(flags: object) -> str:
    """The footnote of a cell: the meaning of each of its ``;``-joined flags."""
    text = "" if flags is None or (isinstance(flags, float) and flags != flags) else str(flags)
    return "; ".join(FLAGS.get(code, code) for code in text.split(";") if code)


def write_open_sdg_file(result: Result, path_or_dir: str | Path) -> Path | None:
    """Write one result's Open SDG file; *path_or_dir* is a folder or a ``.csv`` path.

    Returns the path written, or ``None`` when the indicator has no SDG code.
    """
    target = Path(path_or_dir)
    if target.suffix.lower() != ".csv":
        return write_open_sdg([result], target).files.get(sdg_code_of(result) or "")
    if sdg_code_of(result) is None:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    to_open_sdg(result).to_csv(target, index=False, lineterminator="\n")
    return target


def write_open_sdg(results: Result | Iterable[Result], directory: str | Path) -> OpenSdgOutput:
    """Write one ``indicator_<code>.csv`` per SDG code into *directory*.

    Results without an SDG code are not written (see the module notes) and are listed in
    the returned :class:`OpenSdgOutput`'s ``skipped``.
    """
    items = [results] if isinstance(results, Result) else list(results)
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    by_code: dict[str, list[pd.DataFrame]] = {}
    output = OpenSdgOutput()
    for result in items:
        code = sdg_code_of(result)
        if code is None:
            output.skipped.append(result.indicator)
            continue
        by_code.setdefault(code, []).append(to_open_sdg(result))
    for code, frames in sorted(by_code.items()):
        frame = pd.concat(frames, ignore_index=True).fillna("")
        head = ["Year"]
        tail = ["Units", "Series", "GeoCode", "Value"]
        attributes = [c for c in _ATTRIBUTES if c in frame.columns]
        middle = [c for c in frame.columns if c not in (*head, *tail, *attributes)]
        frame = frame[head + middle + attributes + tail].drop_duplicates()
        path = target / open_sdg_filename(code)
        frame.to_csv(path, index=False, lineterminator="\n")
        output.files[code] = path
    return output
