"""TPE that takes the priors written inline into account (piBO's weighting, see
:mod:`nas_notebook.algorithms._priors`): its first, random trials are drawn from the priors, and
each later candidate's acquisition (TPE's log-ratio of the densities of good and bad trials)
gains ``e * log pi(x)`` for the decisions that have a prior. Without priors it is Optuna's
``TPESampler``, draw for draw.

Who calls what: Optuna calls ``sample_*`` and ``after_trial`` on the thread running the trial;
the acquisition reads the priors of the trial that thread draws.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.study import Study
from optuna.trial import FrozenTrial

from ._prior_drawing import PriorDrawing
from ._priors import log_prior
from ._random import RandomSearch

__all__ = ["PriorTPE"]


class PriorTPE(PriorDrawing, optuna.samplers.TPESampler):
    """Optuna's TPE with inline priors (see the module docstring); takes TPE's options.

    Example:
        >>> import optuna
        >>> from nas_notebook._schema import record_prior
        >>> study = optuna.create_study(sampler=PriorTPE(seed=0, n_startup_trials=3))
        >>> record_prior(study, "x", 0.9, "high")
        >>> study.optimize(lambda t: (t.suggest_float("x", 0, 1) - 0.9) ** 2, n_trials=8)
        >>> abs(study.best_params["x"] - 0.9) < 0.2
        True
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        # Optuna's TPE draws its first trials with this attribute: ours reads the priors.
        self._random_sampler = RandomSearch(seed=options.get("seed"))
        self._init_priors()

    def _sample(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        with self.drawing(study, trial, search_space):
            return super()._sample(study, trial, search_space)

    def _compute_acquisition_func(
        self, samples: dict[str, np.ndarray], mpe_below: Any, mpe_above: Any
    ) -> np.ndarray:
        values = super()._compute_acquisition_func(samples, mpe_below, mpe_above)
        drawing = self.current()
        if drawing is None:
            return values
        priors, space = drawing
        for name, drawn in samples.items():
            distribution = space.get(name)
            if distribution is None:
                continue
            spec = priors.get(name, distribution)
            if spec is not None:
                values = values + log_prior(distribution, spec, priors.strength, drawn)
        return values
