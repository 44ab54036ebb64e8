"""``elapse``: how long a trial body's work takes, for the simulated executor.

The simulated executor (:mod:`nas_notebook.executors._simulated`) sets, on the thread that runs
the simulation, ``local.executor`` (itself) and ``local.lane`` (the lane whose greenlet runs now,
with its simulated ``time``); :func:`elapse` hands them the seconds. Everywhere else both are
absent and it does nothing.
"""

from __future__ import annotations

import numbers
import threading

__all__ = ["elapse", "local", "simulated_time"]

#: Set by the simulated executor while it runs a simulation on this thread.
local = threading.local()


def elapse(seconds: float) -> None:
    """Account ``seconds`` of work by the running trial.

    Under the simulated executor the trial's clock advances by ``seconds``; every other trial's
    events that happen before then are processed first. Elsewhere it does nothing, so the same
    body also runs for real.

    Example:
        >>> elapse(3.0)   # outside a simulation: nothing happens
    """
    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real) or not seconds >= 0:
        raise ValueError(f"elapse: `seconds` must be a non-negative number, got {seconds!r}")
    owner = getattr(local, "executor", None)
    if owner is not None:
        owner._advance(local.lane, float(seconds))


def simulated_time() -> float | None:
    """The running trial's simulated clock (seconds), or None outside a simulation.

    Example:
        >>> simulated_time() is None
        True
    """
    lane = getattr(local, "lane", None)
    return None if lane is None else float(lane.time)
