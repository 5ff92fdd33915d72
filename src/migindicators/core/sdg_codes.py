"""The code lists of the SDG data structure definition (DSD ``IAEG-SDGs:SDG``), shipped as data.

The SDG global database takes data in the layout of the DSD ``IAEG-SDGs:SDG``: each
dimension and coded attribute takes its values from one code list (``SEX`` from
``IAEG-SDGs:CL_SEX``, ``OBS_STATUS`` from ``SDMX:CL_OBS_STATUS``, …). The package ships the
code lists of one DSD version, with the DSD's map of components to code lists and a manifest
of versions and provenance (``migindicators/data/sdg_dsd``, rebuilt from the committed
registry message by ``tools/build_sdg_codelists.py``; source and date in ``data/README.md``).
:func:`dsd_version` says which version: ``IAEG-SDGs:SDG(1.14)``, from a registry message
prepared on 2023-08-20. Newer versions exist in the registry; codes they add are not known
here unless listed in :data:`NEWER_CODES` with their source.

Reference areas: ``CL_AREA`` lists UN M49 codes *without* leading zeros (``1`` World, ``4``
Afghanistan, ``62`` Central and Southern Asia) besides its own aggregates, where M49 itself
writes three digits (``001``, ``004``, ``062``). The SDMX writers write the ``CL_AREA`` spelling
by default (:func:`cl_area_code`) and :func:`check_codes` compares ``REF_AREA`` as strings, so
``004`` is reported. A receiver that takes three-digit M49 gets it with
``area_codes="m49"`` on the writers, and a file written so is checked with the same option,
which compares the codes as numbers (``004`` is ``CL_AREA``'s ``4``). See :data:`AREA_CODES`.

References
----------
IAEG-SDGs, *SDG Data Structure Definition* ``IAEG-SDGs:SDG`` version 1.14 and its code lists,
SDMX Global Registry (https://registry.sdmx.org), message prepared 2023-08-20T04:35:29Z.
SDMX Technical Working Group, *SDMX Standards, Section 2: Information Model* (code lists,
enumerated representation of components).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from migindicators.core.errors import CodeListError, OptionError, UnknownNameError, show_values

__all__ = [
    "AREA_CODES",
    "NEWER_CODES",
    "check_codes",
    "cl_area_code",
    "codelist",
    "codelist_of",
    "codes",
    "component_codelists",
    "dsd_version",
    "manifest",
    "require_codes",
]

#: Codes newer than the shipped DSD that the library writes (component → code → source).
#: A code listed here passes :func:`check_codes` although the shipped code list lacks it;
#: each entry names the custodian's publication that introduced the code.
#: Empty: every SDMX series of the indicator registry is in ``CL_SERIES(1.14)``
#: (``tests/test_sdg_codes.py`` checks it). When an indicator needs a newer code, add it here
#: with its source, or rebuild the code lists from a newer DSD (``data/README.md``).
NEWER_CODES: dict[str, dict[str, str]] = {}

#: Spellings of ``REF_AREA``: ``"cl_area"`` the DSD's ``CL_AREA`` codes (M49 without leading
#: zeros, ``4``; the default), ``"m49"`` UN M49's three digits (``004``), for receivers that
#: ask for them.
AREA_CODES = ("cl_area", "m49")

# What to do about codes outside a component's code list, by component (the default last).
_ADVICE: dict[str, str] = {
    "SERIES": (
        "a series code outside CL_SERIES is not a global SDG series: publish national series "
        "(series=) on a national platform, or, for a series the custodian added after this "
        "DSD version, list it in core.sdg_codes.NEWER_CODES with its source or rebuild the "
        "code lists from a newer DSD (tools/build_sdg_codelists.py)"
    ),
    "REF_AREA": (
        "CL_AREA holds current M49 codes without leading zeros (4, not 004) and the SDG "
        "aggregates; former areas (810 USSR) and non-M49 groupings are not in it: map them to "
        "current areas or leave them out of SDMX output. Three-digit M49 (004) is the "
        "spelling of area_codes='m49': write with the default area_codes='cl_area' for the SDG "
        "DSD, or check a file meant for a receiver of three-digit M49 with area_codes='m49'"
    ),
    "CUST_BREAKDOWN": (
        "CL_CUST_BREAKDOWN holds only _T and the placeholders C01…C5000, whose meaning the "
        "custodian assigns for each series (labelled by CUST_BREAKDOWN_LB): agree the codes "
        "with the custodian and map the library's breakdowns to them with the writers' "
        "cust_breakdown= option (run spec: [outputs.sdmx.cust_breakdown]), or publish totals "
        "only"
    ),
    "UNIT_MEASURE": (
        "map the library unit to a CL_UNIT_MEASURE code (publish.codes.UNIT_MEASURE) after "
        "agreeing it with the custodian"
    ),
    "": (
        "recode the column to codes of the list (publish.codes maps library values), or, for a "
        "code added after this DSD version, rebuild the code lists from a newer DSD "
        "(tools/build_sdg_codelists.py)"
    ),
}


def _open(name: str) -> Any:
    return resources.files("migindicators").joinpath(f"data/sdg_dsd/{name}").open("rb")


@cache
def manifest() -> dict[str, Any]:
    """The manifest of the shipped code lists: DSD identity, source, code list versions.

    Returns
    -------
    dict
        ``dsd`` (``agency``, ``id``, ``version``, ``name``), ``message`` (``id``,
        ``prepared``: the registry's timestamp, ISO 8601 UTC), ``source`` (``file``,
        ``sha256``, ``registry_query``, ``retrieved_via``) and ``codelists`` (one dict per
        code list: ``agency``, ``id``, ``version``, ``name``, ``codes``, ``file``).
    """
    with _open("manifest.json") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def dsd_version() -> str:
    """The shipped DSD as ``AGENCY:ID(VERSION)``, e.g. ``"IAEG-SDGs:SDG(1.14)"``."""
    dsd = manifest()["dsd"]
    return f"{dsd['agency']}:{dsd['id']}({dsd['version']})"


@cache
def _components() -> pd.DataFrame:
    with _open("components.csv") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def component_codelists() -> dict[str, str]:
    """Coded component of the DSD → its code list as ``AGENCY:ID(VERSION)``.

    >>> component_codelists()["SEX"]
    'IAEG-SDGs:CL_SEX(1.1)'
    """
    table = _components()
    coded = table[table["codelist_id"] != ""]
    return {
        str(row.component): f"{row.codelist_agency}:{row.codelist_id}({row.codelist_version})"
        for row in coded.itertuples(index=False)
    }


def _codelist_id(name: str) -> str:
    table = _components()
    ids = {str(c["id"]) for c in manifest()["codelists"]}
    if name in ids:
        return name
    match = table.loc[(table["component"] == name) & (table["codelist_id"] != ""), "codelist_id"]
    if len(match):
        return str(match.iloc[0])
    raise UnknownNameError(
        f"code list {name!r}: not a coded component or a code list of {dsd_version()}; "
        f"components: {sorted(component_codelists())}; code lists: {sorted(ids)}"
    )


def codelist_of(name: str) -> str:
    """The code list of a component or code list *name* as ``AGENCY:ID(VERSION)``.

    >>> codelist_of("REF_AREA")
    'IAEG-SDGs:CL_AREA(1.14)'
    """
    identifier = _codelist_id(name)
    entry = next(c for c in manifest()["codelists"] if c["id"] == identifier)
    return f"{entry['agency']}:{entry['id']}({entry['version']})"


@cache
def _codelist(identifier: str) -> pd.DataFrame:
    with _open(f"{identifier}.csv") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def codelist(name: str) -> pd.DataFrame:
    """One code list of the shipped DSD, by component (``"SEX"``) or code list id (``"CL_SEX"``).

    Parameters
    ----------
    name : str
        A coded component of the DSD (``SEX``, ``AGE``, ``UNIT_MEASURE``, ``REF_AREA``, …) or a
        code list id (``CL_SEX``, ``CL_OBS_STATUS``, ``CL_GEO_INFO_TYPE``, …).

    Returns
    -------
    pandas.DataFrame
        ``code``, ``name`` (English) and ``parent`` (blank when none; ``CL_AREA`` and
        ``CL_URBANISATION`` have hierarchies), as strings, in the code list's order. A copy.

    Raises
    ------
    UnknownNameError
        *name* is neither a coded component nor a code list of the shipped DSD.

    Examples
    --------
    >>> codelist("SEX")["code"].tolist()
    ['_T', 'F', 'M', '_N', '_O', '_U', '_X']
    """
    return _codelist(_codelist_id(name)).copy()


@cache
def codes(name: str) -> frozenset[str]:
    """The codes of a component's (or code list's) shipped code list (without
    :data:`NEWER_CODES`, which :func:`check_codes` accepts besides them)."""
    return frozenset(_codelist(_codelist_id(name))["code"])


def cl_area_code(code: str) -> str:
    """The ``CL_AREA`` spelling of an M49 code: no leading zeros (``"004"`` → ``"4"``).

    Codes that are not all digits (``CL_AREA``'s own aggregates such as ``AD``) pass through.
    """
    text = str(code).strip()
    return str(int(text)) if text.isdigit() else text


def _area_spelling(area_codes: str) -> str:
    if area_codes not in AREA_CODES:
        raise OptionError(
            f"area_codes={area_codes!r}: REF_AREA is spelled one of {list(AREA_CODES)} "
            "('cl_area': CL_AREA codes such as 4, the SDG DSD's; 'm49': three-digit M49 such "
            "as 004)"
        )
    return area_codes


def _valid(component: str, values: pd.Series, area_codes: str) -> pd.Series:
    known = codes(component) | frozenset(NEWER_CODES.get(component, {}))
    if component == "REF_AREA" and area_codes == "m49":
        # three-digit M49 stands for CL_AREA's unpadded code of the same number
        return values.map(
            lambda v: len(v) == 3 and v.isdigit() and cl_area_code(v) in known
        ).astype(bool)
    return values.isin(known)


def _problems(
    frame: pd.DataFrame, columns: Iterable[str] | None, area_codes: str
) -> list[tuple[str, list[str], int]]:
    _area_spelling(area_codes)
    coded = component_codelists()
    chosen = [c for c in (columns if columns is not None else frame.columns) if c in coded]
    found = []
    for column in chosen:
        if column not in frame.columns:
            continue
        values = frame[column].astype("string").fillna("")
        # blank cells are another check's business (check_sdmx_csv: mandatory components)
        filled = values[values != ""]
        bad = filled[~_valid(column, filled, area_codes)]
        if len(bad):
            found.append((column, list(dict.fromkeys(bad.tolist())), len(bad)))
    return found


def _message(column: str, distinct: list[str], rows: int) -> str:
    advice = _ADVICE.get(column, _ADVICE[""])
    name = f"{len(distinct)} code(s) in {rows} row(s)"
    return (
        f"{column}: {name} not in {codelist_of(column)} of {dsd_version()}: "
        f"{show_values(distinct)}; {advice}"
    )


def check_codes(
    frame: pd.DataFrame, columns: Iterable[str] | None = None, *, area_codes: str = "cl_area"
) -> list[str]:
    """Problems of *frame*'s coded columns against the shipped DSD code lists (``[]`` if none).

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns named as DSD components (an SDMX-CSV frame: ``SEX``, ``AGE``, ``SERIES``, …).
        Columns that are not coded components of the DSD (``OBS_VALUE``, ``COMMENT_OBS``,
        ``CONF_STATUS``, which the SDG DSD does not have) are not checked; blank cells are not
        checked either (an absent conditional attribute is blank).
    columns : iterable of str, optional
        Only these columns (default: every coded component present).
    area_codes : {"cl_area", "m49"}
        The spelling of ``REF_AREA`` (:data:`AREA_CODES`): ``"cl_area"`` (default) takes the
        codes of ``CL_AREA`` exactly (``4``; ``004`` is reported); ``"m49"`` takes three-digit
        M49 codes whose number is a ``CL_AREA`` code (``004``; ``4`` is reported).

    Returns
    -------
    list of str
        One message per column with codes outside its code list, e.g. ``"SEX: 1 code(s) in 2
        row(s) not in IAEG-SDGs:CL_SEX(1.1) of IAEG-SDGs:SDG(1.14): ['X']; recode …"``: the
        column, the code list and version, the first offending codes (and how many more) and
        what to do.

    Raises
    ------
    OptionError
        *area_codes* is not one of :data:`AREA_CODES`.

    Examples
    --------
    >>> import pandas as pd
    >>> check_codes(pd.DataFrame({"SEX": ["F", "_T"], "AGE": ["Y15T19", "_T"]}))
    []
    """
    return [_message(c, d, n) for c, d, n in _problems(frame, columns, area_codes)]


def require_codes(
    frame: pd.DataFrame, columns: Iterable[str] | None = None, *, area_codes: str = "cl_area"
) -> None:
    """Raise :class:`~migindicators.core.errors.CodeListError` if :func:`check_codes` finds any.

    *columns* and *area_codes* as for :func:`check_codes`.

    The error's message joins the problems; ``failure_cases`` has one row per offending code
    (``column``, ``check`` = the code list, ``index`` = its first row, ``failure_case``).
    """
    found = _problems(frame, columns, area_codes)
    if not found:
        return
    rows: list[Mapping[str, Any]] = []
    for column, distinct, _ in found:
        values = frame[column].astype("string").fillna("")
        for code in distinct:
            rows.append(
                {
                    "column": column,
                    "check": codelist_of(column),
                    "index": values.index[values == code][0],
                    "failure_case": code,
                }
            )
    raise CodeListError(
        "codes not in the SDG DSD code lists: "
        + " | ".join(_message(c, d, n) for c, d, n in found),
        input_kind="sdmx",
        failure_cases=pd.DataFrame(rows, columns=["column", "check", "index", "failure_case"]),
    )
