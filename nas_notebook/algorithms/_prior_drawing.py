"""What a model-based sampler with inline priors keeps while it draws: the priors and search
space of the trial each thread draws, so that the acquisition function, which Optuna calls
without the study or the trial, can weigh its candidates by them (see
:mod:`~nas_notebook.algorithms._priors`).

Who calls what: the sampler calls :meth:`PriorDrawing.drawing` around its draw, on the thread
that runs the trial, and :meth:`PriorDrawing.current` from the acquisition function, on the
same thread; Optuna calls ``after_trial`` when the trial ends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from optuna.distributions import BaseDistribution
from optuna.study import Study
from optuna.trial import FrozenTrial

from ._priors import PriorCache, Priors

__all__ = ["PriorDrawing"]


class PriorDrawing:
    """A mixin for an Optuna sampler (listed before it among the bases): the priors of the
    trial each thread draws. Call :meth:`_init_priors` in ``__init__``."""

    _priors: PriorCache
    _drawing: dict[int, tuple[Priors, dict[str, BaseDistribution]]]

    def _init_priors(self) -> None:
        self._priors = PriorCache()
        # thread -> the priors and search space of the trial it draws
        self._drawing = {}

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_drawing"] = {}
        return state

    @contextmanager
    def drawing(
        self, study: Study, trial: FrozenTrial, space: dict[str, BaseDistribution]
    ) -> Iterator[None]:
        """While the calling thread draws ``trial`` from ``space``."""
        thread = threading.get_ident()
        self._drawing[thread] = (self._priors.get(study, trial.number), space)
        try:
            yield
        finally:
            self._drawing.pop(thread, None)

    def current(self) -> tuple[Priors, dict[str, BaseDistribution]] | None:
        """The priors and space of the trial the calling thread draws, if it has priors."""
        drawing = self._drawing.get(threading.get_ident())
        return drawing if drawing is not None and drawing[0].specs else None

    def after_trial(self, study: Study, trial: FrozenTrial, state: Any, values: Any) -> None:
        self._priors.drop(trial.number)
        super().after_trial(study, trial, state, values)  # type: ignore[misc]
