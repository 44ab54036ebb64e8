"""The base of the samplers that decide one parameter at a time, and their read-only settings.

Define-by-run spaces are discovered as a trial runs, so these samplers do all their work in
``before_trial`` (on the thread that creates the trial: choose a parent, a grid point, catch up
on the stored history) and ``sample_independent`` (on the thread running the trial, once per
``suggest_*``). Optuna's relative sampling, which needs the space before the trial starts, is
not used.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, overload

import optuna
from optuna.distributions import BaseDistribution
from optuna.trial import FrozenTrial

__all__ = ["IndependentSampler", "Setting"]

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


class IndependentSampler(optuna.samplers.BaseSampler):
    """An Optuna sampler without relative sampling (see the module docstring)."""

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
