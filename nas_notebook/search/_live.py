"""The searches this process runs: a resumed study's RUNNING trials are left alone while one of
them runs it, and none of their trials is left RUNNING when the interpreter exits."""

from __future__ import annotations

import atexit
import weakref
from typing import TYPE_CHECKING

from optuna.storages import BaseStorage

from .._storages import describe_storage

if TYPE_CHECKING:
    from ._search import Search

__all__ = ["add_live", "live_searches", "runs_here"]

_live: weakref.WeakSet[Search] = weakref.WeakSet()


def add_live(search: Search) -> None:
    """Count ``search`` among this process's running searches (called as it starts)."""
    _live.add(search)


def live_searches() -> list[Search]:
    """The searches of this process that were started and may still run."""
    return list(_live)


def runs_here(study_name: str, storage: BaseStorage) -> bool:
    """Whether a search of this process still runs the study ``study_name`` of ``storage``."""
    where = describe_storage(storage)
    return any(
        s.name == study_name
        and not s.done
        and (s.storage is storage or describe_storage(s.storage) == where)
        for s in live_searches()
    )


@atexit.register
def _stop_live_searches() -> None:
    """At interpreter exit, leave no trial RUNNING: cancel, wait briefly, then mark failed."""
    for search in live_searches():
        driver = search.driver
        if driver is None or search.executor.join(0):
            continue
        search.stop(cancel=True)
        if not search.executor.join(2.0):
            driver.abandon("the Python process exited while the trial ran", cut_short=True)
