"""optuna-dashboard's side of ``bench/browser.py``: the server on the study's journal file, and
its pages in a fresh page of the same Chromium, timed inside the page (see ``_browser_js``)."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import _browser_js as js
from _browser_measure import NotDrawn, new_page, quiet_window, start_trace, wait_seen
from _browser_studies import STUDY_NAME, StudyFile


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def peer_server(study: StudyFile, log_path: Path, timeout_s: float = 120) -> Any:
    """optuna-dashboard serving ``study``'s journal file; yields ``(url, seconds to answer)``."""
    port = _free_port()
    command = [
        sys.executable,
        "-c",
        "import sys; from optuna_dashboard._cli import main; sys.exit(main())",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--quiet",
        str(study.path),
    ]
    begin = time.perf_counter()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"optuna-dashboard exited with {process.returncode}: "
                    + log_path.read_text(errors="replace")[-2000:]
                )
            try:
                with urllib.request.urlopen(f"{url}/api/studies", timeout=5) as response:
                    studies = json.loads(response.read())["study_summaries"]
                break
            except OSError:
                if time.perf_counter() - begin > timeout_s:
                    raise
                time.sleep(0.2)
        study_id = next(s["study_id"] for s in studies if s["study_name"] == STUDY_NAME)
        yield f"{url}/dashboard/studies/{study_id}", time.perf_counter() - begin
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


#: The peer's views: (row, page link, plot id, points that mean drawn).
def peer_views(study: StudyFile) -> list[tuple[str, str, str, int]]:
    return [
        ("History", "", "plot-history", study.complete),
        ("Learning curves", "", "graph-intermediate-values", 1),
        ("Importance", "", "graph-hyperparameter-importances", 1),
        ("Slice", "analytics", "plot-slice", 1),
        ("Contour", "analytics", "graph-contour", 1),
        ("Parallel coordinates", "smartSelection", "plot-parallel-coordinate", 1),
        ("Trials", "trials", "", 0),
    ]


def measure_peer(
    browser: Any,
    study: StudyFile,
    timeout_s: float,
    log_path: Path,
    shots: Path | None,
    trace: Path | None = None,
) -> dict[str, Any]:
    """optuna-dashboard on ``study``: its study page from navigation, then its other pages
    (``trace``: as for :func:`measure_ours`)."""
    from browser_lab import save_screenshot

    result: dict[str, Any] = {"views": {}, "errors": []}
    with peer_server(study, log_path) as (url, answered_s):
        result["server_answer_s"] = answered_s
        context, page, log = new_page(browser)
        try:
            views = peer_views(study)
            # The study page: History, Learning curves (intermediate values), Importance.
            for row, link, plot, points in views:
                if not link:
                    context.add_init_script(
                        f"window.__bench.watch({json.dumps(row)}, "
                        f"{json.dumps(js.peer_plot_drawn(plot, points))})"
                    )
            tracing = start_trace(browser, page, trace)
            page.goto(url, wait_until="commit")
            result["longtask_observer"] = None
            drawn_at = 0.0
            for row, link, _, _ in views:
                if link:
                    continue
                try:
                    seen = wait_seen(page, row, timeout_s)
                except NotDrawn as exc:
                    result["errors"].append(f"optuna-dashboard at {study.n}: {exc}")
                    result["views"][row] = None
                    continue
                result["views"][row] = {
                    "drawn_ms": seen["at"],
                    "from": "navigation",
                    "traces": seen["info"]["traces"],
                }
                drawn_at = max(drawn_at, seen["at"])
            result["longtask_observer"] = page.evaluate("() => window.__bench.observer")
            history = result["views"].get("History")
            if history:
                history["longtask_to_drawn_ms"] = page.evaluate(
                    "(b) => window.__bench.longtaskTotal(0, b).total", history["drawn_ms"]
                )
            result["study_page"] = quiet_window(page, 0.0, drawn_at)
            for row in ("History", "Learning curves", "Importance"):
                if result["views"].get(row):
                    result["views"][row]["page"] = "study page"
            if shots:
                save_screenshot(page, str(shots / f"peer-{study.n}-study.png"))
            # The other pages, each reached by a click on its link in the side bar.
            for name, condition in (
                ("Contour", js.peer_plot_drawn("graph-contour", 1)),
                ("load anyway", js.PEER_LOAD_ANYWAY),
            ):
                page.evaluate("([n, s]) => window.__bench.watch(n, s)", [name, condition])
            _peer_page(page, result, study, "analytics", ["Slice"], timeout_s)
            _peer_contour(page, result, study, timeout_s)
            if shots:
                save_screenshot(page, str(shots / f"peer-{study.n}-analytics.png"))
            _peer_page(page, result, study, "smartSelection", ["Parallel coordinates"], timeout_s)
            _peer_page(page, result, study, "trials", ["Trials"], timeout_s)
            if shots:
                save_screenshot(page, str(shots / f"peer-{study.n}-trials.png"))
            if tracing:
                browser.stop_tracing()
        finally:
            result["console_errors"] = log.console_errors() + log.relevant_errors()
            with contextlib.suppress(Exception):
                context.close()
    return result


def _peer_page(
    page: Any,
    result: dict[str, Any],
    study: StudyFile,
    link: str,
    rows: list[str],
    timeout_s: float,
) -> None:
    """Click the side bar's link to ``link``; time each of ``rows``' views from the click."""
    views = {row: (plot, points) for row, _, plot, points in peer_views(study)}
    for row in rows:
        plot, points = views[row]
        condition = js.PEER_TRIAL_LIST if row == "Trials" else js.peer_plot_drawn(plot, points)
        page.evaluate("([n, s]) => window.__bench.watch(n, s)", [row, condition])
    clicks = page.evaluate("() => window.__bench.clicks.length")
    page.locator(f"a[href$='/{link}']").first.click()
    clicked = page.evaluate("(n) => window.__bench.clicks[n]", clicks)
    result.setdefault("clicks", {})[link] = clicked
    drawn_at = clicked
    for row in rows:
        try:
            seen = wait_seen(page, row, timeout_s)
        except NotDrawn as exc:
            result["errors"].append(f"optuna-dashboard at {study.n}: {exc}")
            result["views"][row] = None
            continue
        result["views"][row] = {
            "drawn_ms": seen["at"] - clicked,
            "from": f"click on {link}",
            "page": link,
            "info": seen["info"],
        }
        drawn_at = max(drawn_at, seen["at"])
    window = quiet_window(page, clicked, drawn_at)
    for row in rows:
        if result["views"].get(row):
            result["views"][row].update(window)


def _peer_contour(page: Any, result: dict[str, Any], study: StudyFile, timeout_s: float) -> None:
    """The contour of the analytics page (its watches were set before the page's link was
    clicked): over 100 trials it waits for a click on "Load plot anyway"."""
    page.wait_for_function(
        "() => window.__bench.seen['Contour'] || window.__bench.seen['load anyway']",
        timeout=timeout_s * 1000,
        polling=100,
    )
    seen = page.evaluate("() => window.__bench.seen['Contour']")
    note = "drawn with the page"
    clicked = result["clicks"]["analytics"]
    if not seen:
        note = "click on Load plot anyway (over 100 trials)"
        clicks = page.evaluate("() => window.__bench.clicks.length")
        page.get_by_role("button", name="Load plot anyway").click()
        clicked = page.evaluate("(n) => window.__bench.clicks[n]", clicks)
        try:
            seen = wait_seen(page, "Contour", timeout_s)
        except NotDrawn as exc:
            result["errors"].append(f"optuna-dashboard at {study.n}: {exc}")
            result["views"]["Contour"] = None
            return
    window = quiet_window(page, clicked, seen["at"])
    result["views"]["Contour"] = {
        "drawn_ms": seen["at"] - clicked,
        "from": note,
        "page": "analytics",
        "info": seen["info"],
        **window,
    }
