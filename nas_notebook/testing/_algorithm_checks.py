"""What the algorithm contract checks of a trial: valid values of native types; and how a
failed assertion describes trials."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import FrozenTrial

from .. import _schema

__all__ = ["check_trial", "check_value", "describe", "params", "raised"]


def check_value(name: str, distribution: BaseDistribution, value: Any) -> None:
    """Fail unless ``value`` is a valid value of ``distribution``, of a native Python type.

    A float must be a ``float`` (not a NumPy scalar), in bounds and on its ``step``; an int an
    ``int`` (not a bool) in bounds and on its step; a categorical value one of the choices, of
    that choice's type.

    Args:
        name: The parameter's name (for messages).
        distribution: Its distribution.
        value: The value a trial got.

    Raises:
        AssertionError: The value is not valid, saying why.

    Example:
        >>> import numpy as np
        >>> from optuna.distributions import FloatDistribution
        >>> check_value("lr", FloatDistribution(0.0, 1.0, step=0.25), 0.5)
        >>> check_value("lr", FloatDistribution(0.0, 1.0), np.float64(0.5))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        AssertionError: lr=np.float64(0.5) (float64) for ...: not a native float...
    """
    where = f"{name}={value!r} ({type(value).__name__}) for {distribution}"
    if isinstance(distribution, FloatDistribution):
        assert type(value) is float, f"{where}: not a native float"
        assert distribution.low <= value <= distribution.high, f"{where}: out of bounds"
        if distribution.step is not None:
            k = (value - distribution.low) / distribution.step
            assert math.isclose(k, round(k), abs_tol=1e-6), f"{where}: not on the step grid"
    elif isinstance(distribution, IntDistribution):
        assert type(value) is int, f"{where}: not a native int"
        assert distribution.low <= value <= distribution.high, f"{where}: out of bounds"
        assert (value - distribution.low) % distribution.step == 0, f"{where}: off its step"
    elif isinstance(distribution, CategoricalDistribution):
        assert any(type(c) is type(value) and c == value for c in distribution.choices), (
            f"{where}: not one of the choices"
        )
    else:  # pragma: no cover - Optuna has no other distribution kinds
        raise AssertionError(f"{where}: unknown distribution")


def check_trial(trial: FrozenTrial) -> None:
    """Fail unless every parameter of ``trial`` is valid (see :func:`check_value`).

    Args:
        trial: A stored trial.

    Raises:
        AssertionError: A parameter is not valid, or has no distribution.

    Example:
        >>> import optuna
        >>> study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
        >>> study.optimize(lambda t: t.suggest_int("n", 1, 9, step=2), n_trials=5)
        >>> for trial in study.trials:
        ...     check_trial(trial)
    """
    for name, value in trial.params.items():
        assert name in trial.distributions, f"trial {trial.number}: {name} has no distribution"
        check_value(name, trial.distributions[name], value)


def describe(trials: Sequence[FrozenTrial]) -> list[tuple[int, str, Any]]:
    """What a failed assertion shows: each trial's number, state and failure reason."""
    return [(t.number, t.state.name, t.system_attrs.get(_schema.FAIL_REASON)) for t in trials]


def params(trials: Sequence[FrozenTrial]) -> list[dict[str, Any]]:
    return [dict(t.params) for t in trials]


def raised(action: Callable[[], Any]) -> Exception | None:
    """The exception ``action()`` raised, or None."""
    try:
        action()
    except Exception as exc:
        return exc
    return None
