"""Rebuild the SDG DSD code lists shipped in ``src/migindicators/data/sdg_dsd`` from the DSD.

The source is an SDMX-ML 2.1 structure message holding the SDG data structure definition
(``IAEG-SDGs:SDG``) with its code lists (a registry query with ``references=children``). The
one in use is committed, xz-compressed, in ``tools/sources/`` so that the tables can be
rebuilt (and checked) without a network; its provenance is recorded in
``src/migindicators/data/README.md`` and in the manifest the script writes.

Tables written (UTF-8, LF line endings, rows in the order of the source message):

``<CODELIST>.csv`` (one per code list, e.g. ``CL_SEX.csv``)
    ``code,name,parent``: the code, its English name, and its parent code (blank when none).
``components.csv``
    The DSD's dimensions, attributes and measure: ``component,role,position,assignment,
    attached_to,codelist_agency,codelist_id,codelist_version`` (blank codelist columns for
    components without an enumeration, such as ``TIME_PERIOD`` or ``COMMENT_OBS``).
``manifest.json``
    The DSD's agency, id, version and name, the message's id and prepared date, the source
    (file, SHA-256 of the uncompressed message, registry query, retrieval route) and every
    code list's agency, id, version, name, number of codes and file.

Usage::

    python tools/build_sdg_codelists.py            # rewrite the shipped tables
    python tools/build_sdg_codelists.py --check    # exit 1 if a shipped table differs
    python tools/build_sdg_codelists.py --source tools/sources/NEW.xml.xz \\
        --retrieved-via "downloaded from the SDMX Global Registry on 2027-01-10"
    python tools/build_sdg_codelists.py --source URL --retrieved-via "..."   # needs network

``--source`` takes a path (``.xml`` or ``.xml.xz``) or an ``http(s)`` URL (for instance
:data:`REGISTRY_QUERY`). Commit a new source file under ``tools/sources/`` (``xz -9``) before
rebuilding from it, so that ``--check`` and ``tests/test_sdg_codes.py`` can reproduce the
tables offline; the manifest records the file the tables were built from.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import lzma
import sys
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "migindicators" / "data" / "sdg_dsd"
SOURCES = ROOT / "tools" / "sources"

#: The SDMX Global Registry query that gives the SDG DSD with its code lists.
REGISTRY_QUERY = (
    "https://registry.sdmx.org/ws/public/sdmxapi/rest/datastructure/IAEG-SDGs/SDG/latest/"
    "?format=sdmx-2.1&detail=full&references=children"
)
#: The shipped source and how it reached this repository (the registry is not reachable
#: from the build machines; the message was found committed in open-sdg/sdg-build, MIT).
DEFAULT_SOURCE = SOURCES / "sdg_dsd_IAEG-SDGs_SDG_1.14.xml.xz"
DEFAULT_RETRIEVAL = (
    "SDMX Global Registry response (registry query above, message prepared "
    "2023-08-20T04:35:29Z) as committed in github.com/open-sdg/sdg-build at commit "
    "0b450bf08529dce715bcce32600c709e205324a7, path tests/assets/data/sdmx/dsd.xml "
    "(reverted three days later); MIT-licensed repository, public registry content"
)

NS = {
    "mes": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
    "str": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure",
    "com": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CODE_COLUMNS = ("code", "name", "parent")
COMPONENT_COLUMNS = (
    "component",
    "role",
    "position",
    "assignment",
    "attached_to",
    "codelist_agency",
    "codelist_id",
    "codelist_version",
)
_ROLES = {
    "Dimension": "dimension",
    "TimeDimension": "time_dimension",
    "Attribute": "attribute",
    "PrimaryMeasure": "measure",
}


class SourceError(Exception):
    """The source is missing or is not an SDMX-ML structure message with the SDG DSD."""


class Source(NamedTuple):
    """A structure message: its bytes and how to name it in the manifest."""

    data: bytes
    label: str


# --------------------------------------------------------------------------- reading


def read_source(where: str | Path) -> Source:
    """The uncompressed message from a path (``.xml`` or ``.xz``) or an ``http(s)`` URL."""
    text = str(where)
    if text.startswith(("http://", "https://")):
        with urllib.request.urlopen(text, timeout=120) as response:
            data: bytes = response.read()
        return Source(data=data, label=text)
    path = Path(where)
    if not path.is_file():
        raise SourceError(f"{path}: no such file (pass --source PATH or URL)")
    raw = path.read_bytes()
    data = lzma.decompress(raw) if path.suffix == ".xz" else raw
    try:
        label = str(path.resolve().relative_to(ROOT))
    except ValueError:
        label = str(path)
    return Source(data=data, label=label)


def _name(element: ET.Element) -> str:
    names = element.findall("com:Name", NS)
    english = [n for n in names if n.get(XML_LANG) == "en"] or names
    return (english[0].text or "") if english else ""


def _parse(source: Source) -> ET.Element:
    try:
        root = ET.fromstring(source.data)
    except ET.ParseError as exc:
        raise SourceError(f"{source.label}: not XML ({exc})") from exc
    if root.find("mes:Structures/str:DataStructures/str:DataStructure", NS) is None:
        raise SourceError(f"{source.label}: no SDMX-ML 2.1 DataStructure in the message")
    return root


def _codelists(root: ET.Element) -> list[ET.Element]:
    return root.findall("mes:Structures/str:Codelists/str:Codelist", NS)


def _dsd(root: ET.Element) -> ET.Element:
    found = [
        d
        for d in root.findall("mes:Structures/str:DataStructures/str:DataStructure", NS)
        if d.get("agencyID") == "IAEG-SDGs" and d.get("id") == "SDG"
    ]
    if len(found) != 1:
        raise SourceError("the message must hold exactly one DataStructure IAEG-SDGs:SDG")
    return found[0]


# --------------------------------------------------------------------------- building


def _write_csv(columns: Sequence[str], rows: Iterable[Mapping[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def build_codelist(codelist: ET.Element) -> str:
    """``code,name,parent`` of one code list, in the order of the message."""
    rows = []
    for code in codelist.findall("str:Code", NS):
        parent = code.find("str:Parent/Ref", NS)
        rows.append(
            {
                "code": code.get("id", ""),
                "name": _name(code),
                "parent": parent.get("id", "") if parent is not None else "",
            }
        )
    return _write_csv(CODE_COLUMNS, rows)


def build_components(dsd: ET.Element) -> str:
    """One row per dimension, attribute and measure of the DSD, in the message's order."""
    components = dsd.find("str:DataStructureComponents", NS)
    if components is None:
        raise SourceError("the DSD has no DataStructureComponents")
    rows = []
    for group in components:
        for component in group:
            role = _ROLES.get(component.tag.rsplit("}", 1)[-1])
            if role is None:
                continue  # a Group or an annotation, not a component
            ref = component.find("str:LocalRepresentation/str:Enumeration/Ref", NS)
            attached = ""
            relation = component.find("str:AttributeRelationship", NS)
            if relation is not None:
                kinds = {child.tag.rsplit("}", 1)[-1] for child in relation}
                attached = (
                    "observation"
                    if "PrimaryMeasure" in kinds
                    else "series"
                    if "Dimension" in kinds
                    else "dataset"
                    if "None" in kinds
                    else ",".join(sorted(kinds))
                )
            rows.append(
                {
                    "component": component.get("id", ""),
                    "role": role,
                    "position": component.get("position", ""),
                    "assignment": component.get("assignmentStatus", ""),
                    "attached_to": attached,
                    "codelist_agency": ref.get("agencyID", "") if ref is not None else "",
                    "codelist_id": ref.get("id", "") if ref is not None else "",
                    "codelist_version": ref.get("version", "") if ref is not None else "",
                }
            )
    return _write_csv(COMPONENT_COLUMNS, rows)


def build_manifest(root: ET.Element, source: Source, retrieved_via: str) -> str:
    """The JSON manifest: DSD identity, message header, source and code lists."""
    dsd = _dsd(root)
    header = root.find("mes:Header", NS)
    prepared = header.find("mes:Prepared", NS) if header is not None else None
    message_id = header.find("mes:ID", NS) if header is not None else None
    manifest = {
        "dsd": {
            "agency": dsd.get("agencyID", ""),
            "id": dsd.get("id", ""),
            "version": dsd.get("version", ""),
            "name": _name(dsd),
        },
        "message": {
            "id": message_id.text if message_id is not None else "",
            "prepared": prepared.text if prepared is not None else "",
        },
        "source": {
            "file": source.label,
            "sha256": hashlib.sha256(source.data).hexdigest(),
            "registry_query": REGISTRY_QUERY,
            "retrieved_via": retrieved_via,
        },
        "codelists": [
            {
                "agency": cl.get("agencyID", ""),
                "id": cl.get("id", ""),
                "version": cl.get("version", ""),
                "name": _name(cl),
                "codes": len(cl.findall("str:Code", NS)),
                "file": f"{cl.get('id', '')}.csv",
            }
            for cl in _codelists(root)
        ],
    }
    return json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"


def build_all(source: Source, retrieved_via: str = DEFAULT_RETRIEVAL) -> dict[str, str]:
    """Every table's text, by file name (``manifest.json``, ``components.csv``, ``CL_*.csv``)."""
    root = _parse(source)
    dsd = _dsd(root)
    tables: dict[str, str] = {}
    ids = [cl.get("id", "") for cl in _codelists(root)]
    if len(set(ids)) != len(ids):
        raise SourceError(f"{source.label}: two code lists share an id: {sorted(ids)}")
    for cl in _codelists(root):
        tables[f"{cl.get('id', '')}.csv"] = build_codelist(cl)
    tables["components.csv"] = build_components(dsd)
    referenced = {
        row["codelist_id"]
        for row in csv.DictReader(io.StringIO(tables["components.csv"]))
        if row["codelist_id"]
    }
    missing = sorted(referenced - set(ids))
    if missing:
        raise SourceError(
            f"{source.label}: the DSD uses code lists the message does not hold: {missing} "
            "(query the registry with references=children)"
        )
    tables["manifest.json"] = build_manifest(root, source, retrieved_via)
    return tables


def shipped_retrieval() -> str:
    """The retrieval route recorded in the shipped manifest (kept on a plain rebuild)."""
    manifest = OUT / "manifest.json"
    if manifest.is_file():
        return str(json.loads(manifest.read_text("utf-8"))["source"]["retrieved_via"])
    return DEFAULT_RETRIEVAL


def shipped_source() -> Path:
    """The source file the shipped manifest names (the default source when none is shipped)."""
    manifest = OUT / "manifest.json"
    if manifest.is_file():
        return ROOT / str(json.loads(manifest.read_text("utf-8"))["source"]["file"])
    return DEFAULT_SOURCE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--source", help="structure message: path (.xml, .xml.xz) or http(s) URL")
    parser.add_argument(
        "--retrieved-via", help="how the source was obtained (recorded in the manifest)"
    )
    args = parser.parse_args(argv)
    where = args.source or shipped_source()
    retrieval = args.retrieved_via or (
        shipped_retrieval() if args.source is None else f"given as {where}"
    )
    try:
        tables = build_all(read_source(where), retrieval)
    except (SourceError, OSError) as exc:
        print(f"cannot build the SDG code lists: {exc}", file=sys.stderr)
        return 2
    status = 0
    stale = sorted(
        p.name for p in OUT.glob("*") if p.suffix in {".csv", ".json"} and p.name not in tables
    )
    for name, text in tables.items():
        target = OUT / name
        if args.check:
            same = target.is_file() and target.read_text(encoding="utf-8") == text
            if not same:
                print(f"{name}: DIFFERS from {where}")
                status = 1
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
    for name in stale:
        if args.check:
            print(f"{name}: not built from {where} (a code list the source no longer holds)")
            status = 1
        else:
            (OUT / name).unlink()
    if args.check:
        print(f"{len(tables)} tables {'up to date' if status == 0 else 'checked'}")
    else:
        print(f"wrote {len(tables)} tables to {OUT}" + (f", removed {stale}" if stale else ""))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
