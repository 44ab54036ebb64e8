"""An algorithm that cannot sample a study is refused before any trial exists
(``check_algorithm``, which a search asks first), and in plain Optuna no trial it refuses is
left RUNNING: the refusal comes from inside the trial, which Optuna records as FAIL."""

from __future__ import annotations

import importlib.util

import optuna
import pytest
from optuna.trial import TrialState

from nas_notebook import UnknownAlgorithmError
from nas_notebook.algorithms import (
    DifferentialEvolution,
    PPOController,
    PriorBand,
    RegularizedEvolution,
    ReinforceController,
    check_algorithm,
    make_sampler,
    sampler_names,
)

optuna.logging.set_verbosity(optuna.logging.WARNING)

SINGLE_OBJECTIVE = {"cmaes", "dehb", "evolution", "ppo", "priorband", "reinforce"}
TWO = ["maximize", "minimize"]


def two_objectives(trial):
    x = trial.suggest_float("x", 0, 1)
    return x, trial.suggest_categorical("op", ["a", "b"]) == "a"


@pytest.mark.parametrize(
    "sampler",
    [ReinforceController, PPOController, RegularizedEvolution, DifferentialEvolution, PriorBand],
)
def test_plain_optuna_leaves_no_trial_running(sampler):
    study = optuna.create_study(directions=TWO, sampler=sampler(seed=0))
    with pytest.raises(ValueError, match=f"{sampler.__name__} .*single-objective"):
        study.optimize(two_objectives, n_trials=3)
    assert [t.state for t in study.trials] == [TrialState.FAIL]
    study.optimize(two_objectives, n_trials=3, catch=(ValueError,))
    assert [t.state for t in study.trials] == [TrialState.FAIL] * 4
    # The sampler's inspection says the same, and a single-objective study still learns.
    if sampler is PriorBand:
        with pytest.raises(ValueError, match="single-objective"):
            sampler().weights(study, 0)
    elif sampler not in (RegularizedEvolution, DifferentialEvolution):  # no probabilities
        with pytest.raises(ValueError, match="single-objective"):
            sampler().probabilities(study)
    single = optuna.create_study(direction="maximize", sampler=sampler(seed=0))
    single.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    assert {t.state for t in single.trials} == {TrialState.COMPLETE}


@pytest.mark.parametrize("name", sampler_names())
def test_check_algorithm_agrees_with_what_the_sampler_does(name):
    if name == "gp" and importlib.util.find_spec("torch") is None:
        pytest.skip("gp needs torch")
    check_algorithm(name, None, ["minimize"])
    if name not in SINGLE_OBJECTIVE:
        check_algorithm(name, "median", TWO)
        check_algorithm(make_sampler(name, seed=0), None, "maximize,minimize")
        return
    with pytest.raises(ValueError) as refused:
        check_algorithm(name, None, TWO)
    message = str(refused.value)
    assert f"algorithm {name!r}" in message and "single-objective" in message
    assert "2 objectives (maximize, minimize)" in message
    assert "algorithms for several objectives: bohb, gp, grid, nsga2, random, tpe" in message
    with pytest.raises(ValueError, match=f"algorithm {name!r}"):
        check_algorithm(make_sampler(name, seed=0), None, TWO)
    # What it refuses fails in plain Optuna too, with no trial left RUNNING or COMPLETE.
    study = optuna.create_study(directions=TWO, sampler=make_sampler(name, seed=0))
    study.optimize(two_objectives, n_trials=2, catch=(ValueError,))
    assert {t.state for t in study.trials} == {TrialState.FAIL}


def test_check_algorithm_reads_a_samplers_declaration():
    class Mine(optuna.samplers.RandomSampler):
        multi_objective = False

    with pytest.raises(ValueError, match=r"^Mine is single-objective"):
        check_algorithm(Mine(), None, TWO)
    check_algorithm(Mine(), None, ["maximize"])


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (("simulated-annealing",), UnknownAlgorithmError, "unknown algorithm"),
        ((3,), UnknownAlgorithmError, "a name or an Optuna sampler"),
        (("tpe", "sometimes"), UnknownAlgorithmError, "unknown pruner"),
        (("tpe", None, ["upward"]), ValueError, "directions: each is 'minimize' or 'maximize'"),
        (("tpe", None, []), ValueError, "directions: give at least one"),
    ],
)
def test_check_algorithm_refuses_what_does_not_resolve(args, error, message):
    with pytest.raises(error, match=message):
        check_algorithm(*args)
