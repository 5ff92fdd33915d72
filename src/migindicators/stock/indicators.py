"""International migrant stock from census extracts: the UN DESA indicator set.

Indicators (each by sex, 5-year age group and any other column of the census):
:func:`migrant_stock`, :func:`migrant_share_of_population`, :func:`migrant_female_share`,
:func:`migrant_sex_ratio`, :func:`migrant_median_age`, :func:`migrant_stock_by_origin`,
:func:`migrant_stock_growth_rate` and :func:`recent_migrants`.

Definitions follow UN DESA: international migrants are the **foreign-born** where place of
birth is known; where it was not collected, **foreign citizens** (``basis="citizenship"``).
The basis is recorded in every result as DESA's type-of-data code (column ``type_of_data``:
``B`` foreign-born, ``C`` foreign citizens). Persons whose place of birth (citizenship) is
unknown are by default excluded from the count and reported in ``Result.exclusions``;
``unknown_birthplace="distribute"`` allocates them to migrants and non-migrants (and to
origins) in proportion to the known persons of the same cell. Shares are the same under
both rules; counts differ.

``census=`` accepts a pandas frame, an iterable of frames, a file path (Parquet, CSV,
Stata/SPSS, IPUMS fixed-width ``.dat(.gz)`` with ``ddi=``) or a Dask DataFrame; all go
through one additive tabulation kernel (:mod:`migindicators.engine.census`), so they give
the same numbers, with memory bounded by ``chunk_rows``. Weighted samples get standard
errors: Taylor linearisation with households as clusters and ``strata`` as strata, or
replicate weights. Every stock result also carries the counts a population pyramid of
migrants and non-migrants needs: ``migrants``, ``non_migrants`` and ``population`` per cell
(use ``by=["sex", "age_group"]``, or add ``"migratory_status"`` for one row per status).
A census sample weighted to population totals takes ``calibration=`` (an in-memory frame):
the weights are calibrated once on the whole extract and every indicator's standard errors
are those of R ``survey`` on the calibrated design (``svytotal`` for the counts,
``svyratio`` for the shares and ratios).

References
----------
UN DESA Population Division (2020). *International Migrant Stock 2020: Documentation*,
POP/DB/MIG/Stock/Rev.2020.
United Nations (1998). *Recommendations on Statistics of International Migration, Rev. 1*,
Statistical Papers M/58/Rev.1, §32–36 (foreign-born and foreign citizens).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from migindicators.core.ages import parse_age_group
from migindicators.core.aggregate import normalise_groupings, sum_by_area
from migindicators.core.assemble import make_result
from migindicators.core.errors import InputValidationError, MissingColumnError, OptionError
from migindicators.core.flags import add_flag
from migindicators.core.frames import accepts_any_frame
from migindicators.core.ledger import RowLedger
from migindicators.core.registry import typed_options
from migindicators.core.result import Result
from migindicators.engine.census import (
    MIGRANT,
    NON_MIGRANT,
    UNKNOWN,
    CensusPass,
    CensusTotals,
    Estimand,
    run_census,
    taylor_variance,
)
from migindicators.engine.census.calibrated import calibration_steps
from migindicators.engine.census.spool import replayable
from migindicators.engine.estimate import DomainEstimates, replicate_variance
from migindicators.engine.survey import Design
from migindicators.io.ddi import Codebook
from migindicators.io.mapping import VariableMapping
from migindicators.schemas.census import MIGRANT_STOCK_TABLE
from migindicators.schemas.population import POPULATION
from migindicators.stock.compute import (
    GROWTH_METHODS,
    female_share_values,
    growth_rate_values,
    median_age_from_groups,
    migrant_share_values,
    sex_ratio_values,
)
from migindicators.stock.desa import published_rows

__all__ = [
    "REPLICATE_METHODS",
    "migrant_female_share",
    "migrant_median_age",
    "migrant_sex_ratio",
    "migrant_share_of_population",
    "migrant_stock",
    "migrant_stock_by_origin",
    "migrant_stock_growth_rate",
    "recent_migrants",
]

_BASE = ["ref_area", "time_period"]
_Z = 1.959963984540054  # standard normal 97.5 % quantile: 95 % confidence intervals

#: Replicate methods offered (the factors are those of
#: :meth:`migindicators.engine.survey.Design.scheme`).
REPLICATE_METHODS = ("jk1", "brr", "bootstrap", "sdr")
_UNKNOWN_RULES = ("exclude", "distribute")
_REASON = {"birthplace": "unknown place of birth", "citizenship": "unknown citizenship"}


def _by_list(by: str | Sequence[str] | None, *, forbid: Sequence[str] = ()) -> list[str]:
    cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    bad = [c for c in cols if c in (*_BASE, *forbid, "weight", "household", "strata")]
    if bad:
        raise OptionError(
            f"cannot disaggregate by {bad} here; by= takes census columns such "
            "as 'sex', 'age_group', 'migratory_status' or any other column"
        )
    if len(set(cols)) != len(cols):
        raise OptionError(f"by={cols} repeats a column")
    return cols


def _check_common(unknown_birthplace: str, replicate_method: str) -> None:
    if unknown_birthplace not in _UNKNOWN_RULES:
        raise OptionError(
            f"unknown_birthplace must be one of {_UNKNOWN_RULES}, got {unknown_birthplace!r}"
        )
    if replicate_method not in REPLICATE_METHODS:
        raise OptionError(
            f"replicate_method must be one of {list(REPLICATE_METHODS)}, got {replicate_method!r}"
        )


def _pass(
    census: Any,
    by: Sequence[str],
    *,
    basis: str,
    age_width: int,
    age_top: int,
    mapping: VariableMapping | str | None,
    ddi: Codebook | str | Path | None,
    chunk_rows: int,
    variance: str,
    replicate_weights: Sequence[str] | None,
    progress: bool | None,
    estimand: Estimand | None,
    origin: bool = False,
    single_age: bool = False,
    arrival: bool = False,
    calibration: Any = None,
) -> CensusTotals:
    if census is None:
        raise OptionError(
            "census= is required (a DataFrame, iterable of DataFrames, path or Dask DataFrame)"
        )
    spec = CensusPass(
        by=tuple(by),
        basis=basis,
        origin=origin,
        single_age=single_age,
        arrival=arrival,
        age_width=int(age_width),
        age_top=int(age_top),
        mapping=mapping,
        ddi=ddi,
        chunk_rows=int(chunk_rows),
        variance=variance,
        replicate_weights=tuple(replicate_weights or ()),
        estimand=estimand,
        progress=progress,
        calibration=calibration_steps(calibration),
    )
    return run_census(census, spec)


def _status_mask(code: str) -> Callable[[pd.DataFrame], np.ndarray]:
    index = (MIGRANT, NON_MIGRANT, UNKNOWN).index(code)

    def mask(frame: pd.DataFrame) -> np.ndarray:
        return np.asarray(frame["migratory_status"].cat.codes.to_numpy() == index)

    return mask


def _female_or_male(
    mask: Callable[[pd.DataFrame], np.ndarray],
) -> Callable[[pd.DataFrame], np.ndarray]:
    def combined(frame: pd.DataFrame) -> np.ndarray:
        return np.asarray(mask(frame) & frame["sex"].isin(["F", "M"]).to_numpy())

    return combined


def _known(frame: pd.DataFrame) -> np.ndarray:
    return np.asarray(frame["migratory_status"].cat.codes.to_numpy() < 2)


def _and_sex(
    mask: Callable[[pd.DataFrame], np.ndarray], sex: str | None
) -> Callable[[pd.DataFrame], np.ndarray]:
    def combined(frame: pd.DataFrame) -> np.ndarray:
        base = mask(frame)
        if sex is None:
            return np.asarray(base & frame["sex"].notna().to_numpy())
        return np.asarray(base & (frame["sex"].to_numpy() == sex))

    return combined


# --------------------------------------------------------------------------------------
# Cells: migrants, non-migrants and unknowns per cell, for the full weight and replicates
# --------------------------------------------------------------------------------------
def _weight_columns(totals: CensusTotals) -> list[str]:
    return ["w", *totals.replicate_weights]


def _status_cells(
    totals: CensusTotals, keys: Sequence[str], rule: str, ledger: RowLedger | None
) -> pd.DataFrame:
    """Per cell of *keys*: M, NM, U (weighted, per weight column) and n_M, n_all, n_U."""
    table = totals.table
    wcols = _weight_columns(totals)
    grouped = table.groupby([*keys, "migratory_status"], sort=True, observed=True, dropna=False)[
        ["n", *wcols]
    ].sum()
    wide = grouped.unstack("migratory_status", fill_value=0)
    out = pd.DataFrame(index=wide.index)
    for col in ["n", *wcols]:
        for code, name in ((MIGRANT, "M"), (NON_MIGRANT, "NM"), (UNKNOWN, "U")):
            key = (col, code)
            out[f"{name}_{col}"] = wide[key] if key in wide.columns else 0
    out = out.reset_index()
    if ledger is not None:
        _record_unknown(out, totals, rule, ledger)
    return out


def _record_unknown(
    cells: pd.DataFrame, totals: CensusTotals, rule: str, ledger: RowLedger
) -> None:
    reason = _REASON[totals.basis]
    known = cells["M_n"] + cells["NM_n"]
    if rule == "exclude":
        drop = cells["U_n"] > 0
    else:  # distribute: impossible where a cell has no known person
        drop = (cells["U_n"] > 0) & (known == 0)
        reason += " (no known person in the cell to distribute over)"
    n = int(cells.loc[drop, "U_n"].sum())
    if n:
        weighted = float(cells.loc[drop, "U_w"].sum()) if totals.weighted else None
        detail = f"unknown_birthplace='{rule}'"
        invalid = totals.notes.get("invalid_codes", {})
        if invalid:
            listed = ", ".join(f"{code} ({rows} rows)" for code, rows in sorted(invalid.items()))
            detail += f"; includes codes that are not countries: {listed}"
        ledger.record("census", reason, n, weighted=weighted, detail=detail)


def _adjusted(cells: pd.DataFrame, wcol: str, rule: str) -> tuple[np.ndarray, np.ndarray]:
    """Migrants and known population of each cell under the unknown-birthplace rule."""
    m = cells[f"M_{wcol}"].to_numpy(dtype="float64")
    nm = cells[f"NM_{wcol}"].to_numpy(dtype="float64")
    known = m + nm
    if rule == "distribute":
        u = cells[f"U_{wcol}"].to_numpy(dtype="float64")
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(known > 0, (known + u) / np.where(known > 0, known, 1), 1.0)
        return m * factor, known * factor
    return m, known


# --------------------------------------------------------------------------------------
# Standard errors
# --------------------------------------------------------------------------------------
def _replicate_se(
    values: Callable[[str], np.ndarray], totals: CensusTotals, method: str
) -> np.ndarray:
    """Replicate SE with the survey core's factors, centred on the full-sample estimate."""
    full = values("w")
    reps = totals.replicate_weights
    design = Design(weight="w", replicate_weights=tuple(reps), replicate_method=method, mse=True)
    est = DomainEstimates(
        theta=full,
        numerator=full,
        denominator=np.ones_like(full),
        reps=np.column_stack([values(rep) for rep in reps]),
    )
    variance = replicate_variance(est, design.scheme(len(reps)))
    return np.asarray(np.sqrt(np.nan_to_num(variance, nan=0.0)))


def _taylor_se(
    totals: CensusTotals,
    cells: pd.DataFrame,
    domain: Sequence[str],
    ratio: np.ndarray | None,
    scale: float = 1.0,
    factor: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """SE per cell (aligned with *cells*) and a lonely-PSU mask."""
    if totals.calibrated is not None:
        # A calibrated pass: the variance of the totals from the calibration residuals.
        assert ratio is None
        var, lonely = totals.calibrated
    else:
        assert totals.moments is not None and totals.psus is not None
        index = pd.MultiIndex.from_frame(cells[list(domain)]) if domain else None
        r = None if ratio is None else pd.Series(ratio / scale, index=index)
        var, lonely = taylor_variance(totals.moments, totals.psus, domain, r)
    aligned = cells[list(domain)].merge(var, on=list(domain), how="left")["var"].to_numpy()
    se = np.sqrt(np.nan_to_num(aligned, nan=0.0)) * scale
    if factor is not None:
        se = se * factor
    keys = [tuple(row) for row in cells[list(domain)].itertuples(index=False)]
    lonely_mask = np.array([k in lonely for k in keys], dtype=bool)
    return se, lonely_mask


def _no_calibration_on_tables(indicator: str, calibration: Any) -> None:
    """Refuse ``calibration=`` with published tables: it reweights census microdata."""
    if calibration is not None:
        raise OptionError(
            f"{indicator}: calibration= needs census microdata (census=, a pandas DataFrame "
            "of person records with a weight column): it calibrates the sample's weights to "
            "population totals, and published tables (stock=, population=) have no weights "
            "to calibrate. Pass census= or leave calibration out"
        )


def _calibrated_ratio_se(
    totals: CensusTotals,
    parts: CensusTotals,
    cells: pd.DataFrame,
    keys: Sequence[str],
    split: str,
    labels: tuple[str, str],
    coefficients: tuple[np.ndarray, np.ndarray],
    denominator: np.ndarray,
    scale: float = 100.0,
) -> tuple[np.ndarray, np.ndarray]:
    """SE of a ratio per cell on a calibrated design, and a lonely-PSU mask.

    The ratio's linearised variable per domain is z = c_A A + c_B B over its denominator
    (the share A/(A+B): c_A = 1 - R, c_B = -R; the ratio A/B: c_A = 1, c_B = -R), whose
    calibration residuals are those of A and B combined linearly, so

    .. math:: V(z) = c_A^2 V(A) + c_B^2 V(B) + c_A c_B \\{V(A+B) - V(A) - V(B)\\}

    from the residual variances of three totals the calibrated pass gives: A + B per domain
    (*totals*, estimand ``keys``) and A and B apart (*parts*, estimand ``keys`` + *split*,
    *labels* the values of *split* that make A and B). This is R's ``svyratio`` (or
    ``svyby(..., svymean)``) on the calibrated design: the linearised ratio's residuals.
    """
    assert totals.calibrated is not None and parts.calibrated is not None
    on = list(keys)
    whole, lonely_whole = totals.calibrated
    split_var, lonely_parts = parts.calibrated
    v_sum = cells[on].merge(whole, on=on, how="left")["var"].to_numpy(dtype=float)
    v_parts = []
    for label in labels:
        part = split_var.loc[split_var[split].astype(str) == label, [*on, "var"]]
        v_parts.append(cells[on].merge(part, on=on, how="left")["var"].to_numpy(dtype=float))
    # A domain without rows of a part has a residual-free zero score there.
    v_a, v_b, v_sum = (np.nan_to_num(v, nan=0.0) for v in (*v_parts, v_sum))
    c_a, c_b = coefficients
    v = c_a * c_a * v_a + c_b * c_b * v_b + c_a * c_b * (v_sum - v_a - v_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.where(denominator > 0, np.sqrt(np.maximum(v, 0.0)) / denominator, np.nan)
    lonely = set(lonely_whole) | {key[: len(on)] for key in lonely_parts}
    rows = [tuple(row) for row in cells[on].itertuples(index=False)]
    return se * scale, np.array([k in lonely for k in rows], dtype=bool)


def _srs_share_variance(p: np.ndarray, n: np.ndarray, big_n: np.ndarray) -> np.ndarray:
    """Variance of a proportion *p* under SRS without replacement of *n* from *big_n*.

    R ``survey``'s deff denominator for the mean of a 0/1 variable: the weighted variance
    p(1-p) n/(n-1), over n, times (N - n)/N.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        v = p * (1.0 - p) / (n - 1.0) * (big_n - n) / big_n
    return np.asarray(np.where((n > 1) & (big_n > 0), v, np.nan), dtype=float)


def _design_df(cells: pd.DataFrame, totals: CensusTotals) -> np.ndarray:
    """Design degrees of freedom per cell: PSUs minus strata of its country and period
    (Taylor), replicates minus one (replicate weights), NaN without variance."""
    if totals.variance == "replicate":
        return np.full(len(cells), float(len(totals.replicate_weights) - 1))
    if totals.variance != "taylor" or totals.psus is None:
        return np.full(len(cells), np.nan)
    psus = totals.psus.groupby(["ref_area", "time_period"], sort=False)["n_psu"].agg(
        ["sum", "size"]
    )
    df = (psus["sum"] - psus["size"]).rename("_df").reset_index()
    df["ref_area"] = df["ref_area"].astype(str)
    df["time_period"] = df["time_period"].astype("int64")
    keys = cells[["ref_area", "time_period"]].astype({"ref_area": str})
    merged = keys.merge(df, on=["ref_area", "time_period"], how="left")
    return np.asarray(merged["_df"].to_numpy(dtype=float))


def _reliability(cells: pd.DataFrame, totals: CensusTotals) -> pd.DataFrame:
    """Add ``cv``, ``df``, ``deff`` and ``effective_n`` beside the standard error.

    ``deff`` is the variance over the SRS-without-replacement variance of the same sample
    size (R ``survey``'s ``deff=TRUE``), from the columns ``_srs_var`` (that variance) and
    ``_srs_n`` (the sample size it assumes) when the indicator supplies them, else NaN;
    ``effective_n`` = ``_srs_n`` / deff.
    """
    value = cells["value"].to_numpy(dtype=float)
    se = cells["se"].to_numpy(dtype=float) if "se" in cells.columns else np.full(len(cells), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        cells["cv"] = np.where(value != 0, se / np.abs(value), np.nan)
        srs = (
            cells.pop("_srs_var").to_numpy(dtype=float)
            if "_srs_var" in cells.columns
            else np.full(len(cells), np.nan)
        )
        n = (
            cells.pop("_srs_n").to_numpy(dtype=float)
            if "_srs_n" in cells.columns
            else np.full(len(cells), np.nan)
        )
        deff = np.where(srs > 0, se * se / np.where(srs > 0, srs, 1.0), np.nan)
        cells["deff"] = deff
        cells["effective_n"] = np.where(deff > 0, n / deff, np.nan)
    cells["df"] = _design_df(cells, totals)
    return cells


def _finish(
    indicator: str,
    cells: pd.DataFrame,
    totals: CensusTotals,
    ledger: RowLedger,
    *,
    group_columns: Sequence[str],
    options: dict[str, Any],
    inputs: dict[str, Any],
    method: str,
    lonely: np.ndarray | None = None,
    extra_metadata: dict[str, Any] | None = None,
    r_estimator: str = "svytotal",
) -> Result:
    cells = cells.copy()
    flags = cells["flag"] if "flag" in cells.columns else pd.Series("", index=cells.index)
    flags = add_flag(flags, cells["value"].isna().to_numpy(), "zero_denominator")
    if lonely is not None and lonely.any():
        flags = add_flag(flags, lonely, "lonely_psu")
    if totals.weighted and totals.variance != "none":
        flags = add_flag(flags, np.ones(len(cells), dtype=bool), "estimated")
    cells["flag"] = flags.to_numpy()
    if "se" in cells.columns:
        cells["ci_lower"] = cells["value"] - _Z * cells["se"]
        cells["ci_upper"] = cells["value"] + _Z * cells["se"]
    cells = _reliability(cells, totals)
    cells["type_of_data"] = totals.type_of_data
    meta = {
        "basis": totals.basis,
        "type_of_data": totals.type_of_data,
        "weighted": totals.weighted,
        "variance": totals.variance,
        "unknown_birthplace": options.get("unknown_birthplace"),
    }
    if totals.variance == "taylor":
        meta["variance_detail"] = (
            "Taylor linearisation, households as PSUs (ultimate "
            "cluster), strata where given, no finite population "
            "correction; lonely PSUs contribute zero"
        )
    if totals.variance == "replicate":
        meta["variance_detail"] = (
            f"replicate weights {list(totals.replicate_weights)}, "
            f"method {options.get('replicate_method')}, centred on "
            "the full-sample estimate"
        )
    if "calibration" in totals.notes:
        meta["calibration"] = totals.notes["calibration"]
        if totals.variance == "taylor":
            meta["variance_detail"] = (
                f"{meta['variance_detail']}; weights calibrated on the whole census (see "
                "calibration), variance from the calibration residuals (R "
                f"{r_estimator} on the calibrated design)"
            )
        elif totals.variance == "replicate":
            meta["variance_detail"] = (
                f"{meta['variance_detail']}; weights calibrated on the whole census (see "
                "calibration), each replicate recalibrated to the same totals (R's "
                "calibrated svrepdesign)"
            )
    meta.update(extra_metadata or {})
    result = make_result(
        indicator,
        cells,
        ledger,
        group_columns=list(group_columns),
        options=options,
        inputs=inputs,
        method=method,
        extra_metadata=meta,
    )
    return _age_order(_fix_inputs(result, dict(inputs)))


def _age_order(result: Result) -> Result:
    """Sort age groups by age (Y5T9 before Y10T14), not alphabetically."""
    data = result.data
    if "age_group" not in data.columns or not len(data):
        return result
    groups = [c for c in result.group_columns if c in data.columns]

    def key(col: pd.Series) -> pd.Series:
        if col.name != "age_group":
            return col
        return col.map(lambda label: parse_age_group(label)[0] if pd.notna(label) else np.inf)

    result.data = data.sort_values(groups, key=key, kind="stable").reset_index(drop=True)
    return result


def _inputs_record(census: Any) -> dict[str, Any]:
    """Inputs for the provenance block.

    A frame is fingerprinted by :func:`migindicators.core.provenance.fingerprint` (which samples
    large frames itself); files are named with size and modification time, other sources
    described by their kind.
    """
    if isinstance(census, pd.DataFrame):
        return {"census": census}
    return {"census": _Described(_describe(census))}


class _Described(str):
    """A pre-computed input description (provenance prints the value, not the type)."""


def _describe(census: Any) -> str:
    if isinstance(census, (str, Path)):
        path = Path(census)
        if path.exists():
            stat = path.stat()
            stamp = pd.Timestamp(stat.st_mtime, unit="s").isoformat(timespec="seconds")
            return f"{path.name} ({stat.st_size} bytes, modified {stamp})"
        return str(path)
    if type(census).__module__.startswith("dask"):
        return f"Dask DataFrame ({census.npartitions} partitions)"
    return f"{type(census).__name__} of DataFrames"


def _fix_inputs(result: Result, inputs: dict[str, Any]) -> Result:
    """Replace provenance's type name by the description of described inputs."""
    described = result.metadata.get("inputs", {})
    for name, value in inputs.items():
        if isinstance(value, _Described):
            described[name] = str(value)
    return result


def _common_options(**kwargs: Any) -> dict[str, Any]:
    out = dict(kwargs)
    if isinstance(out.get("mapping"), VariableMapping):
        out["mapping"] = out["mapping"].name
    if out.get("ddi") is not None:
        out["ddi"] = str(out["ddi"]) if not isinstance(out["ddi"], Codebook) else "Codebook"
    return out


#: The parameter docs the census-based stock indicators share, written once: each function's
#: docstring names the entries it takes with a ``{census parameters: …}`` line, which
#: :func:`_census_parameter_docs` expands, so IDEs and the API reference show the full text.
_PARAMETER_DOCS: dict[str, str] = {
    "census": """census : DataFrame, iterable of DataFrames, path or Dask DataFrame
    Input kind ``census``: person records with ``ref_area``, ``time_period``,
    ``country_of_birth`` and/or ``citizenship``, optionally ``sex``, ``age``,
    ``weight`` [person], ``household``, ``strata``.""",
    "by": """by : sequence of str, optional
    Disaggregations: ``sex``, ``age_group`` (derived from ``age``), ``migratory_status``
    (a row for migrants and one for non-migrants, e.g. for a population pyramid), or any
    other census column.""",
    "basis": """basis : {"auto", "birthplace", "citizenship"}
    Foreign-born (DESA type B) or foreign citizens (type C); ``auto`` uses birthplace
    when the census has a ``country_of_birth`` column.""",
    "unknown_birthplace": """unknown_birthplace : {"exclude", "distribute"}
    Persons of unknown birthplace (citizenship): excluded and reported, or allocated
    proportionally within their cell.""",
    "age_width, age_top": """age_width, age_top : int
    Age groups of ``age_width`` years up to an open group of ``age_top`` years and over [year].""",
    "mapping": """mapping : VariableMapping or "ipums_international", optional
    Source column names and codes → standard census columns.""",
    "ddi": """ddi : Codebook or path, optional
    DDI codebook of a fixed-width ``census`` file.""",
    "chunk_rows": """chunk_rows : int
    Rows per chunk when reading files.""",
    "variance": """variance : {"auto", "taylor", "replicate", "none"}
    Standard errors: ``auto`` = replicate when ``replicate_weights`` are given, Taylor
    when the census is weighted, none for an unweighted (full) count.""",
    "replicate_weights": """replicate_weights : sequence of str, optional
    Replicate weight columns.""",
    "replicate_method": """replicate_method : {"jk1", "brr", "bootstrap", "sdr"}
    Replicate variance factor, as :class:`migindicators.engine.survey.Design`: JK1 (R-1)/R,
    BRR 1/R, bootstrap 1/(R-1), SDR 4/R (IPUMS USA ``REPWTP``).""",
    "progress": """progress : bool, optional
    Show a progress bar of rows processed (default: when interactive).""",
    "calibration": "calibration : Design or sequence of "
    "migindicators.engine.calibration.CalibrationStep, optional\n"
    """    Calibrate the census sample's weights to population totals first, as
    :func:`migrant_stock` does: a calibrated :class:`~migindicators.engine.survey.Design`
    of the census's own design (``weight="weight"``; ``strata="strata"`` and
    ``psu="household"`` may be given), e.g.
    ``mi.survey.post_stratify(mi.survey.Design(weight="weight"), totals)`` (R
    ``postStratify``), ``mi.survey.rake`` (``rake``) or ``mi.survey.calibrate``
    (``calibrate``), or its steps. Margins name census columns (``age_group`` is derived
    from ``age`` with ``age_width`` and ``age_top``). The weights are calibrated once on
    the whole extract and replicate weights recalibrated each to the same totals (R's
    calibrated ``svrepdesign``). Every census input works: a file, chunks or a Dask
    DataFrame is read twice per calibrated pass (see :func:`migrant_stock`; a ratio takes
    two passes, and a one-shot iterator of chunks is spooled to a temporary file for the
    second); numeric calibration totals and ``bounds_const=True`` need the census in
    memory (an :class:`~migindicators.core.errors.OptionError` otherwise). Where the
    indicator also takes published tables (``stock=``), calibrating them is an
    ``OptionError`` (they have no weights).""",
    "aggregate": """aggregate : str or sequence of str, optional
    Add regional aggregates of a multi-country census collection: ``"world"``,
    ``"sdg_region"``, ``"m49_region"``, ``"m49_sub_region"``,
    ``"m49_intermediate_region"`` or ``"all"``. Stocks are summed over the member
    countries present; variances add (independent national samples); an aggregate
    missing members is flagged ``incomplete_coverage``.""",
}
_PARAMETER_MARKER = re.compile(r"^( *)\{census parameters: ([a-z_, ]+)\}$", re.MULTILINE)
_F = TypeVar("_F", bound=Callable[..., Any])


def _census_parameter_docs(func: _F) -> _F:
    """Expand the ``{census parameters: name, …}`` lines of *func*'s docstring."""

    def expand(match: re.Match[str]) -> str:
        indent, names = match.group(1), match.group(2)
        return "\n".join(
            textwrap.indent(_PARAMETER_DOCS[name.strip()], indent)
            for name in re.split(r",\s*(?=[a-z])(?!age_top)", names)
        )

    if func.__doc__:
        func.__doc__ = _PARAMETER_MARKER.sub(expand, func.__doc__)
    return func


# --------------------------------------------------------------------------------------
# migrant_stock
# --------------------------------------------------------------------------------------
@accepts_any_frame
@typed_options("migrant_stock")
@_census_parameter_docs
def migrant_stock(
    census: Any = None,
    *,
    by: str | Sequence[str] | None = None,
    basis: str = "auto",
    unknown_birthplace: str = "exclude",
    age_width: int = 5,
    age_top: int = 75,
    mapping: VariableMapping | str | None = None,
    ddi: Codebook | str | Path | None = None,
    chunk_rows: int = 1_000_000,
    variance: str = "auto",
    replicate_weights: Sequence[str] | None = None,
    replicate_method: str = "jk1",
    progress: bool | None = None,
    aggregate: str | Sequence[str] | None = None,
    calibration: Any = None,
) -> Result:
    """International migrant stock: persons living in a country other than their country of birth.

    .. math:: M = \\sum_{i \\in \\text{foreign-born}} w_i

    Parameters
    ----------
    {census parameters: census, by, basis, unknown_birthplace, age_width, age_top, mapping, ddi}
    {census parameters: chunk_rows, variance, replicate_weights, replicate_method, progress}
    {census parameters: aggregate}
    calibration : Design or sequence of migindicators.engine.calibration.CalibrationStep, optional
        Calibrate the census sample's weights to population totals first: a calibrated
        :class:`~migindicators.engine.survey.Design` of the census's own design
        (``weight="weight"``; ``strata="strata"`` and ``psu="household"`` may be given),
        e.g. ``mi.survey.rake(mi.survey.Design(weight="weight"), [by_sex_age, by_region])``,
        or its steps. Margins name census columns (``age_group`` is derived from ``age``
        with ``age_width`` and ``age_top``). The weights are calibrated once on the whole
        extract (R ``postStratify``/``rake``/``calibrate``), the Taylor standard errors come
        from the calibration residuals (R ``svytotal`` on the calibrated design) and
        replicate weights are recalibrated each. Every census input works: a file, chunks
        or a Dask DataFrame is read twice (pass 1 tabulates the calibration cells, on which
        the calibration is solved; pass 2 tabulates on the calibrated weights and keeps
        the households' residual records, spilled to disk beyond a budget), with the
        in-memory values and memory bounded by ``chunk_rows``; numeric calibration totals
        and ``bounds_const=True`` need a pandas DataFrame (an
        :class:`~migindicators.core.errors.OptionError` otherwise).

    Returns
    -------
    Result
        ``value`` migrants [person]; extra columns ``migrants``, ``non_migrants``,
        ``unknown_status``, ``population`` (known status) and ``type_of_data``.

    References
    ----------
    UN DESA, *International Migrant Stock 2020*, Table 1 and documentation.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("census_demo")
    >>> result = mi.stock.migrant_stock(census=data["census"], by=["sex", "age_group"])
    >>> cols = ["ref_area", "time_period", "sex", "age_group", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period sex age_group  value
         KEN         2009   F      Y0T4   8.20
         KEN         2009   F      Y5T9  65.90
         KEN         2009   F    Y10T14 184.24
    """
    by_cols = _by_list(by, forbid=("origin",))
    _check_common(unknown_birthplace, replicate_method)
    keys = [*_BASE, *[b for b in by_cols if b != "migratory_status"]]
    estimand = Estimand(domain=tuple(keys), num=_status_mask(MIGRANT))
    if "migratory_status" in by_cols:
        estimand = Estimand(domain=(*keys, "migratory_status"), num=_known)
    totals = _pass(
        census,
        by_cols,
        basis=basis,
        age_width=age_width,
        age_top=age_top,
        mapping=mapping,
        ddi=ddi,
        chunk_rows=chunk_rows,
        variance=variance,
        replicate_weights=replicate_weights,
        progress=progress,
        estimand=estimand,
        calibration=calibration,
    )
    ledger = totals.ledger
    cells = _status_cells(totals, keys, unknown_birthplace, ledger)
    m, known = _adjusted(cells, "w", unknown_birthplace)
    out = cells[keys].copy()
    out["migrants"] = m
    out["non_migrants"] = known - m
    out["unknown_status"] = cells["U_w"].to_numpy(dtype="float64")
    out["population"] = known
    out["value"] = m
    out["n"] = cells["M_n"].to_numpy(dtype="int64")
    factor = np.divide(
        m,
        cells["M_w"].to_numpy(dtype="float64"),
        out=np.ones(len(m)),
        where=cells["M_w"].to_numpy() > 0,
    )
    lonely = None
    if "migratory_status" in by_cols:
        out = _long_by_status(out, cells, totals, unknown_birthplace, keys)
    if totals.variance == "replicate":

        def count(wcol: str) -> np.ndarray:
            mm, kk = _adjusted(cells, wcol, unknown_birthplace)
            if "migratory_status" in by_cols:
                return np.concatenate([mm, kk - mm])
            return mm

        out["se"] = _replicate_se(count, totals, replicate_method)
    elif totals.variance == "taylor":
        domain = list(estimand.domain)
        se, lonely = _taylor_se(
            totals, out, domain, None, factor=None if "migratory_status" in by_cols else factor
        )
        out["se"] = se
    known_n = (cells["M_n"] + cells["NM_n"]).to_numpy(dtype=float)
    if "migratory_status" in by_cols:
        known_n = np.concatenate([known_n, known_n])
    population = out["population"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(population > 0, out["value"].to_numpy(dtype=float) / population, np.nan)
    out["_srs_n"] = known_n
    out["_srs_var"] = population**2 * _srs_share_variance(share, known_n, population)
    group_cols = [*_BASE, *by_cols]
    groupings = normalise_groupings(aggregate)
    if groupings:
        out = _add_aggregates(out, group_cols, groupings)
    options = _common_options(
        by=by_cols,
        basis=basis,
        unknown_birthplace=unknown_birthplace,
        age_width=age_width,
        age_top=age_top,
        mapping=mapping,
        ddi=ddi,
        chunk_rows=chunk_rows,
        variance=variance,
        replicate_weights=list(replicate_weights or []),
        replicate_method=replicate_method,
        aggregate=groupings,
        calibration=totals.notes.get("calibration"),
    )
    return _finish(
        "migrant_stock",
        out,
        totals,
        ledger,
        group_columns=group_cols,
        options=options,
        inputs=_inputs_record(census),
        lonely=lonely,
        method="sum of weights of foreign-born (type B) or foreign-citizen (type C)"
        " persons per cell",
    )


def _add_aggregates(
    out: pd.DataFrame, group_cols: Sequence[str], groupings: Sequence[str]
) -> pd.DataFrame:
    """Country rows plus regional sums (variances of independent national samples add)."""
    values = ["value", "migrants", "non_migrants", "unknown_status", "population", "n"]
    values += [c for c in ("_srs_var", "_srs_n") if c in out.columns]
    work = out.assign(_var=out["se"] ** 2 if "se" in out.columns else np.nan)
    keys = [c for c in group_cols if c != "ref_area"]
    agg = sum_by_area(work, values=[*values, "_var"], keys=keys, groupings=groupings)
    if agg.empty:
        return out
    incomplete = (agg["members_with_data"] < agg["members_total"]).to_numpy()
    agg["se"] = np.sqrt(agg["_var"])
    agg["flag"] = add_flag(pd.Series("", index=agg.index), incomplete, "incomplete_coverage")
    agg["n"] = agg["n"].astype("int64")
    agg = agg.drop(columns=["_var", "members_total"])
    base = out.assign(flag="")
    return pd.concat([base, agg], ignore_index=True)


def _long_by_status(
    out: pd.DataFrame, cells: pd.DataFrame, totals: CensusTotals, rule: str, keys: Sequence[str]
) -> pd.DataFrame:
    mig = out.copy()
    mig["migratory_status"] = MIGRANT
    non = out.copy()
    non["migratory_status"] = NON_MIGRANT
    non["value"] = out["non_migrants"].to_numpy()
    non["n"] = cells["NM_n"].to_numpy(dtype="int64")
    return pd.concat([mig, non], ignore_index=True)


# --------------------------------------------------------------------------------------
# migrant_share_of_population
# --------------------------------------------------------------------------------------
@accepts_any_frame
@typed_options("migrant_share_of_population")
@_census_parameter_docs
def migrant_share_of_population(
    census: Any = None,
    stock: pd.DataFrame | None = None,
    population: pd.DataFrame | None = None,
    *,
    by: str | Sequence[str] | None = None,
    basis: str = "auto",
    unknown_birthplace: str = "exclude",
    age_width: int = 5,
    age_top: int = 75,
    mapping: VariableMapping | str | None = None,
    ddi: Codebook | str | Path | None = None,
    chunk_rows: int = 1_000_000,
    variance: str = "auto",
    replicate_weights: Sequence[str] | None = None,
    replicate_method: str = "jk1",
    progress: bool | None = None,
    calibration: Any = None,
) -> Result:
    """International migrants as a percentage of the total population.

    .. math:: 100 \\cdot M / P

    From a census, P is the population of known migratory status in the cell (the share is
    the same whether unknowns are excluded or distributed proportionally). From published
    tables, pass ``stock`` (input kind ``migrant_stock_table``) and ``population`` (kind
    ``population``, same keys; persons).

    Parameters
    ----------
    census : DataFrame, iterable, path or Dask DataFrame, optional
        Person records (see :func:`migrant_stock`).
    stock : pandas.DataFrame, optional
        Published migrant stock by ``ref_area``, ``time_period`` (and ``sex``) [person].
    population : pandas.DataFrame, optional
        Total population with the same keys [person].
    {census parameters: by, basis, unknown_birthplace, age_width, age_top, mapping, ddi}
    {census parameters: chunk_rows}
    {census parameters: variance, replicate_weights, replicate_method, progress}
    {census parameters: calibration}
        Taylor standard errors of the share from the calibration residuals of its
        linearised variable (M − R·P)/P, as R ``svyratio(~migrant, ~known)`` (or
        ``svyby(~migrant, ~by, denominator=~known, FUN=svyratio)``) on the calibrated
        design. A cell whose population is fixed by the calibration (a post-stratum with
        every birthplace known) gets the variance of its migrant count alone over P². The
        variance is assembled from the residual variances of M, the non-migrants and P,
        which takes a second calibrated pass over the frame.

    Returns
    -------
    Result
        ``value`` in percent; extra columns ``migrants`` and ``population``.

    References
    ----------
    UN DESA, *International Migrant Stock 2020*, Table 3.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("census_demo")
    >>> result = mi.stock.migrant_share_of_population(census=data["census"], by=["sex"])
    >>> cols = ["ref_area", "time_period", "sex", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period sex  value
         KEN         2009   F  1.839
         KEN         2009   M  2.139
         KEN         2019   F  2.430
    """
    by_cols = _by_list(by, forbid=("origin", "migratory_status"))
    _check_common(unknown_birthplace, replicate_method)
    if census is None:
        _no_calibration_on_tables("migrant_share_of_population", calibration)
        return _share_from_tables(stock, population, by_cols)
    keys = [*_BASE, *by_cols]
    estimand = Estimand(domain=tuple(keys), num=_status_mask(MIGRANT), den=_known)
    if calibration is not None:
        # A calibrated pass gives the residual variance of totals: here P, and M and NM
        # apart in a second pass (_calibrated_ratio_se combines them into the ratio's);
        # a one-shot iterator is spooled to disk so that the second pass can read it.
        estimand = Estimand(domain=tuple(keys), num=_known)
        census = replayable(census)

    def run(estimand: Estimand) -> CensusTotals:
        return _pass(
            census,
            by_cols,
            basis=basis,
            age_width=age_width,
            age_top=age_top,
            mapping=mapping,
            ddi=ddi,
            chunk_rows=chunk_rows,
            variance=variance,
            replicate_weights=replicate_weights,
            progress=progress,
            estimand=estimand,
            calibration=calibration,
        )

    totals = run(estimand)
    cells = _status_cells(totals, keys, unknown_birthplace, totals.ledger)
    m, known = _adjusted(cells, "w", unknown_birthplace)
    out = cells[keys].copy()
    out["value"] = migrant_share_values(m, known)
    out["migrants"] = m
    out["population"] = known
    out["n"] = (cells["M_n"] + cells["NM_n"]).to_numpy(dtype="int64")
    lonely = None
    if totals.variance == "replicate":

        def share(wcol: str) -> np.ndarray:
            mm, kk = _adjusted(cells, wcol, unknown_birthplace)
            return migrant_share_values(mm, kk)

        out["se"] = _replicate_se(share, totals, replicate_method)
    elif totals.variance == "taylor" and totals.calibrated is not None:
        ratio = np.nan_to_num(out["value"].to_numpy(dtype=float) / 100.0)
        parts = run(Estimand(domain=(*keys, "migratory_status"), num=_known))
        raw_m = cells["M_w"].to_numpy(dtype=float)
        raw_p = raw_m + cells["NM_w"].to_numpy(dtype=float)
        se, lonely = _calibrated_ratio_se(
            totals,
            parts,
            out,
            keys,
            "migratory_status",
            (MIGRANT, NON_MIGRANT),
            (1.0 - ratio, -ratio),
            raw_p,
        )
        out["se"] = se
    elif totals.variance == "taylor":
        ratio = out["value"].to_numpy() / 100.0
        se, lonely = _taylor_se(totals, out, keys, np.nan_to_num(ratio) * 100.0, scale=100.0)
        out["se"] = se
    out["_srs_n"] = out["n"].to_numpy(dtype=float)
    out["_srs_var"] = 100.0**2 * _srs_share_variance(
        out["value"].to_numpy(dtype=float) / 100.0, out["_srs_n"].to_numpy(), known
    )
    options = _common_options(
        by=by_cols,
        basis=basis,
        unknown_birthplace=unknown_birthplace,
        age_width=age_width,
        age_top=age_top,
        mapping=mapping,
        ddi=ddi,
        chunk_rows=chunk_rows,
        variance=variance,
        replicate_weights=list(replicate_weights or []),
        replicate_method=replicate_method,
        calibration=totals.notes.get("calibration"),
    )
    return _finish(
        "migrant_share_of_population",
        out,
        totals,
        totals.ledger,
        group_columns=keys,
        options=options,
        inputs=_inputs_record(census),
        lonely=lonely,
        method="100 * M / P, P = persons of known migratory status",
        r_estimator="svyratio",
    )


#: Breakdown columns of published tables that ``by`` may leave out (their total is ``_T``).
_TABLE_BREAKDOWNS = ("sex", "age_group")


def _totals_only(
    frame: pd.DataFrame, name: str, keys: list[str], ledger: RowLedger
) -> pd.DataFrame:
    """The rows of a published table at the level of *keys*.

    A table by sex (DESA's Tables 1 and 2 hold both sexes, male and female) used without
    ``by=["sex"]`` keeps its total rows (``_T``) only, the others excluded and counted; a
    table still holding several rows per key is an error, never a many-to-many match.
    """
    for column in _TABLE_BREAKDOWNS:
        if column in keys or column not in frame.columns:
            continue
        values = frame[column].astype("string")
        if values.nunique(dropna=False) > 1 or not (values == "_T").all():
            frame = ledger.exclude(
                name,
                frame,
                (values != "_T").fillna(True).to_numpy(),
                f"breakdown by {column} not requested (by= does not name it): totals (_T) used",
            )
    duplicated = frame.duplicated(subset=keys, keep=False)
    if duplicated.any():
        example = frame.loc[duplicated, keys].head(3).to_dict("records")
        raise InputValidationError(
            f"input {name!r} has several rows for one {keys} cell, e.g. {example}: name the "
            "column that tells them apart in by= (for example by=['sex'])"
        )
    return frame


def _share_from_tables(
    stock: pd.DataFrame | None, population: pd.DataFrame | None, by_cols: list[str]
) -> Result:
    if stock is None or population is None:
        raise OptionError(
            "migrant_share_of_population needs census=, or both stock= and population="
        )
    ledger = RowLedger()
    ledger.given("stock", stock)
    ledger.given("population", population)
    # published tables (DESA) carry aggregate rows without codes and ".." cells
    stock = published_rows(stock, ledger, "stock", "migrant_stock")
    population = published_rows(population, ledger, "population", "population")
    s = MIGRANT_STOCK_TABLE.validate(stock, input_name="stock")
    p = POPULATION.validate(population, input_name="population")
    keys = [*_BASE, *by_cols]
    for name, frame in (("stock", s), ("population", p)):
        absent = [c for c in by_cols if c not in frame.columns]
        if absent:
            raise InputValidationError(f"by={by_cols}: input {name!r} has no column(s) {absent}")
    s = _totals_only(s, "stock", keys, ledger)
    p = _totals_only(p, "population", keys, ledger)
    s_keys = s.set_index(keys).index
    p_keys = p.set_index(keys).index
    s = ledger.exclude("stock", s, ~s_keys.isin(p_keys), "no population row for this key")
    p = ledger.exclude("population", p, ~p_keys.isin(s_keys), "no migrant stock row for this key")
    cells = s[[*keys, "migrant_stock"]].merge(p[[*keys, "population"]], on=keys)
    cells["value"] = migrant_share_values(cells["migrant_stock"], cells["population"])
    cells["n"] = 1
    cells = cells.rename(columns={"migrant_stock": "migrants"})
    if "type_of_data" in s.columns:
        cells = cells.merge(s[[*keys, "type_of_data"]], on=keys, how="left")
    flags = add_flag(
        pd.Series("", index=cells.index), cells["value"].isna().to_numpy(), "zero_denominator"
    )
    cells["flag"] = flags.to_numpy()
    return make_result(
        "migrant_share_of_population",
        cells,
        ledger,
        group_columns=keys,
        options={"by": by_cols},
        inputs={"stock": stock, "population": population},
        method="100 * M / P from published tables",
    )


# --------------------------------------------------------------------------------------
# female share and sex ratio
# --------------------------------------------------------------------------------------
def _by_sex(
    census: Any,
    stock: pd.DataFrame | None,
    by: str | Sequence[str] | None,
    indicator: str,
    num_sex: str,
    den_sex: str | None,
    scale_fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
    method: str,
    kwargs: dict[str, Any],
) -> Result:
    by_cols = _by_list(by, forbid=("origin", "migratory_status", "sex"))
    _check_common(kwargs["unknown_birthplace"], kwargs["replicate_method"])
    if census is None:
        _no_calibration_on_tables(indicator, kwargs["calibration"])
        return _by_sex_from_table(stock, by_cols, indicator, num_sex, den_sex, scale_fn, method)
    keys = [*_BASE, *by_cols]
    migrants = _status_mask(MIGRANT)
    estimand = Estimand(
        domain=tuple(keys), num=_and_sex(migrants, num_sex), den=_and_sex(migrants, den_sex)
    )
    if kwargs["calibration"] is not None:
        # A calibrated pass gives the residual variance of totals: here the migrants of
        # known sex, and each sex apart in a second pass (see _calibrated_ratio_se); a
        # one-shot iterator is spooled to disk so that the second pass can read it.
        estimand = Estimand(domain=tuple(keys), num=_female_or_male(migrants))
        census = replayable(census)

    def run(estimand: Estimand) -> CensusTotals:
        return _pass(
            census,
            [*by_cols, "sex"],
            estimand=estimand,
            **{
                k: v
                for k, v in kwargs.items()
                if k not in ("unknown_birthplace", "replicate_method")
            },
        )

    totals = run(estimand)
    rule = kwargs["unknown_birthplace"]
    cells = _status_cells(totals, [*keys, "sex"], rule, totals.ledger)

    def values(wcol: str) -> tuple[pd.DataFrame, np.ndarray]:
        m, _ = _adjusted(cells, wcol, rule)
        frame = cells[[*keys, "sex"]].assign(_m=m, _n=cells["M_n"].to_numpy())
        wide = frame.pivot_table(
            index=keys,
            columns="sex",
            values=["_m", "_n"],
            aggfunc="sum",
            fill_value=0,
            observed=True,
        )
        num = _col(wide, "_m", num_sex)
        den = (
            _col(wide, "_m", "F") + _col(wide, "_m", "M")
            if den_sex is None
            else _col(wide, "_m", den_sex)
        )
        out = wide.index.to_frame(index=False)
        out["_num"], out["_den"] = num, den
        out["n"] = (_col(wide, "_n", "F") + _col(wide, "_n", "M")).astype("int64")
        return out, scale_fn(num, den)

    out, value = values("w")
    out["value"] = value
    lonely = None
    if totals.variance == "replicate":
        out["se"] = _replicate_se(lambda w: values(w)[1], totals, kwargs["replicate_method"])
    elif totals.variance == "taylor" and totals.calibrated is not None:
        parts = run(Estimand(domain=(*keys, "sex"), num=_female_or_male(migrants)))
        ratio = np.nan_to_num(value / 100.0)
        # The unadjusted weighted migrants of each sex (as the uncalibrated moments).
        raw = cells.groupby([*keys, "sex"], observed=True, dropna=False)["M_w"].sum()
        raw_sex = out[keys].merge(raw.unstack("sex").reset_index(), on=keys, how="left")

        def raw_of(sex: str) -> np.ndarray:
            if sex not in raw_sex.columns:
                return np.zeros(len(out))
            return np.asarray(np.nan_to_num(raw_sex[sex].to_numpy(dtype=float), nan=0.0))

        other = "M" if num_sex == "F" else "F"
        num_raw, other_raw = raw_of(num_sex), raw_of(other)
        if den_sex is None:  # the share A / (A + B) of the numerator's sex
            coefficients, denominator = (1.0 - ratio, -ratio), num_raw + other_raw
        else:  # the ratio A / B of two sexes
            coefficients, denominator = (np.ones(len(out)), -ratio), other_raw
        se, lonely = _calibrated_ratio_se(
            totals, parts, out, keys, "sex", (num_sex, other), coefficients, denominator
        )
        out["se"] = se
    elif totals.variance == "taylor":
        se, lonely = _taylor_se(totals, out, keys, np.nan_to_num(value), scale=100.0)
        out["se"] = se
    out["_srs_n"] = n_rows = out["n"].to_numpy(dtype=float)
    num_w, den_w = out["_num"].to_numpy(dtype=float), out["_den"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if den_sex is None:  # a share of the migrants with known sex
            out["_srs_var"] = 100.0**2 * _srs_share_variance(num_w / den_w, n_rows, den_w)
        else:  # a ratio num/den of two sexes: SRS variance of a ratio (residual y - R x)
            both = num_w + den_w
            r = num_w / den_w
            s2 = (num_w + r * r * den_w) / both * n_rows / (n_rows - 1)
            xbar = den_w / both
            v = s2 / (n_rows * xbar * xbar) * (both - n_rows) / both
            out["_srs_var"] = 100.0**2 * np.where((n_rows > 1) & (den_w > 0), v, np.nan)
    out = out.rename(columns={"_num": "numerator", "_den": "denominator"})
    options = _common_options(
        by=by_cols, **{**kwargs, "calibration": totals.notes.get("calibration")}
    )
    return _finish(
        indicator,
        out,
        totals,
        totals.ledger,
        group_columns=keys,
        options=options,
        inputs=_inputs_record(census),
        lonely=lonely,
        method=method,
        r_estimator="svyratio",
    )


def _col(wide: pd.DataFrame, value: str, sex: str) -> np.ndarray:
    key = (value, sex)
    if key in wide.columns:
        return np.asarray(wide[key].to_numpy(dtype="float64"))
    return np.zeros(len(wide))


def _by_sex_from_table(
    stock: pd.DataFrame | None,
    by_cols: list[str],
    indicator: str,
    num_sex: str,
    den_sex: str | None,
    scale_fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
    method: str,
) -> Result:
    if stock is None:
        raise OptionError(f"{indicator} needs census= or stock= (a migrant_stock_table by sex)")
    ledger = RowLedger()
    ledger.given("stock", stock)
    stock = published_rows(stock, ledger, "stock", "migrant_stock")
    s = MIGRANT_STOCK_TABLE.validate(stock, input_name="stock")
    if "sex" not in s.columns:
        raise InputValidationError(f"{indicator}: stock= needs a 'sex' column (F, M)")
    keys = [*_BASE, *by_cols]
    s = ledger.exclude(
        "stock", s, ~s["sex"].isin(["F", "M"]).to_numpy(), "total-sex row (recomputed from F and M)"
    )
    wide = s.pivot_table(index=keys, columns="sex", values="migrant_stock", aggfunc="sum")
    f = wide["F"].to_numpy() if "F" in wide else np.full(len(wide), np.nan)
    m = wide["M"].to_numpy() if "M" in wide else np.full(len(wide), np.nan)
    num = f if num_sex == "F" else m
    den = (f + m) if den_sex is None else (f if den_sex == "F" else m)
    out = wide.index.to_frame(index=False)
    out["value"] = scale_fn(num, den)
    out["numerator"], out["denominator"] = num, den
    out["n"] = 2
    out["flag"] = add_flag(
        pd.Series("", index=out.index), out["value"].isna().to_numpy(), "zero_denominator"
    ).to_numpy()
    return make_result(
        indicator,
        out,
        ledger,
        group_columns=keys,
        options={"by": by_cols},
        inputs={"stock": stock},
        method=method + " from published tables",
    )


@accepts_any_frame
@typed_options("migrant_female_share")
@_census_parameter_docs
def migrant_female_share(
    census: Any = None,
    stock: pd.DataFrame | None = None,
    *,
    by: str | Sequence[str] | None = None,
    basis: str = "auto",
    unknown_birthplace: str = "exclude",
    age_width: int = 5,
    age_top: int = 75,
    mapping: VariableMapping | str | None = None,
    ddi: Codebook | str | Path | None = None,
    chunk_rows: int = 1_000_000,
    variance: str = "auto",
    replicate_weights: Sequence[str] | None = None,
    replicate_method: str = "jk1",
    progress: bool | None = None,
    calibration: Any = None,
) -> Result:
    """Female migrants as a percentage of the international migrant stock.

    .. math:: 100 \\cdot M_F / (M_F + M_M)

    Parameters
    ----------
    census : DataFrame, iterable, path or Dask DataFrame, optional
        Person records with ``sex`` (see :func:`migrant_stock`); persons of unknown sex are
        excluded and reported.
    stock : pandas.DataFrame, optional
        Or a published ``migrant_stock_table`` by ``sex`` (F, M) [person].
    by : sequence of str, optional
        Disaggregations as in :func:`migrant_stock`, except ``sex`` (the indicator is made of
        the sexes).
    {census parameters: basis, unknown_birthplace, age_width, age_top, mapping, ddi}
    {census parameters: chunk_rows}
    {census parameters: variance, replicate_weights, replicate_method, progress}
    {census parameters: calibration}
        Taylor standard errors from the calibration residuals of the linearised ratio, as
        R ``svyratio(~female_migrant, ~migrant)`` on the calibrated design (a second
        calibrated pass gives the residual variances of each sex).

    Returns
    -------
    Result
        ``value`` in percent; extra columns ``numerator`` (M_F) and ``denominator`` (M).

    References
    ----------
    UN DESA, *International Migrant Stock 2020*, Table 4.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("census_demo")
    >>> result = mi.stock.migrant_female_share(census=data["census"])
    >>> cols = ["ref_area", "time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period  value
         KEN         2009 47.319
         KEN         2019 46.766
    """
    kwargs = {
        "basis": basis,
        "unknown_birthplace": unknown_birthplace,
        "age_width": age_width,
        "age_top": age_top,
        "mapping": mapping,
        "ddi": ddi,
        "chunk_rows": chunk_rows,
        "variance": variance,
        "replicate_weights": replicate_weights,
        "replicate_method": replicate_method,
        "progress": progress,
        "calibration": calibration,
    }
    return _by_sex(
        census,
        stock,
        by,
        "migrant_female_share",
        "F",
        None,
        female_share_values,
        "100 * M_F / M",
        kwargs,
    )


@accepts_any_frame
@typed_options("migrant_sex_ratio")
@_census_parameter_docs
def migrant_sex_ratio(
    census: Any = None,
    stock: pd.DataFrame | None = None,
    *,
    by: str | Sequence[str] | None = None,
    basis: str = "auto",
    unknown_birthplace: str = "exclude",
    age_width: int = 5,
    age_top: int = 75,
    mapping: VariableMapping | str | None = None,
    ddi: Codebook | str | Path | None = None,
    chunk_rows: int = 1_000_000,
    variance: str = "auto",
    replicate_weights: Sequence[str] | None = None,
    replicate_method: str = "jk1",
    progress: bool | None = None,
    calibration: Any = None,
) -> Result:
    """Sex ratio of the migrant stock: male migrants per 100 female migrants.

    .. math:: 100 \\cdot M_M / M_F

    Parameters
    ----------
    census : DataFrame, iterable, path or Dask DataFrame, optional
        Person records with ``sex`` (see :func:`migrant_stock`).
    stock : pandas.DataFrame, optional
        Or a published ``migrant_stock_table`` by ``sex`` [person].
    by : sequence of str, optional
        Disaggregations as in :func:`migrant_stock`, except ``sex`` (the indicator is made of
        the sexes).
    {census parameters: basis, unknown_birthplace, age_width, age_top, mapping, ddi}
    {census parameters: chunk_rows}
    {census parameters: variance, replicate_weights, replicate_method, progress}
    {census parameters: calibration}
        Taylor standard errors from the calibration residuals of the linearised ratio, as
        R ``svyratio(~male_migrant, ~female_migrant)`` on the calibrated design (a second
        calibrated pass gives the residual variances of each sex).

    Returns
    -------
    Result
        ``value`` males per 100 females; NaN + ``zero_denominator`` without female migrants.

    References
    ----------
    UN DESA, *International Migrant Stock 2020* (derived from Table 1 by sex).

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("census_demo")
    >>> result = mi.stock.migrant_sex_ratio(census=data["census"])
    >>> cols = ["ref_area", "time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period   value
         KEN         2009 111.329
         KEN         2019 113.832
    """
    kwargs = {
        "basis": basis,
        "unknown_birthplace": unknown_birthplace,
        "age_width": age_width,
        "age_top": age_top,
        "mapping": mapping,
        "ddi": ddi,
        "chunk_rows": chunk_rows,
        "variance": variance,
        "replicate_weights": replicate_weights,
        "replicate_method": replicate_method,
        "progress": progress,
        "calibration": calibration,
    }
    return _by_sex(
        census,
        stock,
        by,
        "migrant_sex_ratio",
        "M",
        "F",
        sex_ratio_values,
        "100 * M_M / M_F",
        kwargs,
    )


# --------------------------------------------------------------------------------------
# migrant_median_age
# --------------------------------------------------------------------------------------
@accepts_any_frame
@typed_options("migrant_median_age")
@_census_parameter_docs
def migrant_median_age(
    census: Any = None,
    *,
    by: str | Sequence[str] | None = None,
    basis: str = "auto",
    unknown_birthplace: str = "exclude",
    mapping: VariableMapping | str | None = None,
    ddi: Codebook | str | Path | None = None,
    chunk_rows: int = 1_000_000,
    variance: str = "auto",
    replicate_weights: Sequence[str] | None = None,
    replicate_method: str = "jk1",
    progress: bool | None = None,
    calibration: Any = None,
) -> Result:
    """Median age of international migrants.

    .. math:: \\tilde a = L_k + \\frac{M/2 - C_{k-1}}{m_k} h_k

    Computed from single years of age when the census has ``age`` (intervals [a, a+1),
    i.e. exact for ages in completed years), otherwise from its ``age_group`` labels
    (``Y15T19``, ``Y_GE75``) by linear interpolation within the median group; the method
    used is recorded in ``metadata["median_from"]``.

    Parameters
    ----------
    census : DataFrame, iterable, path or Dask DataFrame
        Person records with ``age`` or ``age_group``.
    by : sequence of str, optional
        ``sex`` or other census columns (not ``age_group``).
    {census parameters: basis, unknown_birthplace, mapping, ddi, chunk_rows}
    {census parameters: replicate_weights, replicate_method, progress}
    variance : {"auto", "replicate", "none"}
        Medians get standard errors from replicate weights only; Taylor linearisation of a
        quantile is not offered (``se`` is NaN and the metadata says so).
    {census parameters: calibration}
        The median from the calibrated weights; its standard error from the recalibrated
        replicate weights only (no Taylor variance of a median).

    Returns
    -------
    Result
        ``value`` [year]; extra column ``median_age_non_migrants``.

    References
    ----------
    Shryock and Siegel (1976), *The Methods and Materials of Demography*, ch. 7;
    UN DESA, *International Migrant Stock 2020* (median age of migrants).

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("census_demo")
    >>> result = mi.stock.migrant_median_age(census=data["census"], by=["sex"])
    >>> cols = ["ref_area", "time_period", "sex", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period sex  value
         KEN         2009   F 27.118
         KEN         2009   M 28.044
         KEN         2019   F 29.451
    """
    by_cols = _by_list(by, forbid=("origin", "migratory_status", "age_group"))
    _check_common(unknown_birthplace, replicate_method)
    if variance == "taylor":
        raise OptionError(
            "migrant_median_age: Taylor variance of a median is not offered; use "
            "replicate weights or variance='none'"
        )
    single = _has_age(census, mapping)
    keys = [*_BASE, *by_cols]
    pass_by = by_cols if single else [*by_cols, "age_group"]
    totals = _pass(
        census,
        pass_by,
        basis=basis,
        age_width=5,
        age_top=75,
        mapping=mapping,
        ddi=ddi,
        chunk_rows=chunk_rows,
        variance=variance,
        replicate_weights=replicate_weights,
        progress=progress,
        estimand=None,
        single_age=single,
        calibration=calibration,
    )
    age_key = "age" if single else "age_group"
    cells = _status_cells(totals, [*keys, age_key], unknown_birthplace, totals.ledger)
    if single:
        cells["_lo"] = cells["age"].astype("float64")
        cells["_h"] = 1.0
    else:
        parsed = cells["age_group"].map(parse_age_group)
        cells["_lo"] = [p[0] for p in parsed]
        cells["_h"] = [p[1] for p in parsed]

    def medians(wcol: str, status: str = "M") -> pd.DataFrame:
        m, known = _adjusted(cells, wcol, unknown_birthplace)
        counts = m if status == "M" else known - m
        frame = cells[[*keys, "_lo", "_h"]].assign(_c=counts)
        rows = []
        for key, grp in frame.groupby(keys, sort=True, observed=True):
            rows.append(
                (
                    *(key if isinstance(key, tuple) else (key,)),
                    median_age_from_groups(
                        grp["_lo"].to_numpy(), grp["_h"].to_numpy(), grp["_c"].to_numpy()
                    ),
                )
            )
        return pd.DataFrame(rows, columns=[*keys, "value"])

    out = medians("w")
    out["median_age_non_migrants"] = medians("w", "NM")["value"].to_numpy()
    n = cells.groupby(keys, sort=True, observed=True)["M_n"].sum()
    out["n"] = n.to_numpy(dtype="int64")
    if totals.variance == "replicate":
        out["se"] = _replicate_se(
            lambda w: medians(w)["value"].to_numpy(), totals, replicate_method
        )
    options = _common_options(
        by=by_cols,
        basis=basis,
        unknown_birthplace=unknown_birthplace,
        mapping=mapping,
        ddi=ddi,
        chunk_rows=chunk_rows,
        variance=variance,
        replicate_weights=list(replicate_weights or []),
        replicate_method=replicate_method,
        calibration=totals.notes.get("calibration"),
    )
    return _finish(
        "migrant_median_age",
        out,
        totals,
        totals.ledger,
        group_columns=keys,
        options=options,
        inputs=_inputs_record(census),
        method="median by linear interpolation within the median age interval",
        extra_metadata={
            "median_from": "single years of age" if single else "age groups (interpolated)"
        },
    )


def _has_age(census: Any, mapping: VariableMapping | str | None) -> bool:
    """Whether single years of age are available (else age groups are used)."""
    name = "age"
    if isinstance(mapping, VariableMapping):
        sources = [s for s, std in mapping.columns.items() if std == "age"]
        name = sources[0] if sources else "age"
    elif mapping == "ipums_international":
        name = "AGE"
    if isinstance(census, pd.DataFrame) or type(census).__module__.startswith("dask"):
        return name in census.columns
    if isinstance(census, (str, Path)):
        from migindicators.io.tabular import available_columns

        return name in available_columns(census)
    return True  # iterables: assume single years (the first chunk must then have 'age')


# --------------------------------------------------------------------------------------
# migrant_stock_by_origin
# --------------------------------------------------------------------------------------
@accepts_any_frame
@typed_options("migrant_stock_by_origin")
@_census_parameter_docs
def migrant_stock_by_origin(
    census: Any = None,
    *,
    by: str | Sequence[str] | None = None,
    basis: str = "auto",
    unknown_birthplace: str = "exclude",
    age_width: int = 5,
    age_top: int = 75,
    mapping: VariableMapping | str | None = None,
    ddi: Codebook | str | Path | None = None,
    chunk_rows: int = 1_000_000,
    variance: str = "auto",
    replicate_weights: Sequence[str] | None = None,
    replicate_method: str = "jk1",
    progress: bool | None = None,
    calibration: Any = None,
) -> Result:
    """International migrant stock by country of origin and destination (origin × destination).

    .. math:: M_{o,d} = \\sum_{i:\\ \\text{born in } o,\\ \\text{enumerated in } d} w_i

    ``ref_area`` is the destination (country of enumeration); ``origin`` the country of
    birth (citizenship on basis C). Migrants whose country of birth was not stated
    (``XXX``) form their own origin row ``XXX``, as DESA's residual "other" categories.

    Parameters
    ----------
    {census parameters: census, by, basis, unknown_birthplace, age_width, age_top, mapping, ddi}
    {census parameters: chunk_rows}
    {census parameters: variance, replicate_weights, replicate_method, progress}
    {census parameters: calibration}
        Taylor standard errors from the calibration residuals, as R ``svytotal`` of one
        0/1 migrant-of-origin variable per origin on the calibrated design.

    Returns
    -------
    Result
        ``value`` migrants [person] per (destination, origin, ``by`` cell); extra column
        ``share_of_stock`` (percent of the destination's migrants in the ``by`` cell).

    References
    ----------
    UN DESA, *International Migrant Stock 2020: destination and origin* tables.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("census_demo")
    >>> result = mi.stock.migrant_stock_by_origin(census=data["census"])
    >>> cols = ["ref_area", "time_period", "origin", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period origin   value
         KEN         2009    BDI  334.07
         KEN         2009    ERI  284.57
         KEN         2009    ETH 1183.88
    """
    by_cols = _by_list(by, forbid=("origin", "migratory_status"))
    _check_common(unknown_birthplace, replicate_method)
    keys = [*_BASE, *by_cols]
    estimand = Estimand(domain=(*keys, "origin"), num=_status_mask(MIGRANT))
    totals = _pass(
        census,
        by_cols,
        basis=basis,
        age_width=age_width,
        age_top=age_top,
        mapping=mapping,
        ddi=ddi,
        chunk_rows=chunk_rows,
        variance=variance,
        replicate_weights=replicate_weights,
        progress=progress,
        estimand=estimand,
        origin=True,
        calibration=calibration,
    )
    cells = _status_cells(totals, keys, unknown_birthplace, totals.ledger)
    table = totals.table
    mig = table.loc[table["migratory_status"] == MIGRANT]
    wcols = _weight_columns(totals)
    by_origin = (
        mig.groupby([*keys, "origin"], sort=True, observed=True, dropna=False)[["n", *wcols]]
        .sum()
        .reset_index()
    )
    factors = {}
    for wcol in wcols:
        m, _ = _adjusted(cells, wcol, unknown_birthplace)
        raw = cells[f"M_{wcol}"].to_numpy(dtype="float64")
        f = np.divide(m, raw, out=np.ones(len(m)), where=raw > 0)
        factors[wcol] = cells[keys].assign(**{f"_f_{wcol}": f})
    out = by_origin
    for wcol in wcols:
        out = out.merge(factors[wcol], on=keys, how="left")
        out[f"_v_{wcol}"] = out[wcol] * out[f"_f_{wcol}"]
    out["value"] = out["_v_w"]
    totals_by_cell = out.groupby(keys, sort=False, observed=True)["value"].transform("sum")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share_of_stock"] = np.where(
            totals_by_cell > 0, 100 * out["value"] / totals_by_cell, np.nan
        )
    lonely = None
    if totals.variance == "replicate":
        out["se"] = _replicate_se(lambda w: out[f"_v_{w}"].to_numpy(), totals, replicate_method)
    elif totals.variance == "taylor":
        se, lonely = _taylor_se(totals, out, [*keys, "origin"], None, factor=out["_f_w"].to_numpy())
        out["se"] = se
    out = out.drop(columns=[c for c in out.columns if c.startswith("_") or c in wcols])
    group_cols = [*_BASE, "origin", *by_cols]
    options = _common_options(
        by=by_cols,
        basis=basis,
        unknown_birthplace=unknown_birthplace,
        age_width=age_width,
        age_top=age_top,
        mapping=mapping,
        ddi=ddi,
        chunk_rows=chunk_rows,
        variance=variance,
        replicate_weights=list(replicate_weights or []),
        replicate_method=replicate_method,
        calibration=totals.notes.get("calibration"),
    )
    return _finish(
        "migrant_stock_by_origin",
        out,
        totals,
        totals.ledger,
        group_columns=group_cols,
        options=options,
        inputs=_inputs_record(census),
        lonely=lonely,
        method="sum of weights of migrants per destination x origin",
    )


# --------------------------------------------------------------------------------------
# recent_migrants
# --------------------------------------------------------------------------------------
@accepts_any_frame
@typed_options("recent_migrants")
@_census_parameter_docs
def recent_migrants(
    census: Any = None,
    *,
    by: str | Sequence[str] | None = None,
    within_years: int = 5,
    basis: str = "auto",
    unknown_birthplace: str = "exclude",
    age_width: int = 5,
    age_top: int = 75,
    mapping: VariableMapping | str | None = None,
    ddi: Codebook | str | Path | None = None,
    chunk_rows: int = 1_000_000,
    variance: str = "auto",
    replicate_weights: Sequence[str] | None = None,
    replicate_method: str = "jk1",
    progress: bool | None = None,
    calibration: Any = None,
) -> Result:
    """Recent migrants: international migrants who arrived in the last ``within_years`` years.

    .. math:: M^{recent} = \\sum_{i \\in \\text{migrants}:\\ 0 \\le t - y_i < k} w_i

    where t is the census year, y_i the year of arrival and k = ``within_years``. Migrants
    whose year of arrival is unknown cannot be classified: they are excluded and reported.

    Parameters
    ----------
    census : DataFrame, iterable, path or Dask DataFrame
        Person records with ``year_of_arrival`` (IPUMS ``YRIMM``).
    within_years : int
        k [year]: arrivals in the census year and the k − 1 years before it.
    {census parameters: by, basis, unknown_birthplace, age_width, age_top, mapping, ddi}
    {census parameters: chunk_rows}
    {census parameters: variance, replicate_weights, replicate_method, progress}
    {census parameters: calibration}
        Taylor standard errors from the calibration residuals, as R ``svytotal(~recent)``
        on the calibrated design.

    Returns
    -------
    Result
        ``value`` recent migrants [person]; extra columns ``migrants`` (with known year of
        arrival) and ``share_of_migrants`` [percent].

    References
    ----------
    United Nations (1998). *Recommendations on Statistics of International Migration,
    Rev. 1*, §185–188 (year of arrival); UN DESA, *International Migrant Stock* notes.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("census_demo")
    >>> result = mi.stock.recent_migrants(census=data["census"], by=["sex"])
    >>> cols = ["ref_area", "time_period", "sex", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period sex   value
         KEN         2009   F 1536.43
         KEN         2009   M 1693.66
         KEN         2019   F 1835.73
    """
    by_cols = _by_list(by, forbid=("origin", "migratory_status"))
    _check_common(unknown_birthplace, replicate_method)
    if within_years < 1:
        raise OptionError("within_years must be at least 1")
    keys = [*_BASE, *by_cols]

    def recent(frame: pd.DataFrame) -> np.ndarray:
        t = frame["time_period"].to_numpy(dtype="float64")
        y = frame["year_of_arrival"].to_numpy(dtype="float64")
        with np.errstate(invalid="ignore"):
            return np.asarray((t - y >= 0) & (t - y < within_years))

    estimand = Estimand(domain=tuple(keys), num=recent)
    totals = _pass(
        census,
        by_cols,
        basis=basis,
        age_width=age_width,
        age_top=age_top,
        mapping=mapping,
        ddi=ddi,
        chunk_rows=chunk_rows,
        variance=variance,
        replicate_weights=replicate_weights,
        progress=progress,
        estimand=estimand,
        arrival=True,
        calibration=calibration,
    )
    cells = _status_cells(totals, keys, unknown_birthplace, totals.ledger)
    table = totals.table
    mig = table.loc[table["migratory_status"] == MIGRANT]
    lag = mig["time_period"].astype("float64") - mig["year_of_arrival"].astype("float64")
    unknown_arrival = mig["year_of_arrival"].isna()
    n_unknown = int(mig.loc[unknown_arrival, "n"].sum())
    if n_unknown:
        totals.ledger.record(
            "census",
            "unknown year of arrival",
            n_unknown,
            weighted=float(mig.loc[unknown_arrival, "w"].sum()) if totals.weighted else None,
            detail="migrants that cannot be classified as recent or not",
        )
    wcols = _weight_columns(totals)
    flags = mig.assign(
        _recent=((lag >= 0) & (lag < within_years)).to_numpy(), _known=(~unknown_arrival).to_numpy()
    )
    rec = (
        flags.loc[flags["_recent"]].groupby(keys, observed=True, dropna=False)[["n", *wcols]].sum()
    )
    kno = flags.loc[flags["_known"]].groupby(keys, observed=True, dropna=False)[wcols].sum()
    base = cells[keys].copy()
    for wcol in wcols:
        m, _ = _adjusted(cells, wcol, unknown_birthplace)
        raw = cells[f"M_{wcol}"].to_numpy(dtype="float64")
        base[f"_f_{wcol}"] = np.divide(m, raw, out=np.ones(len(m)), where=raw > 0)
    out = (
        base.merge(rec.add_prefix("_r_").reset_index(), on=keys, how="left")
        .merge(kno.add_prefix("_k_").reset_index(), on=keys, how="left")
        .fillna(
            dict.fromkeys([*[f"_r_{w}" for w in wcols], "_r_n", *[f"_k_{w}" for w in wcols]], 0)
        )
    )
    out["value"] = out["_r_w"] * out["_f_w"]
    out["migrants"] = out["_k_w"] * out["_f_w"]
    out["share_of_migrants"] = migrant_share_values(out["value"], out["migrants"])
    out["n"] = out["_r_n"].astype("int64")
    lonely = None
    if totals.variance == "replicate":
        out["se"] = _replicate_se(
            lambda w: (out[f"_r_{w}"] * out[f"_f_{w}"]).to_numpy(), totals, replicate_method
        )
    elif totals.variance == "taylor":
        se, lonely = _taylor_se(totals, out, keys, None, factor=out["_f_w"].to_numpy())
        out["se"] = se
    out = out.drop(columns=[c for c in out.columns if c.startswith("_")])
    options = _common_options(
        by=by_cols,
        within_years=within_years,
        basis=basis,
        unknown_birthplace=unknown_birthplace,
        age_width=age_width,
        age_top=age_top,
        mapping=mapping,
        ddi=ddi,
        chunk_rows=chunk_rows,
        variance=variance,
        replicate_weights=list(replicate_weights or []),
        replicate_method=replicate_method,
        calibration=totals.notes.get("calibration"),
    )
    return _finish(
        "recent_migrants",
        out,
        totals,
        totals.ledger,
        group_columns=keys,
        options=options,
        inputs=_inputs_record(census),
        lonely=lonely,
        method=f"migrants with 0 <= census year - year of arrival < {within_years}",
    )


# --------------------------------------------------------------------------------------
# migrant_stock_growth_rate
# --------------------------------------------------------------------------------------
@accepts_any_frame
@typed_options("migrant_stock_growth_rate")
@_census_parameter_docs
def migrant_stock_growth_rate(
    census: Any = None,
    stock: pd.DataFrame | None = None,
    *,
    by: str | Sequence[str] | None = None,
    method: str = "exponential",
    missing_period: str = "nan",
    basis: str = "auto",
    unknown_birthplace: str = "exclude",
    age_width: int = 5,
    age_top: int = 75,
    mapping: VariableMapping | str | None = None,
    ddi: Codebook | str | Path | None = None,
    chunk_rows: int = 1_000_000,
    variance: str = "auto",
    replicate_weights: Sequence[str] | None = None,
    replicate_method: str = "jk1",
    progress: bool | None = None,
    calibration: Any = None,
) -> Result:
    """Annual rate of change of the migrant stock between consecutive censuses (dates).

    .. math:: r = 100 \\, \\frac{\\ln(M_{t_2} / M_{t_1})}{t_2 - t_1}

    (``method="exponential"``, DESA Table 5); ``"geometric"`` and ``"linear"`` as options
    (:func:`migindicators.stock.compute.growth_rate_values`). Each row compares a
    ``time_period`` with the previous one of the same area and cell. M = 0 at either end
    gives NaN with the ``zero_denominator`` flag.

    Parameters
    ----------
    census : DataFrame, iterable, path or Dask DataFrame, optional
        Person records of two or more censuses (``time_period`` distinguishes them).
    stock : pandas.DataFrame, optional
        Or a published ``migrant_stock_table`` (e.g. DESA Table 1).
    method : {"exponential", "geometric", "linear"}
        Growth model.
    missing_period : {"nan", "span"}
        For ``stock=`` tables: when an area lacks a date of the table (a ``..`` cell or no
        row) between two it has, the rate ending at the next date is NaN with the flag
        ``missing_input`` and ``start_period`` the missing date (``"nan"``, as DESA prints
        ``..``), or taken over the longer interval (``"span"``). Census input compares
        consecutive censuses of each area.
    {census parameters: by, basis, unknown_birthplace, age_width, age_top, mapping, ddi}
    {census parameters: chunk_rows}
    {census parameters: variance, replicate_weights, replicate_method, progress}
    {census parameters: calibration}
        Census input only: both stocks and their standard errors are those of
        :func:`migrant_stock` with this calibration. Give margins with ``time_period`` so
        that each census has its own totals: margins pooled over the censuses tie their
        calibrated stocks together, a covariance the rate's standard error (which treats
        the censuses as independent samples) leaves out.

    Returns
    -------
    Result
        ``value`` percent per year, at the end date ``time_period``; extra columns
        ``start_period``, ``stock_start``, ``stock_end``. From weighted censuses (independent
        samples) ``se`` is the delta-method error
        :math:`|\\partial r/\\partial \\ln(M_2/M_1)| \\sqrt{V_1/M_1^2 + V_2/M_2^2}`.

    References
    ----------
    UN DESA, *International Migrant Stock 2020*, Table 5; Preston, Heuveline and Guillot
    (2001), §1.5.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("census_demo")
    >>> result = mi.stock.migrant_stock_growth_rate(census=data["census"])
    >>> cols = ["ref_area", "time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period  value
         KEN         2019  2.793
    """
    if method not in GROWTH_METHODS:
        raise OptionError(f"method must be one of {GROWTH_METHODS}, got {method!r}")
    if missing_period not in ("nan", "span"):
        raise OptionError(f"missing_period must be 'nan' or 'span', got {missing_period!r}")
    by_cols = _by_list(by, forbid=("origin", "migratory_status"))
    grid = None
    if census is not None:
        res = migrant_stock(
            census,
            by=by_cols,
            basis=basis,
            unknown_birthplace=unknown_birthplace,
            age_width=age_width,
            age_top=age_top,
            mapping=mapping,
            ddi=ddi,
            chunk_rows=chunk_rows,
            variance=variance,
            replicate_weights=replicate_weights,
            replicate_method=replicate_method,
            progress=progress,
            calibration=calibration,
        )
        levels = res.data.rename(columns={"value": "migrant_stock"})
        ledger = RowLedger()
        ledger.merge(_ledger_of(res))
        inputs = _inputs_record(census)
        type_of_data = res.metadata.get("type_of_data")
        calibrated = res.metadata.get("calibration")
    elif stock is not None:
        _no_calibration_on_tables("migrant_stock_growth_rate", calibration)
        ledger = RowLedger()
        ledger.given("stock", stock)
        if "time_period" not in stock.columns:
            raise MissingColumnError(
                "input 'stock' has no column 'time_period': a growth rate needs the table's "
                f"dates (columns given: {list(stock.columns)})"
            )
        # the table's dates, ".." cells included: a date missing for an area is a gap
        dates = pd.to_numeric(stock["time_period"], errors="coerce").dropna()
        grid = np.sort(np.asarray(pd.unique(dates), dtype="float64"))
        stock = published_rows(stock, ledger, "stock", "migrant_stock")
        levels = MIGRANT_STOCK_TABLE.validate(stock, input_name="stock")
        absent = [c for c in by_cols if c not in levels.columns]
        if absent:
            raise InputValidationError(f"by={by_cols}: stock= has no column(s) {absent}")
        levels = levels.assign(se=np.nan)
        inputs = {"stock": stock}
        type_of_data = None
        calibrated = None
    else:
        raise OptionError("migrant_stock_growth_rate needs census= or stock=")
    keys = ["ref_area", *by_cols]
    levels = levels.sort_values([*keys, "time_period"], kind="stable")
    prev = levels.groupby(keys, sort=False, observed=True, dropna=False)
    out = levels[[*keys, "time_period"]].copy()
    out["start_period"] = prev["time_period"].shift(1)
    out["stock_start"] = prev["migrant_stock"].shift(1)
    out["stock_end"] = levels["migrant_stock"]
    se_start = prev["se"].shift(1).to_numpy(dtype="float64")
    se_end = levels["se"].to_numpy(dtype="float64")
    if "type_of_data" in levels.columns:
        out["type_of_data"] = levels["type_of_data"]
    gap = np.zeros(len(out), dtype=bool)
    if grid is not None and missing_period == "nan" and len(grid):
        # the table date before each row's date; a row whose previous stock is older is a gap
        position = np.searchsorted(grid, out["time_period"].to_numpy(dtype="float64"))
        before = np.where(position > 0, grid[np.maximum(position - 1, 0)], np.nan)
        start = out["start_period"].to_numpy(dtype="float64")
        gap = ~np.isnan(before) & (np.isnan(start) | (start < before))
        out.loc[gap, "start_period"] = before[gap]
        out.loc[gap, "stock_start"] = np.nan
        se_start = np.where(gap, np.nan, se_start)
    first = out["start_period"].isna().to_numpy()
    source = "census" if census is not None else "stock"
    if census is None:
        ledger.exclude("stock", levels, first, "first date of its series (no earlier stock)")
    out = out.loc[~first].reset_index(drop=True)
    se_start, se_end, gap = se_start[~first], se_end[~first], gap[~first]
    years = out["time_period"].to_numpy(dtype="float64") - out["start_period"].to_numpy(
        dtype="float64"
    )
    m1 = out["stock_start"].to_numpy(dtype="float64")
    m2 = out["stock_end"].to_numpy(dtype="float64")
    out["value"] = growth_rate_values(m1, m2, years, method)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.sqrt((se_start / m1) ** 2 + (se_end / m2) ** 2)
        slope = 100.0 / years
        if method == "geometric":
            slope = slope * (m2 / m1) ** (1.0 / years)
        elif method == "linear":
            slope = slope * m2 / m1
        out["se"] = np.where(np.isfinite(out["value"]), np.abs(slope) * rel, np.nan)
    out["ci_lower"] = out["value"] - _Z * out["se"]
    out["ci_upper"] = out["value"] + _Z * out["se"]
    out["start_period"] = out["start_period"].astype("int64")
    out["n"] = 2
    result = make_result(
        "migrant_stock_growth_rate",
        out,
        ledger,
        group_columns=["ref_area", "time_period", *by_cols],
        options={
            "by": by_cols,
            "method": method,
            "missing_period": missing_period,
            "basis": basis,
            "unknown_birthplace": unknown_birthplace,
            "calibration": calibrated,
        },
        inputs=inputs,
        method=f"{method} annual rate of change between consecutive dates",
        extra_metadata={
            "type_of_data": type_of_data,
            "source": source,
            **({"calibration": calibrated} if calibrated else {}),
        },
    )
    gap_rows = _gap_rows(result.data, out, gap)
    flags = add_flag(result.data["flag"], gap_rows, "missing_input")
    flags = add_flag(flags, result.data["value"].isna().to_numpy() & ~gap_rows, "zero_denominator")
    result.data["flag"] = flags.to_numpy()
    return _age_order(_fix_inputs(result, dict(inputs)))


def _gap_rows(data: pd.DataFrame, out: pd.DataFrame, gap: np.ndarray) -> np.ndarray:
    """Rows of *data* (the result, maybe reordered) that are missing-period gaps."""
    if not gap.any():
        return np.zeros(len(data), dtype=bool)
    keys = [c for c in ("ref_area", "time_period", "sex", "age_group") if c in out.columns]
    gaps = pd.MultiIndex.from_frame(out.loc[gap, keys].astype(object))
    return np.asarray(pd.MultiIndex.from_frame(data[keys].astype(object)).isin(gaps), dtype=bool)


def _ledger_of(result: Result) -> RowLedger:
    """Rebuild a ledger from a result's row accounting and exclusions."""
    ledger = RowLedger()
    for name, counts in result.metadata.get("rows", {}).items():
        ledger.given(name, int(counts["given"]))
    for rec in result.exclusions.to_dict("records"):
        raw = rec["weighted"]
        weighted = None if raw is None or raw != raw else float(raw)
        ledger.record(
            str(rec["input"]),
            str(rec["reason"]),
            int(rec["rows"]),
            weighted=weighted,
            detail=str(rec["detail"]),
        )
    return ledger
