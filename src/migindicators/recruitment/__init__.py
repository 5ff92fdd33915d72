"""Recruitment costs borne by employees (SDG 10.7.1, ILO/World Bank methodology).

Each registered indicator is a function of this subpackage returning a
:class:`~migindicators.core.result.Result`; the modules hold the pure compute functions beside them.
"""

from __future__ import annotations

from migindicators.recruitment.indicators import (
    recruitment_cost_indicator,
    recruitment_cost_ratio_of_totals,
)

__all__ = [
    "recruitment_cost_indicator",
    "recruitment_cost_ratio_of_totals",
]
