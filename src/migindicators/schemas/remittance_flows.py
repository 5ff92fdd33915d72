"""Input kinds for remittance inflows and GDP by country and year (SDG 17.3.2)."""

from __future__ import annotations

from migindicators.schemas import register
from migindicators.schemas._spec import Column, InputKind
from migindicators.schemas.common import REF_AREA, TIME_PERIOD

__all__ = ["GDP", "REMITTANCES"]

CURRENCY = Column(
    "currency",
    "str",
    "ISO 4217 code of the amounts (default USD when the column is absent)",
    required=False,
    pattern=r"[A-Z]{3}",
)
UNIT_MULT = Column(
    "unit_mult",
    "int",
    "Power of ten of the amounts (SDMX UNIT_MULT: 0 units, 6 millions, 9 "
    "billions); default 0 when the column is absent",
    required=False,
    ge=0,
    le=15,
)

REMITTANCES = register(
    InputKind(
        name="remittances",
        description="Personal remittances received by a country in a year (IMF BPM6: personal "
        "transfers + compensation of employees), current prices; one row per key. "
        "A blank amount is missing data.",
        columns=(
            REF_AREA,
            TIME_PERIOD,
            Column(
                "remittances",
                "float",
                "Personal remittances received, current prices",
                unit="USD",
                ge=0,
                nullable=True,
            ),
            CURRENCY,
            UNIT_MULT,
        ),
        unique=("ref_area", "time_period"),
    )
)

GDP = register(
    InputKind(
        name="gdp",
        description="Gross domestic product of a country in a year, current prices (2008 SNA); "
        "one row per key. A blank amount is missing data; zero or negative values "
        "are accepted and give an undefined ratio.",
        columns=(
            REF_AREA,
            TIME_PERIOD,
            Column("gdp", "float", "GDP, current prices", unit="USD", nullable=True),
            CURRENCY,
            UNIT_MULT,
        ),
        unique=("ref_area", "time_period"),
    )
)
