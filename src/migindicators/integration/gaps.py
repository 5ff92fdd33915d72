"""Migrant–native gaps: integration outcomes by migratory status, with the gap and its SE.

Each indicator is a rate of an outcome among persons in scope, estimated separately for the
foreign-born and the native-born (or for foreign citizens and nationals), and their
difference, the *gap* (migrant minus native, in percentage points), per country, year, and
optionally sex and age group:

.. math::

    \\hat R_s = \\frac{\\sum_{i \\in s} w_i y_i}{\\sum_{i \\in s} w_i x_i}, \\qquad
    \\hat G = \\hat R_{\\text{migrant}} - \\hat R_{\\text{native}}

with :math:`x_i = 1` for a person in the indicator's scope (age range, denominator status)
with a known outcome, and :math:`y_i = 1` for one of those with the outcome. The standard
error of the gap comes from the survey core
(:func:`migindicators.engine.survey.estimate_difference`):
the linearised scores of the two domain ratios are differenced within each PSU before the
variance is taken, so the covariance of the two estimates (persons of both groups in the
same households, strata and PSUs) is included, never assumed zero.

Rows outside the scope of an indicator, or with an unknown outcome or migratory status,
remain in the design with :math:`x = y = 0` (domain estimation never subsets the design),
and are reported in ``Result.exclusions`` as not entering the estimate.

The definitions follow the OECD/EU *Indicators of Immigrant Integration* (Settling In) and
the EU "Zaragoza" core indicators of migrant integration; labour-market rates follow the
ILO (13th and 19th ICLS) definitions.

References
----------
OECD/European Commission (2023), *Indicators of Immigrant Integration 2023: Settling In*,
OECD Publishing, Paris, doi:10.1787/1d5020a6-en.
Council of the European Union (2010), Declaration of the European Ministerial Conference on
Integration, Zaragoza, 15–16 April 2010 (core indicators: employment, education, social
inclusion, active citizenship); Eurostat, *Migrant integration statistics* (online database
``migr_integr``).
ILO (2013), Resolution concerning statistics of work, employment and labour underutilization,
19th International Conference of Labour Statisticians.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from migindicators.core.assemble import make_result
from migindicators.core.distributions import t_quantile
from migindicators.core.errors import InputValidationError, MissingColumnError, OptionError
from migindicators.core.flags import add_flag
from migindicators.core.frames import accepts_any_frame
from migindicators.core.ledger import RowLedger
from migindicators.core.quality import apply_rules, resolve_rules
from migindicators.core.quality_profiles import PROFILES
from migindicators.core.registry import typed_options
from migindicators.core.result import Result
from migindicators.engine.calibration import CalibrationStep
from migindicators.engine.survey import Design, estimate, estimate_difference
from migindicators.schemas.census import PANDERA_ROWS, validate_fast
from migindicators.schemas.integration import INTEGRATION_PERSONS

__all__ = [
    "MIGRANT",
    "NATIVE",
    "activity_rate_gap",
    "employment_rate_gap",
    "housing_tenure_gap",
    "informal_employment_gap",
    "migratory_status",
    "school_attendance_gap",
    "tertiary_attainment_gap",
    "unemployment_rate_gap",
]

#: SDMX COMPOSITE_BREAKDOWN codes of the two groups compared, and the label of their gap.
MIGRANT = "MS_MIGRANT"
NATIVE = "MS_NOMIGRANT"
GAP = "GAP"
_UNKNOWN = "_U"
_NOT_APPLICABLE = "_Z"
_STATUS_BASES = ("country_of_birth", "citizenship")
_ALLOWED_BY = ("sex", "age_group")
_KEY_COLUMNS = ("household", "strata", "psu")

#: What a measure needs: (mask of rows, reason) pairs that are out of scope or missing,
#: and the 0/1 outcome among the remaining rows.
_Rule = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class _Measure:
    id: str
    column: str
    min_age: int
    max_age: int | None
    bands: tuple[int, ...]
    scope: tuple[tuple[str, _Rule], ...]
    outcome: _Rule


def migratory_status(
    ref_area: pd.Series, place: pd.Series, *, unknown: str = _UNKNOWN
) -> pd.Series:
    """Migratory status from the country of birth (or citizenship) and the country of residence.

    ``MS_NOMIGRANT`` where *place* equals the country of residence *ref_area*,
    ``MS_MIGRANT`` where it is another country (including ``"XXX"``, foreign, country not
    stated), and *unknown* where *place* is missing.

    Parameters
    ----------
    ref_area : pandas.Series
        Country of residence (ISO3).
    place : pandas.Series
        Country of birth, or of citizenship (ISO3, ``"XXX"`` or missing).

    Returns
    -------
    pandas.Series
        The status codes, aligned with the inputs.

    References
    ----------
    UN DESA (2017), *Handbook on Measuring International Migration through Population
    Censuses*, ST/ESA/STAT/SER.F/115: the foreign-born and foreign citizens as the two
    operational definitions of international migrants.
    """
    known = place.notna()
    native = known & (place.astype(object) == ref_area.astype(object))
    out = np.where(~known, unknown, np.where(native, NATIVE, MIGRANT))
    return pd.Series(out, index=place.index, dtype=object)


def _labour(df: pd.DataFrame) -> pd.Series:
    return df["labour_status"]


_MEASURES: dict[str, _Measure] = {
    "employment_rate_gap": _Measure(
        "employment_rate_gap",
        "labour_status",
        15,
        64,
        (15, 25, 55),
        (("labour status missing", lambda d: d["labour_status"].isna()),),
        lambda d: _labour(d) == "employed",
    ),
    "activity_rate_gap": _Measure(
        "activity_rate_gap",
        "labour_status",
        15,
        64,
        (15, 25, 55),
        (("labour status missing", lambda d: d["labour_status"].isna()),),
        lambda d: _labour(d).isin(["employed", "unemployed"]),
    ),
    "unemployment_rate_gap": _Measure(
        "unemployment_rate_gap",
        "labour_status",
        15,
        64,
        (15, 25, 55),
        (
            ("labour status missing", lambda d: d["labour_status"].isna()),
            ("out of scope: outside the labour force", lambda d: d["labour_status"] == "inactive"),
        ),
        lambda d: _labour(d) == "unemployed",
    ),
    "informal_employment_gap": _Measure(
        "informal_employment_gap",
        "informal",
        15,
        64,
        (15, 25, 55),
        (
            (
                "out of scope: not employed",
                lambda d: (
                    (d["labour_status"] != "employed")
                    if "labour_status" in d.columns
                    else pd.Series(False, index=d.index)
                ),
            ),
            ("informal status missing", lambda d: d["informal"].isna()),
        ),
        lambda d: d["informal"] == 1,
    ),
    "school_attendance_gap": _Measure(
        "school_attendance_gap",
        "in_education",
        6,
        15,
        (6, 12),
        (("school attendance missing", lambda d: d["in_education"].isna()),),
        lambda d: d["in_education"] == 1,
    ),
    "tertiary_attainment_gap": _Measure(
        "tertiary_attainment_gap",
        "education",
        25,
        64,
        (25, 35, 55),
        (
            (
                "educational attainment unknown",
                lambda d: d["education"].isna() | (d["education"] == "unknown"),
            ),
        ),
        lambda d: d["education"] == "high",
    ),
    "housing_tenure_gap": _Measure(
        "housing_tenure_gap",
        "tenure",
        16,
        None,
        (16, 25, 65),
        (("housing tenure missing", lambda d: d["tenure"].isna()),),
        lambda d: d["tenure"] == "owner",
    ),
}


#: What the docstrings of every gap indicator share, after their own definition and formula.
_GAP_DOC = """
    estimated by weighted domain ratios per country and year (and ``by`` cell), with the
    gap's variance from :func:`migindicators.engine.survey.estimate_difference` (covariance of the
    two domain estimates included). See the module docstring for the design conventions.

    Parameters
    ----------
    persons : pandas.DataFrame
        Input kind ``integration_persons``: ``ref_area``, ``time_period``, ``age`` [year],
        ``country_of_birth`` or ``citizenship`` (ISO3), the outcome column, optionally
        ``sex``, ``weight``, ``strata``, ``psu`` or ``household`` (the PSU when ``psu`` is
        absent; each person is its own PSU when both are absent).
    by : sequence of str, optional
        ``sex`` and/or ``age_group`` (built from ``age`` with ``age_bands``).
    status_by : {"country_of_birth", "citizenship"}
        Migrants are the foreign-born (default) or foreign citizens; natives are the
        native-born or nationals. ``XXX`` (foreign, country not stated) counts as foreign; a
        missing value is unknown and excluded.
    min_age, max_age : int
        The age range in scope [year], inclusive (``max_age=None``: no upper bound).
    age_bands : sequence of int, optional
        Lower bounds of the age groups for ``by=["age_group"]`` (default OECD bands).
    lonely_psu : {"fail", "remove", "certainty", "adjust", "average"}
        Treatment of strata with a single PSU (as R ``survey``).
    calibration : Design or sequence of CalibrationStep, optional
        Calibrate the person weights to population totals first (R ``postStratify``,
        ``rake``, ``calibrate``): the steps of a design made by
        :func:`migindicators.survey.post_stratify`, :func:`~migindicators.survey.rake` or
        :func:`~migindicators.survey.calibrate` (only its steps are used), e.g.
        ``calibration=mi.survey.rake(mi.survey.Design(), [by_area_sex, by_area_age])``; margins
        name columns of *persons* (include ``ref_area`` to calibrate each country to its own
        totals). SEs then come from the calibration residuals.
    confidence_level : float
        Level of the Student-t intervals (design degrees of freedom).
    quality : mapping or sequence, optional
        Quality rules of :mod:`migindicators.core.quality`; ``None`` flags ``low_n`` (n < 30) and
        ``high_cv`` (cv > 0.3); ``[]`` applies none.

    Returns
    -------
    Result
        Three rows per cell, ``migratory_status`` = ``MS_MIGRANT``, ``MS_NOMIGRANT`` (rates,
        percent) and ``GAP`` (migrant minus native, percentage points): ``value``, ``se``,
        ``ci_lower``, ``ci_upper``, ``n`` (persons in scope), ``flag``; extra columns
        ``status_basis`` and ``df`` (design degrees of freedom).

    References
    ----------
    OECD/European Commission (2023), *Indicators of Immigrant Integration 2023: Settling In*,
    OECD Publishing, Paris, doi:10.1787/1d5020a6-en.
    Council of the European Union (2010), Zaragoza Declaration, core indicators of migrant
    integration; Eurostat, *Migrant integration statistics* (database ``migr_integr``).
    ILO (2013), Resolution concerning statistics of work, employment and labour
    underutilization, 19th ICLS; ILO (2003), Guidelines concerning a statistical definition
    of informal employment, 17th ICLS.
    """

F = TypeVar("F", bound=Callable[..., Any])


def _shared_gap_doc(func: F) -> F:
    """Append :data:`_GAP_DOC` (parameters, returns, references) to a gap's own docstring.

    A gap's own Examples section stays last (numpydoc order): the shared text goes before it.
    """
    own, marker, examples = (func.__doc__ or "").partition("\n    Examples\n    --------\n")
    func.__doc__ = own.rstrip() + "\n" + _GAP_DOC
    if marker:
        func.__doc__ = func.__doc__.rstrip() + "\n" + marker + examples
    return func


@accepts_any_frame
@typed_options("employment_rate_gap")
@_shared_gap_doc
def employment_rate_gap(
    persons: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    status_by: str = "country_of_birth",
    min_age: int = 15,
    max_age: int | None = 64,
    age_bands: Sequence[int] | None = None,
    lonely_psu: str = "fail",
    calibration: Design | Sequence[CalibrationStep] | None = None,
    confidence_level: float = 0.95,
    quality: Mapping[str, Mapping[str, Any]] | Sequence[str] | None = None,
) -> Result:
    """Employment rate gap between migrants and natives, with the gap's standard error.

    Employment rate: employed persons as a percentage of the population of working age (15–64),
    ILO definition; persons with unknown labour status are left out.

    .. math:: R = 100 \\cdot E / P_{15-64}, \\qquad G = R_{\\text{migrant}} - R_{\\text{native}}

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("lfs_integration_demo")
    >>> result = mi.integration.employment_rate_gap(persons=data, by=["sex"])
    >>> cols = ["ref_area", "time_period", "sex", "migratory_status", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period sex migratory_status  value
         ESP         2023   F              GAP -8.220
         ESP         2023   F       MS_MIGRANT 47.871
         ESP         2023   F     MS_NOMIGRANT 56.091
    """
    return _gap(
        "employment_rate_gap",
        persons,
        by=by,
        status_by=status_by,
        min_age=min_age,
        max_age=max_age,
        age_bands=age_bands,
        lonely_psu=lonely_psu,
        calibration=calibration,
        confidence_level=confidence_level,
        quality=quality,
    )


@accepts_any_frame
@typed_options("activity_rate_gap")
@_shared_gap_doc
def activity_rate_gap(
    persons: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    status_by: str = "country_of_birth",
    min_age: int = 15,
    max_age: int | None = 64,
    age_bands: Sequence[int] | None = None,
    lonely_psu: str = "fail",
    calibration: Design | Sequence[CalibrationStep] | None = None,
    confidence_level: float = 0.95,
    quality: Mapping[str, Mapping[str, Any]] | Sequence[str] | None = None,
) -> Result:
    """Activity rate gap between migrants and natives, with the gap's standard error.

    Activity (labour force participation) rate: the labour force (employed plus unemployed) as a
    percentage of the population aged 15–64, ILO definition.

    .. math:: R = 100 \\cdot (E + U) / P_{15-64},
              \\qquad G = R_{\\text{migrant}} - R_{\\text{native}}

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("lfs_integration_demo")
    >>> result = mi.integration.activity_rate_gap(persons=data, by=["age_group"])
    >>> cols = ["ref_area", "time_period", "age_group", "migratory_status", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period age_group migratory_status  value
         ESP         2023    Y15T24              GAP -4.898
         ESP         2023    Y15T24       MS_MIGRANT 33.259
         ESP         2023    Y15T24     MS_NOMIGRANT 38.157
    """
    return _gap(
        "activity_rate_gap",
        persons,
        by=by,
        status_by=status_by,
        min_age=min_age,
        max_age=max_age,
        age_bands=age_bands,
        lonely_psu=lonely_psu,
        calibration=calibration,
        confidence_level=confidence_level,
        quality=quality,
    )


@accepts_any_frame
@typed_options("unemployment_rate_gap")
@_shared_gap_doc
def unemployment_rate_gap(
    persons: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    status_by: str = "country_of_birth",
    min_age: int = 15,
    max_age: int | None = 64,
    age_bands: Sequence[int] | None = None,
    lonely_psu: str = "fail",
    calibration: Design | Sequence[CalibrationStep] | None = None,
    confidence_level: float = 0.95,
    quality: Mapping[str, Mapping[str, Any]] | Sequence[str] | None = None,
) -> Result:
    """Unemployment rate gap between migrants and natives, with the gap's standard error.

    Unemployment rate: unemployed persons as a percentage of the labour force (employed plus
    unemployed) aged 15–64, ILO definition; persons outside the labour force are out of scope.

    .. math:: R = 100 \\cdot U / (E + U), \\qquad G = R_{\\text{migrant}} - R_{\\text{native}}

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("lfs_integration_demo")
    >>> result = mi.integration.unemployment_rate_gap(persons=data, status_by="citizenship")
    >>> cols = ["ref_area", "time_period", "migratory_status", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period migratory_status  value
         ESP         2023              GAP  6.673
         ESP         2023       MS_MIGRANT 16.861
         ESP         2023     MS_NOMIGRANT 10.188
    """
    return _gap(
        "unemployment_rate_gap",
        persons,
        by=by,
        status_by=status_by,
        min_age=min_age,
        max_age=max_age,
        age_bands=age_bands,
        lonely_psu=lonely_psu,
        calibration=calibration,
        confidence_level=confidence_level,
        quality=quality,
    )


@accepts_any_frame
@typed_options("informal_employment_gap")
@_shared_gap_doc
def informal_employment_gap(
    persons: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    status_by: str = "country_of_birth",
    min_age: int = 15,
    max_age: int | None = 64,
    age_bands: Sequence[int] | None = None,
    lonely_psu: str = "fail",
    calibration: Design | Sequence[CalibrationStep] | None = None,
    confidence_level: float = 0.95,
    quality: Mapping[str, Mapping[str, Any]] | Sequence[str] | None = None,
) -> Result:
    """Informal employment gap between migrants and natives, with the gap's standard error.

    Share of informal employment: employed persons whose main job is informal (ICLS 17th
    guidelines) as a percentage of employed persons aged 15–64 whose job is coded; only
    computable where the survey codes informality.

    .. math:: R = 100 \\cdot E_{informal} / E, \\qquad G = R_{\\text{migrant}} - R_{\\text{native}}

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("lfs_integration_demo")
    >>> result = mi.integration.informal_employment_gap(persons=data)
    >>> cols = ["ref_area", "time_period", "migratory_status", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period migratory_status  value
         ESP         2023              GAP 18.703
         ESP         2023       MS_MIGRANT 27.214
         ESP         2023     MS_NOMIGRANT  8.510
    """
    return _gap(
        "informal_employment_gap",
        persons,
        by=by,
        status_by=status_by,
        min_age=min_age,
        max_age=max_age,
        age_bands=age_bands,
        lonely_psu=lonely_psu,
        calibration=calibration,
        confidence_level=confidence_level,
        quality=quality,
    )


@accepts_any_frame
@typed_options("school_attendance_gap")
@_shared_gap_doc
def school_attendance_gap(
    persons: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    status_by: str = "country_of_birth",
    min_age: int = 6,
    max_age: int | None = 15,
    age_bands: Sequence[int] | None = None,
    lonely_psu: str = "fail",
    calibration: Design | Sequence[CalibrationStep] | None = None,
    confidence_level: float = 0.95,
    quality: Mapping[str, Mapping[str, Any]] | Sequence[str] | None = None,
) -> Result:
    """School attendance gap between migrant and native children, with the gap's standard error.

    School attendance rate of children of school age: children attending school or any formal
    education as a percentage of children aged 6–15 (set ``min_age``/``max_age`` to the national
    ages of compulsory schooling).

    .. math:: R = 100 \\cdot A / P_{6-15}, \\qquad G = R_{\\text{migrant}} - R_{\\text{native}}

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("lfs_integration_demo")
    >>> result = mi.integration.school_attendance_gap(persons=data)
    >>> cols = ["ref_area", "time_period", "migratory_status", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period migratory_status   value
         ESP         2023              GAP   1.688
         ESP         2023       MS_MIGRANT 100.000
         ESP         2023     MS_NOMIGRANT  98.312
    """
    return _gap(
        "school_attendance_gap",
        persons,
        by=by,
        status_by=status_by,
        min_age=min_age,
        max_age=max_age,
        age_bands=age_bands,
        lonely_psu=lonely_psu,
        calibration=calibration,
        confidence_level=confidence_level,
        quality=quality,
    )


@accepts_any_frame
@typed_options("tertiary_attainment_gap")
@_shared_gap_doc
def tertiary_attainment_gap(
    persons: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    status_by: str = "country_of_birth",
    min_age: int = 25,
    max_age: int | None = 64,
    age_bands: Sequence[int] | None = None,
    lonely_psu: str = "fail",
    calibration: Design | Sequence[CalibrationStep] | None = None,
    confidence_level: float = 0.95,
    quality: Mapping[str, Mapping[str, Any]] | Sequence[str] | None = None,
) -> Result:
    """Tertiary attainment gap between migrants and natives, with the gap's standard error.

    Tertiary attainment: persons with tertiary education (ISCED 2011 levels 5–8) as a
    percentage of persons aged 25–64 with known attainment (the Zaragoza indicator uses ages
    30–34: set ``min_age=30, max_age=34``).

    .. math:: R = 100 \\cdot T / P_{25-64}, \\qquad G = R_{\\text{migrant}} - R_{\\text{native}}

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("lfs_integration_demo")
    >>> result = mi.integration.tertiary_attainment_gap(persons=data, by=["sex"])
    >>> cols = ["ref_area", "time_period", "sex", "migratory_status", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period sex migratory_status  value
         ESP         2023   F              GAP -7.400
         ESP         2023   F       MS_MIGRANT 31.449
         ESP         2023   F     MS_NOMIGRANT 38.849
    """
    return _gap(
        "tertiary_attainment_gap",
        persons,
        by=by,
        status_by=status_by,
        min_age=min_age,
        max_age=max_age,
        age_bands=age_bands,
        lonely_psu=lonely_psu,
        calibration=calibration,
        confidence_level=confidence_level,
        quality=quality,
    )


@accepts_any_frame
@typed_options("housing_tenure_gap")
@_shared_gap_doc
def housing_tenure_gap(
    persons: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    status_by: str = "country_of_birth",
    min_age: int = 16,
    max_age: int | None = None,
    age_bands: Sequence[int] | None = None,
    lonely_psu: str = "fail",
    calibration: Design | Sequence[CalibrationStep] | None = None,
    confidence_level: float = 0.95,
    quality: Mapping[str, Mapping[str, Any]] | Sequence[str] | None = None,
) -> Result:
    """Home-ownership gap between migrants and natives (housing tenure), with its SE.

    Home-ownership rate: persons aged 16 and over living in a dwelling owned by its occupants
    as a percentage of persons aged 16 and over with known tenure (Settling In and Zaragoza
    "share of property owners").

    .. math:: R = 100 \\cdot O / P_{16+}, \\qquad G = R_{\\text{migrant}} - R_{\\text{native}}

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("lfs_integration_demo")
    >>> result = mi.integration.housing_tenure_gap(persons=data)
    >>> cols = ["ref_area", "time_period", "migratory_status", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period migratory_status   value
         ESP         2023              GAP -39.355
         ESP         2023       MS_MIGRANT  33.177
         ESP         2023     MS_NOMIGRANT  72.533
    """
    return _gap(
        "housing_tenure_gap",
        persons,
        by=by,
        status_by=status_by,
        min_age=min_age,
        max_age=max_age,
        age_bands=age_bands,
        lonely_psu=lonely_psu,
        calibration=calibration,
        confidence_level=confidence_level,
        quality=quality,
    )


def _gap(
    measure_id: str,
    persons: pd.DataFrame,
    *,
    by: Sequence[str] | None,
    status_by: str,
    min_age: int,
    max_age: int | None,
    age_bands: Sequence[int] | None,
    lonely_psu: str,
    calibration: Design | Sequence[CalibrationStep] | None,
    confidence_level: float,
    quality: Mapping[str, Mapping[str, Any]] | Sequence[str] | None,
) -> Result:
    """The shared engine of the gap indicators (see the module docstring)."""
    m = _MEASURES[measure_id]
    by_cols = _check_by(measure_id, by)
    if status_by not in _STATUS_BASES:
        raise OptionError(f"status_by={status_by!r}: use one of {list(_STATUS_BASES)}")
    if max_age is not None and max_age < min_age:
        raise OptionError(f"max_age={max_age} is below min_age={min_age}")
    if not 0.0 < confidence_level < 1.0:
        raise OptionError(f"confidence_level={confidence_level!r} must be in (0, 1)")
    bands = _check_bands(age_bands if age_bands is not None else m.bands, min_age, max_age)

    ledger = RowLedger()
    ledger.given("persons", persons, weight="weight")
    frame = _validate(persons).reset_index(drop=True)
    for col in (m.column, status_by, "age", *(c for c in by_cols if c != "age_group")):
        if col not in frame.columns:
            raise InputValidationError(
                f"input 'persons' (integration_persons): {measure_id} needs column {col!r}; "
                f"the frame has {list(frame.columns)[:20]}",
                input_kind=INTEGRATION_PERSONS.name,
            )
    weighted = "weight" in frame.columns
    if weighted:
        # Without a weight a person cannot be in the design at all.
        frame = ledger.exclude("persons", frame, frame["weight"].isna(), "missing weight")
    work = pd.DataFrame(index=frame.index)
    work["ref_area"] = frame["ref_area"].astype(str)
    work["time_period"] = frame["time_period"].astype("int64")
    work["_w"] = frame["weight"].astype(float) if weighted else 1.0
    work["_stratum"] = work["ref_area"] + "|" + work["time_period"].astype(str)
    if "strata" in frame.columns:
        frame = ledger.exclude(
            "persons", frame, frame["strata"].isna(), "missing stratum", weight="weight"
        )
        work = work.loc[frame.index]
        work["_stratum"] = work["_stratum"] + "|" + frame["strata"].astype(str)
    psu_col = (
        "psu" if "psu" in frame.columns else "household" if "household" in frame.columns else None
    )
    if psu_col is not None:
        frame = ledger.exclude(
            "persons",
            frame,
            frame[psu_col].isna(),
            f"missing primary sampling unit ({psu_col})",
            weight="weight",
        )
        work = work.loc[frame.index]
        work["_psu"] = frame[psu_col].astype(str)
    else:
        work["_psu"] = np.arange(len(work)).astype(str)
    work["migratory_status"] = migratory_status(frame["ref_area"], frame[status_by])
    for col in by_cols:
        if col == "age_group":
            work[col] = _age_group(frame["age"], bands, max_age)
        else:
            work[col] = frame[col].astype(object).fillna(_UNKNOWN)

    # Scope and outcome: rows that do not enter the estimate keep x = y = 0 in the design.
    in_play = pd.Series(True, index=frame.index)

    def drop(mask: pd.Series, reason: str) -> None:
        nonlocal in_play
        hit = in_play & mask.fillna(False).astype(bool)
        ledger.record(
            "persons",
            reason,
            int(hit.sum()),
            weighted=float(work.loc[hit, "_w"].sum()),
            detail="kept in the design with zero contribution (domain estimation)",
        )
        in_play = in_play & ~hit

    age = frame["age"]
    drop(age.isna(), "age missing")
    upper = np.inf if max_age is None else max_age
    label = f"{min_age}+" if max_age is None else f"{min_age}-{max_age}"
    drop((age < min_age) | (age > upper), f"out of scope: age outside {label}")
    for reason, rule in m.scope:
        drop(rule(frame), reason)
    drop(work["migratory_status"] == _UNKNOWN, f"migratory status unknown ({status_by} missing)")
    work["_x"] = in_play.astype(float)
    work["_y"] = (in_play & m.outcome(frame).fillna(False).astype(bool)).astype(float)

    keys = ["ref_area", "time_period", *by_cols]
    steps = tuple(calibration.calibration if isinstance(calibration, Design) else calibration or ())
    for col in dict.fromkeys(c for step in steps for c in step.columns):
        # Calibration variables come from the persons frame (e.g. ref_area × sex × age).
        if col not in work.columns:
            if col not in frame.columns:
                raise MissingColumnError(f"calibration: column {col!r} is not in the persons frame")
            work[col] = frame[col]
    design = Design(
        weight="_w" if weighted else None,
        strata="_stratum",
        psu="_psu",
        lonely_psu=lonely_psu,
        calibration=steps,
    )
    level_rows = estimate(
        work,
        design,
        parameter="ratio",
        y="_y",
        x="_x",
        by=[*keys, "migratory_status"],
        level=confidence_level,
        quality=[],
        deff=False,
    ).data
    level_rows = level_rows.loc[level_rows["migratory_status"].isin([MIGRANT, NATIVE])]
    both = level_rows.groupby(keys, sort=False)["migratory_status"].nunique()
    if (both == 2).any():
        diff = estimate_difference(
            work,
            design,
            parameter="ratio",
            y="_y",
            x="_x",
            compare="migratory_status",
            levels=(MIGRANT, NATIVE),
            by=keys,
            level=confidence_level,
            quality=[],
        ).data
    else:
        diff = pd.DataFrame(columns=[*keys, "value", "se", "ci_lower", "ci_upper", "flag", "df"])
    # A cell with only one of the two groups still gets its GAP row: undefined, flagged.
    lacking = both.index[both < 2].to_frame(index=False)
    if len(lacking):
        lacking = lacking.assign(
            value=np.nan,
            se=np.nan,
            ci_lower=np.nan,
            ci_upper=np.nan,
            flag="",
            df=level_rows["df"].iloc[0],
        )
        diff = pd.concat([diff, lacking], ignore_index=True) if len(diff) else lacking
    diff = diff.assign(migratory_status=GAP)

    counts = work.loc[in_play].groupby([*keys, "migratory_status"], sort=False).size()
    cells = pd.concat([level_rows, diff], ignore_index=True)
    if "age_group" in by_cols:  # persons outside the age range form no cell of their own
        cells = cells.loc[cells["age_group"] != _NOT_APPLICABLE]
    cells = _complete(cells, keys)
    cells = _attach_counts(cells, counts, keys)
    for col in ("value", "se", "ci_lower", "ci_upper"):
        cells[col] = 100.0 * cells[col]
    empty = cells["n"] == 0
    cells.loc[empty, ["value", "se", "ci_lower", "ci_upper"]] = np.nan
    cells["flag"] = add_flag(
        cells["flag"].fillna(""), empty | cells["value"].isna(), "zero_denominator"
    )
    cells["status_basis"] = status_by
    keep = [
        *keys,
        "migratory_status",
        "value",
        "se",
        "ci_lower",
        "ci_upper",
        "n",
        "flag",
        "status_basis",
        "df",
    ]
    cells = cells[keep]
    cells = _logit_intervals(cells, confidence_level)
    cells, applied = _quality(cells, quality, [*keys, "migratory_status"])
    return make_result(
        measure_id,
        cells,
        ledger,
        group_columns=[*keys, "migratory_status"],
        options={
            "by": by_cols,
            "status_by": status_by,
            "min_age": min_age,
            "max_age": max_age,
            "age_bands": list(bands),
            "lonely_psu": lonely_psu,
            "calibration": [step.describe() for step in steps],
            "confidence_level": confidence_level,
            "quality": quality,
        },
        inputs={"persons": persons},
        method="weighted domain ratios sum(w*y)/sum(w*x) by migratory status; gap = "
        "migrant - native with the Taylor (ultimate cluster) variance of the "
        "difference, covariance included; percentage points",
        extra_metadata={
            "quality_rules": applied,
            "weighted": weighted,
            "design": design.describe(),
        },
    )


def _logit_intervals(cells: pd.DataFrame, level: float) -> pd.DataFrame:
    """Logit-scale intervals for the rates (as R ``svyciprop(method="logit")``).

    A rate's symmetric interval can leave [0, 100]; on the logit scale it cannot. The gap
    keeps the symmetric interval. Rates of exactly 0 or 100 keep the symmetric one too.
    """
    out = cells.copy()
    p = out["value"].to_numpy(dtype=float) / 100.0
    se = out["se"].to_numpy(dtype=float) / 100.0
    t = np.array([t_quantile(0.5 + level / 2.0, float(df)) for df in out["df"]])
    rate = (out["migratory_status"] != GAP).to_numpy() & (p > 0) & (p < 1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        centre = np.log(p / (1 - p))
        half = t * se / (p * (1 - p))
        lo = 100.0 / (1 + np.exp(-(centre - half)))
        hi = 100.0 / (1 + np.exp(-(centre + half)))
    out["ci_lower"] = np.where(rate, lo, out["ci_lower"])
    out["ci_upper"] = np.where(rate, hi, out["ci_upper"])
    return out


def _quality(
    cells: pd.DataFrame,
    quality: Mapping[str, Mapping[str, Any]] | Sequence[str] | None,
    keys: list[str],
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Quality rules on the rates; on the gaps every rule but ``max_cv``.

    The coefficient of variation of a difference is not a quality measure (a gap near zero
    has a huge CV however precise it is), so ``max_cv`` and the quality profiles (``nchs``,
    ``statcan``, ``eurostat``, ``abs``) are not applied to the gap rows.
    """
    chosen = resolve_rules(quality)
    is_gap = cells["migratory_status"] == GAP
    rates, applied = apply_rules(cells.loc[~is_gap], chosen, key_columns=keys)
    # Profiles judge a level by its CV or interval: like max_cv, not applied to a difference.
    gap_rules = {k: v for k, v in chosen.items() if k != "max_cv" and k not in PROFILES}
    gaps, applied_gap = apply_rules(cells.loc[is_gap], gap_rules, key_columns=keys)
    for record in applied:
        record["rows"] = "MS_MIGRANT, MS_NOMIGRANT"
    for record in applied_gap:
        record["rows"] = "GAP"
    return pd.concat([rates, gaps]).sort_index(), [*applied, *applied_gap]


def _complete(cells: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Three rows in every cell: a group absent from a country's sample gets an empty row."""
    grid = (
        cells[keys]
        .drop_duplicates()
        .merge(pd.DataFrame({"migratory_status": [MIGRANT, NATIVE, GAP]}), how="cross")
    )
    out = grid.merge(cells, on=[*keys, "migratory_status"], how="left")
    out["flag"] = out["flag"].fillna("")
    out["df"] = out["df"].fillna(cells["df"].iloc[0] if len(cells) else np.nan)
    return out


def _attach_counts(cells: pd.DataFrame, counts: pd.Series, keys: list[str]) -> pd.DataFrame:
    """Unweighted persons in scope per cell (both groups for the gap row)."""
    table = counts.rename("n_scope").reset_index()
    levels = cells.merge(table, on=[*keys, "migratory_status"], how="left")
    both = (
        table.loc[table["migratory_status"].isin([MIGRANT, NATIVE])]
        .groupby(keys, sort=False)["n_scope"]
        .sum()
        .rename("n_gap")
        .reset_index()
    )
    levels = levels.merge(both, on=keys, how="left")
    is_gap = levels["migratory_status"] == GAP
    levels["n"] = np.where(is_gap, levels["n_gap"], levels["n_scope"])
    levels["n"] = levels["n"].fillna(0).astype("int64")
    return levels.drop(columns=["n_scope", "n_gap"])


def _validate(persons: pd.DataFrame) -> pd.DataFrame:
    if isinstance(persons, pd.DataFrame) and len(persons) >= PANDERA_ROWS:
        return validate_fast(INTEGRATION_PERSONS, persons, input_name="persons", keys=_KEY_COLUMNS)
    if isinstance(persons, pd.DataFrame):
        keys = {c: persons[c] for c in _KEY_COLUMNS if c in persons.columns}
        out = INTEGRATION_PERSONS.validate(persons.drop(columns=list(keys)), input_name="persons")
        for name, values in keys.items():  # identifiers keep their type
            out[name] = values.to_numpy()  # by position: a repeated index was renumbered
        return out
    return INTEGRATION_PERSONS.validate(persons, input_name="persons")


def _check_bands(bands: Sequence[int], min_age: int, max_age: int | None) -> tuple[int, ...]:
    out = tuple(int(b) for b in bands)
    if not out or list(out) != sorted(set(out)):
        raise OptionError(
            f"age_bands={list(bands)} must be increasing lower bounds, e.g. [15, 25, 55]"
        )
    if out[0] > min_age:
        raise OptionError(f"age_bands start at {out[0]}, above min_age={min_age}")
    return tuple(b for b in out if max_age is None or b <= max_age)


def _age_group(age: pd.Series, bands: tuple[int, ...], max_age: int | None) -> pd.Series:
    """SDMX-style labels Y15T24, Y25T54, Y55T64 (Y_GE65 for an open last band); ``_Z``
    (not applicable) for ages below the first band, above *max_age* or missing."""
    edges: list[int | None] = [*bands, None if max_age is None else max_age + 1]
    labels = [
        f"Y_GE{lo}" if hi is None else f"Y{lo}T{hi - 1}" for lo, hi in itertools.pairwise(edges)
    ]
    values = age.to_numpy(dtype=float)
    idx = np.searchsorted(np.asarray(bands), values, side="right") - 1
    inside = (idx >= 0) & ~np.isnan(values)
    if max_age is not None:
        inside &= values <= max_age
    chosen = np.asarray(labels, dtype=object)[np.clip(idx, 0, len(labels) - 1)]
    return pd.Series(np.where(inside, chosen, _NOT_APPLICABLE), index=age.index, dtype=object)


def _check_by(measure_id: str, by: Sequence[str] | None) -> list[str]:
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    bad = [c for c in by_cols if c not in _ALLOWED_BY]
    if bad:
        raise OptionError(
            f"{measure_id} cannot be disaggregated by {bad}; allowed: "
            f"{list(_ALLOWED_BY)} (country and year are always used; choose the "
            "migrant definition with status_by)"
        )
    return by_cols
