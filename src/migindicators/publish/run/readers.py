"""The readers a run specification can name, and how each one's frame meets an input kind.

A custodian's file is read by its reader in :mod:`migindicators.io` (or
:func:`migindicators.stock.desa.read_desa_table`); some readers return a general frame of
which an indicator input is one *view* — the UIS export holds inbound and outbound students
and the inbound mobility rate, from which the ``mobile_students`` and ``tertiary_enrolment``
inputs are derived; the DESA workbook holds the migrant stock (Table 1) and the population in
thousands (Table 2). :func:`read_input` picks the view from the input kind the indicator
needs, so that ``reader = "uis"`` feeds ``students`` and ``enrolment`` without a hand fix,
and says which view it took (recorded in the run log).

Every reader takes ``(path, options, kind)`` and returns ``(frame, note)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from migindicators.core.errors import InputValidationError, MigIndicatorsError, OptionError

__all__ = ["READERS", "ReaderInfo", "reader_for"]

Reader = Callable[[Path, Mapping[str, Any], str], tuple[pd.DataFrame, str]]


@dataclass(frozen=True)
class ReaderInfo:
    """A reader's function, its description and the options it accepts."""

    name: str
    func: Reader
    description: str
    options: tuple[str, ...] = ()


def _check_options(name: str, options: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise MigIndicatorsError(
            f"reader {name!r}: unknown option(s) {unknown}; it accepts {list(allowed) or 'none'}"
        )


def _table(path: Path, options: Mapping[str, Any], kind: str) -> tuple[pd.DataFrame, str]:
    from migindicators.io.files import read_table

    suffix = "".join(path.suffixes[-2:]).lower()
    if options and (suffix.endswith(".csv") or suffix.endswith(".csv.gz")):
        frame = pd.read_csv(
            path,
            sep=options.get("sep", ","),
            encoding=options.get("encoding", "utf-8"),
            keep_default_na=False,
            na_values=list(options.get("na_values", ["", "NA", "NaN", ".."])),
        )
        return frame, ""
    if options.get("sheet") is not None:
        return pd.read_excel(path, sheet_name=options["sheet"]), ""
    return read_table(path), ""


def _ipums(path: Path, options: Mapping[str, Any], kind: str) -> tuple[pd.DataFrame, str]:
    from migindicators.io.ddi import read_ddi
    from migindicators.io.fixed_width import read_fixed_width

    if "ddi" not in options:
        raise MigIndicatorsError(
            f"reader 'ipums' needs its DDI codebook: options = {{ ddi = \"extract.xml\" }} ({path})"
        )
    ddi = Path(options["ddi"])
    book = read_ddi(ddi)
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz")):
        frame = pd.read_csv(path)
        missing = [v for v in frame.columns if v not in book.names]
        if missing:
            raise InputValidationError(
                f"{path}: column(s) {missing} are not in the DDI codebook {ddi.name}"
            )
        return frame, f"CSV extract checked against the DDI codebook {ddi.name}"
    frame = read_fixed_width(path, book)
    return frame, f"fixed-width extract laid out by the DDI codebook {ddi.name}"


def _rpw(path: Path, options: Mapping[str, Any], kind: str) -> tuple[pd.DataFrame, str]:
    from migindicators.io.rpw import read_rpw

    return read_rpw(path, **options), ""


def _rpw_databank(path: Path, options: Mapping[str, Any], kind: str) -> tuple[pd.DataFrame, str]:
    from migindicators.io.rpw import read_rpw_databank

    return read_rpw_databank(path), ""


def _bilateral(path: Path, options: Mapping[str, Any], kind: str) -> tuple[pd.DataFrame, str]:
    from migindicators.io.rpw import read_bilateral_remittances

    return read_bilateral_remittances(path, **options), ""


def _uis(path: Path, options: Mapping[str, Any], kind: str) -> tuple[pd.DataFrame, str]:
    from migindicators.io.uis import read_uis, uis_students, uis_tertiary_enrolment

    raw = read_uis(path)
    view = str(options.get("table", "")) or {
        "mobile_students": "students",
        "tertiary_enrolment": "enrolment",
    }.get(kind, "")
    if view == "students":
        return uis_students(raw), (
            "UIS view: country totals of mobile students (inbound 26637 by host, outbound "
            "OE.5T8.40510 by origin)"
        )
    if view == "enrolment":
        return uis_tertiary_enrolment(raw), (
            "UIS view: tertiary enrolment derived as inbound students / MSEP.5T8 x 100"
        )
    if view:
        raise MigIndicatorsError(f"reader 'uis': table must be students or enrolment, not {view!r}")
    return raw, "UIS export as read (long format)"


def _unhcr(path: Path, options: Mapping[str, Any], kind: str) -> tuple[pd.DataFrame, str]:
    from migindicators.io.unhcr import read_unhcr_population

    years = options.get("years")
    extra = {"include_oip": bool(options["include_oip"])} if "include_oip" in options else {}
    frame = read_unhcr_population(
        path, years=[int(y) for y in years] if years is not None else None, **extra
    )
    included = bool(frame["includes_oip"].iloc[0]) if len(frame) else False
    note = "refugees summed over countries of asylum, by origin"
    note += (
        ", other people in need of international protection included (SDG 10.7.4 numerator)"
        if included
        else ", refugees under UNHCR's mandate only"
    )
    return frame, note


def _wdi(path: Path, options: Mapping[str, Any], kind: str) -> tuple[pd.DataFrame, str]:
    from migindicators.io.wdi import read_wdi

    return read_wdi(path, **options), ""


def _desa(path: Path, options: Mapping[str, Any], kind: str) -> tuple[pd.DataFrame, str]:
    from migindicators.stock.desa import read_desa_table

    table = options.get("table") or {"migrant_stock_table": 1, "population": 2}.get(kind)
    if table is None:
        raise MigIndicatorsError(
            "reader 'desa': say which table to read, options = { table = 1 } (1 stock, 2 "
            "population, 3 % of population, 4 % female, 5 rate of change, 6 refugees)"
        )
    frame = read_desa_table(path, int(table) if str(table).isdigit() else str(table))
    if kind == "migrant_stock_table":
        # the stock indicators read the table as published and account for its aggregate
        # rows and ".." cells themselves (Result.exclusions)
        return frame, f"DESA Table {table} as published (migrant_stock [person])"
    if kind != "population":
        return frame, f"DESA Table {table}"
    # The population input kind is one row per area with a figure: DESA's regional
    # aggregates (no area code) and ".." cells are left out of this view, and counted here.
    coded = frame["ref_area"].notna()
    known = frame["population"].notna() if "population" in frame else frame["value"].notna()
    view = frame.loc[coded & known]
    if "population" not in view:
        view = view.assign(population=view["value"] * 1000.0)  # Table 2 is in thousands
    note = (
        f"DESA Table {table} as population [person] (thousands x 1000): "
        f"{int((~coded).sum())} aggregate row(s) without an area code and "
        f'{int((coded & ~known).sum())} ".." cell(s) left out of the view'
    )
    return view, note


def _knomad(path: Path, options: Mapping[str, Any], kind: str) -> tuple[pd.DataFrame, str]:
    from migindicators.io.knomad import read_knomad

    frame = read_knomad(path, **options)
    left = frame.attrs.get("left_out", [])
    note = "KNOMAD workbook, US$ million (unit_mult 6)"
    if left:
        note += f"; aggregates without an area code left out: {left}"
    return frame, note


#: The readers a run specification's input can name (``reader = "..."``), by name.
READERS: dict[str, ReaderInfo] = {
    info.name: info
    for info in (
        ReaderInfo("csv", _table, "CSV file (also .csv.gz)", ("sep", "encoding", "na_values")),
        ReaderInfo("parquet", _table, "Parquet file"),
        ReaderInfo("excel", _table, "Excel workbook (.xlsx, .xls)", ("sheet",)),
        ReaderInfo("stata", _table, "Stata file (.dta)"),
        ReaderInfo("spss", _table, "SPSS file (.sav; needs pyreadstat)"),
        ReaderInfo("ipums", _ipums, "IPUMS extract with its DDI codebook", ("ddi",)),
        ReaderInfo("rpw", _rpw, "World Bank Remittance Prices Worldwide dataset", ("sheet",)),
        ReaderInfo("rpw_databank", _rpw_databank, "RPW corridor averages (DataBank export)"),
        ReaderInfo(
            "bilateral_remittances", _bilateral, "World Bank/KNOMAD bilateral remittance matrix"
        ),
        ReaderInfo("uis", _uis, "UNESCO UIS indicator-data export", ("table",)),
        ReaderInfo(
            "unhcr", _unhcr, "UNHCR refugees package, population table", ("include_oip", "years")
        ),
        ReaderInfo("wdi", _wdi, "World Bank WDI indicator download", ("sheet", "dropna")),
        ReaderInfo("knomad", _knomad, "World Bank-KNOMAD remittance inflows/outflows", ("sheet",)),
        ReaderInfo("desa", _desa, "UN DESA International Migrant Stock workbook", ("table",)),
    )
}

_BY_SUFFIX = {
    ".csv": "csv",
    ".gz": "csv",
    ".parquet": "parquet",
    ".xlsx": "excel",
    ".xls": "excel",
    ".dta": "stata",
    ".sav": "spss",
}


def reader_for(location: str) -> str:
    """The default reader of a path or glob, from its extension."""
    suffix = Path(location).suffix.lower()
    if suffix in _BY_SUFFIX and not (suffix == ".gz" and not location.lower().endswith(".csv.gz")):
        return _BY_SUFFIX[suffix]
    raise OptionError(
        f"no reader for {location!r}: give reader = one of {', '.join(sorted(READERS))}"
    )


def run_reader(
    name: str, path: Path, options: Mapping[str, Any], kind: str
) -> tuple[pd.DataFrame, str]:
    """Read *path* with reader *name* (options checked) for an input of *kind*."""
    info = READERS[name]
    _check_options(name, options, info.options)
    if not path.exists():
        raise MigIndicatorsError(f"{path}: no such file")
    try:
        return info.func(path, options, kind)
    except MigIndicatorsError:
        raise
    except (ValueError, KeyError, OSError, ImportError) as exc:
        # a custodian file that is not what the reader expects: say which file and reader
        raise InputValidationError(
            f"{path}: reader {name!r} cannot read it: {type(exc).__name__}: {exc}"
        ) from exc


def describe_readers() -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, description, options) of every reader, for the docs and ``init``."""
    return [(r.name, r.description, r.options) for r in READERS.values()]
