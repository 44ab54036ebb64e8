"""Optimization history: every completed trial's value and the best value so far, with the
pruned trials at their last reported value and the failed ones apart."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import plotly.graph_objects as go
from optuna.trial import FrozenTrial, TrialState

from ..study import columns_of
from ._common import (
    Target,
    best_of,
    columns_and_directions,
    decimate,
    default_direction,
    message_layout,
    metric_names,
)
from ._history_band import (
    OptimizationHistoryBand,
    band_traces,
    get_band_info,
    history_column,
    history_label,
)
from ._history_others import (
    FAILED_COLOR,
    PRUNED_COLOR,
    WARM_COLOR,
    OtherTrials,
    other_traces,
    other_trials,
    warm_trials,
)

__all__ = [
    "OptimizationHistoryBand",
    "OptimizationHistoryInfo",
    "OtherTrials",
    "plot_optimization_history",
]

#: At most this many completed trials are drawn, as SVG markers (WebGL, without a GPU, costs
#: the browser more to set up than these cost to draw); the best-so-far line is always exact.
MAX_POINTS = 1000
#: Of those, the trials with the best this many values are always drawn, as is every trial that
#: improved on the ones before it (a step of the best-so-far line).
KEEP_BEST = 200
#: At most about this many markers in all: where many pruned and failed trials are drawn, fewer
#: completed ones are (never under half of :data:`MAX_POINTS`).
MAX_MARKERS = 2000

#: The best-so-far line of a single study (the study's colour when several are drawn).
BEST_COLOR = "#444444"


class OptimizationHistoryInfo(NamedTuple):
    """What the plot draws, computed from trials alone (tests check this, not the figure).

    ``numbers``/``values`` are every completed trial's (``objective``: which objective of a
    multi-objective study; or a target named ``label``); ``best_numbers``/``best_values`` are
    the steps of the best-so-far line (the trials that improved on every earlier one, named
    ``best_label``), empty for a target whose better way is not known (a function of the
    trials, as in Optuna). ``pruned`` and ``failed`` are drawn apart (None: not drawn), as are
    the trials a warm start copied from other studies (``warm``).
    """

    numbers: np.ndarray
    values: np.ndarray
    best_numbers: np.ndarray
    best_values: np.ndarray
    direction: str
    objective: int
    label: str = "objective"
    has_best: bool = True
    best_label: str = "best so far"
    pruned: OtherTrials | None = None
    failed: OtherTrials | None = None
    warm: OtherTrials | None = None

    @property
    def strip(self) -> bool:
        """Whether some pruned or failed trial drawn has no value (drawn in the strip)."""
        others = (self.pruned, self.failed, self.warm)
        return any(o is not None and np.isnan(o.values).any() for o in others)

    @property
    def shown(self) -> np.ndarray:
        """Indices into ``numbers`` of the points drawn: all, or at most :data:`MAX_POINTS`
        (fewer beside many pruned and failed trials, see :data:`MAX_MARKERS`): every step of
        the best-so-far line, the :data:`KEEP_BEST` best values and an even sample of the
        others."""
        others = sum(len(o.numbers) for o in (self.pruned, self.failed, self.warm) if o is not None)
        limit = min(MAX_POINTS, max(MAX_MARKERS - others, MAX_POINTS // 2))
        if len(self.numbers) <= limit:
            return np.arange(len(self.numbers))
        steps = np.searchsorted(self.numbers, self.best_numbers)
        best = best_of(self.values, self.direction, KEEP_BEST)
        return decimate(len(self.numbers), limit, keep=np.r_[steps, best])


def _get_optimization_history_info(
    source: Any,
    direction: str = "minimize",
    objective: int = 0,
    target: Target = None,
    target_name: str | None = None,
    names: Sequence[str] | None = None,
    others: bool = True,
) -> OptimizationHistoryInfo:
    """The info of ``source`` (trials or :class:`~nas_notebook.study.TrialColumns`).

    ``names`` are the objectives' metric names (None: ``objective``); ``others``: whether the
    pruned and failed trials are drawn too.
    """
    cols = columns_of(source)
    done = cols.mask(TrialState.COMPLETE) & ~cols.warm  # a warm start's trials: drawn apart
    numbers = cols.number[done]
    label, best_label = history_label(objective, target, target_name, names)
    pruned = failed = warm = None
    if cols.n:
        column, label, has_best = history_column(cols, objective, target, target_name, names)
        values = column[done]
        if others:
            index = objective if target is None else target
            reported = index == 0 and not isinstance(index, bool) and cols.n_objectives == 1
            pruned = other_trials(cols, TrialState.PRUNED, column, label, reported)
            failed = other_trials(cols, TrialState.FAIL, column, label, False)
            warm = warm_trials(cols, column, label) if cols.warm.any() else None
    else:
        values, has_best = np.zeros(0), target is None
    order = np.argsort(numbers, kind="stable")
    numbers, values = numbers[order], values[order]
    ok = ~np.isnan(values)
    numbers, values = numbers[ok], values[ok]
    if len(values) and has_best:
        accumulate = np.fmin.accumulate if direction == "minimize" else np.fmax.accumulate
        best = accumulate(values)
        improved = np.concatenate([[True], best[1:] != best[:-1]])
    else:
        best, improved = values[:0], np.zeros(0, dtype=bool)
    return OptimizationHistoryInfo(
        numbers, values, numbers[improved], best[improved], direction, objective, label,
        has_best, best_label, pruned, failed, warm,
    )  # fmt: skip


def waiting(info: OptimizationHistoryInfo | OptimizationHistoryBand) -> str | None:
    """What the plot waits for before it has anything to draw (None: it has)."""
    others = [getattr(info, name, None) for name in ("pruned", "failed", "warm")]
    if len(info.numbers) or any(o is not None and len(o.numbers) for o in others):
        return None
    return "Waiting for the first trial to finish."


_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def traces(
    info: OptimizationHistoryInfo, of: str = "", color: str = _COLORS[0]
) -> list[dict[str, Any]]:
    """Trace data for the info (used by the static figure and by live figure updates); ``of``
    names the study when several are drawn."""
    shown = info.shown
    # The best-so-far line runs on to the last completed trial.
    best_x, best_y = info.best_numbers, info.best_values
    if len(info.numbers) and len(best_x) and best_x[-1] != info.numbers[-1]:
        best_x = np.append(best_x, info.numbers[-1])
        best_y = np.append(best_y, best_y[-1])
    out: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "x": info.numbers[shown],
            "y": info.values[shown],
            "mode": "markers",
            "name": info.label + of,
            "marker": {"size": 6 if len(shown) < 1000 else 4, "color": color},
            "hovertemplate": f"trial %{{x}}<br>{info.label} %{{y:.6g}}<extra></extra>",
        }
    ]
    if info.has_best:
        out.append(
            {
                "type": "scatter",
                "x": best_x,
                "y": best_y,
                "mode": "lines",
                "name": info.best_label + of,
                "line": {"color": BEST_COLOR if not of else color, "shape": "hv"},
                "hovertemplate": f"trial %{{x}}<br>{info.best_label} %{{y:.6g}}<extra></extra>",
            }
        )
    for name, group, color, symbol in (
        ("pruned", info.pruned, PRUNED_COLOR, "x"),
        ("failed", info.failed, FAILED_COLOR, "triangle-down"),
        ("warm start", info.warm, WARM_COLOR, "circle-open"),
    ):
        if group is not None and len(group.numbers):
            out += other_traces(name, group, color, symbol)
    return out


def layout(info: OptimizationHistoryInfo | OptimizationHistoryBand) -> dict[str, Any]:
    out: dict[str, Any] = {
        "title": {"text": f"Optimization history ({info.direction})"},
        "xaxis": {"title": {"text": "trial"}},
        "yaxis": {"title": {"text": info.label}},
        "margin": {"l": 60, "r": 10, "t": 40, "b": 40},
        "height": 340,
        "legend": {"orientation": "h", "y": -0.25},
    }
    if isinstance(info, OptimizationHistoryInfo) and info.strip:
        # Trials without a value go in a strip of their own under the plot: wherever they sat
        # on the value axis, they would stretch its range.
        out["xaxis"]["anchor"] = "y2"
        out["yaxis"]["domain"] = [0.14, 1.0]
        out["yaxis2"] = {
            "domain": [0.0, 0.09], "range": [0, 1], "anchor": "x", "fixedrange": True,
            "tickvals": [0.5], "ticktext": ["no value"], "showgrid": False, "zeroline": False,
        }  # fmt: skip
    return out


def _several(study: Any) -> list[Any] | None:
    """The studies of a list or tuple of studies or searches (not of trials), else None."""
    if isinstance(study, (list, tuple)) and study and not isinstance(study[0], FrozenTrial):
        return list(study)
    return None


def plot_optimization_history(
    study: Any,
    objective: int = 0,
    *,
    target: Target = None,
    target_name: str | None = None,
    error_bar: bool = False,
) -> go.Figure:
    """The optimization history of ``study`` (a :class:`~nas_notebook.Search` or Optuna study,
    or a list of them): every completed trial's value and the best value so far, named after
    the objective's metric when the study names it. Of a single study, the pruned trials are
    drawn at their last reported value and the failed ones in a strip under the plot.

    Takes the arguments of ``optuna.visualization.plot_optimization_history`` too, with their
    meaning.

    Args:
        study: The search or study, or a list of them to compare (each drawn in its colour).
        objective: Which objective of a multi-objective study.
        target: What to draw instead of an objective: a function of a completed trial giving a
            number (as in Optuna), ``"duration"`` or a numeric user attribute's name. It has no
            best-so-far line, as its better way is not known.
        target_name: The name of the values on the axis and in the legend.
        error_bar: With several studies, draw them as one: the mean and standard deviation of
            their values at each trial number, and of their best so far.

    Raises:
        ValueError: No such ``objective`` or ``target``, or both ``target`` and ``objective``.

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        >>> len(plot_optimization_history(study).data)
        2
        >>> study.set_metric_names(["loss"])
        >>> plot_optimization_history(study).layout.yaxis.title.text
        'loss'
    """
    if target is not None and objective != 0:
        raise ValueError("give `target` or `objective`, not both")
    several = _several(study)
    names = [metric_names(s) for s in (several or [study])]
    sources = [columns_and_directions(s) for s in (several or [study])]
    for _, directions in sources:
        if not 0 <= objective < len(directions):
            raise ValueError(
                f"objective: no objective {objective} in a {len(directions)}-objective study"
            )
    picked = [
        (cols, directions[objective] if target is None else default_direction(directions, target))
        for cols, directions in sources
    ]
    if error_bar:
        band = get_band_info(picked, objective, target, target_name, names[0])
        return go.Figure(data=band_traces(band), layout=layout(band))
    infos = [
        _get_optimization_history_info(
            cols, direction, objective, target, target_name, own, others=several is None
        )
        for (cols, direction), own in zip(picked, names)
    ]
    message = waiting(infos[0]) if several is None else None
    if message:
        return go.Figure(layout=message_layout("Optimization history", message, 340))
    if several is None:
        return go.Figure(data=traces(infos[0]), layout=layout(infos[0]))
    data = []
    for k, (info, item) in enumerate(zip(infos, several)):
        name = getattr(getattr(item, "study", item), "study_name", f"study {k}")
        data += traces(info, f" of {name}", _COLORS[k % len(_COLORS)])
    return go.Figure(data=data, layout=layout(infos[0]))
