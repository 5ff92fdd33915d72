"""Readers for World Bank remittance data: RPW prices, the DataBank corridor export, and the
bilateral remittance matrix.

:func:`read_rpw` turns the Remittance Prices Worldwide workbook (or its CSV export) as
published — its column names, its ``cc1`` (USD 200) and ``cc2`` (USD 500) column blocks,
``..`` for "not classified", periods such as ``2011_1Q`` — into the long frame of input kind
``remittance_prices``: one row per service x corridor x quarter x amount, with standard
snake_case names and quarters in SDMX form (``2011-Q1``).

References
----------
World Bank, Remittance Prices Worldwide, https://remittanceprices.worldbank.org (data
CC BY 4.0, "The World Bank, Remittance Prices Worldwide").
World Bank/KNOMAD, Bilateral Remittance Matrix 2017 (April 2018 version).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from migindicators.core.countries import country_table
from migindicators.core.errors import InputValidationError, OptionError
from migindicators.core.frames import accepts_any_frame

__all__ = [
    "RPW_COLUMNS",
    "SPEED_DAYS",
    "read_bilateral_remittances",
    "read_rpw",
    "read_rpw_databank",
    "rpw_to_standard",
]

#: RPW column (outside the cc blocks) -> standard name.
RPW_COLUMNS: dict[str, str] = {
    "id": "service_id",
    "period": "time_period",
    "source_code": "sending_area",
    "source_name": "sending_name",
    "source_region": "sending_wb_region",
    "source_income": "sending_income",
    "source_lending": "sending_lending",
    "source_G8G20": "sending_g8g20",
    "destination_code": "receiving_area",
    "destination_name": "receiving_name",
    "destination_region": "receiving_wb_region",
    "destination_income": "receiving_income",
    "destination_lending": "receiving_lending",
    "destination_G8G20": "receiving_g8g20",
    "firm": "firm",
    "firm_type": "firm_type",
    "product": "product",
    "access point": "access_point",
    "speed actual": "speed",
    "inter lcu bank fx": "interbank_rate",
    "transparent": "transparent",
    "receiving network coverage": "receiving_network_coverage",
    "pickup method": "pickup_method",
    "date": "collection_date",
    "corridor": "corridor",
    "payment instrument": "payment_instrument",
}

#: RPW cost-block field (after ``cc1 ``/``cc2 ``) -> standard name.
BLOCK_COLUMNS: dict[str, str] = {
    "lcu amount": "amount_lcu",
    "denomination amount": "amount_usd",
    "lcu code": "send_currency",
    "lcu fee": "fee_lcu",
    "lcu fx rate": "fx_rate",
    "fx margin": "fx_margin",
    "total cost %": "total_cost",
}

#: RPW "speed actual" categories -> upper bound of the delivery time in days. "6 days or
#: more" has no upper bound; 6 is its lower bound, enough for the SmaRT rule (<= 5 days).
SPEED_DAYS: dict[str, float] = {
    "less than one hour": 1 / 24,
    "same day": 1.0,
    "next day": 1.0,
    "2 days": 2.0,
    "3-5 days": 5.0,
    "6 days or more": 6.0,
}

_NUMERIC = (
    "amount_lcu",
    "amount_usd",
    "fee_lcu",
    "fx_rate",
    "fx_margin",
    "total_cost",
    "interbank_rate",
)
_NOT_CLASSIFIED = ("..", "")
_PERIOD = re.compile(r"^(\d{4})_([1-4])Q$")


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def _read_table(path: Path, sheet: str | int | None) -> pd.DataFrame:
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        try:
            return pd.read_excel(path, sheet_name=sheet or 0, dtype=str, keep_default_na=False)
        except ImportError as exc:
            raise ImportError(
                "reading .xlsx needs openpyxl: pip install 'migindicators[excel]'"
            ) from exc
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def read_rpw(
    path: str | Path, *, amounts: Sequence[int] = (200, 500), sheet: str | int | None = None
) -> pd.DataFrame:
    """Read a Remittance Prices Worldwide workbook (.xlsx) or CSV as published.

    Parameters
    ----------
    path : str or Path
        The RPW file (``rpw_dataset_*.xlsx`` or a CSV with the same columns).
    amounts : sequence of int
        Price points to keep: 200 (the ``cc1`` block) and/or 500 (``cc2``).
    sheet : str or int, optional
        Worksheet of a workbook (default: the first).

    Returns
    -------
    pandas.DataFrame
        Input kind ``remittance_prices`` (see :func:`rpw_to_standard`).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"RPW file not found: {path}")
    return rpw_to_standard(_read_table(path, sheet), amounts=amounts, source=path.name)


@accepts_any_frame
def rpw_to_standard(
    raw: pd.DataFrame, *, amounts: Sequence[int] = (200, 500), source: str = "frame"
) -> pd.DataFrame:
    """Convert a frame in RPW layout (its own column names, all text) to the standard frame.

    Column names are mapped by :data:`RPW_COLUMNS` and :data:`BLOCK_COLUMNS`; unknown
    columns are kept under a snake_case name. Each ``ccN`` block becomes rows with
    ``amount_usd`` = N's denomination (200 for ``cc1``, 500 for ``cc2``). ``..`` and empty
    cells become missing. ``2011_1Q`` becomes ``2011-Q1``; ``transparent`` is lower-cased
    (``yes``/``no``); ``speed_days`` is derived from ``speed`` by :data:`SPEED_DAYS`;
    ``collection_date`` is ISO 8601. Text columns are categorical (RPW repeats a few
    hundred labels over many rows).

    Raises
    ------
    InputValidationError
        If a ``ccN`` block or the ``period`` column is missing, or a period is not ``YYYY_nQ``.
    """
    blocks = {1: 200, 2: 500}
    unknown_amounts = sorted(set(amounts) - set(blocks.values()))
    if unknown_amounts:
        raise OptionError(f"amounts must be 200 and/or 500 (RPW cc1/cc2), got {unknown_amounts}")
    raw = raw.rename(columns=lambda c: str(c).strip())
    if "period" not in raw.columns:
        raise InputValidationError(
            f"{source}: no 'period' column; is this an RPW file? Columns: {list(raw.columns)[:12]}"
        )
    block_cols = {c for c in raw.columns if re.match(r"^cc\d+ ", c)}
    common = {c: RPW_COLUMNS.get(c, _snake(c)) for c in raw.columns if c not in block_cols}
    base = pd.DataFrame({new: _column(raw[old], new, source) for old, new in common.items()})
    parts = []
    for number, usd in blocks.items():
        if usd not in amounts:
            continue
        names = {f"cc{number} {field}": std for field, std in BLOCK_COLUMNS.items()}
        missing = [n for n in names if n not in raw.columns]
        if missing:
            raise InputValidationError(
                f"{source}: RPW block cc{number} (USD {usd}) lacks column(s) {missing}"
            )
        part = base.copy()
        for old, new in names.items():
            part[new] = _column(raw[old], new, source)
        part["amount_usd"] = part["amount_usd"].fillna(float(usd))
        parts.append(part)
    out = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    if "speed" in out.columns:
        speed = out["speed"].astype("category")
        days = speed.cat.categories.astype(str).str.lower().map(SPEED_DAYS)
        lookup = np.append(np.asarray(days, dtype="float64"), np.nan)
        codes = speed.cat.codes.to_numpy()
        out["speed_days"] = lookup[np.where(codes < 0, len(lookup) - 1, codes)]
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].astype("category")
    return out


def _column(values: pd.Series, name: str, source: str) -> pd.Series:
    """One RPW column in standard form: numbers as float64, text as a categorical whose
    labels are stripped, with ``..``/blank as missing (the work is done on the labels)."""
    if name in _NUMERIC:
        return _to_float(values, name, source)
    if name == "service_id" and pd.api.types.is_integer_dtype(values.dtype):
        return values.astype(str)  # one label per row: a categorical would not pay
    cat = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    labels = pd.Series(cat.cat.categories.astype(str), dtype=object).str.strip()
    labels = labels.where(~labels.isin(_NOT_CLASSIFIED))
    if name == "time_period":
        labels = _quarters(labels, source)
    elif name == "transparent":
        labels = labels.str.lower()
    elif name == "collection_date":
        dates = pd.to_datetime(labels, format="%d/%b/%Y", errors="coerce")
        labels = dates.dt.strftime("%Y-%m-%d").where(dates.notna(), labels)
    new_codes, new_labels = pd.factorize(labels)
    codes = cat.cat.codes.to_numpy()
    lookup = np.append(new_codes, -1)
    mapped = lookup[np.where(codes < 0, len(lookup) - 1, codes)]
    return pd.Series(
        pd.Categorical.from_codes(mapped, categories=pd.Index(new_labels)),
        index=values.index,
        name=name,
    )


def _to_float(values: pd.Series, name: str, source: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.astype("float64")
    text = values.astype("string").str.strip()
    numbers = pd.to_numeric(text.mask(text.isin(_NOT_CLASSIFIED)), errors="coerce")
    bad = numbers.isna() & text.notna() & ~text.isin(_NOT_CLASSIFIED)
    if bool(bad.any()):
        raise InputValidationError(
            f"{source}: column {name!r} has values that are not numbers, e.g. "
            f"{values[bad].head(5).tolist()}"
        )
    return numbers.astype("float64")


def _quarters(period: pd.Series, source: str) -> pd.Series:
    text = period.astype("string").str.strip()
    parts = text.str.extract(_PERIOD)
    bad = parts[0].isna()
    if bool(bad.any()):
        raise InputValidationError(
            f"{source}: 'period' values must look like 2011_1Q; got {text[bad].head(5).tolist()}"
        )
    return (parts[0] + "-Q" + parts[1]).astype(object)


def read_rpw_databank(path: str | Path) -> pd.DataFrame:
    """Read a World Bank DataBank export of RPW corridor series (e.g. ``ATCR.CORR``).

    The export has one row per sender x receiver x series and one column per quarter
    (``2011Q1 [YR2011Q1]``), ``..`` for missing values, headers with two spaces
    (``Receiving Countries  Code``) and footer lines ("Data from database: ...").

    Returns
    -------
    pandas.DataFrame
        Long frame: ``sending_area``, ``receiving_area``, ``series``, ``time_period``
        (``2011-Q1``), ``value``; missing cells are dropped.
    """
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    raw.columns = [re.sub(r"\s+", " ", str(c)).strip() for c in raw.columns]
    needed = ["Sending Countries Code", "Receiving Countries Code", "Series Code"]
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise InputValidationError(f"{path}: not a DataBank RPW export, missing {missing}")
    raw = raw[raw["Series Code"].str.strip() != ""]
    quarter_cols = {
        c: f"{m.group(1)}-Q{m.group(2)}"
        for c in raw.columns
        if (m := re.match(r"^(\d{4})Q([1-4]) \[YR\d{4}Q[1-4]\]$", c))
    }
    long = raw.melt(
        id_vars=needed, value_vars=list(quarter_cols), var_name="time_period", value_name="value"
    )
    long = long[~long["value"].str.strip().isin(_NOT_CLASSIFIED)]
    return pd.DataFrame(
        {
            "sending_area": long["Sending Countries Code"].to_numpy(),
            "receiving_area": long["Receiving Countries Code"].to_numpy(),
            "series": long["Series Code"].to_numpy(),
            "time_period": long["time_period"].map(quarter_cols).to_numpy(),
            "value": long["value"].astype("float64").to_numpy(),
        }
    )


#: World Bank country names in the bilateral matrix that differ from the bundled M49 names.
WB_NAMES: dict[str, str] = {
    "Bahamas, The": "BHS",
    "Bolivia": "BOL",
    "Channel Islands": "CHI",
    "Congo, Dem. Rep.": "COD",
    "Congo, Rep.": "COG",
    "Cote d'Ivoire": "CIV",
    "Curacao": "CUW",
    "Czech Republic": "CZE",
    "Egypt, Arab Rep.": "EGY",
    "Faeroe Islands": "FRO",
    "Gambia, The": "GMB",
    "Hong Kong SAR, China": "HKG",
    "Iran, Islamic Rep.": "IRN",
    "Korea, Dem. Rep.": "PRK",
    "Korea, Rep.": "KOR",
    "Kyrgyz Republic": "KGZ",
    "Lao PDR": "LAO",
    "Macao SAR, China": "MAC",
    "Macedonia, FYR": "MKD",
    "Micronesia, Fed. Sts.": "FSM",
    "Moldova": "MDA",
    "Netherlands": "NLD",
    "Slovak Republic": "SVK",
    "St. Kitts and Nevis": "KNA",
    "St. Lucia": "LCA",
    "St. Martin (French part)": "MAF",
    "St. Vincent and the Grenadines": "VCT",
    "Swaziland": "SWZ",
    "Tanzania": "TZA",
    "Turkey": "TUR",
    "United Kingdom": "GBR",
    "United States": "USA",
    "Venezuela, RB": "VEN",
    "Vietnam": "VNM",
    "Virgin Islands (U.S.)": "VIR",
    "West Bank and Gaza": "PSE",
    "Yemen, Rep.": "YEM",
    "Kosovo": "XKX",
}


def read_bilateral_remittances(
    path: str | Path, *, sheet: str | int = 0, year: int = 2017
) -> pd.DataFrame:
    """Read the World Bank/KNOMAD bilateral remittance matrix (sending rows x receiving
    columns, US$ million) into input kind ``remittance_flows``.

    Country names are matched to ISO3 codes through the bundled country table and
    :data:`WB_NAMES` (World Bank spellings); the Channel Islands keep the World Bank code
    ``CHI``, which is not an ISO 3166 code (an indicator then reports those rows as unknown
    codes). The WORLD row and column, blank cells and zero flows are dropped; flows are
    converted from US$ million to USD.

    Raises
    ------
    InputValidationError
        If a country name cannot be matched (the message lists them).
    """
    raw = pd.read_excel(path, sheet_name=sheet, header=None)
    header_row = int(
        np.flatnonzero(raw.iloc[:, 0].astype(str).str.contains("sending", case=False))[0]
    )
    header = raw.iloc[header_row].tolist()
    body = raw.iloc[header_row + 1 :].copy()
    body.columns = ["sending_name", *header[1:]]
    body = body[body["sending_name"].notna()]
    world_at = np.flatnonzero(body["sending_name"].astype(str).str.strip() == "WORLD")
    if world_at.size:
        body = body.iloc[: world_at[0]]
    receivers = [c for c in body.columns[1:] if isinstance(c, str) and c.strip() != "WORLD"]
    long = body.melt(
        id_vars="sending_name", value_vars=receivers, var_name="receiving_name", value_name="flow"
    )
    long["flow"] = pd.to_numeric(long["flow"], errors="coerce")
    long = long[long["flow"] > 0]
    codes = dict(zip(country_table()["name"], country_table()["iso3"], strict=True))
    codes.update(WB_NAMES)
    send = long["sending_name"].astype(str).str.strip().map(codes)
    recv = long["receiving_name"].astype(str).str.strip().map(codes)
    unmatched = sorted(
        set(long.loc[send.isna(), "sending_name"]) | set(long.loc[recv.isna(), "receiving_name"])
    )
    if unmatched:
        raise InputValidationError(f"{path}: country names with no ISO3 code: {unmatched}")
    return pd.DataFrame(
        {
            "sending_area": send.to_numpy(),
            "receiving_area": recv.to_numpy(),
            "flow": (long["flow"].to_numpy(dtype="float64") * 1e6),
            "year": year,
        }
    )
