"""The Pareto front of a multi-objective study's completed trials."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from optuna.study._multi_objective import _is_pareto_front

__all__ = ["direction_names", "pareto_rows"]


def direction_names(directions: Sequence[Any]) -> list[str]:
    """``"minimize"``/``"maximize"`` for each direction (names or ``StudyDirection``).

    Example:
        >>> import optuna
        >>> direction_names([optuna.study.StudyDirection.MAXIMIZE, "minimize"])
        ['maximize', 'minimize']
    """
    names = [str(getattr(d, "name", d)).lower() for d in directions]
    if any(name not in ("minimize", "maximize") for name in names):
        raise ValueError(f"directions must be 'minimize' or 'maximize', got {list(directions)}")
    return names


def pareto_rows(values: Any, directions: Sequence[Any]) -> np.ndarray:
    """Row indices of the non-dominated rows of ``values``, in increasing order.

    ``values`` has one row per COMPLETE trial and one column per objective; ``directions`` are
    ``"minimize"``/``"maximize"`` (or ``StudyDirection``) per column. Rows holding a NaN (a trial
    with no values) are never on the front. Equal rows are all on the front or all off it, as in
    ``Study.best_trials``.

    Example:
        >>> pareto_rows([[1, 5], [2, 2], [3, 3], [4, 1]], ["minimize", "minimize"]).tolist()
        [0, 1, 3]
        >>> pareto_rows([[1, 5], [2, 2], [3, 3], [4, 1]], ["maximize", "maximize"]).tolist()
        [0, 2, 3]
    """
    signs = np.array([-1.0 if d == "maximize" else 1.0 for d in direction_names(directions)])
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        values = values.reshape(0, len(signs))
    if values.ndim != 2 or values.shape[1] != len(signs):
        raise ValueError(f"values of shape {values.shape} for {len(signs)} objectives")
    rows = np.flatnonzero(~np.isnan(values).any(axis=1))
    if not len(rows):
        return rows
    # Optuna's own helper (used for ``Study.best_trials``): a lexsort then a sweep, O(n log n)
    # for two objectives.
    return rows[_is_pareto_front(values[rows] * signs, assume_unique_lexsorted=False)]
