"""The live dashboard in a real JupyterLab 4, driven by headless Chromium.

A notebook with a ``%%search`` cell is run in the browser; the tests wait for the dashboard and
its plotly plot, click its buttons and check the effect in the study's journal file, read from
this process. Screenshots go to ``$NAS_NOTEBOOK_ARTIFACTS`` (by default ``.artifacts/``), also
when a test fails, with the browser console and the server log.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import optuna
import pytest
from browser_lab import (
    VIEWPORT,
    Lab,
    PageLog,
    artifacts_dir,
    chromium_browser,
    open_notebook,
    page_report,
    run_all_cells,
    save_screenshot,
    start_lab,
    wait_until,
)
from optuna.trial import TrialState

CONTROL = "nas_notebook:control"
FINISHED = (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)


def search_notebook(lab: Lab, name: str, sleep: float, n_trials: int) -> str:
    """``NAME.ipynb``: load the extension, then search NAME into ``NAME.journal``."""
    lab.write_notebook(
        f"{name}.ipynb",
        [
            "%load_ext nas_notebook",
            f"%%search {name} -n {n_trials} --workers 1 --storage journal:{name}.journal "
            f"--algo random\nimport time\ntime.sleep({sleep})\nfloatv(0, 1)",
        ],
    )
    return f"{name}.ipynb"


class Journal:
    """The study ``name`` in a journal file, read as the kernel writes it."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        self._storage: Any = None
        self._study_id: int | None = None

    def _open(self) -> bool:
        if self._storage is None:
            if not self.path.exists():
                return False
            self._storage = optuna.storages.JournalStorage(
                optuna.storages.journal.JournalFileBackend(str(self.path))
            )
        if self._study_id is None:
            try:
                self._study_id = self._storage.get_study_id_from_name(self.name)
            except KeyError:
                return False
        return True

    def control(self) -> dict[str, Any]:
        """The study's control attribute ({} before there is one)."""
        if not self._open():
            return {}
        return dict(self._storage.get_study_system_attrs(self._study_id).get(CONTROL) or {})

    def state(self) -> str | None:
        return self.control().get("state")

    def counts(self) -> tuple[int, int, int]:
        """(trials, finished, running)."""
        if not self._open():
            return (0, 0, 0)
        trials = self._storage.get_all_trials(self._study_id, deepcopy=False)
        finished = sum(t.state in FINISHED for t in trials)
        running = sum(t.state == TrialState.RUNNING for t in trials)
        return (len(trials), finished, running)

    def describe(self) -> str:
        try:
            total, finished, running = self.counts()
            return (
                f"--- journal {self.path.name} ---\ntrials {total}, finished {finished}, "
                f"running {running}; {CONTROL} = {self.control()!r}"
            )
        except Exception as exc:
            return f"--- journal {self.path.name} ---\n<unreadable: {exc!r}>"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium_browser() as launched:
        yield launched


@pytest.fixture(scope="module")
def lab(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with start_lab(tmp_path_factory.mktemp("jupyterlab")) as lab:
        yield lab


class Session:
    """A browser page on one notebook of ``lab``, with everything a failure report needs."""

    def __init__(self, browser: Any, lab: Lab, notebook: str, journal: Journal) -> None:
        self.lab = lab
        self.notebook = notebook
        self.journal = journal
        self.context = browser.new_context(viewport=VIEWPORT)
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.log = PageLog(self.page)
        self.dashboard = self.page.locator(".nas-notebook-dashboard")

    def report(self) -> str:
        return "\n".join(
            [
                page_report(self.page),
                self.journal.describe(),
                self.log.tail(),
                self.lab.log_tail(),
            ]
        )

    def expect_visible(self, locator: Any, what: str, timeout: float = 30) -> Any:
        try:
            locator.first.wait_for(state="visible", timeout=timeout * 1000)
        except Exception as exc:
            raise AssertionError(
                f"{what} (waited {timeout:.0f}s: {type(exc).__name__})\n{self.report()}"
            ) from None
        return locator.first

    def button(self, text: str) -> Any:
        return self.dashboard.locator("button").filter(has_text=re.compile(rf"^\s*{text}\s*$"))

    def click(self, text: str, what: str) -> None:
        """Click the dashboard's button ``text`` (``what`` names it in a failure)."""
        button = self.expect_visible(self.button(text), f"the dashboard has no {what}")
        try:
            button.click(timeout=20_000)
        except Exception as exc:
            raise AssertionError(f"could not click the {what} ({exc})\n{self.report()}") from None

    def header(self) -> str:
        """The dashboard's headline: NAME · state · done/total."""
        headline = self.dashboard.locator(".widget-html-content").filter(
            has_text=re.compile(rf"^\s*{self.journal.name}\s*·")
        )
        return headline.first.inner_text(timeout=10_000)

    def show_dashboard(self) -> None:
        """Open the notebook, run all its cells and wait for the dashboard and its plot."""
        try:
            open_notebook(self.page, self.lab, self.notebook)
        except Exception as exc:
            raise AssertionError(
                f"the notebook {self.notebook} did not open on an idle kernel ({exc})\n"
                + self.report()
            ) from None
        run_all_cells(self.page, self.notebook)
        self.expect_visible(self.dashboard, "no .nas-notebook-dashboard appeared", timeout=120)
        self.expect_visible(
            self.dashboard.locator(".js-plotly-plot"),
            "the dashboard shows no plotly plot (.js-plotly-plot)",
            timeout=60,
        )

    def check_page_errors(self) -> None:
        errors = self.log.relevant_errors()
        assert not errors, (
            "uncaught errors in the page:\n" + "\n\n".join(errors) + ("\n" + self.report())
        )

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.context.close()


@contextlib.contextmanager
def session(browser: Any, lab: Lab, name: str, n_trials: int, sleep: float) -> Iterator[Session]:
    """A :class:`Session` on a fresh search notebook NAME; on failure a screenshot, the browser
    console and the server log are saved as ``NAME-failure.*`` in the artifacts folder."""
    for stale in artifacts_dir().glob(f"{name}-failure.*"):
        stale.unlink()
    notebook = search_notebook(lab, name, sleep=sleep, n_trials=n_trials)
    s = Session(browser, lab, notebook, Journal(lab.root_dir / f"{name}.journal", name))
    try:
        yield s
    except BaseException:
        save_screenshot(s.page, f"{name}-failure.png")
        with contextlib.suppress(Exception):
            (artifacts_dir() / f"{name}-failure.log").write_text(s.report())
        raise
    finally:
        s.close()
        lab.shutdown_kernels()


def finished_trials(s: Session) -> int:
    return s.journal.counts()[1]


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
