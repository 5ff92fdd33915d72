"""Readers: files as published by the custodians, and census/survey extracts, to input frames.

Each reader maps the source's column names and codes to the library's standard names
(``ref_area``, ``time_period``, …) so that its output validates against an input kind.
"""

from __future__ import annotations

from migindicators.io.bilateral import read_wb_bilateral_stocks
from migindicators.io.knomad import read_knomad
from migindicators.io.rpw import read_bilateral_remittances, read_rpw, read_rpw_databank
from migindicators.io.uis import read_uis, uis_students, uis_tertiary_enrolment
from migindicators.io.unhcr import read_unhcr_population
from migindicators.io.wdi import read_wdi

__all__: list[str] = []
__all__ += ["read_bilateral_remittances", "read_rpw", "read_rpw_databank"]
__all__ += ["read_uis", "uis_students", "uis_tertiary_enrolment"]
__all__ += ["read_knomad", "read_unhcr_population", "read_wb_bilateral_stocks", "read_wdi"]
