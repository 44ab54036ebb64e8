"""A decision's values as coordinates in ``[0, 1]``: the scale priors, differential evolution
and PriorBand's incumbent mutations work in.

A number's range maps linearly onto ``[0, 1]`` (its logarithm's, where the decision is on a log
scale). The range of an integer or stepped decision not on a log scale is widened by half a
step at each end, so that every grid value gets a cell of the same width (``intv(0, 2)``'s
``0``, ``1`` and ``2`` each own a third). A choice among ``k`` owns the cell ``[i / k, (i + 1)
/ k)`` and sits at its middle.

Example:
    >>> from optuna.distributions import CategoricalDistribution, FloatDistribution
    >>> from optuna.distributions import IntDistribution
    >>> to_unit(FloatDistribution(1e-3, 1e-1, log=True), 1e-2)
    0.5
    >>> to_unit(CategoricalDistribution(["a", "b"]), "b"), to_unit(IntDistribution(0, 2), 2)
    (0.75, 0.8333333333333334)
    >>> from_unit(IntDistribution(0, 2), 0.4), from_unit(IntDistribution(0, 10, step=5), 0.6)
    (1, 5)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from optuna.distributions import BaseDistribution, CategoricalDistribution, IntDistribution

from ._discretize import Numeric, snap

__all__ = ["from_unit", "to_unit", "units"]


def _range(dist: Numeric) -> tuple[float, float]:
    """The range that maps onto ``[0, 1]``, in the scale of the decision (log or linear)."""
    low, high = float(dist.low), float(dist.high)
    if dist.log:
        return math.log(low), math.log(high)
    step = dist.step if dist.step is not None else (1 if isinstance(dist, IntDistribution) else 0)
    return low - step / 2, high + step / 2


def units(dist: Numeric, values: Any) -> np.ndarray:
    """Numbers ``values`` (scalar or array, in bounds) of ``dist`` as coordinates."""
    low, high = _range(dist)
    x = np.asarray(values, dtype=float)
    if dist.log:
        x = np.log(x)
    if high == low:
        return np.full_like(x, 0.5)
    return (x - low) / (high - low)


def to_unit(dist: BaseDistribution, value: Any) -> float | None:
    """``value`` of ``dist`` as a coordinate in ``[0, 1]`` (None: not one of its values)."""
    if isinstance(dist, CategoricalDistribution):
        try:
            index = dist.to_internal_repr(value)
        except ValueError:
            return None
        return (int(index) + 0.5) / len(dist.choices)
    if not isinstance(dist, Numeric) or isinstance(value, bool):
        return None
    if not isinstance(value, (int, float)) or not dist.low <= value <= dist.high:
        return None
    return float(units(dist, value))


def from_unit(dist: BaseDistribution, unit: float) -> Any:
    """The value of ``dist`` at coordinate ``unit`` (clipped to ``[0, 1]``): the inverse of
    :func:`to_unit`, onto the step grid."""
    unit = min(max(float(unit), 0.0), 1.0)
    if isinstance(dist, CategoricalDistribution):
        return dist.choices[min(int(unit * len(dist.choices)), len(dist.choices) - 1)]
    assert isinstance(dist, Numeric)
    low, high = _range(dist)
    x = low + unit * (high - low)
    return snap(dist, math.exp(x) if dist.log else x)
