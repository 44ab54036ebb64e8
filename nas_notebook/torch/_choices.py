"""Choice modules: a choice between torch modules as one module holding every candidate.

* :class:`Switch` (ENAS, TuNAS) runs the one candidate its ``index`` picks;
* :class:`MixedOp` (DARTS) runs every candidate and sums their outputs, weighted by the softmax
  of its architecture parameters ``alpha``.

:func:`~nas_notebook.torch.rewrite` puts one at each choice of a model space.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import torch

__all__ = ["CHOICE_MODULES", "MixedOp", "Switch"]


def _candidate_modules(kind: str, candidates: Iterable[Any]) -> list[torch.nn.Module]:
    modules = list(candidates)
    if not modules:
        raise ValueError(f"{kind}: `candidates` is empty; give at least one module")
    for i, module in enumerate(modules):
        if not isinstance(module, torch.nn.Module):
            raise TypeError(f"{kind}: candidate {i} is not a torch module: {module!r}")
    return modules


class Switch(torch.nn.Module):
    """A choice between modules that runs one of them: the candidate at ``index``.

    The candidates are held in an ``nn.ModuleList``, so their weights belong to the switch
    whichever is chosen: every architecture that picks a candidate trains the same weights.

    Args:
        candidates: The modules to choose from (taking the same inputs).
        index: The candidate that runs, ``0 <= index < len(candidates)``.

    Raises:
        ValueError: No candidates.
        TypeError: A candidate that is not a torch module, or an ``index`` that is not an
            integer.
        IndexError: ``index`` out of range (the message gives the range).

    Example:
        >>> import torch
        >>> from nas_notebook.torch import Switch
        >>> switch = Switch([torch.nn.Identity(), torch.nn.ReLU()], index=1)
        >>> switch(torch.tensor([-1.0, 2.0]))
        tensor([0., 2.])
        >>> switch.index = 0
        >>> switch(torch.tensor([-1.0, 2.0]))
        tensor([-1.,  2.])
    """

    candidates: torch.nn.ModuleList

    def __init__(self, candidates: Sequence[torch.nn.Module], index: int = 0) -> None:
        super().__init__()
        self.candidates = torch.nn.ModuleList(_candidate_modules("Switch", candidates))
        self._index = 0
        self.index = index

    @property
    def index(self) -> int:
        """The position of the candidate that runs (settable)."""
        return self._index

    @index.setter
    def index(self, value: int) -> None:
        count = len(self.candidates)
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            try:  # a numpy integer or a one-element integer tensor is an index too
                value = value.__index__()
            except (AttributeError, TypeError):
                raise TypeError(
                    f"Switch.index must be an integer in 0..{count - 1}, got {value!r}"
                ) from None
        if not 0 <= value < count:
            raise IndexError(
                f"Switch.index must be in 0..{count - 1} (it has {count} candidates), got {value}"
            )
        self._index = int(value)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The chosen candidate's output."""
        return self.candidates[self._index](*args, **kwargs)

    def extra_repr(self) -> str:
        return f"index={self._index}"


class MixedOp(torch.nn.Module):
    """A choice between modules relaxed into their weighted sum (DARTS).

    The output is ``sum(softmax(alpha)[i] * candidates[i](x))``: ``alpha`` (one architecture
    parameter per candidate, zeros at first, so every candidate weighs the same) gets a
    gradient through the sum, and the largest one names the candidate to keep.

    Args:
        candidates: The modules to mix (taking the same inputs, giving outputs of one shape).

    Raises:
        ValueError: No candidates.
        TypeError: A candidate that is not a torch module.

    Example:
        >>> import torch
        >>> from nas_notebook.torch import MixedOp
        >>> mixed = MixedOp([torch.nn.Identity(), torch.nn.ReLU()])
        >>> mixed.weights().tolist()
        [0.5, 0.5]
        >>> mixed(torch.tensor([-1.0, 2.0])).tolist()
        [-0.5, 2.0]
    """

    candidates: torch.nn.ModuleList
    alpha: torch.nn.Parameter

    def __init__(self, candidates: Sequence[torch.nn.Module]) -> None:
        super().__init__()
        self.candidates = torch.nn.ModuleList(_candidate_modules("MixedOp", candidates))
        self.alpha = torch.nn.Parameter(torch.zeros(len(self.candidates)))

    def weights(self) -> torch.Tensor:
        """The candidates' weights in the sum: the softmax of ``alpha``."""
        return torch.softmax(self.alpha, dim=0)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The weighted sum of every candidate's output."""
        weights = self.weights()
        out: Any = None
        for i, candidate in enumerate(self.candidates):
            term = weights[i] * candidate(*args, **kwargs)
            out = term if out is None else out + term
        return out


CHOICE_MODULES = (Switch, MixedOp)
