import numpy as np
import plotly.graph_objects as go
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState
from plot_studies import make_study, make_trial

from nas_notebook.plots._parallel_coordinate import (
    ABSENT,
    KEEP_BEST,
    MAX_LINES,
    _get_parallel_coordinate_info,
    layout,
    plot_parallel_coordinate,
    traces,
)

ACT = CategoricalDistribution(["relu", "gelu", "tanh"])
LR = FloatDistribution(1e-4, 1e-1, log=True)
X = FloatDistribution(0, 10)
DROPOUT = FloatDistribution(0, 0.5)
LAYERS = IntDistribution(1, 8)


def trial(number, value, state=TrialState.COMPLETE, **params):
    dists = {"act": ACT, "lr": LR, "x": X, "dropout": DROPOUT, "layers": LAYERS}
    return make_trial(
        number, state, value, params=params, distributions={k: dists[k] for k in params}
    )


def axis(info, label):
    return next(a for a in info.axes if a.label == label)


def test_categorical_axis_lists_the_choices_in_declared_order():
    ts = [trial(0, 1.0, act="tanh"), trial(1, 2.0, act="relu"), trial(2, 3.0, act="tanh")]
    act = axis(_get_parallel_coordinate_info(ts), "act")
    assert act.ticktext == ["relu", "gelu", "tanh"] and act.tickvals == [0, 1, 2]
    assert act.values.tolist() == [2, 0, 2]


def test_log_parameter_is_drawn_on_log10_with_real_value_ticks():
    ts = [trial(0, 1.0, lr=1e-3), trial(1, 2.0, lr=0.05)]
    lr = axis(_get_parallel_coordinate_info(ts), "lr")
    assert lr.values.tolist() == pytest.approx([-3, np.log10(0.05)])
    assert lr.range == pytest.approx((-4, -1))
    assert lr.tickvals == pytest.approx([-4, -3, -2, -1])
    assert lr.ticktext == ["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹"]  # as plotly's log axes write them


def test_narrow_log_range_is_ticked_at_1_2_5_steps():
    dist = {"width": IntDistribution(16, 512, log=True)}
    ts = [
        make_trial(i, values=1.0, params={"width": w}, distributions=dist)
        for i, w in enumerate([16, 64])
    ]
    width = axis(_get_parallel_coordinate_info(ts), "width")
    assert width.ticktext == ["20", "50", "10²", "2·10²", "5·10²"]
    assert width.range == pytest.approx((np.log10(16), np.log10(512)))


def test_linear_parameter_keeps_plotly_ticks_and_the_declared_range():
    x = axis(_get_parallel_coordinate_info([trial(0, 1.0, x=2.0), trial(1, 1.0, x=3.0)]), "x")
    assert x.tickvals is None and x.range == (0, 10) and x.values.tolist() == [2, 3]


def test_trials_lacking_a_conditional_parameter_cross_below_its_range():
    ts = [
        trial(0, 1.0, layers=6, dropout=0.25),
        trial(1, 2.0, layers=2),
        trial(2, 3.0, layers=7, dropout=0.5),
    ]
    info = _get_parallel_coordinate_info(ts)
    assert info.numbers.tolist() == [0, 1, 2]
    dropout = axis(info, "dropout")
    below = dropout.tickvals[0]
    assert dropout.ticktext[0] == ABSENT and below < 0
    assert dropout.values.tolist() == [0.25, below, 0.5]
    assert dropout.range == (below, 0.5)
    assert dropout.ticktext[1:] == [f"{v:.3g}" for v in dropout.tickvals[1:]]
    assert axis(info, "layers").tickvals is None  # every trial has it


def test_absent_categorical_sits_one_step_below_the_first_choice():
    ts = [trial(0, 1.0, act="gelu"), trial(1, 2.0, x=1.0)]
    act = axis(_get_parallel_coordinate_info(ts), "act")
    assert act.values.tolist() == [1, -1]
    assert act.tickvals == [-1, 0, 1, 2] and act.ticktext == [ABSENT, "relu", "gelu", "tanh"]


def test_absent_int_parameter_gets_integer_ticks():
    ts = [trial(0, 1.0, layers=3), trial(1, 2.0, x=1.0)]
    layers = axis(_get_parallel_coordinate_info(ts), "layers")
    assert layers.ticktext[0] == ABSENT
    assert all(float(v).is_integer() for v in layers.tickvals[1:])


def test_only_completed_trials_are_lines():
    ts = [
        trial(0, 1.0, x=1.0),
        trial(1, None, TrialState.FAIL, x=2.0),
        trial(2, 5.0, TrialState.PRUNED, x=3.0),
        trial(3, None, TrialState.RUNNING, x=4.0),
        trial(4, 2.0, x=5.0),
        trial(5, None, TrialState.FAIL, act="relu"),
    ]
    info = _get_parallel_coordinate_info(ts)
    assert info.numbers.tolist() == [0, 4] and info.values.tolist() == [1, 2]
    # A parameter only failed trials had gets no axis.
    assert [a.label for a in info.axes] == ["objective", "x"]
    assert axis(info, "x").values.tolist() == [1, 5]


@pytest.mark.parametrize(("direction", "reverse"), [("minimize", True), ("maximize", False)])
def test_colour_scale_is_reversed_for_minimize_and_best_lines_drawn_last(direction, reverse):
    ts = [trial(i, v, x=float(i)) for i, v in enumerate([3.0, 1.0, 2.0])]
    info = _get_parallel_coordinate_info(ts, direction)
    assert info.reverse_scale is reverse
    (trace,) = traces(info)
    assert trace["line"]["reversescale"] is reverse
    assert trace["line"]["color"].tolist() == ([3, 2, 1] if reverse else [1, 2, 3])
    assert trace["dimensions"][1]["values"].tolist() == ([0, 2, 1] if reverse else [1, 2, 0])


def test_many_lines_are_decimated_keeping_the_best():
    rng = np.random.default_rng(1)
    values = rng.random(3 * MAX_LINES)
    ts = [trial(i, float(v), x=float(v)) for i, v in enumerate(values)]
    info = _get_parallel_coordinate_info(ts, "maximize")
    shown = info.shown
    assert len(shown) == MAX_LINES and len(set(shown.tolist())) == MAX_LINES
    best = np.argsort(-values)[:KEEP_BEST]
    assert set(best.tolist()) <= set(shown.tolist())
    assert info.values[shown[-1]] == values.max()


def test_params_pick_and_order_axes_and_unknown_names_are_refused():
    ts = [trial(0, 1.0, x=1.0, lr=0.01, act="relu")]
    info = _get_parallel_coordinate_info(ts, params=["lr", "x"])
    assert [a.label for a in info.axes] == ["objective", "lr", "x"]
    with pytest.raises(ValueError, match=r"params: .*'nope'"):
        _get_parallel_coordinate_info(ts, params=["x", "nope"])


def test_second_objective_of_a_multi_objective_study():
    ts = [
        make_trial(i, values=[i, 10 - i], params={"x": i}, distributions={"x": X}) for i in range(3)
    ]
    info = _get_parallel_coordinate_info(ts, "maximize", objective=1)
    assert info.axes[0].label == "objective 1" and info.values.tolist() == [10, 9, 8]


def test_no_trials_give_an_empty_figure():
    info = _get_parallel_coordinate_info([])
    assert info.numbers.size == 0 and [a.label for a in info.axes] == ["objective"]
    assert len(go.Figure(data=traces(info), layout=layout(info)).data) == 1


def test_plot_accepts_a_plain_optuna_study():
    ts = [
        trial(0, 1.0, act="gelu", lr=1e-2, layers=6, dropout=0.1),
        trial(1, 2.0, act="relu", lr=1e-3, layers=2),
    ]
    fig = plot_parallel_coordinate(make_study(ts, ["maximize"]))
    (parcoords,) = fig.data
    assert parcoords.type == "parcoords" and parcoords.line.reversescale is False
    dims = {d.label: d for d in parcoords.dimensions}
    assert list(dims) == ["objective", "act", "lr", "layers", "dropout"]
    assert list(dims["act"].ticktext) == ["relu", "gelu", "tanh"]
    assert dims["dropout"].ticktext[0] == ABSENT
    assert "maximize" in fig.layout.title.text
    with pytest.raises(ValueError, match="objective: no objective 1"):
        plot_parallel_coordinate(make_study(ts), objective=1)
