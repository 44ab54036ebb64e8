"""The driver: owns every trial's lifecycle (DESIGN invariant 3).

It decides how many trials run, asks Optuna for each one, and tells Optuna how each ended --
including trials whose worker never reported back, which it marks FAIL with the reason. Workers
only evaluate. It implements the executors' :class:`~nas_notebook.executors.JobFeed`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from .. import _schema
from .._ending import ENDING_REASON, process_ending
from .._schema import PAUSED_AT, tell
from ..space import NameRegistry
from ..trial import STOPPED_REASON, Job, Objective, Outcome, TrialLog, TrialProgram, TrialRef
from ._remote import RemoteParts

__all__ = ["Driver"]


class Driver:
    """Hands out trials to executor lanes and records their outcomes in the study.

    Thread-safe: lanes call :meth:`next_job` / :meth:`job_done` concurrently, and the user's
    thread or widget callbacks call :meth:`stop`, :meth:`pause`, :meth:`resume`,
    :meth:`add_trials` and :meth:`abandon` at any time.
    """

    def __init__(
        self,
        study: optuna.Study,
        program: TrialProgram,
        user_ns: Mapping[str, Any],
        objective: Objective,
        *,
        n_trials: int | None = None,
        timeout: float | None = None,
        registry: NameRegistry | None = None,
        log: TrialLog | None = None,
        remote: bool = False,
        on_recorded: Callable[[FrozenTrial], bool] | None = None,
    ) -> None:
        self.study = study
        #: Called (on a lane's thread) with each trial recorded until it returns True: the
        #: search's warm start, which copies earlier trials once the first one drew its
        #: decisions.
        self.on_recorded = on_recorded
        self.program = program
        self.user_ns = user_ns
        self.objective = objective
        self.registry = registry if registry is not None else NameRegistry()
        self.n_trials = n_trials
        self.timeout = timeout
        self.log = log
        #: Trials are evaluated in other processes: create them without sampling here (the
        #: worker's ``optuna.Trial`` samples), and hand lanes a reference, not a live trial.
        self.remote = remote
        self._parts = RemoteParts(study, program, user_ns, objective) if remote else None
        # `with self._lock` is C-level; the condition (same lock) is only for paused lanes.
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._running: dict[int, Job] = {}
        #: Trials asked for and still being created (not yet in ``_running``): while any is, a
        #: lane out of work must not prune the paused trials that trial may make promotable.
        self._creating = 0
        self._settled: dict[int, object] = {}
        #: Trials a promotion-type scheduler paused at a rung: number -> (trial, checkpoint).
        self.paused_trials: dict[int, tuple[optuna.Trial | TrialRef, Any]] = {}
        self.asked = 0
        self.stopping = False
        self.cancelling = False
        self._stopped_with_budget_left = False
        self.paused = False
        self.interrupted = False
        self.error: BaseException | None = None
        self.started = time.monotonic()

    # -- JobFeed --------------------------------------------------------------------------

    def next_job(self) -> Job | None:
        """The next trial for a lane -- a paused trial to resume if the scheduler promotes one,
        else a new one from Optuna; None when the search has no more work for a lane."""
        if process_ending():
            self.stop()  # the kernel shuts down and is killing workers: start no trial now
        with self._lock:
            while self.paused and not self.stopping:
                self._cond.wait()
            stopping = self.stopping
        while True:
            if not stopping and self.paused_trials:
                resumed = self._promote()
                if resumed is not None:
                    return resumed
            with self._lock:
                if not (
                    self.stopping
                    or (self.n_trials is not None and self.asked >= self.n_trials)
                    or (
                        self.timeout is not None and time.monotonic() - self.started >= self.timeout
                    )
                    or self._exhausted()
                ):
                    self.asked += 1
                    self._creating += 1
                    break
                if (
                    not self.stopping
                    and self.paused_trials
                    and not self._running
                    and not self._creating
                    and self._promotable() is not None
                ):
                    # A trial paused since the check above made another promotable: with no
                    # trial running, nothing else would resume it.
                    continue
                self._finish_paused()
                return None
        try:
            trial = self._create_remote_trial() if self.remote else self.study.ask()
        except BaseException:
            with self._lock:
                self.asked -= 1
                self._creating -= 1
            raise
        job = Job(trial, self.program, self.user_ns, self.objective, self.registry, self.log)
        with self._lock:
            self._running[trial.number] = job
            self._creating -= 1
        if self.cancelling:
            # stop(cancel=True) came while this trial was being created: it never runs.
            self.job_done(job, Outcome(TrialState.FAIL, reason=STOPPED_REASON))
            return None
        return job

    def _exhausted(self) -> bool:
        """The algorithm has nothing new to propose (a grid search that covered its grid)."""
        check = getattr(self.study.sampler, "is_exhausted", None)
        return bool(check is not None and check(self.study))

    def _promotable(self) -> int | None:
        """The paused trial the scheduler promotes now (a snapshot of the paused set is read)."""
        paused = dict(self.paused_trials)
        return self.study.pruner.promotable(self.study, paused)  # type: ignore[attr-defined]

    def _promote(self) -> Job | None:
        """Resume the paused trial the scheduler promotes now, if any."""
        number = self._promotable()
        if number is None:
            return None
        with self._lock:
            entry = self.paused_trials.pop(number, None)
            if entry is None:  # another lane took it
                return None
            trial, state = entry
            job = Job(trial, self.program, self.user_ns, self.objective, self.registry, self.log)
            job.restore, job.resumed = state, True
            # Running from the moment it leaves the paused set, under the same lock: a lane
            # that finds neither would end the search and prune what is still paused.
            self._running[number] = job
        _schema.set_trial_attr(self.study, trial, PAUSED_AT, None)
        return job

    def finish_paused(self) -> None:
        """The executor ends (for a reason of its own, such as a simulated time budget): trials
        still paused were not promoted and end as pruned."""
        with self._lock:
            self._finish_paused()

    def _finish_paused(self) -> None:
        """Called with the lock held by a lane that gets no more work: once no trial runs, the
        trials still paused were not promoted: they end as pruned."""
        if self._running or self._creating or not self.paused_trials:
            return
        left = list(self.paused_trials.items())
        self.paused_trials.clear()
        for number, (trial, _) in left:
            if self._settle(number):
                _schema.set_trial_attr(self.study, trial, PAUSED_AT, None)
                self._record(trial, Outcome(TrialState.PRUNED, reason="not promoted"))

    def _create_remote_trial(self) -> TrialRef:
        trial_id = _schema.create_trial_id(self.study)
        return TrialRef(trial_id, _schema.storage_of(self.study).get_trial_number_from_id(trial_id))

    def message_for(self, job: Job) -> tuple[Any, ...]:
        """What a remote lane sends with ``job``: ``(study part, its token, names, their
        token)`` (see :class:`~nas_notebook.study.RemoteParts`); remote searches only."""
        assert self._parts is not None, "message_for is for remote executors"
        return self._parts.message()

    def trial_started(self, job: Job) -> bool:
        """Whether a worker began ``job``'s body (it records :data:`~nas_notebook._schema.STARTED`):
        a remote executor resubmits a job whose worker died before it began."""
        return _schema.STARTED in _schema.trial_attrs(self.study, job.trial)

    def job_done(self, job: Job, outcome: Outcome) -> None:
        """Record how ``job`` ended: tell Optuna, with the failure reason for a FAIL."""
        number = job.trial.number
        if outcome.output and self.log is not None:
            self.log.write(number, outcome.output)
            self.log.flush(number)
        if outcome.paused and not self.cancelling:
            step = _schema.get_trial(self.study, job.trial).last_step
            _schema.set_trial_attr(self.study, job.trial, PAUSED_AT, step)
            with self._lock:
                self.paused_trials[number] = (job.trial, outcome.checkpoint)
                self._running.pop(number, None)
            return
        if outcome.paused:  # a cancelling stop: it does not wait to be promoted
            outcome = Outcome(TrialState.FAIL, reason=STOPPED_REASON)
        if outcome.state == TrialState.FAIL and not outcome.traceback and process_ending():
            # Its worker was terminated, or it was cancelled, because the process shuts down.
            outcome = Outcome(
                TrialState.FAIL, reason=f"{ENDING_REASON} ({outcome.reason})", cut_short=True
            )
        try:
            if self._settle(number):
                self._record(job.trial, outcome)
                hook = self.on_recorded
                if hook is not None and hook(_schema.get_trial(self.study, job.trial)):
                    self.on_recorded = None
        finally:
            with self._lock:
                self._running.pop(number, None)
                if outcome.interrupted:
                    self.interrupted = True
                    self.stopping = True
                    self._stopped_with_budget_left = True
                    self._cond.notify_all()

    def _settle(self, number: int) -> bool:
        """Claim the right to tell Optuna how trial ``number`` ended (granted once)."""
        # dict.setdefault is atomic in CPython: exactly one caller sees its own token stored.
        token = object()
        return self._settled.setdefault(number, token) is token

    def _record(self, trial: optuna.Trial | TrialRef, outcome: Outcome) -> None:
        target = trial if isinstance(trial, optuna.Trial) else trial.number
        if outcome.state == TrialState.COMPLETE:
            tell(self.study, target, outcome.value)
            return
        if outcome.state == TrialState.FAIL:
            _schema.record_failure(self.study, trial, outcome.reason, outcome.traceback)
            if outcome.cut_short:
                _schema.set_trial_attr(self.study, trial, _schema.INTERRUPTED, True)
        tell(self.study, target, state=outcome.state)

    def fatal(self, error: BaseException) -> None:
        """A lane broke outside any trial: stop handing out work and keep the error."""
        with self._lock:
            if self.error is None and not isinstance(error, KeyboardInterrupt):
                self.error = error
            self.stopping = True
            self._cond.notify_all()

    # -- control --------------------------------------------------------------------------

    @property
    def stopped_early(self) -> bool:
        """True when :meth:`stop` or an interrupt ended the search before its budget did."""
        return self.stopping and self._stopped_with_budget_left

    def stop(self, cancel: bool = False) -> None:
        """Hand out no more trials. Running ones continue unless the executor cancels them;
        with ``cancel``, a trial being created at this moment is recorded as stopped."""
        with self._lock:
            self.cancelling = self.cancelling or cancel
            self._stopped_with_budget_left = self.n_trials is None or self.asked < self.n_trials
            self.stopping = True
            self._cond.notify_all()

    def pause(self) -> None:
        """Hand out no trial until :meth:`resume` (running ones continue)."""
        with self._lock:
            self.paused = True

    def resume(self) -> None:
        """Undo :meth:`pause`."""
        with self._lock:
            self.paused = False
            self._cond.notify_all()

    def add_trials(self, n: int) -> None:
        """Raise the trial budget by ``n``."""
        with self._lock:
            self.n_trials = (self.n_trials or self.asked) + n
            self._cond.notify_all()

    def running_numbers(self) -> list[int]:
        with self._lock:
            return sorted(self._running)

    def abandon(self, reason: str, cut_short: bool = False) -> list[int]:
        """Mark every trial still running as FAIL with ``reason``; return their numbers.

        Used when lanes cannot be waited for any longer (Ctrl-C, process exit), so that no trial
        is left RUNNING in the storage. A lane that later reports one of them is ignored.
        ``cut_short``: they ended only because the process does (a resumed search re-runs them).
        """
        with self._lock:
            jobs = list(self._running.values())
            paused = list(self.paused_trials.items())
            self.paused_trials.clear()
        marked = []
        for number, (trial, _) in paused:
            if self._settle(number):
                self._record(trial, Outcome(TrialState.PRUNED, reason=f"paused; {reason}"))
        for job in jobs:
            if not self._settle(job.trial.number):
                continue
            try:
                self._record(
                    job.trial, Outcome(TrialState.FAIL, reason=reason, cut_short=cut_short)
                )
                marked.append(job.trial.number)
            except Exception:  # already finished meanwhile
                continue
        return marked
