import numpy as np
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState
from plot_studies import make_study, make_trial

from nas_notebook.plots import plot_optimization_history
from nas_notebook.plots._common import WEBGL_THRESHOLD
from nas_notebook.plots._optimization_history import MAX_POINTS, _get_optimization_history_info

X = {"x": FloatDistribution(0, 1)}


def trials(values, states=None):
    states = states or [TrialState.COMPLETE] * len(values)
    return [
        make_trial(i, s, v, params={"x": 0.5}, distributions=X)
        for i, (v, s) in enumerate(zip(values, states))
    ]


@pytest.mark.parametrize(
    ("direction", "steps", "best"),
    [("minimize", [0, 1, 3], [3, 1, 0.5]), ("maximize", [0, 2], [3, 4])],
)
def test_info_has_values_and_best_so_far_steps(direction, steps, best):
    info = _get_optimization_history_info(trials([3, 1, 4, 0.5]), direction)
    assert list(info.numbers) == [0, 1, 2, 3]
    assert list(info.best_numbers) == steps and list(info.best_values) == best


def test_info_skips_unfinished_pruned_and_failed_trials():
    ts = trials(
        [1.0, None, 2.0, None, 5.0],
        [
            TrialState.COMPLETE,
            TrialState.FAIL,
            TrialState.COMPLETE,
            TrialState.RUNNING,
            TrialState.PRUNED,
        ],
    )
    info = _get_optimization_history_info(ts, "maximize")
    assert list(info.numbers) == [0, 2] and list(info.values) == [1.0, 2.0]


def test_info_of_a_second_objective():
    ts = [make_trial(i, values=[i, -i]) for i in range(3)]
    info = _get_optimization_history_info(ts, "minimize", objective=1)
    assert list(info.values) == [0, -1, -2] and list(info.best_values) == [0, -1, -2]


def test_info_of_no_trials_is_empty():
    info = _get_optimization_history_info([], "minimize")
    assert info.values.size == 0 and info.best_values.size == 0


def test_plot_accepts_a_plain_optuna_study_and_uses_webgl_for_many_points():
    study = make_study(trials(list(np.linspace(1, 0, WEBGL_THRESHOLD + 1))))
    fig = plot_optimization_history(study)
    assert [trace.type for trace in fig.data] == ["scattergl", "scatter"]
    assert fig.data[1].y[-1] == 0
    small = make_study(trials([1.0, 2.0]))
    assert [trace.type for trace in plot_optimization_history(small).data] == ["scatter", "scatter"]


def test_many_points_are_decimated_but_every_improvement_is_kept():
    rng = np.random.default_rng(0)
    values = rng.random(3 * MAX_POINTS)
    info = _get_optimization_history_info(trials(list(values)), "minimize")
    shown = info.shown
    assert len(shown) == MAX_POINTS
    assert set(info.best_numbers.tolist()) <= set(info.numbers[shown].tolist())
    fig = plot_optimization_history(make_study(trials(list(values))))
    assert len(fig.data[0].x) == MAX_POINTS
    assert fig.data[1].y[-1] == values.min() and fig.data[1].x[-1] == len(values) - 1


def test_plot_rejects_other_objects():
    with pytest.raises(TypeError, match=r"Search or an optuna\.Study"):
        plot_optimization_history(42)
