"""Priors written inline (``floatv(..., prior=3e-3)``, ``oneof([...], prior=nn.GELU)``), used
in the manner of piBO (Hvarfner et al. 2022, "piBO: Augmenting Acquisition Functions with User
Beliefs for Bayesian Optimization"): the prior ``pi(x)`` weighs the search as ``pi(x) ** e``
with ``e = min(1, prior_trials / n)`` after ``n`` finished trials, so it acts at full strength
over the first ``prior_trials`` and fades as evidence grows: a wrong prior is overcome.

Beyond piBO, the evidence also judges the prior itself: once :data:`AGREEMENT_TRIALS` trials
have completed, ``e`` is multiplied by ``min(1, 1 + rho)``, where ``rho`` is Spearman's
correlation between the completed trials' prior density and their values (:func:`agreement`).
A prior whose nearest trials are the worst (``rho`` near -1) so fades at once, while one the
evidence bears out keeps piBO's schedule. With several objectives there is no "better" to judge
by, and piBO's schedule applies alone.

A prior is a density over one decision, in the decision's unit scale
(:mod:`~nas_notebook.algorithms._unit_scale`):

* a number: a normal around the prior, truncated to the bounds, of standard deviation
  :data:`SIGMA` [confidence] (0.5 / 0.25 / 0.125 of the range for low / medium / high);
* a choice: the prior's candidate with probability :data:`CHOICE_P` [confidence] (0.5 / 0.75 /
  0.9, at least uniform's), the others sharing the rest.

``pi ** e`` is a normal of standard deviation ``sigma / sqrt(e)``, and choice probabilities
raised to ``e`` and normalized: random search draws from it (:func:`sample_prior`); TPE adds
``e * log pi(x)`` to its acquisition (the log-ratio of its two densities) for each candidate, and
draws its first, random trials from it (:class:`~nas_notebook.algorithms.PriorTPE`). Decisions
without a prior are drawn as before.

Priors are stored with the study (``nas_notebook:prior:NAME``, written by the first trial that
draws the decision), so a sampler in any process, after any restart, reads the same ones.

Who calls what: Optuna calls the samplers' ``before_trial`` and ``sample_*`` on the thread that
runs the trial; :class:`Priors` is read once per trial there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import FrozenTrial, TrialState

from .._schema import read_priors
from ._cache import Finished, StudyCache
from ._unit_scale import from_unit, units

__all__ = [
    "CHOICE_P",
    "SIGMA",
    "PriorCache",
    "Priors",
    "agreement",
    "choice_probs",
    "fitting",
    "log_density",
    "log_prior",
    "normalized_log_pdf",
    "sample_prior",
]

SIGMA = {"low": 0.5, "medium": 0.25, "high": 0.125}
CHOICE_P = {"low": 0.5, "medium": 0.75, "high": 0.9}
#: Finished trials over which a prior acts at full strength (piBO's beta).
PRIOR_TRIALS = 10
#: The trials that count as evidence against a prior.
_FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
#: Completed trials before their values judge a prior (see :func:`agreement`).
AGREEMENT_TRIALS = 5


class Priors:
    """The priors of a study and their strength ``e`` for the trial about to be drawn.

    Example:
        >>> import optuna
        >>> from nas_notebook._schema import record_prior
        >>> study = optuna.create_study()
        >>> record_prior(study, "x", 0.25, "high")
        >>> priors = Priors.read(study)
        >>> sorted(priors.specs), priors.strength
        (['x'], 1.0)
    """

    def __init__(
        self,
        specs: dict[str, dict[str, Any]],
        finished: int,
        horizon: int,
        agreement: float | None = None,
    ) -> None:
        self.specs = specs
        self.strength = min(1.0, horizon / finished) if finished > horizon else 1.0
        #: How the completed trials' values follow their prior density (Spearman's rho; None:
        #: too few yet); a prior the evidence contradicts fades faster.
        self.agreement = agreement
        if agreement is not None:
            self.strength *= min(1.0, max(0.0, 1.0 + agreement))

    @classmethod
    def read(cls, study: optuna.Study, horizon: int = PRIOR_TRIALS) -> Priors:
        specs = read_priors(study)
        finished = 0
        if specs:  # counting trials costs a pass over them: only where a prior needs it
            finished = len(study.get_trials(deepcopy=False, states=_FINISHED))
        return cls(specs, finished, horizon)

    def get(self, name: str, distribution: BaseDistribution) -> dict[str, Any] | None:
        """The prior of ``name`` if it has one that fits ``distribution``."""
        return fitting(self.specs, name, distribution)


def fitting(
    specs: dict[str, dict[str, Any]], name: str, distribution: BaseDistribution
) -> dict[str, Any] | None:
    """The prior of ``name`` among ``specs`` if it fits ``distribution`` (a choice's index in
    range, a number within the bounds), else None."""
    spec = specs.get(name)
    if spec is None:
        return None
    if isinstance(distribution, CategoricalDistribution):
        index = spec["value"]
        fits = isinstance(index, int) and 0 <= index < len(distribution.choices)
        return spec if fits else None
    low, high = distribution.low, distribution.high  # type: ignore[attr-defined]
    return spec if low <= spec["value"] <= high else None


def choice_probs(
    distribution: CategoricalDistribution, spec: dict[str, Any], e: float
) -> np.ndarray:
    """The probability of each choice under the prior ``spec`` raised to ``e``, normalized."""
    k = len(distribution.choices)
    p = max(CHOICE_P[spec["confidence"]], 1.0 / k)
    probs = np.full(k, (1.0 - p) / (k - 1) if k > 1 else 1.0)
    probs[spec["value"]] = p
    probs = probs**e
    return probs / probs.sum()


def sample_prior(
    rng: np.random.RandomState, distribution: BaseDistribution, spec: dict[str, Any], e: float
) -> Any:
    """A draw from ``pi ** e`` (see the module docstring), in Optuna's internal form for a
    choice (the choice itself) and a number."""
    if isinstance(distribution, CategoricalDistribution):
        probs = choice_probs(distribution, spec, e)
        return distribution.choices[int(rng.choice(len(probs), p=probs))]
    assert isinstance(distribution, (FloatDistribution, IntDistribution))
    if e <= 1e-3:  # a normal that wide is flat over the bounds: the uniform draw
        return from_unit(distribution, float(rng.random_sample()))
    center = float(units(distribution, spec["value"]))
    sigma = SIGMA[spec["confidence"]] / math.sqrt(e)
    for _ in range(100):  # truncated to the bounds: redraw what falls outside
        unit = rng.normal(center, sigma)
        if 0.0 <= unit <= 1.0:
            break
    else:
        unit = min(max(unit, 0.0), 1.0)
    return from_unit(distribution, unit)


def log_prior(
    distribution: BaseDistribution, spec: dict[str, Any], e: float, values: np.ndarray
) -> np.ndarray:
    """``e * log pi(x)`` for internal values ``values`` (up to a constant: what an acquisition
    function adds to rank candidates)."""
    if isinstance(distribution, CategoricalDistribution):
        probs = choice_probs(distribution, spec, 1.0)
        return e * np.log(probs[np.asarray(values, dtype=int)])
    assert isinstance(distribution, (FloatDistribution, IntDistribution))
    center = float(units(distribution, spec["value"]))
    sigma = SIGMA[spec["confidence"]]
    z = (units(distribution, values) - center) / sigma
    return -0.5 * e * z**2


def normalized_log_pdf(
    dist: BaseDistribution, unit: float, center: float, spec: dict[str, Any] | None
) -> float:
    """The normalized log-density at ``unit`` of the prior's form (the module docstring's, at
    full strength) centred at ``center`` in the unit scale, with ``spec``'s confidence
    (``None``: uniform). Unlike :func:`log_prior` it is a density: forms centred at different
    places compare (PriorBand weighs the prior against the incumbent with it)."""
    if isinstance(dist, CategoricalDistribution):
        k = len(dist.choices)
        if spec is None or k == 1:
            return -math.log(k)
        p = max(CHOICE_P[spec["confidence"]], 1.0 / k)
        same = math.floor(unit * k) == math.floor(center * k)
        return math.log(p if same else (1.0 - p) / (k - 1))
    if spec is None:
        return 0.0
    sigma = SIGMA[spec["confidence"]]
    scale = sigma * math.sqrt(2)
    # The normal is truncated to [0, 1]: divide by the mass it keeps there.
    mass = 0.5 * (math.erf((1 - center) / scale) + math.erf(center / scale))
    z = (unit - center) / sigma
    return -0.5 * z * z - math.log(sigma * math.sqrt(2 * math.pi) * max(mass, 1e-12))


class _Count:
    __slots__ = ("completed", "finished", "n")

    def __init__(self) -> None:
        self.finished = Finished()
        self.n = 0
        #: Each completed trial's prior log-density and value (higher is better).
        self.completed: list[tuple[float, float]] = []


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks of ``x``, ties sharing their mean rank."""
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    return (np.cumsum(counts) - (counts + 1) / 2.0)[inverse]


def log_density(specs: dict[str, dict[str, Any]], trial: FrozenTrial) -> float:
    """The log-density of ``trial``'s decisions under the priors ``specs`` (up to a constant
    per decision: comparable between the trials of one study)."""
    total = 0.0
    for name, dist in trial.distributions.items():
        spec = fitting(specs, name, dist)
        if spec is not None and name in trial.params:
            internal = np.asarray([dist.to_internal_repr(trial.params[name])])
            total += float(log_prior(dist, spec, 1.0, internal)[0])
    return total


def agreement(completed: Sequence[tuple[float, float]]) -> float | None:
    """Spearman's rho between the completed trials' prior log-density and their value (higher
    is better), or None with fewer than :data:`AGREEMENT_TRIALS` or no spread in either.

    Example:
        >>> agreement([(-3.0, 0.1), (-2.0, 0.3), (-1.0, 0.2), (0.0, 0.9), (-0.5, 0.8)])
        0.9
    """
    if len(completed) < AGREEMENT_TRIALS:
        return None
    density, values = (np.asarray(column, dtype=float) for column in zip(*completed))
    if np.ptp(density) == 0 or np.ptp(values) == 0:
        return None
    return round(float(np.corrcoef(_ranks(density), _ranks(values))[0, 1]), 12)


class PriorCache:
    """The :class:`Priors` of each trial being drawn, read once per trial (samplers are shared
    by the threads of a search: one entry per trial, dropped when the trial ends). The finished
    trials are counted from those finished since the last trial drawn."""

    def __init__(self) -> None:
        self._by_trial: dict[int, Priors] = {}
        self._counts: StudyCache[_Count] = StudyCache(_Count)

    def get(self, study: optuna.Study, number: int) -> Priors:
        priors = self._by_trial.get(number)
        if priors is None:
            specs = read_priors(study)
            finished, evidence = self._finished(study) if specs else (0, None)
            priors = Priors(specs, finished, PRIOR_TRIALS, evidence)
            self._by_trial[number] = priors
        return priors

    def _finished(self, study: optuna.Study) -> tuple[int, float | None]:
        """How many trials finished, and how their values follow the priors."""
        trials = study.get_trials(deepcopy=False)
        sign = 0.0
        if len(study.directions) == 1:
            sign = 1.0 if study.direction == optuna.study.StudyDirection.MAXIMIZE else -1.0
        with self._counts.lock:
            count = self._counts.get(study)
            fresh, _ = count.finished.scan(trials)
            count.n += sum(t.state in _FINISHED for t in fresh)
            specs = read_priors(study)
            for t in fresh:
                value = t.value if sign and t.state == TrialState.COMPLETE else None
                if value is not None and math.isfinite(value):
                    count.completed.append((log_density(specs, t), sign * value))
            return count.n, agreement(count.completed) if sign else None

    def drop(self, number: int) -> None:
        self._by_trial.pop(number, None)
