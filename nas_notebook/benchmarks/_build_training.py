"""The benchmark's training protocol: the digits split, and K cells trained together for one
seed (see "Protocol" in :mod:`nas_notebook.benchmarks.build_nas201`)."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from ._build_batched import BatchedNetworks, initial_network
from ._nas201 import cell_ops, flops

__all__ = [
    "DEFAULT_PROTOCOL",
    "FIXED_FLOPS",
    "load_digits_split",
    "per_cell_loss",
    "train_cells",
]

DEFAULT_PROTOCOL: dict[str, Any] = {
    "dataset": "sklearn.datasets.load_digits, pixels / 16",
    "split": {"train": 0.6, "valid": 0.2, "test": 0.2, "stratified": True, "random_state": 0},
    "channels": 8,
    "epochs": 10,
    "batch_size": 64,
    "optimizer": {"name": "Adam", "lr": 1e-2, "betas": [0.9, 0.999], "weight_decay": 0.0},
    "schedule": "cosine to 0, per step",
    "init_seed": "torch.manual_seed(seed * 1000003 + cell_index) before Network(...)",
    "data_order": "torch.randperm with a generator seeded by the seed, one per epoch",
    "train_metrics": "running averages over the epoch's mini-batches",
    "time_model": "batch epoch time split in proportion to flops + 100000",
    "cells": "representatives",
}
FIXED_FLOPS = 100_000


def load_digits_split() -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """The digits split of the protocol: name -> (images ``(N, 1, 8, 8)`` float32, labels).

    It is :func:`nas_notebook.data.load_dataset`'s ``digits`` (60/20/20, stratified, seed 0).
    """
    from ..data import load_dataset

    data = load_dataset("digits", seed=0)
    return {part: getattr(data, part) for part in data.parts()}


def per_cell_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of each cell: logits ``(N, K, 10)`` -> ``(K,)``."""
    n, k, _ = logits.shape
    loss = F.cross_entropy(logits.reshape(n * k, -1), y.repeat_interleave(k), reduction="none")
    return loss.reshape(n, k).mean(dim=0)


def _evaluate(
    model: BatchedNetworks, x: torch.Tensor, y: torch.Tensor
) -> tuple[np.ndarray, np.ndarray]:
    with torch.no_grad():
        logits = model(x)
        loss = per_cell_loss(logits, y)
        acc = (logits.argmax(dim=2) == y[:, None]).float().mean(dim=0)
    return loss.numpy(), acc.numpy()


def train_cells(
    cells: Sequence[int],
    seed: int,
    data: dict[str, tuple[torch.Tensor, torch.Tensor]],
    protocol: dict[str, Any],
) -> dict[str, np.ndarray]:
    """Train ``cells`` together under ``protocol`` for one seed; per-cell result arrays.

    Beyond :data:`DEFAULT_PROTOCOL`'s keys, ``protocol`` may give ``dims`` (1: the 1-D
    networks, for sequences) and ``eval_epochs`` (validate after only that many last epochs;
    the others' valid entries are NaN); ``data`` may leave out ``test``.
    """
    channels, epochs, batch_size = protocol["channels"], protocol["epochs"], protocol["batch_size"]
    opt, dims = protocol["optimizer"], protocol.get("dims", 2)
    first_eval = epochs - protocol.get("eval_epochs", epochs)
    model = BatchedNetworks([cell_ops(c) for c in cells], channels, dims)
    model.load_networks([initial_network(c, seed, channels, dims) for c in cells])
    x_train, y_train = data["train"]
    steps_per_epoch = math.ceil(len(y_train) / batch_size)
    total_steps = epochs * steps_per_epoch
    optimizer = torch.optim.Adam(
        model.parameters(),
        lr=opt["lr"],
        betas=tuple(opt["betas"]),
        weight_decay=opt["weight_decay"],
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * step / total_steps))
    )
    generator = torch.Generator().manual_seed(seed)
    k = len(cells)
    out = {
        name: np.zeros((k, epochs), np.float32)
        for name in ("train_loss", "train_acc", "valid_loss", "valid_acc", "epoch_time")
    }
    weights = np.array([flops(cell_ops(c), channels) + FIXED_FLOPS for c in cells], np.float64)
    share = weights / weights.sum()
    for epoch in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(y_train), generator=generator)
        loss_sum = torch.zeros(k)
        correct = torch.zeros(k)
        for step in range(steps_per_epoch):
            index = order[step * batch_size : (step + 1) * batch_size]
            xb, yb = x_train[index], y_train[index]
            logits = model(xb)
            loss = per_cell_loss(logits, yb)
            optimizer.zero_grad(set_to_none=True)
            loss.sum().backward()
            optimizer.step()
            schedule.step()
            with torch.no_grad():
                loss_sum += loss.detach() * len(yb)
                correct += (logits.argmax(dim=2) == yb[:, None]).float().sum(dim=0)
        out["train_loss"][:, epoch] = (loss_sum / len(y_train)).numpy()
        out["train_acc"][:, epoch] = (correct / len(y_train)).numpy()
        if epoch >= first_eval:
            out["valid_loss"][:, epoch], out["valid_acc"][:, epoch] = _evaluate(
                model, *data["valid"]
            )
        else:
            out["valid_loss"][:, epoch] = out["valid_acc"][:, epoch] = np.nan
        out["epoch_time"][:, epoch] = (time.perf_counter() - start) * share
    if "test" in data:
        test_loss, test_acc = _evaluate(model, *data["test"])
        out["test_loss"] = test_loss.astype(np.float32)
        out["test_acc"] = test_acc.astype(np.float32)
    out["cells"] = np.asarray(cells, np.int32)
    return out
