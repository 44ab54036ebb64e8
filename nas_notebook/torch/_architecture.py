"""An architecture of a super-network: a params dict, as Optuna stores it, and the candidate it
picks at each choice; the share of the super-network's weights that a child of it takes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from .._errors import SearchSpaceError
from ..space import OneOf, choices_for
from ._choices import CHOICE_MODULES

__all__ = ["candidate_index", "chosen_state", "params_of"]


def candidate_index(name: str, primitive: OneOf, params: Mapping[str, Any], what: str) -> int:
    """The candidate position stored for the choice ``name`` in ``params``."""
    if name not in params:
        raise SearchSpaceError(
            f"{what}: decision {name!r} ({primitive!r}) is missing from `params` (which has "
            f"{sorted(params)!r})"
        )
    choices = choices_for(primitive.candidates)
    try:
        return choices.index(params[name])
    except ValueError:
        raise SearchSpaceError(
            f"{what}: decision {name!r} has no candidate for the stored value "
            f"{params[name]!r} (its choices: {list(choices)!r})"
        ) from None


def params_of(params: Mapping[str, Any] | Any, what: str) -> Mapping[str, Any]:
    """The params dict given to ``what`` (a mapping, or an Optuna trial's ``params``)."""
    stored = getattr(params, "params", params)  # an Optuna trial stands for its params
    if not isinstance(stored, Mapping):
        raise SearchSpaceError(
            f"{what}: `params` must map decision names to stored values, got {params!r}"
        )
    return stored


def chosen_state(module: torch.nn.Module, picks: Mapping[int, int]) -> dict[str, Any]:
    """``module``'s state dict as a child sees it: each choice replaced by its picked candidate
    (``picks``: choice id -> candidate position), the other candidates and ``alpha`` left out.
    The tensors are the super-network's own: ``load_state_dict`` copies them into the child."""
    out = {}
    for key, value in module.state_dict().items():
        *names, leaf = key.split(".")
        kept: list[str] = []
        current = module
        keep = True
        position = 0
        while position < len(names):
            if isinstance(current, CHOICE_MODULES):
                # ``candidates.<i>``: only the picked candidate's entries are the child's.
                i = int(names[position + 1])
                if i != picks[id(current)]:
                    keep = False
                    break
                current = current.candidates[i]
                position += 2
                continue
            current = current.get_submodule(names[position])
            kept.append(names[position])
            position += 1
        if keep and not isinstance(current, CHOICE_MODULES):  # a MixedOp's own tensor is alpha
            out[".".join([*kept, leaf])] = value
    return out
