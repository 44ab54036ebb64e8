"""``checkpoint`` / ``restore``: trial bodies that can be paused and resumed.

A promotion-type scheduler (``--pruner asha:type=promotion``) pauses a trial when it reaches a
rung and resumes it later if it is promoted, possibly on another worker. For that the body saves
what it needs to continue with :func:`checkpoint` before each :func:`~nas_notebook.report`, and
starts with :func:`restore`, which gives back the last checkpoint of a resumed trial (None the
first time)::

    state = restore()
    model = make_model()
    start = 0
    if state is not None:
        model.load_state_dict(state["model"])
        start = state["epoch"] + 1
    for epoch in range(start, 20):
        accuracy = train_one_epoch(model)
        checkpoint({"model": model.state_dict(), "epoch": epoch})
        report(accuracy=accuracy, step=epoch + 1)

The state is kept by the search (in memory; sent to and from worker processes, so it must
pickle). Who calls what: the body, on the thread that runs the trial; the driver keeps the
state of a paused trial and hands it back with the job that resumes it.
"""

from __future__ import annotations

from typing import Any

from ..space import TrialContext, current

__all__ = ["TrialPaused", "checkpoint", "restore"]


class TrialPaused(BaseException):
    """Raised by ``report`` when the scheduler pauses the trial at a rung (a ``BaseException``,
    so ``except Exception`` in user code does not swallow it)."""


def checkpoint(state: Any) -> None:
    """Save ``state``: what this trial needs to continue if it is paused and resumed.

    Outside a search (or under a search that never pauses) it is kept and does no harm, so the
    body runs unchanged as a plain cell.

    Example:
        >>> from nas_notebook import checkpoint, restore
        >>> checkpoint({"epoch": 3})   # outside a search: nothing happens
        >>> restore() is None
        True
    """
    context = current()
    if isinstance(context, TrialContext):
        context.saved = state
        context.has_saved = True


def restore() -> Any:
    """The state this trial saved with :func:`checkpoint` before it was paused, when it is being
    resumed; None when it starts fresh (and outside a search).

    Example:
        >>> from nas_notebook import checkpoint, restore
        >>> state = restore() or {"epoch": 0}   # a fresh start
        >>> for epoch in range(state["epoch"], 3):
        ...     checkpoint({"epoch": epoch + 1})
        >>> state
        {'epoch': 0}
    """
    context = current()
    if isinstance(context, TrialContext):
        return context.restored
    return None
