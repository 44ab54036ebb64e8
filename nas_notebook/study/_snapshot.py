"""Views of a study read from its storage (DESIGN invariant 1).

Every view -- the dashboard, the progress bar, ``Search.dataframe()`` -- reads trials through a
:class:`Snapshot` of the storage rather than from the driver's memory, so the same views work on
a study being run by another process, resumed after a restart, or opened from a file.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import optuna
from optuna.trial import FrozenTrial, TrialState

from .._schema import FAIL_REASON, TRACEBACK, all_trials, read_priors
from ._columns import STATE_CODES, TrialColumns

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Progress", "Snapshot", "trials_table"]


class Progress(NamedTuple):
    """Trial counts by state, and the best value so far (None before the first COMPLETE).

    Example:
        >>> from nas_notebook import Search, floatv
        >>> search = Search(lambda: floatv(0, 1), n_trials=3, seed=0, storage="memory",
        ...                 executor="inline").start()
        >>> progress = search.progress()
        >>> progress.complete, progress.finished, progress.best_number == search.best.number
        (3, 3, True)
    """

    complete: int
    pruned: int
    failed: int
    running: int
    waiting: int
    best_value: float | None
    best_number: int | None
    #: Completed trials a warm start copied from other studies (not in ``complete``).
    warm: int = 0

    @property
    def finished(self) -> int:
        return self.complete + self.pruned + self.failed


class Snapshot:
    """The trials of one study as last read from its storage.

    :meth:`refresh` re-reads the storage; it is called by view threads (the dashboard's refresher,
    the progress bar) and never by lanes. Reading is cheap for the in-memory and journal storages,
    which keep the trials in memory and (for the journal) replay only new log records.

    Example:
        >>> import optuna
        >>> study = optuna.create_study(direction="maximize")
        >>> study.optimize(lambda t: t.suggest_int("x", 0, 9), n_trials=3)
        >>> snapshot = Snapshot(study)
        >>> len(snapshot.refresh()), snapshot.best().value == max(t.value for t in study.trials)
        (3, True)
        >>> snapshot.progress().complete
        3
    """

    def __init__(self, study: optuna.Study) -> None:
        self.study = study
        self.trials: list[FrozenTrial] = []
        self.direction = study.directions[0]
        self.directions = [d.name.lower() for d in study.directions]
        self._columns = TrialColumns(n_objectives=len(study.directions))
        self._columns_source: list[FrozenTrial] | None = None
        self._columns_lock = threading.Lock()

    def refresh(self) -> list[FrozenTrial]:
        self.trials = all_trials(self.study)
        return self.trials

    def columns(self) -> TrialColumns:
        """The trials of the last :meth:`refresh` as columns (only changed rows are converted).

        Safe to call from several view threads (the dashboard's refresher and a tab drawn on
        a click): one of them converts, the others wait for it."""
        with self._columns_lock:
            if self._columns_source is not self.trials:
                self._columns.update(self.trials)
                self._columns_source = self.trials
                if self._columns.distributions:  # a prior is stored before its first draw
                    self._columns.priors = read_priors(self.study)
            return self._columns

    def best(self) -> FrozenTrial | None:
        """The COMPLETE trial with the best first objective (the earliest of ties), or None."""
        cols = self.columns()
        row = best_row(cols, self.directions[0])
        return None if row is None else cols.trials[row]

    def progress(self) -> Progress:
        """Counts by state and the best value, from the columns (no per-trial work)."""
        cols = self.columns()
        counts = np.bincount(cols.state.astype(np.int64), minlength=len(STATE_CODES))
        row = best_row(cols, self.directions[0])
        warm = int(cols.warm.sum())
        return Progress(
            int(counts[STATE_CODES[TrialState.COMPLETE]]) - warm,
            int(counts[STATE_CODES[TrialState.PRUNED]]),
            int(counts[STATE_CODES[TrialState.FAIL]]),
            int(counts[STATE_CODES[TrialState.RUNNING]]),
            int(counts[STATE_CODES[TrialState.WAITING]]),
            None if row is None else float(cols.values[row, 0]),
            None if row is None else int(cols.number[row]),
            warm,
        )


def best_row(cols: TrialColumns, direction: str) -> int | None:
    """The row of the COMPLETE trial with the best first objective (the earliest of ties);
    the study's own trials only, not those a warm start copied."""
    own = cols.mask(TrialState.COMPLETE) & ~cols.warm
    values = np.where(own, cols.values[:, 0], np.nan)
    if not len(values) or np.isnan(values).all():
        return None
    return int(np.nanargmin(values) if direction == "minimize" else np.nanargmax(values))


def trials_table(trials: Sequence[FrozenTrial]) -> pd.DataFrame:
    """One row per trial: number, state, value, duration, each parameter (as stored: values or
    readable labels), each reported metric, and the failure reason and traceback.

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
        >>> list(trials_table(study.trials).columns)[:4]
        ['number', 'state', 'value', 'duration_s']
    """
    import pandas as pd  # here, not at import: worker processes never build tables

    rows: list[dict[str, Any]] = []
    for t in trials:
        row: dict[str, Any] = {
            "number": t.number,
            "state": t.state.name,
            "value": t.value if t.values is not None and len(t.values) == 1 else t.values,
            "duration_s": t.duration.total_seconds() if t.duration is not None else None,
        }
        row.update(t.params)
        for key, value in t.user_attrs.items():
            row.setdefault(key, value)
        row["fail_reason"] = t.system_attrs.get(FAIL_REASON)
        row["traceback"] = t.system_attrs.get(TRACEBACK)
        rows.append(row)
    columns = ["number", "state", "value", "duration_s", "fail_reason", "traceback"]
    frame = pd.DataFrame(rows, columns=None if rows else columns)
    if not rows:
        return frame
    ordered = columns[:4] + [c for c in frame.columns if c not in columns] + columns[4:]
    return frame[ordered].set_index("number", drop=False).rename_axis(None)
