"""The search spaces of the project's seed documents, written with this package.

Each test takes one example from the PyGlove tutorial and paper (a symbolized builder function,
a symbolized class, the ``Trainer`` space and its rewrites, a TuNAS residual layer, a NAS-FPN
node, relaxing the filters of a model) or from Syne Tune (a configuration dict of domains with
fixed values), builds it with ``symbolize``/``oneof``/``floatv``/``manyof`` or the dict-space
domains, and checks what the search actually does with it: the decisions it makes, the objects
the examples are, and what the feedback loop or ``Search`` reports back.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import optuna
import pytest

import nas_notebook
from nas_notebook import SearchSpaceError, floatv, manyof, oneof, sample
from nas_notebook.space import Float, Int, ManyOf, OneOf, loguniform, randint, uniform
from nas_notebook.symbolic import (
    Functor,
    Symbolic,
    arguments_of,
    clone,
    decisions,
    encode,
    materialize,
    parse,
    rebind,
    symbolize,
)

optuna.logging.set_verbosity(optuna.logging.WARNING)


# --- the building blocks: small plain classes, symbolized where they are defined ----------------


@symbolize
class Identity:
    def __init__(self) -> None:
        pass

    def apply(self, x: float) -> float:
        return x


@symbolize
class MaxPool:
    def __init__(self, kernel: Any) -> None:
        self.kernel = kernel


@symbolize
class Conv:
    # ``filters`` comes first, so that ``Conv(oneof([4, 8]), (3, 3))`` passes it by position.
    def __init__(self, filters: Any, kernel: Any = 3) -> None:
        self.filters = filters
        self.kernel = kernel

    def apply(self, x: float) -> float:
        return x * self.filters


@symbolize
class Skip:
    def __init__(self) -> None:
        pass

    def apply(self, x: float) -> float:
        return x


@symbolize
class Zero:
    def __init__(self) -> None:
        pass

    def apply(self, x: float) -> float:
        return 0.0


@symbolize
class ResidualLayer:
    def __init__(self, op: Any) -> None:
        self.op = op

    def apply(self, x: float) -> float:
        return x + self.op.apply(x)


@symbolize
class Stacked:
    def __init__(self, op: Any, repeats: int) -> None:
        self.op = op
        self.repeats = repeats


@symbolize
class Adam:
    def __init__(self, lr: float) -> None:
        self.lr = lr


@symbolize
class RMSProp:
    def __init__(self, lr: float) -> None:
        self.lr = lr


@symbolize
class Trainer:
    def __init__(self, model: Any, optimizer: Any) -> None:
        self.model = model
        self.optimizer = optimizer


@symbolize
class Cell:
    def __init__(self, kind: str, level: int, inputs: list[int]) -> None:
        self.kind = kind
        self.level = level
        self.inputs = inputs


@symbolize
class Net:
    def __init__(self, layers: list[Any]) -> None:
        self.layers = layers


def _params(feedback: Any) -> dict[str, Any]:
    """The decisions an example's Optuna trial stored."""
    return dict(feedback.example.trial.params)


# --- PyGlove option 1: a symbolized builder function --------------------------------------------


@symbolize
def foo(a: Any, b: Any) -> Any:
    return a + b


def plain_foo(a: Any, b: Any) -> Any:
    return a + b


@pytest.mark.parametrize("form", ["decorator", "call"])
def test_a_symbolized_builder_function_is_searched_by_the_feedback_loop(form):
    builder = foo if form == "decorator" else symbolize(plain_foo)
    if form == "call":
        assert builder.__symbolized__ is plain_foo  # the source is left alone
        assert plain_foo(1, 2) == 3

    # Bound to concrete values the functor is the computation, run later.
    concrete = builder(1, 0.2)
    assert isinstance(concrete, Functor) and not concrete.is_space
    assert concrete() == pytest.approx(1.2)
    assert concrete(b=0.5) == pytest.approx(1.5)  # a call may override a bound argument

    hyper_foo = builder(oneof([1, 2]), floatv(0.1, 0.5))
    assert isinstance(hyper_foo, Functor) and hyper_foo.is_space
    assert list(decisions(hyper_foo)) == ["a", "b"]  # positional arguments, named by parameter
    with pytest.raises(SearchSpaceError, match="still holds hyper values"):
        hyper_foo()

    rewards = []
    for f, feedback in sample(hyper_foo, "random", 10, seed=0):
        reward = f()
        feedback(reward)
        params = _params(feedback)
        assert set(params) == {"a", "b"}
        assert params["a"] in (1, 2) and 0.1 <= params["b"] <= 0.5
        assert (f.a, f.b) == (params["a"], params["b"])
        assert reward == pytest.approx(params["a"] + params["b"])
        rewards.append(reward)
    study = feedback.study
    assert [t.value for t in study.trials] == rewards
    assert study.best_value == max(rewards)
    # The stored decisions of the best trial rebuild the best functor.
    assert materialize(hyper_foo, study.best_params)() == pytest.approx(max(rewards))


# --- PyGlove option 3: a symbolized class -------------------------------------------------------


class Foo:
    def __init__(self, a: Any, b: Any) -> None:
        self.a = a
        self.b = b

    def compute(self) -> Any:
        return self.a + self.b


SymbolicFoo = symbolize(Foo)


def test_a_symbolized_class_is_searched_with_tpe():
    assert issubclass(SymbolicFoo, Foo) and SymbolicFoo.__name__ == "Foo"
    concrete = SymbolicFoo(1, b=0.2)
    assert isinstance(concrete, Foo) and concrete.compute() == pytest.approx(1.2)
    assert arguments_of(concrete) == {"a": 1, "b": 0.2}

    hyper_foo = SymbolicFoo(a=oneof([1, 2]), b=floatv(0.1, 0.5))
    assert isinstance(hyper_foo, Symbolic) and not isinstance(hyper_foo, Foo)
    assert hyper_foo.target is SymbolicFoo

    rewards = []
    for obj, feedback in sample(hyper_foo, "tpe", 30, seed=0):
        assert type(obj) is SymbolicFoo
        reward = obj.compute()
        feedback(reward)
        params = _params(feedback)
        assert reward == pytest.approx(params["a"] + params["b"])
        rewards.append(reward)
    study = feedback.study
    assert isinstance(study.sampler, optuna.samplers.TPESampler)
    assert study.best_value == max(rewards)
    # The optimum is a=2, b=0.5 (2.5): thirty examples get close to it.
    assert study.best_params["a"] == 2 and study.best_value > 2.4
    best = materialize(hyper_foo, study.best_params)
    assert best == SymbolicFoo(2, study.best_params["b"])
    assert best.compute() == pytest.approx(study.best_value)


# --- the Trainer space of the PyGlove paper -----------------------------------------------------


def _hyper_trainer(repeats: int = 3) -> Any:
    return Trainer(
        model=Stacked(
            op=oneof([Identity(), MaxPool((3, 3)), Conv(oneof([4, 8]), (3, 3))]),
            repeats=repeats,
        ),
        optimizer=oneof([Adam(2e-2), RMSProp(floatv(1e-6, 1e-3))]),
    )


def test_the_trainer_space_names_its_decisions_by_key_path():
    space = _hyper_trainer()
    assert isinstance(space, Symbolic) and space.target is Trainer
    assert list(decisions(space)) == [
        "model.op",
        "model.op[2].filters",
        "optimizer",
        "optimizer[1].lr",
    ]
    found = decisions(space)
    assert isinstance(found["model.op"], OneOf) and len(found["model.op"].candidates) == 3
    assert found["model.op[2].filters"] == OneOf([4, 8])
    assert found["optimizer[1].lr"] == Float(1e-6, 1e-3)
    # The Conv's filters were given by position; the call keeps them under their name.
    conv = space.model.op.candidates[2]
    assert isinstance(conv, Symbolic) and conv.target is Conv
    assert dict(conv.arguments) == {"filters": OneOf([4, 8]), "kernel": (3, 3)}


def test_the_trainer_space_prints_as_code_and_compares_by_value():
    space = _hyper_trainer()
    text = repr(space)
    assert text == (
        "Trainer(model=Stacked(op=oneof([Identity(), MaxPool(kernel=(3, 3)), "
        "Conv(filters=oneof([4, 8]), kernel=(3, 3))]), repeats=3), "
        "optimizer=oneof([Adam(lr=0.02), RMSProp(lr=floatv(1e-06, 0.001))]))"
    )
    # The printed form is the code that builds the space again.
    names = {c.__name__: c for c in (Trainer, Stacked, Identity, MaxPool, Conv, Adam, RMSProp)}
    assert eval(text, {"oneof": oneof, "floatv": floatv, **names}) == space
    twin = _hyper_trainer()
    assert twin is not space and twin == space and hash(twin) == hash(space)
    assert _hyper_trainer(repeats=4) != space


def test_sampled_trainers_make_the_sub_decisions_of_the_chosen_candidates_only():
    space = _hyper_trainer()
    seen_ops, seen_optimizers = set(), set()
    for trainer, feedback in sample(space, "random", 30, seed=0):
        params = _params(feedback)
        op, optimizer = trainer.model.op, trainer.optimizer
        assert type(trainer) is Trainer and type(trainer.model) is Stacked
        assert trainer.model.repeats == 3
        # The stored choice is the candidate's printed form; the example holds that candidate.
        assert params["model.op"].split("(")[0] == type(op).__name__
        assert params["optimizer"].split("(")[0] == type(optimizer).__name__
        assert ("model.op[2].filters" in params) == isinstance(op, Conv)
        assert ("optimizer[1].lr" in params) == isinstance(optimizer, RMSProp)
        if isinstance(op, Conv):
            assert op.filters == params["model.op[2].filters"] and op.filters in (4, 8)
            assert op.kernel == (3, 3)
        elif isinstance(op, MaxPool):
            assert op.kernel == (3, 3)
        if isinstance(optimizer, RMSProp):
            assert optimizer.lr == params["optimizer[1].lr"] and 1e-6 <= optimizer.lr <= 1e-3
        else:
            assert optimizer == Adam(2e-2)
        # The stored decisions rebuild the same trainer, and the trainer encodes back to them.
        assert materialize(space, params) == trainer
        assert encode(space, trainer) == params
        seen_ops.add(type(op))
        seen_optimizers.add(type(optimizer))
        feedback(0.0)
    assert seen_ops == {Identity, MaxPool, Conv}
    assert seen_optimizers == {Adam, RMSProp}


def _swap(key_path: str, value: Any, parent: Any) -> Any:
    if isinstance(value, Conv):
        return MaxPool(value.kernel)
    return value


def test_rebind_swaps_every_conv_for_a_max_pool_in_a_copy():
    trainer = Trainer(model=Stacked(op=Conv(8, (3, 3)), repeats=2), optimizer=Adam(2e-2))
    before = repr(trainer)
    visited = []

    def swap(key_path: str, value: Any, parent: Any) -> Any:
        visited.append(key_path)
        return _swap(key_path, value, parent)

    swapped = rebind(trainer, swap)
    assert swapped is not trainer and type(swapped) is Trainer
    assert swapped == Trainer(model=Stacked(op=MaxPool((3, 3)), repeats=2), optimizer=Adam(2e-2))
    assert isinstance(swapped.model.op, MaxPool) and swapped.model.op.kernel == (3, 3)
    # Parents come before their children, and a replaced node is not visited further.
    assert visited.index("model") < visited.index("model.op")
    assert "model.op.filters" not in visited
    # The original is untouched, and so is a copy taken first (as in ``clone().rebind()``).
    assert repr(trainer) == before and isinstance(trainer.model.op, Conv)
    assert rebind(clone(trainer), _swap) == swapped

    # A sampled trainer is an ordinary concrete object: the same rewrite applies to it.
    space = _hyper_trainer()
    for sampled, feedback in sample(space, "random", 10, seed=3):
        feedback(0.0)
        rewritten = rebind(sampled, _swap)
        assert not isinstance(rewritten.model.op, Conv)
        if isinstance(sampled.model.op, Conv):
            assert rewritten.model.op == MaxPool((3, 3)) and rewritten is not sampled
        else:
            assert rewritten is sampled  # nothing to rewrite: the same object comes back


def test_rebind_rewrites_the_space_itself():
    space = _hyper_trainer()
    deeper = rebind(space, {"model.repeats": 4})
    assert deeper == _hyper_trainer(repeats=4) and space.model.repeats == 3
    assert list(decisions(deeper)) == list(decisions(space))
    for trainer, feedback in sample(deeper, "random", 5, seed=0):
        assert trainer.model.repeats == 4
        feedback(0.0)
    # In a space a call that holds hyper values is a Symbolic: its class is ``target``.
    no_conv = rebind(
        space,
        lambda k, v, p: MaxPool(v.kernel) if isinstance(v, Symbolic) and v.target is Conv else v,
    )
    assert list(decisions(no_conv)) == ["model.op", "optimizer", "optimizer[1].lr"]
    assert no_conv.model.op.candidates == (Identity(), MaxPool((3, 3)), MaxPool((3, 3)))
    with pytest.raises(
        SearchSpaceError, match=r"'model\.depth\.x' does not exist: model has no 'depth'"
    ):
        rebind(space, {"model.depth.x": 1})


# --- TuNAS: sub-choices that exist only under their parent --------------------------------------


def _residual_space() -> Any:
    return ResidualLayer(
        op=oneof([Conv(filters=oneof([16, 32]), kernel=oneof([3, 5])), Skip(), Zero()])
    )


def test_a_residual_layer_decides_the_conv_options_only_when_the_conv_is_chosen():
    space = _residual_space()
    assert list(decisions(space)) == ["op", "op[0].filters", "op[0].kernel"]
    chosen: dict[type, int] = {}
    for layer, feedback in sample(space, "random", 60, seed=0):
        params = _params(feedback)
        op = layer.op
        is_conv = isinstance(op, Conv)
        assert ("op[0].filters" in params) == is_conv
        assert ("op[0].kernel" in params) == is_conv
        assert set(params) == ({"op", "op[0].filters", "op[0].kernel"} if is_conv else {"op"})
        if is_conv:
            assert (op.filters, op.kernel) == (params["op[0].filters"], params["op[0].kernel"])
            assert layer.apply(1.0) == 1.0 + op.filters
        elif isinstance(op, Zero):
            assert layer.apply(3.0) == 3.0  # a zero op makes the layer an identity
        chosen[type(op)] = chosen.get(type(op), 0) + 1
        feedback(layer.apply(1.0))
    assert set(chosen) == {Conv, Skip, Zero}


def test_materialize_refuses_a_sub_decision_of_a_candidate_that_was_not_chosen():
    space = _residual_space()
    params = encode(space, ResidualLayer(op=Skip()))
    assert params == {"op": "Skip()"}
    assert materialize(space, params) == ResidualLayer(op=Skip())
    stale = {**params, "op[0].filters": 16}
    with pytest.raises(SearchSpaceError, match=r"op\[0\]\.filters.*not in this space"):
        materialize(space, stale)
    assert materialize(space, stale, strict=False) == ResidualLayer(op=Skip())
    # A decision the chosen candidate needs cannot be left out.
    conv = encode(space, ResidualLayer(op=Conv(32, 5)))
    assert conv == {
        "op": "Conv(filters=oneof([16, 32]), kernel=oneof([3, 5]))",
        "op[0].filters": 32,
        "op[0].kernel": 5,
    }
    with pytest.raises(SearchSpaceError, match=r"op\[0\]\.kernel.*missing"):
        materialize(space, {k: v for k, v in conv.items() if k != "op[0].kernel"})


# --- NAS-FPN: several distinct, sorted inputs ---------------------------------------------------


def test_a_feature_pyramid_cell_picks_two_distinct_sorted_inputs():
    n = 4
    space = Cell(
        kind=oneof(["sum", "attention"]),
        level=3,
        inputs=manyof(2, list(range(n)), distinct=True, sorted=True),
    )
    found = decisions(space)
    assert list(found) == ["kind", "inputs"] and isinstance(found["inputs"], ManyOf)
    pairs = set()
    for cell, feedback in sample(space, "random", 200, seed=0):
        inputs = cell.inputs
        assert isinstance(inputs, list) and len(inputs) == 2
        assert inputs[0] < inputs[1] and set(inputs) <= set(range(n))
        assert cell.kind in ("sum", "attention") and cell.level == 3
        # Optuna stores one parameter per pick; the readable choice is a user attribute.
        assert set(_params(feedback)) == {"kind", "inputs[0]", "inputs[1]"}
        assert feedback.example.trial.user_attrs["inputs"] == inputs
        pairs.add(tuple(inputs))
        feedback(float(sum(inputs)))
    assert pairs == set(itertools.combinations(range(n), 2))


# --- relaxing the filters of every Conv of a model ---------------------------------------------


def _relax(key_path: str, value: Any, parent: Any) -> Any:
    if isinstance(parent, Conv) and parse(key_path)[-1] == "filters":
        return oneof([value // 2, value, value * 2])
    return value


def test_relaxing_the_filters_of_a_model_makes_a_search_space():
    net = Net(layers=[Conv(8, 3), Conv(16, 3)])
    assert isinstance(net, Net) and not isinstance(net, Symbolic)
    space = rebind(net, _relax)
    assert isinstance(space, Symbolic) and space.target is Net
    found = decisions(space)
    assert list(found) == ["layers[0].filters", "layers[1].filters"]
    assert found["layers[0].filters"].candidates == (4, 8, 16)
    assert found["layers[1].filters"].candidates == (8, 16, 32)
    assert space == Net(layers=[Conv(oneof([4, 8, 16]), 3), Conv(oneof([8, 16, 32]), 3)])
    # The model itself is unchanged.
    assert net.layers[0].filters == 8 and net.layers[1].filters == 16
    assert arguments_of(net) == {"layers": [Conv(8, 3), Conv(16, 3)]}
    copy = clone(space)
    assert copy == space and copy is not space
    assert copy.layers is not space.layers

    for model, feedback in sample(space, "random", 10, seed=0):
        assert type(model) is Net and all(type(layer) is Conv for layer in model.layers)
        assert model.layers[0].filters in (4, 8, 16) and model.layers[1].filters in (8, 16, 32)
        assert [layer.kernel for layer in model.layers] == [3, 3]
        feedback(sum(layer.filters for layer in model.layers))
    # Relaxing a relaxed space changes nothing more: its Convs are calls, not instances.
    assert rebind(space, _relax) == space


# --- Syne Tune: a configuration dict of domains and fixed values --------------------------------


def _config_space() -> dict[str, Any]:
    return {
        "n_units_1": randint(4, 1024),
        "n_units_2": randint(4, 1024),
        "batch_size": randint(8, 128),
        "dropout_1": uniform(0, 0.99),
        "dropout_2": uniform(0, 0.99),
        "learning_rate": loguniform(1e-6, 1),
        "weight_decay": loguniform(1e-8, 1),
        "epochs": 10,
        "dataset_path": "./data/fashion-mnist",
    }


_DOMAINS = {
    "n_units_1",
    "n_units_2",
    "batch_size",
    "dropout_1",
    "dropout_2",
    "learning_rate",
    "weight_decay",
}


def _check_config(config: dict[str, Any]) -> None:
    assert type(config) is dict and list(config) == list(_config_space())
    assert config["epochs"] == 10 and config["dataset_path"] == "./data/fashion-mnist"
    for key in ("n_units_1", "n_units_2"):
        assert type(config[key]) is int and 4 <= config[key] <= 1024
    assert type(config["batch_size"]) is int and 8 <= config["batch_size"] <= 128
    for key in ("dropout_1", "dropout_2"):
        assert 0 <= config[key] <= 0.99
    assert 1e-6 <= config["learning_rate"] <= 1
    assert 1e-8 <= config["weight_decay"] <= 1


def _score(config: dict[str, Any]) -> float:
    return (
        config["n_units_1"] / 1024
        + config["n_units_2"] / 2048
        - config["dropout_1"]
        + math.log10(config["learning_rate"]) / 10
    )


def test_a_configuration_space_samples_plain_dicts():
    config_space = _config_space()
    found = decisions(config_space)
    assert set(found) == _DOMAINS
    assert found["learning_rate"] == Float(1e-6, 1, log=True)
    assert found["batch_size"] == Int(8, 128)
    distinct = set()
    for config, feedback in sample(config_space, "random", 20, seed=0):
        _check_config(config)
        params = _params(feedback)
        assert set(params) == _DOMAINS
        assert {k: config[k] for k in _DOMAINS} == params
        distinct.add(config["n_units_1"])
        feedback(_score(config))
    assert len(distinct) > 10  # the examples differ
    assert config_space == _config_space()  # the space is not consumed


def test_search_calls_a_function_with_each_configuration_and_builds_the_best():
    config_space = _config_space()
    seen: list[dict[str, Any]] = []

    def train(config: dict[str, Any]) -> float:
        _check_config(config)
        seen.append(config)
        return _score(config)

    search = nas_notebook.Search(
        train, space=config_space, n_trials=5, executor="inline", direction="maximize", seed=0
    ).start()
    trials = search.trials
    assert len(seen) == len(trials) == 5
    assert [t.value for t in trials] == pytest.approx([_score(c) for c in seen])
    best = search.best
    assert best.value == max(t.value for t in trials)
    assert best.build() == seen[best.number]
    assert best.build()["epochs"] == 10 and set(best.params) == _DOMAINS


def test_a_cell_searches_the_configuration_named_by_space():
    config_space = _config_space()
    user_ns = {"config": config_space}
    search = nas_notebook.Search(
        "score = config['n_units_1'] / 1024\nscore",
        space="config",
        user_ns=user_ns,
        n_trials=5,
        executor="inline",
        direction="maximize",
        algo="random",
        seed=0,
    ).start()
    trials = search.trials
    assert len(trials) == 5
    assert all(t.value == t.params["n_units_1"] / 1024 for t in trials)
    best = search.best
    built = best.build()
    _check_config(built)
    assert best.value == built["n_units_1"] / 1024 == max(t.value for t in trials)
    # The trials saw materialized copies: the notebook's variable still holds the domains.
    assert user_ns["config"] is config_space and config_space == _config_space()


# --- values semantics ----------------------------------------------------------------------------


def test_equal_spaces_hash_alike_whatever_order_their_arguments_were_given_in():
    added = rebind(Stacked(op=oneof([Identity(), Skip()])), {"repeats": 3})
    direct = Stacked(repeats=3, op=oneof([Identity(), Skip()]))
    assert added == direct and hash(added) == hash(direct) and len({added, direct}) == 1
    assert repr(added) == repr(direct) == "Stacked(op=oneof([Identity(), Skip()]), repeats=3)"


def test_examples_get_their_own_copies_of_fixed_lists_and_dicts():
    space = {"x": uniform(0, 1), "opts": {"a": 1}, "layers": [64, 64], "pair": ([1], 2)}
    for config, feedback in sample(space, "random", 3, seed=0):
        assert config["opts"] == {"a": 1} and config["layers"] == [64, 64]
        config["opts"]["a"] += 1
        config["layers"].append(1)
        config["pair"][0].append(0)
        feedback(0.0)
    assert space["opts"] == {"a": 1} and space["layers"] == [64, 64] and space["pair"] == ([1], 2)
