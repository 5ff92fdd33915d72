"""Input kinds for internationally mobile tertiary students (UNESCO UIS definitions).

Student counts come from host countries' reports by country of origin (mirror data): one row
per origin x destination (host) x year (x sex, ISCED level). Two special codes carry figures
that are not bilateral:

* ``origin = "_T"``: the host's total of inbound students over all origins (e.g. UIS
  indicator 26637); ``origin = "_U"``: students of unknown origin, counted by the host.
* ``destination = "_T"``: the origin's total of outbound students over all hosts as already
  compiled by a publisher (e.g. UIS indicator OE.5T8.40510).
"""

from __future__ import annotations

from migindicators.schemas import register
from migindicators.schemas._spec import Column, InputKind
from migindicators.schemas.common import AREA_PATTERN, REF_AREA, SEX, TIME_PERIOD

__all__ = ["ISCED_TERTIARY", "MOBILE_STUDENTS", "TERTIARY_AGE_POPULATION", "TERTIARY_ENROLMENT"]

#: ISCED 2011 tertiary levels: 5 short-cycle, 6 bachelor's, 7 master's, 8 doctoral; 5T8 all.
ISCED_TERTIARY = ("5", "6", "7", "8", "5T8")

ISCED_LEVEL = Column(
    "isced_level",
    "str",
    "ISCED 2011 level: 5, 6, 7, 8, or 5T8 (all tertiary)",
    required=False,
    isin=ISCED_TERTIARY,
)

MOBILE_STUDENTS = register(
    InputKind(
        name="mobile_students",
        description="Internationally mobile tertiary students (ISCED 5-8) enrolled in a host "
        "country (destination) by country of origin (country of prior education), "
        "as reported by the host; one row per origin x destination x year (x sex, "
        "isced_level). origin _T = host total over all origins, _U = unknown origin; "
        "destination _T = origin total over all hosts as published.",
        columns=(
            Column(
                "origin",
                "str",
                "Country of origin (ISO3), or _T (all) / _U (unknown)",
                pattern=f"{AREA_PATTERN}|_T|_U",
            ),
            Column(
                "destination",
                "str",
                "Host country (ISO3), or _T (all hosts, as published)",
                pattern=f"{AREA_PATTERN}|_T",
            ),
            TIME_PERIOD,
            SEX,
            ISCED_LEVEL,
            Column(
                "students",
                "float",
                "Internationally mobile students (UIS estimates can be fractional)",
                unit="person",
                ge=0,
            ),
        ),
        unique=("origin", "destination", "time_period", "sex", "isced_level"),
    )
)

TERTIARY_ENROLMENT = register(
    InputKind(
        name="tertiary_enrolment",
        description="Total tertiary enrolment (ISCED 5-8, national and international students) "
        "in a country in an academic year, optionally by sex and isced_level.",
        columns=(
            REF_AREA,
            TIME_PERIOD,
            SEX,
            ISCED_LEVEL,
            Column(
                "enrolment", "float", "Students enrolled in tertiary education", unit="person", ge=0
            ),
        ),
        unique=("ref_area", "time_period", "sex", "isced_level"),
    )
)

TERTIARY_AGE_POPULATION = register(
    InputKind(
        name="tertiary_age_population",
        description="Population of the official tertiary school age (UIS: the five-year age group "
        "following the end of upper secondary) of a country, optionally by sex.",
        columns=(
            REF_AREA,
            TIME_PERIOD,
            SEX,
            Column("population", "float", "Population of tertiary school age", unit="person", ge=0),
        ),
        unique=("ref_area", "time_period", "sex"),
    )
)
