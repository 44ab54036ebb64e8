"""The modules of ``space``, ``symbolic`` and ``torch`` import one another in layers, read from
the source (every import counts, those inside functions and ``TYPE_CHECKING`` blocks too):

* within a package no import circle, so a lower module never needs a higher one;
* no module reads a private name of another one (it asks through a function instead);
* the packages themselves are layered, ``space`` < ``symbolic`` < ``torch``: each imports only
  lower ones, and only by their public names (``from ..space import choices_for``), never from
  another package's private modules.

The benchmarks' package (whose builder was split into ``_build*`` modules) has no import circle
either."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import nas_notebook

ROOT = Path(nas_notebook.__file__).resolve().parent
LAYERS = ["space", "symbolic", "torch"]


def _modules(package: str) -> dict[str, ast.Module]:
    return {
        path.stem: ast.parse(path.read_text(), str(path))
        for path in sorted((ROOT / package).glob("*.py"))
    }


def _imports(tree: ast.Module, package: str) -> Iterator[tuple[str, list[str]]]:
    """``(absolute module, imported names)`` of every import in a module of ``package``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = ["nas_notebook", package][: 3 - node.level]
                module = ".".join([*base, module] if module else base)
            yield module, [alias.name for alias in node.names]


def _graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (``__init__`` for names of the
    package itself)."""
    modules = _modules(package)
    prefix = f"nas_notebook.{package}"
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, tree in modules.items():
        for module, names in _imports(tree, package):
            if module == prefix:
                targets = {n if n in modules else "__init__" for n in names}
            elif module.startswith(prefix + "."):
                targets = {module.split(".")[2]}
            else:
                continue
            graph[name] |= targets - {name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """An import circle of ``graph`` (its modules in order, the first one repeated), or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(graph.get(node, ())):
            found = visit(target, [*path, node])
            if found:
                return found
        done.add(node)
        return None

    for node in sorted(graph):
        found = visit(node, [])
        if found:
            return found
    return None


def test_the_cycle_finder_finds_a_circle_through_a_function_level_import():
    tree = ast.parse("def build():\n    from ._b import x\n")
    assert list(_imports(tree, "space")) == [("nas_notebook.space._b", ["x"])]
    assert _cycle({"_a": {"_b"}, "_b": {"_c"}, "_c": {"_a"}}) == ["_a", "_b", "_c", "_a"]
    assert _cycle({"_a": {"_b"}, "_b": set()}) is None


@pytest.mark.parametrize("package", [*LAYERS, "benchmarks"])
def test_modules_import_one_another_without_circles(package):
    circle = _cycle(_graph(package))
    assert circle is None, f"nas_notebook.{package}: import circle {' -> '.join(circle or [])}"


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


@pytest.mark.parametrize("package", LAYERS)
def test_no_module_reads_a_private_name_of_another(package):
    prefix = f"nas_notebook.{package}"
    found = []
    for name, tree in _modules(package).items():
        sibling_modules = set()
        for module, names in _imports(tree, package):
            if module.startswith(prefix + "."):
                found += [f"{name}: {module}.{n}" for n in names if _private(n)]
            elif module == prefix:
                sibling_modules.update(names)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in sibling_modules
                and _private(node.attr)
            ):
                found.append(f"{name}: {node.value.id}.{node.attr}")
    assert not found, found


@pytest.mark.parametrize("package", LAYERS)
def test_packages_import_lower_packages_by_their_public_names(package):
    higher = LAYERS[LAYERS.index(package) + 1 :]
    packages = {path.name for path in ROOT.iterdir() if (path / "__init__.py").is_file()}
    found = []
    for name, tree in _modules(package).items():
        for module, names in _imports(tree, package):
            parts = module.split(".")
            if parts[0] != "nas_notebook" or len(parts) < 2 or parts[1] == package:
                continue
            if parts[1] in higher:
                found.append(f"{name} imports the higher package {module}")
            elif parts[1] in packages and (len(parts) > 2 or any(_private(n) for n in names)):
                found.append(f"{name} imports {module} {names}: not the package's public names")
    assert not found, found
