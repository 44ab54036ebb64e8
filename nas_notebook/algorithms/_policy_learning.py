"""The learning of a policy-gradient controller: the policy (logits per decision), what a
completed trial teaches, and the REINFORCE and PPO updates (see :mod:`._policy` for the rules).

Example:
    >>> import numpy as np
    >>> p = np.exp(log_softmax(np.array([0.0, np.log(3.0)])))
    >>> [round(float(q), 2) for q in p]
    [0.25, 0.75]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import numpy.typing as npt
from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial

from ._cache import Finished
from ._policy_arm import Arm

__all__ = [
    "Decision",
    "Learner",
    "Record",
    "State",
    "Vector",
    "completion_key",
    "log_softmax",
]

_MAX_LOG_RATIO = 30.0  # exp() of a larger log-ratio would overflow; PPO clips it long before

Vector = npt.NDArray[np.float64]


def log_softmax(logits: Vector) -> Vector:
    shifted = logits - np.max(logits)
    return shifted - np.log(np.sum(np.exp(shifted)))


def _entropy_gradient(log_p: Vector) -> Vector:
    """The gradient of ``-sum(p * log p)`` with respect to the logits."""
    p = np.exp(log_p)
    entropy = -float(np.dot(p, log_p))
    return -p * (log_p + entropy)


@dataclass(frozen=True)
class Decision:
    name: str
    distribution: BaseDistribution
    index: int
    logp: float | None  # as recorded when sampled; None: not sampled by this policy
    size: int


@dataclass(frozen=True)
class Record:
    """What a completed trial teaches."""

    key: tuple[bool, datetime, int]
    reward: float
    decisions: tuple[Decision, ...]


class State:
    """The policy of one study, with the trials it was learned from."""

    def __init__(self) -> None:
        self.logits: dict[str, Vector] = {}
        self.arms: dict[str, Arm] = {}
        self.baseline: float | None = None
        self.scale: float | None = None  # REINFORCE's moving mean square of the advantages
        self.finished = Finished()
        self.last_key: tuple[bool, datetime, int] | None = None
        self.pending: list[Record] = []


def completion_key(trial: FrozenTrial) -> tuple[bool, datetime, int]:
    """The order trials are learned from: by completion time, then number."""
    when = trial.datetime_complete
    if when is not None and when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    return (when is None, when or datetime.min, trial.number)


@dataclass(frozen=True)
class Learner:
    """The update rule of a controller and its settings (checked by the sampler)."""

    method: str
    learning_rate: float
    baseline_decay: float
    n_bins: int
    entropy_weight: float
    clip: float
    epochs: int
    batch_size: int

    def logits_for(self, state: State, decision: Decision) -> Vector:
        """The decision's logits, created (or restarted, for another distribution) as zeros."""
        arm = state.arms.get(decision.name)
        if arm is None or arm.distribution != decision.distribution:
            state.arms[decision.name] = Arm(decision.distribution, self.n_bins)
            state.logits[decision.name] = np.zeros(decision.size)
        return state.logits[decision.name]

    def learn(self, state: State, records: list[Record]) -> None:
        if self.method == "reinforce":
            for record in records:
                self._reinforce(state, record)
                state.last_key = record.key
            return
        state.pending = sorted(state.pending + records, key=lambda record: record.key)
        while len(state.pending) >= self.batch_size:
            batch = state.pending[: self.batch_size]
            del state.pending[: self.batch_size]
            self._ppo(state, batch)
            state.last_key = batch[-1].key

    def _update_baseline(self, state: State, reward: float) -> None:
        assert state.baseline is not None
        state.baseline = self.baseline_decay * state.baseline + (1 - self.baseline_decay) * reward

    def _reinforce(self, state: State, record: Record) -> None:
        if state.baseline is None:
            state.baseline = record.reward
        advantage = record.reward - state.baseline
        square = advantage * advantage
        if state.scale is not None:
            state.scale = self.baseline_decay * state.scale + (1 - self.baseline_decay) * square
        elif square > 0.0:
            state.scale = square
        if state.scale:
            advantage /= math.sqrt(state.scale)
        for decision in record.decisions:
            z = self.logits_for(state, decision)
            log_p = log_softmax(z)
            gradient = -advantage * np.exp(log_p)
            gradient[decision.index] += advantage
            if self.entropy_weight:
                gradient += self.entropy_weight * _entropy_gradient(log_p)
            z += self.learning_rate * gradient
        self._update_baseline(state, record.reward)

    def _ppo(self, state: State, batch: list[Record]) -> None:
        if state.baseline is None:
            state.baseline = batch[0].reward
        advantages = np.array([record.reward for record in batch]) - state.baseline
        rms = float(np.sqrt(np.mean(advantages**2)))
        if rms > 0:
            advantages /= rms  # unit scale; each |advantage| stays <= sqrt(batch_size)
        for record in batch:
            for decision in record.decisions:
                self.logits_for(state, decision)
        # A name whose distribution changed within the batch keeps the trials of the last one.
        trials = [
            [d for d in record.decisions if state.arms[d.name].distribution == d.distribution]
            for record in batch
        ]
        names = sorted({d.name for decisions in trials for d in decisions})
        start = {name: log_softmax(state.logits[name]) for name in names}
        old = [
            sum(start[d.name][d.index] if d.logp is None else d.logp for d in decisions)
            for decisions in trials
        ]
        low, high = 1 - self.clip, 1 + self.clip
        log_p = start
        for epoch in range(self.epochs):
            if epoch:
                log_p = {name: log_softmax(state.logits[name]) for name in names}
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
                if self.entropy_weight:
                    gradient[name] += self.entropy_weight * _entropy_gradient(log_p[name])
                state.logits[name] += self.learning_rate * gradient[name]
        for record in batch:
            self._update_baseline(state, record.reward)
