"""Decent work by migratory status: occupational injury rates (SDG 8.8.1) and labour-rights
compliance (SDG 8.8.2).

Each registered indicator is a function of this subpackage returning a
:class:`~migindicators.core.result.Result`; the modules hold the pure compute functions beside them.
"""

from __future__ import annotations

from migindicators.decent_work.indicators import (
    labour_rights_compliance,
    occupational_injury_rate_fatal,
    occupational_injury_rate_nonfatal,
)

__all__ = [
    "labour_rights_compliance",
    "occupational_injury_rate_fatal",
    "occupational_injury_rate_nonfatal",
]
