"""The DEHB part of ``beyond.py``: ours (``--algo dehb``) against the ``dehb`` package on the
same table, one worker each, the same budget of training time.

The ``dehb`` package trains every (configuration, fidelity) it asks for from scratch, as its
own examples do; a configuration's cost at ``e`` epochs is the table's time of its first ``e``
epochs. Ours trains each trial on, stopped by Hyperband, as any trial of ours does. The
incumbent of either is the best configuration trained to the table's last epoch (a full
training), and the regret is the landscape's best final validation accuracy minus the
incumbent's, at each point of the same grid of spent training time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from _landscape import Landscape
from search_quality import _nanmean, regret_curve, run_one

from nas_notebook.benchmarks import OPS

__all__ = ["dehb_case"]


def dehb_case(table: Path, seeds: int, budget: float, grid: np.ndarray) -> dict[str, Any]:
    """Ours and the package, ``seeds`` seeds each, one worker, ``budget`` seconds of training
    (the table's); the regret on ``grid`` (mean over the seeds) and at the end."""
    from _dehb_peer import DEHB_VERSION, run_dehb

    land = Landscape(table)

    def objective(config: dict[str, str], fidelity: int) -> tuple[float, float]:
        cell, at = land.cell(config), min(max(fidelity, 1), land.epochs) - 1
        return float(land.accuracy[cell, at]), float(land.time[cell, at])

    ours, peer, evaluations = [], [], []
    for seed in range(seeds):
        run = run_one(table, land.seed, "dehb", "default", seed, 1, budget)
        ours.append(regret_curve(run, grid, land.optimum))
        asked = run_dehb(seed, land.edges, OPS, objective, budget, (1, land.epochs))
        peer.append(land.peer_regret(asked, grid))
        evaluations.append(len(asked))
    ours_a, peer_a = np.array(ours), np.array(peer)
    return {
        "dehb_version": DEHB_VERSION,
        "budget_s": budget,
        "ours_final": ours_a[:, -1].tolist(),
        "dehb_final": peer_a[:, -1].tolist(),
        "ours_curve_mean": _nanmean(ours_a).tolist(),
        "dehb_curve_mean": _nanmean(peer_a).tolist(),
        "dehb_evaluations": float(np.mean(evaluations)),
    }
