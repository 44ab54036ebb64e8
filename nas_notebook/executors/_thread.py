"""The thread executor: trials run on background threads of the kernel's process."""

from __future__ import annotations

import threading
from typing import Any

from ..trial import Job, Outcome, inject_stop, run_job
from ._lanes import LaneExecutor

__all__ = ["ThreadExecutor"]


class ThreadExecutor(LaneExecutor):
    """Runs trials on ``workers`` daemon threads in this process; :meth:`start` returns at once.

    The notebook stays usable while trials run. Threads share the GIL, so ``workers > 1`` helps
    trials that release it (PyTorch and NumPy kernels, I/O); CPU-bound pure-Python trials want
    worker processes. Cancelling a trial raises :class:`~nas_notebook.TrialStopped` in its thread
    at the next bytecode boundary, and at its next ``report`` or decision in any case.

    Example:
        >>> from nas_notebook import Search, intv
        >>> search = Search(lambda: intv(0, 9), n_trials=4, storage="memory",
        ...                 executor=ThreadExecutor(workers=2)).start()   # returns at once
        >>> len(search.wait().trials)
        4
    """

    name = "thread"
    lane_name = "thread-lane"

    def _cancel_token(self, job: Job) -> Any:
        return threading.get_ident()  # the lane's own thread runs the body

    def _evaluate(self, job: Job, state: Any, token: Any) -> Outcome:
        return run_job(job)

    def cancel(self, job: Job) -> bool:
        ident = self._running.get(job)
        if ident is None:
            return False
        return inject_stop(job, ident)
