"""Which processes drive a study, and whether they still live.

Each run of a search records itself in the study under a key of its own,
``nas_notebook:driver:RUN`` (a fresh id per run, so a recycled process id or a container's new
host name never makes one run look like another), with its host, pid and a heartbeat that a
thread refreshes every :data:`HEARTBEAT` seconds while the run goes on; the run's end is recorded
too. A run is alive while it is not ended and, on this host, its process lives, or, on another
host, its heartbeat is younger than :data:`GRACE` seconds. Records written before runs had ids
(``nas_notebook:driver:HOST:PID`` with a start time) are judged the same way.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from typing import Any

import optuna

from .. import _schema
from .._ending import process_alive
from .._schema import DRIVER_PREFIX

__all__ = ["GRACE", "HEARTBEAT", "Heartbeat", "live_drivers", "record_driver"]

#: Seconds between two heartbeats of a running search.
HEARTBEAT = 10.0
#: A driver on another host not heard from for this many seconds is gone.
GRACE = 6 * HEARTBEAT


def record_driver(study: optuna.Study) -> str:
    """Record a new run of this process as a driver of ``study``; return its key.

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> key = record_driver(study)
        >>> live_drivers(study, live_here=True) == [key]
        True
    """
    key = f"{DRIVER_PREFIX}{uuid.uuid4().hex}"
    now = time.time()
    record = {"host": socket.gethostname(), "pid": os.getpid(), "started": now, "beat": now}
    _schema.set_study_attr(study, key, record)
    return key


def _alive_record(key: str, value: Any, live_here: bool, now: float) -> bool:
    host: Any
    pid: Any
    beat: Any
    if isinstance(value, dict):
        if value.get("ended") is not None:
            return False
        host, pid, beat = value.get("host"), value.get("pid"), value.get("beat")
    else:  # HOST:PID -> start time, as written before runs had ids
        host, _, number = key[len(DRIVER_PREFIX) :].rpartition(":")
        pid = int(number) if number.isdigit() else None
        beat = value
    if host == socket.gethostname() and isinstance(pid, int):
        return live_here if pid == os.getpid() else process_alive(pid)
    return isinstance(beat, (int, float)) and now - beat < GRACE


def live_drivers(study: optuna.Study, live_here: bool) -> list[str]:
    """The keys of the runs of ``study`` that may still own its RUNNING trials.

    Args:
        study: The study.
        live_here: Whether a search of this process still runs it.

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> key = record_driver(study)   # a run of this process
        >>> live_drivers(study, live_here=True) == [key], live_drivers(study, live_here=False)
        (True, [])
    """
    now = time.time()
    return [
        key
        for key, value in _schema.study_attrs(study).items()
        if key.startswith(DRIVER_PREFIX) and _alive_record(key, value, live_here, now)
    ]


class Heartbeat:
    """Refreshes a run's driver record while the run goes on, and records its end.

    Started by the search when it starts; :meth:`stop` is called from the thread that sees the
    search end. A heartbeat that cannot be written (the storage is gone) is skipped: a view's
    record must never break the search.

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> beat = Heartbeat(study, record_driver(study), interval=0.01).start()
        >>> beat.stop()
        >>> live_drivers(study, live_here=True)
        []
    """

    def __init__(self, study: optuna.Study, key: str, interval: float = HEARTBEAT) -> None:
        self.study, self.key, self.interval = study, key, interval
        self._stopped = threading.Event()
        self._record = dict(_schema.study_attrs(study).get(key) or {})

    def start(self) -> Heartbeat:
        threading.Thread(target=self._run, name="nas-notebook-heartbeat", daemon=True).start()
        return self

    def _write(self, **changes: Any) -> None:
        self._record.update(changes)
        try:
            _schema.set_study_attr(self.study, self.key, dict(self._record))
        except Exception:  # pragma: no cover - a storage gone away
            pass

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            self._write(beat=time.time())

    def stop(self) -> None:
        """Record the run's end (its RUNNING trials, if any, are no longer owned)."""
        self._stopped.set()
        self._write(ended=time.time())
