"""The contract every pruner and scheduler passes, as a pytest mixin.

A pruner is an Optuna pruner (see :mod:`nas_notebook.algorithms`); a *promoting* one
(``promotes = True``) pauses trials with their checkpoint instead of stopping them, and the
driver resumes them when :meth:`promotable` says so. Subclass :class:`PrunerContract` in a test
module and define :meth:`~PrunerContract.spec`::

    class TestMyPruner(PrunerContract):
        def spec(self):
            return MyPruner(n_startup_trials=2)

The tests check, over small searches of a body whose trials clearly differ: it stops (or
pauses) some trials and never the best; it pickles, and an unpickled copy -- another process, a
restart -- reads the stored study the same way; a new instance continues a stored study; a
study can switch to and from it mid-way; worker processes use it; failed, NaN and infinite
reports in the history do not break it; and no trial is left running or paused, or resumed at
another step than the one it paused at.
"""

from __future__ import annotations

import itertools
import math
import pickle
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from .. import _schema
from .._logging import quiet_optuna
from ..algorithms import make_pruner
from ..search import Search

__all__ = ["PrunerContract"]

#: Curves that rise to ``q`` (the trial's quality) over 9 steps; the body saves a checkpoint
#: before each report, so promoting schedulers can pause and resume it.
CURVE_BODY = """
q = floatv(0.0, 1.0)
state = restore()
start = 0 if state is None else state["step"]
for step in range(start + 1, 10):
    checkpoint({"step": step})
    report(q * (1 - 0.6 / step), step=step)
q
"""

#: The k-th trial started: 5k+1 raises, 5k+2 reports NaN, 5k+3 reports -inf; the others rise
#: as above (``calls`` is an ``itertools.count()``; inline, trials start in number order).
FAILING_CURVE_BODY = """
q = floatv(0.0, 1.0)
state = restore()
k = next(calls) if state is None else state["k"]
start = 0 if state is None else state["step"]
if k % 5 == 1:
    raise ValueError("planned failure")
for step in range(start + 1, 10):
    checkpoint({"step": step, "k": k})
    value = {2: float("nan"), 3: -float("inf")}.get(k % 5, q * (1 - 0.6 / step))
    report(value, step=step)
q if k % 5 not in (2, 3) else value
"""

_TIMEOUT = 120.0
_ENDED = {TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL}


class PrunerContract:
    """Shared pruner tests (see the module docstring).

    Subclasses define :meth:`spec`; the class attributes say what the pruner does, and each
    test reads them when it runs, so a fixture may set them per instance.
    """

    #: Trials of each search of the contract.
    n_trials: int = 30
    #: The pruner stops or pauses some trials of the contract's body (false for ``none``).
    prunes: bool = True

    def spec(self) -> str | optuna.pruners.BasePruner:
        """What the contract's searches pass as ``Search(pruner=...)``: a registry spec (so
        that the registry's parsing is tested too) or a new pruner object."""
        raise NotImplementedError

    def pruner(self) -> optuna.pruners.BasePruner:
        """A new instance of the pruner under test."""
        return make_pruner(self.spec())

    # -- helpers ----------------------------------------------------------------------------

    def search(self, body: str = CURVE_BODY, **kwargs: Any) -> Search:
        """A maximizing random search of ``body`` with the pruner, inline, seed 0."""
        options: dict[str, Any] = {
            "n_trials": self.n_trials,
            "algo": "random",
            "seed": 0,
            "executor": "inline",
            "storage": "memory",
            "direction": "maximize",
            "pruner": self.spec(),
        }
        options.update(kwargs)
        return Search(body, **options)

    def run(self, search: Search) -> Search:
        with quiet_optuna():
            search.start()
            assert search.wait(timeout=_TIMEOUT), "the search did not end in time"
        return search

    def check_ended(self, trials: list[FrozenTrial]) -> None:
        """Every trial ended, none is still marked paused, and each reported every step from
        1 on once (a resumed trial went on where it paused)."""
        for t in trials:
            assert t.state in _ENDED, (t.number, t.state)
            assert t.system_attrs.get(_schema.PAUSED_AT) is None, t.number
            steps = sorted(t.intermediate_values)
            assert steps == list(range(1, len(steps) + 1)), (t.number, steps)

    # -- 1. what it is for -------------------------------------------------------------------

    def test_stops_some_trials_and_never_the_best(self) -> None:
        """Some trials end pruned, with fewer steps than the completed ones (a stopping
        scheduler may also prune a trial at its last rung); the best trial (by its quality
        ``q``) completes."""
        trials = self.run(self.search()).trials
        self.check_ended(trials)
        assert all(t.state != TrialState.FAIL for t in trials)
        pruned = [t for t in trials if t.state == TrialState.PRUNED]
        if not self.prunes:
            assert not pruned
            return
        assert pruned, "nothing was stopped or paused"
        full = max(len(t.intermediate_values) for t in trials)
        assert any(len(t.intermediate_values) < full for t in pruned)
        best = max(trials, key=lambda t: t.params["q"])
        assert best.state == TrialState.COMPLETE, best.number

    # -- 2. pickling and restarts ------------------------------------------------------------

    def test_a_copy_reads_the_stored_study_the_same_way(self) -> None:
        """Pickled before and after a search, a copy decides new trials of the stored study as
        the original does: the pruner's state is the storage's."""
        before = pickle.loads(pickle.dumps(self.pruner()))
        search = self.run(self.search())
        study = search.study
        original = study.pruner
        after = pickle.loads(pickle.dumps(original))
        for q in (0.05, 0.5, 0.95):
            probe = study.ask()
            for step in range(1, 6):
                probe.report(q * (1 - 0.6 / step), step)
                expected = self._decision(original, study, probe.number)
                assert self._decision(before, study, probe.number) == expected, (q, step)
                assert self._decision(after, study, probe.number) == expected, (q, step)
            study.tell(probe, state=TrialState.PRUNED)

    @staticmethod
    def _decision(pruner: optuna.pruners.BasePruner, study: optuna.Study, number: int) -> Any:
        """The pruner's decision on trial ``number``, asked of a copy of ``study`` (same name:
        Hyperband's brackets depend on it), since asking records rung values."""
        copy = optuna.create_study(
            storage=optuna.storages.InMemoryStorage(),
            study_name=study.study_name,
            directions=study.directions,
        )
        copy.add_trials(study.get_trials(deepcopy=False))
        trial = copy.get_trials(deepcopy=False)[number]
        if getattr(pruner, "promotes", False):
            return pruner.should_pause(copy, trial)  # type: ignore[attr-defined]
        return pruner.prune(copy, trial)

    def test_a_new_instance_continues_a_stored_study(self, tmp_path: Path) -> None:
        """Half the trials, then the rest with a new instance on the same journal
        (``resume=True``): every trial ends, and the new instance also stops trials."""
        url = f"journal:{tmp_path}/pruner.journal"
        half = self.n_trials // 2
        first = self.run(self.search(name="contract", storage=url, n_trials=half))
        then = self.search(name="contract", storage=url, n_trials=half, resume=True)
        assert then.study.pruner is not first.study.pruner
        trials = self.run(then).trials
        assert len(trials) == 2 * half
        self.check_ended(trials)
        if self.prunes:
            assert any(t.state == TrialState.PRUNED for t in trials[half:])

    def test_a_study_switches_to_and_from_it(self, tmp_path: Path) -> None:
        """A study run with the median pruner goes on with this one, then with ASHA: every
        trial ends, whatever the pruner left in the storage."""
        url = f"journal:{tmp_path}/switch.journal"
        n = self.n_trials // 3
        median = "median:n_startup_trials=2"
        self.run(self.search(name="switch", storage=url, n_trials=n, pruner=median))
        self.run(self.search(name="switch", storage=url, n_trials=n, resume=True))
        last = self.search(name="switch", storage=url, n_trials=n, resume=True, pruner="asha")
        self.check_ended(self.run(last).trials)

    # -- 3. executors ------------------------------------------------------------------------

    def test_worker_processes_use_it(self, tmp_path: Path) -> None:
        """Two worker processes, each with an unpickled pruner: every trial ends."""
        search = self.search(
            executor="process",
            workers=2,
            n_trials=12,
            storage=f"journal:{tmp_path}/process.journal",
        )
        trials = self.run(search).trials
        assert len(trials) == 12
        self.check_ended(trials)
        assert all(t.state != TrialState.FAIL for t in trials), [
            t.system_attrs.get(_schema.FAIL_REASON) for t in trials
        ]

    # -- 4. failures in the history ----------------------------------------------------------

    def test_failed_nan_and_infinite_reports_in_the_history(self) -> None:
        """Trials that raise, report NaN or report -inf end as such; the others go on."""
        search = self.search(FAILING_CURVE_BODY, user_ns={"calls": itertools.count()})
        trials = self.run(search).trials
        self.check_ended(trials)
        for t in trials:
            if t.number % 5 == 1:
                assert t.state == TrialState.FAIL, t.number
                assert "planned failure" in t.system_attrs[_schema.FAIL_REASON]
            elif t.number % 5 == 2:
                assert t.state in (TrialState.FAIL, TrialState.PRUNED), t.number
        fine = [t for t in trials if t.number % 5 in (0, 4)]
        assert any(t.state == TrialState.COMPLETE for t in fine)
        assert all(
            t.value is None or math.isfinite(t.value) or t.number % 5 == 3 for t in trials
        )
