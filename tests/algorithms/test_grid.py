"""Grid search over a define-by-run space: arguments, axes, enumeration order, exhaustion,
conditional and trial-dependent spaces, parallel workers, restarts, shuffling, failures."""

import collections
import itertools
import math
import pickle
import time

import optuna
import pytest
from optuna.trial import TrialState

from nas_notebook import _schema
from nas_notebook.algorithms._grid import GridSearch
from nas_notebook.testing import check_trial

optuna.logging.set_verbosity(optuna.logging.WARNING)

OPS = ["a", "b", "c"]
NS = [1, 3, 4]  # int 1..4 with points=3: 4 values > 3, so 3 evenly spaced, rounded
LRS = [1e-3, 1e-2, 1e-1]
FLAGS = ("grid:frontier", "grid:exhausted")


def mixed(trial):
    """The fixed mixed space: 3 * 3 * 3 = 27 points with points=3."""
    op = trial.suggest_categorical("op", OPS)
    n = trial.suggest_int("n", 1, 4)
    lr = trial.suggest_float("lr", 1e-3, 1e-1, log=True)
    return OPS.index(op) + n + math.log10(lr)


def conditional(trial):
    op = trial.suggest_categorical("op", ["conv", "pool", "none"])
    if op == "conv":
        return trial.suggest_categorical("kernel", [3, 5])
    return 0


def config(trial):
    return tuple(sorted(trial.params.items()))


def configs(trials):
    return [config(t) for t in trials]


def flagged(trial):
    return any(trial.system_attrs.get(flag) for flag in FLAGS)


def attrs(study, trial):
    """The stored system attributes of a running trial."""
    return _schema.trial_attrs(study, trial)


def study_of(sampler, **kwargs):
    return optuna.create_study(sampler=sampler, **kwargs)


def run(sampler, objective=mixed, n_trials=100, study=None, **kwargs):
    study = study or study_of(sampler)
    study.optimize(objective, n_trials=n_trials, **kwargs)
    return study


def all_mixed_configs():
    return {(("lr", lr), ("n", n), ("op", op)) for op in OPS for n in NS for lr in LRS}


def normalized(config):
    """A config with its lr snapped to the nearest of LRS (geomspace's middle is inexact)."""
    return tuple(
        (name, min(LRS, key=lambda v: abs(v - value)) if name == "lr" else value)
        for name, value in config
    )


# -- arguments -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"points": 0}, "points"),
        ({"points": -2}, "points"),
        ({"points": 2.5}, "points"),
        ({"points": True}, "points"),
        ({"points": "5"}, "points"),
        ({"shuffle": "yes"}, "shuffle"),
        ({"shuffle": 1}, "shuffle"),
        ({"shuffle": None}, "shuffle"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"seed": True}, "seed"),
        ({"seed": "0"}, "seed"),
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs, match):
    with pytest.raises(ValueError, match=match):
        GridSearch(**kwargs)


def test_good_arguments_are_kept():
    default = GridSearch()
    assert (default.points, default.shuffle, default.seed) == (5, False, None)
    sampler = GridSearch(points=1, shuffle=True, seed=0)
    assert (sampler.points, sampler.shuffle, sampler.seed) == (1, True, 0)


# -- enumeration and exhaustion ------------------------------------------------------------


def test_a_fixed_mixed_space_is_enumerated_once_in_order_then_exhausted():
    sampler = GridSearch(points=3)
    study = study_of(sampler)
    for _ in range(27):
        assert not sampler.is_exhausted(study)
        trial = study.ask()
        study.tell(trial, mixed(trial))  # outside study.optimize: after_trial does not raise
    trials = study.trials
    # The first-seen decision varies fastest: op, then n, then lr.
    expected = [(op, n, lr) for lr in LRS for n in NS for op in OPS]
    for trial, (op, n, lr) in zip(trials, expected):
        assert trial.params["op"] == op and trial.params["n"] == n
        assert math.isclose(trial.params["lr"], lr)
        assert trial.system_attrs["grid:index"] == trial.number
        assert trial.system_attrs["grid:point"] == trial.params
        assert not flagged(trial)
    assert {normalized(c) for c in configs(trials)} == all_mixed_configs()
    assert len(set(configs(trials))) == 27
    assert sampler.is_exhausted(study)
    again = study.ask()  # further trials re-visit the first point
    study.tell(again, mixed(again))
    again = study.trials[-1]
    assert again.system_attrs["grid:exhausted"] is True
    assert again.params == trials[0].params
    assert sampler.is_exhausted(study)


def test_optimize_stops_by_itself_once_exhausted():
    study = run(GridSearch(points=3), n_trials=1000)
    assert len(study.trials) == 27
    assert len(set(configs(study.trials))) == 27
    assert not any(flagged(t) for t in study.trials)


def test_values_are_native_in_bounds_and_on_step():
    def objective(trial):
        trial.suggest_float("x", -1.5, 2.5)
        trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        trial.suggest_float("drop", 0.0, 0.5, step=0.05)
        trial.suggest_int("depth", -3, 7)
        trial.suggest_int("width", 1, 1024, log=True)
        trial.suggest_int("batch", 8, 64, step=8)
        trial.suggest_categorical("choice", (None, True, 3, 2.5, "relu"))
        trial.suggest_int("one", 3, 3)
        return 0.0

    study = run(GridSearch(), objective, n_trials=40)
    for trial in study.trials:
        check_trial(trial)
    assert len(set(configs(study.trials))) == 40
    # x varies fastest: its five grid values first, then lr moves to its second value.
    assert [t.params["x"] for t in study.trials[:6]] == [-1.5, -0.5, 0.5, 1.5, 2.5, -1.5]
    assert [t.params["lr"] for t in study.trials[4:6]] == pytest.approx([1e-5, 1e-4])


def test_a_conditional_space_is_visited_once_per_configuration():
    sampler = GridSearch()
    study = run(sampler, conditional, n_trials=50)
    assert configs(study.trials) == [
        (("kernel", 3), ("op", "conv")),
        (("op", "pool"),),
        (("op", "none"),),
        (("kernel", 5), ("op", "conv")),
    ]
    assert sampler.is_exhausted(study)
    # A new decision enters at its first value; the rest come after every known point.
    assert study.trials[0].system_attrs["grid:point"] == {"op": "conv", "kernel": 3}


def test_a_range_that_depends_on_an_earlier_decision_is_enumerated_per_branch():
    def objective(trial):
        kernel = trial.suggest_int("kernel", 1, 7, step=2)
        trial.suggest_int("dilation", 1, kernel)  # the axis is the union of the ranges seen
        return 0

    sampler = GridSearch()
    study = run(sampler, objective, n_trials=100)
    got = [(t.params["kernel"], t.params["dilation"]) for t in study.trials]
    expected = {(k, d) for k in (1, 3, 5, 7) for d in range(1, k + 1)}
    assert set(got) == expected and len(got) == len(expected)
    assert sampler.is_exhausted(study)


def test_decisions_discovered_later_are_enumerated_under_every_known_point():
    def objective(trial):  # "act" exists only under op == "b"; "w" only under act == "relu"
        op = trial.suggest_categorical("op", ["a", "b"])
        if op == "b" and trial.suggest_categorical("act", ["gelu", "relu"]) == "relu":
            trial.suggest_int("w", 1, 3)
        return 0

    study = run(GridSearch(), objective, n_trials=100)
    got = configs(study.trials)
    assert sorted(got) == sorted(
        [
            (("op", "a"),),
            (("act", "gelu"), ("op", "b")),
            (("act", "relu"), ("op", "b"), ("w", 1)),
            (("act", "relu"), ("op", "b"), ("w", 2)),
            (("act", "relu"), ("op", "b"), ("w", 3)),
        ]
    )


def test_is_exhausted_needs_finished_trials_and_no_discovery_under_way():
    sampler = GridSearch()
    study = study_of(sampler)
    assert not sampler.is_exhausted(study)  # nothing known yet
    run(sampler, lambda t: 1.0, n_trials=10, study=study)  # no decisions: one point
    assert len(study.trials) == 1 and sampler.is_exhausted(study)

    study = study_of(sampler)
    run(sampler, conditional, n_trials=3, study=study)
    last = study.ask()  # its point is the last one, but it is still running
    assert last.params == {} and not sampler.is_exhausted(study)
    conditional(last)
    assert not sampler.is_exhausted(study)  # may still make a decision no trial has made
    study.tell(last, 0.0)
    assert sampler.is_exhausted(study)
    study.enqueue_trial({"op": "pool"})  # an enqueued trial will run: not exhausted yet
    assert not sampler.is_exhausted(study)


def test_a_running_rerun_of_a_covered_point_does_not_hold_exhaustion_off():
    sampler = GridSearch()
    study = run(sampler, conditional, n_trials=50)
    rerun = study.ask()
    assert attrs(study, rerun)["grid:exhausted"] is True
    assert sampler.is_exhausted(study)  # it re-runs trial 0's point: nothing to discover
    study.tell(rerun, conditional(rerun))
    assert rerun.params == study.trials[0].params


# -- parallel workers ----------------------------------------------------------------------


def slowly(objective):
    def slow(trial):
        value = objective(trial)
        time.sleep(0.002)
        return value

    return slow


def test_threads_never_duplicate_a_fresh_point_and_stop_by_themselves():
    study = run(GridSearch(points=3), slowly(mixed), n_trials=500, n_jobs=4)
    trials = study.trials
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert len(set(configs(trials))) == 27
    assert len(trials) <= 27 + 3, configs(trials)
    # Only a trial that found every known point taken (and says so) repeats another's.
    fresh = [config(t) for t in trials if not flagged(t)]
    assert len(fresh) == len(set(fresh)) == 27


def test_threads_visit_a_conditional_space_and_stop_by_themselves():
    # A running trial does not show yet which decisions of its point it will skip: a worker
    # may start op=pool with another kernel meanwhile; the waste is bounded by the workers.
    study = run(GridSearch(), slowly(conditional), n_trials=500, n_jobs=4)
    trials = study.trials
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert len(set(configs(trials))) == 4
    assert len(trials) <= 4 + 6, configs(trials)


def test_two_workers_with_their_own_instances_share_one_journal(tmp_path):
    """As two processes would: each its own sampler and study object on one storage."""
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    path = str(tmp_path / "journal.log")
    name = optuna.create_study(storage=JournalStorage(JournalFileBackend(path))).study_name
    samplers = [GridSearch(points=3), GridSearch(points=3)]
    workers = [
        optuna.load_study(
            study_name=name, storage=JournalStorage(JournalFileBackend(path)), sampler=sampler
        )
        for sampler in samplers
    ]
    running = [workers[0].ask(), workers[1].ask()]  # created before either ran
    for step in itertools.count():
        worker = step % 2
        workers[worker].tell(running[worker], mixed(running[worker]))
        if samplers[worker].is_exhausted(workers[worker]):
            break
        running[worker] = workers[worker].ask()
        assert step < 60
    trials = workers[0].trials
    assert {normalized(c) for c in configs(trials) if c} == all_mixed_configs()
    fresh = [config(t) for t in trials if t.params and not flagged(t)]
    assert len(fresh) == len(set(fresh))
    # The second trial, created while the first had decided nothing, still differs from it.
    assert trials[0].params != trials[1].params


def test_a_trial_being_created_by_another_worker_makes_the_next_skip_ahead():
    sampler = GridSearch(points=3)
    study = run(sampler, n_trials=3)
    # Another process has created trial 3 and is choosing its point (the first free one).
    _schema.storage_of(study).create_new_trial(_schema.study_id(study))
    trial = study.ask()
    assert trial.number == 4 and attrs(study, trial)["grid:index"] == 4


# -- restarts, pickling, shuffling ---------------------------------------------------------


def test_a_new_or_unpickled_instance_continues_the_enumeration():
    first = GridSearch(points=3)
    study = run(first, n_trials=10)
    copy = pickle.loads(pickle.dumps(first))
    assert (copy.points, copy.shuffle, copy.seed) == (3, False, None)
    run(copy, n_trials=8, study=study)
    fresh = GridSearch(points=3)
    resumed = optuna.load_study(
        study_name=study.study_name, storage=_schema.storage_of(study), sampler=fresh
    )
    run(fresh, n_trials=100, study=resumed)
    trials = study.trials
    assert len(trials) == 27 and len(set(configs(trials))) == 27
    assert [t.system_attrs["grid:index"] for t in trials] == list(range(27))


def test_shuffle_is_seeded_reproducible_and_visits_the_same_set():
    def order(seed, n_trials=100, study=None):
        study = run(GridSearch(points=3, shuffle=True, seed=seed), n_trials=n_trials, study=study)
        return configs(study.trials)

    plain = configs(run(GridSearch(points=3)).trials)
    zero = order(0)
    assert order(0) == zero
    assert len(zero) == 27 and set(zero) == set(plain)
    assert zero != plain and order(1) != zero
    # A new (or unpickled) instance with the same seed continues the same order.
    sampler = GridSearch(points=3, shuffle=True, seed=0)
    study = run(sampler, n_trials=9)
    run(pickle.loads(pickle.dumps(sampler)), n_trials=9, study=study)
    assert order(0, study=study) == zero


# -- failures, enqueued trials, several objectives ------------------------------------------


def test_a_failed_trial_covers_only_the_point_it_attempted():
    def objective(trial):
        op = trial.suggest_categorical("op", OPS)
        if op == "b":  # fails before its other decisions
            raise ValueError("planned")
        return mixed(trial)

    sampler = GridSearch(points=3)
    study = run(sampler, objective, n_trials=200, catch=(ValueError,))
    failed = [t for t in study.trials if t.state == TrialState.FAIL]
    complete = [t for t in study.trials if t.state == TrialState.COMPLETE]
    assert len(complete) == 18 and len(set(configs(complete))) == 18
    # Each of op="b"'s nine points was attempted once (not given up after the first failure).
    assert len(failed) == 9
    assert len({tuple(sorted(t.system_attrs["grid:point"].items())) for t in failed}) == 9
    assert sampler.is_exhausted(study)


def test_a_pruned_trial_covers_the_points_of_the_decisions_it_made():
    def objective(trial):  # prunes an invalid branch before its later decisions
        op = trial.suggest_categorical("op", OPS)
        if op == "b":
            raise optuna.TrialPruned()
        return mixed(trial)

    study = run(GridSearch(points=3), objective, n_trials=200)
    states = collections.Counter(t.state for t in study.trials)
    assert states == {TrialState.COMPLETE: 18, TrialState.PRUNED: 1}


def test_an_enqueued_trial_gets_a_point_agreeing_with_its_fixed_values():
    sampler = GridSearch(points=3)
    study = study_of(sampler)
    run(sampler, n_trials=2, study=study)
    study.enqueue_trial({"op": "c", "n": 4})
    run(sampler, n_trials=100, study=study)
    enqueued = study.trials[2]
    assert enqueued.system_attrs["grid:point"] == enqueued.params
    assert (enqueued.params["op"], enqueued.params["n"]) == ("c", 4)
    assert len(study.trials) == 27 and len(set(configs(study.trials))) == 27


def test_trials_of_another_sampler_only_add_what_they_cover():
    study = run(optuna.samplers.RandomSampler(seed=0), n_trials=5)
    study.sampler = sampler = GridSearch(points=3)
    run(sampler, n_trials=100, study=study)
    grid = study.trials[5:]
    assert len(grid) == len(set(configs(grid))) and sampler.is_exhausted(study)
    assert {normalized(c) for c in configs(grid)} <= all_mixed_configs()
    off_grid = sum(normalized(c) != c for c in configs(study.trials[:5]))  # random floats
    assert len(grid) == 27 - (5 - off_grid)


def test_multi_objective_studies_work():
    sampler = GridSearch(points=3)
    study = study_of(sampler, directions=["minimize", "maximize"])
    study.optimize(lambda t: (mixed(t), t.params["n"]), n_trials=100)
    assert len(study.trials) == 27 and sampler.is_exhausted(study)


def test_many_trials_stay_fast():
    """Reading the study and finding the next point does not grow with the trials run."""

    def objective(trial):
        for i in range(5):
            trial.suggest_int(f"x{i}", 0, 4)
        return 0

    sampler = GridSearch()
    study = study_of(sampler)
    started = time.perf_counter()
    run(sampler, objective, n_trials=1000, study=study)
    elapsed = time.perf_counter() - started
    assert len(set(configs(study.trials))) == 1000
    assert elapsed < 20, elapsed  # about a second on an idle machine


def test_a_search_ends_when_its_grid_is_exhausted():
    import nas_notebook as nb

    body = "op = oneof(['conv', 'pool', 'none'])\nk = oneof([3, 5]) if op == 'conv' else 0\n1.0"
    search = nb.Search(body, algo="grid", executor="inline", direction="maximize").start()
    assert len(search.trials) == 4 and search.state == "finished"
    threads = nb.Search(body, algo="grid", executor="thread", workers=2, n_trials=50).start()
    threads.wait(60)
    assert 4 <= len(threads.trials) <= 6 and threads.state == "finished"
