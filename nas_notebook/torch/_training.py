"""Training on tensors: mini-batches in a seeded order, accuracy, and :func:`train_model`, the
benchmark table's protocol for one model alone."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch.nn import functional as F

__all__ = ["Data", "accuracy_of", "batches", "to_device", "train_model"]

Data = tuple[torch.Tensor, torch.Tensor]


def batches(data: Data, batch_size: int, generator: torch.Generator) -> list[Data]:
    """``data`` in mini-batches of ``batch_size``, in an order drawn from ``generator``."""
    x, y = data
    order = torch.randperm(len(x), generator=generator)
    return [
        (x[order[i : i + batch_size]], y[order[i : i + batch_size]])
        for i in range(0, len(x), batch_size)
    ]


def accuracy_of(model: Callable[[torch.Tensor], torch.Tensor], data: Data) -> float:
    """The fraction of ``data`` whose label is ``model``'s largest output."""
    x, y = data
    with torch.no_grad():
        return float((model(x).argmax(dim=1) == y).float().mean())


def to_device(device: torch.device, data: Data) -> Data:
    """``data``'s inputs and labels on ``device``."""
    return data[0].to(device), data[1].to(device)


def train_model(
    model: torch.nn.Module,
    train: Data,
    *,
    epochs: int = 10,
    batch_size: int = 64,
    lr: float = 1e-2,
    seed: int = 0,
) -> list[float]:
    """Train ``model`` alone (Adam, cosine decay per step: the benchmark table's protocol);
    the mean training loss of each epoch.

    Example:
        >>> import torch
        >>> model = torch.nn.Linear(4, 2)
        >>> x = torch.randn(64, 4); y = (x[:, 0] > 0).long()
        >>> losses = train_model(model, (x, y), epochs=5, batch_size=16)
        >>> losses[-1] < losses[0]
        True
    """
    device = next(model.parameters()).device
    train = to_device(device, train)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    total = max(1, epochs * math.ceil(len(train[0]) / batch_size))
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, total)
    model.train()
    history = []
    for _ in range(epochs):
        losses = []
        for x, y in batches(train, batch_size, generator):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
        history.append(sum(losses) / len(losses))
    return history
