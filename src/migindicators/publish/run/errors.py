"""One-line error text for the run's report, log and terminal."""

from __future__ import annotations

import traceback
from pathlib import Path

from migindicators.core.errors import MigIndicatorsError

__all__ = ["error_text"]


def error_text(exc: BaseException) -> str:
    """One line: the exception class, its message and where it was raised."""
    last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" (at {Path(last[0].filename).name}:{last[0].lineno})" if last else ""
    if isinstance(exc, MigIndicatorsError):
        where = ""  # the library's own errors already say what and where
    return f"{type(exc).__name__}: {exc}{where}"
