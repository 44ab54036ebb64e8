"""The runs of ``bench/efficient_nas.py``: the cost unit's trainings, one efficient search, and
random search at equal cost read from the table (see that script's docstring for what each
method is)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch
from _efficient_refs import UNIT_EPOCHS

from nas_notebook.benchmarks import EDGES, cell_ops, edge_name
from nas_notebook.benchmarks.nas201_model import OP_MODULES, module_space, ops_of
from nas_notebook.symbolic import materialize
from nas_notebook.torch import darts, darts_ensemble, rewrite, train_model, tunas

__all__ = ["Data", "cell_params", "run_efficient", "run_random", "time_trainings", "warm_up"]

Data = tuple[torch.Tensor, torch.Tensor]


def cell_params(ops: tuple[str, ...]) -> dict[str, str]:
    """The :func:`module_space` decisions of a cell given by op names."""
    return {edge_name(edge): OP_MODULES[op].__qualname__ for op, edge in zip(ops, EDGES)}


def warm_up(cell: tuple[str, ...], train: Data) -> None:
    """A 1-epoch training, not timed: the first one in a process is slower."""
    torch.manual_seed(0)
    train_model(materialize(module_space(), cell_params(cell)), train, epochs=1)


def time_trainings(cells: tuple[tuple[str, ...], ...], train: Data) -> list[float]:
    """Wall time of training each of ``cells`` alone with the table's protocol."""
    space = module_space()
    seconds = []
    for ops in cells:
        torch.manual_seed(0)
        model = materialize(space, cell_params(ops))
        start = time.perf_counter()
        train_model(model, train, epochs=UNIT_EPOCHS)
        seconds.append(time.perf_counter() - start)
    return seconds


def run_efficient(
    method: str, seed: int, split: dict[str, Data], epochs: int, runs: int = 1
) -> dict[str, Any]:
    """One search; the child's ops, the wall time (building the super-network included) and
    the super-network's own last validation accuracy."""
    space = module_space()
    start = time.perf_counter()
    torch.manual_seed(seed)
    if method == "darts-ens":
        result = darts_ensemble(
            lambda: rewrite(space, "mixed"),
            split["train"],
            split["valid"],
            runs=runs,
            epochs=epochs,
            remedy="auxiliary-skip",
            exclude=("Zero",),
            seed=seed,
        )
    elif method.startswith("tunas"):
        controller = "ppo" if method == "tunas-ppo" else "reinforce:learning_rate=0.1"
        result = tunas(
            rewrite(space),
            split["train"],
            split["valid"],
            epochs=epochs,
            controller=controller,
            seed=seed,
        )
    else:
        result = darts(
            rewrite(space, "mixed"),
            split["train"],
            split["valid"],
            epochs=epochs,
            remedy={"darts-": "auxiliary-skip", "darts+": "early-stop"}.get(method),
            exclude=("Zero",),
            seed=seed,
        )
    seconds = time.perf_counter() - start
    return {
        "ops": list(ops_of(result.params)),
        "seconds": seconds,
        "search_s": result.seconds,
        "steps": result.steps,
        "supernet_valid_acc": result.history[-1]["valid_accuracy"] if result.history else None,
    }


def run_random(seed: int, n: int, one_training: np.ndarray) -> dict[str, Any]:
    """Random search over ``n`` distinct cells, selected by one training's validation
    accuracy (``one_training``: final epoch, one table seed)."""
    rng = np.random.default_rng(seed)
    cells = rng.choice(len(one_training), size=min(n, len(one_training)), replace=False)
    best = int(cells[np.argmax(one_training[cells])])
    return {"ops": list(cell_ops(best)), "seconds": 0.0, "trained": len(cells)}


#: Budgets (trainings) at which random search's expected percentile is computed.
