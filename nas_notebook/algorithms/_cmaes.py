"""CMA-ES as Optuna has it, saying once, not once per decision per trial, that it draws the
decisions it cannot model at random."""

from __future__ import annotations

import logging
from typing import Any

import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.trial import FrozenTrial

__all__ = ["CmaEs"]

_log = logging.getLogger(__name__)


class CmaEs(optuna.samplers.CmaEsSampler):
    """Optuna's ``CmaEsSampler`` (``algo="cmaes"``). It models float and int decisions and
    draws the others, choices among options, at random; Optuna logs that for every such
    decision of every trial, so a thousand trials of a cell with six ``oneof`` print six
    thousand lines. This one logs it once per sampler, naming the first such decision and
    the algorithms that model choices. ``warn_independent_sampling=False`` silences it.

    Optuna calls :meth:`sample_independent` on the thread that draws a trial, for each
    decision outside the space CMA-ES models (and for every decision of the first trials).

    Example:
        >>> sampler = CmaEs(seed=0)
        >>> study = optuna.create_study(sampler=sampler)
        >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=3)
        >>> len(study.trials), sampler.told_random
        (3, False)
    """

    def __init__(self, **options: Any) -> None:
        self._tell = bool(options.pop("warn_independent_sampling", True))
        super().__init__(warn_independent_sampling=False, **options)
        #: Whether it has said that choices are drawn at random (it says so once).
        self.told_random = False

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        if (
            self._tell
            and not self.told_random
            and isinstance(param_distribution, CategoricalDistribution)
            and not param_distribution.single()
        ):
            # Two threads may both get here first: two lines then, never thousands.
            self.told_random = True
            _log.warning(
                "algo 'cmaes' models numbers only: %r and every other choice among options are "
                "drawn at random. For a space of choices, use 'tpe', 'gp' or 'evolution'.",
                param_name,
            )
        return super().sample_independent(study, trial, param_name, param_distribution)
