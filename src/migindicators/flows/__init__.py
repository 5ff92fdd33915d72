"""Migration flows: indices of flow matrices (intensity, effectiveness, Ginis, connectivity,
distance), net migration rates, and flows estimated from bilateral stock tables and net
totals (:mod:`migindicators.flows.estimators`).

Each registered indicator is a function of this subpackage returning a
:class:`~migindicators.core.result.Result`; the modules hold the pure compute functions beside them.
"""

from __future__ import annotations

from migindicators.flows.estimators import (
    flows_demographic_accounting,
    flows_from_net_totals,
    flows_stock_difference,
    flows_stock_rates,
)
from migindicators.flows.indicators import (
    aggregate_net_migration_rate,
    courgeau_k,
    crude_migration_intensity,
    mean_migration_distance,
    migration_connectivity,
    migration_effectiveness_index,
    migration_field_gini_in,
    migration_field_gini_out,
    migration_gini_column,
    migration_gini_exchange,
    migration_gini_row,
    migration_gini_total,
    migration_inequality,
    migration_weighted_gini,
    net_migration_rate,
)

__all__ = [
    "aggregate_net_migration_rate",
    "courgeau_k",
    "crude_migration_intensity",
    "flows_demographic_accounting",
    "flows_from_net_totals",
    "flows_stock_difference",
    "flows_stock_rates",
    "mean_migration_distance",
    "migration_connectivity",
    "migration_effectiveness_index",
    "migration_field_gini_in",
    "migration_field_gini_out",
    "migration_gini_column",
    "migration_gini_exchange",
    "migration_gini_row",
    "migration_gini_total",
    "migration_inequality",
    "migration_weighted_gini",
    "net_migration_rate",
]
