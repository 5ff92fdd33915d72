"""migindicators: international-migration indicators of the post-2015 agenda.

Compute the SDG migration indicators (remittance costs, recruitment costs, refugees,
migrant stock, student mobility, …) as tested functions over schema-validated dataframes,
with a registry that maps each indicator to its SDG code and to its point of the UN
Secretary-General's eight-point agenda on migration and development.

>>> import migindicators as mi
>>> sorted(s.id for s in mi.registry.by_sdg("10.7.4"))
['refugees_per_100k']

Indicators are computed with :func:`compute` (``mi.compute("refugees_per_100k", ...)``) or by
calling their functions in the family modules (``migindicators.refugees``,
``migindicators.remittance``, ``migindicators.stock``, …) directly; both return a
:class:`Result`. Sub-packages: :mod:`~migindicators.io` (readers), :mod:`~migindicators.survey`
(designs and estimators), :mod:`~migindicators.publish` (SDMX, Open SDG, Excel, report).
"""

from migindicators import (
    countries,
    datasets,
    flags,
    io,
    publish,
    quality,
    schemas,
    survey,
    tabulate,
)
from migindicators._version import __version__
from migindicators.errors import (
    DesignError,
    InputValidationError,
    MigIndicatorsError,
    OptionError,
    RegistryError,
    UnitError,
)
from migindicators.registry import AGENDA_POINTS, IndicatorSpec, Registry, compute, registry
from migindicators.result import Result
from migindicators.units import units

__all__ = [
    "AGENDA_POINTS",
    "DesignError",
    "IndicatorSpec",
    "InputValidationError",
    "MigIndicatorsError",
    "OptionError",
    "Registry",
    "RegistryError",
    "Result",
    "UnitError",
    "__version__",
    "compute",
    "countries",
    "datasets",
    "flags",
    "io",
    "publish",
    "quality",
    "registry",
    "schemas",
    "survey",
    "tabulate",
    "units",
]
