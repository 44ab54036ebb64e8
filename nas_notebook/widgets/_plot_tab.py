"""One plot tab of the dashboard: option dropdowns above a :class:`Figure`, and how the plot is
computed from the study's columns.

Who calls what: the dashboard's refresh thread, or a thread started for a click, calls
:meth:`PlotTab.draw`; a lock keeps two draws of one tab from interleaving.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any, Protocol

import ipywidgets as widgets

from ..study import TrialColumns
from ._figure import Figure

__all__ = ["Choices", "Compute", "PlotTab"]


class Compute(Protocol):
    """``compute(columns, directions, options, names=...) -> (traces, layout)`` for one plot tab
    (``names``: the objectives' metric names); ValueError says what it waits for."""

    def __call__(
        self,
        cols: TrialColumns,
        directions: list[str],
        options: dict[str, Any],
        names: Sequence[str] | None = None,
    ) -> tuple[list[dict[str, Any]], Any]: ...


class Choices(Protocol):
    """``choices(columns, directions, names=...) -> {option: [(label, value), ...]}`` for a
    tab's option dropdowns."""

    def __call__(
        self, cols: TrialColumns, directions: list[str], names: Sequence[str] | None = None
    ) -> dict[str, Any]: ...


class PlotTab(widgets.VBox):
    """One plot of the dashboard: option dropdowns above a :class:`Figure`, redrawn by
    :meth:`draw` only when the study or the options changed (and, for a costly plot, at most
    every ``min_interval`` seconds while the study changes)."""

    def __init__(
        self,
        title: str,
        compute: Compute,
        options: tuple[str, ...] = (),
        choices: Choices | None = None,
        min_interval: float = 0.0,
        imports: tuple[str, ...] = (),
    ) -> None:
        self.title = title
        #: Modules the plot imports on first use (imported before its drawing thread starts).
        self.imports = imports
        self.compute = compute
        self.choices = choices
        self.min_interval = min_interval
        self.options = {
            name: widgets.Dropdown(description=name, layout=widgets.Layout(width="240px"))
            for name in options
        }
        # A tab gets its content when first drawn: the browser builds no view of a tab nobody
        # looked at (at a dashboard's first paint, only the History tab's).
        self._figure: Figure | None = None
        self._key: tuple[Any, ...] | None = None
        self._drawn_at = -float("inf")
        self._lock = threading.Lock()
        super().__init__([])

    @property
    def figure(self) -> Figure:
        """The tab's plot (built on first use, with the tab's option bar above it)."""
        if self._figure is None:
            self._figure = Figure(layout=widgets.Layout(width="100%"))
            bar = widgets.HBox(list(self.options.values()), layout=widgets.Layout(grid_gap="8px"))
            self.children = (bar, self._figure) if self.options else (self._figure,)
        return self._figure

    def option_values(self) -> dict[str, Any]:
        return {name: w.value for name, w in self.options.items()}

    def _update_choices(
        self, cols: TrialColumns, directions: list[str], names: Sequence[str]
    ) -> None:
        if self.choices is None:
            return
        for name, options in self.choices(cols, directions, names=names).items():
            widget = self.options[name]
            if list(widget.options) != options:
                current = widget.value
                values = [value for _, value in options]
                widget.options = options
                if values:  # a new dropdown starts at its first choice
                    widget.value = current if current in values else values[0]

    def draw(
        self,
        cols: TrialColumns,
        directions: list[str],
        version: int,
        force: bool = False,
        names: Sequence[str] = (),
    ) -> bool:
        """Redraw if ``version`` or the options changed; False when nothing had to be done.
        ``names``: the objectives' metric names, for the axes and the target choices."""
        with self._lock:
            self._update_choices(cols, directions, names)
            values = self.option_values()
            options_key = tuple(sorted(values.items(), key=lambda kv: kv[0]))
            key = (version, options_key)
            if key == self._key:
                return False
            now = time.monotonic()
            same_options = self._key is not None and self._key[1] == options_key
            if same_options and not force and now - self._drawn_at < self.min_interval:
                return False
            self._key, self._drawn_at = key, now
            try:
                traces, layout = self.compute(cols, directions, values, names=names)
            except ValueError as exc:  # nothing to draw yet, or options that cannot be: say so
                self.figure.show_empty(str(exc))
                return True
            self.figure.show(traces, layout)
            return True
