"""A notebook running a ``%%search`` in a real JupyterLab, seen from a Chromium page, and its
study's journal read from this process: what the browser tests of the dashboard share."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import optuna
from browser_lab import (
    VIEWPORT,
    Lab,
    PageLog,
    artifacts_dir,
    open_notebook,
    page_report,
    run_all_cells,
    save_screenshot,
)
from optuna.trial import TrialState

CONTROL = "nas_notebook:control"
FINISHED = (TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED)


#: Where a session's journal goes, under the Jupyter root. Not the root itself: a journal's
#: writers take the lock file ``NAME.journal.lock`` beside it (the name plain Optuna's writers
#: take too) and remove it after each write, and jupyter_server lists a folder by reading each
#: entry after listing it, so a listing that meets the lock between the two fails with a 404
#: (about 6 % of listings under constant lock churn). JupyterLab then shows "Directory not
#: found" for the folder. Known, left in jupyter_server; a test page that lists the root must
#: not meet it.
JOURNALS = "journals"


def search_notebook(
    lab: Lab, name: str, sleep: float, n_trials: int, body: str | None = None, options: str = ""
) -> str:
    """``NAME.ipynb``: load the extension, then search NAME into ``journals/NAME.journal``
    (``body``: the cell's code, by default a trial of ``sleep`` seconds; ``options``: more of
    its line)."""
    body = body or f"import time\ntime.sleep({sleep})\nfloatv(0, 1)"
    lab.write_notebook(
        f"{name}.ipynb",
        [
            "%load_ext nas_notebook",
            f"%%search {name} -n {n_trials} --workers 1 --storage journal:{JOURNALS}/{name}.journal "
            f"--algo random {options}\n{body}",
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

    def states(self) -> list[TrialState]:
        """Every trial's state, in trial order."""
        if not self._open():
            return []
        return [t.state for t in self._storage.get_all_trials(self._study_id, deepcopy=False)]

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
def session(
    browser: Any, lab: Lab, name: str, n_trials: int, sleep: float = 0.1, **cell: str
) -> Iterator[Session]:
    """A :class:`Session` on a fresh search notebook NAME (``cell``: ``body``/``options`` of
    :func:`search_notebook`); on failure a screenshot, the browser console and the server log are
    saved as ``NAME-failure.*`` in the artifacts folder."""
    for stale in artifacts_dir().glob(f"{name}-failure.*"):
        stale.unlink()
    notebook = search_notebook(lab, name, sleep=sleep, n_trials=n_trials, **cell)
    s = Session(browser, lab, notebook, Journal(lab.root_dir / JOURNALS / f"{name}.journal", name))
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
