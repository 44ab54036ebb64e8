"""Learning curves extrapolated by parametric families (after Domhan et al. 2015, "Speeding up
automatic hyperparameter optimization of deep neural networks by extrapolation of learning
curves"): each family is fitted to a curve's first steps by least squares, and the prediction
at a later step is the fit-weighted mean of the families that fit.

The curves are taken as rising towards an asymptote (an accuracy; a loss is negated first).
Families, with ``x`` the step (from 1):

* ``pow3``: ``c - a * x ** -alpha``;
* ``exp3``: ``c - a * exp(-b * x)``;
* ``log2``: ``a + b * log(x)`` (no asymptote: the most optimistic);
* ``last``: the last value (a curve that has stopped rising).

Who calls what: :class:`~nas_notebook.algorithms.CurveExtrapolationPruner` calls
:func:`extrapolate` on the thread that runs the trial.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np

__all__ = ["FAMILIES", "extrapolate"]


def _pow3(x: np.ndarray, c: float, a: float, alpha: float) -> np.ndarray:
    return c - a * x ** (-alpha)


def _exp3(x: np.ndarray, c: float, a: float, b: float) -> np.ndarray:
    return c - a * np.exp(-b * x)


def _log2(x: np.ndarray, a: float, b: float) -> np.ndarray:
    return a + b * np.log(x)


Guess = Callable[[float, float], list[float]]
Bounds = tuple[list[float], list[float]]

#: name -> (function, initial guess from (last value, spread), bounds).
FAMILIES: dict[str, tuple[Callable[..., np.ndarray], Guess, Bounds]] = {
    "pow3": (_pow3, lambda top, d: [top, d, 1.0], ([-np.inf, 0.0, 0.01], [np.inf, np.inf, 5.0])),
    "exp3": (_exp3, lambda top, d: [top, d, 0.5], ([-np.inf, 0.0, 1e-3], [np.inf, np.inf, 5.0])),
    "log2": (_log2, lambda top, d: [top - d, d], ([-np.inf, 0.0], [np.inf, np.inf])),
}


def extrapolate(steps: np.ndarray, values: np.ndarray, at: float) -> float:
    """The curve ``values`` (rising, at ``steps`` >= 1) predicted at step ``at``: the mean of
    the families' predictions, weighted by the inverse of their fit's mean squared error (the
    last value when too few points or no family fits).

    Example:
        >>> x = np.arange(1.0, 6.0)
        >>> round(extrapolate(x, 0.9 - 0.5 * x ** -1.0, 50), 3)  # a pow3 curve: near 0.89
        0.89
    """
    steps = np.asarray(steps, dtype=float)
    values = np.asarray(values, dtype=float)
    ok = np.isfinite(values) & (steps >= 1)
    steps, values = steps[ok], values[ok]
    if len(values) == 0:
        return math.nan
    last = float(values[-1])
    if len(values) < 3 or at <= steps[-1]:
        return last
    from scipy.optimize import curve_fit

    spread = max(float(values.max() - values.min()), 1e-6)
    floor = (spread * 1e-3) ** 2
    tail = values[-max(2, len(values) // 3) :]
    # "last": a curve that stopped rising, as good a fit as its last third is flat
    predictions, weights = [last], [1.0 / (float(np.mean((tail - last) ** 2)) + floor)]
    for function, guess, bounds in FAMILIES.values():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                params, _ = curve_fit(
                    function, steps, values, p0=guess(last, spread), bounds=bounds, maxfev=400
                )
        except (RuntimeError, ValueError):
            continue
        fitted = function(steps, *params)
        mse = float(np.mean((fitted - values) ** 2)) + floor
        prediction = float(function(np.asarray([at], dtype=float), *params)[0])
        if math.isfinite(prediction):
            predictions.append(prediction)
            weights.append(1.0 / mse)
    w = np.asarray(weights)
    return float(np.dot(w / w.sum(), predictions))
