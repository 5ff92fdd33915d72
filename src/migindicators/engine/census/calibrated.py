"""The census pass on a calibrated design: weights calibrated on the whole extract first.

A census sample weighted to population totals (for example by sex × age group × region)
needs the sample's margins over *all* its rows before any row's weight is known, so the
calibration is a first pass over the extract and the tabulation a second. In memory (a
pandas frame) this is:

1. the rows of the design: those with a known country of enumeration and a weight (the
   rows R can put in ``svydesign``); rows excluded later from a table for an unknown
   ``by`` value stay in the calibration and in the variance (score 0, as R's ``svyby``);
2. their weights calibrated once
   (:func:`~migindicators.engine.calibration.apply_calibration`: R's ``postStratify``,
   ``rake`` or ``calibrate``), replicate weights recalibrated each to the same totals (R's
   calibrated ``svrepdesign``);
3. the ordinary pass (:func:`~migindicators.engine.census.run.run_census`) on the frame with
   the calibrated weights: the table and the row ledger;
4. for Taylor variance, the linearised scores of the estimand (``w*`` for the rows that add
   to a domain's total) replaced by their calibration residuals, as R's ``svyrecvar`` does
   for ``svytotal`` on a calibrated design; the residuals' household totals then give the
   with-replacement variance by stratum (lonely households add nothing, R's
   ``lonely.psu="certainty"``), as for an uncalibrated pass.

A residual of a domain is not confined to the domain's rows (it spreads over every row of
the calibration cells), so this variance is computed from the rows, not from the PSU
moments of the uncalibrated pass. Files, iterables of chunks and Dask DataFrames take the
two streamed passes of :mod:`.calstream` instead (the same numbers, memory bounded by a
chunk). Totals only (the estimand of :func:`migindicators.stock.migrant_stock`).

References
----------
Deville, J.-C. and Särndal, C.-E. (1992). Calibration estimators in survey sampling. *JASA*
87, 376–382.
Lumley, T. (2010). *Complex Surveys*, Wiley, ch. 7; R ``survey``: ``calibrate``,
``postStratify``, ``rake``, ``svyrecvar``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.ages import age_group_edges, assign_age_groups
from migindicators.core.errors import InputValidationError, OptionError
from migindicators.core.ledger import RowLedger
from migindicators.engine.calibration import CalibrationState, CalibrationStep, apply_calibration
from migindicators.engine.tabulate import group_codes

from .keys import cell_frame, cell_keys, raw_keys, tabulate_cells
from .psu import psu_ids
from .read import source_columns, standardise
from .spec import CensusPass, CensusTotals, W, psu_table, resolve_mapping
from .validate import configure, validate_and_exclude

__all__ = ["calibration_steps", "run_calibrated"]

#: Scores held at once in the residual variance (rows x domains of a block): 256 MB.
_BLOCK_VALUES = 1 << 25
#: The census pass's fixed design, as :class:`~migindicators.engine.survey.Design` fields.
_CENSUS_DESIGN = {"weight": "weight", "strata": "strata", "psu": "household"}


def calibration_steps(calibration: Any) -> tuple[CalibrationStep, ...]:
    """The calibration steps of *calibration*: a calibrated
    :class:`~migindicators.engine.survey.Design` whose design is the census pass's own
    (``weight="weight"``, ``strata="strata"``, ``psu="household"`` or left out), or a
    sequence of :class:`~migindicators.engine.calibration.CalibrationStep`."""
    if calibration is None:
        return ()
    if isinstance(calibration, CalibrationStep):
        return (calibration,)
    steps = getattr(calibration, "calibration", None)
    if steps is not None:
        return _design_steps(calibration, tuple(steps))
    if isinstance(calibration, (list, tuple)) and all(
        isinstance(s, CalibrationStep) for s in calibration
    ):
        return tuple(calibration)
    raise OptionError(
        "calibration= takes a calibrated migindicators.survey.Design (e.g. "
        "mi.survey.post_stratify(mi.survey.Design(weight='weight'), totals)) or a sequence "
        f"of its calibration steps, got {type(calibration).__name__}"
    )


def _design_steps(design: Any, steps: tuple[CalibrationStep, ...]) -> tuple[CalibrationStep, ...]:
    if not steps:
        raise OptionError(
            "calibration=: the Design has no calibration; make one with "
            "mi.survey.post_stratify, mi.survey.rake or mi.survey.calibrate"
        )
    for name, column in _CENSUS_DESIGN.items():
        given = getattr(design, name, None)
        if given not in (None, column):
            raise OptionError(
                f"calibration=: the census pass's design uses the column {column!r} for "
                f"{name}= (households as PSUs within strata), not {given!r}; map your "
                f"column to {column!r} (mapping=) and give {name}={column!r} or leave it out"
            )
    other = [
        name
        for name in ("fpc", "ssu", "fpc2", "strata2", "prob", "pps", "replicate_weights")
        if getattr(design, name, None) is not None
    ]
    if other:
        raise OptionError(
            f"calibration=: the census pass takes only the calibration of the Design; "
            f"{other} are not used by it (replicate weights: replicate_weights= of the "
            "indicator)"
        )
    return steps


def run_calibrated(
    census: Any, spec: CensusPass, run: Callable[[Any, CensusPass], CensusTotals]
) -> CensusTotals:
    """The pass of *spec* over *census* with its weights calibrated by ``spec.calibration``;
    *run* is the ordinary pass (:func:`~migindicators.engine.census.run.run_census`)."""
    if not isinstance(census, pd.DataFrame):
        from .calstream import run_calibrated_streamed

        return run_calibrated_streamed(census, spec)
    mapping = resolve_mapping(spec.mapping)
    steps = spec.calibration
    wanted = [c for step in steps for c in step.columns]
    plain = dataclasses.replace(spec, calibration=(), mapping=None)
    have = list(census.columns)
    extra = [*wanted, *(["age", "age_group"] if "age_group" in wanted else [])]
    cols = source_columns(have, spec, mapping)
    cols += mapping.source_for(extra, have) if mapping is not None else extra
    cols = [c for c in dict.fromkeys(cols) if c in have]
    frame = standardise(census[cols], mapping).reset_index(drop=True)
    for col in wanted:  # calibration columns that are not standard census columns
        if col not in frame.columns and col in census.columns:
            frame[col] = census[col].to_numpy()
    if "weight" not in frame.columns:
        raise InputValidationError(
            "census: calibration= needs a weight column ('weight') to calibrate",
            input_kind="census",
        )
    # 1. The rows of the design: a known country and a weight (the other exclusions, by
    # unknown domain values, leave a row in the design).
    design_spec = dataclasses.replace(
        plain, by=(), origin=False, single_age=False, arrival=False, estimand=None
    )
    design_rows = validate_and_exclude(
        frame, configure(design_spec, list(frame.columns)), RowLedger()
    )
    rows = design_rows.index.to_numpy()
    calib = _calibration_frame(design_rows, wanted, spec)
    w = design_rows["weight"].to_numpy(dtype=np.float64)
    reps = list(spec.replicate_weights)
    rep_in = (
        np.column_stack([design_rows[c].to_numpy(dtype=np.float64) for c in reps]) if reps else None
    )
    # 2. Calibrated once, on the whole extract.
    new_w, new_reps, state = apply_calibration(calib, steps, w, rep_in, label="census")
    weighted = frame.copy()
    weight = weighted["weight"].to_numpy(dtype=np.float64, copy=True)
    weight[rows] = new_w
    weighted["weight"] = weight
    for j, col in enumerate(reps):
        assert new_reps is not None
        values = weighted[col].to_numpy(dtype=np.float64, copy=True)
        values[rows] = new_reps[:, j]
        weighted[col] = values
    # 3. The ordinary pass on the calibrated weights.
    totals = run(weighted, plain)
    totals.notes["calibration"] = [step.describe() for step in steps]
    if totals.variance != "taylor":
        return totals
    # 4. Taylor variance from the calibration residuals of the estimand's scores.
    est = spec.estimand
    if est is None or est.den is not None:
        raise OptionError(
            "calibration=: the Taylor variance of a calibrated census pass is offered for "
            "totals (migrant_stock); use replicate weights or variance='none' for this "
            "indicator"
        )
    totals.calibrated, totals.psus = _residual_variance(weighted, rows, new_w, state, plain)
    return totals


def _calibration_frame(rows: pd.DataFrame, wanted: list[str], spec: CensusPass) -> pd.DataFrame:
    """The calibration variables of the design's rows (``age_group`` derived from ``age``
    as the pass derives it, with ``age_width`` and ``age_top``)."""
    out: dict[str, Any] = {}
    for col in dict.fromkeys(wanted):
        if col == "age_group" and "age" in rows.columns:
            if rows["age"].isna().any():
                n = int(rows["age"].isna().sum())
                raise InputValidationError(
                    f"census: calibration on age_group needs every person's age; {n} row(s) "
                    "have none. Impute or drop them before the pass (R's postStratify and "
                    "calibrate cannot place them either)",
                    input_kind="census",
                )
            edges = age_group_edges(spec.age_width, spec.age_top)
            out[col] = np.asarray(assign_age_groups(rows["age"], edges), dtype=object)
        elif col in rows.columns:
            out[col] = rows[col].to_numpy()
        else:
            raise InputValidationError(
                f"census: the calibration margin needs a column {col!r}; the census has "
                f"{list(rows.columns)} ('age_group' is derived from 'age')",
                input_kind="census",
            )
    return pd.DataFrame(out, index=rows.index)


def _residual_variance(
    frame: pd.DataFrame,
    rows: np.ndarray,
    weights: np.ndarray,
    state: CalibrationState,
    spec: CensusPass,
) -> tuple[tuple[pd.DataFrame, set[tuple[Any, ...]]], pd.DataFrame]:
    """Variance per domain of the estimand's total from the calibration residuals, and the
    domains with rows in a stratum of one household (lonely: it adds nothing); and the
    households counted per stratum of the calibrated design (``n_psu``), whose sum minus the
    strata is the design df -- the PSUs the variance sums over, as R's ``degf`` of the
    calibrated design (rows outside a table, e.g. of unknown sex, stay in the calibration)."""
    assert spec.estimand is not None
    config = configure(spec, list(frame.columns))
    kept = validate_and_exclude(frame, config, RowLedger())
    raw = raw_keys(kept, config)
    cells = tabulate_cells(raw, {W: kept["weight"].to_numpy(np.float64)}, len(kept), rows=True)
    assert cells.row_code is not None and cells.code_cell is not None
    keys, _ = cell_keys(config, raw, cells.digits, cells.counts)
    labelled = cell_frame(keys)
    domain = [d for d in spec.estimand.domain if d in config.keys]
    dom_cell, dom_keys = group_codes(labelled, domain)
    num_cell = np.asarray(spec.estimand.num(labelled), dtype=bool)
    row_cell = cells.code_cell[cells.row_code]
    # Each kept row's position among the design's rows (both in the frame's order).
    pos = np.searchsorted(rows, kept.index.to_numpy())
    ndom = len(dom_keys)
    adds = num_cell[row_cell]
    add_row, add_dom, add_w = pos[adds], dom_cell[row_cell][adds], weights[pos[adds]]
    # Households within strata (ref_area, time_period, strata) of the design's rows.
    design = frame.iloc[rows]
    strata_cols = ["ref_area", "time_period"] + (["strata"] if "strata" in design else [])
    stratum, strata_keys = group_codes(design, strata_cols)
    if "household" in design.columns:
        hh = psu_ids(design["household"].reset_index(drop=True))
        psu, _ = group_codes(pd.DataFrame({"h": stratum, "p": hh}), ["h", "p"])
    else:
        psu = np.arange(len(rows), dtype=np.intp)
    npsu = int(psu.max()) + 1
    psu_stratum = np.zeros(npsu, dtype=np.intp)
    psu_stratum[psu] = stratum
    nstrata = int(stratum.max()) + 1
    n_h = np.bincount(psu_stratum, minlength=nstrata).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(n_h > 1, n_h / (n_h - 1), 0.0)[psu_stratum]
    # The residuals are linear and column by column: domains in blocks bound the memory
    # (rows x block scores) whatever the number of domains.
    block = max(1, _BLOCK_VALUES // max(len(rows), 1))
    variance = np.zeros(ndom)
    for lo in range(0, ndom, block):
        hi = min(ndom, lo + block)
        sel = (add_dom >= lo) & (add_dom < hi)
        x = np.zeros((len(rows), hi - lo))
        x[add_row[sel], add_dom[sel] - lo] = add_w[sel]
        e = state.residuals(x)
        for j in range(hi - lo):
            z = np.bincount(psu, weights=e[:, j], minlength=npsu)
            mean = np.bincount(psu_stratum, weights=z, minlength=nstrata) / n_h
            centred = z - mean[psu_stratum]
            variance[lo + j] = float(np.sum(scale * centred * centred))
    out = dom_keys.assign(var=variance)
    # The labels as the pass's table has them (finish()): text, and integer years.
    for col in domain:
        if col == "time_period":
            out[col] = out[col].astype("int64")
        elif isinstance(out[col].dtype, pd.CategoricalDtype) or col == "ref_area":
            out[col] = out[col].astype(str)
    # A domain with rows in a stratum of one household is flagged (as the streamed pass).
    lonely_rows = (n_h[stratum] == 1)[pos]
    flagged = np.unique(dom_cell[row_cell][lonely_rows])
    lonely = {tuple(r) for r in dom_keys.iloc[flagged][domain].itertuples(index=False)}
    if "strata" not in strata_keys:
        strata_keys = strata_keys.assign(strata=0)
    labels = list(strata_keys[["ref_area", "time_period", "strata"]].itertuples(index=False))
    return (out, lonely), psu_table(labels, n_h)
