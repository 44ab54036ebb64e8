"""The plain PyTorch model of one cell of the NAS-Bench-201-style space (see
:mod:`nas_notebook.benchmarks._nas201` for the cell, the ops and the macro skeleton). Kept apart
so that the cell encoding, the search space and the table need no torch.

Two forms of the same architectures:

* :class:`Network` (``Network(ops)``, ops by name): the model the table was trained with;
* :class:`OpNetwork`, symbolic, whose edges are op *modules* built by classes
  (:data:`OP_MODULES`): :func:`module_space` is the space as choices between those classes,
  one decision per edge (named as :func:`~nas_notebook.benchmarks.search_space` names them),
  which :func:`nas_notebook.torch.rewrite` turns into a weight-sharing super-network and
  :func:`~nas_notebook.symbolic.materialize` into a child; :func:`ops_of` maps a child's
  decisions back to op names, to look it up in the table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from ..space import oneof
from ..symbolic import symbolize
from ._nas201 import EDGES, NUM_CLASSES, OPS, _check, edge_name

__all__ = [
    "OP_MODULES",
    "AvgPool3x3",
    "Cell",
    "Conv1x1",
    "Conv3x3",
    "Network",
    "OpCell",
    "OpNetwork",
    "Reduction",
    "Skip",
    "Zero",
    "module_space",
    "ops_of",
]


def _conv(dims: int) -> type[nn.Conv1d] | type[nn.Conv2d]:
    """The convolution class of ``dims``-dimensional inputs (2: images, 1: sequences)."""
    if dims not in (1, 2):
        raise ValueError(f"dims must be 1 or 2, got {dims!r}")
    return nn.Conv2d if dims == 2 else nn.Conv1d


class ReLUConv(nn.Module):
    """ReLU then a bias-free ``k x k`` convolution keeping the spatial size (``k`` on 1-D
    inputs when ``dims=1``)."""

    def __init__(self, channels: int, kernel: int, dims: int = 2) -> None:
        super().__init__()
        self.conv = _conv(dims)(channels, channels, kernel, padding=kernel // 2, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.relu(x))


def _op_module(op: str, channels: int, dims: int = 2) -> nn.Module | None:
    if op == "conv_1x1":
        return ReLUConv(channels, 1, dims)
    if op == "conv_3x3":
        return ReLUConv(channels, 3, dims)
    return None


def avg_pool_3x3(x: torch.Tensor) -> torch.Tensor:
    """The ``avg_pool_3x3`` op (width-3 pooling on ``(N, C, L)`` sequences)."""
    if x.dim() == 3:
        return F.avg_pool1d(x, 3, stride=1, padding=1, count_include_pad=False)
    return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)


def _edge_key(edge: tuple[int, int]) -> str:
    return f"e{edge[0]}_{edge[1]}"


class Cell(nn.Module):
    """One cell with fixed edge ops; only the convolutions have parameters
    (``edges['e{to}_{from}'].conv.weight``)."""

    def __init__(self, ops: Sequence[str], channels: int, dims: int = 2) -> None:
        super().__init__()
        self.ops = _check(ops)
        self.edges = nn.ModuleDict()
        for op, edge in zip(self.ops, EDGES):
            module = _op_module(op, channels, dims)
            if module is not None:
                self.edges[_edge_key(edge)] = module

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for to in (1, 2, 3):
            total = torch.zeros_like(x)
            for op, edge in zip(self.ops, EDGES):
                if edge[0] != to or op == "none":
                    continue
                source = nodes[edge[1]]
                if op == "skip_connect":
                    total = total + source
                elif op == "avg_pool_3x3":
                    total = total + avg_pool_3x3(source)
                else:
                    total = total + self.edges[_edge_key(edge)](source)
            nodes.append(total)
        return nodes[3]


class Reduction(nn.Module):
    """The residual reduction block C -> 2C, 8x8 -> 4x4 (length L -> L/2 when ``dims=1``)."""

    def __init__(self, channels: int, dims: int = 2) -> None:
        super().__init__()
        wide, conv = 2 * channels, _conv(dims)
        self.conv_a = conv(channels, wide, 3, stride=2, padding=1, bias=False)
        self.conv_b = conv(wide, wide, 3, padding=1, bias=False)
        self.shortcut = conv(channels, wide, 1, bias=False)
        self.dims = dims

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        main = self.conv_b(F.relu(self.conv_a(F.relu(x))))
        pooled = F.avg_pool2d(x, 2) if self.dims == 2 else F.avg_pool1d(x, 2)
        return main + self.shortcut(pooled)


class _Skeleton(nn.Module):
    """The macro skeleton around two cells (``make_cell(channels)`` builds each): stem conv,
    cell, residual reduction, cell, global pooling, linear; input ``(N, 1, 8, 8)``, output
    logits ``(N, 10)``. Convolutions start Kaiming-normal (in module order, which the table's
    initial weights depend on). With ``dims=1`` every convolution and pooling is 1-D, for
    sequences ``(N, 1, L)``."""

    def __init__(self, make_cell: Callable[[int], nn.Module], channels: int, dims: int = 2) -> None:
        super().__init__()
        self.channels = channels
        self.dims = dims
        self.stem = _conv(dims)(1, channels, 3, padding=1)
        self.cell0 = make_cell(channels)
        self.reduction = Reduction(channels, dims)
        self.cell1 = make_cell(2 * channels)
        self.classifier = nn.Linear(2 * channels, NUM_CLASSES)
        for module in self.modules():
            if isinstance(module, (nn.Conv1d, nn.Conv2d)):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.cell1(self.reduction(self.cell0(self.stem(x))))
        return self.classifier(F.relu(x).mean(dim=tuple(range(2, 2 + self.dims))))


class Network(_Skeleton):
    """The macro skeleton around one cell with fixed edge ops (see the module docstring);
    input ``(N, 1, 8, 8)`` (or sequences ``(N, 1, L)`` with ``dims=1``), output logits
    ``(N, 10)``."""

    def __init__(self, ops: Sequence[str], channels: int = 8, dims: int = 2) -> None:
        checked = _check(ops)
        super().__init__(lambda width: Cell(checked, width, dims), channels, dims)
        self.ops = checked


# -- the same architectures with op modules --------------------------------------------------


class Zero(nn.Module):
    """``none``: the edge carries nothing (zeros of the input's shape)."""

    def __init__(self, channels: int) -> None:
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.zeros_like(x)


class Skip(nn.Module):
    """``skip_connect``: the identity."""

    def __init__(self, channels: int) -> None:
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class Conv1x1(ReLUConv):
    """``conv_1x1``: ReLU then a 1x1 convolution."""

    def __init__(self, channels: int) -> None:
        super().__init__(channels, 1)


class Conv3x3(ReLUConv):
    """``conv_3x3``: ReLU then a 3x3 convolution."""

    def __init__(self, channels: int) -> None:
        super().__init__(channels, 3)


class AvgPool3x3(nn.Module):
    """``avg_pool_3x3``: 3x3 average pooling, stride 1, padding not counted."""

    def __init__(self, channels: int) -> None:
        super().__init__()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return avg_pool_3x3(x)


#: Op name -> the module class of that op (built with the cell's ``channels``).
OP_MODULES: dict[str, type[nn.Module]] = {
    "none": Zero,
    "skip_connect": Skip,
    "conv_1x1": Conv1x1,
    "conv_3x3": Conv3x3,
    "avg_pool_3x3": AvgPool3x3,
}
_OP_OF_LABEL = {cls.__qualname__: op for op, cls in OP_MODULES.items()}
assert tuple(OP_MODULES) == OPS


class OpCell(nn.Module):
    """A cell whose edges are modules: ``edges[i](channels)`` builds the op of ``EDGES[i]``
    (an op class, or whatever stands for one, such as a super-network's choice)."""

    def __init__(self, edges: Sequence[Any], channels: int) -> None:
        super().__init__()
        if len(edges) != len(EDGES):
            raise ValueError(f"OpCell: give {len(EDGES)} edges, got {len(edges)}")
        self.edges = nn.ModuleList(op(channels) for op in edges)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for to in (1, 2, 3):
            total = torch.zeros_like(x)
            for op, edge in zip(self.edges, EDGES):
                if edge[0] == to:
                    total = total + op(nodes[edge[1]])
            nodes.append(total)
        return nodes[3]


@symbolize
class OpNetwork(_Skeleton):
    """:class:`Network`'s skeleton around two :class:`OpCell` s sharing ``edges`` (six op
    classes in :data:`EDGES` order; hyper values in a search space)."""

    def __init__(self, edges: Sequence[Any], channels: int = 8) -> None:
        super().__init__(lambda width: OpCell(edges, width), channels)


def module_space(channels: int = 8) -> Any:
    """The benchmark's space as choices between op classes, one per edge, named
    ``edge_1<-0`` ... ``edge_3<-2``.

    Example:
        >>> from nas_notebook.symbolic import decisions
        >>> list(decisions(module_space()))[:2]
        ['edge_1<-0', 'edge_2<-0']
    """
    candidates = list(OP_MODULES.values())
    return OpNetwork(
        edges=[oneof(candidates, name=edge_name(edge)) for edge in EDGES], channels=channels
    )


def ops_of(params: Mapping[str, Any]) -> tuple[str, ...]:
    """The op names (in :data:`EDGES` order) of a :func:`module_space` architecture given as
    decisions (a trial's params, or a super-network's ``derive()``).

    Example:
        >>> ops_of({edge_name(e): "Conv3x3" for e in EDGES})
        ('conv_3x3', 'conv_3x3', 'conv_3x3', 'conv_3x3', 'conv_3x3', 'conv_3x3')
    """
    try:
        return tuple(_OP_OF_LABEL[params[edge_name(edge)]] for edge in EDGES)
    except KeyError as exc:
        raise ValueError(f"ops_of: no op for {exc.args[0]!r} in {dict(params)!r}") from None
