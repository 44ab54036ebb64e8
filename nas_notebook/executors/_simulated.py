"""The simulated executor: ``workers`` trials at once on a simulated clock.

A trial body says how long its work takes with :func:`elapse` (a tabulated benchmark elapses each
epoch's recorded training time, then reports that epoch's result). Each lane (simulated worker)
is a greenlet -- a coroutine with its own stack, so a body that calls ``elapse`` deep inside
ordinary code can be suspended there -- and exactly one runs at a time: always the lane whose
simulated clock is earliest. So every event -- a trial asked for, an intermediate value
reported, a pruning decision, a trial told -- reaches Optuna in simulated-time order across all
workers, and an algorithm that asks at simulated time ``t`` sees exactly the results reported
before ``t``. The wall time spent is only the framework's own and the algorithm's: switching
lanes costs about a microsecond (threads taking turns cost a hundred times more, in operating
system wake-ups).

Who calls what, on which thread: everything runs on the thread that calls
:meth:`SimulatedExecutor.start`. Its own greenlet (the hub) switches to the earliest lane; a lane
calls the feed (``next_job``/``job_done``) and the trial body, and :func:`elapse` switches back
to the hub when another lane's clock is now earlier. A pruned or failed trial ends at the
simulated moment it was stopped: its lane takes the next trial at that moment, so it consumes no
more simulated time.

Each trial records the worker (lane) that ran it and its simulated start and end, in seconds from
the start of the simulation, as one system attribute (:data:`SIM_SEGMENTS`: one write per trial,
which a simulation of thousands of trials notices); :func:`simulated_span` and
:func:`simulated_timeline` read it.
"""

from __future__ import annotations

import heapq
import itertools
from typing import TYPE_CHECKING, Any

import greenlet

from .. import _schema
from .._schema import SIM_SEGMENTS, sim_segments
from ..trial import Job, run_job
from ..trial import simulation_local as _local
from ._base import Executor, JobFeed

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SIM_SEGMENTS",
    "SimulatedExecutor",
    "simulated_span",
    "simulated_timeline",
]


class _Lane:
    __slots__ = ("glet", "index", "job", "time")

    def __init__(self, index: int) -> None:
        self.index = index
        self.time = 0.0
        self.job: Job | None = None
        self.glet: greenlet.greenlet | None = None


class SimulatedExecutor(Executor):
    """Runs up to ``workers`` trials at once on a simulated clock (see the module docstring).

    Blocking: :meth:`start` returns when the search has ended. ``now`` is the simulated time
    reached (the end of the last trial).

    Args:
        workers: How many trials run at once.
        time_budget: Simulated seconds after which no trial starts (trials running then finish).
            A :class:`~nas_notebook.Search` with this executor passes its ``timeout`` here:
            in a simulation, ``--timeout`` is simulated time.

    Example:
        >>> from nas_notebook import Search
        >>> body = "x = floatv(1, 3)\\nelapse(x)\\nx"
        >>> s = Search(body, n_trials=6, executor=SimulatedExecutor(workers=3),
        ...            algo="random", seed=0, direction="minimize").start()
        >>> len(s.trials), s.executor.now > 0
        (6, True)
    """

    name = "simulated"
    blocking = True
    simulated_time = True

    def __init__(self, workers: int = 1, time_budget: float | None = None) -> None:
        super().__init__(workers)
        if time_budget is not None and not time_budget > 0:
            raise ValueError(f"time_budget: positive simulated seconds, got {time_budget!r}")
        self.time_budget = time_budget
        self._waiting: list[tuple[float, int, int, _Lane]] = []
        self._order = itertools.count()
        self._hub: greenlet.greenlet | None = None
        self._done = False
        self._error: BaseException | None = None
        self._lanes: list[_Lane] = []
        self.now = 0.0

    # -- the turn ---------------------------------------------------------------------------

    def _advance(self, lane: _Lane, seconds: float) -> None:
        """Called by :func:`elapse` in ``lane``'s greenlet."""
        lane.time += seconds
        # Ties go to the lane that got there first: events at one moment keep their order.
        if self._waiting and (lane.time, next(self._order)) > self._waiting[0][:2]:
            assert self._hub is not None
            self._hub.switch()  # the hub queues this lane and runs the earliest

    def _lane(self, lane: _Lane, feed: JobFeed) -> None:
        try:
            while self.time_budget is None or lane.time < self.time_budget:
                job = feed.next_job()
                if job is None:
                    break
                lane.job = job
                start = lane.time
                try:
                    outcome = run_job(job)
                finally:
                    lane.job = None
                self._record(job, lane.index, start, lane.time)
                feed.job_done(job, outcome)
        except BaseException as exc:
            self._error = exc
            feed.fatal(exc)
        finally:
            self.now = max(self.now, lane.time)

    @staticmethod
    def _record(job: Job, worker: int, start: float, end: float) -> None:
        trial = job.trial
        study = getattr(trial, "study", None)
        if study is None:  # a TrialRef: simulated trials run here, never in other processes
            return
        segments = [[worker, start, end]]
        if job.resumed:  # a trial paused at a rung and promoted: one more stretch of work
            segments = [*sim_segments(_schema.trial_attrs(study, trial)), *segments]
        _schema.set_trial_attr(study, trial, SIM_SEGMENTS, segments)

    # -- the contract -------------------------------------------------------------------------

    def start(self, feed: JobFeed) -> None:
        if self._lanes:
            raise RuntimeError("this executor was already started")
        self._lanes = [_Lane(i) for i in range(self._workers)]
        self._hub = hub = greenlet.getcurrent()
        for lane in self._lanes:
            lane.glet = greenlet.greenlet(lambda lane=lane: self._lane(lane, feed), parent=hub)
            heapq.heappush(self._waiting, (0.0, next(self._order), lane.index, lane))
        try:
            while self._waiting:
                *_, lane = heapq.heappop(self._waiting)
                _local.executor, _local.lane = self, lane
                assert lane.glet is not None
                lane.glet.switch()
                if not lane.glet.dead:  # it elapsed past another lane's clock
                    heapq.heappush(self._waiting, (lane.time, next(self._order), lane.index, lane))
            if hasattr(feed, "finish_paused"):
                # Trials a promotion-type scheduler left paused (e.g. when the time budget ran
                # out) end as pruned.
                feed.finish_paused()
            if self._error is not None and not isinstance(self._error, Exception):
                raise self._error  # a KeyboardInterrupt or SystemExit of a lane
        except BaseException:
            # Interrupted outside a trial body (Ctrl-C between two trials): the trials the
            # lanes held are recorded as failed, none is left RUNNING.
            if hasattr(feed, "abandon"):
                feed.abandon("interrupted by the user")
            raise
        finally:
            _local.executor = _local.lane = None
            self._done = True

    def join(self, timeout: float | None = None) -> bool:
        return self._done or not self._lanes

    def running(self) -> list[Job]:
        return [lane.job for lane in self._lanes if lane.job is not None]

    def cancel(self, job: Job) -> bool:
        # Bodies run one at a time and only between turns: a cancelled trial stops at its next
        # report or decision.
        if job.context is None:
            return False
        job.context.cancelled = True
        return True

    def resize(self, workers: int) -> None:
        raise NotImplementedError(
            "the simulated executor cannot change its number of workers during a simulation"
        )

    def clock(self) -> dict[int, float]:
        """Each lane's simulated time."""
        return {lane.index: lane.time for lane in self._lanes}


def simulated_span(trial: Any) -> tuple[float, float] | None:
    """The simulated start and end of ``trial`` (a ``FrozenTrial``), in seconds from the start
    of the simulation; None for a trial the simulated executor did not run. A paused and
    promoted trial spans from its first start to its last end.

    Example:
        >>> from nas_notebook import Search
        >>> s = Search("x = floatv(1, 2)\\nelapse(x)\\nx", n_trials=3, algo="random", seed=0,
        ...            executor=SimulatedExecutor(workers=1), direction="minimize").start()
        >>> [round(end - start, 3) for start, end in map(simulated_span, s.trials)] == [
        ...     round(t.value, 3) for t in s.trials]
        True
    """
    segments = sim_segments(trial.system_attrs)
    return (segments[0][1], segments[-1][2]) if segments else None


def simulated_timeline(study: Any) -> pd.DataFrame:
    """When and where each trial of a simulated search ran: one row per stretch of work with
    ``number``, ``worker``, ``start`` and ``end`` (simulated seconds), ``state`` and ``value``,
    in start order. A trial paused at a rung and resumed later (promotion-type ASHA) has one row
    per stretch, the earlier ones in state ``PAUSED``. Trials not run by the simulated executor
    are left out.

    Args:
        study: A :class:`~nas_notebook.Search` or an ``optuna.Study``.

    Example:
        >>> from nas_notebook import Search
        >>> s = Search("x = floatv(1, 2)\\nelapse(x)\\nx", n_trials=4, algo="random", seed=0,
        ...            executor=SimulatedExecutor(workers=2), direction="minimize").start()
        >>> simulated_timeline(s)[["number", "worker"]].values.tolist()
        [[0, 0], [1, 1], [2, 0], [3, 1]]
    """
    import pandas as pd

    study = getattr(study, "study", study)
    rows = []
    for t in study.get_trials(deepcopy=False):
        segments = sim_segments(t.system_attrs)
        value = t.value if len(t.values or ()) == 1 else None
        for i, (worker, start, end) in enumerate(segments):
            last = i == len(segments) - 1
            rows.append(
                {
                    "number": t.number,
                    "worker": worker,
                    "start": start,
                    "end": end,
                    "state": t.state.name if last else "PAUSED",
                    "value": value if last else None,
                }
            )
    columns = ["number", "worker", "start", "end", "state", "value"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["start", "number"], ignore_index=True)
