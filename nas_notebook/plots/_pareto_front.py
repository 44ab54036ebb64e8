"""Pareto front of a multi-objective study: every completed trial, the non-dominated ones marked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import plotly.graph_objects as go
from optuna.trial import TrialState

from ..study import columns_of, direction_names, pareto_rows
from ._common import WEBGL_THRESHOLD, columns_and_directions, decimate

__all__ = ["ParetoFrontInfo", "plot_pareto_front"]

#: At most this many dominated points are drawn; the front is always drawn whole.
MAX_POINTS = 5000

_DOMINATED_COLOR = "#9aa5b1"
_FRONT_COLOR = "#d62728"


class ParetoFrontInfo(NamedTuple):
    """What the plot draws, computed from trials alone (tests check this, not the figure).

    ``numbers``/``values`` are the completed trials with finite values of the plotted
    ``objectives`` (one column each, in that order); ``front`` indexes the non-dominated ones
    (with respect to those objectives and their ``directions``), sorted along the first.
    """

    numbers: np.ndarray
    values: np.ndarray
    front: np.ndarray
    objectives: list[int]
    directions: list[str]

    @property
    def dominated(self) -> np.ndarray:
        """Indices into ``numbers`` of the dominated trials drawn (all, or an even sample)."""
        rest = np.setdiff1d(np.arange(len(self.numbers)), self.front)
        return rest[decimate(len(rest), MAX_POINTS)]

    @property
    def labels(self) -> list[str]:
        return [f"objective {k} ({d})" for k, d in zip(self.objectives, self.directions)]


def _get_pareto_front_info(
    source: Any, directions: Sequence[str], objectives: Sequence[int] | None = None
) -> ParetoFrontInfo:
    """The info of ``source`` (trials or :class:`~nas_notebook.study.TrialColumns`).

    ``directions`` are the study's, one per objective; ``objectives`` picks 2 or 3 of them
    (default: all, which must then be 2 or 3).
    """
    directions = direction_names(directions)
    if len(directions) < 2:
        raise ValueError("a Pareto front needs a multi-objective study; this one has 1 objective")
    picked = list(range(len(directions))) if objectives is None else list(objectives)
    if not 2 <= len(picked) <= 3 or len(set(picked)) != len(picked):
        raise ValueError(f"objectives must name 2 or 3 distinct objectives, got {picked}")
    if any(not 0 <= k < len(directions) for k in picked):
        raise ValueError(f"objectives must be in 0..{len(directions) - 1}, got {picked}")
    cols = columns_of(source)
    every = cols.values
    if every.shape[1] < len(directions):  # no trial has values yet
        every = np.full((cols.n, len(directions)), np.nan)
    done = cols.mask(TrialState.COMPLETE)
    numbers, values = cols.number[done], every[done][:, picked]
    ok = np.isfinite(values).all(axis=1)
    numbers, values = numbers[ok], values[ok]
    chosen = [directions[k] for k in picked]
    front = pareto_rows(values, chosen)
    front = front[np.lexsort(values[front].T[::-1])]
    return ParetoFrontInfo(numbers, values, front, picked, chosen)


def traces(info: ParetoFrontInfo) -> list[dict[str, Any]]:
    """Trace data for the info (used by the static figure and by live figure updates)."""
    dominated, front = info.dominated, info.front
    axes = "xyz"[: info.values.shape[1]]

    def points(rows: np.ndarray, name: str, color: str, size: int) -> dict[str, Any]:
        if len(axes) == 3:
            kind = "scatter3d"
        else:
            kind = "scattergl" if len(rows) > WEBGL_THRESHOLD else "scatter"
        return {
            "type": kind,
            **{a: info.values[rows, i] for i, a in enumerate(axes)},
            "text": info.numbers[rows],
            "hovertemplate": "trial %{text}<extra></extra>",
            "mode": "markers",
            "name": name,
            "marker": {"size": size if len(axes) == 2 else size - 2, "color": color},
        }

    many = len(dominated) > 1000
    trace = [
        points(dominated, "dominated", _DOMINATED_COLOR, 4 if many else 6),
        points(front, "Pareto front", _FRONT_COLOR, 8),
    ]
    if len(axes) == 2:  # joined in order along the first objective, so the front reads as one
        trace[1].update(mode="lines+markers", line={"color": _FRONT_COLOR})
    return trace


def layout(info: ParetoFrontInfo) -> dict[str, Any]:
    labels = info.labels
    title = {"text": f"Pareto front ({len(info.front)} of {len(info.numbers)} trials)"}
    common = {"title": title, "legend": {"orientation": "h", "y": -0.15}}
    if len(labels) == 3:
        scene = {f"{a}axis": {"title": {"text": t}} for a, t in zip("xyz", labels)}
        return {
            **common,
            "scene": scene,
            "margin": {"l": 0, "r": 0, "t": 40, "b": 0},
            "height": 480,
        }
    return {
        **common,
        "xaxis": {"title": {"text": labels[0]}},
        "yaxis": {"title": {"text": labels[1]}},
        "margin": {"l": 50, "r": 10, "t": 40, "b": 40},
        "height": 400,
    }


def plot_pareto_front(study: Any, objectives: Sequence[int] | None = None) -> go.Figure:
    """The Pareto front of a multi-objective ``study`` (a :class:`~nas_notebook.Search` or
    Optuna study), in 2D for 2 objectives and in 3D for 3.

    Args:
        study: The search or study; it must have at least 2 objectives.
        objectives: The 2 or 3 objectives to plot, by index (default: all of them). The front
            is the non-dominated trials with respect to these objectives alone.

    Raises:
        ValueError: A single-objective study, or ``objectives`` not naming 2 or 3 of them.

    Example:
        >>> import optuna
        >>> study = optuna.create_study(directions=["minimize", "maximize"])
        >>> study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.params["x"] ** 2), n_trials=5)
        >>> [trace.name for trace in plot_pareto_front(study).data]
        ['dominated', 'Pareto front']
    """
    cols, directions = columns_and_directions(study)
    info = _get_pareto_front_info(cols, directions, objectives)
    return go.Figure(data=traces(info), layout=layout(info))
