"""Remittance costs, SDG 10.c.1: per-service total cost, simple and weighted averages,
corridors above target, and change over time.

All indicators here read input kind ``remittance_prices`` (World Bank RPW layout, see
:func:`migindicators.io.read_rpw`). The shared steps — validate the columns used, keep one
amount (USD 200 or 500), take each service's total cost (the source's figure, or the one
recomputed from fee and rates), drop non-transparent services — are done once by
:func:`prepare_prices`, which accounts for every row it leaves out.

Averages follow the World Bank's rule: a simple (unweighted) mean of total cost over the
individual services in the cell, whatever the level (corridor, sending or receiving country,
region, world). They are computed from additive totals (sum of costs and count of services
per corridor), so every level is exact and the same on any partition of the input.

References
----------
World Bank, SDG indicator metadata 10.c.1,
https://unstats.un.org/sdgs/metadata/files/Metadata-10-0c-01.pdf.
World Bank, Remittance Prices Worldwide, methodology, https://remittanceprices.worldbank.org.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from migindicators.core.assemble import make_result
from migindicators.core.countries import (
    count_members,
    counted_member,
    is_country,
    members,
)
from migindicators.core.errors import InputValidationError, MissingColumnError, OptionError
from migindicators.core.flags import add_flag
from migindicators.core.frames import accepts_any_frame
from migindicators.core.ledger import RowLedger
from migindicators.core.registry import typed_options
from migindicators.core.result import Result
from migindicators.core.units import is_currency
from migindicators.remittances.compute import fee_percent, fx_margin_percent, total_cost_money
from migindicators.schemas.remittance_prices import (
    REMITTANCE_FLOWS,
    REMITTANCE_PRICES,
    validate_columns,
)

__all__ = [
    "BREAKDOWNS",
    "LEVELS",
    "PreparedPrices",
    "prepare_prices",
    "read_columns",
    "remittance_cost_average",
    "remittance_cost_change",
    "remittance_cost_weighted_average",
    "remittance_total_cost",
    "tabulate_costs",
]

#: Aggregation levels of the averages.
LEVELS = ("corridor", "sending", "receiving", "region", "world")
#: Region groupings: M49 / SDG regions from :mod:`migindicators.core.countries`, and the World
#: Bank region and income group carried by RPW rows (``*_wb_region``, ``*_income``).
REGION_GROUPINGS = (
    "sdg_region",
    "m49_region",
    "m49_sub_region",
    "m49_intermediate_region",
    "wb_region",
    "income_group",
)
#: Breakdowns (``by=``) of the averages.
BREAKDOWNS = (
    "firm_type",
    "payment_instrument",
    "pickup_method",
    "speed",
    "access_point",
    "receiving_network_coverage",
    "mobile_money",
    "firm",
    "product",
)
_CORRIDOR = ("sending_area", "receiving_area")
_COMPONENTS = ("fee_lcu", "amount_lcu", "fx_rate", "interbank_rate")
_WORLD = "001"
_COSTS_AND_CURRENCIES = (
    "total_cost",
    "fx_margin",
    "fee_lcu",
    "amount_lcu",
    "fx_rate",
    "interbank_rate",
    "send_currency",
    "fee_currency",
    "amount_usd",
)
#: Columns every remittance indicator reads when present.
_COLUMNS_USED = (
    "time_period",
    "sending_area",
    "receiving_area",
    "amount_usd",
    "transparent",
    "total_cost",
)
#: Columns read only to recompute or audit costs.
_RECOMPUTE_COLUMNS = (
    "fx_margin",
    "fee_lcu",
    "amount_lcu",
    "fx_rate",
    "interbank_rate",
    "send_currency",
    "fee_currency",
)


@dataclass
class PreparedPrices:
    """Price rows ready for averaging, with what was done to them.

    Attributes
    ----------
    data : pandas.DataFrame
        Every validated row (the columns read), excluded rows included, so that large
        inputs are never copied row-wise.
    cost : numpy.ndarray
        Total cost of each row of *data* [percent of amount sent].
    kept : numpy.ndarray
        True for rows that enter the computation.
    notes : dict
        Counts for the result metadata (cost taken from the source or recomputed, source
        disagreements, negative margins, columns read).
    """

    data: pd.DataFrame
    cost: npt.NDArray[np.float64]
    kept: npt.NDArray[np.bool_]
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def frame(self) -> pd.DataFrame:
        """The kept rows, with a float column ``cost``."""
        out = self.data.assign(cost=self.cost)
        return out if self.kept.all() else out.loc[self.kept]


def _exclude(
    ledger: RowLedger, reasons: list[tuple[str, npt.NDArray[np.bool_], str]]
) -> npt.NDArray[np.bool_]:
    """Record rows under the first reason that matches them; return the excluded mask."""
    taken: npt.NDArray[np.bool_] | None = None
    for reason, mask, detail in reasons:
        new = mask if taken is None else mask & ~taken
        ledger.record("prices", reason, int(new.sum()), detail=detail)
        taken = new if taken is None else taken | new
    return np.zeros(0, dtype=bool) if taken is None else taken


def _column(
    frame: pd.DataFrame, name: str, default: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    return frame[name].to_numpy(dtype="float64") if name in frame.columns else default


def _text_eq(series: pd.Series, value: str) -> npt.NDArray[np.bool_]:
    return np.asarray((series == value).fillna(False), dtype=bool)


def _component_costs(frame: pd.DataFrame) -> dict[str, npt.NDArray[np.float64]]:
    if not all(c in frame.columns for c in _COMPONENTS):
        nan = np.full(len(frame), np.nan)
        return {"fee_percent": nan, "margin": nan, "total": nan}
    fee = fee_percent(frame["fee_lcu"], frame["amount_lcu"])
    margin = fx_margin_percent(frame["interbank_rate"], frame["fx_rate"])
    return {"fee_percent": fee, "margin": margin, "total": fee + margin}


def prepare_prices(
    prices: pd.DataFrame,
    ledger: RowLedger,
    *,
    amount: int | None,
    cost_source: str,
    tolerance: float | None = None,
    columns: Sequence[str] = (),
    drop_non_transparent: bool = True,
    keep_components: bool = False,
) -> PreparedPrices:
    """Validate the price columns used, select the amount, and attach each service's cost.

    The fee, rate and currency columns are read only when they are needed: to recompute
    costs (``cost_source="recomputed"``, no ``total_cost`` column, or gaps in it), or to
    audit the source (*tolerance* given). Averages of RPW data therefore read the six
    columns the published figures depend on, plus the breakdowns.

    Parameters
    ----------
    prices : pandas.DataFrame
        Input kind ``remittance_prices``.
    ledger : RowLedger
        Receives ``given`` and every exclusion, under input name ``prices``.
    amount : {200, 500} or None
        Keep rows with this ``amount_usd`` (the others are excluded as another price
        point); ``None`` keeps all.
    cost_source : {"source", "recomputed"}
        Which total cost to use when both exist; the other is the fallback.
    tolerance : float, optional
        Audit the source: count services whose source and recomputed total cost differ by
        more than this [percentage points].
    columns : sequence of str
        Extra columns the caller reads (breakdowns, eligibility).
    drop_non_transparent : bool
        Exclude services that do not disclose the exchange rate (RPW rule for averages).
    keep_components : bool
        Keep the cost and currency columns in the returned frame (per-service output).
    """
    if cost_source not in ("source", "recomputed"):
        raise OptionError(f"cost_source must be 'source' or 'recomputed', got {cost_source!r}")
    if tolerance is not None and not tolerance >= 0:
        raise OptionError(f"tolerance must be >= 0 percentage points, got {tolerance!r}")
    ledger.given("prices", prices)
    present = set(prices.columns) if isinstance(prices, pd.DataFrame) else set()
    has_components = all(c in present for c in _COMPONENTS)
    if isinstance(prices, pd.DataFrame) and "total_cost" not in present and not has_components:
        raise InputValidationError(
            "input 'prices' (remittance_prices): no cost column. Give 'total_cost' (percent "
            f"of amount sent) or all of {list(_COMPONENTS)} to recompute it; the frame has "
            f"{sorted(present)[:20]}",
            input_kind="remittance_prices",
        )
    wanted = [c for c in (*_COLUMNS_USED, *columns) if c in present]
    frame = validate_columns(REMITTANCE_PRICES, prices, wanted, input_name="prices")
    recompute = cost_source == "recomputed" or tolerance is not None or keep_components
    if "total_cost" not in frame.columns:
        recompute = True
    elif not recompute and has_components:
        # a NaN anywhere makes the sum NaN: then fill the gaps from fee and rates
        recompute = bool(np.isnan(np.add.reduce(frame["total_cost"].to_numpy(dtype="float64"))))
    if recompute:
        wanted += [c for c in _RECOMPUTE_COLUMNS if c in present and c not in wanted]
        frame = validate_columns(REMITTANCE_PRICES, prices, wanted, input_name="prices")

    reasons: list[tuple[str, npt.NDArray[np.bool_], str]] = []
    if amount is not None:
        other = np.asarray(frame["amount_usd"].to_numpy() != float(amount), dtype=bool)
        reasons.append(
            (
                f"other price point (not USD {amount})",
                other,
                "RPW surveys USD 200 and USD 500; the option amount selects one",
            )
        )
    if drop_non_transparent:
        transparent = frame["transparent"]
        reasons.append(
            (
                "exchange rate not disclosed (transparent = no)",
                _text_eq(transparent, "no"),
                "RPW excludes non-transparent services from averages",
            )
        )
        reasons.append(
            ("transparency not recorded", np.asarray(transparent.isna(), dtype=bool), "")
        )

    # Costs are computed on every row (array arithmetic) so that the frame is filtered once,
    # whatever the number of exclusion reasons.
    nan = np.full(len(frame), np.nan)
    parts = (
        _component_costs(frame) if recompute else {"fee_percent": nan, "margin": nan, "total": nan}
    )
    source_total = _column(frame, "total_cost", nan)
    primary, fallback = (
        (source_total, parts["total"])
        if cost_source == "source"
        else (parts["total"], source_total)
    )
    cost = np.where(np.isnan(primary), fallback, primary)
    uses_fee = keep_components | ~np.isnan(parts["total"]) & (
        np.isnan(source_total) | (cost_source == "recomputed")
    )
    for reason, mask, detail in _currency_reasons(frame):
        reasons.append((reason, mask & uses_fee, detail))
    reasons.append(
        (
            "total cost not available",
            np.isnan(cost),
            "no total_cost and no complete fee/amount/rates to recompute it",
        )
    )
    kept = ~_exclude(ledger, reasons)
    notes: dict[str, Any] = {
        "cost_source": cost_source,
        "services_cost_from_fallback": int((kept & np.isnan(primary) & ~np.isnan(fallback)).sum()),
        "columns_read": list(frame.columns),
    }
    if recompute:
        with np.errstate(invalid="ignore"):
            margin = _column(frame, "fx_margin", parts["margin"])
            negative = np.where(np.isnan(margin), parts["margin"], margin) < 0
        notes["services_negative_margin"] = int((kept & negative).sum())
    if tolerance is not None:
        with np.errstate(invalid="ignore"):
            disagree = np.abs(source_total - parts["total"]) > tolerance
        notes["services_source_disagreement"] = int((kept & disagree).sum())
        notes["tolerance_percentage_points"] = tolerance
    if not keep_components:  # averages need keys and cost only
        frame = frame.drop(columns=[c for c in _COSTS_AND_CURRENCIES if c in frame.columns])
    return PreparedPrices(data=frame, cost=cost, kept=kept, notes=notes)


def _currency_reasons(frame: pd.DataFrame) -> list[tuple[str, npt.NDArray[np.bool_], str]]:
    """Rows whose fee and amount are in different or unknown currencies (checked on the
    distinct codes with :func:`migindicators.core.units.is_currency`)."""
    out: list[tuple[str, npt.NDArray[np.bool_], str]] = []
    if "send_currency" in frame.columns:
        codes = frame["send_currency"]
        bad_codes = sorted(str(c) for c in pd.unique(codes.dropna()) if not is_currency(str(c)))
        if bad_codes:
            out.append(
                (
                    "unknown currency code",
                    np.asarray(codes.isin(bad_codes), dtype=bool),
                    ", ".join(bad_codes[:10]),
                )
            )
    if "fee_currency" in frame.columns and "send_currency" in frame.columns:
        fee_cur = frame["fee_currency"].astype(object)
        send_cur = frame["send_currency"].astype(object)
        differ = np.asarray(fee_cur.notna() & (fee_cur != send_cur), dtype=bool)
        pairs = sorted({f"{a}/{b}" for a, b in zip(fee_cur[differ], send_cur[differ], strict=True)})
        out.append(
            (
                "fee currency differs from amount currency",
                differ,
                "fee/amount: " + ", ".join(pairs[:10]) + "; convert with dated rates first",
            )
        )
    return out


def _codes(series: pd.Series) -> tuple[npt.NDArray[np.integer[Any]], np.ndarray]:
    """Integer codes (missing = -1, kept in their small dtype) and the labels, missing first.

    Code ``c`` stands for ``labels[c + 1]``; ``labels[0]`` is ``None``.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        labels = series.cat.categories.to_numpy(dtype=object)
    else:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        labels = np.asarray(uniques, dtype=object)
    return codes, np.concatenate([np.array([None], dtype=object), labels])


def tabulate_costs(
    frame: pd.DataFrame,
    keys: Sequence[str],
    value: str | npt.NDArray[np.float64] = "cost",
    *,
    mask: npt.NDArray[np.bool_] | None = None,
) -> pd.DataFrame:
    """Sum and count of *value* by *keys* (the additive totals behind every average).

    Groups are formed on integer codes combined in place and summed with
    :func:`numpy.bincount`; missing key values form their own group (RPW "not
    classified"). Rows where *mask* is false go to a discarded bin, so a large input is
    never filtered or copied row-wise. The result has the *keys*, ``sum`` and ``n`` (rows),
    one row per non-empty group, in no particular order.
    """
    values = frame[value].to_numpy(dtype="float64") if isinstance(value, str) else value
    if not keys:
        kept = values if mask is None else values[mask]
        return pd.DataFrame({"sum": [kept.sum()], "n": [len(kept)]})
    codes_and_labels = [_codes(frame[k]) for k in keys]
    sizes = [len(labels) for _, labels in codes_and_labels]
    if float(np.prod(np.asarray(sizes, dtype=float))) >= 2**62:
        raise OptionError(
            f"too many combinations of {list(keys)} to tabulate; use fewer breakdowns"
        )
    flat = codes_and_labels[0][0].astype(np.int64)
    flat += 1
    for (codes, _), size in zip(codes_and_labels[1:], sizes[1:], strict=True):
        flat *= size
        flat += codes
        flat += 1
    combinations = int(np.prod(np.asarray(sizes, dtype=np.int64)))
    dense = combinations <= max(2**20, 2 * len(flat))
    if dense:  # few combinations: count straight into a dense table, no hashing
        index, groups, uniq_codes = flat, combinations, None
    else:
        index, uniq_codes = pd.factorize(flat)
        groups = len(uniq_codes)
    if mask is not None:
        index[~mask] = groups  # one extra bin collects the excluded rows (and their NaNs)
    sums = np.bincount(index, weights=values, minlength=groups + 1)[:groups]
    counts = np.bincount(index, minlength=groups + 1)[:groups]
    present = np.flatnonzero(counts)
    group_codes = present if uniq_codes is None else np.asarray(uniq_codes, np.int64)[present]
    parts = np.unravel_index(group_codes, sizes)
    out = pd.DataFrame(
        {
            k: labels[part]
            for k, (_, labels), part in zip(keys, codes_and_labels, parts, strict=True)
        }
    )
    out["sum"] = sums[present]
    out["n"] = counts[present].astype(np.int64)
    return out


def _mobile_money(frame: pd.DataFrame) -> pd.Series:
    """``yes`` where the provider type or an instrument mentions mobile money/wallet/phone."""
    hit = np.zeros(len(frame), dtype=bool)
    for col in ("firm_type", "payment_instrument", "pickup_method", "product"):
        if col in frame.columns:
            text = frame[col].astype("string").str.lower()
            hit |= np.asarray(text.str.contains("mobile", regex=False).fillna(False), dtype=bool)
    return pd.Series(np.where(hit, "yes", "no"), index=frame.index, dtype="category")


def _check_by(by: Sequence[str] | str | None) -> list[str]:
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    bad = [c for c in by_cols if c not in BREAKDOWNS]
    if bad:
        raise OptionError(
            f"remittance costs cannot be broken down by {bad}; allowed: {list(BREAKDOWNS)}"
        )
    return by_cols


def _with_breakdowns(frame: pd.DataFrame, by_cols: list[str]) -> pd.DataFrame:
    if "mobile_money" in by_cols and "mobile_money" not in frame.columns:
        frame = frame.assign(mobile_money=_mobile_money(frame))
    absent = [c for c in by_cols if c not in frame.columns]
    if absent:
        raise MissingColumnError(f"by={by_cols}: input 'prices' has no column(s) {absent}")
    return frame


def _level_table(
    corridors: pd.DataFrame,
    ledger: RowLedger,
    *,
    level: str,
    grouping: str,
    side: str,
    keys: list[str],
    input_name: str = "prices",
    prices: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Map corridor-level totals to the level's area column; returns (table, area columns).

    Corridor rows whose country has no area at the chosen region grouping are excluded (the
    ledger records their services).
    """
    table = corridors
    if level == "corridor":
        return table, list(_CORRIDOR)
    if level in ("sending", "receiving"):
        # As at level="region": a code that is no country is excluded and counted, never
        # published as a country cell.
        column = f"{level}_area"
        unknown = ~np.asarray(is_country(table[column].astype(str)), dtype=bool)
        if unknown.any():
            codes = sorted(map(str, table.loc[unknown, column].unique()))[:10]
            ledger.record(
                input_name,
                f"unknown {level} country code",
                int(table.loc[unknown, "n"].sum()),
                detail=", ".join(codes),
            )
            table = table.loc[~unknown]
        return table, [column]
    if level == "world":
        return table.assign(ref_area=_WORLD), ["ref_area"]
    country = f"{side}_area"
    if grouping in ("wb_region", "income_group"):
        column = f"{side}_{'wb_region' if grouping == 'wb_region' else 'income'}"
        if column not in table.columns:
            raise MissingColumnError(
                f"grouping={grouping!r} needs column {column!r} in 'prices' (read_rpw provides it)"
            )
        area = table[column]
    else:
        membership = members(grouping)
        area = table[country].map(dict(zip(membership["iso3"], membership["area"], strict=True)))
    outside = np.asarray(area.isna(), dtype=bool)
    if outside.any():
        codes = sorted(map(str, table.loc[outside, country].unique()))[:10]
        ledger.record(
            input_name,
            f"{side} country in no {grouping} area",
            int(table.loc[outside, "n"].sum()),
            detail=", ".join(codes),
        )
    table = table.loc[~outside].assign(ref_area=area[~outside].astype(str).to_numpy())
    return table, ["ref_area"]


def _validate_level(level: str, grouping: str, side: str) -> None:
    if level not in LEVELS:
        raise OptionError(f"level must be one of {list(LEVELS)}, got {level!r}")
    if grouping not in REGION_GROUPINGS:
        raise OptionError(f"grouping must be one of {list(REGION_GROUPINGS)}, got {grouping!r}")
    if side not in ("receiving", "sending"):
        raise OptionError(f"side must be 'receiving' or 'sending', got {side!r}")


#: World Bank region and income-group columns of RPW rows (used by ``level="region"``).
_WB_GROUP_COLUMNS = (
    "sending_wb_region",
    "receiving_wb_region",
    "sending_income",
    "receiving_income",
)


def _corridor_totals(prepared: PreparedPrices, by_cols: list[str]) -> pd.DataFrame:
    """Sum and count of costs per corridor, quarter and breakdown, over the kept rows."""
    frame = _with_breakdowns(prepared.data, by_cols)
    # Region and income columns depend on the corridor only, so as extra keys they carry
    # through without changing the groups.
    region_cols = [c for c in _WB_GROUP_COLUMNS if c in frame.columns]
    keys = [*_CORRIDOR, *region_cols, "time_period", *by_cols]
    return tabulate_costs(frame, keys, prepared.cost, mask=prepared.kept)


def read_columns(prices: pd.DataFrame, prepared: PreparedPrices) -> pd.DataFrame:
    """The caller's columns this indicator read: what the provenance fingerprint covers."""
    read = [c for c in prepared.notes["columns_read"] if c in prices.columns]
    return prices[read]


#: Periods of the averages: RPW quarters, or WDI's annual series (third quarter).
PERIODS = ("quarter", "year_q3")


def _third_quarter_years(prepared: PreparedPrices, ledger: RowLedger) -> PreparedPrices:
    """Keep the third-quarter services and label them by year (WDI's annual series)."""
    quarter = prepared.data["time_period"].astype("string")
    parts = quarter.str.extract(r"^(\d{4})-?Q([1-4])$")
    unreadable = np.asarray(parts[0].isna(), dtype=bool) & prepared.kept
    if unreadable.any():
        raise InputValidationError(
            "period='year_q3' needs quarterly time_period values like '2011-Q3'; got "
            f"{sorted(map(str, quarter[unreadable].unique()))[:5]}",
            input_kind="remittance_prices",
        )
    other = prepared.kept & np.asarray(parts[1] != "3", dtype=bool)
    ledger.record(
        "prices",
        "not a third-quarter service (period = year_q3: WDI's annual series is the Q3 mean)",
        int(other.sum()),
    )
    data = prepared.data.assign(time_period=parts[0].to_numpy(dtype=object))
    notes = {**prepared.notes, "period": "year = third quarter (WDI SI.RMT.COST.IB/OB.ZS)"}
    return PreparedPrices(data=data, cost=prepared.cost, kept=prepared.kept & ~other, notes=notes)


@accepts_any_frame
@typed_options("remittance_cost_average")
def remittance_cost_average(
    prices: pd.DataFrame,
    *,
    by: Sequence[str] | str | None = None,
    level: str = "corridor",
    amount: int = 200,
    grouping: str = "sdg_region",
    side: str = "receiving",
    cost_source: str = "source",
    period: str = "quarter",
) -> Result:
    """Average total cost of sending remittances, % of the amount sent (SDG 10.c.1).

    .. math:: \\overline{TC}_g = \\frac{1}{n_g} \\sum_{s \\in g} TC_s

    a simple (unweighted) mean over the transparent services *s* in cell *g*, for every
    level: corridor (series SI_RMT_COST_BC), sending or receiving country, region and world
    (series SI_RMT_COST, the "below 3 %" test). Services that do not disclose the exchange
    rate are excluded and counted; regions average the individual services of their member
    countries with data.

    Parameters
    ----------
    prices : pandas.DataFrame
        Input kind ``remittance_prices`` (e.g. from :func:`migindicators.io.read_rpw`).
    by : str or sequence of str, optional
        Breakdowns: any of :data:`BREAKDOWNS` (``mobile_money`` is derived when absent).
    level : {"corridor", "sending", "receiving", "region", "world"}
        Aggregation level.
    amount : {200, 500}
        Price point, USD 200 (the SDG indicator) or USD 500 [USD].
    grouping : str
        For ``level="region"``: ``sdg_region`` (default), ``m49_region``,
        ``m49_sub_region``, ``m49_intermediate_region``, or the World Bank ``wb_region`` /
        ``income_group`` carried by RPW rows.
    side : {"receiving", "sending"}
        Whose country places a service in a region (RPW regional averages use receiving).
    cost_source : {"source", "recomputed"}
        Use the source's total cost (default; RPW computes margins from unrounded rates) or
        the one recomputed from fee and rates; the other fills gaps. Fee, rates and
        currencies are read only when recomputing (audit the source's totals with
        :func:`remittance_total_cost`).
    period : {"quarter", "year_q3"}
        ``"quarter"``: one value per RPW quarter (default). ``"year_q3"``: the annual
        series WDI publishes (SI.RMT.COST.OB.ZS for ``level="sending"``,
        SI.RMT.COST.IB.ZS for ``level="receiving"``): the mean over the services of the
        year's **third quarter**, each cost recomputed unrounded from fee and rates
        (``cost_source`` is then ``"recomputed"``, the source's rounded figure only filling
        gaps); ``time_period`` is the year. The World Bank does not document this rule; it
        reproduces the published series exactly (Tanzania 2011: 24.3134728971593).
        Services of other quarters are excluded and counted.

    Returns
    -------
    Result
        ``value`` [percent]; ``n`` = services in the cell; extra columns ``corridors``
        (corridors in the cell) and ``cost_sum``; region and world cells add
        ``members_with_data`` (countries of *side* — receiving for the world — with
        services) and ``member_coverage`` (their share of the area's members; not for the
        World Bank's own groupings). Exclusions by reason: other price point,
        non-transparent services, transparency not recorded, unknown or mismatched
        currency, total cost not available, country outside the region grouping.
        ``metadata["targets"]`` holds the SDG thresholds (3 % global, 5 % corridor);
        ``metadata["sdmx_series"]`` the series of the level (:data:`SDMX_SERIES`:
        corridor ``SI_RMT_COST_BC``, sending ``SI_RMT_COST_SND``, others ``SI_RMT_COST``;
        none for USD 500 or World Bank regions and income groups).

    References
    ----------
    World Bank, SDG indicator metadata 10.c.1,
    https://unstats.un.org/sdgs/metadata/files/Metadata-10-0c-01.pdf.
    World Bank, Remittance Prices Worldwide, https://remittanceprices.worldbank.org.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("rpw_demo")
    >>> result = mi.remittances.remittance_cost_average(prices=data["prices"], level="corridor")
    >>> cols = ["sending_area", "receiving_area", "time_period", "amount_usd", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    sending_area receiving_area time_period  amount_usd  value
             ARE            IND     2023-Q1       200.0  3.558
             ARE            IND     2023-Q2       200.0  4.024
             ARE            IND     2023-Q3       200.0  3.669
    """
    _validate_level(level, grouping, side)
    if period not in PERIODS:
        raise OptionError(f"period must be one of {list(PERIODS)}, got {period!r}")
    by_cols = _check_by(by)
    ledger = RowLedger()
    extra_in = [*by_cols, *(_WB_GROUP_COLUMNS if level == "region" else ())]
    if "mobile_money" in by_cols:
        extra_in += ["firm_type", "payment_instrument", "pickup_method", "product"]
    if period == "year_q3":
        cost_source = "recomputed"  # WDI's annual series uses the unrounded costs
    prepared = prepare_prices(
        prices,
        ledger,
        amount=amount,
        cost_source=cost_source,
        columns=extra_in,
    )
    if period == "year_q3":
        prepared = _third_quarter_years(prepared, ledger)
    corridors = _corridor_totals(prepared, by_cols)
    table, area_cols = _level_table(
        corridors, ledger, level=level, grouping=grouping, side=side, keys=by_cols
    )
    cells = _summarise(table, [*area_cols, "time_period", *by_cols])
    if level in ("region", "world"):
        cells = _member_coverage(
            cells, table, [*area_cols, "time_period", *by_cols], side, grouping, level
        )
    cells.insert(len(area_cols) + 1, "amount_usd", float(amount))
    if level == "region":
        cells.insert(0, "region_grouping", grouping)
    group_cols = [
        *(["region_grouping"] if level == "region" else []),
        *area_cols,
        "time_period",
        "amount_usd",
        *by_cols,
    ]
    return make_result(
        "remittance_cost_average",
        cells,
        ledger,
        group_columns=group_cols,
        options={
            "by": by_cols,
            "level": level,
            "amount": amount,
            "grouping": grouping,
            "side": side,
            "cost_source": cost_source,
            "period": period,
        },
        inputs={"prices": read_columns(prices, prepared)},
        method="simple mean of total cost (% of amount sent) over transparent services"
        + (
            "; annual = the year's third quarter, costs recomputed unrounded (WDI)"
            if period == "year_q3"
            else ""
        ),
        extra_metadata={
            "notes": prepared.notes,
            "targets": TARGETS,
            "level": level,
            "sdmx_series": sdmx_series_for(
                "remittance_cost_average",
                level,
                amount,
                grouping if level == "region" else "",
            ),
        },
    )


#: SDG target 10.c thresholds [percent], recorded in every result for charts and reports.
TARGETS = {"global_average": 3.0, "corridor": 5.0}

#: SDG global database series of the averages, by level. The series are defined for the
#: USD 200 price point; other amounts, the global SmaRT and regions without M49 codes
#: (World Bank regions, income groups) have none. ``SI_RMT_COST`` is the average cost of
#: sending to a receiving country (also its regional and world aggregates),
#: ``SI_RMT_COST_SND`` from a sending country; ``SI_RMT_COST_BC`` and ``SI_RMT_COST_SC``
#: are one corridor each (REF_AREA the sending country, CUST_BREAKDOWN ``C`` + the
#: receiving country: see :mod:`migindicators.publish.sdmx`).
SDMX_SERIES: dict[tuple[str, str], str] = {
    ("remittance_cost_average", "corridor"): "SI_RMT_COST_BC",
    ("remittance_cost_average", "sending"): "SI_RMT_COST_SND",
    ("remittance_cost_average", "receiving"): "SI_RMT_COST",
    ("remittance_cost_average", "region"): "SI_RMT_COST",
    ("remittance_cost_average", "world"): "SI_RMT_COST",
    ("remittance_cost_smart", "corridor"): "SI_RMT_COST_SC",
}


def sdmx_series_for(indicator: str, level: str, amount: int, grouping: str = "") -> str | None:
    """The SDMX series of a remittance average at *level* (``None`` when it has none)."""
    if amount != 200 or grouping in ("wb_region", "income_group"):
        return None
    return SDMX_SERIES.get((indicator, level))


def _member_coverage(
    cells: pd.DataFrame,
    table: pd.DataFrame,
    keys: list[str],
    side: str,
    grouping: str,
    level: str,
) -> pd.DataFrame:
    """Add ``members_with_data`` (countries of *side* with services in the cell) and, for
    M49/SDG areas, ``member_coverage`` (their share of the area's reporting members,
    :func:`~migindicators.core.countries.count_members`)."""
    country = f"{side}_area" if level == "region" else "receiving_area"
    # coverage counts reporting members; an alias (KSV) counts as its area (XKX), a
    # withdrawn code with several successors (ANT) as none
    counted = table.assign(_member=counted_member(table[country].astype(str)))
    with_data = counted.groupby(keys, dropna=False, sort=False, observed=True)["_member"].nunique()
    cells = cells.merge(with_data.rename("members_with_data").reset_index(), on=keys, how="left")
    cells["members_with_data"] = cells["members_with_data"].fillna(0).astype("int64")
    if level == "world":
        total = count_members("world")
    elif grouping in ("wb_region", "income_group"):
        return cells  # RPW's own groupings: no membership table to compare with
    else:
        total = count_members(grouping)
    # float: on no cell at all, map() keeps the text dtype of ref_area (found by the fuzz test)
    members = cells["ref_area"].map(total).astype("float64")
    cells["member_coverage"] = cells["members_with_data"] / members
    return cells


def _summarise(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Combine corridor totals into cells: mean = sum of costs / services."""
    grouped = table.groupby(keys, dropna=False, sort=False, observed=True)
    cells = grouped.agg(
        cost_sum=("sum", "sum"), n=("n", "sum"), corridors=("n", "size")
    ).reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        cells["value"] = np.where(cells["n"] > 0, cells["cost_sum"] / cells["n"], np.nan)
    cells["n"] = cells["n"].astype("int64")
    cells["corridors"] = cells["corridors"].astype("int64")
    cells["flag"] = add_flag(
        pd.Series("", index=cells.index), cells["value"].isna(), "zero_denominator"
    )
    return cells


@accepts_any_frame
@typed_options("remittance_total_cost")
def remittance_total_cost(
    prices: pd.DataFrame,
    *,
    by: Sequence[str] | str | None = None,
    amount: int | None = None,
    cost_source: str = "source",
    tolerance: float = 0.01,
) -> Result:
    """Total cost of each remittance service: fee plus exchange-rate margin.

    .. math:: TC_s = 100 \\, F_s / A + 100 \\, (X_{interbank} - X_s) / X_{interbank}

    with A the amount sent and F the fee in the send currency, X the receive-currency units
    per send-currency unit. In money: :math:`F_s + A \\, m_s / 100` [send currency]. Where
    the source gives the margin and the total, both are recomputed and a difference above
    *tolerance* is flagged ``source_disagreement`` rather than trusted silently. Negative
    margins are kept and flagged ``negative_margin``. All services are returned,
    transparent or not (column ``transparent``).

    Parameters
    ----------
    prices : pandas.DataFrame
        Input kind ``remittance_prices``.
    by : str or sequence of str, optional
        Extra descriptive columns to carry as groups (any of :data:`BREAKDOWNS`).
    amount : {200, 500}, optional
        Keep one price point [USD]; ``None`` keeps both.
    cost_source : {"source", "recomputed"}
        Which total becomes ``value`` when both exist.
    tolerance : float
        Largest accepted source-recomputed difference [percentage points].

    Returns
    -------
    Result
        One row per input row kept: ``value`` [percent]; extra columns ``fee_percent``,
        ``fx_margin`` (used), ``fx_margin_recomputed``, ``total_cost_source``,
        ``total_cost_recomputed``, ``total_cost_money`` and ``send_currency``.

    References
    ----------
    World Bank, SDG indicator metadata 10.c.1,
    https://unstats.un.org/sdgs/metadata/files/Metadata-10-0c-01.pdf.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("rpw_demo")
    >>> result = mi.remittances.remittance_total_cost(data["prices"])
    >>> cols = ["time_period", "sending_area", "receiving_area", "amount_usd", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    time_period sending_area receiving_area  amount_usd  value
        2023-Q1          ARE            IND       200.0   1.45
        2023-Q1          ARE            IND       500.0   1.16
        2023-Q1          ARE            IND       200.0   5.35
    """
    by_cols = _check_by(by)
    ledger = RowLedger()
    ids = ["service_id", "firm", "product", "corridor"]
    prepared = prepare_prices(
        prices,
        ledger,
        amount=amount,
        cost_source=cost_source,
        tolerance=tolerance,
        columns=[*ids, *by_cols],
        drop_non_transparent=False,
        keep_components=True,
    )
    frame = _with_breakdowns(prepared.frame, by_cols)
    parts = _component_costs(frame)
    nan = np.full(len(frame), np.nan)
    source_total = _column(frame, "total_cost", nan)
    source_margin = _column(frame, "fx_margin", nan)
    margin = np.where(np.isnan(source_margin), parts["margin"], source_margin)
    group_cols = [
        "time_period",
        *_CORRIDOR,
        *(c for c in ("service_id", "firm", "product") if c in frame.columns),
        "amount_usd",
        *by_cols,
    ]
    cells = (
        frame[list(dict.fromkeys(group_cols))]
        .astype({c: object for c in group_cols if c != "amount_usd"})
        .assign(
            value=frame["cost"].to_numpy(),
            n=1,
            fee_percent=parts["fee_percent"],
            fx_margin=margin,
            fx_margin_recomputed=parts["margin"],
            total_cost_source=source_total,
            total_cost_recomputed=parts["total"],
            total_cost_money=(
                total_cost_money(frame["fee_lcu"], frame["amount_lcu"], margin)
                if "fee_lcu" in frame and "amount_lcu" in frame
                else np.nan
            ),
            send_currency=frame["send_currency"].astype(object)
            if "send_currency" in frame
            else None,
            transparent=frame["transparent"].astype(object),
        )
    )
    flags = pd.Series("", index=cells.index)
    with np.errstate(invalid="ignore"):
        flags = add_flag(flags, np.asarray(cells["fx_margin"] < 0), "negative_margin")
        disagree = (
            np.abs(cells["total_cost_source"] - cells["total_cost_recomputed"]) > tolerance
        ) | (np.abs(cells["fx_margin"] - cells["fx_margin_recomputed"]) > tolerance)
    cells["flag"] = add_flag(flags, np.asarray(disagree, dtype=bool), "source_disagreement")
    return make_result(
        "remittance_total_cost",
        cells,
        ledger,
        group_columns=list(dict.fromkeys(group_cols)),
        options={
            "by": by_cols,
            "amount": amount,
            "cost_source": cost_source,
            "tolerance": tolerance,
        },
        inputs={"prices": read_columns(prices, prepared)},
        method="fee % + FX margin %, margin = 100 (interbank - applied) / interbank",
        extra_metadata={"notes": prepared.notes},
    )


@accepts_any_frame
@typed_options("remittance_cost_weighted_average")
def remittance_cost_weighted_average(
    prices: pd.DataFrame,
    flows: pd.DataFrame,
    *,
    by: Sequence[str] | str | None = None,
    level: str = "world",
    amount: int = 200,
    grouping: str = "sdg_region",
    side: str = "receiving",
    cost_source: str = "source",
) -> Result:
    """Average total cost weighted by bilateral remittance flows ("global weighted average").

    .. math:: \\overline{TC}^w_g = \\sum_{c \\in g} w_c \\, \\overline{TC}_c, \\quad
              w_c = F_c / \\sum_{c' \\in g} F_{c'}

    where :math:`\\overline{TC}_c` is the simple corridor average (as
    :func:`remittance_cost_average`) and :math:`F_c` the remittance flow of corridor *c*;
    the sum runs over the corridors of cell *g* that have both price data and a positive
    flow, so the weights are flow shares over corridors with data. The World Bank publishes
    such a series but not its exact weighting; this rule is the documented one here.

    Parameters
    ----------
    prices : pandas.DataFrame
        Input kind ``remittance_prices``.
    flows : pandas.DataFrame
        Input kind ``remittance_flows`` (e.g. from
        :func:`migindicators.io.read_bilateral_remittances`) [USD]; one year's matrix.
    by : str or sequence of str, optional
        Breakdowns of the corridor averages (any of :data:`BREAKDOWNS`).
    level : {"world", "sending", "receiving", "region"}
        Level of the weighted average (``"corridor"`` is the plain corridor average).
    amount, grouping, side, cost_source
        As for :func:`remittance_cost_average`.

    Returns
    -------
    Result
        ``value`` [percent]; ``n`` = services; extra columns ``corridors`` and
        ``flow_total`` [USD] (the sum of weights). Exclusions: price rows of corridors
        without a positive flow, flow rows of corridors without prices, and all
        :func:`remittance_cost_average` exclusions. A cell that lost a priced corridor
        for want of its flow is flagged ``incomplete_coverage``.

    References
    ----------
    World Bank, Remittance Prices Worldwide, "Global Weighted Average",
    https://remittanceprices.worldbank.org.
    World Bank/KNOMAD, Bilateral Remittance Matrix 2017.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("rpw_demo")
    >>> result = mi.remittances.remittance_cost_weighted_average(
    ...     prices=data["prices"],
    ...     flows=data["flows"],
    ...     level="world",
    ... )
    >>> cols = ["ref_area", "time_period", "amount_usd", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area time_period  amount_usd  value
         001     2023-Q1       200.0  6.319
         001     2023-Q2       200.0  6.163
         001     2023-Q3       200.0  5.655
    """
    if level == "corridor":
        raise OptionError(
            "level='corridor' has one corridor per cell: use "
            "remittance_cost_average; weighted levels are world, sending, "
            "receiving and region"
        )
    _validate_level(level, grouping, side)
    by_cols = _check_by(by)
    ledger = RowLedger()
    extra_in = [*by_cols, *(_WB_GROUP_COLUMNS if level == "region" else ())]
    prepared = prepare_prices(
        prices,
        ledger,
        amount=amount,
        cost_source=cost_source,
        columns=extra_in,
    )
    ledger.given("flows", flows)
    f = validate_columns(REMITTANCE_FLOWS, flows, input_name="flows")
    unknown = ~(is_country(f["sending_area"]) & is_country(f["receiving_area"]))
    f = ledger.exclude(
        "flows",
        f,
        unknown,
        "unknown country code",
        detail=", ".join(
            sorted(set(f.loc[unknown, "sending_area"]) | set(f.loc[unknown, "receiving_area"]))[:10]
        ),
    )
    nonpositive = ~(f["flow"] > 0)
    f = ledger.exclude("flows", f, nonpositive, "flow zero or missing")
    corridors = _corridor_totals(prepared, by_cols)
    pair = corridors[list(_CORRIDOR)].astype(str)
    flow_map = f.assign(
        sending_area=f["sending_area"].astype(str), receiving_area=f["receiving_area"].astype(str)
    ).set_index(list(_CORRIDOR))["flow"]
    corridors["flow"] = (
        pd.MultiIndex.from_frame(pair).map(flow_map.to_dict()).to_numpy(dtype="float64")
        if len(pair)
        else np.array([], dtype="float64")
    )
    no_flow = np.asarray(np.isnan(corridors["flow"].to_numpy()), dtype=bool)
    if no_flow.any():
        sample = [
            f"{a}>{b}"
            for a, b in pair.loc[no_flow].drop_duplicates().head(10).itertuples(index=False)
        ]
        ledger.record(
            "prices",
            "corridor has no positive bilateral flow",
            int(corridors.loc[no_flow, "n"].sum()),
            detail=", ".join(sample),
        )
    # Priced corridors without a flow are left out of their area's average: those cells
    # are flagged incomplete_coverage (a throwaway ledger: the rows were recorded above).
    dropped, _ = _level_table(
        corridors.loc[no_flow], RowLedger(), level=level, grouping=grouping, side=side, keys=by_cols
    )
    corridors = corridors.loc[~no_flow]
    used_pairs = pd.MultiIndex.from_frame(corridors[list(_CORRIDOR)].astype(str))
    f_pairs = pd.MultiIndex.from_frame(f[list(_CORRIDOR)].astype(str))
    ledger.exclude("flows", f, ~f_pairs.isin(used_pairs), "no price data for this corridor")
    table, area_cols = _level_table(
        corridors, ledger, level=level, grouping=grouping, side=side, keys=by_cols
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        table = table.assign(mean=table["sum"] / table["n"])
    table = table.assign(wmean=table["mean"] * table["flow"])
    keys = [*area_cols, "time_period", *by_cols]
    cells = (
        table.groupby(keys, dropna=False, sort=False, observed=True)
        .agg(
            wsum=("wmean", "sum"),
            flow_total=("flow", "sum"),
            n=("n", "sum"),
            corridors=("n", "size"),
        )
        .reset_index()
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        cells["value"] = np.where(
            cells["flow_total"] > 0, cells["wsum"] / cells["flow_total"], np.nan
        )
    cells = cells.drop(columns="wsum")
    cells["flag"] = add_flag(
        pd.Series("", index=cells.index), cells["value"].isna(), "zero_denominator"
    )
    partial = pd.MultiIndex.from_frame(dropped[keys].astype(str)) if len(dropped) else None
    if partial is not None:
        missing_members = pd.MultiIndex.from_frame(cells[keys].astype(str)).isin(partial)
        cells["flag"] = add_flag(cells["flag"], missing_members, "incomplete_coverage")
    cells.insert(len(area_cols) + 1, "amount_usd", float(amount))
    if level == "region":
        cells.insert(0, "region_grouping", grouping)
    group_cols = [
        *(["region_grouping"] if level == "region" else []),
        *area_cols,
        "time_period",
        "amount_usd",
        *by_cols,
    ]
    return make_result(
        "remittance_cost_weighted_average",
        cells,
        ledger,
        group_columns=group_cols,
        options={
            "by": by_cols,
            "level": level,
            "amount": amount,
            "grouping": grouping,
            "side": side,
            "cost_source": cost_source,
        },
        inputs={"prices": read_columns(prices, prepared), "flows": flows},
        method="sum_c w_c * corridor average, w_c = flow_c / sum of flows of corridors "
        "with price data in the cell",
        extra_metadata={"notes": prepared.notes, "targets": TARGETS, "level": level},
    )


_LAGS = {"quarter": 1, "half": 2, "year": 4}


@accepts_any_frame
@typed_options("remittance_cost_change")
def remittance_cost_change(
    result: Result,
    *,
    lag: str = "quarter",
    kind: str = "difference",
) -> Result:
    """Quarter-on-quarter or year-on-year change of any remittance-cost average.

    .. math:: \\Delta_t = V_t - V_{t-L} \\quad\\text{or}\\quad
              100 \\, (V_t - V_{t-L}) / V_{t-L}

    for each cell of *result* (same groups apart from ``time_period``), with L one quarter,
    two (RPW was semi-annual before 2013: Q1 and Q3) or four. A cell whose earlier quarter
    is absent or NaN gets NaN, flagged ``missing_input``; a relative change from an earlier
    value of zero is NaN, flagged ``zero_denominator``.

    Parameters
    ----------
    result : Result
        Any result with a quarterly ``time_period`` (``2011-Q1``), e.g. from
        :func:`remittance_cost_average` or SmaRT.
    lag : {"quarter", "half", "year"}
        Distance to the earlier period.
    kind : {"difference", "relative"}
        Difference in percentage points, or relative change in percent.

    Returns
    -------
    Result
        ``value`` = the change [percent: percentage points for ``difference``]; extra
        columns ``value_current``, ``value_previous`` and ``previous_period``.

    References
    ----------
    World Bank, Remittance Prices Worldwide, quarterly reports (changes of the global
    average quarter on quarter and year on year).

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("rpw_demo")
    >>> average = mi.remittances.remittance_cost_average(data["prices"], level="world")
    >>> result = mi.remittances.remittance_cost_change(average, lag="quarter")
    >>> cols = ["ref_area", "amount_usd", "time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area amount_usd time_period  value
         001      200.0     2023-Q1    NaN
         001      200.0     2023-Q2 -0.263
         001      200.0     2023-Q3 -0.080
    """
    if lag not in _LAGS:
        raise OptionError(f"lag must be one of {list(_LAGS)}, got {lag!r}")
    if kind not in ("difference", "relative"):
        raise OptionError(f"kind must be 'difference' or 'relative', got {kind!r}")
    if not isinstance(result, Result) or "time_period" not in result.data.columns:
        raise OptionError("result must be a migindicators Result with a time_period column")
    data = result.data
    periods = data["time_period"].astype(str)
    parsed = periods.str.extract(r"^(\d{4})-Q([1-4])$")
    if bool(parsed[0].isna().any()):
        raise InputValidationError(
            "time_period must be quarterly like 2011-Q1; got "
            f"{periods[parsed[0].isna()].head(3).tolist()}"
        )
    index = parsed[0].astype(int) * 4 + parsed[1].astype(int) - 1
    prev_index = index - _LAGS[lag]
    prev_label = (prev_index // 4).astype(str) + "-Q" + (prev_index % 4 + 1).astype(str)
    groups = [c for c in result.group_columns if c != "time_period"]
    key_cols = [*groups, "time_period"]
    current = data[key_cols].astype(object).assign(_v=data["value"].to_numpy())
    previous = current.rename(columns={"_v": "value_previous"})
    cells = current.assign(time_period=prev_label.to_numpy()).merge(
        previous, on=key_cols, how="left"
    )
    cells["previous_period"] = cells["time_period"]
    cells["time_period"] = data["time_period"].astype(object).to_numpy()
    cells = cells.rename(columns={"_v": "value_current"})
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = cells["value_current"] - cells["value_previous"]
        cells["value"] = (
            diff
            if kind == "difference"
            else np.where(
                cells["value_previous"] != 0, 100.0 * diff / cells["value_previous"], np.nan
            )
        )
    cells["n"] = data["n"].to_numpy() if "n" in data else pd.NA
    # A zero earlier value makes a relative change undefined: that is a zero denominator,
    # not a missing input (the earlier value is there).
    zero_base = np.asarray(
        (kind == "relative") & cells["value_previous"].eq(0) & cells["value_current"].notna()
    )
    flags = add_flag(pd.Series("", index=cells.index), zero_base, "zero_denominator")
    cells["flag"] = add_flag(flags, np.asarray(cells["value"].isna()) & ~zero_base, "missing_input")
    ledger = RowLedger()
    ledger.given("result", data)
    return make_result(
        "remittance_cost_change",
        cells,
        ledger,
        group_columns=key_cols,
        options={"lag": lag, "kind": kind},
        inputs={"result": data},
        unit="percent",
        method=f"{kind} to the value {_LAGS[lag]} quarter(s) earlier, same cell",
        extra_metadata={"source_indicator": result.indicator},
    )
