"""The dashboard's trial table: sortable, filterable, paged, every state, a trial's details and
traceback on click, and export of what is shown to pandas.

The kernel side holds the whole table as a pandas DataFrame built from the study's columns
(vectorized: no per-trial Python work beyond the incremental column update) and sends the
browser one page of formatted cells. Sorting, filtering and paging run here on the user's
choices, so a 100,000-trial study costs the browser no more than a 25-trial one.

Rows held still: while the user points at the table, has a trial selected, has scrolled it or
is past its first page, the browser pins the trials it shows (:attr:`TrialTable.held`). New
trials then do not move them: the page keeps those trials in that order, their cells still
updated (a running trial shows its value when it completes), and :attr:`TrialTable.pending`
counts the trials that arrived meanwhile, for the browser's "N new trials - show". The user's
own choices (sort, filter, page, "show") draw the page afresh and pin that. A click selects a
trial by its number, never by its place on the page.

Who calls what: the dashboard's refresh thread calls :meth:`TrialTable.update`; trait changes
from the browser (sort, filter, page, click, hold) arrive on the kernel's thread. A lock keeps
the two from interleaving.
"""

from __future__ import annotations

import pathlib
import threading
from collections.abc import Sequence
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


def objective_columns(n_objectives: int, names: Sequence[str] | None = None) -> list[str]:
    """The table's name of each objective: ``names`` (the metrics, e.g. from ``--metric``),
    else ``value`` (``value_0``, ``value_1``... for several), as :class:`StudyView` names them.

    Example:
        >>> objective_columns(1), objective_columns(2), objective_columns(1, ["accuracy"])
        (['value'], ['value_0', 'value_1'], ['accuracy'])
    """
    if names and len(names) == n_objectives and len(set(names)) == len(names):
        return [str(name) for name in names]
    return ["value"] if n_objectives == 1 else [f"value_{i}" for i in range(n_objectives)]


def columns_frame(cols: TrialColumns, objective_names: Sequence[str] | None = None) -> pd.DataFrame:
    """All trials as a DataFrame: number, state, the objective value(s), duration, each
    parameter (categorical ones as their labels), each numeric user attribute, and the failure
    reason. Built column by column from ``cols``.

    Each objective shows once, under its name (``objective_names``, e.g. the search's
    ``--metric`` names, Optuna's ``study.metric_names``; else ``value``): a user attribute of
    the same name (a metric the trial also recorded) is that objective, not another column.
    A parameter named like a column before it keeps its own column, as ``param:NAME``.

    Example:
        >>> import optuna
        >>> study = optuna.create_study()
        >>> study.optimize(lambda t: t.suggest_categorical("c", ["a", "b"]) == "a", n_trials=3)
        >>> cols = TrialColumns()
        >>> _ = cols.update(study.trials)
        >>> list(columns_frame(cols).columns)
        ['number', 'state', 'value', 'duration_s', 'c', 'fail_reason']
        >>> list(columns_frame(cols, ["accuracy"]).columns)
        ['number', 'state', 'accuracy', 'duration_s', 'c', 'fail_reason']
    """
    import pandas as pd

    from .._schema import FAIL_REASON, WARM_FROM

    data: dict[str, Any] = {"number": cols.number, "state": _STATE_NAMES[cols.state]}
    values = cols.values
    names = objective_columns(cols.n_objectives, objective_names)
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
            column: Any = pd.Categorical.from_codes(remap[codes], unique)
        else:
            column = internal
        data.setdefault(f"param:{name}" if name in data else name, column)
    for name, column in cols.attrs.items():
        data.setdefault(name, column)  # the objective's own metric is that objective
    failed = np.flatnonzero(cols.state == STATE_CODES[TrialState.FAIL])
    reasons = np.full(cols.n, None, dtype=object)
    trials = cols.trials
    for row in failed.tolist():
        reasons[row] = trials[row].system_attrs.get(FAIL_REASON)
    data["fail_reason"] = reasons
    if cols.warm.any():  # a warm start's trials: where each came from (filter: warm_from != None)
        sources = np.full(cols.n, None, dtype=object)
        for row in np.flatnonzero(cols.warm).tolist():
            sources[row] = trials[row].system_attrs.get(WARM_FROM)
        data["warm_from"] = sources
    return pd.DataFrame(data)


class TrialTable(anywidget.AnyWidget):
    """A sortable, filterable, paged table of a study's trials (see the module docstring).

    The filter is a pandas query over the columns (``value > 0.9 and lr < 1e-2``; names with
    dots in backquotes: ```fc.out_features` == 64``); a bad query shows its error and keeps the
    previous rows. Clicking a row shows the trial's parameters, attributes and traceback. While
    the browser holds the rows still (:attr:`held`), arriving trials are counted in
    :attr:`pending` instead of moving the rows.

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
    #: Bumped by every drawing of the page the user asked for (sort, filter, page, "show").
    generation = traitlets.Int(0).tag(sync=True)
    #: The rows held still: ``{"numbers": [trial numbers, in the order shown], "generation":
    #: the drawing they came from}``; empty while the table follows the study.
    held = traitlets.Dict().tag(sync=True)
    #: Trials (passing the filter) that arrived since the rows were held.
    pending = traitlets.Int(0).tag(sync=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lock = threading.RLock()
        self._frame: pd.DataFrame | None = None
        self._cols: TrialColumns | None = None
        self._shown: pd.DataFrame | None = None
        self._good_query = ""
        self._names: list[str] | None = None
        self._held_after = -1  # the highest trial number when the rows were held
        self._changing: int | None = None  # the thread setting a trait the observers must skip
        self.observe(
            self._on_choice, names=["page", "page_size", "sort_by", "ascending", "query", "states"]
        )
        self.observe(lambda _: self._show_detail(), names=["selected"])
        self.observe(self._on_held, names=["held"])
        self.on_msg(self._on_message)

    def update(self, cols: TrialColumns, objective_names: Sequence[str] | None = None) -> None:
        """Take the study's current columns (called by the dashboard's refresh thread).

        ``objective_names``: each objective's name (the search's metrics, ``--metric``), the
        column that shows it; without them ``value`` (``value_0``... for several)."""
        with self._lock:
            self._cols = cols
            self._names = list(objective_names) if objective_names else None
            self._frame = columns_frame(cols, self._names)
            counts = self._frame["state"].value_counts()
            self.state_counts = {s: int(counts.get(s, 0)) for s in _ALL_STATES}
            self._render(user=False)
            if self.selected >= 0:
                self._show_detail()

    def show_new(self) -> None:
        """Draw the page afresh with the trials that arrived while the rows were held (what
        the browser's "N new trials - show" does); the rows stay held if they were."""
        self._render(user=True)

    def dataframe(self) -> pd.DataFrame:
        """The trials the table shows (filtered and sorted as in the view), all pages."""
        with self._lock:
            if self._shown is None:
                import pandas as pd

                return pd.DataFrame()
            return self._shown.copy()

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "show":
            self.show_new()

    def _own_change(self) -> bool:
        return self._changing == threading.get_ident()

    def _on_choice(self, _change: dict[str, Any]) -> None:
        if not self._own_change():
            self._render(user=True)

    def _on_held(self, change: dict[str, Any]) -> None:
        if self._own_change():
            return
        with self._lock:
            held = change["new"] or {}
            if held and held.get("generation") != self.generation:
                # Pinned from a page drawn before the user's last choice: pin what it shows.
                self._render(user=True)
                return
            self._held_after = self._max_number()
            self._render(user=False)

    def _max_number(self) -> int:
        cols = self._cols
        return int(cols.number.max()) if cols is not None and cols.n else -1

    def _set(self, name: str, value: Any) -> None:
        """Set a trait without its observer drawing the page again (this draws it)."""
        self._changing = threading.get_ident()
        try:
            setattr(self, name, value)
        finally:
            self._changing = None

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

    def _held_rows(self, numbers: list[Any]) -> pd.DataFrame | None:
        """The rows of the trials ``numbers``, in that order (None: not all are known)."""
        frame = self._frame
        assert frame is not None
        import pandas as pd

        try:
            wanted = [int(n) for n in numbers]
        except (TypeError, ValueError):
            return None
        at = pd.Index(frame["number"]).get_indexer(wanted)
        if (at < 0).any():
            return None
        return frame.iloc[at]

    def _render(self, user: bool) -> None:
        """Draw the page: afresh (``user``: the user's own choice, or while nothing is held),
        or, while the rows are held, the same trials with their current cells."""
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
            held = dict(self.held or {})
            part = None
            if held and not user:
                part = self._held_rows(list(held.get("numbers") or []))
            with self.hold_sync():
                if part is not None:
                    new = frame["number"].to_numpy() > self._held_after
                    self.pending = int(new.sum())
                else:
                    page = min(self.page, last)
                    part = frame.iloc[page * size : (page + 1) * size]
                    if page != self.page:
                        self._set("page", page)
                    if user:
                        self.generation += 1
                    if held:  # held afresh: what the page shows now (an empty page: nothing)
                        self._held_after = self._max_number()
                        numbers = [int(n) for n in part["number"]]
                        now = {"numbers": numbers, "generation": self.generation}
                        self._set("held", now if numbers else {})
                    self.pending = 0
                self.columns = [str(c) for c in frame.columns]
                self.total = len(frame)
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
            names: list[str] = []
            if trial.values is not None:
                names = objective_columns(len(trial.values), self._names)
                lines += [f"{name}: {_fmt(v)}" for name, v in zip(names, trial.values)]
            lines += [f"  {k} = {v!r}" for k, v in trial.params.items()]
            lines += [
                f"  {k}: {v!r}"
                for k, v in trial.user_attrs.items()
                # the traceback is shown below, and an objective's own metric above, once
                if k not in (USER_FAIL_REASON, USER_TRACEBACK) and k not in names
            ]
            if trial.intermediate_values:
                steps = sorted(trial.intermediate_values)
                last = trial.intermediate_values[steps[-1]]
                lines.append(f"reported {len(steps)} intermediate values, last {_fmt(last)}")
            text = trial.system_attrs.get(TRACEBACK) or trial.system_attrs.get(FAIL_REASON)
            if text:
                lines += ["", str(text)]
            self.detail = "\n".join(lines)
