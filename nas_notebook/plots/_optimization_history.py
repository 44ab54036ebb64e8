"""Optimization history: every completed trial's value and the best value so far."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import plotly.graph_objects as go
from optuna.trial import FrozenTrial, TrialState

from ._common import direction_of, trials_of

__all__ = ["OptimizationHistoryInfo", "plot_optimization_history"]

#: Above this many points the scatter trace switches to WebGL.
WEBGL_THRESHOLD = 2000


class OptimizationHistoryInfo(NamedTuple):
    """What the plot draws, computed from trials alone (tests check this, not the figure)."""

    numbers: np.ndarray
    values: np.ndarray
    best_values: np.ndarray
    direction: str


def _get_optimization_history_info(
    trials: Sequence[FrozenTrial], direction: str
) -> OptimizationHistoryInfo:
    done = [t for t in trials if t.state == TrialState.COMPLETE and t.values is not None]
    done.sort(key=lambda t: t.number)
    numbers = np.fromiter((t.number for t in done), dtype=np.int64, count=len(done))
    values = np.fromiter((t.values[0] for t in done), dtype=float, count=len(done))
    if direction == "minimize":
        best = np.fmin.accumulate(values) if len(values) else values
    else:
        best = np.fmax.accumulate(values) if len(values) else values
    return OptimizationHistoryInfo(numbers, values, best, direction)


def traces(info: OptimizationHistoryInfo) -> list[dict[str, Any]]:
    """Trace data for the info (used by the static figure and by live figure updates)."""
    kind = "scattergl" if len(info.numbers) > WEBGL_THRESHOLD else "scatter"
    return [
        {
            "type": kind,
            "x": info.numbers,
            "y": info.values,
            "mode": "markers",
            "name": "objective",
            "marker": {"size": 6, "color": "#1f77b4"},
        },
        {
            "type": kind,
            "x": info.numbers,
            "y": info.best_values,
            "mode": "lines",
            "name": "best so far",
            "line": {"color": "#d62728", "shape": "hv"},
        },
    ]


def layout(info: OptimizationHistoryInfo) -> dict[str, Any]:
    return {
        "title": {"text": f"Optimization history ({info.direction})"},
        "xaxis": {"title": {"text": "trial"}},
        "yaxis": {"title": {"text": "objective"}},
        "margin": {"l": 50, "r": 10, "t": 40, "b": 40},
        "height": 320,
        "legend": {"orientation": "h", "y": -0.25},
    }


def plot_optimization_history(study: Any) -> go.Figure:
    """The optimization history of ``study`` (a :class:`~nas_notebook.Search` or Optuna study).

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        >>> len(plot_optimization_history(study).data)
        2
    """
    info = _get_optimization_history_info(trials_of(study), direction_of(study))
    return go.Figure(data=traces(info), layout=layout(info))
