"""Trials left RUNNING by a process that is gone (a kernel restart, a crash, a ``kill -9``).

Every search records its process in the study (``nas_notebook:driver:HOST:PID``) when it starts.
When a study is resumed and none of the processes recorded for it is still alive on this host,
its RUNNING trials cannot finish any more: they are marked FAIL with the reason, so that no trial
stays RUNNING forever and the algorithm does not wait on them. Drivers on other hosts are not
judged here (no trial of theirs is touched).
"""

from __future__ import annotations

import os
import socket
import time

import optuna
from optuna.trial import TrialState

from .. import _schema
from .._schema import DRIVER_PREFIX, FAIL_REASON

__all__ = ["record_driver", "recover_stale_trials"]

STALE_REASON = "the process running this trial ended before it finished (kernel restart or crash)"


def record_driver(study: optuna.Study) -> None:
    """Record this process as a driver of ``study`` (one storage write, at start).

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> record_driver(study)
        >>> recover_stale_trials(study, live_here=False)  # this process lives: nothing is stale
        []
    """
    key = f"{DRIVER_PREFIX}{socket.gethostname()}:{os.getpid()}"
    _schema.set_study_attr(study, key, time.time())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def recover_stale_trials(study: optuna.Study, live_here: bool) -> list[int]:
    """Mark ``study``'s RUNNING trials FAIL if every process recorded as its driver is gone.

    Args:
        study: The study being resumed.
        live_here: Whether a search of this process is still running this study.

    Returns:
        The numbers of the trials marked FAIL.

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> _ = study.ask()   # left RUNNING; no driver recorded: its process is long gone
        >>> recover_stale_trials(study, live_here=False), study.trials[0].state.name
        ([0], 'FAIL')
    """
    host = socket.gethostname()
    drivers = [k for k in _schema.study_attrs(study) if k.startswith(DRIVER_PREFIX)]
    for key in drivers:
        driver_host, _, pid = key[len(DRIVER_PREFIX) :].rpartition(":")
        if driver_host != host or not pid.isdigit():
            return []  # a driver elsewhere may still own them
        if int(pid) == os.getpid():
            if live_here:
                return []
        elif _alive(int(pid)):
            return []
    stale = _schema.all_trials(study, states=(TrialState.RUNNING,))
    marked = []
    for trial in stale:
        try:
            _schema.set_trial_attr(study, trial, FAIL_REASON, STALE_REASON)
            _schema.set_trial_state(study, trial, TrialState.FAIL)
        except Exception:  # finished meanwhile
            continue
        marked.append(trial.number)
    return marked
