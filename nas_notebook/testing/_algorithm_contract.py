"""The contract every search algorithm passes, as a pytest mixin.

A search algorithm is an Optuna sampler (see :mod:`nas_notebook.algorithms`). Subclass
:class:`AlgorithmContract` in a test module, define :meth:`~AlgorithmContract.make_sampler` and
declare what the algorithm can do with the class attributes::

    class TestMySampler(AlgorithmContract):
        multi_objective = True

        def make_sampler(self, seed):
            return MySampler(seed=seed)

The tests (modelled on Optuna's ``BasicSamplerTestCase``) check, over small budgets: values in
bounds, on their step and of native Python types, through plain Optuna and through the hyper
primitives in a :class:`~nas_notebook.Search`; seeded reproducibility; pickling; conditional
define-by-run spaces with trial-dependent ranges; continuing a stored study with a new instance;
the thread and process executors; failed, NaN, infinite and pruned trials in the history; and
multi-objective studies (supported, or refused with a clear error).
"""

from __future__ import annotations

import itertools
import math
import pickle
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from unittest import SkipTest

import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import FrozenTrial, TrialState

from .._logging import quiet_optuna
from ..space import ManyOf, OneOf, floatv, intv, manyof, oneof
from ..space._codec import decode
from ..search import Search
from ..trial import report

__all__ = ["AlgorithmContract", "check_trial", "check_value"]

_NS = {"floatv": floatv, "intv": intv, "oneof": oneof, "manyof": manyof, "report": report}

#: Seconds a search of the contract may take before the test fails (not hangs).
_TIMEOUT = 120.0


class _Relu:
    """A candidate Optuna cannot store as itself (a class), for the primitives test."""


class _Tanh:
    """Another such candidate."""


#: A small mixed space (every decision kind) for the searches that only need valid trials.
_SIMPLE_BODY = """\
x = floatv(-2.0, 2.0)
k = intv(0, 9)
op = oneof(["conv", "pool", None])
-(x - 0.5) ** 2 + k / 10 + (op == "conv")
"""

#: The same, slow enough that both workers of a parallel search have a trial in flight.
_PARALLEL_BODY = "import time\ntime.sleep(0.05)\n" + _SIMPLE_BODY

#: Every kind of primitive, non-native candidates included; the values the body got are recorded.
_PRIMITIVES_BODY = """\
lr = floatv(1e-4, 1e-1, log=True)
dropout = floatv(0.0, 0.5, step=0.1)
depth = intv(1, 8)
width = intv(16, 256, log=True)
stride = intv(1, 7, step=2)
act = oneof(ACTIVATIONS)
block = oneof(BLOCKS)
ops = manyof(2, OPS)
widths = manyof(3, WIDTHS, distinct=False, sorted=True)
seen.append({
    "lr": lr, "dropout": dropout, "depth": depth, "width": width, "stride": stride,
    "act": act, "block": block, "ops": ops, "widths": widths,
})
depth + width / 256 - lr + dropout + (act is None) + block[0] / 5 + sum(widths) / 192
"""

_ACTIVATIONS = (_Relu, _Tanh, None)
_BLOCKS = ((3, 1), (5, 2), (7, 1))
_OPS = ("conv3", "conv5", "pool", "skip")
_WIDTHS = (16, 32, 64)

#: ``kernel`` exists only under ``op == "conv"`` and ``dilation``'s range depends on it; the
#: float ``ratio`` exists only under ``op == "pool"``, and ``mode`` only when ``ratio > 0.5``.
#: The deepest branch scores best, so that learning algorithms go there too.
_CONDITIONAL_BODY = """\
op = oneof(["conv", "pool", "skip"])
score = 0.0
if op == "conv":
    kernel = intv(1, 7, step=2)
    dilation = intv(1, kernel)
    score = 0.5 + kernel / 20 + dilation / 100
elif op == "pool":
    ratio = floatv(0.1, 0.9)
    score = 1.0 + ratio
    if ratio > 0.5:
        mode = oneof(["max", "avg"])
        score += mode == "avg"
score
"""

#: A body whose n-th call (counted by ``calls``) completes (n % 5 == 0), raises (1), returns NaN
#: (2), reports a hopeless intermediate value so that the median pruner stops it (3), or
#: completes with the worst possible value, -inf (4). The other trials all report the same
#: intermediate values, so that the pruner stops none of them.
_FAILING_BODY = """\
n = next(calls)
x = floatv(0.0, 1.0)
k = intv(0, 4)
if n % 5 == 1:
    raise ValueError(f"planned failure {n}")
for step in range(3):
    report(-1e9 if n % 5 == 3 else 1.0, step=step)
{2: float("nan"), 4: float("-inf")}.get(n % 5, x + k)
"""

_MULTI_BODY = """\
x = floatv(0.0, 1.0)
k = intv(0, 4)
(x + k, (1 - x) * k)
"""


def _mixed_objective(trial: optuna.Trial, seen: dict[int, dict[str, Any]]) -> float:
    """Every distribution kind in plain Optuna; the values the trial got go to ``seen``, by
    trial number."""
    values: dict[str, Any] = {
        "x": trial.suggest_float("x", -1.5, 2.5),
        "lr": trial.suggest_float("lr", 1e-5, 1e-1, log=True),
        "drop": trial.suggest_float("drop", 0.0, 0.5, step=0.05),
        "depth": trial.suggest_int("depth", -3, 7),
        "width": trial.suggest_int("width", 1, 1024, log=True),
        "batch": trial.suggest_int("batch", 8, 64, step=8),
        "choice": trial.suggest_categorical("choice", (None, True, 3, 2.5, "relu")),
        "one": trial.suggest_int("one", 3, 3),
    }
    seen[trial.number] = values
    index = (None, True, 3, 2.5, "relu").index(values["choice"])
    return (
        values["x"]
        - math.log10(values["lr"])
        + values["drop"]
        + values["depth"]
        + math.log2(values["width"]) / 10
        + values["batch"] / 64
        + index / 4
    )


def check_value(name: str, distribution: BaseDistribution, value: Any) -> None:
    """Fail unless ``value`` is a valid value of ``distribution``, of a native Python type.

    A float must be a ``float`` (not a NumPy scalar), in bounds and on its ``step``; an int an
    ``int`` (not a bool) in bounds and on its step; a categorical value one of the choices, of
    that choice's type.

    Args:
        name: The parameter's name (for messages).
        distribution: Its distribution.
        value: The value a trial got.

    Raises:
        AssertionError: The value is not valid, saying why.

    Example:
        >>> import numpy as np
        >>> from optuna.distributions import FloatDistribution
        >>> check_value("lr", FloatDistribution(0.0, 1.0, step=0.25), 0.5)
        >>> check_value("lr", FloatDistribution(0.0, 1.0), np.float64(0.5))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        AssertionError: lr=np.float64(0.5) (float64) for ...: not a native float...
    """
    where = f"{name}={value!r} ({type(value).__name__}) for {distribution}"
    if isinstance(distribution, FloatDistribution):
        assert type(value) is float, f"{where}: not a native float"
        assert distribution.low <= value <= distribution.high, f"{where}: out of bounds"
        if distribution.step is not None:
            k = (value - distribution.low) / distribution.step
            assert math.isclose(k, round(k), abs_tol=1e-6), f"{where}: not on the step grid"
    elif isinstance(distribution, IntDistribution):
        assert type(value) is int, f"{where}: not a native int"
        assert distribution.low <= value <= distribution.high, f"{where}: out of bounds"
        assert (value - distribution.low) % distribution.step == 0, f"{where}: off its step"
    elif isinstance(distribution, CategoricalDistribution):
        assert any(type(c) is type(value) and c == value for c in distribution.choices), (
            f"{where}: not one of the choices"
        )
    else:  # pragma: no cover - Optuna has no other distribution kinds
        raise AssertionError(f"{where}: unknown distribution")


def check_trial(trial: FrozenTrial) -> None:
    """Fail unless every parameter of ``trial`` is valid (see :func:`check_value`).

    Args:
        trial: A stored trial.

    Raises:
        AssertionError: A parameter is not valid, or has no distribution.

    Example:
        >>> import optuna
        >>> study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
        >>> study.optimize(lambda t: t.suggest_int("n", 1, 9, step=2), n_trials=5)
        >>> for trial in study.trials:
        ...     check_trial(trial)
    """
    for name, value in trial.params.items():
        assert name in trial.distributions, f"trial {trial.number}: {name} has no distribution"
        check_value(name, trial.distributions[name], value)


def _describe(trials: Sequence[FrozenTrial]) -> list[tuple[int, str, Any]]:
    """What a failed assertion shows: each trial's number, state and failure reason."""
    return [(t.number, t.state.name, t.system_attrs.get("fail_reason")) for t in trials]


def _params(trials: Sequence[FrozenTrial]) -> list[dict[str, Any]]:
    return [dict(t.params) for t in trials]


class AlgorithmContract:
    """Shared algorithm tests: validity, seeding, pickling, conditional spaces, restarts,
    executors, failures in the history and multi-objective studies.

    Subclasses define :meth:`make_sampler`; :meth:`algo` (what ``Search(algo=...)`` gets) and
    :meth:`check_continuation` may be overridden. The class attributes say what the algorithm
    can do; each test reads them when it runs, so a fixture may set them per instance.
    """

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
        ns = {**_NS, **kwargs.pop("user_ns", {})}
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
            assert 1 <= len(trials) <= n, _describe(trials)
        else:
            assert len(trials) == n, _describe(trials)

    def check_complete(self, trials: Sequence[FrozenTrial], n: int) -> None:
        """Fail unless there are ``n`` trials (see :meth:`check_count`), all COMPLETE with
        valid parameters (see :func:`check_trial`).

        Args:
            trials: The trials of a search.
            n: How many it was asked for.
        """
        self.check_count(trials, n)
        assert all(t.state == TrialState.COMPLETE for t in trials), _describe(trials)
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
            study.optimize(lambda t: _mixed_objective(t, seen), n_trials=n_trials, catch=())
        assert sorted(seen) == [t.number for t in study.trials[before:]], _describe(study.trials)
        for number, values in seen.items():
            trial = study.trials[number]
            for name, value in values.items():
                check_value(name, trial.distributions[name], value)
                assert trial.params[name] == value, (number, name, trial.params[name], value)
        return study

    # -- 1. values ---------------------------------------------------------------------------

    def test_values_in_bounds_on_step_and_native(self) -> None:
        """Plain Optuna, every distribution kind: values in bounds, on step, native types."""
        n = self.n_trials
        study = self.optimize(self.make_sampler(0), n)
        self.check_complete(study.trials, n)

    def test_primitives_give_back_the_candidate_objects(self) -> None:
        """Through the primitives in a search, the body gets the candidate objects themselves."""
        seen: list[dict[str, Any]] = []
        names = {
            "seen": seen,
            "ACTIVATIONS": list(_ACTIVATIONS),
            "BLOCKS": list(_BLOCKS),
            "OPS": list(_OPS),
            "WIDTHS": list(_WIDTHS),
        }
        s = self.run(self.search(_PRIMITIVES_BODY, user_ns=names))
        trials = s.trials
        self.check_complete(trials, self.n_trials)
        assert len(seen) == len(trials)
        primitives = {
            "act": OneOf(list(_ACTIVATIONS)),
            "block": OneOf(list(_BLOCKS)),
            "ops": ManyOf(2, list(_OPS)),
            "widths": ManyOf(3, list(_WIDTHS), distinct=False, sorted=True),
        }
        for trial, got in zip(trials, seen):  # inline: the n-th body run is trial n
            where = f"trial {trial.number}: {got}"
            for name in ("lr", "dropout", "depth", "width", "stride"):
                assert trial.params[name] == got[name], where
                check_value(name, trial.distributions[name], got[name])
            assert any(got["act"] is c for c in _ACTIVATIONS), where
            assert any(got["block"] is c for c in _BLOCKS), where
            assert len(got["ops"]) == 2 and len(set(got["ops"])) == 2, where
            assert all(any(v is c for c in _OPS) for v in got["ops"]), where
            assert len(got["widths"]) == 3 and got["widths"] == sorted(got["widths"]), where
            assert all(type(v) is int and v in _WIDTHS for v in got["widths"]), where
            for name, primitive in primitives.items():
                assert decode(name, primitive, trial.params) == got[name], where

    # -- 2. seeds ----------------------------------------------------------------------------

    def test_same_seed_gives_the_same_trials(self) -> None:
        """One seed, one worker: the same trials, in plain Optuna and in a search."""
        n = self.n_trials
        first = _params(self.optimize(self.make_sampler(7), n).trials)
        again = _params(self.optimize(self.make_sampler(7), n).trials)
        assert first == again
        in_search = _params(self.run(self.search(_SIMPLE_BODY, seed=7)).trials)
        assert in_search == _params(self.run(self.search(_SIMPLE_BODY, seed=7)).trials)

    def test_different_seeds_give_different_trials(self) -> None:
        """Two seeds: different trials (unless the algorithm is :attr:`deterministic`)."""
        if self.deterministic:
            raise SkipTest("the algorithm declares itself deterministic whatever the seed")
        n = max(self.n_trials // 2, 2)  # a seed shows from the first trials on
        zero = _params(self.optimize(self.make_sampler(0), n).trials)
        one = _params(self.optimize(self.make_sampler(1), n).trials)
        assert zero != one
        in_search = _params(self.run(self.search(_SIMPLE_BODY, seed=0, n_trials=n)).trials)
        assert in_search != _params(self.run(self.search(_SIMPLE_BODY, seed=1, n_trials=n)).trials)

    # -- 3. pickling -------------------------------------------------------------------------

    def test_sampler_pickles_before_and_after_trials(self) -> None:
        """A pickled copy, made before or after some trials, runs the study on."""
        n = self.n_trials
        fresh = pickle.loads(pickle.dumps(self.make_sampler(0)))
        assert isinstance(fresh, optuna.samplers.BaseSampler)
        study = self.optimize(fresh, n // 2)
        copy = pickle.loads(pickle.dumps(study.sampler))
        assert type(copy) is type(fresh)
        self.optimize(copy, n - n // 2, study=study)
        assert study.sampler is copy
        self.check_complete(study.trials, n)

    def test_unpickled_sampler_continues_like_the_original(self) -> None:
        """A pickled copy draws what the original would have drawn next."""
        n = self.n_trials
        original, copied = self.make_sampler(3), self.make_sampler(3)
        a = self.optimize(original, n // 2)
        b = self.optimize(copied, n // 2)
        assert _params(a.trials) == _params(b.trials)  # seeded (see the same-seed test)
        copy = pickle.loads(pickle.dumps(copied))
        self.optimize(original, n - n // 2, study=a)
        self.optimize(copy, n - n // 2, study=b)
        assert _params(a.trials) == _params(b.trials)

    # -- 4. conditional spaces ---------------------------------------------------------------

    def test_conditional_decisions_appear_only_under_their_branch(self) -> None:
        """Conditional decisions exist only under their branch, ranges that depend on earlier
        decisions are kept, and every branch is reached."""
        n = max(self.n_trials, 16)
        s = self.run(self.search(_CONDITIONAL_BODY, n_trials=n))
        trials = s.trials
        self.check_complete(trials, n)
        for t in trials:
            p = t.params
            expected = {"op"}
            if p["op"] == "conv":
                expected |= {"kernel", "dilation"}
                assert 1 <= p["dilation"] <= p["kernel"], (t.number, p)
            elif p["op"] == "pool":
                expected.add("ratio")
                if p["ratio"] > 0.5:
                    expected.add("mode")
            assert set(p) == expected, (t.number, p)
        reached = {name for t in trials for name in t.params}
        # Some trial went down each branch, or the test shows nothing about them.
        assert {"kernel", "dilation", "ratio"} <= reached, _params(trials)

    # -- 5. restarts -------------------------------------------------------------------------

    def _run_then_resume(self, tmp_path: Path) -> tuple[list[FrozenTrial], list[FrozenTrial]]:
        """``n_trials // 2`` trials with one instance, then the rest with a new one (same
        spec, same seed, as a rerun command line with ``--resume`` does) in a journal."""
        url = f"journal:{tmp_path}/restart.journal"
        n = self.n_trials
        first = self.run(self.search(_SIMPLE_BODY, name="restart", storage=url, n_trials=n // 2))
        done = len(first.trials)
        self.check_complete(first.trials, n // 2)
        then = self.search(
            _SIMPLE_BODY, name="restart", storage=url, n_trials=n - n // 2, resume=True
        )
        assert then.study.sampler is not first.study.sampler
        trials = self.run(then).trials
        self.check_complete(trials[done:], n - n // 2)
        return trials[:done], trials[done:]

    def test_a_new_instance_continues_a_stored_study(self, tmp_path: Path) -> None:
        """A new instance on the same journal continues the study (and passes
        :meth:`check_continuation`)."""
        first, later = self._run_then_resume(tmp_path)
        assert later, "the new instance ran no trial"
        self.check_continuation(first, later)

    def test_a_resumed_search_does_not_replay_the_first_run(self, tmp_path: Path) -> None:
        """A search resumed with the same seed does not draw the first run's trials again."""
        first, later = self._run_then_resume(tmp_path)
        # A new instance seeded as the first one was must not draw the same trials again: most
        # of the later trials equal to the earlier trial at the same offset is a replay (a few
        # may be revisits, as when an evolution mutates a decision back).
        replayed = [
            (a.number, b.number, b.params)
            for a, b in zip(first, later)
            if a.params == b.params and a.distributions == b.distributions
        ]
        assert len(replayed) < max(2, len(later) / 2), (
            f"the resumed search (same seed) repeated {len(replayed)} of the first run's "
            f"{len(later)} trials (earlier, later, params): {replayed}"
        )

    # -- 6. executors ------------------------------------------------------------------------

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
            assert trials[0].params != trials[1].params, _params(trials[:2])

    def test_thread_executor_with_two_workers(self) -> None:
        """Two threads share the sampler: every trial completes, the first two differ."""
        s = self.search(_PARALLEL_BODY, executor="thread", workers=2)
        self.check_parallel(self.run(s))

    def test_process_executor_with_two_workers(self, tmp_path: Path) -> None:
        """Two processes, each with an unpickled sampler: every trial completes, the first two
        differ."""
        s = self.search(
            _PARALLEL_BODY,
            executor="process",
            workers=2,
            storage=f"journal:{tmp_path}/process.journal",
            algo=self.make_sampler(0),
        )
        self.check_parallel(self.run(s))

    # -- 7. failures in the history ----------------------------------------------------------

    def test_failed_nan_infinite_and_pruned_trials_in_the_history(self) -> None:
        """Failed, NaN, -inf and pruned trials in the history do not break the algorithm."""
        n = max(self.n_trials, 10)
        s = self.search(
            _FAILING_BODY,
            n_trials=n,
            pruner="median:n_startup_trials=1,n_warmup_steps=0",
            user_ns={"calls": itertools.count()},
        )
        trials = self.run(s).trials
        self.check_count(trials, n)
        expected = {
            0: (TrialState.COMPLETE, None),
            1: (TrialState.FAIL, "ValueError: planned failure"),
            2: (TrialState.FAIL, "objective is NaN"),
            3: (TrialState.PRUNED, None),
            4: (TrialState.COMPLETE, None),
        }
        got = _describe(trials)
        for t in trials:
            state, reason = expected[t.number % 5]
            assert t.state == state, got
            if reason is not None:
                assert t.system_attrs["fail_reason"].startswith(reason), got
            if t.number % 5 == 4:
                assert t.value == -math.inf, got
            check_trial(t)

    # -- 8. several objectives ---------------------------------------------------------------

    def test_multi_objective_studies_work_or_are_refused_clearly(self) -> None:
        """Two objectives: valid trials if :attr:`multi_objective`, else an error naming
        objectives (in plain Optuna; in a search, an error or every trial failed saying so)."""
        directions = "maximize,minimize"
        if self.multi_objective:
            s = self.run(self.search(_MULTI_BODY, directions=directions))
            trials = s.trials
            self.check_complete(trials, self.n_trials)
            assert all(t.values is not None and len(t.values) == 2 for t in trials)
            return

        def objective(trial: optuna.Trial) -> tuple[float, float]:
            x = trial.suggest_float("x", 0.0, 1.0)
            k = trial.suggest_int("k", 0, 4)
            return x + k, (1 - x) * k

        with quiet_optuna():
            study = optuna.create_study(
                sampler=self.make_sampler(0), directions=["maximize", "minimize"]
            )
        error = _raised(lambda: study.optimize(objective, n_trials=self.n_trials, catch=()))
        assert error is not None, "a single-objective algorithm accepted a 2-objective study"
        assert "objective" in str(error).lower(), f"unclear error: {error!r}"
        assert not study.get_trials(states=(TrialState.COMPLETE,)), _describe(study.trials)
        # Through a search: refused at once, or every trial fails saying why.
        searches: list[Search] = []

        def through_search() -> None:
            searches.append(self.search(_MULTI_BODY, directions=directions, n_trials=2))
            self.run(searches[0])

        search_error = _raised(through_search)
        if search_error is not None:
            assert "objective" in str(search_error).lower(), f"unclear: {search_error!r}"
            return
        trials = searches[0].trials
        assert trials and all(t.state == TrialState.FAIL for t in trials), _describe(trials)
        reasons = [str(t.system_attrs.get("fail_reason", "")).lower() for t in trials]
        assert all("objective" in reason for reason in reasons), _describe(trials)


def _raised(action: Callable[[], Any]) -> Exception | None:
    """The exception ``action()`` raised, or None."""
    try:
        action()
    except Exception as exc:
        return exc
    return None
