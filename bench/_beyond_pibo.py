"""The piBO part of ``beyond.py``: ours (TPE with the priors, and our GP beside it) against
NePS's piBO, one evaluation at a time, with no prior (NePS's Bayesian optimization then), the
good one and the misleading one, on the same landscape: the mean incumbent regret after each
evaluation. NePS's searches run ``jobs`` at a time in processes of their own while ours run
here (see ``_neps_peer.NePSPool``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _paired import paired_difference

import nas_notebook as nb
from nas_notebook.benchmarks import EDGES, OPS, TabulatedBenchmark, cell_index, cell_ops, edge_name

__all__ = ["own_regrets", "pibo_case"]


def own_regrets(search: Any, optimum: float) -> np.ndarray:
    """The incumbent's regret after each of the search's own trials (warm ones left out)."""
    cols = search.snapshot().columns()
    values = np.nan_to_num(cols.values[~cols.warm, 0], nan=-np.inf)
    return optimum - np.maximum.accumulate(values)


def pibo_case(
    table: Path,
    evaluations: int,
    seeds: int,
    prior_cells: Callable[[np.ndarray, int], dict[str, int]],
    jobs: int = 1,
) -> dict[str, Any]:
    """For no prior, the good and the misleading one: ours (TPE, GP) and NePS, ``seeds`` seeds
    each; the mean regret after each evaluation."""
    from _neps_peer import NePSPool, run_neps

    bench = TabulatedBenchmark(table)
    landscape = bench.default_seed
    final = bench.values("valid_acc", landscape)[:, -1]
    optimum = float(np.nanmax(final))
    edges = [edge_name(e) for e in EDGES]

    def objective(config: dict[str, str]) -> float:
        return float(final[cell_index([config[e] for e in edges])])

    out: dict[str, Any] = {"evaluations": evaluations, "seeds": seeds}
    with NePSPool(jobs) as pool:
        peer = {}
        for case in ("none", "good", "misleading"):
            for seed in range(seeds):
                cell = prior_cells(final, seed).get(case)
                optimizer = "pibo" if cell is not None else "bayesian_optimization"
                prior = None if cell is None else cell_ops(cell)
                peer[case, seed] = pool.submit(
                    run_neps, optimizer, evaluations, seed, edges, OPS, objective, prior=prior
                )
        for case in ("none", "good", "misleading"):
            ours: dict[str, list[np.ndarray]] = {"tpe": [], "gp": []}
            for seed in range(seeds):
                cell = prior_cells(final, seed).get(case)
                options = "" if cell is None else f",prior={cell}"
                for algo, regrets in ours.items():
                    search = nb.Search(
                        benchmark=f"nas201_digits:path={table},seed={landscape!r}{options}",
                        executor="inline", n_trials=evaluations, algo=algo, seed=seed,
                        direction="maximize", storage="memory",
                    ).start()  # fmt: skip
                    regrets.append(own_regrets(search, optimum))
            asked = [peer[case, seed].result() for seed in range(seeds)]
            values = [np.asarray([value for _, value in run], dtype=float) for run in asked]
            regrets = [optimum - np.maximum.accumulate(v) for v in values]
            # NePS's minus our piBO's regret, seed by seed: its standard error says whether the
            # seeds resolve a difference of the means.
            paired, paired_se = paired_difference(regrets, ours["gp"])
            out[case] = {
                "ours": np.mean(ours["tpe"], axis=0).tolist(),
                "ours_gp": np.mean(ours["gp"], axis=0).tolist(),
                "neps": np.mean(regrets, axis=0).tolist(),
                "neps_minus_gp": paired.tolist(),
                "neps_minus_gp_se": np.nan_to_num(paired_se).tolist(),
            }
    return out
