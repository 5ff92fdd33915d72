"""Protection of migrants: refugees (SDG 10.7.4), deaths and disappearances (10.7.3), victims of
trafficking (16.2.2) and smuggling fees.

Each registered indicator is a function of this subpackage returning a
:class:`~migindicators.core.result.Result`; the modules hold the pure compute functions beside them.
"""

from __future__ import annotations

from migindicators.protection.deaths import (
    migrant_deaths_and_disappearances,
)
from migindicators.protection.refugees import (
    refugees_per_100k,
)
from migindicators.protection.smuggling import (
    smuggling_fees,
)
from migindicators.protection.trafficking import (
    trafficking_victims_per_100k,
)

__all__ = [
    "migrant_deaths_and_disappearances",
    "refugees_per_100k",
    "smuggling_fees",
    "trafficking_victims_per_100k",
]
