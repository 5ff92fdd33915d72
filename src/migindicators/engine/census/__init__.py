"""One pass over a census extract: validated, chunked tabulation of persons by migratory status.

This is the engine behind the indicators of :mod:`migindicators.stock.indicators`. ``census``
may be a pandas frame, an iterable of frames, a file path (Parquet, CSV, Stata/SPSS, IPUMS
fixed-width with its DDI) or a Dask DataFrame; every form goes through the same stages, each
a module that knows nothing of the stages after it:

1. **read** (:mod:`.read`): raw chunks of the needed columns, source names and codes mapped
   to the standard census columns (optional
   :class:`~migindicators.io.mapping.VariableMapping`);
2. **validate and exclude** (:mod:`.validate`): the ``census`` input kind
   (:func:`~migindicators.schemas.census.validate_census`); rows that cannot enter the
   estimate (unknown country of enumeration, missing weight, unknown sex or age when the
   table is by sex or age) are recorded in the row ledger with their weighted totals;
3. **derive keys** (:mod:`.keys`): rows tabulated by their raw codes, and on those cells the
   migratory status (foreign-born, or foreign citizen on the citizenship basis; unknown
   place of birth kept as its own status ``_U``), the origin, the 5-year age group and the
   year of arrival of migrants;
4. **accumulate** (:mod:`.accumulate`, :mod:`.psu`): additive cell totals (weighted counts,
   replicate weights), and for Taylor variance the PSU records of the estimand, kept in
   memory or partitioned to disk by PSU so that the PSU totals are whole in any row order;
5. **estimate** (:mod:`.variance`): Taylor variances from the PSU moments; replicate
   variances from the replicate tables (in :mod:`migindicators.stock.indicators`);
6. **Result**: assembled by the indicator functions.

:mod:`.run` wires the stages for each source: chunks on the calling thread, Parquet row
groups or a large frame's row slices on several threads (:mod:`migindicators.io.threads`),
or Dask partitions where they lie. A frame, its chunks, any file format and any Dask
partitioning give the same table (counts exactly, weighted sums to float rounding) and the
same standard errors, whether or not the rows are grouped by household, with memory
bounded by the chunk size and the spill budget of the PSU records.

A pass on calibrated weights (``CensusPass.calibration``) is :mod:`.calibrated` for a
pandas frame (the calibration over the whole frame, then the stages above, then the Taylor
variance from the calibration residuals) and :mod:`.calstream` for the streamed sources (a
first pass tabulating the calibration cells, the calibration solved on them, a second pass
on the calibrated weights writing the households' residual records).

Taylor variance uses households as PSUs (the IPUMS "ultimate cluster" estimator with
``SERIAL`` as PSU and ``STRATA`` as stratum), with replacement, no finite population
correction; a stratum of one PSU contributes nothing (R survey's ``lonely.psu="certainty"``).

References
----------
Wolter, K. M. (2007). *Introduction to Variance Estimation*, 2nd ed., Springer, ch. 6.
Lumley, T. (2010). *Complex Surveys*, Wiley, §2.2 and §3.2 (ratio linearisation).
IPUMS-International, *Variance estimation*, https://international.ipums.org/international/variance_estimation.shtml.
"""

from __future__ import annotations

from .run import run_census
from .spec import (
    BASES,
    MIGRANT,
    NON_MIGRANT,
    STATUS_CODES,
    UNKNOWN,
    CensusPass,
    CensusTotals,
    Estimand,
)
from .variance import taylor_variance

__all__ = [
    "BASES",
    "MIGRANT",
    "NON_MIGRANT",
    "STATUS_CODES",
    "UNKNOWN",
    "CensusPass",
    "CensusTotals",
    "Estimand",
    "run_census",
    "taylor_variance",
]
