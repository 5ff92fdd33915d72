"""Publishing: SDMX-CSV for the SDG global database, Open SDG files, Excel, charts, report.

>>> import migindicators as mi  # doctest: +SKIP
>>> mi.publish.to_sdmx([res])  # SDMX-CSV rows against the SDG DSD  # doctest: +SKIP
>>> mi.publish.write_open_sdg([res], "site/data")  # doctest: +SKIP
>>> mi.publish.write_excel([res], "indicators.xlsx")  # doctest: +SKIP
"""

from __future__ import annotations

from migindicators.publish import codes, run
from migindicators.publish.excel import write_excel
from migindicators.publish.opensdg import (
    open_sdg_filename,
    to_open_sdg,
    write_open_sdg,
    write_open_sdg_file,
)
from migindicators.publish.sdmx import (
    check_sdmx_csv,
    to_sdmx,
    write_sdmx_csv,
    write_sdmx_ml,
)

__all__ = [
    "check_sdmx_csv",
    "codes",
    "open_sdg_filename",
    "run",
    "to_open_sdg",
    "to_sdmx",
    "write_excel",
    "write_open_sdg",
    "write_open_sdg_file",
    "write_sdmx_csv",
    "write_sdmx_ml",
]
