"""The base of the samplers that decide one parameter at a time.

Define-by-run spaces are discovered as a trial runs, so these samplers do all their work in
``before_trial`` (on the thread that creates the trial: choose a parent, a grid point, catch up
on the stored history) and ``sample_independent`` (on the thread running the trial, once per
``suggest_*``). Optuna's relative sampling, which needs the space before the trial starts, is
not used.
"""

from __future__ import annotations

from typing import Any

import optuna
from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial

__all__ = ["IndependentSampler"]


class IndependentSampler(optuna.samplers.BaseSampler):
    """An Optuna sampler without relative sampling (see the module docstring)."""

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        """No relative sampling: every decision goes through ``sample_independent``."""
        return {}

    def sample_relative(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        search_space: dict[str, BaseDistribution],
    ) -> dict[str, Any]:
        """No relative sampling: every decision goes through ``sample_independent``."""
        return {}
