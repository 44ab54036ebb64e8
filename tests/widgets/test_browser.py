"""The live dashboard in a real JupyterLab 4, driven by headless Chromium.

A notebook with a ``%%search`` cell is run in the browser; the tests wait for the dashboard and
its plotly plot, click its buttons and check the effect in the study's journal file, read from
this process. Screenshots go to ``$NAS_NOTEBOOK_ARTIFACTS`` (by default ``.artifacts/``), also
when a test fails, with the browser console and the server log.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from browser_lab import Lab, save_screenshot, wait_until
from browser_session import (
    CONTROL,
    FINISHED,
    Journal,
    Session,
    finished_trials,
    search_notebook,
    session,
)

__all__ = ["FINISHED", "Journal", "Session", "search_notebook"]  # shared with other tests


@pytest.mark.timeout(240)
def test_dashboard_renders_with_a_live_plot_and_stop_works(browser: Any, lab: Lab) -> None:
    # 3000 trials of 0.1 s: the search is still running when Stop is clicked, however slowly
    # the machine renders the first point.
    with session(browser, lab, "render", n_trials=3000, sleep=0.1) as s:
        s.show_dashboard()
        s.expect_visible(
            s.dashboard.locator(".js-plotly-plot .scatterlayer .point"),
            "no trial reached the dashboard's plot",
            timeout=60,
        )
        save_screenshot(s.page, "dashboard.png", s.dashboard)

        s.click("Stop", "Stop button")
        wait_until(
            lambda: re.search(r"\b(stopping|stopped)\b", s.header()),
            20,
            "the dashboard does not say stopping/stopped after Stop was clicked",
            s.report,
        )
        wait_until(
            lambda: "stopped" in s.header(),
            30,
            "the search did not end after Stop was clicked",
            s.report,
        )
        total, finished, running = s.journal.counts()
        assert running == 0 and finished == total < 3000, s.report()
        time.sleep(1.0)
        assert s.journal.counts() == (total, finished, 0), "trials ran after Stop\n" + s.report()
        s.check_page_errors()


@pytest.mark.timeout(240)
def test_pause_and_resume_buttons_control_the_search(browser: Any, lab: Lab) -> None:
    # 0.3 s trials, 1000 of them: many are left when the buttons are clicked, however loaded the
    # machine is; Stop ends the search at the end.
    with session(browser, lab, "demo", n_trials=1000, sleep=0.3) as s:
        s.show_dashboard()
        wait_until(lambda: finished_trials(s) >= 1, 60, "no trial finished", s.report)
        wait_until(
            lambda: s.journal.state() == "running",
            20,
            f"the study's {CONTROL} state does not say 'running' while trials run",
            s.report,
        )

        s.click("Pause", "Pause button")
        s.expect_visible(s.button("Resume"), "the Pause button did not turn into Resume")
        wait_until(
            lambda: s.journal.state() == "paused",
            20,
            f"the study's {CONTROL} state did not become 'paused' after Pause was clicked",
            s.report,
        )
        # The trial running when Pause was clicked finishes; then none starts.
        wait_until(
            lambda: s.journal.counts()[2] == 0,
            20,
            "a trial is still running well after the search was paused",
            s.report,
        )
        paused_counts = s.journal.counts()
        time.sleep(3.0)  # room for 10 trials of 0.3 s
        assert s.journal.counts() == paused_counts, (
            f"trials ran while paused: {paused_counts} (trials, finished, running) became "
            f"{s.journal.counts()}\n" + s.report()
        )
        assert s.journal.state() == "paused", s.report()
        save_screenshot(s.page, "dashboard-paused.png", s.dashboard)

        s.click("Resume", "Resume button")
        s.expect_visible(s.button("Pause"), "the Resume button did not turn back into Pause")
        wait_until(
            lambda: s.journal.state() == "running",
            20,
            f"the study's {CONTROL} state did not become 'running' after Resume was clicked",
            s.report,
        )
        finished = paused_counts[1]
        wait_until(
            lambda: finished_trials(s) >= finished + 2,
            30,
            "no more trials finished after Resume",
            s.report,
        )

        s.click("Stop", "Stop button")
        wait_until(
            lambda: s.journal.state() in ("stopping", "stopped"),
            20,
            f"the study's {CONTROL} state did not become 'stopping'/'stopped' after Stop",
            s.report,
        )
        wait_until(
            lambda: "stopped" in s.header(),
            30,
            "the dashboard does not say stopped after Stop was clicked",
            s.report,
        )
        save_screenshot(s.page, "dashboard-pause-resume.png", s.dashboard)
        s.check_page_errors()
