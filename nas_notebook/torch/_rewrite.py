"""``rewrite``: a model space turned into its weight-sharing super-network."""

from __future__ import annotations

from typing import Any

from ._supernet import SuperNet

__all__ = ["rewrite"]


def rewrite(space: Any, mode: str = "switch") -> SuperNet:
    """The weight-sharing super-network of a model space.

    Every decision of ``space`` must be a ``oneof`` between torch modules: concrete modules
    (``nn.Conv2d(4, 4, 3)``) or symbolic module templates without hyper values of their own.
    Each becomes one :class:`Switch` (``mode="switch"``) or :class:`MixedOp`
    (``mode="mixed"``) holding its candidates, built once (one set of weights each); the rest
    of the space is built as :func:`~nas_notebook.symbolic.materialize` builds it. Decisions
    keep materialize's names, so an architecture is an ordinary params dict.

    Args:
        space: A symbolic model space (from ``nas_notebook.torch.nn`` layers and models built
            with hyper values), or a list/dict holding such spaces.
        mode: ``"switch"`` (one candidate runs: ENAS, TuNAS, one-shot search by sampling) or
            ``"mixed"`` (the softmax-weighted sum of all candidates: DARTS).

    Returns:
        The :class:`SuperNet`.

    Raises:
        SearchSpaceError: A decision that is not a choice between modules (a ``floatv``, an
            ``intv``, a ``manyof``, a ``oneof`` of other values, or one whose candidate holds
            decisions of its own), named.
        DuplicateNameError: One explicit name given to two different choices.
        ValueError: An unknown ``mode``.

    Example:
        >>> import torch
        >>> from nas_notebook import oneof
        >>> from nas_notebook.torch import nn, rewrite
        >>> space = nn.Sequential(
        ...     nn.Linear(4, 8), oneof([nn.ReLU(), nn.Tanh(), nn.Identity()]), nn.Linear(8, 2)
        ... )
        >>> supernet = rewrite(space)
        >>> supernet.choices
        {'args[1]': Switch(
          index=0
          (candidates): ModuleList(
            (0): ReLU()
            (1): Tanh()
            (2): Identity()
          )
        )}
        >>> supernet.fix({"args[1]": "Tanh()"})
        >>> supernet(torch.zeros(3, 4)).shape
        torch.Size([3, 2])
        >>> rewrite(space, mode="mixed").arch_parameters()
        [Parameter containing:
        tensor([0., 0., 0.], requires_grad=True)]
    """
    return SuperNet(space, mode)
