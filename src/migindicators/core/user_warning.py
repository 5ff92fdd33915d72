"""Warnings that point at the user's line, however deep in the library they are raised."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

__all__ = ["warn_user"]

# With the separator: a sibling such as ``migindicators_extra/`` is not the package.
_PACKAGE = str(Path(__file__).resolve().parents[1]) + os.sep


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """Issue *message* attributed to the first caller outside the package.

    A fixed ``stacklevel`` names a library file when the same code is reached through
    decorators or several entry points; this walks the stack instead, so the warning shows
    (and is filtered by) the user's own module and line.
    """
    level = 2  # 1 is this function; 2 its caller
    frame = sys._getframe(1)
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(_PACKAGE):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(message, category, stacklevel=level)
