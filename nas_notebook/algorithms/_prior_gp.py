"""Gaussian-process Bayesian optimization that takes the priors written inline into account, as
piBO does it (Hvarfner et al. 2022; see :mod:`nas_notebook.algorithms._priors` for the prior
and its fading): its first, random trials are drawn from the priors, and the acquisition it
maximizes afterwards, Optuna's log expected improvement, gains ``e * log pi(x)``, i.e. the
expected improvement is weighed by ``pi(x) ** e``. As in piBO, the prior also shortens the
random start: with priors, the model takes over once as many trials completed as the search
space has dimensions (capped at Optuna's 10), unless ``n_startup_trials`` is given. Without
priors it is Optuna's ``GPSampler``.

The acquisition is evaluated by Optuna on its normalized coordinates: a choice is its index, a
number its position in its range (of its logarithm, on a log scale), which is the unit scale of
the priors (:mod:`~nas_notebook.algorithms._unit_scale`) up to Optuna's half-step padding of a
log-scaled integer. The prior's term is written in torch, so Optuna's gradient steps on the
numbers see it.

Who calls what: Optuna calls ``sample_relative`` (which fits the process and maximizes the
acquisition) and ``sample_independent`` on the thread running the trial; the acquisition reads
the priors of the trial that thread draws.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.study import Study
from optuna.trial import FrozenTrial

from ._prior_drawing import PriorDrawing
from ._priors import SIGMA, Priors, choice_probs
from ._random import RandomSearch
from ._said_once import SaysOnce
from ._unit_scale import units

__all__ = ["PriorGP"]


def _prior_terms(
    priors: Priors, space: dict[str, BaseDistribution]
) -> list[tuple[int, np.ndarray | None, float, float]]:
    """For each dimension with a prior: (its index, the log-probability of each choice, or
    None for a number with its centre and width in the unit scale)."""
    terms: list[tuple[int, np.ndarray | None, float, float]] = []
    for i, (name, dist) in enumerate(space.items()):
        spec = priors.get(name, dist)
        if spec is None:
            continue
        if isinstance(dist, CategoricalDistribution):
            terms.append((i, np.log(choice_probs(dist, spec, 1.0)), 0.0, 1.0))
        else:
            center = float(units(dist, spec["value"]))  # type: ignore[arg-type]
            terms.append((i, None, center, SIGMA[spec["confidence"]]))
    return terms


class _PriorWeighted:
    """An Optuna acquisition function plus ``e * log pi(x)`` (piBO); the rest is the inner
    function's."""

    def __init__(self, inner: Any, terms: list[Any], strength: float) -> None:
        self._inner = inner
        self._terms = terms
        self._strength = strength
        self.length_scales = inner.length_scales
        self.search_space = inner.search_space

    def eval_acqf(self, x: Any) -> Any:
        import torch

        value = self._inner.eval_acqf(x)
        for index, log_probs, center, sigma in self._terms:
            column = x[..., index]
            if log_probs is not None:
                table = torch.as_tensor(log_probs, dtype=value.dtype)
                picked = column.detach().round().long().clamp(0, len(log_probs) - 1)
                value = value + self._strength * table[picked]
            else:
                value = value - 0.5 * self._strength * ((column - center) / sigma) ** 2
        return value

    def eval_acqf_no_grad(self, x: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            return self.eval_acqf(torch.from_numpy(x)).detach().numpy()

    def eval_acqf_with_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        import torch

        tensor = torch.from_numpy(x).requires_grad_(True)
        value = self.eval_acqf(tensor)
        value.backward()
        return value.item(), tensor.grad.detach().numpy()  # type: ignore[union-attr]


class PriorGP(SaysOnce, PriorDrawing, optuna.samplers.GPSampler):
    """Optuna's ``GPSampler`` with inline priors (see the module docstring); takes its options.
    It says once, not per trial, that decisions only some trials make are drawn at random.

    Example:
        >>> import optuna
        >>> from nas_notebook._schema import record_prior
        >>> study = optuna.create_study(sampler=PriorGP(seed=0, n_startup_trials=3))
        >>> record_prior(study, "x", 0.9, "high")
        >>> study.optimize(lambda t: (t.suggest_float("x", 0, 1) - 0.9) ** 2, n_trials=6)
        >>> abs(study.best_params["x"] - 0.9) < 0.2
        True
    """

    said_once = (
        "algo 'gp' models the decisions that every trial makes: %r, which only some trials "
        "make, and any other such decision are drawn at random."
    )

    def __init__(self, **options: Any) -> None:
        options.setdefault("independent_sampler", RandomSearch(seed=options.get("seed")))
        self._startup_given = "n_startup_trials" in options
        self._startup_now = threading.local()
        super().__init__(**options)
        self._init_priors()

    # Optuna's GPSampler reads this attribute to decide whether a trial is still in the random
    # start; a property lets each drawing thread see its own value (see ``sample_relative``).
    @property
    def _n_startup_trials(self) -> int:
        return getattr(self._startup_now, "value", self._startup_option)

    @_n_startup_trials.setter
    def _n_startup_trials(self, value: int) -> None:
        self._startup_option = value

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_startup_now", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._startup_now = threading.local()

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        with self.drawing(study, trial, search_space):
            drawing = self.current()
            if drawing is None or self._startup_given:
                return super().sample_relative(study, trial, search_space)
            self._startup_now.value = min(self._startup_option, max(1, len(search_space)))
            try:
                return super().sample_relative(study, trial, search_space)
            finally:
                del self._startup_now.value

    def _optimize_acqf(self, acqf: Any, best_params: np.ndarray | None) -> np.ndarray:
        drawing = self.current()
        if drawing is not None and drawing[0].strength > 0:
            priors, space = drawing
            terms = _prior_terms(priors, space)
            if terms:
                acqf = _PriorWeighted(acqf, terms, priors.strength)
        return super()._optimize_acqf(acqf, best_params)
