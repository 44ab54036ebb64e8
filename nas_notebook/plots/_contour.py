"""Contour of two parameters: the completed trials' values interpolated over the plane, the
trials drawn on top.

The surface is computed on a regular grid over the two parameters (in log space for log
parameters; a categorical parameter's choices at their index positions). The trials are first
averaged per cell of that grid, so the triangulation has at most a few thousand points however
many trials there are; inside their convex hull the surface is linear between them, outside it
takes the nearest one's value. At 10,000 trials that takes tens of milliseconds, where Optuna's
own contour takes seconds, so the dashboard redraws it live.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import plotly.graph_objects as go
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.trial import TrialState

from ..study import columns_of
from ._common import (
    LOG_AXIS,
    WEBGL_THRESHOLD,
    Target,
    axis_kind,
    best_of,
    check_params,
    choice_labels,
    columns_and_directions,
    decimate,
    default_direction,
    message_layout,
    metric_names,
    param_names,
    target_values,
)
from ._surface import surface

__all__ = ["ContourAxis", "ContourInfo", "plot_contour"]

#: Grid points per numeric axis (an integer axis with fewer values gets one per value).
GRID = 60

#: At most this many trial points are drawn over the surface (which carries the rest), the
#: best tenth always: each is an SVG node the browser draws.
MAX_POINTS = 500


class ContourAxis(NamedTuple):
    """One axis of the surface: ``kind`` is ``linear``, ``log`` or ``categorical`` (one grid
    point per choice; ``labels`` in choice order). ``grid`` holds the positions the surface is
    computed at, from ``low`` to ``high``, in the parameter's internal values (choice indices
    for a categorical parameter)."""

    name: str
    kind: str
    grid: np.ndarray
    low: float
    high: float
    labels: tuple[str, ...] | None

    def scaled(self, data: np.ndarray) -> np.ndarray:
        """``data`` mapped to 0..1 over the axis (in log space on a log axis)."""
        low, high, data = self.low, self.high, np.asarray(data, dtype=float)
        if self.kind == "log":
            low, high, data = np.log10(low), np.log10(high), np.log10(data)
        return (data - low) / (high - low) if high > low else np.zeros_like(data)


class ContourInfo(NamedTuple):
    """What the plot draws: ``z[j, i]`` is the surface at ``x.grid[i]`` and ``y.grid[j]`` (NaN
    everywhere only without trials). ``numbers``/``px``/``py``/``values`` are the completed
    trials having both parameters and a ``target`` value; ``shown`` indexes those drawn as
    points."""

    x: ContourAxis
    y: ContourAxis
    z: np.ndarray
    numbers: np.ndarray
    px: np.ndarray
    py: np.ndarray
    values: np.ndarray
    shown: np.ndarray
    target: str
    direction: str


def _axis(name: str, dist: BaseDistribution, data: np.ndarray, size: int) -> ContourAxis:
    kind = axis_kind(dist)
    if isinstance(dist, CategoricalDistribution):
        k = len(dist.choices)
        return ContourAxis(name, kind, np.arange(k, dtype=float), 0.0, k - 1.0, choice_labels(dist))
    # The distribution's range shows where the search space was left unexplored.
    low, high = float(getattr(dist, "low", np.nan)), float(getattr(dist, "high", np.nan))
    if len(data):
        low, high = np.nanmin([low, data.min()]), np.nanmax([high, data.max()])
    if np.isnan(low) or np.isnan(high):
        low, high = 0.0, 1.0
    if high <= low:
        low, high = (low / 2, low * 2) if kind == "log" else (low - 0.5, low + 0.5)
    step = getattr(dist, "step", None)
    if kind == "log":
        grid = np.geomspace(low, high, size)
    elif step is not None and (high - low) / step < size:
        # Few discrete values: a grid point on each.
        grid = low + step * np.arange(round(float((high - low) / step)) + 1)
    else:
        grid = np.linspace(low, high, size)
    return ContourAxis(name, kind, grid, float(low), float(high), None)


def _get_contour_info(
    source: Any,
    params: Sequence[str] | None = None,
    target: Target = 0,
    direction: str = "minimize",
    bins: int = GRID,
    max_points: int = MAX_POINTS,
    target_name: str | None = None,
    objective_names: Sequence[str] | None = None,
) -> ContourInfo:
    """The info of ``source`` (trials or :class:`~nas_notebook.study.TrialColumns`).

    ``params`` is the pair of parameters (x, y); by default the first two the study suggested.
    ``bins`` is the number of grid points per numeric axis; ``objective_names`` the objectives'
    metric names (the target's title when it is an objective).
    """
    cols = columns_of(source)
    names = list(cols.distributions)[:2] if params is None else param_names(params)
    check_params(cols, names)
    if len(names) != 2 or names[0] == names[1]:
        raise ValueError(f"params: expected two different parameters, got {names}")
    values, title = target_values(cols, target, target_name, objective_names)
    columns = cols.params
    has = cols.mask(TrialState.COMPLETE) & np.isfinite(values)
    has &= ~np.isnan(columns[names[0]]) & ~np.isnan(columns[names[1]])
    px, py, v = columns[names[0]][has], columns[names[1]][has], values[has]
    x = _axis(names[0], cols.distributions[names[0]], px, bins)
    y = _axis(names[1], cols.distributions[names[1]], py, bins)
    gx, gy = np.meshgrid(x.scaled(x.grid), y.scaled(y.grid))
    cells = max(bins, len(x.grid), len(y.grid))  # (never two choices in one cell)
    z = surface(x.scaled(px), y.scaled(py), v, gx, gy, cells)
    shown = decimate(len(v), max_points, keep=best_of(v, direction, max_points // 10))
    return ContourInfo(x, y, z, cols.number[has], px, py, v, shown, title, direction)


def waiting(info: ContourInfo) -> str | None:
    """What the plot waits for before it has anything to draw (None: it has)."""
    if len(info.values):
        return None
    return f"Waiting for the first completed trial that has both {info.x.name} and {info.y.name}."


def _coordinates(axis: ContourAxis, data: np.ndarray) -> Any:
    if axis.labels is None:
        return data
    return np.asarray(axis.labels, dtype=object)[data.astype(np.int64)]


def traces(info: ContourInfo) -> list[dict[str, Any]]:
    """Trace data for the info (used by the static figure and by live figure updates)."""
    grid_x = list(info.x.labels) if info.x.labels is not None else info.x.grid
    grid_y = list(info.y.labels) if info.y.labels is not None else info.y.grid
    shown = info.shown
    surface_trace: dict[str, Any] = {
        "type": "contour",
        "x": grid_x,
        "y": grid_y,
        "z": info.z,
        "colorscale": "Viridis",
        "reversescale": info.direction == "minimize",  # the best values brightest
        "contours": {"coloring": "heatmap", "showlines": True},
        "line": {"width": 0.5, "color": "rgba(255, 255, 255, 0.4)"},
        "ncontours": 12,
        "hovertemplate": f"{info.x.name} %{{x}}<br>{info.y.name} %{{y}}<br>{info.target} "
        "%{z:.4g}<extra>interpolated</extra>",
        "colorbar": {"title": {"text": info.target}, "thickness": 12},
    }
    if min(info.z.shape) < 2:  # a single choice: no contour lines to draw on one row
        for key in ("contours", "line", "ncontours"):
            del surface_trace[key]
        surface_trace["type"] = "heatmap"
    return [
        surface_trace,
        {
            "type": "scattergl" if len(shown) > WEBGL_THRESHOLD else "scatter",
            "x": _coordinates(info.x, info.px[shown]),
            "y": _coordinates(info.y, info.py[shown]),
            "customdata": np.stack([info.numbers[shown], info.values[shown]], axis=-1),
            "mode": "markers",
            "name": "trials",
            "showlegend": False,
            "marker": {"size": 4, "color": "white", "line": {"width": 0.5, "color": "black"}},
            "hovertemplate": f"trial %{{customdata[0]}}<br>{info.x.name} %{{x}}<br>"
            f"{info.y.name} %{{y}}<br>{info.target} %{{customdata[1]:.6g}}<extra></extra>",
        },
    ]


def _layout_axis(axis: ContourAxis) -> dict[str, Any]:
    out: dict[str, Any] = {"title": {"text": axis.name}}
    if axis.labels is not None:
        return {
            **out,
            "type": "category",
            "categoryorder": "array",
            "categoryarray": list(axis.labels),
        }
    if axis.kind == "log":
        return {**out, **LOG_AXIS, "range": [np.log10(axis.low), np.log10(axis.high)]}
    return {**out, "type": "linear", "range": [axis.low, axis.high], "tickformat": "~g"}


def _title(target: str, direction: str) -> dict[str, str]:
    return {"text": f"Contour of {target} ({direction})"}


def layout(info: ContourInfo) -> dict[str, Any]:
    return {
        "title": _title(info.target, info.direction),
        "xaxis": _layout_axis(info.x),
        "yaxis": _layout_axis(info.y),
        "margin": {"l": 60, "r": 10, "t": 40, "b": 40},
        "height": 420,
    }


def _matrix(
    cols: Any,
    names: list[str],
    target: Target,
    direction: str,
    bins: int,
    target_name: str | None,
    objective_names: Sequence[str] | None,
) -> go.Figure:
    """Every pair of ``names``, as Optuna draws more than two: the plot in row ``i`` and column
    ``j`` has ``names[j]`` across and ``names[i]`` up, the diagonal is empty, and one colour
    scale serves all."""
    check_params(cols, names)
    if len(set(names)) != len(names):
        raise ValueError(f"params: expected different parameters, got {names}")
    n = len(names)
    infos = {
        (i, j): _get_contour_info(
            cols, (names[j], names[i]), target, direction, bins, MAX_POINTS, target_name,
            objective_names,
        )
        for i in range(n)
        for j in range(n)
        if i != j
    }  # fmt: skip
    cells = [info.z[np.isfinite(info.z)] for info in infos.values()]
    cells = [z for z in cells if len(z)]
    zmin = min(float(z.min()) for z in cells) if cells else None
    zmax = max(float(z.max()) for z in cells) if cells else None
    gap = 0.15 / n
    size = (1.0 - gap * (n - 1)) / n
    some = next(iter(infos.values()))
    figure: dict[str, Any] = {
        "title": _title(some.target, direction),
        "margin": {"l": 60, "r": 10, "t": 40, "b": 40},
        "height": max(420, 200 * n),
    }
    data: list[dict[str, Any]] = []
    for (i, j), info in infos.items():
        suffix = "" if i * n + j == 1 else str(i * n + j + 1)
        for k, trace in enumerate(traces(info)):
            trace.update(xaxis=f"x{suffix}", yaxis=f"y{suffix}")
            if k == 0:  # the surface
                trace.update(zmin=zmin, zmax=zmax, showscale=(i, j) == (0, 1))
            data.append(trace)
        x, y = _layout_axis(info.x), _layout_axis(info.y)
        x.update(domain=[j * (size + gap), j * (size + gap) + size], anchor=f"y{suffix}")
        y.update(domain=[1 - i * (size + gap) - size, 1 - i * (size + gap)], anchor=f"x{suffix}")
        if i != n - 1 and not (i == n - 2 and j == n - 1):  # titles on the outer plots
            x["title"] = {"text": ""}
        if j != 0 and not (j == 1 and i == 0):
            y["title"] = {"text": ""}
        figure[f"xaxis{suffix}"], figure[f"yaxis{suffix}"] = x, y
    return go.Figure(data=data, layout=figure)


def plot_contour(
    study: Any,
    params: Sequence[str] | None = None,
    target: Target = 0,
    direction: str | None = None,
    bins: int = GRID,
    *,
    target_name: str | None = None,
) -> go.Figure:
    """Two parameters of ``study`` (a :class:`~nas_notebook.Search` or Optuna study) against
    each other: the completed trials' ``target`` values interpolated over the plane (linearly
    between the trials, the nearest trial's value beyond them), with the trials drawn on top.

    Takes the arguments of ``optuna.visualization.plot_contour`` too, with their meaning.

    Args:
        study: The search or study.
        params: The x and y parameters; by default the first two the study suggested. More
            than two: a matrix of the plots of every pair (as Optuna draws them).
        target: Which objective (by index), the name of a numeric user attribute, or a
            function of a completed trial giving a number.
        direction: Which ``target`` values are best (the brightest, and the points always
            drawn); by default the objective's direction, ``minimize`` for a user attribute or
            a function.
        bins: Grid points per numeric axis of the surface (categorical axes get one per
            choice, log axes are spaced in log space, integer axes with fewer values get one
            per value).
        target_name: The name of the target on the colour scale (by default the objective's
            metric name or ``objective``, the attribute's name, or ``target`` for a function).

    Raises:
        ValueError: A name in ``params`` or ``target`` that the study does not have.

    Example:
        >>> import optuna
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", -1, 1)
        ...     return x**2 + trial.suggest_float("lr", 1e-4, 1, log=True)
        >>> study = optuna.create_study()
        >>> study.optimize(objective, n_trials=5)
        >>> fig = plot_contour(study, params=("x", "lr"))
        >>> [trace.type for trace in fig.data], fig.layout.yaxis.type
        (['contour', 'scatter'], 'log')
    """
    cols, directions = columns_and_directions(study)
    direction = direction or default_direction(directions, target)
    names = metric_names(study)
    if params is not None and len(param_names(params)) > 2:
        return _matrix(cols, param_names(params), target, direction, bins, target_name, names)
    info = _get_contour_info(cols, params, target, direction, bins, MAX_POINTS, target_name, names)
    message = waiting(info)
    if message:
        return go.Figure(layout=message_layout(_title(info.target, direction)["text"], message))
    return go.Figure(data=traces(info), layout=layout(info))
