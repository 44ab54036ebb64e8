"""The contract every executor passes, as a pytest mixin.

Subclass it in a test module and define ``make_executor``::

    class TestThreadExecutor(ExecutorContract):
        def make_executor(self):
            return ThreadExecutor(workers=2)
"""

from __future__ import annotations

from typing import Any

from optuna.trial import TrialState

from .._errors import TrialStopped
from ..executors import Executor
from ..space import floatv, intv, oneof
from ..study import Search, report

__all__ = ["ExecutorContract"]

_NS = {"floatv": floatv, "intv": intv, "oneof": oneof, "report": report}


class ExecutorContract:
    """Shared executor tests: completion, failures, stop, cancel, interrupt, isolation."""

    def make_executor(self) -> Executor:
        raise NotImplementedError

    def search(self, body: str, n_trials: int = 6, **kwargs: Any) -> Search:
        ns = {**_NS, **kwargs.pop("user_ns", {})}
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
            tb = t.system_attrs["nas_notebook:traceback"]
            assert "raise ValueError" in tb and "line 3" in tb

    def test_stop_starts_no_new_trial_and_keeps_completed_ones(self) -> None:
        holder: dict[str, Search] = {}
        body = "x = floatv(0, 1)\nif stop_after(x):\n    pass\nx"

        def stop_after(_: float) -> bool:
            s = holder["s"]
            if len(s.trials) >= 3:
                s.stop()
            return False

        s = self.search(body, n_trials=50, user_ns={"stop_after": stop_after})
        holder["s"] = s
        s.start().wait()
        assert 3 <= len(s.trials) < 50
        assert set(self.states(s)) == {TrialState.COMPLETE}
        assert s.state == "stopped"

    def test_cancel_stops_the_running_trial_at_its_next_report(self) -> None:
        holder: dict[str, Search] = {}

        def hook() -> None:
            holder["s"].stop(cancel=True)

        body = "x = floatv(0, 1)\nhook()\nfor step in range(1000):\n    report(x, step)\nx"
        s = self.search(body, n_trials=5, user_ns={"hook": hook})
        holder["s"] = s
        s.start().wait()
        # every trial that had started (one per worker at most) was stopped, none completed
        assert 1 <= len(s.trials) <= s.executor.workers
        for t in s.trials:
            assert t.state == TrialState.FAIL
            assert t.system_attrs["fail_reason"].startswith("stopped")
            assert len(t.intermediate_values) < 1000

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
