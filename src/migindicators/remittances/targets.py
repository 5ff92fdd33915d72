"""SDG 10.c.1 targets: the share of remittance corridors above the 5 % corridor target.

Apart from :mod:`migindicators.remittances.costs` because it compares either measure, the simple
average or SmaRT (:mod:`migindicators.remittances.smart`), with the targets, and SmaRT itself
builds on the cost preparation of ``costs``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from migindicators.core.assemble import make_result
from migindicators.core.errors import OptionError
from migindicators.core.frames import accepts_any_frame
from migindicators.core.ledger import RowLedger
from migindicators.core.registry import typed_options
from migindicators.core.result import Result
from migindicators.remittances.costs import (
    _check_by,
    remittance_cost_average,
)
from migindicators.remittances.smart import remittance_cost_smart

__all__ = ["remittance_corridors_above_target"]


@accepts_any_frame
@typed_options("remittance_corridors_above_target")
def remittance_corridors_above_target(
    prices: pd.DataFrame,
    *,
    by: Sequence[str] | str | None = None,
    measure: str = "average",
    amount: int = 200,
    corridor_target: float = 5.0,
    global_target: float = 3.0,
    fewer_than_three: str = "mean_available",
    max_speed_days: float = 5.0,
    cost_source: str = "source",
) -> Result:
    """Share of corridors whose cost exceeds the SDG 10.c corridor target, and the gap of
    the global average to the global target.

    .. math:: S = 100 \\, |\\{c : TC_c > T_c\\}| / |\\{c : TC_c \\text{ defined}\\}|,
              \\quad G = \\overline{TC}_{world} - T_g

    with :math:`TC_c` the corridor average (``measure="average"``) or corridor SmaRT
    (``measure="smart"``, the official measure of the "no corridor above 5 %" component),
    :math:`T_c` = 5 % and :math:`T_g` = 3 % by default.

    Parameters
    ----------
    prices : pandas.DataFrame
        Input kind ``remittance_prices``.
    by : str or sequence of str, optional
        Breakdowns (any of :data:`~migindicators.remittances.costs.BREAKDOWNS`; only with
        ``measure="average"``).
    measure : {"average", "smart"}
        Corridor measure compared with the corridor target.
    amount : {200, 500}
        Price point [USD].
    corridor_target, global_target : float
        Thresholds [percent]; "above" means strictly greater.
    fewer_than_three, max_speed_days
        SmaRT options (see :func:`migindicators.remittances.smart.remittance_cost_smart`).
    cost_source
        As for :func:`remittance_cost_average`.

    Returns
    -------
    Result
        One row per quarter (and breakdown): ``value`` = share of corridors above target
        [percent]; ``n`` = corridors with a value; extra columns ``corridors_above``,
        ``corridor_target``, ``global_average`` (simple mean over all services),
        ``global_target`` and ``gap_to_global_target`` (percentage points; > 0 means above
        the target).

    References
    ----------
    World Bank, SDG indicator metadata 10.c.1 (target 10.c: "reduce to less than 3 per cent
    the transaction costs of migrant remittances and eliminate remittance corridors with
    costs higher than 5 per cent").

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("rpw_demo")
    >>> result = mi.remittances.remittance_corridors_above_target(
    ...     prices=data["prices"],
    ...     measure="average",
    ... )
    >>> cols = ["time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    time_period  value
        2023-Q1 75.000
        2023-Q2 58.333
        2023-Q3 66.667
    """
    if measure not in ("average", "smart"):
        raise OptionError(f"measure must be 'average' or 'smart', got {measure!r}")
    by_cols = _check_by(by)
    if measure == "smart" and by_cols:
        raise OptionError(
            "by= is only available with measure='average' (SmaRT is defined "
            "per corridor over all eligible services)"
        )
    if measure == "average":
        corridor_res = remittance_cost_average(
            prices,
            by=by_cols,
            level="corridor",
            amount=amount,
            cost_source=cost_source,
        )
    else:
        corridor_res = remittance_cost_smart(
            prices,
            level="corridor",
            amount=amount,
            fewer_than_three=fewer_than_three,
            max_speed_days=max_speed_days,
            cost_source=cost_source,
        )
    world = remittance_cost_average(
        prices,
        by=by_cols,
        level="world",
        amount=amount,
        cost_source=cost_source,
    )
    keys = ["time_period", *by_cols]
    corr = corridor_res.data
    defined = corr[corr["value"].notna()].assign(above=lambda d: d["value"] > corridor_target)
    cells = (
        defined.groupby(keys, dropna=False, sort=False)
        .agg(n=("value", "size"), corridors_above=("above", "sum"))
        .reset_index()
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        cells["value"] = np.where(
            cells["n"] > 0, 100.0 * cells["corridors_above"] / cells["n"], np.nan
        )
    glob = world.data[[*keys, "value"]].rename(columns={"value": "global_average"})
    cells = cells.merge(glob, on=keys, how="left")
    cells["corridor_target"] = corridor_target
    cells["global_target"] = global_target
    cells["gap_to_global_target"] = cells["global_average"] - global_target
    cells["corridors_above"] = cells["corridors_above"].astype("int64")
    cells["n"] = cells["n"].astype("int64")
    # Rows used = rows entering the global average (a superset of those entering the corridor
    # measure, whose own exclusions, e.g. SmaRT eligibility, are in the metadata).
    ledger = RowLedger()
    ledger.given("prices", prices)
    for rec in world.exclusions.itertuples(index=False):
        ledger.record(str(rec.input), str(rec.reason), int(str(rec.rows)), detail=str(rec.detail))
    return make_result(
        "remittance_corridors_above_target",
        cells,
        ledger,
        group_columns=keys,
        options={
            "by": by_cols,
            "measure": measure,
            "amount": amount,
            "corridor_target": corridor_target,
            "global_target": global_target,
            "fewer_than_three": fewer_than_three,
            "max_speed_days": max_speed_days,
            "cost_source": cost_source,
        },
        inputs={
            "prices": prices[
                [c for c in world.metadata["notes"]["columns_read"] if c in prices.columns]
            ]
        },
        method=f"share of corridors with {measure} > {corridor_target} %; global average "
        f"minus {global_target} %",
        extra_metadata={
            "targets": {"global_average": global_target, "corridor": corridor_target},
            "corridor_exclusions": corridor_res.exclusions.to_dict("records"),
        },
    )
