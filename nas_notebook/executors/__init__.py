"""Executors: where trial bodies run (inline, background threads, worker processes, a Dask
cluster, a simulated clock; more plug in by name)."""

from __future__ import annotations

from collections.abc import Callable

from ._base import Executor, JobFeed
from ._dask import DaskExecutor
from ._inline import InlineExecutor
from ._process import ProcessExecutor
from ._simulated import SimulatedExecutor, simulated_span, simulated_timeline
from ._thread import ThreadExecutor

__all__ = [
    "DaskExecutor",
    "Executor",
    "InlineExecutor",
    "JobFeed",
    "ProcessExecutor",
    "SimulatedExecutor",
    "ThreadExecutor",
    "executor_names",
    "make_executor",
    "register_executor",
    "simulated_span",
    "simulated_timeline",
]

_executors: dict[str, Callable[..., Executor]] = {
    "dask": DaskExecutor,
    "inline": InlineExecutor,
    "process": ProcessExecutor,
    "simulated": SimulatedExecutor,
    "thread": ThreadExecutor,
}


def register_executor(name: str, factory: Callable[..., Executor]) -> None:
    """Make ``--executor name`` build ``factory(workers=n, **options)``.

    Example:
        >>> from nas_notebook.executors import ThreadExecutor, executor_names, make_executor
        >>> register_executor("threads", ThreadExecutor)
        >>> "threads" in executor_names(), type(make_executor("threads", workers=2)).__name__
        (True, 'ThreadExecutor')
        >>> from nas_notebook.executors import _executors; del _executors["threads"]
    """
    _executors[name] = factory


def executor_names() -> list[str]:
    """The registered executor names, sorted.

    Example:
        >>> executor_names()
        ['dask', 'inline', 'process', 'simulated', 'thread']
    """
    return sorted(_executors)


def make_executor(spec: str | Executor, workers: int = 1) -> Executor:
    """The executor for ``spec`` (a name, or an executor object returned as is).

    Example:
        >>> make_executor("thread", workers=2).workers
        2
    """
    if isinstance(spec, Executor):
        return spec
    factory = _executors.get(spec)
    if factory is None:
        raise ValueError(
            f"unknown executor {spec!r}; known executors: {', '.join(executor_names())}"
        )
    return factory(workers=workers)
