"""Efficient NAS on a super-network in one call: DARTS (gradient on relaxed choices) or
TuNAS/ENAS (a policy-gradient controller sampling paths of shared weights), at about one
training's cost.

Both searches (:func:`~nas_notebook.torch.darts`, :func:`~nas_notebook.torch.tunas`) take a
:class:`~nas_notebook.torch.SuperNet` (from :func:`~nas_notebook.torch.rewrite`) and tensors of
training and validation data, train it, and return a
:class:`~nas_notebook.torch.SearchResult` whose ``params`` is the derived architecture as an
ordinary params dict: ``materialize(space, result.params)`` builds the child with fresh weights,
``supernet.child(result.params)`` with the shared ones. :func:`efficient_search` does it all
from a model space and stores the child in a study.

Who calls what: user code calls these on its own thread; they block until the search ends
(``callback(record)`` after each epoch may stop it by returning ``False``).
"""

from __future__ import annotations

from typing import Any

import optuna
import torch

from .._logging import quiet_optuna
from ..space import distributions as encode_distributions
from ..symbolic import decisions as space_decisions
from ..symbolic import materialize
from ._darts import darts
from ._darts_ensemble import darts_ensemble
from ._rewrite import rewrite
from ._search import SearchResult, supernet_device
from ._supernet import SuperNet
from ._training import Data, accuracy_of, to_device, train_model
from ._tunas import tunas

__all__ = ["METHODS", "efficient_search"]

METHODS = ("darts", "darts-ensemble", "tunas")


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
        method: ``"tunas"`` (a controller over a switch super-network), ``"darts"`` (with
            its remedy by default) or ``"darts-ensemble"`` (:func:`darts_ensemble`: short DARTS-
            searches from fresh weights, their architecture weights averaged; the child with
            shared weights is the first run's).
        study: Where the child is stored (a new in-memory, maximizing study when None).
        retrain: Score the child after training it alone (:func:`train_model`) instead of
            with the super-network's shared weights.
        device: Where to search (``"cuda"``...); the super-network's default otherwise.
        **options: Passed to :func:`darts`, :func:`darts_ensemble` or :func:`tunas`
            (``epochs``, ``seed``, ``runs``...).

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
    if method not in METHODS:
        raise ValueError(f"efficient_search: `method` must be one of {METHODS!r}, got {method!r}")
    built: list[SuperNet] = []  # the first: its shared weights score the child

    def make_supernet() -> SuperNet:
        supernet = rewrite(space, "switch" if method == "tunas" else "mixed")
        if device is not None:
            supernet.to(device)
        if not built:
            built.append(supernet)
        return supernet

    if method == "darts-ensemble":
        result = darts_ensemble(make_supernet, train, valid, **options)
    else:
        search = darts if method == "darts" else tunas
        result = search(make_supernet(), train, valid, **options)
    supernet = built[0]
    on = supernet_device(supernet)
    if retrain:
        child = materialize(space, result.params).to(on)
        train_model(child, train, seed=options.get("seed", 0))
    else:
        child = supernet.child(result.params)
    child.eval()
    value = accuracy_of(child, to_device(on, valid))
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
