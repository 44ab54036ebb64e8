import numpy as np
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState
from plot_studies import make_study, make_trial

from nas_notebook.plots._common import WEBGL_THRESHOLD
from nas_notebook.plots._intermediate_values import (
    _get_intermediate_values_info,
    plot_intermediate_values,
    traces,
)
from nas_notebook.study import TrialColumns

X = {"x": FloatDistribution(0, 1)}


def curve(number, intermediate, state=TrialState.COMPLETE, value=None):
    if value is None and intermediate:
        value = intermediate[max(intermediate)]
    return make_trial(number, state, value, {"x": 0.5}, X, intermediate=intermediate)


def group(info, state):
    return next(g for g in info.groups if g.state == state)


def nan_list(a):
    return [None if np.isnan(v) else v for v in np.asarray(a, dtype=float).tolist()]


def mixed():
    return [
        curve(0, {0: 3.0, 1: 2.0, 2: 1.0}),
        curve(1, {0: 4.0, 1: 3.5}, TrialState.PRUNED),
        curve(2, {0: 5.0}, TrialState.FAIL),
        curve(3, {0: 2.0, 1: 1.5}, TrialState.RUNNING),
        make_trial(4, values=0.1, params={"x": 0.1}, distributions=X),  # reported nothing
        curve(5, {1: 0.5, 0: 0.7}),  # reported out of step order
    ]


def test_each_state_is_one_group_with_curves_separated_by_nan():
    info = _get_intermediate_values_info(mixed())
    assert [g.state for g in info.groups] == ["complete", "pruned", "failed", "running"]
    done = group(info, "complete")
    assert done.numbers.tolist() == [0, 5] and done.total == 2
    assert nan_list(done.x) == [0, 1, 2, None, 0, 1]
    assert nan_list(done.y) == [3, 2, 1, None, 0.7, 0.5]
    assert nan_list(done.trial) == [0, 0, 0, None, 5, 5]
    assert group(info, "failed").y.tolist() == [5.0]
    assert group(info, "running").numbers.tolist() == [3]
    assert info.n_curves == info.n_drawn == 5 and info.band is None


def test_pruned_curves_end_in_an_x_at_their_last_step():
    info = _get_intermediate_values_info(mixed())
    pruned = group(info, "pruned")
    assert pruned.end_x.tolist() == [1.0] and pruned.end_y.tolist() == [3.5]
    data = traces(info)
    names = [t["name"] for t in data]
    # Completed curves are drawn over the others, but listed first in the legend.
    assert names == ["running (1)", "failed (1)", "pruned (1)", "complete (2)", "pruned here"]
    assert [t["legendrank"] for t in data[:4]] == [3, 2, 1, 0]
    marker = data[4]
    assert marker["marker"]["symbol"] == "x" and marker["showlegend"] is False
    assert len({t["line"]["color"] for t in data if "line" in t}) == 4


def test_no_curves_give_empty_groups_and_no_traces():
    info = _get_intermediate_values_info([make_trial(0, values=1.0)])
    assert info.n_curves == 0 and traces(info) == []
    assert traces(_get_intermediate_values_info([])) == []


def many(n, steps=5):
    """Trial ``i`` ends at ``i``; every curve falls by one per step to its end."""
    return [curve(i, {s: float(i + steps - 1 - s) for s in range(steps)}) for i in range(n)]


@pytest.mark.parametrize(
    ("direction", "best"), [("minimize", range(10)), ("maximize", range(990, 1000))]
)
def test_many_curves_keep_the_best_and_a_sample_and_add_a_band_over_all(direction, best):
    info = _get_intermediate_values_info(many(1000), direction, max_curves=100)
    done = group(info, "complete")
    assert done.total == 1000 and len(done.numbers) == 100 and info.n_drawn == 100
    assert set(best) <= set(done.numbers.tolist())
    assert len(set(done.numbers.tolist()) - set(best)) == 90
    band = info.band
    assert band is not None and band.steps.tolist() == [0, 1, 2, 3, 4]
    at_step = np.arange(1000)[:, None] + 4 - np.arange(5)[None, :]
    np.testing.assert_allclose(band.median, np.median(at_step, axis=0))
    np.testing.assert_allclose(band.low, np.quantile(at_step, 0.1, axis=0))
    np.testing.assert_allclose(band.high, np.quantile(at_step, 0.9, axis=0))
    names = [t.get("name") for t in traces(info)]
    assert names[0] == "complete (100 of 1000)" and names[-1] == "median of all trials"


def test_band_covers_trials_of_every_state_and_ignores_nan():
    trials = [*many(3, steps=2), curve(3, {0: 100.0, 1: float("nan")}, TrialState.PRUNED)]
    info = _get_intermediate_values_info(trials, band=True)
    assert info.band is not None
    assert info.band.median.tolist() == [2.5, 1.0]  # step 0: 1, 2, 3, 100; step 1: 0, 1, 2
    assert _get_intermediate_values_info(many(1000), max_curves=100, band=False).band is None


def test_band_equals_numpy_quantiles_of_unordered_values():
    rng = np.random.default_rng(3)
    values = rng.normal(size=(40, 6))
    trials = [curve(i, dict(enumerate(map(float, row)))) for i, row in enumerate(values)]
    band = _get_intermediate_values_info(trials, band=True).band
    assert band is not None
    np.testing.assert_allclose(band.low, np.quantile(values, 0.1, axis=0))
    np.testing.assert_allclose(band.median, np.median(values, axis=0))
    np.testing.assert_allclose(band.high, np.quantile(values, 0.9, axis=0))


def test_band_of_sparse_large_steps_and_of_many_steps():
    trials = [curve(i, {0: float(i), 10**6: float(i) / 2}) for i in range(5)]
    band = _get_intermediate_values_info(trials, band=True).band
    assert band is not None and band.steps.tolist() == [0, 10**6]
    assert band.median.tolist() == [2.0, 1.0]
    long = [curve(i, {s: float(k * s) for s in range(1500)}) for i, k in enumerate([2, 0, 1])]
    band = _get_intermediate_values_info(long, band=True).band
    assert band is not None and len(band.steps) == 1500
    assert band.median[1:].tolist() == list(range(1, 1500))  # the values 0, s, 2s
    np.testing.assert_allclose(band.high, 1.8 * np.arange(1500))


def test_info_of_columns_equals_info_of_trials():
    trials = many(50)
    cols = TrialColumns()
    cols.update(trials)
    a, b = _get_intermediate_values_info(cols), _get_intermediate_values_info(trials)
    assert nan_list(group(a, "complete").y) == nan_list(group(b, "complete").y)


def test_plot_accepts_a_plain_optuna_study_and_draws_one_trace_per_state():
    study = make_study([*many(50), curve(50, {0: 9.0}, TrialState.PRUNED)])
    fig = plot_intermediate_values(study)
    assert [t.name for t in fig.data] == ["pruned (1)", "complete (50)", "pruned here"]
    assert fig.data[1].type == "scatter" and len(fig.data[1].x) == 50 * 5 + 49
    big = plot_intermediate_values(make_study(many(WEBGL_THRESHOLD // 5 + 1)), max_curves=10_000)
    assert big.data[0].type == "scatter"  # one SVG path per state, however many points


def test_plot_of_a_maximized_study_keeps_its_highest_curves():
    fig = plot_intermediate_values(make_study(many(400), ["maximize"]))
    assert "300 of 400" in fig.layout.title.text
    assert set(range(370, 400)) <= set(np.asarray(fig.data[0].customdata, dtype=float).tolist())


def test_band_of_very_many_curves_is_taken_from_an_even_sample(monkeypatch):
    from nas_notebook.plots import _intermediate_values as module

    monkeypatch.setattr(module, "BAND_CURVES", 400)
    info = _get_intermediate_values_info(many(4000), "minimize", max_curves=100)
    at_step = np.arange(4000)[:, None] + 4 - np.arange(5)[None, :]
    # the sample's quantiles are close to all curves' (values spread over 0..4003)
    np.testing.assert_allclose(info.band.median, np.median(at_step, axis=0), atol=250)
    np.testing.assert_allclose(info.band.low, np.quantile(at_step, 0.1, axis=0), atol=250)
    assert not np.allclose(info.band.median, np.median(at_step, axis=0))  # it was a sample
