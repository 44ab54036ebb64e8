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
    _linear_ticks,
    layout,
    plot_parallel_coordinate,
    traces,
    waiting,
)
from nas_notebook.plots._parallel_draw import SHADES, shade

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


def line_traces(data):
    """The traces of lines (one per shade), palest first."""
    return [t for t in data if t["mode"] == "lines"]


def lines(data):
    """Each drawn trial's line: ``{trial: (value, [position on each axis], colour)}``."""
    out = {}
    for t in line_traces(data):
        ys = np.asarray(t["y"], dtype=float)
        custom = np.asarray(t["customdata"], dtype=float)
        ends = np.flatnonzero(np.isnan(ys))
        for start, end in zip(np.r_[0, ends[:-1] + 1], ends):
            number, value = custom[start]
            assert (custom[start:end] == custom[start]).all()
            assert np.asarray(t["x"], dtype=float)[start:end].tolist() == list(range(end - start))
            out[int(number)] = (value, ys[start:end].tolist(), t["line"]["color"])
    return out


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


def test_linear_parameter_is_ticked_at_round_values_over_the_declared_range():
    x = axis(_get_parallel_coordinate_info([trial(0, 1.0, x=2.0), trial(1, 1.0, x=3.0)]), "x")
    assert x.range == (0, 10) and x.values.tolist() == [2, 3]
    assert x.tickvals == [0, 2, 4, 6, 8, 10] and x.ticktext == ["0", "2", "4", "6", "8", "10"]


@pytest.mark.parametrize(
    ("lo", "hi", "integer", "text"),
    [
        (0.0, 0.5, False, ["0", "0.1", "0.2", "0.3", "0.4", "0.5"]),
        (0.61, 0.99, False, ["0.7", "0.8", "0.9"]),
        (0.0, 10.0, False, ["0", "2", "4", "6", "8", "10"]),
        (-1.0, 1.0, False, ["-1", "-0.5", "0", "0.5", "1"]),
        (0.0, 0.025, False, ["0", "0.005", "0.01", "0.015", "0.02", "0.025"]),
        (1.0, 8.0, True, ["2", "4", "6", "8"]),
        (1.0, 3.0, True, ["1", "2", "3"]),
        (0.0, 1e6, False, ["0", "2·10⁵", "4·10⁵", "6·10⁵", "8·10⁵", "10⁶"]),
        (32.0, 1024.0, True, ["200", "400", "600", "800", "1000"]),
    ],
)
def test_linear_ticks_are_round_steps_inside_the_range(lo, hi, integer, text):
    ticks, labels = _linear_ticks(lo, hi, integer)
    assert labels == text and 3 <= len(ticks) <= 6
    assert all(lo - 1e-12 <= t <= hi + 1e-12 for t in ticks)


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
    assert dropout.ticktext[1:] == ["0", "0.1", "0.2", "0.3", "0.4", "0.5"]
    layers = axis(info, "layers")  # every trial has it
    assert ABSENT not in layers.ticktext and layers.ticktext == ["2", "4", "6", "8"]


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
    data = traces(info)
    assert [t["type"] for t in data] == ["scatter"] * len(data)  # SVG: no WebGL
    drawn = lines(data)
    best, worst = (1, 0) if reverse else (0, 1)
    # The best line is the darkest, in the last line trace (on top); the worst the palest.
    darkest, palest = shade((SHADES - 0.5) / SHADES), shade(0.5 / SHADES)
    assert drawn[best][2] == darkest == line_traces(data)[-1]["line"]["color"]
    assert drawn[worst][2] == palest == line_traces(data)[0]["line"]["color"]
    # Each line crosses the objective's axis (1 to 3) and x's (0 to 10) at its values, scaled
    # to [0, 1].
    assert [drawn[n][1] for n in range(3)] == [[1.0, 0.0], [0.0, 0.1], [0.5, 0.2]]
    assert drawn[1][0] == 1.0 and "trial %{customdata[0]}" in data[0]["hovertemplate"]
    # The colour bar spans the values, its dark end at the best.
    (bar,) = [t for t in data if t.get("marker", {}).get("showscale")]
    scale = bar["marker"]["colorscale"]
    assert (bar["marker"]["cmin"], bar["marker"]["cmax"]) == (1.0, 3.0)
    assert (scale[0][1] == darkest) is reverse and (scale[-1][1] == darkest) is not reverse


def test_every_axis_is_ticked_beside_it_and_named_above_the_plot():
    ts = [trial(0, 1.0, act="relu", lr=1e-3), trial(1, 2.0, act="tanh", lr=1e-2)]
    info = _get_parallel_coordinate_info(ts)
    (ticks,) = [t for t in traces(info) if t["mode"] == "markers+text"]
    act, lr = axis(info, "act"), axis(info, "lr")
    at_act = [text for x, text in zip(ticks["x"], ticks["text"]) if x == 1]
    at_lr = [(y, text) for x, y, text in zip(ticks["x"], ticks["y"], ticks["text"]) if x == 2]
    assert at_act == act.ticktext == ["relu", "gelu", "tanh"]
    assert at_lr == [(pytest.approx(k / 3), text) for k, text in enumerate(lr.ticktext)]
    assert lr.ticktext == ["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹"]
    assert ticks["hoverinfo"] == "skip" and ticks["cliponaxis"] is False
    xaxis = layout(info)["xaxis"]
    assert xaxis["ticktext"] == ["objective", "act", "lr"] and xaxis["tickvals"] == [0, 1, 2]
    assert layout(info)["yaxis"]["visible"] is False


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
    data = traces(info)
    assert len(lines(data)) == MAX_LINES and len(line_traces(data)) <= SHADES
    assert f"{MAX_LINES:,} of {3 * MAX_LINES:,} trials" in layout(info)["title"]["text"]
    few = _get_parallel_coordinate_info(ts[:10], "maximize")
    assert "of" not in layout(few)["title"]["text"]


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
    assert waiting(info) == "Waiting for the first trial to finish."
    figure = go.Figure(data=traces(info), layout=layout(info))
    assert not line_traces(figure.to_plotly_json()["data"])


def test_plot_accepts_a_plain_optuna_study():
    ts = [
        trial(0, 1.0, act="gelu", lr=1e-2, layers=6, dropout=0.1),
        trial(1, 2.0, act="relu", lr=1e-3, layers=2),
    ]
    fig = plot_parallel_coordinate(make_study(ts, ["maximize"]))
    assert {trace.type for trace in fig.data} == {"scatter"}
    labels = list(fig.layout.xaxis.ticktext)
    assert labels == ["objective", "act", "lr", "layers", "dropout"]
    (ticks,) = [t for t in fig.data if t.mode == "markers+text"]
    at = {d: [s for x, s in zip(ticks.x, ticks.text) if x == d] for d in range(len(labels))}
    assert at[1] == ["relu", "gelu", "tanh"] and at[4][0] == ABSENT
    drawn = lines([t.to_plotly_json() for t in fig.data])
    assert {n: v for n, (v, _, _) in drawn.items()} == {0: 1.0, 1: 2.0}
    assert drawn[1][2] == shade((SHADES - 0.5) / SHADES)  # maximized: 2.0 is the darkest
    assert "maximize" in fig.layout.title.text
    with pytest.raises(ValueError, match="objective: no objective 1"):
        plot_parallel_coordinate(make_study(ts), objective=1)
