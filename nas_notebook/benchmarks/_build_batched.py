"""The batched model of the benchmark's builder: K plain networks, one per cell, computed as one
(see "Batching" in :mod:`nas_notebook.benchmarks.build_nas201`)."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from ._nas201 import EDGES, NUM_CLASSES, OPS, cell_ops
from .nas201_model import Network, _edge_key

__all__ = ["CONV_KERNELS", "BatchedNetworks", "initial_network"]

CONV_KERNELS = {"conv_1x1": 1, "conv_3x3": 3}


def initial_network(cell: int, seed: int, channels: int, dims: int = 2) -> Network:
    """The plain network of ``cell`` with the protocol's initial weights for ``seed``."""
    torch.manual_seed(seed * 1_000_003 + cell)
    return Network(cell_ops(cell), channels=channels, dims=dims)


def _gconv(x: torch.Tensor, w: torch.Tensor, stride: int = 1, padding: int = 0) -> torch.Tensor:
    """Per-cell convolution: ``x`` ``(N, k, Cin, *S)``, ``w`` ``(k, Cout, Cin, *kernel)``, with
    ``S`` the one or two spatial dimensions."""
    n, k, c_in, *size = x.shape
    c_out, kernel = w.shape[1], w.shape[3:]
    conv = F.conv2d if len(size) == 2 else F.conv1d
    y = conv(
        x.reshape(n, k * c_in, *size),
        w.reshape(k * c_out, c_in, *kernel),
        stride=stride,
        padding=padding,
        groups=k,
    )
    return y.reshape(n, k, c_out, *y.shape[2:])


def _pool3(x: torch.Tensor, dims: int = 2) -> torch.Tensor:
    """``avg_pool_3x3`` over the last ``dims`` dimensions, as shifted sums (much faster on CPU
    than ``avg_pool2d`` for these many small maps)."""
    if dims == 1:
        p = F.pad(x, (1, 1))
        return (p[..., :-2] + p[..., 1:-1] + p[..., 2:]) * _inverse_counts(x.shape[-1])
    h, w = x.shape[-2:]
    p = F.pad(x, (1, 1, 1, 1))
    s = p[..., :-2, :] + p[..., 1:-1, :] + p[..., 2:, :]
    s = s[..., :-2] + s[..., 1:-1] + s[..., 2:]
    return s * _inverse_counts(h, w)


@functools.lru_cache(maxsize=8)
def _inverse_counts(*size: int) -> torch.Tensor:
    def per_axis(n: int) -> torch.Tensor:
        counts = torch.full((n,), 3.0)
        counts[0] = counts[-1] = 2.0
        return counts

    if len(size) == 1:
        return 1.0 / per_axis(size[0])
    return 1.0 / (per_axis(size[0])[:, None] * per_axis(size[1])[None, :])


class BatchedNetworks(nn.Module):
    """K plain :class:`Network` models (one per cell) computed as one.

    Parameters are named like the plain module's, with the op appended for edge convolutions
    (``cell0.e2_1.conv_3x3``), and stacked over the cells (leading dimension K); rows of cells
    that do not use a convolution stay zero and get no gradient. With ``dims=1`` they are the
    1-D networks (``Network(ops, channels, dims=1)``) of sequences ``(N, 1, L)``.
    """

    def __init__(self, cells: Sequence[Sequence[str]], channels: int = 8, dims: int = 2) -> None:
        super().__init__()
        self.cells = [tuple(ops) for ops in cells]
        self.channels = c = channels
        self.dims = dims
        k, w = len(self.cells), 2 * channels
        k3, k1, ones = (3,) * dims, (1,) * dims, (1,) * dims
        shapes: dict[str, tuple[int, ...]] = {
            "stem.weight": (c, 1, *k3),
            "stem.bias": (c,),
            "reduction.conv_a.weight": (w, c, *k3),
            "reduction.conv_b.weight": (w, w, *k3),
            "reduction.shortcut.weight": (w, c, *k1),
            "classifier.weight": (NUM_CLASSES, w),
            "classifier.bias": (NUM_CLASSES,),
        }
        # Per edge: the cells (indices into the batch) using each op; masks for the cheap ops.
        self.conv_cells: dict[tuple[int, str], torch.Tensor] = {}
        self.masks: dict[tuple[int, str], torch.Tensor | None] = {}
        for e, edge in enumerate(EDGES):
            for op in OPS[1:]:
                members = [i for i, ops in enumerate(self.cells) if ops[e] == op]
                if not members:
                    continue
                if op in CONV_KERNELS:
                    self.conv_cells[e, op] = torch.tensor(members)
                    size = CONV_KERNELS[op]
                    for name, width in (("cell0", c), ("cell1", w)):
                        shapes[f"{name}.{_edge_key(edge)}.{op}"] = (width, width, *(size,) * dims)
                else:
                    mask = torch.zeros(1, k, 1, *ones)
                    mask[0, members] = 1.0
                    self.masks[e, op] = None if len(members) == k else mask
        self.weights = nn.ParameterDict(
            {
                name.replace(".", "/"): nn.Parameter(torch.zeros(k, *shape))
                for name, shape in shapes.items()
            }
        )

    def __getitem__(self, name: str) -> torch.Tensor:
        return self.weights[name.replace(".", "/")]

    def _plain_name(self, name: str, ops: tuple[str, ...]) -> tuple[str, bool]:
        """The plain module's parameter name of stacked ``name`` for a cell, and whether that
        cell has it."""
        parts = name.split(".")
        if parts[0] in ("cell0", "cell1"):
            e = [_edge_key(edge) for edge in EDGES].index(parts[1])
            return f"{parts[0]}.edges.{parts[1]}.conv.weight", ops[e] == parts[2]
        return name, True

    def load_networks(self, networks: Sequence[Network]) -> None:
        """Copy each plain network's weights into its row of the stacked weights."""
        with torch.no_grad():
            for row, net in enumerate(networks):
                state = net.state_dict()
                for key, param in self.weights.items():
                    plain, has = self._plain_name(key.replace("/", "."), self.cells[row])
                    param[row] = state[plain] if has else 0.0

    def network_state(self, row: int) -> dict[str, torch.Tensor]:
        """The state dict of the plain network of cell ``row`` (for ``load_state_dict``)."""
        state = {}
        for key, param in self.weights.items():
            plain, has = self._plain_name(key.replace("/", "."), self.cells[row])
            if has:
                state[plain] = param[row].detach().clone()
        return state

    def _cell(self, name: str, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for to in (1, 2, 3):
            total: torch.Tensor | None = None
            for e, (j, i) in enumerate(EDGES):
                if j != to:
                    continue
                source = nodes[i]
                for op in ("skip_connect", "avg_pool_3x3"):
                    if (e, op) not in self.masks:
                        continue
                    out = source if op == "skip_connect" else _pool3(source, self.dims)
                    mask = self.masks[e, op]
                    out = out if mask is None else out * mask
                    total = out if total is None else total + out
                for op, size in CONV_KERNELS.items():
                    members = self.conv_cells.get((e, op))
                    if members is None:
                        continue
                    weight = self[f"{name}.{_edge_key((j, i))}.{op}"]
                    if len(members) == len(self.cells):
                        out = _gconv(F.relu(source), weight, padding=size // 2)
                        total = out if total is None else total + out
                    else:
                        sub = F.relu(source.index_select(1, members))
                        out = _gconv(sub, weight.index_select(0, members), padding=size // 2)
                        base = torch.zeros_like(x) if total is None else total
                        total = base.index_add(1, members, out)
            nodes.append(torch.zeros_like(x) if total is None else total)
        return nodes[3]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Images ``(N, 1, 8, 8)`` (sequences ``(N, 1, L)`` when ``dims=1``) -> logits
        ``(N, K, 10)``, one column per cell."""
        n, k, c, size = x.shape[0], len(self.cells), self.channels, x.shape[2:]
        stem = self["stem.weight"]
        conv, pool = (F.conv2d, F.avg_pool2d) if self.dims == 2 else (F.conv1d, F.avg_pool1d)
        h = conv(x, stem.reshape(k * c, *stem.shape[2:]), self["stem.bias"].reshape(-1), padding=1)
        h = self._cell("cell0", h.reshape(n, k, c, *size))
        main = _gconv(F.relu(h), self["reduction.conv_a.weight"], stride=2, padding=1)
        main = _gconv(F.relu(main), self["reduction.conv_b.weight"], padding=1)
        pooled = pool(h.reshape(n, k * c, *size), 2)
        h = main + _gconv(
            pooled.reshape(n, k, c, *pooled.shape[2:]), self["reduction.shortcut.weight"]
        )
        h = self._cell("cell1", h)
        features = F.relu(h).mean(dim=tuple(range(3, 3 + self.dims)))  # (N, K, 2C)
        logits = torch.einsum("nkc,kdc->nkd", features, self["classifier.weight"])
        return logits + self["classifier.bias"]
