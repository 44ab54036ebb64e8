"""A NAS-Bench-201-style cell space sized for scikit-learn's 8x8 digits.

**The cell** is a DAG of 4 nodes (0 is the input, 3 the output). Each of the 6 edges ``j <- i``
(``i < j``) applies one of :data:`OPS` to node ``i``; node ``j`` is the sum of its incoming
edges. That gives ``5 ** 6 = 15,625`` cells, indexed 0..15624 by :func:`cell_index` (edge ops as
base-5 digits, the first edge of :data:`EDGES` most significant) and written in the NB201 string
form by :func:`cell_str`.

**The ops** (no normalization layer anywhere, so that every op maps zero to zero):

* ``none``: zeros; ``skip_connect``: identity;
* ``conv_1x1`` / ``conv_3x3``: ReLU then a bias-free convolution (padding keeps the size);
* ``avg_pool_3x3``: 3x3 average pooling, stride 1, padding 1, padding not counted.

**The macro skeleton** (:class:`Network`, ``C`` channels, default 8), for 1x8x8 inputs:

1. stem: 3x3 convolution 1 -> C with bias (8x8);
2. cell at C channels (8x8);
3. residual reduction: ``ReLU-conv3x3(stride 2, C -> 2C)``, ``ReLU-conv3x3(2C -> 2C)``, plus a
   shortcut ``avgpool2x2`` then ``conv1x1(C -> 2C)`` (all bias-free), to 4x4;
4. the same cell (same ops, its own weights) at 2C channels (4x4);
5. ReLU, global average pooling, linear 2C -> 10.

Convolutions are initialized with ``kaiming_normal_`` (fan in, ReLU gain), the linear layer with
PyTorch's default.

**FLOPs** (:func:`flops`) are counted per image, forward only: multiply-accumulates of every
convolution and of the linear layer, plus one operation per summed input element of each
average pooling (9 per output element of a 3x3 pool, up to the border). Edges whose op is
``none`` cost nothing; dead edges (see below) are counted, as the plain module computes them.
:func:`param_count` counts the parameters of the plain :class:`Network`.

**Isomorphism** (:func:`canonical`): each node is written as a formal sum of terms, node 0 being
``x``; an edge ``j <- i`` contributes ``op(expr_i)`` to node ``j``, except that ``skip_connect``
contributes the terms of ``expr_i`` themselves (sums are flattened), ``none`` contributes
nothing, and any op applied to a node that is identically zero contributes nothing (every op
maps zero to zero). Terms are sorted, so the order of summation and the labelling of the two
intermediate nodes do not matter. Two cells with the same output expression compute the same
family of functions (the same computation graph up to dead edges and relabelling), so edges that
do not reach the output, or are not reached from the input, are pruned, and a cell whose only
paths from input to output go through ``none`` is the all-``none`` cell. :func:`canonical`
returns the member of the class with the smallest index. Linearity of pooling is not exploited,
so a few functionally equal cells stay in different classes.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from ..space import oneof

__all__ = [
    "EDGES",
    "OPS",
    "canonical",
    "canonical_key",
    "cell_from_str",
    "cell_index",
    "cell_ops",
    "cell_str",
    "edge_name",
    "flops",
    "isomorphism_classes",
    "param_count",
    "search_space",
]

OPS: tuple[str, ...] = ("none", "skip_connect", "conv_1x1", "conv_3x3", "avg_pool_3x3")
"""The candidate ops of every edge, in the order of their codes."""

EDGES: tuple[tuple[int, int], ...] = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
"""The 6 edges as ``(to, from)`` node pairs, in NB201 order."""

N_CELLS = len(OPS) ** len(EDGES)
NUM_CLASSES = 10
IMAGE_SIZE = 8


def edge_name(edge: tuple[int, int]) -> str:
    """The parameter name of an edge's decision.

    >>> edge_name((2, 1))
    'edge_2<-1'
    """
    return f"edge_{edge[0]}<-{edge[1]}"


def _check(ops: Sequence[str]) -> tuple[str, ...]:
    ops = tuple(ops)
    if len(ops) != len(EDGES) or any(op not in OPS for op in ops):
        raise ValueError(f"a cell is {len(EDGES)} ops from {OPS}, got {ops!r}")
    return ops


def cell_index(ops: Sequence[str]) -> int:
    """The index (0..15624) of the cell with these edge ops (given in :data:`EDGES` order).

    >>> cell_index(["none"] * 6), cell_index(["avg_pool_3x3"] * 6)
    (0, 15624)
    """
    index = 0
    for op in _check(ops):
        index = index * len(OPS) + OPS.index(op)
    return index


def cell_ops(index: int) -> tuple[str, ...]:
    """The edge ops of cell ``index``, in :data:`EDGES` order (inverse of :func:`cell_index`).

    >>> cell_ops(1)
    ('none', 'none', 'none', 'none', 'none', 'skip_connect')
    >>> cell_index(cell_ops(4321))
    4321
    """
    if not 0 <= index < N_CELLS:
        raise ValueError(f"a cell index is in 0..{N_CELLS - 1}, got {index!r}")
    codes = []
    for _ in EDGES:
        index, code = divmod(index, len(OPS))
        codes.append(code)
    return tuple(OPS[c] for c in reversed(codes))


def cell_str(ops: Sequence[str]) -> str:
    """The NB201 string form of a cell.

    >>> cell_str(["conv_3x3", "none", "skip_connect", "conv_1x1", "none", "avg_pool_3x3"])
    '|conv_3x3~0|+|none~0|skip_connect~1|+|conv_1x1~0|none~1|avg_pool_3x3~2|'
    """
    ops = _check(ops)
    nodes = []
    for to in (1, 2, 3):
        nodes.append("|" + "|".join(f"{op}~{i}" for op, (j, i) in zip(ops, EDGES) if j == to) + "|")
    return "+".join(nodes)


def cell_from_str(text: str) -> tuple[str, ...]:
    """The edge ops of a cell written in the NB201 string form (inverse of :func:`cell_str`).

    >>> cell_from_str("|conv_3x3~0|+|none~0|skip_connect~1|+|conv_1x1~0|none~1|avg_pool_3x3~2|")
    ('conv_3x3', 'none', 'skip_connect', 'conv_1x1', 'none', 'avg_pool_3x3')
    """
    found: dict[tuple[int, int], str] = {}
    for to, node in enumerate(text.split("+"), start=1):
        for item in node.strip("|").split("|"):
            op, _, source = item.partition("~")
            found[(to, int(source))] = op
    if set(found) != set(EDGES):
        raise ValueError(f"not a cell string of this space: {text!r}")
    return _check([found[e] for e in EDGES])


def canonical_key(ops: Sequence[str]) -> str:
    """The expression of the cell's output node (see the module docstring); ``'0'`` when the
    output is identically zero.

    >>> canonical_key(["conv_3x3", "none", "none", "skip_connect", "skip_connect", "none"])
    '(conv_3x3((x))+x)'
    """
    ops = _check(ops)
    terms: dict[int, list[str]] = {0: ["x"]}
    for to in (1, 2, 3):
        node: list[str] = []
        for op, (j, i) in zip(ops, EDGES):
            if j != to or op == "none" or not terms[i]:
                continue
            if op == "skip_connect":
                node.extend(terms[i])
            else:
                node.append(f"{op}(({'+'.join(terms[i])}))")
        terms[to] = sorted(node)
    return f"({'+'.join(terms[3])})" if terms[3] else "0"


@functools.lru_cache(maxsize=1)
def isomorphism_classes() -> dict[str, tuple[int, ...]]:
    """All cells grouped by :func:`canonical_key`: key -> sorted cell indices."""
    classes: dict[str, list[int]] = {}
    for index in range(N_CELLS):
        classes.setdefault(canonical_key(cell_ops(index)), []).append(index)
    return {key: tuple(members) for key, members in classes.items()}


@functools.lru_cache(maxsize=1)
def _representatives() -> dict[str, int]:
    return {key: members[0] for key, members in isomorphism_classes().items()}


def canonical(ops: Sequence[str]) -> tuple[str, ...]:
    """The representative (smallest index) of the isomorphism class of this cell.

    >>> canonical(["conv_3x3", "conv_3x3", "conv_3x3", "none", "none", "none"])
    ('none', 'none', 'none', 'none', 'none', 'none')
    """
    return cell_ops(_representatives()[canonical_key(ops)])


def search_space(
    prior: Sequence[str] | None = None, confidence: str | None = None
) -> tuple[str, ...]:
    """Choose the 6 edge ops with :func:`~nas_notebook.oneof`, one decision per edge named by
    :func:`edge_name` (``edge_1<-0`` ... ``edge_3<-2``); returns the ops in :data:`EDGES` order.
    ``prior``: the 6 ops believed best (each edge's ``prior=``), with ``confidence``.

    Call it inside a trial body; outside any search it returns the 6 undecided ``oneof`` values.

    >>> from nas_notebook import trace
    >>> list(trace(search_space))[:2]
    ['edge_1<-0', 'edge_2<-0']
    >>> search_space()[0]
    oneof(['none', 'skip_connect', 'conv_1x1', 'conv_3x3', 'avg_pool_3x3'], name='edge_1<-0')
    """
    if prior is None:
        return tuple(oneof(list(OPS), name=edge_name(edge)) for edge in EDGES)
    ops = _check(prior)
    return tuple(
        oneof(list(OPS), name=edge_name(edge), prior=op, confidence=confidence)
        for op, edge in zip(ops, EDGES)
    )


def param_count(ops: Sequence[str], channels: int = 8) -> int:
    """The number of parameters of ``Network(ops, channels)`` (computed analytically).

    >>> param_count(["conv_3x3"] * 6), param_count(["none"] * 6)  # the largest, the smallest
    (21114, 3834)
    """
    ops = _check(ops)
    c, w = channels, 2 * channels
    total = (9 * c + c) + (9 * c * w + 9 * w * w + c * w) + (w * NUM_CLASSES + NUM_CLASSES)
    for width in (c, w):
        total += sum({"conv_1x1": 1, "conv_3x3": 9}.get(op, 0) for op in ops) * width * width
    return total


def _pool_ops(size: int) -> int:
    """Summed input elements of a 3x3, stride-1, pad-1 pool over one ``size x size`` map."""
    per_axis = sum(min(i + 1, size - 1) - max(i - 1, 0) + 1 for i in range(size))
    return per_axis * per_axis


def flops(ops: Sequence[str], channels: int = 8) -> int:
    """Forward operations per image of ``Network(ops, channels)`` (see the module docstring).

    >>> flops(["none"] * 6, channels=8)
    62880
    """
    ops = _check(ops)
    c, w, big, small = channels, 2 * channels, IMAGE_SIZE**2, (IMAGE_SIZE // 2) ** 2
    total = 9 * c * big  # stem
    total += 9 * c * w * small + 9 * w * w * small + c * w * small + 4 * c * small  # reduction
    total += w * small + w * NUM_CLASSES  # global average pooling, classifier
    for width, size in ((c, IMAGE_SIZE), (w, IMAGE_SIZE // 2)):
        area = size * size
        for op in ops:
            if op == "conv_1x1":
                total += width * width * area
            elif op == "conv_3x3":
                total += 9 * width * width * area
            elif op == "avg_pool_3x3":
                total += width * _pool_ops(size)
    return total
