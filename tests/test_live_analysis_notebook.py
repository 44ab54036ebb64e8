"""The tutorial ``notebooks/06_live_analysis.py`` runs end to end in a real Jupyter kernel
(nbclient), and what a reader sees in its outputs holds: the dashboard under the search cell,
the controls acting on the stored study (pause, more trials, another algorithm, two workers)
without losing a trial, every plot as a figure, the trial table's filtered and sorted export,
and the same plots on a plain two-objective Optuna study.

Like ``test_notebooks.py`` (whose helpers this module reuses), the kernel imports
``nas_notebook`` from this checkout.
"""

from __future__ import annotations

import ast
import datetime as dt
import itertools
import re
import time
from pathlib import Path
from typing import Any

import jupytext
import optuna
import pytest
from optuna.trial import FrozenTrial, TrialState
from test_notebooks import (
    cell_tagged,
    errors,
    execute,
    journal,
    parse_iso,
    results,
    search_cells,
    stdout,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "06_live_analysis.py"
PLOTLY = "application/vnd.plotly.v1+json"
WIDGET = "application/vnd.jupyter.widget-view+json"
PLANNED, ADDED = 60, 40
PARAMS = {"layers", "width", "width2", "lr", "act"}


# -- helpers ---------------------------------------------------------------------------------


def figure(nb: Any, tag: str) -> dict[str, Any]:
    """The one plotly figure shown by the cell tagged ``tag``."""
    figures = results(cell_tagged(nb, tag), PLOTLY)
    assert len(figures) == 1, f"cell {tag!r} shows {len(figures)} figures"
    return figures[0]


def title(fig: dict[str, Any]) -> str:
    return str(fig["layout"]["title"]["text"])


def shown_dict(nb: Any, tag: str) -> dict[str, Any]:
    """The dict a cell ends with, read back from its text/plain result."""
    (text,) = results(cell_tagged(nb, tag), "text/plain")
    value = ast.literal_eval(text)
    assert isinstance(value, dict), text
    return value


def html_rows(html: str) -> tuple[list[str], list[list[str]]]:
    """The column names and body cells of a DataFrame's HTML table."""
    head = re.search(r"<thead>(.*?)</thead>", html, re.S)
    assert head, html
    columns = re.findall(r"<th>(.*?)</th>", head.group(1))[1:]  # the first is the index's
    body = re.findall(r"<tr>\s*<th>[^<]*</th>(.*?)</tr>", html, re.S)
    return columns, [re.findall(r"<td>(.*?)</td>", row, re.S) for row in body]


def span(trial: FrozenTrial) -> tuple[dt.datetime, dt.datetime]:
    """When ``trial`` started and ended, in UTC (Optuna stores naive local times)."""
    start, end = trial.datetime_start, trial.datetime_complete
    assert start is not None and end is not None, trial.number
    return start.astimezone(dt.timezone.utc), end.astimezone(dt.timezone.utc)


def paused_at(nb: Any) -> int:
    """How many trials the study had when the pause took hold (printed by the pause cell)."""
    match = re.search(r"trials when paused: (\d+)", stdout(cell_tagged(nb, "pause")))
    assert match
    return int(match.group(1))


# -- the tutorial ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, list[FrozenTrial], float]:
    """The tutorial executed in a tmp folder, the trials of its search as stored, and how long
    it took."""
    nb = jupytext.read(NOTEBOOK)
    cwd = tmp_path_factory.mktemp("live_analysis")
    started = time.monotonic()
    execute(nb, cwd)
    took = time.monotonic() - started
    study = optuna.load_study(study_name="mlp", storage=journal(cwd / "live.journal"))
    return nb, study.get_trials(deepcopy=False), took


def test_tutorial_is_a_percent_notebook_with_one_search_cell() -> None:
    nb, searches = search_cells(NOTEBOOK)
    assert [s.splitlines()[0] for s in searches] == [
        f"%%search mlp -n {PLANNED} --algo random --seed 0 --pruner median --metric val_acc "
        "--storage journal:live.journal"
    ]
    # The closing note points at a benchmark that exists.
    assert "bench/plots.py" in nb.cells[-1].source
    assert (ROOT / "bench" / "plots.py").is_file()


def test_tutorial_runs_without_errors_in_reasonable_time(
    tutorial: tuple[Any, list[FrozenTrial], float],
) -> None:
    nb, _, took = tutorial
    assert errors(nb) == []
    assert all(c.execution_count is not None for c in nb.cells if c.cell_type == "code")
    assert took < 150, f"the tutorial took {took:.0f} s"


def test_the_search_cell_shows_the_dashboard(
    tutorial: tuple[Any, list[FrozenTrial], float],
) -> None:
    nb, _, _ = tutorial
    search = cell_tagged(nb, "search")
    assert len(results(search, WIDGET)) == 1
    (text,) = results(search, "text/plain")
    assert text.startswith("Dashboard("), text


def test_pause_starts_no_trial_and_is_recorded_in_the_storage(
    tutorial: tuple[Any, list[FrozenTrial], float],
) -> None:
    nb, trials, _ = tutorial
    text = stdout(cell_tagged(nb, "running"))
    assert "state: running" in text, text
    progress = re.search(r"Progress\(complete=(\d+), pruned=(\d+), failed=(\d+), running=", text)
    assert progress, text
    complete, pruned, failed = map(int, progress.groups())
    assert complete + pruned >= 20 and failed == 0, text

    text = stdout(cell_tagged(nb, "pause"))
    assert "state: paused" in text, text
    match = re.search(r"trials when paused: (\d+), one second later: (\d+)", text)
    assert match, text
    count, later = int(match.group(1)), int(match.group(2))
    assert count == later, text
    assert 20 <= count < PLANNED

    control = shown_dict(nb, "control-paused")
    assert control == {
        "state": "paused",
        "algo": "random",
        "workers": 1,
        "executor": "thread",
        "n_trials": PLANNED,
    }

    # By the clock: the trials before the pause had all ended when the pause cell did, and no
    # trial started before the cell that resumed the search.
    pause_done = parse_iso(cell_tagged(nb, "pause").metadata["execution"]["iopub.status.idle"])
    resumed = parse_iso(cell_tagged(nb, "steer").metadata["execution"]["iopub.status.busy"])
    before, after = trials[:count], trials[count:]
    assert max(span(t)[1] for t in before) <= pause_done
    assert min(span(t)[0] for t in after) >= resumed


def test_steering_changes_what_is_stored_and_no_trial_is_lost(
    tutorial: tuple[Any, list[FrozenTrial], float],
) -> None:
    nb, trials, _ = tutorial
    control = shown_dict(nb, "steer")
    assert control == {
        "state": "running",
        "algo": "tpe",
        "workers": 2,
        "executor": "thread",
        "n_trials": PLANNED + ADDED,
    }

    text = stdout(cell_tagged(nb, "wait"))
    assert f"state: finished, planned: {PLANNED + ADDED} trials" in text, text
    match = re.search(rf"^{PLANNED + ADDED} trials in the study: (\{{.*\}})$", text, re.M)
    assert match, text
    counts = ast.literal_eval(match.group(1))
    assert set(counts) == {"COMPLETE", "PRUNED"}, counts
    assert sum(counts.values()) == PLANNED + ADDED

    # The stored study agrees: every planned trial, each complete or pruned, none left running.
    assert [t.number for t in trials] == list(range(PLANNED + ADDED))
    states = [t.state for t in trials]
    assert states.count(TrialState.COMPLETE) == counts["COMPLETE"]
    assert states.count(TrialState.PRUNED) == counts["PRUNED"]

    # One worker before the pause: no two trials overlap; two workers after it: some do.
    first = paused_at(nb)
    for a, b in itertools.pairwise(trials[:first]):
        assert span(b)[0] >= span(a)[1], (a.number, b.number)
    spans = sorted(span(t) for t in trials[first:])
    assert any(b[0] < a[1] for a, b in itertools.pairwise(spans)), "no two trials overlapped"


def test_trials_report_curves_latency_and_a_conditional_width(
    tutorial: tuple[Any, list[FrozenTrial], float],
) -> None:
    _, trials, _ = tutorial
    for t in trials:
        assert set(t.params) == PARAMS - ({"width2"} if t.params["layers"] == 1 else set())
        assert t.params["act"] in ("ReLU", "GELU", "Tanh"), t.params
        assert t.user_attrs["latency_ms"] > 0
        steps = sorted(t.intermediate_values)
        assert steps == list(range(len(steps))) and 1 <= len(steps) <= 4, steps
        if t.state == TrialState.COMPLETE:
            assert steps == [0, 1, 2, 3]
            assert t.value == t.intermediate_values[3]
            assert 0.0 <= t.value <= 1.0
    assert {t.params["layers"] for t in trials} == {1, 2}


def test_the_plots_are_figures_of_the_search(
    tutorial: tuple[Any, list[FrozenTrial], float],
) -> None:
    nb, trials, _ = tutorial
    n_complete = sum(t.state == TrialState.COMPLETE for t in trials)

    history = figure(nb, "plot-history")
    assert title(history) == "Optimization history (maximize)"
    assert [t["name"] for t in history["data"]][:3] == ["val_acc", "best val_acc", "pruned"]

    curves = figure(nb, "plot-curves")
    assert title(curves).startswith("Learning curves")
    names = [t["name"] for t in curves["data"]]
    n_pruned = len(trials) - n_complete
    assert f"complete ({n_complete})" in names, names
    assert f"pruned ({n_pruned})" in names, names
    assert "pruned here" in names, names

    parallel = figure(nb, "plot-parallel")
    assert {t["type"] for t in parallel["data"]} == {"scatter"}  # SVG lines, no WebGL
    labels = parallel["layout"]["xaxis"]["ticktext"]
    assert labels[0] == "val_acc" and set(labels[1:]) == PARAMS, labels

    importance = figure(nb, "importance-objective")
    assert title(importance).startswith("Parameter importances for val_acc (PED-ANOVA, ")
    assert set(importance["data"][0]["y"]) <= PARAMS
    assert {"lr", "width"} <= set(importance["data"][0]["y"])

    latency = figure(nb, "importance-latency")
    assert title(latency).startswith("Parameter importances for latency_ms (fANOVA, ")
    # fANOVA leaves out the conditional width2, as the text says.
    assert set(latency["data"][0]["y"]) == PARAMS - {"width2"}

    duration = figure(nb, "importance-duration")
    assert title(duration).startswith("Parameter importances for duration (")

    slices = figure(nb, "plot-slice")
    assert title(slices) == "Slice of val_acc (maximize)"
    assert {t["name"] for t in slices["data"]} == PARAMS

    contour = figure(nb, "plot-contour")
    assert title(contour) == "Contour of val_acc (maximize)"
    assert [t["type"] for t in contour["data"]] == ["contour", "scatter"]
    assert contour["layout"]["xaxis"]["title"]["text"] == "lr"
    assert contour["layout"]["yaxis"]["title"]["text"] == "width"


def test_the_trial_table_filters_sorts_and_exports(
    tutorial: tuple[Any, list[FrozenTrial], float],
) -> None:
    nb, trials, _ = tutorial
    assert len(results(cell_tagged(nb, "table"), WIDGET)) == 1

    good = [t for t in trials if t.state == TrialState.COMPLETE and (t.value or 0) > 0.9]
    assert good, "some trial reached 90% validation accuracy"
    cell = cell_tagged(nb, "table-export")
    assert f"{len(good)} of {len(trials)} trials shown" in stdout(cell), stdout(cell)
    (html,) = results(cell, "text/html")
    columns, rows = html_rows(html)
    assert columns == ["number", "val_acc", "latency_ms", "layers", "width", "width2", "lr", "act"]
    if len(good) <= 60:  # pandas shows up to 60 rows in full
        assert len(rows) == len(good)
        assert {int(r[0]) for r in rows} == {t.number for t in good}
    shown = [(float(r[1]), float(r[2])) for r in rows if r[0] != "..."]
    assert all(value > 0.9 for value, _ in shown)
    assert [lat for _, lat in shown] == sorted(lat for _, lat in shown), "fastest first"

    pruned = [t for t in trials if t.state == TrialState.PRUNED]
    cell = cell_tagged(nb, "table-pruned")
    assert f"{len(pruned)} pruned trials" in stdout(cell), stdout(cell)
    (html,) = results(cell, "text/html")
    columns, rows = html_rows(html)
    assert columns == ["number", "state", "val_acc", "lr", "layers", "width"]
    assert [int(r[0]) for r in rows] == [t.number for t in pruned][:10]
    assert all(r[1] == "PRUNED" for r in rows)

    cell = cell_tagged(nb, "dataframe")
    shape = re.search(r"\((\d+), (\d+)\)", stdout(cell))
    assert shape and int(shape.group(1)) == len(trials), stdout(cell)
    (html,) = results(cell, "text/html")
    assert "<th>COMPLETE</th>" in html and "<th>PRUNED</th>" in html


def test_the_same_plots_work_on_a_plain_optuna_study(
    tutorial: tuple[Any, list[FrozenTrial], float],
) -> None:
    nb, _, _ = tutorial
    text = stdout(cell_tagged(nb, "optuna-study"))
    match = re.search(r"200 trials, (\d+) on the Pareto front", text)
    assert match, text
    front = int(match.group(1))
    assert 1 <= front < 200

    pareto = figure(nb, "pareto")
    assert title(pareto) == f"Pareto front ({front} of 200 trials)"
    assert {t["name"] for t in pareto["data"]} == {"dominated", "Pareto front"}

    importance = figure(nb, "optuna-importance")
    assert title(importance).startswith("Parameter importances for objective 1 (PED-ANOVA, ")
    assert set(importance["data"][0]["y"]) == {"width", "depth", "dropout"}

    history = figure(nb, "optuna-history")
    assert title(history) == "Optimization history (maximize)"
