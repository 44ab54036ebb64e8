"""A policy-gradient controller (REINFORCE or PPO) as an Optuna sampler.

The method of PyGlove's reinforcement-learning controllers and of TuNAS: every decision of the
search space has its own categorical distribution (a vector of logits, softmax-ed), the
decisions of a trial are drawn independently, and completed trials move the logits towards the
choices of well-rewarded trials.

Decisions:
    A ``suggest_categorical`` gets one logit per choice. A ``suggest_int`` with at most
    ``n_bins`` values on its step grid gets one logit per value (so does a ``suggest_float``
    with a ``step``). Any other numeric parameter is cut into ``n_bins`` bins of equal width
    (in log space when ``log=True``); the policy picks a bin and the value is drawn uniformly
    inside it, then rounded onto the step grid and clamped into the bounds. A decision's logits
    are created (zeros: uniform) the first time a completed trial carries it, so a conditional
    decision (``kernel`` only when ``op == "conv"``) has its own logits, updated only by the
    trials in which it occurred. A name seen again with another distribution starts afresh.

Learning:
    The reward is the objective value (negated when the study minimizes); single-objective
    studies only. Pruned and failed trials, and values that are not finite, are ignored.

    * ``"reinforce"`` (TuNAS): a baseline ``b`` (an exponential moving average of the rewards,
      started at the first reward) and a scale ``s`` (the same moving average of the squared
      advantages ``(r - b) ** 2``, started at the first non-zero one). Each completed trial
      first updates ``s`` with its advantage, then adds
      ``learning_rate * (r - b) / sqrt(s) * (onehot(choice) - softmax(logits))`` to the logits of
      each of its decisions, then updates ``b``. Dividing by ``sqrt(s)`` makes the step
      independent of the objective's units (an accuracy's differences are a few hundredths, a
      loss's may be thousands) and bounds it: ``|r - b| / sqrt(s) <= 1 / sqrt(1 - decay)``.
    * ``"ppo"``: completed trials form batches of ``batch_size``. A batch's advantages are its
      rewards minus the moving-average baseline (as of the batch's start), divided by their
      root mean square over the batch (so the learning rate does not depend on the objective's
      units); the baseline then takes in the batch's rewards. For ``epochs`` passes the logits
      take a plain gradient-ascent step (the whole batch at once) on the clipped surrogate
      ``mean(min(ratio * A, clip(ratio, 1 - clip, 1 + clip) * A))``, where ``ratio =
      exp(logp_new - logp_old)`` is the ratio of the trial's joint probability (the sum of the
      log-probabilities of its decisions) under the current logits to the one recorded when it
      was sampled. The gradient is analytic: ``A * ratio * (onehot - softmax)`` for each
      decision of a trial, zero where the clipped term is the minimum.

    ``entropy_weight`` adds the gradient of the decisions' entropy (exploration) to both.

Replay:
    The policy is a deterministic function of the study's completed trials, taken in order of
    completion (``datetime_complete``, then number). Every sampled decision records its index,
    log-probability and number of logits in the trial's system attribute
    ``"policy:choice:<name>"``; a decision without one (an enqueued trial, another sampler's
    trial) is mapped from its value and counts as sampled by the policy of the time. A new
    sampler, another process on the same storage, or an unpickled copy replays the stored trials
    and reaches the same logits. The processed trials are cached per study (not pickled); a
    trial that completed before one already learned from (possible with several processes on a
    database) makes the cache replay the study from the start. The sampler reads the study's
    whole storage, not the bracket that a ``HyperbandPruner`` shows samplers: one policy per
    study.

Who calls what:
    Optuna calls :meth:`PolicyGradient.before_trial` when a trial starts (``study.ask``, on the
    thread that runs the trial): it learns from the trials completed since the last call. Then
    each ``suggest_*`` of the trial calls :meth:`PolicyGradient.sample_independent` on that same
    thread, which draws from the current policy. The relative-sampling hooks are empty. Trials
    of several threads (``n_jobs > 1``) share one policy, guarded by a lock; processes each have
    their own sampler, kept in step through the storage.
"""

from __future__ import annotations

import itertools
import math
import numbers
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np
import numpy.typing as npt
import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from ._base import IndependentSampler

__all__ = ["PPOController", "PolicyGradient", "ReinforceController"]

ATTR_PREFIX = "policy:choice:"
"""System attribute (plus the parameter name) holding ``[index, logp, size]`` of a decision."""

_METHODS = ("reinforce", "ppo")
_DEFAULT_LEARNING_RATE = {"reinforce": 0.1, "ppo": 0.5}
_MAX_LOG_RATIO = 30.0  # exp() of a larger log-ratio would overflow; PPO clips it long before

_Vector = npt.NDArray[np.float64]


def _log_softmax(logits: _Vector) -> _Vector:
    shifted = logits - np.max(logits)
    return shifted - np.log(np.sum(np.exp(shifted)))


def _entropy_gradient(log_p: _Vector) -> _Vector:
    """The gradient of ``-sum(p * log p)`` with respect to the logits."""
    p = np.exp(log_p)
    entropy = -float(np.dot(p, log_p))
    return -p * (log_p + entropy)


class _Arm:
    """How one distribution maps to the indices of its logits, and back."""

    __slots__ = ("distribution", "edges", "kind", "log", "size")

    def __init__(self, distribution: BaseDistribution, n_bins: int) -> None:
        self.distribution = distribution
        self.log = False
        self.edges = (0.0, 0.0)
        if isinstance(distribution, CategoricalDistribution):
            self.kind = "choice"
            self.size = len(distribution.choices)
            return
        if not isinstance(distribution, (IntDistribution, FloatDistribution)):
            raise ValueError(
                f"PolicyGradient cannot sample {type(distribution).__name__} distributions"
            )
        low, high, step = distribution.low, distribution.high, distribution.step
        self.log = distribution.log
        if step is not None:
            n_values = round((high - low) / step) + 1
            if n_values <= n_bins:
                self.kind = "grid"
                self.size = int(n_values)
                return
            low, high = low - step / 2, high + step / 2  # each grid value owns its half-steps
        self.kind = "bins"
        self.size = n_bins
        self.edges = (math.log(low), math.log(high)) if self.log else (float(low), float(high))

    def _on_grid(self, x: float) -> int | float:
        dist = self.distribution
        assert isinstance(dist, (IntDistribution, FloatDistribution))
        if dist.step is not None:
            x = dist.low + round((x - dist.low) / dist.step) * dist.step
        x = min(max(x, dist.low), dist.high)
        return round(x) if isinstance(dist, IntDistribution) else float(x)

    def value(self, index: int, rng: np.random.RandomState) -> Any:
        """The parameter value for ``index`` (drawn within the bin for a binned parameter)."""
        dist = self.distribution
        if isinstance(dist, CategoricalDistribution):
            return dist.choices[index]
        assert isinstance(dist, (IntDistribution, FloatDistribution))
        if self.kind == "grid":
            assert dist.step is not None
            return self._on_grid(dist.low + index * dist.step)
        lo, hi = self.edges
        width = (hi - lo) / self.size
        t = lo + (index + float(rng.random_sample())) * width
        return self._on_grid(math.exp(t) if self.log else t)

    def index_of(self, value: Any) -> int | None:
        """The index whose draws include ``value`` (``None`` when it has none)."""
        dist = self.distribution
        try:
            if isinstance(dist, CategoricalDistribution):
                return int(dist.to_internal_repr(value))
            assert isinstance(dist, (IntDistribution, FloatDistribution))
            x = float(value)
            if self.kind == "grid":
                assert dist.step is not None
                index = round((x - dist.low) / dist.step)
            else:
                lo, hi = self.edges
                t = math.log(x) if self.log else x
                index = math.floor((t - lo) / (hi - lo) * self.size)
        except (ValueError, TypeError, OverflowError, ZeroDivisionError):
            return None
        return min(max(int(index), 0), self.size - 1)

    def labels(self) -> list[Any]:
        """One label per index: the choice, the value, or a bin's ``(low, high)``."""
        dist = self.distribution
        if isinstance(dist, CategoricalDistribution):
            return list(dist.choices)
        if self.kind == "grid":
            return [self.value(i, np.random.RandomState(0)) for i in range(self.size)]
        lo, hi = self.edges
        cuts = np.linspace(lo, hi, self.size + 1)
        if self.log:
            cuts = np.exp(cuts)
        return [(float(a), float(b)) for a, b in itertools.pairwise(cuts)]


@dataclass(frozen=True)
class _Decision:
    name: str
    distribution: BaseDistribution
    index: int
    logp: float | None  # as recorded when sampled; None: not sampled by this policy
    size: int


@dataclass(frozen=True)
class _Record:
    """What a completed trial teaches."""

    key: tuple[bool, datetime, int]
    reward: float
    decisions: tuple[_Decision, ...]


class _State:
    """The policy of one study, with the trials it was learned from."""

    def __init__(self, storage: Any) -> None:
        try:
            self.storage: Any = weakref.ref(storage)
        except TypeError:  # pragma: no cover - every Optuna storage accepts weak references
            self.storage = lambda: storage
        self.logits: dict[str, _Vector] = {}
        self.arms: dict[str, _Arm] = {}
        self.baseline: float | None = None
        self.scale: float | None = None  # REINFORCE's moving mean square of the advantages
        self.seen: set[int] = set()
        self.last_key: tuple[bool, datetime, int] | None = None
        self.pending: list[_Record] = []


def _check_number(name: str, value: Any, low: float, high: float, *, strict_low: bool) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok:
        x = float(value)
        ok = math.isfinite(x) and (x > low if strict_low else x >= low) and x <= high
    if not ok:
        bound = f"> {low:g}" if strict_low else f">= {low:g}"
        upper = "" if math.isinf(high) else f" and <= {high:g}"
        raise ValueError(f"{name} must be a finite number {bound}{upper}, got {value!r}")
    return float(value)


def _check_int(name: str, value: Any, low: int) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _completion_key(trial: FrozenTrial) -> tuple[bool, datetime, int]:
    when = trial.datetime_complete
    if when is not None and when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    return (when is None, when or datetime.min, trial.number)


class PolicyGradient(IndependentSampler):
    """A policy-gradient controller: independent categorical distributions over the decisions,
    learned with REINFORCE or PPO from the study's completed trials (see the module docstring).

    Args:
        method: ``"reinforce"`` (a moving-average baseline, one update per trial) or ``"ppo"``
            (clipped surrogate over batches of trials).
        learning_rate: The gradient-ascent step on the logits, per unit of normalized
            advantage; ``None``: 0.1 for REINFORCE (one step per trial), 0.5 for PPO (a few
            steps per batch).
        baseline_decay: The decay of the rewards' moving average, in ``[0, 1)``.
        n_bins: Bins of a numeric parameter (ints with at most this many values get one logit
            per value instead).
        entropy_weight: Weight of the entropy bonus (0: none).
        clip: PPO's clipping of the probability ratio to ``[1 - clip, 1 + clip]`` (PPO only;
            default 0.2).
        epochs: PPO's gradient steps per batch (PPO only; default 4).
        batch_size: PPO's completed trials per update (PPO only; default 8).
        seed: Seed of the sampler's random numbers (reproducible runs with one worker).

    Raises:
        ValueError: An argument out of its range (the message names it), or a PPO argument
            given to REINFORCE.

    Example:
        >>> import optuna
        >>> sampler = PolicyGradient("reinforce", learning_rate=0.5, seed=0)
        >>> study = optuna.create_study(sampler=sampler, direction="maximize")
        >>> def objective(trial):
        ...     op = trial.suggest_categorical("op", ["conv", "pool", "skip"])
        ...     lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        ...     return float(op == "conv")
        >>> study.optimize(objective, n_trials=40)
        >>> p = sampler.probabilities(study)["op"]
        >>> max(p, key=p.get)
        'conv'
    """

    def __init__(
        self,
        method: str = "reinforce",
        *,
        learning_rate: float | None = None,
        baseline_decay: float = 0.95,
        n_bins: int = 10,
        entropy_weight: float = 0.0,
        clip: float | None = None,
        epochs: int | None = None,
        batch_size: int | None = None,
        seed: int | None = None,
    ) -> None:
        if method not in _METHODS:
            raise ValueError(
                f"method must be one of {', '.join(map(repr, _METHODS))}, got {method!r}"
            )
        if method == "reinforce":
            given = [
                name
                for name, value in (("clip", clip), ("epochs", epochs), ("batch_size", batch_size))
                if value is not None
            ]
            if given:
                raise ValueError(f"{', '.join(given)}: PPO arguments, not for method='reinforce'")
        if learning_rate is None:
            learning_rate = _DEFAULT_LEARNING_RATE[method]
        self._method = method
        self._learning_rate = _check_number(
            "learning_rate", learning_rate, 0.0, math.inf, strict_low=True
        )
        self._baseline_decay = _check_number(
            "baseline_decay", baseline_decay, 0.0, 1.0, strict_low=False
        )
        if self._baseline_decay == 1.0:
            raise ValueError(f"baseline_decay must be < 1, got {baseline_decay!r}")
        self._n_bins = _check_int("n_bins", n_bins, 2)
        self._entropy_weight = _check_number(
            "entropy_weight", entropy_weight, 0.0, math.inf, strict_low=False
        )
        self._clip = _check_number("clip", 0.2 if clip is None else clip, 0.0, 1.0, strict_low=True)
        self._epochs = _check_int("epochs", 4 if epochs is None else epochs, 1)
        self._batch_size = (
            1
            if method == "reinforce"
            else _check_int("batch_size", 8 if batch_size is None else batch_size, 1)
        )
        if seed is not None and (not isinstance(seed, numbers.Integral) or isinstance(seed, bool)):
            raise ValueError(f"seed must be an integer or None, got {seed!r}")
        self._rng = np.random.RandomState(seed)
        self._states: dict[tuple[int, int], _State] = {}
        self._lock = threading.Lock()

    @property
    def method(self) -> str:
        """``"reinforce"`` or ``"ppo"``."""
        return self._method

    def __repr__(self) -> str:
        extra = (
            f", clip={self._clip}, epochs={self._epochs}, batch_size={self._batch_size}"
            if self._method == "ppo"
            else ""
        )
        return (
            f"{type(self).__name__}(method={self._method!r}, "
            f"learning_rate={self._learning_rate}, baseline_decay={self._baseline_decay}, "
            f"n_bins={self._n_bins}, entropy_weight={self._entropy_weight}{extra})"
        )

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_states"], state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._states = {}
        self._lock = threading.Lock()

    def reseed_rng(self) -> None:
        """Draw a fresh seed (Optuna calls this when ``n_jobs > 1``)."""
        with self._lock:
            self._rng = np.random.RandomState()

    # -- Optuna's hooks -------------------------------------------------------------------------

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        """Learn from the trials completed since the last call."""
        self._sync(study)

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        """Draw ``param_name`` from the policy and record the draw on the trial."""
        if param_distribution.single():
            return optuna.distributions._get_single_value(param_distribution)
        arm = _Arm(param_distribution, self._n_bins)
        with self._lock:
            state = self._states.get(self._key(study))
        if state is None or state.storage() is not study._storage:
            state = self._sync(study)  # not through before_trial (a sampler swapped in)
        with self._lock:
            known = state.arms.get(param_name)
            if known is not None and known.distribution == param_distribution:
                log_p = _log_softmax(state.logits[param_name])
            else:
                log_p = np.full(arm.size, -math.log(arm.size))
            cumulative = np.cumsum(np.exp(log_p))
            u = float(self._rng.random_sample()) * cumulative[-1]
            index = min(int(np.searchsorted(cumulative, u, side="right")), arm.size - 1)
            value = arm.value(index, self._rng)
        study._storage.set_trial_system_attr(
            trial._trial_id, ATTR_PREFIX + param_name, [index, float(log_p[index]), arm.size]
        )
        return value

    # -- inspection -----------------------------------------------------------------------------

    def logits(self, study: optuna.Study) -> dict[str, _Vector]:
        """A copy of the policy's logits for ``study``, by parameter name (after learning from
        its completed trials). Only decisions seen in a completed trial have logits."""
        state = self._sync(study)
        with self._lock:
            return {name: z.copy() for name, z in state.logits.items()}

    def probabilities(self, study: optuna.Study) -> dict[str, dict[Any, float]]:
        """The policy for ``study``: parameter name -> label -> probability.

        Labels are the choices of a categorical parameter, the values of a small integer (or
        stepped float) range, and ``(low, high)`` bins otherwise. Choices that are equal as
        dictionary keys (``1`` and ``True``) are labelled by their ``repr``.
        """
        state = self._sync(study)
        with self._lock:
            arms = dict(state.arms)
            logits = {name: z.copy() for name, z in state.logits.items()}
        view: dict[str, dict[Any, float]] = {}
        for name, z in logits.items():
            labels = arms[name].labels()
            if len(set(labels)) < len(labels):
                labels = [repr(label) for label in labels]
            p = np.exp(_log_softmax(z))
            view[name] = {label: float(q) for label, q in zip(labels, p)}
        return view

    # -- learning -------------------------------------------------------------------------------

    @staticmethod
    def _key(study: optuna.Study) -> tuple[int, int]:
        return (id(study._storage), study._study_id)

    def _sync(self, study: optuna.Study) -> _State:
        """Bring the study's policy up to date with its completed trials."""
        if len(study.directions) > 1:
            raise ValueError(
                f"{type(self).__name__} supports single-objective studies only; this study has "
                f"{len(study.directions)} objectives"
            )
        maximize = study.direction == StudyDirection.MAXIMIZE
        storage = study._storage
        # The storage, not ``study.get_trials``: a HyperbandPruner hands samplers a study that
        # shows one bracket only.
        trials = storage.get_all_trials(
            study._study_id, deepcopy=False, states=(TrialState.COMPLETE,)
        )
        key = self._key(study)
        with self._lock:
            state = self._states.get(key)
            if state is None or state.storage() is not storage:
                state = self._states[key] = _State(storage)
            fresh = [t for t in trials if t._trial_id not in state.seen]
            if not fresh:
                return state
            records = self._records(fresh, maximize)
            if records and state.last_key is not None and records[0].key < state.last_key:
                # Completed before a trial already learned from: learn again, in order.
                state = self._states[key] = _State(storage)
                fresh = trials
                records = self._records(fresh, maximize)
            state.seen.update(t._trial_id for t in fresh)
            self._learn(state, records)
            return state

    def _records(self, trials: Sequence[FrozenTrial], maximize: bool) -> list[_Record]:
        records = []
        for trial in trials:
            value = trial.value
            if value is None or not math.isfinite(value):
                continue
            decisions = []
            for name, distribution in trial.distributions.items():
                if distribution.single() or name not in trial.params:
                    continue
                arm = _Arm(distribution, self._n_bins)
                stored = trial.system_attrs.get(ATTR_PREFIX + name)
                if (
                    isinstance(stored, (list, tuple))
                    and len(stored) == 3
                    and stored[2] == arm.size
                    and isinstance(stored[0], int)
                    and 0 <= stored[0] < arm.size
                ):
                    decision = _Decision(name, distribution, stored[0], float(stored[1]), arm.size)
                    decisions.append(decision)
                    continue
                index = arm.index_of(trial.params[name])
                if index is not None:
                    decisions.append(_Decision(name, distribution, index, None, arm.size))
            reward = float(value) if maximize else -float(value)
            records.append(_Record(_completion_key(trial), reward, tuple(decisions)))
        records.sort(key=lambda record: record.key)
        return records

    def _logits_for(self, state: _State, decision: _Decision) -> _Vector:
        """The decision's logits, created (or restarted, for another distribution) as zeros."""
        arm = state.arms.get(decision.name)
        if arm is None or arm.distribution != decision.distribution:
            state.arms[decision.name] = _Arm(decision.distribution, self._n_bins)
            state.logits[decision.name] = np.zeros(decision.size)
        return state.logits[decision.name]

    def _learn(self, state: _State, records: list[_Record]) -> None:
        if self._method == "reinforce":
            for record in records:
                self._reinforce(state, record)
                state.last_key = record.key
            return
        state.pending = sorted(state.pending + records, key=lambda record: record.key)
        while len(state.pending) >= self._batch_size:
            batch = state.pending[: self._batch_size]
            del state.pending[: self._batch_size]
            self._ppo(state, batch)
            state.last_key = batch[-1].key

    def _update_baseline(self, state: _State, reward: float) -> None:
        assert state.baseline is not None
        state.baseline = self._baseline_decay * state.baseline + (1 - self._baseline_decay) * reward

    def _reinforce(self, state: _State, record: _Record) -> None:
        if state.baseline is None:
            state.baseline = record.reward
        advantage = record.reward - state.baseline
        square = advantage * advantage
        if state.scale is not None:
            state.scale = self._baseline_decay * state.scale + (1 - self._baseline_decay) * square
        elif square > 0.0:
            state.scale = square
        if state.scale:
            advantage /= math.sqrt(state.scale)
        for decision in record.decisions:
            z = self._logits_for(state, decision)
            log_p = _log_softmax(z)
            gradient = -advantage * np.exp(log_p)
            gradient[decision.index] += advantage
            if self._entropy_weight:
                gradient += self._entropy_weight * _entropy_gradient(log_p)
            z += self._learning_rate * gradient
        self._update_baseline(state, record.reward)

    def _ppo(self, state: _State, batch: list[_Record]) -> None:
        if state.baseline is None:
            state.baseline = batch[0].reward
        advantages = np.array([record.reward for record in batch]) - state.baseline
        rms = float(np.sqrt(np.mean(advantages**2)))
        if rms > 0:
            advantages /= rms  # unit scale; each |advantage| stays <= sqrt(batch_size)
        for record in batch:
            for decision in record.decisions:
                self._logits_for(state, decision)
        # A name whose distribution changed within the batch keeps the trials of the last one.
        trials = [
            [d for d in record.decisions if state.arms[d.name].distribution == d.distribution]
            for record in batch
        ]
        names = sorted({d.name for decisions in trials for d in decisions})
        start = {name: _log_softmax(state.logits[name]) for name in names}
        old = [
            sum(start[d.name][d.index] if d.logp is None else d.logp for d in decisions)
            for decisions in trials
        ]
        low, high = 1 - self._clip, 1 + self._clip
        log_p = start
        for epoch in range(self._epochs):
            if epoch:
                log_p = {name: _log_softmax(state.logits[name]) for name in names}
            gradient = {name: np.zeros(state.logits[name].size) for name in names}
            for decisions, advantage, logp_old in zip(trials, advantages, old):
                if not decisions or advantage == 0:
                    continue
                log_ratio = sum(log_p[d.name][d.index] for d in decisions) - logp_old
                ratio = math.exp(min(max(log_ratio, -_MAX_LOG_RATIO), _MAX_LOG_RATIO))
                if (advantage > 0 and ratio > high) or (advantage < 0 and ratio < low):
                    continue  # the clipped term is the minimum: no gradient
                scale = advantage * ratio / len(batch)
                for d in decisions:
                    g = gradient[d.name]
                    g -= scale * np.exp(log_p[d.name])
                    g[d.index] += scale
            for name in names:
                if self._entropy_weight:
                    gradient[name] += self._entropy_weight * _entropy_gradient(log_p[name])
                state.logits[name] += self._learning_rate * gradient[name]
        for record in batch:
            self._update_baseline(state, record.reward)


class ReinforceController(PolicyGradient):
    """:class:`PolicyGradient` with ``method="reinforce"`` (TuNAS's REINFORCE with a
    moving-average baseline).

    Example:
        >>> ReinforceController(learning_rate=0.1, seed=0).method
        'reinforce'
    """

    def __init__(
        self,
        *,
        learning_rate: float = 0.1,
        baseline_decay: float = 0.95,
        n_bins: int = 10,
        entropy_weight: float = 0.0,
        seed: int | None = None,
    ) -> None:
        super().__init__(
            "reinforce",
            learning_rate=learning_rate,
            baseline_decay=baseline_decay,
            n_bins=n_bins,
            entropy_weight=entropy_weight,
            seed=seed,
        )


class PPOController(PolicyGradient):
    """:class:`PolicyGradient` with ``method="ppo"`` (PyGlove's PPO controller: a clipped
    surrogate over batches of completed trials).

    Example:
        >>> PPOController(batch_size=4, seed=0).method
        'ppo'
    """

    def __init__(
        self,
        *,
        learning_rate: float = 0.5,
        clip: float = 0.2,
        epochs: int = 4,
        batch_size: int = 8,
        baseline_decay: float = 0.95,
        n_bins: int = 10,
        entropy_weight: float = 0.0,
        seed: int | None = None,
    ) -> None:
        super().__init__(
            "ppo",
            learning_rate=learning_rate,
            clip=clip,
            epochs=epochs,
            batch_size=batch_size,
            baseline_decay=baseline_decay,
            n_bins=n_bins,
            entropy_weight=entropy_weight,
            seed=seed,
        )
