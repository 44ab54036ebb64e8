import optuna
import pytest
import torch.nn as nn
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState

import nas_notebook as nb
from nas_notebook.space import Float, Int, ManyOf, OneOf, _codec


def test_numbers_map_to_optuna_distributions():
    assert _codec.distributions("lr", Float(1e-4, 0.1, log=True)) == {
        "lr": FloatDistribution(1e-4, 0.1, log=True)
    }
    assert _codec.distributions("w", Int(8, 64, step=8)) == {"w": IntDistribution(8, 64, step=8)}


def test_native_candidates_are_stored_as_themselves():
    dist = _codec.distributions("k", OneOf([3, 5, "x", None]))["k"]
    assert dist == CategoricalDistribution((3, 5, "x", None))


def test_objects_are_stored_as_readable_labels():
    def pick_me(): ...

    dist = _codec.distributions("act", OneOf([nn.ReLU, nn.GELU(), pick_me]))["act"]
    assert dist.choices == (
        "ReLU",
        "GELU(approximate='none')",
        "test_objects_are_stored_as_readable_labels.<locals>.pick_me",
    )


def test_ambiguous_natives_and_duplicate_labels_fall_back_to_unique_labels():
    assert _codec.choices_for([1, True]) == ("1", "True")
    assert _codec.choices_for([lambda: 1, lambda: 2])[0].endswith("#0")


def test_manyof_distinct_is_a_lehmer_code_and_decodes():
    prim = ManyOf(2, ["a", "b", "c"], distinct=True)
    dists = _codec.distributions("ops", prim)
    assert dists == {
        "ops[0]": CategoricalDistribution((0, 1, 2)),
        "ops[1]": CategoricalDistribution((0, 1)),
    }
    assert _codec.decode("ops", prim, {"ops[0]": 2, "ops[1]": 0}) == ["c", "a"]
    assert _codec.decode(
        "ops", ManyOf(2, ["a", "b", "c"], sorted=True), {"ops[0]": 2, "ops[1]": 0}
    ) == ["a", "c"]


def test_suggest_and_decode_round_trip_through_a_storage():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
    prims = {
        "act": OneOf([nn.ReLU, nn.Tanh]),
        "ops": ManyOf(2, ["conv", "pool", "skip"]),
        "rep": ManyOf(3, [1, 2], distinct=False),
        "lr": Float(0.1, 1.0),
    }
    for _ in range(10):
        trial = study.ask()
        values = {name: _codec.suggest(trial, name, p) for name, p in prims.items()}
        study.tell(trial, 0.0)
        stored = study.trials[-1]
        for name, p in prims.items():
            assert _codec.decode(name, p, stored.params) == values[name]
        assert stored.user_attrs["ops"] == values["ops"]


def _storable_by_pairs(candidates):
    """The distinctness rule as it was first written: every pair compared."""
    seen = []
    for c in candidates:
        if type(c) not in (type(None), bool, int, float, str) or c != c:
            return False
        if any(c == s for s in seen):
            return False
        seen.append(c)
    return True


@pytest.mark.parametrize(
    "candidates",
    [
        [1, 2, 3],
        [1, True],
        [0, False, None],
        [1, 1.0],
        [0.0, -0.0],
        ["a", "a"],
        ["1", 1],
        [2, 2],
        [float("nan"), 1],
        [None, None],
        [1, (1,)],
        [[1], [2]],
        [int, float],
        [1.5, 3, "x", None, False],
    ],
)
def test_which_candidates_are_stored_as_themselves_is_unchanged(candidates):
    assert _codec._natively_storable(candidates) == _storable_by_pairs(candidates)
    choices = _codec.choices_for(candidates)
    assert len(set(map(repr, choices))) == len(candidates)  # every choice tells one candidate


@pytest.mark.timeout(120)
def test_a_million_candidates_are_accepted():
    """Telling candidates apart is linear: 10**4 of them took seconds when every pair was
    compared, so 10**6 would take hours."""
    many = range(10**6)
    assert _codec.choices_for(many) == tuple(many)
    assert _codec.choices_for([*many, 0])[-1] == "0#1000000"  # a repeat: labels, as before
    s = nb.Search(
        "x = oneof(range(10**6))\nx",
        n_trials=2,
        executor="inline",
        algo="random",
        seed=0,
        storage="memory",
        direction="minimize",
    ).start()
    assert [t.state for t in s.trials] == [TrialState.COMPLETE] * 2
    assert all(0 <= t.value < 10**6 for t in s.trials)
