"""What a trial's objective value is, and which way it is optimized."""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .._errors import ObjectiveError
from ..space import TrialContext

__all__ = ["Objective", "infer_direction", "to_number"]

_MINIMIZE = re.compile(
    r"(loss|err|error|mse|mae|rmse|nll|latency|time|cost|regret|perplexity|ppl|size|params)",
    re.IGNORECASE,
)


def infer_direction(hint: str | None) -> str:
    """``"minimize"`` when ``hint`` (a metric name or the objective's source) reads like a loss,
    error, latency or cost; ``"maximize"`` otherwise (accuracy, score, reward...).

    Example:
        >>> infer_direction("val_loss"), infer_direction("evaluate(model)")
        ('minimize', 'maximize')
    """
    if hint and _MINIMIZE.search(hint):
        return "minimize"
    return "maximize"


def to_number(value: Any, what: str = "objective") -> float:
    """``value`` as a finite-or-infinite float; NaN and non-numbers raise :class:`ObjectiveError`.

    Accepts Python and NumPy numbers and one-element tensors/arrays (through ``.item()``).
    """
    if type(value) is float and value == value:  # the common case first; NaN != NaN
        return value
    if hasattr(value, "item") and not isinstance(value, numbers.Number):
        try:
            value = value.item()
        except (ValueError, RuntimeError):
            raise ObjectiveError(
                f"{what} must be a single number, got an array or tensor of shape "
                f"{tuple(getattr(value, 'shape', ()))}"
            ) from None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        shown = repr(value)
        shown = shown if len(shown) < 80 else shown[:77] + "..."
        raise ObjectiveError(f"{what} must be a number, got {type(value).__name__}: {shown}")
    number = float(value)
    if math.isnan(number):
        raise ObjectiveError(f"{what} is NaN")
    return number


@dataclass(frozen=True)
class Objective:
    """How a finished trial body is turned into the value Optuna is told.

    ``metric`` set: the metric of that name, taken from a dict the body evaluated to, or else the
    last value given to ``report(metric=...)``. ``metric`` unset: the body's last expression, or
    else the last ``report(value)``.
    """

    metric: str | None = None

    def resolve(self, result: Any, context: TrialContext) -> float:
        """The objective value of a trial whose body evaluated to ``result``."""
        metric = self.metric
        if metric is None and type(result) is float and result == result:  # fast path; not NaN
            return result
        if metric is not None:
            if isinstance(result, Mapping) and metric in result:
                return to_number(result[metric], f"metric {metric!r}")
            if metric in context.reports:
                return to_number(context.reports[metric], f"metric {metric!r}")
            reported = sorted(k for k in context.reports if k != "value")
            listed = ", ".join(reported) if reported else "none"
            raise ObjectiveError(
                f"--metric {metric!r} was never reported (reported metrics: {listed})"
            )
        if isinstance(result, Mapping):
            raise ObjectiveError(
                "the trial evaluated to a dict; pass --metric to pick one of: "
                + ", ".join(map(str, result))
            )
        if result is not None:
            return to_number(result)
        if "value" in context.reports:
            return to_number(context.reports["value"])
        raise ObjectiveError(
            "the trial produced no objective: end the cell with an expression, call "
            "report(value), or pass --metric NAME"
        )
