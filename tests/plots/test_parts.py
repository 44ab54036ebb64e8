"""The dashboard's parts: with nothing to draw yet each says, in a sentence, what it waits for
(the dashboard shows it instead of an empty grid), and so do the ``plot_*`` figures; every
layout fills its panel (no fixed width) and writes log axes one way."""

from __future__ import annotations

import optuna
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState
from plot_studies import make_study, make_trial

import nas_notebook.plots as plots
from nas_notebook.plots import parts
from nas_notebook.study import TrialColumns

optuna.logging.set_verbosity(optuna.logging.ERROR)

X = {"x": FloatDistribution(0, 1)}
LR = {"lr": FloatDistribution(1e-5, 1, log=True), "x": FloatDistribution(0, 1)}
OPTIONS = {"target": 0, "evaluator": None, "x": "x", "y": "lr"}


def cols_of(trials, n_objectives=1):
    cols = TrialColumns(n_objectives)
    cols.update(trials)
    return cols


def running():
    return [make_trial(0, TrialState.RUNNING, params={"x": 0.5, "lr": 0.1}, distributions=LR)]


def complete(n, **kwargs):
    return [
        make_trial(i, values=float(i), params={"x": 0.5, "lr": 0.1}, distributions=LR, **kwargs)
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("part", "trials", "message"),
    [
        (parts.history, [], r"^Waiting for the first trial to finish\.$"),
        (parts.history, running(), r"^Waiting for the first trial to finish\.$"),
        (parts.curves, complete(2), r"No trial has reported an intermediate value yet \(call "
         r"report\(value, step=epoch\) inside the cell\)"),
        (parts.parallel, running(), r"^Waiting for the first trial to finish\.$"),
        (parts.parallel, [make_trial(0, values=1.0)], r"need parameters"),
        (parts.importances, complete(1), r"at least 2 completed trials .* \(1 so far\)"),
        (parts.importances, complete(3), r"a parameter whose value differs"),
        (parts.slice_, [], r"^No parameters to slice yet"),
        (parts.slice_, running(), r"^Waiting for the first trial to finish\.$"),
        (parts.contour, [make_trial(0, values=1.0, params={"x": 0.5}, distributions=X)],
         r"two parameters; the trials have suggested 1 so far"),
        (parts.contour, running(), r"^Waiting for the first completed trial that has both x "
         r"and lr\.$"),
    ],
)  # fmt: skip
def test_each_part_says_what_it_waits_for(part, trials, message):
    with pytest.raises(ValueError, match=message):
        part(cols_of(trials), ["minimize"], OPTIONS)


def test_learning_curves_of_several_objectives_say_why_there_are_none():
    ts = [make_trial(0, values=[1.0, 2.0], params={"x": 0.5}, distributions=X)]
    with pytest.raises(ValueError, match="multi-objective"):
        parts.curves(cols_of(ts, 2), ["minimize", "minimize"], OPTIONS)
    with pytest.raises(ValueError, match="Waiting for the first trial"):
        parts.pareto(cols_of(running(), 2), ["minimize", "minimize"], OPTIONS)
    with pytest.raises(ValueError, match="Pick two different parameters"):
        parts.contour(cols_of(complete(2)), ["minimize"], {**OPTIONS, "y": "x"})


@pytest.mark.parametrize(
    "plot",
    [
        plots.plot_optimization_history,
        plots.plot_intermediate_values,
        plots.plot_parallel_coordinate,
        plots.plot_slice,
        lambda study: plots.plot_contour(study, ("x", "lr")),
    ],
)
def test_a_plot_of_a_study_without_finished_trials_shows_a_sentence_not_an_empty_grid(plot):
    figure = plot(make_study(running()))
    assert not figure.data
    (note,) = figure.layout.annotations
    assert note.text.startswith("<i>") and ("Waiting" in note.text or "No trial" in note.text)
    assert figure.layout.xaxis.visible is False and figure.layout.yaxis.visible is False


def a_study():
    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        lr = trial.suggest_float("lr", 1e-5, 1, log=True)
        trial.suggest_int("n", 1, 4)
        for step in range(2):
            trial.report(x * lr / (step + 1), step)
        return x * lr

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(0))
    study.optimize(objective, n_trials=10)
    return study


def test_no_layout_fixes_a_width_and_every_log_axis_is_written_in_powers():
    study = a_study()
    figures = {
        "history": plots.plot_optimization_history(study),
        "curves": plots.plot_intermediate_values(study),
        "parallel": plots.plot_parallel_coordinate(study),
        "importances": plots.plot_param_importances(study),
        "slice": plots.plot_slice(study),
        "contour": plots.plot_contour(study),
        "matrix": plots.plot_contour(study, ["x", "lr", "n"]),
    }
    for name, figure in figures.items():
        assert figure.layout.width is None, name
        assert figure.layout.height and figure.layout.margin.r <= 30, name
        for key in figure.layout.to_plotly_json():
            axis = figure.layout[key]
            if key.startswith(("xaxis", "yaxis")) and axis.type == "log":
                assert axis.exponentformat == "power", (name, key)
    parallel = figures["parallel"]
    lr = list(parallel.layout.xaxis.ticktext).index("lr")
    (ticks,) = [t for t in parallel.data if t.mode == "markers+text"]
    assert "10⁻⁵" in [text for x, text in zip(ticks.x, ticks.text) if x == lr]
