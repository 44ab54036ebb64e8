"""The plain PyTorch model of one cell of the NAS-Bench-201-style space (see
:mod:`nas_notebook.benchmarks._nas201` for the cell, the ops and the macro skeleton). Kept apart
so that the cell encoding, the search space and the table need no torch."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from ._nas201 import EDGES, NUM_CLASSES, _check

__all__ = ["Cell", "Network", "Reduction"]


class ReLUConv(nn.Module):
    """ReLU then a bias-free ``k x k`` convolution keeping the spatial size."""

    def __init__(self, channels: int, kernel: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, kernel, padding=kernel // 2, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.relu(x))


def _op_module(op: str, channels: int) -> nn.Module | None:
    if op == "conv_1x1":
        return ReLUConv(channels, 1)
    if op == "conv_3x3":
        return ReLUConv(channels, 3)
    return None


def avg_pool_3x3(x: torch.Tensor) -> torch.Tensor:
    """The ``avg_pool_3x3`` op."""
    return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)


def _edge_key(edge: tuple[int, int]) -> str:
    return f"e{edge[0]}_{edge[1]}"


class Cell(nn.Module):
    """One cell with fixed edge ops; only the convolutions have parameters
    (``edges['e{to}_{from}'].conv.weight``)."""

    def __init__(self, ops: Sequence[str], channels: int) -> None:
        super().__init__()
        self.ops = _check(ops)
        self.edges = nn.ModuleDict()
        for op, edge in zip(self.ops, EDGES):
            module = _op_module(op, channels)
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
    """The residual reduction block C -> 2C, 8x8 -> 4x4."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        wide = 2 * channels
        self.conv_a = nn.Conv2d(channels, wide, 3, stride=2, padding=1, bias=False)
        self.conv_b = nn.Conv2d(wide, wide, 3, padding=1, bias=False)
        self.shortcut = nn.Conv2d(channels, wide, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        main = self.conv_b(F.relu(self.conv_a(F.relu(x))))
        return main + self.shortcut(F.avg_pool2d(x, 2))


class Network(nn.Module):
    """The macro skeleton around one cell (see the module docstring); input ``(N, 1, 8, 8)``,
    output logits ``(N, 10)``."""

    def __init__(self, ops: Sequence[str], channels: int = 8) -> None:
        super().__init__()
        self.ops = _check(ops)
        self.channels = channels
        self.stem = nn.Conv2d(1, channels, 3, padding=1)
        self.cell0 = Cell(self.ops, channels)
        self.reduction = Reduction(channels)
        self.cell1 = Cell(self.ops, 2 * channels)
        self.classifier = nn.Linear(2 * channels, NUM_CLASSES)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.cell1(self.reduction(self.cell0(self.stem(x))))
        return self.classifier(F.relu(x).mean(dim=(2, 3)))
