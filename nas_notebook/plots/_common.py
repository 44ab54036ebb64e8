"""Helpers shared by the plot modules: accept a Search, an Optuna study, a snapshot, columns or
a list of trials, and thin a large set of points to what a plot can show."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.trial import FrozenTrial, TrialState

from ..study import TrialColumns

__all__ = [
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
    "param_names",
    "target_values",
    "trials_of",
]

#: Above this many points a scatter trace switches to WebGL.
WEBGL_THRESHOLD = 2000


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
        return cols, directions
    raise TypeError(f"expected a Search or an optuna.Study, got {type(source).__name__}")


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
    cols: TrialColumns, target: Target, target_name: str | None = None
) -> tuple[np.ndarray, str]:
    """The column for ``target`` -- an objective index (None: the first), ``"duration"``, a
    numeric user attribute such as a reported latency, or a function of a completed trial (NaN
    for the other trials) -- and its title (``target_name`` when given)."""
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
    label = "objective" if cols.n_objectives == 1 else f"objective {target}"
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
