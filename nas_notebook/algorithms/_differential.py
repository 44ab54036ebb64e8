"""Differential evolution over the trials' results at the rungs they reached, with Hyperband
stopping them: ``--algo dehb`` (after DEHB, Awad et al. 2021, "DEHB: Evolutionary Hyperband
for Scalable, Robust and Efficient Hyperparameter Optimization").

Every decision is a coordinate in ``[0, 1]`` (a number scaled over its range, on a log scale
where it is; a choice as the middle of its slice of ``[0, 1]``). The population is the
``population_size`` best finished trials, where a trial that reached a later step (a higher
rung before Hyperband stopped it, or the end) ranks above every trial that stopped earlier,
and trials of the same step rank by value: as in DEHB, the evolution reads the best results
at the highest budgets. A new trial is DE's ``rand/1/bin``: the mutant ``x1 + F * (x2 - x3)``
of three random members (a coordinate leaving ``[0, 1]`` is drawn again at random, as DEHB
does), crossed with a random member (each coordinate from the mutant with probability
``crossover_prob``, at least one). Until the population is full, trials are random.

Unlike DEHB it keeps no bracket-synchronous subpopulations: trials are asynchronous, and the
Hyperband pruner decides the budgets. The vector is stored on the trial
(:data:`~nas_notebook._schema.DE_UNIT`), so a worker process, or a restart, draws the same
decisions.

Who calls what: Optuna calls ``before_trial`` on the thread that creates the trial and
``sample_independent`` on the one that runs it (see :mod:`nas_notebook.algorithms._base`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.study import Study, StudyDirection
from optuna.trial import FrozenTrial, TrialState

from .. import _schema
from . import _arguments
from ._base import IndependentSampler, Setting
from ._unit_scale import from_unit, to_unit

__all__ = ["DifferentialEvolution"]


class DifferentialEvolution(IndependentSampler):
    """Differential evolution over the trials' rung results (see the module docstring).

    Args:
        population_size: The best finished trials the mutants are made of.
        mutation_factor: DE's ``F``: the scale of the difference of two members.
        crossover_prob: DE's ``CR``: the probability of each coordinate from the mutant.
        random_fraction: The share of trials drawn at random once the population is full: a
            population that lost a branch of the space (all of its members chose the same
            option) cannot mutate back into it.
        seed: The random seed.

    Example:
        >>> import optuna
        >>> sampler = DifferentialEvolution(population_size=5, seed=0)
        >>> study = optuna.create_study(sampler=sampler)
        >>> study.optimize(lambda t: (t.suggest_float("x", -5, 5) - 1) ** 2, n_trials=40)
        >>> abs(study.best_params["x"] - 1) < 0.5
        True
    """

    multi_objective = False
    single_objective_reason = "the population is ranked by one objective"

    def __init__(
        self,
        population_size: int = 20,
        mutation_factor: float = 0.5,
        crossover_prob: float = 0.5,
        random_fraction: float = 0.2,
        seed: int | None = None,
    ) -> None:
        self._population_size = _arguments.positive_int("population_size", population_size)
        if self._population_size < 4:
            raise ValueError(f"population_size must be at least 4, got {population_size!r}.")
        for name, value in (
            ("mutation_factor", mutation_factor),
            ("crossover_prob", crossover_prob),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 2:
                raise ValueError(f"{name} must be a number in (0, 2], got {value!r}.")
        if crossover_prob > 1:
            raise ValueError(f"crossover_prob must be at most 1, got {crossover_prob!r}.")
        if isinstance(random_fraction, bool) or not isinstance(random_fraction, (int, float)):
            raise ValueError(
                f"random_fraction must be a number in [0, 1], got {random_fraction!r}."
            )
        if not 0 <= random_fraction <= 1:
            raise ValueError(
                f"random_fraction must be a number in [0, 1], got {random_fraction!r}."
            )
        self._random_fraction = float(random_fraction)
        self._mutation_factor = float(mutation_factor)
        self._crossover_prob = float(crossover_prob)
        self._rng = np.random.RandomState(_arguments.seed(seed))

    population_size: Setting[int] = Setting("How many of the best finished trials evolve.")
    mutation_factor: Setting[float] = Setting("DE's F.")
    crossover_prob: Setting[float] = Setting("DE's CR.")
    random_fraction: Setting[float] = Setting("The share of trials drawn at random.")

    def reseed_rng(self) -> None:
        """Reseed the random number generator from the operating system's entropy."""
        self._rng.seed()

    def _population(self, study: Study) -> list[FrozenTrial]:
        maximize = study.direction == StudyDirection.MAXIMIZE

        def rank(t: FrozenTrial) -> tuple[float, float]:
            if t.state == TrialState.COMPLETE and t.value is not None:
                reached, value = math.inf, float(t.value)
            else:
                reached = float(t.last_step)  # type: ignore[arg-type]
                value = float(t.intermediate_values[t.last_step])  # type: ignore[index]
            if math.isnan(value):
                return (-math.inf, -math.inf)
            return (reached, value if maximize else -value)

        finished = [
            t
            for t in study.get_trials(
                deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED)
            )
            if t.params and (t.value is not None or t.last_step is not None)
        ]
        return sorted(finished, key=rank, reverse=True)[: self._population_size]

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        """Make the new trial's vector from the population and store it on the trial (nothing
        while the population is not full, or for a study of several objectives)."""
        if not self.supports(study):
            return
        population = self._population(study)
        if len(population) < self._population_size:
            return
        if float(self._rng.random_sample()) < self._random_fraction:
            return  # a fresh configuration, as each new bracket of DEHB starts with some
        picks = self._rng.choice(len(population), size=4, replace=False)
        target, a, b, c = (population[int(i)] for i in picks)
        names = sorted(target.distributions)
        forced = names[int(self._rng.randint(len(names)))] if names else None
        vector: dict[str, float] = {}
        for name in names:
            dist = target.distributions[name]
            units = [self._coordinate(t, name, dist) for t in (target, a, b, c)]
            if units[0] is None:
                continue
            unit = units[0]
            if name == forced or float(self._rng.random_sample()) < self._crossover_prob:
                if units[1] is None or units[2] is None or units[3] is None:
                    unit = float(self._rng.random_sample())
                else:
                    unit = units[1] + self._mutation_factor * (units[2] - units[3])
                    if not 0.0 <= unit <= 1.0:
                        unit = float(self._rng.random_sample())
            vector[name] = float(unit)
        _schema.set_trial_attr(study, trial, _schema.DE_UNIT, vector)

    def _coordinate(self, trial: FrozenTrial, name: str, dist: BaseDistribution) -> float | None:
        """``trial``'s coordinate for ``name``: the one stored with it where it still decodes to
        the trial's value, else its value's (a choice: a random point of its slice, so that
        members of one choice still differ and a mutation can leave it, as DEHB's continuous
        vectors do)."""
        if name not in trial.params:
            return None
        value = trial.params[name]
        stored = trial.system_attrs.get(_schema.DE_UNIT, {}).get(name)
        if stored is not None and from_unit(dist, float(stored)) == value:
            return float(stored)
        unit = to_unit(dist, value)
        if unit is None or not isinstance(dist, CategoricalDistribution):
            return unit
        k = len(dist.choices)
        return (math.floor(unit * k) + float(self._rng.random_sample())) / k

    def sample_independent(
        self, study: Study, trial: FrozenTrial, name: str, distribution: BaseDistribution
    ) -> Any:
        """The trial's coordinate for ``name`` as a value of ``distribution`` (random for a
        decision the vector does not have)."""
        self.check_study(study)
        unit = trial.system_attrs.get(_schema.DE_UNIT, {}).get(name)
        if unit is None:
            unit = float(self._rng.random_sample())
        return from_unit(distribution, float(unit))
