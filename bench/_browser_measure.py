"""The browser-side measurements of ``bench/browser.py``: our dashboard in JupyterLab (here) and
optuna-dashboard (``_browser_peer``), each on a fresh page of the same Chromium, timed inside
the page (see ``_browser_js``)."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

import _browser_js as js
from _browser_studies import STUDY_NAME, StudyFile

#: Our dashboard's tabs, in the order they are first viewed (History is on screen first).
TABS = [
    "History",
    "Learning curves",
    "Parallel coordinates",
    "Importance",
    "Slice",
    "Contour",
    "Trials",
]
#: Quiet that ends a window: this long after the drawing and after the last long task.
QUIET_MS = 1000.0
#: A window never waits for quiet longer than this after the drawing.
QUIET_CAP_MS = 15000.0
#: What a ``--trace`` records: the main thread's tasks, the JavaScript they ran (with the
#: sampling profiler), layout, paint and garbage collection; for Chrome's DevTools or Perfetto.
TRACE_CATEGORIES = [
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "disabled-by-default-devtools.timeline.frame",
    "v8.execute",
    "disabled-by-default-v8.cpu_profiler",
    "blink.user_timing",
    "loading",
]


class NotDrawn(Exception):
    """A figure or page never drew within the time allowed."""


def wait_seen(page: Any, name: str, timeout_s: float) -> dict[str, Any]:
    try:
        page.wait_for_function(
            "(name) => !!window.__bench.seen[name]",
            arg=name,
            timeout=timeout_s * 1000,
            polling=100,
        )
    except Exception as exc:
        raise NotDrawn(
            f"{name}: not drawn within {timeout_s:.0f} s ({type(exc).__name__})"
        ) from None
    return page.evaluate("(name) => window.__bench.seen[name]", name)


def quiet_window(page: Any, start: float, drawn: float) -> dict[str, Any]:
    """Wait for quiet after ``drawn``; the long tasks that started in ``[start, end]``."""
    while True:
        now, last_end = page.evaluate(
            """() => [performance.now(),
                      Math.max(0, ...window.__bench.longtasks.map(([s, d]) => s + d))]"""
        )
        if now - max(drawn, last_end) >= QUIET_MS or now - drawn >= QUIET_CAP_MS:
            break
        time.sleep(0.2)
    end = now
    totals = page.evaluate("([a, b]) => window.__bench.longtaskTotal(a, b)", [start, end])
    return {
        "window_ms": end - start,
        "longtask_ms": totals["total"],
        "longtasks": totals["count"],
        "longest_ms": totals["longest"],
    }


def _points(traces: list[Any], name: str) -> int:
    return sum(t[2] for t in traces if t[1] == name)


def new_page(browser: Any) -> tuple[Any, Any, Any]:
    from browser_lab import VIEWPORT, PageLog

    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(js.INIT)
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page, PageLog(page)


# -- ours ----------------------------------------------------------------------------------


def panel_cell(study: StudyFile) -> str:
    """The studies panel's cell for a study of ours, without its ``%load_ext nas_notebook``
    line (run as a cell of its own before it, and timed on its own)."""
    return (
        "from nas_notebook import load_search\n\n"
        f"search = load_search({STUDY_NAME!r}, storage={study.url!r})\n"
        "search"
    )


def start_trace(browser: Any, page: Any, trace: Path | None) -> bool:
    if trace is None:
        return False
    trace.parent.mkdir(parents=True, exist_ok=True)
    browser.start_tracing(page=page, path=str(trace), categories=TRACE_CATEGORIES)
    return True


def measure_ours(
    browser: Any,
    lab: Any,
    study: StudyFile,
    timeout_s: float,
    shots: Path | None,
    trace: Path | None = None,
) -> dict[str, Any]:
    """Our dashboard of ``study`` in JupyterLab: the cell's first paint, then each tab
    (``trace``: a Chromium trace of both written there; it slows the page down)."""
    from browser_lab import open_notebook, page_report, save_screenshot

    name = f"ours-{study.n}.ipynb"
    lab.write_notebook(name, ["%load_ext nas_notebook", panel_cell(study)])
    context, page, log = new_page(browser)
    result: dict[str, Any] = {"tabs": {}, "errors": []}
    try:
        open_notebook(page, lab, name)
        result["longtask_observer"] = page.evaluate("() => window.__bench.observer")
        # %load_ext nas_notebook, on its own (the kernel imports the package).
        page.evaluate("(s) => window.__bench.watch('load_ext', s)", js.cell_done(name, 0))
        t0 = page.evaluate(js.RUN_CELL, [name, 0])
        seen = wait_seen(page, "load_ext", timeout_s)
        result["load_ext_ms"] = seen["at"] - t0
        time.sleep(0.5)
        tracing = start_trace(browser, page, trace)
        # The panel's cell: from its run to the History figure drawn.
        page.evaluate("(s) => window.__bench.watch('History', s)", js.ours_tab_drawn("History"))
        page.evaluate("(s) => window.__bench.watch('cell', s)", js.cell_done(name, 1))
        t0 = page.evaluate(js.RUN_CELL, [name, 1])
        seen = wait_seen(page, "History", timeout_s)
        cell = wait_seen(page, "cell", timeout_s)
        window = quiet_window(page, t0, seen["at"])
        traces = page.evaluate(js.ours_tab_drawn("History"))["traces"]
        first = {
            "drawn_ms": seen["at"] - t0,
            "cell_returned_ms": cell["at"] - t0,
            "longtask_to_drawn_ms": page.evaluate(
                "([a, b]) => window.__bench.longtaskTotal(a, b).total", [t0, seen["at"]]
            ),
            **window,
            "traces_at_paint": seen["info"]["traces"],
            "traces_after_quiet": traces,
            "header": page.evaluate(js.OURS_HEADER),
        }
        # Every pruned and failed trial is drawn, and the first paint was the whole figure.
        complete = first["traces_at_paint"] == traces
        complete &= _points(traces, "pruned") == study.pruned
        complete &= _points(traces, "failed") == study.failed
        first["all_points"] = bool(complete)
        if not complete:
            result["errors"].append(f"History at {study.n}: first paint was not the whole figure")
        result["first_paint"] = first
        result["tabs"]["History"] = {"drawn_ms": first["drawn_ms"], **window, "first": True}
        if shots:
            save_screenshot(page, str(shots / f"ours-{study.n}-history.png"))
        for title in TABS[1:]:
            try:
                result["tabs"][title] = _ours_tab(page, title, timeout_s)
            except NotDrawn as exc:
                result["errors"].append(f"ours at {study.n}: {exc}")
                result["tabs"][title] = None
            if shots:
                save_screenshot(page, str(shots / f"ours-{study.n}-{title.replace(' ', '_')}.png"))
        if tracing:
            browser.stop_tracing()
    except NotDrawn as exc:
        result["errors"].append(f"ours at {study.n}: {exc}\n{page_report(page)}")
    finally:
        result["console_errors"] = log.console_errors() + log.relevant_errors()
        if result["errors"] or result["console_errors"]:
            failure = save_screenshot(page, f"bench-browser-ours-{study.n}-failure.png")
            result["errors"].append(f"screenshot: {failure}")
        with contextlib.suppress(Exception):
            context.close()
        lab.shutdown_kernels()
    return result


def _ours_tab(page: Any, title: str, timeout_s: float) -> dict[str, Any]:
    import re

    dashboard = page.locator(".nas-notebook-dashboard")
    tab = dashboard.locator(".lm-TabBar-tab").filter(has_text=re.compile(rf"^\s*{title}\s*$"))
    clicks = page.evaluate("() => window.__bench.clicks.length")
    page.evaluate("([n, s]) => window.__bench.watch(n, s)", [title, js.ours_tab_drawn(title)])
    tab.first.click()
    seen = wait_seen(page, title, timeout_s)
    clicked = page.evaluate("(n) => window.__bench.clicks[n]", clicks)
    window = quiet_window(page, clicked, seen["at"])
    info = seen["info"]
    return {
        "drawn_ms": seen["at"] - clicked,
        **window,
        "empty": info.get("empty", ""),
        "rows": info.get("rows"),
        "traces": info.get("traces"),
    }
