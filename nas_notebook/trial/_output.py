"""What background trials print, kept out of the notebook's other cells.

In a kernel, text written to ``sys.stdout`` from any thread lands in whichever cell is executing
at that moment, so a background trial's ``print`` would appear under unrelated cells. While a
trial runs on a background lane, its thread's writes to ``sys.stdout`` / ``sys.stderr`` go to the
search's :class:`TrialLog` instead (the dashboard shows it; the command line prints it above the
progress bar). Other threads write to the original streams, untouched.
"""

from __future__ import annotations

import collections
import sys
import threading
from typing import Any, TextIO

__all__ = ["TrialLog", "route", "unroute"]


class TrialLog:
    """The last ``maxlen`` lines printed by trials, each prefixed with its trial number.

    Thread-safe: lanes append, views read. ``version`` changes whenever a line is added, so a
    view can tell cheaply whether to redraw; :meth:`since` returns lines added after a version.
    """

    def __init__(self, maxlen: int = 500) -> None:
        self._lines: collections.deque[tuple[int, str]] = collections.deque(maxlen=maxlen)
        self._partial: dict[int, str] = {}
        self._lock = threading.Lock()
        self.version = 0

    def write(self, number: int, text: str) -> None:
        with self._lock:
            pending = self._partial.pop(number, "") + text
            *complete, rest = pending.replace("\r\n", "\n").split("\n")
            if rest:
                self._partial[number] = rest
            for line in complete:
                self.version += 1
                self._lines.append((self.version, f"[trial {number}] {line}"))

    def flush(self, number: int) -> None:
        """End trial ``number``'s unterminated last line, if any."""
        if number not in self._partial:  # the usual case, without taking the lock
            return
        with self._lock:
            rest = self._partial.pop(number, "")
        if rest:
            self.write(number, rest + "\n")

    def lines(self) -> list[str]:
        with self._lock:
            return [line for _, line in self._lines]

    def since(self, version: int) -> tuple[list[str], int]:
        """Lines added after ``version`` (that are still kept), and the version they reach."""
        with self._lock:
            return [line for v, line in self._lines if v > version], self.version

    def tail(self, n: int = 20) -> str:
        return "\n".join(self.lines()[-n:])


class _RoutedStream:
    """Stands in for ``sys.stdout``/``sys.stderr``: routes the writes of registered threads."""

    def __init__(self, original: TextIO, routes: dict[int, Any]) -> None:
        self._original = original
        self._routes = routes

    def write(self, text: str) -> int:
        route = self._routes.get(threading.get_ident())
        if route is None:
            return self._original.write(text)
        log, number = route
        log.write(number, text)
        return len(text)

    def flush(self) -> None:
        if threading.get_ident() not in self._routes:
            self._original.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


_routes: dict[int, tuple[TrialLog, int]] = {}
_install_lock = threading.Lock()


def _install() -> None:
    with _install_lock:
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if not isinstance(stream, _RoutedStream):
                setattr(sys, name, _RoutedStream(stream, _routes))


def route(log: TrialLog, number: int) -> int:
    """Send this thread's ``sys.stdout``/``sys.stderr`` writes to ``log`` until :func:`unroute`.

    Called by the job runner on a background lane; returns the thread's ident. The stand-in
    streams are installed on first use (again if something replaced them, e.g. a test's capture).
    """
    if type(sys.stdout) is not _RoutedStream or type(sys.stderr) is not _RoutedStream:
        _install()
    ident = threading.get_ident()
    _routes[ident] = (log, number)
    return ident


def unroute(ident: int) -> None:
    """Undo :func:`route` for thread ``ident``, ending the trial's unterminated last line."""
    route = _routes.pop(ident, None)
    if route is not None:
        log, number = route
        log.flush(number)
