"""What the super-network searches (DARTS, TuNAS) share: the check of their super-network, their
start, the weights' steps, each epoch's record, and the :class:`SearchResult` they return.

Who calls what: user code calls the searches on its own thread; they block until the search
ends (``callback(record)`` after each epoch may stop it by returning ``False``).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.nn import functional as F

from ..space import choices_for
from ._choices import MixedOp
from ._supernet import SuperNet
from ._training import Data, accuracy_of, to_device

__all__ = [
    "SearchResult",
    "WeightSteps",
    "check_supernet",
    "choice_labels",
    "epoch_record",
    "start_search",
    "supernet_device",
]


@dataclass
class SearchResult:
    """What an efficient search found.

    Attributes:
        params: The derived architecture: decision name -> stored value.
        history: One record per epoch: ``epoch``, ``train_loss``, ``valid_accuracy`` (of the
            super-network as it searches), ``params`` (the architecture derived then) and
            ``weights`` (decision -> candidate label -> softmax weight or probability).
        seconds: Wall time of the search.
        steps: Weight updates made.
        stopped: Whether the search ended early (DARTS' ``early-stop`` remedy, or a
            callback).

    Example:
        >>> import torch
        >>> from nas_notebook import oneof
        >>> from nas_notebook.torch import nn, rewrite, tunas
        >>> space = nn.Sequential(nn.Linear(4, 4), oneof([nn.Tanh(), nn.Identity()]),
        ...                       nn.Linear(4, 2))
        >>> x = torch.randn(64, 4); y = (x[:, 0] > 0).long()
        >>> result = tunas(rewrite(space), (x, y), (x, y), epochs=2, batch_size=16)
        >>> result.steps, len(result.history), sorted(result.history[0])
        (8, 2, ['epoch', 'params', 'train_loss', 'valid_accuracy', 'weights'])
    """

    params: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    steps: int = 0
    stopped: bool = False


def check_supernet(supernet: SuperNet, mode: str, method: str) -> None:
    """Refuse what ``method`` cannot search: not a super-network, or one in another mode."""
    if not isinstance(supernet, SuperNet):
        raise TypeError(f"{method}: expected a SuperNet from rewrite(space), got {supernet!r}")
    if supernet.mode != mode:
        raise ValueError(
            f"{method} searches a super-network built with rewrite(space, mode={mode!r}); this "
            f"one is {supernet.mode!r}"
        )


def supernet_device(supernet: SuperNet) -> torch.device:
    """Where the super-network's weights are (the data of its search goes there)."""
    return next(supernet.parameters()).device


def choice_labels(supernet: SuperNet, name: str) -> tuple[Any, ...]:
    """The stored values of the candidates of the decision ``name``."""
    return choices_for(supernet._oneofs[name].candidates)


class WeightSteps:
    """The weights' side of a super-network search: SGD (momentum 0.9) with cosine decay over
    the whole search, one step per training batch."""

    def __init__(
        self, supernet: SuperNet, train: Data, batch_size: int, epochs: int, lr: float
    ) -> None:
        self.supernet = supernet
        self.weights = supernet.weight_parameters()
        self.optimizer = torch.optim.SGD(self.weights, lr=lr, momentum=0.9, weight_decay=3e-4)
        self.per_epoch = math.ceil(len(train[0]) / batch_size)
        self.total = max(1, epochs * self.per_epoch)
        self.schedule = torch.optim.lr_scheduler.CosineAnnealingLR(self.optimizer, self.total)

    def step(self, x: torch.Tensor, y: torch.Tensor) -> float:
        """One step on a batch; its loss."""
        self.optimizer.zero_grad()
        loss = F.cross_entropy(self.supernet(x), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.weights, 5.0)
        self.optimizer.step()
        self.schedule.step()
        return loss.item()


def start_search(
    supernet: SuperNet,
    train: Data,
    valid: Data,
    seed: int,
    batch_size: int,
    epochs: int,
    weight_lr: float,
) -> tuple[Data, Data, torch.Generator, WeightSteps]:
    """How a search starts: its data on the super-network's device, the generator of the batch
    order seeded with ``seed``, and the weights' steps."""
    device = supernet_device(supernet)
    train, valid = to_device(device, train), to_device(device, valid)
    generator = torch.Generator().manual_seed(seed)
    return train, valid, generator, WeightSteps(supernet, train, batch_size, epochs, weight_lr)


def epoch_record(
    supernet: SuperNet, epoch: int, losses: list[float], valid: Data, exclude: Collection[Any] = ()
) -> dict[str, Any]:
    """The record of an epoch: its mean loss, the validation accuracy, the architecture derived
    then and each choice's candidate weights (see :class:`SearchResult`)."""
    supernet.eval()
    accuracy = accuracy_of(supernet, valid)
    supernet.train()
    weights = {}
    for name, op in supernet.choices.items():
        if isinstance(op, MixedOp):
            weights[name] = dict(zip(choice_labels(supernet, name), op.weights().tolist()))
    return {
        "epoch": epoch,
        "train_loss": sum(losses) / max(1, len(losses)),
        "valid_accuracy": accuracy,
        "params": supernet.derive(exclude),
        "weights": weights,
    }
