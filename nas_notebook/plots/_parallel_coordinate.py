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
from ._parallel_draw import KEEP_BEST, MAX_LINES, layout, traces

__all__ = ["ABSENT", "Axis", "ParallelCoordinateInfo", "plot_parallel_coordinate"]

#: The tick label of the position where trials lacking a (conditional) parameter cross its axis.
ABSENT = "(absent)"


class Axis(NamedTuple):
    """One vertical axis: where each line crosses it and how it is labelled.

    ``values`` (one per line) are on the drawn scale: choice indices for a categorical parameter,
    log10 of the value for a log one (the ticks carry the real values). Trials lacking the
    parameter cross at one position below ``range``'s data part, ticked :data:`ABSENT`.
    ``tickvals`` (on the drawn scale, within ``range``) and ``ticktext`` are the axis' labels.
    """

    label: str
    values: np.ndarray
    range: tuple[float, float]
    tickvals: list[float]
    ticktext: list[str]
    #: The prior written inline for the parameter, on the drawn scale (None: none), and as
    #: its label says it.
    prior: float | None = None
    prior_label: str = ""


class ParallelCoordinateInfo(NamedTuple):
    """What the plot draws, computed from trials alone (tests check this, not the figure).

    ``numbers``/``values`` are the completed trials with a finite value of ``objective``, in
    trial order; ``axes`` are the objective's then each parameter's, each with one entry per
    trial. Lines are coloured by the objective, darker for better: the colour scale is reversed
    when minimizing.
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


def _linear_ticks(lo: float, hi: float, integer: bool = False) -> tuple[list[float], list[str]]:
    """Ticks at round steps (1, 2, 2.5 or 5 times a power of ten, whole numbers on an integer
    axis) within ``[lo, hi]``, three to six of them, and their labels.

    Example:
        >>> _linear_ticks(0.0, 0.5)[1], _linear_ticks(1, 8, integer=True)[1]
        (['0', '0.1', '0.2', '0.3', '0.4', '0.5'], ['2', '4', '6', '8'])
    """
    span = hi - lo
    if not (np.isfinite(span) and span > 0):
        return [lo], [f"{lo:.4g}"]
    power = 10.0 ** math.floor(math.log10(span / 4))
    step = next(m * power for m in (1.0, 2.0, 2.5, 5.0, 10.0) if span / (m * power) <= 5.5)
    if integer:
        step = max(1.0, round(step))
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    ticks = [round(k * step, 12) + 0.0 for k in range(first, last + 1)]
    if not 1e-4 <= max(abs(lo), abs(hi)) < 1e5:
        return ticks, [_power(t) for t in ticks]
    exponent = math.floor(math.log10(step))
    decimals = max(0, -exponent + (0 if (step / 10.0**exponent) % 1 == 0 else 1))
    labels = [f"{t:.{decimals}f}" for t in ticks]
    return ticks, [s.rstrip("0").rstrip(".") if "." in s else s for s in labels]


def _power(value: float) -> str:
    """A very large or small tick as plotly's power exponent format writes it (``2·10⁵``)."""
    if value == 0:
        return "0"
    return ("-" if value < 0 else "") + power_label(abs(value))


def _param_axis(
    name: str, dist: BaseDistribution, internal: np.ndarray, prior: float | None = None
) -> Axis:
    absent = np.isnan(internal)
    label = ""
    if prior is not None:
        if isinstance(dist, CategoricalDistribution):
            label = str(dist.choices[int(prior)]) if 0 <= prior < len(dist.choices) else ""
        else:
            label = f"{prior:.4g}"
        if getattr(dist, "log", False):
            prior = math.log10(prior) if prior > 0 else None
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
        else:
            tickvals, ticktext = _linear_ticks(*_span(lo, hi), isinstance(dist, IntDistribution))
    if absent.any():
        # One choice's step below a categorical axis, 15% of the range below a numeric one.
        categorical = isinstance(dist, CategoricalDistribution)
        below = lo - (1.0 if categorical else (0.15 * (hi - lo) or 1.0))
        values = np.where(absent, below, values)
        tickvals, ticktext = [below, *tickvals], [ABSENT, *ticktext]
        lo = below
    return Axis(name, values, _span(lo, hi), tickvals, ticktext, prior, label)


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
    lo, hi = _span(*((float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)))
    axes = [Axis(label, values, (lo, hi), *_linear_ticks(lo, hi))]
    axes += [
        _param_axis(n, cols.distributions[n], columns[n][rows], cols.priors.get(n, {}).get("value"))
        for n in names
    ]
    return ParallelCoordinateInfo(cols.number[rows], values, axes, direction, objective)


def waiting(info: ParallelCoordinateInfo) -> str | None:
    """What the plot waits for before it has anything to draw (None: it has)."""
    if not len(info.numbers):
        return "Waiting for the first trial to finish."
    if len(info.axes) < 2:
        return "Parallel coordinates need parameters: the completed trials have none."
    return None


def plot_parallel_coordinate(
    study: Any,
    params: Sequence[str] | None = None,
    objective: int = 0,
    *,
    target: Target = None,
    target_name: str | None = None,
) -> go.Figure:
    """Parallel coordinates of ``study`` (a :class:`~nas_notebook.Search` or Optuna study).

    Each completed trial is a line through the objective (the first axis, named after its
    metric when the study names it) and its parameters, coloured by the objective in a few
    shades, darkest for the best, drawn on top. Categorical axes list the choices in their
    declared order, log parameters are drawn on a log scale (ticked at powers of ten), and
    trials lacking a conditional parameter cross its axis at :data:`ABSENT`, below the range.
    At most :data:`MAX_LINES` lines are drawn: the best :data:`KEEP_BEST` and an even sample of
    the others (the title says how many of how many). Hovering a line's vertex names its trial
    and value. The lines are plain SVG: quick to draw without a GPU.

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
        >>> list(plot_parallel_coordinate(study).layout.xaxis.ticktext)
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
