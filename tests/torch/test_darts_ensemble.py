"""Several short DARTS searches, their architecture weights averaged."""

from __future__ import annotations

import os
from typing import Any

import pytest

torch = __import__("torch") if os.environ.get("CI") else pytest.importorskip("torch")

from nas_notebook import oneof  # noqa: E402
from nas_notebook.torch import darts, darts_ensemble, efficient_search, nn, rewrite  # noqa: E402

ZERO = "Zero()"


class Zero(nn.Module):
    def forward(self, x: Any) -> Any:
        return torch.zeros_like(x)


def _space() -> Any:
    return nn.Sequential(
        nn.Linear(4, 8),
        oneof([Zero(), nn.Identity(), nn.Tanh(), nn.ReLU()], name="act"),
        nn.Linear(8, 8),
        oneof([nn.Identity(), nn.Tanh()], name="out"),
        nn.Linear(8, 2),
    )


def _data(n: int = 128, seed: int = 0) -> tuple[Any, Any]:
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=generator)
    return x, (x[:, 0] - x[:, 2] > 0).long()


def _ensemble(make_supernet: Any = None, **options: Any) -> Any:
    if make_supernet is None:
        make_supernet = lambda: rewrite(_space(), "mixed")  # noqa: E731
    kw = {"runs": 3, "epochs": 2, "batch_size": 32, "remedy": None, **options}
    return darts_ensemble(make_supernet, _data(), _data(seed=1), **kw)


def _alone(seed: int) -> Any:
    """One darts() search as the ensemble's run with seed ``seed`` makes it."""
    torch.manual_seed(seed)
    supernet = rewrite(_space(), "mixed")
    return darts(supernet, _data(), _data(seed=1), epochs=2, batch_size=32, remedy=None, seed=seed)


def _last_weights(result: Any, run: int) -> Any:
    return [r for r in result.history if r["run"] == run][-1]["weights"]


def test_the_architecture_has_the_largest_mean_weight_of_the_runs():
    result = _ensemble(exclude=(ZERO,))
    assert [r["run"] for r in result.history] == [0, 0, 1, 1, 2, 2]
    for name, chosen in result.params.items():
        mean = {
            label: sum(_last_weights(result, k)[name][label] for k in range(3)) / 3
            for label in _last_weights(result, 0)[name]
        }
        mean.pop(ZERO, None)
        assert chosen == max(mean, key=mean.get)
    assert result.steps == 3 * 2 * 4 and result.seconds > 0


def test_each_run_is_darts_from_its_own_seed_and_the_whole_is_reproducible():
    state = torch.random.get_rng_state()
    first = _ensemble(seed=5)
    assert torch.equal(state, torch.random.get_rng_state())  # the caller's random state is kept
    again = _ensemble(seed=5)
    assert again.params == first.params
    assert [r["weights"] for r in again.history] == [r["weights"] for r in first.history]
    for k in range(3):
        assert _alone(5 * 1_000_003 + k).history[-1]["weights"] == _last_weights(first, k)
    assert _ensemble(runs=1, seed=2).params == _alone(2 * 1_000_003).params


def test_a_super_network_with_the_same_initial_weights_every_time_is_drawn_afresh(monkeypatch):
    from nas_notebook.torch import _darts_ensemble

    space = _space()  # concrete modules: rewrite() copies their weights, whatever the seed
    built, searched = [], []

    def make() -> Any:
        supernet = rewrite(space, "mixed")
        built.append([p.detach().clone() for p in supernet.parameters()])
        return supernet

    def search(supernet: Any, *args: Any, **kwargs: Any) -> Any:
        searched.append([p.detach().clone() for p in supernet.parameters()])
        return darts(supernet, *args, **kwargs)

    monkeypatch.setattr(_darts_ensemble, "darts", search)
    result = _ensemble(make, seed=5)
    assert all(torch.equal(a, b) for a, b in zip(built[0], built[1]))  # as built
    # ... but each run searched from its own initial weights.
    assert not all(torch.equal(a, b) for a, b in zip(searched[0], searched[1]))
    weights = [_last_weights(result, k) for k in range(3)]
    assert weights[0] != weights[1] != weights[2]
    assert _ensemble(make, seed=5).history == result.history  # reproducible all the same


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="runs"):
        _ensemble(runs=0)
    with pytest.raises(ValueError, match="early-stop"):
        _ensemble(remedy="early-stop")


def test_efficient_search_runs_the_ensemble():
    torch.manual_seed(0)
    result, trial = efficient_search(
        _space(), _data(), _data(seed=1), method="darts-ensemble", runs=2, epochs=1, batch_size=32
    )
    assert (
        trial.params == result.params and trial.user_attrs["efficient_method"] == "darts-ensemble"
    )
    assert {r["run"] for r in result.history} == {0, 1} and 0.0 <= trial.value <= 1.0
