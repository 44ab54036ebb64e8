"""The known space of a grid search: one axis per decision a trial of the study has made, the
enumeration of its points, and the claims (axis -> position) by which trials cover points.

Example:
    >>> import optuna
    >>> study = optuna.create_study()
    >>> trial = study.ask()
    >>> op, n = trial.suggest_categorical("op", ["a", "b"]), trial.suggest_int("n", 1, 3)
    >>> first, dists = {}, {}
    >>> note(first, dists, study.trials[0])
    >>> space = Space(first, dists, points=5)
    >>> space.names, space.sizes, space.total
    (['n', 'op'], [3, 2], 6)
    >>> space.point(space.unindex(3)), space.encode({"op": "b"})
    ({'op': 'b', 'n': 2}, {1: 1})
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial

from ._discretize import contains, dist_key, grid_values, value_key

__all__ = ["Claim", "Dists", "Space", "note"]

#: A claim: axis index -> position on that axis. It covers the points that agree with it.
Claim = dict[int, int]

#: Per decision name: each distribution seen for it (by :func:`dist_key`), with its first
#: appearance (trial number, order of suggestion).
Dists = dict[str, dict[Any, tuple[tuple[int, int], BaseDistribution]]]


class Space:
    """The known space: one axis per decision, the newest first (the most significant digit of
    the enumeration), each the grid values of every distribution seen for its decision, in
    order of first appearance."""

    __slots__ = ("_excluded", "_several", "layout", "lookup", "names", "sizes", "slot", "values")

    def __init__(
        self,
        first: Mapping[str, tuple[int, int]],
        dists: Dists,
        points: int,
    ) -> None:
        self.names: list[str] = sorted(first, key=first.__getitem__, reverse=True)
        self.slot: dict[str, int] = {name: i for i, name in enumerate(self.names)}
        self.values: list[list[Any]] = []
        self.lookup: list[dict[Any, int]] = []
        layout = []
        for name in self.names:
            seen = sorted(dists[name].items(), key=lambda item: item[1][0])
            layout.append((name, tuple(key for key, _ in seen)))
            values: list[Any] = []
            lookup: dict[Any, int] = {}
            for _, (_, dist) in seen:
                for value in grid_values(dist, points):
                    key = value_key(value)
                    if key not in lookup:
                        lookup[key] = len(values)
                        values.append(value)
            self.values.append(values)
            self.lookup.append(lookup)
        #: What the positions of the values depend on: same layout, same claims.
        self.layout: Any = tuple(layout)
        self.sizes: list[int] = [len(v) for v in self.values]
        self._several = {name for name in self.names if len(dists[name]) > 1}
        self._excluded: dict[tuple[int, Any], list[int]] = {}

    @property
    def total(self) -> int:
        """How many points the space has."""
        return math.prod(self.sizes)

    def encode(self, assignment: Mapping[str, Any]) -> Claim | None:
        """``assignment`` (name -> value) as a claim, or None when a name or value is not on
        the grid (then it covers no point)."""
        claim: Claim = {}
        for name, value in assignment.items():
            axis = self.slot.get(name)
            if axis is None:
                return None
            position = self.lookup[axis].get(value_key(value))
            if position is None:
                return None
            claim[axis] = position
        return claim

    def out_of_range(
        self, params: Mapping[str, Any], distributions: Mapping[str, BaseDistribution]
    ) -> list[Claim]:
        """Claims on the points that agree with ``params`` but for one decision whose value is
        outside the distribution it had there (the objective would not run them as such)."""
        claims: list[Claim] = []
        for name, dist in distributions.items():
            if name not in self._several or name not in params:
                continue
            axis = self.slot[name]
            cache_key = (axis, dist_key(dist))
            excluded = self._excluded.get(cache_key)
            if excluded is None:
                excluded = [
                    p for p, value in enumerate(self.values[axis]) if not contains(dist, value)
                ]
                self._excluded[cache_key] = excluded
            if not excluded:
                continue
            base = self.encode({n: v for n, v in params.items() if n != name})
            if base is not None:
                claims.extend({**base, axis: p} for p in excluded)
        return claims

    def constrain(self, given: Mapping[str, Any]) -> dict[int, int]:
        """Positions fixed by ``given`` values (an enqueued trial's), adding a value that is
        not on its axis to it."""
        fixed: dict[int, int] = {}
        for name, value in given.items():
            axis = self.slot.get(name)
            if axis is None:
                continue
            key = value_key(value)
            if key not in self.lookup[axis]:
                self.lookup[axis][key] = len(self.values[axis])
                self.values[axis].append(value)
                self.sizes[axis] += 1
            fixed[axis] = self.lookup[axis][key]
        return fixed

    def point(self, positions: Sequence[int]) -> dict[str, Any]:
        """The point at ``positions``, as name -> value (first-seen decision first)."""
        return {
            self.names[a]: self.values[a][positions[a]] for a in reversed(range(len(positions)))
        }

    def index(self, positions: Sequence[int]) -> int:
        """The point's index in enumeration order."""
        index = 0
        for size, position in zip(self.sizes, positions):
            index = index * size + position
        return index

    def unindex(self, index: int) -> tuple[int, ...]:
        """The positions of the point with this index in enumeration order."""
        positions = []
        for size in reversed(self.sizes):
            index, position = divmod(index, size)
            positions.append(position)
        return tuple(reversed(positions))


def note(
    first: dict[str, tuple[int, int]],
    dists: Dists,
    trial: FrozenTrial,
) -> None:
    """Record the first appearance (trial number, order of suggestion) of ``trial``'s
    decisions and of their distributions."""
    for order, (name, dist) in enumerate(trial.distributions.items()):
        at = (trial.number, order)
        if at < first.get(name, (math.inf, 0)):
            first[name] = at
        seen = dists.setdefault(name, {})
        key = dist_key(dist)
        known = seen.get(key)
        if known is None or at < known[0]:
            seen[key] = (at, dist)
