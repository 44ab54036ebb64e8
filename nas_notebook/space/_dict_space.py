"""Dict configuration spaces in Syne Tune's vocabulary, mapped onto the hyper primitives.

A configuration space is a dict whose values are domains (below) or fixed values, nested dicts
and lists allowed: ``{"lr": loguniform(1e-4, 1e-1), "layers": randint(1, 4), "epochs": 10}``.
``sample(config, ...)``, ``materialize(config, decisions)`` and ``%%search --space config``
turn it into concrete dicts; each domain is a decision named by its key (``lr``, ``opt.beta``).

=====================================  ===============================================
domain                                 primitive
=====================================  ===============================================
``randint(lower, upper)``              ``intv(lower, upper)`` (both included)
``lograndint(lower, upper)``           ``intv(lower, upper, log=True)``
``uniform(lower, upper)``              ``floatv(lower, upper)``
``loguniform(lower, upper)``           ``floatv(lower, upper, log=True)``
``choice(categories)``                 ``oneof(categories)``
``finrange(lower, upper, size)``       ``floatv``/``intv`` with the step of ``size`` equally spaced
                                       values (a ``oneof`` of them when the step does not divide
                                       the range exactly in decimal)
``logfinrange(lower, upper, size)``    ``oneof`` of ``size`` log-spaced values
``ordinal(categories)``                ``oneof(categories)``; the order is the candidates' order
=====================================  ===============================================

``randint``, ``lograndint``, ``uniform``, ``loguniform``, ``choice`` and ``ordinal`` take
``prior=`` and ``confidence=`` as the primitives do (the value believed best).

The domains are value objects whatever the context (unlike ``oneof``, they are never decided
where they are written): they are for spaces written as data.
"""

from __future__ import annotations

import decimal
import math
import numbers
from collections.abc import Sequence
from typing import Any

from .._errors import SearchSpaceError
from ._values import Float, Int, OneOf

__all__ = [
    "choice",
    "finrange",
    "logfinrange",
    "lograndint",
    "loguniform",
    "ordinal",
    "randint",
    "uniform",
]


def _number(domain: str, param: str, value: Any, integer: bool = False) -> Any:
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        what = "an integer" if integer else "a number"
        raise SearchSpaceError(f"{domain}: `{param}` must be {what}, got {value!r}")
    if not integer and not math.isfinite(float(value)):
        raise SearchSpaceError(f"{domain}: `{param}` must be finite, got {value!r}")
    return int(value) if integer else value  # type: ignore[call-overload]


def _bounds(domain: str, lower: Any, upper: Any, *, integer: bool, log: bool) -> tuple[Any, Any]:
    lower = _number(domain, "lower", lower, integer)
    upper = _number(domain, "upper", upper, integer)
    if lower > upper:
        raise SearchSpaceError(
            f"{domain}(lower={lower!r}, upper={upper!r}): `lower` must not exceed `upper`"
        )
    if log and lower <= 0:
        raise SearchSpaceError(
            f"{domain}(lower={lower!r}, upper={upper!r}): `lower` must be > 0 on a log scale"
        )
    return lower, upper


def _range(
    domain: str, lower: Any, upper: Any, *, integer: bool, log: bool, prior: Any, confidence: Any
) -> Any:
    low, high = _bounds(domain, lower, upper, integer=integer, log=log)
    cls = Int if integer else Float
    try:
        return cls(low, high, log=log, prior=prior, confidence=confidence)
    except SearchSpaceError as exc:  # say which domain: the primitive's name is not the user's
        raise SearchSpaceError(f"{domain}: {str(exc).split(': ', 1)[1]}") from None


def randint(
    lower: int, upper: int, *, prior: int | None = None, confidence: str | None = None
) -> Int:
    """An integer in ``[lower, upper]``, both included.

    Example:
        >>> randint(1, 4)
        intv(1, 4)
    """
    return _range(
        "randint", lower, upper, integer=True, log=False, prior=prior, confidence=confidence
    )


def lograndint(
    lower: int, upper: int, *, prior: int | None = None, confidence: str | None = None
) -> Int:
    """An integer in ``[lower, upper]``, drawn on a log scale (``lower`` >= 1).

    Example:
        >>> lograndint(16, 256)
        intv(16, 256, log=True)
    """
    return _range(
        "lograndint", lower, upper, integer=True, log=True, prior=prior, confidence=confidence
    )


def uniform(
    lower: float, upper: float, *, prior: float | None = None, confidence: str | None = None
) -> Float:
    """A float in ``[lower, upper]``.

    Example:
        >>> uniform(0.0, 0.5)
        floatv(0.0, 0.5)
    """
    return _range(
        "uniform", lower, upper, integer=False, log=False, prior=prior, confidence=confidence
    )


def loguniform(
    lower: float, upper: float, *, prior: float | None = None, confidence: str | None = None
) -> Float:
    """A float in ``[lower, upper]``, drawn on a log scale (``lower`` > 0).

    Example:
        >>> loguniform(1e-4, 1e-1)
        floatv(0.0001, 0.1, log=True)
        >>> loguniform(1e-4, 1e-1, prior=3e-3, confidence="high")
        floatv(0.0001, 0.1, log=True, prior=0.003, confidence='high')
    """
    return _range(
        "loguniform", lower, upper, integer=False, log=True, prior=prior, confidence=confidence
    )


def _categories(domain: str, categories: Any) -> list[Any]:
    if isinstance(categories, (str, bytes)) or not isinstance(categories, Sequence):
        raise SearchSpaceError(f"{domain}: `categories` must be a list, got {categories!r}")
    if len(categories) == 0:
        raise SearchSpaceError(f"{domain}: `categories` is empty; give at least one")
    return list(categories)


def choice(categories: Sequence[Any], *, prior: Any = None, confidence: str | None = None) -> OneOf:
    """One of ``categories`` (unordered); ``prior``: the one believed best (see
    :func:`~nas_notebook.oneof`).

    Example:
        >>> choice(["relu", "tanh"])
        oneof(['relu', 'tanh'])
        >>> choice(["relu", "tanh"], prior="tanh")
        oneof(['relu', 'tanh'], prior='tanh')
    """
    return _one("choice", categories, prior, confidence)


def _one(domain: str, categories: Any, prior: Any, confidence: Any) -> OneOf:
    try:
        return OneOf(_categories(domain, categories), prior=prior, confidence=confidence)
    except SearchSpaceError as exc:
        raise SearchSpaceError(f"{domain}: {str(exc).split(': ', 1)[1]}") from None


def ordinal(
    categories: Sequence[Any],
    kind: str | None = None,
    *,
    prior: Any = None,
    confidence: str | None = None,
) -> OneOf:
    """One of ``categories``, which are ordered. ``kind`` (Syne Tune's encoding hint:
    ``"equal"``, ``"nn"``, ``"nn-log"``) is accepted and checked; the algorithms see the
    candidates in their order as a categorical.

    Example:
        >>> ordinal([16, 32, 64])
        oneof([16, 32, 64])
    """
    if kind not in (None, "equal", "nn", "nn-log"):
        raise SearchSpaceError(
            f"ordinal: `kind` must be 'equal', 'nn' or 'nn-log' (or None), got {kind!r}"
        )
    return _one("ordinal", categories, prior, confidence)


def _size(domain: str, size: Any) -> int:
    size = _number(domain, "size", size, integer=True)
    if size < 1:
        raise SearchSpaceError(f"{domain}: `size` must be >= 1, got {size!r}")
    return int(size)


def _divides(low: float, high: float, step: float) -> bool:
    """Whether Optuna keeps ``high`` for this step (it checks the same in decimal)."""
    span = decimal.Decimal(str(high - low))
    return span % decimal.Decimal(str(step)) == 0


def finrange(lower: float, upper: float, size: int, cast_int: bool = False) -> Float | Int | OneOf:
    """One of ``size`` equally spaced values from ``lower`` to ``upper`` (both included);
    integers with ``cast_int``.

    Example:
        >>> finrange(0.1, 1.0, 10)
        floatv(0.1, 1.0, step=0.1)
        >>> finrange(0, 100, 5, cast_int=True)
        intv(0, 100, step=25)
    """
    low, high = _bounds("finrange", lower, upper, integer=False, log=False)
    size = _size("finrange", size)
    if size == 1 or low == high:
        return OneOf([round(low) if cast_int else float(low)])
    step = (high - low) / (size - 1)
    if cast_int:
        if float(low).is_integer() and float(step).is_integer():
            return Int(int(low), int(high), step=int(step))
        values = sorted({round(low + i * step) for i in range(size)})
        return OneOf(values)
    if _divides(low, high, step):
        return Float(float(low), float(high), step=step)
    return OneOf([low + i * step for i in range(size - 1)] + [float(high)])


def logfinrange(lower: float, upper: float, size: int, cast_int: bool = False) -> OneOf:
    """One of ``size`` log-spaced values from ``lower`` to ``upper`` (both included, > 0);
    integers with ``cast_int``.

    Example:
        >>> logfinrange(1, 100, 3, cast_int=True)
        oneof([1, 10, 100])
    """
    low, high = _bounds("logfinrange", lower, upper, integer=False, log=True)
    size = _size("logfinrange", size)
    if size == 1:
        values = [float(low)]
    else:
        a, b = math.log(low), math.log(high)
        values = [math.exp(a + i * (b - a) / (size - 1)) for i in range(size)]
        values[0], values[-1] = float(low), float(high)
    if cast_int:
        return OneOf(sorted({round(v) for v in values}))
    return OneOf(values)
