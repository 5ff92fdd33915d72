"""One boundary for any dataframe: polars, pyarrow, DuckDB… in, pandas inside.

The library computes over pandas. Users hold their data in whatever they use: a polars
``DataFrame`` or ``LazyFrame``, a pyarrow ``Table``, a DuckDB relation. :func:`to_pandas`
turns any of these into a pandas object through `narwhals <https://narwhals-dev.github.io/
narwhals/>`_ (a dependency-free compatibility layer), and :func:`accepts_any_frame` applies it
to every argument of a public entry point — registered indicator functions,
:func:`migindicators.survey.estimate` and :func:`~migindicators.survey.estimate_difference`,
:meth:`InputKind.validate <migindicators.schemas.InputKind.validate>` and the readers' frame
converters — so the conversion lives in exactly one place and every entry point gives the
same numbers whatever frame it is given.

What is left alone, on purpose:

* pandas objects (returned as they are: no copy, no cost);
* Dask frames, file paths and iterables of chunks, which the census pass streams itself
  (collecting a Dask frame here would load a 10^9-row census into memory);
* anything narwhals does not recognise (numpy arrays, scalars, mappings, designs).

Lazy frames (polars ``LazyFrame``, DuckDB relations) are collected: the indicator needs
every row. polars and DuckDB are not dependencies of this package; they are only used when
the caller passes one of their objects.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import pandas as pd

__all__ = ["accepts_any_frame", "carries_frame_boundary", "to_pandas"]

P = ParamSpec("P")
R = TypeVar("R")

# Marker attribute set on wrapped functions, checked by the tests of the registry.
_MARKER = "__migindicators_any_frame__"
# Lazy, possibly out-of-core engines the census pass consumes chunk by chunk.
_STREAMED_PACKAGES = frozenset({"dask", "dask_expr", "dask_cudf"})


def _package(obj: object) -> str:
    return type(obj).__module__.partition(".")[0]


def to_pandas(obj: Any) -> Any:
    """Return *obj* as a pandas object when it is a dataframe or series of another library.

    Parameters
    ----------
    obj : object
        Anything. polars ``DataFrame``/``LazyFrame``/``Series``, pyarrow ``Table``/
        ``ChunkedArray``, DuckDB relations and the other backends narwhals knows are
        converted (lazy ones collected); pandas objects, Dask frames and everything else
        are returned unchanged.

    Returns
    -------
    object
        A :class:`pandas.DataFrame` or :class:`pandas.Series`, or *obj* itself.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"a": [1, 2]})
    >>> to_pandas(frame) is frame
    True
    >>> to_pandas([1, 2])
    [1, 2]
    """
    if isinstance(obj, (pd.DataFrame, pd.Series)) or obj is None:
        return obj
    if isinstance(obj, (str, bytes, int, float, bool, list, tuple, dict)):
        return obj
    if _package(obj) in _STREAMED_PACKAGES:
        return obj
    import narwhals as nw

    native = nw.from_native(obj, pass_through=True, allow_series=True)
    if native is obj:
        return obj
    if isinstance(native, nw.LazyFrame):
        return native.collect(backend="pandas").to_native()
    if isinstance(native, nw.DataFrame):
        return native.to_pandas()
    if isinstance(native, nw.Series):
        return native.to_pandas()
    return obj  # pragma: no cover - narwhals returns one of the three above


def accepts_any_frame(func: Callable[P, R]) -> Callable[P, R]:
    """Decorate an entry point so every dataframe argument reaches it as pandas.

    Positional and keyword arguments are passed through :func:`to_pandas`; the wrapped
    function keeps its name, signature and docstring, and carries a marker that
    :func:`carries_frame_boundary` checks.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        new_args = tuple(to_pandas(a) for a in args)
        new_kwargs = {k: to_pandas(v) for k, v in kwargs.items()}
        return func(*new_args, **new_kwargs)

    setattr(wrapper, _MARKER, True)
    return wrapper


def carries_frame_boundary(func: Callable[..., Any]) -> bool:
    """Whether *func* (or the function it wraps) converts any dataframe to pandas."""
    seen: set[int] = set()
    current: Any = func
    while current is not None and id(current) not in seen:
        if getattr(current, _MARKER, False):
            return True
        seen.add(id(current))
        current = getattr(current, "__wrapped__", None)
    return False
