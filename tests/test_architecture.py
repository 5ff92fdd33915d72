"""The package's layers, checked: no import cycles, families reachable by name, nothing shadowed.

The import graph is read from the source with :mod:`ast` (no module is imported to build it):
every ``import``/``from … import`` at any depth counts, a function-level (lazy) import included,
except those under ``if TYPE_CHECKING:``, which never run.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import migindicators as mi

SRC = Path(mi.__file__).resolve().parent
PACKAGE = "migindicators"

#: What each layer may import; families may import any of these layers, publish anything below
#: it. ``_version`` is a leaf every layer may read. The readers know the census schema's
#: categories (to read codes as categoricals), so ``io`` sits above ``schemas``. Disclosure
#: control works on any family's Result: above the families, below publish.
LOWER_LAYERS = {
    "core": {"_version", "core"},
    "schemas": {"_version", "core", "schemas"},
    "io": {"_version", "core", "schemas", "io"},
    "engine": {"_version", "core", "schemas", "io", "engine"},
    "disclosure": {"_version", "core", "schemas", "io", "engine", "disclosure"},
}


def _module_names() -> dict[str, Path]:
    names: dict[str, Path] = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skipped.update(id(n) for n in ast.walk(child))
    return skipped


def _imports(module: str, path: Path, modules: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_nodes(tree)
    is_package = path.name == "__init__.py"
    targets: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                origin = ".".join([*base, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            for alias in node.names:
                sub = f"{origin}.{alias.name}"
                targets.add(sub if sub in modules else origin)
    return {t for t in targets if t in modules and t != module}


def _graph() -> dict[str, set[str]]:
    names = _module_names()
    modules = set(names)
    return {m: _imports(m, p, modules) for m, p in names.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_graph_sees_lazy_imports() -> None:
    # the checker itself: a function-level import is an edge (so a lazy import is still a cycle)
    tree_module = "migindicators.core.registry"
    graph = _graph()
    assert "migindicators.core.units" in graph[tree_module]
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]


def test_no_import_cycles() -> None:
    cycles = _cycles(_graph())
    assert not cycles, f"import cycles in src/: {cycles}"


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


@pytest.mark.parametrize("layer", sorted(LOWER_LAYERS))
def test_dependencies_point_down(layer: str) -> None:
    allowed = LOWER_LAYERS[layer]
    wrong = sorted(
        f"{m} -> {t}"
        for m, targets in _graph().items()
        if _layer(m) == layer
        for t in targets
        if _layer(t) not in allowed
    )
    assert not wrong, f"{layer}/ imports from layers above it: {wrong}"


def test_result_knows_nothing_of_the_publishers() -> None:
    graph = _graph()
    assert not {t for t in graph["migindicators.core.result"] if _layer(t) == "publish"}


def test_every_family_reachable_by_name() -> None:
    for family in mi.FAMILIES:
        package = getattr(mi, family)
        assert package.__name__ == f"{PACKAGE}.{family}"
        for name in package.__all__:
            assert callable(getattr(package, name)), f"mi.{family}.{name}"


def test_every_registry_function_lives_in_its_family() -> None:
    for spec in mi.registry.values():
        module, _, name = spec.function_path.partition(":")
        family = module.split(".")[1]
        assert family in mi.FAMILIES, f"{spec.id}: {spec.function_path} is outside the families"
        assert getattr(getattr(mi, family), name) is spec.function, (
            f"{spec.id}: mi.{family}.{name} is not the registered function"
        )


def test_no_submodule_is_shadowed() -> None:
    for info in pkgutil.walk_packages(mi.__path__, prefix=f"{PACKAGE}."):
        if info.name.endswith(".__main__"):
            continue  # importing it runs the command line
        parent_name, _, child = info.name.rpartition(".")
        parent = importlib.import_module(parent_name)
        module = importlib.import_module(info.name)
        attribute = getattr(parent, child, module)
        assert attribute is module, f"{info.name} is shadowed by {type(attribute).__name__}"


def test_families_do_not_reach_up_to_disclosure_or_publish() -> None:
    upper = {"disclosure", "publish", "cli"}
    wrong = sorted(
        f"{m} -> {t}"
        for m, targets in _graph().items()
        if _layer(m) in mi.FAMILIES
        for t in targets
        if _layer(t) in upper
    )
    assert not wrong, f"families import from the layers above them: {wrong}"
