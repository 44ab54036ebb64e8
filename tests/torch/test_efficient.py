"""DARTS and TuNAS searches on a super-network, and standalone training."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

torch = __import__("torch") if os.environ.get("CI") else pytest.importorskip("torch")

from nas_notebook import oneof  # noqa: E402
from nas_notebook.symbolic import materialize  # noqa: E402
from nas_notebook.torch import (  # noqa: E402
    MixedOp,
    darts,
    efficient_search,
    nn,
    rewrite,
    train_model,
    tunas,
)


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


KILL = "Nothing()"


class Nothing(nn.Module):
    def forward(self, x: Any) -> Any:
        return torch.zeros_like(x)


def _space() -> Any:
    # One path carries the signal (Identity), one a squashed copy of it (Tanh), one nothing.
    return nn.Sequential(
        nn.Linear(4, 8),
        oneof([Nothing(), nn.Identity(), nn.Tanh()], name="act"),
        nn.Linear(8, 2),
    )


def _data(n: int = 256, seed: int = 0) -> tuple[Any, Any]:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=generator)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).long()
    return x, y


def test_darts_trains_the_architecture_and_records_each_epoch():
    torch.manual_seed(0)
    supernet = rewrite(_space(), "mixed")
    before = supernet.choices["act"].alpha.detach().clone()
    seen = []
    result = darts(
        supernet, _data(), _data(seed=1), epochs=3, batch_size=32, remedy=None, callback=seen.append
    )
    assert len(result.history) == 3 == len(seen) and result.steps == 3 * 8
    assert not torch.equal(before, supernet.choices["act"].alpha.detach())
    record = result.history[-1]
    assert set(record["weights"]["act"]) == {KILL, "Identity()", "Tanh()"}
    assert min(record["weights"]["act"], key=record["weights"]["act"].get) == KILL
    assert sum(record["weights"]["act"].values()) == pytest.approx(1.0)
    assert result.params == supernet.derive() and result.seconds > 0


def test_the_auxiliary_skip_is_gone_after_the_search():
    torch.manual_seed(0)
    supernet = rewrite(_space(), "mixed")
    darts(supernet, _data(), _data(seed=1), epochs=1, batch_size=32, remedy="auxiliary-skip")
    assert all(not op._forward_hooks for op in supernet.modules() if isinstance(op, MixedOp))
    supernet.eval()
    x = torch.randn(3, 4)
    mixed = supernet.choices["act"]
    hidden = supernet.model[0](x)
    assert torch.allclose(
        mixed(hidden), sum(w * c(hidden) for w, c in zip(mixed.weights(), mixed.candidates))
    )


def test_derive_can_leave_out_a_candidate():
    supernet = rewrite(_space(), "mixed")
    with torch.no_grad():
        supernet.choices["act"].alpha[:] = torch.tensor([0.0, 2.0, 1.0])
    assert supernet.derive() == {"act": "Identity()"}
    assert supernet.derive(exclude=("Identity()",)) == {"act": "Tanh()"}
    everything = (KILL, "Identity()", "Tanh()")
    assert supernet.derive(exclude=everything) == {"act": "Identity()"}  # nothing else left


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tunas_controller_learns_to_avoid_the_path_that_carries_nothing(seed):
    torch.manual_seed(seed)
    supernet = rewrite(_space())
    result = tunas(supernet, _data(512), _data(256, seed=1), epochs=12, batch_size=32, seed=seed)
    probabilities = result.history[-1]["weights"]["act"]
    assert result.params["act"] != KILL and probabilities[KILL] < 0.2, probabilities
    assert result.history[-1]["params"] == result.params
    assert result.history[-1]["valid_accuracy"] > 0.9


def test_a_callback_returning_false_stops_the_search():
    supernet = rewrite(_space())
    result = tunas(
        supernet, _data(), _data(seed=1), epochs=5, batch_size=64, callback=lambda r: False
    )
    assert len(result.history) == 1


def test_the_derived_child_trains_standalone():
    torch.manual_seed(0)
    space = _space()
    supernet = rewrite(space, "mixed")
    result = darts(supernet, _data(), _data(seed=1), epochs=2, batch_size=32)
    child = materialize(space, result.params)
    losses = train_model(child, _data(), epochs=5, batch_size=32)
    assert losses[-1] < losses[0]
    assert not any(isinstance(m, MixedOp) for m in child.modules())


def test_searches_refuse_the_wrong_kind_of_super_network():
    with pytest.raises(ValueError, match="mode='mixed'"):
        darts(rewrite(_space()), _data(), _data())
    with pytest.raises(ValueError, match="mode='switch'"):
        tunas(rewrite(_space(), "mixed"), _data(), _data())
    with pytest.raises(ValueError, match="remedy"):
        darts(rewrite(_space(), "mixed"), _data(), _data(), remedy="magic")
    with pytest.raises(ValueError, match="warmup"):
        tunas(rewrite(_space()), _data(), _data(), warmup=1.5)
    with pytest.raises(TypeError, match="SuperNet"):
        darts(_space(), _data(), _data())  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["tunas", "darts"])
def test_efficient_search_stores_the_child_as_a_trial(method, tmp_path):
    import optuna

    from nas_notebook.study import open_storage

    storage = open_storage(f"journal:{tmp_path / 'study.log'}")
    study = optuna.create_study(storage=storage, study_name="nas", direction="maximize")
    torch.manual_seed(0)
    space = _space()
    result, trial = efficient_search(
        space, _data(), _data(seed=1), method=method, study=study, epochs=3, batch_size=32
    )
    reloaded = optuna.load_study(study_name="nas", storage=storage)
    assert [t.number for t in reloaded.trials] == [trial.number] == [0]
    stored = reloaded.trials[0]
    assert stored.params == result.params and stored.user_attrs["efficient_method"] == method
    assert 0.0 <= stored.value <= 1.0
    child = materialize(space, stored.params)
    assert isinstance(child, torch.nn.Sequential)


def test_efficient_search_can_score_a_retrained_child():
    torch.manual_seed(0)
    result, trial = efficient_search(
        _space(), _data(), _data(seed=1), method="tunas", retrain=True, epochs=2, batch_size=32
    )
    assert trial.user_attrs["retrained"] is True and trial.params == result.params
    with pytest.raises(ValueError, match="method"):
        efficient_search(_space(), _data(), _data(), method="enas-v9")


def test_early_stop_returns_the_architecture_derived_before_the_collapse(monkeypatch):
    space = nn.Sequential(
        nn.Linear(4, 8), oneof([nn.Identity(), nn.Linear(8, 8)], name="op"), nn.Linear(8, 2)
    )
    linear = {"op": "Linear(in_features=8, out_features=8, bias=True)"}
    calls = []

    def scripted(self, exclude=()):
        # The architecture parameters' verdict, step by step: the linear op for three checks,
        # then the parameter-free identity (the collapse).
        calls.append(1)
        return dict(linear) if len(calls) <= 3 else {"op": "Identity()"}

    monkeypatch.setattr(type(rewrite(space, "mixed")), "derive", scripted)
    result = darts(
        rewrite(space, "mixed"),
        _data(),
        _data(seed=1),
        epochs=6,
        batch_size=32,
        remedy="early-stop",
        max_free=1,
    )
    # Checks start once the first epoch (8 steps) is done (the epoch's record derives too).
    assert result.stopped and 8 < result.steps < 6 * 8
    assert result.params == linear
    assert len(result.history) == 2  # the interrupted epoch is recorded too


def test_without_a_collapse_early_stop_runs_every_epoch():
    space = nn.Sequential(
        nn.Linear(4, 8),
        oneof([nn.Sequential(nn.Linear(8, 8), nn.Tanh()), nn.Linear(8, 8)]),
        nn.Linear(8, 2),
    )
    torch.manual_seed(0)
    result = darts(
        rewrite(space, "mixed"),
        _data(),
        _data(seed=1),
        epochs=2,
        batch_size=32,
        remedy="early-stop",
    )
    assert not result.stopped and result.steps == 16  # no candidate is parameter-free
