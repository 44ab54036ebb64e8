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
* :meth:`Executor.join`, :meth:`running`, :meth:`cancel`, :meth:`resize`, :meth:`shutdown` --
  from any thread (the user's, a widget callback, an ``atexit`` hook).

On shutdown lanes take no new job; a running job finishes unless ``cancel=True``, which asks it
to stop (a :class:`~nas_notebook.TrialStopped` raised inside the body at its next ``report`` or
decision, or at once where the executor can interrupt). A job whose worker dies is reported with
a FAIL outcome naming the cause; it is never left without an outcome.
"""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..study._job import Job, Outcome

__all__ = ["Executor", "JobFeed"]


class JobFeed(Protocol):
    """What lanes pull jobs from (implemented by the driver)."""

    def next_job(self) -> Job | None: ...

    def job_done(self, job: Job, outcome: Outcome) -> None: ...

    def fatal(self, error: BaseException) -> None: ...


class Executor(abc.ABC):
    """Runs trial jobs pulled from a :class:`JobFeed` (see the module docstring for the contract).

    Attributes:
        name: The registry name (``inline``, ``thread``...).
        blocking: True when :meth:`start` returns only after all work is done.
    """

    name: str = "executor"
    blocking: bool = False

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
