"""Rebuild the code lists shipped in ``src/migindicators/data`` from their sources.

Tables and sources (recorded with their versions in ``src/migindicators/data/README.md``):

``currencies.csv``
    ISO 4217 list one as published by Debian's ``iso-codes`` (``iso_4217.json``; the same
    file ships inside PyPI's ``pycountry``), plus ``currency_amendments.csv``: the ISO 4217
    amendments the source version lacks (ZWG, XCG), withdrawals it still lists (HRK, ZWL,
    ANG) and historical codes (ISO 4217 list three) that old data carries, each row citing
    its source.
``countries.csv`` and ``regions.csv``
    The UNSD M49 table (current M49 English names, regions, LDC/LLDC/SIDS flags) as shipped
    by PyPI's ``django-countries-hdx`` (``hdx_plus_m49.csv``: OCHA's Countries & Territories
    Taxonomy with the LDC, LLDC and SIDS columns of the UNSD M49 download), plus
    ``area_additions.csv`` (Kosovo) and ``area_amendments.csv`` (later changes, cited), the
    SDG regional groupings derived from M49 sub-regions (UNSD's rule, table in the README),
    and the ``reports`` column: whether UN DESA's *International Migrant Stock 2020*
    reports the area (its 232 countries or areas with a type of data).
``historical_codes.csv``
    The withdrawn codes of ISO 3166-3 (``iso_3166-3.json`` of ``iso-codes`` / ``pycountry``)
    with their withdrawal dates and successors (read from the ISO 3166-3 four-letter code
    where it names a single successor, else from ``historical_successors.csv``, cited), and
    the alias ``KSV`` (World Bank RPW's code for Kosovo).

Usage::

    python tools/build_code_lists.py            # rewrite the shipped tables
    python tools/build_code_lists.py --check    # exit 1 if a shipped table differs
    python tools/build_code_lists.py --iso-codes DIR --m49 FILE --desa FILE

The output is deterministic (sorted rows, LF line endings), so ``--check`` and the test
``tests/test_code_lists.py`` compare bytes.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import json
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "migindicators" / "data"
DEBIAN_ISO_CODES = Path("/usr/share/iso-codes/json")
DESA_FILE = "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
DESA_DEFAULT = ROOT.parent / "shared" / "data" / DESA_FILE
M49_PACKAGE = "django_countries_hdx"
M49_FILE = "hdx_plus_m49.csv"

COLUMNS = ("code", "numeric", "name", "status", "valid_from", "valid_to", "source")
COUNTRY_COLUMNS = (
    "iso3",
    "iso2",
    "m49",
    "name",
    "region_code",
    "region",
    "sub_region_code",
    "sub_region",
    "intermediate_region_code",
    "intermediate_region",
    "sdg_region_code",
    "sdg_region",
    "ldc",
    "lldc",
    "sids",
    "reports",
)
REGION_COLUMNS = ("code", "name", "grouping", "parent_code")
HISTORICAL_COLUMNS = ("iso3", "iso2", "m49", "name", "valid_to", "successors", "current", "source")
FLAGS = ("ldc", "lldc", "sids")

#: SDG regional groupings (UNSD, SDG Indicators Database): SDG region of each M49 sub-region;
#: Europe (region 150) and Northern America (sub-region 021) form 513.
SDG_REGIONS: dict[str, tuple[str, str]] = {
    "202": ("202", "Sub-Saharan Africa"),
    "015": ("747", "Northern Africa and Western Asia"),
    "145": ("747", "Northern Africa and Western Asia"),
    "143": ("062", "Central and Southern Asia"),
    "034": ("062", "Central and Southern Asia"),
    "030": ("753", "Eastern and South-Eastern Asia"),
    "035": ("753", "Eastern and South-Eastern Asia"),
    "419": ("419", "Latin America and the Caribbean"),
    "053": ("053", "Australia and New Zealand"),
    "054": ("543", "Oceania (excluding Australia and New Zealand)"),
    "057": ("543", "Oceania (excluding Australia and New Zealand)"),
    "061": ("543", "Oceania (excluding Australia and New Zealand)"),
    "021": ("513", "Europe and Northern America"),
}
EUROPE = "150"
#: The M49 codes and names of the three development groupings (UNSD M49 overview).
FLAG_GROUPINGS: dict[str, tuple[str, str]] = {
    "ldc": ("199", "Least Developed Countries (LDC)"),
    "lldc": ("432", "Land Locked Developing Countries (LLDC)"),
    "sids": ("722", "Small Island Developing States (SIDS)"),
}


class SourceError(Exception):
    """A source is missing or does not have the expected content."""


# --------------------------------------------------------------------------- sources


def iso_codes_directory(explicit: str | None = None) -> Path | None:
    """The folder holding ``iso_4217.json``: given, Debian's ``iso-codes``, or pycountry's."""
    candidates = [Path(explicit)] if explicit else [DEBIAN_ISO_CODES]
    if not explicit:
        try:
            import pycountry  # type: ignore[import-untyped,import-not-found,unused-ignore]

            candidates.append(Path(pycountry.__file__).parent / "databases")
        except ImportError:
            pass
    for folder in candidates:
        if (folder / "iso_4217.json").is_file() or (folder / "iso4217.json").is_file():
            return folder
    return None


def m49_source(explicit: str | None = None) -> Path | None:
    """``hdx_plus_m49.csv`` of the installed ``django-countries-hdx`` (not imported: its
    ``__init__`` needs Django, the data file does not)."""
    if explicit:
        return Path(explicit) if Path(explicit).is_file() else None
    spec = importlib.util.find_spec(M49_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / M49_FILE
        if path.is_file():
            return path
    return None


def desa_source(explicit: str | None = None) -> Path | None:
    """The UN DESA International Migrant Stock 2020 workbook (``../shared/data``)."""
    path = Path(explicit) if explicit else DESA_DEFAULT
    return path if path.is_file() else None


def _iso_json(folder: Path, debian: str, pycountry: str) -> Path:
    path = folder / debian
    return path if path.is_file() else folder / pycountry


def _load_4217(folder: Path) -> list[dict[str, str]]:
    with _iso_json(folder, "iso_4217.json", "iso4217.json").open(encoding="utf-8") as fh:
        entries: list[dict[str, str]] = json.load(fh)["4217"]
    return entries


def _load_3166(folder: Path, part: str) -> list[dict[str, str]]:
    path = _iso_json(folder, f"iso_3166-{part}.json", f"iso3166-{part}.json")
    with path.open(encoding="utf-8") as fh:
        entries: list[dict[str, str]] = json.load(fh)[f"3166-{part}"]
    return entries


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _write_csv(columns: Iterable[str], rows: Iterable[Mapping[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def desa_reporting_codes(path: Path) -> set[str]:
    """M49 codes of the 232 countries or areas of UN DESA's International Migrant Stock
    2020 (Table 1 rows with a *type of data*; aggregates and Taiwan have none)."""
    import pandas as pd

    table = pd.read_excel(path, sheet_name="Table 1", header=None, skiprows=11, usecols=[3, 4])
    table.columns = ["code", "type"]
    kind = table["type"].astype("string").str.strip().fillna("")
    codes = {f"{int(c):03d}" for c in table.loc[kind != "", "code"]}
    if len(codes) != 232:
        raise SourceError(f"{path}: expected 232 countries or areas, found {len(codes)}")
    return codes


# --------------------------------------------------------------------------- tables


def build_currencies(folder: Path) -> str:
    """The CSV text of the currency table."""
    rows: dict[str, dict[str, str]] = {}
    for entry in _load_4217(folder):
        rows[entry["alpha_3"]] = {
            "code": entry["alpha_3"],
            "numeric": entry.get("numeric", ""),
            "name": entry["name"],
            "status": "current",
            "valid_from": "",
            "valid_to": "",
            "source": "ISO 4217 list one (iso-codes)",
        }
    for amendment in _read_csv(DATA / "currency_amendments.csv"):
        code = amendment["code"]
        row = rows.setdefault(
            code,
            {"code": code, "numeric": amendment["numeric"], "name": amendment["name"]},
        )
        row["valid_from"] = amendment["valid_from"]
        row["valid_to"] = amendment["valid_to"]
        row["status"] = "historical" if amendment["valid_to"] else "current"
        row["source"] = amendment["source"]
    return _write_csv(COLUMNS, (rows[code] for code in sorted(rows)))


def _m49(value: str) -> str:
    return f"{int(value):03d}" if value.strip() else ""


def _sdg_region(region_code: str, sub_region_code: str) -> tuple[str, str]:
    if region_code == EUROPE:
        return SDG_REGIONS["021"]
    return SDG_REGIONS.get(sub_region_code, ("", ""))


def _country_rows(m49_csv: Path, reporting: set[str]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    names: dict[str, str] = {}
    for entry in _read_csv(m49_csv):
        iso3 = entry["ISO 3166-1 Alpha 3-Codes"].strip()
        # rows without an ISO code (Sark, sub-national islands) or marked deprecated (ANT)
        # are not current countries or areas; ANT comes from ISO 3166-3 instead
        if not iso3 or entry["Deprecated"].strip() != "N":
            continue
        region = _m49(entry["Region Code"])
        sub = _m49(entry["Sub-region Code"])
        inter = _m49(entry["Intermediate Region Code"])
        sdg_code, sdg_name = _sdg_region(region, sub)
        m49 = _m49(entry["m49 numerical code"])
        row = {
            "iso3": iso3,
            "iso2": entry["ISO 3166-1 Alpha 2-Codes"].strip(),
            "m49": m49,
            # M49 does not list Taiwan: its row has no M49 name, the taxonomy's term is used
            "name": entry["M49 English"].strip() or entry["Preferred Term"].strip(),
            "region_code": region,
            "region": entry["Region Name"].strip(),
            "sub_region_code": sub,
            "sub_region": entry["Sub-region Name"].strip(),
            "intermediate_region_code": inter,
            "intermediate_region": entry["Intermediate Region Name"].strip(),
            "sdg_region_code": sdg_code,
            "sdg_region": sdg_name,
            "reports": str(m49 in reporting).lower(),
        }
        for flag in FLAGS:
            value = entry[flag.upper()].strip()
            if value not in ("True", "False"):
                raise SourceError(f"{m49_csv}: {iso3} has {flag.upper()}={value!r}")
            row[flag] = value.lower()
        rows.append(row)
        for code, name in ((region, row["region"]), (sub, row["sub_region"])):
            names[code] = name
    for addition in _read_csv(DATA / "area_additions.csv"):
        region, sub = addition["region_code"], addition["sub_region_code"]
        sdg_code, sdg_name = _sdg_region(region, sub)
        inter = addition["intermediate_region_code"]
        inter_name = next(
            (r["intermediate_region"] for r in rows if r["intermediate_region_code"] == inter),
            "",
        )
        rows.append(
            {
                **{k: addition[k] for k in ("iso3", "iso2", "m49", "name", *FLAGS)},
                "region_code": region,
                "region": names[region],
                "sub_region_code": sub,
                "sub_region": names[sub],
                "intermediate_region_code": inter,
                "intermediate_region": inter_name,
                "sdg_region_code": sdg_code,
                "sdg_region": sdg_name,
                "reports": str(addition["m49"] in reporting).lower(),
            }
        )
    by_code = {row["iso3"]: row for row in rows}
    for amendment in _read_csv(DATA / "area_amendments.csv"):
        if amendment["iso3"] not in by_code or amendment["column"] not in COUNTRY_COLUMNS:
            raise SourceError(f"area_amendments.csv: cannot apply {amendment}")
        by_code[amendment["iso3"]][amendment["column"]] = amendment["value"]
    missing = reporting - {row["m49"] for row in rows}
    # DESA reports the Channel Islands (830) as one area; M49 has Guernsey and Jersey as
    # countries of that intermediate region, so 830 is not a country row here
    if missing - {"830"}:
        raise SourceError(f"DESA areas with no country row: {sorted(missing)}")
    return [by_code[code] for code in sorted(by_code)]


def build_countries(m49_csv: Path, reporting: set[str]) -> str:
    """The CSV text of the country table."""
    return _write_csv(COUNTRY_COLUMNS, _country_rows(m49_csv, reporting))


def build_regions(m49_csv: Path, reporting: set[str]) -> str:
    """The CSV text of the aggregate table: M49 regions, sub-regions and intermediate
    regions, SDG regions and the LDC/LLDC/SIDS groupings."""
    countries = _country_rows(m49_csv, reporting)
    levels = (
        ("m49_region", "region_code", "region", None),
        ("m49_sub_region", "sub_region_code", "sub_region", "region_code"),
        ("m49_intermediate_region", "intermediate_region_code", "intermediate_region", None),
        ("sdg_region", "sdg_region_code", "sdg_region", None),
    )
    out = [{"code": "001", "name": "World", "grouping": "world", "parent_code": ""}]
    for grouping, code_col, name_col, parent_col in levels:
        found: dict[str, dict[str, str]] = {}
        for row in countries:
            code = row[code_col]
            if not code:
                continue
            if grouping == "m49_intermediate_region":
                parent = row["sub_region_code"]
            elif parent_col is None:
                parent = "001"
            else:
                parent = row[parent_col]
            found[code] = {
                "code": code,
                "name": row[name_col],
                "grouping": grouping,
                "parent_code": parent,
            }
        out.extend(found[code] for code in sorted(found))
    for grouping, (code, name) in FLAG_GROUPINGS.items():
        out.append({"code": code, "name": name, "grouping": grouping, "parent_code": "001"})
    return _write_csv(REGION_COLUMNS, out)


def build_historical(folder: Path, m49_csv: Path, reporting: set[str]) -> str:
    """The CSV text of the historical and alias codes (ISO 3166-3 and ``KSV``)."""
    countries = _country_rows(m49_csv, reporting)
    current = {row["iso3"] for row in countries}
    by_alpha2 = {row["iso2"]: row["iso3"] for row in countries if row["iso2"]}
    by_alpha2.update({e["alpha_2"]: e["alpha_3"] for e in _load_3166(folder, "1")})
    hand = {row["code"]: row for row in _read_csv(DATA / "historical_successors.csv")}
    rows: dict[str, dict[str, str]] = {}
    for entry in _load_3166(folder, "3"):
        code = entry["alpha_3"]
        if code in current:
            continue  # a withdrawn code reused for a current area (ATF): the current one
        old2, new2 = entry["alpha_4"][:2], entry["alpha_4"][2:]
        # ISO 3166-3's four-letter code ends with the successor's alpha-2 code, "AA" when
        # the alpha-2 code was kept (a new name), "HH"/"XX" when there is no single one
        successor = by_alpha2.get(old2 if new2 == "AA" else new2, "")
        if code in hand:
            successors = hand[code]["successors"]
            source = hand[code]["source"]
        elif successor in current:
            successors = successor
            source = f"ISO 3166-3 {entry['alpha_4']}"
        else:
            raise SourceError(
                f"ISO 3166-3 {code} ({entry['alpha_4']}): no single successor; "
                "add it to historical_successors.csv"
            )
        rows[code] = {
            "iso3": code,
            "iso2": entry["alpha_2"],
            "m49": (hand.get(code, {}).get("m49") or entry.get("numeric", "")),
            "name": hand.get(code, {}).get("name") or entry["name"],
            "valid_to": entry["withdrawal_date"],
            "successors": successors,
            "source": source,
        }
    for code, row in hand.items():
        if code not in rows:  # aliases outside ISO 3166-3 (KSV)
            rows[code] = {
                "iso3": code,
                "iso2": "",
                "m49": row["m49"],
                "name": row["name"],
                "valid_to": "",
                "successors": row["successors"],
                "source": row["source"],
            }
    for row in rows.values():
        parts = row["successors"].split(";")
        unknown = [s for s in parts if s not in current]
        if unknown:
            raise SourceError(f"{row['iso3']}: successors {unknown} are not current codes")
        row["current"] = parts[0] if len(parts) == 1 else ""
    return _write_csv(HISTORICAL_COLUMNS, (rows[code] for code in sorted(rows)))


# --------------------------------------------------------------------------- command line


def build_all(iso_folder: Path, m49_csv: Path, desa: Path) -> dict[str, str]:
    """Every table's CSV text, by file name."""
    reporting = desa_reporting_codes(desa)
    return {
        "currencies.csv": build_currencies(iso_folder),
        "countries.csv": build_countries(m49_csv, reporting),
        "regions.csv": build_regions(m49_csv, reporting),
        "historical_codes.csv": build_historical(iso_folder, m49_csv, reporting),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--iso-codes", help="folder holding iso_4217.json, iso_3166-*.json")
    parser.add_argument("--m49", help=f"path of {M49_FILE} (django-countries-hdx)")
    parser.add_argument("--desa", help=f"path of {DESA_FILE}")
    args = parser.parse_args(argv)
    folder = iso_codes_directory(args.iso_codes)
    m49_csv = m49_source(args.m49)
    desa = desa_source(args.desa)
    problems = []
    if folder is None:
        problems.append("iso-codes JSON not found: install Debian iso-codes or pycountry")
    if m49_csv is None:
        problems.append(f"{M49_FILE} not found: pip install --no-deps django-countries-hdx")
    if desa is None:
        problems.append(f"{DESA_FILE} not found: pass --desa or put shared/data beside the repo")
    if folder is None or m49_csv is None or desa is None:
        print("\n".join(problems), file=sys.stderr)
        return 2
    status = 0
    for name, text in build_all(folder, m49_csv, desa).items():
        target = DATA / name
        if args.check:
            same = target.is_file() and target.read_text(encoding="utf-8") == text
            print(f"{name}: {'up to date' if same else 'DIFFERS from its sources'}")
            status = status if same else 1
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target} ({text.count(chr(10)) - 1} rows)")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
