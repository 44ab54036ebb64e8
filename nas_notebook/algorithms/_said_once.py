"""Samplers that say once, not once per decision per trial, that they draw some decisions at
random.

Optuna's CMA-ES and Gaussian process log a line for every decision they cannot model (a choice
among options for CMA-ES; a decision only some trials make, for both) in every trial: a
thousand trials of a cell with six ``oneof`` print six thousand lines under the cell. Ours log
the first and say what it means; ``warn_independent_sampling=False`` still silences them.
"""

from __future__ import annotations

import logging

import optuna
from optuna.trial import FrozenTrial

__all__ = ["CmaEs", "SaysOnce"]

_log = logging.getLogger(__name__)


class SaysOnce:
    """Mixin for an Optuna sampler whose ``_log_independent_sampling(trial, param_name)`` Optuna
    calls, on the thread that draws a trial, each time it draws a decision at random that its
    model would have drawn (its own startup trials excepted). The first call logs
    :attr:`said_once` with the decision's name; the others log nothing.
    """

    #: The line, with ``%r`` for the first decision drawn at random.
    said_once = "%r is drawn at random"
    #: Whether the line has been logged.
    told_random = False

    def _log_independent_sampling(self, trial: FrozenTrial, param_name: str) -> None:
        if not self.told_random:
            # Two threads may both get here first: two lines then, never thousands.
            self.told_random = True
            _log.warning(self.said_once, param_name)


class CmaEs(SaysOnce, optuna.samplers.CmaEsSampler):
    """Optuna's ``CmaEsSampler`` (``algo="cmaes"``), which models the float and int decisions
    that every trial makes and draws the others at random, saying so once.

    Example:
        >>> sampler = CmaEs(seed=0)
        >>> study = optuna.create_study(sampler=sampler)
        >>> study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=3)
        >>> len(study.trials), sampler.told_random
        (3, False)
    """

    said_once = (
        "algo 'cmaes' models the numbers that every trial has: %r and every choice among "
        "options, or decision that only some trials make, are drawn at random. For a space of "
        "choices, use 'tpe', 'gp' or 'evolution'."
    )
