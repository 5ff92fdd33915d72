"""Potential migration and public perceptions of migrants, from opinion-survey microdata.

Three indicators, each a design-based estimate with a standard error from the survey core
(:func:`migindicators.engine.survey.estimate`):

* :func:`desire_to_migrate_share` — the share of adults who would like to move permanently to
  another country (Gallup World Poll item);
* :func:`potential_net_migration_index` — Gallup's Potential Net Migration Index, the
  projected adults who would like to move into a country minus those who would like to leave
  it, as a percentage of its adult population;
* :func:`migrant_views_share` — the share of adults holding a stated view (any yes/no or
  Likert item, e.g. "immigrants are good for this country": agree or strongly agree).

Shares are domain ratios :math:`\\sum w y / \\sum w x` over the whole design (respondents
outside the denominator keep a zero score), with logit-scale intervals as R's
``svyciprop(method="logit")``.

References
----------
Esipova, N., Ray, J. and Srinivasan, R. (2010), *The World's Potential Migrants: Who They
Are, Where They Want to Go, and Why It Matters*, Gallup; Esipova, N., Ray, J. and Pugliese, A.
(2017), "Number of potential migrants worldwide tops 700 million", Gallup News, 8 June 2017;
Gallup, "Potential Net Migration Index" (methodology notes), https://news.gallup.com/poll/124193.
IOM (2015), *How the World Views Migration*, IOM/Gallup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from difflib import get_close_matches
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.assemble import make_result
from migindicators.core.countries import is_country
from migindicators.core.distributions import t_quantile
from migindicators.core.errors import InputValidationError, MissingColumnError, OptionError
from migindicators.core.flags import add_flag
from migindicators.core.frames import accepts_any_frame
from migindicators.core.ledger import RowLedger
from migindicators.core.quality import apply_rules
from migindicators.core.registry import typed_options
from migindicators.core.result import Result
from migindicators.core.user_warning import warn_user
from migindicators.engine.calibration import CalibrationStep
from migindicators.engine.survey import Design, estimate
from migindicators.schemas.perceptions import ADULT_POPULATION, OPINION_SURVEY

__all__ = [
    "desire_to_migrate_share",
    "migrant_views_share",
    "potential_net_migration_index",
    "potential_net_migration_values",
]

_DONT_KNOW_RULES = ("in_denominator", "exclude")
_DEFAULT_MISSING_CODES = ("dont_know", "refused")
_DESIGN_COLUMNS = ("weight", "strata", "psu")
_STAY = "_STAY"
_UNNAMED = "_MOVE_UNNAMED"


def potential_net_migration_values(
    potential_immigrants: np.ndarray | pd.Series,
    potential_emigrants: np.ndarray | pd.Series,
    adult_population: np.ndarray | pd.Series,
) -> np.ndarray:
    """Gallup's Potential Net Migration Index, in percent.

    .. math:: \\text{PNMI}_d = 100 \\cdot (I_d - E_d) / A_d

    A zero or missing adult population gives NaN (never inf).

    Parameters
    ----------
    potential_immigrants : array-like
        Adults elsewhere who would like to move permanently to *d*, :math:`I_d` [person].
    potential_emigrants : array-like
        Adults of *d* who would like to move permanently to another country, :math:`E_d`
        [person].
    adult_population : array-like
        Adult (15+) population of *d*, :math:`A_d` [person].

    Returns
    -------
    numpy.ndarray
        The index [percent]; +100 means the adult population would double.

    References
    ----------
    Esipova, N., Ray, J. and Srinivasan, R. (2010), *The World's Potential Migrants*, Gallup.

    Examples
    --------
    Gallup's published example for Turkey (2007–2009): 2 million would like to move in,
    7 million to leave, 52 million adults:

    >>> potential_net_migration_values(np.array([2e6]), np.array([7e6]), np.array([52e6]))
    array([-9.61538462])
    """
    i = np.asarray(potential_immigrants, dtype="float64")
    e = np.asarray(potential_emigrants, dtype="float64")
    a = np.asarray(adult_population, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(a > 0, 100.0 * (i - e) / a, np.nan)
    return out


@accepts_any_frame
@typed_options("desire_to_migrate_share")
def desire_to_migrate_share(
    survey: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    dont_know: str = "in_denominator",
    lonely_psu: str = "fail",
    calibration: Design | Sequence[CalibrationStep] | None = None,
    confidence_level: float = 0.95,
    quality: Mapping[str, Mapping[str, Any]] | Sequence[str] | None = None,
) -> Result:
    """Share of adults who would like to move permanently to another country.

    .. math:: \\hat p = 100 \\cdot \\sum_i w_i [\\text{move}_i] \\Big/ \\sum_i w_i

    over adult respondents who answered Gallup's item "Ideally, if you had the opportunity,
    would you like to move PERMANENTLY to another country, or would you prefer to continue
    living in this country?". Gallup reports percentages of all adults, so "don't know" and
    refusals stay in the denominator (``dont_know="in_denominator"``); ``"exclude"`` drops
    them. Respondents not asked the item (missing answer) are excluded and counted.

    Parameters
    ----------
    survey : pandas.DataFrame
        Input kind ``opinion_survey``: ``ref_area`` (country of interview), ``time_period``,
        ``desire_to_migrate`` (move, stay, dont_know, refused), optionally ``weight``,
        ``strata``, ``psu``, ``sex``, ``age_group``.
    by : sequence of str, optional
        Any respondent columns (``sex``, ``age_group``, education, …).
    dont_know : {"in_denominator", "exclude"}
        Treatment of "don't know" and refused answers.
    lonely_psu : {"fail", "remove", "certainty", "adjust", "average"}
        Strata with one PSU, as R ``survey``.
    calibration : Design or sequence of CalibrationStep, optional
        Calibrate the weights to population totals first: the steps of a design made by
        :func:`migindicators.survey.post_stratify` (R ``postStratify``),
        :func:`~migindicators.survey.rake` (R ``rake``) or
        :func:`~migindicators.survey.calibrate` (R ``calibrate``); margins name survey columns
        (include ``ref_area`` for per-country totals). SEs then come from the calibration
        residuals.
    confidence_level : float
        Level of the logit-scale Student-t intervals.
    quality : mapping or sequence, optional
        Quality rules (:mod:`migindicators.core.quality`); ``None``: ``min_n`` 30 and ``max_cv``
        0.3, flags only.

    Returns
    -------
    Result
        Per country × year × ``by`` cell: ``value`` [percent], ``se``, ``ci_lower``,
        ``ci_upper``, ``n`` (respondents in the denominator), ``flag``; extra ``df``.

    References
    ----------
    Esipova, N., Ray, J. and Srinivasan, R. (2010), *The World's Potential Migrants*, Gallup.
    IOM (2015), *How the World Views Migration*, IOM/Gallup.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("opinion_survey_demo")
    >>> result = mi.perceptions.desire_to_migrate_share(survey=data["survey"], by=["age_group"])
    >>> cols = ["ref_area", "time_period", "age_group", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period age_group  value
         CAN         2023    Y15T29 15.282
         CAN         2023    Y30T49  7.256
         CAN         2023    Y_GE50  7.050
    """
    _check_rule(dont_know)
    ledger = RowLedger()
    ledger.given("survey", survey, weight="weight")
    frame = _validate(survey, ["desire_to_migrate"])
    by_cols = _check_by(frame, by)
    frame, work = _design_frame(ledger, frame, by_cols, calibration)
    answer = frame["desire_to_migrate"]
    in_den = _denominator(ledger, work, answer, dont_know, ["refused", "dont_know"])
    work["_x"] = in_den.astype(float)
    work["_y"] = (in_den & (answer == "move")).astype(float)
    return _share_result(
        "desire_to_migrate_share",
        work,
        ledger,
        by_cols,
        lonely_psu,
        confidence_level,
        quality,
        options={"dont_know": dont_know},
        inputs={"survey": survey},
        what="share of adults who would like to move permanently to another country",
    )


@accepts_any_frame
@typed_options("migrant_views_share")
def migrant_views_share(
    survey: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    item: str | None = None,
    values: Sequence[str] | None = None,
    missing_codes: Sequence[str] | None = None,
    dont_know: str = "in_denominator",
    lonely_psu: str = "fail",
    calibration: Design | Sequence[CalibrationStep] | None = None,
    confidence_level: float = 0.95,
    quality: Mapping[str, Mapping[str, Any]] | Sequence[str] | None = None,
) -> Result:
    """Share of adults holding a stated view about migrants (generic yes/no or Likert item).

    .. math:: \\hat p = 100 \\cdot \\sum_i w_i [a_i \\in V] \\Big/ \\sum_i w_i

    with :math:`a_i` the answer to *item* and :math:`V` the answers counted (``values``),
    e.g. ``item="immigrants_good", values=["strongly_agree", "agree"]``. Answers in
    ``missing_codes`` ("don't know", refused) stay in the denominator or are excluded
    (``dont_know``); respondents not asked (missing answer) are excluded and counted.

    Parameters
    ----------
    survey : pandas.DataFrame
        Input kind ``opinion_survey`` with the *item* column (answer codes as text).
    by : sequence of str, optional
        Any respondent columns (``sex``, ``age_group``, the respondent's migratory status…).
    item : str
        The column holding the answers (required).
    values : sequence of str
        The answer codes counted as holding the view (required).
    missing_codes : sequence of str, optional
        Codes of "don't know" and refusals; default ``["dont_know", "refused"]``.
    dont_know : {"in_denominator", "exclude"}
        Whether those answers stay in the denominator.
    lonely_psu, calibration, confidence_level, quality
        As in :func:`desire_to_migrate_share`.

    Returns
    -------
    Result
        Per country × year × ``by`` cell: ``value`` [percent] with ``se``, logit-scale
        interval, ``n`` (respondents in the denominator) and ``flag``; metadata lists the
        answer codes found and those counted.

    References
    ----------
    IOM (2015), *How the World Views Migration*, IOM/Gallup (attitudes towards immigration
    levels); European Social Survey, rotating and core immigration items (e.g. ``imbgeco``,
    ``imwbcnt``); Eurobarometer integration items. Lumley, T. (2010), *Complex Surveys*,
    Wiley, §2.3 (domain proportions).

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("opinion_survey_demo")
    >>> result = mi.perceptions.migrant_views_share(
    ...     survey=data["survey"],
    ...     item="immigrants_good",
    ...     values=["strongly_agree", "agree"],
    ...     by=["sex"],
    ... )
    >>> cols = ["ref_area", "time_period", "sex", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period sex  value
         CAN         2023   F 72.564
         CAN         2023   M 73.334
         DEU         2023   F 57.639
    """
    if item is None or not values:
        raise OptionError(
            "migrant_views_share needs item= (the answer column) and values= "
            "(the answer codes counted, e.g. ['agree', 'strongly_agree'])"
        )
    _check_rule(dont_know)
    codes = list(_DEFAULT_MISSING_CODES if missing_codes is None else missing_codes)
    ledger = RowLedger()
    ledger.given("survey", survey, weight="weight")
    frame = _validate(survey, [item])
    by_cols = _check_by(frame, by)
    frame, work = _design_frame(ledger, frame, by_cols, calibration)
    answer = frame[item].astype(object)
    found = set(answer.dropna().astype(str))
    unknown_values = sorted(set(map(str, values)) - found)
    if len(unknown_values) == len(set(map(str, values))) and found:
        # No counted code occurs at all: the share would be 0 % everywhere, silently.
        close = sorted({c for v in unknown_values for c in get_close_matches(v, list(found))})
        raise OptionError(
            f"migrant_views_share: none of values={list(values)} occurs in column {item!r}; "
            f"its answer codes are {sorted(found)[:20]}"
            + (f" (did you mean {close}?)" if close else "")
        )
    if unknown_values:
        warn_user(
            f"migrant_views_share: values {unknown_values} never occur in column {item!r} "
            "(listed in the result's metadata as values_never_answered)"
        )
    in_den = _denominator(ledger, work, answer, dont_know, codes)
    work["_x"] = in_den.astype(float)
    work["_y"] = (in_den & answer.astype(str).isin([str(v) for v in values])).astype(float)
    return _share_result(
        "migrant_views_share",
        work,
        ledger,
        by_cols,
        lonely_psu,
        confidence_level,
        quality,
        options={
            "item": item,
            "values": list(values),
            "missing_codes": codes,
            "dont_know": dont_know,
        },
        inputs={"survey": survey},
        what=f"share answering {list(values)} to {item!r}",
        extra={
            "answer_codes_found": sorted(answer.dropna().astype(str).unique())[:50],
            "values_never_answered": unknown_values,
        },
    )


@accepts_any_frame
@typed_options("potential_net_migration_index")
def potential_net_migration_index(
    survey: pd.DataFrame,
    adult_population: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    dont_know: str = "in_denominator",
    lonely_psu: str = "fail",
    calibration: Design | Sequence[CalibrationStep] | None = None,
    confidence_level: float = 0.95,
) -> Result:
    """Gallup's Potential Net Migration Index (PNMI), with its standard error.

    .. math::

        \\text{PNMI}_d = 100 \\cdot \\frac{\\sum_{o \\ne d} A_o \\hat p_{o \\to d} -
        A_d \\hat p_{d}^{\\text{out}}}{A_d}

    :math:`\\hat p_{o \\to d}` is the weighted share of adults interviewed in country *o* who
    would like to move permanently and name *d* as their desired destination,
    :math:`\\hat p_d^{\\text{out}}` the share of adults of *d* who would like to move
    permanently to another country (named or not), and :math:`A` the adult (15+)
    populations the shares are projected to, as Gallup does. So the "would like to move into
    *d*" part comes from the answers of respondents in *other* countries: *d*'s index uses
    every surveyed origin of the same year.

    Input design: one ``opinion_survey`` frame pooling the national surveys (one
    ``ref_area`` per country of interview, with ``desire_to_migrate`` and
    ``desired_destination``), and the ``adult_population`` of each surveyed country. Gallup
    pools several survey years per index; recode ``time_period`` to one label to pool.

    Variance: national samples are independent, so
    :math:`v(\\text{PNMI}_d) = (100/A_d)^2 [\\sum_o A_o^2 v(\\hat p_{o\\to d}) + A_d^2
    v(\\hat p_d^{\\text{out}})]`, each :math:`v` a design-based (Taylor) variance of a domain
    proportion; adult populations are treated as known.

    Parameters
    ----------
    survey : pandas.DataFrame
        Input kind ``opinion_survey`` with ``desire_to_migrate`` and ``desired_destination``
        (ISO3; missing, unknown or the respondent's own country: a potential emigrant with no
        usable destination, counted out of the origin but into no country).
    adult_population : pandas.DataFrame
        Input kind ``adult_population``: ``ref_area``, ``time_period``, ``population``
        [person], aged 15 and over.
    by : None
        Not supported (adult populations are not given by sex or age); kept for the common
        call signature.
    dont_know : {"in_denominator", "exclude"}
        Treatment of "don't know" and refused answers in the shares.
    lonely_psu : {"fail", "remove", "certainty", "adjust", "average"}
        Strata with one PSU.
    calibration : Design or sequence of CalibrationStep, optional
        Calibrate the weights to population totals first: the steps of a design made by
        :func:`migindicators.survey.post_stratify` (R ``postStratify``),
        :func:`~migindicators.survey.rake` (R ``rake``) or
        :func:`~migindicators.survey.calibrate` (R ``calibrate``); margins name survey columns
        (include ``ref_area`` for per-country totals). SEs then come from the calibration
        residuals.
    confidence_level : float
        Level of the Student-t interval (pooled design degrees of freedom).

    Returns
    -------
    Result
        One row per surveyed country with an adult population, and year: ``value`` [percent],
        ``se``, ``ci_lower``, ``ci_upper``, ``n`` (respondents of the country in the
        denominator); extra columns ``potential_immigrants``, ``potential_emigrants``,
        ``adult_population``, ``desire_to_migrate_share`` and ``origins`` (surveyed countries
        whose respondents name *d*).

    References
    ----------
    Esipova, N., Ray, J. and Srinivasan, R. (2010), *The World's Potential Migrants: Who They
    Are, Where They Want to Go, and Why It Matters*, Gallup.
    Esipova, N., Ray, J. and Pugliese, A. (2017), "Number of potential migrants worldwide tops
    700 million", Gallup News.
    Gallup (2009), "Potential Net Migration Could Change Nations",
    https://news.gallup.com/poll/124193/potential-net-migration-change-developed-nations.aspx.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("opinion_survey_demo")
    >>> result = mi.perceptions.potential_net_migration_index(
    ...     survey=data["survey"],
    ...     adult_population=data["adult_population"],
    ... )
    >>> cols = ["ref_area", "time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period  value
         CAN         2023 72.919
         DEU         2023 10.326
         FRA         2023 20.469
    """
    if by:
        raise OptionError(
            "potential_net_migration_index cannot be disaggregated: adult "
            "populations are per country and year"
        )
    _check_rule(dont_know)
    if not 0.0 < confidence_level < 1.0:
        raise OptionError(f"confidence_level={confidence_level!r} must be in (0, 1)")
    ledger = RowLedger()
    ledger.given("survey", survey, weight="weight")
    ledger.given("adult_population", adult_population)
    frame = _validate(survey, ["desire_to_migrate", "desired_destination"])
    pop = ADULT_POPULATION.validate(adult_population, input_name="adult_population")
    keys = ["ref_area", "time_period"]
    pop_index = pop.set_index(keys).index
    frame_index = frame.set_index(keys).index
    no_pop = ~frame_index.isin(pop_index)
    frame = ledger.exclude(
        "survey",
        frame,
        no_pop,
        "no adult population for the country and year of interview",
        weight="weight",
        detail=_sample(frame.loc[no_pop, "ref_area"]),
    ).reset_index(drop=True)
    ledger.exclude(
        "adult_population",
        pop,
        ~pop_index.isin(frame.set_index(keys).index),
        "no survey respondents for this country and year",
    )
    if len(frame) == 0:
        # Every respondent was excluded (and accounted for): an empty result, as the other
        # indicators give, rather than an error after the ledger was written.
        empty = pd.DataFrame(
            {
                "ref_area": pd.Series(dtype=object),
                "time_period": pd.Series(dtype=pop["time_period"].dtype),
                **{c: pd.Series(dtype="float64") for c in ("value", "se", "ci_lower", "ci_upper")},
                "n": pd.Series(dtype="int64"),
                "flag": pd.Series(dtype=object),
                **{c: pd.Series(dtype="float64") for c in _PNMI_EXTRA},
            }
        )
        return _pnmi_result(
            empty,
            ledger,
            survey,
            adult_population,
            dont_know,
            lonely_psu,
            confidence_level,
            {
                "design": None,
                "weighted": "weight" in frame.columns,
                "destinations_named_but_not_surveyed": [],
            },
        )
    frame, work = _design_frame(ledger, frame, [], calibration)
    answer = frame["desire_to_migrate"]
    in_den = _denominator(ledger, work, answer, dont_know, ["refused", "dont_know"])
    dest = frame["desired_destination"].astype(object)
    usable = dest.notna() & (dest != frame["ref_area"]) & is_country(dest.fillna("")).to_numpy()
    mover = in_den & (answer == "move")
    work["_dest"] = np.where(~mover, _STAY, np.where(usable, dest, _UNNAMED))
    work["_in"] = np.where(in_den, "in", "out")

    design = _design(work, lonely_psu)
    shares = estimate(
        work,
        design,
        parameter="proportion",
        y="_dest",
        by=[*keys, "_in"],
        level=confidence_level,
        quality=[],
        deff=False,
    )
    df = float(shares.metadata["df"])
    p = shares.data.loc[shares.data["_in"] == "in"].merge(
        pop[[*keys, "population"]], on=keys, how="left"
    )
    # Potential emigrants of each country: everyone in the denominator but the stayers.
    stay = p.loc[p["_dest"] == _STAY, [*keys, "value", "se", "population"]]
    out = stay.assign(out_share=1.0 - stay["value"], out_var=stay["se"] ** 2)
    out["potential_emigrants"] = out["population"] * out["out_share"]
    # Potential immigrants into d: projected shares of every other surveyed origin.
    named = p.loc[~p["_dest"].isin([_STAY, _UNNAMED])].copy()
    named["count"] = named["population"] * named["value"]
    named["count_var"] = (named["population"] * named["se"]) ** 2
    into = (
        named.groupby(["_dest", "time_period"], sort=False)
        .agg(
            potential_immigrants=("count", "sum"),
            in_var=("count_var", "sum"),
            origins=("ref_area", "nunique"),
        )
        .reset_index()
        .rename(columns={"_dest": "ref_area"})
    )
    cells = out.merge(into, on=keys, how="left")
    cells["potential_immigrants"] = cells["potential_immigrants"].fillna(0.0)
    cells["in_var"] = cells["in_var"].fillna(0.0)
    cells["origins"] = cells["origins"].fillna(0).astype("int64")
    a = cells["population"].to_numpy(dtype=float)
    cells["value"] = potential_net_migration_values(
        cells["potential_immigrants"], cells["potential_emigrants"], a
    )
    variance = cells["in_var"].to_numpy() + a**2 * cells["out_var"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        cells["se"] = np.where(a > 0, 100.0 * np.sqrt(variance) / a, np.nan)
    t = t_quantile(0.5 + confidence_level / 2.0, df)
    cells["ci_lower"] = cells["value"] - t * cells["se"]
    cells["ci_upper"] = cells["value"] + t * cells["se"]
    counts = work.loc[in_den].groupby(keys, sort=False).size().rename("n").reset_index()
    cells = cells.merge(counts, on=keys, how="left")
    cells["n"] = cells["n"].fillna(0).astype("int64")
    cells["desire_to_migrate_share"] = 100.0 * cells["out_share"]
    cells = cells.rename(columns={"population": "adult_population"})
    flags = pd.Series("", index=cells.index, dtype=object)
    flags = add_flag(flags, cells["value"].isna(), "zero_denominator")
    if "weight" not in frame.columns:
        flags = add_flag(flags, np.ones(len(cells), dtype=bool), "unweighted")
    cells["flag"] = flags
    cells["df"] = df
    cells = cells[
        [
            *keys,
            "value",
            "se",
            "ci_lower",
            "ci_upper",
            "n",
            "flag",
            "potential_immigrants",
            "potential_emigrants",
            "adult_population",
            "desire_to_migrate_share",
            "origins",
            "df",
        ]
    ]
    unsurveyed = sorted(set(into["ref_area"]) - set(cells["ref_area"]))
    return _pnmi_result(
        cells,
        ledger,
        survey,
        adult_population,
        dont_know,
        lonely_psu,
        confidence_level,
        {
            "design": design.describe(),
            "weighted": "weight" in frame.columns,
            "destinations_named_but_not_surveyed": unsurveyed,
        },
    )


#: Extra columns of the potential net migration index, after ``flag``.
_PNMI_EXTRA = (
    "potential_immigrants",
    "potential_emigrants",
    "adult_population",
    "desire_to_migrate_share",
    "origins",
    "df",
)


def _pnmi_result(
    cells: pd.DataFrame,
    ledger: RowLedger,
    survey: pd.DataFrame,
    adult_population: pd.DataFrame,
    dont_know: str,
    lonely_psu: str,
    confidence_level: float,
    extra: Mapping[str, Any],
) -> Result:
    return make_result(
        "potential_net_migration_index",
        cells,
        ledger,
        group_columns=["ref_area", "time_period"],
        options={
            "dont_know": dont_know,
            "lonely_psu": lonely_psu,
            "confidence_level": confidence_level,
        },
        inputs={"survey": survey, "adult_population": adult_population},
        method="100 * (sum_o A_o p_(o->d) - A_d p_d^out) / A_d; domain proportions with "
        "Taylor variance per national survey, independent across countries",
        extra_metadata=extra,
    )


# ------------------------------------------------------------------------------ helpers


def _check_rule(dont_know: str) -> None:
    if dont_know not in _DONT_KNOW_RULES:
        raise OptionError(f"dont_know={dont_know!r}: use one of {list(_DONT_KNOW_RULES)}")


def _validate(survey: pd.DataFrame, needed: Sequence[str]) -> pd.DataFrame:
    frame = OPINION_SURVEY.validate(survey, input_name="survey").reset_index(drop=True)
    absent = [c for c in needed if c not in frame.columns]
    if absent:
        raise InputValidationError(
            f"input 'survey' (opinion_survey): missing column(s) {absent}; the frame has "
            f"{list(frame.columns)[:20]}",
            input_kind=OPINION_SURVEY.name,
        )
    return frame


def _check_by(frame: pd.DataFrame, by: Sequence[str] | None) -> list[str]:
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    bad = [c for c in by_cols if c in ("ref_area", "time_period", *_DESIGN_COLUMNS)]
    if bad:
        raise OptionError(
            f"by={bad}: country and year are always used, and design columns "
            "are not disaggregations"
        )
    absent = [c for c in by_cols if c not in frame.columns]
    if absent:
        raise MissingColumnError(f"by={by_cols}: the survey has no column(s) {absent}")
    return by_cols


def _design_frame(
    ledger: RowLedger,
    frame: pd.DataFrame,
    by_cols: list[str],
    calibration: Design | Sequence[CalibrationStep] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop rows that cannot be in the design (missing weight/stratum/PSU); build the work
    frame with nested design keys (strata and PSUs never shared across countries)."""
    for col, reason in (
        ("weight", "missing weight"),
        ("strata", "missing stratum"),
        ("psu", "missing primary sampling unit (psu)"),
    ):
        if col in frame.columns:
            frame = ledger.exclude("survey", frame, frame[col].isna(), reason, weight="weight")
    frame = frame.reset_index(drop=True)
    work = pd.DataFrame(
        {
            "ref_area": frame["ref_area"].astype(str),
            "time_period": frame["time_period"].astype("int64"),
        }
    )
    work["_w"] = frame["weight"].astype(float) if "weight" in frame.columns else 1.0
    work["_stratum"] = work["ref_area"] + "|" + work["time_period"].astype(str)
    if "strata" in frame.columns:
        work["_stratum"] = work["_stratum"] + "|" + frame["strata"].astype(str)
    work["_psu"] = (
        frame["psu"].astype(str)
        if "psu" in frame.columns
        else pd.Series(np.arange(len(frame)).astype(str))
    )
    work.attrs["weighted"] = "weight" in frame.columns
    for col in by_cols:
        work[col] = frame[col].astype(object).fillna("_U")
    # Calibration of the weights to population totals (R postStratify/rake/calibrate): its
    # variables come from the survey frame (include ref_area for per-country totals).
    steps = tuple(calibration.calibration if isinstance(calibration, Design) else calibration or ())
    for col in dict.fromkeys(c for step in steps for c in step.columns):
        if col not in frame.columns:
            raise MissingColumnError(f"calibration: column {col!r} is not in the survey frame")
        if col not in work.columns:
            work[col] = frame[col].to_numpy()
    work.attrs["calibration"] = steps
    return frame, work


def _denominator(
    ledger: RowLedger, work: pd.DataFrame, answer: pd.Series, dont_know: str, codes: Sequence[str]
) -> pd.Series:
    """Rows in the denominator; the others are recorded (they keep a zero score)."""
    detail = "kept in the design with zero contribution (domain estimation)"
    missing = answer.isna()
    ledger.record(
        "survey",
        "item not answered (missing)",
        int(missing.sum()),
        weighted=float(work.loc[missing, "_w"].sum()),
        detail=detail,
    )
    in_den = ~missing
    if dont_know == "exclude":
        dk = in_den & answer.astype(str).isin(list(codes))
        ledger.record(
            "survey",
            f"answer in {list(codes)} (dont_know='exclude')",
            int(dk.sum()),
            weighted=float(work.loc[dk, "_w"].sum()),
            detail=detail,
        )
        in_den &= ~dk
    return in_den


def _design(work: pd.DataFrame, lonely_psu: str) -> Design:
    return Design(
        weight="_w" if work.attrs.get("weighted") else None,
        strata="_stratum",
        psu="_psu",
        lonely_psu=lonely_psu,
        calibration=tuple(work.attrs.get("calibration", ())),
    )


def _share_result(
    indicator: str,
    work: pd.DataFrame,
    ledger: RowLedger,
    by_cols: list[str],
    lonely_psu: str,
    level: float,
    quality: Mapping[str, Mapping[str, Any]] | Sequence[str] | None,
    *,
    options: dict[str, Any],
    inputs: dict[str, Any],
    what: str,
    extra: dict[str, Any] | None = None,
) -> Result:
    if not 0.0 < level < 1.0:
        raise OptionError(f"confidence_level={level!r} must be in (0, 1)")
    keys = ["ref_area", "time_period", *by_cols]
    design = _design(work, lonely_psu)
    est = estimate(
        work,
        design,
        parameter="ratio",
        y="_y",
        x="_x",
        by=keys,
        level=level,
        quality=[],
        deff=False,
    )
    cells = est.data
    counts = work.loc[work["_x"] > 0].groupby(keys, sort=False).size().rename("n_in")
    cells = cells.merge(counts.reset_index(), on=keys, how="left")
    cells["n"] = cells["n_in"].fillna(0).astype("int64")
    p = cells["value"].to_numpy(dtype=float)
    se = cells["se"].to_numpy(dtype=float)
    t = t_quantile(0.5 + level / 2.0, float(est.metadata["df"]))
    inside = (p > 0) & (p < 1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        centre = np.log(p / (1 - p))
        half = t * se / (p * (1 - p))
        lo = np.where(inside, 1 / (1 + np.exp(-(centre - half))), cells["ci_lower"])
        hi = np.where(inside, 1 / (1 + np.exp(-(centre + half))), cells["ci_upper"])
    cells["value"] = 100.0 * p
    cells["se"] = 100.0 * se
    cells["ci_lower"] = 100.0 * lo
    cells["ci_upper"] = 100.0 * hi
    cells = cells[[*keys, "value", "se", "ci_lower", "ci_upper", "n", "flag", "df"]]
    cells, applied = apply_rules(cells, quality, key_columns=keys)
    return make_result(
        indicator,
        cells,
        ledger,
        group_columns=keys,
        options={
            "by": by_cols,
            **options,
            "lonely_psu": lonely_psu,
            "calibration": [c.describe() for c in work.attrs.get("calibration", ())],
            "confidence_level": level,
            "quality": quality,
        },
        inputs=inputs,
        method=f"{what}: weighted domain ratio sum(w*y)/sum(w*x), Taylor variance, "
        "logit-scale t interval",
        extra_metadata={
            "quality_rules": applied,
            "design": design.describe(),
            "weighted": bool(work.attrs.get("weighted")),
            **(extra or {}),
        },
    )


def _sample(values: pd.Series, limit: int = 5) -> str:
    return ", ".join(sorted(values.astype(str).unique())[:limit])
