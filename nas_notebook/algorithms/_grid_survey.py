"""What a grid search knows of a study: what each trial covers (its claims), kept per study for
the finished trials, and the survey of the study a choice of point starts from.

A finished trial never changes again: an :class:`Index` keeps what the finished trials cover,
for the space's current layout, and :func:`survey` reads only the trials finished since the
last call (all of them again when the layout changed: a decision or a distribution appeared).

Example:
    >>> import optuna
    >>> study = optuna.create_study()
    >>> study.optimize(lambda t: t.suggest_categorical("op", ["a", "b"]) == "a", n_trials=1)
    >>> known = survey(study, Index(), points=5)
    >>> known.space.names, known.space.sizes, known.open
    (['op'], [2], [])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from .. import _schema
from ._cache import Finished
from ._discretize import value_key
from ._grid_space import Claim, Dists, Space, note
from ._grid_trie import Node, Trie

__all__ = ["Index", "Survey", "agrees", "point_of", "raw_claims", "survey"]


class Index:
    """One study's finished trials, as one sampler instance has read them: their decisions'
    first appearances and distributions, and the trie of their claims for the space's current
    layout."""

    __slots__ = ("dists", "finished", "first", "layout", "scan_start", "trie")

    def __init__(self) -> None:
        self.finished = Finished()
        self.first: dict[str, tuple[int, int]] = {}
        self.dists: Dists = {}
        self.layout: Any = None
        self.trie: Trie | None = None
        #: In the shuffled order, the points before this rank are covered by ``trie``.
        self.scan_start = 0


class Survey:
    """The known space; the tries of what finished trials cover; the unfinished trials, their
    claims and the points they are going to evaluate (None: unknown)."""

    __slots__ = ("done", "empty", "index", "memo", "open", "space", "traces", "unfinished")

    def __init__(self, space: Space, index: Index, empty: bool) -> None:
        self.space = space
        self.index = index
        assert index.trie is not None
        self.memo = index.trie.covered
        self.empty = empty
        self.done: list[Node] = []
        self.unfinished: list[Claim] = []
        self.traces: list[Claim | None] = []
        self.open: list[FrozenTrial] = []


def survey(
    study: optuna.Study,
    index: Index,
    points: int,
    skip: int | None = None,
    finishing: int | None = None,
    state: TrialState | None = None,
) -> Survey:
    """The known space and what the study's trials but ``skip`` cover, trial ``finishing``
    counting as finished in ``state``; ``index`` takes in the trials finished since its last
    survey.

    Args:
        study: The study.
        index: What the sampler instance keeps of the study.
        points: How many grid values a numeric axis gets.
        skip: A trial left out (the one being created).
        finishing: A trial finishing now (still ``RUNNING`` in the storage).
        state: The state ``finishing`` finishes in.

    Returns:
        The survey.
    """
    # The storage, not ``study.get_trials``: a HyperbandPruner hands samplers a study that
    # shows one bracket only.
    trials = _schema.all_trials(study)
    fresh, unfinished = index.finished.scan(trials)
    for t in fresh:
        note(index.first, index.dists, t)
    others = [
        (t, state if t.number == finishing and state is not None else t.state)
        for t in unfinished
        if t.number != skip
    ]
    first = dict(index.first)
    dists = {name: dict(seen) for name, seen in index.dists.items()}
    for t, _ in others:
        note(first, dists, t)
    space = Space(first, dists, points)
    if index.trie is None or space.layout != index.layout:
        index.layout = space.layout
        index.trie = Trie(space.sizes, lasting=True)
        index.scan_start = 0
        fresh = list(index.finished.trials.values())
    for t in fresh:
        index.trie.add(_claims(t, t.state, space))
    known = Survey(space, index, empty=not trials)
    known.done.append(index.trie.root)
    extra = Trie(space.sizes)
    for t, t_state in others:
        if t_state.is_finished():
            extra.add(_claims(t, t_state, space))
        else:
            known.unfinished.extend(_claims(t, t_state, space))
            known.traces.append(_trace(t, space))
            known.open.append(t)
    if extra.root.children or extra.root.terminal:
        known.done.append(extra.root)
    return known


def point_of(trial: FrozenTrial) -> dict[str, Any] | None:
    point = trial.system_attrs.get(_schema.GRID_POINT)
    return point if isinstance(point, dict) else None


def raw_claims(trial: FrozenTrial) -> list[dict[str, Any]]:
    """What ``trial`` evaluated (or is evaluating), by name, for choosing new values."""
    point = point_of(trial)
    state = trial.state
    if state in (TrialState.COMPLETE, TrialState.PRUNED):
        return [trial.params] if point is None else [trial.params, point]
    if point is None:
        return []
    return [{**point, **trial.params}, point]


def _claims(trial: FrozenTrial, state: TrialState, space: Space) -> list[Claim]:
    """The claims by which ``trial``, in ``state``, covers points of ``space``."""
    params = trial.params
    point = point_of(trial)
    claims: list[Claim | None] = []
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


def _trace(trial: FrozenTrial, space: Space) -> Claim | None:
    """The point an unfinished trial is going to evaluate, or None (unknown: no grid point)."""
    point = point_of(trial)
    if point is None:
        return None
    return space.encode({**point, **trial.params})


def agrees(claim: Mapping[str, Any], own: Mapping[str, Any], skip: str) -> bool:
    """Whether ``claim`` agrees with the keys ``own`` on every name both have but ``skip``."""
    for name, value in claim.items():
        if name != skip:
            mine = own.get(name)
            if mine is not None and mine != value_key(value):
                return False
    return True
