"""The control record: a running search publishes its state and settings in the study
(:data:`~nas_notebook._schema.CONTROL`), so that any other view of the study -- another kernel,
the studies panel, a script -- sees them without reaching the process that runs it."""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any, NamedTuple

import optuna

from .. import _schema
from .._schema import read_control

__all__ = [
    "ENDED",
    "RunStatus",
    "publish_control",
    "read_control",
    "recorded_run",
    "remaining_budget",
]

#: States after which a run changes nothing more.
ENDED = ("finished", "stopped", "failed")


def publish_control(study: optuna.Study, **settings: Any) -> None:
    """Record ``settings`` (``state``, ``algo``, ``workers``, ``executor``, ``n_trials``,
    ``baseline``) with this process and the time as the study's control record.

    A view's record must never break the search: a storage that fails here is logged.

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> publish_control(study, state="running", n_trials=10, baseline=0)
        >>> read_control(study)["state"], sorted(read_control(study))[:3]
        ('running', ['baseline', 'host', 'n_trials'])
    """
    record = {
        **settings,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "updated": time.time(),
    }
    try:
        _schema.set_study_attr(study, _schema.CONTROL, record)
    except Exception:
        logging.getLogger(__name__).warning(
            "could not record the state of %r in its storage", study.study_name, exc_info=True
        )


class RunStatus(NamedTuple):
    """The run a view shows: its state, finished trials, budget and the trials before it.

    Attributes:
        state: ``created``, ``running``, ``paused``, ``stopping``, ``stopped``, ``finished`` or
            ``failed``.
        done: Trials the run finished.
        total: The run's budget (None: until stopped).
        earlier: Trials the study had finished before the run.

    Example:
        >>> from nas_notebook import Search
        >>> s = Search("floatv(0, 1)", n_trials=3, executor="inline").start()
        >>> s.status()
        RunStatus(state='finished', done=3, total=3, earlier=0)
    """

    state: str
    done: int
    total: int | None
    earlier: int


def recorded_run(record: dict[str, Any], finished: int) -> RunStatus:
    """The run recorded in ``record`` (a control record) of a study with ``finished`` trials.

    A study with no run recorded (or a record without its baseline) shows all its trials; with
    no run recorded and trials there (written by plain Optuna), its state is ``stored``.

    Example:
        >>> recorded_run({"state": "finished", "n_trials": 2, "baseline": 4}, 6)
        RunStatus(state='finished', done=2, total=2, earlier=4)
        >>> recorded_run({}, 3)
        RunStatus(state='stored', done=3, total=None, earlier=0)
    """
    state = str(record.get("state") or ("stored" if finished else "created"))
    budget, baseline = record.get("n_trials"), record.get("baseline")
    if not isinstance(baseline, int) or not 0 <= baseline <= finished:
        return RunStatus(state, finished, None, 0)
    return RunStatus(
        state, finished - baseline, budget if isinstance(budget, int) else None, baseline
    )


def remaining_budget(record: dict[str, Any], finished: int, rerun: int) -> int | None:
    """The trials a resumed study still owes the budget of the run recorded in ``record``
    (None: that run had no budget), for a study with ``finished`` trials of which ``rerun``
    were interrupted and are queued to run again (they do not count as done).

    Example:
        >>> remaining_budget({"n_trials": 20, "baseline": 0}, finished=10, rerun=2)
        12
        >>> remaining_budget({"n_trials": 20, "baseline": 0}, finished=20, rerun=0)
        0
        >>> remaining_budget({}, finished=10, rerun=0) is None
        True
    """
    budget, baseline = record.get("n_trials"), record.get("baseline")
    if not isinstance(budget, int) or isinstance(budget, bool) or budget <= 0:
        return None
    if not isinstance(baseline, int) or not 0 <= baseline <= finished:
        baseline = 0
    return max(budget - (finished - baseline - rerun), 0)
