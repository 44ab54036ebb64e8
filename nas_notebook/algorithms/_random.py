"""Random search with the per-decision cost of a simulated run in mind.

It is Optuna's :class:`~optuna.samplers.RandomSampler` with one hot path replaced, same
semantics: a categorical choice is drawn directly (Optuna's transforms the one choice into a
one-hot box, samples it and decodes it again: most of a ``suggest_categorical``'s cost). Choices
are uniform, as before; other distributions go to Optuna's code. Optuna calls it on the thread
that runs the trial (``suggest_*``).
"""

from __future__ import annotations

from typing import Any

import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.study import Study
from optuna.trial import FrozenTrial

from ._priors import PriorCache, sample_prior

__all__ = ["RandomSearch"]


class RandomSearch(optuna.samplers.RandomSampler):
    """Uniform random search (Optuna's ``RandomSampler`` with a direct categorical draw); a
    decision written with a ``prior=`` is drawn from the prior, which fades as trials finish
    (see :mod:`nas_notebook.algorithms._priors`).

    Example:
        >>> import optuna
        >>> study = optuna.create_study(sampler=RandomSearch(seed=0))
        >>> study.optimize(lambda t: t.suggest_categorical("op", ["a", "b"]) == "a", n_trials=4)
        >>> sorted({t.params["op"] for t in study.trials}) <= ["a", "b"]
        True
    """

    #: Random draws read no objective: any number of them.
    multi_objective = True

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(seed=seed)
        self._priors = PriorCache()

    def after_trial(self, study: Study, trial: FrozenTrial, state: Any, values: Any) -> None:
        self._priors.drop(trial.number)
        super().after_trial(study, trial, state, values)

    def sample_independent(
        self, study: Study, trial: FrozenTrial, name: str, distribution: BaseDistribution
    ) -> Any:
        priors = self._priors.get(study, trial.number)
        spec = priors.get(name, distribution) if priors.specs else None
        if spec is not None:
            return sample_prior(self._rng.rng, distribution, spec, priors.strength)
        if isinstance(distribution, CategoricalDistribution):
            choices = distribution.choices
            return choices[int(self._rng.rng.randint(len(choices)))]
        return super().sample_independent(study, trial, name, distribution)
