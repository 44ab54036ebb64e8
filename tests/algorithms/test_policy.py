"""The policy-gradient controller: valid values over any space, the update rules of REINFORCE
and PPO checked against their definitions, a policy that is a function of the stored trials
(replay, pickling, threads), and learning on a toy architecture problem."""

import datetime
import math
import pickle

import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution
from optuna.trial import TrialState, create_trial

from nas_notebook._schema import POLICY_CHOICE
from nas_notebook.algorithms import RandomSearch
from nas_notebook.algorithms._policy import PolicyGradient, PPOController, ReinforceController

optuna.logging.set_verbosity(optuna.logging.WARNING)

METHODS = ["reinforce", "ppo"]


def make(method, **options):
    if method == "ppo":
        options.setdefault("batch_size", 4)
    return PolicyGradient(method, **options)


# -- arguments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"method": "sgd"}, "method"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"learning_rate": -0.1}, "learning_rate"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"learning_rate": True}, "learning_rate"),
        ({"learning_rate": "0.1"}, "learning_rate"),
        ({"baseline_decay": 1.0}, "baseline_decay"),
        ({"baseline_decay": -0.1}, "baseline_decay"),
        ({"n_bins": 1}, "n_bins"),
        ({"n_bins": 2.5}, "n_bins"),
        ({"n_bins": True}, "n_bins"),
        ({"entropy_weight": -1.0}, "entropy_weight"),
        ({"entropy_weight": float("inf")}, "entropy_weight"),
        ({"seed": "zero"}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"method": "ppo", "clip": 0}, "clip"),
        ({"method": "ppo", "clip": 1.5}, "clip"),
        ({"method": "ppo", "epochs": 0}, "epochs"),
        ({"method": "ppo", "batch_size": 0}, "batch_size"),
        ({"method": "ppo", "batch_size": 4.0}, "batch_size"),
        ({"method": "reinforce", "clip": 0.3}, "clip"),
        ({"method": "reinforce", "batch_size": 4}, "batch_size"),
    ],
)
def test_bad_arguments_raise_naming_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        PolicyGradient(**kwargs)


def test_factories_and_defaults():
    assert ReinforceController(seed=0).method == "reinforce" and isinstance(
        ReinforceController(), PolicyGradient
    )
    assert PPOController(seed=0).method == "ppo" and isinstance(PPOController(), PolicyGradient)
    assert "batch_size=8" in repr(PPOController()) and "clip=0.2" in repr(PPOController())
    assert "learning_rate=0.1" in repr(PolicyGradient())
    with pytest.raises(ValueError, match="epochs"):
        PPOController(epochs=-1)
    with pytest.raises(TypeError):
        ReinforceController(clip=0.2)  # type: ignore[call-arg]


# -- values ------------------------------------------------------------------------------------

CHOICES = [None, True, False, "relu", 3, 2.5]
FLOATS = {  # name: (low, high, step, log)
    "lr": (1e-5, 1e-1, None, True),
    "dropout": (0.0, 1.0, 0.05, False),  # 21 values: bins
    "ratio": (0.0, 0.5, 0.1, False),  # 6 values: one logit each
    "momentum": (0.5, 0.99, None, False),
}
INTS = {
    "units": (16, 256, 16, False),  # 16 values: bins
    "layers": (1, 4, 1, False),  # one logit each
    "width": (1, 10**6, 1, True),
    "offset": (-1000, 1000, 1, False),
    "pow": (2, 9, 1, True),
}


def mixed_objective(trial):
    score = 0.0
    for name, (low, high, step, log) in FLOATS.items():
        score += trial.suggest_float(name, low, high, step=step, log=log) / high
    for name, (low, high, step, log) in INTS.items():
        score += trial.suggest_int(name, low, high, step=step, log=log) / high
    score += float(trial.suggest_categorical("act", CHOICES) == "relu")
    return score


@pytest.mark.parametrize("method", METHODS)
def test_values_are_native_in_bounds_and_on_step(method):
    sampler = make(method, seed=0, learning_rate=0.2)
    study = optuna.create_study(sampler=sampler, direction="maximize")
    study.optimize(mixed_objective, n_trials=120)
    trials = study.get_trials(states=(TrialState.COMPLETE,))
    assert len(trials) == 120
    for trial in trials:
        p = trial.params
        for name, (low, high, step, _) in FLOATS.items():
            assert type(p[name]) is float and low <= p[name] <= high, (name, p[name])
            if step is not None:
                k = (p[name] - low) / step
                assert abs(k - round(k)) < 1e-9, (name, p[name])
        for name, (low, high, step, _) in INTS.items():
            assert type(p[name]) is int and low <= p[name] <= high, (name, p[name])
            assert (p[name] - low) % step == 0, (name, p[name])
        assert any(p["act"] is c for c in CHOICES) or p["act"] in CHOICES
        assert type(p["act"]) in {type(None), bool, str, int, float}
        choice = next(c for c in CHOICES if c == p["act"] and type(c) is type(p["act"]))
        assert trial.system_attrs[POLICY_CHOICE + "act"][0] == CHOICES.index(choice)
        for name in p:
            index, logp, size = trial.system_attrs[POLICY_CHOICE + name]
            assert type(index) is int and 0 <= index < size and logp <= 0.0
    values = {name: [t.params[name] for t in trials] for name in trials[0].params}
    # the bins span the ranges (log bins included): both ends are drawn
    assert min(values["width"]) < 10 and max(values["width"]) > 10**5
    assert min(values["lr"]) < 1e-4 and max(values["lr"]) > 1e-2
    assert min(values["offset"]) < -800 and max(values["offset"]) > 800
    assert set(values["layers"]) == {1, 2, 3, 4}
    assert {type(v) for v in values["act"]} == {type(None), bool, str, int, float}

    probabilities = sampler.probabilities(study)
    assert set(probabilities) == set(trials[0].params)
    for name, p in probabilities.items():
        assert math.isclose(sum(p.values()), 1.0), name
    assert list(probabilities["layers"]) == [1, 2, 3, 4]
    assert list(probabilities["ratio"]) == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4, 0.5])
    assert len(probabilities["units"]) == 10 and len(probabilities["lr"]) == 10
    low, high = next(iter(probabilities["lr"]))
    assert low == pytest.approx(1e-5) and high == pytest.approx(1e-5 * 10**0.4)
    # True == 1 and 3 == 3.0 do not collide here; None/True/False/"relu"/3/2.5 are distinct keys
    assert set(probabilities["act"]) == set(CHOICES)


def test_colliding_choice_labels_fall_back_to_repr():
    sampler = ReinforceController(seed=0)
    study = optuna.create_study(sampler=sampler)
    study.optimize(lambda t: float(t.suggest_categorical("x", [1, True, "1"]) == 1), n_trials=5)
    assert set(sampler.probabilities(study)["x"]) == {"1", "True", "'1'"}


@pytest.mark.parametrize("method", METHODS)
def test_seeded_runs_are_reproducible(method):
    def run(seed):
        study = optuna.create_study(sampler=make(method, seed=seed), direction="maximize")
        study.optimize(mixed_objective, n_trials=30)
        return [t.params for t in study.trials]

    assert run(3) == run(3)
    assert run(3) != run(4)


# -- the update rules --------------------------------------------------------------------------


def log_softmax(z):
    z = z - z.max()
    return z - np.log(np.exp(z).sum())


def conditional_objective(trial):
    op = trial.suggest_categorical("op", ["conv", "pool", "skip"])
    score = float(op == "conv")
    if op == "conv":
        score += float(trial.suggest_categorical("kernel", [3, 5, 7]) == 5)
    elif op == "pool":
        score += 0.5 * float(trial.suggest_categorical("pool_type", ["max", "avg"]) == "avg")
    return score + 0.1 * trial.suggest_int("depth", 1, 3)


def test_reinforce_update_follows_its_definition_on_a_conditional_space():
    lr, decay = 0.3, 0.8
    sampler = ReinforceController(learning_rate=lr, baseline_decay=decay, seed=1)
    study = optuna.create_study(sampler=sampler, direction="maximize")
    study.optimize(conditional_objective, n_trials=40)

    logits, baseline, scale, seen = {}, None, None, {}
    for trial in study.trials:  # one worker: completion order is trial order
        r = trial.value
        baseline = r if baseline is None else baseline
        a = r - baseline
        if scale is not None:
            scale = decay * scale + (1 - decay) * a**2
        elif a != 0:
            scale = a**2
        a = a / np.sqrt(scale) if scale else a
        assert abs(a) <= 1 / np.sqrt(1 - decay) + 1e-12
        for name in trial.params:
            index, _, size = trial.system_attrs[POLICY_CHOICE + name]
            z = logits.setdefault(name, np.zeros(size))
            p = np.exp(log_softmax(z))
            z += lr * a * (np.eye(size)[index] - p)
            seen[name] = seen.get(name, 0) + 1
        baseline = decay * baseline + (1 - decay) * r
    assert scale is not None and scale > 0

    actual = sampler.logits(study)
    assert set(actual) == {"op", "kernel", "pool_type", "depth"}
    assert 0 < seen["kernel"] < 40 and 0 < seen["pool_type"] < 40
    for name, z in logits.items():
        np.testing.assert_allclose(actual[name], z, rtol=1e-12, atol=1e-12)
    p = sampler.probabilities(study)
    assert max(p["op"], key=p["op"].get) == "conv"


def test_reinforce_steps_do_not_depend_on_the_objectives_units():
    def logits(scale):
        sampler = ReinforceController(seed=3)
        study = optuna.create_study(sampler=sampler, direction="maximize")
        study.optimize(lambda t: scale * conditional_objective(t), n_trials=30)
        return sampler.logits(study)

    small, large = logits(0.001), logits(1000.0)
    assert small.keys() == large.keys()
    for name, z in small.items():
        np.testing.assert_allclose(large[name], z, rtol=1e-9, atol=1e-9)
        assert np.ptp(z) > 0.1  # it learned, even from differences of a thousandth


def test_entropy_bonus_flattens_the_policy():
    def final(weight):
        sampler = ReinforceController(learning_rate=0.3, entropy_weight=weight, seed=0)
        study = optuna.create_study(sampler=sampler, direction="maximize")
        study.optimize(conditional_objective, n_trials=60)
        p = np.array(list(sampler.probabilities(study)["op"].values()))
        return -float(np.sum(p * np.log(p)))

    assert final(2.0) > final(0.0)


def ppo_surrogate(z, batch, advantages, clip):
    """The clipped surrogate of a batch, from its definition (``z``: name -> logits)."""
    total = 0.0
    for (choices, logp_old), advantage in zip(batch, advantages):
        logp = sum(log_softmax(z[name])[index] for name, index in choices.items())
        ratio = math.exp(logp - logp_old)
        total += min(ratio * advantage, min(max(ratio, 1 - clip), 1 + clip) * advantage)
    return total / len(batch)


def numerical_gradient(f, z, eps=1e-6):
    gradient = {}
    for name in z:
        g = np.zeros_like(z[name])
        for i in range(z[name].size):
            up = {k: v.copy() for k, v in z.items()}
            down = {k: v.copy() for k, v in z.items()}
            up[name][i] += eps
            down[name][i] -= eps
            g[i] = (f(up) - f(down)) / (2 * eps)
        gradient[name] = g
    return gradient


def test_ppo_update_is_gradient_ascent_on_the_clipped_surrogate():
    lr, clip, epochs, batch_size, decay = 1.5, 0.2, 3, 6, 0.9
    sampler = PPOController(
        learning_rate=lr,
        clip=clip,
        epochs=epochs,
        batch_size=batch_size,
        baseline_decay=decay,
        seed=2,
    )
    study = optuna.create_study(sampler=sampler, direction="maximize")

    def objective(trial):
        a = trial.suggest_categorical("a", ["x", "y", "z"])
        b = trial.suggest_int("b", 0, 3)
        return float(a == "y") + 0.5 * b

    study.optimize(objective, n_trials=batch_size - 1)
    assert sampler.logits(study) == {}  # a partial batch teaches nothing yet
    study.optimize(objective, n_trials=batch_size + 1)  # batch 1, then batch 2, then one more

    z = {"a": np.zeros(3), "b": np.zeros(4)}
    baseline, clipped = None, 0
    trials = study.trials
    for start in (0, batch_size):
        batch_trials = trials[start : start + batch_size]
        rewards = np.array([t.value for t in batch_trials])
        baseline = rewards[0] if baseline is None else baseline
        advantages = rewards - baseline
        advantages = advantages / np.sqrt(np.mean(advantages**2))
        batch = []
        for t in batch_trials:
            stored = {name: t.system_attrs[POLICY_CHOICE + name] for name in t.params}
            batch.append(({n: s[0] for n, s in stored.items()}, sum(s[1] for s in stored.values())))
        for _ in range(epochs):
            for (choices, logp_old), advantage in zip(batch, advantages):
                logp = sum(log_softmax(z[n])[i] for n, i in choices.items())
                ratio = math.exp(logp - logp_old)
                clipped += (advantage > 0 and ratio > 1 + clip) or (
                    advantage < 0 and ratio < 1 - clip
                )
            gradient = numerical_gradient(
                lambda w, batch=batch, adv=advantages: ppo_surrogate(w, batch, adv, clip), z
            )
            z = {name: z[name] + lr * gradient[name] for name in z}
        for r in rewards:
            baseline = decay * baseline + (1 - decay) * r

    assert clipped > 0  # the clipped branch was exercised
    actual = sampler.logits(study)
    for name in z:
        np.testing.assert_allclose(actual[name], z[name], rtol=1e-6, atol=1e-7)


# -- replay from the storage -------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_a_new_sampler_replays_the_storage_to_the_same_policy(method):
    sampler = make(method, seed=0, learning_rate=0.3)
    study = optuna.create_study(sampler=sampler, direction="maximize")
    study.optimize(conditional_objective, n_trials=25)
    study.optimize(mixed_objective, n_trials=10)  # the same names with other distributions too
    # Interleaved trials, completed out of order; one fails, one is pruned.
    asked = [study.ask() for _ in range(6)]
    for trial in asked:
        conditional_objective(trial)
    for i in (4, 1, 5, 0):
        study.tell(asked[i], float(i))
    study.tell(asked[2], state=TrialState.FAIL)
    study.tell(asked[3], state=TrialState.PRUNED)
    study.optimize(conditional_objective, n_trials=9)

    original = sampler.logits(study)
    replayed = make(method, seed=123, learning_rate=0.3).logits(study)
    assert original.keys() == replayed.keys() and "kernel" in original
    for name in original:
        np.testing.assert_allclose(replayed[name], original[name], rtol=1e-12, atol=0)


@pytest.mark.parametrize("method", METHODS)
def test_foreign_trials_and_late_completions_are_learned_in_completion_order(method):
    """Enqueued trials and trials of other samplers teach through their values; a trial that
    completed before the latest one learned from makes the sampler learn again in order."""
    sampler = make(method, seed=0, learning_rate=0.3)
    study = optuna.create_study(sampler=sampler, direction="maximize")
    study.enqueue_trial({"op": "conv", "kernel": 5, "depth": 3})
    study.optimize(conditional_objective, n_trials=12)
    assert POLICY_CHOICE + "op" not in study.trials[0].system_attrs
    before = sampler.logits(study)
    old = create_trial(
        params={"op": "skip", "depth": 1},
        distributions={
            "op": CategoricalDistribution(["conv", "pool", "skip"]),
            "depth": optuna.distributions.IntDistribution(1, 3),
        },
        value=5.0,
    )
    old.datetime_complete = datetime.datetime(2000, 1, 1)
    study.add_trial(old)  # completed first of all
    after = sampler.logits(study)
    assert not np.array_equal(after["op"], before["op"])
    study.optimize(conditional_objective, n_trials=6)
    original = sampler.logits(study)
    replayed = make(method, seed=5, learning_rate=0.3).logits(study)
    for name in original:
        np.testing.assert_allclose(replayed[name], original[name], rtol=1e-12, atol=0)


@pytest.mark.parametrize("method", METHODS)
def test_pickled_sampler_continues_where_the_original_would(method):
    def study_with(sampler):
        return optuna.create_study(sampler=sampler, direction="maximize")

    reference = study_with(make(method, seed=7))
    reference.optimize(conditional_objective, n_trials=40)

    sampler = make(method, seed=7)
    study = study_with(sampler)
    study.optimize(conditional_objective, n_trials=20)
    copy = pickle.loads(pickle.dumps(sampler))
    assert len(copy._studies) == 0
    study.sampler = copy
    study.optimize(conditional_objective, n_trials=20)
    assert [t.params for t in study.trials] == [t.params for t in reference.trials]
    for name, z in sampler.logits(reference).items():
        np.testing.assert_allclose(copy.logits(study)[name], z, rtol=1e-12, atol=0)


def test_one_sampler_keeps_one_policy_per_study():
    sampler = ReinforceController(learning_rate=0.3, seed=0)
    first = optuna.create_study(sampler=sampler, direction="maximize")
    second = optuna.create_study(sampler=sampler, direction="minimize")
    for _ in range(10):
        first.optimize(conditional_objective, n_trials=2)
        second.optimize(conditional_objective, n_trials=2)
    for study in (first, second):
        fresh = ReinforceController(learning_rate=0.3).logits(study)
        for name, z in sampler.logits(study).items():
            np.testing.assert_allclose(fresh[name], z, rtol=1e-12, atol=0)
    assert not np.allclose(sampler.logits(first)["op"], sampler.logits(second)["op"])


# -- learning ----------------------------------------------------------------------------------

TARGET = [0, 3, 1, 4, 2, 0]


def toy_objective(trial):
    return float(
        sum(
            trial.suggest_categorical(f"d{i}", [0, 1, 2, 3, 4]) == target
            for i, target in enumerate(TARGET)
        )
    )


def test_both_methods_learn_the_hidden_architecture_and_beat_random_search():
    best = {"random": [], "reinforce": [], "ppo": []}
    for seed in range(5):
        for name in best:
            sampler = (
                RandomSearch(seed=seed) if name == "random" else PolicyGradient(name, seed=seed)
            )
            study = optuna.create_study(sampler=sampler, direction="maximize")
            study.optimize(toy_objective, n_trials=300)
            best[name].append(study.best_value)
            if name != "random":
                p = sampler.probabilities(study)
                hits = sum(max(p[f"d{i}"], key=p[f"d{i}"].get) == t for i, t in enumerate(TARGET))
                assert hits >= 5, (name, seed, hits)
                assert np.mean([t.value for t in study.trials[-50:]]) > 4.0, (name, seed)
    assert np.mean(best["reinforce"]) > np.mean(best["random"])
    assert np.mean(best["ppo"]) > np.mean(best["random"])


@pytest.mark.parametrize("method", METHODS)
def test_a_minimizing_study_learns_towards_small_values(method):
    sampler = make(method, seed=0, learning_rate=0.2 if method == "reinforce" else 0.5)
    study = optuna.create_study(sampler=sampler, direction="minimize")

    def objective(trial):
        x = trial.suggest_float("x", 0.0, 1.0)
        op = trial.suggest_categorical("op", ["a", "b", "c"])
        return 3 * abs(x - 0.85) + float(op != "b")

    study.optimize(objective, n_trials=200)
    p = sampler.probabilities(study)
    assert max(p["op"], key=p["op"].get) == "b"
    low, high = max(p["x"], key=p["x"].get)
    assert low >= 0.7 - 1e-9 and high <= 1.0
    assert sum(q for (low, _), q in p["x"].items() if low >= 0.7 - 1e-9) > 0.5
    assert np.mean([t.value for t in study.trials[-40:]]) < np.mean(
        [t.value for t in study.trials[:40]]
    )


def test_multi_objective_studies_are_refused_clearly():
    study = optuna.create_study(directions=["maximize", "minimize"], sampler=PPOController(seed=0))
    with pytest.raises(ValueError, match="single-objective"):
        study.optimize(lambda t: (t.suggest_float("x", 0, 1), 1.0), n_trials=1)
    with pytest.raises(ValueError, match="single-objective"):
        ReinforceController().probabilities(study)


# -- threads and pruners -----------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_threads_share_one_policy(method):
    sampler = make(method, seed=0, learning_rate=0.3)
    study = optuna.create_study(sampler=sampler, direction="maximize")
    study.optimize(conditional_objective, n_trials=80, n_jobs=4)
    trials = study.get_trials(states=(TrialState.COMPLETE,))
    assert len(trials) == 80
    for trial in trials:
        assert all(POLICY_CHOICE + name in trial.system_attrs for name in trial.params)
    original = sampler.logits(study)
    replayed = make(method, learning_rate=0.3).logits(study)
    assert "op" in original
    for name in original:
        np.testing.assert_allclose(replayed[name], original[name], rtol=1e-12, atol=0)


def test_a_hyperband_study_has_one_policy_over_all_brackets():
    sampler = ReinforceController(learning_rate=0.3, seed=0)
    pruner = optuna.pruners.HyperbandPruner(min_resource=1, max_resource=9, reduction_factor=3)
    study = optuna.create_study(sampler=sampler, pruner=pruner, direction="maximize")

    def objective(trial):
        score = conditional_objective(trial)
        for step in range(1, 10):
            trial.report(score * step / 9, step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return score

    study.optimize(objective, n_trials=40)
    completed = study.get_trials(states=(TrialState.COMPLETE,))
    assert len(completed) < 40
    logits = sampler.logits(study)
    fresh = ReinforceController(learning_rate=0.3).logits(study)
    for name in logits:
        np.testing.assert_allclose(fresh[name], logits[name], rtol=1e-12, atol=0)


def test_processes_on_a_database_keep_in_step_through_the_storage(tmp_path):
    """Two samplers (as two processes would have) on one SQLite study, trials interleaved
    (PPO: its pending partial batch is the harder case)."""
    method = "ppo"
    storage = optuna.storages.RDBStorage(f"sqlite:///{tmp_path / 'study.db'}")
    name = optuna.create_study(storage=storage, direction="maximize").study_name
    samplers = [make(method, seed=seed, learning_rate=0.3) for seed in (0, 1)]
    studies = [optuna.load_study(study_name=name, storage=storage, sampler=s) for s in samplers]
    running = []
    for step in range(13):
        trial = studies[step % 2].ask()
        conditional_objective(trial)
        running.append((studies[step % 2], trial))
        if len(running) == 3:
            study, done = running.pop(1)
            study.tell(done, conditional_objective(done))
    for study, trial in running:
        study.tell(trial, conditional_objective(trial))
    stored = optuna.load_study(study_name=name, storage=storage).trials
    assert all(type(t.system_attrs[POLICY_CHOICE + "op"][0]) is int for t in stored)
    fresh = make(method, learning_rate=0.3).logits(studies[0])
    assert "op" in fresh
    for sampler, study in zip(samplers, studies):
        logits = sampler.logits(study)
        assert logits.keys() == fresh.keys()
        for key in fresh:
            np.testing.assert_allclose(logits[key], fresh[key], rtol=1e-12, atol=0)
