"""Input kinds of the flow estimators: bilateral stock tables, vital events, net totals, seeds.

The labels are free region labels (as in :mod:`migindicators.schemas.flows`): the
estimators work for countries, world regions or internal regions alike. Square matrices with
labels are accepted by the estimator functions and converted to these long forms.
"""

from __future__ import annotations

from migindicators.schemas import register
from migindicators.schemas._spec import Column, InputKind
from migindicators.schemas.flows import REGION_PATTERN

__all__ = ["BILATERAL_STOCK", "FLOW_SEED", "REGION_BIRTHS", "REGION_DEATHS", "REGION_NET"]


def _region(description: str) -> Column:
    return Column("region", "str", description, pattern=REGION_PATTERN)


BILATERAL_STOCK = register(
    InputKind(
        name="bilateral_stock",
        description="Persons born in one region (birthplace) living in another or the same "
        "region (residence) at one date: one row per birthplace x residence; the native-born "
        "are the rows with birthplace = residence. Pairs without a row are zero. A wide "
        "table (rows = birthplaces, columns = residences) is converted by the estimators.",
        columns=(
            Column("birthplace", "str", "Place (region) of birth", pattern=REGION_PATTERN),
            Column("residence", "str", "Place (region) of residence", pattern=REGION_PATTERN),
            Column(
                "stock",
                "float",
                "Persons born in birthplace living in residence",
                unit="person",
                ge=0,
            ),
        ),
        unique=("birthplace", "residence"),
    )
)

REGION_BIRTHS = register(
    InputKind(
        name="region_births",
        description="Live births in each region between the two dates of the stock tables.",
        columns=(
            _region("Region where the births occurred (as in the stock tables)"),
            Column("births", "float", "Births between the two dates", unit="person", ge=0),
        ),
        unique=("region",),
    )
)

REGION_DEATHS = register(
    InputKind(
        name="region_deaths",
        description="Deaths in each region between the two dates of the stock tables.",
        columns=(
            _region("Region where the deaths occurred (as in the stock tables)"),
            Column("deaths", "float", "Deaths between the two dates", unit="person", ge=0),
        ),
        unique=("region",),
    )
)

REGION_NET = register(
    InputKind(
        name="region_net_migration",
        description="Net migration of each region of a closed system over a period (inflow "
        "minus outflow; the totals sum to zero).",
        columns=(
            _region("Region"),
            Column("net", "float", "Net migration: inflow minus outflow", unit="person"),
        ),
        unique=("region",),
    )
)

FLOW_SEED = register(
    InputKind(
        name="flow_seed",
        description="Prior weights of origin x destination flows for an IPF or entropy fit "
        "(e.g. past flows, or a distance-decay such as 1 / distance); a zero weight forbids "
        "the flow and pairs without a row weigh zero. In the demographic account only their "
        "relative sizes matter; fitting net totals keeps the seed's level of gross flows, so "
        "give that seed in persons (e.g. past flows).",
        columns=(
            Column("origin", "str", "Region of origin", pattern=REGION_PATTERN),
            Column("destination", "str", "Region of destination", pattern=REGION_PATTERN),
            Column("seed", "float", "Relative weight of the flow", ge=0),
        ),
        unique=("origin", "destination"),
    )
)
