"""The PriorBand part of ``beyond.py``: ours (``--algo priorband``) against NePS's PriorBand on
the same table, with the same prior, one worker each, the same budget of training time.

NePS is told each evaluation's cost; a configuration it evaluates again at more epochs is
charged only the epochs it adds, as if it resumed from a checkpoint (ours resumes trials the
same way). The incumbent of either is the best configuration trained to the table's last
epoch, and the regret is the landscape's best final validation accuracy minus the
incumbent's, on the same grid of spent training time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _incumbent import incumbents
from search_quality import _nanmean, regret_curve, run_one

from nas_notebook.benchmarks import EDGES, OPS, TabulatedBenchmark, cell_index, cell_ops, edge_name

__all__ = ["priorband_case"]


def priorband_case(
    table: Path,
    seeds: int,
    budget: float,
    grid: np.ndarray,
    prior_cells: Callable[[np.ndarray, int], dict[str, int]],
) -> dict[str, Any]:
    """For the good and the misleading prior: ours and NePS's PriorBand, ``seeds`` seeds each;
    the regret on ``grid`` (mean over the seeds) and at the end."""
    from _neps_peer import NEPS_VERSION, run_neps_multi_fidelity

    bench = TabulatedBenchmark(table)
    landscape = bench.default_seed
    accuracy = bench.values("valid_acc", landscape)
    time = bench.values("time", landscape)
    epochs = accuracy.shape[1]
    optimum = float(np.nanmax(accuracy[:, -1]))
    edges = [edge_name(e) for e in EDGES]
    out: dict[str, Any] = {"neps_version": NEPS_VERSION, "budget_s": budget}
    for case in ("good", "misleading"):
        ours, peer = [], []
        for seed in range(seeds):
            cell = prior_cells(accuracy[:, -1], seed)[case]
            run = run_one(table, landscape, "priorband", "default", seed, 1, budget,
                          f",prior={cell}")  # fmt: skip
            ours.append(regret_curve(run, grid, optimum))
            trained: dict[int, int] = {}

            def objective(
                config: dict[str, str], fidelity: int, trained: dict[int, int] = trained
            ) -> tuple[float, float]:
                index = cell_index([config[e] for e in edges])
                at = min(max(fidelity, 1), epochs)
                before = trained.get(index, 0)
                trained[index] = max(before, at)
                start = float(time[index, before - 1]) if 0 < before < at else 0.0
                return float(accuracy[index, at - 1]), float(time[index, at - 1]) - start

            asked = run_neps_multi_fidelity("priorband", budget, seed, edges, OPS, objective,
                                            (1, epochs), prior=cell_ops(cell))  # fmt: skip
            spent = np.cumsum([cost for *_, cost in asked])
            done = [
                (float(end), value, cell_index([config[e] for e in edges]))
                for (config, fidelity, value, _), end in zip(asked, spent)
                if fidelity >= epochs
            ]
            peer.append(regret_curve(incumbents(done), grid, optimum))
        ours_a, peer_a = np.array(ours), np.array(peer)
        out[case] = {
            "ours_final": ours_a[:, -1].tolist(),
            "neps_final": peer_a[:, -1].tolist(),
            "ours_curve_mean": _nanmean(ours_a).tolist(),
            "neps_curve_mean": _nanmean(peer_a).tolist(),
        }
    return out
