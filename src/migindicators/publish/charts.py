"""Charts for the report, as self-contained SVG data URIs (needs the ``charts`` extra).

Which chart suits a result is decided from its columns and registry entry, so new
indicators get charts without changes here:

* **Remittance costs** (SDG 10.c.1 averages only: ``remittance_cost_average``,
  ``remittance_cost_smart`` or series ``SI_RMT_COST``/``_BC``/``_SC``, unit percent): cost
  by corridor in the latest period against the result's ``metadata["targets"]`` (3 % global
  target, 5 % corridor ceiling), and the average cost per service by period.
* **Population pyramid** (grouping columns ``sex``, ``age_group`` and
  ``migratory_status``): migrants beside non-migrants, males left and females right, each
  as a share of its own population so the two shapes compare.
* **Flow matrix** (grouping columns ``origin`` and ``destination``): a heat map of the
  latest period.

Every function returns a list of :class:`Chart` (empty when the result does not fit).
:func:`charts_available` says whether matplotlib is installed; without it
:func:`charts_for` returns an empty list and the report says charts need the extra.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.result import Result
from migindicators.publish.codes import age_label, age_sort_key, group_columns

__all__ = [
    "REMITTANCE_COST_AVERAGES",
    "Chart",
    "area_labels",
    "charts_available",
    "charts_for",
    "cost_trend",
    "flow_heatmap",
    "input_flow_heatmap",
    "overview",
    "population_pyramid",
    "remittance_costs",
]

_CORRIDOR_PAIRS = (
    ("sending_area", "receiving_area"),
    ("source", "destination"),
    ("sending", "receiving"),
    ("origin", "destination"),
    ("send_country", "receive_country"),
    ("source_country", "destination_country"),
)
_PERIOD_COLUMNS = ("period", "quarter", "time_period")
# Columns of an input table that hold flow counts (distances and rates are not drawn).
_FLOW_COUNT_COLUMNS = ("flow", "flows", "migrants", "persons", "count", "value")


@dataclass(frozen=True)
class Chart:
    """One chart: a title, alternative text, and the image as a ``data:`` URI."""

    title: str
    alt: str
    data_uri: str


def charts_available() -> bool:
    """Whether matplotlib (the ``charts`` extra) can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


class _Figures:
    """Figures without pyplot: no global state, no GUI backend, cheaper to create."""

    @staticmethod
    def subplots(*args: Any, figsize: tuple[float, float], **kwargs: Any) -> tuple[Any, Any]:
        import matplotlib
        from matplotlib.figure import Figure

        # keep text as text, and a fixed hash salt so that the same data gives the same file
        matplotlib.rcParams["svg.hashsalt"] = "migindicators"
        matplotlib.rcParams["svg.fonttype"] = "none"
        # a fixed title position: the automatic one measures every tick label of the axes
        # (a tight bounding box per chart), and no chart here has ticks above its axes
        matplotlib.rcParams["axes.titley"] = 1.0
        matplotlib.rcParams["axes.titlepad"] = 6.0
        fig = Figure(figsize=figsize)
        return fig, fig.subplots(*args, **kwargs)


def _pyplot() -> _Figures:
    return _Figures()


def _to_uri(fig: Any) -> str:
    buffer = io.BytesIO()
    # No bbox_inches="tight": it draws the figure twice; margins are set by _margins instead.
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"


def _margins(fig: Any, labels: Any = (), *, bottom: float = 0.14, top: float = 0.88) -> None:
    """Fixed margins wide enough for the longest y label (cheaper than a tight layout)."""
    longest = max((len(str(label)) for label in labels), default=4)
    width_inches = float(fig.get_size_inches()[0])
    left = min(0.5, (0.35 + 0.075 * longest) / width_inches)
    fig.subplots_adjust(left=max(left, 0.08), right=0.97, bottom=bottom, top=top)


#: Indicators whose values are average remittance costs [% of the amount sent], the only
#: ones drawn against the SDG 10.c lines (counts of corridors above the line or changes
#: between quarters are not costs).
REMITTANCE_COST_AVERAGES = ("remittance_cost_average", "remittance_cost_smart")
_COST_AVERAGE_SERIES = ("SI_RMT_COST", "SI_RMT_COST_BC", "SI_RMT_COST_SC")


def _is_remittance_cost_average(result: Result) -> bool:
    series = str(result.metadata.get("sdmx_series") or "")
    return result.unit == "percent" and (
        result.indicator in REMITTANCE_COST_AVERAGES or series in _COST_AVERAGE_SERIES
    )


def _period_column(columns: list[str]) -> str | None:
    return next((c for c in _PERIOD_COLUMNS if c in columns), None)


def _corridor_labels(data: pd.DataFrame, groups: list[str]) -> pd.Series | None:
    if "corridor" in groups:
        return data["corridor"].astype("string")
    for left, right in _CORRIDOR_PAIRS:
        if left in groups and right in groups:
            return data[left].astype("string") + " → " + data[right].astype("string")
    return None


def _targets(result: Result) -> tuple[float | None, float | None]:
    """The global-average target and the corridor ceiling from ``metadata["targets"]``."""
    targets = result.metadata.get("targets")
    if not isinstance(targets, dict):
        return None, None
    found = []
    for key in ("global_average", "corridor"):
        value = targets.get(key)
        found.append(float(value) if isinstance(value, (int, float)) else None)
    return found[0], found[1]


def _amount_label(result: Result) -> str:
    """``"200 USD"`` from the ``amount_usd`` column (or the ``amount`` option)."""
    amounts: list[float] = []
    if "amount_usd" in result.data.columns:
        amounts = sorted({float(a) for a in result.data["amount_usd"].dropna()})
    if not amounts:
        option = result.metadata.get("options", {}).get("amount")
        amounts = [float(option)] if isinstance(option, (int, float)) else []
    if not amounts:
        return "the amount"
    return " and ".join(f"{a:g}" for a in amounts) + " USD"


def cost_trend(result: Result) -> pd.Series:
    """Average cost per service by period [percent], the series the trend chart draws.

    World rows (``ref_area`` ``001``) are taken when the result has them, else all rows.
    Where the result carries ``cost_sum`` and ``n`` (simple averages over services), the
    period's value is :math:`\\sum cost\\_sum / \\sum n` over the rows, i.e. the mean over
    every service of the period, exactly as the world average is defined; an unweighted
    mean of the cells would give a corridor with three services the weight of one with
    thirty. Without them (SmaRT), it is the mean of the defined row values, which is how
    the global SmaRT is defined (a simple mean over corridors).
    """
    data = result.data
    period = _period_column(group_columns(result))
    if period is None or not len(data):
        return pd.Series(dtype="float64")
    if "ref_area" in data.columns:
        world = data["ref_area"].astype("string") == "001"
        if bool(world.any()):
            data = data[world.fillna(False).to_numpy(dtype=bool)]
    periods = data[period].astype("string")
    if {"cost_sum", "n"} <= set(data.columns):
        sums = (
            pd.DataFrame(
                {
                    "period": periods,
                    "cost_sum": data["cost_sum"].astype(float),
                    "n": data["n"].astype(float),
                }
            )
            .groupby("period")[["cost_sum", "n"]]
            .sum()
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            trend = sums["cost_sum"] / sums["n"].where(sums["n"] > 0)
    else:
        trend = (
            pd.DataFrame({"period": periods, "value": data["value"].astype(float)})
            .groupby("period")["value"]
            .mean()
        )
    return trend.astype(float).dropna()


def remittance_costs(result: Result) -> list[Chart]:
    """Cost by corridor (latest period) against the target lines; average cost by period.

    Only for average remittance costs (:data:`REMITTANCE_COST_AVERAGES`, or a result whose
    series is ``SI_RMT_COST``, ``_BC`` or ``_SC``). The lines are the result's
    ``metadata["targets"]`` (``global_average``, ``corridor``); the axis names the amount
    sent (``amount_usd``).
    """
    if not _is_remittance_cost_average(result) or not len(result.data):
        return []
    plt = _pyplot()
    data = result.data
    groups = group_columns(result)
    labels = _corridor_labels(data, groups)
    period = _period_column(groups)
    target, ceiling = _targets(result)
    amount = _amount_label(result)
    charts: list[Chart] = []

    def lines(ax: Any, draw: Any) -> str:
        said = []
        if target is not None:
            draw(target, color="#2b8a3e", linestyle="--", label=f"{target:g} % target (SDG 10.c)")
            said.append(f"{target:g} %")
        if ceiling is not None:
            draw(ceiling, color="#c92a2a", linestyle=":", label=f"{ceiling:g} % corridor ceiling")
            said.append(f"{ceiling:g} %")
        return f" with lines at {' and '.join(said)}" if said else ""

    if labels is not None:
        frame = pd.DataFrame({"corridor": labels, "value": data["value"].astype(float)})
        if period is not None:
            frame["period"] = data[period].astype("string")
            latest = frame["period"].dropna().max()
            frame = frame[frame["period"] == latest]
        else:
            latest = None
        cost = frame.groupby("corridor")["value"].mean().dropna().sort_values()
        if len(cost):
            cost = cost.iloc[-40:]
            fig, ax = plt.subplots(figsize=(7.5, max(2.5, 0.28 * len(cost) + 1.2)))
            low = target if target is not None else -np.inf
            high = ceiling if ceiling is not None else np.inf
            colours = [
                "#2b8a3e" if v <= low else "#e8a400" if v <= high else "#c92a2a"
                for v in cost.to_numpy()
            ]
            ax.barh(list(cost.index), cost.to_numpy(), color=colours)
            said = lines(ax, ax.axvline)
            ax.set_xlabel(f"average total cost of sending {amount} (%)")
            if said:
                ax.legend(loc="lower right", fontsize=8)
            when = f" ({latest})" if latest is not None else ""
            ax.set_title(f"Remittance cost by corridor{when}")
            _margins(fig, cost.index, bottom=0.6 / fig.get_size_inches()[1])
            charts.append(
                Chart(
                    f"Remittance cost by corridor{when}",
                    f"Horizontal bars of the cost per corridor{said}",
                    _to_uri(fig),
                )
            )
    trend = cost_trend(result)
    if len(trend) >= 2:
        fig, ax = plt.subplots(figsize=(7.5, 3.2))
        ax.plot(
            list(trend.index),
            trend.to_numpy(),
            marker="o",
            color="#1864ab",
            label="average over services",
        )
        said = lines(ax, ax.axhline)
        ax.set_ylabel(f"% of {amount}")
        ax.set_ylim(bottom=0)
        ax.tick_params(axis="x", labelrotation=45)
        ax.legend(fontsize=8)
        ax.set_title("Average remittance cost by period")
        _margins(fig, ["100"], bottom=0.3)
        charts.append(
            Chart(
                "Average remittance cost by period",
                f"Line of the average cost per service by period{said}",
                _to_uri(fig),
            )
        )
    return charts


def _latest(data: pd.DataFrame, groups: list[str]) -> pd.DataFrame:
    period = _period_column(groups)
    if period is not None and len(data):
        data = data[data[period].astype("string") == data[period].astype("string").max()]
    if "ref_area" in groups and len(data):
        area = data["ref_area"].value_counts().index[0]
        data = data[data["ref_area"] == area]
    return data


def population_pyramid(result: Result) -> list[Chart]:
    """Migrants and non-migrants by sex and age group, each as % of its own population."""
    groups = group_columns(result)
    data = result.data
    if {"sex", "age_group"} <= set(groups) and "migratory_status" not in groups:
        # counts of migrants and non-migrants side by side in one row (census tabulations)
        if not {"migrants", "non_migrants"} <= set(data.columns):
            return []
        keys = list(groups)
        data = data[[*keys, "migrants", "non_migrants"]].melt(
            id_vars=keys, var_name="migratory_status", value_name="value"
        )
        data["migratory_status"] = data["migratory_status"].map(
            {"migrants": "MS_MIGRANT", "non_migrants": "MS_NOMIGRANT"}
        )
        groups = [*groups, "migratory_status"]
    if not {"sex", "age_group", "migratory_status"} <= set(groups):
        return []
    data = _latest(data, groups)
    data = data[
        data["sex"].isin(["F", "M"])
        & (data["age_group"] != "_T")
        & data["migratory_status"].isin(["MS_MIGRANT", "MS_NOMIGRANT"])
    ]
    if not len(data) or _averages(data, ["age_group", "sex", "migratory_status"]):
        return []
    from matplotlib.ticker import FuncFormatter

    plt = _pyplot()
    ages = sorted(data["age_group"].unique(), key=age_sort_key)
    fig, axes = plt.subplots(1, 2, figsize=(8.5, max(3.0, 0.3 * len(ages) + 1.5)), sharey=True)
    percent = result.unit == "percent" and "migratory_status" in group_columns(result)
    for ax, (status, title) in zip(
        axes, (("MS_MIGRANT", "Migrants"), ("MS_NOMIGRANT", "Non-migrants")), strict=True
    ):
        part = data[data["migratory_status"] == status]
        table = part.pivot_table(
            index="age_group", columns="sex", values="value", aggfunc="sum"
        ).reindex(index=ages, columns=["M", "F"])
        table = table.astype(float).fillna(0.0)
        total = float(table.to_numpy().sum())
        if not percent and total > 0:
            table = 100 * table / total
        y = np.arange(len(ages))
        ax.barh(y, -table["M"].to_numpy(), color="#1c7ed6", label="Males")
        ax.barh(y, table["F"].to_numpy(), color="#e64980", label="Females")
        ax.set_yticks(y, [age_label(a) for a in ages])
        ax.axvline(0, color="black", linewidth=0.6)
        ax.set_title(title)
        limit = float(np.abs(table.to_numpy()).max() or 1.0) * 1.1
        ax.set_xlim(-limit, limit)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{abs(x):g}"))
        ax.set_xlabel("% of the group" if not percent else "%")
        ax.legend(fontsize=8, loc="lower right")
    when = ""
    if "time_period" in groups:
        when = f", {data['time_period'].iloc[0]}"
    area = (
        f" {area_labels([data['ref_area'].iloc[0]], width=40)[0]}" if "ref_area" in groups else ""
    )
    fig.suptitle(f"Population pyramid by migratory status{area}{when}")
    _margins(fig, [age_label(a) for a in ages], bottom=0.6 / fig.get_size_inches()[1])
    fig.subplots_adjust(wspace=0.08)
    return [
        Chart(
            f"Population pyramid by migratory status{area}{when}",
            "Two population pyramids, migrants and non-migrants, males left, females right",
            _to_uri(fig),
        )
    ]


def heatmap_values(matrix: pd.DataFrame) -> tuple[np.ndarray, bool]:
    """Cell values of a flow heat map, and whether to colour them on a log scale.

    The diagonal (origin = destination) is blanked: it is not migration between areas and
    every flow index ignores it. Zero flows are blank on a log scale. A log scale is used
    when the positive flows span more than two orders of magnitude, since one large corridor
    would otherwise flatten every other cell to the same colour.
    """
    values = matrix.to_numpy(dtype="float64", copy=True)
    same = matrix.index.to_numpy()[:, None] == matrix.columns.to_numpy()[None, :]
    values[same] = np.nan
    positive = values[np.isfinite(values) & (values > 0)]
    log_scale = bool(positive.size) and float(positive.max() / positive.min()) > 100.0
    if log_scale:
        values[values <= 0] = np.nan
    return values, log_scale


def flow_heatmap(result: Result) -> list[Chart]:
    """Heat map of the origin × destination matrix of the latest period."""
    groups = group_columns(result)
    pair = next(
        (
            (o, d)
            for o, d in (("origin", "destination"), ("from", "to"))
            if o in groups and d in groups
        ),
        None,
    )
    if pair is None:
        return []
    origin, destination = pair
    data = result.data
    period = _period_column(groups)
    if period is not None and len(data):
        data = data[data[period].astype("string") == data[period].astype("string").max()]
    others = [c for c in groups if c not in {origin, destination, period}]
    for column in others:  # keep totals of any other breakdown
        if (data[column] == "_T").any():
            data = data[data[column] == "_T"]
    data = data[(data[origin] != "_T") & (data[destination] != "_T")]
    if not len(data) or _averages(data, [origin, destination]):
        return []
    matrix = data.pivot_table(
        index=origin, columns=destination, values="value", aggfunc="sum"
    ).astype(float)
    matrix = matrix.iloc[:30, :30]
    plt = _pyplot()
    fig, ax = plt.subplots(
        figsize=(max(4.5, 0.4 * matrix.shape[1] + 2.5), max(3.5, 0.35 * matrix.shape[0] + 1.5))
    )
    values, log_scale = heatmap_values(matrix)
    norm = None
    if log_scale:
        from matplotlib.colors import LogNorm

        positive = values[np.isfinite(values) & (values > 0)]
        norm = LogNorm(vmin=float(positive.min()), vmax=float(positive.max()))
    image = ax.imshow(
        np.ma.masked_invalid(values),
        cmap="viridis",
        aspect="auto",
        norm=norm,
        interpolation="nearest",
    )
    ax.set_xticks(range(matrix.shape[1]), list(matrix.columns), rotation=90)
    ax.set_yticks(range(matrix.shape[0]), list(matrix.index))
    ax.set_xlabel(destination)
    ax.set_ylabel(origin)
    scale = " (log scale)" if log_scale else ""
    fig.colorbar(image, ax=ax, label=f"{result.unit or 'value'}{scale}")
    when = f" ({data[period].iloc[0]})" if period is not None else ""
    ax.set_title(f"Flows, {origin} × {destination}{when}")
    longest = max((len(str(c)) for c in matrix.columns), default=3)
    _margins(fig, matrix.index, bottom=min(0.5, (0.4 + 0.08 * longest) / fig.get_size_inches()[1]))
    return [
        Chart(
            f"Flows, {origin} × {destination}{when}",
            "Heat map of the flow matrix, origins in rows and destinations in columns",
            _to_uri(fig),
        )
    ]


def _averages(data: pd.DataFrame, keys: list[str]) -> bool:
    """Whether charting *data* by *keys* would merge several cells into one mark.

    A chart draws one mark per key; where several cells share a key (another breakdown not
    held at its total, shares of categories that sum to 100, quartiles of one distribution)
    any mark would be an average of values that must not be averaged, so no chart is drawn.
    """
    return bool(data.duplicated(subset=keys).any())


_SERIES_NAMES = {
    "sex": {"F": "female", "M": "male", "_T": "both sexes"},
    "migratory_status": {"MS_MIGRANT": "migrants", "MS_NOMIGRANT": "non-migrants", "_T": "all"},
    "form_of_exploitation": {
        "SX": "sexual exploitation",
        "FL": "forced labour",
        "OG": "removal of organs",
        "OP": "other purposes",
        "_T": "all forms",
    },
}


def _series_label(column: str | None, value: object) -> str:
    if column is None:
        return str(value)
    if column == "age_group":
        return age_label(value) or "all ages"
    return _SERIES_NAMES.get(column, {}).get(str(value), str(value))


_UNNAMED_AREAS = {"XXX": "Foreign, not stated", "_T": "Total"}


def area_labels(codes: list[object], *, width: int = 30) -> list[str]:
    """Chart labels of area codes: the M49/ISO name with the code, shortened to *width*."""
    from migindicators.core.countries import area_name

    names = area_name(pd.Series([str(c) for c in codes], dtype="string"))
    out = []
    for code, name in zip(codes, names, strict=True):
        if pd.isna(name):
            name = _UNNAMED_AREAS.get(str(code), pd.NA)
        label = str(code) if pd.isna(name) else f"{name} ({code})"
        if len(label) > width:
            label = label[: width - len(str(code)) - 4].rstrip() + f"… ({code})"
        out.append(label)
    return out


def _trend(result: Result, groups: list[str], *, max_series: int) -> list[Chart]:
    period = _period_column(groups)
    if period is None:
        return []
    data = result.data
    others = [c for c in groups if c != period]
    for column in others[1:]:
        if (data[column] == "_T").any():
            data = data[data[column] == "_T"]
    hue = others[0] if others else None
    values = data.assign(
        _hue=data[hue].astype("string") if hue else result.indicator,
        _period=data[period].astype("string"),
    )
    if _averages(values, ["_period", "_hue"]):
        return []
    table = values.pivot_table(index="_period", columns="_hue", values="value", aggfunc="first")
    table = table.astype(float).dropna(how="all").iloc[:, :max_series]
    if table.empty:
        return []
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    for column in table.columns:
        ax.plot(
            list(table.index),
            table[column].to_numpy(),
            marker="o",
            label=_series_label(hue, column),
        )
    ax.set_ylabel(result.unit or "value")
    if hue is not None:
        ax.legend(title=hue, fontsize=8)
    title = f"{result.indicator} by {period}"
    ax.set_title(title)
    _margins(fig, ["1000"], bottom=0.15)
    return [Chart(title, f"Line of the value by {period}", _to_uri(fig))]


def overview(result: Result, *, max_areas: int = 25, max_series: int = 6) -> list[Chart]:
    """Bars of the latest period's value by reference area, one colour per breakdown value.

    The fallback for results no specific chart suits: other breakdowns are held at their
    total (``_T``) where the result has one; the first remaining breakdown gives the colours.
    """
    groups = group_columns(result)
    data = result.data
    if not len(data):
        return []
    if "ref_area" not in groups:
        return _trend(result, groups, max_series=max_series)
    period = _period_column(groups)
    if period is not None:
        data = data[data[period].astype("string") == data[period].astype("string").max()]
    others = [c for c in groups if c not in {"ref_area", period}]
    for column in others[1:]:
        if (data[column] == "_T").any():
            data = data[data[column] == "_T"]
    hue = others[0] if others else None
    values = data.assign(_hue=data[hue].astype("string") if hue else result.indicator)
    if _averages(values, ["ref_area", "_hue"]):
        return []
    table = values.pivot_table(index="ref_area", columns="_hue", values="value", aggfunc="first")
    table = table.astype(float).dropna(how="all")
    if table.empty:
        return []
    when = f" ({data[period].iloc[0]})" if period is not None and len(data) else ""
    if hue is not None and len(table) == 1:
        # one area: one bar per value of the breakdown (every value, none left out)
        return _one_area(result, table, hue, when, max_areas)
    series_count = table.shape[1]
    shown = table.iloc[:, :max_series]
    table = shown.loc[shown.mean(axis=1).sort_values(ascending=False).index[:max_areas]]
    plt = _pyplot()
    # at least 0.3 inch per area: a 10-point label needs about 0.17 inch
    per_area = 0.3 * max(1.0, 0.45 * table.shape[1])
    fig, ax = plt.subplots(figsize=(7.5, max(2.5, per_area * len(table) + 1.4)))
    height = 0.8 / table.shape[1]
    y = np.arange(len(table))
    for i, column in enumerate(table.columns):
        ax.barh(
            y + i * height,
            table[column].to_numpy(),
            height=height,
            label=_series_label(hue, column),
        )
    labels = area_labels(list(table.index))
    ax.set_yticks(y + 0.4 - height / 2, labels)
    ax.invert_yaxis()
    ax.set_xlabel(result.unit or "value")
    if hue is not None:
        # beside the bars, never over them
        ax.legend(title=hue, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        fig.set_size_inches(9.0, fig.get_size_inches()[1])
    first = ""
    if hue is not None and series_count > table.shape[1]:
        first = f", first {table.shape[1]} of {series_count} values of {hue}"
    title = f"{result.indicator} by reference area{when}{first}"
    ax.set_title(title)
    _margins(fig, labels, bottom=0.6 / fig.get_size_inches()[1])
    if hue is not None:
        fig.subplots_adjust(right=0.8)
    return [Chart(title, "Horizontal bars of the value per reference area", _to_uri(fig))]


_AREA_BREAKDOWNS = (
    "origin",
    "destination",
    "country_of_birth",
    "citizenship",
    "sending_area",
    "receiving_area",
)


def _one_area(
    result: Result, table: pd.DataFrame, hue: str, when: str, max_bars: int
) -> list[Chart]:
    series = table.iloc[0].dropna().sort_values(ascending=False)
    if series.empty:
        return []
    more = len(series) > max_bars
    series = series.iloc[:max_bars]
    codes = list(series.index)
    if hue in _AREA_BREAKDOWNS:
        labels = area_labels(codes)
    else:
        labels = [_series_label(hue, c) for c in codes]
    area = area_labels([table.index[0]], width=40)[0]
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, max(2.5, 0.3 * len(series) + 1.4)))
    y = np.arange(len(series))
    ax.barh(y, series.to_numpy(), color="#1864ab")
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel(result.unit or "value")
    top = f", the {max_bars} largest" if more else ""
    title = f"{result.indicator} by {hue}, {area}{when}{top}"
    ax.set_title(title)
    _margins(fig, labels, bottom=0.6 / fig.get_size_inches()[1])
    return [Chart(title, f"Horizontal bars of the value per {hue}", _to_uri(fig))]


def input_flow_heatmap(frame: pd.DataFrame, title: str) -> list[Chart]:
    """Heat map of an input table of flows (``origin``, ``destination`` and a count column).

    The report draws it once per bundled dataset that has such a table, since the indices
    computed from a flow matrix summarise it without showing it.
    """
    if not {"origin", "destination"} <= set(frame.columns):
        return []
    counts = [c for c in _FLOW_COUNT_COLUMNS if c in frame.columns]
    if not counts or not pd.api.types.is_numeric_dtype(frame[counts[0]]):
        return []
    column = counts[0]
    data = frame
    for other in ("sex", "age_group"):
        if other in data.columns and (data[other] == "_T").any():
            data = data[data[other] == "_T"]
    columns = ["origin", "destination"]
    if "time_period" in data.columns:
        columns.append("time_period")
    summed = (
        data[columns]
        .assign(value=data[column].astype(float))
        .groupby(columns, as_index=False)["value"]
        .sum()
    )
    fake = Result(
        data=pd.DataFrame(summed).assign(unit=column, flag=""),
        metadata={"indicator": title, "unit": column},
    )
    found = flow_heatmap(fake)
    return [Chart(f"{title}: {c.title}", c.alt, c.data_uri) for c in found]


def charts_for(result: Result, *, fallback: bool = True) -> list[Chart]:
    """Every chart that suits *result*, else an overview by area (none without matplotlib).

    ``fallback=False`` leaves out the overview: the report does so for the summary indices
    of a flow matrix whose heat map it already draws once for the dataset.
    """
    if not charts_available():
        return []
    found = [*remittance_costs(result), *population_pyramid(result), *flow_heatmap(result)]
    return found or (overview(result) if fallback else [])
