"""Well-managed migration policies (SDG 10.7.2, UN DESA/IOM inquiry).

Each registered indicator is a function of this subpackage returning a
:class:`~migindicators.core.result.Result`; the modules hold the pure compute functions beside them.
"""

from __future__ import annotations

from migindicators.policy.indicators import (
    migration_policy_categories,
    migration_policy_score,
)

__all__ = [
    "migration_policy_categories",
    "migration_policy_score",
]
