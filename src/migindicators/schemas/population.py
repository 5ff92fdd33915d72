"""Input kinds for population and refugee counts by area."""

from __future__ import annotations

from migindicators.schemas import register
from migindicators.schemas._spec import Column, InputKind
from migindicators.schemas.common import AGE_GROUP, REF_AREA, SEX, TIME_PERIOD, area_column

__all__ = ["POPULATION", "REFUGEES"]

POPULATION = register(
    InputKind(
        name="population",
        description="Resident population of an area in a year (e.g. UN World Population "
        "Prospects), optionally by sex and age group; one row per key.",
        columns=(
            REF_AREA,
            TIME_PERIOD,
            SEX,
            AGE_GROUP,
            Column("population", "float", "Resident population", unit="person", ge=0),
        ),
        unique=("ref_area", "time_period", "sex", "age_group"),
    )
)

REFUGEES = register(
    InputKind(
        name="refugees",
        description="Refugees and people in refugee-like situations by country of origin "
        "(ref_area) at the end of a year. Several rows per origin (e.g. one per "
        "country of asylum) are summed.",
        columns=(
            area_column("ref_area", "Country of origin (ISO3)"),
            TIME_PERIOD,
            SEX,
            AGE_GROUP,
            Column(
                "refugees",
                "float",
                "Refugees from the origin (incl. refugee-like situations)",
                unit="person",
                ge=0,
            ),
        ),
    )
)
