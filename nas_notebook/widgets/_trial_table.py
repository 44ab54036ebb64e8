"""The dashboard's trial table: sortable, filterable, paged, every state, a trial's details and
traceback on click, and export of what is shown to pandas.

The kernel side holds the whole table as a pandas DataFrame built from the study's columns
(vectorized: no per-trial Python work beyond the incremental column update) and sends the
browser one page of formatted cells. Sorting, filtering and paging run here on the user's
choices, so a 100,000-trial study costs the browser no more than a 25-trial one.

Who calls what: the dashboard's refresh thread calls :meth:`TrialTable.update`; trait changes
from the browser (sort, filter, page, click) arrive on the kernel's thread. A lock keeps the two
from interleaving.
"""

from __future__ import annotations

import pathlib
import threading
from typing import TYPE_CHECKING, Any

import anywidget
import numpy as np
import traitlets
from optuna.distributions import CategoricalDistribution
from optuna.trial import TrialState

from ..study import STATE_CODES, TrialColumns

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["TrialTable"]

_STATIC = pathlib.Path(__file__).parent / "static"
_STATE_NAMES = np.array([s.name for s in sorted(STATE_CODES, key=STATE_CODES.__getitem__)])
_ALL_STATES = ["COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING"]


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)):
        return f"{value:.6g}"
    return str(value)


def columns_frame(cols: TrialColumns, objective_names: list[str] | None = None) -> pd.DataFrame:
    """All trials as a DataFrame: number, state, the objective value(s), duration, each
    parameter (categorical ones as their labels), each numeric user attribute, and the failure
    reason. Built column by column from ``cols``.

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> study.optimize(lambda t: t.suggest_categorical("c", ["a", "b"]) == "a", n_trials=3)
        >>> cols = TrialColumns()
        >>> _ = cols.update(study.trials)
        >>> list(columns_frame(cols).columns)
        ['number', 'state', 'value', 'duration_s', 'c', 'fail_reason']
    """
    import pandas as pd

    from .._schema import FAIL_REASON

    data: dict[str, Any] = {"number": cols.number, "state": _STATE_NAMES[cols.state]}
    values = cols.values
    names = objective_names or (
        ["value"] if cols.n_objectives == 1 else [f"values_{i}" for i in range(cols.n_objectives)]
    )
    for i, name in enumerate(names):
        data[name] = values[:, i] if len(values) else np.zeros(0)
    data["duration_s"] = cols.duration
    for name, internal in cols.params.items():
        dist = cols.distributions[name]
        if isinstance(dist, CategoricalDistribution):
            codes = np.where(np.isnan(internal), -1, internal).astype(np.int64)
            labels = [str(c) for c in dist.choices]
            unique = list(dict.fromkeys(labels))
            remap = np.array([unique.index(label) for label in labels] + [-1])
            data[name] = pd.Categorical.from_codes(remap[codes], unique)
        else:
            data.setdefault(name, internal)
    for name, column in cols.attrs.items():
        data.setdefault(name, column)
    failed = np.flatnonzero(cols.state == STATE_CODES[TrialState.FAIL])
    reasons = np.full(cols.n, None, dtype=object)
    trials = cols.trials
    for row in failed.tolist():
        reasons[row] = trials[row].system_attrs.get(FAIL_REASON)
    data["fail_reason"] = reasons
    return pd.DataFrame(data)


class TrialTable(anywidget.AnyWidget):
    """A sortable, filterable, paged table of a study's trials (see the module docstring).

    The filter is a pandas query over the columns (``value > 0.9 and lr < 1e-2``; names with
    dots in backquotes: ```fc.out_features` == 64``); a bad query shows its error and keeps the
    previous rows. Clicking a row shows the trial's parameters, attributes and traceback.

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=30)
        >>> table = TrialTable()
        >>> table.update(TrialColumns.of(study))
        >>> table.total, len(table.rows)
        (30, 25)
        >>> table.query = "x < 0"
        >>> table.total
        0
    """

    _esm = _STATIC / "trial_table.js"
    _css = _STATIC / "trial_table.css"

    columns = traitlets.List(traitlets.Unicode()).tag(sync=True)
    rows = traitlets.List(traitlets.List()).tag(sync=True)
    total = traitlets.Int(0).tag(sync=True)
    page = traitlets.Int(0).tag(sync=True)
    page_size = traitlets.Int(25).tag(sync=True)
    sort_by = traitlets.Unicode("number").tag(sync=True)
    ascending = traitlets.Bool(False).tag(sync=True)
    query = traitlets.Unicode("").tag(sync=True)
    states = traitlets.List(traitlets.Unicode(), default_value=_ALL_STATES).tag(sync=True)
    state_counts = traitlets.Dict().tag(sync=True)
    selected = traitlets.Int(-1).tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)
    detail = traitlets.Unicode("").tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lock = threading.RLock()
        self._frame: pd.DataFrame | None = None
        self._cols: TrialColumns | None = None
        self._shown: pd.DataFrame | None = None
        self._good_query = ""
        self.observe(
            lambda _: self._render(),
            names=["page", "page_size", "sort_by", "ascending", "query", "states"],
        )
        self.observe(lambda _: self._show_detail(), names=["selected"])

    def update(self, cols: TrialColumns, objective_names: list[str] | None = None) -> None:
        """Take the study's current columns (called by the dashboard's refresh thread)."""
        with self._lock:
            self._cols = cols
            self._frame = columns_frame(cols, objective_names)
            counts = self._frame["state"].value_counts()
            self.state_counts = {s: int(counts.get(s, 0)) for s in _ALL_STATES}
            self._render()
            if self.selected >= 0:
                self._show_detail()

    def dataframe(self) -> pd.DataFrame:
        """The trials the table shows (filtered and sorted as in the view), all pages."""
        with self._lock:
            if self._shown is None:
                import pandas as pd

                return pd.DataFrame()
            return self._shown.copy()

    def _filtered(self, frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[frame["state"].isin(self.states)]
        text = self.query.strip()
        try:
            picked = frame.query(text, engine="python") if text else frame
        except Exception as exc:  # the user's expression: show why, keep the last good filter
            self.error = f"filter: {type(exc).__name__}: {exc}"
            good = self._good_query
            return frame.query(good, engine="python") if good else frame
        self.error = ""
        self._good_query = text
        return picked

    def _render(self) -> None:
        with self._lock:
            if self._frame is None:
                return
            frame = self._filtered(self._frame)
            if self.sort_by in frame.columns:
                frame = frame.sort_values(
                    self.sort_by, ascending=self.ascending, kind="stable", na_position="last"
                )
            self._shown = frame
            size = max(self.page_size, 1)
            last = max(0, (len(frame) - 1) // size)
            page = min(self.page, last)
            part = frame.iloc[page * size : (page + 1) * size]
            with self.hold_sync():
                self.columns = [str(c) for c in frame.columns]
                self.total = len(frame)
                if page != self.page:
                    self.page = page
                self.rows = [[_fmt(v) for v in row] for row in part.itertuples(index=False)]

    def _show_detail(self) -> None:
        from .._schema import FAIL_REASON, TRACEBACK, USER_FAIL_REASON, USER_TRACEBACK

        with self._lock:
            cols, number = self._cols, self.selected
            if cols is None or number < 0:
                self.detail = ""
                return
            rows = np.flatnonzero(cols.number == number)
            if not len(rows):
                self.detail = ""
                return
            trial = cols.trials[int(rows[0])]
            lines = [f"trial {trial.number}: {trial.state.name}"]
            if trial.values is not None:
                lines.append(f"value: {', '.join(_fmt(v) for v in trial.values)}")
            lines += [f"  {k} = {v!r}" for k, v in trial.params.items()]
            lines += [
                f"  {k}: {v!r}"
                for k, v in trial.user_attrs.items()
                if k not in (USER_FAIL_REASON, USER_TRACEBACK)  # shown below, once
            ]
            if trial.intermediate_values:
                steps = sorted(trial.intermediate_values)
                last = trial.intermediate_values[steps[-1]]
                lines.append(f"reported {len(steps)} intermediate values, last {_fmt(last)}")
            text = trial.system_attrs.get(TRACEBACK) or trial.system_attrs.get(FAIL_REASON)
            if text:
                lines += ["", str(text)]
            self.detail = "\n".join(lines)
