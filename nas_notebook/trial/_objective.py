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

    Example:
        >>> import numpy as np
        >>> to_number(np.float32(0.5)), to_number(np.array([2]))
        (0.5, 2.0)
        >>> to_number(float("nan"), "accuracy")
        Traceback (most recent call last):
        ...
        nas_notebook._errors.ObjectiveError: accuracy is NaN
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
    """How a finished trial body is turned into the value(s) Optuna is told.

    ``metric`` set: the metric of that name, taken from a dict the body evaluated to, or else the
    last value given to ``report(metric=...)``. ``metric`` unset: the body's last expression, or
    else the last ``report(value)``.

    With several objectives (``n_objectives`` > 1), ``metric`` names them all, separated by
    commas (``"accuracy,latency"``), or is unset and the body evaluates to a tuple or list of
    ``n_objectives`` numbers.
    """

    metric: str | None = None
    n_objectives: int = 1

    def __post_init__(self) -> None:
        names = self.metrics
        if self.metric is not None and (not all(names) or len(set(names)) != len(names)):
            raise ValueError(f"--metric: distinct names separated by commas, got {self.metric!r}")
        if len(names) > 1 and len(names) != self.n_objectives:
            raise ValueError(
                f"--metric names {len(names)} metrics but there are {self.n_objectives} "
                "objectives (--directions)"
            )

    @property
    def metrics(self) -> tuple[str, ...]:
        """The metric names (empty without ``metric``)."""
        if self.metric is None:
            return ()
        return tuple(name.strip() for name in self.metric.split(","))

    @property
    def tracked(self) -> str | None:
        """The metric whose reports are the pruner's intermediate values (single objective)."""
        return self.metric if self.n_objectives == 1 else None

    def resolve(self, result: Any, context: TrialContext) -> float | list[float]:
        """The objective value(s) of a trial whose body evaluated to ``result``."""
        if self.n_objectives > 1:
            return self._resolve_many(result, context)
        metric = self.metric
        if metric is None and type(result) is float and result == result:  # fast path; not NaN
            return result
        if metric is not None:
            return self._metric(metric, result, context)
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

    @staticmethod
    def _metric(metric: str, result: Any, context: TrialContext) -> float:
        if isinstance(result, Mapping) and metric in result:
            return to_number(result[metric], f"metric {metric!r}")
        if metric in context.reports:
            return to_number(context.reports[metric], f"metric {metric!r}")
        reported = sorted(k for k in context.reports if k != "value")
        listed = ", ".join(reported) if reported else "none"
        raise ObjectiveError(f"--metric {metric!r} was never reported (reported metrics: {listed})")

    def _resolve_many(self, result: Any, context: TrialContext) -> list[float]:
        n = self.n_objectives
        if self.metrics:
            return [self._metric(name, result, context) for name in self.metrics]
        if isinstance(result, Mapping):
            raise ObjectiveError(
                f"the trial evaluated to a dict; pass --metric with {n} names (a,b) among: "
                + ", ".join(map(str, result))
            )
        if result is None:
            raise ObjectiveError(
                f"the trial produced no objectives: end the cell with a tuple of {n} numbers "
                f"or pass --metric with {n} reported metric names"
            )
        if isinstance(result, (str, bytes)) or not hasattr(result, "__len__"):
            raise ObjectiveError(
                f"the search has {n} objectives: the trial must evaluate to {n} numbers, got "
                f"{type(result).__name__}"
            )
        if len(result) != n:
            raise ObjectiveError(
                f"the search has {n} objectives, the trial evaluated to {len(result)} values"
            )
        return [to_number(value, f"objective {i}") for i, value in enumerate(result)]
