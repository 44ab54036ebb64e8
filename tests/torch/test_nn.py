"""``from nas_notebook.torch import nn``: torch layers that accept hyper values.

Outside a search the layers are torch's own (same classes by ``isinstance``, same ``repr``,
``state_dict`` and outputs); with a hyper value in their arguments they are search spaces whose
decisions are named by key path, sampled into models that never share weights.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from typing import Any

import pytest

# The README's install includes torch: in CI a missing torch is a failure, not a skip.
torch = __import__("torch") if os.environ.get("CI") else pytest.importorskip("torch")

from optuna.trial import TrialState  # noqa: E402

from nas_notebook import SearchSpaceError, floatv, intv, oneof, sample  # noqa: E402
from nas_notebook.space import Float, Int, OneOf  # noqa: E402
from nas_notebook.symbolic import (  # noqa: E402
    Symbolic,
    arguments_of,
    decisions,
    encode,
    materialize,
    rebind,
)
from nas_notebook.torch import nn  # noqa: E402

# --------------------------------------------------------------------------------------------
# 1. Outside a search: exactly torch.nn


def _shapes(module: Any) -> dict[str, tuple[int, ...]]:
    return {key: tuple(value.shape) for key, value in module.state_dict().items()}


def _tensors(output: Any) -> list[Any]:
    """The tensors of a forward's output (an LSTM returns ``(out, (h, c))``)."""
    if isinstance(output, torch.Tensor):
        return [output]
    return [t for item in output for t in _tensors(item)]


# (torch.nn class the model is an instance of, builder given a namespace, input shape)
LAYERS: dict[str, tuple[str, Callable[[Any], Any], tuple[int, ...]]] = {
    "Linear": ("Linear", lambda ns: ns.Linear(4, 3), (2, 4)),
    "Linear-no-bias": ("Linear", lambda ns: ns.Linear(4, 3, bias=False), (2, 4)),
    "Conv2d": ("Conv2d", lambda ns: ns.Conv2d(1, 4, 3, padding=1, stride=2), (2, 1, 8, 8)),
    "Dropout": ("Dropout", lambda ns: ns.Dropout(p=0.3), (2, 4)),
    "ReLU": ("ReLU", lambda ns: ns.ReLU(), (2, 4)),
    "GELU": ("GELU", lambda ns: ns.GELU(approximate="tanh"), (2, 4)),
    "BatchNorm2d": ("BatchNorm2d", lambda ns: ns.BatchNorm2d(3, momentum=0.2), (4, 3, 4, 4)),
    "Sequential": (
        "Sequential",
        lambda ns: ns.Sequential(ns.Linear(4, 8), ns.ReLU(), ns.Dropout(0.1), ns.Linear(8, 2)),
        (2, 4),
    ),
    "Sequential-conv": (
        "Sequential",
        lambda ns: ns.Sequential(
            ns.Conv2d(1, 4, 3), ns.BatchNorm2d(4), ns.GELU(), ns.Flatten(), ns.Linear(144, 10)
        ),
        (2, 1, 8, 8),
    ),
    "LSTM": ("LSTM", lambda ns: ns.LSTM(4, 8, num_layers=2, batch_first=True), (2, 5, 4)),
}


@pytest.mark.parametrize("case", sorted(LAYERS))
def test_a_concrete_layer_is_the_torch_layer(case: str) -> None:
    torch_name, build, _ = LAYERS[case]
    torch.manual_seed(0)
    ours = build(nn)
    torch.manual_seed(0)
    theirs = build(torch.nn)

    assert isinstance(ours, getattr(torch.nn, torch_name))
    assert isinstance(ours, torch.nn.Module)
    assert isinstance(ours, nn.Module)
    assert not isinstance(ours, Symbolic)
    assert type(ours).__name__ == type(theirs).__name__ == torch_name
    assert repr(ours) == repr(theirs)
    assert _shapes(ours) == _shapes(theirs)
    # The same constructor under the same seed: the same initial weights.
    for key, value in theirs.state_dict().items():
        assert torch.equal(ours.state_dict()[key], value), key
    assert arguments_of(ours) is not None
    assert arguments_of(theirs) is None


@pytest.mark.parametrize("case", sorted(LAYERS))
def test_a_torch_state_dict_loads_into_our_model_with_the_same_outputs(case: str) -> None:
    _, build, shape = LAYERS[case]
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(123))
    torch.manual_seed(1)
    theirs = build(torch.nn)
    theirs.train()
    theirs(x)  # moves BatchNorm's running statistics away from their initial values
    theirs.eval()
    torch.manual_seed(2)  # other initial weights: the load must bring them all
    ours = build(nn)

    result = ours.load_state_dict(theirs.state_dict())
    assert not result.missing_keys and not result.unexpected_keys
    ours.eval()
    with torch.no_grad():
        expected, got = _tensors(theirs(x)), _tensors(ours(x))
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        assert torch.equal(a, b)


def test_our_state_dict_loads_into_a_torch_model() -> None:
    torch.manual_seed(0)
    ours = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(144, 10))
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(144, 10)
    )
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(2, 1, 8, 8)
    assert torch.equal(ours(x), theirs(x))


def test_every_torch_module_is_an_nn_module_and_the_rest_is_torch_own() -> None:
    assert isinstance(torch.nn.ReLU(), nn.Module)
    assert isinstance(torch.nn.Sequential(torch.nn.Linear(2, 2)), nn.Module)
    assert issubclass(torch.nn.Linear, nn.Module)
    assert not isinstance(torch.zeros(1), nn.Module)
    assert not isinstance(3, nn.Module)
    assert nn.functional is torch.nn.functional
    assert nn.init is torch.nn.init
    assert nn.Parameter is torch.nn.Parameter
    assert nn.utils is torch.nn.utils
    # Module classes are subclasses of torch's, made once.
    assert issubclass(nn.Linear, torch.nn.Linear)
    assert nn.Linear is nn.Linear
    assert nn.Conv2d.__module__ == "nas_notebook.torch.nn"
    with pytest.raises(AttributeError):
        nn.NoSuchLayer


def test_a_concrete_layer_remembers_its_arguments() -> None:
    layer = nn.Conv2d(1, 8, kernel_size=3, padding=1)
    assert arguments_of(layer) == {
        "in_channels": 1,
        "out_channels": 8,
        "kernel_size": 3,
        "padding": 1,
    }


# --------------------------------------------------------------------------------------------
# 2. Pickle


def test_a_pickled_layer_keeps_its_class_and_weights() -> None:
    layer = nn.Linear(4, 3)
    copy = pickle.loads(pickle.dumps(layer))
    assert type(copy) is nn.Linear
    assert isinstance(copy, torch.nn.Linear)
    assert arguments_of(copy) == {"in_features": 4, "out_features": 3}
    assert repr(copy) == repr(layer)
    for key, value in layer.state_dict().items():
        assert torch.equal(copy.state_dict()[key], value)
        assert copy.state_dict()[key].data_ptr() != value.data_ptr()


def test_a_pickled_model_keeps_its_classes_and_outputs() -> None:
    model = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.BatchNorm1d(8), nn.Linear(8, 2)).eval()
    copy = pickle.loads(pickle.dumps(model))
    assert [type(m) for m in copy] == [nn.Linear, nn.GELU, nn.BatchNorm1d, nn.Linear]
    x = torch.randn(3, 4)
    assert torch.equal(copy(x), model(x))


def test_a_pickled_space_is_an_equal_space() -> None:
    space = nn.Sequential(
        nn.Linear(4, oneof([8, 16])),
        nn.GELU(approximate=oneof(["none", "tanh"])),
        nn.Dropout(p=floatv(0.0, 0.5)),
        nn.Linear(intv(8, 16, step=8), 2),
    )
    assert isinstance(space, Symbolic)
    copy = pickle.loads(pickle.dumps(space))
    assert isinstance(copy, Symbolic)
    assert copy == space
    assert hash(copy) == hash(space)
    assert copy.target is nn.Sequential
    assert decisions(copy) == decisions(space)
    params = {
        "args[0].out_features": 16,
        "args[1].approximate": "tanh",
        "args[2].p": 0.25,
        "args[3].in_features": 16,
    }
    assert repr(materialize(copy, params)) == repr(materialize(space, params))


def test_a_pickled_space_holding_a_module_instance_keeps_its_form() -> None:
    # Module instances compare by identity, so the copy is not ``==``; it prints and builds alike.
    space = nn.Sequential(nn.Linear(4, oneof([8, 16])), nn.ReLU())
    copy = pickle.loads(pickle.dumps(space))
    assert repr(copy) == repr(space)
    assert decisions(copy) == decisions(space)
    params = {"args[0].out_features": 8}
    assert repr(materialize(copy, params)) == repr(materialize(space, params))


# --------------------------------------------------------------------------------------------
# 3. Hyper values make spaces; every use of a layer is its own decision


def test_hyper_values_in_positional_and_keyword_arguments_make_a_space() -> None:
    space = nn.Conv2d(1, oneof([4, 8]), kernel_size=oneof([3, 5]), padding=1)
    assert isinstance(space, Symbolic)
    assert not isinstance(space, torch.nn.Module)
    assert space.target is nn.Conv2d
    assert decisions(space) == {
        "out_channels": oneof([4, 8]),
        "kernel_size": oneof([3, 5]),
    }
    layer = materialize(space, {"out_channels": 8, "kernel_size": 5})
    assert type(layer) is nn.Conv2d
    assert (layer.in_channels, layer.out_channels, layer.kernel_size) == (1, 8, (5, 5))
    assert layer.padding == (1, 1)

    linear = nn.Linear(oneof([4, 8]), out_features=intv(1, 3))
    assert list(decisions(linear)) == ["in_features", "out_features"]
    assert isinstance(decisions(linear)["out_features"], Int)

    lstm = nn.LSTM(4, oneof([8, 16]), num_layers=intv(1, 2), batch_first=True)
    assert list(decisions(lstm)) == ["args[1]", "num_layers"]
    built = materialize(lstm, {"args[1]": 16, "num_layers": 2})
    assert repr(built) == repr(torch.nn.LSTM(4, 16, num_layers=2, batch_first=True))


def test_a_container_holding_a_space_is_a_space_named_by_key_path() -> None:
    space = nn.Sequential(
        nn.Linear(4, oneof([8, 16])), nn.ReLU(), nn.Dropout(p=floatv(0.0, 0.5)), nn.LazyLinear(2)
    )
    assert isinstance(space, Symbolic)
    assert space.target is nn.Sequential
    found = decisions(space)
    assert list(found) == ["args[0].out_features", "args[2].p"]
    assert isinstance(found["args[0].out_features"], OneOf)
    assert isinstance(found["args[2].p"], Float)


def test_a_helper_called_twice_gets_one_decision_per_use() -> None:
    def block() -> Any:
        return nn.Linear(8, oneof([8, 16]))

    space = nn.Sequential(block(), nn.ReLU(), block())
    assert list(decisions(space)) == ["args[0].out_features", "args[2].out_features"]
    model = materialize(space, {"args[0].out_features": 8, "args[2].out_features": 16})
    assert (model[0].out_features, model[2].out_features) == (8, 16)


def test_a_list_comprehension_of_layers_gets_one_decision_per_layer() -> None:
    space = nn.Sequential(*[nn.Linear(8, oneof([8, 16])) for _ in range(3)])
    assert list(decisions(space)) == [f"args[{i}].out_features" for i in range(3)]
    listed = nn.ModuleList([nn.Linear(8, oneof([2, 3])) for _ in range(3)])
    assert list(decisions(listed)) == [f"modules[{i}].out_features" for i in range(3)]
    model = materialize(listed, {f"modules[{i}].out_features": 2 + i % 2 for i in range(3)})
    assert isinstance(model, torch.nn.ModuleList)
    assert [m.out_features for m in model] == [2, 3, 2]


def test_one_space_object_used_twice_is_two_decisions_and_two_layers() -> None:
    layer = nn.Linear(8, oneof([8, 16]))
    space = nn.Sequential(layer, nn.ReLU(), layer)
    assert list(decisions(space)) == ["args[0].out_features", "args[2].out_features"]
    model = materialize(space, {"args[0].out_features": 8, "args[2].out_features": 8})
    assert model[0] is not model[2]
    assert model[0].weight.data_ptr() != model[2].weight.data_ptr()


def _pointers(model: Any) -> set[int]:
    """Where the model's initialized tensors live (a lazy layer's are not allocated yet)."""
    tensors = [*model.parameters(), *model.buffers()]
    return {t.data_ptr() for t in tensors if not torch.nn.parameter.is_lazy(t)}


def _sampled(space: Any, n: int, seed: int = 0) -> list[tuple[Any, dict[str, Any]]]:
    out = []
    for model, feedback in sample(space, "random", n, seed=seed):
        out.append((model, dict(feedback.example.trial.params)))
        feedback(0.0)
    return out


def test_sampled_models_never_share_parameters() -> None:
    shared = nn.Linear(8, 8)  # a concrete layer inside the space: copied into each model
    space = nn.Sequential(
        nn.Linear(8, oneof([8, 16])),
        nn.ReLU(),
        nn.LazyLinear(8),
        nn.BatchNorm1d(8),
        shared,
    )
    models = [model for model, _ in _sampled(space, 4)]
    for i, a in enumerate(models):
        assert not _pointers(a) & _pointers(shared)
        for b in models[i + 1 :]:
            assert not _pointers(a) & _pointers(b)


def test_sampled_models_never_share_module_candidates() -> None:
    relu, linear = nn.ReLU(), nn.Linear(8, 8)
    space = nn.Sequential(oneof([relu, linear]), nn.Linear(8, oneof([4, 8])))
    assert list(decisions(space)) == ["args[0]", "args[1].out_features"]
    got = _sampled(space, 8)
    chosen = [type(model[0]) for model, _ in got]
    assert nn.Linear in chosen  # the module candidate was picked at least once
    for i, (a, _) in enumerate(got):
        assert a[0] is not relu and a[0] is not linear
        assert not _pointers(a) & _pointers(linear)
        for b, _ in got[i + 1 :]:
            assert not _pointers(a) & _pointers(b)
    # A chosen module candidate is a copy with the candidate's weights.
    for model, _ in got:
        if isinstance(model[0], torch.nn.Linear):
            assert torch.equal(model[0].weight, linear.weight)


# --------------------------------------------------------------------------------------------
# 4. A searchable model written as a plain torch model


class Net(nn.Module):
    def __init__(self, filters: int, kernel: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, filters, kernel, padding=kernel // 2)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(filters * 4 * 4, hidden)
        self.drop = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x: Any) -> Any:
        x = self.pool(torch.relu(self.conv(x))).flatten(1)
        return self.fc2(self.drop(torch.relu(self.fc1(x))))


def test_a_concrete_user_model_is_a_plain_module() -> None:
    model = Net(8, 3, 16, 0.1)
    assert type(model) is Net
    assert isinstance(model, torch.nn.Module)
    assert arguments_of(model) == {"filters": 8, "kernel": 3, "hidden": 16, "dropout": 0.1}
    assert model(torch.zeros(2, 1, 8, 8)).shape == (2, 10)


def test_a_user_model_searched_with_tpe() -> None:
    space = Net(
        filters=oneof([8, 16]),
        kernel=oneof([3, 5]),
        hidden=intv(16, 64, step=16),
        dropout=floatv(0.0, 0.5),
    )
    assert isinstance(space, Symbolic)
    assert space.target is Net
    assert list(decisions(space)) == ["filters", "kernel", "hidden", "dropout"]

    generator = torch.Generator().manual_seed(0)
    x = torch.randn(8, 1, 8, 8, generator=generator)
    y = torch.randint(0, 10, (8,), generator=generator)
    torch.manual_seed(0)
    seen = []
    study = None
    for model, feedback in sample(space, "tpe", 6, seed=0):
        study = feedback.study
        params = dict(feedback.example.trial.params)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
        for _ in range(2):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
        feedback(-loss.item())
        seen.append((model, params))

    assert study is not None
    assert len(study.trials) == 6
    assert all(trial.state is TrialState.COMPLETE for trial in study.trials)
    assert all(trial.value is not None and trial.value < 0 for trial in study.trials)
    for (model, params), trial in zip(seen, study.trials):
        assert params == trial.params
        assert set(params) == {"filters", "kernel", "hidden", "dropout"}
        assert params["filters"] in (8, 16)
        assert params["kernel"] in (3, 5)
        assert params["hidden"] in (16, 32, 48, 64)
        assert 0.0 <= params["dropout"] <= 0.5

        assert isinstance(model, Net)
        assert isinstance(model, torch.nn.Module)
        assert isinstance(model.conv, torch.nn.Conv2d)
        assert model.conv.out_channels == params["filters"]
        assert model.conv.kernel_size == (params["kernel"], params["kernel"])
        assert model.fc1.out_features == params["hidden"]
        assert model.drop.p == params["dropout"]
        assert arguments_of(model) == params

        rebuilt = materialize(space, trial.params)
        assert type(rebuilt) is Net
        assert rebuilt is not model
        assert _shapes(rebuilt) == _shapes(model)
        assert repr(rebuilt) == repr(model)
        assert not _pointers(rebuilt) & _pointers(model)
        assert encode(space, model) == trial.params


# --------------------------------------------------------------------------------------------
# 5. Relaxing a concrete model's filters with rebind


def _model() -> Any:
    return nn.Sequential(
        nn.Conv2d(1, 8, 3),
        nn.ReLU(),
        nn.LazyConv2d(16, 3),
        nn.ReLU(),
        nn.Flatten(),
        nn.LazyLinear(10),
    )


def _relax(path: str, value: Any, parent: Any) -> Any:
    convolution = isinstance(parent, (torch.nn.Conv2d, torch.nn.LazyConv2d))
    if convolution and path.endswith(".out_channels"):
        return oneof([value // 2, value, value * 2])
    return value


def test_rebind_relaxes_the_filters_of_a_torch_model() -> None:
    model = _model()
    before = repr(model)
    weights = {key: value.clone() for key, value in model[0].state_dict().items()}
    space = rebind(model, _relax)

    assert isinstance(space, Symbolic)
    assert space.target is nn.Sequential
    assert decisions(space) == {
        "args[0].out_channels": oneof([4, 8, 16]),
        "args[2].out_channels": oneof([8, 16, 32]),
    }
    # The model itself is unchanged.
    assert repr(model) == before
    assert model[0].out_channels == 8 and model[2].out_channels == 16
    for key, value in model[0].state_dict().items():
        assert torch.equal(value, weights[key])
    assert torch.nn.parameter.is_lazy(model[2].weight)

    for sampled, params in _sampled(space, 3):
        assert isinstance(sampled, torch.nn.Sequential)
        assert [type(m).__name__ for m in sampled] == [
            "Conv2d",
            "ReLU",
            "LazyConv2d",
            "ReLU",
            "Flatten",
            "LazyLinear",
        ]
        assert sampled[0].out_channels == params["args[0].out_channels"]
        assert sampled[2].out_channels == params["args[2].out_channels"]
        # The first convolution (not lazy) runs with its sampled filters.
        out = sampled[1](sampled[0](torch.randn(2, 1, 8, 8)))
        assert out.shape == (2, params["args[0].out_channels"], 6, 6)


def test_models_sampled_from_the_relaxed_space_run() -> None:
    space = rebind(_model(), _relax)
    x = torch.randn(2, 1, 8, 8)
    for model, params in _sampled(space, 3):
        out = model(x)
        assert out.shape == (2, 10)
        assert model[2].in_channels == params["args[0].out_channels"]
        assert isinstance(model[2], torch.nn.Conv2d)


@pytest.mark.parametrize(
    ("build", "shape"),
    [(lambda: nn.LazyLinear(3), (2, 5)), (lambda: nn.LazyConv2d(4, 3), (2, 1, 8, 8))],
    ids=["LazyLinear", "LazyConv2d"],
)
def test_a_concrete_lazy_layer_infers_its_input_size(build: Any, shape: tuple[int, ...]) -> None:
    layer = build()
    layer(torch.randn(*shape))
    assert isinstance(layer, (torch.nn.Linear, torch.nn.Conv2d))


# --------------------------------------------------------------------------------------------
# 6. Bad input


def test_an_empty_oneof_in_a_layer_is_refused() -> None:
    with pytest.raises(SearchSpaceError, match="empty"):
        nn.Linear(4, oneof([]))


def test_rebind_of_an_argument_the_layer_does_not_accept_names_the_path() -> None:
    space = nn.Sequential(nn.Linear(4, oneof([8, 16])), nn.ReLU())
    with pytest.raises(SearchSpaceError, match=r"args\[0\]\.no_such_arg"):
        rebind(space, {"args[0].no_such_arg": 3})
    with pytest.raises(SearchSpaceError, match="no_such_arg"):
        rebind(nn.Linear(4, oneof([2, 3])), {"no_such_arg": 3})
    with pytest.raises(SearchSpaceError, match=r"args\[7\]"):
        rebind(space, {"args[7].out_features": 3})
    # An argument the signature accepts but was not given is fine.
    changed = rebind(space, {"args[0].bias": False})
    assert changed.args[0].bias is False
    assert space.args[0].arguments == {"in_features": 4, "out_features": oneof([8, 16])}


def test_materialize_with_a_missing_or_foreign_decision_is_refused() -> None:
    space = nn.Sequential(nn.Linear(4, oneof([8, 16])), nn.ReLU())
    with pytest.raises(SearchSpaceError, match=r"args\[0\]\.out_features"):
        materialize(space, {})
    with pytest.raises(SearchSpaceError, match="bogus"):
        materialize(space, {"args[0].out_features": 8, "bogus": 1})
    with pytest.raises(SearchSpaceError, match="decision"):
        materialize(space)


def test_a_call_without_hyper_values_is_built_and_matched_like_a_module() -> None:
    fixed = rebind(nn.Linear(4, oneof([4, 8])), {"out_features": 4})
    assert isinstance(fixed, Symbolic) and not fixed.is_space
    assert isinstance(materialize(fixed), torch.nn.Linear)
    space = nn.Sequential(oneof([fixed, nn.Identity()]))
    model = materialize(space, {"args[0]": "Linear(in_features=4, out_features=4)"})
    assert isinstance(model[0], torch.nn.Linear) and model[0].out_features == 4
    assert encode(space, model) == {"args[0]": "Linear(in_features=4, out_features=4)"}
