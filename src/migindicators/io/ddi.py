"""DDI XML codebooks (IPUMS extracts): column positions, implied decimals, value labels.

An IPUMS extract comes as a fixed-width data file and a DDI 2.5 codebook. The codebook has
one ``<var>`` per variable with ``<location StartPos EndPos width>`` (1-based, inclusive), the
number of implied decimals ``dcml`` (``PERWT`` with ``dcml="2"`` stores 1234.56 as ``123456``),
``<varFormat type="numeric|character">`` and ``<catgry>`` value labels. :func:`read_ddi` reads
it with the standard library (``xml.etree``); ipumspy is not needed. The layout is checked:
overlapping positions, a width that disagrees with the positions, or a start before column 1
are errors, because a wrong layout silently garbles every record.

References
----------
DDI Alliance, *DDI Codebook 2.5*, https://ddialliance.org/Specification/DDI-Codebook/2.5/.
IPUMS, ipumspy ``read_ipums_ddi`` (the same elements are read here).
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from migindicators.core.errors import InputValidationError, UnknownNameError

__all__ = ["Codebook", "DdiError", "VariableSpec", "read_ddi"]


class DdiError(InputValidationError):
    """A DDI codebook is malformed or describes an impossible layout."""


@dataclass(frozen=True)
class VariableSpec:
    """One variable of a fixed-width file.

    Attributes
    ----------
    name : str
        Variable name (``PERWT``).
    start, end : int
        1-based inclusive column positions, as in the DDI ``<location>``.
    decimals : int
        Implied decimal places: the stored integer is divided by ``10**decimals``.
    numeric : bool
        Whether ``<varFormat type="numeric">``; character variables are read as strings.
    label : str
        The variable label.
    codes : mapping of str to str
        Value → label, from ``<catgry>``.
    """

    name: str
    start: int
    end: int
    decimals: int = 0
    numeric: bool = True
    label: str = ""
    codes: Mapping[str, str] = field(default_factory=dict)

    @property
    def width(self) -> int:
        """Number of characters."""
        return self.end - self.start + 1


@dataclass(frozen=True)
class Codebook:
    """A parsed DDI codebook: the variables of one rectangular data file."""

    variables: tuple[VariableSpec, ...]
    file_name: str = ""
    structure: str = "rectangular"
    charset: str = "ISO-8859-1"
    title: str = ""

    def __post_init__(self) -> None:
        check_layout(self.variables)

    @property
    def names(self) -> list[str]:
        """Variable names in file order."""
        return [v.name for v in self.variables]

    @property
    def record_length(self) -> int:
        """Characters per record, excluding the line terminator (last EndPos)."""
        return max(v.end for v in self.variables)

    def __getitem__(self, name: str) -> VariableSpec:
        for var in self.variables:
            if var.name == name:
                return var
        raise UnknownNameError(f"the codebook has no variable {name!r}; it has {self.names}")

    def __contains__(self, name: object) -> bool:
        return any(v.name == name for v in self.variables)

    def select(self, names: Sequence[str]) -> tuple[VariableSpec, ...]:
        """The specs of *names* (in that order); an absent name is an error listing them."""
        missing = [n for n in names if n not in self]
        if missing:
            raise DdiError(f"variable(s) {missing} are not in the codebook; it has {self.names}")
        return tuple(self[n] for n in names)


def check_layout(variables: Sequence[VariableSpec]) -> None:
    """Raise :class:`DdiError` if positions are impossible or overlap.

    Raises
    ------
    DdiError
        Naming the variables whose columns overlap, or the variable with a bad position.
    """
    seen: set[str] = set()
    for var in variables:
        if var.name in seen:
            raise DdiError(f"DDI: variable {var.name!r} is declared twice")
        seen.add(var.name)
        if var.start < 1 or var.end < var.start:
            raise DdiError(
                f"DDI: variable {var.name!r} has impossible positions "
                f"StartPos={var.start}, EndPos={var.end}"
            )
        if var.decimals < 0:
            raise DdiError(f"DDI: variable {var.name!r} has negative dcml={var.decimals}")
    ordered = sorted(variables, key=lambda v: (v.start, v.end))
    for left, right in itertools.pairwise(ordered):
        if right.start <= left.end:
            raise DdiError(
                f"DDI: the positions of {left.name!r} (columns {left.start}-{left.end}) and "
                f"{right.name!r} (columns {right.start}-{right.end}) overlap; the codebook does "
                "not describe this file correctly (download the extract's own .xml again)"
            )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(elem: ET.Element, name: str) -> ET.Element | None:
    for sub in elem:
        if _local(sub.tag) == name:
            return sub
    return None


def _text(elem: ET.Element | None) -> str:
    return "" if elem is None or elem.text is None else elem.text.strip()


def _int_attr(elem: ET.Element, attr: str, var: str) -> int | None:
    raw = elem.get(attr)
    if raw is None or raw.strip() == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise DdiError(f"DDI: variable {var!r}: {attr}={raw!r} is not an integer") from None


def read_ddi(source: str | Path) -> Codebook:
    """Parse a DDI XML codebook (a path, or the XML text itself).

    Parameters
    ----------
    source : str or pathlib.Path
        Path to the ``.xml`` codebook, or its content as a string starting with ``<``.

    Returns
    -------
    Codebook

    Raises
    ------
    DdiError
        For malformed XML, a variable without ``<location>``, inconsistent widths or
        overlapping positions.
    """
    try:
        if isinstance(source, str) and source.lstrip().startswith("<"):
            root = ET.fromstring(source)
        else:
            root = ET.parse(Path(source)).getroot()
    except ET.ParseError as exc:
        raise DdiError(f"DDI: not well-formed XML: {exc}") from None
    file_name, structure, charset, title = "", "rectangular", "ISO-8859-1", ""
    variables: list[VariableSpec] = []
    for elem in root.iter():
        tag = _local(elem.tag)
        if tag == "fileName" and not file_name:
            file_name = _text(elem)
        elif tag == "fileStrc":
            structure = elem.get("type", "rectangular")
        elif tag == "fileType":
            charset = elem.get("charset", charset)
        elif tag == "titl" and not title:
            title = _text(elem)
        elif tag == "var":
            variables.append(_parse_var(elem))
    if not variables:
        raise DdiError("DDI: the codebook declares no <var> elements")
    return Codebook(
        tuple(variables), file_name=file_name, structure=structure, charset=charset, title=title
    )


def _parse_var(elem: ET.Element) -> VariableSpec:
    name = elem.get("name") or elem.get("ID") or ""
    if not name:
        raise DdiError("DDI: a <var> element has no name attribute")
    loc = _child(elem, "location")
    if loc is None:
        raise DdiError(f"DDI: variable {name!r} has no <location> element")
    start = _int_attr(loc, "StartPos", name)
    end = _int_attr(loc, "EndPos", name)
    width = _int_attr(loc, "width", name)
    if start is None:
        raise DdiError(f"DDI: variable {name!r} has no StartPos")
    if end is None:
        if width is None:
            raise DdiError(f"DDI: variable {name!r} has neither EndPos nor width")
        end = start + width - 1
    if width is not None and width != end - start + 1:
        raise DdiError(
            f"DDI: variable {name!r}: width={width} disagrees with StartPos={start}, EndPos={end}"
        )
    decimals = _int_attr(elem, "dcml", name) or 0
    fmt = _child(elem, "varFormat")
    numeric = fmt is None or fmt.get("type", "numeric") == "numeric"
    codes: dict[str, str] = {}
    for sub in elem:
        if _local(sub.tag) == "catgry":
            codes[_text(_child(sub, "catValu"))] = _text(_child(sub, "labl"))
    return VariableSpec(
        name=name,
        start=start,
        end=end,
        decimals=decimals,
        numeric=numeric,
        label=_text(_child(elem, "labl")),
        codes=codes,
    )
