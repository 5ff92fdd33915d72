"""Internationally mobile students (UNESCO UIS) and the emigration of the tertiary-educated.

Each registered indicator is a function of this subpackage returning a
:class:`~migindicators.core.result.Result`; the modules hold the pure compute functions beside them.
"""

from __future__ import annotations

from migindicators.mobility.brain_drain import (
    tertiary_emigration_rate,
)
from migindicators.mobility.indicators import (
    gross_outbound_enrolment_ratio,
    inbound_mobility_rate,
    mobility_dispersion_index,
    net_flow_mobile_students,
    net_flow_ratio,
    outbound_mobility_ratio,
)

__all__ = [
    "gross_outbound_enrolment_ratio",
    "inbound_mobility_rate",
    "mobility_dispersion_index",
    "net_flow_mobile_students",
    "net_flow_ratio",
    "outbound_mobility_ratio",
    "tertiary_emigration_rate",
]
