"""Contour of two parameters: the best objective of the trials falling in each cell of a grid.

Optuna interpolates the objective over the plane, which at 10,000 trials takes tens of seconds
and a gigabyte; binning the trials into a grid is a few vectorized numpy operations and shows
only what was measured (empty cells stay blank). A cell shows its best value rather than the
mean: a small good region stays visible instead of being averaged away by the bad trials
sampled around it.
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
    WEBGL_THRESHOLD,
    Target,
    axis_kind,
    best_of,
    check_params,
    choice_labels,
    columns_and_directions,
    decimate,
    default_direction,
    param_names,
    target_values,
)

__all__ = ["ContourAxis", "ContourInfo", "plot_contour"]

#: Numeric axes get at most this many bins.
BINS = 40

#: At most this many trial points are drawn over the grid, the best tenth always.
MAX_POINTS = 2000


class ContourAxis(NamedTuple):
    """One axis of the grid: ``kind`` is ``linear``, ``log`` (bins of equal width in log
    space) or ``categorical`` (a bin per choice; ``labels`` in choice order). ``edges`` and
    ``centers`` are in the parameter's internal values (choice indices for categorical)."""

    name: str
    kind: str
    edges: np.ndarray
    centers: np.ndarray
    labels: tuple[str, ...] | None


class ContourInfo(NamedTuple):
    """What the plot draws: ``z[j, i]`` is the best ``target`` of the trials in bin ``i`` of
    ``x`` and bin ``j`` of ``y`` (NaN where none is), ``counts`` how many trials fell there.
    ``numbers``/``px``/``py``/``values`` are the completed trials having both parameters;
    ``shown`` indexes those drawn as points."""

    x: ContourAxis
    y: ContourAxis
    z: np.ndarray
    counts: np.ndarray
    numbers: np.ndarray
    px: np.ndarray
    py: np.ndarray
    values: np.ndarray
    shown: np.ndarray
    target: str
    direction: str


def _edges(dist: BaseDistribution, data: np.ndarray, bins: int) -> np.ndarray:
    if isinstance(dist, CategoricalDistribution):
        return np.arange(len(dist.choices) + 1) - 0.5
    # The distribution's range shows where the search space was left unexplored.
    low, high = float(getattr(dist, "low", np.nan)), float(getattr(dist, "high", np.nan))
    if len(data):
        low, high = np.nanmin([low, data.min()]), np.nanmax([high, data.max()])
    if np.isnan(low) or np.isnan(high):
        low, high = 0.0, 1.0
    log = axis_kind(dist) == "log"
    step = getattr(dist, "step", None)
    if not log and step is not None and (high - low) / step < bins:
        # Few discrete values: one bin centred on each, rather than bins straddling two.
        count = round(float((high - low) / step)) + 1
        return low - step / 2 + step * np.arange(count + 1)
    if high <= low:
        return np.array([low / 2, low * 2]) if log else np.array([low - 0.5, low + 0.5])
    return np.geomspace(low, high, bins + 1) if log else np.linspace(low, high, bins + 1)


def _axis(name: str, dist: BaseDistribution, data: np.ndarray, bins: int) -> ContourAxis:
    edges = _edges(dist, data, bins)
    if axis_kind(dist) == "log":
        centers = np.sqrt(edges[:-1] * edges[1:])
    else:
        centers = (edges[:-1] + edges[1:]) / 2
    return ContourAxis(name, axis_kind(dist), edges, centers, choice_labels(dist))


def _bin(axis: ContourAxis, data: np.ndarray) -> np.ndarray:
    index = np.searchsorted(axis.edges, data, side="right") - 1
    return np.clip(index, 0, len(axis.centers) - 1)


def _get_contour_info(
    source: Any,
    params: Sequence[str] | None = None,
    target: Target = 0,
    direction: str = "minimize",
    bins: int = BINS,
    max_points: int = MAX_POINTS,
    target_name: str | None = None,
) -> ContourInfo:
    """The info of ``source`` (trials or :class:`~nas_notebook.study.TrialColumns`).

    ``params`` is the pair of parameters (x, y); by default the first two the study suggested.
    """
    cols = columns_of(source)
    names = list(cols.distributions)[:2] if params is None else param_names(params)
    check_params(cols, names)
    if len(names) != 2 or names[0] == names[1]:
        raise ValueError(f"params: expected two different parameters, got {names}")
    values, title = target_values(cols, target, target_name)
    columns = cols.params
    has = cols.mask(TrialState.COMPLETE) & np.isfinite(values)
    has &= ~np.isnan(columns[names[0]]) & ~np.isnan(columns[names[1]])
    px, py, v = columns[names[0]][has], columns[names[1]][has], values[has]
    x = _axis(names[0], cols.distributions[names[0]], px, bins)
    y = _axis(names[1], cols.distributions[names[1]], py, bins)
    nx, ny = len(x.centers), len(y.centers)
    cell = _bin(y, py) * nx + _bin(x, px)
    counts = np.bincount(cell, minlength=nx * ny)
    if direction == "minimize":
        z = np.full(nx * ny, np.inf)
        np.minimum.at(z, cell, v)
    else:
        z = np.full(nx * ny, -np.inf)
        np.maximum.at(z, cell, v)
    z[counts == 0] = np.nan
    shown = decimate(len(v), max_points, keep=best_of(v, direction, max_points // 10))
    return ContourInfo(
        x, y, z.reshape(ny, nx), counts.reshape(ny, nx), cols.number[has], px, py, v, shown,
        title, direction,
    )  # fmt: skip


def _coordinates(axis: ContourAxis, data: np.ndarray) -> Any:
    if axis.labels is None:
        return data
    return np.asarray(axis.labels, dtype=object)[data.astype(np.int64)]


def traces(info: ContourInfo) -> list[dict[str, Any]]:
    """Trace data for the info (used by the static figure and by live figure updates)."""
    # Numeric axes get the bin edges, so that cells line up with the bins on log axes too.
    grid_x = list(info.x.labels) if info.x.labels is not None else info.x.edges
    grid_y = list(info.y.labels) if info.y.labels is not None else info.y.edges
    shown = info.shown
    return [
        {
            "type": "heatmap",
            "x": grid_x,
            "y": grid_y,
            "z": info.z,
            "customdata": info.counts,
            "colorscale": "Viridis",
            "reversescale": info.direction == "minimize",  # the best values brightest
            "hoverongaps": False,
            "hovertemplate": f"best {info.target} %{{z}}<br>%{{customdata}} trials<extra></extra>",
            "colorbar": {"title": {"text": f"best {info.target}"}},
        },
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
            f"{info.y.name} %{{y}}<br>{info.target} %{{customdata[1]}}<extra></extra>",
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
    low, high = float(axis.edges[0]), float(axis.edges[-1])
    if axis.kind == "log":
        return {**out, "type": "log", "range": [np.log10(low), np.log10(high)]}
    return {**out, "type": "linear", "range": [low, high]}


def layout(info: ContourInfo) -> dict[str, Any]:
    return {
        "title": {"text": f"Best {info.target} per bin ({info.direction})"},
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
            cols, (names[j], names[i]), target, direction, bins, target_name=target_name
        )
        for i in range(n)
        for j in range(n)
        if i != j
    }
    cells = [info.z[np.isfinite(info.z)] for info in infos.values()]
    cells = [z for z in cells if len(z)]
    zmin = min(float(z.min()) for z in cells) if cells else None
    zmax = max(float(z.max()) for z in cells) if cells else None
    gap = 0.15 / n
    size = (1.0 - gap * (n - 1)) / n
    some = next(iter(infos.values()))
    figure: dict[str, Any] = {
        "title": {"text": f"Best {some.target} per bin ({direction})"},
        "margin": {"l": 60, "r": 10, "t": 40, "b": 40},
        "height": max(420, 200 * n),
        "width": max(520, 200 * n + 120),
    }
    data: list[dict[str, Any]] = []
    for (i, j), info in infos.items():
        suffix = "" if i * n + j == 1 else str(i * n + j + 1)
        for trace in traces(info):
            trace.update(xaxis=f"x{suffix}", yaxis=f"y{suffix}")
            if trace["type"] == "heatmap":
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
    bins: int = BINS,
    *,
    target_name: str | None = None,
) -> go.Figure:
    """Two parameters of ``study`` (a :class:`~nas_notebook.Search` or Optuna study) against
    each other: a grid of cells, each coloured by the best ``target`` of the completed trials
    in it, with the trials drawn over it.

    Takes the arguments of ``optuna.visualization.plot_contour`` too, with their meaning.

    Args:
        study: The search or study.
        params: The x and y parameters; by default the first two the study suggested. More
            than two: a matrix of the plots of every pair (as Optuna draws them).
        target: Which objective (by index), the name of a numeric user attribute, or a
            function of a completed trial giving a number.
        direction: Which ``target`` values are best; by default the objective's direction,
            ``minimize`` for a user attribute or a function.
        bins: Cells per numeric axis (categorical axes get one per choice; log axes are cut in
            log space; integer axes with fewer values get one per value).
        target_name: The name of the target on the colour scale (by default ``objective``, the
            attribute's name, or ``target`` for a function).

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
        (['heatmap', 'scatter'], 'log')
    """
    cols, directions = columns_and_directions(study)
    direction = direction or default_direction(directions, target)
    if params is not None and len(param_names(params)) > 2:
        return _matrix(cols, param_names(params), target, direction, bins, target_name)
    info = _get_contour_info(cols, params, target, direction, bins, target_name=target_name)
    return go.Figure(data=traces(info), layout=layout(info))
