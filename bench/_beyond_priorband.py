"""The PriorBand part of ``beyond.py``: ours (``--algo priorband``, with its ASHA) against NePS's
PriorBand on the same table, with the same prior, one worker each, the same budget of training
time. NePS runs its default (PriorBand over Hyperband) and ``base="asha"`` (over ASHA, as ours).

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
from _landscape import Landscape
from search_quality import _nanmean, regret_curve, run_one

from nas_notebook.benchmarks import OPS, cell_ops

__all__ = ["NEPS_BASES", "priorband_case"]

#: NePS's PriorBand runs, by their key in the results: its default (over Hyperband), and over
#: ASHA as ours runs.
NEPS_BASES: dict[str, Any] = {"neps": "priorband", "neps_asha": ("priorband", {"base": "asha"})}


def priorband_case(
    table: Path,
    seeds: int,
    budget: float,
    grid: np.ndarray,
    prior_cells: Callable[[np.ndarray, int], dict[str, int]],
    jobs: int = 1,
) -> dict[str, Any]:
    """For the good and the misleading prior: ours and NePS's PriorBand, ``seeds`` seeds each;
    the regret on ``grid`` (mean over the seeds) and at the end. NePS's searches run ``jobs`` at
    a time beside ours (see ``_neps_peer.NePSPool``)."""
    from _neps_peer import NEPS_VERSION, NePSPool, run_neps_multi_fidelity

    land = Landscape(table)
    out: dict[str, Any] = {"neps_version": NEPS_VERSION, "budget_s": budget}
    cases = ("good", "misleading")
    with NePSPool(jobs) as pool:
        asked = {}
        for case in cases:
            for seed in range(seeds):
                prior = cell_ops(prior_cells(land.accuracy[:, -1], seed)[case])
                for key, optimizer in NEPS_BASES.items():
                    asked[case, seed, key] = pool.submit(
                        run_neps_multi_fidelity, optimizer, budget, seed, land.edges, OPS,
                        _charged(land), (1, land.epochs), prior=prior,
                    )  # fmt: skip
        for case in cases:
            ours = []
            for seed in range(seeds):
                cell = prior_cells(land.accuracy[:, -1], seed)[case]
                run = run_one(table, land.seed, "priorband", "default", seed, 1, budget,
                              f",prior={cell}")  # fmt: skip
                ours.append(regret_curve(run, grid, land.optimum))
            ours_a = np.array(ours)
            out[case] = {
                "ours_final": ours_a[:, -1].tolist(),
                "ours_curve_mean": _nanmean(ours_a).tolist(),
            }
            for key in NEPS_BASES:
                runs = [asked[case, seed, key].result() for seed in range(seeds)]
                peer_a = np.array([land.peer_regret(run, grid) for run in runs])
                out[case][f"{key}_final"] = peer_a[:, -1].tolist()
                out[case][f"{key}_curve_mean"] = _nanmean(peer_a).tolist()
    return out


def _charged(land: Landscape) -> Callable[[dict[str, str], int], tuple[float, float]]:
    """A NePS objective over ``land`` for one search: a configuration evaluated again at more
    epochs is charged only the epochs it adds (as if resumed from a checkpoint)."""
    trained: dict[int, int] = {}

    def objective(config: dict[str, str], fidelity: int) -> tuple[float, float]:
        index, at = land.cell(config), min(max(fidelity, 1), land.epochs)
        before = trained.get(index, 0)
        trained[index] = max(before, at)
        start = float(land.time[index, before - 1]) if 0 < before < at else 0.0
        return float(land.accuracy[index, at - 1]), float(land.time[index, at - 1]) - start

    return objective
