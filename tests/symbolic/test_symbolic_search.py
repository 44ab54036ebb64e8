"""One symbolic space searched by every registered algorithm, and by worker processes."""

from __future__ import annotations

import sys
from typing import Any

import cloudpickle
import pytest
from optuna.trial import TrialState

from nas_notebook import Search, floatv, intv, manyof, oneof
from nas_notebook.algorithms import sampler_names
from nas_notebook.symbolic import encode, materialize, symbolize


@symbolize
class Conv:
    def __init__(self, filters: int, kernel: int = 3) -> None:
        self.filters, self.kernel = filters, kernel


@symbolize
class Pool:
    def __init__(self, size: int) -> None:
        self.size = size


@symbolize
class Model:
    def __init__(self, op: Any, depth: int, skips: list[int], dropout: float) -> None:
        self.op, self.depth, self.skips, self.dropout = op, depth, skips, dropout


@symbolize
def optimizer(name: str, lr: float) -> tuple[str, float]:
    return name, lr


SPACE = {
    "model": Model(
        op=oneof([Conv(oneof([8, 16, 32]), kernel=oneof([3, 5])), Pool(size=intv(2, 3))]),
        depth=intv(1, 4),
        skips=manyof(2, [0, 1, 2, 3], sorted=True),
        dropout=floatv(0.0, 0.5, step=0.1),
    ),
    "optimizer": oneof(
        [optimizer("sgd", lr=floatv(1e-3, 1e-1, log=True)), optimizer("adam", lr=1e-3)]
    ),
    "epochs": 3,
}


def score(config: dict[str, Any]) -> float:
    """A deterministic objective that depends on every decision."""
    model = config["model"]
    op = model.op
    value = op.filters / 32 + (op.kernel == 5) if isinstance(op, Conv) else op.size / 4
    name, lr = config["optimizer"]()
    value += model.depth / 4 + sum(model.skips) / 5 - model.dropout + (name == "adam") + lr
    return float(value) + config["epochs"]


@pytest.fixture(autouse=True)
def _by_value():
    # Worker processes cannot import this test module: its classes travel by value, as a
    # notebook's do.
    module = sys.modules[__name__]
    cloudpickle.register_pickle_by_value(module)
    yield
    cloudpickle.unregister_pickle_by_value(module)


def _check(search: Search, n_trials: int, seen: dict[int, dict[str, Any]] | None) -> None:
    trials = search.study.trials
    assert len(trials) == n_trials
    assert [t.state for t in trials] == [TrialState.COMPLETE] * n_trials, [
        t.system_attrs.get("nas_notebook:fail_reason") for t in trials
    ]
    for trial in trials:
        built = materialize(SPACE, trial.params)
        assert trial.value == pytest.approx(score(built))
        # The sorted manyof's slots are encoded canonically (picks in candidate order); every
        # other decision encodes back to the stored value.
        canonical = encode(SPACE, built)
        assert set(canonical) == set(trial.params)
        assert {k: v for k, v in canonical.items() if not k.startswith("model.skips")} == {
            k: v for k, v in trial.params.items() if not k.startswith("model.skips")
        }
        assert encode(SPACE, materialize(SPACE, canonical)) == canonical
        if seen is not None:
            assert encode(SPACE, seen[trial.number]) == canonical
        # Sub-decisions exist only under the candidate that was chosen.
        conv = isinstance(built["model"].op, Conv)
        assert ("model.op[0].filters" in trial.params) == conv
        assert ("model.op[1].size" in trial.params) == (not conv)
        assert ("optimizer[0].lr" in trial.params) == (built["optimizer"].name == "sgd")
    best = search.best.build()
    assert score(best) == pytest.approx(search.best.value)


@pytest.mark.parametrize("algo", sampler_names())
def test_every_algorithm_searches_the_symbolic_space(algo):
    seen: dict[int, dict[str, Any]] = {}
    numbers = iter(range(1000))

    def objective(config: dict[str, Any]) -> float:
        seen[next(numbers)] = config
        return score(config)

    n_trials = 12
    search = Search(
        objective,
        space=SPACE,
        algo=algo,
        n_trials=n_trials,
        executor="inline",
        seed=0,
        direction="maximize",
    ).start()
    _check(search, n_trials, seen)


@pytest.mark.parametrize("algo", ["tpe", "evolution"])
def test_worker_processes_search_the_symbolic_space(algo, tmp_path):
    n_trials = 8
    search = Search(
        score,
        space=SPACE,
        algo=algo,
        n_trials=n_trials,
        executor="process",
        workers=2,
        seed=0,
        direction="maximize",
        storage=f"journal:{tmp_path / 'study.log'}",
    ).start()
    search.wait(timeout=120)
    _check(search, n_trials, None)


def test_a_cell_searches_the_symbolic_space_in_worker_processes(tmp_path):
    n_trials = 4
    search = Search(
        "score(config)",
        space="config",
        user_ns={"config": SPACE, "score": score},
        n_trials=n_trials,
        executor="process",
        workers=2,
        seed=1,
        direction="maximize",
        storage=f"journal:{tmp_path / 'study.log'}",
    ).start()
    search.wait(timeout=120)
    _check(search, n_trials, None)
