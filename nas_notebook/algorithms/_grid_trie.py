"""Coverage of a grid's points by claims, as a trie over the axes: whether a point is covered,
and the points no claim covers, in enumeration order.

A claim (axis -> position) covers every point that agrees with it on the axes it has; the
trie shares the claims' common prefixes, so that the walk of :func:`uncovered` skips whole
subtrees at once (a call costs about a millisecond with thousands of trials).

Example:
    >>> trie = Trie([2, 3], [{0: 0}, {0: 1, 1: 2}])
    >>> list(uncovered([trie.root], [2, 3]))
    [(1, 0), (1, 1)]
    >>> covers([trie.root], (0, 2)), covers([trie.root], {0: 1})
    (True, False)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ._grid_space import Claim

__all__ = ["Node", "Trie", "covers", "uncovered"]

#: How many covered node sets a trie remembers (then it starts over).
_MEMO = 1_000_000


class Node:
    """A node of a claim trie: children by position on the next axis (``None``: claims that do
    not mention it); ``terminal`` when a claim ends here (it covers everything below); ``full``
    when everything below is covered; ``lasting`` in a trie kept between calls."""

    __slots__ = ("children", "full", "lasting", "n_full", "terminal")

    def __init__(self, lasting: bool) -> None:
        self.children: dict[int | None, Node] = {}
        self.terminal = False
        self.full = False
        self.n_full = 0
        self.lasting = lasting


class Trie:
    """Claims as a trie over the axes, most significant first; a point (or a partial point)
    is covered when a claim agrees with it on every axis the claim has."""

    __slots__ = ("covered", "lasting", "root", "sizes")

    def __init__(
        self, sizes: Sequence[int], claims: Sequence[Claim] = (), lasting: bool = False
    ) -> None:
        self.sizes = list(sizes)
        self.lasting = lasting
        self.root = Node(lasting)
        #: Sets of nodes (by id) of a lasting trie found to cover everything below them.
        self.covered: set[frozenset[int]] = set()
        self.add(claims)

    def add(self, claims: Sequence[Claim]) -> None:
        for claim in claims:
            node = self.root
            path: list[tuple[Node, int | None]] = [(node, None)]
            for depth in range(max(claim, default=-1) + 1):
                key = claim.get(depth)
                child = node.children.get(key)
                if child is None:
                    child = node.children[key] = Node(self.lasting)
                path.append((child, key))
                node = child
            node.terminal = True
            if node.full:
                continue
            node.full = True
            # Everything below is covered now: tell the ancestors, as far as it changes them.
            for depth in range(len(path) - 2, -1, -1):
                node, key = path[depth][0], path[depth + 1][1]
                if node.full:
                    break
                if key is not None:
                    node.n_full += 1
                    if node.n_full < self.sizes[depth]:
                        break
                node.full = True


def covers(roots: Sequence[Node], positions: Sequence[int] | Mapping[int, int]) -> bool:
    """Whether a claim of the tries covers the point (a tuple of positions) or, for a partial
    point (a mapping axis -> position), every point that extends it (a claim on its axes)."""
    partial = isinstance(positions, Mapping)
    nodes = list(roots)
    depth = 0
    while nodes:
        below = []
        for node in nodes:
            if node.terminal:
                return True
            wild = node.children.get(None)
            if wild is not None:
                below.append(wild)
            if partial:
                position = positions.get(depth)  # type: ignore[union-attr]
            else:
                position = positions[depth] if depth < len(positions) else None
            if position is not None:
                child = node.children.get(position)
                if child is not None:
                    below.append(child)
        nodes = below
        depth += 1
    return False


def uncovered(
    roots: Sequence[Node],
    sizes: Sequence[int],
    fixed: Mapping[int, int] | None = None,
    memo: set[frozenset[int]] | None = None,
) -> Iterator[tuple[int, ...]]:
    """The points the tries do not cover, in enumeration order (the first axis most
    significant), restricted to the ``fixed`` positions.

    A depth-first walk of the axes along the trie nodes that agree with the prefix: a terminal
    (or full) node covers the whole subtree. The positions no node mentions share the same
    nodes, hence the same coverage: once one of them is found covered, the others are skipped.
    ``memo`` (a lasting trie's) keeps the sets of its nodes found to cover their subtree
    (claims are only ever added to it), so that later walks skip them at once. A node's
    ``full`` flag and ``memo`` count the axes' sizes without the values ``fixed`` adds, so they
    are not used then.
    """
    fixed = fixed or {}
    use_full = not fixed
    if fixed:
        memo = None
    n = len(sizes)
    prefix: list[int] = []

    def walk(depth: int, nodes: list[Node]) -> Iterator[tuple[int, ...]]:
        for node in nodes:
            if node.terminal or (use_full and node.full):
                return
        key = None
        if memo is not None:
            key = frozenset(id(node) for node in nodes if node.lasting)
            if key in memo:
                return
        if depth == n:
            yield tuple(prefix)
            return
        wild: list[Node] = []
        mentioned: dict[int, list[Node]] = {}
        for node in nodes:
            for position, child in node.children.items():
                if position is None:
                    wild.append(child)
                else:
                    mentioned.setdefault(position, []).append(child)
        rest_covered = False
        any_found = False
        choices = (fixed[depth],) if depth in fixed else range(sizes[depth])
        for position in choices:
            group = mentioned.get(position)
            if group is None:
                if rest_covered:
                    continue
                sub = wild
            else:
                sub = group + wild
            found = False
            prefix.append(position)
            for point in walk(depth + 1, sub):
                found = True
                yield point
            prefix.pop()
            any_found = any_found or found
            if group is None and not found:
                rest_covered = True
        if memo is not None and key and not any_found and len(key) == len(nodes):
            if len(memo) >= _MEMO:
                memo.clear()
            memo.add(key)

    yield from walk(0, list(roots))
