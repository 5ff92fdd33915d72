"""Input kinds for fees paid to migrant smugglers, and dated exchange rates.

One row of ``smuggling_reports`` is one report of a smuggling incident or of a smuggled
migrant's journey, as collected by the UNODC Voluntary Reporting System on Migrant Smuggling
and Related Conduct (VRS-MSRC): the reporting State, the date, the route, the means of
transport, and the fee paid, in the currency it was paid in. Amounts in different currencies
never mix: ``exchange_rates`` carries dated rates as data.
"""

from __future__ import annotations

from migindicators.core.units import CURRENCIES
from migindicators.schemas import register
from migindicators.schemas._spec import Column, InputKind
from migindicators.schemas.common import SEX, TIME_PERIOD, area_column

__all__ = ["DATE_PATTERN", "EXCHANGE_RATES", "SMUGGLING_REPORTS", "TRANSPORT_MODES"]

#: Means of transport of a smuggling journey (VRS-MSRC: air, land, sea; several = mixed).
TRANSPORT_MODES = ("air", "land", "sea", "mixed", "unknown")

#: An ISO 8601 calendar date, YYYY-MM-DD.
DATE_PATTERN = r"\d{4}-\d{2}-\d{2}"

SMUGGLING_REPORTS = register(
    InputKind(
        name="smuggling_reports",
        description="One report of a migrant-smuggling incident or journey (UNODC VRS-MSRC "
        "layout): reporting State, date, route, means of transport and the fee paid to the "
        "smugglers in the currency of payment; one row per report.",
        columns=(
            Column("report_id", "str", "Identifier of the report"),
            area_column("ref_area", "Reporting State (ISO3)"),
            TIME_PERIOD,
            Column(
                "date",
                "str",
                "Date of payment or of the incident (YYYY-MM-DD), used to pick the exchange rate",
                nullable=True,
                pattern=DATE_PATTERN,
            ),
            Column(
                "route",
                "str",
                "Smuggling route label, e.g. 'Central Mediterranean' or 'LBY-ITA' (missing = "
                "'unknown')",
                nullable=True,
            ),
            Column(
                "transport",
                "str",
                "Means of transport: air, land, sea, mixed or unknown (missing = 'unknown')",
                nullable=True,
                isin=TRANSPORT_MODES,
            ),
            Column(
                "fee",
                "float",
                "Fee paid to the smugglers (missing = not reported)",
                ge=0,
                nullable=True,
            ),
            Column(
                "currency",
                "str",
                "ISO 4217 code of the currency the fee was paid in",
                nullable=True,
                isin=CURRENCIES,
            ),
            Column(
                "persons",
                "float",
                "Number of migrants the fee covers (absent or missing = 1)",
                required=False,
                nullable=True,
                ge=1,
                unit="person",
            ),
            area_column(
                "origin",
                "Country where the smuggled journey began (ISO3)",
                required=False,
                nullable=True,
            ),
            area_column(
                "destination",
                "Intended country of destination (ISO3)",
                required=False,
                nullable=True,
            ),
            SEX,
        ),
        unique=("report_id",),
    )
)

EXCHANGE_RATES = register(
    InputKind(
        name="exchange_rates",
        description="Dated exchange rates: units of `currency` per one unit of `base` on "
        "`date` (e.g. a daily rate, or a monthly average dated on the first of the month); "
        "one row per currency, base and date.",
        columns=(
            Column("currency", "str", "ISO 4217 code of the quoted currency", isin=CURRENCIES),
            Column("base", "str", "ISO 4217 code of the base currency (e.g. USD)", isin=CURRENCIES),
            Column("date", "str", "Date of the rate (YYYY-MM-DD)", pattern=DATE_PATTERN),
            Column("rate", "float", "Units of `currency` per one unit of `base`", ge=0),
        ),
        unique=("currency", "base", "date"),
    )
)
