import time

import pytest

import nas_notebook as nb
from nas_notebook.study import read_control
from nas_notebook.widgets import Dashboard
from nas_notebook.widgets._figure import decode

NS = {"floatv": nb.floatv, "oneof": nb.oneof}
SLOW = "import time\ntime.sleep(0.05)\nx = floatv(0, 1)\nx"


def finished_search(n=10):
    body = "x = floatv(0, 1)\nif x > 0.7:\n    raise ValueError('<b>x too big</b>')\nx"
    return nb.Search(body, n_trials=n, executor="inline", algo="random", seed=3, user_ns=NS).start()


def until(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_dashboard_shows_progress_counts_best_and_history():
    s = finished_search()
    d = Dashboard(s, refresh_interval=0)
    p = s.progress()
    assert p.failed and p.complete
    assert (d.progress_bar.value, d.progress_bar.max) == (10, 10)
    assert d.progress_bar.bar_style == "success" and d.stop_button.disabled
    assert d.pause_button.disabled and d.controls.add_button.disabled
    assert f"{p.complete} complete" in d.counts.value and f"{p.failed} failed" in d.counts.value
    assert f"{p.best_value:.6g}" in d.best.value and f"trial {p.best_number}" in d.best.value
    assert "width" not in d.figure.plot_layout  # the view fills its panel
    traces = {t.get("name"): t for t in decode(d.figure.data)}
    best = traces["best so far"]
    assert len(traces["objective"]["x"]) == p.complete and list(best["y"]) == sorted(best["y"])


def test_trial_table_shows_failures_and_their_traceback_on_click():
    s = finished_search()
    d = Dashboard(s, refresh_interval=0)
    table = d.table
    assert table.total == 10 and table.columns[:4] == ["number", "state", "value", "duration_s"]
    assert "x" in table.columns and "fail_reason" in table.columns
    failed = [t.number for t in s.trials if t.state.name == "FAIL"]
    table.states = ["FAIL"]
    assert table.total == len(failed)
    assert all(row[1] == "FAIL" for row in table.rows)
    assert "ValueError: <b>x too big</b>" in table.rows[0][-1]  # the browser sets it as text
    table.selected = failed[0]
    assert "Traceback" in table.detail and "line 3" in table.detail
    assert f"trial {failed[0]}: FAIL" in table.detail
    table.selected = -1
    assert table.detail == ""


def test_trial_table_sorts_filters_pages_and_exports():
    s = finished_search(60)
    d = Dashboard(s, refresh_interval=0)
    table = d.table
    assert table.sort_by == "number" and not table.ascending
    assert [int(r[0]) for r in table.rows] == list(range(59, 34, -1))  # newest first, one page
    table.sort_by, table.ascending = "value", True
    table.states = ["COMPLETE"]
    values = [float(r[2]) for r in table.rows]
    assert values == sorted(values)
    table.query = "value > 0.5"
    frame = table.dataframe()
    assert len(frame) == table.total and (frame["value"] > 0.5).all()
    assert list(frame["value"]) == sorted(frame["value"])
    table.query = "value >"
    assert table.error.startswith("filter:") and table.total == len(frame)
    table.query = ""
    table.page = 99
    assert table.page == (table.total - 1) // table.page_size  # clamped to the last page
    assert len(table.rows) == table.total - table.page * table.page_size


def test_refresh_only_updates_on_change():
    d = Dashboard(finished_search(3), refresh_interval=0)
    assert d.refresh() is False


def test_dashboard_follows_a_running_search_from_a_thread():
    s = nb.Search(SLOW, n_trials=8, algo="random", user_ns=NS)
    d = Dashboard(s, refresh_interval=0.05)
    assert "created" in d.header.value
    s.start().wait()
    until(lambda: d.progress_bar.value == 8 and "finished" in d.header.value, 5)
    assert d.table.total == 8
    assert not d._thread.is_alive() or d._thread.join(2) is None


def test_stop_button_stops_the_search():
    s = nb.Search(SLOW, n_trials=200, algo="random", user_ns=NS)
    d = Dashboard(s, refresh_interval=0)
    s.start()
    d.stop_button.click()
    s.wait()
    assert len(s.trials) < 200 and s.state == "stopped"
    d.refresh()
    assert d.progress_bar.bar_style == "warning" and "stopped" in d.header.value


def test_pause_resume_add_algorithm_and_workers_from_the_controls(tmp_path):
    s = nb.Search(
        SLOW,
        n_trials=30,
        algo="random",
        user_ns=NS,
        storage=f"journal:{tmp_path}/d.journal",
    )
    d = Dashboard(s, refresh_interval=0)
    c = d.controls
    assert not c.workers.disabled and c.algo.value == "random"
    s.start()
    c.pause_button.click()
    assert s.state == "paused" and c.pause_button.description == "Resume"
    assert read_control(s.study)["state"] == "paused"
    c.pause_button.click()
    assert s.state == "running" and c.pause_button.description == "Pause"
    c.add_count.value = 5
    c.add_button.click()
    assert s.driver.n_trials == 35 and read_control(s.study)["n_trials"] == 35
    c.algo.value = "tpe"
    assert s.algo == "tpe" and type(s.study.sampler).__name__ == "PriorTPE"
    c.workers.value = 2
    assert s.executor.workers == 2 and read_control(s.study)["workers"] == 2
    s.wait()
    assert len(s.trials) == 35 and all(t.state.name == "COMPLETE" for t in s.trials)
    d.refresh()
    assert c.pause_button.disabled and "finished" in d.header.value


def test_a_control_error_is_shown_and_the_value_restored():
    s = nb.Search(SLOW, n_trials=3, executor="inline", algo="random", user_ns=NS)
    d = Dashboard(s, refresh_interval=0)
    assert d.controls.workers.disabled
    d.controls.workers.value = 3
    assert "cannot change its number of workers" in d.controls.message.value
    assert d.controls.workers.value == 1


@pytest.mark.parametrize("n", [1, 2])
def test_mimebundle_is_a_widget_view(n):
    d = Dashboard(finished_search(n), refresh_interval=0)
    bundle = d._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


RICH = """
lr = floatv(1e-3, 1.0, log=True)
kind = oneof(["a", "b"])
if kind == "a":
    depth = floatv(1, 4)
for step in range(4):
    report(loss=lr * (4 - step), latency=lr * 10)
if lr > 0.5:
    raise RuntimeError("diverged")
lr
"""


def test_every_plot_tab_draws_from_the_study_and_follows_its_options():
    s = nb.Search(
        RICH, n_trials=40, executor="inline", algo="random", seed=1, user_ns=NS, pruner="median"
    ).start()
    d = Dashboard(s, refresh_interval=0)
    titles = [t.title for t in d.tabs]
    assert titles == [
        "History",
        "Learning curves",
        "Parallel coordinates",
        "Importance",
        "Slice",
        "Contour",
    ]  # no Pareto front for a single objective
    assert d.tab.titles[-1] == "Trials"
    for index, tab in enumerate(d.tabs):
        d.tab.selected_index = index
        d._draw_selected(force=True)
        assert tab.figure.empty == "", (tab.title, tab.figure.empty)
        assert len(tab.figure.data) >= 1, tab.title
    importance = d.tabs[3]
    assert [v for _, v in importance.options["target"].options] == [
        0,
        "duration",
        "latency",
        "loss",
    ]
    assert set(decode(importance.figure.data[0]["y"])) == {"lr", "kind", "depth"}
    contour = d.tabs[5]
    assert (contour.options["x"].value, contour.options["y"].value) == ("lr", "kind")
    d.tab.selected_index = 5
    # a changed option redraws on a thread of its own (never on the kernel's)
    contour.options["y"].value = "lr"  # the same parameter twice: said, not raised
    until(lambda: "two different parameters" in contour.figure.empty, 5)
    contour.options["y"].value = "depth"
    until(lambda: contour.figure.empty == "", 5)
    until(lambda: contour.figure.plot_layout["yaxis"]["title"]["text"] == "depth", 5)
    d.tab.selected_index = 1
    d._draw_selected(force=True)
    names = " ".join(t.get("name") or "" for t in d.tabs[1].figure.data)
    assert "complete" in names and "fail" in names


def test_a_costly_tab_is_not_redrawn_more_often_than_its_interval():
    s = finished_search(12)
    d = Dashboard(s, refresh_interval=0)
    importance = d.tabs[3]
    cols = s.snapshot().columns()
    assert importance.draw(cols, ["maximize"], version=1)
    assert not importance.draw(cols, ["maximize"], version=2)  # within min_interval
    assert importance.draw(cols, ["maximize"], version=2, force=True)
    importance.options["target"].value = "duration"  # options changed: at once
    assert importance.draw(cols, ["maximize"], version=2)


def test_another_view_of_the_study_shows_the_state_recorded_in_the_storage(tmp_path):
    url = f"journal:{tmp_path}/v.journal"
    runner = nb.Search(SLOW, name="shared", n_trials=400, algo="random", user_ns=NS, storage=url)
    runner.start()
    try:
        until(lambda: runner.progress().complete >= 1)
        view = nb.load_search("shared", storage=url, user_ns=NS)  # its own storage object
        d = Dashboard(view, refresh_interval=0)
        assert "running" in d.header.value and d.pause_button.disabled  # not this view's run
        runner.pause()
        d.refresh()
        assert "paused" in d.header.value
        runner.resume()
        until(lambda: (d.refresh() or True) and "running" in d.header.value)
        until(lambda: (d.refresh() or True) and d.table.total >= 3)
    finally:
        runner.stop(cancel=True, wait=True)
    until(lambda: (d.refresh() or True) and "stopped" in d.header.value)


def test_a_view_of_a_finished_study_shows_the_recorded_run(tmp_path):
    url = f"journal:{tmp_path}/f.journal"
    body = "x = floatv(0, 1)\nx"
    nb.Search(body, name="f", n_trials=4, executor="inline", user_ns=NS, storage=url).start()
    again = nb.Search(
        body, name="f", n_trials=2, resume=True, executor="inline", user_ns=NS, storage=url
    ).start()
    assert read_control(again.study)["baseline"] == 4
    # Looked at from elsewhere (no budget of its own): the run the storage records.
    view = Dashboard(nb.load_search("f", storage=url, user_ns=NS), refresh_interval=0)
    assert "finished · 2/2 (+4 earlier)" in view.header.value.replace("&middot;", "·")
    assert (view.progress_bar.value, view.progress_bar.max) == (2, 2)
    # Given a budget, the view is a run of its own, not started yet.
    planned = Dashboard(
        nb.load_search("f", storage=url, user_ns=NS, n_trials=3), refresh_interval=0
    )
    assert "0/3 (+6 earlier)" in planned.header.value
    assert (planned.progress_bar.value, planned.progress_bar.max) == (0, 3)
