"""PriorBand: successive halving whose new trials are drawn from the priors written inline,
from around the incumbent, or at random (after Mallik et al. 2023, "PriorBand: Practical
Hyperparameter Optimization in the Age of Deep Learning").

Each new trial is drawn from one of three places, chosen at random when it is created:

* **random**, with probability ``1 / (1 + eta ** r)``, where ``r`` is the rung the trial's
  Hyperband bracket starts at (half the trials under ASHA, whose one bracket starts at the first
  rung; fewer in the brackets of Hyperband that start higher, where a trial costs more);
* **the prior** (``prior=`` of each decision, at full strength; a decision without one is
  drawn at random), with the rest of the probability, until there is evidence;
* **around the incumbent** (the best completed trial): each decision keeps the incumbent's
  value or, with probability ``mutation_rate``, moves -- a number by a normal step of
  ``mutation_std`` in its unit scale, a choice to another one.

There is evidence once a trial has completed, the study has spent a Hyperband bracket's worth
of steps, and some rung has ``eta`` trials: the non-random probability is then split between
the prior and the incumbent in proportion to how likely the best ``1 / eta`` of the highest such
rung are under each (weighted by their rank): a prior that points where the good trials are
keeps its share, a misleading one hands it to the incumbent.

``--algo priorband`` brings asynchronous successive halving (``--pruner
asha:min_resource=1,reduction_factor=3``; see ``PRIORBAND_PRUNER`` in the registry), as NePS's
``priorband(base="asha")``; with ``--pruner hyperband`` it is the paper's PriorBand over
Hyperband's brackets, each trial's random share set by its bracket. With any other pruner every
trial counts as the first bracket's.

Who calls what: Optuna calls ``before_trial`` on the thread that creates the trial (it draws the
place and the incumbent's moves, and stores them on the trial) and ``sample_independent`` on the
one that runs it, maybe in another process (it reads them back).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.study import Study, StudyDirection
from optuna.trial import FrozenTrial, TrialState

from .. import _schema
from . import _arguments
from ._base import IndependentSampler, Setting
from ._priors import fitting, normalized_log_pdf, sample_prior
from ._unit_scale import from_unit, to_unit

__all__ = ["PriorBand"]

MODES = ("prior", "incumbent", "random")


def _bracket(study: Study, trial: FrozenTrial) -> int:
    """The rung the trial's Hyperband bracket starts at (0 without Hyperband)."""
    pruner = study.pruner
    if not isinstance(pruner, optuna.pruners.HyperbandPruner):
        return 0
    try:
        return int(pruner._get_bracket_id(study, trial))
    except Exception:  # Hyperband not initialized yet (no trial completed): the first bracket
        return 0


class PriorBand(IndependentSampler):
    """Hyperband's new trials drawn from the priors, the incumbent or at random (see the module
    docstring).

    Args:
        eta: Hyperband's reduction factor (the pruner's, 3 by default).
        mutation_rate: The chance that each decision of an incumbent's draw moves.
        mutation_std: The step of a number's move, in its unit scale.
        seed: The seed of the draws.

    Example:
        >>> import optuna
        >>> from nas_notebook.algorithms import PriorBand
        >>> study = optuna.create_study(sampler=PriorBand(seed=0),
        ...                             pruner=optuna.pruners.HyperbandPruner())
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1) ** 2, n_trials=20)
        >>> sorted({PriorBand.drawn_from(t) for t in study.trials})
        ['incumbent', 'prior', 'random']
    """

    multi_objective = False
    single_objective_reason = "the incumbent is the best trial of one objective"

    eta: Setting[int] = Setting("Hyperband's reduction factor.")
    mutation_rate: Setting[float] = Setting("The chance that a decision of the incumbent moves.")
    mutation_std: Setting[float] = Setting("The step of a number's move, in its unit scale.")

    def __init__(
        self,
        eta: int = 3,
        mutation_rate: float = 0.5,
        mutation_std: float = 0.25,
        seed: int | None = None,
    ) -> None:
        if isinstance(eta, bool) or not isinstance(eta, int) or eta < 2:
            raise ValueError(f"eta must be an integer >= 2, got {eta!r}.")
        for name, value in (("mutation_rate", mutation_rate), ("mutation_std", mutation_std)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
                raise ValueError(f"{name} must be a number in (0, 1], got {value!r}.")
        self._eta = eta
        self._mutation_rate = float(mutation_rate)
        self._mutation_std = float(mutation_std)
        self._rng = np.random.RandomState(_arguments.seed(seed))

    @staticmethod
    def drawn_from(trial: FrozenTrial) -> str | None:
        """Where ``trial`` was drawn from: ``prior``, ``incumbent``, ``random`` (None: not
        drawn by PriorBand)."""
        draw = trial.system_attrs.get(_schema.PRIORBAND)
        return None if draw is None else str(draw["mode"])

    def reseed_rng(self) -> None:
        """Reseed the random number generator from the operating system's entropy."""
        self._rng.seed()

    # -- where the trial is drawn from ---------------------------------------------------------

    def weights(self, study: Study, rung: int) -> dict[str, float]:
        """The probability of each place (:data:`MODES`) for a new trial of the bracket that
        starts at ``rung``.

        Raises:
            ValueError: ``study`` has several objectives.
        """
        return self._weights(study, rung)[0]

    def _weights(self, study: Study, rung: int) -> tuple[dict[str, float], FrozenTrial | None]:
        """:meth:`weights`, and the incumbent (None: no evidence yet)."""
        self.check_study(study)
        w_random = 1.0 / (1.0 + self._eta**rung)
        w_prior = 1.0 - w_random
        trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))
        completed = [t for t in trials if t.state == TrialState.COMPLETE and t.value is not None]
        evidence = self._top_of_highest_rung(study, trials, completed)
        if evidence is None:
            return {"prior": w_prior, "incumbent": 0.0, "random": w_random}, None
        incumbent, top = evidence
        priors = _schema.read_priors(study)
        score_prior = score_incumbent = 0.0
        for weight, t in zip(range(len(top), 0, -1), top):
            score_prior += weight * math.exp(self._log_pdf(t, priors, None))
            score_incumbent += weight * math.exp(self._log_pdf(t, priors, incumbent))
        total = score_prior + score_incumbent
        share = 0.5 if total <= 0 or not math.isfinite(total) else score_incumbent / total
        weights = {"prior": w_prior * (1 - share), "incumbent": w_prior * share, "random": w_random}
        return weights, incumbent

    def _top_of_highest_rung(
        self, study: Study, trials: list[FrozenTrial], completed: list[FrozenTrial]
    ) -> tuple[FrozenTrial, list[FrozenTrial]] | None:
        """The incumbent and the best ``1 / eta`` (best first) at the highest step that
        ``eta`` trials reached, once there is evidence (see the module docstring)."""
        if not completed:
            return None
        maximize = study.direction == StudyDirection.MAXIMIZE
        pick = max if maximize else min
        incumbent = pick(completed, key=lambda t: float(t.value))  # type: ignore[arg-type]
        last = max(t.last_step or 0 for t in completed)
        if last == 0:  # no learning curves: the completed trials are the one rung
            if len(completed) < self._eta:
                return None
            ranked = sorted(completed, key=lambda t: float(t.value), reverse=maximize)  # type: ignore[arg-type]
            return incumbent, ranked[: len(ranked) // self._eta]
        rungs = max(1, math.floor(math.log(max(last, 1), self._eta)) + 1)
        spent = sum(len(t.intermediate_values) for t in trials)
        if spent < last * rungs:  # less than a bracket's worth of steps
            return None
        step = last
        while step >= 1:
            values = [
                (t.intermediate_values[step], t)
                for t in trials
                if step in t.intermediate_values and math.isfinite(t.intermediate_values[step])
            ]
            if len(values) >= self._eta:
                values.sort(key=lambda pair: pair[0], reverse=maximize)
                return incumbent, [t for _, t in values[: len(values) // self._eta]]
            step = step // self._eta if step > 1 else 0
        return None

    def _log_pdf(
        self, t: FrozenTrial, priors: dict[str, dict[str, Any]], center: FrozenTrial | None
    ) -> float:
        """Log density of ``t``'s decisions under the priors (``center`` None) or under the
        same form centred at ``center``'s values (confidence: the prior's, else medium)."""
        total = 0.0
        for name, dist in t.distributions.items():
            unit = to_unit(dist, t.params[name])
            spec = fitting(priors, name, dist)
            if unit is None:
                continue
            if center is None:
                prior = None if spec is None else dist.to_external_repr(spec["value"])
                middle = None if spec is None else to_unit(dist, prior)
                total += normalized_log_pdf(dist, unit, middle if middle is not None else 0.5, spec)
                continue
            value = center.params.get(name)
            middle = None if value is None else to_unit(dist, value)
            if middle is None:  # the incumbent does not have it: uniform
                total += normalized_log_pdf(dist, unit, 0.5, None)
                continue
            form = spec or {"confidence": "medium"}
            total += normalized_log_pdf(dist, unit, middle, form)
        return total

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        """Draw where the new trial comes from, and the incumbent's moves; store them on it."""
        if not self.supports(study):
            return
        weights, incumbent = self._weights(study, _bracket(study, trial))
        p = np.array([weights[m] for m in MODES])
        mode = MODES[int(self._rng.choice(len(MODES), p=p / p.sum()))]
        unit: dict[str, float] = {}
        if mode == "incumbent" and incumbent is not None:
            unit = self._mutate(incumbent)
        _schema.set_trial_attr(study, trial, _schema.PRIORBAND, {"mode": mode, "unit": unit})

    def _mutate(self, incumbent: FrozenTrial) -> dict[str, float]:
        """The incumbent's decisions in unit scale, each moved with ``mutation_rate``."""
        unit: dict[str, float] = {}
        for name in sorted(incumbent.distributions):
            dist = incumbent.distributions[name]
            x = to_unit(dist, incumbent.params[name])
            if x is None:
                continue
            if float(self._rng.random_sample()) < self._mutation_rate:
                x = self._move(dist, x)
            unit[name] = float(x)
        return unit

    def _move(self, dist: BaseDistribution, x: float) -> float:
        if isinstance(dist, CategoricalDistribution):
            k = len(dist.choices)
            if k == 1:
                return x
            others = [i for i in range(k) if i != math.floor(x * k)]
            return (others[int(self._rng.randint(len(others)))] + 0.5) / k
        for _ in range(100):  # truncated to the bounds: redraw what falls outside
            moved = float(self._rng.normal(x, self._mutation_std))
            if 0.0 <= moved <= 1.0:
                return moved
        return x

    def sample_independent(
        self, study: Study, trial: FrozenTrial, name: str, distribution: BaseDistribution
    ) -> Any:
        """The decision drawn from the trial's place (the incumbent's value where it has one,
        the prior where there is one, else at random)."""
        self.check_study(study)
        draw = trial.system_attrs.get(_schema.PRIORBAND) or {}
        unit = draw.get("unit", {}).get(name)
        if unit is not None:
            return from_unit(distribution, float(unit))
        if draw.get("mode") == "prior":
            spec = fitting(_schema.read_priors(study), name, distribution)
            if spec is not None:
                return sample_prior(self._rng, distribution, spec, 1.0)
        return from_unit(distribution, float(self._rng.random_sample()))
