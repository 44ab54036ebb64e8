"""Regularized ("aging") evolution as an Optuna sampler.

Regularized evolution (Real et al., 2019, "Regularized Evolution for Image Classifier
Architecture Search"; PyGlove's ``pg.evolution.regularized_evolution``) keeps a *population* of
the ``population_size`` most recent completed trials. Each new trial is a child of one of them:

1. ``tournament_size`` members of the population are drawn uniformly without replacement, and
   the best of them (by the study's direction) is the *parent*;
2. one of the parent's decisions, drawn uniformly, is *mutated*: the child gets a different
   value for it; every other decision is copied from the parent. The mutation is drawn among
   those that give a configuration no trial has had yet (its value recorded as
   ``"evolution:value"``), so children do not repeat earlier trials; only when every single
   mutation of the parent was tried is a repeat allowed.

Ageing is what makes it "regularized": the population is the newest trials by trial number, so a
good architecture survives only as long as its descendants keep being good, not forever. Until
``population_size`` trials have completed, trials are drawn uniformly at random. Pruned and failed
trials never join the population.

Who calls what: Optuna calls :meth:`RegularizedEvolution.before_trial` when a trial is created
(``study.ask()``, also inside ``study.optimize``) and then
:meth:`RegularizedEvolution.sample_independent` for each ``suggest_*`` call, on the thread that
runs the trial. ``before_trial`` reads the population from the storage, runs the tournament and
records the lineage on the trial as system attributes: ``"evolution:parent"`` (the parent's
trial number) and ``"evolution:mutated"`` (the name of the mutated decision). ``sample_independent``
reads them back from the trial, so the sampler holds no per-trial state: several threads can
share one instance, each process can have its own instance on a shared storage, and a new
instance (a restart, an unpickled copy) continues from the population stored in the study.

Search spaces are define-by-run and may be conditional. A decision is copied from the parent
when the parent has it with a value the child's distribution contains; otherwise (a decision only
present under a branch the parent did not take, or a changed range) it is drawn at random. The
mutated decision gets a value different from the parent's: another choice of a categorical, another
point of the grid of a stepped or integer distribution, a fresh (log-)uniform draw of a float.

Regularized evolution is single-objective. A multi-objective study gets a ``ValueError`` from the
first ``suggest_*`` call, not from ``before_trial``: Optuna creates the trial in the storage before
calling ``before_trial``, so an error there would leave it ``RUNNING`` forever; from inside the
objective Optuna marks it ``FAIL`` and ``study.optimize`` re-raises the error.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from optuna.distributions import BaseDistribution, CategoricalDistribution, IntDistribution
from optuna.study import Study, StudyDirection
from optuna.trial import FrozenTrial, TrialState

from .. import _schema
from . import _arguments
from ._base import IndependentSampler, Setting
from ._discretize import Numeric, count, internal, position, snap, value_at

__all__ = ["RegularizedEvolution"]

# Redraws of a continuous or log-integer value that happens to equal the parent's one.
_MAX_REDRAWS = 100


class RegularizedEvolution(IndependentSampler):
    """Regularized (aging) evolution: tournament selection of a parent among the most recent
    completed trials, and a child that differs from it in one mutated decision.

    Single-objective only. Architecture decisions (``suggest_categorical``) and hyperparameters
    (``suggest_float`` / ``suggest_int``, log or stepped) mutate alike. The lineage of each child
    is stored on its trial: ``trial.system_attrs["evolution:parent"]`` is the parent's trial
    number and ``trial.system_attrs["evolution:mutated"]`` the mutated decision's name (``None``
    when the parent had no decision with more than one value).

    Args:
        population_size: How many of the most recent completed trials (by trial number) form the
            population; also how many random trials start the search.
        tournament_size: How many members of the population compete to be a parent, between 1
            (a random parent) and ``population_size`` (always the best alive).
        seed: Seed of the random number generator; seeded runs with one worker are reproducible.
        mutation_rate: ``None`` (the paper's rule, the default) mutates exactly one decision.
            A probability in ``[0, 1]`` also mutates each other decision of the parent with that
            probability; their names are stored, sorted, in
            ``trial.system_attrs["evolution:also_mutated"]``.

    Raises:
        ValueError: When an argument is out of range (the message names it).

    Example:
        >>> import optuna
        >>> def objective(trial):
        ...     op = trial.suggest_categorical("op", ["conv", "pool", "skip"])
        ...     kernel = trial.suggest_categorical("kernel", [3, 5]) if op == "conv" else 0
        ...     return (op == "conv") + (kernel == 5)
        >>> sampler = RegularizedEvolution(population_size=4, tournament_size=2, seed=0)
        >>> study = optuna.create_study(direction="maximize", sampler=sampler)
        >>> study.optimize(objective, n_trials=12)
        >>> child = study.trials[-1]
        >>> child.system_attrs["evolution:parent"] < child.number
        True
        >>> child.system_attrs["evolution:mutated"] in study.trials[
        ...     child.system_attrs["evolution:parent"]].params
        True
    """

    multi_objective = False
    single_objective_reason = "a tournament ranks trials by one objective"

    def __init__(
        self,
        population_size: int = 20,
        tournament_size: int = 5,
        seed: int | None = None,
        mutation_rate: float | None = None,
    ) -> None:
        population_size = _arguments.positive_int("population_size", population_size)
        if isinstance(tournament_size, bool) or not isinstance(tournament_size, numbers.Integral):
            raise ValueError(f"tournament_size must be an integer, got {tournament_size!r}.")
        if not 1 <= tournament_size <= population_size:
            raise ValueError(
                f"tournament_size must be between 1 and population_size ({population_size}), "
                f"got {tournament_size}."
            )
        if mutation_rate is not None:
            if isinstance(mutation_rate, bool) or not isinstance(mutation_rate, numbers.Real):
                raise ValueError(
                    f"mutation_rate must be None or a number between 0 and 1, "
                    f"got {mutation_rate!r}."
                )
            if not 0.0 <= float(mutation_rate) <= 1.0:
                raise ValueError(f"mutation_rate must be between 0 and 1, got {mutation_rate}.")
            mutation_rate = float(mutation_rate)
        self._population_size: int = population_size
        self._tournament_size: int = int(tournament_size)
        self._mutation_rate: float | None = mutation_rate
        self._rng: np.random.RandomState = np.random.RandomState(_arguments.seed(seed))

    population_size: Setting[int] = Setting("How many newest completed trials form the population.")
    tournament_size: Setting[int] = Setting("How many of the population compete to be a parent.")
    mutation_rate: Setting[float | None] = Setting(
        "The probability of mutating each further decision, or ``None`` (exactly one)."
    )

    def reseed_rng(self) -> None:
        """Reseed the random number generator from the operating system's entropy.

        Optuna calls it on each worker thread of ``study.optimize(..., n_jobs=k)``.
        """
        self._rng.seed()

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        """Choose the new trial's parent and the decision to mutate, and record them.

        Does nothing while fewer than ``population_size`` trials have completed (the trial is
        then random) or for a multi-objective study (:meth:`sample_independent` raises).

        Args:
            study: The study the trial belongs to.
            trial: The trial just created, before any ``suggest_*`` call.
        """
        if not self.supports(study):
            return
        completed = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        if len(completed) < self._population_size:
            return
        population = sorted(completed, key=lambda t: t.number)[-self._population_size :]
        picks = self._rng.choice(len(population), size=self._tournament_size, replace=False)
        contenders = [population[int(i)] for i in picks]
        values = [float(t.values[0]) for t in contenders]
        if study.direction == StudyDirection.MAXIMIZE:
            parent = contenders[int(np.argmax(values))]
        else:
            parent = contenders[int(np.argmin(values))]

        mutable = sorted(name for name, dist in parent.distributions.items() if not dist.single())
        mutated = mutable[int(self._rng.randint(len(mutable)))] if mutable else None
        if self._mutation_rate is None and mutable:
            choice = self._novel_mutation(study, parent, mutable)
            if choice is not None:
                mutated, value = choice
                if value is not None:
                    _schema.set_trial_attr(study, trial, _schema.EVOLUTION_VALUE, value)
        _schema.set_trial_attr(study, trial, _schema.PARENT, parent.number)
        _schema.set_trial_attr(study, trial, _schema.MUTATED, mutated)
        if self._mutation_rate is not None:
            rate = self._mutation_rate
            also = [
                name
                for name in mutable
                if name != mutated and float(self._rng.random_sample()) < rate
            ]
            _schema.set_trial_attr(study, trial, _schema.ALSO_MUTATED, also)

    def _novel_mutation(
        self, study: Study, parent: FrozenTrial, mutable: list[str]
    ) -> tuple[str, Any] | None:
        """A decision to mutate and, on a grid, its new value, such that the child is not a
        configuration some trial already has; None when every single mutation is.

        Without it, children often repeat a configuration (a mutation undone, two workers
        making the same child): a quarter of the trials on the tabulated benchmark."""
        seen = {_key(t.params) for t in study.get_trials(deepcopy=False) if t.params}
        options: list[tuple[str, list[Any] | None]] = []
        for name in mutable:
            dist = parent.distributions[name]
            if not _on_grid(dist):
                options.append((name, None))  # a fresh continuous draw is new anyway
                continue
            current = position(dist, dist.to_internal_repr(parent.params[name]))
            novel = [
                value
                for value in (value_at(dist, i) for i in range(count(dist)) if i != current)
                if _key({**parent.params, name: value}) not in seen
            ]
            if novel:
                options.append((name, novel))
        if not options:
            return None
        name, values = options[int(self._rng.randint(len(options)))]
        return name, None if values is None else values[int(self._rng.randint(len(values)))]

    def sample_independent(
        self, study: Study, trial: FrozenTrial, name: str, distribution: BaseDistribution
    ) -> Any:
        """The value of decision ``name`` (Optuna's hook, once per ``suggest_*``): mutated,
        copied from the parent (the lineage is read from the trial's system attributes), or
        random; a native Python value of ``distribution`` (a choice as given, an ``int`` or a
        ``float``).

        Raises:
            ValueError: When the study has several objectives.
        """
        self.check_study(study)
        attrs = trial.system_attrs
        if _schema.PARENT not in attrs:
            return _random_value(self._rng, distribution)
        parent = _schema.get_trial(
            study, _schema.trial_id_of_number(study, int(attrs[_schema.PARENT]))
        )
        old: float | None = None
        if name in parent.params:
            old = internal(distribution, parent.params[name])
        mutated = attrs.get(_schema.MUTATED)
        if name == mutated and _schema.EVOLUTION_VALUE in attrs:
            chosen = internal(distribution, attrs[_schema.EVOLUTION_VALUE])
            if chosen is not None and chosen != old:
                return distribution.to_external_repr(chosen)
        if name == mutated or name in attrs.get(_schema.ALSO_MUTATED, ()):
            return _mutated_value(self._rng, distribution, old)
        if old is not None:
            return distribution.to_external_repr(old)
        return _random_value(self._rng, distribution)


def _key(params: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """A hashable key of a configuration (values by ``repr``: choices may be unhashable)."""
    return tuple(sorted((name, repr(value)) for name, value in params.items()))


def _on_grid(dist: BaseDistribution) -> bool:
    """Whether values are drawn uniformly from a finite grid (categorical, stepped)."""
    if isinstance(dist, CategoricalDistribution):
        return True
    if isinstance(dist, IntDistribution):
        return not dist.log
    return isinstance(dist, Numeric) and dist.step is not None


def _random_value(rng: np.random.RandomState, dist: BaseDistribution) -> Any:
    """A uniform (log-uniform for log distributions) draw from ``dist``, as a native value."""
    if _on_grid(dist):
        return value_at(dist, int(rng.randint(count(dist))))
    if isinstance(dist, IntDistribution):  # log scale, step 1: as Optuna's RandomSampler
        return snap(
            dist, math.exp(rng.uniform(math.log(dist.low - 0.5), math.log(dist.high + 0.5)))
        )
    if isinstance(dist, Numeric):
        if dist.log:
            return snap(dist, math.exp(rng.uniform(math.log(dist.low), math.log(dist.high))))
        return snap(dist, float(rng.uniform(dist.low, dist.high)))
    raise TypeError(f"RegularizedEvolution cannot sample a {type(dist).__name__}.")


def _mutated_value(rng: np.random.RandomState, dist: BaseDistribution, old: float | None) -> Any:
    """A draw from ``dist`` different from ``old`` (the parent's value in internal
    representation, ``None`` when ``dist`` does not contain it)."""
    if old is None:
        return _random_value(rng, dist)
    if _on_grid(dist):
        old_index = position(dist, old)
        index = int(rng.randint(count(dist) - 1))
        return value_at(dist, index + 1 if index >= old_index else index)
    for _ in range(_MAX_REDRAWS):
        value = _random_value(rng, dist)
        if dist.to_internal_repr(value) != old:
            return value
    if isinstance(dist, IntDistribution):  # a two-point log range keeps drawing the parent's
        index = int(rng.randint(dist.high - dist.low))
        value = dist.low + index
        return int(value + 1 if value >= old else value)
    return value  # a float equal to the parent's a hundred times in a row: a degenerate range
