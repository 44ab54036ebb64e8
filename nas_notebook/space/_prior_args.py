"""The arguments of a prior (``prior=``, ``confidence=``) as the value objects check them: the
messages name the argument and what was wrong with it."""

from __future__ import annotations

import numbers
from typing import Any

from .._errors import SearchSpaceError

__all__ = ["CONFIDENCES", "check_confidence", "in_range", "integer", "prior_repr", "same"]

#: How sure a prior is: ``confidence=`` names one of these.
CONFIDENCES = ("low", "medium", "high")


def check_confidence(kind: str, prior: object, confidence: object) -> str | None:
    """The confidence of a prior: ``"medium"`` unless given, None without a prior.

    Example:
        >>> check_confidence("floatv", 0.5, None), check_confidence("floatv", None, None)
        ('medium', None)
    """
    if confidence is None:
        return None if prior is None else "medium"
    if confidence not in CONFIDENCES:
        raise SearchSpaceError(
            f"{kind}: `confidence` must be one of {', '.join(map(repr, CONFIDENCES))}, "
            f"got {confidence!r}"
        )
    if prior is None:
        raise SearchSpaceError(f"{kind}: `confidence` needs a `prior` (the value it is about)")
    return str(confidence)


def prior_repr(prior: Any, confidence: str | None) -> str:
    """The prior's part of a value object's repr (the default confidence left out)."""
    if confidence is None:
        return ""
    return f", prior={prior!r}" + (f", confidence={confidence!r}" if confidence != "medium" else "")


def same(candidate: Any, prior: Any) -> bool:
    """Whether ``candidate`` equals ``prior`` (a comparison that fails or is ambiguous, as for
    arrays, counts as different)."""
    try:
        return bool(candidate == prior)
    except Exception:  # any __eq__ may raise; such a candidate is matched by identity only
        return False


def integer(kind: str, param: str, value: object) -> float:
    """``value`` as a float if it is an integer (the reason it is not, otherwise)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise SearchSpaceError(f"{kind}: `{param}` must be an integer, got {value!r}")
    return float(value)


def in_range(kind: str, primitive: Any, convert: Any, prior: object) -> float:
    """``prior`` as a number inside ``primitive``'s bounds (the reason it is not, otherwise)."""
    value = convert(kind, "prior", prior)
    if not primitive.low <= value <= primitive.high:
        raise SearchSpaceError(
            f"{kind}: `prior`={prior!r} is outside [{primitive.low!r}, {primitive.high!r}]"
        )
    return value
