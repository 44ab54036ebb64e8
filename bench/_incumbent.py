"""The incumbent of a search over time, the same for ours and a peer's: from the trials that
completed, in the order they did, the best value so far and its cell after each."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["incumbents"]


def incumbents(done: Iterable[tuple[float, float, int]]) -> dict[str, list]:
    """``done``: ``(end time, final value, cell)`` of each completed trial, in order of end;
    returns ``ends``, ``best`` (the best value so far, higher is better) and ``cells`` (its
    cell), one entry per trial.

    Example:
        >>> incumbents([(1.0, 0.5, 7), (2.0, 0.4, 8), (3.0, 0.9, 9)])["best"]
        [0.5, 0.5, 0.9]
    """
    ends: list[float] = []
    best: list[float] = []
    cells: list[int] = []
    for end, value, cell in done:
        ends.append(end)
        if not best or value > best[-1]:
            best.append(value)
            cells.append(cell)
        else:
            best.append(best[-1])
            cells.append(cells[-1])
    return {"ends": ends, "best": best, "cells": cells}
