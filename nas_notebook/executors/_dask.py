"""The Dask executor: trials run as tasks on a ``distributed`` cluster.

Scheduling, worker processes, restarts and data transfer are Dask's. What this module adds is the
trial protocol of the process executor: a task opens its trial in the shared storage, evaluates
it, and returns an :class:`~nas_notebook.trial.Outcome`; the driver tells the study. The user's
names and the study description reach each worker process once (and again only when a name
is rebound), so large objects do not travel with each task (see ``_run_task``).
"""

from __future__ import annotations

import os
import threading
import uuid
from concurrent.futures import CancelledError
from typing import Any

from optuna.trial import TrialState

from .. import _schema
from ..trial import STOPPED_REASON, Job, Outcome
from ._lanes import LaneExecutor

__all__ = ["DaskExecutor"]

_POLL = 0.1
#: Per worker process: opened studies, by the token of the search that sent them.
_worker_state: dict[str, dict[str, Any]] = {}


_NEED_PAYLOAD = "nas-notebook:need-payload"
#: How often a trial whose worker died before it started is submitted again.
_RESUBMITS = 3


def _run_task(token: str, names_token: Any, trial_id: int, payload: bytes | None) -> Any:
    """The task a Dask worker runs for one trial (module level, so Dask can import it).

    ``payload`` (the pickled study description and user names) is sent only when this worker
    process lacks it: a task without it on a worker that has not seen ``token`` and
    ``names_token`` answers ``_NEED_PAYLOAD``, and the driver sends it again with the payload.
    This survives worker restarts, which data scattered ahead of time would not.
    """
    import cloudpickle

    from . import _worker

    state = _worker_state.get(token)
    message: dict[str, Any] = {"trial_id": trial_id}
    if state is None or state.get("names_token") != names_token:
        if payload is None:
            return _NEED_PAYLOAD
        study_part, names = cloudpickle.loads(payload)
        if state is None:
            state = _worker_state[token] = {}
            _worker.load_study_state(state, study_part)
        message["names"] = names
        state["names_token"] = names_token
    study = state["study"]
    if _schema.get_trial(study, trial_id).state.is_finished():
        # Dask recomputes results lost with a dead worker; this trial's was already read.
        return None
    # Mark the trial as begun here, so a worker death is blamed on it only if it ran here.
    _schema.set_trial_attr(study, trial_id, _schema.STARTED, os.getpid())
    outcome: Outcome = _worker._evaluate(message, state)
    return outcome


_DIED = object()


class DaskExecutor(LaneExecutor):
    """Runs up to ``workers`` trials at once as tasks on a Dask cluster.

    Args:
        workers: How many trials run at once (by default the cluster's number of worker
            threads for a given cluster; for a local cluster, its number of worker processes).
        client: A ``distributed.Client`` to use.
        scheduler: The address of a scheduler to connect to (``tcp://host:8786``).

    With neither ``client`` nor ``scheduler``, a ``LocalCluster`` of ``workers`` single-threaded
    worker processes is started, and closed when the search ends. There Dask is told to give up
    on a task at the first worker death (``allowed-failures = 0``), so a crashing trial fails
    once instead of killing a worker per retry; on a cluster of yours set that in its scheduler
    configuration. A cancelled trial is recorded as stopped at once; Dask cannot interrupt a task
    that already runs, so it finishes on its worker and its result is ignored.

    Example:
        >>> import tempfile
        >>> from nas_notebook import Search, intv
        >>> folder = tempfile.mkdtemp()
        >>> search = Search(lambda: intv(0, 9) ** 2, n_trials=4,
        ...                 storage=f"sqlite:///{folder}/study.db",
        ...                 executor=DaskExecutor(workers=2)).start()   # a local cluster
        >>> [trial.state.name for trial in search.wait().trials]
        ['COMPLETE', 'COMPLETE', 'COMPLETE', 'COMPLETE']
    """

    name = "dask"
    lane_name = "dask-lane"
    remote = True
    resumes_paused = False

    def __init__(
        self, workers: int | None = None, client: Any = None, scheduler: str | None = None
    ) -> None:
        super().__init__(workers or 1)
        self._given_workers = workers
        self._client = client
        self._scheduler = scheduler
        self._cluster: Any = None
        self._token = uuid.uuid4().hex

    @property
    def client(self) -> Any:
        """The ``distributed.Client`` (connected or started on first use)."""
        if self._client is None:
            import dask
            from distributed import Client, LocalCluster

            if self._scheduler is not None:
                self._client = Client(self._scheduler)
            else:
                with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
                    self._cluster = LocalCluster(
                        n_workers=self._workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=":0",
                    )
                    self._client = Client(self._cluster)
        return self._client

    def _before_start(self) -> None:
        client = self.client
        if self._given_workers is None and self._scheduler is not None:
            self._workers = max(1, sum(client.nthreads().values()))

    def _evaluate(self, job: Job, state: Any, cancelled: Any) -> Outcome:
        import cloudpickle
        from distributed import KilledWorker

        feed = self._feed
        assert feed is not None
        study_part, study_token, names, names_token = feed.message_for(job)
        # A new study token (the algorithm changed) makes workers load the study again.
        token = f"{self._token}:{study_token}"
        payload: bytes | None = None
        resubmits = 0
        while True:
            future = self.client.submit(
                _run_task, token, names_token, _schema.trial_id(job.trial), payload, pure=False
            )
            result = self._wait(future, cancelled, KilledWorker)
            future.release()  # held results would be recomputed if their worker died
            if isinstance(result, str) and result == _NEED_PAYLOAD:
                payload = cloudpickle.dumps((study_part, names))
                continue
            if result is _DIED:
                # A worker can die with tasks queued on it that never began: those go again.
                if not feed.trial_started(job) and resubmits < _RESUBMITS:
                    resubmits += 1
                    continue
                return Outcome(
                    TrialState.FAIL,
                    reason="the Dask worker running it died (crash, out of memory or killed)",
                )
            return result

    @staticmethod
    def _wait(future: Any, cancelled: threading.Event, killed: type[BaseException]) -> Any:
        # Waiting on an event set by a done-callback rather than ``future.result(timeout=...)``:
        # distributed runs a timed wait through ``asyncio.wait_for``, and a timeout that races
        # the result can end its ``sync`` with an UnboundLocalError instead of either.
        done = threading.Event()
        future.add_done_callback(lambda _: done.set())
        while not done.wait(_POLL):
            if cancelled.is_set():
                future.cancel()
                return Outcome(TrialState.FAIL, reason=STOPPED_REASON)
        if future.status == "cancelled":  # the scheduler dropped it (restart, lost worker)
            return _DIED
        if future.status == "error":
            error = future.exception()
            if isinstance(error, killed):
                return _DIED
            raise error
        try:
            return future.result()
        except (killed, CancelledError):
            # Its worker died between computing the result and handing it over.
            return _DIED

    def resize(self, workers: int) -> None:
        super().resize(workers)
        if self._cluster is not None:  # our own local cluster: one worker process per lane
            self._cluster.scale(workers)

    def _all_lanes_ended(self) -> None:
        self._close_own_cluster()

    def _close_own_cluster(self) -> None:
        if self._cluster is not None:
            client, cluster = self._client, self._cluster
            self._client = self._cluster = None
            client.close()
            cluster.close()

    def worker_pids(self) -> list[int]:
        """The process ids of the cluster's workers (on their hosts)."""
        import os

        if self._client is None:
            return []
        return list(self._client.run(os.getpid).values())
