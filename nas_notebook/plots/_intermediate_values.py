"""Learning curves: every trial's intermediate values, one trace per trial state."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import plotly.graph_objects as go
from optuna.trial import TrialState

from ..study import STATE_CODES, columns_of
from ._common import (
    best_of,
    columns_and_directions,
    decimate,
    message_layout,
    metric_names,
)

__all__ = ["CurveGroup", "IntermediateValuesInfo", "QuantileBand", "plot_intermediate_values"]

#: Above this many curves of one state, only the best ones and a random sample are drawn.
MAX_CURVES = 300
#: The quantile band is computed over at most this many curves (an even random sample of them
#: when there are more): quantiles of 20,000 curves are as good as of all, at a tenth the cost
#: of 100,000.
BAND_CURVES = 20_000

#: The states drawn, in legend order, with their colours.
STATES: tuple[tuple[str, TrialState, str], ...] = (
    ("complete", TrialState.COMPLETE, "#1f77b4"),
    ("pruned", TrialState.PRUNED, "#ff7f0e"),
    ("failed", TrialState.FAIL, "#d62728"),
    ("running", TrialState.RUNNING, "#2ca02c"),
)

_BAND = (0.1, 0.5, 0.9)


class CurveGroup(NamedTuple):
    """The drawn curves of the trials in one state, concatenated with NaN between curves so
    that one trace draws them all (one trace per trial would not scale to thousands).

    ``x``/``y``/``trial`` are the steps, values and trial number of every point (NaN at the
    separators); ``numbers`` the trials drawn; ``end_x``/``end_y`` the last point of each drawn
    curve; ``total`` how many trials of this state reported any value.
    """

    state: str
    numbers: np.ndarray
    x: np.ndarray
    y: np.ndarray
    trial: np.ndarray
    end_x: np.ndarray
    end_y: np.ndarray
    total: int


class QuantileBand(NamedTuple):
    """Per step, the 10%, 50% and 90% quantiles of the values of every trial reporting it."""

    steps: np.ndarray
    low: np.ndarray
    median: np.ndarray
    high: np.ndarray


class IntermediateValuesInfo(NamedTuple):
    """What the plot draws: a :class:`CurveGroup` per state of :data:`STATES` and, when curves
    were left out (or asked for), the quantile band over all of them. ``label`` names the
    reported values (``accuracy (reported)`` for a study whose objective is ``accuracy``);
    ``n_objectives`` is the study's (several: Optuna records no intermediate values)."""

    groups: tuple[CurveGroup, ...]
    band: QuantileBand | None
    direction: str
    label: str = "intermediate value"
    n_objectives: int = 1

    @property
    def n_curves(self) -> int:
        return sum(g.total for g in self.groups)

    @property
    def n_drawn(self) -> int:
        return sum(len(g.numbers) for g in self.groups)


def _quantile_band(steps: np.ndarray, values: np.ndarray) -> QuantileBand:
    ok = np.isfinite(values)
    steps, values = steps[ok], values[ok]
    # Grouping by step with a radix sort of 16-bit codes, then partitioning each step's values
    # around the quantiles' positions, is several times faster than one np.lexsort when there
    # are at most a few hundred steps (the usual case).
    by_step = bool(len(steps)) and steps.max() - steps.min() < 2**16
    order = (
        np.argsort((steps - steps.min()).astype(np.uint16), kind="stable")
        if by_step
        else np.lexsort((values, steps))
    )
    steps, values = steps[order], values[order]
    start, count = _runs(steps)
    if by_step and len(start) > 1000:
        values, by_step = values[np.lexsort((values, steps))], False
    # Linear interpolation between the values around each position, as np.quantile does.
    pos = start[:, None] + np.asarray(_BAND)[None, :] * (count[:, None] - 1)
    lo, hi = np.floor(pos).astype(np.int64), np.ceil(pos).astype(np.int64)
    if by_step:
        kth = np.concatenate([lo, hi], axis=1) - start[:, None]
        for a, n, k in zip(start.tolist(), count.tolist(), kth.tolist()):
            values[a : a + n].partition(k)
    quantiles = values[lo] + (values[hi] - values[lo]) * (pos - lo)
    return QuantileBand(steps[start], *quantiles.T)


def _runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each run of equal ``keys`` starts, and its length."""
    start = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else keys
    return start, np.diff(np.r_[start, len(keys)])


def _group(name: str, points: tuple[np.ndarray, ...], number: np.ndarray, total: int) -> CurveGroup:
    rows, steps, values = points
    start, count = _runs(rows)
    cuts, last = start[1:], start + count - 1
    x = np.insert(steps.astype(float), cuts, np.nan)
    y = np.insert(values, cuts, np.nan)
    trial = np.insert(number[rows].astype(float), cuts, np.nan)
    return CurveGroup(
        name, number[rows[last]], x, y, trial, steps[last].astype(float), values[last], total
    )


def _get_intermediate_values_info(
    source: Any,
    direction: str = "minimize",
    max_curves: int = MAX_CURVES,
    band: bool | None = None,
    names: Sequence[str] | None = None,
) -> IntermediateValuesInfo:
    """The info of ``source`` (trials or :class:`~nas_notebook.study.TrialColumns`).

    ``names`` are the objectives' metric names: the reported values are the first one's.

    Of more than ``max_curves`` curves of one state, the tenth with the best last value (by
    ``direction``) and a random sample of the others are drawn. ``band`` adds the quantile band
    over every curve (at most :data:`BAND_CURVES` of them); by default only when curves were
    left out.
    """
    cols = columns_of(source)
    rows, steps, values = cols.curves()
    state = cols.state
    first, length = _runs(rows)
    curve_rows, final = rows[first], values[first + length - 1]
    drawn = np.zeros(cols.n, dtype=bool)
    totals = {}
    for name, s, _ in STATES:
        idx = np.flatnonzero(state[curve_rows] == STATE_CODES[s])
        totals[name] = len(idx)
        if len(idx) > max_curves:
            best = best_of(final[idx], direction, max(1, max_curves // 10))
            idx = idx[decimate(len(idx), max_curves, keep=best)]
        drawn[curve_rows[idx]] = True
    point_drawn = drawn[rows]
    point_state = state[rows]
    groups = []
    for name, s, _ in STATES:
        sel = point_drawn & (point_state == STATE_CODES[s])
        points = (rows[sel], steps[sel], values[sel])
        groups.append(_group(name, points, cols.number, totals[name]))
    show_band = sum(totals.values()) > int(drawn.sum()) if band is None else band
    quantiles = None
    if show_band:
        if len(curve_rows) > BAND_CURVES:
            in_band = np.zeros(cols.n, dtype=bool)
            in_band[curve_rows[decimate(len(curve_rows), BAND_CURVES)]] = True
            sel = in_band[rows]
            quantiles = _quantile_band(steps[sel], values[sel])
        else:
            quantiles = _quantile_band(steps, values)
    label = f"{names[0]} (reported)" if names else "intermediate value"
    return IntermediateValuesInfo(tuple(groups), quantiles, direction, label, cols.n_objectives)


def waiting(info: IntermediateValuesInfo) -> str | None:
    """What the plot waits for before it has anything to draw (None: it has)."""
    if info.n_curves:
        return None
    if info.n_objectives > 1:
        return (
            "No learning curves in a multi-objective search: Optuna records no intermediate "
            "values there (report(...) keeps each metric as a user attribute)."
        )
    return (
        "No trial has reported an intermediate value yet "
        "(call report(value, step=epoch) inside the cell)."
    )


def traces(info: IntermediateValuesInfo) -> list[dict[str, Any]]:
    """Trace data for the info (used by the static figure and by live figure updates)."""
    colours = {name: colour for name, _, colour in STATES}
    n_points = sum(len(g.x) for g in info.groups)
    thinned = info.n_drawn < info.n_curves
    out: list[dict[str, Any]] = []
    ends: list[dict[str, Any]] = []
    # Completed curves are drawn last, over the others; the legend keeps the order of STATES.
    for rank, g in reversed(list(enumerate(info.groups))):
        if not len(g.numbers):
            continue
        count = f"{len(g.numbers)} of {g.total}" if len(g.numbers) < g.total else f"{g.total}"
        out.append(
            {
                "type": "scatter",  # a line of SVG is one path, however many points
                "x": g.x,
                "y": g.y,
                "customdata": g.trial,
                "mode": "lines+markers" if n_points <= 200 else "lines",
                "name": f"{g.state} ({count})",
                "legendgroup": g.state,
                "legendrank": rank,
                "line": {"color": colours[g.state], "width": 1},
                "marker": {"size": 4},
                "opacity": 0.4 if thinned else 0.8,
                "hovertemplate": f"trial %{{customdata}}<br>step %{{x}}<br>{info.label} "
                f"%{{y:.6g}}<extra>{g.state}</extra>",
            }
        )
        if g.state == "pruned":
            ends.append(
                {"type": "scatter", "x": g.end_x, "y": g.end_y, "customdata": g.numbers,
                 "mode": "markers", "name": "pruned here", "legendgroup": g.state,
                 "showlegend": False,
                 "marker": {"symbol": "x", "size": 7, "color": colours[g.state]},
                 "hovertemplate": f"trial %{{customdata}} pruned at step %{{x}}<br>"
                 f"{info.label} %{{y:.6g}}<extra></extra>"}
            )  # fmt: skip
    out += ends
    if info.band is not None:
        # Drawn over the curves, with visible edges: the sampled curves under it may not show
        # where most trials are.
        b = info.band
        edge = {"type": "scatter", "x": b.steps, "mode": "lines", "legendgroup": "band"}
        dashed = {"line": {"color": "black", "width": 1, "dash": "dot"}, "legendrank": 10}
        out += [
            {**edge, **dashed, "y": b.low, "showlegend": False, "name": "10%"},
            {**edge, **dashed, "y": b.high, "fill": "tonexty", "name": "10-90% of all trials",
             "fillcolor": "rgba(0, 0, 0, 0.2)"},
            {**edge, "y": b.median, "line": {"color": "black", "width": 3},
             "name": "median of all trials", "legendrank": 11},
        ]  # fmt: skip
    return out


def layout(info: IntermediateValuesInfo) -> dict[str, Any]:
    drawn = f" ({info.n_drawn} of {info.n_curves} drawn)" if info.n_drawn < info.n_curves else ""
    steps = [g.x for g in info.groups if len(g.x)]
    last = max((float(np.nanmax(x)) for x in steps), default=0.0)
    xaxis: dict[str, Any] = {"title": {"text": "step"}}
    if last <= 10:  # a few steps: one tick each, not 0.5 steps
        xaxis.update(tick0=0, dtick=1)
    return {
        "title": {"text": f"Learning curves{drawn}"},
        "xaxis": xaxis,
        "yaxis": {"title": {"text": info.label}},
        "margin": {"l": 60, "r": 10, "t": 40, "b": 40},
        "height": 360,
        "legend": {"orientation": "h", "y": -0.2},
    }


def plot_intermediate_values(
    study: Any, max_curves: int = MAX_CURVES, band: bool | None = None
) -> go.Figure:
    """The learning curves of ``study`` (a :class:`~nas_notebook.Search` or Optuna study): each
    trial's reported intermediate values, coloured by state; pruned curves end in an ``x``.
    The values are named after the objective's metric when the study names it.

    Args:
        study: The search or study.
        max_curves: At most this many curves per state are drawn: the best by last value and a
            random sample of the others.
        band: Whether to draw the median and 10-90% band of all curves per step; by default
            when curves were left out.

    Example:
        >>> import optuna
        >>> def objective(trial):
        ...     x = trial.suggest_float("x", 0, 1)
        ...     for step in range(3):
        ...         trial.report(x / (step + 1), step)
        ...     return x / 3
        >>> study = optuna.create_study()
        >>> study.optimize(objective, n_trials=3)
        >>> [trace.name for trace in plot_intermediate_values(study).data]
        ['complete (3)']
        >>> plot_intermediate_values(study).layout.yaxis.title.text
        'intermediate value'
    """
    cols, directions = columns_and_directions(study)
    names = metric_names(study)
    info = _get_intermediate_values_info(cols, directions[0], max_curves, band, names)
    message = waiting(info)
    if message:
        return go.Figure(layout=message_layout("Learning curves", message, 360))
    return go.Figure(data=traces(info), layout=layout(info))
