"""Training a pilot's sample of cells under one protocol and reporting its reliability (see
:mod:`nas_notebook.benchmarks.pilot`)."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ._build_training import train_cells
from ._nas201 import canonical, cell_index, cell_ops, isomorphism_classes
from ._pilot_data import load_folds
from ._pilot_stats import project, runs_for_top, runs_needed, split_half, split_half_se

__all__ = ["METRICS", "pilot_sample", "reliability_report", "table_runs", "train_pilot"]

#: Runs per half at which :func:`project` is evaluated.
PROJECTED = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64]


def _last(values: np.ndarray, last: int) -> np.ndarray:
    return values[..., -last:].mean(axis=-1)


#: Metric name -> score ``(cells, runs)`` from the validation curves ``(cells, runs, epochs)``
#: and the number of last epochs validated; higher is better (losses are negated).
METRICS: dict[str, Callable[[dict[str, np.ndarray], int], np.ndarray]] = {
    "valid_acc": lambda c, last: c["valid_acc"][..., -1],
    "valid_acc_last": lambda c, last: _last(c["valid_acc"], last),
    "valid_loss": lambda c, last: -c["valid_loss"][..., -1],
    "valid_loss_last": lambda c, last: -_last(c["valid_loss"], last),
}


def pilot_sample(size: int = 200, seed: int = 0) -> list[int]:
    """A fixed sample of ``size`` isomorphism-class representatives, in index order: the
    all-``conv_3x3`` cell and a seeded uniform draw of the others.

    Example:
        >>> cells = pilot_sample()
        >>> len(cells), cell_index(("conv_3x3",) * 6) in cells
        (200, True)
    """
    representatives = sorted(members[0] for members in isomorphism_classes().values())
    required = [cell_index(canonical(("conv_3x3",) * 6))]
    others = [c for c in representatives if c not in required]
    drawn = np.random.default_rng(seed).choice(len(others), size - len(required), replace=False)
    return sorted(required + [others[i] for i in drawn])


def _train_seed(
    cells: list[int], seed: int, folds: list[dict[str, Any]], settings: dict[str, Any], batch: int
) -> dict[str, Any]:
    """One run of every cell: validation curves summed over the folds' validated examples."""
    total = sum(len(fold["valid"][1]) for fold in folds)
    curves = {name: np.zeros((len(cells), settings["epochs"])) for name in ("acc", "loss")}
    wall, cpu = time.perf_counter(), time.process_time()
    for fold in folds:
        share = len(fold["valid"][1]) / total
        for start in range(0, len(cells), batch):
            out = train_cells(cells[start : start + batch], seed, fold, settings)
            curves["acc"][start : start + batch] += share * out["valid_acc"]
            curves["loss"][start : start + batch] += share * out["valid_loss"]
    return {
        "valid_acc": curves["acc"],
        "valid_loss": curves["loss"],
        "wall_s": time.perf_counter() - wall,
        "cpu_s": time.process_time() - cpu,
    }


def train_pilot(
    settings: dict[str, Any],
    cells: list[int],
    seeds: list[int],
    *,
    batch: int = 16,
    work: Path | None = None,
    log: Callable[[str], None] = lambda line: None,
) -> dict[str, Any]:
    """Train ``cells`` once per seed under ``settings`` (a :func:`protocol`); the validation
    curves ``(cells, runs, epochs)`` and the time per seed. With ``work``, each seed's results
    are kept there and not trained again (a stopped pilot resumes)."""
    folds = None
    runs = []
    for seed in seeds:
        path = None if work is None else Path(work) / f"{settings['name']}_s{seed}.npz"
        if path is not None and path.exists():
            with np.load(path) as z:
                meta = json.loads(str(z["meta"]))
                if meta == {"settings": settings, "cells": cells}:
                    runs.append({k: z[k] for k in z.files if k != "meta"})
                    log(f"{settings['name']} seed {seed}: kept from {path}")
                    continue
        folds = folds if folds is not None else load_folds(settings["data"])
        run = _train_seed(cells, seed, folds, settings, batch)
        log(f"{settings['name']} seed {seed}: {run['wall_s']:.0f} s ({run['cpu_s']:.0f} s CPU)")
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            meta = json.dumps({"settings": settings, "cells": cells})
            np.savez(path, meta=np.array(meta), **run)
        runs.append(run)
    return {
        "curves": {
            name: np.stack([run[name] for run in runs], axis=1)
            for name in ("valid_acc", "valid_loss")
        },
        "wall_s": [float(run["wall_s"]) for run in runs],
        "cpu_s": [float(run["cpu_s"]) for run in runs],
    }


def table_runs(settings: dict[str, Any], cells: list[int]) -> dict[str, Any]:
    """What :func:`train_pilot` returns, read from the shipped table instead of trained (its
    protocol is the ``digits`` pilot's, with seeds 0 and 1); the time per seed is the one the
    table records, measured by the builder on batches of consecutive cells."""
    from ._table import load_table
    from ._tabulated import TABLE_PATH

    meta, arrays = load_table(TABLE_PATH)
    if settings["name"] != "digits" or meta["protocol"]["epochs"] != settings["epochs"]:
        raise ValueError("only the 'digits' protocol can be read from the table")
    seconds = arrays["epoch_time"][cells].sum(axis=(0, 2))
    return {
        "curves": {
            name: arrays[name][cells].astype(np.float64) for name in ("valid_acc", "valid_loss")
        },
        "wall_s": seconds.tolist(),
        "cpu_s": seconds.tolist(),
    }


def _finite(score: np.ndarray) -> np.ndarray:
    """Scores with NaN and infinities (diverged runs) set to the worst finite score."""
    finite = np.isfinite(score)
    return np.where(finite, score, score[finite].min() if finite.any() else 0.0)


def _metric_report(score: np.ndarray) -> dict[str, Any]:
    measured = split_half(score)
    half = int(measured["runs_per_half"])
    by_runs = {m: split_half(score, per_half=m) for m in range(1, half + 1)}

    def total(per_half: float) -> int | None:
        return None if math.isinf(per_half) else 2 * math.ceil(per_half - 1e-9)

    report = {
        "measured": measured,
        "measured_se": split_half_se(score),
        "measured_by_runs_per_half": {str(m): stats for m, stats in by_runs.items()},
        "runs_per_cell": {
            "spearman_0.9": total(runs_needed(measured["spearman"], half)),
            "spearman_better_half_0.9": total(runs_needed(measured["spearman_better_half"], half)),
            "top10_0.7": total(runs_for_top(measured["top10"], half, 0.1)),
            "top20_0.7": total(runs_for_top(measured["top20"], half, 0.2)),
        },
        "projected": {str(m): stats for m, stats in project(measured, PROJECTED).items()},
    }
    if half > 1:  # how well one run per half projects to the measured runs per half
        report["projected_from_one_run_per_half"] = project(by_runs[1], [half])[half]
    return report


def reliability_report(
    settings: dict[str, Any], cells: list[int], seeds: list[int], trained: dict[str, Any]
) -> dict[str, Any]:
    """The pilot's report (JSON-ready): the protocol, the sample, the time per run, accuracy
    spread and, per ranking metric, measured and projected split-half reliability; the runs
    themselves (final and last-epochs accuracy and loss per cell and run) for later analysis."""
    curves, last = trained["curves"], settings["eval_epochs"]
    n_runs = len(cells) * len(seeds)
    acc = curves["valid_acc"][..., -1].mean(axis=1)
    top = acc >= np.quantile(acc, 0.9)
    scores = {name: _finite(metric(curves, last)) for name, metric in METRICS.items()}
    wall, cpu = sum(trained["wall_s"]) / n_runs, sum(trained["cpu_s"]) / n_runs
    return {
        "protocol": settings,
        "cells": cells,
        "seeds": seeds,
        "skip_or_none_cells": sum(
            any(op in ("none", "skip_connect") for op in cell_ops(c)) for c in cells
        ),
        "wall_s_per_run": round(wall, 4),
        "cpu_s_per_run": round(cpu, 4),
        "valid_acc_mean_over_runs": {
            "min": float(acc.min()),
            "median": float(np.median(acc)),
            "p90": float(np.quantile(acc, 0.9)),
            "max": float(acc.max()),
            "top10_run_sd_median": float(np.median(curves["valid_acc"][top, :, -1].std(axis=1))),
        },
        "metrics": {name: _metric_report(score) for name, score in scores.items()},
        "runs": {name: np.round(score, 5).tolist() for name, score in scores.items()},
    }
