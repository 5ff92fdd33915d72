"""Input kind for recruitment costs (SDG 10.7.1): one row per migrant worker in a survey.

The layout is that of a labour force survey migration module (ILO/World Bank): the recruitment
cost items the worker (or family) paid, in the currency paid; the monthly earnings of the first
job abroad, net of taxes, social contributions and deductions that repay recruitment costs, in
their currency; the worker's characteristics for the official disaggregations; the year the
first job abroad began (recall window); and the design columns (named in the ``Design``).
Exchange rates, when currencies differ, come as data in the input kind ``exchange_rates``.
"""

from __future__ import annotations

from migindicators.core.units import CURRENCIES
from migindicators.schemas import register
from migindicators.schemas._spec import Column, InputKind
from migindicators.schemas.common import AGE_GROUP, SEX, TIME_PERIOD, WEIGHT, area_column

__all__ = ["COST_ITEMS", "EMPLOYMENT_STATUSES", "RECRUITMENT_SURVEY"]

#: ILO cost categories, one optional column each (amounts paid by the worker or family).
COST_ITEMS = (
    "cost_fees",
    "cost_documents",
    "cost_medical",
    "cost_travel",
    "cost_training",
    "cost_other",
)

#: Status in the first job abroad; self-employed workers are outside the indicator's scope.
EMPLOYMENT_STATUSES = ("employee", "self_employed", "other")

_ITEM_TEXT = {
    "cost_fees": "Recruitment or agency fees",
    "cost_documents": "Documents: passport, visa, work and residence permits, clearances",
    "cost_medical": "Medical examinations and insurance",
    "cost_travel": "Travel and lodging to reach the place of employment",
    "cost_training": "Skills tests, training and pre-departure orientation",
    "cost_other": "Other recruitment-related costs (equipment, bank charges, …)",
}

RECRUITMENT_SURVEY = register(
    InputKind(
        name="recruitment_survey",
        description="One row per migrant worker (e.g. a returned migrant in an LFS migration "
        "module): cost items paid by the worker, monthly earnings in the first job abroad, "
        "characteristics, year the first job began, and sample-design columns.",
        columns=(
            area_column("ref_area", "Country of the survey (origin, ISO3)", required=False),
            TIME_PERIOD,
            *(
                Column(name, "float", text, ge=0, nullable=True, required=False)
                for name, text in _ITEM_TEXT.items()
            ),
            Column(
                "recruitment_cost",
                "float",
                "Total recruitment cost paid by the worker, when items are not recorded",
                ge=0,
                nullable=True,
                required=False,
            ),
            Column("cost_currency", "str", "ISO 4217 currency of the costs", isin=CURRENCIES),
            Column(
                "earnings",
                "float",
                "Monthly earnings in the first job abroad, net of taxes, social contributions "
                "and deductions repaying recruitment costs",
                ge=0,
                nullable=True,
            ),
            Column("earnings_currency", "str", "ISO 4217 currency of earnings", isin=CURRENCIES),
            Column(
                "first_job_year",
                "nullable_int",
                "Year the first job abroad began",
                nullable=True,
                ge=1950,
                le=2100,
            ),
            Column(
                "employment_status",
                "str",
                "Status in the first job abroad: employee, self_employed or other",
                required=False,
                isin=EMPLOYMENT_STATUSES,
            ),
            area_column("destination", "Country of destination (ISO3)", required=False),
            SEX,
            AGE_GROUP,
            Column(
                "education",
                "str",
                "Level of education (ISCED 2011 group)",
                required=False,
                nullable=True,
            ),
            Column(
                "occupation",
                "str",
                "Occupation in the first job abroad (ISCO-08 code)",
                required=False,
                nullable=True,
                pattern=r"\d{1,4}",
            ),
            Column(
                "industry",
                "str",
                "Industry of the first job abroad (ISIC Rev.4 section)",
                required=False,
                nullable=True,
            ),
            Column(
                "documented",
                "str",
                "Documented or undocumented migration: yes / no",
                required=False,
                nullable=True,
                isin=("yes", "no"),
            ),
            WEIGHT,
        ),
    )
)
