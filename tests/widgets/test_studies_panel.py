"""The studies side panel in a real JupyterLab 4, driven by headless Chromium.

JupyterLab loads the panel from the package's built wheel (its ``share/jupyter/labextensions``
files, unpacked into the Jupyter path the server reads first). A notebook runs a ``%%search``;
the panel must show the study running, then finished, and a click on it opens the study's
dashboard. A study whose name is HTML must show as text. Screenshots go to
``$NAS_NOTEBOOK_ARTIFACTS`` (by default ``.artifacts/``).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import optuna
import pytest
from browser_lab import (
    VIEWPORT,
    Lab,
    PageLog,
    chromium_browser,
    notebook_texts,
    open_notebook,
    page_report,
    run_all_cells,
    save_screenshot,
    wait_until,
)

HOSTILE_NAME = '<img src=x onerror="window.nasInjected=1"><script>window.nasInjected=2</script>'
PANEL = "#nas-notebook-studies"


def _unpack_labextension(wheel: Path, jupyter_path: Path) -> Path:
    """The wheel's labextension files into ``jupyter_path/labextensions``, as pip would put them
    under ``share/jupyter``."""
    marker = ".data/data/share/jupyter/labextensions/"
    with zipfile.ZipFile(wheel) as archive:
        members = [name for name in archive.namelist() if marker in name]
        assert any(name.endswith("nas-notebook/package.json") for name in members), members
        for name in members:
            target = jupyter_path / "labextensions" / name.split(marker, 1)[1]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(name))
    return jupyter_path / "labextensions" / "nas-notebook"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium_browser() as launched:
        yield launched


@pytest.fixture(scope="module")
def lab(browser: Any, built_wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    base = tmp_path_factory.mktemp("jupyterlab-panel")
    installed = _unpack_labextension(built_wheel, base / "jupyter_path")
    lab = Lab(base)
    try:
        lab.start()
        # JupyterLab serves the panel from the wheel's files (the first Jupyter path wins).
        listed = lab.api("GET", "/lab/api/extensions")
        ours = [e for e in listed if e["name"] == "nas-notebook"]
        assert ours and ours[0]["enabled"], listed
        assert json.loads((installed / "package.json").read_text())["name"] == "nas-notebook"
        yield lab
    finally:
        lab.stop()


def test_the_panel_shows_a_search_running_then_finished(browser: Any, lab: Lab) -> None:
    root = lab.root_dir
    hostile = optuna.create_study(study_name=HOSTILE_NAME, storage=f"sqlite:///{root / 'odd.db'}")
    hostile.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    lab.write_notebook(
        "panel.ipynb",
        [
            "%load_ext nas_notebook",
            # Helpers from an earlier cell: the dashboard notebook the panel opens runs in a
            # fresh kernel that has none of them, and must show the study all the same.
            # Every trial waits for the test's go-ahead, so the study runs for as long as
            # the panel takes to show it running, however loaded the machine is.
            "import pathlib, time\n\n"
            "def wait_for_release():\n"
            "    while not pathlib.Path('release').exists():\n        time.sleep(0.1)\n"
            "    time.sleep(0.3)\n\n"
            "def evaluate(x):\n    return x",
            "%%search panel_demo -n 6 --workers 1 --storage journal:panel_demo.journal "
            "--algo random\nwait_for_release()\nevaluate(floatv(0, 1))",
        ],
    )
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    log = PageLog(page)

    def report() -> str:
        try:
            shown = page.locator(PANEL).inner_text(timeout=2000)
            served = json.dumps(lab.api("GET", "/nas-notebook/api/studies")["studies"])[:4000]
        except Exception as exc:  # the report must not hide the failure it reports
            shown = served = repr(exc)
        panel_part = f"--- studies panel ---\n{shown}\n--- studies route ---\n{served}"
        return "\n".join([page_report(page), panel_part, log.tail(), lab.log_tail()])

    try:
        open_notebook(page, lab, "panel.ipynb")
        page.locator('.lm-TabBar-tab[data-id="nas-notebook-studies"]').click()
        panel = page.locator(PANEL)
        panel.wait_for(state="visible", timeout=30000)

        def row_state(name: str) -> str | None:
            return page.evaluate(
                """([selector, name]) => {
                  for (const row of document.querySelectorAll(selector + ' .nas-study')) {
                    if (row.querySelector('.nas-study-name').textContent === name)
                      return row.dataset.state;
                  }
                  return null;
                }""",
                [PANEL, name],
            )

        # The hostile name is there as text, and nothing of it ran or became an element.
        wait_until(lambda: row_state(HOSTILE_NAME) == "finished", 30, "the odd study", report)
        assert page.evaluate("() => window.nasInjected") is None
        assert panel.locator("img, script").count() == 0

        run_all_cells(page, "panel.ipynb")
        wait_until(lambda: row_state("panel_demo") == "running", 60, "panel_demo running", report)
        save_screenshot(page, "studies-panel-running.png")
        row = panel.locator(".nas-study", has_text="panel_demo").first
        assert "trials" in row.inner_text()
        (root / "release").touch()
        wait_until(lambda: row_state("panel_demo") == "finished", 90, "panel_demo finished", report)
        wait_until(lambda: "6 complete" in row.inner_text(), 10, "six trials complete", report)
        assert "best " in row.inner_text()
        save_screenshot(page, "studies-panel-finished.png")

        # A click on the row opens the study's dashboard notebook and runs it: the one the
        # server generated, never a file of the same name put there by someone else.
        planted = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_code_cell("open('planted-ran', 'w').write('ran')")]
        )
        nbformat.write(planted, root / "panel_demo dashboard.ipynb")

        def dashboard() -> str:
            return next((p.name for p in root.glob("panel_demo dashboard *.ipynb")), "")

        def shows(text: str) -> bool:
            shown = notebook_texts(
                page, dashboard() or "-", ".nas-notebook-dashboard .widget-html-content"
            )
            return any(text in part for part in shown)

        row.click()
        wait_until(
            lambda: shows("panel_demo · finished · 6/6"),
            120,
            "the study's dashboard notebook showing its dashboard",
            report,
        )
        # Its trials are there, read from the storage: the counts of the six trials.
        wait_until(lambda: shows("6 complete"), 30, "the dashboard counting six trials", report)
        assert dashboard() and not (root / "planted-ran").exists()
        save_screenshot(page, "studies-panel-dashboard.png")
        assert not log.relevant_errors(), report()
    except Exception:
        save_screenshot(page, "studies-panel-failure.png")
        raise
    finally:
        (root / "release").touch()  # a failed check must not leave the kernel waiting
        context.close()
