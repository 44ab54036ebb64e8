"""Pareto front of a multi-objective study: every completed trial, the non-dominated ones marked."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import plotly.graph_objects as go
from optuna.trial import FrozenTrial, TrialState

from ..study import columns_of, direction_names, pareto_rows
from ._common import (
    WEBGL_THRESHOLD,
    columns_and_directions,
    decimate,
    message_layout,
    metric_names,
    objective_label,
)

__all__ = ["ParetoFrontInfo", "plot_pareto_front"]

#: At most this many dominated points are drawn, as SVG markers (as many infeasible ones); the
#: front is always drawn whole (with WebGL beyond ``WEBGL_THRESHOLD`` points).
MAX_POINTS = 2000

_DOMINATED_COLOR = "#9aa5b1"
_FRONT_COLOR = "#d62728"
_INFEASIBLE_COLOR = "#e0e0e0"


class ParetoFrontInfo(NamedTuple):
    """What the plot draws, computed from trials alone (tests check this, not the figure).

    ``numbers``/``values`` are the completed trials with finite values of the ``objectives``
    the front is about, and the coordinates they are drawn at (those objectives' values, one
    column each, in that order; or what ``targets`` gave); ``front`` indexes the non-dominated
    feasible ones (with respect to those objectives and their ``directions``), sorted along the
    first coordinate. ``feasible`` says which trials meet their constraints (all, without a
    ``constraints_func``); ``names`` are the axis titles when given.
    """

    numbers: np.ndarray
    values: np.ndarray
    front: np.ndarray
    objectives: list[int]
    directions: list[str]
    feasible: np.ndarray | None = None
    include_dominated: bool = True
    names: list[str] | None = None
    objective_names: list[str] | None = None

    def _rows(self, feasible: bool) -> np.ndarray:
        ok = np.ones(len(self.numbers), bool) if self.feasible is None else self.feasible
        return np.flatnonzero(ok if feasible else ~ok)

    @property
    def dominated(self) -> np.ndarray:
        """Indices into ``numbers`` of the dominated feasible trials drawn (all, or an even
        sample; none when ``include_dominated`` is False)."""
        if not self.include_dominated:
            return np.zeros(0, dtype=np.int64)
        rest = np.setdiff1d(self._rows(True), self.front)
        return rest[decimate(len(rest), MAX_POINTS)]

    @property
    def infeasible(self) -> np.ndarray:
        """Indices into ``numbers`` of the trials that violate a constraint (an even sample)."""
        rows = self._rows(False)
        return rows[decimate(len(rows), MAX_POINTS)]

    @property
    def labels(self) -> list[str]:
        if self.names is not None:
            return list(self.names)
        return [  # (a Pareto front has several objectives: "objective 0", not "objective")
            f"{objective_label(k, 2, self.objective_names)} ({d})"
            for k, d in zip(self.objectives, self.directions)
        ]


def _get_pareto_front_info(
    source: Any,
    directions: Sequence[str],
    objectives: Sequence[int] | None = None,
    *,
    targets: Callable[[FrozenTrial], Sequence[float]] | None = None,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    include_dominated: bool = True,
    target_names: Sequence[str] | None = None,
    objective_names: Sequence[str] | None = None,
) -> ParetoFrontInfo:
    """The info of ``source`` (trials or :class:`~nas_notebook.study.TrialColumns`).

    ``directions`` are the study's, one per objective; ``objectives`` picks the ones the front
    is about (default: all, which must then be 2 or 3 unless ``targets`` says what to draw).
    ``targets`` maps a trial to its 2 or 3 coordinates; ``constraints_func`` to its
    constraints (feasible when all are <= 0: only feasible trials make the front).
    ``objective_names`` are the objectives' metric names (the axis titles by default).
    """
    directions = direction_names(directions)
    if len(directions) < 2:
        raise ValueError("a Pareto front needs a multi-objective study; this one has 1 objective")
    picked = list(range(len(directions))) if objectives is None else list(objectives)
    if len(set(picked)) != len(picked) or not (
        2 <= len(picked) <= 3 or (targets is not None and len(picked) >= 2)
    ):
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
    rows = np.flatnonzero(done)[ok]
    numbers, values = numbers[ok], values[ok]
    trials = [cols.trials[r] for r in rows.tolist()] if targets or constraints_func else []
    feasible = None
    if constraints_func is not None:
        feasible = np.array([all(c <= 0 for c in constraints_func(t)) for t in trials], bool)
    chosen = [directions[k] for k in picked]
    front = pareto_rows(values if feasible is None else values[feasible], chosen)
    if feasible is not None:
        front = np.flatnonzero(feasible)[front]
    names = None if target_names is None else list(target_names)
    if targets is not None:
        values = _coordinates(trials, targets, names)
        names = names or [f"target {i}" for i in range(values.shape[1])]
    if names is not None and len(names) != values.shape[1]:
        raise ValueError(f"target_names: {values.shape[1]} names needed, got {names}")
    front = front[np.lexsort(values[front].T[::-1])]
    own = None if objective_names is None else list(objective_names)
    return ParetoFrontInfo(
        numbers, values, front, picked, chosen, feasible, include_dominated, names, own
    )


def waiting(info: ParetoFrontInfo) -> str | None:
    """What the plot waits for before it has anything to draw (None: it has)."""
    return None if len(info.numbers) else "Waiting for the first trial to finish."


def _coordinates(
    trials: list[FrozenTrial],
    targets: Callable[[FrozenTrial], Sequence[float]],
    names: list[str] | None,
) -> np.ndarray:
    """Where ``targets`` puts each trial: one row each, 2 or 3 columns."""
    rows = [targets(t) for t in trials]
    if any(not isinstance(row, Sequence) or isinstance(row, str) for row in rows):
        raise ValueError("targets: return a sequence of 2 or 3 numbers for each trial")
    if not rows and names is None:
        raise ValueError("targets: with no completed trial yet, give target_names too")
    width = len(rows[0]) if rows else len(names or ())
    if width not in (2, 3) or any(len(row) != width for row in rows):
        raise ValueError(f"targets: 2 or 3 numbers for every trial, got {width}")
    return np.array(rows, dtype=float).reshape(len(rows), width)


def traces(info: ParetoFrontInfo) -> list[dict[str, Any]]:
    """Trace data for the info (used by the static figure and by live figure updates)."""
    dominated, front = info.dominated, info.front
    axes = "xyz"[: info.values.shape[1]]
    hover = "trial %{text}" + "".join(
        f"<br>{label.rsplit(' (', 1)[0] if info.names is None else label} %{{{a}:.6g}}"
        for a, label in zip(axes, info.labels)
    )

    def points(rows: np.ndarray, name: str, color: str, size: int) -> dict[str, Any]:
        if len(axes) == 3:
            kind = "scatter3d"
        else:
            kind = "scattergl" if len(rows) > WEBGL_THRESHOLD else "scatter"
        return {
            "type": kind,
            **{a: info.values[rows, i] for i, a in enumerate(axes)},
            "text": info.numbers[rows],
            "hovertemplate": hover + "<extra></extra>",
            "mode": "markers",
            "name": name,
            "marker": {"size": size if len(axes) == 2 else size - 2, "color": color},
        }

    many = len(dominated) > 1000
    trace = [points(front, "Pareto front", _FRONT_COLOR, 8)]
    if len(axes) == 2:  # joined in order along the first objective, so the front reads as one
        trace[0].update(mode="lines+markers", line={"color": _FRONT_COLOR})
    if info.include_dominated:
        trace.insert(0, points(dominated, "dominated", _DOMINATED_COLOR, 4 if many else 6))
    if info.feasible is not None:
        trace.insert(0, points(info.infeasible, "infeasible", _INFEASIBLE_COLOR, 5))
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


def plot_pareto_front(
    study: Any,
    objectives: Sequence[int] | None = None,
    *,
    target_names: Sequence[str] | None = None,
    include_dominated_trials: bool = True,
    constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
    targets: Callable[[FrozenTrial], Sequence[float]] | None = None,
) -> go.Figure:
    """The Pareto front of a multi-objective ``study`` (a :class:`~nas_notebook.Search` or
    Optuna study), in 2D for 2 objectives and in 3D for 3.

    Takes the arguments of ``optuna.visualization.plot_pareto_front`` too, with their meaning.

    Args:
        study: The search or study; it must have at least 2 objectives.
        objectives: The objectives the front is about, by index (default: all of them): 2 or
            3, drawn on the axes, unless ``targets`` says what to draw. The front is the
            non-dominated trials with respect to these objectives alone.
        target_names: The axis titles, one per axis (by default the objectives' metric names
            when the study names them).
        include_dominated_trials: Whether to draw the trials off the front.
        constraints_func: A trial's constraints (feasible when all are <= 0): infeasible
            trials are drawn apart, and left out of the front.
        targets: Where to draw a trial: a function giving its 2 or 3 coordinates (the front
            is still about the objectives).

    Raises:
        ValueError: A single-objective study, ``objectives`` not naming 2 or 3 of them (or
            more, with ``targets``), or ``targets`` or ``target_names`` of the wrong length.

    Example:
        >>> import optuna
        >>> study = optuna.create_study(directions=["minimize", "maximize"])
        >>> study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.params["x"] ** 2), n_trials=5)
        >>> [trace.name for trace in plot_pareto_front(study).data]
        ['dominated', 'Pareto front']
    """
    cols, directions = columns_and_directions(study)
    info = _get_pareto_front_info(
        cols,
        directions,
        objectives,
        targets=targets,
        constraints_func=constraints_func,
        include_dominated=include_dominated_trials,
        target_names=target_names,
        objective_names=metric_names(study),
    )
    message = waiting(info)
    if message:
        return go.Figure(layout=message_layout("Pareto front", message, 400))
    return go.Figure(data=traces(info), layout=layout(info))
