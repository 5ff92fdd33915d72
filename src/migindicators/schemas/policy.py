"""Input kind for SDG 10.7.2: answers to the UN Inquiry on migration policies (Module II)."""

from __future__ import annotations

from migindicators.schemas import register
from migindicators.schemas._spec import Column, InputKind
from migindicators.schemas.common import TIME_PERIOD, area_column

__all__ = ["ANSWER_CODES", "POLICY_ANSWERS"]

#: Answer codes. Domain 1 (migrant rights) uses the three-level codes; domains 2–6 yes / no.
ANSWER_CODES = ("yes", "no", "yes_regardless_of_status", "yes_legal_status_only")

POLICY_ANSWERS = register(
    InputKind(
        name="policy_answers",
        description="Answers of one country in one survey round to the 30 sub-categories (6 "
        "domains x 5) of SDG indicator 10.7.2; one row per sub-category. A blank "
        "answer (or a missing row) means no answer.",
        columns=(
            area_column("ref_area", "Responding country (ISO3)"),
            TIME_PERIOD,
            Column("domain", "int", "Policy domain 1-6 (PD_1 ... PD_6)", ge=1, le=6),
            Column("subcategory", "int", "Sub-category 1-5 within the domain", ge=1, le=5),
            Column(
                "answer",
                "str",
                "Domain 1: yes_regardless_of_status, yes_legal_status_only or no; domains "
                "2-6: yes or no; blank when not answered",
                nullable=True,
                isin=ANSWER_CODES,
            ),
        ),
        unique=("ref_area", "time_period", "domain", "subcategory"),
    )
)
