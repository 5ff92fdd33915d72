"""Stage 3 of the census pass: derive the keys (migratory status, origin, age group …).

Every key of the table is a function of a few raw codes of a row: the migratory status and
the origin of (country of enumeration, place of birth or citizenship), the age group of the
single year of age, the year of arrival of itself and the status. :func:`raw_keys` gives
each row its raw codes; :func:`cell_keys` derives the keys on *cells* of raw codes (a few
thousand per chunk, :func:`tabulate_cells`) instead of on every row.

Derivations: foreign-born (or foreign citizen on the citizenship basis) when the place is a
known country other than the country of enumeration, native when it is that country,
unknown (``_U``) when missing or not a country code (those codes are counted by the caller).
The origin is the place for migrants and ``_Z`` (not applicable) for the others; the year
of arrival likewise kept for migrants only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.ages import age_group_edges, age_group_labels
from migindicators.engine.tabulate import category_codes, group_codes, tabulate_codes
from migindicators.io.mapping import FOREIGN_UNSPECIFIED
from migindicators.schemas.census import AGE_MAX

from .spec import BASES, NOT_APPLICABLE, STATUS_CODES
from .validate import Config, countries

__all__ = ["Cells", "Key", "cell_keys", "codes", "raw_keys", "tabulate_cells"]

#: A key: (name, integer code per row or cell, labels of the codes).
Key = tuple[str, np.ndarray, np.ndarray]

#: Cells of a dense cell code (the limit of :func:`tabulate_codes`).
CELLS = 1 << 16
#: Raw keys of a chunk's first tabulation (never column names: those have no dunder).
PLACE, AGE, ARRIVAL = "__place__", "__age__", "__arrival__"


def codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (−1 for missing) and the distinct values of *series*."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return category_codes(series), np.asarray(series.cat.categories, dtype=object)
    values = series.to_numpy()
    if values.dtype.kind in "iu" and len(values) and values.min() == values.max():
        return np.zeros(len(values), dtype=np.int8), np.asarray([values[0]], dtype=object)
    found, uniques = pd.factorize(series, use_na_sentinel=True)
    return found.astype(np.int64, copy=False), np.asarray(uniques, dtype=object)


def raw_keys(frame: pd.DataFrame, config: Config) -> list[Key]:
    """(name, row codes, labels) of the raw keys: codes in ``0 .. len(labels) - 1``."""
    spec = config.spec
    raw: list[Key] = [
        ("ref_area", *codes(frame["ref_area"])),
        ("time_period", *codes(frame["time_period"])),
    ]
    place_codes, place_cats = codes(frame[BASES[config.basis][0]])
    # Code 0 is the unknown place; a missing value's code is -1, so one add on the
    # (small) integer codes shifts every row into place.
    raw.append((PLACE, place_codes + 1, np.asarray([None, *place_cats], dtype=object)))
    from_age = "age_group" in spec.by and "age" in frame.columns
    for col in spec.by:
        if col not in ("migratory_status", "origin") and not (col == "age_group" and from_age):
            raw.append((col, *codes(frame[col])))
    if from_age or spec.single_age:
        # Ages are validated to 0 .. AGE_MAX: every single year has its code.
        age = frame["age"].to_numpy()
        if age.dtype.kind not in "iuf":
            age = frame["age"].to_numpy(dtype="float64", na_value=np.nan)
        # Completed years: truncation, as floor for ages >= 0.
        ages = age.astype(np.int16) if age.dtype.kind == "f" else age
        raw.append((AGE, ages, np.arange(AGE_MAX + 1)))
    if spec.arrival:
        if "year_of_arrival" in frame.columns:
            arrival = frame["year_of_arrival"].to_numpy(dtype="float64", na_value=np.nan)
        else:
            arrival = np.full(len(frame), np.nan)
        found, uniques = pd.factorize(arrival, use_na_sentinel=False)
        raw.append((ARRIVAL, found, np.asarray(uniques, dtype=float)))
    return raw


@dataclass
class Cells:
    """A chunk tabulated by its raw keys.

    ``digits[k]`` is key *k*'s code in each observed cell, ``counts`` the rows and ``sums``
    the weight sums per cell. When asked for, ``row_code`` is every row's cell code and
    ``code_cell`` maps a code to its observed cell (index into ``counts``).
    """

    digits: list[np.ndarray]
    counts: np.ndarray
    sums: dict[str, np.ndarray]
    row_code: np.ndarray | None = None
    code_cell: np.ndarray | None = None


def tabulate_cells(
    keys: Sequence[Key], data: dict[str, np.ndarray], n: int, *, rows: bool = False
) -> Cells:
    """Tabulate *n* rows by *keys*: per key the code of every cell, the rows and the sums.

    Keys with one label are constants (code 0 in every cell). A dense mixed-radix code
    (:func:`~migindicators.engine.tabulate.tabulate_codes`) when the keys' combinations fit,
    otherwise a compressed code of the observed combinations
    (:func:`~migindicators.engine.tabulate.group_codes`). With ``rows=True`` the cell of
    every row is returned too (the Taylor moments need it).
    """
    varying = [i for i, (_, _, labels) in enumerate(keys) if len(labels) > 1]
    size = 1
    for i in varying:
        size *= len(keys[i][2])
    if not varying:
        sums = {w: np.array([np.nansum(v)]) for w, v in data.items()}
        zeros = [np.zeros(1, dtype=np.intp) for _ in keys]
        if not rows:
            return Cells(zeros, np.array([n], dtype=np.int64), sums)
        every = np.zeros(n, dtype=np.intp)
        return Cells(zeros, np.array([n], dtype=np.int64), sums, every, np.zeros(1, np.intp))
    row_code: np.ndarray | None = None
    code_cell: np.ndarray | None = None
    if size <= CELLS:
        sizes = [len(keys[i][2]) for i in varying]
        row_code = np.empty(n, dtype=np.intp) if rows else None
        found, counts, sums = tabulate_codes(
            [keys[i][1] for i in varying], sizes, data, row_codes=row_code
        )
        if rows:
            present = np.zeros(len(counts), dtype=np.intp)
            for digit, radix in zip(found, sizes, strict=True):
                present = present * radix + digit
            code_cell = np.full(size, -1, dtype=np.intp)
            code_cell[present] = np.arange(len(present))
    else:
        names = [f"k{i}" for i in varying]
        frame = pd.DataFrame(
            {name: keys[i][1] for name, i in zip(names, varying, strict=True)}, copy=False
        )
        group, combos = group_codes(frame, names)
        found = [combos[name].to_numpy() for name in names]
        ncells = len(found[0])
        counts = np.bincount(group, minlength=ncells).astype(np.int64)
        sums = {}
        for w, v in data.items():
            values = np.asarray(v, dtype=np.float64)
            if np.isnan(values).any():
                values = np.where(np.isnan(values), 0.0, values)
            sums[w] = np.bincount(group, weights=values, minlength=ncells)
        if rows:
            row_code, code_cell = group, np.arange(ncells)
    digits = [np.zeros(len(counts), dtype=np.intp) for _ in keys]
    for i, digit in zip(varying, found, strict=True):
        digits[i] = digit
    return Cells(digits, counts, sums, row_code, code_cell)


def cell_keys(
    config: Config,
    raw: Sequence[Key],
    digits: Sequence[np.ndarray],
    counts: np.ndarray | None = None,
) -> tuple[list[Key], dict[str, int]]:
    """The keys (in ``config.keys`` order) of every cell of the raw tabulation.

    Returns the keys (name, cell codes, labels) and, with the rows of each cell (*counts*),
    the rows per place code that is not a country (an unknown status, reported in notes).
    """
    spec = config.spec
    cell = {name: digit for (name, _, _), digit in zip(raw, digits, strict=True)}
    labels = {name: lab for name, _, lab in raw}
    area_cats = labels["ref_area"]
    place_cats = labels[PLACE][1:]
    place = cell[PLACE] - 1  # index into place_cats; -1 unknown
    valid = countries(place_cats) | (place_cats == FOREIGN_UNSPECIFIED)
    # A code that is no country is an unknown place of birth (citizenship): counted
    # with the unknowns and named in the notes, never a silent origin.
    invalid = np.zeros(len(place), dtype=bool)
    bad: dict[str, int] = {}
    if not valid.all():
        invalid = (place >= 0) & ~valid[np.maximum(place, 0)]
        if counts is not None:
            for code, count in zip(place[invalid], counts[invalid], strict=True):
                bad[str(place_cats[code])] = bad.get(str(place_cats[code]), 0) + int(count)
    lookup = {v: i for i, v in enumerate(place_cats)}
    own = np.array([lookup.get(a, -2) for a in area_cats], dtype=np.int64)
    unknown = (place < 0) | invalid
    native = ~unknown & (place == own[cell["ref_area"]])
    # 0 foreign, 1 native, 2 unknown: the order of STATUS_CODES.
    status = np.where(unknown, 2, np.where(native, 1, 0))
    keys: dict[str, tuple[np.ndarray, np.ndarray]] = {
        "ref_area": (cell["ref_area"], area_cats),
        "time_period": (cell["time_period"], labels["time_period"]),
        "migratory_status": (status, np.asarray(STATUS_CODES, dtype=object)),
    }
    for col in spec.by:
        if col == "age_group" and AGE in cell:
            edges = age_group_edges(spec.age_width, spec.age_top)
            group = np.minimum(cell[AGE] // spec.age_width, len(edges) - 1)
            keys[col] = (group, np.asarray(age_group_labels(edges), dtype=object))
        elif col not in keys and col != "origin":
            keys[col] = (cell[col], labels[col])
    if spec.origin or "origin" in spec.by:
        origin_labels = np.asarray([*map(str, place_cats), NOT_APPLICABLE], dtype=object)
        keys["origin"] = (np.where(status == 0, place, len(place_cats)), origin_labels)
    if spec.single_age:
        keys["age"] = (cell[AGE], np.arange(AGE_MAX + 1, dtype=float))
    if spec.arrival:
        # Arrival matters for migrants only; the others are tabulated as NaN.
        years = labels[ARRIVAL]
        missing = np.flatnonzero(np.isnan(years))
        if len(missing):
            nan_code = int(missing[0])
        else:
            years, nan_code = np.append(years, np.nan), len(years)
        keys["year_of_arrival"] = (np.where(status == 0, cell[ARRIVAL], nan_code), years)
    return [(key, *keys[key]) for key in config.keys], bad


def cell_frame(keys: Sequence[Key]) -> pd.DataFrame:
    """One row per cell with the labels of its keys (``migratory_status`` categorical)."""
    out: dict[str, Any] = {}
    for name, found, labels in keys:
        if name == "migratory_status":
            out[name] = pd.Categorical.from_codes(found, categories=pd.Index(list(labels)))
        else:
            out[name] = np.asarray(labels, dtype=object)[found]
    return pd.DataFrame(out)
