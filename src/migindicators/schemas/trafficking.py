"""Input kind for detected (and estimated undetected) victims of human trafficking."""

from __future__ import annotations

from migindicators.schemas import register
from migindicators.schemas._spec import Column, InputKind
from migindicators.schemas.common import AGE_GROUP, SEX, TIME_PERIOD, area_column

__all__ = ["FORMS_OF_EXPLOITATION", "TRAFFICKING_VICTIMS"]

#: Forms of exploitation, as in the suffixes of the SDG series VC_HTF_DETV*: sexual
#: exploitation, forced labour, removal of organs, other purposes, and the total.
FORMS_OF_EXPLOITATION = ("SX", "FL", "OG", "OP", "_T")

TRAFFICKING_VICTIMS = register(
    InputKind(
        name="trafficking_victims",
        description="Victims of trafficking in persons detected in a country in a year (UNODC "
        "GLOTIP layout), optionally by sex, age group and form of exploitation, with "
        "an optional estimate of undetected victims; one row per key.",
        columns=(
            area_column("ref_area", "Country where the victims were detected (ISO3)"),
            TIME_PERIOD,
            SEX,
            AGE_GROUP,
            Column(
                "form_of_exploitation",
                "str",
                "Form of exploitation: SX sexual exploitation, FL forced labour, OG removal "
                "of organs, OP other purposes, _T total",
                required=False,
                isin=FORMS_OF_EXPLOITATION,
            ),
            Column("victims", "float", "Detected victims", unit="person", ge=0),
            Column(
                "undetected_victims",
                "float",
                "Estimated undetected victims (e.g. Multiple Systems Estimation); blank when "
                "no estimate exists",
                unit="person",
                ge=0,
                required=False,
                nullable=True,
            ),
        ),
        unique=("ref_area", "time_period", "sex", "age_group", "form_of_exploitation"),
    )
)
