"""Random search and stopping-type ASHA with the per-decision cost of a simulated run in mind.

Both are Optuna's (a :class:`~optuna.samplers.RandomSampler` and a
:class:`~optuna.pruners.SuccessiveHalvingPruner`) with one hot path replaced, same semantics:

* :class:`RandomSearch` draws a categorical choice directly (Optuna's transforms the one choice
  into a one-hot box, samples it and decodes it again: most of a ``suggest_categorical``'s cost).
  Choices are uniform, as before; other distributions go to Optuna's code.
* :class:`AsyncSuccessiveHalving` keeps the rung values of *finished* trials between decisions
  (a finished trial's system attributes never change again), so a decision reads only the trials
  from the first unfinished one on, instead of every trial of the study. The cache is rebuilt
  from the storage by a new process or a new instance (it is not pickled).

Both are called by Optuna on the thread that runs the trial (``suggest_*``, ``should_prune``).
"""

from __future__ import annotations

import bisect
import math
import threading
from typing import Any

import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.trial import FrozenTrial, TrialState

__all__ = ["AsyncSuccessiveHalving", "RandomSearch"]

_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


class RandomSearch(optuna.samplers.RandomSampler):
    """Uniform random search (Optuna's ``RandomSampler`` with a direct categorical draw).

    Example:
        >>> import optuna
        >>> study = optuna.create_study(sampler=RandomSearch(seed=0))
        >>> study.optimize(lambda t: t.suggest_categorical("op", ["a", "b"]) == "a", n_trials=4)
        >>> sorted({t.params["op"] for t in study.trials}) <= ["a", "b"]
        True
    """

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if isinstance(param_distribution, CategoricalDistribution):
            choices = param_distribution.choices
            return choices[int(self._rng.rng.randint(len(choices)))]
        return super().sample_independent(study, trial, param_name, param_distribution)


def _rung_key(rung: int) -> str:
    return f"completed_rung_{rung}"


class _Finished:
    """The rung values of the study's trials before ``upto`` (all finished), each rung's kept
    sorted (a decision then counts the values that beat it by bisection)."""

    __slots__ = ("upto", "values")

    def __init__(self) -> None:
        self.upto = 0
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
        self._cache: dict[tuple[int, int], _Finished] = {}
        self._cache_lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_cache"], state["_cache_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._cache = {}
        self._cache_lock = threading.Lock()

    def _competing(
        self, study: optuna.Study, trial: FrozenTrial, rung_key: str
    ) -> tuple[list[float], list[float]]:
        """The values at ``rung_key`` of every trial but ``trial``: the finished trials' (sorted,
        shared: not to be changed) and the others'."""
        trials = study.get_trials(deepcopy=False)
        key = (id(study._storage), study._study_id)
        with self._cache_lock:
            done = self._cache.setdefault(key, _Finished())
            while done.upto < len(trials) and trials[done.upto].state in _FINISHED:
                for name, value in trials[done.upto].system_attrs.items():
                    if name.startswith("completed_rung_"):
                        bisect.insort(done.values.setdefault(name, []), value)
                done.upto += 1
            finished = done.values.get(rung_key, [])
            start = done.upto
        others = []
        for other in trials[start:]:
            if other.number != trial.number:
                attrs = other.system_attrs
                if rung_key in attrs:
                    others.append(attrs[rung_key])
        return finished, others

    def prune(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        step = trial.last_step
        if step is None:
            return False
        if self._min_resource is None:
            # "auto": Optuna's estimate (from completed trials), decided once.
            return super().prune(study, trial)
        rung = 0
        while _rung_key(rung) in trial.system_attrs:
            rung += 1
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
            rung_key = _rung_key(rung)
            study._storage.set_trial_system_attr(trial._trial_id, rung_key, value)
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
