"""Modes of evaluation for hyper primitives, held in a context variable.

A primitive helper (``oneof``, ``floatv``...) asks :func:`current` for the active context:

* :class:`TrialContext` (apply mode): decisions are drawn through an Optuna trial. One is
  active on the thread that runs a trial body; the executor sets it, user code never does.
* :class:`TraceContext` (collect mode): decisions are recorded with their names and the default
  value is returned; :func:`~nas_notebook.trace` uses it.
* none: the helper returns the value object itself.

Contexts live in a ``contextvars.ContextVar``, so concurrent trials on different threads each see
their own. Both modes name decisions the same way (:mod:`._naming`).
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, Any

from .._errors import TrialStopped
from ._codec import suggest
from ._naming import NameRegistry, Site, call_site
from ._values import HyperPrimitive

if TYPE_CHECKING:
    import optuna

__all__ = [
    "EvaluationContext",
    "TraceContext",
    "TrialContext",
    "activate",
    "current",
    "enter",
    "leave",
]

# Guards the hand-over between a running body and a thread that cancels it (TrialContext.lock);
# one lock for all trials: it is held for a few bytecodes, and only at a body's end or a cancel.
_BODY_LOCK = threading.Lock()

_current: contextvars.ContextVar[EvaluationContext | None] = contextvars.ContextVar(
    "nas_notebook_context", default=None
)


def current() -> EvaluationContext | None:
    """The evaluation context active on this thread, if any.

    Example:
        >>> from nas_notebook.space import TraceContext, activate, current
        >>> current() is None
        True
        >>> with activate(TraceContext()) as context:
        ...     current() is context
        True
    """
    return _current.get()


def enter(context: EvaluationContext) -> contextvars.Token[EvaluationContext | None]:
    """Make ``context`` the active one until :func:`leave` is given the returned token: what
    :func:`activate` does, without a generator, for a per-trial hot path.

    Example:
        >>> from nas_notebook.space import TraceContext, current, enter, leave
        >>> token = enter(TraceContext())
        >>> isinstance(current(), TraceContext)
        True
        >>> leave(token); current() is None
        True
    """
    return _current.set(context)


def leave(token: contextvars.Token[EvaluationContext | None]) -> None:
    """Restore the context that was active before the :func:`enter` that gave ``token``.

    Example:
        >>> from nas_notebook.space import TraceContext, current, enter, leave
        >>> leave(enter(TraceContext())); current() is None
        True
    """
    _current.reset(token)


@contextmanager
def activate(context: EvaluationContext) -> Iterator[EvaluationContext]:
    """Make ``context`` the active one for the duration of the ``with`` block.

    Example:
        >>> from nas_notebook import intv
        >>> from nas_notebook.space import TraceContext, activate
        >>> with activate(TraceContext()) as context:
        ...     layers = intv(1, 4, name="layers")   # collect mode: the default comes back
        >>> layers, list(context.decisions)
        (1, ['layers'])
    """
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


class EvaluationContext:
    """Names decisions and turns them into values; subclasses say how a value is obtained.

    Called by the primitive helpers, on the thread running the user's code. Not shared between
    threads: each trial has its own context, while the :class:`NameRegistry` may be shared.
    """

    def __init__(self, registry: NameRegistry | None = None) -> None:
        self.registry = registry if registry is not None else NameRegistry()
        self._counts: dict[int, int] = {}
        self.values: dict[str, Any] = {}
        self.cancelled = False

    def name_for(self, primitive: HyperPrimitive, site: Site) -> str:
        """The parameter name of this call of ``primitive`` at ``site`` (claims it)."""
        counts = self._counts
        count = counts.get(id(site), 0)  # sites are cached per code position: id is identity
        counts[id(site)] = count + 1
        explicit = primitive.name
        if explicit is not None:
            self.registry.claim(explicit, site, primitive, True)
            return explicit
        base = site.base or site.fallback(primitive.kind)
        name = f"{base}[{count}]" if (count or site.in_loop) else base
        self.registry.claim(name, site, primitive, False, base)
        return name

    def decide_key(self, key: tuple[Any, ...], frame: FrameType) -> Any:
        """Called by a primitive helper with its call key (class, arguments, argument types)
        and the caller's frame: reuse the value object this site built for the same key, or
        build (and so validate) it, then :meth:`decide`."""
        site = call_site(frame)
        cache: dict[Any, Any] | None = site.primitives
        try:
            primitive = cache.get(key)  # type: ignore[union-attr]
        except TypeError:  # unhashable arguments: build every time
            primitive = cache = None
        try:
            if primitive is None:
                primitive = key[0]._from_key(key)
                if cache is not None and len(cache) < 32:
                    cache[key] = primitive
            return self.decide(primitive, site)
        except ValueError as exc:  # bad arguments, a name clash, a distribution Optuna refuses
            _locate(exc, site)
            raise

    def decide(self, primitive: HyperPrimitive, site: Site | None = None) -> Any:
        """Name the decision ``primitive`` made at ``site`` (by default: the innermost call from
        user code on this thread's stack) and return its value."""
        if self.cancelled:
            raise TrialStopped("the search was stopped")
        name = self.name_for(primitive, site or call_site())
        value = self.evaluate(name, primitive)
        self.values[name] = value
        return value

    def evaluate(self, name: str, primitive: HyperPrimitive) -> Any:
        raise NotImplementedError


def _locate(exc: ValueError, site: Site) -> None:
    """Start the message of ``exc``, raised by the primitive called at ``site``, with where the
    call is (``cell line 3: ...``), unless it already names that place: the reason recorded
    for a failed trial then says which line to fix. The exception keeps its type and its
    traceback."""
    where = site.where()
    if len(exc.args) == 1 and isinstance(exc.args[0], str) and where not in exc.args[0]:
        exc.args = (f"{where}: {exc.args[0]}",)


class TrialContext(EvaluationContext):
    """Apply mode: decisions are Optuna suggestions on ``trial``; reports go to the storage.

    Created by the job runner for one trial, on the thread that runs it. ``reports`` keeps the
    latest value of every metric given to :func:`~nas_notebook.report`, for the objective.
    """

    def __init__(
        self,
        trial: optuna.trial.BaseTrial,
        registry: NameRegistry | None = None,
        objective_metric: str | None = None,
        multi_objective: bool = False,
    ) -> None:
        super().__init__(registry)
        self.trial = trial
        self.objective_metric = objective_metric
        #: Optuna keeps no intermediate values (and prunes nothing) with several objectives.
        self.multi_objective = multi_objective
        #: The state given to ``checkpoint`` (``has_saved`` tells None apart from nothing).
        self.saved: Any = None
        self.has_saved = False
        #: The checkpoint a resumed trial starts from (``restore()``).
        self.restored: Any = None
        self.reports: dict[str, Any] = {}
        self.next_step = 0
        self.tracked_metric: str | None = None
        self.lock = _BODY_LOCK
        self.in_body = False
        self.injected = False

    def decide(self, primitive: HyperPrimitive, site: Site | None = None) -> Any:
        # The base class's steps, inlined: this runs for every decision of every trial.
        if self.cancelled:
            raise TrialStopped("the search was stopped")
        name = self.name_for(primitive, site or call_site())
        value = self.values[name] = suggest(self.trial, name, primitive)
        return value

    def evaluate(self, name: str, primitive: HyperPrimitive) -> Any:
        return suggest(self.trial, name, primitive)


class TraceContext(EvaluationContext):
    """Collect mode: decisions are recorded in ``decisions`` and their default is returned."""

    def __init__(self, registry: NameRegistry | None = None) -> None:
        super().__init__(registry)
        self.decisions: dict[str, tuple[HyperPrimitive, Site]] = {}

    def decide(self, primitive: HyperPrimitive, site: Site | None = None) -> Any:
        site = site or call_site()
        name = self.name_for(primitive, site)
        self.decisions.setdefault(name, (primitive, site))
        value = primitive.default()
        self.values[name] = value
        return value
