import numpy as np
import plotly.graph_objects as go
import pytest
from optuna.distributions import FloatDistribution
from optuna.study import StudyDirection
from optuna.trial import TrialState
from plot_studies import make_study, make_trial

from nas_notebook.plots._common import WEBGL_THRESHOLD
from nas_notebook.plots._pareto_front import (
    MAX_POINTS,
    _get_pareto_front_info,
    layout,
    pareto_rows,
    plot_pareto_front,
    traces,
)

X = {"x": FloatDistribution(0, 1)}


def brute_force(values, directions):
    loss = values * np.array([-1 if d == "maximize" else 1 for d in directions])
    front = []
    for i, row in enumerate(loss):
        if np.isnan(row).any():
            continue
        others = loss[~np.isnan(loss).any(axis=1)]
        dominated = np.any(np.all(others <= row, axis=1) & np.any(others < row, axis=1))
        if not dominated:
            front.append(i)
    return front


@pytest.mark.parametrize(
    "directions",
    [
        ["minimize", "minimize"],
        ["minimize", "maximize"],
        ["maximize", "maximize"],
        ["maximize", "minimize", "maximize"],
        ["minimize", "minimize", "minimize", "maximize"],
    ],
)
@pytest.mark.parametrize("seed", range(5))
def test_pareto_rows_match_brute_force(directions, seed):
    rng = np.random.default_rng(seed)
    # Rounded so that ties and duplicate points occur.
    values = np.round(rng.random((300, len(directions))), 2)
    values[rng.random(300) < 0.05, 0] = np.nan
    expected = brute_force(values, directions)
    assert pareto_rows(values, directions).tolist() == expected
    assert len(expected) > 1


def test_pareto_rows_accept_study_directions_and_empty_input():
    values = [[1.0, 2.0], [2.0, 1.0], [2.0, 2.0]]
    both = [StudyDirection.MINIMIZE, StudyDirection.MINIMIZE]
    assert pareto_rows(values, both).tolist() == [0, 1]
    assert pareto_rows(np.zeros((0, 2)), both).tolist() == []
    with pytest.raises(ValueError, match="directions"):
        pareto_rows(values, ["minimize", "sideways"])
    with pytest.raises(ValueError, match=r"shape \(2, 3\) for 2 objectives"):
        pareto_rows(np.zeros((2, 3)), both)


def test_pareto_rows_on_100k_points_match_a_sweep():
    # Two objectives have an independent O(n log n) answer: sorted by the first (ties by the
    # second), a row is on the front when its second beats every row before it. The plot's
    # speed on such studies is measured by bench/plots.py, not here.
    values = np.random.default_rng(0).random((100_000, 2))
    rows = pareto_rows(values, ["minimize", "maximize"])
    loss = values * np.array([1.0, -1.0])
    order = np.lexsort((loss[:, 1], loss[:, 0]))
    best = np.minimum.accumulate(loss[order, 1])
    on_front = np.r_[True, loss[order[1:], 1] < best[:-1]]
    assert sorted(rows.tolist()) == sorted(order[on_front].tolist())


def trials(values, states=None):
    states = states or [TrialState.COMPLETE] * len(values)
    return [
        make_trial(i, s, v, params={"x": 0.5}, distributions=X)
        for i, (v, s) in enumerate(zip(values, states))
    ]


def test_info_keeps_completed_trials_and_sorts_the_front_along_the_first_objective():
    ts = trials(
        [[3, 1], [1, 3], None, [2, 2], [3, 3], [0, 0], [2.5, 1.5]],
        [
            TrialState.COMPLETE,
            TrialState.COMPLETE,
            TrialState.FAIL,
            TrialState.COMPLETE,
            TrialState.COMPLETE,
            TrialState.PRUNED,
            TrialState.COMPLETE,
        ],
    )
    info = _get_pareto_front_info(ts, ["minimize", "minimize"])
    assert info.numbers.tolist() == [0, 1, 3, 4, 6]
    assert info.numbers[info.front].tolist() == [1, 3, 6, 0]
    assert info.numbers[info.dominated].tolist() == [4]
    assert info.labels == ["objective 0 (minimize)", "objective 1 (minimize)"]
    maxed = _get_pareto_front_info(ts, ["maximize", "maximize"])
    assert maxed.numbers[maxed.front].tolist() == [4]


def test_many_dominated_points_are_decimated_but_never_the_front():
    n = MAX_POINTS + 1000
    x = np.linspace(0, 1, n)
    front = np.stack([x, 1 - x], axis=1)
    dominated = front + 0.5
    info = _get_pareto_front_info(
        trials(np.concatenate([front, dominated]).tolist()), ["minimize"] * 2
    )
    assert len(info.front) == n and len(info.dominated) == MAX_POINTS
    assert set(info.dominated.tolist()) <= set(range(n, 2 * n))
    line, points = traces(info)[1], traces(info)[0]
    assert len(line["x"]) == n and np.all(np.diff(line["x"]) > 0)
    assert line["type"] == "scattergl" and n > WEBGL_THRESHOLD
    assert points["type"] == "scatter" and MAX_POINTS <= WEBGL_THRESHOLD  # SVG: no WebGL


def test_three_objectives_are_drawn_in_3d():
    ts = trials([[1, 2, 3], [3, 2, 1], [2, 2, 2], [3, 3, 3]])
    info = _get_pareto_front_info(ts, ["minimize", "minimize", "minimize"])
    assert info.numbers[info.front].tolist() == [0, 2, 1]
    dominated, front = traces(info)
    assert dominated["type"] == front["type"] == "scatter3d" and front["mode"] == "markers"
    assert front["z"].tolist() == [3, 2, 1]
    fig = plot_pareto_front(make_study(ts, ["minimize"] * 3))
    assert fig.layout.scene.zaxis.title.text == "objective 2 (minimize)"


def test_objectives_pick_two_of_four():
    ts = trials([[1, 9, 2, 9], [2, 9, 1, 9], [3, 0, 3, 0]])
    info = _get_pareto_front_info(ts, ["minimize"] * 4, objectives=[2, 0])
    assert info.values.tolist() == [[2, 1], [1, 2], [3, 3]]
    assert info.numbers[info.front].tolist() == [1, 0]
    with pytest.raises(ValueError, match="2 or 3"):
        _get_pareto_front_info(ts, ["minimize"] * 4)
    with pytest.raises(ValueError, match=r"objectives must be in 0\.\.3"):
        _get_pareto_front_info(ts, ["minimize"] * 4, objectives=[0, 4])


def test_a_single_objective_study_is_refused():
    study = make_study(trials([1.0, 2.0]))
    with pytest.raises(ValueError, match="multi-objective"):
        plot_pareto_front(study)


def test_plot_accepts_a_plain_optuna_study():
    study = make_study(trials([[1, 1], [0, 0], [2, -1]]), ["minimize", "maximize"])
    fig = plot_pareto_front(study)
    dominated, front = fig.data
    assert [dominated.type, front.type] == ["scatter", "scatter"]
    # (0, 0) beats (2, -1) on both; (1, 1) is worse on the first, better on the second.
    assert front.mode == "lines+markers" and list(front.text) == [1, 0]
    assert list(dominated.text) == [2]
    assert fig.layout.yaxis.title.text == "objective 1 (maximize)"
    assert "2 of 3 trials" in fig.layout.title.text


def test_no_completed_trials_give_an_empty_front():
    info = _get_pareto_front_info(trials([None], [TrialState.RUNNING]), ["minimize"] * 2)
    assert info.numbers.size == 0 and info.front.size == 0
    assert len(go.Figure(data=traces(info), layout=layout(info)).data) == 2
