"""The live dashboard shown under a ``%%search`` cell.

It reads the study through a storage snapshot (never the driver's memory) on a daemon thread,
every ``refresh_interval`` seconds, and updates widget traits only when something changed; the
kernel is never blocked, and ipykernel forwards trait changes made on the thread to the browser.
"""

from __future__ import annotations

import html
import threading
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import plotly.graph_objects as go
from optuna.trial import FrozenTrial, TrialState

from ..plots import _optimization_history as history

if TYPE_CHECKING:
    from ..study import Search

__all__ = ["Dashboard", "render_trial_table"]

_STATE_COLORS = {
    "COMPLETE": "#2ca02c",
    "RUNNING": "#1f77b4",
    "PRUNED": "#ff7f0e",
    "FAIL": "#d62728",
    "WAITING": "#7f7f7f",
}
TABLE_ROWS = 25


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _params(trial: FrozenTrial) -> str:
    return ", ".join(f"{k}={_fmt(v)}" for k, v in trial.params.items())


def render_trial_table(trials: list[FrozenTrial], rows: int = TABLE_ROWS) -> str:
    """HTML for the most recent ``rows`` trials (newest first), failures with their reason.

    Every user-controlled string is escaped. Tracebacks are shown by the dashboard's failure
    picker, not in the table: the table is redrawn as trials finish, which would close them.
    """
    from ..study._driver import FAIL_REASON

    recent = sorted(trials, key=lambda t: t.number, reverse=True)[:rows]
    body = []
    for t in recent:
        state = t.state.name
        color = _STATE_COLORS.get(state, "#000")
        value = "" if t.value is None or t.state != TrialState.COMPLETE else _fmt(t.value)
        duration = f"{t.duration.total_seconds():.2f}s" if t.duration is not None else ""
        reason = html.escape(str(t.system_attrs.get(FAIL_REASON) or ""))
        body.append(
            f"<tr><td>{t.number}</td><td style='color:{color}'>{state}</td><td>{value}</td>"
            f"<td>{html.escape(_params(t))}</td><td>{duration}</td><td>{reason}</td></tr>"
        )
    more = len(trials) - len(recent)
    footer = (
        f"<div style='color:#777'>... and {more} earlier trials (all of them: .dataframe())</div>"
        if more > 0
        else ""
    )
    return (
        "<div style='max-height:320px;overflow:auto'>"
        "<table class='nas-notebook-trials' style='font-size:12px'>"
        "<thead><tr><th>#</th><th>state</th><th>value</th><th>params</th><th>time</th>"
        "<th>error</th></tr></thead><tbody>" + "".join(body) + "</tbody></table></div>" + footer
    )


def _titled_accordion(child: widgets.Widget, title: str) -> widgets.Accordion:
    accordion = widgets.Accordion(children=[child])
    accordion.set_title(0, title)
    return accordion


class Dashboard(widgets.VBox):
    """Progress, counts, best trial, a live optimization-history plot and the trial table.

    Args:
        search: The search to show.
        refresh_interval: Seconds between reads of the storage; 0 disables the refresh thread
            (call :meth:`refresh` yourself).
    """

    def __init__(self, search: Search, refresh_interval: float = 0.5) -> None:
        self.search = search
        self.refresh_interval = refresh_interval
        self.header = widgets.HTML(layout=widgets.Layout(width="auto"))
        self.progress_bar = widgets.IntProgress(
            min=0, max=max(search.n_trials or 1, 1), layout=widgets.Layout(width="220px")
        )
        self.counts = widgets.HTML(layout=widgets.Layout(width="auto"))
        self.best = widgets.HTML()
        self.figure = go.FigureWidget(layout={"autosize": True})
        self.figure.layout.width = None
        # Resize with the window even after the search ends (no data update triggers a redraw).
        self.figure._config = {**self.figure._config, "responsive": True}
        self.table = widgets.HTML()
        self.failures = widgets.Dropdown(
            description="Failed trial", options=[], layout=widgets.Layout(width="auto")
        )
        self.failure_detail = widgets.HTML()
        self.failures.observe(lambda _: self._show_failure(), names="value")
        self._failed: dict[int, FrozenTrial] = {}
        self.output = widgets.HTML()
        self._output_version = -1
        self.stop_button = widgets.Button(
            description="Stop", icon="stop", tooltip="start no more trials"
        )
        self.stop_button.on_click(lambda _: self.search.stop())
        self._last_key: tuple[Any, ...] | None = None
        self._closed = threading.Event()
        row = widgets.Layout(flex_flow="row wrap", align_items="center", grid_gap="4px 12px")
        self._failure_box = widgets.VBox([self.failures, self.failure_detail])
        self._failure_box.layout.display = "none"
        super().__init__(
            [
                widgets.HBox(
                    [self.header, self.progress_bar, self.counts, self.stop_button], layout=row
                ),
                self.best,
                self.figure,
                self.table,
                self._failure_box,
                _titled_accordion(self.output, "Trial output (newest first)"),
            ]
        )
        self.add_class("nas-notebook-dashboard")
        self.refresh()
        if refresh_interval > 0:
            self._thread = threading.Thread(
                target=self._loop, name="nas-notebook-dashboard", daemon=True
            )
            self._thread.start()

    def _loop(self) -> None:
        while not self._closed.wait(self.refresh_interval):
            finished = self.search.done
            try:
                self.refresh()
            except Exception:  # a view must never take the kernel down; try again next tick
                continue
            if finished:
                return

    def close(self) -> None:
        self._closed.set()
        super().close()

    def _refresh_output(self) -> None:
        log = self.search.log
        if log.version == self._output_version:
            return
        self._output_version = log.version
        newest_first = "\n".join(reversed(log.lines()[-200:]))
        self.output.value = (
            "<pre style='font-size:11px;max-height:240px;overflow:auto;margin:0'>"
            + html.escape(newest_first)
            + "</pre>"
        )

    def _refresh_failures(self, trials: list[FrozenTrial]) -> None:
        from ..study._driver import FAIL_REASON

        failed = {t.number: t for t in trials if t.state == TrialState.FAIL}
        if failed.keys() == self._failed.keys():
            return
        self._failed = failed
        options = [
            (f"#{n}: {str(t.system_attrs.get(FAIL_REASON, ''))[:70]}", n)
            for n, t in sorted(failed.items(), reverse=True)
        ]
        current = self.failures.value
        self.failures.options = options
        self.failures.value = current if current in failed else (options[0][1] if options else None)
        self._failure_box.layout.display = "" if options else "none"
        self._show_failure()

    def _show_failure(self) -> None:
        from ..study._driver import FAIL_REASON, TRACEBACK

        trial = self._failed.get(self.failures.value) if self.failures.value is not None else None
        if trial is None:
            self.failure_detail.value = ""
            return
        text = trial.system_attrs.get(TRACEBACK) or trial.system_attrs.get(FAIL_REASON, "")
        self.failure_detail.value = (
            "<pre style='font-size:11px;white-space:pre-wrap;max-height:240px;overflow:auto'>"
            + html.escape(str(text))
            + "</pre>"
        )

    def refresh(self) -> bool:
        """Read the storage and update the widgets; False when nothing had changed."""
        search = self.search
        snapshot = search.snapshot()
        trials = snapshot.trials
        progress = snapshot.progress()
        state = search.state
        self._refresh_output()
        key = (len(trials), progress.finished, progress.running, state)
        if key == self._last_key:
            return False
        self._last_key = key
        total = search.driver.n_trials if search.driver else search.n_trials
        done = progress.finished - search.baseline  # this run's trials; a resumed study has more
        self.progress_bar.max = max(total or done or 1, 1)
        self.progress_bar.value = min(done, self.progress_bar.max)
        self.progress_bar.bar_style = {
            "finished": "success",
            "stopped": "warning",
            "failed": "danger",
        }.get(state, "")
        self.stop_button.disabled = state in ("finished", "stopped", "failed", "stopping")
        self.header.value = (
            f"<b>{html.escape(search.name)}</b> &middot; {html.escape(state)} &middot; "
            f"{done}/{total if total else '?'}"
            + (f" (+{search.baseline} earlier)" if search.baseline else "")
        )
        self.counts.value = " &middot; ".join(
            f"<span style='color:{_STATE_COLORS[state]}'>{count} {label}</span>"
            for state, count, label in (
                ("COMPLETE", progress.complete, "complete"),
                ("RUNNING", progress.running, "running"),
                ("FAIL", progress.failed, "failed"),
                ("PRUNED", progress.pruned, "pruned"),
            )
        )
        if progress.best_number is not None:
            best = next(t for t in trials if t.number == progress.best_number)
            self.best.value = (
                f"best ({search.direction}): <b>{progress.best_value:.6g}</b> at trial "
                f"{best.number} &middot; {html.escape(_params(best))}"
            )
        else:
            self.best.value = f"best ({search.direction}): none yet"
        info = history._get_optimization_history_info(trials, search.direction)
        with self.figure.batch_update():
            data = history.traces(info)
            if len(self.figure.data) != len(data) or self.figure.data[0].type != data[0]["type"]:
                self.figure.data = ()
                for trace in data:
                    self.figure.add_trace(trace)
            else:
                for existing, new in zip(self.figure.data, data):
                    existing.x, existing.y = new["x"], new["y"]
            self.figure.update_layout(history.layout(info))
        self.table.value = render_trial_table(trials)
        self._refresh_failures(trials)
        return True
