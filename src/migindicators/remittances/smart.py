"""SmaRT, the Smart Remitter Target: the cost of the three cheapest eligible services per
corridor (component 2 of SDG 10.c.1, "no corridor above 5 %").

Eligibility (World Bank, 2016): the service is transparent (exchange rate disclosed), it
delivers within 5 days, and it is accessible to the general public. RPW's public file has
no accessibility column; when the input has none every service is taken as accessible and
the result's metadata says so.

References
----------
World Bank, "Getting SmaRT about remittance price monitoring", June 2016,
https://remittanceprices.worldbank.org/sites/default/files/smart_methodology.pdf.
World Bank, SDG indicator metadata 10.c.1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from migindicators.core.assemble import make_result
from migindicators.core.errors import InputValidationError, OptionError
from migindicators.core.flags import add_flag
from migindicators.core.frames import accepts_any_frame
from migindicators.core.ledger import RowLedger
from migindicators.core.registry import typed_options
from migindicators.core.result import Result
from migindicators.io.rpw import SPEED_DAYS
from migindicators.remittances.costs import (
    TARGETS,
    prepare_prices,
    read_columns,
    sdmx_series_for,
)

__all__ = ["remittance_cost_smart"]

_CORRIDOR = ["sending_area", "receiving_area", "time_period"]
_FEWER = ("mean_available", "undefined")
_ACCESSIBILITY = ("assume_accessible", "require_column")


@accepts_any_frame
@typed_options("remittance_cost_smart")
def remittance_cost_smart(
    prices: pd.DataFrame,
    *,
    level: str = "corridor",
    amount: int = 200,
    fewer_than_three: str = "mean_available",
    max_speed_days: float = 5.0,
    cost_source: str = "source",
    accessibility: str = "assume_accessible",
) -> Result:
    """SmaRT: mean total cost of the three cheapest eligible services per corridor.

    .. math:: \\text{SmaRT}_c = \\frac{1}{3} \\sum_{k=1}^{3} TC_{(k),c}, \\qquad
              \\text{SmaRT}_{world} = \\frac{1}{|C^*|} \\sum_{c \\in C^*} \\text{SmaRT}_c

    with :math:`TC_{(k),c}` the k-th lowest total cost among the eligible services of
    corridor *c* (transparent, speed <= *max_speed_days*, accessible) and :math:`C^*` the
    corridors with a SmaRT value. With one or two eligible services the corridor value is
    their mean (``fewer_than_three="mean_available"``, flagged
    ``fewer_than_three_services``) or undefined (``"undefined"``: NaN with the same flag);
    the 2016 methodology note does not settle this case. A corridor with no eligible
    service gets NaN, flagged ``no_qualifying_service``, and is left out of the world mean.

    Parameters
    ----------
    prices : pandas.DataFrame
        Input kind ``remittance_prices``; ``speed_days`` (or RPW ``speed`` text) is needed,
        ``accessible`` (yes/no) is used when present.
    level : {"corridor", "world"}
        Corridor SmaRT (series SI_RMT_COST_SC) or the simple mean over corridors.
    amount : {200, 500}
        Price point [USD]; SmaRT is defined for USD 200.
    fewer_than_three : {"mean_available", "undefined"}
        Rule for corridors with one or two eligible services.
    max_speed_days : float
        Slowest eligible delivery [day].
    cost_source
        As for :func:`migindicators.remittances.costs.remittance_cost_average`.
    accessibility : {"assume_accessible", "require_column"}
        Without an ``accessible`` column (RPW's public file has none): take every service as
        accessible (library choice; the 2016 note names the criterion but RPW publishes no
        field for it), or refuse the input.

    Returns
    -------
    Result
        ``value`` [percent]; ``n`` = services averaged (corridor) or corridors with a value
        (world); extra columns ``eligible`` (eligible services in the corridor) and, for the
        world, ``corridors_without_smart``. Exclusions by reason, including each
        eligibility rule and "not among the three cheapest".

    References
    ----------
    World Bank, "Getting SmaRT about remittance price monitoring", June 2016,
    https://remittanceprices.worldbank.org/sites/default/files/smart_methodology.pdf.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("rpw_demo")
    >>> result = mi.remittances.remittance_cost_smart(prices=data["prices"], level="corridor")
    >>> cols = ["sending_area", "receiving_area", "time_period", "amount_usd", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    sending_area receiving_area time_period  amount_usd  value
             ARE            IND     2023-Q1       200.0  2.557
             ARE            IND     2023-Q2       200.0  2.447
             ARE            IND     2023-Q3       200.0  2.427
    """
    if level not in ("corridor", "world"):
        raise OptionError(f"level must be 'corridor' or 'world', got {level!r}")
    if fewer_than_three not in _FEWER:
        raise OptionError(
            f"fewer_than_three must be one of {list(_FEWER)}, got {fewer_than_three!r}"
        )
    if accessibility not in _ACCESSIBILITY:
        raise OptionError(
            f"accessibility must be one of {list(_ACCESSIBILITY)}, got {accessibility!r}"
        )
    if accessibility == "require_column" and "accessible" not in prices.columns:
        raise InputValidationError(
            "input 'prices' has no 'accessible' column, and accessibility='require_column': "
            "add an accessible (yes/no) column or pass accessibility='assume_accessible'",
            input_kind="remittance_prices",
        )
    ledger = RowLedger()
    prepared = prepare_prices(
        prices,
        ledger,
        amount=amount,
        cost_source=cost_source,
        drop_non_transparent=False,
        columns=["speed_days", "speed", "accessible"],
    )
    frame = prepared.frame
    all_corridors = frame[_CORRIDOR].astype(object).drop_duplicates()
    speed = _speed_days(frame)
    transparent = frame["transparent"].astype(object)
    accessible_known = "accessible" in frame.columns
    reasons = [
        ("not eligible: exchange rate not disclosed", np.asarray(transparent != "yes", dtype=bool)),
        ("not eligible: speed not recorded", np.isnan(speed)),
        (f"not eligible: slower than {max_speed_days:g} days", speed > max_speed_days),
    ]
    if accessible_known:
        reasons.append(
            (
                "not eligible: not accessible",
                np.asarray(frame["accessible"].astype(object) != "yes", dtype=bool),
            )
        )
    taken = np.zeros(len(frame), dtype=bool)
    for reason, mask in reasons:
        new = np.asarray(mask, dtype=bool) & ~taken
        ledger.record("prices", reason, int(new.sum()))
        taken |= new
    eligible = (
        frame.loc[~taken, [*_CORRIDOR, "cost"]]
        .astype(dict.fromkeys(_CORRIDOR, object))
        .sort_values([*_CORRIDOR, "cost"], kind="stable")
    )
    rank = eligible.groupby(_CORRIDOR, sort=False).cumcount().to_numpy()
    ledger.record("prices", "not among the three cheapest eligible", int((rank >= 3).sum()))
    counts = eligible.groupby(_CORRIDOR, sort=False).size().rename("eligible")
    cheapest = eligible[rank < 3].groupby(_CORRIDOR, sort=False)["cost"].agg(["mean", "size"])
    cells = all_corridors.merge(cheapest.reset_index(), on=_CORRIDOR, how="left").merge(
        counts.reset_index(), on=_CORRIDOR, how="left"
    )
    cells["eligible"] = cells["eligible"].fillna(0).astype("int64")
    cells["n"] = cells["size"].fillna(0).astype("int64")
    few = (cells["eligible"] > 0) & (cells["eligible"] < 3)
    value = cells["mean"].to_numpy(dtype="float64")
    if fewer_than_three == "undefined":
        value = np.where(few, np.nan, value)
    cells["value"] = value
    flags = add_flag(pd.Series("", index=cells.index), few.to_numpy(), "fewer_than_three_services")
    cells["flag"] = add_flag(flags, (cells["eligible"] == 0).to_numpy(), "no_qualifying_service")
    cells = cells.drop(columns=["mean", "size"])
    cells.insert(3, "amount_usd", float(amount))
    group_cols = [*_CORRIDOR, "amount_usd"]
    if level == "world":
        cells, group_cols = _world(cells, amount), ["ref_area", "time_period", "amount_usd"]
    notes = dict(prepared.notes)
    notes["accessibility"] = (
        "column 'accessible' used"
        if accessible_known
        else "no 'accessible' column: every service taken as accessible"
    )
    return make_result(
        "remittance_cost_smart",
        cells,
        ledger,
        group_columns=group_cols,
        options={
            "level": level,
            "amount": amount,
            "fewer_than_three": fewer_than_three,
            "max_speed_days": max_speed_days,
            "cost_source": cost_source,
            "accessibility": accessibility,
        },
        inputs={"prices": read_columns(prices, prepared)},
        method="mean of the 3 lowest total costs among eligible services per corridor; "
        "world = simple mean over corridors with a value",
        extra_metadata={
            "notes": notes,
            "targets": TARGETS,
            "level": level,
            # corridor SmaRT is SI_RMT_COST_SC; the global SmaRT has no SDG series
            "sdmx_series": sdmx_series_for("remittance_cost_smart", level, amount),
        },
    )


def _speed_days(frame: pd.DataFrame) -> np.ndarray:
    """Delivery time upper bound in days: ``speed_days``, else the RPW ``speed`` text."""
    days = (
        frame["speed_days"].to_numpy(dtype="float64")
        if "speed_days" in frame.columns
        else np.full(len(frame), np.nan)
    )
    if "speed" in frame.columns:
        text = frame["speed"].astype("string").str.strip().str.lower()
        from_text = text.map(SPEED_DAYS).astype("float64").to_numpy()
        days = np.where(np.isnan(days), from_text, days)
    return days


def _world(cells: pd.DataFrame, amount: int) -> pd.DataFrame:
    defined = cells["value"].notna()
    out = (
        cells.assign(defined=defined)
        .groupby("time_period", sort=True)
        .agg(total=("value", "sum"), n=("defined", "sum"), corridors=("value", "size"))
        .reset_index()
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = np.where(out["n"] > 0, out["total"] / out["n"], np.nan)
    out["corridors_without_smart"] = (out["corridors"] - out["n"]).astype("int64")
    out["n"] = out["n"].astype("int64")
    out["flag"] = add_flag(
        pd.Series("", index=out.index), out["value"].isna().to_numpy(), "no_qualifying_service"
    )
    out.insert(0, "ref_area", "001")
    out.insert(2, "amount_usd", float(amount))
    return out.drop(columns=["total", "corridors"])
