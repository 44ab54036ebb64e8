import numpy as np
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState
from plot_studies import make_study, make_trial

from nas_notebook._schema import FAIL_REASON
from nas_notebook.plots import parts, plot_optimization_history
from nas_notebook.plots._common import WEBGL_THRESHOLD
from nas_notebook.plots._history_others import MAX_OTHERS
from nas_notebook.plots._optimization_history import (
    KEEP_BEST,
    MAX_MARKERS,
    MAX_POINTS,
    _get_optimization_history_info,
)
from nas_notebook.study import TrialColumns

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


def test_values_are_the_completed_trials_alone():
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


def test_plot_accepts_a_plain_optuna_study_and_draws_many_points_without_webgl():
    study = make_study(trials(list(np.linspace(1, 0, WEBGL_THRESHOLD + 1))))
    fig = plot_optimization_history(study)
    assert [trace.type for trace in fig.data] == ["scatter", "scatter"]
    assert len(fig.data[0].x) == MAX_POINTS
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
    best = np.argsort(values)[:KEEP_BEST]  # minimized: the lowest
    assert set(best.tolist()) <= set(info.numbers[shown].tolist())
    fig = plot_optimization_history(make_study(trials(list(values))))
    assert len(fig.data[0].x) == MAX_POINTS
    assert fig.data[1].y[-1] == values.min() and fig.data[1].x[-1] == len(values) - 1


def test_plot_rejects_other_objects():
    with pytest.raises(TypeError, match=r"Search or an optuna\.Study"):
        plot_optimization_history(42)


def mixed():
    """Completed, pruned (after reporting, and before), failed and running trials."""
    ts = [
        make_trial(0, values=3.0, params={"x": 0.1}, distributions=X),
        make_trial(1, TrialState.PRUNED, params={"x": 0.2}, distributions=X,
                   intermediate={0: 9.0, 4: 7.5}),
        make_trial(2, TrialState.FAIL, params={"x": 0.3}, distributions=X),
        make_trial(3, values=1.0, params={"x": 0.4}, distributions=X),
        make_trial(4, TrialState.PRUNED, params={"x": 0.5}, distributions=X),
        make_trial(5, TrialState.FAIL, params={"x": 0.6}, distributions=X),
        make_trial(6, TrialState.RUNNING, params={"x": 0.7}, distributions=X),
    ]  # fmt: skip
    ts[2].system_attrs = {FAIL_REASON: "ValueError: <b>x</b> too big\nTraceback ..."}
    ts[5].system_attrs = {FAIL_REASON: "RuntimeError: " + "long " * 40}
    return ts


def test_pruned_and_failed_trials_are_drawn_apart_from_the_completed_ones():
    info = _get_optimization_history_info(mixed(), "minimize")
    assert info.numbers.tolist() == [0, 3] and info.best_values.tolist() == [3.0, 1.0]
    assert info.pruned.numbers.tolist() == [1, 4] and info.failed.numbers.tolist() == [2, 5]
    # A pruned trial at its last reported value; without any, and failed trials, no value.
    assert info.pruned.values[0] == 7.5 and np.isnan(info.pruned.values[1])
    assert np.isnan(info.failed.values).all() and info.strip
    assert "pruned at step 4" in info.pruned.texts[0]
    assert info.failed.texts[0] == "trial 2 failed: ValueError: &lt;b&gt;x&lt;/b&gt; too big"
    assert info.failed.texts[1].endswith("…") and len(info.failed.texts[1]) < 110


def test_pruned_and_failed_traces_have_their_own_markers_legend_and_axis():
    study = make_study(mixed())
    fig = plot_optimization_history(study)
    by = {}
    for t in fig.data:
        by.setdefault(t.name, []).append(t)
    assert list(by) == ["objective", "best so far", "pruned", "failed"]
    assert list(by["objective"][0].x) == [0, 3]  # the completed points alone
    pruned_on_axis, pruned_in_strip = by["pruned"]
    assert (list(pruned_on_axis.x), list(pruned_on_axis.y)) == ([1], [7.5])
    assert pruned_on_axis.yaxis == "y" and pruned_in_strip.yaxis == "y2"
    assert list(pruned_in_strip.x) == [4] and pruned_in_strip.showlegend is False
    assert pruned_on_axis.marker.color == "#ff7f0e" and pruned_on_axis.marker.symbol == "x"
    (failed,) = by["failed"]
    assert list(failed.x) == [2, 5] and failed.yaxis == "y2" and failed.marker.color == "#d62728"
    assert "ValueError" in failed.text[0]
    # The strip under the plot: the value axis keeps the completed and reported values' range.
    assert (
        fig.layout.xaxis.anchor == "y2" and fig.layout.yaxis2.domain[1] < fig.layout.yaxis.domain[0]
    )


def test_only_failed_trials_still_draw_and_no_trial_is_a_message():
    fails = [make_trial(i, TrialState.FAIL, params={"x": 0.5}, distributions=X) for i in range(3)]
    cols = TrialColumns(1)
    cols.update(fails)
    data, _ = parts.history(cols, ["minimize"], {})
    assert [t["name"] for t in data] == ["objective", "best so far", "failed"]
    with pytest.raises(ValueError, match="Waiting for the first trial to finish"):
        parts.history(TrialColumns(1), ["minimize"], {})
    fig = plot_optimization_history(make_study([]))
    assert not fig.data and "Waiting for the first trial" in fig.layout.annotations[0].text


def test_many_pruned_and_failed_trials_are_an_even_sample():
    n = 3 * MAX_OTHERS
    states = [TrialState.PRUNED, TrialState.FAIL, TrialState.COMPLETE] * (n // 3)
    ts = [
        make_trial(i, s, float(i), params={"x": 0.5}, distributions=X,
                   intermediate={0: float(i)} if s == TrialState.PRUNED else None)
        for i, s in enumerate(states)
    ]  # fmt: skip
    info = _get_optimization_history_info(ts, "minimize")
    assert info.pruned.total == n // 3 and len(info.pruned.numbers) == MAX_OTHERS
    assert (info.pruned.values == info.pruned.numbers).all()
    assert len(info.numbers) == n // 3  # completed: all kept, below MAX_POINTS


def test_a_target_without_intermediate_values_puts_pruned_trials_at_their_own_value():
    ts = mixed()
    info = _get_optimization_history_info(ts, "minimize", target="duration")
    assert info.pruned.values.tolist() == [1.0, 1.0] and info.failed.values.tolist() == [1.0, 1.0]
    assert not info.strip and "duration 1" in info.failed.texts[0]


def test_many_pruned_and_failed_trials_leave_room_to_fewer_completed_ones():
    n = 3 * MAX_POINTS
    states = [TrialState.PRUNED, TrialState.FAIL, TrialState.COMPLETE] * (n // 3)
    rng = np.random.default_rng(2)
    ts = [make_trial(i, s, float(v), params={"x": 0.5}, distributions=X)
          for i, (s, v) in enumerate(zip(states, rng.random(n)))]  # fmt: skip
    info = _get_optimization_history_info(ts, "minimize")
    others = len(info.pruned.numbers) + len(info.failed.numbers)
    assert others == 2 * MAX_OTHERS and len(info.numbers) == n // 3
    assert len(info.shown) == max(MAX_MARKERS - others, MAX_POINTS // 2) < MAX_POINTS
    assert set(info.best_numbers.tolist()) <= set(info.numbers[info.shown].tolist())
    best = info.numbers[np.argsort(info.values)[:KEEP_BEST]]
    assert set(best.tolist()) <= set(info.numbers[info.shown].tolist())
    alone = _get_optimization_history_info(ts, "minimize", others=False)
    assert len(alone.shown) == MAX_POINTS
