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

import functools
import itertools
import math
import numbers
import secrets
import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
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

from ._base import IndependentSampler

__all__ = ["GridSearch"]

POINT_ATTR = "grid:point"
INDEX_ATTR = "grid:index"
EXHAUSTED_ATTR = "grid:exhausted"
FRONTIER_ATTR = "grid:frontier"

#: How many points of a shuffled order are tried before falling back to enumeration order (a
#: huge space whose points are nearly all covered).
_SCAN_LIMIT = 20_000

_MASK64 = (1 << 64) - 1

_FINISHED = frozenset((TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL))

#: How many covered node sets a trie remembers (then it starts over).
_MEMO = 1_000_000

#: How many studies' indexes an instance keeps (then it starts over).
_INDEXES = 64

#: A claim: axis index -> position on that axis. It covers the points that agree with it.
_Claim = dict[int, int]


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
        if isinstance(points, bool) or not isinstance(points, numbers.Integral):
            raise ValueError(f"points must be a positive integer, got {points!r}.")
        if points < 1:
            raise ValueError(f"points must be at least 1, got {points}.")
        if not isinstance(shuffle, bool | np.bool_):
            raise ValueError(f"shuffle must be True or False, got {shuffle!r}.")
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0
        ):
            raise ValueError(f"seed must be None or a non-negative integer, got {seed!r}.")
        self._points: int = int(points)
        self._shuffle: bool = bool(shuffle)
        self._seed: int | None = None if seed is None else int(seed)
        self._key: int = secrets.randbits(64) if seed is None else int(seed)
        self._lock: threading.RLock = threading.RLock()
        self._indexes: dict[tuple[int, int], _Index] = {}

    @property
    def points(self) -> int:
        """How many grid values a numeric axis gets (at most)."""
        return self._points

    @property
    def shuffle(self) -> bool:
        """Whether the points are visited in a seeded random order."""
        return self._shuffle

    @property
    def seed(self) -> int | None:
        """The seed of the shuffled order, as given."""
        return self._seed

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"], state["_indexes"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()
        self._indexes = {}

    def reseed_rng(self) -> None:
        """Nothing to reseed: the order depends only on the seed, so that the threads of
        ``study.optimize(..., n_jobs=k)`` (which call this) agree on it."""

    # -- Optuna's hooks ----------------------------------------------------------------------

    def before_trial(self, study: optuna.Study, trial: FrozenTrial) -> None:
        """Choose the new trial's grid point and record it on the trial.

        A trial that already has a point (a retry of a failed trial copies it) keeps it. An
        enqueued trial's fixed parameters (and any parameter it already has) constrain the
        point.

        Args:
            study: The study the trial belongs to.
            trial: The trial just created, before any ``suggest_*`` call.
        """
        if POINT_ATTR in trial.system_attrs:
            return
        with self._lock:
            survey = self._survey(study, skip=trial.number)
            space = survey.space
            given = {**(trial.system_attrs.get("fixed_params") or {}), **trial.params}
            fixed = space.constrain(given)  # after the claims: it only appends values
            # Trials created before this one, in before_trial on another worker: it gives them
            # the first uncovered points, so this one takes the next.
            creating = sum(
                1
                for t in survey.open
                if t.state == TrialState.RUNNING
                and t.number < trial.number
                and POINT_ATTR not in t.system_attrs
                and not t.params
            )
            everything = [*survey.done, _Trie(space.sizes, survey.unfinished).root]
            found = list(itertools.islice(self._visit(survey, everything, fixed), creating + 1))
            flag = None
            if found:
                positions = found[-1]
            else:
                open_point = next(self._visit(survey, survey.done, fixed), None)
                if open_point is not None:
                    positions, flag = open_point, FRONTIER_ATTR
                else:
                    positions = self._first(space, fixed)
                    exhausted = all(
                        trace is not None and _covers(survey.done, trace) for trace in survey.traces
                    ) and (
                        not fixed
                        or next(_uncovered(survey.done, space.sizes, memo=survey.memo), None)
                        is None
                    )
                    flag = EXHAUSTED_ATTR if exhausted else FRONTIER_ATTR
            storage = study._storage
            storage.set_trial_system_attr(trial._trial_id, POINT_ATTR, space.point(positions))
            storage.set_trial_system_attr(trial._trial_id, INDEX_ATTR, space.index(positions))
            if flag is not None:
                storage.set_trial_system_attr(trial._trial_id, flag, True)

    def sample_independent(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        """The trial's grid point's value for one decision.

        A decision the point lacks, or whose value ``param_distribution`` does not contain,
        gets the first value of its axis that no concurrent trial on the same path has taken
        (the first value when none runs); a lacking one is then added to the trial's point.

        Args:
            study: The study the trial belongs to.
            trial: The trial being sampled; its point is read from its system attributes.
            param_name: The decision's name.
            param_distribution: The decision's distribution in this trial.

        Returns:
            A value of ``param_distribution`` on its grid, as a native Python value (a choice
            as given, an ``int`` or a ``float``).
        """
        point = trial.system_attrs.get(POINT_ATTR) or {}
        if param_name in point and _contains(param_distribution, point[param_name]):
            return _native(param_distribution, point[param_name])
        with self._lock:
            value = self._new_value(study, trial, param_name, param_distribution, point)
            if param_name not in point:
                study._storage.set_trial_system_attr(
                    trial._trial_id, POINT_ATTR, {**point, param_name: value}
                )
        return value

    def after_trial(
        self,
        study: optuna.Study,
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

    def is_exhausted(self, study: optuna.Study) -> bool:
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
        study: optuna.Study,
        finishing: int | None = None,
        state: TrialState | None = None,
    ) -> bool:
        """Whether the grid is exhausted, trial ``finishing`` counting as finished in
        ``state``."""
        with self._lock:
            survey = self._survey(study, finishing=finishing, state=state)
            if survey.empty:
                return False
            if not all(
                trace is not None and _covers(survey.done, trace) for trace in survey.traces
            ):
                return False
            uncovered = _uncovered(survey.done, survey.space.sizes, memo=survey.memo)
            return next(uncovered, None) is None

    def _survey(
        self,
        study: optuna.Study,
        skip: int | None = None,
        finishing: int | None = None,
        state: TrialState | None = None,
    ) -> _Survey:
        """The known space and what the study's trials but ``skip`` cover, trial
        ``finishing`` counting as finished in ``state``.

        The finished trials' part is kept between calls (a finished trial never changes): only
        the trials finished since the last call are read, unless the space's layout changed.
        """
        storage = study._storage
        trials = storage.get_all_trials(study._study_id, deepcopy=False)
        index = self._index_of(storage, study._study_id)
        fresh: list[FrozenTrial] = []
        others: list[tuple[FrozenTrial, TrialState]] = []
        finished = index.finished
        for t in trials:
            known = finished.get(t._trial_id)
            if known is not None and known[1] is t:  # read already (storages keep the object)
                continue
            number = t.number
            if number == skip:
                continue
            if number == finishing and state is not None:
                others.append((t, state))
            elif t.state in _FINISHED:
                stamp = (number, t.state, t.datetime_complete)
                if known is not None and known[0] != stamp:  # cannot happen in Optuna
                    index.reset()
                    return self._survey(study, skip, finishing, state)
                finished[t._trial_id] = (stamp, t)
                if known is None:
                    _note(index.first, index.dists, t)
                    fresh.append(t)
            else:
                others.append((t, t.state))
        first = dict(index.first)
        dists = {name: dict(seen) for name, seen in index.dists.items()}
        for t, _ in others:
            _note(first, dists, t)
        space = _Space(first, dists, self._points)
        if index.trie is None or space.layout != index.layout:
            index.layout = space.layout
            index.trie = _Trie(space.sizes, lasting=True)
            index.scan_start = 0
            for _, t in index.finished.values():
                index.trie.add(_claims(t, t.state, space))
        else:
            for t in fresh:
                index.trie.add(_claims(t, t.state, space))
        survey = _Survey(space, index, empty=not trials)
        survey.done.append(index.trie.root)
        extra = _Trie(space.sizes)
        for t, t_state in others:
            if t_state.is_finished():
                extra.add(_claims(t, t_state, space))
            else:
                survey.unfinished.extend(_claims(t, t_state, space))
                survey.traces.append(_trace(t, space))
                survey.open.append(t)
        if extra.root.children or extra.root.terminal:
            survey.done.append(extra.root)
        return survey

    def _index_of(self, storage: Any, study_id: int) -> _Index:
        """This instance's index of a study (a new one for a new storage object)."""
        try:
            ref = weakref.ref(storage)
        except TypeError:  # a storage without weak references: nothing is kept
            return _Index(None)
        index = self._indexes.get((id(storage), study_id))
        if index is None or index.storage is None or index.storage() is not storage:
            if len(self._indexes) >= _INDEXES:
                self._indexes.clear()
            index = self._indexes[(id(storage), study_id)] = _Index(ref)
        return index

    def _visit(
        self, survey: _Survey, roots: Sequence[_Node], fixed: Mapping[int, int]
    ) -> Iterator[tuple[int, ...]]:
        """The points the tries at ``roots`` (among them the finished trials') do not cover, in
        visiting order (constrained to ``fixed`` positions: enumeration order)."""
        space = survey.space
        if not self._shuffle or fixed:
            yield from _uncovered(roots, space.sizes, fixed, survey.memo)
            return
        total = space.total
        order = _Permutation(total, self._key)
        # The shuffled order's prefix that finished trials cover stays covered: skip it.
        index = survey.index
        assert index.trie is not None
        done = [index.trie.root]
        start = index.scan_start
        end = min(total, start + _SCAN_LIMIT)
        while start < end and _covers(done, space.unindex(order(start))):
            start += 1
        index.scan_start = start
        tried: set[tuple[int, ...]] = set()
        for rank in range(start, end):
            positions = space.unindex(order(rank))
            if not _covers(roots, positions):
                tried.add(positions)
                yield positions
        if end < total:  # nearly everything covered: finish in enumeration order
            for positions in _uncovered(roots, space.sizes, memo=survey.memo):
                if positions not in tried:
                    yield positions

    def _first(self, space: _Space, fixed: Mapping[int, int]) -> tuple[int, ...]:
        """The first point in visiting order, covered or not."""
        if self._shuffle and not fixed:
            return space.unindex(_Permutation(space.total, self._key)(0))
        return tuple(fixed.get(axis, 0) for axis in range(len(space.sizes)))

    def _new_value(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        name: str,
        dist: BaseDistribution,
        point: Mapping[str, Any],
    ) -> Any:
        """A value for a decision the trial's point lacks (or has out of range): the axis value
        the fewest other trials on the same path have (or, unfinished, are about to get)."""
        axis = _axis(dist, self._points)
        if len(axis) == 1:
            return _native(dist, axis[0])
        where = {_key(v): i for i, v in enumerate(axis)}
        own = {n: _key(v) for n, v in {**point, **trial.params}.items() if n != name}
        counts = [0] * len(axis)
        ahead = 0
        for t in _all_trials(study):
            if t.number == trial.number:
                continue
            on_path = [c for c in _raw_claims(t) if _agrees(c, own, name)]
            for claim in on_path:
                if name in claim:
                    i = where.get(_key(claim[name]))
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
        return _native(dist, axis[counts.index(min(counts))])


# -- trials and claims ---------------------------------------------------------------------


def _all_trials(study: optuna.Study) -> list[FrozenTrial]:
    """Every trial of the study (a Hyperband bracket study too), read from the storage."""
    return study._storage.get_all_trials(study._study_id, deepcopy=False)


def _point_of(trial: FrozenTrial) -> dict[str, Any] | None:
    point = trial.system_attrs.get(POINT_ATTR)
    return point if isinstance(point, dict) else None


def _raw_claims(trial: FrozenTrial) -> list[dict[str, Any]]:
    """What ``trial`` evaluated (or is evaluating), by name, for choosing new values."""
    point = _point_of(trial)
    state = trial.state
    if state in (TrialState.COMPLETE, TrialState.PRUNED):
        return [trial.params] if point is None else [trial.params, point]
    if point is None:
        return []
    return [{**point, **trial.params}, point]


def _claims(trial: FrozenTrial, state: TrialState, space: _Space) -> list[_Claim]:
    """The claims by which ``trial``, in ``state``, covers points of ``space``."""
    params = trial.params
    point = _point_of(trial)
    claims: list[_Claim | None] = []
    if state in (TrialState.COMPLETE, TrialState.PRUNED):
        claims.append(space.encode(params))
        if point is not None:
            claims.append(space.encode(point))
    elif state == TrialState.FAIL:
        if point is not None:  # the one point it attempted (its new decisions at first values)
            for attempted in ({**point, **params}, point):
                claim = space.encode(attempted)
                if claim is not None:
                    claims.append({a: claim.get(a, 0) for a in range(len(space.sizes))})
    elif point is not None:  # running or waiting: the point it is going to evaluate
        claims.append(space.encode({**point, **params}))
        claims.append(space.encode(point))
    claims.extend(space.out_of_range(params, trial.distributions))
    return [c for c in claims if c is not None]


def _trace(trial: FrozenTrial, space: _Space) -> _Claim | None:
    """The point an unfinished trial is going to evaluate, or None (unknown: no grid point)."""
    point = _point_of(trial)
    if point is None:
        return None
    return space.encode({**point, **trial.params})


def _agrees(claim: Mapping[str, Any], own: Mapping[str, Any], skip: str) -> bool:
    """Whether ``claim`` agrees with the keys ``own`` on every name both have but ``skip``."""
    for name, value in claim.items():
        if name != skip:
            mine = own.get(name)
            if mine is not None and mine != _key(value):
                return False
    return True


class _Index:
    """One study's finished trials, as one sampler instance has read them: their decisions'
    first appearances and distributions, and the trie of their claims for the space's current
    layout."""

    __slots__ = ("dists", "finished", "first", "layout", "scan_start", "storage", "trie")

    def __init__(self, storage: weakref.ref[Any] | None) -> None:
        self.storage = storage
        self.reset()

    def reset(self) -> None:
        """Forget every trial."""
        self.finished: dict[int, tuple[Any, FrozenTrial]] = {}
        self.first: dict[str, tuple[int, int]] = {}
        self.dists: dict[str, dict[Any, tuple[tuple[int, int], BaseDistribution]]] = {}
        self.layout: Any = None
        self.trie: _Trie | None = None
        #: In the shuffled order, the points before this rank are covered by ``trie``.
        self.scan_start = 0


def _note(
    first: dict[str, tuple[int, int]],
    dists: dict[str, dict[Any, tuple[tuple[int, int], BaseDistribution]]],
    trial: FrozenTrial,
) -> None:
    """Record the first appearance (trial number, order of suggestion) of ``trial``'s
    decisions and of their distributions."""
    for order, (name, dist) in enumerate(trial.distributions.items()):
        at = (trial.number, order)
        if at < first.get(name, (math.inf, 0)):
            first[name] = at
        seen = dists.setdefault(name, {})
        key = _dist_key(dist)
        known = seen.get(key)
        if known is None or at < known[0]:
            seen[key] = (at, dist)


class _Survey:
    """The known space; the tries of what finished trials cover; the unfinished trials, their
    claims and the points they are going to evaluate (None: unknown)."""

    __slots__ = ("done", "empty", "index", "memo", "open", "space", "traces", "unfinished")

    def __init__(self, space: _Space, index: _Index, empty: bool) -> None:
        self.space = space
        self.index = index
        assert index.trie is not None
        self.memo = index.trie.covered
        self.empty = empty
        self.done: list[_Node] = []
        self.unfinished: list[_Claim] = []
        self.traces: list[_Claim | None] = []
        self.open: list[FrozenTrial] = []


# -- the known space -----------------------------------------------------------------------


class _Space:
    """The known space: one axis per decision, the newest first (the most significant digit of
    the enumeration), each the grid values of every distribution seen for its decision, in
    order of first appearance."""

    __slots__ = ("_excluded", "_several", "layout", "lookup", "names", "sizes", "slot", "values")

    def __init__(
        self,
        first: Mapping[str, tuple[int, int]],
        dists: Mapping[str, Mapping[Any, tuple[tuple[int, int], BaseDistribution]]],
        points: int,
    ) -> None:
        self.names: list[str] = sorted(first, key=first.__getitem__, reverse=True)
        self.slot: dict[str, int] = {name: i for i, name in enumerate(self.names)}
        self.values: list[list[Any]] = []
        self.lookup: list[dict[Any, int]] = []
        layout = []
        for name in self.names:
            seen = sorted(dists[name].items(), key=lambda item: item[1][0])
            layout.append((name, tuple(key for key, _ in seen)))
            values: list[Any] = []
            lookup: dict[Any, int] = {}
            for _, (_, dist) in seen:
                for value in _axis(dist, points):
                    key = _key(value)
                    if key not in lookup:
                        lookup[key] = len(values)
                        values.append(value)
            self.values.append(values)
            self.lookup.append(lookup)
        #: What the positions of the values depend on: same layout, same claims.
        self.layout: Any = tuple(layout)
        self.sizes: list[int] = [len(v) for v in self.values]
        self._several = {name for name in self.names if len(dists[name]) > 1}
        self._excluded: dict[tuple[int, Any], list[int]] = {}

    @property
    def total(self) -> int:
        """How many points the space has."""
        return math.prod(self.sizes)

    def encode(self, assignment: Mapping[str, Any]) -> _Claim | None:
        """``assignment`` (name -> value) as a claim, or None when a name or value is not on
        the grid (then it covers no point)."""
        claim: _Claim = {}
        for name, value in assignment.items():
            axis = self.slot.get(name)
            if axis is None:
                return None
            position = self.lookup[axis].get(_key(value))
            if position is None:
                return None
            claim[axis] = position
        return claim

    def out_of_range(
        self, params: Mapping[str, Any], distributions: Mapping[str, BaseDistribution]
    ) -> list[_Claim]:
        """Claims on the points that agree with ``params`` but for one decision whose value is
        outside the distribution it had there (the objective would not run them as such)."""
        claims: list[_Claim] = []
        for name, dist in distributions.items():
            if name not in self._several or name not in params:
                continue
            axis = self.slot[name]
            cache_key = (axis, _dist_key(dist))
            excluded = self._excluded.get(cache_key)
            if excluded is None:
                excluded = [
                    p for p, value in enumerate(self.values[axis]) if not _contains(dist, value)
                ]
                self._excluded[cache_key] = excluded
            if not excluded:
                continue
            base = self.encode({n: v for n, v in params.items() if n != name})
            if base is not None:
                claims.extend({**base, axis: p} for p in excluded)
        return claims

    def constrain(self, given: Mapping[str, Any]) -> dict[int, int]:
        """Positions fixed by ``given`` values (an enqueued trial's), adding a value that is
        not on its axis to it."""
        fixed: dict[int, int] = {}
        for name, value in given.items():
            axis = self.slot.get(name)
            if axis is None:
                continue
            key = _key(value)
            if key not in self.lookup[axis]:
                self.lookup[axis][key] = len(self.values[axis])
                self.values[axis].append(value)
                self.sizes[axis] += 1
            fixed[axis] = self.lookup[axis][key]
        return fixed

    def point(self, positions: Sequence[int]) -> dict[str, Any]:
        """The point at ``positions``, as name -> value (first-seen decision first)."""
        return {
            self.names[a]: self.values[a][positions[a]] for a in reversed(range(len(positions)))
        }

    def index(self, positions: Sequence[int]) -> int:
        """The point's index in enumeration order."""
        index = 0
        for size, position in zip(self.sizes, positions):
            index = index * size + position
        return index

    def unindex(self, index: int) -> tuple[int, ...]:
        """The positions of the point with this index in enumeration order."""
        positions = []
        for size in reversed(self.sizes):
            index, position = divmod(index, size)
            positions.append(position)
        return tuple(reversed(positions))


class _Node:
    """A node of a claim trie: children by position on the next axis (``None``: claims that do
    not mention it); ``terminal`` when a claim ends here (it covers everything below); ``full``
    when everything below is covered; ``lasting`` in a trie kept between calls."""

    __slots__ = ("children", "full", "lasting", "n_full", "terminal")

    def __init__(self, lasting: bool) -> None:
        self.children: dict[int | None, _Node] = {}
        self.terminal = False
        self.full = False
        self.n_full = 0
        self.lasting = lasting


class _Trie:
    """Claims as a trie over the axes, most significant first; a point (or a partial point)
    is covered when a claim agrees with it on every axis the claim has."""

    __slots__ = ("covered", "lasting", "root", "sizes")

    def __init__(
        self, sizes: Sequence[int], claims: Sequence[_Claim] = (), lasting: bool = False
    ) -> None:
        self.sizes = list(sizes)
        self.lasting = lasting
        self.root = _Node(lasting)
        #: Sets of nodes (by id) of a lasting trie found to cover everything below them.
        self.covered: set[frozenset[int]] = set()
        self.add(claims)

    def add(self, claims: Sequence[_Claim]) -> None:
        for claim in claims:
            node = self.root
            path: list[tuple[_Node, int | None]] = [(node, None)]
            for depth in range(max(claim, default=-1) + 1):
                key = claim.get(depth)
                child = node.children.get(key)
                if child is None:
                    child = node.children[key] = _Node(self.lasting)
                path.append((child, key))
                node = child
            node.terminal = True
            if node.full:
                continue
            node.full = True
            # Everything below is covered now: tell the ancestors, as far as it changes them.
            for depth in range(len(path) - 2, -1, -1):
                node, key = path[depth][0], path[depth + 1][1]
                if node.full:
                    break
                if key is not None:
                    node.n_full += 1
                    if node.n_full < self.sizes[depth]:
                        break
                node.full = True


def _covers(roots: Sequence[_Node], positions: Sequence[int] | Mapping[int, int]) -> bool:
    """Whether a claim of the tries covers the point (a tuple of positions) or, for a partial
    point (a mapping axis -> position), every point that extends it (a claim on its axes)."""
    partial = isinstance(positions, Mapping)
    nodes = list(roots)
    depth = 0
    while nodes:
        below = []
        for node in nodes:
            if node.terminal:
                return True
            wild = node.children.get(None)
            if wild is not None:
                below.append(wild)
            if partial:
                position = positions.get(depth)  # type: ignore[union-attr]
            else:
                position = positions[depth] if depth < len(positions) else None
            if position is not None:
                child = node.children.get(position)
                if child is not None:
                    below.append(child)
        nodes = below
        depth += 1
    return False


def _uncovered(
    roots: Sequence[_Node],
    sizes: Sequence[int],
    fixed: Mapping[int, int] | None = None,
    memo: set[frozenset[int]] | None = None,
) -> Iterator[tuple[int, ...]]:
    """The points the tries do not cover, in enumeration order (the first axis most
    significant), restricted to the ``fixed`` positions.

    A depth-first walk of the axes along the trie nodes that agree with the prefix: a terminal
    (or full) node covers the whole subtree. The positions no node mentions share the same
    nodes, hence the same coverage: once one of them is found covered, the others are skipped.
    ``memo`` (a lasting trie's) keeps the sets of its nodes found to cover their subtree
    (claims are only ever added to it), so that later walks skip them at once. A node's
    ``full`` flag and ``memo`` count the axes' sizes without the values ``fixed`` adds, so they
    are not used then.
    """
    fixed = fixed or {}
    use_full = not fixed
    if fixed:
        memo = None
    n = len(sizes)
    prefix: list[int] = []

    def walk(depth: int, nodes: list[_Node]) -> Iterator[tuple[int, ...]]:
        for node in nodes:
            if node.terminal or (use_full and node.full):
                return
        key = None
        if memo is not None:
            key = frozenset(id(node) for node in nodes if node.lasting)
            if key in memo:
                return
        if depth == n:
            yield tuple(prefix)
            return
        wild: list[_Node] = []
        mentioned: dict[int, list[_Node]] = {}
        for node in nodes:
            for position, child in node.children.items():
                if position is None:
                    wild.append(child)
                else:
                    mentioned.setdefault(position, []).append(child)
        rest_covered = False
        any_found = False
        choices = (fixed[depth],) if depth in fixed else range(sizes[depth])
        for position in choices:
            group = mentioned.get(position)
            if group is None:
                if rest_covered:
                    continue
                sub = wild
            else:
                sub = group + wild
            found = False
            prefix.append(position)
            for point in walk(depth + 1, sub):
                found = True
                yield point
            prefix.pop()
            any_found = any_found or found
            if group is None and not found:
                rest_covered = True
        if memo is not None and key and not any_found and len(key) == len(nodes):
            if len(memo) >= _MEMO:
                memo.clear()
            memo.add(key)

    yield from walk(0, list(roots))


# -- axes and values -----------------------------------------------------------------------


def _dist_key(dist: BaseDistribution) -> Any:
    """A hashable identity of a distribution (Optuna's ``==`` takes choices ``[1, 0]`` for
    ``[True, False]``)."""
    if isinstance(dist, CategoricalDistribution):
        return tuple(_key(c) for c in dist.choices)
    if isinstance(dist, IntDistribution | FloatDistribution):
        return (type(dist), dist.low, dist.high, dist.step, dist.log)
    return (type(dist), repr(dist))


def _axis(dist: BaseDistribution, points: int) -> tuple[Any, ...]:
    """The grid values of ``dist`` with ``points`` per numeric axis, as native values."""
    if isinstance(dist, CategoricalDistribution):
        unique: dict[Any, Any] = {}
        for choice in dist.choices:
            unique.setdefault(_key(choice), choice)
        return tuple(unique.values())
    if isinstance(dist, IntDistribution | FloatDistribution):
        return _numeric_axis(dist, points)
    raise TypeError(f"GridSearch cannot sample a {type(dist).__name__}.")


@functools.lru_cache(maxsize=4096)
def _numeric_axis(dist: IntDistribution | FloatDistribution, points: int) -> tuple[Any, ...]:
    """The grid values of a numeric distribution, as native values, deduplicated."""
    values: list[Any]
    low, high = dist.low, dist.high
    step = dist.step
    if step is not None:
        size = math.floor((high - low) / step + 1e-8) + 1
        if size <= points:
            indices: Sequence[int] = range(size)
        else:
            spread = _spread(low, high, points, dist.log)
            indices = [math.floor((v - low) / step + 0.5) for v in spread]
        values = [_on_step(dist, i) for i in indices]
    else:
        values = [float(min(max(v, low), high)) for v in _spread(low, high, points, dist.log)]
    return tuple(dict.fromkeys(values))


def _spread(low: float, high: float, points: int, log: bool) -> list[float]:
    """``points`` values from ``low`` to ``high`` (both included), evenly spaced (in log space
    when ``log``)."""
    if points == 1:
        return [float(low)]
    raw = np.geomspace(low, high, points) if log else np.linspace(low, high, points)
    values = [float(v) for v in raw]
    values[0], values[-1] = float(low), float(high)
    return values


def _on_step(dist: IntDistribution | FloatDistribution, index: int) -> Any:
    """The ``index``-th point of a stepped distribution's grid, as a native value."""
    assert dist.step is not None
    if isinstance(dist, IntDistribution):
        return int(min(max(dist.low + index * dist.step, dist.low), dist.high))
    return float(min(max(dist.low + index * dist.step, dist.low), dist.high))


def _key(value: Any) -> Any:
    """A hashable key equal for equal values of one kind (``True`` is not ``1``, NaN is NaN)."""
    kind = type(value)
    if kind is str:
        return ("str", value)
    if kind is int:
        return ("num", value)
    if kind is float:
        return ("num", value) if value == value else ("nan",)
    if value is None:
        return (None,)
    if kind is bool or isinstance(value, np.bool_):
        return ("bool", bool(value))
    if isinstance(value, numbers.Integral):
        return ("num", int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        return ("nan",) if math.isnan(number) else ("num", number)
    return ("repr", repr(value))


def _choice_index(dist: CategoricalDistribution, value: Any) -> int | None:
    key = _key(value)
    for i, choice in enumerate(dist.choices):
        if _key(choice) == key:
            return i
    return None


def _contains(dist: BaseDistribution, value: Any) -> bool:
    """Whether ``dist`` contains ``value`` (a choice of the same kind, a number in range on
    the step)."""
    if isinstance(dist, CategoricalDistribution):
        return _choice_index(dist, value) is not None
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        return False
    try:
        return bool(dist._contains(dist.to_internal_repr(value)))
    except (ValueError, TypeError):
        return False


def _native(dist: BaseDistribution, value: Any) -> Any:
    """``value`` (contained in ``dist``) as the native value a ``suggest_*`` call returns."""
    if isinstance(dist, CategoricalDistribution):
        index = _choice_index(dist, value)
        assert index is not None
        return dist.choices[index]
    if isinstance(dist, IntDistribution):
        return int(value)
    return float(value)


# -- a seeded permutation of any size ------------------------------------------------------


def _mix(x: int) -> int:
    """SplitMix64's finalizer: a 64-bit bijective hash."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


class _Permutation:
    """A seeded permutation of ``range(size)`` in constant memory: a four-round Feistel network
    on the smallest even number of bits that holds ``size``, cycle-walking back into range."""

    __slots__ = ("_half", "_keys", "_mask", "_size")

    def __init__(self, size: int, key: int) -> None:
        bits = max(2, (size - 1).bit_length())
        bits += bits % 2
        self._size = size
        self._half = bits // 2
        self._mask = (1 << self._half) - 1
        base = _mix((key & _MASK64) ^ _mix(size & _MASK64))
        self._keys = tuple(_mix(base + r) for r in range(4))

    def __call__(self, rank: int) -> int:
        half, mask = self._half, self._mask
        x = rank
        while True:
            left, right = x >> half, x & mask
            for key in self._keys:
                left, right = right, left ^ (_mix((right ^ key) & _MASK64) & mask)
            x = (left << half) | right
            if x < self._size:
                return x
