"""The parts of each dashboard plot: ``(traces, layout)`` computed from a study's columns, and
the choices of each plot's option dropdowns. The dashboard draws them into FigureWidgets; the
``plot_*`` functions of :mod:`nas_notebook.plots` build figures from the same parts.

Each ``*(cols, directions, options)`` returns ``(traces, layout)``; each ``*_choices(cols,
directions)`` returns ``{option: [(label, value), ...]}``. Called on a dashboard's drawing thread.
"""

from __future__ import annotations

from typing import Any

from ..study import TrialColumns
from . import _contour
from . import _intermediate_values as _curves
from . import _optimization_history as _history
from . import _parallel_coordinate as _parallel
from . import _param_importances as _importances
from . import _pareto_front as _pareto
from . import _slice as _slices
from ._common import default_direction

__all__ = [
    "contour",
    "contour_choices",
    "curves",
    "history",
    "importance_choices",
    "importances",
    "parallel",
    "pareto",
    "slice_",
    "target_choices",
]


def history(cols: TrialColumns, directions: list[str], options: dict[str, Any]) -> Any:
    info = _history._get_optimization_history_info(cols, directions[0])
    return _history.traces(info), _history.layout(info)


def curves(cols: TrialColumns, directions: list[str], options: dict[str, Any]) -> Any:
    info = _curves._get_intermediate_values_info(cols, directions[0])
    return _curves.traces(info), _curves.layout(info)


def parallel(cols: TrialColumns, directions: list[str], options: dict[str, Any]) -> Any:
    info = _parallel._get_parallel_coordinate_info(cols, directions[0])
    return _parallel.traces(info), _parallel.layout(info)


def importances(cols: TrialColumns, directions: list[str], options: dict[str, Any]) -> Any:
    info = _importances._get_param_importances_info(
        cols, directions, target=options["target"], evaluator=options["evaluator"] or "ped_anova"
    )
    return _importances.traces(info), _importances.layout(info)


def slice_(cols: TrialColumns, directions: list[str], options: dict[str, Any]) -> Any:
    target = options["target"]
    info = _slices._get_slice_info(
        cols, target=target, direction=default_direction(directions, target)
    )
    return _slices.traces(info), _slices.layout(info)


def contour(cols: TrialColumns, directions: list[str], options: dict[str, Any]) -> Any:
    x, y, target = options["x"], options["y"], options["target"]
    if len(cols.distributions) < 2:
        raise ValueError("a contour needs two parameters; the study has fewer so far")
    if x is None or y is None or x == y:
        raise ValueError("pick two different parameters")
    info = _contour._get_contour_info(
        cols, params=(x, y), target=target, direction=default_direction(directions, target)
    )
    return _contour.traces(info), _contour.layout(info)


def pareto(cols: TrialColumns, directions: list[str], options: dict[str, Any]) -> Any:
    info = _pareto._get_pareto_front_info(cols, directions)
    return _pareto.traces(info), _pareto.layout(info)


def _targets(cols: TrialColumns, directions: list[str]) -> list[tuple[str, Any]]:
    objectives: list[tuple[str, Any]] = (
        [("objective", 0)]
        if len(directions) == 1
        else [(f"objective {i}", i) for i in range(len(directions))]
    )
    return [*objectives, ("duration", "duration"), *((a, a) for a in sorted(cols.attrs))]


def _params(cols: TrialColumns, directions: list[str]) -> list[tuple[str, Any]]:
    return [(name, name) for name in cols.distributions]


def target_choices(cols: TrialColumns, directions: list[str]) -> dict[str, Any]:
    return {"target": _targets(cols, directions)}


def importance_choices(cols: TrialColumns, directions: list[str]) -> dict[str, Any]:
    evaluators = [("PED-ANOVA", "ped_anova"), ("fANOVA", "fanova")]
    return {"target": _targets(cols, directions), "evaluator": evaluators}


def contour_choices(cols: TrialColumns, directions: list[str]) -> dict[str, Any]:
    params = _params(cols, directions)
    return {"x": params, "y": params[1:] + params[:1], "target": _targets(cols, directions)}
