"""Design-based estimation for users: declare a survey design and estimate from it.

The public face of :mod:`migindicators.engine.survey`: totals, means, ratios, proportions and
quantiles by domain with Taylor-linearised or replicate-weight standard errors, following R's
``survey`` package (Lumley). Also (R equivalents in ``docs/guide/weighting.md``): calibration
(``post_stratify``, ``rake``, ``calibrate``, ``calibrated_weights``), two-stage and PPS designs
(``Design(ssu=, fpc2=, prob=, pps=)``), proportion intervals (``ciprop``), quantile rules and
intervals (``quantiles``), ``variance_of`` (svyvar), ``chisq_test`` (svychisq) and ``ttest``
(svyttest).

>>> import migindicators as mi
>>> design = mi.survey.Design(weights="w", strata="stratum", psu="psu")  # doctest: +SKIP
>>> mi.survey.estimate(frame, "income", design=design, by="sex")  # doctest: +SKIP
"""

from __future__ import annotations

from migindicators.engine.association import CHISQ_STATISTICS, ChisqTest, chisq_test, ttest
from migindicators.engine.calibration import (
    CALFUNS,
    CalibrationError,
    calibrate,
    calibrated_weights,
    post_stratify,
    rake,
)
from migindicators.engine.intervals import PROPORTION_METHODS, ciprop, proportion_interval
from migindicators.engine.quantiles import (
    INTERVAL_TYPES,
    QUANTILE_RULES,
    quantiles,
    weighted_quantile,
)
from migindicators.engine.survey import (
    LONELY_PSU,
    PARAMETERS,
    REPLICATE_METHODS,
    Design,
    as_design,
    estimate,
    estimate_cells,
    estimate_difference,
)
from migindicators.engine.variance_of import variance_of

__all__ = [
    "CALFUNS",
    "CHISQ_STATISTICS",
    "INTERVAL_TYPES",
    "LONELY_PSU",
    "PARAMETERS",
    "PROPORTION_METHODS",
    "QUANTILE_RULES",
    "REPLICATE_METHODS",
    "CalibrationError",
    "ChisqTest",
    "Design",
    "as_design",
    "calibrate",
    "calibrated_weights",
    "chisq_test",
    "ciprop",
    "estimate",
    "estimate_cells",
    "estimate_difference",
    "post_stratify",
    "proportion_interval",
    "quantiles",
    "rake",
    "ttest",
    "variance_of",
    "weighted_quantile",
]
