"""ASHA's cached rungs keep the semantics of the Optuna code they replace: each decision is the
successive-halving rule applied to the rung values of every trial in the storage."""

import pickle

import numpy as np
import optuna
import pytest

from nas_notebook._schema import rung_key
from nas_notebook.algorithms import AsyncSuccessiveHalving, make_pruner


def test_the_registry_name_builds_it():
    assert isinstance(make_pruner("asha:min_resource=1"), AsyncSuccessiveHalving)


def expected_prune(study, trial_number, step, value, pruner):
    """The successive-halving rule from its definition, over the storage as it is."""
    trials = study.get_trials(deepcopy=False)
    this = trials[trial_number]
    rung = 0
    while rung_key(rung) in this.system_attrs:
        rung += 1
    while True:
        if step < pruner._min_resource * pruner._reduction_factor**rung:
            return False
        key = rung_key(rung)
        values = [
            t.system_attrs[key]
            for t in trials
            if t.number != trial_number and key in t.system_attrs
        ]
        values.append(value)
        top = sorted(values, reverse=study.direction.name == "MAXIMIZE")
        top = top[: max(len(values) // pruner._reduction_factor, 1)]
        if value not in top:
            return True
        rung += 1


@pytest.mark.parametrize("direction", ["maximize", "minimize"])
def test_asha_decisions_follow_the_rule_with_many_trials_interleaved(direction):
    rng = np.random.default_rng(3)
    pruner = AsyncSuccessiveHalving(min_resource=1, reduction_factor=3)
    study = optuna.create_study(direction=direction, pruner=pruner)
    running, decisions = {}, 0
    while len(study.trials) < 150 or running:
        if len(running) < 6 and len(study.trials) < 150:
            trial = study.ask()
            running[trial.number] = (trial, 0, rng.uniform(0, 1))
        number = int(rng.choice(list(running)))
        trial, step, quality = running[number]
        step += 1
        value = float(np.round(quality * step + rng.normal(0, 0.3), 2))
        trial.report(value, step)
        expected = expected_prune(study, number, step, value, pruner)
        assert trial.should_prune() == expected, (number, step)
        decisions += 1
        if expected:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            del running[number]
        elif step == 27:
            study.tell(trial, value)
            del running[number]
        else:
            running[number] = (trial, step, quality)
    states = [t.state.name for t in study.trials]
    assert decisions > 300 and "PRUNED" in states and "COMPLETE" in states


def test_asha_pickles_without_its_cache_and_rebuilds_it():
    pruner = AsyncSuccessiveHalving(min_resource=1, reduction_factor=2)
    study = optuna.create_study(pruner=pruner, direction="maximize")

    def body(trial):
        x = trial.suggest_float("x", 0, 1)
        for step in range(1, 5):
            trial.report(x, step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return x

    study.optimize(body, n_trials=20)
    assert len(pruner._studies) == 1
    again = pickle.loads(pickle.dumps(pruner))
    assert len(again._studies) == 0 and again._min_resource == 1
    study.pruner = again
    study.optimize(body, n_trials=10)
    assert len(again._studies) == 1 and len(study.trials) == 30
