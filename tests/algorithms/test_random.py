"""Random search's direct categorical draw keeps the semantics of the Optuna code it replaces:
uniform, seeded choices of native types."""

import numpy as np
import optuna

from nas_notebook.algorithms import RandomSearch, make_sampler


def test_the_registry_name_builds_it():
    assert isinstance(make_sampler("random", seed=0), RandomSearch)


def test_random_choices_are_uniform_and_seeded():
    def draws(seed):
        study = optuna.create_study(sampler=RandomSearch(seed=seed))
        for _ in range(2000):
            trial = study.ask()
            trial.suggest_categorical("op", ["a", "b", "c", "d"])
            trial.suggest_float("lr", 1e-4, 1e-1, log=True)
            trial.suggest_int("units", 8, 64, step=8)
            study.tell(trial, 0.0)
        return [t.params for t in study.trials]

    first = draws(0)
    assert first == draws(0) and first != draws(1)
    counts = np.unique([p["op"] for p in first], return_counts=True)[1]
    # 2000 draws of 4 equally likely choices: each count within 5 standard deviations of 500
    assert counts.size == 4 and np.all(np.abs(counts - 500) < 5 * np.sqrt(2000 * 0.25 * 0.75))
    assert all(1e-4 <= p["lr"] <= 1e-1 and p["units"] % 8 == 0 for p in first)
    assert all(type(p["op"]) is str and type(p["units"]) is int for p in first)
