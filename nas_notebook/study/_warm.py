"""Warm start: the finished trials of earlier studies seed a search's algorithm, without
counting toward its budget and without being run again.

The trials are copied into the study, each marked with where it came from
(:data:`~nas_notebook._schema.WARM_FROM`), so that every algorithm reads them from the storage
like its own trials and every view can show them apart. A decision of a source trial is kept
when the search draws a decision of that name over a range or choices that hold its value; a
trial with no decision kept is left out. Which decisions the search draws is known once its
first trial has drawn them: the copy is made then, once (``define-by-run`` bodies tell nothing
sooner), and its count is recorded with the study so that a resumed search copies nothing twice.

Who calls what: the search builds :class:`WarmStart` on the caller's thread (a source that does
not exist, or that shares no decision with the body's, is an error there); the driver calls
:meth:`WarmStart.copy` on a lane's thread when the search's first trial is recorded.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial, TrialState

from .._schema import WARM_FROM, WARM_PREFIX, set_study_attr, storage_of, study_attrs

__all__ = ["WarmStart", "fits"]


def fits(value: Any, distribution: BaseDistribution) -> bool:
    """Whether ``value`` is one ``distribution`` can draw.

    Example:
        >>> from optuna.distributions import IntDistribution
        >>> fits(8, IntDistribution(4, 16, step=4)), fits(6, IntDistribution(4, 16, step=4))
        (True, False)
    """
    if isinstance(distribution, CategoricalDistribution):
        return any(value is c or value == c for c in distribution.choices)
    if not isinstance(distribution, (FloatDistribution, IntDistribution)):
        return False
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if not distribution.low <= value <= distribution.high:
        return False
    if isinstance(distribution, IntDistribution) and value != int(value):
        return False
    step = distribution.step
    if step is None:
        return True
    k = (value - distribution.low) / step
    return math.isclose(k, round(k), abs_tol=1e-8)


def _names_overlap(params: Iterable[str], names: set[str]) -> bool:
    """Whether a parameter is one of ``names`` or derived from one (``w`` -> ``w[0]``, ``w_1``)."""
    for param in params:
        if param in names or any(param.startswith((n + "[", n + "_")) for n in names):
            return True
    return False


class WarmStart:
    """The earlier studies a search starts from (see the module docstring).

    Args:
        storage: The search's storage (where named sources are looked up).
        sources: Names of studies in that storage, or Optuna studies.
        names: The decision names the body is known to draw (empty: not known before a trial).
        n_objectives: The search's number of objectives.
        name: The search's study name, if given.

    Raises:
        ValueError: A source does not exist (the message lists those that do), is the study
            itself, has another number of objectives, or shares no decision with ``names``.

    Example:
        >>> import optuna
        >>> storage = optuna.storages.InMemoryStorage()
        >>> old = optuna.create_study(study_name="old", storage=storage)
        >>> old.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        >>> warm = WarmStart(storage, ["old"], names={"x"})
        >>> new = optuna.create_study(study_name="new", storage=storage)
        >>> warm = warm.bind(new)
        >>> warm.copy({"x": optuna.distributions.FloatDistribution(0, 1)}), len(new.trials)
        (3, 3)
        >>> warm.copy({"x": optuna.distributions.FloatDistribution(0, 1)})  # once
        0
    """

    def __init__(
        self,
        storage: BaseStorage,
        sources: Sequence[str | optuna.Study],
        names: set[str] | frozenset[str] = frozenset(),
        *,
        n_objectives: int = 1,
        name: str | None = None,
    ) -> None:
        self.storage = storage
        self.sources: list[optuna.Study] = []
        for source in sources:
            found = self._open(source, n_objectives, name)
            params = {p for t in self._finished(found) for p in t.params}
            if names and not _names_overlap(params, set(names)):
                raise ValueError(
                    f"warm_start: study {found.study_name!r} shares no decision with this "
                    f"search (its: {', '.join(sorted(params)) or 'none'}; this one's: "
                    f"{', '.join(sorted(names))})"
                )
            self.sources.append(found)
        self.study: optuna.Study | None = None
        self._lock = threading.Lock()

    def bind(self, study: optuna.Study) -> WarmStart:
        """Start ``study`` (the search's, created or resumed) from the sources it was not
        started from yet."""
        copied = study_attrs(study)
        self.study = study
        self.sources = [s for s in self.sources if WARM_PREFIX + s.study_name not in copied]
        return self

    def _open(
        self, source: str | optuna.Study, n_objectives: int, name: str | None
    ) -> optuna.Study:
        if isinstance(source, optuna.Study):
            found = source
        else:
            known = [s.study_name for s in self.storage.get_all_studies()]
            if source not in known:
                raise ValueError(
                    f"warm_start: no study {source!r} in this storage (studies: "
                    f"{', '.join(sorted(known)) or 'none'})"
                )
            found = optuna.load_study(study_name=source, storage=self.storage)
        if found.study_name == name and storage_of(found) is self.storage:
            raise ValueError("warm_start: a study cannot be warm-started from itself")
        if len(found.directions) != n_objectives:
            raise ValueError(
                f"warm_start: study {found.study_name!r} has {len(found.directions)} "
                f"objective(s), this search {n_objectives}"
            )
        return found

    @staticmethod
    def _finished(source: optuna.Study) -> list[FrozenTrial]:
        return source.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))

    def copy(self, distributions: Mapping[str, BaseDistribution]) -> int:
        """Copy the sources' completed trials, keeping the decisions that fit
        ``distributions`` (the search's own); once: later calls copy nothing. Returns how many
        trials were copied."""
        study = self.study
        assert study is not None, "bind the warm start to the search's study first"
        with self._lock:
            sources, self.sources = self.sources, []
        total = 0
        for source in sources:
            trials = [
                copy
                for trial in self._finished(source)
                if (copy := self._adapted(source.study_name, trial, distributions)) is not None
            ]
            if trials:
                study.add_trials(trials)
            set_study_attr(study, WARM_PREFIX + source.study_name, len(trials))
            total += len(trials)
        return total

    def on_recorded(self, trial: FrozenTrial) -> bool:
        """The driver's hook (:attr:`~nas_notebook.study.Driver.on_recorded`): once a trial of
        the search has drawn its decisions, copy what fits them; True when done."""
        if not trial.distributions:
            return False
        self.copy(trial.distributions)
        return True

    @staticmethod
    def _adapted(
        source: str, trial: FrozenTrial, distributions: Mapping[str, BaseDistribution]
    ) -> FrozenTrial | None:
        kept = {
            name: value
            for name, value in trial.params.items()
            if name in distributions and fits(value, distributions[name])
        }
        if not kept or trial.values is None:
            return None
        return optuna.trial.create_trial(
            params=kept,
            distributions={name: distributions[name] for name in kept},
            values=list(trial.values),
            intermediate_values=dict(trial.intermediate_values),
            user_attrs=dict(trial.user_attrs),
            system_attrs={WARM_FROM: f"{source}#{trial.number}"},
        )
