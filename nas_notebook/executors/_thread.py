"""The thread executor: trials run on background threads of the kernel's process."""

from __future__ import annotations

import threading
import time

from ..study._job import Job, inject_stop, run_job
from ._base import Executor, JobFeed

__all__ = ["ThreadExecutor"]


class ThreadExecutor(Executor):
    """Runs trials on ``workers`` daemon threads in this process; :meth:`start` returns at once.

    The notebook stays usable while trials run. Threads share the GIL, so ``workers > 1`` helps
    trials that release it (PyTorch and NumPy kernels, I/O); CPU-bound pure-Python trials want
    worker processes. Cancelling a trial raises :class:`~nas_notebook.TrialStopped` in its thread
    at the next bytecode boundary, and at its next ``report`` or decision in any case.
    """

    name = "thread"

    def __init__(self, workers: int = 1) -> None:
        super().__init__(workers)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._lanes: list[threading.Thread] = []
        self._running: dict[Job, int] = {}
        self._active = 0
        self._feed: JobFeed | None = None

    def start(self, feed: JobFeed) -> None:
        with self._lock:
            if self._feed is not None:
                raise RuntimeError("this executor was already started")
            self._feed = feed
            self._spawn(self._workers)

    def _spawn(self, count: int) -> None:
        for _ in range(count):
            self._active += 1
            lane = threading.Thread(
                target=self._lane, name=f"nas-notebook-lane-{len(self._lanes)}", daemon=True
            )
            self._lanes.append(lane)
            lane.start()

    def _retire(self) -> bool:
        """Called by a lane between jobs: end this lane if there are more than wanted."""
        with self._lock:
            if self._active > self._workers:
                self._active -= 1
                self._idle.notify_all()
                return True
            return False

    def _lane(self) -> None:
        feed = self._feed
        assert feed is not None
        ident = threading.get_ident()
        try:
            while not self._retire():
                job = feed.next_job()
                if job is None:
                    break
                self._running[job] = ident
                try:
                    outcome = run_job(job)
                finally:
                    del self._running[job]
                feed.job_done(job, outcome)
            else:
                return
        except BaseException as exc:
            feed.fatal(exc)
        with self._lock:
            self._active -= 1
            self._idle.notify_all()

    def join(self, timeout: float | None = None) -> bool:
        # Counted lanes, not Thread.join: on Python 3.11 a Ctrl-C that interrupts Thread.join
        # can leave a live thread reported as stopped (the bpo-45274 handling releases the
        # thread's own state lock), which would let a caller mark running trials as finished.
        # Waits in short slices: a signal delivered to another thread (the kernel's interrupt can
        # land on a lane) is only handled when the main thread runs Python code again.
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._idle:
            while self._active:
                left = 0.1 if deadline is None else min(0.1, deadline - time.monotonic())
                if left <= 0:
                    return False
                self._idle.wait(left)
            return True

    def running(self) -> list[Job]:
        return list(self._running)

    def cancel(self, job: Job) -> bool:
        ident = self._running.get(job)
        if ident is None:
            return False
        return inject_stop(job, ident)

    def resize(self, workers: int) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"executor: `workers` must be a positive integer, got {workers!r}")
        with self._lock:
            self._workers = workers
            if self._feed is not None and self._active < workers:
                self._spawn(workers - self._active)
