"""The values of a distribution as the algorithms see them: which values a distribution contains,
its step grid, and a finite set of grid values for any distribution.

One rule for every algorithm: a stepped distribution ``low, low + step, ..., high`` has
``floor((high - low) / step + 1e-8) + 1`` values (Optuna moves ``high`` onto the grid, so the
``1e-8`` only absorbs rounding errors), and a number goes to its nearest grid value, halves
rounding up (``floor(k + 0.5)``).

Values are compared by :func:`value_key`: ``True`` is not ``1`` (Optuna's ``==`` takes choices
``[1, 0]`` for ``[True, False]``), ``1`` is ``1.0``, and NaN is NaN.

Example:
    >>> from optuna.distributions import FloatDistribution, IntDistribution
    >>> steps(FloatDistribution(0.0, 1.0, step=0.25)), snap(IntDistribution(0, 9, step=3), 4.6)
    (5, 6)
    >>> contains(IntDistribution(0, 9, step=3), 6), contains(IntDistribution(0, 9), True)
    (True, False)
    >>> grid_values(FloatDistribution(1e-3, 1e-1, log=True), 3)
    (0.001, 0.01, 0.1)
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

__all__ = [
    "Numeric",
    "choice_index",
    "contains",
    "count",
    "dist_key",
    "grid_values",
    "internal",
    "native",
    "on_step",
    "position",
    "snap",
    "spread",
    "step_index",
    "steps",
    "value_at",
    "value_key",
]

#: A distribution over numbers.
Numeric = IntDistribution | FloatDistribution


def value_key(value: Any) -> Any:
    """A hashable key equal for equal values of one kind (``True`` is not ``1``, NaN is NaN).

    Example:
        >>> value_key(1) == value_key(1.0), value_key(True) == value_key(1)
        (True, False)
    """
    kind = type(value)
    if kind is str:
        return ("str", value)
    if kind is int:
        return ("num", value)
    if kind is float:
        return ("num", value) if value == value else ("nan",)
    if value is None:
        return (None,)
    if kind is bool or isinstance(value, np.bool_):
        return ("bool", bool(value))
    if isinstance(value, numbers.Integral):
        return ("num", int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        return ("nan",) if math.isnan(number) else ("num", number)
    return ("repr", repr(value))


def dist_key(dist: BaseDistribution) -> Any:
    """A hashable identity of a distribution (choices compared by :func:`value_key`)."""
    if isinstance(dist, CategoricalDistribution):
        return tuple(value_key(c) for c in dist.choices)
    if isinstance(dist, Numeric):
        return (type(dist), dist.low, dist.high, dist.step, dist.log)
    return (type(dist), repr(dist))


def choice_index(dist: CategoricalDistribution, value: Any) -> int | None:
    """The index of the first choice equal to ``value`` by :func:`value_key`, or None."""
    key = value_key(value)
    for i, choice in enumerate(dist.choices):
        if value_key(choice) == key:
            return i
    return None


def contains(dist: BaseDistribution, value: Any) -> bool:
    """Whether ``dist`` contains ``value``: a choice of the same kind, or a number (not a bool)
    in range and on the step.

    Example:
        >>> from optuna.distributions import CategoricalDistribution
        >>> contains(CategoricalDistribution([1, 2]), True)
        False
    """
    return internal(dist, value) is not None


def internal(dist: BaseDistribution, value: Any) -> float | None:
    """``value`` in Optuna's internal representation of ``dist`` (a choice's index, a number as
    a float), or None when ``dist`` does not contain it (see :func:`contains`)."""
    if isinstance(dist, CategoricalDistribution):
        index = choice_index(dist, value)
        return None if index is None else float(index)
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        return None
    try:
        number = dist.to_internal_repr(value)
        return number if dist._contains(number) else None
    except (ValueError, TypeError):
        return None


def native(dist: BaseDistribution, value: Any) -> Any:
    """``value`` (contained in ``dist``) as the native value a ``suggest_*`` call returns."""
    if isinstance(dist, CategoricalDistribution):
        index = choice_index(dist, value)
        assert index is not None
        return dist.choices[index]
    if isinstance(dist, IntDistribution):
        return int(value)
    return float(value)


# -- step grids --------------------------------------------------------------------------------


def steps(dist: Numeric) -> int:
    """How many values the step grid ``low, low + step, ..., high`` of a stepped distribution
    has."""
    assert dist.step is not None
    return math.floor((dist.high - dist.low) / dist.step + 1e-8) + 1


def step_index(dist: Numeric, x: float) -> int:
    """The index on the step grid of the grid value nearest to ``x`` (halves round up)."""
    assert dist.step is not None
    return math.floor((x - dist.low) / dist.step + 0.5)


def on_step(dist: Numeric, index: int) -> Any:
    """The ``index``-th value of a stepped distribution's grid, in bounds, as a native value."""
    assert dist.step is not None
    value = min(max(dist.low + index * dist.step, dist.low), dist.high)
    return int(value) if isinstance(dist, IntDistribution) else float(value)


def snap(dist: Numeric, x: float) -> Any:
    """``x`` onto the step grid (when there is one) and into bounds, as a native value."""
    if dist.step is not None:
        return on_step(dist, step_index(dist, x))
    return float(min(max(x, dist.low), dist.high))


# -- the values of a categorical or stepped distribution --------------------------------------


def count(dist: BaseDistribution) -> int:
    """How many values a categorical or stepped distribution has."""
    if isinstance(dist, CategoricalDistribution):
        return len(dist.choices)
    assert isinstance(dist, Numeric)
    return steps(dist)


def value_at(dist: BaseDistribution, index: int) -> Any:
    """The ``index``-th value of a categorical or stepped distribution, as a native value."""
    if isinstance(dist, CategoricalDistribution):
        return dist.choices[index]
    assert isinstance(dist, Numeric)
    return on_step(dist, index)


def position(dist: BaseDistribution, internal_value: float) -> int:
    """The index among the values of a categorical or stepped distribution of one given in
    Optuna's internal representation (see :func:`internal`)."""
    if isinstance(dist, CategoricalDistribution):
        return int(internal_value)
    assert isinstance(dist, Numeric)
    return step_index(dist, internal_value)


# -- a finite set of values of any distribution ------------------------------------------------


def grid_values(dist: BaseDistribution, points: int) -> tuple[Any, ...]:
    """``dist``'s grid values with at most ``points`` per numeric distribution, as native values,
    deduplicated: the choices, in order; a stepped distribution's every value when there are at
    most ``points``, else ``points`` values evenly spaced (in log space for a log distribution)
    and rounded onto the step grid; a float's ``points`` values evenly spaced.

    Example:
        >>> from optuna.distributions import IntDistribution
        >>> grid_values(IntDistribution(1, 4), 3)  # 1, 2.5, 4 rounded (half up)
        (1, 3, 4)
    """
    if isinstance(dist, CategoricalDistribution):
        unique: dict[Any, Any] = {}
        for choice in dist.choices:
            unique.setdefault(value_key(choice), choice)
        return tuple(unique.values())
    if isinstance(dist, Numeric):
        return _numeric_axis(dist, points)
    raise TypeError(f"GridSearch cannot sample a {type(dist).__name__}.")


@functools.lru_cache(maxsize=4096)
def _numeric_axis(dist: Numeric, points: int) -> tuple[Any, ...]:
    if dist.step is None:
        values = [snap(dist, v) for v in spread(dist.low, dist.high, points, dist.log)]
    elif steps(dist) <= points:
        values = [on_step(dist, i) for i in range(steps(dist))]
    else:
        evenly = spread(dist.low, dist.high, points, dist.log)
        values = [on_step(dist, step_index(dist, v)) for v in evenly]
    return tuple(dict.fromkeys(values))


def spread(low: float, high: float, points: int, log: bool) -> Sequence[float]:
    """``points`` values from ``low`` to ``high`` (both included), evenly spaced (in log space
    when ``log``)."""
    if points == 1:
        return [float(low)]
    raw = np.geomspace(low, high, points) if log else np.linspace(low, high, points)
    values = [float(v) for v in raw]
    values[0], values[-1] = float(low), float(high)
    return values
