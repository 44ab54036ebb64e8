"""The worker side of the process executor: a loop in a child process that evaluates trials.

The child receives cloudpickled messages over a pipe and answers each with an
:class:`~nas_notebook.trial.Outcome`. A message carries the trial to evaluate and, only when they
changed since the last message to this worker, the study (storage URL, name, sampler, pruner),
the program and the user's names it reads: large objects travel once per worker, not per trial.
The worker opens the trial in the storage itself (its sampler draws the decisions there), writes
intermediate values and user attributes there, and never tells the study how a trial ended: the
driver does (DESIGN invariant 3).
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
from multiprocessing.connection import Connection
from typing import Any

from .._schema import all_trials
from ..space import NameRegistry

__all__ = ["main"]


def _open_study(spec: dict[str, Any]) -> Any:
    import optuna

    from .._storages import open_storage

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # Every worker unpickles the same sampler: without a fresh random state they would all draw
    # the same values. (So a seed makes a process-executor search repeatable only in the values
    # its algorithm derives from the stored history, not in its random draws.)
    spec["sampler"].reseed_rng()
    return optuna.load_study(
        study_name=spec["study_name"],
        storage=open_storage(spec["storage"]),
        sampler=spec["sampler"],
        pruner=spec["pruner"],
    )


def load_study_state(state: dict[str, Any], study_part: dict[str, Any]) -> None:
    """Open the study a message describes and keep it, its program and objective in ``state``."""
    state.update(
        study=_open_study(study_part),
        program=study_part["program"],
        objective=study_part["objective"],
        registry=NameRegistry(),
    )


def _evaluate(message: dict[str, Any], state: dict[str, Any]) -> Any:
    import optuna

    from ..trial import Job, evaluate

    if "study" in message:
        load_study_state(state, message.pop("study"))
    if "names" in message:
        state["names"] = message["names"]
    study = state["study"]
    # The driver created this trial in another process: bring this process's view of the
    # storage up to date first (Optuna's RDB cache only knows trials it has read).
    all_trials(study, states=(optuna.trial.TrialState.RUNNING,))
    trial = optuna.Trial(study, message["trial_id"])
    job = Job(trial, state["program"], state["names"], state["objective"], state["registry"])
    if "restore" in message:
        job.restore, job.resumed = message["restore"], True
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        outcome = evaluate(job)
    outcome.output = buffer.getvalue() or None
    return outcome


def _exit_with_parent(parent: int) -> None:
    """End this process as soon as the driver process is gone, even in the middle of a trial
    (a killed kernel must not leave workers computing for nobody)."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="nas-notebook-parent-watch", daemon=True).start()


def main(conn: Connection, parent: int | None = None) -> None:
    """Evaluate trials sent over ``conn`` until it closes or sends None (or ``parent`` dies)."""
    import cloudpickle

    if parent is not None:
        _exit_with_parent(parent)

    # Ctrl-C in a terminal reaches the whole process group: the driver decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # One worker per core: keep numerical libraries from starting a thread per core each.
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    state: dict[str, Any] = {}
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return  # the driver is gone
        message = cloudpickle.loads(data)
        if message is None:
            return
        outcome = _evaluate(message, state)
        conn.send_bytes(cloudpickle.dumps(outcome))


if __name__ == "__main__":
    import sys

    main(Connection(int(sys.argv[1])), int(sys.argv[2]))
