"""Every benchmark in ``bench/`` has a ``--quick`` mode that a test runs, and reaches the
package only through its public modules and names, so that a refactor cannot break a benchmark
unseen."""

import ast
import importlib
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"

#: Each benchmark and the test module that runs ``python bench/SCRIPT --quick``. A new script
#: in bench/ (not a ``_helper``) needs a quick mode, such a test, and its line here.
QUICK_TESTS = {
    "beyond.py": "test_bench_simulated.py",
    "browser.py": "test_bench_browser.py",
    "efficient_nas.py": "test_bench_efficient.py",
    "overhead.py": "test_bench_overhead.py",
    "overhead_instructions.py": "test_bench_overhead.py",
    "parallel.py": "test_bench_parallel.py",
    "plots.py": "test_bench_plots.py",
    "search_quality.py": "test_bench_simulated.py",
    "simulator.py": "test_bench_simulated.py",
}


def test_every_benchmark_has_a_quick_run_test():
    scripts = sorted(p.name for p in BENCH.glob("*.py") if not p.name.startswith("_"))
    missing = [s for s in scripts if s not in QUICK_TESTS]
    assert not missing, (
        f"bench/{', bench/'.join(missing)}: give each a --quick mode (well under a minute), a "
        "test that runs it as `python bench/SCRIPT --quick` and checks its output, and an entry "
        "in QUICK_TESTS"
    )
    for script, module in QUICK_TESTS.items():
        assert (BENCH / script).exists(), f"QUICK_TESTS names bench/{script}, which is gone"
        assert '"--quick"' in (BENCH / script).read_text(), f"bench/{script} has no --quick"
        test = (ROOT / "tests" / module).read_text()
        assert f'"{script}"' in test and '"--quick"' in test, (
            f"tests/{module} does not run bench/{script} --quick"
        )


def _imports(path: Path) -> list[tuple[int, str, str | None]]:
    """``(line, module, name)`` of each import of the package in ``path`` (name None for
    ``import module``)."""
    found: list[tuple[int, str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, node.module, alias.name) for alias in node.names]
    return [imp for imp in found if imp[1].split(".")[0] == "nas_notebook"]


@pytest.mark.parametrize("path", sorted(BENCH.glob("*.py")), ids=lambda p: p.name)
def test_benchmarks_import_only_public_modules_and_names(path):
    """No ``nas_notebook.<pkg>._private`` module, and only names a module lists in ``__all__``
    (or its public submodules): what a refactor keeps, or has to say it moved."""
    problems = []
    for line, module, name in _imports(path):
        parts = module.split(".") + ([name] if name else [])
        if any(p.startswith("_") and not p.startswith("__") for p in parts[1:]):
            problems.append(f"line {line}: {'.'.join(parts)} is private")
            continue
        if name is None:
            continue
        try:
            imported = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.split(".")[0] == "nas_notebook":
                problems.append(f"line {line}: no module {module}")
                continue
            pytest.skip(f"{module} needs {exc.name}, which is not installed")
        public = name in getattr(imported, "__all__", ())
        if not public and importlib.util.find_spec(f"{module}.{name}") is None:
            problems.append(f"line {line}: {name} is not in {module}.__all__")
    assert not problems, (
        f"bench/{path.name} reaches past the package's public API, which a refactor may move: "
        f"{'; '.join(problems)}; measure through the public API instead"
    )
