"""Every plot speaks of the user's metric, not of "objective": axis titles, colour bars,
legends and hovers carry the name the study gives its objective (``study.metric_names``, or a
search's ``--metric``); a study without names keeps "objective"."""

from __future__ import annotations

import warnings

import numpy as np
import optuna
import pytest

import nas_notebook as nb
import nas_notebook.plots as plots
from nas_notebook.plots import parts
from nas_notebook.plots._common import metric_names
from nas_notebook.study import TrialColumns

optuna.logging.set_verbosity(optuna.logging.ERROR)

BODY = """
x = floatv(1e-3, 1, log=True)
y = intv(1, 5)
for step in range(3):
    report(accuracy=1 - x * y / (step + 2), step=step)
1 - x * y / 5
"""


def objective(trial):
    x = trial.suggest_float("x", 1e-3, 1, log=True)
    y = trial.suggest_int("y", 1, 5)
    for step in range(3):
        trial.report(1 - x * y / (step + 2), step)
    return 1 - x * y / 5


@pytest.fixture(scope="module")
def named():
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # set_metric_names is experimental
        study.set_metric_names(["accuracy"])
    study.optimize(objective, n_trials=12)
    return study


@pytest.fixture(scope="module")
def search():
    return nb.Search(
        BODY, n_trials=12, executor="inline", storage="memory", algo="random", seed=0,
        direction="maximize", metric="accuracy",
    ).start()  # fmt: skip


def test_the_names_come_from_the_study_or_the_search(named, search):
    assert metric_names(named) == ["accuracy"] == metric_names(search)
    assert metric_names(optuna.create_study()) is None
    assert metric_names(TrialColumns()) is None


@pytest.mark.parametrize("source", ["named", "search"])
def test_every_plot_of_a_named_objective_says_its_name(source, named, search):
    study = named if source == "named" else search
    history = plots.plot_optimization_history(study)
    assert history.layout.yaxis.title.text == "accuracy"
    assert [t.name for t in history.data][:2] == ["accuracy", "best accuracy"]
    assert all("accuracy" in t.hovertemplate for t in history.data[:2])

    curves = plots.plot_intermediate_values(study)
    assert curves.layout.yaxis.title.text == "accuracy (reported)"
    assert curves.layout.xaxis.title.text == "step"
    assert "accuracy (reported)" in curves.data[0].hovertemplate

    parallel = plots.plot_parallel_coordinate(study)
    assert parallel.layout.xaxis.ticktext[0] == "accuracy"
    assert parallel.data[-1].marker.colorbar.title.text == "accuracy"
    assert "accuracy" in parallel.data[0].hovertemplate

    slices = plots.plot_slice(study)
    assert slices.layout.yaxis.title.text == "accuracy" and "accuracy" in slices.layout.title.text
    assert "accuracy" in slices.data[0].hovertemplate

    contour = plots.plot_contour(study, params=["x", "y"])
    assert contour.data[0].colorbar.title.text == "accuracy"

    importances = plots.plot_param_importances(study)
    assert "accuracy" in importances.layout.title.text


def test_an_explicit_target_name_still_wins(named):
    figure = plots.plot_optimization_history(named, target_name="acc")
    assert figure.layout.yaxis.title.text == "acc" and figure.data[1].name == "best acc"
    assert plots.plot_slice(named, target_name="acc").layout.yaxis.title.text == "acc"


def test_a_pareto_front_names_its_axes_after_the_metrics():
    study = optuna.create_study(
        directions=["maximize", "minimize"], sampler=optuna.samplers.RandomSampler(0)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.set_metric_names(["accuracy", "latency"])
    study.optimize(lambda t: (t.suggest_float("x", 0, 1), t.params["x"] ** 2), n_trials=8)
    figure = plots.plot_pareto_front(study)
    assert figure.layout.xaxis.title.text == "accuracy (maximize)"
    assert figure.layout.yaxis.title.text == "latency (minimize)"
    assert "accuracy" in figure.data[0].hovertemplate


def columns(study):
    cols = TrialColumns(len(study.directions))
    cols.update(study.get_trials(deepcopy=False))
    return cols


def test_the_dashboard_parts_take_the_names(named):
    cols, directions = columns(named), ["maximize"]
    names = ["accuracy"]
    options = {"target": 0, "evaluator": None, "x": "x", "y": "y"}
    titles = {
        "history": parts.history(cols, directions, options, names=names)[1]["yaxis"],
        "curves": parts.curves(cols, directions, options, names=names)[1]["yaxis"],
        "slice": parts.slice_(cols, directions, options, names=names)[1]["yaxis"],
    }
    assert {k: v["title"]["text"] for k, v in titles.items()} == {
        "history": "accuracy",
        "curves": "accuracy (reported)",
        "slice": "accuracy",
    }
    traces, _ = parts.contour(cols, directions, options, names)  # by position too
    assert traces[0]["colorbar"]["title"]["text"] == "accuracy"
    traces, layout = parts.parallel(cols, directions, options, names=names)
    assert layout["xaxis"]["ticktext"][0] == "accuracy"
    assert traces[-1]["marker"]["colorbar"]["title"]["text"] == "accuracy"
    _, layout = parts.importances(cols, directions, options, names=names)
    assert "accuracy" in layout["title"]["text"]
    # Without names, today's words.
    assert parts.history(cols, directions, options)[1]["yaxis"]["title"]["text"] == "objective"
    assert parts.curves(cols, directions, options)[1]["yaxis"]["title"]["text"] == (
        "intermediate value"
    )


def test_the_target_dropdowns_list_the_metric_names(named):
    cols = columns(named)
    labels = [
        label for label, _ in parts.target_choices(cols, ["maximize"], ["accuracy"])["target"]
    ]
    assert labels[:2] == ["accuracy", "duration"]
    assert parts.target_choices(cols, ["maximize"])["target"][0] == ("objective", 0)
    two = parts.contour_choices(cols, ["maximize", "minimize"], names=["accuracy", "latency"])
    assert two["target"][:2] == [("accuracy", 0), ("latency", 1)]
    assert parts.importance_choices(cols, ["maximize", "minimize"])["target"][:2] == [
        ("objective 0", 0),
        ("objective 1", 1),
    ]


def test_a_metric_kept_as_a_user_attribute_is_listed_once_as_the_objective():
    study = optuna.create_study(directions=["maximize", "minimize"])
    study.optimize(
        lambda t: (t.set_user_attr("accuracy", 0.5), (0.5, t.suggest_float("x", 0, 1)))[1],
        n_trials=2,
    )
    labels = [
        label
        for label, _ in parts.target_choices(
            columns(study), ["maximize", "minimize"], ["accuracy", "x"]
        )["target"]
    ]
    assert labels.count("accuracy") == 1 and np.isfinite(columns(study).attrs["accuracy"]).all()
