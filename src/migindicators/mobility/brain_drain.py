"""Brain drain: the emigration rate of the tertiary-educated (Docquier–Marfouk).

The emigration rate of skill group *s* from origin *o* relates the emigrants of that group
living abroad to the group's whole "native" pool, those abroad plus those at home:

.. math:: m_{o,s} = \\frac{E_{o,s}}{E_{o,s} + N_{o,s}}, \\qquad E_{o,s} = \\sum_d M_{o,d,s}

with :math:`M_{o,d,s}` the stock of people born in *o* living in destination *d* with
educational attainment *s* (a DIOC-like origin × destination table) and :math:`N_{o,s}` the
residents of *o* with attainment *s*. With *s* = tertiary this is the "brain drain" rate of
Docquier and Marfouk (2006), computed by sex in Docquier, Lowell and Marfouk (2009).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from migindicators.core.aggregate import normalise_groupings
from migindicators.core.assemble import make_result
from migindicators.core.errors import MissingColumnError, OptionError
from migindicators.core.flags import add_flag
from migindicators.core.frames import accepts_any_frame
from migindicators.core.ledger import RowLedger
from migindicators.core.ratio import (
    add_aggregates,
    check_by,
    exclude_unknown_countries,
    match_cells,
)
from migindicators.core.registry import typed_options
from migindicators.core.result import Result
from migindicators.schemas.brain_drain import EDUCATION_STOCK, RESIDENTS_BY_EDUCATION

__all__ = ["emigration_rate_values", "tertiary_emigration_rate"]

_ALLOWED_BY = ("sex", "age_group")
_LEVELS = ("low", "medium", "high")
_UNKNOWN_RULES = ("exclude", "allocate")


def emigration_rate_values(
    emigrants: pd.Series | np.ndarray, residents: pd.Series | np.ndarray
) -> np.ndarray:
    """Emigration rate of a skill group, in percent.

    .. math:: m = 100 \\cdot E / (E + N)

    A zero or missing denominator gives NaN (never inf).

    Parameters
    ----------
    emigrants : array-like
        Emigrants of the group living abroad, summed over destinations, :math:`E` [person].
    residents : array-like
        Residents of the origin in the same group, :math:`N` [person].

    Returns
    -------
    numpy.ndarray
        The emigration rate [percent].

    References
    ----------
    Docquier, F. and Marfouk, A. (2006), "International migration by education attainment,
    1990–2000", in Ozden, C. and Schiff, M. (eds), *International Migration, Remittances and
    the Brain Drain*, World Bank and Palgrave Macmillan, 151–199.

    Examples
    --------
    >>> emigration_rate_values(np.array([100.0]), np.array([400.0]))
    array([20.])
    """
    e = np.asarray(emigrants, dtype="float64")
    n = np.asarray(residents, dtype="float64")
    denominator = e + n
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(denominator > 0, 100.0 * e / denominator, np.nan)
    return out


@accepts_any_frame
@typed_options("tertiary_emigration_rate")
def tertiary_emigration_rate(
    emigrants: pd.DataFrame,
    residents: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    level: str = "high",
    unknown_education: str = "exclude",
    aggregate: str | Sequence[str] | None = None,
) -> Result:
    """Emigration rate of the tertiary-educated, by country of origin (Docquier–Marfouk).

    .. math:: m_o = 100 \\cdot E_o / (E_o + N_o), \\qquad E_o = \\sum_{d \\ne o} M_{o,d}

    :math:`M_{o,d}` is the stock of people born in *o*, living in *d*, with tertiary education
    (``education == "high"``, ISCED 5–8); :math:`N_o` the residents of *o* with tertiary
    education. ``level`` computes the same rate for the ``low`` or ``medium`` group, which
    gives the skill selection of emigration when compared with the tertiary rate.

    Educational attainment is often unknown for part of a destination's immigrants. With
    ``unknown_education="exclude"`` (default) those rows are excluded and counted, so
    :math:`E_o` is a lower bound; with ``"allocate"`` each unknown stock is shared among the
    known levels in proportion to the known stocks of the same origin × destination cell (a
    hot-deck-free proportional allocation; rows whose cell has no known level are excluded).
    The same rule applies to residents.

    Aggregates follow the usual rule for rates: :math:`100\\,\\Sigma E / \\Sigma (E + N)` over
    member origins with data, flagged ``incomplete_coverage`` when members lack data.

    Parameters
    ----------
    emigrants : pandas.DataFrame
        Input kind ``emigrant_stock_by_education``: ``origin``, ``destination``,
        ``time_period``, ``education``, ``stock`` [person], optionally ``sex``,
        ``age_group``.
    residents : pandas.DataFrame
        Input kind ``residents_by_education``: ``ref_area`` (the origin), ``time_period``,
        ``education``, ``population`` [person], with the same ``by`` columns.
    by : sequence of str, optional
        Disaggregations: ``sex`` and/or ``age_group`` (present in both inputs).
    level : {"high", "medium", "low"}
        The educational attainment group; ``"high"`` (tertiary) is the brain-drain rate.
    unknown_education : {"exclude", "allocate"}
        What to do with stocks of unknown educational attainment (see above).
    aggregate : str or sequence of str, optional
        Add aggregates: ``"world"``, ``"sdg_region"``, ``"m49_region"``, … or ``"all"``.

    Returns
    -------
    Result
        One row per origin (``ref_area``) × ``time_period`` × ``by`` cell: ``value`` in
        percent, ``n`` the number of emigrant rows used in the cell (under ``"allocate"`` this
        includes the rows of other levels, which set the allocation shares), and columns
        ``emigrants`` (:math:`E_o`), ``residents`` (:math:`N_o`) and ``destinations``.
        Exclusions: unknown origin codes, rows whose destination is the origin itself,
        other education levels, unknown education (under ``"exclude"``), origins without a
        resident row and resident rows without emigrant rows.

    References
    ----------
    Docquier, F. and Marfouk, A. (2006), "International migration by education attainment,
    1990–2000", in Ozden, C. and Schiff, M. (eds), *International Migration, Remittances and
    the Brain Drain*, World Bank and Palgrave Macmillan, 151–199.
    Docquier, F., Lowell, B. L. and Marfouk, A. (2009), "A gendered assessment of highly
    skilled emigration", *Population and Development Review* 35(2), 297–321,
    doi:10.1111/j.1728-4457.2009.00277.x.
    OECD, Database on Immigrants in OECD and non-OECD Countries (DIOC),
    https://www.oecd.org/en/data/datasets/database-on-immigrants-in-oecd-and-non-oecd-countries.html.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("dioc_education_stock_demo")
    >>> result = mi.mobility.tertiary_emigration_rate(
    ...     emigrants=data["emigrants"],
    ...     residents=data["residents"],
    ...     aggregate="world",
    ...     by=["sex"],
    ... )
    >>> cols = ["ref_area", "time_period", "sex", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period sex  value
         001         2010   F  4.313
         001         2010   M  4.676
         001         2015   F  4.478
    """
    by_cols = check_by("tertiary_emigration_rate", by, _ALLOWED_BY)
    if level not in _LEVELS:
        raise OptionError(f"level={level!r}: use one of {list(_LEVELS)}")
    if unknown_education not in _UNKNOWN_RULES:
        raise OptionError(
            f"unknown_education={unknown_education!r}: use one of {list(_UNKNOWN_RULES)}"
        )
    groupings = normalise_groupings(aggregate)
    ledger = RowLedger()
    ledger.given("emigrants", emigrants)
    ledger.given("residents", residents)
    e = EDUCATION_STOCK.validate(emigrants, input_name="emigrants")
    r = RESIDENTS_BY_EDUCATION.validate(residents, input_name="residents")
    for name, frame in (("emigrants", e), ("residents", r)):
        absent = [c for c in by_cols if c not in frame.columns]
        if absent:
            raise MissingColumnError(f"by={by_cols}: input {name!r} has no column(s) {absent}")

    e = exclude_unknown_countries(e, ledger, "emigrants", column="origin")
    e = ledger.exclude(
        "emigrants",
        e,
        e["destination"] == e["origin"],
        "destination equals origin (not an emigrant)",
    )
    r = exclude_unknown_countries(r, ledger, "residents")

    e_cell = ["origin", "destination", "time_period", *by_cols]
    r_cell = ["ref_area", "time_period", *by_cols]
    e = _select_level(ledger, "emigrants", e, e_cell, "stock", level, unknown_education)
    r = _select_level(ledger, "residents", r, r_cell, "population", level, unknown_education)

    keys = ["ref_area", "time_period", *by_cols]
    e = e.rename(columns={"origin": "ref_area", "stock": "emigrants"})
    cells = match_cells(
        e,
        r.rename(columns={"population": "residents"}),
        num_input="emigrants",
        den_input="residents",
        num_values=["emigrants"],
        den_values=["residents"],
        keys=keys,
        den_keys=keys,
        ledger=ledger,
        no_denominator_reason="origin with no resident population row",
        unused_denominator_reason="no emigrant row for this key",
    )
    destinations = (
        e.groupby(keys, dropna=False, sort=False)["destination"]
        .nunique()
        .rename("destinations")
        .reset_index()
    )
    cells = cells.merge(destinations, on=keys, how="left")
    cells = add_aggregates(
        cells,
        values=["emigrants", "residents", "n"],
        keys=keys[1:],
        groupings=groupings,
        valid=(cells["emigrants"] + cells["residents"] > 0).to_numpy(),
    )

    cells["value"] = emigration_rate_values(cells["emigrants"], cells["residents"])
    flags = cells["flag"] if "flag" in cells.columns else pd.Series("", index=cells.index)
    cells["flag"] = add_flag(flags, cells["value"].isna(), "zero_denominator")
    cells["n"] = cells["n"].astype("int64")
    return make_result(
        "tertiary_emigration_rate",
        cells,
        ledger,
        group_columns=keys,
        options={
            "by": by_cols,
            "level": level,
            "unknown_education": unknown_education,
            "aggregate": groupings,
        },
        inputs={"emigrants": emigrants, "residents": residents},
        method="100 * E / (E + N), E summed over destinations; aggregates "
        "100 * sum(E) / sum(E + N)",
    )


def _select_level(
    ledger: RowLedger,
    name: str,
    frame: pd.DataFrame,
    cell: list[str],
    value: str,
    level: str,
    unknown_rule: str,
) -> pd.DataFrame:
    """Keep the rows of *level*; allocate or exclude unknown education; count the rest."""
    unknown = frame["education"] == "unknown"
    if unknown_rule == "exclude":
        frame = ledger.exclude(name, frame, unknown, "education unknown")
        return ledger.exclude(
            name, frame, frame["education"] != level, f"education level other than {level!r}"
        )
    known = frame.loc[~unknown]
    known_total = known.groupby(cell, dropna=False, sort=False)[value].sum()
    level_total = (
        known.loc[known["education"] == level].groupby(cell, dropna=False, sort=False)[value].sum()
    )
    unk = frame.loc[unknown]
    unk_index = unk.set_index(cell).index
    denom = known_total.reindex(unk_index).to_numpy()
    no_known = ~(denom > 0)
    ledger.exclude(
        name, unk, no_known, "education unknown, no known level in the cell to allocate by"
    )
    # Unknown rows of cells with known levels enter as a share of the level; rows of other
    # known levels are used too (they set the allocation shares), so nothing more is excluded.
    with np.errstate(divide="ignore", invalid="ignore"):
        share = level_total.reindex(unk_index).fillna(0.0).to_numpy() / denom
    allocated = unk.loc[~no_known].copy()
    allocated[value] = allocated[value].to_numpy() * share[~no_known]
    allocated["education"] = level
    at_level = known.loc[known["education"] == level]
    others = known.loc[known["education"] != level]
    # Rows of other levels enter only through the shares: keep them with a zero contribution
    # so that the row accounting (given = used + excluded) holds without a spurious reason.
    others = others.copy()
    others[value] = 0.0
    others["education"] = level
    return pd.concat([at_level, allocated, others], ignore_index=True)
