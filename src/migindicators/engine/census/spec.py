"""What a census pass computes: its specification, its estimand and its output.

Plain data, no behaviour beyond validation of the options: every stage of the pass reads
these (:mod:`~migindicators.engine.census.run` wires them together).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.errors import OptionError
from migindicators.core.ledger import RowLedger
from migindicators.engine.calibration import CalibrationStep
from migindicators.io.ddi import Codebook
from migindicators.io.mapping import IPUMS_INTERNATIONAL, VariableMapping

__all__ = [
    "BASES",
    "INPUT",
    "MIGRANT",
    "NON_MIGRANT",
    "NOT_APPLICABLE",
    "STATUS_CODES",
    "UNKNOWN",
    "CensusPass",
    "CensusTotals",
    "Estimand",
    "W",
    "psu_table",
    "resolve_mapping",
]

#: SDMX migratory-status code of migrants.
MIGRANT = "MS_MIGRANT"
#: SDMX migratory-status code of non-migrants.
NON_MIGRANT = "MS_NOMIGRANT"
#: Migratory status unknown (SDMX ``_U``): birthplace or citizenship not stated.
UNKNOWN = "_U"
#: The migratory-status codes a census pass assigns.
STATUS_CODES = (MIGRANT, NON_MIGRANT, UNKNOWN)
#: Origin code of non-migrants and persons of unknown status ("not applicable", SDMX _Z).
NOT_APPLICABLE = "_Z"
#: Option value → (standard column, DESA type-of-data code).
BASES = {"birthplace": ("country_of_birth", "B"), "citizenship": ("citizenship", "C")}
#: Input kind of the row ledger.
INPUT = "census"
#: Name of the full-sample weight sum in the tables.
W = "w"

_MAPPINGS = {"ipums_international": IPUMS_INTERNATIONAL}


@dataclass(frozen=True)
class Estimand:
    """What a standard error is wanted for: sums of ``w·num`` (and ``w·den``) by domain.

    ``num`` and ``den`` are functions of a frame of cells (one row per cell of the pass's
    keys: ``ref_area``, ``time_period``, the ``by`` columns, ``migratory_status`` as a
    categorical of :data:`STATUS_CODES`, ``origin``, ``age``, ``year_of_arrival`` when the
    pass has them) returning boolean masks; a ratio when ``den`` is given, a total
    otherwise. ``domain`` names the keys the variance is wanted by (a subset of the keys).
    """

    domain: tuple[str, ...]
    num: Callable[[pd.DataFrame], np.ndarray]
    den: Callable[[pd.DataFrame], np.ndarray] | None = None


@dataclass(frozen=True)
class CensusPass:
    """The specification of one pass over the census."""

    by: tuple[str, ...] = ()
    basis: str = "auto"
    origin: bool = False
    single_age: bool = False
    arrival: bool = False
    age_width: int = 5
    age_top: int = 75
    mapping: VariableMapping | str | None = None
    ddi: Codebook | str | Path | None = None
    chunk_rows: int = 1_000_000
    variance: str = "auto"
    replicate_weights: tuple[str, ...] = ()
    estimand: Estimand | None = None
    progress: bool | None = None
    #: Calibration of the weights on the whole extract first (see
    #: :mod:`migindicators.engine.census.calibrated` and
    #: :mod:`migindicators.engine.census.calstream`).
    calibration: tuple[CalibrationStep, ...] = ()


@dataclass
class CensusTotals:
    """The combined tables of a pass.

    Attributes
    ----------
    table : pandas.DataFrame
        Keys ``ref_area``, ``time_period``, the ``by`` columns, ``migratory_status``
        (MS_MIGRANT, MS_NOMIGRANT, _U), optionally ``origin``, ``age`` (single years) and
        ``year_of_arrival``; sums ``n`` (rows) and ``w`` (weighted persons; equal to ``n``
        for unweighted input), and one column per replicate weight.
    moments : pandas.DataFrame or None
        Per (domain, ``_stratum``): sums over PSUs of the PSU totals ``_num``, ``_den`` and
        their products ``_num*_num``, ``_num*_den``, ``_den*_den`` (Taylor variance).
    psus : pandas.DataFrame or None
        Number of PSUs per (ref_area, time_period, ``_stratum``): ``n_psu``.
    calibrated : tuple or None
        On a calibrated pass with Taylor variance, a pair (frame, set): ``var`` per domain
        of the estimand from the calibration residuals, and the domains with a stratum of
        one PSU (the moments are then those of the uncalibrated scores and are not used).
    """

    table: pd.DataFrame
    ledger: RowLedger
    basis: str
    weighted: bool
    variance: str
    replicate_weights: tuple[str, ...]
    moments: pd.DataFrame | None = None
    psus: pd.DataFrame | None = None
    notes: dict[str, Any] = field(default_factory=dict)
    calibrated: tuple[pd.DataFrame, set[tuple[Any, ...]]] | None = None

    @property
    def type_of_data(self) -> str:
        """DESA's type-of-data code of the basis, ``B`` (foreign-born) or ``C`` (citizens)."""
        return BASES[self.basis][1]


def psu_table(strata: Sequence[Sequence[Any]], n_psu: np.ndarray) -> pd.DataFrame:
    """:attr:`CensusTotals.psus` from the strata's ``(ref_area, time_period, stratum)``
    labels and their PSU counts (strata without a PSU left out)."""
    observed = np.flatnonzero(n_psu).tolist()
    return pd.DataFrame(
        {
            "ref_area": [str(strata[i][0]) for i in observed],
            "time_period": np.asarray([strata[i][1] for i in observed], dtype="int64"),
            "_stratum": [strata[i][2] for i in observed],
            "n_psu": np.asarray(n_psu, dtype=np.int64)[observed],
        }
    )


def resolve_mapping(mapping: VariableMapping | str | None) -> VariableMapping | None:
    """The :class:`VariableMapping` of a name (``"ipums_international"``) or object."""
    if mapping is None or isinstance(mapping, VariableMapping):
        return mapping
    try:
        return _MAPPINGS[mapping]
    except KeyError:
        raise OptionError(
            f"unknown mapping {mapping!r}; use one of {sorted(_MAPPINGS)} or a "
            "migindicators.io.mapping.VariableMapping"
        ) from None
