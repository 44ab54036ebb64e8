"""Weight sharing: a model space rewritten into one super-network whose choices between modules
are switches (one candidate runs) or mixed operations (the softmax-weighted sum of all).

Decisions keep materialize's names, so an architecture is an ordinary params dict: fixing the
switches to it computes what its child model computes, the child carrying copies of the
super-network's weights.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

# The README's install includes torch: in CI a missing torch is a failure, not a skip.
torch = __import__("torch") if os.environ.get("CI") else pytest.importorskip("torch")

from nas_notebook import DuplicateNameError, SearchSpaceError, floatv, intv, manyof, oneof  # noqa: E402
from nas_notebook.space import choices_for  # noqa: E402
from nas_notebook.symbolic import decisions, encode, materialize, rebind  # noqa: E402
from nas_notebook.torch import MixedOp, SuperNet, Switch, nn, rewrite  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    # The tensors here are tiny: threads that wait for busy cores cost far more than they help.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


# --------------------------------------------------------------------------------------------
# The space: a stem, an edge, a cell of two edges, a head (on 1x8x8 inputs)


def _edge() -> Any:
    return oneof(
        [
            nn.Conv2d(4, 4, 3, padding=1),
            nn.Conv2d(4, 4, 5, padding=2),
            nn.Identity(),
            nn.AvgPool2d(3, 1, 1),
        ]
    )


class Cell(nn.Module):
    """Two edges in a row with a residual, and weights of its own (a 1x1 mix and a scale)."""

    def __init__(self, channels: int, first: Any, second: Any) -> None:
        super().__init__()
        self.first = first
        self.second = second
        self.mix = nn.Conv2d(channels, channels, 1)
        self.scale = torch.nn.Parameter(torch.full((1,), 0.5))

    def forward(self, x: Any) -> Any:
        return self.mix(x + self.scale * self.second(torch.relu(self.first(x))))


def _space() -> Any:
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        _edge(),
        nn.ReLU(),
        oneof([nn.Conv2d(4, 4, 1), nn.MaxPool2d(3, 1, 1), nn.Identity()]),
        Cell(4, _edge(), _edge()),
        nn.Flatten(),
        nn.Linear(4 * 8 * 8, 10),
    )


NAMES = ["args[1]", "args[3]", "args[4].first", "args[4].second"]


def _x(n: int = 2, seed: int = 0) -> Any:
    return torch.randn(n, 1, 8, 8, generator=torch.Generator().manual_seed(seed))


def _shapes(module: Any) -> dict[str, tuple[int, ...]]:
    return {key: tuple(value.shape) for key, value in module.state_dict().items()}


def _pointers(module: Any) -> set[int]:
    return {t.data_ptr() for t in [*module.parameters(), *module.buffers()]}


def _labels(space: Any, name: str) -> tuple[Any, ...]:
    """The values Optuna stores for the choice ``name`` of ``space``, by candidate."""
    return choices_for(decisions(space)[name].candidates)


def _all_params(space: Any) -> list[dict[str, Any]]:
    """Every architecture of ``space`` as a params dict."""
    names = list(decisions(space))
    labels = [_labels(space, name) for name in names]
    return [dict(zip(names, picked)) for picked in itertools.product(*labels)]


def _choice_ops(module: Any) -> list[Any]:
    return [m for m in module.modules() if isinstance(m, (Switch, MixedOp))]


# --------------------------------------------------------------------------------------------
# 1. The rewrite


@pytest.mark.parametrize("mode", ["switch", "mixed"])
def test_every_choice_becomes_one_op_named_as_materialize_names_it(mode: str) -> None:
    space = _space()
    supernet = rewrite(space, mode=mode)
    kind = Switch if mode == "switch" else MixedOp

    assert isinstance(supernet, SuperNet) and isinstance(supernet, torch.nn.Module)
    assert supernet.mode == mode
    assert supernet.space is space
    assert list(supernet.choices) == list(decisions(space)) == NAMES
    assert all(type(op) is kind for op in supernet.choices.values())
    model = supernet.model
    assert isinstance(model, torch.nn.Sequential)
    assert supernet.choices["args[1]"] is model[1]
    assert supernet.choices["args[3]"] is model[3]
    assert isinstance(model[4], Cell)
    assert supernet.choices["args[4].first"] is model[4].first
    assert supernet.choices["args[4].second"] is model[4].second
    assert [len(op.candidates) for op in supernet.choices.values()] == [4, 3, 4, 4]
    assert len(_choice_ops(supernet)) == 4
    assert supernet(_x()).shape == (2, 10)


def test_each_candidate_is_built_once_as_a_copy_of_the_space_candidate() -> None:
    space = _space()
    supernet = rewrite(space)
    stored = [decisions(space)[name].candidates for name in NAMES]
    built = [list(op.candidates) for op in supernet.choices.values()]
    modules = [m for candidates in built for m in candidates]
    # One module, with its own weights, per candidate: shared by every path that picks it.
    assert len({id(m) for m in modules}) == len(modules) == 15
    for candidates, originals in zip(built, stored):
        for candidate, original in zip(candidates, originals):
            assert candidate is not original
            assert type(candidate) is type(original) and repr(candidate) == repr(original)
            assert not _pointers(candidate) & _pointers(original)
            for mine, theirs in zip(candidate.parameters(), original.parameters()):
                assert torch.equal(mine, theirs)
    # The space's own modules are never part of the super-network.
    assert not _pointers(supernet) & _pointers(space.args[0])


def test_a_module_template_without_hyper_values_is_a_candidate() -> None:
    template = rebind(nn.Conv2d(4, oneof([4, 8]), 3, padding=1), {"out_channels": 4})
    assert not template.is_space
    space = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), oneof([template, nn.Identity()]))
    supernet = rewrite(space)
    assert isinstance(supernet.choices["args[1]"].candidates[0], torch.nn.Conv2d)
    params = {"args[1]": _labels(space, "args[1]")[0]}
    supernet.fix(params)
    child = supernet.child(params)
    assert isinstance(child[1], torch.nn.Conv2d) and child[1].out_channels == 4
    assert torch.equal(supernet(_x()), child(_x()))


# --------------------------------------------------------------------------------------------
# 2. A fixed super-network computes its child


def test_with_the_switches_fixed_the_supernet_computes_the_child_for_every_architecture() -> None:
    space = _space()
    torch.manual_seed(0)
    supernet = rewrite(space)
    x = _x()
    every = _all_params(space)
    assert len(every) == 4 * 3 * 4 * 4
    for n, params in enumerate(every):
        supernet.fix(params)
        assert supernet.derive() == params
        child = supernet.child(params)
        assert isinstance(child, torch.nn.Sequential)
        assert not _choice_ops(child)
        with torch.no_grad():
            assert torch.equal(supernet(x), child(x)), params
        assert encode(space, child) == params
        if n % 17 == 0:  # materialize (fresh weights) builds the same architecture
            fresh = materialize(space, params)
            assert _shapes(fresh) == _shapes(child)
            assert repr(fresh) == repr(child)


def test_the_child_carries_copies_of_every_shared_weight() -> None:
    supernet = rewrite(_space())
    params = supernet.sample(3)
    child = supernet.child(params)
    model = supernet.model
    assert torch.equal(child[0].weight, model[0].weight)
    assert torch.equal(child[4].mix.weight, model[4].mix.weight)
    assert torch.equal(child[4].scale, model[4].scale)
    assert torch.equal(child[6].weight, model[6].weight)
    assert not _pointers(child) & _pointers(supernet)
    # Training the super-network afterwards leaves the child as it was...
    x = _x()
    with torch.no_grad():
        before = child(x)
        for p in supernet.parameters():
            p.add_(0.5)
        assert not torch.equal(supernet(x), before)
        assert torch.equal(child(x), before)
        # ... and the other way round.
        supernet_out = supernet(x)
        for p in child.parameters():
            p.mul_(2.0)
        assert torch.equal(supernet(x), supernet_out)


def test_the_child_keeps_the_training_mode_and_the_global_random_state() -> None:
    supernet = rewrite(_space())
    params = supernet.derive()
    assert supernet.child(params).training
    supernet.eval()
    assert not supernet.child(params).training
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    supernet.child(params)
    assert torch.equal(torch.rand(3), expected)


def test_a_double_supernet_gives_a_double_child() -> None:
    supernet = rewrite(_space()).double()
    params = supernet.sample(1)
    child = supernet.child(params)
    assert all(p.dtype == torch.float64 for p in child.parameters())
    x = _x().double()
    assert torch.equal(supernet(x), child(x))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_supernet_moved_to_cuda_runs_there_and_gives_a_cuda_child() -> None:
    for mode in ("switch", "mixed"):
        supernet = rewrite(_space(), mode=mode).to("cuda")
        x = _x().to("cuda")
        loss = supernet(x).square().mean()
        loss.backward()
        params = supernet.derive()
        child = supernet.child(params)
        assert all(p.device.type == "cuda" for p in child.parameters())
        if mode == "switch":
            supernet.fix(params)
            supernet.sample(torch.Generator(device="cuda").manual_seed(0))
            supernet.fix(params)
            assert torch.allclose(supernet(x), child(x), atol=1e-6)


def test_sample_draws_every_switch_uniformly_and_reproducibly() -> None:
    space = _space()
    supernet = rewrite(space)
    drawn = [supernet.sample(seed) for seed in range(40)]
    for params in drawn[:5]:
        assert list(params) == NAMES
        assert all(params[name] in _labels(space, name) for name in NAMES)
    # Each draw also set the switches.
    assert supernet.derive() == drawn[-1]
    assert [supernet.sample(seed) for seed in range(40)] == drawn
    for name in NAMES:
        assert len({params[name] for params in drawn}) == len(supernet.choices[name].candidates)
    # A torch generator, a numpy generator and the global generator draw too.
    a = supernet.sample(torch.Generator().manual_seed(7))
    assert a == supernet.sample(torch.Generator().manual_seed(7))
    b = supernet.sample(np.random.default_rng(7))
    assert b == supernet.sample(np.random.default_rng(7))
    torch.manual_seed(1)
    c = supernet.sample()
    torch.manual_seed(1)
    assert supernet.sample() == c


def test_one_named_choice_used_twice_is_one_decision_kept_together() -> None:
    def edge() -> Any:
        return oneof([nn.Conv2d(4, 4, 3, padding=1), nn.Identity()], name="op")

    space = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), edge(), nn.ReLU(), edge())
    assert list(decisions(space)) == ["op"]
    supernet = rewrite(space)
    assert list(supernet.choices) == ["op"]
    first, second = supernet.model[1], supernet.model[3]
    assert first is not second  # each place has its own weights, as materialize builds them
    for label in _labels(space, "op"):
        supernet.fix({"op": label})
        assert first.index == second.index
        child = supernet.child({"op": label})
        assert _shapes(child) == _shapes(materialize(space, {"op": label}))
        assert torch.equal(supernet(_x()), child(_x()))
    supernet.sample(0)
    assert first.index == second.index
    mixed = rewrite(space, mode="mixed")
    assert mixed.model[1].alpha is mixed.model[3].alpha
    assert len(mixed.arch_parameters()) == 1

    other = oneof([nn.Identity(), nn.ReLU()], name="op")
    with pytest.raises(DuplicateNameError, match=r"'op'"):
        rewrite(nn.Sequential(edge(), other))


def test_a_list_space_gives_a_list_of_modules() -> None:
    space = [nn.Linear(4, 4), oneof([nn.ReLU(), nn.Tanh()]), {"head": nn.Linear(4, 2)}]
    supernet = rewrite(space)
    assert list(supernet.choices) == list(decisions(space)) == ["[1]"]
    assert isinstance(supernet.model, list) and supernet.model[1] is supernet.choices["[1]"]
    registered = {id(p) for p in supernet.parameters()}
    assert {id(p) for p in supernet.model[0].parameters()} <= registered
    assert {id(p) for p in supernet.model[2]["head"].parameters()} <= registered
    child = supernet.child({"[1]": "Tanh()"})
    assert isinstance(child, list) and isinstance(child[1], torch.nn.Tanh)
    assert torch.equal(child[2]["head"].weight, supernet.model[2]["head"].weight)
    with pytest.raises(TypeError, match="list"):
        supernet(torch.zeros(1, 4))


# --------------------------------------------------------------------------------------------
# 3. Which parameters get gradients


def _loss(supernet: Any) -> Any:
    y = torch.tensor([1, 7])
    return torch.nn.functional.cross_entropy(supernet(_x()), y)


def test_in_mixed_mode_every_alpha_gets_a_gradient() -> None:
    torch.manual_seed(0)
    supernet = rewrite(_space(), mode="mixed")
    alphas = supernet.arch_parameters()
    weights = supernet.weight_parameters()
    assert len(alphas) == 4
    assert [a is op.alpha for a, op in zip(alphas, supernet.choices.values())] == [True] * 4
    assert not {id(p) for p in alphas} & {id(p) for p in weights}
    assert {id(p) for p in alphas} | {id(p) for p in weights} == {
        id(p) for p in supernet.parameters()
    }
    _loss(supernet).backward()
    for alpha in alphas:
        assert alpha.grad is not None and alpha.grad.abs().sum() > 0
    # Every candidate takes part in the sum: all weights get gradients.
    assert all(p.grad is not None for p in weights)


def test_in_switch_mode_only_the_chosen_candidates_get_gradients() -> None:
    torch.manual_seed(0)
    supernet = rewrite(_space())
    assert supernet.arch_parameters() == []
    assert len(supernet.weight_parameters()) == len(list(supernet.parameters()))
    picks = {"args[1]": 1, "args[3]": 0, "args[4].first": 0, "args[4].second": 2}
    params = {name: _labels(supernet.space, name)[i] for name, i in picks.items()}
    supernet.fix(params)
    _loss(supernet).backward()
    for op in supernet.choices.values():
        assert isinstance(op, Switch)
        for i, candidate in enumerate(op.candidates):
            for p in candidate.parameters():
                assert (p.grad is not None) == (i == op.index)
    assert all(p.grad is not None for p in supernet.model[0].parameters())
    assert all(p.grad is not None for p in supernet.model[4].mix.parameters())


# --------------------------------------------------------------------------------------------
# 4. MixedOp and derive


def test_a_mixed_op_is_the_softmax_weighted_sum_of_its_candidates() -> None:
    torch.manual_seed(0)
    candidates = [
        torch.nn.Linear(3, 2),
        torch.nn.Linear(3, 2),
        torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh()),
    ]
    mixed = MixedOp(candidates)
    assert torch.equal(mixed.alpha.detach(), torch.zeros(3))
    with torch.no_grad():
        mixed.alpha.copy_(torch.tensor([0.3, -1.2, 2.0]))
    x = torch.randn(5, 3)
    weights = torch.softmax(torch.tensor([0.3, -1.2, 2.0]), dim=0)
    expected = sum(w * c(x) for w, c in zip(weights, candidates))
    assert torch.allclose(mixed.weights(), weights)
    assert torch.allclose(mixed(x), expected, atol=1e-6)


def test_derive_takes_each_largest_alpha() -> None:
    space = _space()
    supernet = rewrite(space, mode="mixed")
    labels = {name: _labels(space, name) for name in NAMES}
    assert supernet.derive() == {name: labels[name][0] for name in NAMES}
    picks = {"args[1]": 2, "args[3]": 1, "args[4].first": 3, "args[4].second": 0}
    with torch.no_grad():
        for name, i in picks.items():
            alpha = supernet.choices[name].alpha
            alpha.copy_(torch.linspace(-1.0, 0.0, len(alpha)))
            alpha[i] = 1.5
    params = supernet.derive()
    assert params == {name: labels[name][i] for name, i in picks.items()}
    child = supernet.child(params)
    assert not _choice_ops(child)
    assert encode(space, child) == params


# --------------------------------------------------------------------------------------------
# 5. Search in the super-network, then train the derived child alone


def _digits(n: int = 256) -> tuple[Any, Any]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = torch.tensor(digits.data[:n] / 16.0, dtype=torch.float32).reshape(n, 1, 8, 8)
    y = torch.tensor(digits.target[:n], dtype=torch.long)
    return x, y


def test_the_derived_child_trains_standalone() -> None:
    torch.manual_seed(0)
    space = _space()
    x, y = _digits()
    train, valid = slice(0, 192), slice(192, 256)
    supernet = rewrite(space, mode="mixed")
    weights = torch.optim.SGD(supernet.weight_parameters(), lr=0.05, momentum=0.9)
    arch = torch.optim.Adam(supernet.arch_parameters(), lr=0.05)
    loss = torch.nn.functional.cross_entropy
    for _ in range(8):  # first-order DARTS: weights on one half, alphas on the other
        weights.zero_grad()
        loss(supernet(x[train]), y[train]).backward()
        weights.step()
        arch.zero_grad()
        loss(supernet(x[valid]), y[valid]).backward()
        arch.step()
    assert all(not torch.equal(a, torch.zeros_like(a)) for a in supernet.arch_parameters())

    params = supernet.derive()
    assert list(params) == NAMES
    child = supernet.child(params)
    assert not _choice_ops(child)
    assert _shapes(child) == _shapes(materialize(space, params))
    optimizer = torch.optim.SGD(child.parameters(), lr=0.05, momentum=0.9)
    losses = []
    for _ in range(10):
        optimizer.zero_grad()
        value = loss(child(x), y)
        value.backward()
        optimizer.step()
        losses.append(value.item())
    assert losses[-1] < losses[0]


# --------------------------------------------------------------------------------------------
# 6. Bad input


@pytest.mark.parametrize(
    ("space", "name", "words"),
    [
        (
            nn.Sequential(nn.Linear(4, 4), nn.Dropout(floatv(0.0, 0.5))),
            "args[1].p",
            "is a number (floatv)",
        ),
        (nn.Sequential(nn.Linear(4, intv(2, 8))), "args[0].out_features", "is a number (intv)"),
        (
            nn.Sequential(nn.Linear(4, oneof([4, 8]))),
            "args[0].out_features",
            "candidate 0 (4), which is not a torch module",
        ),
        (
            nn.Sequential(nn.Linear(4, 4), oneof([nn.ReLU(), "relu"])),
            "args[1]",
            "candidate 1 ('relu'), which is not a torch module",
        ),
        (
            nn.Sequential(oneof([nn.Linear(4, oneof([4, 8])), nn.Identity()])),
            "args[0]",
            "decisions of its own (args[0][0].out_features)",
        ),
        (
            {"stem": nn.Linear(4, 4), "acts": manyof(2, [nn.ReLU(), nn.Tanh(), nn.Identity()])},
            "acts",
            "picks several candidates (a manyof)",
        ),
    ],
    ids=["floatv", "intv", "oneof-of-ints", "oneof-of-a-string", "own-oneof", "manyof"],
)
def test_a_decision_that_is_not_a_choice_between_modules_is_refused(
    space: Any, name: str, words: str
) -> None:
    with pytest.raises(SearchSpaceError) as info:
        rewrite(space)
    message = str(info.value)
    assert repr(name) in message or name in message
    assert words in message
    assert "only choices between modules" in message


def test_bad_indices_modes_and_params_are_refused_with_what_is_wrong() -> None:
    switch = Switch([torch.nn.ReLU(), torch.nn.Tanh(), torch.nn.Identity()])
    with pytest.raises(IndexError, match=r"0\.\.2 .*got 3"):
        switch.index = 3
    with pytest.raises(IndexError, match=r"0\.\.2"):
        switch.index = -1
    with pytest.raises(TypeError, match=r"0\.\.2"):
        switch.index = 1.0
    with pytest.raises(IndexError, match=r"0\.\.1"):
        Switch([torch.nn.ReLU(), torch.nn.Tanh()], index=2)
    switch.index = np.int64(2)
    assert switch.index == 2 and type(switch.index) is int
    with pytest.raises(ValueError, match="empty"):
        MixedOp([])
    with pytest.raises(TypeError, match="candidate 1"):
        Switch([torch.nn.ReLU(), "relu"])
    with pytest.raises(ValueError, match="'switch', 'mixed'"):
        rewrite(_space(), mode="darts")

    supernet = rewrite(_space())
    params = supernet.sample(0)
    missing = {k: v for k, v in params.items() if k != "args[4].first"}
    for call in (supernet.fix, supernet.child):
        with pytest.raises(SearchSpaceError, match=r"'args\[4\]\.first'.*missing"):
            call(missing)
        with pytest.raises(
            SearchSpaceError, match=r"'args\[1\]' has no candidate for .*'Tanh\(\)'"
        ):
            call({**params, "args[1]": "Tanh()"})
        with pytest.raises(SearchSpaceError, match=r"\['lr'\] are not in this space"):
            call({**params, "lr": 0.1})
    before = supernet.derive()
    with pytest.raises(SearchSpaceError):
        supernet.fix({**supernet.sample(1), "args[3]": "nothing"})
    supernet.fix(before)
    supernet.fix({**params, "lr": 0.1}, strict=False)
    assert supernet.derive() == params

    mixed = rewrite(_space(), mode="mixed")
    with pytest.raises(ValueError, match=r"fix: .*'mixed' mode"):
        mixed.fix(params)
    with pytest.raises(ValueError, match=r"sample: .*'mixed' mode"):
        mixed.sample(0)
    with pytest.raises(TypeError, match="generator"):
        supernet.sample("seed")


# --- choices between module classes: the model instantiates the chosen class ------------------


class _Zero(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x * 0


class _Conv(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: Any) -> Any:
        return self.conv(x)


class _Skip(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()

    def forward(self, x: Any) -> Any:
        return x


class _TwoCells(nn.Module):
    """One decision used at two widths, as a cell repeated through a network is."""

    def __init__(self, op: Any) -> None:
        super().__init__()
        self.stem = nn.Conv2d(1, 4, 1)
        self.cell0 = op(4)
        self.widen = nn.Conv2d(4, 8, 1)
        self.cell1 = op(8)

    def forward(self, x: Any) -> Any:
        return self.cell1(self.widen(self.cell0(self.stem(x))))


def _class_space() -> Any:
    return _TwoCells(op=oneof([_Zero, _Conv, _Skip], name="op"))


def test_a_choice_between_classes_is_one_decision_at_every_place_it_is_instantiated():
    space = _class_space()
    supernet = rewrite(space)
    assert list(supernet.choices) == ["op"] == list(decisions(space))
    cells = (supernet.model.cell0, supernet.model.cell1)
    assert all(isinstance(cell, Switch) for cell in cells)
    assert cells[1].candidates[1].conv.in_channels == 8  # built with the model's arguments
    x = _x()
    for label in ("_Zero", "_Conv", "_Skip"):
        supernet.fix({"op": label})
        assert cells[0].index == cells[1].index
        child = supernet.child({"op": label})
        assert not _choice_ops(child)
        assert torch.equal(supernet(x), child(x))
        assert encode(space, child) == {"op": label}
        assert _shapes(child) == _shapes(materialize(space, {"op": label}))


def test_a_choice_between_classes_has_one_alpha_in_mixed_mode():
    supernet = rewrite(_class_space(), "mixed")
    assert len(supernet.arch_parameters()) == 1
    assert supernet.model.cell0.alpha is supernet.model.cell1.alpha
    supernet(_x()).sum().backward()
    assert supernet.arch_parameters()[0].grad.abs().sum() > 0


def test_class_choices_the_model_never_instantiates_or_mixed_with_modules_are_refused():
    class Ignores(nn.Module):
        def __init__(self, op: Any) -> None:
            super().__init__()
            self.fc = nn.Linear(2, 2)

    with pytest.raises(SearchSpaceError, match="never instantiated the module classes of"):
        rewrite(Ignores(op=oneof([_Zero, _Skip], name="op")))
    with pytest.raises(SearchSpaceError, match="mixes module classes and modules"):
        rewrite(nn.Sequential(oneof([_Skip, nn.ReLU()])))
