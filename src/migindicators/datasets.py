"""Bundled demo datasets: seeded generators and small typed-in tables of published figures.

The datasets live in the top-level ``datasets/`` folder of the repository (shipped inside
the wheel). Each has a descriptor ``datasets/<name>.toml``::

    name = "refugees_demo"
    description = "..."
    source = "generated (seeded) | the publication a typed-in table comes from"
    generator = "refugees_demo.py:generate"   # or: files = {population = "x.csv"}

    [[demo]]                                  # how the main job uses it (optional)
    indicator = "refugees_per_100k"
    inputs = { refugees = "refugees", population = "population" }
    options = { aggregate = "world" }

A generator is a function ``generate(seed: int = 0, **kwargs)`` returning a DataFrame or a
dict of DataFrames; :func:`load` calls it (same seed, same data).

>>> import migindicators as mi
>>> "refugees_demo" in mi.datasets.list()
True
"""

from __future__ import annotations

import builtins
import importlib.util
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from migindicators.core.errors import MigIndicatorsError

__all__ = ["DatasetInfo", "DemoJob", "datasets_directory", "demo_jobs", "info", "list", "load"]

_KEYS = {"name", "description", "source", "licence", "generator", "files", "demo", "notes"}
_DEMO_KEYS = {"indicator", "inputs", "options", "by", "title"}


@dataclass(frozen=True)
class DemoJob:
    """One indicator computation of the main job on a bundled dataset."""

    dataset: str
    indicator: str
    inputs: Mapping[str, str]
    options: Mapping[str, Any] = field(default_factory=dict)
    by: tuple[str, ...] = ()
    title: str = ""


@dataclass(frozen=True)
class DatasetInfo:
    """Descriptor of one bundled dataset."""

    name: str
    description: str
    source: str
    licence: str
    generator: str | None
    files: Mapping[str, str]
    demos: tuple[DemoJob, ...]
    notes: str = ""


def datasets_directory() -> Path:
    """The bundled ``datasets/`` folder (inside the wheel, or at the top of a source tree)."""
    packaged = Path(__file__).with_name("_datasets")
    if packaged.is_dir():
        return packaged
    source_tree = Path(__file__).resolve().parents[2] / "datasets"
    if source_tree.is_dir():
        return source_tree
    raise MigIndicatorsError("the bundled datasets/ folder is missing from this installation")


@cache
def _catalogue() -> dict[str, DatasetInfo]:
    out: dict[str, DatasetInfo] = {}
    for path in sorted(datasets_directory().glob("*.toml")):
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
        unknown = set(raw) - _KEYS
        if unknown:
            raise MigIndicatorsError(f"datasets/{path.name}: unknown key(s) {sorted(unknown)}")
        if raw.get("name") != path.stem:
            raise MigIndicatorsError(f"datasets/{path.name}: name must equal the file stem")
        if ("generator" in raw) == ("files" in raw):
            raise MigIndicatorsError(f"datasets/{path.name}: give exactly one of generator, files")
        demos = []
        for job in raw.get("demo", []):
            if set(job) - _DEMO_KEYS or "indicator" not in job:
                raise MigIndicatorsError(f"datasets/{path.name}: bad [[demo]] table {job}")
            demos.append(
                DemoJob(
                    dataset=path.stem,
                    indicator=job["indicator"],
                    inputs=job.get("inputs", {}),
                    options=job.get("options", {}),
                    by=tuple(job.get("by", ())),
                    title=job.get("title", ""),
                )
            )
        out[path.stem] = DatasetInfo(
            name=path.stem,
            description=raw["description"].strip(),
            source=raw["source"],
            licence=raw.get("licence", ""),
            generator=raw.get("generator"),
            files=raw.get("files", {}),
            demos=tuple(demos),
            notes=raw.get("notes", ""),
        )
    return out


def list() -> builtins.list[str]:
    """Names of the bundled datasets."""
    return sorted(_catalogue())


def info(name: str) -> DatasetInfo:
    """The descriptor of dataset *name*."""
    try:
        return _catalogue()[name]
    except KeyError:
        raise MigIndicatorsError(f"no dataset {name!r}; available: {list()}") from None


def _generator(spec: str) -> Callable[..., Any]:
    filename, _, func_name = spec.partition(":")
    path = datasets_directory() / filename
    module_spec = importlib.util.spec_from_file_location(
        f"migindicators._datasets_{path.stem}", path
    )
    if module_spec is None or module_spec.loader is None:
        raise MigIndicatorsError(f"cannot load dataset generator {path}")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    func: Callable[..., Any] = getattr(module, func_name)
    return func


def load(name: str, **kwargs: Any) -> pd.DataFrame | dict[str, pd.DataFrame]:
    """Load dataset *name*: run its seeded generator, or read its bundled tables.

    Keyword arguments go to the generator (``seed=``, sizes, …).
    """
    meta = info(name)
    if meta.generator is not None:
        result: pd.DataFrame | dict[str, pd.DataFrame] = _generator(meta.generator)(**kwargs)
        return result
    frames = {
        key: pd.read_csv(datasets_directory() / file, keep_default_na=False, na_values=[""])
        for key, file in meta.files.items()
    }
    return frames if len(frames) > 1 else next(iter(frames.values()))


def demo_jobs() -> builtins.list[DemoJob]:
    """Every demo computation declared by the bundled datasets (the README's main job)."""
    return [job for meta in _catalogue().values() for job in meta.demos]
