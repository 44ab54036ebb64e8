"""A study's trials as numpy columns, updated incrementally (DESIGN: views read snapshots).

Plots and the dashboard work on columns rather than on lists of ``FrozenTrial``: every info
function is a few vectorized numpy operations, and a refresh only converts the trials that are new
or changed since the last one. Change detection is by identity: Optuna's in-memory, journal and
cached RDB storages replace a trial's ``FrozenTrial`` object whenever they change it and keep it
otherwise (finished trials never change again), so an unchanged object is an unchanged row.

Who calls what: :meth:`TrialColumns.update` is called by the thread that refreshes a view (the
dashboard's refresher, a ``plot_*`` call); the arrays it exposes are then read on that thread.
It is not meant to be shared between threads without a lock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from optuna.distributions import BaseDistribution, CategoricalDistribution
from optuna.trial import FrozenTrial, TrialState

from .._schema import WARM_FROM

__all__ = ["STATE_CODES", "TrialColumns", "columns_of"]

#: Trial states as the small integers stored in :attr:`TrialColumns.state`.
STATE_CODES: dict[TrialState, int] = {s: int(s.value) for s in TrialState}

_NAN = float("nan")


def _numeric(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return None


class _Grown:
    """A float (or int) array with amortised appends and per-row writes."""

    def __init__(self, dtype: Any = float, fill: Any = _NAN, width: int | None = None) -> None:
        self.dtype, self.fill, self.width = dtype, fill, width
        shape = (16,) if width is None else (16, width)
        self.data = np.full(shape, fill, dtype=dtype)

    def reserve(self, n: int) -> None:
        if n <= len(self.data):
            return
        size = max(n, 2 * len(self.data))
        shape = (size,) if self.width is None else (size, self.width)
        grown = np.full(shape, self.fill, dtype=self.dtype)
        grown[: len(self.data)] = self.data
        self.data = grown


class TrialColumns:
    """Columnar arrays of a study's trials; row ``i`` is the ``i``-th trial by number.

    Attributes (each a view of ``n`` rows, valid until the next :meth:`update`):
        number: Trial numbers (int64).
        state: :data:`STATE_CODES` of each trial's state (int8).
        values: Objective values, shape ``(n, n_objectives)``; NaN where a trial has none.
        duration: Seconds from start to completion; NaN while running.
        complete_time: POSIX time of completion; NaN while running.
        warm: Whether a warm start copied the trial from another study.
        params: Parameter name -> internal representation (floats; categorical choices as
            indices into :attr:`distributions` ``[name].choices``); NaN where a trial lacks it.
        distributions: Parameter name -> the distribution (categorical choices merged when
            trials disagree).
        attrs: Numeric user attribute name -> values (NaN where absent or not a number).

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        >>> cols = TrialColumns()
        >>> cols.update(study.trials).tolist()
        [0, 1, 2]
        >>> cols.n, cols.params["x"].shape
        (3, (3,))
    """

    def __init__(self, n_objectives: int | None = None) -> None:
        self.n = 0
        self._n_objectives = n_objectives
        self._trials: list[FrozenTrial] = []
        self._number = _Grown(np.int64, -1)
        self._state = _Grown(np.int8, -1)
        self._values: _Grown | None = None
        self._duration = _Grown()
        self._complete = _Grown()
        self._warm = _Grown(np.bool_, False)
        self._params: dict[str, _Grown] = {}
        self._attrs: dict[str, _Grown] = {}
        self.distributions: dict[str, BaseDistribution] = {}
        #: The priors written inline, by parameter (``{"value": internal value, "confidence"}``):
        #: the study's, set by the :class:`~nas_notebook.study.Snapshot` that reads it.
        self.priors: dict[str, dict[str, Any]] = {}
        self._curves: list[tuple[np.ndarray, np.ndarray] | None] = []
        self._flat_curves: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        #: ``_curve_offsets[r]``: where row ``r``'s values start in the flattened curves.
        self._curve_offsets: np.ndarray | None = None
        self._curves_dirty_from = 0
        self._curves_n = 0
        #: Rows changed by the last :meth:`update`.
        self.changed = np.zeros(0, dtype=np.int64)
        #: Incremented by every :meth:`update` that changed something (views compare it).
        self.version = 0

    @classmethod
    def of(cls, study: Any) -> TrialColumns:
        """The columns of an ``optuna.Study``'s current trials."""
        cols = cls(n_objectives=len(study.directions))
        cols.update(study.get_trials(deepcopy=False))
        return cols

    # -- reading ---------------------------------------------------------------------------

    @property
    def trials(self) -> list[FrozenTrial]:
        """The frozen trials, row by row."""
        return self._trials[: self.n]

    @property
    def number(self) -> np.ndarray:
        return self._number.data[: self.n]

    @property
    def state(self) -> np.ndarray:
        return self._state.data[: self.n]

    @property
    def n_objectives(self) -> int:
        return self._n_objectives or 1

    @property
    def values(self) -> np.ndarray:
        if self._values is None:
            return np.full((self.n, self.n_objectives), _NAN)
        return self._values.data[: self.n]

    @property
    def duration(self) -> np.ndarray:
        return self._duration.data[: self.n]

    @property
    def complete_time(self) -> np.ndarray:
        return self._complete.data[: self.n]

    @property
    def warm(self) -> np.ndarray:
        """Whether each trial was copied by a warm start from another study (views show those
        apart from the study's own)."""
        return self._warm.data[: self.n]

    @property
    def params(self) -> dict[str, np.ndarray]:
        return {name: col.data[: self.n] for name, col in self._params.items()}

    @property
    def attrs(self) -> dict[str, np.ndarray]:
        return {name: col.data[: self.n] for name, col in self._attrs.items()}

    def mask(self, *states: TrialState) -> np.ndarray:
        """A boolean row mask of trials in any of ``states``."""
        return np.isin(self.state, [STATE_CODES[s] for s in states])

    def curves(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All intermediate values, flattened: ``(row, step, value)`` arrays sorted by row, then
        step (each trial's values in step order).

        Rebuilt only from the first row that changed since the last call: new and running
        trials are at the end, so a live refresh re-flattens a handful of rows, not all."""
        fresh = self._curves_dirty_from >= self.n and self._curves_n == self.n
        if self._flat_curves is not None and fresh:
            return self._flat_curves
        start = 0
        prefix: tuple[np.ndarray, ...] = ()
        if self._flat_curves is not None and self._curve_offsets is not None:
            start = min(self._curves_dirty_from, len(self._curve_offsets) - 1)
            cut = int(self._curve_offsets[start])
            prefix = tuple(a[:cut] for a in self._flat_curves)
        parts = self._curves[start : self.n]
        lengths = np.fromiter(
            (0 if c is None else len(c[0]) for c in parts), dtype=np.int64, count=len(parts)
        )
        present = [c for c in parts if c is not None]
        rows = np.repeat(np.arange(start, self.n, dtype=np.int64), lengths)
        if present:
            steps = np.concatenate([c[0] for c in present])
            values = np.concatenate([c[1] for c in present])
        else:
            steps, values = np.zeros(0, dtype=np.int64), np.zeros(0)
        if prefix:
            rows = np.concatenate([prefix[0], rows])
            steps = np.concatenate([prefix[1], steps])
            values = np.concatenate([prefix[2], values])
        base = self._curve_offsets[start] if prefix and self._curve_offsets is not None else 0
        offsets = np.concatenate([[base], base + np.cumsum(lengths)])
        if prefix and self._curve_offsets is not None:
            offsets = np.concatenate([self._curve_offsets[:start], offsets])
        self._curve_offsets = offsets
        self._flat_curves = (rows, steps, values.astype(float, copy=False))
        self._curves_dirty_from = self._curves_n = self.n
        return self._flat_curves

    def external(self, name: str, internal: np.ndarray) -> list[Any]:
        """The user-facing values of parameter ``name`` for internal values (labels for
        categorical parameters)."""
        dist = self.distributions[name]
        return [None if math.isnan(v) else dist.to_external_repr(v) for v in internal.tolist()]

    # -- updating --------------------------------------------------------------------------

    def update(self, trials: Iterable[FrozenTrial]) -> np.ndarray:
        """Bring the columns up to date with ``trials`` (all of a study's trials, by number);
        returns the rows that were new or changed."""
        trials = trials if isinstance(trials, Sequence) else list(trials)
        old = self._trials
        n_old = self.n
        changed: list[int] = []
        for row, trial in enumerate(trials):
            if row < n_old and old[row] is trial:
                continue
            changed.append(row)
        n = len(trials)
        self._reserve(n)
        for row in changed:
            self._write(row, trials[row])
        if n < n_old:  # a different study was passed: drop the rest
            changed.extend(range(n, n_old))
            self._curves_dirty_from = min(self._curves_dirty_from, n)
        self._trials = list(trials)
        self.n = n
        if changed:
            self._curves_dirty_from = min(self._curves_dirty_from, changed[0])
            self.version += 1
        self.changed = np.asarray(changed, dtype=np.int64)
        return self.changed

    def _reserve(self, n: int) -> None:
        for col in (self._number, self._state, self._duration, self._complete, self._warm):
            col.reserve(n)
        if self._values is not None:
            self._values.reserve(n)
        for col in (*self._params.values(), *self._attrs.values()):
            col.reserve(n)
        if len(self._curves) < n:
            self._curves.extend([None] * (n - len(self._curves)))

    def _column(self, table: dict[str, _Grown], name: str) -> _Grown:
        col = table.get(name)
        if col is None:
            col = table[name] = _Grown()
            col.reserve(max(len(self._number.data), 16))
        return col

    def _write(self, row: int, t: FrozenTrial) -> None:
        self._number.data[row] = t.number
        self._state.data[row] = STATE_CODES[t.state]
        self._warm.data[row] = WARM_FROM in t.system_attrs
        if t.values is not None:
            if self._values is None:
                if self._n_objectives is None:
                    self._n_objectives = len(t.values)
                self._values = _Grown(width=self.n_objectives)
                self._values.reserve(len(self._number.data))
            width = min(len(t.values), self.n_objectives)
            self._values.data[row, :width] = t.values[:width]
        elif self._values is not None:
            self._values.data[row] = _NAN
        start, end = t.datetime_start, t.datetime_complete
        if end is not None:
            self._complete.data[row] = end.timestamp()
            self._duration.data[row] = (end - start).total_seconds() if start else _NAN
        else:
            self._complete.data[row] = self._duration.data[row] = _NAN
        for col in self._params.values():
            col.data[row] = _NAN
        for name, value in t.params.items():
            dist = t.distributions[name]
            self._column(self._params, name).data[row] = self._internal(name, dist, value)
        for col in self._attrs.values():
            col.data[row] = _NAN
        for name, value in t.user_attrs.items():
            number = _numeric(value)
            if number is not None:
                self._column(self._attrs, name).data[row] = number
        if t.intermediate_values:
            steps = np.fromiter(t.intermediate_values.keys(), dtype=np.int64)
            values = np.fromiter(t.intermediate_values.values(), dtype=float)
            order = np.argsort(steps, kind="stable")
            self._curves[row] = (steps[order], values[order])
        else:
            self._curves[row] = None

    def _internal(self, name: str, dist: BaseDistribution, value: Any) -> float:
        known = self.distributions.get(name)
        if known is None:
            self.distributions[name] = known = dist
        if isinstance(known, CategoricalDistribution):
            choices = known.choices
            if value not in choices:
                # Dynamic choices: merge them, keeping the indices of the earlier ones stable.
                known = CategoricalDistribution([*choices, value])
                self.distributions[name] = known
            return float(known.choices.index(value))
        if isinstance(dist, CategoricalDistribution):
            return _NAN  # the same name used as numeric and categorical: not comparable
        low, high = getattr(known, "low", None), getattr(known, "high", None)
        new_low, new_high = getattr(dist, "low", low), getattr(dist, "high", high)
        if low is not None and high is not None and (new_low < low or new_high > high):
            params = {k: v for k, v in vars(known).items() if k in ("log", "step")}
            merged = type(known)(  # type: ignore[call-arg]
                low=min(low, new_low), high=max(high, new_high), **params
            )
            self.distributions[name] = merged
        return float(value)


def columns_of(source: Any) -> TrialColumns:
    """``source`` as columns: a :class:`TrialColumns` itself, or trials to convert.

    Example:
        >>> columns_of([]).n
        0
    """
    if isinstance(source, TrialColumns):
        return source
    cols = TrialColumns()
    cols.update(list(source))
    return cols
