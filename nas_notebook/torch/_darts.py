"""DARTS, first order: gradient descent on a super-network's relaxed choices.

Each step, one SGD step of the weights on a training batch, then one Adam step of the
architecture parameters on a validation batch. DARTS is known to collapse onto parameter-free
ops (skip connections) on NAS-Bench-201-style cells. Two published remedies are there. With
``remedy="early-stop"`` (after DARTS+, Liang et al. 2019; the default) the search stops when the
collapse starts: from the second epoch on, as soon as ``max_free`` of the derived choices (a
third of them by default, 2 of a 6-edge cell) are parameter-free candidates (skip, pooling), and
returns the architecture derived just before. With ``remedy="auxiliary-skip"`` (DARTS-, Chu et
al. 2021) every choice whose output has its input's shape gets an auxiliary skip connection
``+ beta * x`` during the search, ``beta`` decaying linearly from 1 to 0, which takes the
advantage a skip has early in training away from the skip candidate. It needs normalized ops: on
cells without normalization (the benchmark's) the added skips make the signal grow through the
cell and the super-network stops learning.

(See :mod:`._search` for who calls what.)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection
from typing import Any

import torch
from torch.nn import functional as F

from ._choices import MixedOp
from ._search import (
    SearchResult,
    check_supernet,
    choice_labels,
    epoch_record,
    start_search,
)
from ._supernet import SuperNet
from ._training import Data, batches

__all__ = ["REMEDIES", "darts"]

REMEDIES = (None, "auxiliary-skip", "early-stop")


def darts(
    supernet: SuperNet,
    train: Data,
    valid: Data,
    *,
    epochs: int = 10,
    batch_size: int = 64,
    weight_lr: float = 0.025,
    arch_lr: float = 3e-3,
    remedy: str | None = "early-stop",
    exclude: Collection[Any] = (),
    max_free: int | None = None,
    seed: int = 0,
    callback: Callable[[dict[str, Any]], bool | None] | None = None,
) -> SearchResult:
    """First-order DARTS on a ``mixed`` super-network (see the module docstring).

    Args:
        supernet: ``rewrite(space, "mixed")``; trained in place.
        train: ``(inputs, labels)`` the weights learn from.
        valid: ``(inputs, labels)`` the architecture parameters learn from.
        epochs: Passes over ``train``.
        batch_size: Examples per step.
        weight_lr: SGD (momentum 0.9, cosine decay) learning rate of the weights: the DARTS
            paper's 0.025 (with 0.05 the weights learn faster and the collapse starts before
            early stopping can catch it: ``bench/efficient_nas.py`` measured a mean percentile
            of 0.65 against 0.83 over 8-10 seeds).
        arch_lr: Adam learning rate of the architecture parameters.
        remedy: ``"auxiliary-skip"`` (DARTS-), ``"early-stop"`` (DARTS+) or None (plain
            DARTS).
        exclude: Candidate labels never derived (DARTS leaves out its zero op: ``("Zero",)``
            on the benchmark's space); see :meth:`~nas_notebook.torch.SuperNet.derive`.
        max_free: With ``remedy="early-stop"``: how many parameter-free derived choices end
            the search (default: a third of the choices, at least 1).
        seed: Seed of the batch order.
        callback: Called with each epoch's record; returning ``False`` stops the search.

    Returns:
        The derived architecture (the largest ``alpha`` of each choice) and the history.

    Example:
        >>> import torch
        >>> from nas_notebook import oneof
        >>> from nas_notebook.torch import darts, nn, rewrite
        >>> space = nn.Sequential(nn.Flatten(), nn.Linear(4, 4),
        ...                       oneof([nn.Tanh(), nn.Identity()]), nn.Linear(4, 2))
        >>> x = torch.randn(64, 4); y = (x[:, 0] > 0).long()
        >>> result = darts(rewrite(space, "mixed"), (x, y), (x, y), epochs=2, batch_size=16)
        >>> sorted(result.params)
        ['args[2]']
    """
    check_supernet(supernet, "mixed", "darts")
    if remedy not in REMEDIES:
        raise ValueError(f"darts: `remedy` must be one of {REMEDIES!r}, got {remedy!r}")
    train, valid, generator, steps = start_search(
        supernet, train, valid, seed, batch_size, epochs, weight_lr
    )
    arch = supernet.arch_parameters()
    arch_opt = torch.optim.Adam(arch, lr=arch_lr, betas=(0.5, 0.999), weight_decay=1e-3)
    beta = [1.0 if remedy == "auxiliary-skip" else 0.0]
    hooks = [
        op.register_forward_hook(
            lambda module, inputs, output: (
                output + beta[0] * inputs[0]
                if beta[0]
                and isinstance(inputs[0], torch.Tensor)
                and inputs[0].shape == output.shape
                else output
            )
        )
        for op in supernet.modules()
        if isinstance(op, MixedOp)
    ]
    result = SearchResult(params={})
    free = _parameter_free(supernet)
    limit = max_free if max_free is not None else max(1, math.ceil(len(supernet.choices) / 3))
    before_collapse: dict[str, Any] | None = None
    started = time.perf_counter()
    try:
        supernet.train()
        for epoch in range(epochs):
            losses = []
            valid_batches = batches(valid, batch_size, generator)
            for i, (x, y) in enumerate(batches(train, batch_size, generator)):
                if remedy == "auxiliary-skip":
                    beta[0] = 1.0 - result.steps / steps.total
                losses.append(steps.step(x, y))
                vx, vy = valid_batches[i % len(valid_batches)]
                arch_opt.zero_grad()
                F.cross_entropy(supernet(vx), vy).backward()
                arch_opt.step()
                result.steps += 1
                if remedy == "early-stop" and result.steps >= steps.per_epoch:
                    # From the second epoch on: before, the architecture parameters have not
                    # yet parted (tied, they derive the first candidates).
                    derived = supernet.derive(exclude)
                    if sum(free[name][label] for name, label in derived.items()) >= limit:
                        result.stopped = True
                        break
                    before_collapse = derived
            record = epoch_record(supernet, epoch, losses, valid, exclude)
            result.history.append(record)
            if result.stopped or (callback is not None and callback(record) is False):
                result.stopped = True
                break
    finally:
        for hook in hooks:
            hook.remove()
    result.params = supernet.derive(exclude)
    if remedy == "early-stop" and result.stopped and before_collapse is not None:
        result.params = before_collapse
    result.seconds = time.perf_counter() - started
    return result


def _parameter_free(supernet: SuperNet) -> dict[str, dict[Any, bool]]:
    """Decision -> candidate label -> whether that candidate has no parameters (a skip, a
    pooling, a zero: what a collapsing DARTS drifts to)."""
    return {
        name: {
            label: not any(True for _ in candidate.parameters())
            for label, candidate in zip(choice_labels(supernet, name), op.candidates)
        }
        for name, op in supernet.choices.items()
    }
