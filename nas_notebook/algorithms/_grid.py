"""Exhaustive grid search over a define-by-run search space, as an Optuna sampler.

Optuna's ``GridSampler`` needs the whole space up front; a notebook cell's space is only known by
running it, and may be conditional (``kernel`` exists only when ``op == "conv"``).
:class:`GridSearch` discovers the space from the trials of the study and visits every point of
its grid once.

**Axes.** Each decision is an *axis* of grid values: a categorical's choices, in order; an int's
every value when its step grid has at most ``points`` values, else ``points`` values evenly
spaced (in log space for ``log=True``) rounded onto the step grid and deduplicated; a float's
``points`` values evenly spaced (in log space for ``log=True``; rounded onto the step grid when
it has a step, every grid value when there are at most ``points``). A decision whose range
depends on earlier ones (``dilation = intv(1, kernel)``) has as axis the union, in order of
appearance, of the values of every distribution seen for it.

**The known space** is the axes of every decision a trial of the study has made (any state),
each in order of first appearance (by trial number, then by order of suggestion). Its points are
enumerated like digits of a number whose *first-seen* decision varies *fastest*: the objective's
first decisions (typically the architecture's) cycle through all their values before a later
one (a learning rate, say) moves; a search cut short has tried every choice of the early
decisions. A newly discovered decision becomes the slowest-varying one; the trials so far had
(or lacked) its first value, so its other values come after every point already known.

**Coverage.** A trial *covers* the points that would evaluate what it evaluated: a completed or
pruned trial covers every point equal to its parameters on the names it has, whatever the point
has for names it lacks. That is what makes conditional spaces right: ``op="pool"`` covers every
``kernel`` of ``op="pool"``, since the objective never asks for one; and a trial pruned before its
later decisions (an invalid branch) covers every point of that branch. (It assumes, as any grid
search must, that the objective's path through its decisions depends only on their values.) A
trial also covers the point it was given, and the points whose value for one of its decisions is
outside the range that decision had in that trial (``dilation=5`` where ``kernel=3`` allows
``1..3``): the objective cannot run them as such. A failed trial covers exactly the one point it
attempted (not every point agreeing with the decisions it reached before failing), so it is not
retried, and the rest of its branch still is. A running or waiting trial covers the point it was
given (what it is going to evaluate), so that parallel workers do not duplicate work; a running
trial does not show yet which decisions of its point it will skip, so in a conditional space two
workers may evaluate one configuration (``op="pool"`` given two kernels, both started before
either finished).

**Who calls what.** Optuna calls :meth:`GridSearch.before_trial` when a trial is created
(``study.ask()``, also inside ``study.optimize``): it reads every trial of the study from the
storage, rebuilds the known space and the coverage, and records the first uncovered point (in
visiting order) on the trial as system attributes: ``"grid:point"`` (a JSON dict, decision name to
value) and ``"grid:index"`` (the point's index in the enumeration of the known space). Then
:meth:`GridSearch.sample_independent` answers each ``suggest_*`` call with the point's value. A
decision the point lacks (discovered meanwhile: the space grows) or whose value the trial's
distribution does not contain gets the first value of its axis that no concurrent trial on the
same path has taken (in a sequential search: the first value), and is added to ``"grid:point"``.
:meth:`GridSearch.after_trial` calls ``study.stop()`` once the grid is exhausted (which ends
``study.optimize``; outside it, nothing).

The sampler's state is its settings: what it knows of a study, it reads from the storage. So
several threads can share one instance (a lock makes each choice atomic), each process can have
its own instance on a shared storage (a trial being created by another worker makes the next one
skip ahead a point, and a new decision is left to the trials created earlier on the same path),
and a new instance (a restart, an unpickled copy) continues the enumeration of a stored study.
An instance keeps, per study, what it has read of the finished trials (which never change
again): each call then reads only the trials finished since, and coverage is a trie of the
trials' claims over the axes, so that a call costs about a millisecond with thousands of trials.

**Exhaustion.** A decision can appear in a trial that has not finished yet, so the grid is
*exhausted* when (1) every point of the known space is covered by a *finished* trial and (2) every
unfinished trial re-runs a point that a finished trial covers (so none of them can make a
decision no trial has made). A trial being created by another worker, an enqueued trial or a
trial of another sampler (no ``"grid:point"``) holds exhaustion off, and so does a trial left
``RUNNING`` by a dead worker (Optuna's heartbeat marks those failed). A trial created once the
grid is exhausted records ``"grid:exhausted": True`` and re-visits the first point; one created
while every point is covered but (1) or (2) does not hold yet records ``"grid:frontier": True``
and re-visits the first point no finished trial covers (else the first point): the running trials
may still discover decisions, and its new decisions take values the others have not.

Changing the objective between runs of one study changes what its trials mean: a decision the
old trials lack counts as not on their path. Start a new study for a new objective.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from optuna.distributions import BaseDistribution
from optuna.study import Study
from optuna.trial import FrozenTrial, TrialState

from .. import _schema
from . import _arguments
from ._base import IndependentSampler, Setting
from ._cache import StudyCache
from ._discretize import contains, grid_values, native, value_key
from ._grid_order import first, visit
from ._grid_survey import Index, Survey, agrees, raw_claims, survey
from ._grid_trie import Trie, covers, uncovered

__all__ = ["GridSearch"]


class GridSearch(IndependentSampler):
    """Exhaustive grid search over a define-by-run (and conditional) search space, discovered
    as trials run.

    Every point of the grid is visited once (see the module documentation for the axes, the
    visiting order and when a point counts as visited); then the grid is *exhausted*:
    :meth:`is_exhausted` says so, ``study.optimize`` stops by itself, and further trials re-visit
    the first point. Works with several objectives (the values are never read). Each trial
    records its point as ``trial.system_attrs["grid:point"]`` and its index in the enumeration of
    the space known when it started as ``trial.system_attrs["grid:index"]``.

    Args:
        points: How many grid values a numeric axis gets: a float's evenly spaced values (in log
            space for a log distribution); an int with more values than that gets that many,
            rounded onto its step grid, else every value.
        shuffle: Visit the points in a random order (fixed by ``seed``) instead of enumeration
            order. A decision discovered meanwhile still starts at its first value.
        seed: The seed of the shuffled order (any instance with the same seed visits the same
            order); unused without ``shuffle``. ``None``: a random order for this instance.

    Raises:
        ValueError: When an argument is invalid (the message names it).

    Example:
        >>> import optuna
        >>> def objective(trial):
        ...     op = trial.suggest_categorical("op", ["conv", "pool", "none"])
        ...     kernel = trial.suggest_categorical("kernel", [3, 5]) if op == "conv" else 0
        ...     return (op == "conv") + kernel
        >>> sampler = GridSearch()
        >>> study = optuna.create_study(direction="maximize", sampler=sampler)
        >>> study.optimize(objective, n_trials=100)  # stops by itself once exhausted
        >>> [t.params for t in study.trials]  # doctest: +NORMALIZE_WHITESPACE
        [{'op': 'conv', 'kernel': 3}, {'op': 'pool'}, {'op': 'none'},
         {'op': 'conv', 'kernel': 5}]
        >>> sampler.is_exhausted(study)
        True
    """

    def __init__(self, points: int = 5, shuffle: bool = False, seed: int | None = None) -> None:
        points = _arguments.positive_int("points", points)
        if not isinstance(shuffle, bool | np.bool_):
            raise ValueError(f"shuffle must be True or False, got {shuffle!r}.")
        seed = _arguments.seed(seed)
        self._points: int = points
        self._shuffle: bool = bool(shuffle)
        self._seed: int | None = seed
        self._key: int = secrets.randbits(64) if seed is None else seed
        self._studies: StudyCache[Index] = StudyCache(Index)

    points: Setting[int] = Setting("How many grid values a numeric axis gets (at most).")
    shuffle: Setting[bool] = Setting("Whether the points are visited in a seeded random order.")
    seed: Setting[int | None] = Setting("The seed of the shuffled order, as given.")

    def reseed_rng(self) -> None:
        """Nothing to reseed: the order depends only on the seed, so that the threads of
        ``study.optimize(..., n_jobs=k)`` (which call this) agree on it."""

    # -- Optuna's hooks ----------------------------------------------------------------------

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        """Choose the new trial's grid point and record it on the trial.

        A trial that already has a point (a retry of a failed trial copies it) keeps it. An
        enqueued trial's fixed parameters (and any parameter it already has) constrain the
        point.

        Args:
            study: The study the trial belongs to.
            trial: The trial just created, before any ``suggest_*`` call.
        """
        if _schema.GRID_POINT in trial.system_attrs:
            return
        with self._studies.lock:
            known = self._survey(study, skip=trial.number)
            space = known.space
            # Optuna keeps an enqueued trial's parameters under its own key "fixed_params".
            given = {**(trial.system_attrs.get("fixed_params") or {}), **trial.params}
            fixed = space.constrain(given)  # after the claims: it only appends values
            # Trials created before this one, in before_trial on another worker: it gives them
            # the first uncovered points, so this one takes the next.
            creating = sum(
                1
                for t in known.open
                if t.state == TrialState.RUNNING
                and t.number < trial.number
                and _schema.GRID_POINT not in t.system_attrs
                and not t.params
            )
            everything = [*known.done, Trie(space.sizes, known.unfinished).root]
            found = list(
                itertools.islice(visit(known, everything, fixed, self._order_key), creating + 1)
            )
            flag = None
            if found:
                positions = found[-1]
            else:
                open_point = next(visit(known, known.done, fixed, self._order_key), None)
                if open_point is not None:
                    positions, flag = open_point, _schema.GRID_FRONTIER
                else:
                    positions = first(space, fixed, self._order_key)
                    exhausted = _finished_cover(known) and (
                        not fixed
                        or next(uncovered(known.done, space.sizes, memo=known.memo), None) is None
                    )
                    flag = _schema.GRID_EXHAUSTED if exhausted else _schema.GRID_FRONTIER
            _schema.set_trial_attr(study, trial, _schema.GRID_POINT, space.point(positions))
            _schema.set_trial_attr(study, trial, _schema.GRID_INDEX, space.index(positions))
            if flag is not None:
                _schema.set_trial_attr(study, trial, flag, True)

    def sample_independent(
        self, study: Study, trial: FrozenTrial, name: str, distribution: BaseDistribution
    ) -> Any:
        """The value of decision ``name`` in the trial's grid point (Optuna's hook, once per
        ``suggest_*``; the point is read from the trial's system attributes), a native Python
        value of ``distribution`` on its grid (a choice as given, an ``int`` or a ``float``).

        A decision the point lacks, or whose value ``distribution`` does not contain, gets the
        first value of its axis that no concurrent trial on the same path has taken (the first
        value when none runs); a lacking one is then added to the trial's point.
        """
        point = trial.system_attrs.get(_schema.GRID_POINT) or {}
        if name in point and contains(distribution, point[name]):
            return native(distribution, point[name])
        with self._studies.lock:
            value = self._new_value(study, trial, name, distribution, point)
            if name not in point:
                _schema.set_trial_attr(study, trial, _schema.GRID_POINT, {**point, name: value})
        return value

    def after_trial(
        self,
        study: Study,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        """Stop ``study.optimize`` (``study.stop()``) when the grid is exhausted once ``trial``
        has finished; outside ``study.optimize`` (ask and tell) nothing happens.

        Args:
            study: The study the trial belongs to.
            trial: The trial that is finishing (still ``RUNNING`` in the storage).
            state: The state it finishes in.
            values: Its objective values (unused).
        """
        if self._exhausted(study, finishing=trial.number, state=state):
            try:
                study.stop()
            except RuntimeError:  # told outside study.optimize
                pass

    # -- public queries ----------------------------------------------------------------------

    def is_exhausted(self, study: Study) -> bool:
        """Whether every point of the study's grid has been visited, so that a new trial can
        neither visit a new point nor discover a new decision.

        True when every point of the known space is covered by a finished trial and every
        unfinished trial re-runs such a point (see the module documentation); false for a study
        without trials. It reads the study's trials once (cheap enough before each trial).

        Args:
            study: The study (any sampler instance can answer for any study).

        Returns:
            Whether the grid is exhausted.
        """
        return self._exhausted(study)

    # -- internals ---------------------------------------------------------------------------

    def _exhausted(
        self,
        study: Study,
        finishing: int | None = None,
        state: TrialState | None = None,
    ) -> bool:
        """Whether the grid is exhausted, trial ``finishing`` counting as finished in
        ``state``."""
        with self._studies.lock:
            known = self._survey(study, finishing=finishing, state=state)
            if known.empty or not _finished_cover(known):
                return False
            return next(uncovered(known.done, known.space.sizes, memo=known.memo), None) is None

    def _survey(
        self,
        study: Study,
        skip: int | None = None,
        finishing: int | None = None,
        state: TrialState | None = None,
    ) -> Survey:
        """The study's survey (see :func:`~._grid_survey.survey`) from this instance's index."""
        return survey(study, self._studies.get(study), self._points, skip, finishing, state)

    @property
    def _order_key(self) -> int | None:
        """The key of the shuffled visiting order; None: enumeration order."""
        return self._key if self._shuffle else None

    def _new_value(
        self,
        study: Study,
        trial: FrozenTrial,
        name: str,
        dist: BaseDistribution,
        point: Mapping[str, Any],
    ) -> Any:
        """A value for a decision the trial's point lacks (or has out of range): the axis value
        the fewest other trials on the same path have (or, unfinished, are about to get)."""
        axis = grid_values(dist, self._points)
        if len(axis) == 1:
            return native(dist, axis[0])
        where = {value_key(v): i for i, v in enumerate(axis)}
        own = {n: value_key(v) for n, v in {**point, **trial.params}.items() if n != name}
        counts = [0] * len(axis)
        ahead = 0
        for t in _schema.all_trials(study):
            if t.number == trial.number:
                continue
            on_path = [c for c in raw_claims(t) if agrees(c, own, name)]
            for claim in on_path:
                if name in claim:
                    i = where.get(value_key(claim[name]))
                    if i is not None:
                        counts[i] += 1
            if (
                on_path
                and not t.state.is_finished()
                and t.number < trial.number
                and all(name not in c for c in on_path)
            ):
                ahead += 1  # on the same path, created earlier: it is about to choose
        for _ in range(ahead):
            counts[counts.index(min(counts))] += 1
        return native(dist, axis[counts.index(min(counts))])


def _finished_cover(known: Survey) -> bool:
    """Whether every unfinished trial re-runs a point that a finished trial covers (so none of
    them can make a decision no trial has made)."""
    return all(trace is not None and covers(known.done, trace) for trace in known.traces)
