"""Lanes on threads of this process: the part the thread, process and Dask executors share."""

from __future__ import annotations

import threading
import time
from typing import Any

from ..trial import Job, Outcome
from ._base import Executor, JobFeed

__all__ = ["LaneExecutor"]


class LaneExecutor(Executor):
    """An executor whose lanes are daemon threads here, each pulling one job at a time.

    Subclasses say how a lane evaluates a job (:meth:`_evaluate`, on the lane's thread, with the
    lane's own state from :meth:`_open_lane`) and how a running job is cancelled
    (:meth:`_cancel_token` is stored per running job; :meth:`cancel` uses it). Counting, resizing
    and joining lanes are here.
    """

    lane_name = "lane"

    def __init__(self, workers: int = 1) -> None:
        super().__init__(workers)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._active = 0
        self._feed: JobFeed | None = None
        self._running: dict[Job, Any] = {}

    # -- for subclasses ---------------------------------------------------------------------

    def _open_lane(self) -> Any:
        """State a new lane keeps across its jobs (called on the lane's thread)."""
        return None

    def _close_lane(self, state: Any) -> None:
        """Release a lane's state when the lane ends (called on the lane's thread)."""

    def _all_lanes_ended(self) -> None:
        """Called once the last lane has ended."""

    def _cancel_token(self, job: Job) -> Any:
        """What :meth:`cancel` needs to stop ``job`` (stored while it runs)."""
        return threading.Event()

    def _evaluate(self, job: Job, state: Any, token: Any) -> Outcome:
        raise NotImplementedError

    # -- the contract -------------------------------------------------------------------------

    def start(self, feed: JobFeed) -> None:
        with self._lock:
            if self._feed is not None:
                raise RuntimeError("this executor was already started")
            self._feed = feed
        self._before_start()
        with self._lock:
            self._spawn(self._workers)

    def _before_start(self) -> None:
        """Called once by :meth:`start`, before any lane, on the caller's thread."""

    def _spawn(self, count: int) -> None:
        for _ in range(count):
            self._active += 1
            threading.Thread(
                target=self._lane, name=f"nas-notebook-{self.lane_name}", daemon=True
            ).start()

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
        retired = False
        state = None
        try:
            state = self._open_lane()
            while not (retired := self._retire()):
                job = feed.next_job()
                if job is None:
                    break
                token = self._running[job] = self._cancel_token(job)
                try:
                    outcome = self._evaluate(job, state, token)
                finally:
                    del self._running[job]
                feed.job_done(job, outcome)
        except BaseException as exc:
            feed.fatal(exc)
        finally:
            self._close_lane(state)
            last = False
            with self._lock:
                if not retired:
                    self._active -= 1
                last = self._active == 0
                self._idle.notify_all()
            if last:
                self._all_lanes_ended()

    def join(self, timeout: float | None = None) -> bool:
        # Counted lanes, not Thread.join: on Python 3.11 a Ctrl-C that interrupts Thread.join
        # can leave a live thread reported as stopped (the bpo-45274 handling releases the
        # thread's own state lock), which would let a caller mark running trials as finished.
        # And short waits: a signal delivered to another thread (the kernel's interrupt can land
        # on a lane) is only handled when this thread runs Python code again.
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
        token = self._running.get(job)
        if not isinstance(token, threading.Event):
            return False
        token.set()
        return True

    def resize(self, workers: int) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"executor: `workers` must be a positive integer, got {workers!r}")
        with self._lock:
            self._workers = workers
            if self._feed is not None and self._active < workers:
                self._spawn(workers - self._active)
