"""Stopping-type asynchronous successive halving, with the per-decision cost of a simulated run
in mind.

:class:`AsyncSuccessiveHalving` is Optuna's :class:`~optuna.pruners.SuccessiveHalvingPruner`
with one hot path replaced, same semantics: it keeps the rung values of *finished* trials
between decisions (a finished trial's system attributes never change again), so a decision
reads the rung values of the unfinished trials only, instead of every trial of the study. The
cache is rebuilt from the storage by a new process or a new instance (it is not pickled).
Optuna calls it on the thread that runs the trial (``should_prune``).
"""

from __future__ import annotations

import bisect
import math
from typing import Any

import optuna
from optuna.study import Study
from optuna.trial import FrozenTrial

from .. import _schema
from . import _rungs
from ._cache import Finished, StudyCache

__all__ = ["AsyncSuccessiveHalving"]


class _Rungs:
    """The rung values of a study's finished trials, by rung key, each rung's kept sorted (a
    decision then counts the values that beat it by bisection)."""

    __slots__ = ("finished", "values")

    def __init__(self) -> None:
        self.finished = Finished()
        self.values: dict[str, list[float]] = {}


class AsyncSuccessiveHalving(optuna.pruners.SuccessiveHalvingPruner):
    """Stopping-type asynchronous successive halving: a trial reaching a rung is stopped unless
    its value is in the top ``1 / reduction_factor`` of the values recorded at that rung. The
    arguments and the rung attributes stored on trials are those of Optuna's
    ``SuccessiveHalvingPruner``; every trial that reached the rung competes once.

    Example:
        >>> import optuna
        >>> pruner = AsyncSuccessiveHalving(min_resource=1, reduction_factor=3)
        >>> study = optuna.create_study(pruner=pruner, direction="maximize")
        >>> def body(trial):
        ...     x = trial.suggest_float("x", 0, 1)
        ...     for step in range(1, 10):
        ...         trial.report(x * step, step)
        ...         if trial.should_prune():
        ...             raise optuna.TrialPruned()
        ...     return x
        >>> study.optimize(body, n_trials=20)
        >>> any(t.state.name == "PRUNED" for t in study.trials)
        True
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._studies: StudyCache[_Rungs] = StudyCache(_Rungs)

    def _competing(
        self, study: Study, trial: FrozenTrial, rung_key: str
    ) -> tuple[list[float], list[float]]:
        """The values at ``rung_key`` of every trial but ``trial``: the finished trials' (sorted,
        shared: not to be changed) and the others'."""
        trials = study.get_trials(deepcopy=False)
        with self._studies.lock:
            rungs = self._studies.get(study)
            fresh, unfinished = rungs.finished.scan(trials)
            for done in fresh:
                attrs = done.system_attrs
                for rung, value in enumerate(_rungs.values(attrs)):
                    bisect.insort(rungs.values.setdefault(_schema.rung_key(rung), []), value)
            finished = rungs.values.get(rung_key, [])
        others = []
        for other in unfinished:
            if other.number != trial.number:
                attrs = other.system_attrs
                if rung_key in attrs:
                    others.append(attrs[rung_key])
        return finished, others

    def prune(self, study: Study, trial: FrozenTrial) -> bool:
        step = trial.last_step
        if step is None:
            return False
        if self._min_resource is None:
            # "auto": Optuna's estimate (from completed trials), decided once.
            return super().prune(study, trial)
        rung = _rungs.reached_by(study, trial)
        value = trial.intermediate_values[step]
        maximize = study.direction == optuna.study.StudyDirection.MAXIMIZE
        while True:
            promotion_step = self._min_resource * (
                self._reduction_factor ** (self._min_early_stopping_rate + rung)
            )
            if step < promotion_step:
                return False
            if math.isnan(value):
                return True
            rung_key = _schema.rung_key(rung)
            _schema.set_trial_attr(study, trial, rung_key, value)
            finished, others = self._competing(study, trial, rung_key)
            n = len(finished) + len(others) + 1
            if n <= self._bootstrap_count:
                return True
            keep = max(n // self._reduction_factor, 1)
            # In the top `keep` when fewer than `keep` values beat it (ties do not).
            if maximize:
                better = len(finished) - bisect.bisect_right(finished, value)
                better += sum(v > value for v in others)
            else:
                better = bisect.bisect_left(finished, value) + sum(v < value for v in others)
            if better >= keep:
                return True
            rung += 1
