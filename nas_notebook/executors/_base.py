"""The executor contract: where trial bodies run.

Executors *pull* work. The driver (:class:`~nas_notebook.study.Driver`) is a :class:`JobFeed`;
an executor runs some number of *lanes*, and each lane loops::

    job = feed.next_job()        # the driver asks Optuna for a trial, or says "no more" (None)
    outcome = evaluate(job)      # run_job(job) here, or in a worker process / on a cluster
    feed.job_done(job, outcome)  # the driver tells Optuna, or marks the trial FAIL with a reason

Pulling rather than pushing (``submit(job) -> future``) is deliberate: an in-kernel thread lane
then evaluates on the thread that asked, with no hand-off between threads per trial. A hand-off
costs about 50 µs on this class of machine, close to a third of Optuna's own per-trial cost.

Who calls what, on which thread:

* :meth:`Executor.start` -- once, by the search, on the user's thread. Asynchronous executors
  start their lanes and return at once; the inline executor runs its lane to the end first.
* :meth:`JobFeed.next_job` / :meth:`JobFeed.job_done` -- by lanes, on lane threads; the feed is
  thread-safe. ``next_job`` may block (a paused search) and returns None when the lane should end.
* :meth:`JobFeed.fatal` -- by a lane whose own machinery failed (not the trial: a trial's errors
  are outcomes); the feed stops handing out work and keeps the error for the user.
* :meth:`JobFeed.message_for` / :meth:`JobFeed.trial_started` -- by lanes of a remote executor
  (:attr:`Executor.remote`): what to send a worker with a job, and whether a worker began it.
* :meth:`Executor.join`, :meth:`running`, :meth:`cancel`, :meth:`resize`, :meth:`shutdown` --
  from any thread (the user's, a widget callback, an ``atexit`` hook).

On shutdown lanes take no new job; a running job finishes unless ``cancel=True``, which asks it
to stop (a :class:`~nas_notebook.TrialStopped` raised inside the body at its next ``report`` or
decision, or at once where the executor can interrupt). A job whose worker dies is reported with
a FAIL outcome naming the cause; it is never left without an outcome.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ..trial import Job, Outcome

__all__ = ["Executor", "JobFeed"]


class JobFeed(Protocol):
    """What lanes pull jobs from (implemented by the driver)."""

    def next_job(self) -> Job | None: ...

    def job_done(self, job: Job, outcome: Outcome) -> None: ...

    def fatal(self, error: BaseException) -> None: ...

    def message_for(self, job: Job) -> tuple[Any, ...]:
        """``(study part, its token, names, their token)``: what a remote lane sends a worker
        with ``job``; a part is sent again only when its token changed since that worker's last."""
        ...

    def trial_started(self, job: Job) -> bool:
        """Whether a worker began ``job``'s body (a job whose worker died before may go again)."""
        ...


class Executor(abc.ABC):
    """Runs trial jobs pulled from a :class:`JobFeed` (see the module docstring for the contract).

    Attributes:
        name: The registry name (``inline``, ``thread``...).
        blocking: True when :meth:`start` returns only after all work is done.
        remote: Trials run in other processes: the driver creates each trial without sampling
            it (the worker's ``optuna.Trial`` samples), everything a worker needs must pickle,
            and lanes get it through :meth:`JobFeed.message_for`. The study's storage must be
            one other processes open (not in-memory).
        resumes_paused: A trial paused by a promotion-type scheduler can be resumed here from
            its ``checkpoint`` (its lane gets the job again with ``job.restore`` set).
        simulated_time: Time is simulated: a search's ``timeout`` becomes :attr:`time_budget`,
            read on the executor's clock rather than the wall clock.
        time_budget: Simulated seconds after which no trial starts (``simulated_time`` only).
    """

    name: str = "executor"
    blocking: bool = False
    remote: bool = False
    resumes_paused: bool = True
    simulated_time: bool = False
    time_budget: float | None = None

    def __init__(self, workers: int = 1) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"executor: `workers` must be a positive integer, got {workers!r}")
        self._workers = workers

    @property
    def workers(self) -> int:
        """The number of lanes the executor aims to run."""
        return self._workers

    @abc.abstractmethod
    def start(self, feed: JobFeed) -> None:
        """Start pulling jobs from ``feed``. Called once."""

    @abc.abstractmethod
    def join(self, timeout: float | None = None) -> bool:
        """Wait until every lane has ended; True if they all have."""

    @abc.abstractmethod
    def running(self) -> list[Job]:
        """The jobs being evaluated right now."""

    @abc.abstractmethod
    def cancel(self, job: Job) -> bool:
        """Ask ``job`` to stop; True if the request was delivered to a running job."""

    def resize(self, workers: int) -> None:
        """Change the number of lanes; running jobs are never interrupted by a shrink."""
        raise NotImplementedError(f"the {self.name} executor cannot change its number of workers")

    def shutdown(self, cancel: bool = False, timeout: float | None = None) -> bool:
        """Cancel running jobs if asked, then wait up to ``timeout``; True when all lanes ended.

        The feed, not the executor, decides that no new job is handed out (the driver's ``stop``).
        """
        if cancel:
            for job in self.running():
                self.cancel(job)
        return self.join(timeout)
