"""Rebuild ``src/migindicators/data/currencies.csv`` from its sources.

Sources (recorded with their versions in ``src/migindicators/data/README.md``):

* ISO 4217 list one as published by Debian's ``iso-codes`` (``iso_4217.json``; the same
  file ships inside PyPI's ``pycountry``);
* ``src/migindicators/data/currency_amendments.csv``: the ISO 4217 amendments the source
  version lacks (ZWG, XCG), withdrawals it still lists (HRK, ZWL, ANG) and historical codes
  (ISO 4217 list three) that old data carries, each row citing its source.

Usage::

    python tools/build_code_lists.py            # rewrite the shipped table
    python tools/build_code_lists.py --check    # exit 1 if the shipped table differs
    python tools/build_code_lists.py --iso-codes DIR   # folder holding iso_4217.json

The output is deterministic (sorted by code, LF line endings), so ``--check`` and the test
``tests/test_code_lists.py`` compare bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "migindicators" / "data"
DEBIAN_ISO_CODES = Path("/usr/share/iso-codes/json")
COLUMNS = ("code", "numeric", "name", "status", "valid_from", "valid_to", "source")


def iso_codes_directory(explicit: str | None = None) -> Path | None:
    """The folder holding ``iso_4217.json``: given, Debian's ``iso-codes``, or pycountry's."""
    candidates = [Path(explicit)] if explicit else [DEBIAN_ISO_CODES]
    if not explicit:
        try:
            import pycountry  # type: ignore[import-untyped]

            candidates.append(Path(pycountry.__file__).parent / "databases")
        except ImportError:
            pass
    for folder in candidates:
        if (folder / "iso_4217.json").is_file() or (folder / "iso4217.json").is_file():
            return folder
    return None


def _load_4217(folder: Path) -> list[dict[str, str]]:
    path = folder / "iso_4217.json"
    if not path.is_file():
        path = folder / "iso4217.json"  # pycountry's name for the same file
    with path.open(encoding="utf-8") as fh:
        entries: list[dict[str, str]] = json.load(fh)["4217"]
    return entries


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
    with (DATA / "currency_amendments.csv").open(encoding="utf-8", newline="") as fh:
        for amendment in csv.DictReader(fh):
            code = amendment["code"]
            row = rows.setdefault(
                code,
                {"code": code, "numeric": amendment["numeric"], "name": amendment["name"]},
            )
            row["valid_from"] = amendment["valid_from"]
            row["valid_to"] = amendment["valid_to"]
            row["status"] = "historical" if amendment["valid_to"] else "current"
            row["source"] = amendment["source"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for code in sorted(rows):
        writer.writerow(rows[code])
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--iso-codes", help="folder holding iso_4217.json")
    args = parser.parse_args(argv)
    folder = iso_codes_directory(args.iso_codes)
    if folder is None:
        print("iso_4217.json not found: install Debian iso-codes or pycountry", file=sys.stderr)
        return 2
    text = build_currencies(folder)
    target = DATA / "currencies.csv"
    if args.check:
        same = target.is_file() and target.read_text(encoding="utf-8") == text
        print(f"{target.name}: {'up to date' if same else 'DIFFERS from its sources'}")
        return 0 if same else 1
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target} ({text.count(chr(10)) - 1} codes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
