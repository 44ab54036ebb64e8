"""How a policy-gradient controller sees one distribution: as the indices of its logits.

A categorical gets one index per choice; a stepped distribution with at most ``n_bins`` values
one per value; any other numeric distribution ``n_bins`` bins of equal width (in log space for a
log distribution), a value drawn uniformly inside the chosen bin, then put onto the step grid
and into the bounds.

Example:
    >>> import numpy as np
    >>> from optuna.distributions import IntDistribution
    >>> arm = Arm(IntDistribution(1, 100), n_bins=4)
    >>> arm.kind, arm.size, arm.index_of(60)
    ('bins', 4, 2)
    >>> 51 <= arm.value(2, np.random.RandomState(0)) <= 75
    True
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from optuna.distributions import BaseDistribution, CategoricalDistribution

from ._discretize import Numeric, choice_index, on_step, snap, step_index, steps

__all__ = ["Arm"]


class Arm:
    """How one distribution maps to the indices of its logits, and back.

    Args:
        distribution: The decision's distribution.
        n_bins: The most values a numeric distribution gets one index each; else its bins.

    Raises:
        ValueError: A distribution of a kind the controllers do not know.
    """

    __slots__ = ("distribution", "edges", "kind", "log", "size")

    def __init__(self, distribution: BaseDistribution, n_bins: int) -> None:
        self.distribution = distribution
        self.log = False
        self.edges = (0.0, 0.0)
        if isinstance(distribution, CategoricalDistribution):
            self.kind = "choice"
            self.size = len(distribution.choices)
            return
        if not isinstance(distribution, Numeric):
            raise ValueError(
                f"PolicyGradient cannot sample {type(distribution).__name__} distributions"
            )
        low, high, step = distribution.low, distribution.high, distribution.step
        self.log = distribution.log
        if step is not None:
            if steps(distribution) <= n_bins:
                self.kind = "grid"
                self.size = steps(distribution)
                return
            low, high = low - step / 2, high + step / 2  # each grid value owns its half-steps
        self.kind = "bins"
        self.size = n_bins
        self.edges = (math.log(low), math.log(high)) if self.log else (float(low), float(high))

    def value(self, index: int, rng: np.random.RandomState) -> Any:
        """The parameter value for ``index`` (drawn within the bin for a binned parameter)."""
        dist = self.distribution
        if isinstance(dist, CategoricalDistribution):
            return dist.choices[index]
        assert isinstance(dist, Numeric)
        if self.kind == "grid":
            return on_step(dist, index)
        lo, hi = self.edges
        width = (hi - lo) / self.size
        t = lo + (index + float(rng.random_sample())) * width
        return snap(dist, math.exp(t) if self.log else t)

    def index_of(self, value: Any) -> int | None:
        """The index whose draws include ``value`` (``None`` when it has none)."""
        dist = self.distribution
        if isinstance(dist, CategoricalDistribution):
            return choice_index(dist, value)
        assert isinstance(dist, Numeric)
        try:
            x = float(value)
            if self.kind == "grid":
                index = step_index(dist, x)
            else:
                lo, hi = self.edges
                t = math.log(x) if self.log else x
                index = math.floor((t - lo) / (hi - lo) * self.size)
        except (ValueError, TypeError, OverflowError, ZeroDivisionError):
            return None
        return min(max(int(index), 0), self.size - 1)

    def labels(self) -> list[Any]:
        """One label per index: the choice, the value, or a bin's ``(low, high)``."""
        dist = self.distribution
        if isinstance(dist, CategoricalDistribution):
            return list(dist.choices)
        if self.kind == "grid":
            return [self.value(i, np.random.RandomState(0)) for i in range(self.size)]
        lo, hi = self.edges
        cuts = np.linspace(lo, hi, self.size + 1)
        if self.log:
            cuts = np.exp(cuts)
        return [(float(a), float(b)) for a, b in itertools.pairwise(cuts)]
