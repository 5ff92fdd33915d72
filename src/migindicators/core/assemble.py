"""Assemble an indicator's :class:`~migindicators.core.result.Result` in the standard layout.

Apart from :mod:`migindicators.core.result` so that ``Result`` itself imports nothing of the
registry: this module reads the indicator's registry entry (name, unit, SDG codes) and writes
the provenance block.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.ledger import RowLedger
from migindicators.core.provenance import provenance
from migindicators.core.registry import registry
from migindicators.core.result import VALUE_COLUMNS, Result

__all__ = ["make_result"]


def make_result(
    indicator_id: str,
    data: pd.DataFrame,
    ledger: RowLedger,
    *,
    group_columns: Sequence[str],
    options: Mapping[str, Any],
    inputs: Mapping[str, Any],
    unit: str | None = None,
    method: str = "",
    extra_metadata: Mapping[str, Any] | None = None,
) -> Result:
    """Assemble a :class:`Result` in the standard layout.

    Missing standard columns are filled (``se``, ``ci_lower``, ``ci_upper`` with NaN, ``flag``
    with ``""``), columns are ordered (groups, then :data:`VALUE_COLUMNS`, then any extra
    columns), rows are sorted by the groups, and the provenance block and row accounting are
    written to the metadata. The registry entry of *indicator_id* supplies name, unit and SDG
    codes when it exists.
    """
    spec = registry.get(indicator_id)
    out = data.copy()
    unit = unit or (spec.unit if spec is not None else "")
    if "unit" not in out.columns:
        out["unit"] = unit
    for col in ("se", "ci_lower", "ci_upper"):
        if col not in out.columns:
            out[col] = np.nan
    if "flag" not in out.columns:
        out["flag"] = ""
    out["flag"] = out["flag"].astype("object").fillna("")
    if "n" not in out.columns:
        out["n"] = pd.NA
    groups = [g for g in group_columns if g in out.columns]
    extra = [c for c in out.columns if c not in groups and c not in VALUE_COLUMNS]
    out = out[[*groups, *VALUE_COLUMNS, *extra]]
    if groups and len(out):
        out = out.sort_values(groups, kind="stable", na_position="last").reset_index(drop=True)
    else:
        out = out.reset_index(drop=True)
    metadata: dict[str, Any] = {
        "indicator": indicator_id,
        "name": spec.name if spec is not None else indicator_id,
        "unit": unit,
        "sdg": spec.sdg if spec is not None else None,
        "sdmx_series": spec.sdmx_series if spec is not None else None,
        "agenda_points": list(spec.agenda_points) if spec is not None else [],
        "method": method,
        "group_columns": groups,
        "rows": ledger.summary(),
        "quality_rules": [],
    }
    metadata.update(provenance(indicator_id, options=options, inputs=inputs))
    if extra_metadata:
        metadata.update(extra_metadata)
    return Result(data=out, exclusions=ledger.frame(), metadata=metadata)
