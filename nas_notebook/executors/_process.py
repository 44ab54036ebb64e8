"""The process executor: trials run in worker processes, one trial at a time each.

Real parallelism (no shared GIL), and isolation: a trial that segfaults, calls ``os._exit``, is
killed from outside or by the kernel's out-of-memory killer takes only its worker down. The lane
that owned the worker sees it die, reports the trial as FAIL with the cause (exit code or
signal), and starts a replacement worker for the next trial.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

import cloudpickle
from optuna.trial import TrialState

from ..study._job import STOPPED_REASON, Job, Outcome
from ._base import Executor, JobFeed

__all__ = ["ProcessExecutor", "describe_exit"]

_POLL = 0.05
_SIGNAL_CAUSES = {
    signal.SIGKILL: "killed (SIGKILL): out of memory, or killed from outside",
    signal.SIGSEGV: "crashed: segmentation fault (SIGSEGV)",
    signal.SIGABRT: "aborted (SIGABRT)",
    signal.SIGBUS: "crashed: bus error (SIGBUS)",
    signal.SIGTERM: "terminated (SIGTERM)",
}


def describe_exit(exitcode: int | None) -> str:
    """Why a worker process ended, in words, from its exit code.

    Example:
        >>> describe_exit(-11)
        'the worker process crashed: segmentation fault (SIGSEGV)'
        >>> describe_exit(3)
        'the worker process exited with code 3'
    """
    if exitcode is None:
        return "the worker process stopped answering"
    if exitcode < 0:
        try:
            sig = signal.Signals(-exitcode)
        except ValueError:
            return f"the worker process died of signal {-exitcode}"
        return "the worker process " + _SIGNAL_CAUSES.get(sig, f"died of signal {sig.name}")
    return f"the worker process exited with code {exitcode}"


class _Worker:
    """One child process and the socket to it; used by one lane thread only.

    The child is a fresh interpreter (``python -m nas_notebook.executors._worker``), not a
    ``multiprocessing`` child: those re-import the parent's ``__main__`` (a script, or
    ``nas_notebook.__main__`` itself for the command line), and workers need nothing from it --
    everything they run arrives pickled by value.
    """

    def __init__(self) -> None:
        ours, theirs = socket.socketpair()
        paths = [os.getcwd(), *(p for p in sys.path if p)]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(dict.fromkeys(paths))}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "nas_notebook.executors._worker",
                str(theirs.fileno()),
                str(os.getpid()),
            ],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            env=env,
        )
        theirs.close()  # else a dead child never shows as EOF here
        self._socket = ours
        self.conn = Connection(os.dup(ours.fileno()))
        ours.close()
        self.study_token: object = None
        self.names_token: object = None

    def alive(self) -> bool:
        return self.process.poll() is None

    @property
    def pid(self) -> int:
        return self.process.pid

    def evaluate(self, job: Job, message: dict[str, Any], cancelled: threading.Event) -> Outcome:
        """Send ``message``, wait for the outcome; a death or a cancel becomes a FAIL outcome."""
        try:
            self.conn.send_bytes(cloudpickle.dumps(message))
        except (BrokenPipeError, OSError):
            return self._death()
        while True:
            if cancelled.is_set():
                self.kill()
                return Outcome(TrialState.FAIL, reason=STOPPED_REASON)
            try:
                if self.conn.poll(_POLL):
                    return cloudpickle.loads(self.conn.recv_bytes())
            except (EOFError, OSError):
                return self._death()
            if not self.alive():
                # It may have answered just before dying.
                if self.conn.poll(0):
                    try:
                        return cloudpickle.loads(self.conn.recv_bytes())
                    except (EOFError, OSError):
                        pass
                return self._death()

    def _death(self) -> Outcome:
        try:
            code = self.process.wait(5)
        except subprocess.TimeoutExpired:
            code = None
        return Outcome(TrialState.FAIL, reason=describe_exit(code))

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL does not wait
            pass
        self.conn.close()

    def close(self) -> None:
        """Ask the worker to exit; kill it if it does not within a second."""
        try:
            self.conn.send_bytes(cloudpickle.dumps(None))
            self.process.wait(1)
        except (BrokenPipeError, OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


class ProcessExecutor(Executor):
    """Runs trials in ``workers`` worker processes (fresh interpreters: never ``fork``, which
    is unsafe in a kernel with threads).

    The trial body, and the user's names it reads, are pickled by value with cloudpickle, so
    functions and data defined in notebook cells work; they are shipped to a worker once, and
    again only when a name is rebound. The study's storage must be one other processes can open
    (a journal file, SQLite, PostgreSQL...). Each worker process is a child of this one, ends
    when this process ends, and is replaced after it dies.
    """

    name = "process"
    remote = True

    def __init__(self, workers: int = 1) -> None:
        super().__init__(workers)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._active = 0
        self._feed: JobFeed | None = None
        self._running: dict[Job, threading.Event] = {}
        self._workers_alive: set[_Worker] = set()
        self.message_for: Any = None  # set by the search: job -> message parts (see start_remote)

    def start(self, feed: JobFeed) -> None:
        with self._lock:
            if self._feed is not None:
                raise RuntimeError("this executor was already started")
            self._feed = feed
            self._spawn(self._workers)

    def _spawn(self, count: int) -> None:
        for index in range(count):
            self._active += 1
            threading.Thread(
                target=self._lane, name=f"nas-notebook-process-lane-{index}", daemon=True
            ).start()

    def _retire(self) -> bool:
        with self._lock:
            if self._active > self._workers:
                self._active -= 1
                self._idle.notify_all()
                return True
            return False

    def _lane(self) -> None:
        feed = self._feed
        assert feed is not None
        worker: _Worker | None = None
        retired = False
        try:
            while not (retired := self._retire()):
                job = feed.next_job()
                if job is None:
                    break
                cancelled = threading.Event()
                self._running[job] = cancelled
                try:
                    if worker is None or not worker.alive():
                        worker = _Worker()
                        self._workers_alive.add(worker)
                    outcome = worker.evaluate(job, self._message(job, worker), cancelled)
                    if not worker.alive():
                        self._workers_alive.discard(worker)
                        worker = None
                finally:
                    del self._running[job]
                feed.job_done(job, outcome)
        except BaseException as exc:
            feed.fatal(exc)
        finally:
            if worker is not None:
                worker.close()
                self._workers_alive.discard(worker)
            if not retired:
                with self._lock:
                    self._active -= 1
                    self._idle.notify_all()

    def _message(self, job: Job, worker: _Worker) -> dict[str, Any]:
        study_part, study_token, names, names_token = self.message_for(job)
        message: dict[str, Any] = {"trial_id": job.trial._trial_id}
        if worker.study_token is not study_token:
            message["study"] = study_part
            worker.study_token = study_token
        if worker.names_token != names_token:
            message["names"] = names
            worker.names_token = names_token
        return message

    def join(self, timeout: float | None = None) -> bool:
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
        event = self._running.get(job)
        if event is None:
            return False
        event.set()
        return True

    def resize(self, workers: int) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"executor: `workers` must be a positive integer, got {workers!r}")
        with self._lock:
            self._workers = workers
            if self._feed is not None and self._active < workers:
                self._spawn(workers - self._active)

    def worker_pids(self) -> list[int]:
        """The process ids of the live worker processes."""
        return [w.pid for w in list(self._workers_alive) if w.alive()]
