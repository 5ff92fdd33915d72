"""migindicators: international-migration indicators of the post-2015 agenda.

Compute the SDG migration indicators (remittance costs, recruitment costs, refugees,
migrant stock, student mobility, …) as tested functions over schema-validated dataframes,
with a registry that maps each indicator to its SDG code and to its point of the UN
Secretary-General's eight-point agenda on migration and development.

>>> import migindicators as mi
>>> sorted(s.id for s in mi.registry.by_sdg("10.7.4"))
['refugees_per_100k']

Indicators are computed with :func:`compute` (``mi.compute("refugees_per_100k", ...)``) or by
calling their functions in the family subpackages directly
(``mi.protection.refugees_per_100k(...)``, ``mi.stock.migrant_stock(...)``, …); both return a
:class:`Result`.

The layers, bottom up (``docs/dev/architecture.md``): :mod:`~migindicators.core`
(registry, Result, errors, units, flags, ledger, provenance, code lists, quality rules),
:mod:`~migindicators.io` (readers), :mod:`~migindicators.schemas` (input schemas),
:mod:`~migindicators.engine` (designs, tabulation, estimators, the census pass; used through
:mod:`~migindicators.survey`), the indicator families (:mod:`~migindicators.stock`,
:mod:`~migindicators.remittances`, :mod:`~migindicators.recruitment`,
:mod:`~migindicators.mobility`, :mod:`~migindicators.flows`,
:mod:`~migindicators.integration`, :mod:`~migindicators.decent_work`,
:mod:`~migindicators.protection`, :mod:`~migindicators.perceptions`,
:mod:`~migindicators.policy`), :mod:`~migindicators.disclosure` (suppression and cell-key
perturbation of published tables) and :mod:`~migindicators.publish` (SDMX, Open SDG, Excel,
report).

:func:`run` carries out a publication run: a run specification (TOML) of inputs, indicators,
quality and disclosure rules and outputs, to a complete report and its files.
"""

from migindicators import (
    core,
    datasets,
    decent_work,
    disclosure,
    engine,
    flows,
    integration,
    io,
    mobility,
    perceptions,
    policy,
    protection,
    publish,
    recruitment,
    remittances,
    schemas,
    stock,
    survey,
)
from migindicators._version import __version__
from migindicators.core.errors import (
    DesignError,
    FileError,
    InputValidationError,
    MigIndicatorsError,
    MissingColumnError,
    OptionError,
    RegistryError,
    UnitError,
    WeightError,
)
from migindicators.core.registry import (
    AGENDA_POINTS,
    IndicatorSpec,
    Registry,
    compute,
    registry,
)
from migindicators.core.result import Result
from migindicators.core.units import units
from migindicators.publish.run import run

#: The indicator families, one subpackage each (``mi.<family>.<indicator function>``).
FAMILIES = (
    "stock",
    "remittances",
    "recruitment",
    "mobility",
    "flows",
    "integration",
    "decent_work",
    "protection",
    "perceptions",
    "policy",
)

__all__ = [
    "AGENDA_POINTS",
    "FAMILIES",
    "DesignError",
    "FileError",
    "IndicatorSpec",
    "InputValidationError",
    "MigIndicatorsError",
    "MissingColumnError",
    "OptionError",
    "Registry",
    "RegistryError",
    "Result",
    "UnitError",
    "WeightError",
    "__version__",
    "compute",
    "core",
    "datasets",
    "decent_work",
    "disclosure",
    "engine",
    "flows",
    "integration",
    "io",
    "mobility",
    "perceptions",
    "policy",
    "protection",
    "publish",
    "recruitment",
    "registry",
    "remittances",
    "run",
    "schemas",
    "stock",
    "survey",
    "units",
]
