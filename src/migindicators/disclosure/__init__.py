"""Disclosure control of published tables: suppression and cell-key perturbation.

A layer above the indicator families and below :mod:`migindicators.publish`: it takes a
:class:`~migindicators.core.result.Result` and returns one whose sensitive cells are
withheld (or perturbed) and flagged, with what was applied in ``metadata["disclosure"]``.

* :func:`protect` — primary suppression (frequency, threshold, (n,k) dominance, p%),
  complementary suppression over margins and hierarchies audited by linear programming, or
  cell-key perturbation;
* :func:`audit` — the feasible range of every withheld cell given the published ones;
* :func:`record_keys`, :func:`perturbation_table` — the ingredients of cell-key perturbation.
"""

from __future__ import annotations

from migindicators.disclosure.cellkey import cell_keys, perturb, perturbation_table, record_keys
from migindicators.disclosure.control import DEFAULT_PRIMARY, METHODS, protect
from migindicators.disclosure.primary import PRIMARY_RULES, cell_contributions, primary_mask
from migindicators.disclosure.secondary import AuditRow, audit, complementary_suppression
from migindicators.disclosure.table import TableStructure, table_structure

__all__ = [
    "DEFAULT_PRIMARY",
    "METHODS",
    "PRIMARY_RULES",
    "AuditRow",
    "TableStructure",
    "audit",
    "cell_contributions",
    "cell_keys",
    "complementary_suppression",
    "perturb",
    "perturbation_table",
    "primary_mask",
    "protect",
    "record_keys",
    "table_structure",
]
