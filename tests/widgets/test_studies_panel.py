"""The studies side panel in a real JupyterLab 4, driven by headless Chromium.

JupyterLab loads the panel from the package's built wheel (its ``share/jupyter/labextensions``
files, unpacked into the Jupyter path the server reads first). A notebook runs a ``%%search``;
the panel must show the study running, then finished, and a click on it opens the study's
dashboard. A study whose name is HTML must show as text. Each state has its own colour and its
name, and at the side bar's default width every line fits its row. Screenshots go to
``$NAS_NOTEBOOK_ARTIFACTS`` (by default ``.artifacts/``).
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
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
    notebook_texts,
    open_notebook,
    page_report,
    run_all_cells,
    save_screenshot,
    wait_until,
)

CONTROL = "nas_notebook:control"
# The colour of each state the panel shows, as the dashboard paints them (one each).
STATE_COLORS = {
    "running": "rgb(31, 119, 180)",
    "paused": "rgb(148, 103, 189)",
    "stopping": "rgb(188, 189, 34)",
    "finished": "rgb(44, 160, 44)",
    "stopped": "rgb(255, 127, 14)",
    "failed": "rgb(214, 39, 40)",
    "interrupted": "rgb(140, 86, 75)",
}
LONG_NAME = "resnet_width_depth_and_learning_rate_search_on_cifar10_with_a_long_name"
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


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _studies_in_every_state(root: Path) -> dict[str, str]:
    """One study per state the panel shows, in ``states/<a long folder name>/runs.db``; their
    names by state."""
    folder = root / "states" / "a_folder_with_a_name_longer_than_the_side_bar"
    folder.mkdir(parents=True)
    storage = optuna.storages.RDBStorage(f"sqlite:///{folder / 'runs.db'}")
    names = {}
    for state in STATE_COLORS:
        name = LONG_NAME if state == "stopped" else f"{state}_study"
        study = optuna.create_study(study_name=name, storage=storage)
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
        for fate in (optuna.trial.TrialState.PRUNED, optuna.trial.TrialState.FAIL):
            study.tell(study.ask(), state=fate)
        study.ask()  # one running: every count is in the line
        record = {"state": state, "algo": "random", "n_trials": 20, "baseline": 0}
        if state == "interrupted":  # recorded as running by a process that is gone
            record.update(state="running", host=socket.gethostname(), pid=_dead_pid())
        storage.set_study_system_attr(study._study_id, CONTROL, record)
        names[state] = name
    return names


def test_each_state_has_its_colour_and_every_line_fits_the_side_bar(browser: Any, lab: Lab) -> None:
    names = _studies_in_every_state(lab.root_dir)
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    log = PageLog(page)

    def report() -> str:
        try:
            shown = page.locator(PANEL).inner_text(timeout=2000)
        except Exception as exc:
            shown = repr(exc)
        return "\n".join([f"--- studies panel ---\n{shown}", log.tail(), lab.log_tail()])

    try:
        page.goto(f"{lab.url}/lab?reset&token={lab.token}", wait_until="domcontentloaded")
        tab = page.locator('.lm-TabBar-tab[data-id="nas-notebook-studies"]')
        tab.wait_for(timeout=60000)
        tab.click()
        page.locator(PANEL).wait_for(state="visible", timeout=30000)

        def rows() -> dict[str, Any]:
            found: dict[str, Any] = page.evaluate(
                """(selector) => {
                  const out = {};
                  for (const row of document.querySelectorAll(selector + ' .nas-study')) {
                    const name = row.querySelector('.nas-study-name');
                    const badge = row.querySelector('.nas-study-state');
                    const box = row.getBoundingClientRect();
                    const inside = (e) => {
                      const r = e.getBoundingClientRect();
                      return r.left >= box.left - 0.5 && r.right <= box.right + 0.5;
                    };
                    const lines = [row, ...row.querySelectorAll(
                      '.nas-study-line, .nas-study-detail, .nas-study-state')];
                    out[name.textContent] = {
                      state: row.dataset.state,
                      label: badge.textContent,
                      background: getComputedStyle(badge).backgroundColor,
                      stripe: getComputedStyle(row).borderLeftColor,
                      text: row.innerText,
                      overflowing: lines
                        .filter((e) => e.scrollWidth > e.clientWidth || !inside(e))
                        .map((e) => e.className + ': ' + e.textContent),
                      nameCut: name.scrollWidth > name.clientWidth,
                      nameTitle: name.title,
                      badgeShown: inside(badge) && badge.getBoundingClientRect().width > 0,
                    };
                  }
                  return out;
                }""",
                PANEL,
            )
            return found

        wait_until(
            lambda: all(rows().get(name, {}).get("state") == s for s, name in names.items()),
            60,
            "a study in each state",
            report,
        )
        width = page.evaluate(f"() => document.querySelector('{PANEL}').clientWidth")
        assert 200 <= width <= 320, f"the side bar is {width}px wide, not its default"
        shown = rows()
        save_screenshot(page, "studies-panel-states.png", page.locator(PANEL))
        for state, name in names.items():
            row = shown[name]
            # The state in words, and in its own colour: the badge and the row's stripe.
            assert row["label"] == state, row
            assert row["background"] == STATE_COLORS[state], (state, row)
            assert row["stripe"] == STATE_COLORS[state], (state, row)
            # Nothing runs past the row at the side bar's default width.
            assert row["overflowing"] == [], (state, width, row)
            assert row["badgeShown"], (state, row)
            # A name cut short ends in an ellipsis, its title says all of it.
            assert row["nameTitle"] == name, row
            # The counts are there to read, whole.
            assert "1 running" in row["text"] and "1 failed" in row["text"], row
            assert "6 of 20 trials: 3 complete" in row["text"], row
        assert shown[LONG_NAME]["nameCut"], "the long name should be cut short at this width"
        assert "a_folder_with_a_name_longer_than_the_side_bar" in shown[LONG_NAME]["text"]
        assert len({row["background"] for row in shown.values()}) == len(STATE_COLORS)
        assert shown[names["stopped"]]["background"] != shown[names["finished"]]["background"]
        panel_overflow = page.evaluate(
            f"() => {{ const p = document.querySelector('{PANEL}');"
            " return [p.scrollWidth, p.clientWidth]; }"
        )
        assert panel_overflow[0] <= panel_overflow[1], panel_overflow
        assert not log.relevant_errors(), report()
    except Exception:
        save_screenshot(page, "studies-panel-states-failure.png")
        raise
    finally:
        context.close()
