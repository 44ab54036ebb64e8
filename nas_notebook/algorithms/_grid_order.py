"""The order a grid search visits points in: enumeration order, or a seeded shuffle of it that
any instance with the same key repeats (a permutation of any size, in constant memory).

Example:
    >>> order = Permutation(10, key=7)
    >>> sorted(order(rank) for rank in range(10)) == list(range(10))
    True
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ._grid_space import Space
from ._grid_survey import Survey
from ._grid_trie import Node, covers, uncovered

__all__ = ["Permutation", "first", "visit"]

#: How many points of a shuffled order are tried before falling back to enumeration order (a
#: huge space whose points are nearly all covered).
_SCAN_LIMIT = 20_000

_MASK64 = (1 << 64) - 1


def visit(
    survey: Survey, roots: Sequence[Node], fixed: Mapping[int, int], key: int | None
) -> Iterator[tuple[int, ...]]:
    """The points the tries at ``roots`` (among them the finished trials') do not cover, in
    visiting order: shuffled by ``key`` unless it is None or positions are ``fixed`` (then in
    enumeration order, constrained to the ``fixed`` positions)."""
    space = survey.space
    if key is None or fixed:
        yield from uncovered(roots, space.sizes, fixed, survey.memo)
        return
    total = space.total
    order = Permutation(total, key)
    # The shuffled order's prefix that finished trials cover stays covered: skip it.
    index = survey.index
    assert index.trie is not None
    done = [index.trie.root]
    start = index.scan_start
    end = min(total, start + _SCAN_LIMIT)
    while start < end and covers(done, space.unindex(order(start))):
        start += 1
    index.scan_start = start
    tried: set[tuple[int, ...]] = set()
    for rank in range(start, end):
        positions = space.unindex(order(rank))
        if not covers(roots, positions):
            tried.add(positions)
            yield positions
    if end < total:  # nearly everything covered: finish in enumeration order
        for positions in uncovered(roots, space.sizes, memo=survey.memo):
            if positions not in tried:
                yield positions


def first(space: Space, fixed: Mapping[int, int], key: int | None) -> tuple[int, ...]:
    """The first point in visiting order (see :func:`visit`), covered or not."""
    if key is not None and not fixed:
        return space.unindex(Permutation(space.total, key)(0))
    return tuple(fixed.get(axis, 0) for axis in range(len(space.sizes)))


def _mix(x: int) -> int:
    """SplitMix64's finalizer: a 64-bit bijective hash."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


class Permutation:
    """A seeded permutation of ``range(size)`` in constant memory: a four-round Feistel network
    on the smallest even number of bits that holds ``size``, cycle-walking back into range."""

    __slots__ = ("_half", "_keys", "_mask", "_size")

    def __init__(self, size: int, key: int) -> None:
        bits = max(2, (size - 1).bit_length())
        bits += bits % 2
        self._size = size
        self._half = bits // 2
        self._mask = (1 << self._half) - 1
        base = _mix((key & _MASK64) ^ _mix(size & _MASK64))
        self._keys = tuple(_mix(base + r) for r in range(4))

    def __call__(self, rank: int) -> int:
        half, mask = self._half, self._mask
        x = rank
        while True:
            left, right = x >> half, x & mask
            for key in self._keys:
                left, right = right, left ^ (_mix((right ^ key) & _MASK64) & mask)
            x = (left << half) | right
            if x < self._size:
                return x
