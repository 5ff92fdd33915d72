"""Sphinx configuration for the migindicators documentation."""

from __future__ import annotations

import ast
import importlib
import inspect
import sys
from importlib.util import resolve_name
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

from sphinx.errors import PycodeError
from sphinx.ext.intersphinx import missing_reference as intersphinx_missing_reference
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging

import migindicators

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from docutils.nodes import Element
    from sphinx.addnodes import pending_xref
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

project = "migindicators"
author = "migindicators developers"
copyright = "2026, migindicators developers"
release = migindicators.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    # MathJax 3 bundled in the package and copied into _static: formulas render offline.
    "sphinx-mathjax-offline",
    "sphinx.ext.viewcode",
    "sphinx.ext.intersphinx",
    "myst_parser",
    "catalogue",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3
exclude_patterns = ["_build"]
templates_path = ["_templates"]

# One generated page per public object, written at build time under reference/api/ (gitignored).
autosummary_generate = True
autosummary_imported_members = False

autodoc_default_options = {"members": True, "show-inheritance": False}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_rtype = False
# Parse numpydoc type specs: ``{"a", "b"}`` renders as literals, ``optional``/``default`` as
# keywords, and the names below resolve to the objects they stand for.
napoleon_preprocess_types = True
napoleon_type_aliases = {
    "DataFrame": "pandas.DataFrame",
    "DataFrames": "pandas.DataFrame",
    "Dask DataFrame": "dask.dataframe.DataFrame",
    "pd.DataFrame": "pandas.DataFrame",
    "Series": "pandas.Series",
    "pd.Series": "pandas.Series",
    "array": "numpy.ndarray",
    "np.ndarray": "numpy.ndarray",
    "ndarray": "numpy.ndarray",
    "sequence": "collections.abc.Sequence",
    "Sequence": "collections.abc.Sequence",
    "mapping": "collections.abc.Mapping",
    "Mapping": "collections.abc.Mapping",
    "iterable": "collections.abc.Iterable",
    "iterator": "collections.abc.Iterator",
    "callable": "collections.abc.Callable",
    "path": "pathlib.Path",
    "Path": "pathlib.Path",
    "path-like": ":term:`path-like <path-like object>`",
    "file-like": ":term:`file-like <file object>`",
}

# Inventories are committed (tools/build_inventories.py writes them): the build needs no
# network, and the links go to the public documentation.
intersphinx_mapping = {
    "python": ("https://docs.python.org/3/", "_inventories/python.inv"),
    "numpy": ("https://numpy.org/doc/stable/", "_inventories/numpy.inv"),
    "pandas": ("https://pandas.pydata.org/docs/", "_inventories/pandas.inv"),
    "pint": ("https://pint.readthedocs.io/en/stable/", "_inventories/pint.inv"),
    "pandera": ("https://pandera.readthedocs.io/en/stable/", "_inventories/pandera.inv"),
    "dask": ("https://docs.dask.org/en/stable/", "_inventories/dask.inv"),
}
nitpicky = True
suppress_warnings = ["myst.xref_missing"]

html_theme = "furo"
html_title = f"migindicators {release}"


def _import_target(target: str) -> object | None:
    """The object a dotted name stands for, or None (import the longest module prefix)."""
    parts = target.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


#: id(object) -> documented name; rebuilt once the sources are read (``env-updated``).
_DOCUMENTED: dict[int, str] = {}


def _forget_documented(app: Sphinx, env: BuildEnvironment) -> list[str]:
    _DOCUMENTED.clear()
    return []


def _documented_objects(env: BuildEnvironment) -> dict[int, str]:
    """id(object) -> the name the reference documents it under (classes, functions, modules)."""
    if _DOCUMENTED:
        return _DOCUMENTED
    domain = env.get_domain("py")
    for name, _dispname, objtype, _doc, _anchor, _prio in domain.get_objects():
        if objtype not in {"class", "exception", "function", "module", "method"}:
            continue
        obj = _import_target(name)
        if obj is not None and (callable(obj) or inspect.ismodule(obj)):
            _DOCUMENTED.setdefault(id(obj), name)
    return _DOCUMENTED


#: Import abbreviations used in string annotations.
_SHORT_PACKAGES = {"np": "numpy", "pd": "pandas"}


def _docstring_module(node: pending_xref) -> str | None:
    """The module whose docstring holds *node* (autodoc names it in the node's source)."""
    source = node.source or ""
    if "docstring of " not in source:
        return None
    dotted = source.rsplit("docstring of ", 1)[1].split(":", 1)[0]
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        name = ".".join(parts[:cut])
        if name in sys.modules:
            return name
    return None


def _resolve_alias(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: Element
) -> Element | None:
    """Resolve a Python reference to one of the package's objects, whatever path names it.

    The reference documents each public object once, under its public name
    (``migindicators.survey.estimate``); docstrings and type hints often name the defining
    module instead (``migindicators.engine.survey.estimate``), or a bare name of the module
    the docstring is in (``BREAKDOWNS``, a class imported only for type checking). These link
    to the object's page. A name that imports to an internal object of the package (one with
    no page: a helper, a type variable, an implementation module) renders as code, unlinked.
    Anything else, a name that does not import or an outside name missing from the
    inventories, stays unresolved and nitpicky mode reports it.
    """
    if node.get("refdomain") != "py":
        return None
    target = node["reftarget"].lstrip("~.")
    head, _, rest = target.partition(".")
    if head in _SHORT_PACKAGES:
        # ``np.ndarray`` / ``pd.DataFrame`` in string annotations: look up the full name.
        node["reftarget"] = f"{_SHORT_PACKAGES[head]}.{rest}"
        return intersphinx_missing_reference(app, env, node, contnode)
    documented = _documented_objects(env)
    candidates = [target]
    if head != "migindicators":
        for module in (node.get("py:module"), _docstring_module(node)):
            if module:
                candidates.insert(0, f"{module}.{target}")
        suffix = "." + head
        matches = {n for n in documented.values() if n.endswith(suffix)}
        if len(matches) == 1:
            candidates.append(matches.pop() + (f".{rest}" if rest else ""))
    internal = None
    domain = env.get_domain("py")
    for candidate in candidates:
        if not candidate.startswith("migindicators."):
            continue
        obj = _import_target(candidate)
        owner, _, attr = candidate.rpartition(".")
        owner_obj = _import_target(owner)
        if obj is None and not inspect.isclass(owner_obj):
            continue
        name = documented.get(id(obj)) if callable(obj) or inspect.ismodule(obj) else None
        if name is None:
            # An attribute (a dataclass field need not import): link it through the
            # documented name of its class.
            owner_name = documented.get(id(owner_obj)) if owner_obj is not None else None
            name = f"{owner_name}.{attr}" if owner_name else None
        resolved = None
        if name is not None:
            resolved = domain.resolve_xref(
                env, node["refdoc"], app.builder, node["reftype"], name, node, contnode
            )
        if resolved is not None:
            return resolved
        internal = internal or candidate
    if internal is not None:
        logger.verbose("unlinked reference to internal object %s", internal, location=node)
        return contnode
    return None


def _defining_module(module_name: str, name: str) -> tuple[str, str]:
    """The module that assigns *name*, following ``from x import name`` re-exports."""
    module = importlib.import_module(module_name)
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError):
        return module_name, name
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            source = "." * node.level + (node.module or "")
            package = module_name if hasattr(module, "__path__") else module.__package__
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    return _defining_module(resolve_name(source, package), alias.name)
    return module_name, name


def _data_docstring(
    app: Sphinx, what: str, name: str, obj: object, options: object, lines: list[str]
) -> None:
    """Never show a built-in type's docstring (``dict``'s) as a constant's description.

    A re-exported constant (``migindicators.AGENDA_POINTS``) has its ``#:`` comment in the
    defining module, which autodoc does not look in; take it from there, or show nothing.
    """
    if what not in {"data", "attribute"} or not lines:
        return
    type_doc = inspect.getdoc(type(obj)) or ""
    if "\n".join(lines).strip() != type_doc.strip():
        return
    lines[:] = []
    module_name, _, short = name.rpartition(".")
    if module_name not in sys.modules:
        return  # a class attribute: its class documents it
    module_name, short = _defining_module(module_name, short)
    try:
        attr_docs = ModuleAnalyzer.for_module(module_name).find_attr_docs()
    except PycodeError:
        return
    lines.extend(attr_docs.get(("", short), []))


def setup(app: Sphinx) -> None:
    app.connect("env-updated", _forget_documented)
    app.connect("missing-reference", _resolve_alias)
    app.connect("autodoc-process-docstring", _data_docstring)
