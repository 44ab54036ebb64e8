"""The dashboard's control bar: pause/resume, stop, add trials, switch algorithm, resize.

Each control calls the :class:`~nas_notebook.Search` method of the same name, so it acts like
the method: effective mid-study, no trial lost, recorded in the storage. Widget callbacks run on
the kernel's thread (comm messages); the dashboard's refresh thread calls :meth:`sync`.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..algorithms import sampler_names

if TYPE_CHECKING:
    from ..search import Search

__all__ = ["ControlBar"]

_ENDED = ("finished", "stopped", "failed")


class ControlBar(widgets.HBox):
    """Buttons and fields that steer a running search (see the module docstring).

    Example:
        >>> from nas_notebook import Search, floatv
        >>> from nas_notebook.widgets import ControlBar
        >>> search = Search(lambda: floatv(0, 1), n_trials=3, storage="memory",
        ...                 executor="thread", algo="random")
        >>> bar = ControlBar(search)
        >>> bar.algo.value = "tpe"  # as choosing it in the dropdown does
        >>> search.algo, bar.message.value  # every control says what it did
        ('tpe', "<span style='color:#2ca02c'>&#10003; algorithm tpe from the next trial</span>")
        >>> bar.add_count.value = 2
        >>> bar.add_button.click()  # "Add": two more trials than planned
        >>> len(search.start().wait().trials)
        5
        >>> bar.sync(); bar.stop_button.disabled  # an ended search has nothing to stop
        True
    """

    def __init__(self, search: Search) -> None:
        self.search = search
        small = widgets.Layout(width="auto")
        self.pause_button = widgets.Button(
            description="Pause", icon="pause", tooltip="start no new trial until resumed"
        )
        self.stop_button = widgets.Button(
            description="Stop", icon="stop", tooltip="start no more trials; running ones finish"
        )
        self.add_count = widgets.BoundedIntText(
            value=10, min=1, max=1_000_000, layout=widgets.Layout(width="80px")
        )
        self.add_button = widgets.Button(
            description="Add", icon="plus", tooltip="run this many more trials", layout=small
        )
        names = sampler_names()
        self.algo = widgets.Dropdown(
            description="algorithm",
            options=names if search.algo in names else [*names, search.algo],
            value=search.algo,
            layout=widgets.Layout(width="220px"),
        )
        resizable = not search.executor.blocking
        self.workers = widgets.BoundedIntText(
            description="workers",
            value=search.executor.workers,
            min=1,
            max=512,
            disabled=not resizable,
            layout=widgets.Layout(width="150px"),
        )
        self.message = widgets.HTML(layout=small)
        self.pause_button.on_click(lambda _: self._toggle_pause())
        self.stop_button.on_click(
            lambda _: self._act(self.search.stop, done="stopping: running trials finish")
        )
        self.add_button.on_click(lambda _: self._add())
        self.algo.observe(self._on_algo, names="value")
        self.workers.observe(self._on_workers, names="value")
        self._syncing = False
        super().__init__(
            [
                self.pause_button,
                self.stop_button,
                self.add_count,
                self.add_button,
                self.algo,
                self.workers,
                self.message,
            ],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center", grid_gap="4px 8px"),
        )
        self.add_class("nas-notebook-controls")
        self.sync()

    def _act(self, method: Any, *args: Any, done: str) -> bool:
        """Call ``method(*args)``; say ``done`` (every control is acknowledged) or the error."""
        try:
            method(*args)
        except Exception as exc:  # show it where the user clicked; the search goes on
            self.message.value = (
                f"<span style='color:#d62728'>{html.escape(type(exc).__name__)}: "
                f"{html.escape(str(exc))}</span>"
            )
            return False
        self.message.value = f"<span style='color:#2ca02c'>&#10003; {html.escape(done)}</span>"
        self.sync()
        return True

    def _toggle_pause(self) -> None:
        if self.search.state == "paused":
            self._act(self.search.resume, done="resumed")
        else:
            self._act(self.search.pause, done="paused: running trials finish, none starts")

    def _add(self) -> None:
        count = self.add_count.value
        self._act(self.search.add_trials, count, done=f"{count} more trials")

    def _on_algo(self, change: dict[str, Any]) -> None:
        if self._syncing or change["new"] == self.search.algo:
            return
        done = f"algorithm {change['new']} from the next trial"
        if not self._act(self.search.set_algorithm, change["new"], done=done):
            self._set_quietly(self.algo, self.search.algo)

    def _on_workers(self, change: dict[str, Any]) -> None:
        if self._syncing or change["new"] == self.search.executor.workers:
            return
        done = f"{change['new']} workers"
        if not self._act(self.search.set_workers, change["new"], done=done):
            self._set_quietly(self.workers, self.search.executor.workers)

    def _set_quietly(self, widget: widgets.ValueWidget, value: Any) -> None:
        self._syncing = True
        try:
            widget.value = value
        finally:
            self._syncing = False

    def sync(self) -> None:
        """Make the controls show the search's current state."""
        search = self.search
        state = search.state
        live = search.started and state not in _ENDED
        paused = state == "paused"
        self.pause_button.description = "Resume" if paused else "Pause"
        self.pause_button.icon = "play" if paused else "pause"
        self.pause_button.disabled = not live or state == "stopping"
        self.stop_button.disabled = not live or state == "stopping"
        self.add_button.disabled = not live or state == "stopping"
        # An ended search has nothing left to steer: changing it would change nothing.
        ended = search.started and not live
        self.algo.disabled = ended
        self.workers.disabled = ended or search.executor.blocking
        if search.algo not in self.algo.options:  # a spec with options, or a sampler object
            self._syncing = True
            try:
                self.algo.options = [*self.algo.options, search.algo]
            finally:
                self._syncing = False
        self._set_quietly(self.algo, search.algo)
        self._set_quietly(self.workers, search.executor.workers)
