"""DARTS, several times over: independent short searches whose architecture weights are averaged.

One DARTS search's derived cell depends much on its initial weights and batch order: on the
benchmark's cells, one epoch of DARTS- returns a cell of the table's top 10% four times in five,
and which edges it gets wrong changes from seed to seed. Averaging the softmax weights of a few
independent searches (each from fresh weights, with its own batch order) before deriving keeps
what the searches agree on. Three one-epoch runs cost less than one search of four epochs and
land in the table's top 10% on nearly every seed (see ``bench/efficient_nas.py`` for what each
returns on the benchmark).

(See :mod:`._search` for who calls what.)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import Any

import torch

from ._choices import MixedOp
from ._darts import darts
from ._search import SearchResult, choice_labels
from ._supernet import SuperNet
from ._training import Data

__all__ = ["darts_ensemble"]


def darts_ensemble(
    make_supernet: Callable[[], SuperNet],
    train: Data,
    valid: Data,
    *,
    runs: int = 3,
    epochs: int = 1,
    remedy: str | None = "auxiliary-skip",
    exclude: Collection[Any] = (),
    seed: int = 0,
    **options: Any,
) -> SearchResult:
    """``runs`` independent :func:`darts` searches, the architecture derived from their mean
    candidate weights.

    Args:
        make_supernet: Builds a fresh ``mixed`` super-network; called once per run, after
            ``torch.manual_seed`` with a seed of the run, so each run starts from its own
            initial weights when the space draws them (``lambda: rewrite(make_space(),
            "mixed")``, or a space whose choices are between module classes). When it returns
            the first run's initial weights again (``rewrite`` of a space of concrete modules
            copies their weights), every module's ``reset_parameters()`` draws them afresh:
            PyTorch's default initialization.
        train: ``(inputs, labels)`` the weights learn from.
        valid: ``(inputs, labels)`` the architecture parameters learn from.
        runs: Independent searches.
        epochs: Epochs of each search.
        remedy: As in :func:`darts`, but not ``"early-stop"``: that remedy returns an
            architecture from before the collapse, not weights to average.
        exclude: Candidate labels never derived (``("Zero",)`` for DARTS' zero op).
        seed: Run ``k`` draws its initial weights with ``torch.manual_seed(seed * 1_000_003 +
            k)`` and its batch order with seed ``seed * 1_000_003 + k`` (the caller's torch
            random state is left as it was).
        **options: Passed to each :func:`darts` search (``weight_lr``, ``batch_size``...).

    Returns:
        ``params``: each choice's candidate with the largest mean weight (``exclude`` left
        out); ``history``: every run's epoch records, each with its ``run``; ``seconds`` and
        ``steps``: the sums over the runs.

    Raises:
        ValueError: ``runs < 1``, or ``remedy="early-stop"``.

    Example:
        >>> import torch
        >>> from nas_notebook import oneof
        >>> from nas_notebook.torch import darts_ensemble, nn, rewrite
        >>> space = nn.Sequential(nn.Flatten(), nn.Linear(4, 4),
        ...                       oneof([nn.Tanh(), nn.Identity()]), nn.Linear(4, 2))
        >>> x = torch.randn(64, 4); y = (x[:, 0] > 0).long()
        >>> result = darts_ensemble(lambda: rewrite(space, "mixed"), (x, y), (x, y), runs=3,
        ...                         remedy=None, batch_size=16)
        >>> sorted(result.params), sorted({record["run"] for record in result.history})
        (['args[2]'], [0, 1, 2])
    """
    if runs < 1:
        raise ValueError(f"darts_ensemble: `runs` must be >= 1, got {runs}")
    if remedy == "early-stop":
        raise ValueError(
            "darts_ensemble: remedy='early-stop' returns an architecture from before the "
            "collapse, not weights to average; use 'auxiliary-skip' or None"
        )
    started = time.perf_counter()
    total: dict[str, torch.Tensor] = {}
    labels: dict[str, list[Any]] = {}
    result = SearchResult(params={})
    for run in range(runs):
        run_seed = seed * 1_000_003 + run
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(run_seed)
            supernet = make_supernet()
            if run == 0:
                first = [p.detach().clone() for p in supernet.parameters()]
            elif all(torch.equal(a, b) for a, b in zip(first, supernet.parameters())):
                _draw_afresh(supernet)
            found = darts(
                supernet,
                train,
                valid,
                epochs=epochs,
                remedy=remedy,
                exclude=exclude,
                seed=run_seed,
                **options,
            )
        result.history.extend({**record, "run": run} for record in found.history)
        result.steps += found.steps
        result.stopped = result.stopped or found.stopped
        for name, op in supernet.choices.items():
            if isinstance(op, MixedOp):
                weights = op.weights().detach().cpu()
                total[name] = total[name] + weights if name in total else weights
                labels[name] = list(choice_labels(supernet, name))
    for name, weights in total.items():
        mean = weights / runs
        allowed = [i for i, label in enumerate(labels[name]) if label not in exclude]
        candidates = allowed or list(range(len(mean)))
        best = max(candidates, key=lambda i: (float(mean[i]), -i))
        result.params[name] = labels[name][best]
    result.seconds = time.perf_counter() - started
    return result


def _draw_afresh(supernet: SuperNet) -> None:
    """New initial weights for every module that draws its own (the architecture parameters
    are not among them: they start at zero in every run)."""
    for module in supernet.modules():
        reset = getattr(module, "reset_parameters", None)
        if callable(reset) and module is not supernet:
            reset()
