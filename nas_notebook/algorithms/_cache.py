"""What an algorithm object keeps of each study between calls, and the scan of the trials finished
since the last call.

The storage is the state (DESIGN invariant 1): whatever an algorithm keeps is rebuilt from it.
So a cache is dropped when the object is pickled (a copy in another process, a restart reads the
storage again), and an entry is dropped when its study is seen through another storage object.
What makes keeping anything worth it: a finished trial never changes again, so each call reads
only the trials finished since the last one.

Example:
    >>> import optuna
    >>> cache = StudyCache(Finished)
    >>> study = optuna.create_study()
    >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    >>> with cache.lock:
    ...     fresh, unfinished = cache.get(study).scan(study.get_trials(deepcopy=False))
    ...     again, _ = cache.get(study).scan(study.get_trials(deepcopy=False))
    >>> len(fresh), len(unfinished), len(again)
    (3, 0, 0)
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import optuna
from optuna.trial import FrozenTrial

from .. import _schema

__all__ = ["Finished", "PicklableLock", "StudyCache"]

#: How many studies' entries a cache keeps (then it starts over).
_LIMIT = 64

E = TypeVar("E")


class PicklableLock:
    """A reentrant lock that pickles as a new, unlocked one (what it guards is rebuilt from the
    storage on the other side anyway); otherwise a ``threading.RLock``."""

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def __enter__(self) -> bool:
        return self._lock.__enter__()

    def __exit__(self, *exc: Any) -> None:
        self._lock.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:  # acquire, release
        return getattr(self._lock, name)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), ())


class StudyCache(Generic[E]):
    """One entry per study (made by ``factory``), under one reentrant lock; pickled as an empty
    cache.

    Args:
        factory: Makes the entry of a study not seen yet.
    """

    def __init__(self, factory: Callable[[], E]) -> None:
        #: Guards the entries, and whatever the owner does with one.
        self.lock = PicklableLock()
        self._factory = factory
        self._entries: dict[tuple[int, int], tuple[Callable[[], Any], E]] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self._factory,))

    def __len__(self) -> int:
        return len(self._entries)

    def find(self, study: optuna.Study) -> E | None:
        """The study's entry, or None for a study not seen through this storage object."""
        with self.lock:
            known = self._entries.get(_schema.study_key(study))
            if known is not None and known[0]() is _schema.storage_of(study):
                return known[1]
            return None

    def get(self, study: optuna.Study) -> E:
        """The study's entry; a new one for a study not seen through this storage object."""
        with self.lock:
            entry = self.find(study)
            return self.reset(study) if entry is None else entry

    def reset(self, study: optuna.Study) -> E:
        """A new entry for the study, in place of any it had."""
        storage = _schema.storage_of(study)
        try:
            ref: Callable[[], Any] = weakref.ref(storage)
        except TypeError:  # pragma: no cover - every Optuna storage accepts weak references
            ref = lambda: storage  # noqa: E731
        entry = self._factory()
        with self.lock:
            if len(self._entries) >= _LIMIT:
                self._entries.clear()
            self._entries[_schema.study_key(study)] = (ref, entry)
        return entry


class Finished:
    """The finished trials of a study read so far, by trial id.

    Scans take the trials in order of number. When a scan is handed the study's whole list
    (trial ``n`` at index ``n``), the next one looks only at the trials that were unfinished
    then and those added since: each scan costs about the running trials and the new ones, not
    the study. Any other list (one of some states only) is scanned whole.
    """

    __slots__ = ("pending", "seen", "trials")

    def __init__(self) -> None:
        self.trials: dict[int, FrozenTrial] = {}
        #: Trials ``0 .. seen - 1`` were all looked at; of them, ``pending`` were unfinished.
        self.seen = 0
        self.pending: list[int] = []

    def scan(self, trials: Sequence[FrozenTrial]) -> tuple[list[FrozenTrial], list[FrozenTrial]]:
        """The trials of ``trials`` (ordered by number) finished since the last scan (now read),
        and the unfinished ones, each in order."""
        fresh: list[FrozenTrial] = []
        unfinished: list[FrozenTrial] = []
        seen = self.seen
        # Numbers are unique and ordered: if trial seen - 1 is at its index, so is every one
        # before it, and the pending ones can be found by number.
        whole_before = 0 < seen <= len(trials) and trials[seen - 1].number == seen - 1
        candidates = (
            [trials[n] for n in self.pending] + list(trials[seen:]) if whole_before else trials
        )
        for trial in candidates:
            if not trial.state.is_finished():
                unfinished.append(trial)
                continue
            key = _schema.trial_id(trial)
            if key not in self.trials:
                self.trials[key] = trial
                fresh.append(trial)
        if trials and trials[-1].number == len(trials) - 1:  # the whole list: resume from here
            self.seen, self.pending = len(trials), [t.number for t in unfinished]
        else:
            self.seen, self.pending = 0, []
        return fresh, unfinished
