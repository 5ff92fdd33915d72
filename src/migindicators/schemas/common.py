"""Standard columns shared by many input kinds (SDMX concepts, snake_case).

Kinds compose these rather than re-declaring them, so that ``ref_area`` means the same
thing (ISO 3166-1 alpha-3, or an M49 numeric code for an aggregate) everywhere.
"""

from __future__ import annotations

from dataclasses import replace

from migindicators.schemas._spec import Column

__all__ = [
    "AGE_GROUP",
    "DESTINATION",
    "MIGRATORY_STATUS",
    "ORIGIN",
    "REF_AREA",
    "SEX",
    "SEX_CODES",
    "TIME_PERIOD",
    "WEIGHT",
    "area_column",
]

#: Sex codes (SDMX CL_SEX): female, male, total.
SEX_CODES = ("F", "M", "_T")

#: An ISO3 code, or an M49 numeric code (1 to 3 digits) for regions.
AREA_PATTERN = r"[A-Z]{3}|\d{1,3}"

REF_AREA = Column(
    "ref_area", "str", "Reference area: ISO 3166-1 alpha-3 code, or M49 code", pattern=AREA_PATTERN
)
TIME_PERIOD = Column("time_period", "int", "Reference year", ge=1900, le=2100)
SEX = Column("sex", "str", "Sex: F, M or _T (total)", required=False, isin=SEX_CODES)
AGE_GROUP = Column("age_group", "str", "Age group label, e.g. Y15T19, Y_GE65 or _T", required=False)
MIGRATORY_STATUS = Column(
    "migratory_status",
    "str",
    "Migratory status: MS_MIGRANT, MS_NOMIGRANT or _T (SDMX COMPOSITE_BREAKDOWN codes)",
    required=False,
)
ORIGIN = Column("origin", "str", "Area of origin (ISO3 or M49)", pattern=AREA_PATTERN)
DESTINATION = Column(
    "destination", "str", "Area of destination (ISO3 or M49)", pattern=AREA_PATTERN
)
WEIGHT = Column(
    "weight", "float", "Survey or expansion weight", ge=0, nullable=True, required=False
)


def area_column(name: str, description: str, **changes: object) -> Column:
    """An area-code column under another name (``origin``, ``coo``, …)."""
    return replace(REF_AREA, name=name, description=description, **changes)  # type: ignore[arg-type]
