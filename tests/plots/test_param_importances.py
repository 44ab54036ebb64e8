import logging

import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import TrialState
from plot_studies import make_study, make_trial

from nas_notebook.plots._param_importances import (
    _get_param_importances_info,
    plot_param_importances,
    traces,
)

DISTS = {
    "a": FloatDistribution(0, 1),
    "b": FloatDistribution(0, 1),
    "c": CategoricalDistribution(["small", "medium", "large"]),
}
N = 200


def only(params):
    return {name: DISTS[name] for name in params}


def driven_trials(n=N, seed=0):
    """The objective depends on ``a``, the duration on ``b``, the latency on ``c``; every tenth
    trial failed."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        a, b, c = float(rng.random()), float(rng.random()), int(rng.integers(3))
        params = {"a": a, "b": b, "c": DISTS["c"].choices[c]}
        state = TrialState.FAIL if i % 10 == 9 else TrialState.COMPLETE
        value = 10 * (a - 0.3) ** 2 + 0.01 * rng.random()
        out.append(
            make_trial(
                i,
                state,
                [value, -value],
                params=params,
                distributions=DISTS,
                user_attrs={"latency": 5.0 * c + 0.1 * rng.random(), "note": "text"},
                duration=1.0 + 100.0 * b,
            )
        )
    return out


@pytest.mark.parametrize(
    ("target", "top", "label"),
    [(None, "a", "objective 0"), ("duration", "b", "duration"), ("latency", "c", "latency")],
)
@pytest.mark.parametrize("evaluator", ["ped_anova", "fanova"])
def test_the_driving_parameter_ranks_first(target, top, label, evaluator):
    info = _get_param_importances_info(driven_trials(), ["minimize", "maximize"], target, evaluator)
    assert info.names[0] == top and info.target == label
    assert sorted(info.names) == ["a", "b", "c"]
    assert info.importances[0] > 0.5 and info.importances.sum() == pytest.approx(1)
    assert np.all(np.diff(info.importances) <= 0)
    assert info.n_used == info.n_complete == N - N // 10 and info.message == ""
    assert info.evaluator == {"ped_anova": "PED-ANOVA", "fanova": "fANOVA"}[evaluator]


def test_a_maximized_objective_is_judged_by_its_top_trials():
    # Low values need a small ``a``; high values need ``b`` above 0.9 and nothing else.
    rng = np.random.default_rng(2)
    ts = []
    for i in range(300):
        a, b = float(rng.random()), float(rng.random())
        value = a + 10.0 * (b > 0.9)
        ts.append(make_trial(i, values=value, params={"a": a, "b": b}, distributions=only("ab")))
    assert _get_param_importances_info(ts, "minimize").names[0] == "a"
    assert _get_param_importances_info(ts, "maximize").names[0] == "b"
    flipped = _get_param_importances_info(ts, "minimize", target_direction="maximize")
    assert flipped.names[0] == "b"
    # The second objective is the negated first, maximized: the same importances.
    both = [
        make_trial(t.number, values=[t.value, -t.value], params=t.params, distributions=only("ab"))
        for t in ts
    ]
    second = _get_param_importances_info(both, ["minimize", "maximize"], target=1)
    assert second.names[0] == "a" and second.target == "objective 1"


def test_importances_are_evaluated_on_a_bounded_sample():
    info = _get_param_importances_info(driven_trials(), ["minimize", "maximize"], max_trials=50)
    assert (info.n_used, info.n_complete) == (50, N - N // 10)
    fig = plot_param_importances(make_study(driven_trials(), ["minimize", "maximize"]))
    assert f"{N - N // 10} of {N - N // 10} trials" in fig.layout.title.text


def test_trials_without_the_target_attribute_are_left_out():
    ts = driven_trials(40)
    for t in ts[:20]:
        t.user_attrs.pop("latency")
    info = _get_param_importances_info(ts, ["minimize", "maximize"], "latency")
    assert info.n_complete == 18


@pytest.mark.parametrize("n_complete", [0, 1])
def test_fewer_than_two_completed_trials_give_an_empty_info(n_complete):
    ts = [make_trial(0, TrialState.FAIL, params={"a": 0.5}, distributions=only("a"))]
    ts += [
        make_trial(i + 1, values=1.0, params={"a": 0.5}, distributions=only("a"))
        for i in range(n_complete)
    ]
    info = _get_param_importances_info(ts)
    assert info.names == [] and info.importances.size == 0
    assert "at least 2 completed trials" in info.message and info.n_complete == n_complete
    fig = plot_param_importances(make_study(ts))
    assert fig.layout.annotations[0].text == info.message


def test_fanova_reports_when_every_parameter_is_conditional():
    ts = [
        make_trial(i, values=float(i), params={p: 0.1 * i}, distributions=only(p))
        for i, p in enumerate("ab" * 5)
    ]
    info = _get_param_importances_info(ts, evaluator="fanova")
    assert info.names == [] and "leaves out" in info.message
    assert sorted(_get_param_importances_info(ts).names) == ["a", "b"]


def test_params_restrict_the_assessment():
    info = _get_param_importances_info(driven_trials(), ["minimize", "maximize"], params=["b", "c"])
    assert sorted(info.names) == ["b", "c"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"target": "nope"}, r"target: 'nope'.*'duration', 'latency'"),
        ({"target": "note"}, r"target: 'note'"),
        ({"target": 2}, r"target: no objective 2"),
        ({"params": ["a", "nope"]}, r"params: .*'nope'"),
        ({"evaluator": "shap"}, r"evaluator: .*'shap'"),
        ({"target_direction": "up"}, r"target_direction: .*'up'"),
    ],
)
def test_unknown_names_are_refused_naming_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        _get_param_importances_info(driven_trials(20), ["minimize", "maximize"], **kwargs)


def test_plot_accepts_a_plain_study_and_puts_the_most_important_on_top():
    study = make_study(driven_trials(), ["minimize", "maximize"])
    fig = plot_param_importances(study, target="duration")
    (bars,) = fig.data
    assert bars.type == "bar" and bars.orientation == "h"
    assert bars.y[-1] == "b" and bars.x[-1] == max(bars.x)
    assert "duration" in fig.layout.title.text


def test_no_study_creation_line_is_logged():
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("optuna")
    logger.addHandler(handler)
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.INFO)
    try:
        _get_param_importances_info(driven_trials(20))
    finally:
        optuna.logging.set_verbosity(level)
        logger.removeHandler(handler)
    assert not [r for r in records if "created" in r.getMessage()]


def test_empty_info_still_gives_one_trace():
    info = _get_param_importances_info([])
    assert len(traces(info)) == 1 and info.target == "objective"
