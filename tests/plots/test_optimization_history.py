import numpy as np
import optuna
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState, create_trial

from nas_notebook.plots import plot_optimization_history
from nas_notebook.plots._optimization_history import WEBGL_THRESHOLD, _get_optimization_history_info


def trials(values, states=None):
    states = states or [TrialState.COMPLETE] * len(values)
    out = []
    for i, (v, s) in enumerate(zip(values, states)):
        t = create_trial(
            state=s,
            value=v if s == TrialState.COMPLETE else None,
            params={"x": 0.5},
            distributions={"x": FloatDistribution(0, 1)},
        )
        t.number = i
        out.append(t)
    return out


@pytest.mark.parametrize(
    ("direction", "best"), [("minimize", [3, 1, 1, 0.5]), ("maximize", [3, 3, 4, 4])]
)
def test_info_has_values_and_best_so_far(direction, best):
    info = _get_optimization_history_info(trials([3, 1, 4, 0.5]), direction)
    assert list(info.numbers) == [0, 1, 2, 3]
    assert list(info.best_values) == best


def test_info_skips_unfinished_and_failed_trials():
    ts = trials(
        [1.0, None, 2.0, None],
        [TrialState.COMPLETE, TrialState.FAIL, TrialState.COMPLETE, TrialState.RUNNING],
    )
    info = _get_optimization_history_info(ts, "maximize")
    assert list(info.numbers) == [0, 2] and list(info.values) == [1.0, 2.0]


def test_info_of_no_trials_is_empty():
    info = _get_optimization_history_info([], "minimize")
    assert info.values.size == 0 and info.best_values.size == 0


def test_plot_accepts_a_plain_optuna_study_and_uses_webgl_for_many_points():
    study = optuna.create_study()
    study.add_trials(trials(list(np.linspace(1, 0, WEBGL_THRESHOLD + 1))))
    fig = plot_optimization_history(study)
    assert [trace.type for trace in fig.data] == ["scattergl", "scattergl"]
    assert fig.data[1].y[-1] == 0
    small = optuna.create_study()
    small.add_trials(trials([1.0, 2.0]))
    assert [trace.type for trace in plot_optimization_history(small).data] == ["scatter", "scatter"]


def test_plot_rejects_other_objects():
    with pytest.raises(TypeError, match=r"Search or an optuna\.Study"):
        plot_optimization_history(42)
