"""The base of the samplers that decide one parameter at a time, and their read-only settings.

Define-by-run spaces are discovered as a trial runs, so these samplers do all their work in
``before_trial`` (on the thread that creates the trial: choose a parent, a grid point, catch up
on the stored history) and ``sample_independent`` (on the thread running the trial, once per
``suggest_*``). Optuna's relative sampling, which needs the space before the trial starts, is
not used.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar, overload

import optuna
from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial

__all__ = ["IndependentSampler", "Setting", "check_objectives", "supports_objectives"]

T = TypeVar("T")


class Setting(Generic[T]):
    """A read-only attribute that shows an argument an algorithm was built with, as checked and
    kept in ``_<name>``: a sampler's settings never change, since what it knows of a study is
    read from the storage.

    Args:
        doc: What the setting is.

    Example:
        >>> class Search:
        ...     points: Setting[int] = Setting("How many points.")
        ...     def __init__(self, points: int) -> None:
        ...         self._points = points
        >>> Search(3).points
        3
        >>> Search(3).points = 4
        Traceback (most recent call last):
        AttributeError: points is a read-only setting
    """

    def __init__(self, doc: str) -> None:
        self.__doc__ = doc
        self._attr = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._attr = f"_{name}"

    @overload
    def __get__(self, obj: None, owner: type) -> Setting[T]: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...

    def __get__(self, obj: object, owner: type | None = None) -> T | Setting[T]:
        return self if obj is None else getattr(obj, self._attr)

    def __set__(self, obj: object, value: T) -> None:
        raise AttributeError(f"{self._attr[1:]} is a read-only setting")


#: Optuna's samplers that refuse a study with several objectives (once a trial samples).
_SINGLE_OBJECTIVE: tuple[type, ...] = (optuna.samplers.CmaEsSampler,)


def supports_objectives(sampler: Any, n_objectives: int) -> bool:
    """Whether ``sampler`` (an instance or a class) can sample a study with ``n_objectives``
    objectives: what its ``multi_objective`` attribute says, else what is known of Optuna's
    samplers (CMA-ES: one objective; the others: any number).

    Example:
        >>> import optuna
        >>> supports_objectives(optuna.samplers.CmaEsSampler, 2)
        False
        >>> supports_objectives(optuna.samplers.TPESampler(), 2)
        True
    """
    if n_objectives <= 1:
        return True
    declared = getattr(sampler, "multi_objective", None)
    if isinstance(declared, bool):
        return declared
    cls = sampler if isinstance(sampler, type) else type(sampler)
    return not issubclass(cls, _SINGLE_OBJECTIVE)


def check_objectives(sampler: Any, n_objectives: int, name: str | None = None) -> None:
    """Raise a ``ValueError`` naming the algorithm (``name``, else its class) when ``sampler``
    cannot sample a study with ``n_objectives`` objectives.

    Example:
        >>> import optuna
        >>> check_objectives(optuna.samplers.CmaEsSampler(), 2)
        Traceback (most recent call last):
        ValueError: CmaEsSampler is single-objective: it cannot sample a study with 2 objectives
    """
    if supports_objectives(sampler, n_objectives):
        return
    label = name or (sampler.__name__ if isinstance(sampler, type) else type(sampler).__name__)
    why = getattr(sampler, "single_objective_reason", "")
    raise ValueError(
        f"{label} is single-objective{f' ({why})' if why else ''}: it cannot sample a study "
        f"with {n_objectives} objectives"
    )


class IndependentSampler(optuna.samplers.BaseSampler):
    """An Optuna sampler without relative sampling (see the module docstring).

    A sampler that needs one objective says so with ``multi_objective = False`` (and why, in
    ``single_objective_reason``): its ``before_trial`` must then do nothing on a study with
    several, and its ``sample_independent`` start with :meth:`check_study`. The refusal so
    comes from inside the trial's objective, which Optuna records as FAIL; from ``before_trial``
    (inside ``study.ask``, once the trial exists) it would leave the trial RUNNING for good.
    Searches ask :func:`~nas_notebook.algorithms.check_algorithm` before any trial exists.
    """

    #: Whether the sampler can sample a study with several objectives.
    multi_objective: ClassVar[bool] = True
    #: Why not, when it cannot (shown in the error).
    single_objective_reason: ClassVar[str] = ""

    def check_study(self, study: optuna.Study) -> None:
        """Raise a ``ValueError`` naming this sampler if it cannot sample ``study``."""
        check_objectives(self, len(study.directions))

    def supports(self, study: optuna.Study) -> bool:
        """Whether this sampler can sample ``study`` (:meth:`check_study` would not raise)."""
        return supports_objectives(self, len(study.directions))

    def infer_relative_search_space(
        self, study: optuna.Study, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        """No relative sampling: every decision goes through ``sample_independent``."""
        return {}

    def sample_relative(
        self,
        study: optuna.Study,
        trial: FrozenTrial,
        search_space: dict[str, BaseDistribution],
    ) -> dict[str, Any]:
        """No relative sampling: every decision goes through ``sample_independent``."""
        return {}
