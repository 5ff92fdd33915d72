"""Input kind for SDG 10.7.3: incident records of migrant deaths and disappearances (IOM MMP)."""

from __future__ import annotations

from migindicators.schemas import register
from migindicators.schemas._spec import Column, InputKind
from migindicators.schemas.common import TIME_PERIOD, area_column

__all__ = ["MIGRANT_INCIDENTS"]


def _count(name: str, description: str) -> Column:
    # Blank means unknown, never zero (MMP records unknown sub-fields as blank).
    return Column(
        name,
        "float",
        description + "; blank when unknown",
        unit="person",
        ge=0,
        required=False,
        nullable=True,
    )


MIGRANT_INCIDENTS = register(
    InputKind(
        name="migrant_incidents",
        description="One incident in which migrants died or went missing in the process of "
        "migration towards an international destination (IOM Missing Migrants "
        "Project layout). 'Cumulative total' records carry the last date of their "
        "range and are never split.",
        columns=(
            Column("incident_id", "str", "Identifier of the incident record", required=False),
            Column(
                "time_period",
                TIME_PERIOD.dtype,
                "Year of the incident (last date of the range for a cumulative record)",
                ge=TIME_PERIOD.ge,
                le=TIME_PERIOD.le,
            ),
            Column(
                "month",
                "nullable_int",
                "Month of the incident, when known",
                required=False,
                nullable=True,
                ge=1,
                le=12,
            ),
            area_column(
                "ref_area",
                "Country of the incident (ISO3); blank at sea or unknown",
                nullable=True,
                required=False,
            ),
            Column(
                "region",
                "str",
                "Region of the incident (e.g. Mediterranean)",
                required=False,
                nullable=True,
            ),
            Column(
                "route",
                "str",
                "Migration route (e.g. Central Mediterranean)",
                required=False,
                nullable=True,
            ),
            _count("dead", "Number of dead (bodies recovered)"),
            _count("missing", "Number missing (presumed dead)"),
            _count("on_board", "Number of people reported on board / in the group"),
            _count("survivors", "Number of survivors"),
            _count("females", "Number of females among the dead and missing"),
            _count("males", "Number of males among the dead and missing"),
            _count("children", "Number of children (under 18) among the dead and missing"),
            Column(
                "cumulative",
                "int",
                "1 for a 'cumulative total' record covering a period (not split by month)",
                required=False,
                isin=(0, 1),
            ),
        ),
        unique=("incident_id",),
    )
)
