import math

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import TrialState, create_trial

from nas_notebook.study import STATE_CODES, TrialColumns, columns_of


def test_columns_follow_a_study_incrementally():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    # Both branches must appear whatever the sampler draws: the conditional
    # column is checked below.
    study.enqueue_trial({"kind": "a"})
    study.enqueue_trial({"kind": "b"})

    def objective(trial):
        kind = trial.suggest_categorical("kind", ["a", "b"])
        if kind == "a":
            trial.suggest_float("lr", 1e-3, 1.0, log=True)
        for step in range(3):
            trial.report(step * 0.1, step)
        return 1.0

    study.optimize(objective, n_trials=5)
    cols = TrialColumns()
    assert cols.update(study.get_trials(deepcopy=False)).tolist() == [0, 1, 2, 3, 4]
    version = cols.version
    # no change: nothing converted again
    assert cols.update(study.get_trials(deepcopy=False)).tolist() == []
    assert cols.version == version
    trial = study.ask()  # a new RUNNING trial, then it reports and completes
    assert cols.update(study.get_trials(deepcopy=False)).tolist() == [5]
    assert cols.state[5] == STATE_CODES[TrialState.RUNNING] and math.isnan(cols.values[5, 0])
    trial.report(0.5, 0)
    assert cols.update(study.get_trials(deepcopy=False)).tolist() == [5]
    study.tell(trial, 2.0)
    assert cols.update(study.get_trials(deepcopy=False)).tolist() == [5]
    assert cols.values[5, 0] == 2.0 and cols.state[5] == STATE_CODES[TrialState.COMPLETE]
    # conditional parameter: NaN where the trial lacks it
    kinds = cols.external("kind", cols.params["kind"])
    has_lr = ~np.isnan(cols.params["lr"])
    assert [k == "a" for k in kinds[:5]] == has_lr[:5].tolist()
    assert {"a", "b"} <= set(kinds[:5])
    rows, steps, values = cols.curves()
    assert steps[:3].tolist() == [0, 1, 2]
    assert len(rows) == 5 * 3 + 1 and rows[-1] == 5 and values[-1] == 0.5


def test_dynamic_categorical_choices_and_widening_ranges_are_merged():
    trials = [
        create_trial(
            value=1.0,
            params={"c": c, "x": x},
            distributions={
                "c": CategoricalDistribution(choices),
                "x": FloatDistribution(low, high),
            },
        )
        for c, choices, x, low, high in [
            ("a", ["a", "b"], 0.5, 0, 1),
            ("z", ["z"], 5.0, 0, 10),
        ]
    ]
    for i, t in enumerate(trials):
        t.number = i
    cols = columns_of(trials)
    assert cols.distributions["c"].choices == ("a", "b", "z")
    assert cols.external("c", cols.params["c"]) == ["a", "z"]
    assert (cols.distributions["x"].low, cols.distributions["x"].high) == (0, 10)


def test_multi_objective_values_and_numeric_user_attrs():
    study = optuna.create_study(directions=["maximize", "minimize"])

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        trial.set_user_attr("latency", 2 * x)
        trial.set_user_attr("note", "text attrs are not columns")
        return x, -x

    study.optimize(objective, n_trials=4)
    cols = TrialColumns.of(study)
    assert cols.values.shape == (4, 2)
    assert np.allclose(cols.values[:, 1], -cols.values[:, 0])
    assert np.allclose(cols.attrs["latency"], 2 * cols.params["x"])
    assert "note" not in cols.attrs
    assert cols.mask(TrialState.COMPLETE).all() and not cols.mask(TrialState.FAIL).any()


def _naive_curves(trials):
    rows, steps, values = [], [], []
    for row, t in enumerate(trials):
        for step in sorted(t.intermediate_values):
            rows.append(row)
            steps.append(step)
            values.append(t.intermediate_values[step])
    return rows, steps, values


def test_curves_are_rebuilt_incrementally_and_match_a_plain_flattening():
    rng = np.random.default_rng(0)
    study = optuna.create_study()
    cols = TrialColumns()
    running = []
    for _ in range(60):
        action = rng.integers(3)
        if action == 0 or not running:
            running.append(study.ask())
        elif action == 1:
            trial = running[rng.integers(len(running))]
            step = len(study._storage.get_trial(trial._trial_id).intermediate_values)
            trial.report(float(rng.random()), step)
        else:
            study.tell(running.pop(rng.integers(len(running))), float(rng.random()))
        trials = study.get_trials(deepcopy=False)
        cols.update(trials)
        if rng.random() < 0.5:  # views do not ask for curves on every refresh
            got = [a.tolist() for a in cols.curves()]
            assert got == [list(x) for x in _naive_curves(trials)]
    cols.update(study.get_trials(deepcopy=False)[:5])  # fewer trials (another study)
    assert [a.tolist() for a in cols.curves()] == [
        list(x) for x in _naive_curves(study.get_trials(deepcopy=False)[:5])
    ]
