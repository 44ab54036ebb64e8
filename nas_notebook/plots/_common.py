"""Helpers shared by the plot modules: accept a Search, an Optuna study, a snapshot, columns or
a list of trials, and thin a large set of points to what a plot can show."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.trial import FrozenTrial, TrialState

from .._schema import read_priors
from ..study import TrialColumns

__all__ = [
    "BLUES",
    "LOG_AXIS",
    "WEBGL_THRESHOLD",
    "Target",
    "axis_kind",
    "best_of",
    "check_params",
    "choice_labels",
    "columns_and_directions",
    "decimate",
    "default_direction",
    "direction_of",
    "message_layout",
    "metric_names",
    "objective_label",
    "param_names",
    "power_label",
    "target_values",
    "trials_of",
]

#: Above this many points a scatter trace switches to WebGL. The plots draw at most this many
#: points a trace (a Pareto front, drawn whole, aside), as SVG: WebGL drawn on the CPU (a browser
#: without a GPU, as on many remote desktops) costs more to set up than those markers to draw.
WEBGL_THRESHOLD = 2000

#: The sequential blue scale, light to dark, spelled out: plotly.js's own ``"Blues"`` runs the
#: other way (dark blue to grey) from plotly.py's, so a figure drawn in the dashboard and the same
#: figure shown by plotly.py would disagree on which end is dark.
BLUES: list[list[Any]] = [
    [k / 8, color]
    for k, color in enumerate(
        ["rgb(247,251,255)", "rgb(222,235,247)", "rgb(198,219,239)", "rgb(158,202,225)",
         "rgb(107,174,214)", "rgb(66,146,198)", "rgb(33,113,181)", "rgb(8,81,156)",
         "rgb(8,48,107)"]
    )
]  # fmt: skip

#: How every log axis is drawn: ticks at powers of ten written as powers (10⁻⁴, 10⁻³), never a
#: mix of SI prefixes and decimals ("100µ" next to "0.001").
LOG_AXIS: dict[str, Any] = {"type": "log", "exponentformat": "power"}


def trials_of(source: Any) -> list[FrozenTrial]:
    """The trials of a :class:`~nas_notebook.Search`, an ``optuna.Study`` or a snapshot."""
    if hasattr(source, "snapshot") and callable(source.snapshot):
        return list(source.snapshot().trials)
    if isinstance(source, optuna.Study):
        return source.get_trials(deepcopy=False)
    if isinstance(source, TrialColumns):
        return source.trials
    if hasattr(source, "trials"):
        return list(source.trials)
    if isinstance(source, (list, tuple)):
        return list(source)
    raise TypeError(f"expected a Search or an optuna.Study, got {type(source).__name__}")


def direction_of(source: Any) -> str:
    """``minimize`` or ``maximize`` for the first objective of ``source``."""
    study = getattr(source, "study", source)
    return str(study.directions[0].name.lower())


def columns_and_directions(source: Any) -> tuple[TrialColumns, list[str]]:
    """Columns of ``source`` (a Search, a Snapshot, an ``optuna.Study``) and its directions.

    A Search or Snapshot reuses its incrementally updated columns; a study is converted.
    """
    if hasattr(source, "snapshot") and callable(source.snapshot):
        snapshot = source.snapshot()
        return snapshot.columns(), list(snapshot.directions)
    if hasattr(source, "columns") and hasattr(source, "directions"):
        return source.columns(), list(source.directions)
    if isinstance(source, optuna.Study):
        directions = [d.name.lower() for d in source.directions]
        cols = TrialColumns(n_objectives=len(directions))
        cols.update(source.get_trials(deepcopy=False))
        cols.priors = read_priors(source)
        return cols, directions
    raise TypeError(f"expected a Search or an optuna.Study, got {type(source).__name__}")


def metric_names(source: Any) -> list[str] | None:
    """The objectives' names of ``source``: a Search's or StudyView's ``metrics``, else the
    study's ``metric_names`` (``optuna.Study.set_metric_names``); None when they have none.

    Example:
        >>> import optuna
        >>> study = optuna.create_study(directions=["maximize", "minimize"])
        >>> metric_names(study) is None
        True
        >>> study.set_metric_names(["accuracy", "latency"])
        >>> metric_names(study)
        ['accuracy', 'latency']
    """
    metrics = getattr(source, "metrics", None)
    if isinstance(metrics, (list, tuple)) and metrics and all(isinstance(m, str) for m in metrics):
        return list(metrics)
    study = source if isinstance(source, optuna.Study) else getattr(source, "study", None)
    if isinstance(study, optuna.Study):
        names = study.metric_names
        if names:
            return [str(name) for name in names]
    return None


def objective_label(index: int, n_objectives: int, names: Sequence[str] | None = None) -> str:
    """What objective ``index`` is called on an axis: its metric's name when known, else
    ``objective`` (``objective 0``, ``objective 1``... with several).

    Example:
        >>> objective_label(0, 1), objective_label(1, 2), objective_label(0, 1, ["accuracy"])
        ('objective', 'objective 1', 'accuracy')
    """
    if names is not None and 0 <= index < len(names) and names[index]:
        return str(names[index])
    return "objective" if n_objectives == 1 else f"objective {index}"


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_label(value: float) -> str:
    """A log axis tick written as plotly writes those of :data:`LOG_AXIS` (``10⁻⁴``, ``1``,
    ``10``, ``10³``), a tick between powers as ``2·10⁻⁴``: for axes given their tick texts, as
    parallel coordinates are.

    Example:
        >>> [power_label(v) for v in (1e-4, 2e-4, 0.5, 1, 20, 1000)]
        ['10⁻⁴', '2·10⁻⁴', '5·10⁻¹', '1', '20', '10³']
    """
    if not np.isfinite(value) or value <= 0:
        return f"{value:g}"
    exponent = int(np.floor(np.log10(value) + 1e-9))
    mantissa = round(value / 10.0**exponent, 2)
    if exponent in (0, 1):
        return f"{value:.3g}"
    power = "10" + str(exponent).translate(_SUPERSCRIPT)
    return power if mantissa == 1 else f"{mantissa:g}·{power}"


def message_layout(title: str, message: str, height: int = 320) -> dict[str, Any]:
    """The layout of a plot with nothing to draw yet: ``message`` where the plot would be, no
    empty grid.

    Example:
        >>> layout = message_layout("History", "Waiting for the first trial to finish.")
        >>> layout["annotations"][0]["text"], layout["xaxis"]
        ('<i>Waiting for the first trial to finish.</i>', {'visible': False})
    """
    hidden = {"visible": False}
    note = {"text": f"<i>{message}</i>", "showarrow": False, "xref": "paper", "yref": "paper"}
    note.update(x=0.5, y=0.5, font={"size": 14, "color": "#555"})
    return {
        "title": {"text": title},
        "xaxis": hidden,
        "yaxis": hidden,
        "annotations": [note],
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "height": height,
        "plot_bgcolor": "rgba(0, 0, 0, 0)",
    }


def decimate(n: int, limit: int, keep: np.ndarray | None = None, seed: int = 0) -> np.ndarray:
    """Indices of at most ``limit`` of ``n`` points: every index in ``keep`` (the best ones,
    say) plus an even random sample of the rest, in increasing order.

    Drawing more points than a plot has pixels costs time and bytes and shows nothing more.

    Example:
        >>> decimate(5, 10).tolist()
        [0, 1, 2, 3, 4]
        >>> len(decimate(10_000, 100, keep=np.array([7])))
        100
    """
    if n <= limit:
        return np.arange(n)
    kept = np.unique(keep) if keep is not None and len(keep) else np.zeros(0, dtype=np.int64)
    kept = kept[:limit]
    rest = np.setdiff1d(np.arange(n), kept, assume_unique=True)
    rng = np.random.default_rng(seed)
    sample = rng.choice(rest, size=limit - len(kept), replace=False)
    return np.sort(np.concatenate([kept, sample]))


def axis_kind(dist: BaseDistribution) -> str:
    """``categorical``, ``log`` or ``linear``: how a parameter's axis is scaled."""
    if isinstance(dist, CategoricalDistribution):
        return "categorical"
    return "log" if getattr(dist, "log", False) else "linear"


def choice_labels(dist: BaseDistribution) -> tuple[str, ...] | None:
    if isinstance(dist, CategoricalDistribution):
        return tuple(str(c) for c in dist.choices)
    return None


#: What a plot's ``target`` may be: an objective's index, ``"duration"`` or a numeric user
#: attribute's name, or (as in ``optuna.visualization``) a function of a trial giving a number.
Target = int | str | Callable[[FrozenTrial], float] | None


def target_values(
    cols: TrialColumns,
    target: Target,
    target_name: str | None = None,
    names: Sequence[str] | None = None,
) -> tuple[np.ndarray, str]:
    """The column for ``target`` -- an objective index (None: the first), ``"duration"``, a
    numeric user attribute such as a reported latency, or a function of a completed trial (NaN
    for the other trials) -- and its title (``target_name`` when given; an objective's metric
    name from ``names``, one per objective, when known)."""
    if target is None:
        target = 0
    if callable(target):
        column = np.full(cols.n, np.nan)
        trials = cols.trials
        for row in np.flatnonzero(cols.mask(TrialState.COMPLETE)).tolist():
            column[row] = float(target(trials[row]))
        return column, target_name or "target"
    if isinstance(target, str):
        if target == "duration":
            return cols.duration, target_name or "duration"
        attrs = cols.attrs
        if target not in attrs:
            known = ", ".join(["'duration'", *map(repr, sorted(attrs))])
            raise ValueError(
                f"target: {target!r} is neither an objective index nor a numeric user "
                f"attribute (known: {known})"
            )
        return attrs[target], target_name or target
    if isinstance(target, bool) or not 0 <= target < cols.n_objectives:
        raise ValueError(f"target: no objective {target} in a {cols.n_objectives}-objective study")
    label = objective_label(target, cols.n_objectives, names)
    return cols.values[:, target], target_name or label


def param_names(params: str | Sequence[str]) -> list[str]:
    """``params`` as a list; a single name is a list of one (not of its characters)."""
    return [params] if isinstance(params, str) else list(params)


def default_direction(directions: Sequence[str], target: Target) -> str:
    """The direction of objective ``target``; ``minimize`` for a user attribute (a latency, a
    size) or a function of the trials (as Optuna's plots take it), or for an index out of range
    (reported by :func:`target_values`)."""
    if target is None:
        target = 0
    if callable(target) or isinstance(target, str) or not 0 <= target < len(directions):
        return "minimize"
    return directions[target]


def check_params(cols: TrialColumns, params: Sequence[str]) -> None:
    for name in params:
        if name not in cols.distributions:
            known = ", ".join(map(repr, cols.distributions)) or "none"
            raise ValueError(f"params: unknown parameter {name!r} (the study has: {known})")


def best_of(y: np.ndarray, direction: str, count: int) -> np.ndarray:
    """Indices of the ``count`` best of ``y``, in no particular order."""
    if count >= len(y):
        return np.arange(len(y))
    return np.argpartition(y if direction == "minimize" else -y, count)[:count]
