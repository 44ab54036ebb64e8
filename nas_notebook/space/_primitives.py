"""The primitive helpers ``oneof``, ``manyof``, ``floatv`` and ``intv``: where user code marks a
value as searchable.

Each helper builds (or reuses) a value object (:mod:`._values`), which validates its arguments
at once, so a mistake is reported at the line that wrote it. What happens next depends on the
evaluation context that is active (:mod:`._context`):

* inside a trial the helper returns a concrete value drawn through the Optuna trial;
* inside :func:`~nas_notebook.trace` it records the decision point and returns a default;
* with no context active it returns the value object itself, so it can be stored in a
  structure and decided later.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from types import FrameType
from typing import Any

from ._context import current
from ._values import Float, HyperPrimitive, Int, ManyOf, OneOf

# The value classes are named here too: code outside the package still reads them from this module.
__all__ = ["Float", "HyperPrimitive", "Int", "ManyOf", "OneOf", "floatv", "intv", "manyof", "oneof"]


def _decide(key: tuple[Any, ...], frame: FrameType) -> Any:
    """Hand the primitive described by ``key`` to the active context, or build and return it.

    ``key`` is ``(cls, *arguments, *their types)``: inside a trial the context keeps the value
    object built for each distinct key at each call site, so the arguments of a call site that
    repeats them (every trial does) are validated once, not once per trial.
    """
    context = current()
    if context is None:
        return key[0]._from_key(key)
    return context.decide_key(key, frame)


def oneof(
    candidates: Sequence[Any],
    *,
    name: str | None = None,
    prior: Any = None,
    confidence: str | None = None,
) -> Any:
    """Choose one of ``candidates``.

    Candidates may be any objects (numbers, strings, classes, modules, functions); Optuna stores
    the index with a readable label and the trial gets the object back.

    Args:
        candidates: The options, in a list or tuple; at least one.
        name: The parameter name; by default it comes from the code (``act = oneof(...)`` is
            named ``act``).
        prior: The candidate you believe best (one of ``candidates``): random search and TPE
            try it more often at first, less as results come in (see
            :mod:`nas_notebook.algorithms`).
        confidence: How sure the prior is: ``"low"``, ``"medium"`` (the default) or ``"high"``.

    Returns:
        Inside a trial, the chosen candidate; outside any search, a :class:`OneOf`.

    Example:
        >>> from nas_notebook import oneof
        >>> oneof(["relu", "gelu"])
        oneof(['relu', 'gelu'])
        >>> oneof(["relu", "gelu"], prior="gelu", confidence="high")
        oneof(['relu', 'gelu'], prior='gelu', confidence='high')
    """
    key: tuple[Any, ...]
    if isinstance(candidates, (list, tuple)):
        options = tuple(candidates)
        key = (OneOf, options, tuple(map(type, options)), name, prior, confidence)
    else:  # validated (and rejected or converted) by OneOf itself
        key = (OneOf, candidates, None, name, prior, confidence)
    return _decide(key, sys._getframe(1))


def manyof(
    k: int,
    candidates: Sequence[Any],
    *,
    distinct: bool = True,
    sorted: bool = False,
    name: str | None = None,
) -> Any:
    """Choose ``k`` of ``candidates``.

    Args:
        k: How many to choose.
        candidates: The options.
        distinct: Whether a candidate may be chosen only once.
        sorted: Whether the result keeps the candidates' order (a set rather than a sequence).
        name: The parameter name; by default it comes from the code.

    Returns:
        Inside a trial, a list of ``k`` candidates; outside any search, a :class:`ManyOf`.

    Example:
        >>> from nas_notebook import manyof
        >>> manyof(2, ["a", "b", "c"], sorted=True)
        manyof(2, ['a', 'b', 'c'], distinct=True, sorted=True)
    """
    options = tuple(candidates) if isinstance(candidates, (list, tuple)) else candidates
    kinds = tuple(map(type, options)) if isinstance(options, tuple) else None
    key = (ManyOf, k, options, kinds, distinct, sorted, name, type(k))
    return _decide(key, sys._getframe(1))


def floatv(
    low: float,
    high: float,
    *,
    log: bool = False,
    step: float | None = None,
    name: str | None = None,
    prior: float | None = None,
    confidence: str | None = None,
) -> Any:
    """A float between ``low`` and ``high``.

    Args:
        low: The lower bound (included).
        high: The upper bound (included).
        log: Sample on a log scale (``low`` must be > 0).
        step: Restrict values to ``low + i * step``.
        name: The parameter name; by default it comes from the code.
        prior: The value you believe best (inside the bounds): random search and TPE sample
            near it at first, less as results come in.
        confidence: How sure the prior is: ``"low"``, ``"medium"`` (the default) or ``"high"``.

    Returns:
        Inside a trial, a float; outside any search, a :class:`Float`.

    Example:
        >>> from nas_notebook import floatv
        >>> floatv(1e-4, 1e-1, log=True)
        floatv(0.0001, 0.1, log=True)
        >>> floatv(1e-4, 1e-1, log=True, prior=3e-3)
        floatv(0.0001, 0.1, log=True, prior=0.003)
    """
    key = (Float, low, high, log, step, name, prior, confidence, type(low), type(high),
           type(step), type(prior))  # fmt: skip
    return _decide(key, sys._getframe(1))


def intv(
    low: int,
    high: int,
    *,
    log: bool = False,
    step: int = 1,
    name: str | None = None,
    prior: int | None = None,
    confidence: str | None = None,
) -> Any:
    """An integer between ``low`` and ``high`` (both included).

    Args:
        low: The lower bound.
        high: The upper bound.
        log: Sample on a log scale (``low`` must be >= 1).
        step: Restrict values to ``low + i * step``.
        name: The parameter name; by default it comes from the code.
        prior: The value you believe best (inside the bounds): random search and TPE sample
            near it at first, less as results come in.
        confidence: How sure the prior is: ``"low"``, ``"medium"`` (the default) or ``"high"``.

    Returns:
        Inside a trial, an int; outside any search, an :class:`Int`.

    Example:
        >>> from nas_notebook import intv
        >>> intv(16, 256, log=True)
        intv(16, 256, log=True)
        >>> intv(16, 256, log=True, prior=64, confidence="low")
        intv(16, 256, log=True, prior=64, confidence='low')
    """
    key = (Int, low, high, log, step, name, prior, confidence, type(low), type(high),
           type(step), type(prior))  # fmt: skip
    return _decide(key, sys._getframe(1))
