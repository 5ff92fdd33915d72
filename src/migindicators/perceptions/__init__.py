"""Public perceptions and migration aspirations from opinion surveys (Gallup World Poll style).

Each registered indicator is a function of this subpackage returning a
:class:`~migindicators.core.result.Result`; the modules hold the pure compute functions beside them.
"""

from __future__ import annotations

from migindicators.perceptions.indicators import (
    desire_to_migrate_share,
    migrant_views_share,
    potential_net_migration_index,
)

__all__ = [
    "desire_to_migrate_share",
    "migrant_views_share",
    "potential_net_migration_index",
]
