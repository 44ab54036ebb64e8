"""What the algorithm contract's tests are written with: the settings a test module declares,
the hooks it defines, and the helpers that run searches and check their trials."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from .._logging import quiet_optuna
from ..search import Search
from ._algorithm_bodies import NAMES, SIMPLE_BODY, mixed_objective
from ._algorithm_checks import check_trial, check_value, describe, params

__all__ = ["AlgorithmHarness"]

#: Seconds a search of the contract may take before the test fails (not hangs).
_TIMEOUT = 120.0


class AlgorithmHarness:
    """The base of :class:`~nas_notebook.testing.AlgorithmContract`: its settings, hooks and
    helpers."""

    #: Trials each search of the contract runs (small: model-based algorithms refit each trial).
    n_trials: int = 12
    #: The algorithm draws the same trials whatever its seed (a grid that does not shuffle):
    #: the different-seeds test is skipped.
    deterministic: bool = False
    #: The algorithm supports studies with several objectives; if false, it must refuse them
    #: with an error that mentions objectives.
    multi_objective: bool = False
    #: The algorithm may end a search before its budget once it has tried everything (a grid):
    #: searches may then have fewer trials than asked, never more.
    exhausts: bool = False

    def make_sampler(self, seed: int | None) -> optuna.samplers.BaseSampler:
        """A new instance of the algorithm under test, seeded with ``seed``.

        Args:
            seed: The seed (``None``: unseeded).

        Returns:
            The sampler.
        """
        raise NotImplementedError

    def algo(self, seed: int | None) -> str | optuna.samplers.BaseSampler:
        """What the contract's searches pass as ``Search(algo=...)``, along with ``seed=seed``.

        By default a new sampler from :meth:`make_sampler`; a registered algorithm returns its
        registry spec instead, so that the registry's seeding is tested too.

        Args:
            seed: The seed the search is given.

        Returns:
            A registry spec or a sampler.
        """
        return self.make_sampler(seed)

    def check_continuation(
        self, first: Sequence[FrozenTrial], later: Sequence[FrozenTrial]
    ) -> None:
        """Algorithm-specific checks that a new instance, run on a study holding ``first``,
        built on those trials when it ran ``later`` (e.g. that an evolution's parents are
        earlier trials). None by default.

        Args:
            first: The trials the first instance ran.
            later: The trials a new instance then ran in the same study.
        """

    # -- helpers ---------------------------------------------------------------------------

    def search(self, body: str, seed: int | None = 0, **kwargs: Any) -> Search:
        """A :class:`Search` of ``body`` with this algorithm.

        Args:
            body: The trial body (cell text); the primitives and ``report`` are in scope.
            seed: The search's seed (see :meth:`algo`).
            **kwargs: Other :class:`Search` arguments; by default inline, ``n_trials``
                trials, direction maximize, and ``algo`` from :meth:`algo`.

        Returns:
            The search, not started.
        """
        ns = {**NAMES, **kwargs.pop("user_ns", {})}
        kwargs.setdefault("n_trials", self.n_trials)
        kwargs.setdefault("executor", "inline")
        if "directions" not in kwargs:
            kwargs.setdefault("direction", "maximize")
        algo = kwargs.pop("algo", None)
        return Search(
            body,
            algo=self.algo(seed) if algo is None else algo,
            seed=seed,
            user_ns=ns,
            **kwargs,
        )

    @staticmethod
    def run(search: Search) -> Search:
        """Start ``search`` and wait for it to end.

        Args:
            search: A search not started yet.

        Returns:
            The search, ended.

        Raises:
            AssertionError: It did not end within two minutes (it is then cancelled).
        """
        search.start().wait(_TIMEOUT)
        if not search.done:
            search.stop(cancel=True)
            raise AssertionError(f"the search did not end within {_TIMEOUT:g} s: {search!r}")
        return search

    def check_count(self, trials: Sequence[FrozenTrial], n: int) -> None:
        """Fail unless there are ``n`` trials (at most ``n``, and some, for an algorithm that
        :attr:`exhausts`).

        Args:
            trials: The trials of a search.
            n: How many it was asked for.
        """
        if self.exhausts:
            assert 1 <= len(trials) <= n, describe(trials)
        else:
            assert len(trials) == n, describe(trials)

    def check_complete(self, trials: Sequence[FrozenTrial], n: int) -> None:
        """Fail unless there are ``n`` trials (see :meth:`check_count`), all COMPLETE with
        valid parameters (see :func:`check_trial`).

        Args:
            trials: The trials of a search.
            n: How many it was asked for.
        """
        self.check_count(trials, n)
        assert all(t.state == TrialState.COMPLETE for t in trials), describe(trials)
        for t in trials:
            check_trial(t)

    def optimize(
        self,
        sampler: optuna.samplers.BaseSampler,
        n_trials: int,
        study: optuna.Study | None = None,
    ) -> optuna.Study:
        """Run an objective over every distribution kind in plain Optuna, checking the values
        each trial got (see :func:`check_value`) and that they are the stored ones.

        Args:
            sampler: The sampler (it becomes ``study.sampler``).
            n_trials: How many trials to run.
            study: The study to continue; a new in-memory one (maximize) when None.

        Returns:
            The study.
        """
        if study is None:
            with quiet_optuna():
                study = optuna.create_study(sampler=sampler, direction="maximize")
        else:
            study.sampler = sampler
        seen: dict[int, dict[str, Any]] = {}
        before = len(study.trials)
        with quiet_optuna():
            study.optimize(lambda t: mixed_objective(t, seen), n_trials=n_trials, catch=())
        assert sorted(seen) == [t.number for t in study.trials[before:]], describe(study.trials)
        for number, values in seen.items():
            trial = study.trials[number]
            for name, value in values.items():
                check_value(name, trial.distributions[name], value)
                assert trial.params[name] == value, (number, name, trial.params[name], value)
        return study

    def check_parallel(self, s: Search) -> None:
        """Fail unless a parallel search ran all its trials to completion, with valid
        parameters, and its two workers' first trials differ.

        Args:
            s: The search, ended.
        """
        trials = s.trials
        self.check_complete(trials, self.n_trials)
        assert s.executor.running() == []
        # Run at the same time, on an empty history: alike, the workers share a random state.
        if len(trials) >= 2:
            assert trials[0].params != trials[1].params, params(trials[:2])

    def _run_then_resume(self, tmp_path: Path) -> tuple[list[FrozenTrial], list[FrozenTrial]]:
        """``n_trials // 2`` trials with one instance, then the rest with a new one (same
        spec, same seed, as a rerun command line with ``--resume`` does) in a journal."""
        url = f"journal:{tmp_path}/restart.journal"
        n = self.n_trials
        first = self.run(self.search(SIMPLE_BODY, name="restart", storage=url, n_trials=n // 2))
        done = len(first.trials)
        self.check_complete(first.trials, n // 2)
        then = self.search(
            SIMPLE_BODY, name="restart", storage=url, n_trials=n - n // 2, resume=True
        )
        assert then.study.sampler is not first.study.sampler
        trials = self.run(then).trials
        self.check_complete(trials[done:], n - n // 2)
        return trials[:done], trials[done:]
