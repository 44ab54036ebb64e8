"""Regularized evolution: arguments, values, lineage (tournament among the newest completed
trials, one mutated decision), conditional spaces, restarts, threads, and that it optimizes."""

import math
import pickle

import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState

from nas_notebook import _schema
from nas_notebook.algorithms import RandomSearch
from nas_notebook.algorithms._evolution import RegularizedEvolution

optuna.logging.set_verbosity(optuna.logging.WARNING)

CHOICES = [None, True, False, "relu"]


def mixed(trial):
    """A fixed space of every kind of decision; the value depends on all of them."""
    lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
    drop = trial.suggest_float("drop", 0.0, 0.5, step=0.1)
    width = trial.suggest_int("width", 8, 64, step=8)
    depth = trial.suggest_int("depth", 1, 2, log=True)
    act = trial.suggest_categorical("act", CHOICES)
    return math.log(lr) + drop + width / 64 + depth + CHOICES.index(act)


def run(sampler, objective=mixed, n_trials=60, direction="minimize", study=None):
    study = study or optuna.create_study(direction=direction, sampler=sampler)
    study.optimize(objective, n_trials=n_trials)
    return study


def parent_of(study, trial):
    return study.trials[trial.system_attrs["evolution:parent"]]


def differing(a, b):
    return sorted(
        name for name in set(a.params) | set(b.params) if a.params.get(name) != b.params.get(name)
    )


def check_lineage(study, population_size, sequential=True):
    """Each child's parent is among the newest completed trials, one decision apart."""
    children = 0
    for trial in study.trials:
        if "evolution:parent" not in trial.system_attrs or trial.state != TrialState.COMPLETE:
            continue
        children += 1
        parent = parent_of(study, trial)
        assert parent.state == TrialState.COMPLETE and parent.number < trial.number
        if sequential:  # the trials before it were all complete when it started
            assert parent.number >= trial.number - population_size
        mutated = trial.system_attrs["evolution:mutated"]
        assert differing(trial, parent) == [mutated]
    return children


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"population_size": 0}, "population_size"),
        ({"population_size": 2.5}, "population_size"),
        ({"population_size": True}, "population_size"),
        ({"tournament_size": 0}, "tournament_size"),
        ({"population_size": 4, "tournament_size": 5}, "tournament_size.*population_size"),
        ({"tournament_size": "3"}, "tournament_size"),
        ({"mutation_rate": 1.5}, "mutation_rate"),
        ({"mutation_rate": -0.1}, "mutation_rate"),
        ({"mutation_rate": "high"}, "mutation_rate"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RegularizedEvolution(**kwargs)


def test_good_arguments_are_kept():
    sampler = RegularizedEvolution(population_size=8, tournament_size=8, mutation_rate=0)
    assert (sampler.population_size, sampler.tournament_size) == (8, 8)
    assert sampler.mutation_rate == 0.0 and type(sampler.mutation_rate) is float
    assert RegularizedEvolution(population_size=1, tournament_size=1).mutation_rate is None


def test_values_are_native_in_bounds_and_on_step():
    study = run(RegularizedEvolution(population_size=10, tournament_size=3, seed=0), n_trials=120)
    assert sum("evolution:parent" in t.system_attrs for t in study.trials) == 110
    acts = set()
    for trial in study.trials:
        p = trial.params
        assert type(p["lr"]) is float and 1e-4 <= p["lr"] <= 1e-1
        assert type(p["drop"]) is float and 0.0 <= p["drop"] <= 0.5
        assert abs(p["drop"] * 10 - round(p["drop"] * 10)) < 1e-8
        assert type(p["width"]) is int and 8 <= p["width"] <= 64 and p["width"] % 8 == 0
        assert type(p["depth"]) is int and p["depth"] in (1, 2)
        assert any(type(p["act"]) is type(c) and p["act"] == c for c in CHOICES)
        acts.add(p["act"])
    assert acts == set(CHOICES)


def test_seeded_runs_are_reproducible():
    def params(seed):
        sampler = RegularizedEvolution(population_size=10, tournament_size=4, seed=seed)
        study = run(sampler, n_trials=60)
        return [(t.params, t.system_attrs.get("evolution:parent")) for t in study.trials]

    first = params(3)
    assert first == params(3)
    assert first != params(4)


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_children_differ_from_a_recent_parent_in_the_mutated_decision(direction):
    population_size = 10
    sampler = RegularizedEvolution(population_size=population_size, tournament_size=4, seed=1)
    study = run(sampler, n_trials=80, direction=direction)
    assert all("evolution:parent" not in t.system_attrs for t in study.trials[:population_size])
    assert check_lineage(study, population_size) == 80 - population_size
    mutated = {t.system_attrs.get("evolution:mutated") for t in study.trials[population_size:]}
    assert mutated == {"lr", "drop", "width", "depth", "act"}


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_a_full_tournament_picks_the_best_of_the_newest(direction):
    population_size = 6
    sampler = RegularizedEvolution(population_size, tournament_size=population_size, seed=2)
    study = run(sampler, n_trials=40, direction=direction)
    pick = min if direction == "minimize" else max
    for trial in study.trials[population_size:]:
        alive = study.trials[trial.number - population_size : trial.number]
        assert parent_of(study, trial).value == pick(t.value for t in alive)


def test_failed_and_pruned_trials_neither_join_nor_fill_the_population():
    sampler = RegularizedEvolution(population_size=4, tournament_size=2, seed=0)
    study = optuna.create_study(sampler=sampler)

    def objective(trial):
        x = trial.suggest_int("x", 0, 9)
        if trial.number % 3 == 1:
            raise optuna.TrialPruned()
        return x

    study.optimize(objective, n_trials=30)
    completed = [t.number for t in study.trials if t.state == TrialState.COMPLETE]
    for trial in study.trials:
        done_before = [n for n in completed if n < trial.number]
        if len(done_before) < 4:
            assert "evolution:parent" not in trial.system_attrs
        else:
            assert trial.system_attrs["evolution:parent"] in done_before[-4:]


def conditional(trial):
    op = trial.suggest_categorical("op", ["conv", "pool", "skip"])
    score = 0.0
    if op == "conv":
        score += trial.suggest_int("kernel", 3, 7, step=2)
    elif op == "pool":
        score += {"max": 1.0, "avg": 2.0}[trial.suggest_categorical("pool", ["max", "avg"])]
    return score + trial.suggest_float("lr", 1e-3, 1.0, log=True)


def test_conditional_decisions_are_inherited_mutated_or_drawn():
    sampler = RegularizedEvolution(population_size=8, tournament_size=3, seed=5)
    study = run(sampler, objective=conditional, n_trials=120, direction="maximize")
    branch_changes = 0
    for trial in study.trials[8:]:
        parent = parent_of(study, trial)
        mutated = trial.system_attrs["evolution:mutated"]
        assert mutated in parent.params and mutated in trial.params
        assert trial.params[mutated] != parent.params[mutated]
        for name, value in trial.params.items():
            if name != mutated and name in parent.params:
                assert value == parent.params[name], (trial.number, name)
        if trial.params["op"] != parent.params["op"]:
            branch_changes += 1
            assert mutated == "op"
            assert ("kernel" in trial.params) == (trial.params["op"] == "conv")
            assert ("pool" in trial.params) == (trial.params["op"] == "pool")
    assert branch_changes > 0


def test_a_changed_distribution_reuses_a_contained_value_else_draws():
    sampler = RegularizedEvolution(population_size=2, tournament_size=2, seed=0)
    study = optuna.create_study(sampler=sampler)
    old = {"a": CategoricalDistribution(["x", "y"]), "n": IntDistribution(0, 10)}
    study.add_trial(optuna.create_trial(params={"a": "x", "n": 7}, distributions=old, value=0.0))
    study.add_trial(optuna.create_trial(params={"a": "y", "n": 9}, distributions=old, value=1.0))
    seen = set()
    for _ in range(40):
        trial = study.ask()
        mutated = _schema.trial_attrs(study, trial)[_schema.MUTATED]
        seen.add(mutated)
        a = trial.suggest_categorical("a", ["x", "y"])
        wide = trial.suggest_int("n", 0, 20)  # a wider range: the parent's 7 is still in it
        new = trial.suggest_float("f", 0.0, 1.0)  # not in the parent: drawn
        assert a == ("y" if mutated == "a" else "x")
        assert wide != 7 if mutated == "n" else wide == 7
        assert 0.0 <= new <= 1.0
        study.tell(trial, state=TrialState.FAIL)  # keeps the population as added
    assert seen == {"a", "n"}

    drawn = set()
    for _ in range(30):
        trial = study.ask()
        drawn.add(trial.suggest_int("n", 0, 5))  # the parent's 7 is out of range: a draw
        study.tell(trial, state=TrialState.FAIL)
    assert drawn == set(range(6))


def test_mutation_rate_mutates_further_decisions():
    sampler = RegularizedEvolution(population_size=5, tournament_size=2, seed=0, mutation_rate=1)
    study = run(sampler, n_trials=30)
    for trial in study.trials[5:]:
        parent = parent_of(study, trial)
        also = trial.system_attrs["evolution:also_mutated"]
        assert sorted([trial.system_attrs["evolution:mutated"], *also]) == sorted(parent.params)
        assert differing(trial, parent) == sorted(parent.params)
    sampler = RegularizedEvolution(population_size=5, tournament_size=2, seed=0, mutation_rate=0)
    study = run(sampler, n_trials=30)
    assert all(t.system_attrs["evolution:also_mutated"] == [] for t in study.trials[5:])
    assert check_lineage(study, 5) == 25


def test_a_new_or_unpickled_instance_continues_the_stored_population():
    sampler = RegularizedEvolution(population_size=10, tournament_size=3, seed=7)
    study = run(sampler, n_trials=30)

    copy = pickle.loads(pickle.dumps(sampler))
    assert isinstance(copy, RegularizedEvolution)
    assert (copy.population_size, copy.tournament_size, copy.mutation_rate) == (10, 3, None)
    assert copy._rng.randint(1 << 30) == sampler._rng.randint(1 << 30)  # the RNG state travels

    resumed = optuna.load_study(
        study_name=study.study_name, storage=_schema.storage_of(study), sampler=copy
    )
    run(copy, n_trials=20, study=resumed)
    fresh = RegularizedEvolution(population_size=10, tournament_size=3, seed=7)
    resumed = optuna.load_study(
        study_name=study.study_name, storage=_schema.storage_of(study), sampler=fresh
    )
    run(fresh, n_trials=20, study=resumed)
    assert len(study.trials) == 70
    assert all("evolution:parent" in t.system_attrs for t in study.trials[30:])
    assert check_lineage(study, 10) == 60


def test_two_workers_with_their_own_instances_share_one_journal(tmp_path):
    """As two processes would: each its own sampler and study object on one storage."""
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    path = str(tmp_path / "journal.log")
    name = optuna.create_study(storage=JournalStorage(JournalFileBackend(path))).study_name
    workers = []
    for seed in (0, 1):
        sampler = RegularizedEvolution(population_size=6, tournament_size=2, seed=seed)
        storage = JournalStorage(JournalFileBackend(path))
        workers.append(optuna.load_study(study_name=name, storage=storage, sampler=sampler))
    running = [workers[0].ask(), workers[1].ask()]  # always one trial running on each
    for step in range(40):
        worker = step % 2
        workers[worker].tell(running[worker], mixed(running[worker]))
        running[worker] = workers[worker].ask()
    study = workers[0]
    assert check_lineage(study, 6, sequential=False) >= 30


def test_it_beats_random_search_on_a_categorical_toy_problem():
    decisions, choices = 6, 5
    target = [3, 0, 4, 1, 2, 0]

    def objective(trial):
        picks = [trial.suggest_categorical(f"d{i}", list(range(choices))) for i in range(decisions)]
        return sum(p == t for p, t in zip(picks, target))

    def best(sampler):
        return run(sampler, objective=objective, n_trials=300, direction="maximize").best_value

    evolution = [best(RegularizedEvolution(population_size=20, seed=s)) for s in range(5)]
    random = [best(RandomSearch(seed=s)) for s in range(5)]
    assert np.mean(evolution) > np.mean(random), (evolution, random)


def test_multi_objective_studies_are_refused():
    study = optuna.create_study(directions=["minimize", "minimize"], sampler=RegularizedEvolution())
    with pytest.raises(ValueError, match="single-objective"):
        study.optimize(lambda t: (t.suggest_float("x", 0, 1), 0.0), n_trials=1)
    assert [t.state for t in study.trials] == [TrialState.FAIL]


def test_four_threads_share_one_sampler():
    sampler = RegularizedEvolution(population_size=8, tournament_size=3, seed=0)
    study = optuna.create_study(sampler=sampler)
    study.optimize(mixed, n_trials=80, n_jobs=4)
    assert len(study.trials) == 80
    assert all(t.state == TrialState.COMPLETE for t in study.trials)
    assert check_lineage(study, 8, sequential=False) >= 60


def test_values_of_every_distribution_kind_stay_valid_when_mutated():
    from nas_notebook.algorithms._evolution import _mutated_value, _random_value

    rng = np.random.RandomState(0)
    dists = [
        FloatDistribution(0.1, 0.3, step=0.1),
        FloatDistribution(1e-3, 1.0, log=True),
        FloatDistribution(-1.0, 1.0),
        IntDistribution(1, 2, log=True),
        IntDistribution(1, 1000, log=True),
        IntDistribution(-3, 4, step=7),
        CategoricalDistribution([None, 1.5, "a"]),
    ]
    for dist in dists:
        for _ in range(200):
            value = _random_value(rng, dist)
            internal = dist.to_internal_repr(value)
            assert dist._contains(internal)
            mutated = _mutated_value(rng, dist, internal)
            assert dist._contains(dist.to_internal_repr(mutated))
            assert dist.to_internal_repr(mutated) != internal
            assert type(mutated) is type(value) or isinstance(dist, CategoricalDistribution)


def test_children_do_not_repeat_a_configuration_already_tried():
    sampler = RegularizedEvolution(population_size=4, tournament_size=2, seed=3)
    study = optuna.create_study(sampler=sampler, direction="maximize")

    def objective(trial):
        picks = [trial.suggest_categorical(f"d{i}", ["a", "b", "c", "d"]) for i in range(3)]
        return float(sum(p == "a" for p in picks)) + 0.01 * trial.suggest_int("n", 0, 3)

    study.optimize(objective, n_trials=60)
    seen = set()
    for t in study.trials:
        key = tuple(sorted(t.params.items()))
        if "evolution:parent" in t.system_attrs:
            assert key not in seen, t.number  # each child is new
            assert (
                t.system_attrs["evolution:value"] == t.params[t.system_attrs["evolution:mutated"]]
            )
        seen.add(key)
    assert sum("evolution:parent" in t.system_attrs for t in study.trials) >= 50
