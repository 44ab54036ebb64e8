"""A pruner that predicts where a trial's learning curve ends and stops it when even an
optimistic reading of that prediction does not beat the best trial so far.

At each reported step from ``min_steps`` on, the trial's final value is predicted from its curve
so far, by one of two models:

* ``study`` (the default): the study's own completed curves say how curves that stood where
  this one stands ended. A line is fitted, by least squares, to their final values against their
  level at the same step (the mean of their last :data:`SMOOTH` reports up to it: one report is
  noisy), and the trial's level is read off that line. Every curve of a study learns the same
  task, so how high curves end from a given height is what they share most; on the tabulated
  benchmark this reads a curve's end far better than the curve alone does.
* ``families``: the trial's curve alone is extrapolated by parametric families fitted to it
  (:func:`~nas_notebook.algorithms._curves.extrapolate`, after Domhan et al. 2015) to the last
  step of the study's completed trials.

How far off such predictions are is measured on the study's own completed curves: each is cut
at the same step, predicted the same way, and compared with the trial's value (its last report,
or whatever the body returned). The ``quantile`` of those errors (how much a curve beat its
prediction) is added to the trial's prediction; with ``neighbours``, only the errors of the
completed curves nearest to the trial's own up to that step count. The trial is stopped when
that optimistic prediction is still below the best completed trial's final value. With fewer
than ``n_startup_trials`` completed curves nothing is stopped.

With ``pause=True`` such a trial is *paused* instead (its body saved a checkpoint), as the
promotion type of ASHA pauses trials: it comes back, from its checkpoint, once the same reading
says it may beat the best after all -- the line and the errors are refitted as more trials
complete, and a study whose curves turn out to rise later than predicted lifts every paused
trial's reading. Trials still paused when the search ends are recorded as pruned. No trial
pauses at the last step of the completed trials (it has nothing left to run).

Who calls what: Optuna calls :meth:`CurveExtrapolationPruner.prune` on the thread that runs
the trial (``should_prune``); with ``pause``, ``report`` calls :meth:`~CurveExtrapolationPruner.
should_pause` there instead and the driver (on a lane's thread) calls :meth:`~CurveExtrapolation
Pruner.promotable` whenever a worker is free. The fit for a step is kept until more trials
complete; with ``families`` a paused trial's extrapolation is kept while it is paused (its curve
does not change).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from typing import Any

import numpy as np
import optuna
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from .._schema import study_id
from ._cache import Finished, StudyCache
from ._curves import extrapolate

__all__ = ["CurveExtrapolationPruner"]

#: At most this many of the latest completed curves calibrate a step's predictions.
CALIBRATION_CURVES = 20
#: How many of a curve's last values (up to the step judged) tell which curves are near it.
PREFIX = 3
#: How many of a curve's last reports (up to the step judged) make its level (``study``).
SMOOTH = 2
#: The models of a curve's end (see the module docstring).
MODELS = ("study", "families")


def _curve(trial: FrozenTrial, sign: float) -> tuple[np.ndarray, np.ndarray]:
    steps = np.asarray(sorted(trial.intermediate_values), dtype=float)
    values = np.asarray([trial.intermediate_values[int(s)] for s in steps], dtype=float)
    return steps, sign * values


def _bucket(completed: int) -> int:
    """The fits are redone as more curves complete, not at every one (``families`` fits every
    curve): each count of completed curves is read as this one."""
    return completed if completed < 10 else completed - completed % max(5, completed // 10)


def _line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """``y ~ a + b * x`` by least squares, ``b >= 0`` (a curve higher now does not end lower)."""
    spread = float(np.var(x))
    slope = max(0.0, float(np.mean((x - x.mean()) * (y - y.mean()))) / spread) if spread else 0.0
    return float(y.mean() - slope * x.mean()), slope


#: What a step's calibration keeps: the completed curves' last values, their errors, the line.
_Fit = tuple[np.ndarray, np.ndarray, "tuple[float, float] | None"]


class _Completed:
    """What the pruner keeps of a study's completed curves (see ``_completed``)."""

    __slots__ = ("best", "curves", "finished", "last")

    def __init__(self) -> None:
        self.finished = Finished()
        self.curves: list[FrozenTrial] = []
        self.best = -math.inf
        self.last = 0


class CurveExtrapolationPruner(optuna.pruners.BasePruner):
    """Stop trials whose extrapolated learning curve cannot beat the best (see the module
    docstring).

    Args:
        min_steps: Reported steps a curve needs before it is judged (None: 1 with ``study``,
            2 with ``families``, which fit a curve).
        n_startup_trials: Completed curves needed before anything is stopped.
        quantile: How optimistic the reading is: the quantile of the calibration errors added
            to a prediction (higher: fewer trials stopped).
        neighbours: How many of the completed curves nearest to the trial's calibrate its
            prediction (0: all of them; on the tabulated benchmark all of them did better).
        model: ``study`` (a line through the study's completed curves) or ``families`` (the
            trial's curve extrapolated by parametric families); see the module docstring.
        pause: Pause such trials (to resume them if the reading changes) rather than stop
            them; needs bodies that call :func:`~nas_notebook.checkpoint` and
            :func:`~nas_notebook.restore`, and an executor that resumes trials.

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
        self,
        min_steps: int | None = None,
        n_startup_trials: int = 5,
        quantile: float = 0.9,
        neighbours: int = 0,
        pause: bool = False,
        model: str = "study",
    ) -> None:
        if model not in MODELS:
            raise ValueError(f"model: one of {', '.join(MODELS)}, got {model!r}")
        if min_steps is None:
            min_steps = 1 if model == "study" else 2
        if isinstance(min_steps, bool) or not isinstance(min_steps, int) or min_steps < 1:
            raise ValueError(f"min_steps: a positive integer, got {min_steps!r}")
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
        if isinstance(neighbours, bool) or not isinstance(neighbours, int) or neighbours < 0:
            raise ValueError(f"neighbours: an integer >= 0, got {neighbours!r}")
        if not isinstance(pause, bool):
            raise ValueError(f"pause: True or False, got {pause!r}")
        self.model = model
        self.quantile = float(quantile)
        self.neighbours = neighbours
        self.pause = pause
        # (study id, step, last step, completed trials counted) -> (prefixes, errors, line)
        self._margins: dict[tuple[Any, ...], _Fit] = {}
        # (study id, trial number, step, last step) -> the paused trial's prediction
        self._predictions: dict[tuple[Any, ...], float] = {}
        # (study id, fits, best, last step) under which no paused trial could come back
        self._hopeless: set[tuple[Any, ...]] = set()
        self._lock = threading.Lock()
        self._studies: StudyCache[_Completed] = StudyCache(_Completed)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_margins"], state["_predictions"], state["_lock"] = {}, {}, None
        state["_hopeless"] = set()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    @property
    def promotes(self) -> bool:
        """Whether the driver resumes paused trials (``pause=True``)."""
        return self.pause

    def prune(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        return not self.pause and self._reading(study, trial, cached=False) is False

    def should_pause(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        """With ``pause``: True when the trial must pause at the step it has just reported."""
        return self.pause and self._reading(study, trial, cached=False) is False

    def promotable(self, study: optuna.Study, paused: Mapping[int, Any]) -> int | None:
        """The paused trial (by number) to resume now, or None: of those whose optimistic
        prediction now beats the best, the one predicted highest."""
        if not paused:
            return None
        sign = 1.0 if study.direction == StudyDirection.MAXIMIZE else -1.0
        context = self._completed(study, sign)
        # Every paused trial was judged unable to beat the best by the fits of its state (how
        # many curves completed, the best, the last step): while it holds, none can come back.
        state = (study_id(study), _bucket(context[1]), context[2], context[3])
        with self._lock:
            if state in self._hopeless:
                return None
        best: tuple[float, int] | None = None
        for t in study.get_trials(deepcopy=False):
            if t.number not in paused:
                continue
            reading = self._reading(study, t, cached=True, context=context)
            if reading is False:
                continue
            # A trial no longer judged (a longer curve completed since) may go on, first.
            value = math.inf if reading is True else float(reading)
            if best is None or value > best[0]:
                best = (value, t.number)
        if best is None:
            with self._lock:
                self._hopeless.add(state)
        return None if best is None else best[1]

    def _reading(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        cached: bool,
        context: tuple[list[FrozenTrial], int, float, int] | None = None,
    ) -> bool | float:
        """The trial's optimistic prediction when it may beat the best, False when it may not,
        True when it is not judged (too early, too few completed curves, no prediction).
        ``context``: :meth:`_completed`'s answer, when the caller has it."""
        step = trial.last_step
        if step is None or len(trial.intermediate_values) < self.min_steps:
            return True
        sign = 1.0 if study.direction == StudyDirection.MAXIMIZE else -1.0
        completed, count, best, last = context or self._completed(study, sign)
        if count < self.n_startup_trials or step >= last:
            return True
        prefixes, errors, line = self._calibration(study, (completed, count), step, last, sign)
        if len(errors) < 3:
            return True
        steps, values = _curve(trial, sign)
        mine = values[steps <= step]
        if line is not None:
            predicted = line[0] + line[1] * float(mine[-SMOOTH:].mean())
        else:
            predicted = self._extrapolation(study, trial, step, last, sign, cached)
        if not np.isfinite(predicted):
            return True
        optimistic = predicted + self._margin(prefixes, errors, mine)
        return float(optimistic) if optimistic >= best else False

    def _completed(
        self, study: optuna.Study, sign: float
    ) -> tuple[list[FrozenTrial], int, float, int]:
        """The study's latest :data:`CALIBRATION_CURVES` completed curves (the latest last),
        how many there are in all, the best value (times ``sign``) and the last step among
        them; only the trials finished since the last call are read
        (:class:`~nas_notebook.algorithms._cache.Finished`)."""
        trials = study.get_trials(deepcopy=False)
        with self._studies.lock:
            entry = self._studies.get(study)
            fresh, _ = entry.finished.scan(trials)
            for t in fresh:
                if t.state == TrialState.COMPLETE and t.intermediate_values and t.value is not None:
                    entry.curves.append(t)
                    entry.best = max(entry.best, sign * float(t.value))
                    entry.last = max(entry.last, max(t.intermediate_values))
            latest = entry.curves[-CALIBRATION_CURVES:]
            return latest, len(entry.curves), entry.best, entry.last

    def _extrapolation(
        self, study: optuna.Study, trial: FrozenTrial, step: int, last: int, sign: float,
        cached: bool,
    ) -> float:  # fmt: skip
        """The trial's curve extrapolated to ``last`` (``families``), kept while it pauses."""
        key = (study_id(study), trial.number, step, last)
        if cached:
            with self._lock:
                known = self._predictions.get(key)
            if known is not None:
                return known
        predicted = extrapolate(*_curve(trial, sign), last)
        if self.pause:
            with self._lock:
                self._predictions[key] = predicted
        return predicted

    def _margin(self, prefixes: np.ndarray, errors: np.ndarray, mine: np.ndarray) -> float:
        """How much the completed curves nearest to ``mine`` (the trial's values up to the
        step), cut at the step, beat their prediction: the ``quantile`` of their errors."""
        if 0 < self.neighbours < len(errors):
            width = min(len(mine), prefixes.shape[1])
            distance = np.abs(prefixes[:, -width:] - mine[-width:]).mean(axis=1)
            errors = errors[np.argsort(distance, kind="stable")[: max(3, self.neighbours)]]
        return float(np.quantile(errors, self.quantile))

    def _calibration(
        self,
        study: optuna.Study,
        completed: tuple[list[FrozenTrial], int],
        step: int,
        last: int,
        sign: float,
    ) -> _Fit:
        """The latest completed curves (and how many completed in all) cut at ``step``: their
        last :data:`PREFIX` values ``(curves, PREFIX)``, how much each beat its prediction, and
        the ``study`` model's line (None with ``families``)."""
        latest, n = completed
        key = (study_id(study), step, last, _bucket(n))
        with self._lock:
            known = self._margins.get(key)
        if known is not None:
            return known
        levels, finals, predictions, prefixes = [], [], [], []
        for t in latest:
            steps, values = _curve(t, sign)
            cut = steps <= step
            if cut.sum() < self.min_steps or steps[-1] < last:
                continue
            # Against the trial's value, which the best is (it need not be the last report).
            final, level = sign * float(t.value), float(values[cut][-SMOOTH:].mean())  # type: ignore[arg-type]
            if self.model == "study" and not (math.isfinite(final) and math.isfinite(level)):
                continue  # a failed or infinite report says nothing of where curves end
            finals.append(final)
            levels.append(level)
            if self.model == "families":
                predictions.append(extrapolate(steps[cut], values[cut], last))
            head = values[cut][-PREFIX:]
            prefixes.append(np.pad(head, (PREFIX - len(head), 0), mode="edge"))
        x, y = np.asarray(levels), np.asarray(finals)
        line = _line(x, y) if self.model == "study" and len(y) else None
        predicted = np.asarray(predictions) if line is None else line[0] + line[1] * x
        found = (np.asarray(prefixes).reshape(len(y), PREFIX), y - predicted, line)
        with self._lock:
            self._margins[key] = found
        return found

    def describe(self) -> dict[str, Any]:
        """The settings, for records and reprs."""
        return {
            "min_steps": self.min_steps,
            "n_startup_trials": self.n_startup_trials,
            "quantile": self.quantile,
            "neighbours": self.neighbours,
            "pause": self.pause,
            "model": self.model,
        }
