"""The parts of each dashboard plot: ``(traces, layout)`` computed from a study's columns, and
the choices of each plot's option dropdowns. The dashboard draws them into FigureWidgets; the
``plot_*`` functions of :mod:`nas_notebook.plots` build figures from the same parts.

Each ``*(cols, directions, options, names=None)`` returns ``(traces, layout)``, or raises
``ValueError`` with a sentence saying what the plot waits for when it has nothing to draw yet;
each ``*_choices(cols, directions, names=None)`` returns ``{option: [(label, value), ...]}``.
``names`` are the objectives' metric names, one per objective (None: ``objective``,
``objective 0``...): axis titles, legends, hovers and dropdown labels use them. Called on a
dashboard's drawing thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..study import TrialColumns
from . import _contour
from . import _intermediate_values as _curves
from . import _optimization_history as _history
from . import _parallel_coordinate as _parallel
from . import _param_importances as _importances
from . import _pareto_front as _pareto
from . import _slice as _slices
from ._common import default_direction, objective_label

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

#: ``names`` of every function here: the objectives' metric names, or None.
_Names = Sequence[str] | None


def _parts(module: Any, info: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    message = module.waiting(info)
    if message:
        raise ValueError(message)
    return module.traces(info), module.layout(info)


def history(
    cols: TrialColumns, directions: list[str], options: dict[str, Any], names: _Names = None
) -> Any:
    info = _history._get_optimization_history_info(cols, directions[0], names=names)
    return _parts(_history, info)


def curves(
    cols: TrialColumns, directions: list[str], options: dict[str, Any], names: _Names = None
) -> Any:
    info = _curves._get_intermediate_values_info(cols, directions[0], names=names)
    return _parts(_curves, info)


def parallel(
    cols: TrialColumns, directions: list[str], options: dict[str, Any], names: _Names = None
) -> Any:
    info = _parallel._get_parallel_coordinate_info(cols, directions[0], names=names)
    return _parts(_parallel, info)


def importances(
    cols: TrialColumns, directions: list[str], options: dict[str, Any], names: _Names = None
) -> Any:
    info = _importances._get_param_importances_info(
        cols,
        directions,
        target=options["target"],
        evaluator=options["evaluator"] or "ped_anova",
        objective_names=names,
    )
    return _parts(_importances, info)


def slice_(
    cols: TrialColumns, directions: list[str], options: dict[str, Any], names: _Names = None
) -> Any:
    target = options["target"]
    info = _slices._get_slice_info(
        cols,
        target=target,
        direction=default_direction(directions, target),
        objective_names=names,
    )
    return _parts(_slices, info)


def contour(
    cols: TrialColumns, directions: list[str], options: dict[str, Any], names: _Names = None
) -> Any:
    x, y, target = options["x"], options["y"], options["target"]
    if len(cols.distributions) < 2:
        count = len(cols.distributions)
        raise ValueError(
            f"A contour needs two parameters; the trials have suggested {count} so far."
        )
    if x is None or y is None or x == y:
        raise ValueError("Pick two different parameters.")
    info = _contour._get_contour_info(
        cols,
        params=(x, y),
        target=target,
        direction=default_direction(directions, target),
        objective_names=names,
    )
    return _parts(_contour, info)


def pareto(
    cols: TrialColumns, directions: list[str], options: dict[str, Any], names: _Names = None
) -> Any:
    info = _pareto._get_pareto_front_info(cols, directions, objective_names=names)
    return _parts(_pareto, info)


def _targets(cols: TrialColumns, directions: list[str], names: _Names) -> list[tuple[str, Any]]:
    n = len(directions)
    objectives = [(objective_label(i, n, names), i) for i in range(n)]
    # A metric that is an objective is listed once, as the objective (a multi-objective
    # search keeps its reported metrics as user attributes too).
    taken = {label for label, _ in objectives}
    attrs = [(a, a) for a in sorted(cols.attrs) if a not in taken]
    return [*objectives, ("duration", "duration"), *attrs]


def _params(cols: TrialColumns, directions: list[str]) -> list[tuple[str, Any]]:
    return [(name, name) for name in cols.distributions]


def target_choices(
    cols: TrialColumns, directions: list[str], names: _Names = None
) -> dict[str, Any]:
    return {"target": _targets(cols, directions, names)}


def importance_choices(
    cols: TrialColumns, directions: list[str], names: _Names = None
) -> dict[str, Any]:
    evaluators = [("PED-ANOVA", "ped_anova"), ("fANOVA", "fanova")]
    return {"target": _targets(cols, directions, names), "evaluator": evaluators}


def contour_choices(
    cols: TrialColumns, directions: list[str], names: _Names = None
) -> dict[str, Any]:
    params = _params(cols, directions)
    return {"x": params, "y": params[1:] + params[:1], "target": _targets(cols, directions, names)}
