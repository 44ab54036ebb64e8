"""The package's layers, read from its source: each subpackage and top-level module imports only
the layers below it, no import reaches into another subpackage's private modules or names, and
only the schema module spells a storage key or touches Optuna's private storage API.

Imports inside functions count too: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "nas_notebook"

#: Lowest first. A unit may import the units of lower layers only (not its own layer's others).
LAYERS: list[set[str]] = [
    {"_version", "_errors", "_logging", "_ending"},
    {"_schema", "_journal_lock"},
    {"_storages"},
    {"space"},
    {"symbolic"},
    {"trial"},
    {"data", "algorithms"},
    {"executors", "benchmarks", "torch"},
    {"study"},
    {"plots"},
    {"search"},
    {"widgets"},
    {"magics"},
    {"cli", "_server", "testing"},
    {"__init__", "__main__"},
]

#: The one upward import: ``Search.dashboard()`` (and so a handle's display) builds the
#: dashboard widget, imported when a search is first shown.
ALLOWED_UPWARD = {("search", "widgets", "dashboard")}

RANK = {unit: rank for rank, layer in enumerate(LAYERS) for unit in layer}


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts.pop()
        yield ".".join(parts), path


def _imports(module: str, path: Path) -> Iterator[tuple[str, str, str | None, int]]:
    """``(imported module, imported name or "", enclosing function, line)`` for each import."""
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    functions: dict[ast.AST, str] = {}
    typing_only: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(n for child in node.body for n in ast.walk(child))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                functions.setdefault(inner, node.name)
    for node in ast.walk(tree):
        if node in typing_only:  # annotations only: not a dependency at run time
            continue
        where = functions.get(node)
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, "", where, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                yield target, alias.name, where, node.lineno


def _edges() -> list[tuple[str, str, str, str | None, int]]:
    """``(importer unit, imported unit, importing module, function, line)`` across units."""
    edges = []
    for module, path in _modules():
        for target, name, where, line in _imports(module, path):
            if not target.startswith("nas_notebook"):
                continue
            full = f"{target}.{name}" if name and target.count(".") == 0 else target
            a, b = _unit(module), _unit(full)
            if a != b:
                edges.append((a, b, module, where, line))
    return edges


def test_every_unit_has_a_layer():
    units = {_unit(module) for module, _ in _modules()}
    assert units <= set(RANK), f"give these a layer: {sorted(units - set(RANK))}"


def test_units_import_only_the_layers_below():
    bad = [
        f"{module}:{line} ({a} -> {b}{f', in {where}()' if where else ''})"
        for a, b, module, where, line in _edges()
        if RANK[b] >= RANK[a] and (a, b, where) not in ALLOWED_UPWARD
    ]
    assert not bad, "imports that are not downward:\n" + "\n".join(bad)


def test_the_allowed_upward_import_is_still_needed():
    used = {(a, b, where) for a, b, _, where, _ in _edges() if RANK[b] >= RANK[a]}
    assert used == ALLOWED_UPWARD


def test_the_graph_has_no_cycle():
    graph: dict[str, set[str]] = {}
    for a, b, *_ in _edges():
        graph.setdefault(a, set()).add(b)
    # A cycle needs an edge that is not downward; only the display hook is, and nothing below
    # widgets imports search back through it.
    seen: dict[str, int] = {}

    def visit(unit: str, stack: list[str]) -> None:
        seen[unit] = 1
        for nxt in sorted(graph.get(unit, ())):
            if seen.get(nxt) == 1:
                pytest.fail("import cycle: " + " -> ".join([*stack, unit, nxt]))
            if nxt not in seen:
                visit(nxt, [*stack, unit])
        seen[unit] = 2

    for unit in sorted(graph):
        if unit not in seen:
            visit(unit, [])


def test_no_import_reaches_into_another_units_private_parts():
    bad = []
    for module, path in _modules():
        for target, name, _, line in _imports(module, path):
            if not target.startswith("nas_notebook."):
                continue
            full = f"{target}.{name}" if name else target
            if _unit(full) == _unit(module):
                continue
            # The private parts of another unit: a module or name below its public surface.
            parts = full.split(".")[2:]
            private = [p for p in parts if p.startswith("_") and not p.startswith("__")]
            if private:
                bad.append(f"{module}:{line} imports {full}")
    assert not bad, "\n".join(bad)


KEY = re.compile(r"^nas_notebook:[a-z_]")
#: Optuna's private attributes of studies, trials and storages.
PRIVATE_OPTUNA = {
    "_storage",
    "_study_id",
    "_trial_id",
    "_pop_waiting_trial_id",
    "_backend",
    "_file_path",
    "_cached_frozen_trial",
}


@pytest.mark.parametrize(
    "module,path", [m for m in _modules() if m[0] != "nas_notebook._schema"], ids=lambda v: str(v)
)
def test_only_the_schema_module_spells_keys_or_touches_optunas_storage(module, path):
    tree = ast.parse(path.read_text(), str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    bad = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and KEY.match(node.value)
        ):
            bad.append(f"line {node.lineno}: the key {node.value!r}")
        if isinstance(node, ast.Attribute) and node.attr in PRIVATE_OPTUNA:
            bad.append(f"line {node.lineno}: .{node.attr}")
    assert not bad, f"{module} (use nas_notebook._schema):\n" + "\n".join(bad)


def test_the_schema_test_catches_a_key_and_a_private_attribute(tmp_path):
    """The check above fails on what it is meant to catch."""
    source = 'def f(study):\n    return study._storage, "nas_notebook:control"\n'
    tree = ast.parse(source)
    found = [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)]
    keys = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and KEY.match(n.value)]
    assert "_storage" in found and PRIVATE_OPTUNA & set(found)
    assert keys == ["nas_notebook:control"]


#: One concept per module: a module past this many lines holds more than one.
MAX_LINES = 400


def test_no_module_is_over_the_size_of_one_concept():
    long = {
        module: n
        for module, path in _modules()
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"split these along their concepts: {long}"
