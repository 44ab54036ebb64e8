"""Slice plot: the objective (or a user attribute) against each parameter, one panel each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import plotly.graph_objects as go
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

__all__ = ["SliceInfo", "SliceParam", "plot_slice"]

#: At most this many points are drawn per parameter, the best tenth of them always.
MAX_POINTS = 2000


class SliceParam(NamedTuple):
    """One panel: the completed trials that have parameter ``name``.

    ``kind`` is ``linear``, ``log`` or ``categorical``; ``x`` holds internal values (choice
    indices for a categorical parameter, whose ``choices`` are the labels in choice order);
    ``shown`` indexes the points drawn.
    """

    name: str
    kind: str
    choices: tuple[str, ...] | None
    numbers: np.ndarray
    x: np.ndarray
    y: np.ndarray
    shown: np.ndarray


class SliceInfo(NamedTuple):
    """What the plot draws: a :class:`SliceParam` per parameter, against ``target`` (the name
    of the objective or user attribute on the y axis)."""

    params: tuple[SliceParam, ...]
    target: str
    direction: str


def _get_slice_info(
    source: Any,
    params: Sequence[str] | None = None,
    target: Target = 0,
    direction: str = "minimize",
    max_points: int = MAX_POINTS,
    target_name: str | None = None,
) -> SliceInfo:
    """The info of ``source`` (trials or :class:`~nas_notebook.study.TrialColumns`).

    ``params`` defaults to every parameter, in the order the study first suggested them.
    """
    cols = columns_of(source)
    names = list(cols.distributions) if params is None else param_names(params)
    check_params(cols, names)
    values, title = target_values(cols, target, target_name)
    done = cols.mask(TrialState.COMPLETE) & np.isfinite(values)
    columns = cols.params
    panels = []
    for name in names:
        dist = cols.distributions[name]
        has = done & ~np.isnan(columns[name])
        y = values[has]
        keep = best_of(y, direction, max_points // 10)
        shown = decimate(len(y), max_points, keep=keep)
        x = columns[name][has]
        panel = SliceParam(
            name, axis_kind(dist), choice_labels(dist), cols.number[has], x, y, shown
        )
        panels.append(panel)
    return SliceInfo(tuple(panels), title, direction)


def _axis(index: int) -> str:
    return "" if index == 0 else str(index + 1)


def traces(info: SliceInfo) -> list[dict[str, Any]]:
    """Trace data for the info (used by the static figure and by live figure updates)."""
    n_points = sum(len(p.shown) for p in info.params)
    kind = "scattergl" if n_points > WEBGL_THRESHOLD else "scatter"
    last = max((int(p.numbers.max()) for p in info.params if len(p.numbers)), default=0)
    out = []
    for i, p in enumerate(info.params):
        x = p.x[p.shown]
        if p.choices is not None:
            x = np.asarray(p.choices, dtype=object)[x.astype(np.int64)]
        numbers = p.numbers[p.shown]
        out.append(
            {
                "type": kind,
                "x": x,
                "y": p.y[p.shown],
                "xaxis": f"x{_axis(i)}",
                "yaxis": "y",
                "mode": "markers",
                "name": p.name,
                "showlegend": False,
                "customdata": numbers,
                "hovertemplate": f"trial %{{customdata}}<br>{p.name} %{{x}}<br>"
                f"{info.target} %{{y}}<extra></extra>",
                "marker": {
                    "size": 6 if n_points < 1000 else 4,
                    "color": numbers,
                    "cmin": 0,
                    "cmax": max(last, 1),
                    "colorscale": "Blues",
                    "showscale": i == 0,
                    "colorbar": {"title": {"text": "trial"}},
                    "line": {"width": 0.5, "color": "grey"},
                },
            }
        )
    return out


def layout(info: SliceInfo) -> dict[str, Any]:
    n = max(len(info.params), 1)
    gap = 0.1 / n if n > 1 else 0.0
    width = (1.0 - gap * (n - 1)) / n
    out: dict[str, Any] = {
        "title": {"text": f"Slice of {info.target} ({info.direction})"},
        "yaxis": {"title": {"text": info.target}},
        "margin": {"l": 50, "r": 10, "t": 40, "b": 40},
        "height": 340,
    }
    if n > 4:
        out["width"] = 240 * n
    for i, p in enumerate(info.params):
        start = i * (width + gap)
        axis: dict[str, Any] = {
            "title": {"text": p.name},
            "domain": [start, min(start + width, 1.0)],
            "anchor": "y",
        }
        if p.kind == "log":
            axis["type"] = "log"
        elif p.choices is not None:
            axis.update(type="category", categoryorder="array", categoryarray=list(p.choices))
        out[f"xaxis{_axis(i)}"] = axis
    return out


def plot_slice(
    study: Any,
    params: Sequence[str] | None = None,
    target: Target = 0,
    direction: str | None = None,
    *,
    target_name: str | None = None,
) -> go.Figure:
    """The slice plot of ``study`` (a :class:`~nas_notebook.Search` or Optuna study): ``target``
    against each parameter of the completed trials, coloured by trial number.

    Args:
        study: The search or study.
        params: The parameters to show; by default all, in the order first suggested.
        target: Which objective (by index), the name of a numeric user attribute (such as a
            measured latency), or a function of a completed trial giving a number (as in
            ``optuna.visualization.plot_slice``).
        direction: Which ``target`` values are best when thinning many points; by default the
            objective's direction, ``minimize`` for a user attribute or a function.
        target_name: The name of the target on the axis (by default ``objective``, the
            attribute's name, or ``target`` for a function).

    Raises:
        ValueError: A name in ``params`` or ``target`` that the study does not have.

    Example:
        >>> import optuna
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 1e-3, 1, log=True)
        ...     return x * (1 if trial.suggest_categorical("act", ["relu", "tanh"]) else 2)
        >>> study = optuna.create_study()
        >>> study.optimize(objective, n_trials=5)
        >>> fig = plot_slice(study)
        >>> [trace.name for trace in fig.data], fig.layout.xaxis.type, fig.layout.xaxis2.type
        (['x', 'act'], 'log', 'category')
    """
    cols, directions = columns_and_directions(study)
    direction = direction or default_direction(directions, target)
    info = _get_slice_info(cols, params, target, direction, target_name=target_name)
    return go.Figure(data=traces(info), layout=layout(info))
