import time

import numpy as np
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState
from plot_studies import make_study, make_trial

from nas_notebook.plots import parts
from nas_notebook.plots._contour import (
    GRID,
    MAX_POINTS,
    _get_contour_info,
    layout,
    plot_contour,
    traces,
)
from nas_notebook.study import TrialColumns

D = {
    "x": FloatDistribution(0, 1),
    "y": FloatDistribution(0, 1),
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
        trial(1, 3.0, x=0.9, act="b"),
        trial(2, 7.0, x=0.1, act="a"),
        trial(3, 1.0, x=0.9, act="a"),
        trial(4, None, TrialState.PRUNED, x=0.6, act="a"),
        trial(5, None, TrialState.FAIL, x=0.6, act="b"),
        trial(6, None, TrialState.RUNNING, x=0.6, act="b"),
        trial(7, 0.0, x=0.5),  # lacks "act": not on the plane
    ]


def plane(n, seed=0):
    """``n`` trials of ``2x + 3y`` (the corners first, so the hull is the whole square)."""
    rng = np.random.default_rng(seed)
    xy = np.vstack([[[0, 0], [1, 0], [0, 1], [1, 1]], rng.random((n - 4, 2))])
    return [trial(i, 2 * x + 3 * y, x=float(x), y=float(y)) for i, (x, y) in enumerate(xy)]


def test_ten_trials_make_a_full_surface_exact_for_a_linear_objective():
    info = _get_contour_info(plane(10), ("x", "y"))
    assert info.z.shape == (GRID, GRID) and not np.isnan(info.z).any()
    gx, gy = np.meshgrid(info.x.grid, info.y.grid)
    np.testing.assert_allclose(info.z, 2 * gx + 3 * gy, atol=1e-9)
    surface, points = traces(info)
    assert surface["type"] == "contour" and points["type"] == "scatter"
    assert surface["contours"]["coloring"] == "heatmap"
    assert points["customdata"][:, 0].tolist() == list(range(10))


def test_beyond_the_trials_the_surface_runs_on_smoothly_to_the_corners():
    ts = [trial(0, 1.0, x=0.2, y=0.2), trial(1, 2.0, x=0.4, y=0.2), trial(2, 3.0, x=0.2, y=0.4)]
    info = _get_contour_info(ts, ("x", "y"))
    assert not np.isnan(info.z).any()
    assert info.z.min() >= 1.0 - 1e-9 and info.z.max() <= 3.0 + 1e-9  # no overshoot
    # No steps of a whole trial's difference (as a nearest-trial fill has) between
    # neighbouring grid points.
    assert np.abs(np.diff(info.z, axis=0)).max() < 0.5
    assert np.abs(np.diff(info.z, axis=1)).max() < 0.5


@pytest.mark.parametrize(
    "ts",
    [
        [trial(0, 4.0, x=0.3, y=0.5)],
        [trial(i, float(i), x=i / 4, y=0.5) for i in range(4)],  # on one line
        [trial(i, float(i), x=i % 2, y=i // 2) for i in range(4)],  # on the corners
    ],
)
def test_one_trial_or_trials_on_a_line_or_the_corners_still_give_a_full_surface(ts):
    info = _get_contour_info(ts, ("x", "y"))
    assert not np.isnan(info.z).any()
    values = [t.value for t in ts]
    assert min(values) - 1e-9 <= info.z.min() and info.z.max() <= max(values) + 1e-9


def test_log_axes_interpolate_in_log_space_and_small_integer_axes_get_a_point_per_value():
    ts = [
        trial(i, float(np.log10(lr)) + layers, lr=lr, layers=layers)
        for i, (lr, layers) in enumerate([(1e-4, 1), (1.0, 1), (1e-4, 4), (1.0, 4), (1e-2, 2)])
    ]
    info = _get_contour_info(ts, ("lr", "layers"))
    assert info.x.kind == "log" and info.x.grid[0] == pytest.approx(1e-4)
    np.testing.assert_allclose(np.diff(np.log10(info.x.grid)), 4 / (GRID - 1))
    assert info.y.grid.tolist() == [1, 2, 3, 4]
    gx, gy = np.meshgrid(np.log10(info.x.grid), info.y.grid)
    np.testing.assert_allclose(info.z, gx + gy, atol=1e-9)
    axis = plot_contour(make_study(ts), ("lr", "layers")).layout.xaxis
    assert axis.type == "log" and axis.exponentformat == "power"
    assert list(axis.range) == pytest.approx([-4, 0])


def test_a_categorical_axis_has_its_choices_at_their_positions_in_choice_order():
    info = _get_contour_info(grid_trials(), ("x", "act"))
    assert info.y.kind == "categorical" and info.y.labels == ("b", "a")
    assert info.y.grid.tolist() == [0, 1] and info.z.shape == (2, GRID)
    inside = (info.x.grid >= 0.1) & (info.x.grid <= 0.9)
    # Along each choice, linear between its own trials.
    np.testing.assert_allclose(info.z[0, inside], 5 - 2.5 * (info.x.grid[inside] - 0.1))
    np.testing.assert_allclose(info.z[1, inside], 7 - 7.5 * (info.x.grid[inside] - 0.1))
    assert info.numbers.tolist() == [0, 1, 2, 3] and info.values.tolist() == [5, 3, 7, 1]
    fig = plot_contour(make_study(grid_trials()), params=("act", "x"))
    surface, points = fig.data
    assert surface.type == "contour" and list(surface.x) == ["b", "a"]
    assert list(points.x) == ["b", "b", "a", "a"]
    assert fig.layout.xaxis.type == "category" and fig.layout.xaxis.categoryarray == ("b", "a")
    assert surface.reversescale is True  # minimize: the best (lowest) values brightest


def test_default_pair_is_the_first_two_params_and_conditional_trials_are_left_out():
    info = _get_contour_info(grid_trials())
    assert (info.x.name, info.y.name) == ("x", "act")
    assert 7 not in info.numbers.tolist()


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
    info = _get_contour_info(grid_trials(), ("x", "act"), target="latency")
    assert info.values.tolist() == [0, 2, 4, 6] and info.target == "latency"
    ts = [trial(i, [i, 10 * i], x=i / 4, layers=1 + i % 2) for i in range(4)]
    fig = plot_contour(make_study(ts, ["minimize", "maximize"]), target=1)
    assert fig.data[0].reversescale is False  # the objective's direction: maximize
    assert fig.data[0].colorbar.title.text == "objective 1"
    assert sorted(fig.data[1].customdata[:, 1]) == [0, 10, 20, 30]


def test_the_metric_name_titles_the_plot_and_its_colour_scale():
    study = make_study(plane(10), ["maximize"])
    study.set_metric_names(["accuracy"])
    fig = plot_contour(study, ("x", "y"))
    assert fig.data[0].colorbar.title.text == "accuracy"
    assert "accuracy" in fig.layout.title.text and "accuracy" in fig.data[0].hovertemplate
    assert "accuracy" in fig.data[1].hovertemplate and fig.layout.width is None
    assert plot_contour(study, ("x", "y"), target_name="acc").data[0].colorbar.title.text == "acc"


def test_many_trials_are_quick_and_draw_a_sample_of_points_keeping_the_best():
    rng = np.random.default_rng(0)
    n = 10_000
    ts = [
        trial(i, float(v), x=float(x), lr=float(lr))
        for i, (v, x, lr) in enumerate(
            zip(rng.permutation(n), rng.random(n), 10 ** rng.uniform(-4, 0, n))
        )
    ]
    cols = TrialColumns(1)
    cols.update(ts)
    options = {"x": "x", "y": "lr", "target": 0}
    parts.contour(cols, ["minimize"], options)  # scipy's first import
    start = time.perf_counter()
    traces_, _ = parts.contour(cols, ["minimize"], options)
    assert time.perf_counter() - start < 1.0  # about 25 ms on 2 cores
    info = _get_contour_info(cols, ("x", "lr"))
    assert len(info.values) == n and len(info.shown) == MAX_POINTS
    assert set(range(MAX_POINTS // 10)) <= set(info.values[info.shown].tolist())
    assert not np.isnan(info.z).any() and info.z.min() >= 0 and info.z.max() <= n - 1
    assert traces_[0]["type"] == "contour" and traces_[1]["type"] == "scatter"


def test_no_completed_trial_with_both_parameters_is_a_message_not_an_empty_grid():
    ts = [trial(0, None, TrialState.RUNNING, x=0.5, act="a"), trial(1, 1.0, x=0.2)]
    info = _get_contour_info(ts, ("x", "act"))
    assert np.isnan(info.z).all()
    cols = TrialColumns(1)
    cols.update(ts)
    with pytest.raises(ValueError, match=r"Waiting for the first completed trial .* x and act"):
        parts.contour(cols, ["minimize"], {"x": "x", "y": "act", "target": 0})
    fig = plot_contour(make_study(ts), ("x", "act"))
    assert not fig.data and "Waiting" in fig.layout.annotations[0].text
    assert fig.layout.xaxis.visible is False


def test_numeric_axes_have_compact_ticks_and_no_fixed_width():
    out = layout(_get_contour_info(plane(10), ("x", "y")))
    assert out["xaxis"]["tickformat"] == "~g" and "width" not in out
    assert out["margin"]["r"] <= 20 and out["height"] > 0
