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
    thread that runs the trial): it learns from the trials completed since the last call (on a
    study with several objectives it does nothing, and the trial's first ``suggest_*`` raises
    the ``ValueError``, so that Optuna records the trial as FAIL). Then
    each ``suggest_*`` of the trial calls :meth:`PolicyGradient.sample_independent` on that same
    thread, which draws from the current policy. The relative-sampling hooks are empty. Trials
    of several threads (``n_jobs > 1``) share one policy, guarded by a lock; processes each have
    their own sampler, kept in step through the storage.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.study import Study, StudyDirection
from optuna.trial import FrozenTrial, TrialState

from .. import _schema
from . import _arguments
from ._base import IndependentSampler
from ._cache import StudyCache
from ._policy_arm import Arm
from ._policy_learning import (
    Decision,
    Learner,
    Record,
    State,
    Vector,
    completion_key,
    log_softmax,
)

__all__ = ["PPOController", "PolicyGradient", "ReinforceController"]

_METHODS = ("reinforce", "ppo")
_DEFAULT_LEARNING_RATE = {"reinforce": 0.1, "ppo": 0.5}
#: The arguments of PPO alone.
_PPO_ONLY = ("clip", "epochs", "batch_size")


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

    multi_objective = False
    single_objective_reason = "the policy's reward is one objective value"

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
                for name, value in zip(_PPO_ONLY, (clip, epochs, batch_size))
                if value is not None
            ]
            if given:
                raise ValueError(f"{', '.join(given)}: PPO arguments, not for method='reinforce'")
        if learning_rate is None:
            learning_rate = _DEFAULT_LEARNING_RATE[method]
        rate = _arguments.number("learning_rate", learning_rate, 0.0, math.inf, strict_low=True)
        decay = _arguments.number("baseline_decay", baseline_decay, 0.0, 1.0, strict_low=False)
        if decay == 1.0:
            raise ValueError(f"baseline_decay must be < 1, got {baseline_decay!r}")
        self._learner = Learner(
            method=method,
            learning_rate=rate,
            baseline_decay=decay,
            n_bins=_arguments.integer("n_bins", n_bins, 2),
            entropy_weight=_arguments.number(
                "entropy_weight", entropy_weight, 0.0, math.inf, strict_low=False
            ),
            clip=_arguments.number(
                "clip", 0.2 if clip is None else clip, 0.0, 1.0, strict_low=True
            ),
            epochs=_arguments.integer("epochs", 4 if epochs is None else epochs, 1),
            batch_size=(
                1
                if method == "reinforce"
                else _arguments.integer("batch_size", 8 if batch_size is None else batch_size, 1)
            ),
        )
        self._rng = np.random.RandomState(_arguments.seed(seed))
        self._studies: StudyCache[State] = StudyCache(State)

    @property
    def method(self) -> str:
        """``"reinforce"`` or ``"ppo"``."""
        return self._learner.method

    def __repr__(self) -> str:
        rule = self._learner
        extra = (
            f", clip={rule.clip}, epochs={rule.epochs}, batch_size={rule.batch_size}"
            if rule.method == "ppo"
            else ""
        )
        return (
            f"{type(self).__name__}(method={rule.method!r}, "
            f"learning_rate={rule.learning_rate}, baseline_decay={rule.baseline_decay}, "
            f"n_bins={rule.n_bins}, entropy_weight={rule.entropy_weight}{extra})"
        )

    def reseed_rng(self) -> None:
        """Draw a fresh seed (Optuna calls this when ``n_jobs > 1``)."""
        with self._studies.lock:
            self._rng = np.random.RandomState()

    # -- Optuna's hooks -------------------------------------------------------------------------

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        """Learn from the trials completed since the last call (nothing on a study this
        sampler cannot sample: :meth:`sample_independent` refuses it inside the trial)."""
        if self.supports(study):
            self._sync(study)

    def sample_independent(
        self, study: Study, trial: FrozenTrial, name: str, distribution: BaseDistribution
    ) -> Any:
        """Draw ``name`` from the policy and record the draw on the trial.

        Raises:
            ValueError: The study has several objectives.
        """
        self.check_study(study)
        if distribution.single():
            return optuna.distributions._get_single_value(distribution)
        arm = Arm(distribution, self._learner.n_bins)
        state = self._studies.find(study)
        if state is None:
            state = self._sync(study)  # not through before_trial (a sampler swapped in)
        with self._studies.lock:
            known = state.arms.get(name)
            if known is not None and known.distribution == distribution:
                log_p = log_softmax(state.logits[name])
            else:
                log_p = np.full(arm.size, -math.log(arm.size))
            cumulative = np.cumsum(np.exp(log_p))
            u = float(self._rng.random_sample()) * cumulative[-1]
            index = min(int(np.searchsorted(cumulative, u, side="right")), arm.size - 1)
            value = arm.value(index, self._rng)
        choice = [index, float(log_p[index]), arm.size]
        _schema.set_trial_attr(study, trial, _schema.POLICY_CHOICE + name, choice)
        return value

    # -- inspection -----------------------------------------------------------------------------

    def logits(self, study: Study) -> dict[str, Vector]:
        """A copy of the policy's logits for ``study``, by parameter name (after learning from
        its completed trials). Only decisions seen in a completed trial have logits."""
        state = self._sync(study)
        with self._studies.lock:
            return {name: z.copy() for name, z in state.logits.items()}

    def probabilities(self, study: Study) -> dict[str, dict[Any, float]]:
        """The policy for ``study``: parameter name -> label -> probability.

        Labels are the choices of a categorical parameter, the values of a small integer (or
        stepped float) range, and ``(low, high)`` bins otherwise. Choices that are equal as
        dictionary keys (``1`` and ``True``) are labelled by their ``repr``.
        """
        state = self._sync(study)
        with self._studies.lock:
            arms = dict(state.arms)
            logits = {name: z.copy() for name, z in state.logits.items()}
        view: dict[str, dict[Any, float]] = {}
        for name, z in logits.items():
            labels = arms[name].labels()
            if len(set(labels)) < len(labels):
                labels = [repr(label) for label in labels]
            p = np.exp(log_softmax(z))
            view[name] = {label: float(q) for label, q in zip(labels, p)}
        return view

    # -- learning -------------------------------------------------------------------------------

    def _sync(self, study: Study) -> State:
        """Bring the study's policy up to date with its completed trials."""
        self.check_study(study)
        maximize = study.direction == StudyDirection.MAXIMIZE
        # The storage, not ``study.get_trials``: a HyperbandPruner hands samplers a study that
        # shows one bracket only.
        trials = _schema.all_trials(study, states=(TrialState.COMPLETE,))
        with self._studies.lock:
            state = self._studies.get(study)
            fresh, _ = state.finished.scan(trials)
            if not fresh:
                return state
            records = self._records(fresh, maximize)
            if records and state.last_key is not None and records[0].key < state.last_key:
                # Completed before a trial already learned from: learn again, in order.
                state = self._studies.reset(study)
                fresh, _ = state.finished.scan(trials)
                records = self._records(fresh, maximize)
            self._learner.learn(state, records)
            return state

    def _records(self, trials: Sequence[FrozenTrial], maximize: bool) -> list[Record]:
        records = []
        for trial in trials:
            value = trial.value
            if value is None or not math.isfinite(value):
                continue
            decisions = []
            for name, distribution in trial.distributions.items():
                if distribution.single() or name not in trial.params:
                    continue
                arm = Arm(distribution, self._learner.n_bins)
                stored = trial.system_attrs.get(_schema.POLICY_CHOICE + name)
                if (
                    isinstance(stored, (list, tuple))
                    and len(stored) == 3
                    and stored[2] == arm.size
                    and isinstance(stored[0], int)
                    and 0 <= stored[0] < arm.size
                ):
                    decision = Decision(name, distribution, stored[0], float(stored[1]), arm.size)
                    decisions.append(decision)
                    continue
                index = arm.index_of(trial.params[name])
                if index is not None:
                    decisions.append(Decision(name, distribution, index, None, arm.size))
            reward = float(value) if maximize else -float(value)
            records.append(Record(completion_key(trial), reward, tuple(decisions)))
        records.sort(key=lambda record: record.key)
        return records


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
        seed: int | None = None,
        learning_rate: float = 0.1,
        baseline_decay: float = 0.95,
        n_bins: int = 10,
        entropy_weight: float = 0.0,
    ) -> None:
        super().__init__("reinforce", **_arguments_of(locals()))


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
        super().__init__("ppo", **_arguments_of(locals()))


def _arguments_of(scope: dict[str, Any]) -> dict[str, Any]:
    """A preset's ``__init__`` arguments (its ``locals()``), for :class:`PolicyGradient`: the
    presets keep their own signatures (defaults, and a ``TypeError`` for another method's
    arguments) without spelling each argument out twice."""
    return {name: value for name, value in scope.items() if name not in ("self", "__class__")}
