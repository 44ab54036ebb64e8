import time

import nas_notebook as nb
from nas_notebook.widgets import Dashboard, render_trial_table

NS = {"floatv": nb.floatv, "oneof": nb.oneof}


def finished_search(n=10):
    body = "x = floatv(0, 1)\nif x > 0.7:\n    raise ValueError('<b>x too big</b>')\nx"
    return nb.Search(body, n_trials=n, executor="inline", algo="random", seed=3, user_ns=NS).start()


def test_dashboard_shows_progress_counts_best_history_and_failures():
    s = finished_search()
    d = Dashboard(s, refresh_interval=0)
    p = s.progress()
    assert p.failed and p.complete
    assert (d.progress_bar.value, d.progress_bar.max) == (10, 10)
    assert d.progress_bar.bar_style == "success" and d.stop_button.disabled
    assert f"{p.complete} complete" in d.counts.value and f"{p.failed} failed" in d.counts.value
    assert f"{p.best_value:.6g}" in d.best.value and f"trial {p.best_number}" in d.best.value
    assert d.figure.layout.width is None and d.figure._config["responsive"] is True
    objective, best = d.figure.data
    assert len(objective.x) == p.complete and list(best.y) == sorted(best.y)
    # failures show their reason, escaped; the picker shows the newest failure's traceback
    assert "ValueError: &lt;b&gt;x too big&lt;/b&gt;" in d.table.value
    assert "<b>x too big</b>" not in d.table.value
    failed = sorted((t.number for t in s.trials if t.state.name == "FAIL"), reverse=True)
    assert [value for _, value in d.failures.options] == failed
    assert d.failures.value == failed[0] and d._failure_box.layout.display == ""
    assert "line 3" in d.failure_detail.value and "&lt;b&gt;" in d.failure_detail.value
    d.failures.value = failed[-1]
    assert f"x={s.trials[failed[-1]].params['x']}" not in d.failure_detail.value
    assert "Traceback" in d.failure_detail.value


def test_refresh_only_updates_on_change():
    d = Dashboard(finished_search(3), refresh_interval=0)
    assert d.refresh() is False


def test_dashboard_follows_a_running_search_from_a_thread():
    s = nb.Search(
        "import time\ntime.sleep(0.05)\nx = floatv(0, 1)\nx", n_trials=8, algo="random", user_ns=NS
    )
    d = Dashboard(s, refresh_interval=0.05)
    assert "created" in d.header.value
    s.start().wait()
    deadline = time.monotonic() + 5
    while d.progress_bar.value < 8 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert d.progress_bar.value == 8 and "finished" in d.header.value
    assert not d._thread.is_alive() or d._thread.join(2) is None


def test_stop_button_stops_the_search():
    s = nb.Search(
        "import time\ntime.sleep(0.05)\nx = floatv(0, 1)\nx",
        n_trials=200,
        algo="random",
        user_ns=NS,
    )
    d = Dashboard(s, refresh_interval=0)
    s.start()
    d.stop_button.click()
    s.wait()
    assert len(s.trials) < 200 and s.state == "stopped"
    d.refresh()
    assert d.progress_bar.bar_style == "warning" and "stopped" in d.header.value


def test_table_lists_newest_first_and_says_how_many_more():
    s = finished_search(30)
    html = render_trial_table(s.trials, rows=5)
    assert html.index("<td>29</td>") < html.index("<td>28</td>")
    assert "and 25 earlier trials" in html


def test_mimebundle_is_a_widget_view():
    d = Dashboard(finished_search(2), refresh_interval=0)
    bundle = d._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
