"""Input kind ``integration_persons``: person records for migrant–native integration gaps.

One row is one person of a labour force survey, a census sample or a household survey, with
the standard person columns of the ``census`` kind (``ref_area``, ``time_period``, ``sex``,
``age``, ``country_of_birth``, ``citizenship``, ``weight``, ``household``, ``strata``), an
optional ``psu``, and the outcome columns the integration indicators read. Each outcome is
optional: an indicator needs only its own (``labour_status`` for the labour-market rates,
``informal`` for informal employment, ``in_education`` for school attendance, ``education``
for tertiary attainment, ``tenure`` for housing tenure). A missing outcome is item
non-response: the person is excluded from that indicator and counted.
"""

from __future__ import annotations

from migindicators.schemas import register
from migindicators.schemas._spec import Column, InputKind
from migindicators.schemas.brain_drain import EDUCATION_LEVELS
from migindicators.schemas.census import CENSUS
from migindicators.schemas.common import REF_AREA, TIME_PERIOD

__all__ = ["INTEGRATION_PERSONS", "LABOUR_STATUS", "TENURE"]

#: ILO labour force status (ICLS 19th resolution): employed, unemployed, outside the labour
#: force.
LABOUR_STATUS = ("employed", "unemployed", "inactive")

#: Housing tenure of the person's dwelling: owner-occupier (with or without a mortgage),
#: tenant (market or reduced rent), other (rent-free, institutional, …).
TENURE = ("owner", "tenant", "other")

_BINARY = (0, 1)

INTEGRATION_PERSONS = register(
    InputKind(
        name="integration_persons",
        description="Person records of a labour force survey, census sample or household "
        "survey (one row per person) with country of birth and/or citizenship, sex, age, "
        "survey design columns and the outcomes of the integration indicators.",
        columns=(
            REF_AREA,
            TIME_PERIOD,
            CENSUS.column("sex"),
            CENSUS.column("age"),
            CENSUS.column("country_of_birth"),
            CENSUS.column("citizenship"),
            CENSUS.column("weight"),
            CENSUS.column("household"),
            CENSUS.column("strata"),
            Column(
                "psu",
                "str",
                "Primary sampling unit (when it is not the household)",
                required=False,
                nullable=True,
            ),
            Column(
                "labour_status",
                "str",
                "ILO labour force status: employed, unemployed or inactive",
                required=False,
                nullable=True,
                isin=LABOUR_STATUS,
            ),
            Column(
                "informal",
                "nullable_int",
                "1 if the main job is informal employment (ICLS 17th guidelines), 0 if formal; "
                "for employed persons",
                required=False,
                nullable=True,
                isin=_BINARY,
            ),
            Column(
                "in_education",
                "nullable_int",
                "1 if attending school or any formal education, 0 if not",
                required=False,
                nullable=True,
                isin=_BINARY,
            ),
            Column(
                "education",
                "str",
                "Highest level attained: low (ISCED 0-2), medium (3-4), high (5-8) or unknown",
                required=False,
                nullable=True,
                isin=EDUCATION_LEVELS,
            ),
            Column(
                "tenure",
                "str",
                "Housing tenure of the dwelling: owner, tenant or other",
                required=False,
                nullable=True,
                isin=TENURE,
            ),
        ),
    )
)
