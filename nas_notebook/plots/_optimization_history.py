"""Optimization history: every completed trial's value and the best value so far."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import plotly.graph_objects as go
from optuna.trial import TrialState

from ..study import columns_of
from ._common import WEBGL_THRESHOLD, columns_and_directions, decimate

__all__ = ["OptimizationHistoryInfo", "plot_optimization_history"]

#: At most this many objective points are drawn; the best-so-far line is always exact.
MAX_POINTS = 5000


class OptimizationHistoryInfo(NamedTuple):
    """What the plot draws, computed from trials alone (tests check this, not the figure).

    ``numbers``/``values`` are every completed trial's (``objective``: which objective of a
    multi-objective study); ``best_numbers``/``best_values`` are the steps of the best-so-far
    line (the trials that improved on every earlier one).
    """

    numbers: np.ndarray
    values: np.ndarray
    best_numbers: np.ndarray
    best_values: np.ndarray
    direction: str
    objective: int

    @property
    def shown(self) -> np.ndarray:
        """Indices into ``numbers`` of the points drawn (all, or a sample keeping the steps)."""
        steps = np.searchsorted(self.numbers, self.best_numbers)
        return decimate(len(self.numbers), MAX_POINTS, keep=steps)


def _get_optimization_history_info(
    source: Any, direction: str = "minimize", objective: int = 0
) -> OptimizationHistoryInfo:
    """The info of ``source`` (trials or :class:`~nas_notebook.study.TrialColumns`)."""
    cols = columns_of(source)
    done = cols.mask(TrialState.COMPLETE)
    numbers = cols.number[done]
    values = cols.values[done, objective] if cols.n else np.zeros(0)
    order = np.argsort(numbers, kind="stable")
    numbers, values = numbers[order], values[order]
    ok = ~np.isnan(values)
    numbers, values = numbers[ok], values[ok]
    if len(values):
        accumulate = np.fmin.accumulate if direction == "minimize" else np.fmax.accumulate
        best = accumulate(values)
        improved = np.concatenate([[True], best[1:] != best[:-1]])
    else:
        best, improved = values, np.zeros(0, dtype=bool)
    return OptimizationHistoryInfo(
        numbers, values, numbers[improved], best[improved], direction, objective
    )


def traces(info: OptimizationHistoryInfo) -> list[dict[str, Any]]:
    """Trace data for the info (used by the static figure and by live figure updates)."""
    shown = info.shown
    kind = "scattergl" if len(shown) > WEBGL_THRESHOLD else "scatter"
    # The best-so-far line runs on to the last completed trial.
    best_x, best_y = info.best_numbers, info.best_values
    if len(info.numbers) and len(best_x) and best_x[-1] != info.numbers[-1]:
        best_x = np.append(best_x, info.numbers[-1])
        best_y = np.append(best_y, best_y[-1])
    return [
        {
            "type": kind,
            "x": info.numbers[shown],
            "y": info.values[shown],
            "mode": "markers",
            "name": "objective",
            "marker": {"size": 6 if len(shown) < 1000 else 4, "color": "#1f77b4"},
        },
        {
            "type": "scatter",
            "x": best_x,
            "y": best_y,
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


def plot_optimization_history(study: Any, objective: int = 0) -> go.Figure:
    """The optimization history of ``study`` (a :class:`~nas_notebook.Search` or Optuna study).

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        >>> len(plot_optimization_history(study).data)
        2
    """
    cols, directions = columns_and_directions(study)
    info = _get_optimization_history_info(cols, directions[objective], objective)
    return go.Figure(data=traces(info), layout=layout(info))
