"""Input kinds for potential migration and public perceptions of migrants.

``opinion_survey`` holds one row per adult respondent of a nationally representative opinion
survey (Gallup World Poll, Eurobarometer, European Social Survey, Afrobarometer layouts),
with the country of interview, the design columns, the desire-to-migrate item and the desired
destination, and any number of attitude items as further columns. ``adult_population``
holds the adult (15+) population each country's answers are projected to.
"""

from __future__ import annotations

from migindicators.schemas import register
from migindicators.schemas._spec import Column, InputKind
from migindicators.schemas.census import CENSUS
from migindicators.schemas.common import REF_AREA, TIME_PERIOD

__all__ = ["ADULT_POPULATION", "DESIRE_ANSWERS", "OPINION_SURVEY"]

#: Answers to Gallup's item "Ideally, if you had the opportunity, would you like to move
#: PERMANENTLY to another country, or would you prefer to continue living in this country?"
DESIRE_ANSWERS = ("move", "stay", "dont_know", "refused")

OPINION_SURVEY = register(
    InputKind(
        name="opinion_survey",
        description="Respondents of an opinion survey (one row per adult respondent): country "
        "of interview, design columns, desire to migrate and desired destination, and any "
        "attitude items as further columns.",
        columns=(
            REF_AREA,
            TIME_PERIOD,
            CENSUS.column("sex"),
            CENSUS.column("age"),
            Column(
                "age_group", "str", "Age group label, e.g. Y15T29", required=False, nullable=True
            ),
            Column(
                "weight",
                "float",
                "Respondent weight (design and post-stratification)",
                required=False,
                nullable=True,
                ge=0,
            ),
            CENSUS.column("strata"),
            Column("psu", "str", "Primary sampling unit", required=False, nullable=True),
            Column(
                "desire_to_migrate",
                "str",
                "Would like to move permanently to another country: move, stay, dont_know, refused",
                required=False,
                nullable=True,
                isin=DESIRE_ANSWERS,
            ),
            Column(
                "desired_destination",
                "str",
                "Country the respondent would like to move to (ISO3), for those answering move",
                required=False,
                nullable=True,
                pattern=r"[A-Z]{3}",
            ),
        ),
    )
)

ADULT_POPULATION = register(
    InputKind(
        name="adult_population",
        description="Adult population (aged 15 and over) of a country in a year, the base "
        "the survey shares are projected to; one row per country and year.",
        columns=(
            REF_AREA,
            TIME_PERIOD,
            Column("population", "float", "Population aged 15 and over", unit="person", ge=0),
        ),
        unique=("ref_area", "time_period"),
    )
)
