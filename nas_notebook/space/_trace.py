"""``trace``: the search space a function exercises, found by running it once in collect mode."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from optuna.distributions import BaseDistribution

from . import _codec
from ._context import TraceContext, activate
from ._naming import Site
from ._values import HyperPrimitive

__all__ = ["Decision", "Space", "trace"]


@dataclass(frozen=True)
class Decision:
    """One decision point: its parameter name, its definition and where the code makes it."""

    name: str
    primitive: HyperPrimitive
    site: Site

    @property
    def kind(self) -> str:
        return self.primitive.kind

    def distributions(self) -> dict[str, BaseDistribution]:
        """The Optuna parameters that encode this decision."""
        return _codec.distributions(self.name, self.primitive)

    def __repr__(self) -> str:
        return f"{self.name}: {self.primitive!r}  ({self.site.where()})"


class Space(Mapping[str, Decision]):
    """The decisions a function made on one run, in the order it made them.

    A define-by-run space is only what one run exercised: a choice made in a branch that did not
    run is absent. Algorithms therefore never rely on it being complete; it documents the space
    and lets :func:`~nas_notebook.sample` call the function again.

    Example:
        >>> from nas_notebook import floatv, oneof, trace
        >>> def program():
        ...     lr = floatv(1e-4, 1e-1, log=True)
        ...     act = oneof(["relu", "gelu"])
        ...     return lr
        >>> space = trace(program)
        >>> list(space), space["lr"].primitive
        (['lr', 'act'], floatv(0.0001, 0.1, log=True))
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        decisions: Mapping[str, Decision],
        args: tuple[Any, ...] = (),
        kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        self.fn = fn
        self.args = args
        self.kwargs = dict(kwargs or {})
        self._decisions = dict(decisions)

    def __getitem__(self, name: str) -> Decision:
        return self._decisions[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._decisions)

    def __len__(self) -> int:
        return len(self._decisions)

    def distributions(self) -> dict[str, BaseDistribution]:
        """All Optuna parameters of the space, by parameter name."""
        out: dict[str, BaseDistribution] = {}
        for decision in self._decisions.values():
            out.update(decision.distributions())
        return out

    def __repr__(self) -> str:
        lines = [f"Space of {getattr(self.fn, '__qualname__', self.fn)!s} ({len(self)} decisions)"]
        lines += [f"  {d!r}" for d in self._decisions.values()]
        return "\n".join(lines)


def trace(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Space:
    """Run ``fn(*args, **kwargs)`` once, recording every hyper primitive it reaches.

    Each primitive returns its default (the first candidate, or the lower bound) during the run.

    Args:
        fn: A function (or class) whose code, or the code it calls, uses hyper primitives.
        *args: Positional arguments for ``fn``.
        **kwargs: Keyword arguments for ``fn``.

    Returns:
        The :class:`Space` of decisions, with names derived from the code.

    Example:
        >>> from nas_notebook import floatv, oneof, trace
        >>> def build():
        ...     lr = floatv(1e-4, 1e-1, log=True)
        ...     act = oneof(["relu", "gelu"])
        ...     return lr, act
        >>> list(trace(build))
        ['lr', 'act']
    """
    context = TraceContext()
    with activate(context):
        fn(*args, **kwargs)
    decisions = {
        name: Decision(name, primitive, site)
        for name, (primitive, site) in context.decisions.items()
    }
    return Space(fn, decisions, args, kwargs)
