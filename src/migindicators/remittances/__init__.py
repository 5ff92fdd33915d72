"""Remittances: the cost of sending money (SDG 10.c.1, World Bank Remittance Prices Worldwide and
SmaRT) and remittances as a share of GDP (SDG 17.3.2).

Each registered indicator is a function of this subpackage returning a
:class:`~migindicators.core.result.Result`; the modules hold the pure compute functions beside them.
"""

from __future__ import annotations

from migindicators.remittances.costs import (
    remittance_cost_average,
    remittance_cost_change,
    remittance_cost_weighted_average,
    remittance_total_cost,
)
from migindicators.remittances.gdp_share import (
    remittances_share_of_gdp,
)
from migindicators.remittances.smart import (
    remittance_cost_smart,
)
from migindicators.remittances.targets import (
    remittance_corridors_above_target,
)

__all__ = [
    "remittance_corridors_above_target",
    "remittance_cost_average",
    "remittance_cost_change",
    "remittance_cost_smart",
    "remittance_cost_weighted_average",
    "remittance_total_cost",
    "remittances_share_of_gdp",
]
