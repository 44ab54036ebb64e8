"""One trial's evaluation: what an executor runs, and what it hands back to the driver.

:func:`run_job` is the whole of a worker's duty (DESIGN invariant 3): run the body with a
:class:`~nas_notebook.space.TrialContext` active and return an :class:`Outcome`. It never tells
the study; the driver does, so a worker that dies leaves the decision to the driver.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import optuna
from optuna.trial import TrialState

from .._errors import ObjectiveError, SearchSpaceError, TrialStopped
from ..space import NameRegistry, TrialContext, enter, leave
from ._checkpoint import TrialPaused
from ._objective import Objective
from ._output import TrialLog, route, unroute
from ._program import TrialProgram

__all__ = ["STOPPED_REASON", "Job", "Outcome", "TrialRef", "evaluate", "inject_stop", "run_job"]

#: Why a trial that a cancelling stop interrupted failed.
STOPPED_REASON = "stopped: the search was stopped while it ran"


@dataclass(frozen=True, slots=True)
class TrialRef:
    """A trial created in the storage for a worker process to open (see Driver.remote).

    ``_trial_id`` is spelled as on ``optuna.Trial``, so the driver reads both the same way.
    """

    _trial_id: int
    number: int


@dataclass(eq=False, slots=True)
class Job:
    """A trial to evaluate: the Optuna trial (already asked by the driver) and the program."""

    trial: optuna.Trial | TrialRef
    program: TrialProgram
    user_ns: Mapping[str, Any]
    objective: Objective
    registry: NameRegistry
    log: TrialLog | None = field(default=None, repr=False)
    context: TrialContext | None = field(default=None, repr=False)
    #: A paused trial being resumed: the state its body saved with ``checkpoint``.
    restore: Any = field(default=None, repr=False)
    resumed: bool = False

    @property
    def number(self) -> int:
        return int(self.trial.number)


@dataclass(slots=True)
class Outcome:
    """How a trial ended, as a worker saw it.

    ``state`` is COMPLETE (with ``value``: one number, or a list with several objectives),
    PRUNED, or FAIL (with ``reason`` and, for an exception in the user's code, ``traceback``).
    ``interrupted`` is set when the user interrupted the run (KeyboardInterrupt) so the driver
    stops the search after recording it.
    """

    state: TrialState
    value: float | list[float] | None = None
    reason: str | None = None
    traceback: str | None = None
    interrupted: bool = False
    #: What the trial printed, when it ran where the driver's log could not catch it directly.
    output: str | None = None
    #: The trial was paused at a rung (``state`` stays RUNNING); ``checkpoint`` resumes it.
    paused: bool = False
    checkpoint: Any = None
    #: It failed only because the process running the search ended (a kernel restart, a kill):
    #: a resumed search runs it again with its parameters.
    cut_short: bool = False


def _user_traceback(exc: BaseException, filename: str) -> str:
    """The traceback from the first frame of user code (the trial body) down."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def run_job(job: Job) -> Outcome:
    """Evaluate ``job`` on this thread and report how it ended (never raises for trial errors).

    With ``job.log`` set (background lanes), what the body prints goes to that log.

    Example:
        >>> import optuna
        >>> from nas_notebook.space import NameRegistry
        >>> from nas_notebook.trial import Job, Objective, TrialProgram, run_job
        >>> study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
        >>> program = TrialProgram("x = floatv(0, 1); x ** 2")
        >>> job = Job(study.ask(), program, {}, Objective(), NameRegistry())
        >>> outcome = run_job(job)
        >>> outcome.state.name, outcome.value == job.trial.params["x"] ** 2
        ('COMPLETE', True)
        >>> run_job(Job(study.ask(), TrialProgram("1 / 0"), {}, Objective(), NameRegistry())).reason
        'ZeroDivisionError: division by zero'
    """
    if job.log is None:
        return evaluate(job)
    ident = route(job.log, job.trial.number)
    try:
        return evaluate(job)
    finally:
        unroute(ident)


def evaluate(job: Job) -> Outcome:
    """Evaluate ``job`` on this thread with its output left where it goes (a worker process
    captures it itself); :func:`run_job` is the same with the output routed to ``job.log``.

    Example:
        >>> import optuna
        >>> from nas_notebook.space import NameRegistry
        >>> from nas_notebook.trial import Job, Objective, TrialProgram
        >>> study = optuna.create_study()
        >>> job = Job(study.ask(), TrialProgram("intv(1, 3) * 10"), {}, Objective(), NameRegistry())
        >>> evaluate(job).value in (10.0, 20.0, 30.0)
        True
    """
    context = TrialContext(
        cast(optuna.Trial, job.trial),
        job.registry,
        job.objective.tracked,
        job.objective.n_objectives > 1,
    )
    context.restored = job.restore
    job.context = context
    program = job.program
    token = enter(context)  # not `with activate(...)`: this is the per-trial hot path
    try:
        namespace = program.namespace(job.user_ns)
        context.in_body = True
        try:
            result = program.run(namespace)
        finally:
            with context.lock:
                context.in_body = False
                if context.injected:
                    _clear_async_exception()
        return Outcome(TrialState.COMPLETE, job.objective.resolve(result, context))
    except optuna.TrialPruned as exc:
        return Outcome(TrialState.PRUNED, reason=str(exc) or "pruned")
    except TrialPaused as exc:
        return Outcome(TrialState.RUNNING, reason=str(exc), paused=True, checkpoint=context.saved)
    except TrialStopped:
        return Outcome(TrialState.FAIL, reason=STOPPED_REASON)
    except ObjectiveError as exc:
        return Outcome(TrialState.FAIL, reason=str(exc))
    except KeyboardInterrupt:
        return Outcome(TrialState.FAIL, reason="interrupted by the user", interrupted=True)
    except (Exception, SystemExit) as exc:
        reason = _describe(exc)
        if isinstance(exc, SearchSpaceError):
            reason = f"search space: {reason}"
        return Outcome(
            TrialState.FAIL, reason=reason, traceback=_user_traceback(exc, program.filename)
        )
    finally:
        leave(token)


def _clear_async_exception() -> None:
    """Cancel a stop that was injected into this thread but has not fired yet."""
    import ctypes
    import threading

    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(threading.get_ident()), None)


def inject_stop(job: Job, thread_id: int) -> bool:
    """Raise :class:`TrialStopped` inside the thread running ``job``'s body, if it still is.

    Called by thread executors to cancel a running trial. The exception fires at the next
    bytecode boundary on that thread (not inside a long C call); it is only ever injected while
    the body runs, and a pending one is cleared when the body ends.

    Example:
        >>> import optuna, threading
        >>> from nas_notebook.space import NameRegistry
        >>> from nas_notebook.trial import Job, Objective, TrialProgram
        >>> job = Job(optuna.create_study().ask(), TrialProgram("1"), {}, Objective(),
        ...           NameRegistry())
        >>> inject_stop(job, threading.get_ident())   # not running: nothing to stop
        False
    """
    import ctypes

    context = job.context
    if context is None:
        return False
    context.cancelled = True
    with context.lock:
        if not context.in_body:
            return False
        context.injected = True
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread_id), ctypes.py_object(TrialStopped)
        )
    return True
