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
from multiprocessing.connection import Connection
from typing import Any

import cloudpickle
from optuna.trial import TrialState

from .._schema import trial_id
from ..trial import STOPPED_REASON, Job, Outcome
from ._lanes import LaneExecutor

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
        """Ask the worker to exit, without waiting for it: a reaper thread kills it if it has not
        exited within a few seconds (an interpreter takes ~0.1 s to shut down)."""
        try:
            self.conn.send_bytes(cloudpickle.dumps(None))
        except (BrokenPipeError, OSError):
            self.kill()
            return

        def reap() -> None:
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                pass
            self.kill()

        threading.Thread(target=reap, name="nas-notebook-reaper", daemon=True).start()


class ProcessExecutor(LaneExecutor):
    """Runs trials in ``workers`` worker processes (fresh interpreters: never ``fork``, which
    is unsafe in a kernel with threads).

    The trial body, and the user's names it reads, are pickled by value with cloudpickle, so
    functions and data defined in notebook cells work; they are shipped to a worker once, and
    again only when a name is rebound. The study's storage must be one other processes can open
    (a journal file, SQLite, PostgreSQL...). Each worker process is a child of this one, ends
    when this process ends, and is replaced after it dies.

    Example:
        >>> import tempfile
        >>> from nas_notebook import Search, intv
        >>> folder = tempfile.mkdtemp()
        >>> search = Search(lambda: intv(0, 9) ** 2, n_trials=4, storage=f"{folder}/study.log",
        ...                 executor=ProcessExecutor(workers=2)).start()   # returns at once
        >>> [trial.state.name for trial in search.wait().trials]
        ['COMPLETE', 'COMPLETE', 'COMPLETE', 'COMPLETE']
    """

    name = "process"
    lane_name = "process-lane"
    remote = True

    def __init__(self, workers: int = 1) -> None:
        super().__init__(workers)
        self._workers_alive: set[_Worker] = set()

    def _open_lane(self) -> dict[str, _Worker | None]:
        return {"worker": None}

    def _evaluate(self, job: Job, state: Any, token: Any) -> Outcome:
        worker = state["worker"]
        if worker is None or not worker.alive():
            worker = state["worker"] = _Worker()
            self._workers_alive.add(worker)
        outcome = worker.evaluate(job, self._message(job, worker), token)
        if not worker.alive():
            self._workers_alive.discard(worker)
            state["worker"] = None
        return outcome

    def _close_lane(self, state: Any) -> None:
        worker = state["worker"] if state else None
        if worker is not None:
            worker.close()
            self._workers_alive.discard(worker)

    def _message(self, job: Job, worker: _Worker) -> dict[str, Any]:
        feed = self._feed
        assert feed is not None
        study_part, study_token, names, names_token = feed.message_for(job)
        message: dict[str, Any] = {"trial_id": trial_id(job.trial)}
        if job.resumed:
            message["restore"] = job.restore
        if worker.study_token != study_token:
            message["study"] = study_part
            worker.study_token = study_token
        if worker.names_token != names_token:
            message["names"] = names
            worker.names_token = names_token
        return message

    def worker_pids(self) -> list[int]:
        """The process ids of the live worker processes."""
        return [w.pid for w in list(self._workers_alive) if w.alive()]
