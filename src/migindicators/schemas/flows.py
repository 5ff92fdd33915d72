"""Input kinds for origin–destination flow matrices, populations at risk and distances.

Flow matrices describe any migration system (internal regions or countries), so region codes
are free labels here, not ISO codes: ``codes="iso3"`` on the indicator functions adds the
country-code check when the system is international.
"""

from __future__ import annotations

from migindicators.schemas import register
from migindicators.schemas._spec import Column, InputKind
from migindicators.schemas.common import AGE_GROUP, SEX

__all__ = ["DISTANCES", "FLOW_MATRIX", "REGION_PATTERN", "REGION_POPULATION"]

#: A region label: non-blank, no leading or trailing white space.
REGION_PATTERN = r"\S(?:.*\S)?"

_TIME = Column(
    "time_period", "int", "Reference year (or period start)", ge=1900, le=2100, required=False
)

FLOW_MATRIX = register(
    InputKind(
        name="flow_matrix",
        description="Migrants moving from an origin region to a destination region in a period, "
        "long form: one row per origin x destination (x time_period, sex, age_group). "
        "Pairs without a row are zero flows; a wide matrix (rows = origins, columns = "
        "destinations) is converted to this form by the indicator functions.",
        columns=(
            Column(
                "origin",
                "str",
                "Region of origin (any label; ISO3 for countries)",
                pattern=REGION_PATTERN,
            ),
            Column(
                "destination",
                "str",
                "Region of destination (same labels as origin)",
                pattern=REGION_PATTERN,
            ),
            _TIME,
            SEX,
            AGE_GROUP,
            Column(
                "flow",
                "float",
                "Number of migrants from origin to destination",
                unit="person",
                ge=0,
            ),
        ),
        unique=("origin", "destination", "time_period", "sex", "age_group"),
    )
)

REGION_POPULATION = register(
    InputKind(
        name="region_population",
        description="Population at risk of migrating, by region of a flow system (the same labels "
        "as the flow matrix), optionally by time_period, sex and age_group.",
        columns=(
            Column("region", "str", "Region label (as in the flow matrix)", pattern=REGION_PATTERN),
            _TIME,
            SEX,
            AGE_GROUP,
            Column(
                "population",
                "float",
                "Population at risk (mid-period or start of period)",
                unit="person",
                ge=0,
            ),
        ),
        unique=("region", "time_period", "sex", "age_group"),
    )
)

DISTANCES = register(
    InputKind(
        name="region_distances",
        description="Distance between an origin and a destination region (one row per ordered "
        "pair; give both directions of a symmetric distance).",
        columns=(
            Column("origin", "str", "Region of origin", pattern=REGION_PATTERN),
            Column("destination", "str", "Region of destination", pattern=REGION_PATTERN),
            Column("distance", "float", "Distance between the two regions", unit="kilometer", ge=0),
        ),
        unique=("origin", "destination"),
    )
)
