"""A pruner that predicts where a trial's learning curve ends and stops it when even an
optimistic reading of that prediction does not beat the best trial so far.

At each reported step from ``min_steps`` on, the trial's curve is extrapolated to the last step
of the study's completed trials (:func:`~nas_notebook.algorithms._curves.extrapolate`). How far
off such extrapolations are is measured on the study's own completed curves: each is cut at the
same step, extrapolated, and compared with how it really ended; the ``quantile`` of those
errors (how much a curve beat its prediction) is added to the trial's prediction. The trial is
stopped when that optimistic prediction is still below the best completed trial's final value.
With fewer than ``n_startup_trials`` completed curves nothing is stopped.

Who calls what: Optuna calls :meth:`CurveExtrapolationPruner.prune` on the thread that runs
the trial (``should_prune``); the calibration for a step is kept until more trials complete.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import optuna
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from .._schema import study_id
from ._curves import extrapolate

__all__ = ["CurveExtrapolationPruner"]

#: At most this many of the latest completed curves calibrate a step's predictions.
CALIBRATION_CURVES = 20


def _curve(trial: FrozenTrial, sign: float) -> tuple[np.ndarray, np.ndarray]:
    steps = np.asarray(sorted(trial.intermediate_values), dtype=float)
    values = np.asarray([trial.intermediate_values[int(s)] for s in steps], dtype=float)
    return steps, sign * values


class CurveExtrapolationPruner(optuna.pruners.BasePruner):
    """Stop trials whose extrapolated learning curve cannot beat the best (see the module
    docstring).

    Args:
        min_steps: Reported steps a curve needs before it is judged.
        n_startup_trials: Completed curves needed before anything is stopped.
        quantile: How optimistic the reading is: the quantile of the calibration errors added
            to a prediction (higher: fewer trials stopped).

    Example:
        >>> import optuna
        >>> pruner = CurveExtrapolationPruner(n_startup_trials=3)
        >>> study = optuna.create_study(direction="maximize", pruner=pruner,
        ...                             sampler=optuna.samplers.RandomSampler(seed=0))
        >>> def body(trial):
        ...     top = trial.suggest_float("top", 0.1, 0.9)
        ...     for step in range(1, 11):
        ...         trial.report(top - 0.5 * top / step, step)
        ...         if trial.should_prune():
        ...             raise optuna.TrialPruned()
        ...     return top - 0.05 * top
        >>> study.optimize(body, n_trials=20)
        >>> any(t.state.name == "PRUNED" for t in study.trials)
        True
    """

    def __init__(
        self, min_steps: int = 2, n_startup_trials: int = 5, quantile: float = 0.9
    ) -> None:
        if isinstance(min_steps, bool) or not isinstance(min_steps, int) or min_steps < 2:
            raise ValueError(f"min_steps: an integer >= 2, got {min_steps!r}")
        if (
            isinstance(n_startup_trials, bool)
            or not isinstance(n_startup_trials, int)
            or n_startup_trials < 1
        ):
            raise ValueError(f"n_startup_trials: a positive integer, got {n_startup_trials!r}")
        if not isinstance(quantile, (int, float)) or not 0.0 <= quantile <= 1.0:
            raise ValueError(f"quantile: a number from 0 to 1, got {quantile!r}")
        self.min_steps = min_steps
        self.n_startup_trials = n_startup_trials
        self.quantile = float(quantile)
        # (study id, step, last step, completed trials counted) -> margin
        self._margins: dict[tuple[Any, ...], float] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_margins"], state["_lock"] = {}, None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def prune(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        step = trial.last_step
        if step is None or len(trial.intermediate_values) < self.min_steps:
            return False
        sign = 1.0 if study.direction == StudyDirection.MAXIMIZE else -1.0
        completed = [
            t
            for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if t.intermediate_values and t.value is not None
        ]
        if len(completed) < self.n_startup_trials:
            return False
        last = max(max(t.intermediate_values) for t in completed)
        if step >= last:
            return False
        best = max(sign * float(t.value) for t in completed)  # type: ignore[arg-type]
        steps, values = _curve(trial, sign)
        predicted = extrapolate(steps, values, last)
        if not np.isfinite(predicted):
            return False
        return predicted + self._margin(study, completed, step, last, sign) < best

    def _margin(
        self, study: optuna.Study, completed: list[FrozenTrial], step: int, last: int, sign: float
    ) -> float:
        """How much a curve cut at ``step`` beat its extrapolation to ``last`` (the quantile of
        the latest completed curves')."""
        n = len(completed)
        # Recalibrated as more curves complete, not at every one (each costs a fit per curve).
        key = (study_id(study), step, last, n if n < 10 else n - n % max(5, n // 10))
        with self._lock:
            margin = self._margins.get(key)
        if margin is not None:
            return margin
        errors = []
        for t in completed[-CALIBRATION_CURVES:]:
            steps, values = _curve(t, sign)
            cut = steps <= step
            if cut.sum() < self.min_steps or steps[-1] < last:
                continue
            errors.append(values[-1] - extrapolate(steps[cut], values[cut], last))
        margin = float(np.quantile(errors, self.quantile)) if len(errors) >= 3 else np.inf
        with self._lock:
            self._margins[key] = margin
        return margin

    def describe(self) -> dict[str, Any]:
        """The settings, for records and reprs."""
        return {
            "min_steps": self.min_steps,
            "n_startup_trials": self.n_startup_trials,
            "quantile": self.quantile,
        }
