"""TuNAS/ENAS: a controller samples paths of a super-network's shared weights.

Each step, a controller (REINFORCE by default: the ``reinforce`` algorithm, a sampler of an
in-memory Optuna study with one categorical decision per choice) picks a path; the weights of
that path take one step on a training batch, and the path's accuracy on a validation batch is
the controller's reward. The first ``warmup`` fraction of the steps samples paths uniformly (the
shared weights first learn something). The derived architecture is the controller's most likely
choice of each decision.

(See :mod:`._search` for who calls what.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import optuna

from .._logging import quiet_optuna
from ..algorithms import make_sampler
from ._search import (
    SearchResult,
    check_supernet,
    choice_labels,
    epoch_record,
    start_search,
)
from ._supernet import SuperNet
from ._training import Data, accuracy_of, batches

__all__ = ["tunas"]


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
    check_supernet(supernet, "switch", "tunas")
    if not 0.0 <= warmup < 1.0:
        raise ValueError(f"tunas: `warmup` must be in [0, 1), got {warmup!r}")
    train, valid, generator, steps = start_search(
        supernet, train, valid, seed, batch_size, epochs, weight_lr
    )
    distributions: dict[str, optuna.distributions.BaseDistribution] = {
        name: optuna.distributions.CategoricalDistribution(choice_labels(supernet, name))
        for name in supernet.choices
    }
    with quiet_optuna():
        study = optuna.create_study(direction="maximize", sampler=make_sampler(controller, seed))
    result = SearchResult(params={})
    started = time.perf_counter()
    supernet.train()
    for epoch in range(epochs):
        losses = []
        valid_batches = batches(valid, reward_batch_size or batch_size, generator)
        for i, (x, y) in enumerate(batches(train, batch_size, generator)):
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
                reward = accuracy_of(supernet, valid_batches[i % len(valid_batches)])
                supernet.train()
                study.tell(trial, reward)
            result.steps += 1
        derived = _most_likely(study, supernet)
        supernet.fix(derived)
        record = epoch_record(supernet, epoch, losses, valid)
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
            name: policy.get(name, dict.fromkeys(choice_labels(supernet, name), 1.0 / len(labels)))
            for name, labels in ((n, choice_labels(supernet, n)) for n in supernet.choices)
        }
    done = sorted(
        (t for t in study.trials if t.value is not None),
        key=lambda t: float(t.value or 0.0),
        reverse=True,
    )
    top = done[: max(1, len(done) // 2)]
    out = {}
    for name in supernet.choices:
        labels = choice_labels(supernet, name)
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
