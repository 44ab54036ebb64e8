"""Checks of the arguments an algorithm is built with: each raises a ``ValueError`` that names the
argument (a notebook user reads it under the cell), and returns the value as a native number.

Example:
    >>> positive_int("points", 3), number("clip", 0.2, 0.0, 1.0, strict_low=True)
    (3, 0.2)
    >>> seed(-1)
    Traceback (most recent call last):
    ValueError: seed must be None or a non-negative integer, got -1.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

__all__ = ["integer", "number", "positive_int", "seed"]


def positive_int(name: str, value: Any) -> int:
    """``value``, an integer of at least 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}.")
    return int(value)


def integer(name: str, value: Any, low: int) -> int:
    """``value``, an integer of at least ``low``."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def number(name: str, value: Any, low: float, high: float, *, strict_low: bool) -> float:
    """``value``, a finite number above ``low`` (or at it, unless ``strict_low``) and at most
    ``high``."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        x = float(value)
        ok = math.isfinite(x) and (x > low if strict_low else x >= low) and x <= high
    if not ok:
        bound = f"> {low:g}" if strict_low else f">= {low:g}"
        upper = "" if math.isinf(high) else f" and <= {high:g}"
        raise ValueError(f"{name} must be a finite number {bound}{upper}, got {value!r}")
    return float(value)


def seed(value: Any) -> int | None:
    """``value``, None or a non-negative integer (a seed of NumPy's random state)."""
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0
    ):
        raise ValueError(f"seed must be None or a non-negative integer, got {value!r}.")
    return None if value is None else int(value)
