"""Named, pluggable quality rules for survey estimates (flag or suppress cells).

A rule looks at a result frame (``value``, ``se``, ``n``, ``cv`` …) and returns the cells it
flags; :func:`apply_rules` runs a selection of rules in order, adds each rule's flag code to the
``flag`` column and returns a record of what was applied and which cells were flagged, for
``Result.metadata["quality_rules"]``. The idea is xclim's registry of missing-value methods:
rules are looked up by name, take keyword parameters, and new ones can be registered.

Built-in rules (defaults are common practice in national statistics offices, e.g. the ILO's
and Eurostat's LFS publication thresholds; adjust them to your office's rules):

``min_n`` (``min=30``)
    Flags ``low_n`` where fewer than *min* unweighted observations entered the cell.
``max_cv`` (``max=0.3``)
    Flags ``high_cv`` where the coefficient of variation ``se / |value|`` exceeds *max*.
``suppress`` (``when=("low_n",)``)
    Withholds ``value``, ``se`` and the interval of cells already carrying any of the codes in
    *when*, and flags them ``suppressed``. Off unless asked for: run it after the flagging
    rules.

Example: ``quality={"min_n": {"min": 50}, "max_cv": {"max": 0.2}, "suppress": {}}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.flags import add_flag, has_flag

__all__ = ["DEFAULT_RULES", "QualityRule", "apply_rules", "quality_rules", "register_rule"]

RuleFunc = Callable[..., "np.ndarray"]


@dataclass(frozen=True)
class QualityRule:
    """A named rule: a function ``(frame, **params) -> boolean mask`` and its flag code."""

    name: str
    flag: str
    description: str
    func: RuleFunc
    defaults: Mapping[str, Any] = field(default_factory=dict)
    suppresses: bool = False


_RULES: dict[str, QualityRule] = {}

#: Rules applied when a caller gives none: flag only, never suppress.
DEFAULT_RULES: dict[str, dict[str, Any]] = {"min_n": {"min": 30}, "max_cv": {"max": 0.3}}


def register_rule(rule: QualityRule) -> QualityRule:
    """Add *rule* to the registry (a different rule of the same name is an error)."""
    if rule.name in _RULES and _RULES[rule.name] is not rule:
        raise ValueError(f"quality rule {rule.name!r} is already registered")
    _RULES[rule.name] = rule
    return rule


def quality_rules() -> dict[str, QualityRule]:
    """All registered rules, by name."""
    return dict(_RULES)


def _min_n(frame: pd.DataFrame, *, min: int = 30) -> np.ndarray:
    n = pd.to_numeric(frame["n"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(n < min, dtype=bool)


def _max_cv(frame: pd.DataFrame, *, max: float = 0.3) -> np.ndarray:
    value = frame["value"].to_numpy(dtype=float)
    se = frame["se"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(value != 0, se / np.abs(value), np.nan)
    return np.asarray(cv > max, dtype=bool)


def _suppress(frame: pd.DataFrame, *, when: Sequence[str] = ("low_n",)) -> np.ndarray:
    mask = np.zeros(len(frame), dtype=bool)
    for code in when:
        mask |= has_flag(frame["flag"], code).to_numpy(dtype=bool)
    return mask


register_rule(
    QualityRule("min_n", "low_n", "fewer unweighted observations than `min`", _min_n, {"min": 30})
)
register_rule(
    QualityRule("max_cv", "high_cv", "coefficient of variation above `max`", _max_cv, {"max": 0.3})
)
register_rule(
    QualityRule(
        "suppress",
        "suppressed",
        "withhold cells flagged with any code in `when`",
        _suppress,
        {"when": ["low_n"]},
        suppresses=True,
    )
)

_WITHHELD = ("value", "se", "ci_lower", "ci_upper", "cv")


def apply_rules(
    frame: pd.DataFrame,
    rules: Mapping[str, Mapping[str, Any]] | Sequence[str] | None,
    *,
    key_columns: Sequence[str] = (),
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Apply quality *rules* to a result frame.

    Parameters
    ----------
    frame : pandas.DataFrame
        Result data with ``value``, ``se``, ``n`` and ``flag``.
    rules : mapping of name to parameters, or sequence of names, or None
        ``None`` applies :data:`DEFAULT_RULES`; ``{}`` or ``[]`` applies none.
    key_columns : sequence of str
        Columns that identify a cell, used to list flagged cells in the record.

    Returns
    -------
    frame : pandas.DataFrame
        A copy with flags added (and values withheld by suppressing rules).
    applied : list of dict
        Per rule: ``rule``, ``flag``, ``params``, ``cells_flagged`` and ``flagged`` (the key
        values of the flagged cells, at most 50).
    """
    chosen: dict[str, dict[str, Any]]
    if rules is None:
        chosen = {k: dict(v) for k, v in DEFAULT_RULES.items()}
    elif isinstance(rules, Mapping):
        chosen = {k: dict(v) for k, v in rules.items()}
    else:
        chosen = {name: {} for name in rules}
    out = frame.copy()
    if "flag" not in out.columns:
        out["flag"] = ""
    applied: list[dict[str, Any]] = []
    for name, params in chosen.items():
        if name not in _RULES:
            raise KeyError(f"unknown quality rule {name!r}; known rules: {sorted(_RULES)}")
        rule = _RULES[name]
        merged = {**rule.defaults, **params}
        mask = rule.func(out, **merged) if len(out) else np.zeros(0, dtype=bool)
        out["flag"] = add_flag(out["flag"], mask, rule.flag)
        if rule.suppresses:
            for col in _WITHHELD:
                if col in out.columns:
                    out.loc[mask, col] = np.nan
        keys = [c for c in key_columns if c in out.columns]
        flagged = out.loc[mask, keys].head(50).to_dict("records") if keys else []
        applied.append(
            {
                "rule": name,
                "flag": rule.flag,
                "params": merged,
                "cells_flagged": int(mask.sum()),
                "flagged": flagged,
            }
        )
    return out, applied
