import itertools

import numpy as np
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState
from plot_studies import make_study, make_trial

from nas_notebook.plots._common import WEBGL_THRESHOLD
from nas_notebook.plots._slice import (
    MAX_POINTS,
    MIN_POINTS,
    TOTAL_POINTS,
    _get_slice_info,
    layout,
    plot_slice,
    traces,
)

D = {
    "x": FloatDistribution(0, 1),
    "lr": FloatDistribution(1e-4, 1, log=True),
    "act": CategoricalDistribution(["tanh", "relu", "gelu"]),
    "depth": IntDistribution(1, 4),
}


def only(params):
    return {name: D[name] for name in params}


def trial(number, value, x, lr, act, depth=None, state=TrialState.COMPLETE, **attrs):
    params = {"x": x, "lr": lr, "act": act}
    if depth is not None:  # a conditional parameter
        params["depth"] = depth
    return make_trial(number, state, value, params, only(params), user_attrs=attrs)


def trials():
    return [
        trial(0, 3.0, 0.1, 1e-3, "relu", latency=10.0),
        trial(1, 1.0, 0.5, 1e-2, "gelu", depth=2, latency=30.0),
        trial(2, 2.0, 0.9, 1e-1, "tanh", depth=4, latency=20.0),
        trial(3, None, 0.7, 1e-3, "relu", state=TrialState.PRUNED, latency=1.0),
        trial(4, None, 0.2, 1e-3, "gelu", depth=1, state=TrialState.FAIL, latency=1.0),
        trial(5, None, 0.3, 1e-3, "tanh", depth=3, state=TrialState.RUNNING, latency=1.0),
    ]


def panel(info, name):
    return next(p for p in info.params if p.name == name)


def test_info_has_completed_trials_against_each_param_in_suggestion_order():
    info = _get_slice_info(trials())
    assert [p.name for p in info.params] == ["x", "lr", "act", "depth"]
    x = panel(info, "x")
    assert x.kind == "linear" and x.choices is None
    assert x.numbers.tolist() == [0, 1, 2]
    assert x.x.tolist() == [0.1, 0.5, 0.9] and x.y.tolist() == [3.0, 1.0, 2.0]
    assert panel(info, "lr").kind == "log" and info.target == "objective"


def test_categorical_param_keeps_choice_order_on_a_category_axis():
    info = _get_slice_info(trials())
    act = panel(info, "act")
    assert act.kind == "categorical" and act.choices == ("tanh", "relu", "gelu")
    assert act.x.tolist() == [1, 2, 0]
    fig = plot_slice(make_study(trials()), params=["act", "lr"])
    assert list(fig.data[0].x) == ["relu", "gelu", "tanh"]
    assert fig.layout.xaxis.type == "category"
    assert fig.layout.xaxis.categoryarray == ("tanh", "relu", "gelu")
    assert fig.layout.xaxis2.type == "log" and fig.data[1].xaxis == "x2"
    assert fig.layout.xaxis.domain[1] < fig.layout.xaxis2.domain[0]


def test_params_can_be_one_name():
    assert [p.name for p in _get_slice_info(trials(), params="lr").params] == ["lr"]


def test_conditional_param_shows_only_trials_that_have_it():
    depth = panel(_get_slice_info(trials()), "depth")
    assert depth.numbers.tolist() == [1, 2] and depth.x.tolist() == [2, 4]


def test_target_can_be_another_objective_or_a_user_attribute():
    two = [
        make_trial(i, values=[i, 10 - i], params={"x": i / 10}, distributions=only("x"))
        for i in range(3)
    ]
    info = _get_slice_info(two, target=1)
    assert panel(info, "x").y.tolist() == [10, 9, 8] and info.target == "objective 1"
    latency = _get_slice_info(trials(), target="latency")
    assert latency.target == "latency"
    assert panel(latency, "x").y.tolist() == [10.0, 30.0, 20.0]  # only completed trials
    assert panel(latency, "x").numbers.tolist() == [0, 1, 2]


def test_unknown_names_are_value_errors_naming_the_argument():
    with pytest.raises(ValueError, match=r"params: unknown parameter 'nope'"):
        _get_slice_info(trials(), params=["x", "nope"])
    with pytest.raises(ValueError, match=r"target: .memory. is neither"):
        _get_slice_info(trials(), target="memory")
    with pytest.raises(ValueError, match=r"target: no objective 2"):
        plot_slice(make_study(trials()), target=2)


def many(n):
    rng = np.random.default_rng(0)
    return [
        make_trial(
            i, values=float(v), params={"x": float(x), "lr": 0.1}, distributions=only(["x", "lr"])
        )
        for i, (v, x) in enumerate(zip(rng.permutation(n), rng.random(n)))
    ]


@pytest.mark.parametrize(("direction", "best"), [("minimize", 0), ("maximize", 4999)])
def test_many_points_are_decimated_keeping_the_best(direction, best):
    info = _get_slice_info(many(5000), direction=direction)
    x = panel(info, "x")
    assert len(x.y) == 5000 and len(x.shown) == MAX_POINTS
    shown = set(x.y[x.shown].tolist())
    tenth = MAX_POINTS // 10
    best_tenth = range(0, tenth) if best == 0 else range(5000 - tenth, 5000)
    assert set(map(float, best_tenth)) <= shown
    assert [t["type"] for t in traces(info)] == ["scatter", "scatter"]  # SVG: no WebGL
    one = _get_slice_info(many(5000), params=["x"], direction=direction)
    assert traces(one)[0]["type"] == "scatter" and MAX_POINTS <= WEBGL_THRESHOLD


def test_the_panels_share_a_budget_of_points_keeping_each_ones_best():
    names = [f"p{i}" for i in range(8)]
    dists = dict.fromkeys(names, D["x"])
    ts = [make_trial(i, values=float(i), params=dict.fromkeys(names, 0.5), distributions=dists)
          for i in range(3000)]  # fmt: skip
    info = _get_slice_info(ts)
    per_panel = TOTAL_POINTS // len(names)
    assert per_panel >= MIN_POINTS
    assert [len(p.shown) for p in info.params] == [per_panel] * len(names)
    assert all(set(range(per_panel // 10)) <= set(p.y[p.shown].tolist()) for p in info.params)
    assert sum(len(t["x"]) for t in traces(info)) == TOTAL_POINTS


def test_plot_accepts_a_plain_optuna_study():
    fig = plot_slice(make_study(trials()))
    assert [t.name for t in fig.data] == ["x", "lr", "act", "depth"]
    assert all(t.type == "scatter" for t in fig.data)
    assert fig.layout.yaxis.title.text == "objective"


def test_plot_of_a_maximized_second_objective_keeps_its_highest_values():
    rng = np.random.default_rng(1)
    ts = [
        make_trial(
            i, values=[0.0, float(v)], params={"x": float(rng.random())}, distributions=only("x")
        )
        for i, v in enumerate(rng.permutation(3000))
    ]
    fig = plot_slice(make_study(ts, ["minimize", "maximize"]), target=1)
    assert len(fig.data[0].y) == MAX_POINTS and max(fig.data[0].y) == 2999
    assert set(range(3000 - MAX_POINTS // 10, 3000)) <= set(fig.data[0].y)


def test_every_panel_has_few_compact_ticks_and_the_figure_fills_its_panel():
    fig = plot_slice(make_study(trials()))
    axes = [fig.layout[f"xaxis{i if i > 1 else ''}"] for i in range(1, 5)]
    assert [a.title.text for a in axes] == ["x", "lr", "act", "depth"]
    assert all(a.nticks and a.nticks <= 4 for a in axes)
    x, lr, act, depth = axes
    assert x.tickformat == "~g" and depth.tickformat == "~g"
    assert lr.type == "log" and lr.exponentformat == "power"
    assert act.type == "category"
    assert fig.layout.width is None
    ends = [a.domain for a in axes]
    assert all(b[0] > a[1] for a, b in itertools.pairwise(ends))  # a gap between neighbours


def test_many_parameters_wrap_onto_rows_sharing_the_value_range():
    dists = {f"p{i}": FloatDistribution(0, 50_000) for i in range(7)}
    ts = [
        make_trial(n, values=float(n), params={p: 10.0 * n for p in dists}, distributions=dists)
        for n in range(3)
    ]
    info = _get_slice_info(ts)
    out = layout(info)
    assert "width" not in out and out["height"] > 340
    rows = [out["yaxis"], out["yaxis2"]]
    assert rows[1]["matches"] == "y" and rows[1]["domain"][1] < rows[0]["domain"][0]
    data = traces(info)
    assert [t["yaxis"] for t in data] == ["y"] * 4 + ["y2"] * 3
    assert [out[f"xaxis{i + 1 if i else ''}"]["anchor"] for i in range(7)] == ["y"] * 4 + ["y2"] * 3
    assert max(out[f"xaxis{i + 1 if i else ''}"]["nticks"] for i in range(7)) <= 4
