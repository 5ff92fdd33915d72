"""Migrant–native gaps in labour-market, education and housing outcomes from survey microdata
(OECD/EU Settling In; Zaragoza indicators).

Each registered indicator is a function of this subpackage returning a
:class:`~migindicators.core.result.Result`; the modules hold the pure compute functions beside them.
"""

from __future__ import annotations

from migindicators.integration.gaps import (
    activity_rate_gap,
    employment_rate_gap,
    housing_tenure_gap,
    informal_employment_gap,
    school_attendance_gap,
    tertiary_attainment_gap,
    unemployment_rate_gap,
)

__all__ = [
    "activity_rate_gap",
    "employment_rate_gap",
    "housing_tenure_gap",
    "informal_employment_gap",
    "school_attendance_gap",
    "tertiary_attainment_gap",
    "unemployment_rate_gap",
]
