"""The priors written inline are drawn where the trials are: a dashed line on each slice panel,
a diamond on each parallel-coordinate axis, in the plots and in the dashboard's tabs."""

import pytest

import nas_notebook as nb


def test_the_plots_and_the_dashboard_show_the_priors():
    from nas_notebook.plots import parts, plot_parallel_coordinate, plot_slice
    from nas_notebook.widgets import Dashboard

    body = (
        "lr = floatv(1e-4, 1e-1, log=True, prior=3e-3)\n"
        "act = oneof(['relu', 'gelu'], prior='gelu')\n"
        "n = intv(1, 5)\n"
        "lr"
    )
    search = nb.Search(body, n_trials=6, storage="memory", executor="inline", direction="minimize")
    search.start()
    lines = {t.name: list(t.x) for t in plot_slice(search).data if t.name.startswith("prior")}
    assert lines == {"prior lr": [3e-3, 3e-3], "prior act": ["gelu", "gelu"]}
    assert len(plot_slice(search.study).data) == 3 + 2  # an Optuna study shows them too
    marks = [t for t in plot_parallel_coordinate(search).data if t.name == "prior"]
    assert list(marks[0].text) == ["prior lr: 0.003", "prior act: gelu"]
    assert marks[0].y[1] == pytest.approx(1.0)  # gelu: the last choice, the top of its axis
    # the dashboard's tabs read the same columns
    dashboard = Dashboard(search, refresh_interval=0)
    cols = search.snapshot().columns()
    traces, _ = parts.slice_(cols, ["minimize"], {"target": 0})
    assert [t["name"] for t in traces if t["name"].startswith("prior")] == ["prior lr", "prior act"]
    dashboard.close()
