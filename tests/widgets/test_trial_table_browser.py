"""The dashboard's trial table in a real JupyterLab 4, driven by headless Chromium, while trials
arrive every 0.2 s: the row under the pointer keeps its trial, a click opens the trial clicked,
new trials wait behind "N new trials - show", and the table follows the study again once the
pointer leaves and nothing is selected. Screenshots go to ``$NAS_NOTEBOOK_ARTIFACTS`` (by default
``.artifacts/``), also when the test fails, with the browser console and the server log.
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from browser_lab import (
    VIEWPORT,
    Lab,
    PageLog,
    open_notebook,
    page_report,
    run_all_cells,
    save_screenshot,
    wait_until,
)

TABLE = ".nas-notebook-dashboard .nas-notebook-trials"


def _row_under(page: Any, x: float, y: float) -> int | None:
    number = page.evaluate(
        """([x, y]) => {
          const hit = document.elementFromPoint(x, y);
          const tr = hit && hit.closest('tr[data-number]');
          return tr ? Number(tr.dataset.number) : null;
        }""",
        [x, y],
    )
    return None if number is None else int(number)


def _first_numbers(page: Any, n: int = 3) -> list[int]:
    texts: list[str] = page.evaluate(
        f"""() => Array.from(
          document.querySelectorAll('{TABLE} tbody tr[data-number]'), (tr) => tr.dataset.number)""",
    )
    return [int(t) for t in texts[:n]]


@pytest.mark.timeout(300)
def test_rows_hold_still_under_the_pointer_and_a_click_opens_that_trial(
    browser: Any, lab: Lab
) -> None:
    # 0.2 s trials, more than the test can see finish: new rows keep arriving at the top.
    lab.write_notebook(
        "table.ipynb",
        [
            "%load_ext nas_notebook",
            "%%search table -n 2000 --workers 1 --storage journal:table.journal --algo random\n"
            "import time\ntime.sleep(0.2)\nfloatv(0, 1)",
        ],
    )
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    log = PageLog(page)

    def report() -> str:
        return "\n".join([page_report(page), log.tail(), lab.log_tail()])

    try:
        open_notebook(page, lab, "table.ipynb")
        run_all_cells(page, "table.ipynb")
        dashboard = page.locator(".nas-notebook-dashboard")
        dashboard.first.wait_for(state="visible", timeout=120_000)
        tab = dashboard.locator(".lm-TabBar-tab").filter(has_text=re.compile(r"^\s*Trials\s*$"))
        tab.first.click()
        rows = page.locator(f"{TABLE} tbody tr[data-number]")
        wait_until(lambda: rows.count() >= 8, 90, "eight trials in the table", report)
        # Newest first, and still arriving: the top row changes while the pointer is away.
        top = _first_numbers(page, 1)[0]
        wait_until(lambda: _first_numbers(page, 1)[0] > top, 30, "new trials at the top", report)

        # The pointer rests on the fourth row: for 2.5 s (a dozen new trials) it stays there.
        rows.nth(3).scroll_into_view_if_needed()
        box = rows.nth(3).bounding_box()
        x, y = box["x"] + min(40, box["width"] / 2), box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        time.sleep(0.5)  # the hold reaches the kernel
        aimed = _row_under(page, x, y)
        assert aimed is not None, report()
        held_top = _first_numbers(page)
        aimed_y = page.locator(f"{TABLE} tr[data-number='{aimed}']").bounding_box()["y"]
        seen = set()
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            seen.add(_row_under(page, x, y))
            time.sleep(0.1)
        assert seen == {aimed}, f"the rows moved under the pointer: {seen}\n{report()}"
        assert _first_numbers(page) == held_top, report()
        notice = page.locator(f"{TABLE} .nas-notebook-trials-notice")
        wait_until(
            lambda: re.search(r"\d+ new trials? \u2014 show", notice.inner_text()),
            10,
            "the notice of the trials that arrived meanwhile",
            report,
        )
        # Nothing moved the row, not even by a pixel (the notice has its room).
        moved = page.locator(f"{TABLE} tr[data-number='{aimed}']").bounding_box()["y"] - aimed_y
        assert abs(moved) < 0.5, f"the row moved by {moved}px\n{report()}"
        save_screenshot(page, "trial-table-held.png", page.locator(TABLE))

        # A click opens the trial under the pointer, by its number.
        page.mouse.click(x, y)
        detail = page.locator(f"{TABLE} .nas-notebook-trials-detail")
        wait_until(
            lambda: detail.inner_text().startswith(f"trial {aimed}: "),
            15,
            f"the detail of trial {aimed}, the one clicked",
            report,
        )
        selected = page.locator(f"{TABLE} tr.nas-notebook-selected")
        assert selected.get_attribute("data-number") == str(aimed), report()

        # The pointer leaves; the selected trial keeps the rows still until "show".
        page.mouse.move(5, 5)
        time.sleep(1.0)
        assert _first_numbers(page) == held_top, report()
        assert detail.inner_text().startswith(f"trial {aimed}: "), report()
        notice.locator("button", has_text="show").click()
        wait_until(
            lambda: _first_numbers(page, 1)[0] > held_top[0],
            15,
            "the new trials shown after 'show'",
            report,
        )
        assert detail.inner_text().startswith(f"trial {aimed}: "), report()

        # The details closed and the pointer away: the table follows the study again.
        page.locator(f"{TABLE} .nas-notebook-trials-close").click()
        wait_until(lambda: not detail.is_visible(), 15, "the details closed", report)
        page.mouse.move(5, 5)
        now = _first_numbers(page, 1)[0]
        wait_until(
            lambda: _first_numbers(page, 1)[0] > now + 2,
            20,
            "the table following new trials again",
            report,
        )
        assert not log.relevant_errors(), report()
    except Exception:
        save_screenshot(page, "trial-table-failure.png")
        raise
    finally:
        context.close()
        lab.shutdown_kernels()
