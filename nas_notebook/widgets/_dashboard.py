"""The live dashboard shown under a ``%%search`` cell.

It reads the study through a storage snapshot (never the driver's memory) on a daemon thread,
every ``refresh_interval`` seconds. The snapshot's columns are updated incrementally (only new or
changed trials are converted), and only what changed is redrawn: the header and counts, the trial
table, and the plot of the tab on screen (the other tabs are drawn when selected). The kernel is
never blocked; ipykernel forwards trait changes made on the thread to the browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import importlib
import sys
import threading
from typing import TYPE_CHECKING, Any, cast

import ipywidgets as widgets
from optuna.trial import TrialState

from ..plots import parts
from ..study import Snapshot, StudyView, pareto_rows
from ._controls import ControlBar
from ._plot_tab import PlotTab
from ._trial_table import TrialTable, _fmt

if TYPE_CHECKING:
    from ..search import Search

__all__ = ["Dashboard"]

_STATE_COLORS = {
    "COMPLETE": "#2ca02c",
    "RUNNING": "#1f77b4",
    "PRUNED": "#ff7f0e",
    "FAIL": "#d62728",
    "WAITING": "#7f7f7f",
}

class Dashboard(widgets.VBox):
    """Progress, counts, best trial, controls, live plots in tabs and the trial table.

    Args:
        search: The search to show, or a :class:`~nas_notebook.study.StudyView` of any stored
            study (no controls then: nothing here runs it).
        refresh_interval: Seconds between reads of the storage; 0 disables the refresh thread
            (call :meth:`refresh` yourself).

    Example:
        >>> from nas_notebook import Search, floatv
        >>> from nas_notebook.widgets import Dashboard
        >>> search = Search(lambda: (floatv(0, 1) - 0.3) ** 2, n_trials=5, direction="minimize",
        ...                 storage="memory", executor="inline").start()
        >>> dashboard = Dashboard(search, refresh_interval=0)  # a notebook shows it as output
        >>> dashboard.refresh()  # it read the storage when built: nothing new since
        False
        >>> dashboard.progress_bar.value, [tab.title for tab in dashboard.tabs][:3]
        (5, ['History', 'Learning curves', 'Parallel coordinates'])
        >>> dashboard.close()
    """

    def __init__(self, search: StudyView | Search, refresh_interval: float = 0.5) -> None:
        self.search = search
        self.refresh_interval = refresh_interval
        self.header = widgets.HTML(layout=widgets.Layout(width="auto"))
        self.progress_bar = widgets.IntProgress(
            min=0, max=1, layout=widgets.Layout(width="220px")
        )
        self.counts = widgets.HTML(layout=widgets.Layout(width="auto"))
        self.best = widgets.HTML()
        self.controls: ControlBar | widgets.HBox = (
            ControlBar(cast("Search", search)) if search.steerable else widgets.HBox()
        )
        self.table = TrialTable()
        self.output = widgets.HTML()
        self._output_version = -1
        self._columns_version = -1
        self._last_key: tuple[Any, ...] | None = None
        self._last_snapshot: Snapshot | None = None
        self._closed = threading.Event()
        self.tabs: list[PlotTab] = self._make_tabs()
        #: The optimization history figure (the first tab).
        self.figure = self.tabs[0].figure
        # The table's view is built when its tab is first shown (its rows update all along).
        self._table_box = widgets.Box(layout=widgets.Layout(width="100%"))
        self.tab = widgets.Tab(
            children=[*self.tabs, self._table_box],
            titles=[*(t.title for t in self.tabs), "Trials"],
        )
        self.tab.observe(lambda _: self._draw_selected_soon(), names="selected_index")
        for t in self.tabs:
            for option in t.options.values():
                option.observe(lambda _: self._draw_selected_soon(), names="value")
        row = widgets.Layout(flex_flow="row wrap", align_items="center", grid_gap="4px 12px")
        super().__init__(
            [
                widgets.HBox([self.header, self.progress_bar, self.counts], layout=row),
                self.controls,
                self.best,
                self.tab,
                _titled_accordion(self.output, "Trial output (newest first)"),
            ]
        )
        self.add_class("nas-notebook-dashboard")
        # Modules the refresh thread needs are imported on the kernel's thread: a module
        # imported by two threads at once can be seen half-initialized by one of them (pandas
        # raises "partially initialized module" when a cell imports it at the same moment).
        # The table's pandas is imported right after this cell returns: the first plot needs
        # none of it, and is drawn meanwhile.
        self._table_ready = _import_soon("pandas", later=refresh_interval > 0)
        if refresh_interval > 0:
            _import_when_idle([m for tab in self.tabs for m in tab.imports])
            # The first read of a large study takes a moment: the refresh thread does it, and
            # the cell that shows the dashboard returns at once.
            self.header.value = (
                f"<b>{html.escape(search.name)}</b> &middot; {html.escape(search.status(0).state)}"
            )
            self._thread = threading.Thread(
                target=self._loop, name="nas-notebook-dashboard", daemon=True
            )
            self._thread.start()
        else:
            self.refresh()

    @property
    def stop_button(self) -> widgets.Button:
        assert isinstance(self.controls, ControlBar), "a view of a stored study has no controls"
        return self.controls.stop_button

    @property
    def pause_button(self) -> widgets.Button:
        assert isinstance(self.controls, ControlBar), "a view of a stored study has no controls"
        return self.controls.pause_button

    def _make_tabs(self) -> list[PlotTab]:
        tabs = [
            PlotTab("History", parts.history),
            PlotTab("Learning curves", parts.curves),
            PlotTab("Parallel coordinates", parts.parallel),
            PlotTab(
                "Importance",
                parts.importances,
                ("target", "evaluator"),
                parts.importance_choices,
                min_interval=5.0,  # an evaluator fit costs a few hundred milliseconds
                imports=("optuna.importance",),  # it imports scikit-learn: seconds, once
            ),
            PlotTab("Slice", parts.slice_, ("target",), parts.target_choices),
            PlotTab(
                "Contour",
                parts.contour,
                ("x", "y", "target"),
                parts.contour_choices,
                imports=("scipy.interpolate", "scipy.spatial"),  # its surface: once, ~0.3 s
            ),
        ]
        if len(self.search.directions) > 1:
            tabs.append(PlotTab("Pareto front", parts.pareto))
        return tabs

    # -- refreshing ------------------------------------------------------------------------

    def _loop(self) -> None:
        wait = 0.0
        while not self._closed.wait(wait):
            wait = self.refresh_interval
            finished = self.search.done
            try:
                self.refresh(final=finished)
            except Exception:  # a view must never take the kernel down; try again next tick
                continue
            if finished:
                return

    def close(self) -> None:
        self._closed.set()
        super().close()

    @staticmethod
    def _front_summary(search: Any, cols: Any) -> str:
        """The Pareto front's size and each objective's best, for a multi-objective search."""
        done = cols.mask(TrialState.COMPLETE)
        values = cols.values[done]
        directions = search.directions
        if not len(values):
            return f"Pareto front ({', '.join(directions)}): none yet"
        front = pareto_rows(values, directions)
        names = list(search.metrics) or [f"objective {i}" for i in range(len(directions))]
        bests = [
            f"{html.escape(name)} {'min' if d == 'minimize' else 'max'} "
            f"<b>{(values[:, i].min() if d == 'minimize' else values[:, i].max()):.6g}</b>"
            for i, (name, d) in enumerate(zip(names, directions))
        ]
        return f"Pareto front: <b>{len(front)}</b> trials &middot; " + " &middot; ".join(bests)

    def _draw_selected_soon(self) -> None:
        # On the kernel's thread (a click): draw on a thread so a slow plot never blocks it,
        # after importing here what that plot imports (see __init__ on why).
        index = self.tab.selected_index
        if index is not None and index < len(self.tabs):
            for module in self.tabs[index].imports:
                importlib.import_module(module)
        elif index == len(self.tabs):
            importlib.import_module("pandas")
            self._table_ready.set()
            if not self._table_box.children:
                self._table_box.children = (self.table,)

        def draw() -> None:
            self._update_table()
            self._draw_selected()

        threading.Thread(target=draw, name="nas-notebook-tab", daemon=True).start()

    def _update_table(self) -> None:
        """Bring the trial table up to date with the last snapshot, once pandas is imported
        (until then the next refresh does)."""
        snapshot = self._last_snapshot
        if snapshot is None or not self._table_ready.is_set():
            return
        cols = snapshot.columns()
        if cols.version != self._columns_version:
            self._columns_version = cols.version
            self.table.update(cols, objective_names=self.search.objective_names)

    def _draw_selected(self, force: bool = False) -> bool:
        index = self.tab.selected_index
        if index is None or index >= len(self.tabs):
            return False
        snapshot = self._last_snapshot
        if snapshot is None:
            return False
        cols = snapshot.columns()
        tab = self.tabs[index]
        names = self.search.metrics
        return tab.draw(cols, list(snapshot.directions), cols.version, force, names)

    def _refresh_output(self) -> None:
        log = self.search.log
        if log is None or log.version == self._output_version:
            return
        self._output_version = log.version
        newest_first = "\n".join(reversed(log.lines()[-200:]))
        self.output.value = (
            "<pre style='font-size:11px;max-height:240px;overflow:auto;margin:0'>"
            + html.escape(newest_first)
            + "</pre>"
        )

    def refresh(self, final: bool = False) -> bool:
        """Read the storage and update the widgets; False when nothing had changed.

        ``final`` draws the plot on screen even if it was drawn moments ago (the last refresh
        of a finished search)."""
        search = self.search
        snapshot = search.snapshot()
        self._last_snapshot = snapshot
        cols = snapshot.columns()
        progress = snapshot.progress()
        run = search.status(progress.finished)
        state, done, total, earlier = run
        self._refresh_output()
        if isinstance(self.controls, ControlBar):
            self.controls.sync()
        key = (cols.version, run)
        if key == self._last_key:
            self._update_table()
            return self._draw_selected(force=final)
        self._last_key = key
        self.progress_bar.max = max(total or done or 1, 1)
        self.progress_bar.value = min(done, self.progress_bar.max)
        self.progress_bar.bar_style = {
            "finished": "success",
            "stopped": "warning",
            "failed": "danger",
        }.get(state, "")
        self.header.value = (
            f"<b>{html.escape(search.name)}</b> &middot; {html.escape(state)} &middot; "
            + (f"{done}/{total}" if total else f"{done} trials")
            + (f" (+{earlier} earlier)" if earlier else "")
        )
        counts = [
            ("COMPLETE", progress.complete, "complete"),
            ("RUNNING", progress.running, "running"),
            ("FAIL", progress.failed, "failed"),
            ("PRUNED", progress.pruned, "pruned"),
        ]
        if progress.warm:
            counts.append(("WAITING", progress.warm, "warm start"))
        self.counts.value = " &middot; ".join(
            f"<span style='color:{_STATE_COLORS[state]}'>{count} {label}</span>"
            for state, count, label in counts
        )
        if len(search.directions) > 1:
            self.best.value = self._front_summary(search, cols)
        elif progress.best_number is not None:
            best = cols.trials[int((cols.number == progress.best_number).argmax())]
            params = ", ".join(f"{k}={_fmt(v)}" for k, v in best.params.items())
            self.best.value = (
                f"best ({search.direction}): <b>{progress.best_value:.6g}</b> at trial "
                f"{best.number} &middot; {html.escape(params)}"
            )
        else:
            self.best.value = f"best ({search.direction}): none yet"
        self._draw_selected(force=final)
        self._update_table()
        return True


def _import_when_idle(modules: list[str], delay: float = 2.0) -> None:
    """Import ``modules`` (what some tabs need on first view: scikit-learn for importances,
    about a second) on the kernel's event loop ``delay`` seconds from now, one per callback.

    On the kernel's thread, between the messages it handles, so never beside a cell's own
    imports (see ``Dashboard.__init__``), and after the cell has returned: the first view of
    those tabs then waits for no import. Outside a running event loop it does nothing.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # a script: tabs import on first view
        return
    pending = [m for m in dict.fromkeys(modules) if m not in sys.modules]

    def next_module() -> None:
        if pending:
            with contextlib.suppress(Exception):  # a missing optional module: said on first view
                importlib.import_module(pending.pop(0))
            loop.call_later(0.05, next_module)

    if pending:
        loop.call_later(delay, next_module)


def _import_soon(module: str, later: bool = True) -> threading.Event:
    """An event set once ``module`` is imported: at once when it is, or when not ``later`` or
    outside a running event loop (imported here); otherwise by the kernel's event loop as soon
    as it is free (after the running cell), on the kernel's thread (see ``Dashboard.__init__``).
    """
    ready = threading.Event()
    loop = None
    if module not in sys.modules and later:
        with contextlib.suppress(RuntimeError):
            loop = asyncio.get_running_loop()
    if loop is None:
        importlib.import_module(module)
        ready.set()
        return ready

    def load() -> None:
        try:
            importlib.import_module(module)
        finally:
            ready.set()

    loop.call_soon(load)
    return ready


def _titled_accordion(child: widgets.Widget, title: str) -> widgets.Accordion:
    accordion = widgets.Accordion(children=[child])
    accordion.set_title(0, title)
    return accordion
