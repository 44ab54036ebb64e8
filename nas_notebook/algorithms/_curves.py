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

Each family is fitted in closed form for every value of its nonlinear parameter on a grid
(:data:`ALPHAS`, :data:`RATES`), and the best is kept.

Who calls what: :class:`~nas_notebook.algorithms.CurveExtrapolationPruner` calls
:func:`extrapolate` on the thread that runs the trial.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["ALPHAS", "FAMILIES", "RATES", "extrapolate"]


#: The exponents of ``pow3`` and the rates of ``exp3`` tried: each makes the family linear in
#: its other two parameters, fitted in closed form (a grid search over the third: fast, and the
#: same answer every time, unlike an iterative fit).
ALPHAS = np.geomspace(0.05, 4.0, 24)
RATES = np.geomspace(0.02, 4.0, 24)


def _basis(name: str, x: np.ndarray) -> np.ndarray:
    """The family's term that multiplies its slope, for each grid value: ``(grid, len(x))``."""
    if name == "pow3":
        return -(x[None, :] ** -ALPHAS[:, None])
    if name == "exp3":
        return -np.exp(-RATES[:, None] * x[None, :])
    return np.log(x)[None, :]  # log2


FAMILIES = ("pow3", "exp3", "log2")


def _fit(name: str, x: np.ndarray, y: np.ndarray, at: float) -> tuple[float, float] | None:
    """``y ~ c + a * basis(x)`` with ``a >= 0`` for the family's best grid value: (its mean
    squared error, its value at ``at``), or None when no grid value fits a rising curve."""
    phi = _basis(name, x)
    ahead = _basis(name, np.asarray([at], dtype=float))[:, 0]
    dphi = phi - phi.mean(axis=1, keepdims=True)
    var = (dphi**2).sum(axis=1)
    slope = np.where(var > 0, (dphi * (y - y.mean())).sum(axis=1) / np.where(var > 0, var, 1), 0)
    ok = slope >= 0
    if not ok.any():
        return None
    intercept = y.mean() - slope * phi.mean(axis=1)
    mse = (((intercept[:, None] + slope[:, None] * phi) - y) ** 2).mean(axis=1)
    mse = np.where(ok, mse, np.inf)
    k = int(np.argmin(mse))
    return float(mse[k]), float(intercept[k] + slope[k] * ahead[k])


def extrapolate(steps: np.ndarray, values: np.ndarray, at: float) -> float:
    """The curve ``values`` (rising, at ``steps`` >= 1) predicted at step ``at``: the mean of
    the families' predictions (and of the last value), weighted by the inverse of their fit's
    mean squared error; the last value when there are too few points.

    Example:
        >>> x = np.arange(1.0, 6.0)
        >>> abs(extrapolate(x, 0.9 - 0.5 * x ** -1.0, 50) - 0.89) < 0.02  # pow3: 0.89 at 50
        True
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
    spread = max(float(values.max() - values.min()), 1e-6)
    floor = (spread * 1e-3) ** 2
    tail = values[-max(2, len(values) // 3) :]
    # "last": a curve that stopped rising, as good a fit as its last third is flat
    predictions, weights = [last], [1.0 / (float(np.mean((tail - last) ** 2)) + floor)]
    for name in FAMILIES:
        fitted = _fit(name, steps, values, at)
        if fitted is not None and math.isfinite(fitted[1]):
            predictions.append(fitted[1])
            weights.append(1.0 / (fitted[0] + floor))
    w = np.asarray(weights)
    return float(np.dot(w / w.sum(), predictions))
