"""Efficient NAS on a super-network: DARTS (gradient on relaxed choices) and TuNAS/ENAS
(a policy-gradient controller sampling paths of shared weights), at about one training's cost.

Both take a :class:`~nas_notebook.torch.SuperNet` (from :func:`~nas_notebook.torch.rewrite`) and
tensors of training and validation data, train it, and return a :class:`SearchResult` whose
``params`` is the derived architecture as an ordinary params dict:
``materialize(space, result.params)`` builds the child with fresh weights,
``supernet.child(result.params)`` with the shared ones.

* :func:`darts` (first-order DARTS): each step, one SGD step of the weights on a training batch,
  then one Adam step of the architecture parameters on a validation batch. DARTS is known to
  collapse onto parameter-free ops (skip connections) on NAS-Bench-201-style cells. Two
  published remedies are there. With ``remedy="early-stop"`` (after DARTS+, Liang et al. 2019;
  the default) the search stops when the collapse starts: from the second epoch on, as soon as
  ``max_free`` of the derived choices (a third of them by default, 2 of a 6-edge cell) are
  parameter-free candidates (skip, pooling), and returns the architecture derived just before.
  With ``remedy="auxiliary-skip"`` (DARTS-, Chu et al. 2021) every choice whose output has its
  input's shape gets an auxiliary skip connection ``+ beta * x`` during the search, ``beta``
  decaying linearly from 1 to 0, which takes the advantage a skip has early in training away
  from the skip candidate. It needs normalized ops: on cells without normalization (the
  benchmark's) the added skips make the signal grow through the cell and the super-network
  stops learning.
* :func:`tunas`: each step, a controller (REINFORCE by default: the ``reinforce`` algorithm, a
  sampler of an in-memory Optuna study with one categorical decision per choice) picks a path;
  the weights of that path take one step on a training batch, and the path's accuracy on a
  validation batch is the controller's reward. The first ``warmup`` fraction of the steps
  samples paths uniformly (the shared weights first learn something). The derived
  architecture is the controller's most likely choice of each decision.

Who calls what: user code calls these on its own thread; they block until the search ends
(``callback(record)`` after each epoch may stop it by returning ``False``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import optuna
import torch
from torch.nn import functional as F

from .._logging import quiet_optuna
from ..algorithms import make_sampler
from ..space._codec import choices_for
from ._supernet import MixedOp, SuperNet

__all__ = ["SearchResult", "darts", "efficient_search", "train_model", "tunas"]

Data = tuple[torch.Tensor, torch.Tensor]
REMEDIES = (None, "auxiliary-skip", "early-stop")


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


def _batches(data: Data, batch_size: int, generator: torch.Generator) -> list[Data]:
    x, y = data
    order = torch.randperm(len(x), generator=generator)
    return [
        (x[order[i : i + batch_size]], y[order[i : i + batch_size]])
        for i in range(0, len(x), batch_size)
    ]


def _accuracy(model: Callable[[torch.Tensor], torch.Tensor], data: Data) -> float:
    x, y = data
    with torch.no_grad():
        return float((model(x).argmax(dim=1) == y).float().mean())


def _check(supernet: SuperNet, mode: str, method: str) -> None:
    if not isinstance(supernet, SuperNet):
        raise TypeError(f"{method}: expected a SuperNet from rewrite(space), got {supernet!r}")
    if supernet.mode != mode:
        raise ValueError(
            f"{method} searches a super-network built with rewrite(space, mode={mode!r}); this "
            f"one is {supernet.mode!r}"
        )


def _on(device: torch.device, data: Data) -> Data:
    return data[0].to(device), data[1].to(device)


def _device(supernet: SuperNet) -> torch.device:
    return next(supernet.parameters()).device


def _labels(supernet: SuperNet, name: str) -> tuple[Any, ...]:
    return choices_for(supernet._oneofs[name].candidates)


class _WeightSteps:
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
    _check(supernet, "mixed", "darts")
    if remedy not in REMEDIES:
        raise ValueError(f"darts: `remedy` must be one of {REMEDIES!r}, got {remedy!r}")
    device = _device(supernet)
    train, valid = _on(device, train), _on(device, valid)
    generator = torch.Generator().manual_seed(seed)
    steps = _WeightSteps(supernet, train, batch_size, epochs, weight_lr)
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
            valid_batches = _batches(valid, batch_size, generator)
            for i, (x, y) in enumerate(_batches(train, batch_size, generator)):
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
            record = _record(supernet, epoch, losses, valid, exclude)
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
            for label, candidate in zip(_labels(supernet, name), op.candidates)
        }
        for name, op in supernet.choices.items()
    }


def _record(
    supernet: SuperNet, epoch: int, losses: list[float], valid: Data, exclude: Collection[Any] = ()
) -> dict[str, Any]:
    supernet.eval()
    accuracy = _accuracy(supernet, valid)
    supernet.train()
    weights = {}
    for name, op in supernet.choices.items():
        if isinstance(op, MixedOp):
            weights[name] = dict(zip(_labels(supernet, name), op.weights().tolist()))
    return {
        "epoch": epoch,
        "train_loss": sum(losses) / max(1, len(losses)),
        "valid_accuracy": accuracy,
        "params": supernet.derive(exclude),
        "weights": weights,
    }


def tunas(
    supernet: SuperNet,
    train: Data,
    valid: Data,
    *,
    epochs: int = 10,
    batch_size: int = 64,
    weight_lr: float = 0.05,
    controller: str | optuna.samplers.BaseSampler = "reinforce:learning_rate=0.1",
    warmup: float = 0.25,
    reward_batch_size: int | None = None,
    seed: int = 0,
    callback: Callable[[dict[str, Any]], bool | None] | None = None,
) -> SearchResult:
    """TuNAS/ENAS-style search on a ``switch`` super-network (see the module docstring).

    Args:
        supernet: ``rewrite(space)`` (switch mode); trained in place.
        train: ``(inputs, labels)`` the weights learn from.
        valid: ``(inputs, labels)`` whose batches score the sampled paths (the reward).
        epochs: Passes over ``train``.
        batch_size: Examples per step.
        weight_lr: SGD (momentum 0.9, cosine decay) learning rate of the weights.
        controller: The algorithm choosing paths: a registered name with options (a
            policy-gradient controller such as ``reinforce`` or ``ppo``, or any other) or an
            Optuna sampler; it learns from the rewards after the warm-up.
        warmup: Fraction of the steps whose paths are drawn uniformly.
        reward_batch_size: Validation examples scoring each path (default ``batch_size``);
            more make the reward less noisy, at the cost of a larger forward pass.
        seed: Seed of the batch order, the uniform paths and the controller.
        callback: Called with each epoch's record; returning ``False`` stops the search.

    Returns:
        The controller's most likely architecture and the history.

    Example:
        >>> import torch
        >>> from nas_notebook import oneof
        >>> from nas_notebook.torch import nn, rewrite, tunas
        >>> space = nn.Sequential(nn.Linear(4, 4), oneof([nn.Tanh(), nn.Identity()]),
        ...                       nn.Linear(4, 2))
        >>> x = torch.randn(64, 4); y = (x[:, 0] > 0).long()
        >>> result = tunas(rewrite(space), (x, y), (x, y), epochs=2, batch_size=16)
        >>> sorted(result.params)
        ['args[1]']
    """
    _check(supernet, "switch", "tunas")
    if not 0.0 <= warmup < 1.0:
        raise ValueError(f"tunas: `warmup` must be in [0, 1), got {warmup!r}")
    device = _device(supernet)
    train, valid = _on(device, train), _on(device, valid)
    generator = torch.Generator().manual_seed(seed)
    steps = _WeightSteps(supernet, train, batch_size, epochs, weight_lr)
    distributions: dict[str, optuna.distributions.BaseDistribution] = {
        name: optuna.distributions.CategoricalDistribution(_labels(supernet, name))
        for name in supernet.choices
    }
    with quiet_optuna():
        study = optuna.create_study(direction="maximize", sampler=make_sampler(controller, seed))
    result = SearchResult(params={})
    started = time.perf_counter()
    supernet.train()
    for epoch in range(epochs):
        losses = []
        valid_batches = _batches(valid, reward_batch_size or batch_size, generator)
        for i, (x, y) in enumerate(_batches(train, batch_size, generator)):
            if result.steps < warmup * steps.total:
                params = supernet.sample(generator)
                trial = None
            else:
                trial = study.ask(distributions)
                params = dict(trial.params)
                supernet.fix(params)
            losses.append(steps.step(x, y))
            if trial is not None:
                # The path is scored as it would be used (dropout off), then trains on.
                supernet.eval()
                reward = _accuracy(supernet, valid_batches[i % len(valid_batches)])
                supernet.train()
                study.tell(trial, reward)
            result.steps += 1
        derived = _most_likely(study, supernet)
        supernet.fix(derived)
        record = _record(supernet, epoch, losses, valid)
        record["params"] = derived
        record["weights"] = _probabilities(study, supernet)
        result.history.append(record)
        if callback is not None and callback(record) is False:
            break
    result.params = _most_likely(study, supernet)
    result.seconds = time.perf_counter() - started
    return result


def _probabilities(study: optuna.Study, supernet: SuperNet) -> dict[str, dict[Any, float]]:
    """The controller's policy when it has one; otherwise the choices' frequencies among
    the best half of the rewarded paths."""
    probabilities = getattr(study.sampler, "probabilities", None)
    if probabilities is not None:
        policy: dict[str, dict[Any, float]] = probabilities(study)
        return {
            name: policy.get(name, dict.fromkeys(_labels(supernet, name), 1.0 / len(labels)))
            for name, labels in ((n, _labels(supernet, n)) for n in supernet.choices)
        }
    done = sorted(
        (t for t in study.trials if t.value is not None),
        key=lambda t: float(t.value or 0.0),
        reverse=True,
    )
    top = done[: max(1, len(done) // 2)]
    out = {}
    for name in supernet.choices:
        labels = _labels(supernet, name)
        counts = dict.fromkeys(labels, 1.0)  # a uniform prior: no division by zero
        for trial in top:
            counts[trial.params[name]] += 1.0
        total = sum(counts.values())
        out[name] = {label: count / total for label, count in counts.items()}
    return out


def _most_likely(study: optuna.Study, supernet: SuperNet) -> dict[str, Any]:
    return {
        name: max(weights, key=weights.__getitem__)
        for name, weights in _probabilities(study, supernet).items()
    }


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
    train = _on(device, train)
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    total = max(1, epochs * math.ceil(len(train[0]) / batch_size))
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, total)
    model.train()
    history = []
    for _ in range(epochs):
        losses = []
        for x, y in _batches(train, batch_size, generator):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            schedule.step()
            losses.append(loss.item())
        history.append(sum(losses) / len(losses))
    return history


METHODS = ("darts", "tunas")


def efficient_search(
    space: Any,
    train: Data,
    valid: Data,
    *,
    method: str = "tunas",
    study: optuna.Study | None = None,
    retrain: bool = False,
    device: str | torch.device | None = None,
    **options: Any,
) -> tuple[SearchResult, optuna.trial.FrozenTrial]:
    """Search a model space at about one training's cost, in one call: rewrite it into a
    super-network, search it with ``method``, derive the child, and store the child as a
    trial of ``study`` (so every table and plot of the study shows it).

    Args:
        space: A symbolic model space whose decisions are choices between modules or module
            classes (see :func:`~nas_notebook.torch.rewrite`).
        train: ``(inputs, labels)`` the weights learn from.
        valid: ``(inputs, labels)`` the architecture learns from, and the child is scored on.
        method: ``"tunas"`` (a controller over a switch super-network) or ``"darts"`` (with
            its remedy by default).
        study: Where the child is stored (a new in-memory, maximizing study when None).
        retrain: Score the child after training it alone (:func:`train_model`) instead of
            with the super-network's shared weights.
        device: Where to search (``"cuda"``...); the super-network's default otherwise.
        **options: Passed to :func:`darts` or :func:`tunas` (``epochs``, ``seed``...).

    Returns:
        The search's result and the stored trial: its params are ``result.params``, its value
        the child's validation accuracy; user attributes record the method, the search's
        wall time and whether the child was retrained.

    Example:
        >>> import torch
        >>> from nas_notebook import oneof
        >>> from nas_notebook.torch import efficient_search, nn
        >>> space = nn.Sequential(nn.Linear(4, 4), oneof([nn.Tanh(), nn.Identity()]),
        ...                       nn.Linear(4, 2))
        >>> x = torch.randn(64, 4); y = (x[:, 0] > 0).long()
        >>> result, trial = efficient_search(space, (x, y), (x, y), epochs=2, batch_size=16)
        >>> trial.params == result.params, 0.0 <= trial.value <= 1.0
        (True, True)
    """
    from ..space._codec import distributions as encode_distributions
    from ..symbolic import decisions as space_decisions
    from ..symbolic import materialize
    from ._supernet import rewrite

    if method not in METHODS:
        raise ValueError(f"efficient_search: `method` must be one of {METHODS!r}, got {method!r}")
    supernet = rewrite(space, "mixed" if method == "darts" else "switch")
    if device is not None:
        supernet.to(device)
    search = darts if method == "darts" else tunas
    result = search(supernet, train, valid, **options)
    on = _device(supernet)
    if retrain:
        child = materialize(space, result.params).to(on)
        train_model(child, train, seed=options.get("seed", 0))
    else:
        child = supernet.child(result.params)
    child.eval()
    value = _accuracy(child, _on(on, valid))
    found: dict[str, optuna.distributions.BaseDistribution] = {}
    for name, primitive in space_decisions(space).items():
        found.update(encode_distributions(name, primitive))
    trial = optuna.trial.create_trial(
        params=result.params,
        distributions={name: found[name] for name in result.params},
        value=value,
        user_attrs={
            "efficient_method": method,
            "search_seconds": result.seconds,
            "retrained": retrain,
        },
    )
    if study is None:
        with quiet_optuna():
            study = optuna.create_study(direction="maximize")
    study.add_trial(trial)
    return result, study.trials[-1]
