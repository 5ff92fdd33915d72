"""Input kinds for SDG 8.8.1 (occupational injuries, workers) and 8.8.2 (labour rights)."""

from __future__ import annotations

from migindicators.schemas import register
from migindicators.schemas._spec import Column, InputKind
from migindicators.schemas.common import MIGRATORY_STATUS, REF_AREA, SEX, TIME_PERIOD

__all__ = ["INJURY_CASES", "LABOUR_RIGHTS_CODING", "MIGRATORY_STATUS_CODES", "WORKERS"]

#: Migratory status codes of the SDG DSD's COMPOSITE_BREAKDOWN, plus the total.
MIGRATORY_STATUS_CODES = ("MS_MIGRANT", "MS_NOMIGRANT", "_T")

_STATUS = Column(
    MIGRATORY_STATUS.name,
    MIGRATORY_STATUS.dtype,
    MIGRATORY_STATUS.description,
    required=False,
    isin=MIGRATORY_STATUS_CODES,
)
_COVERAGE = Column(
    "coverage",
    "str",
    "The group of workers the source covers (e.g. 'employees', 'all workers', "
    "'insured'); numerator and denominator rows are matched on it",
    required=False,
)

INJURY_CASES = register(
    InputKind(
        name="occupational_injuries",
        description="New cases of fatal (death within one year of the accident) or non-fatal "
        "occupational injury in a reference year, by country, optionally by sex, "
        "migratory status and the coverage of the source; one row per key.",
        columns=(
            REF_AREA,
            TIME_PERIOD,
            SEX,
            _STATUS,
            _COVERAGE,
            Column(
                "cases",
                "float",
                "New cases of occupational injury in the year",
                unit="person",
                ge=0,
            ),
        ),
        unique=("ref_area", "time_period", "sex", "migratory_status", "coverage"),
    )
)

WORKERS = register(
    InputKind(
        name="workers",
        description="Average number of workers in the reference group in the year (the group the "
        "injury source covers), optionally in full-time equivalents; one row per key.",
        columns=(
            REF_AREA,
            TIME_PERIOD,
            SEX,
            _STATUS,
            _COVERAGE,
            Column(
                "workers", "float", "Average number of workers (head count)", unit="person", ge=0
            ),
            Column(
                "workers_fte",
                "float",
                "Workers in full-time equivalents (part-time work converted); blank when "
                "not available",
                unit="person",
                ge=0,
                required=False,
                nullable=True,
            ),
        ),
        unique=("ref_area", "time_period", "sex", "migratory_status", "coverage"),
    )
)

LABOUR_RIGHTS_CODING = register(
    InputKind(
        name="labour_rights_coding",
        description="ILO coding of freedom of association and collective bargaining: one row per "
        "country, year, evaluation criterion and textual source, saying whether the "
        "source reports a violation, with the criterion's Delphi weight.",
        columns=(
            REF_AREA,
            TIME_PERIOD,
            Column("criterion", "str", "Evaluation criterion identifier"),
            Column("source", "str", "Textual source letter (a-g)", required=False),
            Column("weight", "float", "Delphi weight of the criterion", ge=0),
            Column("violation", "int", "1 when the source codes a violation, else 0", isin=(0, 1)),
            Column(
                "general_prohibition",
                "int",
                "1 when the criterion is a general prohibition (automatic score 10 when violated)",
                required=False,
                isin=(0, 1),
            ),
        ),
        unique=("ref_area", "time_period", "criterion", "source"),
    )
)
