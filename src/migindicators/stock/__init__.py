"""Migrant stock: totals, shares, sex ratio, median age, origin, recent arrivals and growth, from
census microdata or published tables (UN DESA).

Each registered indicator is a function of this subpackage returning a
:class:`~migindicators.core.result.Result`; the modules hold the pure compute functions beside them.
"""

from __future__ import annotations

from migindicators.stock.indicators import (
    migrant_female_share,
    migrant_median_age,
    migrant_sex_ratio,
    migrant_share_of_population,
    migrant_stock,
    migrant_stock_by_origin,
    migrant_stock_growth_rate,
    recent_migrants,
)

__all__ = [
    "migrant_female_share",
    "migrant_median_age",
    "migrant_sex_ratio",
    "migrant_share_of_population",
    "migrant_stock",
    "migrant_stock_by_origin",
    "migrant_stock_growth_rate",
    "recent_migrants",
]
