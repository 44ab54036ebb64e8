"""Every public function, and every public class a notebook meets, has a runnable example in
its docstring. The examples themselves run as doctests (``--doctest-modules`` in the pytest
options, over the whole package), so an example that drifts from the code fails the suite."""

from __future__ import annotations

import doctest
import importlib
import inspect
from collections.abc import Callable
from typing import Any

import pytest
from test_public_api import MODULES


def _public(kind: Callable[[object], bool]) -> dict[str, Any]:
    """Qualified name -> object, for each exported object of that kind (first export wins)."""
    found: dict[str, Any] = {}
    for name in MODULES:
        module = importlib.import_module(name)
        for item in module.__all__:
            value = getattr(module, item)
            if kind(value) and value not in found.values():
                found[f"{name}.{item}"] = value
    return found


FUNCTIONS = _public(inspect.isfunction)


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


#: Classes for people extending the package (algorithms, executors, trial contexts, contract
#: test suites) or called by its machinery, not by a notebook: their docstrings say who calls
#: what and when, and the contract tests in ``nas_notebook.testing`` are their worked examples.
EXTENSION_POINTS = {
    "nas_notebook.executors.Executor",
    "nas_notebook.executors.JobFeed",
    "nas_notebook.magics.SearchMagics",
    "nas_notebook.space.Decision",
    "nas_notebook.space.EvaluationContext",
    "nas_notebook.space.HyperPrimitive",
    "nas_notebook.space.NameRegistry",
    "nas_notebook.space.Site",
    "nas_notebook.space.TraceContext",
    "nas_notebook.space.TrialContext",
    "nas_notebook.study.Driver",
    "nas_notebook.study.Example",
    "nas_notebook.study.Feedback",
    "nas_notebook.study.RemoteParts",
    "nas_notebook.study.StudyView",
    "nas_notebook.trial.FunctionProgram",
    "nas_notebook.trial.Job",
    "nas_notebook.trial.Objective",
    "nas_notebook.trial.Outcome",
    "nas_notebook.trial.ProgramError",
    "nas_notebook.trial.TrialLog",
    "nas_notebook.trial.TrialPaused",
    "nas_notebook.trial.TrialProgram",
    "nas_notebook.trial.TrialRef",
    "nas_notebook.symbolic.SymbolicBase",
    "nas_notebook.testing.AlgorithmContract",
    "nas_notebook.testing.CrashIsolationContract",
    "nas_notebook.testing.ExecutorContract",
    "nas_notebook.testing.PrunerContract",
    "nas_notebook.torch.ChoiceFactory",
}


CLASSES = _public(inspect.isclass)


def test_extension_points_are_public_classes():
    missing = EXTENSION_POINTS - set(CLASSES)
    assert not missing, missing


@pytest.mark.parametrize("name", sorted(set(CLASSES) - EXTENSION_POINTS))
def test_public_class_has_a_runnable_example(name):
    examples = doctest.DocTestParser().get_examples(inspect.getdoc(CLASSES[name]) or "")
    assert examples, f"{name} has no example (>>>) in its docstring"
