"""Asynchronous successive halving, promotion type: trials pause at rungs and resume when
promoted (Li et al. 2020, "A System for Massively Parallel Hyperparameter Tuning").

Rungs are at ``min_resource * reduction_factor ** k`` steps (below ``max_resource`` when given).
A trial that reports at or past its next rung records its value there and asks whether it may
go on: it may when it is in the top ``1 / reduction_factor`` of the values recorded at that rung
so far; otherwise it *pauses* (its body saved a checkpoint). Whenever a worker is free, the
driver asks :meth:`PromotingSuccessiveHalving.promotable` first: a paused trial that has since
entered the top fraction of its rung (more trials reached the rung) is resumed from its
checkpoint; only when none is promotable does a new trial start. When the search runs out of new
trials, paused ones are still promoted while any is promotable; those left paused at the end are
recorded as pruned.

A trial is never paused at what may be its body's last step: with nothing left to run, a paused
trial could only end pruned, or be resumed to report nothing. The last step is the one the study's
completed trials reached: no trial pauses at or past the largest step a completed trial reported.
Without ``max_resource``, a trial also goes on from a step that no other trial has reported past
yet (it may be the last: the first trials of a search run on until one passes them or completes).

Unlike the stopping type (``asha``), no trial is thrown away for being early and unlucky: the
top fraction of every rung is eventually trained further. It needs trial bodies that call
:func:`~nas_notebook.checkpoint` and :func:`~nas_notebook.restore`, and an executor that can
resume a trial (thread, process, inline, simulated).

Who calls what: ``report`` (on the trial's thread) calls :meth:`~PromotingSuccessiveHalving.
should_pause` after recording the intermediate value; the driver (on a lane's thread, holding
no lock of its own) calls :meth:`~PromotingSuccessiveHalving.promotable`. Optuna's ``prune``
never stops a trial. Rung values are stored on the trials as the ``completed_rung_K`` system
attributes Optuna's successive-halving pruners use, so the state is the storage's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import optuna
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from .. import _schema
from . import _rungs

__all__ = ["PromotingSuccessiveHalving"]


class PromotingSuccessiveHalving(optuna.pruners.BasePruner):
    """Promotion-type ASHA (see the module docstring).

    Args:
        min_resource: Steps at the first rung.
        reduction_factor: The fraction ``1 / reduction_factor`` of a rung is promoted.
        max_resource: No rung at or above this many steps (the last stretch runs to the end).
            Without it, rungs run up to the last step the study's trials show (see the module
            docstring).

    Example:
        >>> pruner = PromotingSuccessiveHalving(min_resource=1, reduction_factor=3)
        >>> pruner.rung_steps(max_steps=10)
        [1, 3, 9]
    """

    #: The driver resumes paused trials for schedulers that say so.
    promotes = True

    def __init__(
        self, min_resource: int = 1, reduction_factor: int = 3, max_resource: int | None = None
    ) -> None:
        if isinstance(min_resource, bool) or not isinstance(min_resource, int) or min_resource < 1:
            raise ValueError(f"min_resource: a positive integer, got {min_resource!r}")
        if (
            isinstance(reduction_factor, bool)
            or not isinstance(reduction_factor, int)
            or reduction_factor < 2
        ):
            raise ValueError(f"reduction_factor: an integer >= 2, got {reduction_factor!r}")
        if max_resource is not None and (
            isinstance(max_resource, bool)
            or not isinstance(max_resource, int)
            or max_resource <= min_resource
        ):
            raise ValueError(f"max_resource: an integer > min_resource, got {max_resource!r}")
        self.min_resource = min_resource
        self.reduction_factor = reduction_factor
        self.max_resource = max_resource

    def rung_steps(self, max_steps: int) -> list[int]:
        """The rung steps below ``max_steps`` (and below ``max_resource``)."""
        limit = max_steps if self.max_resource is None else min(max_steps, self.max_resource)
        steps, k = [], 0
        while self.min_resource * self.reduction_factor**k < limit:
            steps.append(self.min_resource * self.reduction_factor**k)
            k += 1
        return steps

    def prune(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        return False  # trials are paused (should_pause), never stopped

    def _step_of(self, rung: int) -> int:
        return int(self.min_resource * self.reduction_factor**rung)

    def should_pause(self, study: optuna.Study, trial: FrozenTrial) -> bool:
        """Record the trial's value at the rung it has just reached, if any; True when it must
        pause there (it is not in the rung's top fraction, and the step cannot be its last)."""
        step = trial.last_step
        if step is None:
            return False
        rung = _rungs.reached_by(study, trial)
        rung_step = self._step_of(rung)
        if step < rung_step or (self.max_resource is not None and rung_step >= self.max_resource):
            return False
        value = trial.intermediate_values[step]
        if math.isnan(value):
            return True
        _schema.set_trial_attr(study, trial, _schema.rung_key(rung), value)
        trials = study.get_trials(deepcopy=False)
        if self._in_top(study, trials, trial.number, rung, value):
            return False
        return not self._may_be_last(trials, trial.number, step)

    def _in_top(
        self,
        study: optuna.Study,
        trials: list[FrozenTrial],
        number: int,
        rung: int,
        value: float,
    ) -> bool:
        key = _schema.rung_key(rung)
        values = [
            t.system_attrs[key] for t in trials if t.number != number and key in t.system_attrs
        ]
        values.append(value)
        maximize = study.direction == StudyDirection.MAXIMIZE
        threshold = self._threshold(values, maximize)
        if threshold is None:
            return False
        return value >= threshold if maximize else value <= threshold

    def _may_be_last(self, trials: list[FrozenTrial], number: int, step: int) -> bool:
        """Whether ``step`` may be the last the trial's body reports: it is at or past the
        largest step a completed trial reported, or (without ``max_resource``) no other trial
        has reported a later step."""
        completed: int | None = None
        frontier = -1
        for t in trials:
            if t.number == number or not t.intermediate_values:
                continue
            last = max(t.intermediate_values)
            frontier = max(frontier, last)
            if t.state == TrialState.COMPLETE:
                completed = last if completed is None else max(completed, last)
        if completed is not None and step >= completed:
            return True
        return self.max_resource is None and step >= frontier

    def _threshold(self, values: list[float], maximize: bool) -> float | None:
        """The worst value still in the top ``1 / reduction_factor`` of a rung (None while the
        rung has fewer than ``reduction_factor`` values); sorts ``values``."""
        keep = len(values) // self.reduction_factor
        if keep == 0:
            return None
        values.sort(reverse=maximize)
        return values[keep - 1]

    def promotable(self, study: optuna.Study, paused: Mapping[int, Any]) -> int | None:
        """The paused trial (by number) to resume now, or None: the highest rung first, the
        best value first; a trial is promotable once it is in its rung's top fraction."""
        if not paused:
            return None
        maximize = study.direction == StudyDirection.MAXIMIZE
        rungs: dict[int, list[float]] = {}
        waiting: list[tuple[int, float, int]] = []
        for t in study.get_trials(deepcopy=False):
            reached = _rungs.values(t.system_attrs)
            for rung, value in enumerate(reached):
                rungs.setdefault(rung, []).append(value)
            if reached and t.number in paused:
                waiting.append((len(reached) - 1, reached[-1], t.number))
        thresholds = {rung: self._threshold(values, maximize) for rung, values in rungs.items()}
        best: tuple[int, float, int] | None = None
        for rung, value, number in waiting:
            threshold = thresholds.get(rung)
            if threshold is None or (value < threshold if maximize else value > threshold):
                continue
            key = (rung, value if maximize else -value, -number)
            if best is None or key > best:
                best = key
        return None if best is None else -best[2]

    def describe(self) -> dict[str, Any]:
        """The settings, for records and reprs."""
        return {
            "min_resource": self.min_resource,
            "reduction_factor": self.reduction_factor,
            "max_resource": self.max_resource,
        }
