"""What of a model space can share weights, and the space built with each such choice replaced.

Only a ``oneof`` between torch modules (concrete ones, or symbolic templates without decisions
of their own) or between module classes can become a choice module; any other decision is
refused with its name and the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import torch

from .._errors import SearchSpaceError
from ..space import HyperPrimitive, ManyOf, OneOf
from ..symbolic import (
    Functor,
    Symbolic,
    build_with,
    candidate_path,
    children,
    decisions,
    has_hyper,
    join,
)

__all__ = ["build_choices", "is_module_class", "module_choice", "no_choice", "parts"]

AtChoice = Callable[[str, OneOf], Any]


def _not_shareable(name: str, primitive: HyperPrimitive, why: str) -> SearchSpaceError:
    return SearchSpaceError(
        f"rewrite: decision {name!r} ({primitive!r}) {why}; only choices between modules "
        "(a oneof whose candidates are torch modules) can share weights"
    )


def is_module_class(candidate: Any) -> bool:
    """Whether ``candidate`` is a torch module class (which the model instantiates itself)."""
    return isinstance(candidate, type) and issubclass(candidate, torch.nn.Module)


def module_choice(primitive: HyperPrimitive, name: str) -> OneOf:
    """``primitive`` when it is a choice between modules without decisions of their own, or
    between module classes (which the model instantiates with arguments of its own)."""
    if isinstance(primitive, ManyOf):
        raise _not_shareable(name, primitive, "picks several candidates (a manyof)")
    if not isinstance(primitive, OneOf):
        raise _not_shareable(name, primitive, f"is a number ({primitive.kind}), not a choice")
    classes = [is_module_class(candidate) for candidate in primitive.candidates]
    if all(classes):
        return primitive
    if any(classes):
        raise _not_shareable(
            name, primitive, "mixes module classes and modules: give all of one kind"
        )
    for i, candidate in enumerate(primitive.candidates):
        if isinstance(candidate, Symbolic) and not isinstance(candidate, Functor):
            is_module = isinstance(candidate.target, type) and issubclass(
                candidate.target, torch.nn.Module
            )
        else:
            is_module = isinstance(candidate, torch.nn.Module)
        if not is_module:
            raise _not_shareable(
                name, primitive, f"has candidate {i} ({candidate!r}), which is not a torch module"
            )
        if has_hyper(candidate):
            own = list(decisions(candidate, candidate_path(primitive, name, i)))
            raise _not_shareable(
                name,
                primitive,
                f"has candidate {i} holding decisions of its own ({', '.join(own)}), whose "
                "variants would need weights of their own: make each variant a candidate",
            )
    return primitive


def build_choices(node: Any, path: str, at_choice: AtChoice) -> Any:
    """``node`` built as ``materialize`` builds it, each choice between modules replaced by
    ``at_choice(name, oneof)``; any other decision is refused."""
    return build_with(
        node, lambda primitive, name: at_choice(name, module_choice(primitive, name)), path=path
    )


def no_choice(name: str, primitive: OneOf) -> Any:  # pragma: no cover - candidates hold none
    raise SearchSpaceError(f"rewrite: unexpected decision {name!r} inside a candidate")


def parts(value: Any, path: str = "") -> Iterator[tuple[str, torch.nn.Module]]:
    """The torch modules of a built value by key path: the value itself, or those in its
    lists, tuples, dicts and functor arguments."""
    if isinstance(value, torch.nn.Module):
        yield path, value
        return
    if isinstance(value, (list, tuple, dict, Functor)):
        for key, child in children(value):
            yield from parts(child, join(path, key))
