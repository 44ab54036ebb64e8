"""The inline executor: one lane, run on the calling thread, blocking until the search ends."""

from __future__ import annotations

import signal
import threading
from typing import Any

from ..trial import Job, run_job
from ._base import Executor, JobFeed

__all__ = ["InlineExecutor"]


class InlineExecutor(Executor):
    """Runs every trial on the thread that calls :meth:`start`, one at a time.

    It is the test double of the executor contract and the mode for debugging a trial body with
    ``%%search NAME --executor inline`` (the cell blocks, ``pdb`` works).

    Ctrl-C (a kernel interrupt) while a trial body runs fails that trial with the reason
    "interrupted by the user" and ends the search. One that arrives while the driver talks to the
    storage (asking or telling) is held until that is done, so a trial is never left RUNNING.

    Example:
        >>> from nas_notebook import Search, intv
        >>> search = Search(lambda: intv(0, 9), n_trials=3, storage="memory",
        ...                 executor=InlineExecutor()).start()   # returns when the trials are done
        >>> len(search.trials)
        3
    """

    name = "inline"
    blocking = True

    def __init__(self, workers: int = 1) -> None:
        if workers != 1:
            raise ValueError("the inline executor runs one trial at a time: `workers` must be 1")
        super().__init__(1)
        self._current: Job | None = None
        self._done = threading.Event()
        self._pending_interrupt = False

    def _on_sigint(self, signum: int, frame: Any) -> None:
        job = self._current
        context = job.context if job is not None else None
        if context is not None and context.in_body:
            raise KeyboardInterrupt
        self._pending_interrupt = True

    def start(self, feed: JobFeed) -> None:
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGINT, self._on_sigint)
        try:
            while not self._pending_interrupt:
                job = feed.next_job()
                if job is None:
                    break
                self._current = job
                try:
                    outcome = run_job(job)
                finally:
                    self._current = None
                feed.job_done(job, outcome)
        except BaseException as exc:
            feed.fatal(exc)
            raise
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
            self._done.set()
        if self._pending_interrupt:
            raise KeyboardInterrupt

    def join(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def running(self) -> list[Job]:
        job = self._current
        return [job] if job is not None else []

    def cancel(self, job: Job) -> bool:
        if job is not self._current or job.context is None:
            return False
        job.context.cancelled = True
        return True
