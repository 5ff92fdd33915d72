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
``suppress`` (``when=("low_n", "unreliable")``)
    Withholds ``value``, ``se`` and the interval of cells already carrying any of the codes in
    *when*, and flags them ``suppressed``. Off unless asked for: run it after the flagging
    rules.

Quality profiles (:mod:`migindicators.core.quality_profiles`) are rules too, one per
published standard: ``"nchs"``, ``"statcan"``, ``"eurostat"``, ``"abs"``. A profile flags
``unreliable``, ``low_reliability`` or ``statistical_review``; its thresholds are parameters.

``quality=`` takes a mapping of rule name to parameters, a sequence of rule names, or one
rule or profile name: ``quality="nchs"``, ``quality=["abs", "suppress"]``,
``quality={"min_n": {"min": 50}, "max_cv": {"max": 0.2}, "suppress": {}}``,
``quality={"statcan": {"min_records": 20}, "suppress": {}}``. Rules run in the order given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.errors import OptionError, RegistryError, UnknownNameError
from migindicators.core.flags import add_flag, has_flag
from migindicators.core.quality_profiles import PROFILES

__all__ = [
    "DEFAULT_RULES",
    "QualityRule",
    "QualitySpec",
    "apply_rules",
    "quality_rules",
    "register_rule",
    "resolve_rules",
]

#: What ``quality=`` accepts — rule name → parameters, rule names, one name, or None.
QualitySpec = Mapping[str, Mapping[str, Any]] | Sequence[str] | str | None

#: ``(frame, **params)`` → mask, or (flag → mask, column → values) for a multi-flag rule.
RuleFunc = Callable[..., Any]


@dataclass(frozen=True)
class QualityRule:
    """A named rule: a function ``(frame, **params) -> boolean mask`` and its flag code.

    A rule with several outcomes (a quality profile) lists them in *flags*; its function
    returns ``({flag: mask}, {column: values})``, the columns being added to the frame.
    """

    name: str
    flag: str
    description: str
    func: RuleFunc
    defaults: Mapping[str, Any] = field(default_factory=dict)
    suppresses: bool = False
    flags: tuple[str, ...] = ()
    source: str = ""


_RULES: dict[str, QualityRule] = {}

#: Rules applied when a caller gives none (flag only, never suppress).
DEFAULT_RULES: dict[str, dict[str, Any]] = {"min_n": {"min": 30}, "max_cv": {"max": 0.3}}


def register_rule(rule: QualityRule) -> QualityRule:
    """Add *rule* to the registry (a different rule of the same name is an error)."""
    if rule.name in _RULES and _RULES[rule.name] is not rule:
        raise RegistryError(f"quality rule {rule.name!r} is already registered")
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


def _suppress(frame: pd.DataFrame, *, when: Sequence[str] = ("low_n", "unreliable")) -> np.ndarray:
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
        {"when": ["low_n", "unreliable"]},
        suppresses=True,
    )
)
for _profile in PROFILES.values():
    register_rule(
        QualityRule(
            _profile.name,
            _profile.flags[0],
            _profile.description,
            _profile.func,
            dict(_profile.defaults),
            flags=_profile.flags,
            source=_profile.source,
        )
    )

#: Columns a suppressing rule withholds: the value and everything that bounds it.
_WITHHELD = ("value", "se", "ci_lower", "ci_upper", "cv", "variance", "kg_lower", "kg_upper")


def resolve_rules(rules: QualitySpec) -> dict[str, dict[str, Any]]:
    """The rules a ``quality=`` argument selects, as rule name → parameters (in order).

    ``None`` gives :data:`DEFAULT_RULES`; a string is one rule or profile name.
    """
    if rules is None:
        return {k: dict(v) for k, v in DEFAULT_RULES.items()}
    if isinstance(rules, str):
        return {rules: {}}
    if isinstance(rules, Mapping):
        out: dict[str, dict[str, Any]] = {}
        for name, params in rules.items():
            if params is None:
                params = {}
            if not isinstance(params, Mapping):
                raise OptionError(
                    f"quality={{{name!r}: {params!r}}}: the parameters of a rule are a "
                    "mapping, e.g. {'min_n': {'min': 50}}"
                )
            out[str(name)] = dict(params)
        return out
    return {str(name): {} for name in rules}


def apply_rules(
    frame: pd.DataFrame,
    rules: QualitySpec,
    *,
    key_columns: Sequence[str] = (),
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Apply quality *rules* to a result frame.

    Parameters
    ----------
    frame : pandas.DataFrame
        Result data with ``value``, ``se``, ``n`` and ``flag``.
    rules : mapping, sequence of str, str or None
        A mapping of rule name to parameters, a sequence of names, or one name. ``None``
        applies :data:`DEFAULT_RULES`; ``{}`` or ``[]`` applies none; a string is one rule or
        quality profile (``"nchs"``, ``"statcan"``, ``"eurostat"``, ``"abs"``).
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
    chosen = resolve_rules(rules)
    out = frame.copy()
    if "flag" not in out.columns:
        out["flag"] = ""
    applied: list[dict[str, Any]] = []
    for name, params in chosen.items():
        if name not in _RULES:
            raise UnknownNameError(f"unknown quality rule {name!r}; known rules: {sorted(_RULES)}")
        rule = _RULES[name]
        unknown = sorted(set(params) - set(rule.defaults))
        if unknown:
            raise OptionError(
                f"quality rule {name!r} has no parameter {unknown}; its parameters are "
                f"{dict(rule.defaults)}"
            )
        merged = {**rule.defaults, **params}
        outcome = rule.func(out, **merged)
        if rule.flags:
            masks, columns = outcome
            for column, values in columns.items():
                out[column] = values
        else:
            masks = {rule.flag: np.asarray(outcome, dtype=bool)}
        mask = np.zeros(len(out), dtype=bool)
        counts: dict[str, int] = {}
        for code, code_mask in masks.items():
            code_mask = np.asarray(code_mask, dtype=bool)
            out["flag"] = add_flag(out["flag"], code_mask, code)
            counts[code] = int(code_mask.sum())
            mask |= code_mask
        if rule.suppresses:
            for col in _WITHHELD:
                if col in out.columns:
                    out.loc[mask, col] = np.nan
        keys = [c for c in key_columns if c in out.columns]
        flagged = out.loc[mask, keys].head(50).to_dict("records") if keys else []
        record: dict[str, Any] = {
            "rule": name,
            "flag": rule.flag,
            "params": merged,
            "cells_flagged": int(mask.sum()),
            "flagged": flagged,
        }
        if rule.flags:
            record["flags"] = counts
            record["source"] = rule.source
        applied.append(record)
    return out, applied
