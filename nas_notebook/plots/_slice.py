"""Slice plot: the objective (or a user attribute) against each parameter, one panel each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import plotly.graph_objects as go
from optuna.trial import TrialState

from ..study import columns_of
from ._common import (
    BLUES,
    LOG_AXIS,
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

__all__ = ["SliceInfo", "SliceParam", "plot_slice"]

#: At most this many points are drawn per parameter, the best tenth of them always.
MAX_POINTS = 1000
#: At most this many points are drawn in all, shared by the panels: each is an SVG marker
#: (WebGL, without a GPU, costs the browser more to set up than these cost to draw).
TOTAL_POINTS = 2000
#: The least a panel draws however many there are.
MIN_POINTS = 100
#: The points' colours by trial number, light (early) to dark (late), from a blue pale enough
#: to tell apart and dark enough to see on white without an outline.
COLORSCALE = [[k / 5, color] for k, (_, color) in enumerate(BLUES[3:])]
#: At most this many panels side by side; more parameters wrap onto further rows.
PER_ROW = 4
#: The dashed line at a parameter's prior.
PRIOR_COLOR = "#d62728"


class SliceParam(NamedTuple):
    """One panel: the completed trials that have parameter ``name``.

    ``kind`` is ``linear``, ``log`` or ``categorical``; ``x`` holds internal values (choice
    indices for a categorical parameter, whose ``choices`` are the labels in choice order);
    ``shown`` indexes the points drawn; ``prior`` is the value written as the prior, if any
    (drawn as a dashed line).
    """

    name: str
    kind: str
    choices: tuple[str, ...] | None
    numbers: np.ndarray
    x: np.ndarray
    y: np.ndarray
    shown: np.ndarray
    #: The prior written inline for the parameter (internal value), or None.
    prior: float | None = None


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
    objective_names: Sequence[str] | None = None,
) -> SliceInfo:
    """The info of ``source`` (trials or :class:`~nas_notebook.study.TrialColumns`).

    ``params`` defaults to every parameter, in the order the study first suggested them;
    ``objective_names`` are the objectives' metric names (the target's title when it is an
    objective). Each panel shows at most ``max_points``, and the panels together about
    :data:`TOTAL_POINTS` (at least :data:`MIN_POINTS` each).
    """
    cols = columns_of(source)
    names = list(cols.distributions) if params is None else param_names(params)
    check_params(cols, names)
    values, title = target_values(cols, target, target_name, objective_names)
    done = cols.mask(TrialState.COMPLETE) & np.isfinite(values)
    columns = cols.params
    max_points = min(max_points, max(TOTAL_POINTS // max(len(names), 1), MIN_POINTS))
    panels = []
    for name in names:
        dist = cols.distributions[name]
        has = done & ~np.isnan(columns[name])
        y = values[has]
        keep = best_of(y, direction, max_points // 10)
        shown = decimate(len(y), max_points, keep=keep)
        x = columns[name][has]
        prior = cols.priors.get(name, {}).get("value")
        panel = SliceParam(
            name, axis_kind(dist), choice_labels(dist), cols.number[has], x, y, shown, prior
        )
        panels.append(panel)
    return SliceInfo(tuple(panels), title, direction)


def waiting(info: SliceInfo) -> str | None:
    """What the plot waits for before it has anything to draw (None: it has)."""
    if not info.params:
        return "No parameters to slice yet: the trials suggested none."
    if not any(len(p.numbers) for p in info.params):
        return "Waiting for the first trial to finish."
    return None


def _grid(n: int) -> tuple[int, int]:
    """Rows and panels per row for ``n`` panels: at most :data:`PER_ROW` a row, rows balanced."""
    rows = max(1, -(-n // PER_ROW))
    return rows, max(1, -(-n // rows))


def _axis(index: int) -> str:
    return "" if index == 0 else str(index + 1)


def traces(info: SliceInfo) -> list[dict[str, Any]]:
    """Trace data for the info (used by the static figure and by live figure updates)."""
    n_points = sum(len(p.shown) for p in info.params)
    last = max((int(p.numbers.max()) for p in info.params if len(p.numbers)), default=0)
    per_row = _grid(len(info.params))[1]
    out = []
    for i, p in enumerate(info.params):
        x = p.x[p.shown]
        if p.choices is not None:
            x = np.asarray(p.choices, dtype=object)[x.astype(np.int64)]
        numbers = p.numbers[p.shown]
        out.append(
            {
                "type": "scatter",
                "x": x,
                "y": p.y[p.shown],
                "xaxis": f"x{_axis(i)}",
                "yaxis": f"y{_axis(i // per_row)}",
                "mode": "markers",
                "name": p.name,
                "showlegend": False,
                "customdata": numbers,
                "hovertemplate": f"trial %{{customdata}}<br>{p.name} %{{x}}<br>"
                f"{info.target} %{{y:.6g}}<extra></extra>",
                "marker": {
                    "size": 6 if n_points < 1000 else 4,
                    "color": numbers,
                    "cmin": 0,
                    "cmax": max(last, 1),
                    "colorscale": COLORSCALE,
                    "showscale": i == 0,
                    "colorbar": {"title": {"text": "trial"}, "thickness": 12},
                },
            }
        )
    out.extend(_prior_lines(info, per_row))
    return out


def _prior_lines(info: SliceInfo, per_row: int) -> list[dict[str, Any]]:
    """A dashed vertical line at each panel's prior, over the values shown (after the panels'
    own traces, so that those keep their indices)."""
    lines = []
    for i, p in enumerate(info.params):
        if p.prior is None or not len(p.y):
            continue
        x: float | str = p.prior
        if p.choices is not None:
            if not 0 <= int(p.prior) < len(p.choices):
                continue
            x = p.choices[int(p.prior)]
        low, high = float(np.min(p.y)), float(np.max(p.y))
        lines.append(
            {
                "type": "scatter",
                "x": [x, x],
                "y": [low, high],
                "xaxis": f"x{_axis(i)}",
                "yaxis": f"y{_axis(i // per_row)}",
                "mode": "lines",
                "name": f"prior {p.name}",
                "showlegend": False,
                "line": {"dash": "dash", "color": PRIOR_COLOR, "width": 1.5},
                "hovertemplate": f"prior {p.name} = {x}<extra></extra>",
            }
        )
    return lines


def layout(info: SliceInfo) -> dict[str, Any]:
    """Panels side by side, wrapping after :data:`PER_ROW`; every x axis with few compact
    ticks (labels of neighbouring panels never run together); rows share one value range."""
    n = max(len(info.params), 1)
    rows, per_row = _grid(n)
    gap_x = 0.06 if per_row > 1 else 0.0
    gap_y = 0.16 if rows > 1 else 0.0
    width = (1.0 - gap_x * (per_row - 1)) / per_row
    height = (1.0 - gap_y * (rows - 1)) / rows
    out: dict[str, Any] = {
        "title": {"text": f"Slice of {info.target} ({info.direction})"},
        "margin": {"l": 60, "r": 10, "t": 40, "b": 40},
        "height": 340 + 240 * (rows - 1),
    }
    for r in range(rows):
        top = 1.0 - r * (height + gap_y)
        out[f"yaxis{_axis(r)}"] = {
            "title": {"text": info.target},
            "domain": [max(top - height, 0.0), top],
            "anchor": f"x{_axis(r * per_row)}",
            **({"matches": "y"} if r else {}),
        }
    ticks = {1: 7, 2: 7, 3: 5}.get(per_row, 4)  # plotly draws at most this many, often fewer
    for i, p in enumerate(info.params):
        start = (i % per_row) * (width + gap_x)
        axis: dict[str, Any] = {
            "title": {"text": p.name, "standoff": 4},
            "domain": [start, min(start + width, 1.0)],
            "anchor": f"y{_axis(i // per_row)}",
            "nticks": ticks,
        }
        if p.kind == "log":
            axis.update(LOG_AXIS)
        elif p.choices is not None:
            axis.update(type="category", categoryorder="array", categoryarray=list(p.choices))
        else:
            axis["tickformat"] = "~g"
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
    against each parameter of the completed trials, coloured by trial number. An objective is
    named after its metric when the study names it.

    Args:
        study: The search or study.
        params: The parameters to show; by default all, in the order first suggested.
        target: Which objective (by index), the name of a numeric user attribute (such as a
            measured latency), or a function of a completed trial giving a number (as in
            ``optuna.visualization.plot_slice``).
        direction: Which ``target`` values are best when thinning many points; by default the
            objective's direction, ``minimize`` for a user attribute or a function.
        target_name: The name of the target on the axis (by default the objective's metric
            name or ``objective``, the attribute's name, or ``target`` for a function).

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
    info = _get_slice_info(
        cols,
        params,
        target,
        direction,
        target_name=target_name,
        objective_names=metric_names(study),
    )
    message = waiting(info)
    if message:
        return go.Figure(layout=message_layout("Slice", message, 340))
    return go.Figure(data=traces(info), layout=layout(info))
