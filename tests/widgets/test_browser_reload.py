"""The dashboard after the browser forgets it: a page reload and a notebook closed and opened
again, while the search runs in the kernel. Every tab must come back drawn from the kernel's
state, with the current trial count, the metric's name on its axes, and no error in the console.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from browser_lab import (
    Lab,
    open_notebook,
    save_screenshot,
    wait_until,
)
from browser_session import Session, session
from optuna.trial import TrialState

TABS = ["History", "Learning curves", "Parallel coordinates", "Importance", "Slice", "Contour"]

# A search with a named metric, learning curves, pruned trials (median pruner) and failed ones.
BODY = """import time
x = floatv(0, 1)
lr = floatv(1e-4, 1e-1, log=True)
if x > 0.85:
    raise ValueError("diverged")
for epoch in range(3):
    accuracy = x * (epoch + 1) / 3
    report(accuracy=accuracy, step=epoch)
    time.sleep(0.1)
accuracy"""
OPTIONS = "--pruner median:n_startup_trials=3,n_warmup_steps=0 --metric accuracy"

# What each visible figure of the dashboard shows, read from plotly's own state on its div.
_FIGURES = """() => Array.from(document.querySelectorAll('.nas-notebook-dashboard .nas-notebook-figure'))
  .filter((el) => el.offsetParent !== null)
  .map((el) => {
    const plot = el.querySelector('.nas-notebook-figure-plot');
    const empty = el.querySelector('.nas-notebook-figure-empty');
    const full = plot && plot._fullLayout;
    const title = (axis) => (full && full[axis] && full[axis].title && full[axis].title.text) || '';
    return {
      empty: empty && empty.style.display !== 'none' ? empty.textContent : '',
      drawn: !!(plot && plot.querySelector('.main-svg')),
      width: plot ? plot.getBoundingClientRect().width : 0,
      panel: el.getBoundingClientRect().width,
      traces: plot && plot._fullData ? plot._fullData.map((t) => ({
        name: t.name || '', type: t.type,
        points: (t.x && t.x.length) || (t.dimensions && t.dimensions[0]
          && t.dimensions[0].values.length) || 0,
      })) : [],
      xtitle: title('xaxis'), ytitle: title('yaxis'),
    };
  })"""


def show_tab(s: Session, title: str) -> dict[str, Any]:
    """Select the dashboard's tab ``title`` and return its figure once drawn (or empty)."""
    tab = s.dashboard.locator(".lm-TabBar-tab").filter(has_text=re.compile(rf"^\s*{title}\s*$"))
    s.expect_visible(tab, f"the dashboard has no {title} tab").click()

    def drawn() -> dict[str, Any] | None:
        figures = s.page.evaluate(_FIGURES)
        if len(figures) == 1 and (figures[0]["empty"] or figures[0]["traces"]):
            return figures[0]  # type: ignore[no-any-return]
        return None

    figure = wait_until(drawn, 30, f"the {title} tab shows no drawn figure", s.report)
    assert not figure["empty"], f"{title} says {figure['empty']!r}\n{s.report()}"
    # The plot fills its panel (plotly's default is 700 px, in a panel some 890 px wide).
    assert figure["width"] >= figure["panel"] - 2, (title, figure["width"], figure["panel"])
    return figure  # type: ignore[no-any-return]


def header_done(s: Session) -> int:
    return int(re.search(r"·\s*(\d+)/", s.header()).group(1))  # type: ignore[union-attr]


def shoot(s: Session, title: str) -> None:
    """The dashboard on tab ``title``, as the README shows it (scripts/screenshots)."""
    save_screenshot(s.page, f"dashboard-{title.lower().replace(' ', '-')}.png", s.dashboard)


def check_every_tab(s: Session, when: str, screenshots: bool = False) -> None:
    finished = s.journal.counts()[1]
    done = wait_until(
        lambda: header_done(s) >= finished and header_done(s),
        30,
        f"{when}: the header does not count the {finished} finished trials",
        s.report,
    )
    history = show_tab(s, "History")
    if screenshots:
        shoot(s, "History")
    assert "accuracy" in history["ytitle"], (when, history["ytitle"])
    names = {t["name"] for t in history["traces"]}
    assert {"pruned", "failed"} <= names, (when, names)
    complete = sum(t["points"] for t in history["traces"] if t["name"] == "accuracy")
    assert complete >= 1, (when, history["traces"])
    curves = show_tab(s, "Learning curves")
    if screenshots:
        shoot(s, "Learning curves")
    assert "accuracy" in curves["ytitle"], (when, curves["ytitle"])
    for title in TABS[2:]:
        show_tab(s, title)
        if screenshots:
            shoot(s, title)
    assert done >= finished
    # plotly.js came from the JupyterLab extension's idle-time load, not from the kernel.
    loaded = s.page.evaluate(
        "() => performance.getEntriesByType('resource').map((e) => e.name)"
        ".filter((n) => n.includes('nas-notebook/api/plotly.mjs')).length"
    )
    assert loaded == 1, f"{when}: plotly.js was fetched {loaded} times from the server"
    s.check_page_errors()
    errors = s.log.console_errors()
    assert not errors, f"{when}: the console logged errors:\n" + "\n".join(errors)


def save_notebook(s: Session) -> None:
    s.page.evaluate(
        """async (name) => {
          for (const w of Array.from(window.jupyterapp.shell.widgets('main'))) {
            if (w.context && w.context.path === name) await w.context.save();
          }
        }""",
        s.notebook,
    )


def reopen_notebook(s: Session) -> None:
    """Close the notebook's tab (its kernel keeps running) and open it again."""
    s.page.evaluate(
        """async (name) => {
          const app = window.jupyterapp;
          for (const w of Array.from(app.shell.widgets('main'))) {
            if (w.context && w.context.path === name) {
              await w.context.save();
              w.dispose();
            }
          }
          await app.commands.execute('docmanager:open', { path: name });
        }""",
        s.notebook,
    )


@pytest.mark.timeout(420)
def test_reload_and_reopen_keep_every_tab_drawn_without_console_errors(
    browser: Any, lab: Lab
) -> None:
    with session(browser, lab, "reload", n_trials=2000, body=BODY, options=OPTIONS) as s:
        s.show_dashboard()

        def mixed() -> bool:
            states = s.journal.states()
            return all(states.count(k) >= 2 for k in (TrialState.PRUNED, TrialState.FAIL))

        wait_until(mixed, 120, "no two pruned and two failed trials yet", s.report)
        check_every_tab(s, "first view", screenshots=True)

        save_notebook(s)  # outputs never saved are gone after a reload, widgets or not
        open_notebook(s.page, s.lab, s.notebook)  # the page loaded again, as a reload does
        s.expect_visible(s.dashboard, "no dashboard after the page was reloaded", timeout=60)
        check_every_tab(s, "after a reload")

        reopen_notebook(s)
        s.expect_visible(s.dashboard, "no dashboard after the notebook was re-opened", 60)
        check_every_tab(s, "after the notebook was closed and opened again")
        s.click("Stop", "Stop button")
        wait_until(lambda: "stopped" in s.header(), 60, "the search did not stop", s.report)
        check_ended_controls(s)


def check_ended_controls(s: Session) -> None:
    """An ended search's algorithm and workers are disabled, and forcing them changes nothing
    stored: the study stays 'stopped' (it once turned 'running' again)."""
    controls = s.dashboard.locator(".nas-notebook-controls")
    algorithm, workers = controls.locator("select").first, controls.locator("input").last
    wait_until(
        lambda: algorithm.is_disabled() and workers.is_disabled(),
        20,
        "the algorithm and workers of a stopped search are still enabled",
        s.report,
    )
    for button in ("Pause", "Stop", "Add"):
        assert s.button(button).first.is_disabled(), f"{button} is enabled after the end"
    algorithm.select_option("tpe", force=True)
    workers.fill("3", force=True)
    workers.press("Enter")
    time.sleep(2.0)
    assert s.journal.state() == "stopped", s.report()
    assert s.journal.control().get("algo") == "random", s.report()
