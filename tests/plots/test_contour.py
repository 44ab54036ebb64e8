import numpy as np
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState
from plot_studies import make_study, make_trial

from nas_notebook.plots._contour import MAX_POINTS, _get_contour_info, plot_contour, traces

D = {
    "x": FloatDistribution(0, 1),
    "act": CategoricalDistribution(["b", "a"]),
    "lr": FloatDistribution(1e-4, 1, log=True),
    "layers": IntDistribution(1, 4),
}


def trial(number, value, state=TrialState.COMPLETE, **params):
    dists = {name: D[name] for name in params}
    return make_trial(number, state, value, params, dists, user_attrs={"latency": 2.0 * number})


def grid_trials():
    return [
        trial(0, 5.0, x=0.1, act="b"),
        trial(1, 3.0, x=0.15, act="b"),
        trial(2, 7.0, x=0.9, act="a"),
        trial(3, 1.0, x=1.0, act="a"),  # the upper bound falls in the last bin
        trial(4, None, TrialState.PRUNED, x=0.6, act="a"),
        trial(5, None, TrialState.FAIL, x=0.6, act="b"),
        trial(6, None, TrialState.RUNNING, x=0.6, act="b"),
        trial(7, 0.0, x=0.5),  # lacks "act": not on the grid
    ]


def nan_list(a):
    return [[None if np.isnan(v) else v for v in row] for row in np.asarray(a).tolist()]


def test_each_bin_holds_the_best_value_of_its_completed_trials():
    info = _get_contour_info(grid_trials(), ("x", "act"), bins=4)
    assert info.x.kind == "linear" and info.x.edges.tolist() == [0, 0.25, 0.5, 0.75, 1]
    assert info.x.centers.tolist() == [0.125, 0.375, 0.625, 0.875]
    assert info.y.kind == "categorical" and info.y.labels == ("b", "a")
    assert info.y.centers.tolist() == [0, 1]
    assert nan_list(info.z) == [[3.0, None, None, None], [None, None, None, 1.0]]
    assert info.counts.tolist() == [[2, 0, 0, 0], [0, 0, 0, 2]]
    assert info.numbers.tolist() == [0, 1, 2, 3] and info.values.tolist() == [5, 3, 7, 1]
    maximized = _get_contour_info(grid_trials(), ("x", "act"), direction="maximize", bins=4)
    assert nan_list(maximized.z) == [[5.0, None, None, None], [None, None, None, 7.0]]


def test_log_axes_bin_in_log_space_and_small_integer_axes_bin_per_value():
    ts = [
        trial(0, 1.0, lr=5e-4, layers=1),
        trial(1, 2.0, lr=0.05, layers=4),
        trial(2, 3.0, lr=0.5, layers=4),
    ]
    info = _get_contour_info(ts, ("lr", "layers"), bins=4)
    assert info.x.kind == "log"
    np.testing.assert_allclose(info.x.edges, [1e-4, 1e-3, 1e-2, 1e-1, 1])
    np.testing.assert_allclose(info.x.centers, np.sqrt([1e-7, 1e-5, 1e-3, 1e-1]))
    assert info.y.kind == "linear" and info.y.centers.tolist() == [1, 2, 3, 4]
    assert nan_list(info.z) == [
        [1.0, None, None, None],
        [None] * 4,
        [None] * 4,
        [None, None, 2.0, 3.0],
    ]
    layout = plot_contour(make_study(ts), ("lr", "layers"), bins=4).layout
    assert layout.xaxis.type == "log" and list(layout.xaxis.range) == pytest.approx([-4, 0])
    assert list(layout.yaxis.range) == [0.5, 4.5]


def test_default_pair_is_the_first_two_params_and_conditional_trials_are_left_out():
    info = _get_contour_info(grid_trials())
    assert (info.x.name, info.y.name) == ("x", "act")
    assert 7 not in info.numbers.tolist() and info.x.edges.size == 41


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (("x", "nope"), r"params: unknown parameter 'nope'"),
        (("x",), r"params: expected two different parameters"),
        (("x", "x"), r"params: expected two different parameters"),
        ("x", r"params: expected two different parameters, got \['x'\]"),
    ],
)
def test_bad_params_are_value_errors_naming_the_argument(params, message):
    with pytest.raises(ValueError, match=message):
        plot_contour(make_study(grid_trials()), params)


def test_target_can_be_a_user_attribute_or_another_objective():
    info = _get_contour_info(grid_trials(), ("x", "act"), target="latency", bins=4)
    assert nan_list(info.z) == [[0.0, None, None, None], [None, None, None, 4.0]]
    assert info.target == "latency"
    ts = [trial(i, [i, 10 * i], x=i / 4, layers=1) for i in range(4)]
    fig = plot_contour(make_study(ts, ["minimize", "maximize"]), target=1, bins=2)
    assert nan_list(fig.data[0].z) == [
        [10.0, 30.0],
        [None, None],
    ]  # the objective's direction: maximize


def test_many_trials_draw_a_sample_of_points_keeping_the_best():
    rng = np.random.default_rng(0)
    n = 5000
    ts = [
        trial(i, float(v), x=float(x), act="a")
        for i, (v, x) in enumerate(zip(rng.permutation(n), rng.random(n)))
    ]
    info = _get_contour_info(ts, ("x", "act"))
    assert len(info.values) == n and len(info.shown) == MAX_POINTS
    assert set(range(200)) <= set(info.values[info.shown].tolist())
    assert np.nanmin(info.z) == 0 and info.counts.sum() == n
    assert traces(info)[1]["type"] == "scatter"


def test_plot_accepts_a_plain_optuna_study_with_categories_in_choice_order():
    fig = plot_contour(make_study(grid_trials()), params=("act", "x"), bins=4)
    heatmap, points = fig.data
    assert heatmap.type == "heatmap" and points.type == "scatter"
    assert list(heatmap.x) == ["b", "a"] and list(heatmap.y) == [0, 0.25, 0.5, 0.75, 1]
    assert list(points.x) == ["b", "b", "a", "a"]
    assert fig.layout.xaxis.type == "category" and fig.layout.xaxis.categoryarray == ("b", "a")
    assert heatmap.reversescale is True  # minimize: the best (lowest) values brightest
