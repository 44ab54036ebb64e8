"""Trials left RUNNING by a process that is gone (a kernel restart, a crash, a ``kill -9``).

Every run of a search records itself in the study (see :mod:`._liveness`). When a study is
resumed and no run recorded for it is alive -- on this host its process is gone, elsewhere its
heartbeat stopped -- its RUNNING trials cannot finish any more: they are marked FAIL with the
reason, so that no trial stays RUNNING forever and the algorithm does not wait on them, and
each is queued to run once more with its own parameters.
"""

from __future__ import annotations

from typing import NamedTuple

import optuna
from optuna.trial import TrialState

from .. import _schema
from ._control import read_control, remaining_budget
from ._liveness import live_drivers

__all__ = ["ResumedRun", "recover_stale_trials", "rerun_interrupted", "resume_run"]

STALE_REASON = "the process running this trial ended before it finished (kernel restart or crash)"


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
    if live_drivers(study, live_here):
        return []  # a run that may still own them
    stale = _schema.all_trials(study, states=(TrialState.RUNNING,))
    marked = []
    for trial in stale:
        try:
            _schema.record_failure(study, trial, STALE_REASON)
            _schema.set_trial_attr(study, trial, _schema.INTERRUPTED, True)
            _schema.set_trial_state(study, trial, TrialState.FAIL)
        except Exception:  # finished meanwhile
            continue
        marked.append(trial.number)
    return marked


def rerun_interrupted(study: optuna.Study) -> list[int]:
    """Queue one re-run of each trial that failed only because its process ended, with its own
    parameters (as Optuna's ``RetryFailedTrialCallback`` does for trials whose heartbeat
    stopped); return the interrupted trials' numbers.

    The re-run is a WAITING trial that the next ``ask`` takes first, linked to the interrupted
    one by :data:`~nas_notebook._schema.RETRY_OF`. A re-run that is interrupted in turn is not
    re-run again, and a trial is re-run once however many times the study is resumed.

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> trial = study.ask()
        >>> x = trial.suggest_float("x", 0, 1)   # then its process is killed
        >>> recover_stale_trials(study, live_here=False), rerun_interrupted(study)
        ([0], [0])
        >>> rerun = study.ask()
        >>> rerun.suggest_float("x", 0, 1) == x, rerun_interrupted(study)
        (True, [])
    """
    trials = _schema.all_trials(study)
    queued = {
        t.system_attrs[_schema.RETRY_OF] for t in trials if _schema.RETRY_OF in t.system_attrs
    }
    numbers = []
    for t in trials:
        attrs = t.system_attrs
        if (
            t.state != TrialState.FAIL
            or not attrs.get(_schema.INTERRUPTED)
            or _schema.RETRY_OF in attrs
            or t.number in queued
        ):
            continue
        study.add_trial(
            optuna.trial.create_trial(
                state=TrialState.WAITING,
                system_attrs={_schema.FIXED_PARAMS: dict(t.params), _schema.RETRY_OF: t.number},
            )
        )
        numbers.append(t.number)
    return numbers


class ResumedRun(NamedTuple):
    """What resuming a study did (see :func:`resume_run`).

    Example:
        >>> import optuna
        >>> resume_run(optuna.create_study(), 4, live_here=False)
        ResumedRun(recovered=[], rerun=[], n_trials=4, baseline=0)
    """

    #: Trials a process that is gone had left RUNNING, now FAIL.
    recovered: list[int]
    #: Interrupted trials queued to run once more with their own parameters.
    rerun: list[int]
    #: The new run's budget (None: until stopped).
    n_trials: int | None
    #: The finished trials the new run starts after.
    baseline: int


def resume_run(study: optuna.Study, n_trials: int | None, live_here: bool) -> ResumedRun:
    """Make ``study`` ready for a new run of a search: recover the trials a dead process left
    RUNNING, queue the interrupted ones to run again, and, without ``n_trials``, go on to the
    budget recorded for its last run (the re-runs count within it).

    Raises:
        ValueError: Without ``n_trials``, that budget was already spent.

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> from nas_notebook.study import publish_control
        >>> publish_control(study, state="running", n_trials=5, baseline=0)
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
        >>> _ = study.ask().suggest_float("x", 0, 1)   # then the kernel is killed
        >>> resume_run(study, None, live_here=False)
        ResumedRun(recovered=[2], rerun=[2], n_trials=3, baseline=3)
    """
    recovered = recover_stale_trials(study, live_here)
    rerun = rerun_interrupted(study)
    finished = sum(t.state.is_finished() for t in _schema.all_trials(study))
    if n_trials is None:
        record = read_control(study)
        n_trials = remaining_budget(record, finished, len(rerun))
        if n_trials == 0:
            raise ValueError(
                f"{study.study_name!r} already ran the {record['n_trials']} trials recorded "
                "for it; give n_trials (--n-trials N) to run more"
            )
    return ResumedRun(recovered, rerun, n_trials, finished)
