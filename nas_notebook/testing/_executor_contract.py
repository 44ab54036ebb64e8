"""The contract every executor passes, as a pytest mixin.

Subclass it in a test module and define ``make_executor``::

    class TestThreadExecutor(ExecutorContract):
        def make_executor(self):
            return ThreadExecutor(workers=2)
"""

from __future__ import annotations

import threading
import time
from typing import Any

from optuna.trial import TrialState

from .._errors import TrialStopped
from .._schema import TRACEBACK
from ..executors import Executor
from ..search import Search
from ..space import floatv, intv, oneof
from ..trial import report

__all__ = ["CrashIsolationContract", "ExecutorContract"]

_NS = {"floatv": floatv, "intv": intv, "oneof": oneof, "report": report}


class ExecutorContract:
    """Shared executor tests: completion, failures, stop, cancel, interrupt, isolation."""

    def make_executor(self) -> Executor:
        raise NotImplementedError

    def storage(self) -> Any:
        """The storage the searches use (in-memory; executors in other processes override)."""
        return None

    def search(self, body: str, n_trials: int = 6, **kwargs: Any) -> Search:
        ns = {**_NS, **kwargs.pop("user_ns", {})}
        kwargs.setdefault("storage", self.storage())
        return Search(
            body,
            n_trials=n_trials,
            executor=self.make_executor(),
            algo="random",
            seed=0,
            user_ns=ns,
            **kwargs,
        )

    @staticmethod
    def run_while(search: Search, action: Any, until: Any, timeout: float = 60.0) -> None:
        """Start ``search``; from another thread, call ``action(search)`` once ``until(search)``
        holds; return when the search has ended (works for blocking executors too)."""

        def watch() -> None:
            deadline = time.monotonic() + timeout
            while not until(search) and time.monotonic() < deadline:
                time.sleep(0.01)
            action(search)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        search.start()
        search.wait()
        watcher.join(timeout)

    @staticmethod
    def states(search: Search) -> list[TrialState]:
        return [t.state for t in search.trials]

    def test_runs_every_trial_to_completion(self) -> None:
        s = self.search("x = floatv(-2, 2)\nx * x", direction="minimize").start().wait()
        assert self.states(s) == [TrialState.COMPLETE] * 6
        assert all(-2 <= t.params["x"] <= 2 for t in s.trials)
        assert s.best.value == min(t.value for t in s.trials if t.value is not None)

    def test_failing_trial_is_recorded_and_the_study_goes_on(self) -> None:
        body = "k = intv(0, 3)\nif k % 2:\n    raise ValueError(f'odd k={k}')\nk"
        s = self.search(body, n_trials=12).start().wait()
        failed = [t for t in s.trials if t.state == TrialState.FAIL]
        done = [t for t in s.trials if t.state == TrialState.COMPLETE]
        assert len(failed) + len(done) == 12 and failed and done
        for t in failed:
            assert t.system_attrs["fail_reason"] == f"ValueError: odd k={t.params['k']}"
            tb = t.system_attrs[TRACEBACK]
            assert "raise ValueError" in tb and "line 3" in tb

    def test_stop_starts_no_new_trial_and_keeps_completed_ones(self) -> None:
        s = self.search("import time\ntime.sleep(0.02)\nx = floatv(0, 1)\nx", n_trials=200)
        self.run_while(s, lambda s: s.stop(), lambda s: s.progress().complete >= 3)
        assert 3 <= len(s.trials) < 200
        assert set(self.states(s)) == {TrialState.COMPLETE}
        assert s.state == "stopped"

    def test_cancel_stops_running_trials(self) -> None:
        body = (
            "import time\nx = floatv(0, 1)\n"
            "for step in range(3000):\n    report(x, step)\n    time.sleep(0.01)\nx"
        )
        s = self.search(body, n_trials=5)
        self.run_while(s, lambda s: s.stop(cancel=True), lambda s: s.progress().running >= 1)
        # every trial that had started (one per worker at most) was stopped, none completed
        assert 1 <= len(s.trials) <= s.executor.workers
        for t in s.trials:
            assert t.state == TrialState.FAIL
            assert t.system_attrs["fail_reason"].startswith("stopped")
            assert len(t.intermediate_values) < 3000

    def test_keyboard_interrupt_fails_the_trial_and_stops_the_search(self) -> None:
        body = "x = floatv(0, 1)\nraise KeyboardInterrupt\nx"
        s = self.search(body, n_trials=5)
        try:
            s.start().wait()
        except KeyboardInterrupt:
            pass
        else:  # pragma: no cover - the contract says it propagates
            raise AssertionError("KeyboardInterrupt did not reach the caller")
        assert 1 <= len(s.trials) <= s.executor.workers
        for t in s.trials:
            assert t.state == TrialState.FAIL
            assert t.system_attrs["fail_reason"] == "interrupted by the user"

    def test_trials_never_clobber_the_user_namespace(self) -> None:
        user_ns: dict[str, Any] = {"width": "mine", "base": 10}
        s = self.search("width = intv(1, 4)\nbase + width", user_ns=user_ns).start().wait()
        assert self.states(s) == [TrialState.COMPLETE] * 6
        assert {t.value - t.params["width"] for t in s.trials} == {10}
        # the search got a copy of the caller's mapping plus the primitives; the original is intact
        assert user_ns == {"width": "mine", "base": 10}

    def test_no_trial_is_left_running(self) -> None:
        s = self.search("x = floatv(0, 1)\nx").start().wait()
        assert TrialState.RUNNING not in self.states(s)
        assert s.executor.running() == []

    def test_trial_stopped_is_not_swallowed_by_except_exception(self) -> None:
        assert not issubclass(TrialStopped, Exception)


class CrashIsolationContract(ExecutorContract):
    """For executors that run trials in other processes: a dying worker fails only its trial."""

    #: What the failure reason says for each way of dying (an executor that cannot tell them
    #: apart, like Dask, overrides this).
    death_reasons = {
        "exit": "exited with code 1",
        "segfault": "segmentation fault (SIGSEGV)",
        "kill": "SIGKILL",
    }

    def _one_crash(self, crash: str, reason: str) -> None:
        import os
        import tempfile

        # Exactly one trial crashes: the first to find the marker file missing.
        marker = os.path.join(tempfile.mkdtemp(), "crashed")
        body = (
            "import os\nx = floatv(0, 1)\nif not os.path.exists(marker):\n"
            f"    open(marker, 'w').close()\n    {crash}\nx"
        )
        s = self.search(body, n_trials=8, user_ns={"marker": marker}).start().wait()
        states = [(t.number, t.state.name, t.system_attrs.get("fail_reason")) for t in s.trials]
        crashed = [t for t in s.trials if t.state == TrialState.FAIL]
        assert len(crashed) == 1, states
        assert reason in crashed[0].system_attrs["fail_reason"], states
        assert [t.state for t in s.trials].count(TrialState.COMPLETE) == 7, states
        assert s.executor.running() == []

    def test_os_exit_fails_only_its_trial(self) -> None:
        self._one_crash("import os; os._exit(1)", self.death_reasons["exit"])

    def test_segfault_fails_only_its_trial(self) -> None:
        self._one_crash("import ctypes; ctypes.string_at(0)", self.death_reasons["segfault"])

    def test_memory_blowup_under_a_limit_fails_only_its_trial(self) -> None:
        crash = (
            "import resource; limit = 2 * 1024 ** 3; "
            "resource.setrlimit(resource.RLIMIT_AS, (limit, limit)); b = bytearray(2 * limit)"
        )
        self._one_crash(crash, "MemoryError")

    def test_kill_from_outside_fails_only_its_trial(self) -> None:
        import os
        import signal
        import tempfile

        body = (
            "import os, time\nx = floatv(0, 1)\nif not os.path.exists(marker):\n"
            "    open(marker, 'w').close()\n    time.sleep(60)\nx"
        )
        marker = os.path.join(tempfile.mkdtemp(), "killed")
        s = self.search(body, n_trials=6, user_ns={"marker": marker})

        def kill(search: Search) -> None:
            for pid in search.executor.worker_pids():  # type: ignore[attr-defined]
                os.kill(pid, signal.SIGKILL)

        self.run_while(s, kill, lambda s: os.path.exists(marker) and s.progress().running >= 1)
        states = self.states(s)
        failed = [t for t in s.trials if t.state == TrialState.FAIL]
        assert 1 <= len(failed) <= s.executor.workers  # at most the trials running at the kill
        assert all(self.death_reasons["kill"] in t.system_attrs["fail_reason"] for t in failed)
        assert states.count(TrialState.COMPLETE) == len(states) - len(failed)
        assert len(states) == 6
