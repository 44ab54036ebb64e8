"""Hand-built studies for the plot info tests: every state, conditional params, curves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import optuna
from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial, TrialState, create_trial

T0 = dt.datetime(2026, 1, 1)


def make_trial(
    number: int,
    state: TrialState = TrialState.COMPLETE,
    values: Sequence[float] | float | None = None,
    params: dict[str, Any] | None = None,
    distributions: dict[str, BaseDistribution] | None = None,
    intermediate: dict[int, float] | None = None,
    user_attrs: dict[str, Any] | None = None,
    duration: float | None = 1.0,
) -> FrozenTrial:
    """A frozen trial with number ``number``; ``values`` only kept for COMPLETE trials."""
    if isinstance(values, (int, float)):
        values = [float(values)]
    finished = state not in (TrialState.RUNNING, TrialState.WAITING)
    t = create_trial(
        state=state,
        values=list(values) if values is not None and state == TrialState.COMPLETE else None,
        params=params or {},
        distributions=distributions or {},
        intermediate_values=intermediate or {},
        user_attrs=user_attrs or {},
    )
    t.number = number
    t.datetime_start = T0 + dt.timedelta(seconds=10 * number)
    if finished and duration is not None:
        t.datetime_complete = t.datetime_start + dt.timedelta(seconds=duration)
    elif not finished:
        t.datetime_complete = None
    return t


def make_study(trials: Sequence[FrozenTrial], directions: Sequence[str] = ("minimize",)):
    study = optuna.create_study(directions=list(directions))
    study.add_trials(trials)
    return study
