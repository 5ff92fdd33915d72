"""Input kinds for the emigration rate of the tertiary-educated (Docquier–Marfouk).

Two tables, in the layout of the OECD Database on Immigrants in OECD Countries (DIOC) and of
the Docquier–Marfouk / Docquier–Lowell–Marfouk data sets: a bilateral stock of emigrants by
origin × destination × educational attainment, and the resident population of each origin by
educational attainment (aged 25 and over in those data sets).
"""

from __future__ import annotations

from migindicators.schemas import register
from migindicators.schemas._spec import Column, InputKind
from migindicators.schemas.common import AGE_GROUP, SEX, TIME_PERIOD, area_column

__all__ = ["EDUCATION_LEVELS", "EDUCATION_STOCK", "RESIDENTS_BY_EDUCATION"]

#: Educational attainment, DIOC's three levels plus unknown: ``low`` (ISCED 2011 levels 0–2),
#: ``medium`` (3–4), ``high`` (5–8, tertiary), ``unknown``.
EDUCATION_LEVELS = ("low", "medium", "high", "unknown")

_EDUCATION = Column(
    "education",
    "str",
    "Educational attainment: low (ISCED 0-2), medium (ISCED 3-4), high "
    "(ISCED 5-8, tertiary) or unknown",
    isin=EDUCATION_LEVELS,
)

EDUCATION_STOCK = register(
    InputKind(
        name="emigrant_stock_by_education",
        description="Bilateral stock of emigrants living in a destination, by country of birth "
        "(origin), destination, year and educational attainment, optionally by sex "
        "and age group (DIOC layout); one row per key.",
        columns=(
            area_column("origin", "Country of birth of the emigrants (ISO3)"),
            area_column("destination", "Country of residence (ISO3)"),
            TIME_PERIOD,
            SEX,
            AGE_GROUP,
            _EDUCATION,
            Column(
                "stock",
                "float",
                "Emigrants from the origin living in the destination",
                unit="person",
                ge=0,
            ),
        ),
        unique=("origin", "destination", "time_period", "sex", "age_group", "education"),
    )
)

RESIDENTS_BY_EDUCATION = register(
    InputKind(
        name="residents_by_education",
        description="Resident population of a country by educational attainment in a year "
        "(population aged 25+ in Docquier–Marfouk), optionally by sex and age group; "
        "one row per key.",
        columns=(
            area_column("ref_area", "Country of residence (ISO3)"),
            TIME_PERIOD,
            SEX,
            AGE_GROUP,
            _EDUCATION,
            Column(
                "population",
                "float",
                "Residents with this educational attainment",
                unit="person",
                ge=0,
            ),
        ),
        unique=("ref_area", "time_period", "sex", "age_group", "education"),
    )
)
