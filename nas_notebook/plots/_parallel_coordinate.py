"""Parallel coordinates: each completed trial as a line through its objective and parameters."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import plotly.graph_objects as go
from optuna.distributions import BaseDistribution, CategoricalDistribution, IntDistribution
from optuna.trial import TrialState

from ..study import columns_of
from ._common import (
    Target,
    columns_and_directions,
    decimate,
    default_direction,
    message_layout,
    metric_names,
    objective_label,
    power_label,
    target_values,
)

__all__ = ["ABSENT", "Axis", "ParallelCoordinateInfo", "plot_parallel_coordinate"]

#: At most this many lines are drawn: beyond that a parcoords plot is a solid band.
MAX_LINES = 5000
#: Of those, the best this many are always drawn; the rest are an even sample of the others.
KEEP_BEST = 1000
#: The tick label of the position where trials lacking a (conditional) parameter cross its axis.
ABSENT = "(absent)"


class Axis(NamedTuple):
    """One vertical axis: where each line crosses it and how it is labelled.

    ``values`` (one per line) are on the drawn scale: choice indices for a categorical parameter,
    log10 of the value for a log one (parcoords has no log axis, so the ticks carry the real
    values). Trials lacking the parameter cross at one position below ``range``'s data part,
    ticked :data:`ABSENT`. ``tickvals``/``ticktext`` are None where plotly's own ticks serve.
    """

    label: str
    values: np.ndarray
    range: tuple[float, float]
    tickvals: list[float] | None
    ticktext: list[str] | None


class ParallelCoordinateInfo(NamedTuple):
    """What the plot draws, computed from trials alone (tests check this, not the figure).

    ``numbers``/``values`` are the completed trials with a finite value of ``objective``, in
    trial order; ``axes`` are the objective's then each parameter's, each with one entry per
    trial. Lines are coloured by the objective, the colour scale reversed when minimizing so
    the best trials are the darkest either way.
    """

    numbers: np.ndarray
    values: np.ndarray
    axes: list[Axis]
    direction: str
    objective: int

    @property
    def reverse_scale(self) -> bool:
        return self.direction == "minimize"

    @property
    def shown(self) -> np.ndarray:
        """Indices of the lines drawn: the best :data:`KEEP_BEST` and an even sample of the
        rest, at most :data:`MAX_LINES`, worst first so that the best are drawn on top."""
        score = self.values if self.direction == "minimize" else -self.values
        best_first = np.argsort(score, kind="stable")
        shown = decimate(len(score), MAX_LINES, keep=best_first[:KEEP_BEST])
        return shown[np.argsort(-score[shown], kind="stable")]


def _span(lo: float, hi: float) -> tuple[float, float]:
    return (lo - 0.5, hi + 0.5) if hi <= lo else (lo, hi)


def _log_ticks(lo: float, hi: float) -> list[float]:
    """Positions (log10) of ticks at powers of ten, or at 1-2-5 steps over a range too narrow
    to hold three powers."""
    decades = 10.0 ** np.arange(math.floor(lo), math.ceil(hi) + 1)
    for mantissas in ([1.0], [1.0, 2.0, 5.0]):
        ticks = np.log10(np.outer(decades, mantissas).ravel())
        ticks = ticks[(ticks >= lo - 1e-9) & (ticks <= hi + 1e-9)]
        if len(ticks) >= 3:
            return ticks.tolist()
    return np.linspace(lo, hi, 4).tolist()


def _param_axis(name: str, dist: BaseDistribution, internal: np.ndarray) -> Axis:
    absent = np.isnan(internal)
    tickvals: list[float] | None = None
    ticktext: list[str] | None = None
    if isinstance(dist, CategoricalDistribution):
        values = internal
        lo, hi = 0.0, float(len(dist.choices) - 1)
        tickvals = [float(i) for i in range(len(dist.choices))]
        ticktext = [str(choice) for choice in dist.choices]
    else:
        log = bool(getattr(dist, "log", False))
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.log10(internal) if log else internal
        lo, hi = float(getattr(dist, "low", np.nan)), float(getattr(dist, "high", np.nan))
        if log:
            lo, hi = math.log10(lo), math.log10(hi)
        if not absent.all():  # values outside the declared bounds (an enqueued trial, say)
            lo, hi = min(lo, float(np.nanmin(values))), max(hi, float(np.nanmax(values)))
        if log:
            tickvals = _log_ticks(lo, hi)
            ticktext = [power_label(10**v) for v in tickvals]
    if absent.any():
        if tickvals is None:  # plotly's own ticks would not name the extra position
            ticks = np.linspace(lo, hi, 5)
            ticks = np.unique(np.round(ticks) if isinstance(dist, IntDistribution) else ticks)
            tickvals = ticks.tolist()
            ticktext = [f"{v:.3g}" for v in tickvals]
        # One choice's step below a categorical axis, 15% of the range below a numeric one.
        categorical = isinstance(dist, CategoricalDistribution)
        below = lo - (1.0 if categorical else (0.15 * (hi - lo) or 1.0))
        values = np.where(absent, below, values)
        tickvals, ticktext = [below, *tickvals], [ABSENT, *(ticktext or [])]
        lo = below
    return Axis(name, values, _span(lo, hi), tickvals, ticktext)


def _get_parallel_coordinate_info(
    source: Any,
    direction: str = "minimize",
    objective: int = 0,
    params: Sequence[str] | None = None,
    target: Target = None,
    target_name: str | None = None,
    names: Sequence[str] | None = None,
) -> ParallelCoordinateInfo:
    """The info of ``source`` (trials or :class:`~nas_notebook.study.TrialColumns`).

    ``params`` picks and orders the parameter axes; by default every parameter that some
    completed trial has, in order of first appearance. The first axis and the colours are
    ``target`` (see :func:`~nas_notebook.plots._common.target_values`) when given, else
    objective ``objective``; ``target_name`` names that axis (by default the objective's name
    in ``names``, the objectives' metric names).
    """
    cols = columns_of(source)
    if params is not None:
        unknown = [name for name in params if name not in cols.distributions]
        if unknown:
            known = ", ".join(map(repr, cols.distributions)) or "none"
            raise ValueError(f"params: unknown parameter(s) {unknown}; known: {known}")
    done = cols.mask(TrialState.COMPLETE)
    if target is None:
        values = cols.values[done, objective] if cols.n else np.zeros(0)
        label = target_name or objective_label(objective, cols.n_objectives, names)
    else:
        column, label = target_values(cols, target, target_name, names)
        values = column[done]
    ok = np.isfinite(values)
    rows = np.flatnonzero(done)[ok]
    values = values[ok]
    columns = cols.params
    names = list(params) if params is not None else list(columns)
    names = [n for n in names if params is not None or not np.isnan(columns[n][rows]).all()]
    lo, hi = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    axes = [Axis(label, values, _span(lo, hi), None, None)]
    axes += [_param_axis(n, cols.distributions[n], columns[n][rows]) for n in names]
    return ParallelCoordinateInfo(cols.number[rows], values, axes, direction, objective)


def waiting(info: ParallelCoordinateInfo) -> str | None:
    """What the plot waits for before it has anything to draw (None: it has)."""
    if not len(info.numbers):
        return "Waiting for the first trial to finish."
    if len(info.axes) < 2:
        return "Parallel coordinates need parameters: the completed trials have none."
    return None


def traces(info: ParallelCoordinateInfo) -> list[dict[str, Any]]:
    """Trace data for the info (used by the static figure and by live figure updates)."""
    shown = info.shown
    dimensions = []
    for axis in info.axes:
        dim: dict[str, Any] = {
            "label": axis.label,
            "values": axis.values[shown],
            "range": list(axis.range),
        }
        if axis.tickvals is not None:
            dim.update(tickvals=axis.tickvals, ticktext=axis.ticktext)
        dimensions.append(dim)
    return [
        {
            "type": "parcoords",  # WebGL: thousands of lines stay interactive
            "dimensions": dimensions,
            "labelangle": 20 if len(dimensions) > 6 else 0,
            "line": {
                "color": info.values[shown],
                "colorscale": "Blues",
                "reversescale": info.reverse_scale,
                "showscale": True,
                "colorbar": {"title": {"text": info.axes[0].label if info.axes else ""}},
            },
        }
    ]


def layout(info: ParallelCoordinateInfo) -> dict[str, Any]:
    return {
        "title": {"text": f"Parallel coordinates ({info.direction})"},
        "margin": {"l": 70, "r": 30, "t": 80, "b": 30},
        "height": 420,
    }


def plot_parallel_coordinate(
    study: Any,
    params: Sequence[str] | None = None,
    objective: int = 0,
    *,
    target: Target = None,
    target_name: str | None = None,
) -> go.Figure:
    """Parallel coordinates of ``study`` (a :class:`~nas_notebook.Search` or Optuna study).

    Each completed trial is a line through the objective and its parameters, coloured by the
    objective (darkest is best), named after its metric when the study names it. Categorical
    axes list the choices in their declared order, log parameters are drawn on a log scale
    (ticked at powers of ten), and trials lacking a conditional parameter cross its axis at
    :data:`ABSENT`, below the range. At most :data:`MAX_LINES` lines are drawn.

    Takes the arguments of ``optuna.visualization.plot_parallel_coordinate`` too, with their
    meaning.

    Args:
        study: The search or study.
        params: The parameters to show, in order (default: all).
        objective: Which objective of a multi-objective study.
        target: What the first axis and the colours show instead of an objective: a function
            of a completed trial giving a number (as in Optuna), ``"duration"`` or a numeric
            user attribute's name; smaller is taken as better (the darkest).
        target_name: The name of the first axis.

    Raises:
        ValueError: A name in ``params`` that no trial has, no such ``objective`` or
            ``target``, or both ``target`` and ``objective``.

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        >>> [d.label for d in plot_parallel_coordinate(study).data[0].dimensions]
        ['objective', 'x']
    """
    cols, directions = columns_and_directions(study)
    if not 0 <= objective < len(directions):
        raise ValueError(
            f"objective: no objective {objective} in a {len(directions)}-objective study"
        )
    if target is not None and objective != 0:
        raise ValueError("give `target` or `objective`, not both")
    direction = directions[objective] if target is None else default_direction(directions, target)
    info = _get_parallel_coordinate_info(
        cols, direction, objective, params, target, target_name, metric_names(study)
    )
    message = waiting(info)
    if message:
        return go.Figure(layout=message_layout("Parallel coordinates", message, 420))
    return go.Figure(data=traces(info), layout=layout(info))
