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
from pathlib import Path
from typing import Any
from unittest import SkipTest

import optuna
from optuna.trial import TrialState

from .. import _schema
from .._logging import quiet_optuna
from ..search import Search
from ..space import ManyOf, OneOf, decode
from ._algorithm_bodies import (
    ACTIVATIONS,
    BLOCKS,
    CONDITIONAL_BODY,
    FAILING_BODY,
    MULTI_BODY,
    OPS,
    PARALLEL_BODY,
    PRIMITIVES_BODY,
    SIMPLE_BODY,
    WIDTHS,
)
from ._algorithm_checks import check_trial, check_value, describe, params, raised
from ._algorithm_harness import AlgorithmHarness

__all__ = ["AlgorithmContract", "check_trial", "check_value"]


class AlgorithmContract(AlgorithmHarness):
    """Shared algorithm tests: validity, seeding, pickling, conditional spaces, restarts,
    executors, failures in the history and multi-objective studies.

    Subclasses define :meth:`make_sampler`; :meth:`algo` (what ``Search(algo=...)`` gets) and
    :meth:`check_continuation` may be overridden. The class attributes say what the algorithm
    can do; each test reads them when it runs, so a fixture may set them per instance.
    """

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
            "ACTIVATIONS": list(ACTIVATIONS),
            "BLOCKS": list(BLOCKS),
            "OPS": list(OPS),
            "WIDTHS": list(WIDTHS),
        }
        s = self.run(self.search(PRIMITIVES_BODY, user_ns=names))
        trials = s.trials
        self.check_complete(trials, self.n_trials)
        assert len(seen) == len(trials)
        primitives = {
            "act": OneOf(list(ACTIVATIONS)),
            "block": OneOf(list(BLOCKS)),
            "ops": ManyOf(2, list(OPS)),
            "widths": ManyOf(3, list(WIDTHS), distinct=False, sorted=True),
        }
        for trial, got in zip(trials, seen):  # inline: the n-th body run is trial n
            where = f"trial {trial.number}: {got}"
            for name in ("lr", "dropout", "depth", "width", "stride"):
                assert trial.params[name] == got[name], where
                check_value(name, trial.distributions[name], got[name])
            assert any(got["act"] is c for c in ACTIVATIONS), where
            assert any(got["block"] is c for c in BLOCKS), where
            assert len(got["ops"]) == 2 and len(set(got["ops"])) == 2, where
            assert all(any(v is c for c in OPS) for v in got["ops"]), where
            assert len(got["widths"]) == 3 and got["widths"] == sorted(got["widths"]), where
            assert all(type(v) is int and v in WIDTHS for v in got["widths"]), where
            for name, primitive in primitives.items():
                assert decode(name, primitive, trial.params) == got[name], where

    # -- 2. seeds ----------------------------------------------------------------------------

    def test_same_seed_gives_the_same_trials(self) -> None:
        """One seed, one worker: the same trials, in plain Optuna and in a search."""
        n = self.n_trials
        first = params(self.optimize(self.make_sampler(7), n).trials)
        again = params(self.optimize(self.make_sampler(7), n).trials)
        assert first == again
        in_search = params(self.run(self.search(SIMPLE_BODY, seed=7)).trials)
        assert in_search == params(self.run(self.search(SIMPLE_BODY, seed=7)).trials)

    def test_different_seeds_give_different_trials(self) -> None:
        """Two seeds: different trials (unless the algorithm is :attr:`deterministic`)."""
        if self.deterministic:
            raise SkipTest("the algorithm declares itself deterministic whatever the seed")
        n = max(self.n_trials // 2, 2)  # a seed shows from the first trials on
        zero = params(self.optimize(self.make_sampler(0), n).trials)
        one = params(self.optimize(self.make_sampler(1), n).trials)
        assert zero != one
        in_search = params(self.run(self.search(SIMPLE_BODY, seed=0, n_trials=n)).trials)
        assert in_search != params(self.run(self.search(SIMPLE_BODY, seed=1, n_trials=n)).trials)

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
        assert params(a.trials) == params(b.trials)  # seeded (see the same-seed test)
        copy = pickle.loads(pickle.dumps(copied))
        self.optimize(original, n - n // 2, study=a)
        self.optimize(copy, n - n // 2, study=b)
        assert params(a.trials) == params(b.trials)

    # -- 4. conditional spaces ---------------------------------------------------------------

    def test_conditional_decisions_appear_only_under_their_branch(self) -> None:
        """Conditional decisions exist only under their branch, ranges that depend on earlier
        decisions are kept, and every branch is reached."""
        n = max(self.n_trials, 16)
        s = self.run(self.search(CONDITIONAL_BODY, n_trials=n))
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
        assert {"kernel", "dilation", "ratio"} <= reached, params(trials)

    # -- 5. restarts -------------------------------------------------------------------------

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

    def test_thread_executor_with_two_workers(self) -> None:
        """Two threads share the sampler: every trial completes, the first two differ."""
        s = self.search(PARALLEL_BODY, executor="thread", workers=2)
        self.check_parallel(self.run(s))

    def test_process_executor_with_two_workers(self, tmp_path: Path) -> None:
        """Two processes, each with an unpickled sampler: every trial completes, the first two
        differ."""
        s = self.search(
            PARALLEL_BODY,
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
            FAILING_BODY,
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
        got = describe(trials)
        for t in trials:
            state, reason = expected[t.number % 5]
            assert t.state == state, got
            if reason is not None:
                assert t.system_attrs[_schema.FAIL_REASON].startswith(reason), got
            if t.number % 5 == 4:
                assert t.value == -math.inf, got
            check_trial(t)

    # -- 8. several objectives ---------------------------------------------------------------

    def test_multi_objective_studies_work_or_are_refused_clearly(self) -> None:
        """Two objectives: valid trials if :attr:`multi_objective`, else an error naming
        objectives (in plain Optuna; in a search, an error or every trial failed saying so)."""
        directions = "maximize,minimize"
        if self.multi_objective:
            s = self.run(self.search(MULTI_BODY, directions=directions))
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
        error = raised(lambda: study.optimize(objective, n_trials=self.n_trials, catch=()))
        assert error is not None, "a single-objective algorithm accepted a 2-objective study"
        assert "objective" in str(error).lower(), f"unclear error: {error!r}"
        assert not study.get_trials(states=(TrialState.COMPLETE,)), describe(study.trials)
        # Through a search: refused at once, or every trial fails saying why.
        searches: list[Search] = []

        def through_search() -> None:
            searches.append(self.search(MULTI_BODY, directions=directions, n_trials=2))
            self.run(searches[0])

        search_error = raised(through_search)
        if search_error is not None:
            assert "objective" in str(search_error).lower(), f"unclear: {search_error!r}"
            return
        trials = searches[0].trials
        assert trials and all(t.state == TrialState.FAIL for t in trials), describe(trials)
        reasons = [str(t.system_attrs.get(_schema.FAIL_REASON, "")).lower() for t in trials]
        assert all("objective" in reason for reason in reasons), describe(trials)
