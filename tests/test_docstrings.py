"""Every public function has a runnable example in its docstring. The examples themselves run
as doctests (``--doctest-modules`` in the pytest options, over the whole package), so an example
that drifts from the code fails the suite."""

from __future__ import annotations

import doctest
import importlib
import inspect

import pytest
from test_public_api import MODULES


def _public_functions() -> dict[str, object]:
    found: dict[str, object] = {}
    for name in MODULES:
        module = importlib.import_module(name)
        for item in module.__all__:
            value = getattr(module, item)
            if inspect.isfunction(value) and value not in found.values():
                found[f"{name}.{item}"] = value
    return found


FUNCTIONS = _public_functions()


def test_every_public_module_is_collected_for_doctests():
    from pathlib import Path

    tomllib = pytest.importorskip("tomllib", reason="reads pyproject.toml (Python 3.11+)")

    options = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    pytest_options = options["tool"]["pytest"]["ini_options"]
    assert "--doctest-modules" in pytest_options["addopts"]
    assert "nas_notebook" in pytest_options["testpaths"]
    assert len(FUNCTIONS) > 80


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_public_function_has_a_runnable_example(name):
    function = FUNCTIONS[name]
    examples = doctest.DocTestParser().get_examples(inspect.getdoc(function) or "")
    assert examples, f"{name} has no example (>>>) in its docstring"
