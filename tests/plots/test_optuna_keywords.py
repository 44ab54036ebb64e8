"""Every ``plot_*`` is a drop-in for its ``optuna.visualization`` namesake: it takes Optuna's
arguments (by name, and in Optuna's order where Optuna takes them by position) with their
meaning, on an ``optuna.Study`` as on a ``Search``."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import optuna
import optuna.visualization as ov
import pytest
from optuna.importance import PedAnovaImportanceEvaluator
from optuna.trial import TrialState

import nas_notebook as nb
import nas_notebook.plots as plots

optuna.logging.set_verbosity(optuna.logging.ERROR)

NAMES = sorted(name for name in plots.__all__ if name.startswith("plot_"))
KEYWORD = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)

BODY = """
x = floatv(1e-3, 1, log=True)
y = intv(1, 5)
z = oneof(["a", "b", "c"])
for step in range(3):
    report(x * y / (step + 1), step=step)
x * y + (z == "b")
"""


def objective(trial):
    x = trial.suggest_float("x", 1e-3, 1, log=True)
    y = trial.suggest_int("y", 1, 5)
    z = trial.suggest_categorical("z", ["a", "b", "c"])
    for step in range(3):
        trial.report(x * y / (step + 1), step)
    return x * y + (z == "b")


def two_objectives(trial):
    x = trial.suggest_float("x", 0, 1)
    y = trial.suggest_int("y", 1, 5)
    return x, x * y


def search(body=BODY, **kwargs):
    options = {"direction": "minimize", **kwargs}
    return nb.Search(
        body, n_trials=30, executor="inline", storage="memory", algo="random", seed=0, **options
    ).start()


@pytest.fixture(scope="module")
def studies():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=30)
    pareto = optuna.create_study(
        directions=["minimize", "maximize"], sampler=optuna.samplers.RandomSampler(seed=0)
    )
    pareto.optimize(two_objectives, n_trials=30)
    body = "x = floatv(0, 1)\ny = intv(1, 5)\n(x, x * y)"
    return {
        "study": study,
        "search": search(),
        "pareto": pareto,
        "pareto search": search(body, direction=None, directions="minimize,maximize"),
    }


def trials_of(source):
    study = getattr(source, "study", source)
    return study.get_trials(states=(TrialState.COMPLETE,))


@pytest.mark.parametrize("name", NAMES)
def test_every_optuna_argument_is_taken_by_name_and_positionals_keep_their_place(name):
    theirs = list(inspect.signature(getattr(ov, name)).parameters.values())
    ours = inspect.signature(getattr(plots, name)).parameters
    order = list(ours)
    for position, parameter in enumerate(theirs):
        assert parameter.name in ours, f"{name} lacks Optuna's {parameter.name!r}"
        assert ours[parameter.name].kind in KEYWORD, (name, parameter.name)
        if parameter.kind == inspect.Parameter.POSITIONAL_OR_KEYWORD and (
            name != "plot_param_importances"  # Optuna's order is taken (test below)
        ):
            assert order.index(parameter.name) == position, (name, parameter.name)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("source", ["study", "search"])
def test_optunas_defaults_given_by_name_change_nothing(name, source, studies):
    if name == "plot_pareto_front":
        source = "pareto" if source == "study" else "pareto search"
    study = studies[source]
    defaults = {
        p.name: p.default
        for p in list(inspect.signature(getattr(ov, name)).parameters.values())[1:]
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        figure = getattr(plots, name)(study, **defaults)
    plain = getattr(plots, name)(study)
    assert [t.type for t in figure.data] == [t.type for t in plain.data]
    for given, default in zip(figure.data, plain.data):  # the same points (named otherwise)
        for key in ("x", "y", "z"):
            if key in given:
                assert _same(given[key], default[key]), (name, key)


def _same(a, b):
    if a is None or b is None:
        return a is b
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind in "fc" and b.dtype.kind in "fc":
        return a.shape == b.shape and np.allclose(a, b, equal_nan=True)
    return a.tolist() == b.tolist()


def target(trial):
    return trial.params["y"] - trial.params["x"]


@pytest.mark.parametrize("source", ["study", "search"])
def test_a_target_function_and_its_name(source, studies):
    study = studies[source]
    trials = trials_of(study)
    want = sorted(target(t) for t in trials)
    figure = plots.plot_slice(study, params=["x"], target=target, target_name="gap")
    assert sorted(figure.data[0].y) == pytest.approx(want)
    assert figure.layout.yaxis.title.text == "gap"
    theirs = ov.plot_slice(
        getattr(study, "study", study), params=["x"], target=target, target_name="gap"
    )
    assert sorted(theirs.data[0].y) == pytest.approx(want)

    figure = plots.plot_parallel_coordinate(
        study, params=["x", "z"], target=target, target_name="gap"
    )
    assert list(figure.layout.xaxis.ticktext) == ["gap", "x", "z"]
    drawn = {}  # each line's trial and value, repeated at each of its vertices
    for trace in figure.data:
        if trace.mode == "lines":
            drawn.update({int(n): v for n, v in trace.customdata if n == n})
    assert sorted(drawn.values()) == pytest.approx(want)

    figure = plots.plot_optimization_history(study, target=target, target_name="gap")
    assert [t.name for t in figure.data] == ["gap"]  # no best line: its better way is unknown
    assert sorted(figure.data[0].y) == pytest.approx(want)
    assert figure.layout.yaxis.title.text == "gap"

    figure = plots.plot_contour(study, params=["x", "y"], target=target, target_name="gap")
    assert figure.data[0].colorbar.title.text == "gap"
    assert sorted(figure.data[1].customdata[:, 1]) == pytest.approx(want)

    figure = plots.plot_param_importances(
        study, target=lambda t: t.params["y"], target_name="y itself"
    )
    assert list(figure.data[0].y)[-1] == "y" and "y itself" in figure.layout.title.text


@pytest.mark.parametrize("source", ["study", "search"])
def test_param_importances_in_optunas_order_and_words(source, studies):
    study = studies[source]
    evaluator = PedAnovaImportanceEvaluator()
    figure = plots.plot_param_importances(study, evaluator, ["x", "z"])
    assert sorted(figure.data[0].y) == ["x", "z"]
    figure = plots.plot_param_importances(study, evaluator=None, params=["y"])
    assert list(figure.data[0].y) == ["y"]
    with pytest.raises(ValueError, match="two evaluators"):
        plots.plot_param_importances(study, evaluator, evaluator="fanova")


@pytest.mark.parametrize("source", ["study", "search"])
def test_a_contour_of_more_than_two_parameters_is_a_matrix(source, studies):
    figure = plots.plot_contour(studies[source], params=["x", "y", "z"])
    assert [t.type for t in figure.data].count("contour") == 6  # every ordered pair
    surfaces = [t for t in figure.data if t.type == "contour"]
    assert sum(bool(t.showscale) for t in surfaces) == 1
    assert len({(t.zmin, t.zmax) for t in surfaces}) == 1  # one colour scale
    axes = {(t.xaxis, t.yaxis) for t in surfaces}
    assert len(axes) == 6
    assert figure.layout.width is None  # fills its panel
    theirs = ov.plot_contour(getattr(studies[source], "study", studies[source]), ["x", "y", "z"])
    assert [t.type for t in theirs.data].count("contour") == 6


def test_several_studies_and_error_bars(studies):
    first, second = studies["study"], studies["search"]
    figure = plots.plot_optimization_history([first, second])
    names = [t.name for t in figure.data]
    assert names == [
        f"objective of {first.study_name}",
        f"best so far of {first.study_name}",
        f"objective of {second.study.study_name}",
        f"best so far of {second.study.study_name}",
    ]
    figure = plots.plot_optimization_history([first, second], error_bar=True)
    points = figure.data[0]
    values = [{t.number: t.value for t in trials_of(s)} for s in (first, second)]
    for number, mean, std in zip(points.x, points.y, points.error_y.array):
        both = [v[number] for v in values if number in v]
        assert mean == pytest.approx(np.mean(both)) and std == pytest.approx(np.std(both))
    assert figure.data[-1].name == "best so far"
    theirs = ov.plot_optimization_history([first, second.study], error_bar=True)
    assert list(theirs.data[0].y) == pytest.approx(list(points.y))
    assert list(theirs.data[1].y) == pytest.approx(list(figure.data[-1].y))


@pytest.mark.parametrize("source", ["pareto", "pareto search"])
def test_pareto_front_keywords(source, studies):
    study = studies[source]
    trials = trials_of(study)
    figure = plots.plot_pareto_front(study, target_names=["loss", "size"])
    assert (figure.layout.xaxis.title.text, figure.layout.yaxis.title.text) == ("loss", "size")
    figure = plots.plot_pareto_front(study, include_dominated_trials=False)
    assert [t.name for t in figure.data] == ["Pareto front"]
    best = {t.number for t in getattr(study, "study", study).best_trials}
    assert set(figure.data[0].text) == best

    def constraints(trial):
        return [trial.params["y"] - 3]  # feasible: y <= 3

    figure = plots.plot_pareto_front(study, constraints_func=constraints)
    shown = {t.name: set(t.text) for t in figure.data}
    feasible = [t for t in trials if t.params["y"] <= 3]
    assert shown["infeasible"] == {t.number for t in trials} - {t.number for t in feasible}
    assert shown["Pareto front"] == {t.number for t in _front(feasible)}
    figure = plots.plot_pareto_front(
        study, targets=lambda t: (t.params["x"], t.params["y"]), target_names=["x", "y"]
    )
    front = figure.data[-1]
    by_number = {t.number: t for t in trials}
    assert [(by_number[n].params["x"], by_number[n].params["y"]) for n in front.text] == list(
        zip(front.x, front.y)
    )


def _front(trials):
    """The trials no other one dominates (minimizing the first value, maximizing the second)."""

    def dominates(a, b):
        (a0, a1), (b0, b1) = a.values, b.values
        return a0 <= b0 and a1 >= b1 and (a0, a1) != (b0, b1)

    return [t for t in trials if not any(dominates(o, t) for o in trials)]
