"""The run specification: a strictly validated TOML file describing one publication run.

A run specification says, in one file an office keeps beside its data, what to publish::

    [publication]                 # who publishes what (shown on the report's index page)
    title = "International migration indicators 2024"
    office = "National Statistics Office"
    release = "2024-12"

    [inputs.prices]               # one table per input: where it is and how to read it
    path = "data/rpw_2024q3.csv"  # or glob = "data/rpw_*.csv", or dataset = "rpw_demo"
    reader = "rpw"

    [[indicators]]                # what to compute, with options and disaggregations
    id = "remittance_cost_average"
    inputs = { prices = "prices" }
    options = { level = "corridor" }

    [quality]                     # reliability rules / profile passed as quality=
    rules = { min_n = { min = 30 } }

    [disclosure]                  # disclosure control (migindicators.disclosure.protect)
    rules = { min_contributors = 10 }

    [outputs]                     # what to write, relative to the spec's folder
    dir = "output"
    sdmx_csv = ["1.0", "2.0"]

Validation is strict, as for the registry's TOML: an unknown or misplaced key, a value of the
wrong type, or a missing required key is a :class:`SpecError` that names the key, the file
and the line, and says what is allowed. :func:`load_spec` checks the file's structure and
the registry (known indicator ids, inputs and options of each indicator, readers); the files
themselves are checked by ``migindicators run --check`` (:func:`migindicators.publish.run.check`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migindicators.core.errors import OptionError
from migindicators.core.registry import COMMON_ARGUMENTS, registry

__all__ = [
    "SDMX_CSV_VERSIONS",
    "DisclosureSpec",
    "IndicatorJob",
    "InputSpec",
    "MappingSpec",
    "OutputsSpec",
    "PublicationSpec",
    "QualitySpec",
    "RunSpec",
    "SpecError",
    "load_spec",
    "parse_spec",
]

#: SDMX-CSV versions the outputs table accepts.
SDMX_CSV_VERSIONS = ("1.0", "2.0")


class SpecError(OptionError):
    """A run specification that cannot be used: the message names the key and its line."""


# ------------------------------------------------------------------------- the schema
# key -> (required, accepted types, what it is); the whole schema of a spec file.
_Schema = dict[str, tuple[bool, type | tuple[type, ...], str]]

_TOP: _Schema = {
    "spec_version": (False, int, "format version of this file (1)"),
    "publication": (True, dict, "office and release metadata"),
    "inputs": (True, dict, "the input tables, one [inputs.NAME] each"),
    "indicators": (True, list, "the indicators to compute, one [[indicators]] each"),
    "quality": (False, dict, "quality profile and reliability rules"),
    "disclosure": (False, dict, "disclosure-control rules"),
    "outputs": (False, dict, "what to write"),
}
_PUBLICATION: _Schema = {
    "title": (True, str, "title of the publication"),
    "office": (True, str, "the publishing office"),
    "release": (False, str, "release name or number, e.g. 2024-12"),
    "date": (False, str, "release date (ISO 8601)"),
    "contact": (False, str, "contact point"),
    "licence": (False, str, "licence of the published figures"),
    "language": (False, str, "language of the report (en)"),
    "notes": (False, str, "free text shown on the index page"),
    "synthetic": (False, bool, "true when the data are not real (a banner says so)"),
}
_INPUT: _Schema = {
    "path": (False, str, "a file, relative to the spec's folder"),
    "glob": (False, str, "files matching a pattern, read and stacked"),
    "dataset": (False, str, "a bundled demo dataset (migindicators datasets)"),
    "table": (False, str, "the table of a multi-table dataset or reader"),
    "reader": (False, str, "how to read it (csv, parquet, excel, stata, spss, ipums, rpw, ...)"),
    "kind": (False, str, "input kind whose schema the table must meet"),
    "options": (False, dict, "reader options"),
    "mapping": (False, dict, "variable mapping: columns, codes, constants, preset"),
    "description": (False, str, "what the table is"),
    "source": (False, dict, "provenance: publisher, title, url, licence, retrieved, version"),
}
_SOURCE: _Schema = {
    "publisher": (False, str, "who publishes the data"),
    "title": (False, str, "the publication or dataset title"),
    "url": (False, str, "where it is distributed"),
    "licence": (False, str, "its licence"),
    "retrieved": (False, str, "when it was retrieved"),
    "version": (False, str, "edition, vintage or release"),
}
_MAPPING: _Schema = {
    "columns": (False, dict, "source column = standard column"),
    "codes": (False, dict, "[mapping.codes.COLUMN] source code = standard code"),
    "constants": (False, dict, "standard column = a constant value"),
    "keep": (False, list, "source columns kept under their own name"),
    "preset": (False, str, "a shipped census mapping: ipums_international"),
}
_INDICATOR: _Schema = {
    "id": (True, str, "registry id (migindicators list)"),
    "key": (False, str, "name of its output files (default: the id, made unique)"),
    "title": (False, str, "heading in the report"),
    "inputs": (False, dict, "indicator input = [inputs] table name (default: same names)"),
    "options": (False, dict, "indicator options (migindicators describe ID)"),
    "by": (False, list, "disaggregation columns"),
    "quality": (False, bool, "apply the run's [quality] (default true where accepted)"),
    "disclosure": (False, bool, "apply the run's [disclosure] (default true)"),
}
_QUALITY: _Schema = {
    "profile": (False, str, "a named agency standard (nchs, statcan, eurostat, abs)"),
    "parameters": (False, dict, "the profile's thresholds, overriding its defaults"),
    "rules": (False, dict, "reliability rules, as quality= today: min_n, max_cv, suppress"),
}
_DISCLOSURE: _Schema = {
    "method": (False, str, "suppress (cell_key needs record keys a spec cannot give yet)"),
    "rules": (False, dict, "primary rules: frequency, threshold, dominance, p_percent"),
    "parameters": (False, dict, "other arguments of protect: secondary, protection, ..."),
    "indicators": (False, list, "only these indicator ids (default: every count table)"),
}
_OUTPUTS: _Schema = {
    "dir": (False, str, "output folder, relative to the spec's folder (default: output)"),
    "html": (False, bool, "the HTML report (index + one page per indicator)"),
    "csv": (False, bool, "tidy CSV per indicator, with its exclusions"),
    "escape_formulas": (
        False,
        bool,
        "tidy CSV for spreadsheets: formula-like text gets an apostrophe, control characters go",
    ),
    "sdmx_csv": (False, (bool, list), 'SDMX-CSV, true or versions ["1.0", "2.0"]'),
    "sdmx_ml": (False, bool, "SDMX-ML 2.1 (needs the sdmx extra)"),
    "open_sdg": (False, bool, "Open SDG indicator files"),
    "excel": (False, bool, "an Excel workbook (needs the excel extra)"),
    "sdmx": (
        False,
        dict,
        "SDMX options: dataflow, reporting_type, nature, source_detail, area_codes, cust_breakdown",
    ),
}
_SDMX: _Schema = {
    "dataflow": (False, str, "AGENCY:ID(VERSION)"),
    "reporting_type": (False, str, "N national, G global"),
    "nature": (False, str, "C, CA, E or M"),
    "source_detail": (False, str, "SOURCE_DETAIL of every observation"),
    "area_codes": (False, str, 'REF_AREA spelling: "cl_area" (4, the default) or "m49" (004)'),
    "cust_breakdown": (
        False,
        (dict, str),
        "CL_CUST_BREAKDOWN codes of library breakdowns: a table per series "
        '(SM_DTH_MIGR = { CENTRAL_MEDITERRANEAN = "C01" }) or a CSV file (series, breakdown, code)',
    ),
}
#: REF_AREA spellings of the SDMX writers (``migindicators.core.sdg_codes.AREA_CODES``).
SDMX_AREA_CODES = ("cl_area", "m49")
QUALITY_PROFILES = ("nchs", "statcan", "eurostat", "abs")
DISCLOSURE_METHODS = ("suppress",)
# Arguments of migindicators.disclosure.protect a spec may give under [disclosure.parameters]
# (data frames such as contributions= or microdata= cannot be written in TOML).
DISCLOSURE_PARAMETERS = (
    "dimensions",
    "hierarchies",
    "total_code",
    "secondary",
    "protection",
    "keep_columns",
)


# ---------------------------------------------------------------------- the objects


@dataclass(frozen=True)
class PublicationSpec:
    """Who publishes what: shown on the report's index page and in the run log."""

    title: str
    office: str
    release: str = ""
    date: str = ""
    contact: str = ""
    licence: str = ""
    language: str = "en"
    notes: str = ""
    synthetic: bool | None = None


@dataclass(frozen=True)
class MappingSpec:
    """Source names and codes → the library's standard columns (applied after reading)."""

    columns: Mapping[str, str] = field(default_factory=dict)
    codes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    constants: Mapping[str, Any] = field(default_factory=dict)
    keep: tuple[str, ...] = ()
    preset: str = ""

    @property
    def empty(self) -> bool:
        """True when the mapping changes nothing."""
        return not (self.columns or self.codes or self.constants or self.preset)


@dataclass(frozen=True)
class InputSpec:
    """One input table of the run: where it is, how to read it, how to map it."""

    name: str
    path: Path | None = None
    glob: str = ""
    dataset: str = ""
    table: str = ""
    reader: str = ""
    kind: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    mapping: MappingSpec = field(default_factory=MappingSpec)
    description: str = ""
    source: Mapping[str, str] = field(default_factory=dict)
    line: int | None = None

    @property
    def location(self) -> str:
        """Where the table comes from, as written in the spec."""
        if self.dataset:
            return f"bundled dataset {self.dataset}" + (f"/{self.table}" if self.table else "")
        if self.glob:
            return f"glob {self.glob}"
        return str(self.path)


@dataclass(frozen=True)
class IndicatorJob:
    """One indicator to compute: its inputs (argument → input name), options, breakdowns."""

    id: str
    key: str
    inputs: Mapping[str, str]
    options: Mapping[str, Any] = field(default_factory=dict)
    by: tuple[str, ...] = ()
    title: str = ""
    quality: bool = True
    disclosure: bool = True
    line: int | None = None


@dataclass(frozen=True)
class QualitySpec:
    """A quality profile and/or today's reliability rules, passed as ``quality=``."""

    profile: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    rules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when nothing was asked for (each indicator's own default applies)."""
        return not (self.profile or self.rules)

    def argument(self) -> str | dict[str, dict[str, Any]] | None:
        """The value passed as ``quality=``: the profile name, or a mapping of rules.

        A profile with parameters or beside rules is given as one more entry of the
        mapping (``{"nchs": {...}, "min_n": {...}}``), the form of today's rule mapping.
        """
        if self.empty:
            return None
        if self.profile and not self.parameters and not self.rules:
            return self.profile
        out: dict[str, dict[str, Any]] = {}
        if self.profile:
            out[self.profile] = dict(self.parameters)
        out.update({k: dict(v) for k, v in self.rules.items()})
        return out


@dataclass(frozen=True)
class DisclosureSpec:
    """Disclosure-control rules, passed to ``migindicators.disclosure.protect``."""

    method: str = "suppress"
    rules: Mapping[str, Any] = field(default_factory=dict)
    indicators: tuple[str, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)

    def applies_to(self, indicator: str) -> bool:
        """Whether the rules apply to *indicator* (all when no list is given)."""
        return not self.indicators or indicator in self.indicators


@dataclass(frozen=True)
class OutputsSpec:
    """What to write into :attr:`dir`."""

    dir: Path
    html: bool = True
    csv: bool = True
    #: Escape formula-like text in the tidy CSV files (for files opened in a spreadsheet;
    #: :func:`migindicators.core.cells.escape_formula`). Off: CSV is data, written verbatim.
    escape_formulas: bool = False
    sdmx_csv: tuple[str, ...] = ("1.0",)
    sdmx_ml: bool = True
    open_sdg: bool = True
    excel: bool = True
    #: Options of the SDMX writers (``area_codes``, ``cust_breakdown`` read and checked).
    sdmx: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RunSpec:
    """A whole run specification (see the module docstring)."""

    publication: PublicationSpec
    inputs: Mapping[str, InputSpec]
    indicators: tuple[IndicatorJob, ...]
    outputs: OutputsSpec
    quality: QualitySpec = field(default_factory=QualitySpec)
    disclosure: DisclosureSpec | None = None
    source: str = "<string>"
    base_dir: Path = field(default_factory=Path.cwd)
    text: str = ""

    @property
    def synthetic(self) -> bool:
        """Whether the data are the bundled synthetic ones (the report shows a banner)."""
        if self.publication.synthetic is not None:
            return self.publication.synthetic
        return any(i.dataset for i in self.inputs.values())


# ---------------------------------------------------------------- locating keys


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_\-]+))*)\s*="""
)


def _split_key(text: str) -> list[str]:
    parts = re.findall(r"""\"([^\"]*)\"|'([^']*)'|([A-Za-z0-9_\-]+)""", text)
    return [a or b or c for a, b, c in parts]


def line_of(text: str, path: Sequence[str | int]) -> int | None:
    """The 1-based line of the TOML key at *path* (best effort; ``None`` when not found).

    Tables (``[a.b]``), arrays of tables (``[[a]]``, indexed by their order), dotted keys
    and keys of inline tables on the same or following lines are followed.
    """
    want = [str(p) for p in path]
    best, best_len = None, 0
    current: list[str] = []
    counters: dict[str, int] = {}
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        stripped = line.split("#", 1)[0] if '"' not in line and "'" not in line else line
        header = _HEADER.match(stripped)
        if header:
            parts = _split_key(header.group(2))
            if header.group(1) == "[[":
                name = ".".join(parts)
                index = counters.get(name, -1) + 1
                counters[name] = index
                current = [*parts, str(index)]
            else:
                current = parts
            full = current
        else:
            key = _KEY.match(stripped)
            if not key:
                continue
            full = [*current, *_split_key(key.group(1))]
        n = 0
        while n < min(len(full), len(want)) and full[n] == want[n]:
            n += 1
        if n == len(full) and n > best_len:
            best, best_len = number, n
            if n == len(want):
                return number
            # keys of an inline table: look for the next part on this and later lines
            rest = want[n:]
            for ahead in range(number - 1, min(len(lines), number + 40)):
                if ahead > number - 1 and _HEADER.match(lines[ahead]):
                    break
                needle = re.escape(rest[0])
                found = re.search(rf'(^|[{{,\s])"?{needle}"?\s*=', lines[ahead])
                if found and (ahead + 1 != number or lines[ahead].count("=") > 1):
                    return ahead + 1
    return best


# ----------------------------------------------------------------------- checking


class _Checker:
    def __init__(self, text: str, source: str) -> None:
        self.text, self.source = text, source

    def error(self, path: Sequence[str | int], message: str) -> SpecError:
        line = line_of(self.text, path)
        where = f"{self.source}, line {line}" if line else self.source
        dotted = ".".join(str(p) for p in path) or "(top level)"
        return SpecError(f"{where}: {dotted}: {message}")

    def table(
        self, raw: Any, schema: _Schema, path: Sequence[str | int], what: str
    ) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self.error(path, f"must be a table ({what}), got {type(raw).__name__}")
        for key in raw:
            if key not in schema:
                allowed = ", ".join(sorted(schema))
                raise self.error(
                    [*path, key], f"unknown key {key!r} in {what}; allowed keys: {allowed}"
                )
        for key, (required, kinds, doc) in schema.items():
            if key not in raw:
                if required:
                    raise self.error(path, f"missing required key {key!r} ({doc})")
                continue
            value = raw[key]
            ok = isinstance(value, kinds) and not (
                isinstance(value, bool) and kinds in (int, float)
            )
            if not ok:
                names = kinds if isinstance(kinds, tuple) else (kinds,)
                expected = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in names)
                got = _TYPE_NAMES.get(type(value), type(value).__name__)
                raise self.error([*path, key], f"must be {expected} ({doc}), got {got} {value!r}")
        return raw


_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "an array",
    dict: "a table",
}


def _strings(check: _Checker, value: Any, path: Sequence[str | int]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise check.error(path, f"must be an array of strings, got {value!r}")
    return tuple(value)


def _mapping(check: _Checker, raw: Any, path: list[str | int]) -> MappingSpec:
    table = check.table(raw, _MAPPING, path, "a variable mapping")
    columns = table.get("columns", {})
    for src, std in columns.items():
        if not isinstance(std, str):
            raise check.error([*path, "columns", src], f"must be a column name, got {std!r}")
    codes = table.get("codes", {})
    for column, recode in codes.items():
        if not isinstance(recode, dict):
            raise check.error(
                [*path, "codes", column],
                "must be a table of source code = standard code, e.g. "
                '[inputs.census.mapping.codes.sex] 1 = "M"',
            )
    preset = table.get("preset", "")
    if preset and preset not in ("ipums_international",):
        raise check.error(
            [*path, "preset"], f"unknown preset {preset!r}; known: ipums_international"
        )
    return MappingSpec(
        columns=dict(columns),
        codes={k: dict(v) for k, v in codes.items()},
        constants=dict(table.get("constants", {})),
        keep=_strings(check, table.get("keep", []), [*path, "keep"]),
        preset=preset,
    )


def _input(check: _Checker, name: str, raw: Any, base: Path) -> InputSpec:
    from migindicators.publish.run.readers import READERS, reader_for

    path: list[str | int] = ["inputs", name]
    table = check.table(raw, _INPUT, path, f"input {name!r}")
    where = [k for k in ("path", "glob", "dataset") if k in table]
    if len(where) != 1:
        raise check.error(
            path,
            f"give exactly one of path, glob or dataset (got {where or 'none'})",
        )
    reader = table.get("reader", "")
    if reader and reader not in READERS:
        raise check.error(
            [*path, "reader"], f"unknown reader {reader!r}; known: {', '.join(sorted(READERS))}"
        )
    if "dataset" in table:
        from migindicators import datasets

        if table["dataset"] not in datasets.list():
            raise check.error(
                [*path, "dataset"],
                f"no bundled dataset {table['dataset']!r}; known: {', '.join(datasets.list())}",
            )
        if reader:
            raise check.error([*path, "reader"], "a bundled dataset needs no reader")
    elif not reader:
        location = str(table.get("path") or table.get("glob"))
        try:
            reader = reader_for(location)
        except ValueError as exc:
            raise check.error([*path, "reader"], str(exc)) from None
    kind = table.get("kind", "")
    if kind:
        from migindicators import schemas

        if kind not in schemas.input_kinds():
            raise check.error(
                [*path, "kind"],
                f"unknown input kind {kind!r}; known: {', '.join(schemas.input_kinds())}",
            )
    source = check.table(table.get("source", {}), _SOURCE, [*path, "source"], "a source")
    return InputSpec(
        name=name,
        path=(base / table["path"]) if "path" in table else None,
        glob=table.get("glob", ""),
        dataset=table.get("dataset", ""),
        table=table.get("table", ""),
        reader=reader,
        kind=kind,
        options=dict(table.get("options", {})),
        mapping=_mapping(check, table.get("mapping", {}), [*path, "mapping"]),
        description=table.get("description", ""),
        source=dict(source),
        line=line_of(check.text, path),
    )


def _indicator(
    check: _Checker, index: int, raw: Any, inputs: Mapping[str, InputSpec], taken: set[str]
) -> IndicatorJob:
    path: list[str | int] = ["indicators", index]
    table = check.table(raw, _INDICATOR, path, "an [[indicators]] entry")
    ident = table["id"]
    if ident not in registry:
        close = [i for i in registry if ident.split("_")[0] in i][:5]
        hint = f"; did you mean {close}?" if close else "; see `migindicators list`"
        raise check.error([*path, "id"], f"unknown indicator {ident!r}{hint}")
    entry = registry[ident]
    arguments = {i.name for i in entry.inputs}
    given = dict(table.get("inputs", {}))
    for argument, input_name in given.items():
        if argument not in arguments:
            raise check.error(
                [*path, "inputs", argument],
                f"{ident} has no input {argument!r}; its inputs are {sorted(arguments)}",
            )
        if not isinstance(input_name, str) or input_name not in inputs:
            raise check.error(
                [*path, "inputs", argument],
                f"{input_name!r} is not an input of this spec; declared: {sorted(inputs)}",
            )
    # Required inputs not mapped default to the spec input of the same name; optional ones
    # are used only when mapped (an optional census= must not join a stock= computation).
    for spec_input in entry.inputs:
        if spec_input.required and spec_input.name not in given and spec_input.name in inputs:
            given[spec_input.name] = spec_input.name
    missing = [i.name for i in entry.inputs if i.required and i.name not in given]
    if missing:
        raise check.error(
            [*path, "inputs"],
            f"{ident} needs input(s) {missing}: map them, e.g. inputs = {{ {missing[0]} = "
            f'"<name of an [inputs] table>" }}',
        )
    options = dict(table.get("options", {}))
    known = {o.name: o for o in entry.options}
    for name, value in options.items():
        if name in COMMON_ARGUMENTS:
            raise check.error(
                [*path, "options", name], f"give {name} as its own key, not an option"
            )
        if name not in known:
            raise check.error(
                [*path, "options", name],
                f"{ident} has no option {name!r}; its options are {sorted(known)}",
            )
        choices = known[name].choices
        if choices is not None and value not in choices:
            raise check.error([*path, "options", name], f"{value!r} is not one of {list(choices)}")
    by = _strings(check, table.get("by", []), [*path, "by"])
    key = re.sub(r"[^A-Za-z0-9_.-]+", "_", table.get("key", ident))
    base, n = key, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    taken.add(key)
    return IndicatorJob(
        id=ident,
        key=key,
        inputs=given,
        options=options,
        by=by,
        title=table.get("title", ""),
        quality=table.get("quality", True),
        disclosure=table.get("disclosure", True),
        line=line_of(check.text, path),
    )


def _outputs(check: _Checker, raw: Any, base: Path) -> OutputsSpec:
    table = check.table(raw, _OUTPUTS, ["outputs"], "[outputs]")
    versions: tuple[str, ...]
    value = table.get("sdmx_csv", True)
    if isinstance(value, bool):
        versions = ("1.0",) if value else ()
    else:
        versions = _strings(check, value, ["outputs", "sdmx_csv"])
        bad = [v for v in versions if v not in SDMX_CSV_VERSIONS]
        if bad:
            raise check.error(
                ["outputs", "sdmx_csv"],
                f"unknown SDMX-CSV version(s) {bad}; use {list(SDMX_CSV_VERSIONS)}",
            )
    sdmx = dict(check.table(table.get("sdmx", {}), _SDMX, ["outputs", "sdmx"], "[outputs.sdmx]"))
    if sdmx.get("area_codes", "cl_area") not in SDMX_AREA_CODES:
        raise check.error(
            ["outputs", "sdmx", "area_codes"],
            f"{sdmx['area_codes']!r} is not one of {list(SDMX_AREA_CODES)} ('cl_area': the SDG "
            "DSD's CL_AREA codes such as 4; 'm49': three-digit M49 such as 004)",
        )
    if "cust_breakdown" in sdmx:
        sdmx["cust_breakdown"] = _cust_breakdown(check, sdmx["cust_breakdown"], base)
    return OutputsSpec(
        dir=base / table.get("dir", "output"),
        html=table.get("html", True),
        csv=table.get("csv", True),
        escape_formulas=table.get("escape_formulas", False),
        sdmx_csv=versions,
        sdmx_ml=table.get("sdmx_ml", True),
        open_sdg=table.get("open_sdg", True),
        excel=table.get("excel", True),
        sdmx=dict(sdmx),
    )


def _cust_breakdown(check: _Checker, value: Any, base: Path) -> dict[str, dict[str, str]]:
    """The ``[outputs.sdmx] cust_breakdown`` table or file, read and checked now so that a bad
    code stops the run before anything is computed."""
    from migindicators.core.errors import FileError
    from migindicators.publish.sdmx import cust_breakdown_codes

    where = ["outputs", "sdmx", "cust_breakdown"]
    given = base / value if isinstance(value, str) else value
    try:
        return cust_breakdown_codes(given)
    except (OptionError, FileError) as exc:
        raise check.error(where, str(exc)) from exc


def _profile_names() -> list[str]:
    from migindicators.core import quality

    profiles = getattr(quality, "PROFILES", None)
    return sorted(profiles) if profiles else list(QUALITY_PROFILES)


def parse_spec(text: str, *, base_dir: str | Path = ".", source: str = "<string>") -> RunSpec:
    """Parse and validate the TOML *text* of a run specification.

    Parameters
    ----------
    text : str
        The TOML.
    base_dir : str or Path
        Folder that relative paths (inputs, ``outputs.dir``) are relative to.
    source : str
        Name of the file, for messages.

    Raises
    ------
    SpecError
        For invalid TOML, an unknown or misplaced key, a wrong type, an unknown indicator,
        input, option or reader; the message names the key and its line.
    """
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{source}: not valid TOML: {exc}") from None
    check = _Checker(text, source)
    base = Path(base_dir)
    check.table(raw, _TOP, [], "a run specification")
    if raw.get("spec_version", 1) != 1:
        raise check.error(["spec_version"], "this version of migindicators reads spec_version 1")
    pub = check.table(raw["publication"], _PUBLICATION, ["publication"], "[publication]")
    inputs_raw = raw["inputs"]
    if not inputs_raw:
        raise check.error(["inputs"], "declare at least one input table")
    inputs = {name: _input(check, name, value, base) for name, value in inputs_raw.items()}
    if not raw["indicators"]:
        raise check.error(["indicators"], "declare at least one [[indicators]] entry")
    taken: set[str] = set()
    jobs = tuple(
        _indicator(check, i, value, inputs, taken) for i, value in enumerate(raw["indicators"])
    )
    quality_raw = check.table(raw.get("quality", {}), _QUALITY, ["quality"], "[quality]")
    profile = quality_raw.get("profile", "")
    if profile and profile not in _profile_names():
        raise check.error(
            ["quality", "profile"], f"unknown profile {profile!r}; known: {_profile_names()}"
        )
    if quality_raw.get("parameters") and not profile:
        raise check.error(["quality", "parameters"], "parameters need a profile")
    rules = quality_raw.get("rules", {})
    for name, params in rules.items():
        if not isinstance(params, dict):
            raise check.error(
                ["quality", "rules", name],
                f"must be a table of the rule's parameters, got {params!r}",
            )
    from migindicators.core.quality import quality_rules

    unknown_rules = sorted(set(rules) - set(quality_rules()))
    if unknown_rules:
        raise check.error(
            ["quality", "rules", unknown_rules[0]],
            f"unknown quality rule(s) {unknown_rules}; known: {sorted(quality_rules())}",
        )
    disclosure = None
    if "disclosure" in raw:
        dis = check.table(raw["disclosure"], _DISCLOSURE, ["disclosure"], "[disclosure]")
        method = dis.get("method", "suppress")
        if method not in DISCLOSURE_METHODS:
            raise check.error(
                ["disclosure", "method"],
                f"unknown method {method!r}; a run spec can use {list(DISCLOSURE_METHODS)} "
                "(cell_key needs a record key per person: call "
                "migindicators.disclosure.protect from Python)",
            )
        for name, params in dis.get("rules", {}).items():
            if not isinstance(params, dict):
                raise check.error(
                    ["disclosure", "rules", name],
                    f"must be a table of the rule's parameters, e.g. {name} = {{ min = 5 }}",
                )
        stray_params = sorted(set(dis.get("parameters", {})) - set(DISCLOSURE_PARAMETERS))
        if stray_params:
            raise check.error(
                ["disclosure", "parameters", stray_params[0]],
                f"unknown parameter(s) {stray_params}; allowed: {list(DISCLOSURE_PARAMETERS)}",
            )
        chosen = _strings(check, dis.get("indicators", []), ["disclosure", "indicators"])
        stray = [i for i in chosen if i not in {j.id for j in jobs}]
        if stray:
            raise check.error(["disclosure", "indicators"], f"not computed in this run: {stray}")
        disclosure = DisclosureSpec(
            method=method,
            rules={k: dict(v) for k, v in dis.get("rules", {}).items()},
            indicators=chosen,
            parameters=dict(dis.get("parameters", {})),
        )
    return RunSpec(
        publication=PublicationSpec(**pub),
        inputs=inputs,
        indicators=jobs,
        outputs=_outputs(check, raw.get("outputs", {}), base),
        quality=QualitySpec(
            profile=profile,
            parameters=dict(quality_raw.get("parameters", {})),
            rules={k: dict(v) for k, v in rules.items()},
        ),
        disclosure=disclosure,
        source=source,
        base_dir=base,
        text=text,
    )


def load_spec(path: str | Path) -> RunSpec:
    """Read and validate the run specification at *path* (see :func:`parse_spec`)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{file}: no such run specification") from None
    except OSError as exc:
        raise SpecError(f"{file}: cannot be read: {exc}") from None
    return parse_spec(text, base_dir=file.resolve().parent, source=str(file))
