"""Simulated-time searches on the tabulated benchmark: nas_notebook against Syne Tune, same run.

What is measured
----------------
Both sides replay the same table (``nas_notebook/benchmarks/data/nas201_digits.npz`` unless
``--table``; its first seed, or the mean of a table that keeps only the mean) with ``--workers``
simulated workers (8) and ``--trials`` trials (1,000) of random search under stopping-type
asynchronous successive halving (ASHA): one bracket, grace period 1 epoch, reduction factor 3,
so rungs at 1, 3 and 9 of the 10 epochs.

* **ours**: ``Search(benchmark="nas201_digits:path=...", executor=SimulatedExecutor(workers),
  n_trials=..., algo="random", pruner="asha:min_resource=1,reduction_factor=3", seed=...)`` on an
  in-memory Optuna storage, then ``.start()`` (blocking). Each trial is a real trial body (it
  samples the six edge ops with ``oneof``, then per epoch calls ``elapse`` with the table's epoch
  time and ``report``\\ s the table's validation accuracy); the pruner is Optuna's
  ``SuccessiveHalvingPruner``; the simulated clock is exact (each report happens at its simulated
  time, in order across workers; a pruned trial frees its worker at that time). Timed:
  ``.start()`` (the search) and ``Search(...)`` (opening it) apart.
* **peer**: Syne Tune 0.16.0's simulator (``UserBlackboxBackend`` over a ``BlackboxTabular`` of
  the same table, ``baselines.ASHA`` with random search, the same grace period, reduction factor
  and ``max_t``, ``Tuner(sleep_time=0, callbacks=[SimulatorCallback()])``): see
  ``bench/_synetune_asha.py`` for exactly what is run (and ``bench/_synetune.py`` for how its
  clock works). Timed: ``Tuner.run()``.
  Skipped, with the reason printed, when Syne Tune is not installed (``pip install -e
  ".[bench]"``).

Each side first runs one untimed 100-trial search (imports and caches warm up), then the two
sides take turns, ``--reps`` times each (seeds 0, 1, ...: a load that comes and goes on the
machine falls on both), each search after a garbage collection that freezes what is left out of
the collector's sight (otherwise a search pays for collections that walk the other library's
objects: about 40 % more wall time for ours after a Syne Tune run); the table shows the median
wall time, trials per second, the simulated time at the end and the best final validation
accuracy found; the ratio is the peer's median wall time over ours. Results go to stdout and to
``bench/results/simulator.json``.

``--quick`` runs 100 trials once on a synthetic table of the same shape (a smoke test of the
script). Run it with the project's virtualenv: ``.venv/bin/python bench/simulator.py``.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from _environment import environment  # noqa: E402

import nas_notebook as nb  # noqa: E402
from nas_notebook.benchmarks import TABLE_PATH, TabulatedBenchmark  # noqa: E402
from nas_notebook.executors import SimulatedExecutor  # noqa: E402
from nas_notebook.testing import synthetic_table  # noqa: E402

DEFAULT_JSON = ROOT / "bench" / "results" / "simulator.json"
GRACE, REDUCTION = 1, 3


def run_ours(
    table: Path, trials: int, workers: int, seed: int, table_seed: int | str = 0
) -> dict[str, Any]:
    """One search of ours; its timings and outcome."""
    from optuna.trial import TrialState

    start = time.perf_counter()
    search = nb.Search(
        benchmark=f"nas201_digits:path={table},seed={table_seed!r}",
        executor=SimulatedExecutor(workers=workers),
        n_trials=trials,
        algo="random",
        pruner=f"asha:min_resource={GRACE},reduction_factor={REDUCTION}",
        seed=seed,
    )
    opened = time.perf_counter()
    search.start()
    done = time.perf_counter()
    states = [t.state for t in search.trials]
    return {
        "setup_s": opened - start,
        "tuning_s": done - opened,
        "trials": len(states),
        "complete": states.count(TrialState.COMPLETE),
        "pruned": states.count(TrialState.PRUNED),
        "failed": states.count(TrialState.FAIL),
        "sim_time": search.executor.now,
        "best_valid_acc": search.best.value,
    }


def run_peer(
    table: Path, trials: int, workers: int, seed: int, table_seed: int | str = 0
) -> dict[str, Any]:
    """One Syne Tune run (see ``bench/_synetune_asha.py``)."""
    from _synetune_asha import run_synetune_asha

    result = run_synetune_asha(
        table,
        n_trials=trials,
        workers=workers,
        seed=seed,
        table_seed=table_seed,
        grace_period=GRACE,
        reduction_factor=REDUCTION,
    )
    return {
        "setup_s": result["setup_s"] + result["load_s"],
        "import_s": result["import_s"],
        "tuning_s": result["tuning_s"],
        "trials": result["trials_finished"],
        "complete": result["trials_completed"],
        "pruned": result["trials_stopped"],
        "failed": 0,
        "sim_time": result["sim_time"],
        "best_valid_acc": result["best_valid_acc"],
    }


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the repetitions."""
    wall = statistics.median(r["tuning_s"] for r in runs)
    return {
        "tuning_s": wall,
        "trials_per_s": statistics.median(r["trials"] / r["tuning_s"] for r in runs),
        "sim_time": statistics.median(r["sim_time"] for r in runs),
        "best_valid_acc": statistics.median(r["best_valid_acc"] for r in runs),
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", type=Path, default=None, help="the table (default: shipped)")
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--no-peer", action="store_true", help="run ours only")
    parser.add_argument("--quick", action="store_true", help="100 trials on a synthetic table")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    scratch = tempfile.TemporaryDirectory()
    table = args.table or TABLE_PATH
    if args.quick:
        table = Path(scratch.name) / "synthetic.npz"
        synthetic_table(table, epochs=10)
        args.trials, args.reps = min(args.trials, 100), 1
    bench = TabulatedBenchmark(table)
    meta, table_seed = bench.meta, bench.default_seed
    print(
        f"{args.trials} trials, {args.workers} simulated workers, random search + ASHA "
        f"(grace {GRACE}, reduction {REDUCTION}) on {table.name} (seed {table_seed!r})"
    )

    runners = {"ours": run_ours}
    peer_reason: str | None = "--no-peer"
    if not args.no_peer:
        from _synetune import SYNETUNE_VERSION, synetune_available

        peer_reason = synetune_available()
        if peer_reason is None:
            runners["syne_tune"] = run_peer
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in runners}
    if not args.quick:  # each side's first search pays one-off costs (imports, caches): untimed
        for run in runners.values():
            run(table, min(args.trials, 100), args.workers, 0, table_seed)
    # The sides take turns, so a load that comes and goes on the machine falls on both.
    for seed in range(args.reps):
        for name, run in runners.items():
            # What the other side left on the heap is set aside (collected, the rest frozen out
            # of the collector's sight): each search's garbage collections see its own objects
            # only, as in a process that runs it alone.
            gc.collect()
            gc.freeze()
            try:
                runs[name].append(run(table, args.trials, args.workers, seed, table_seed))
            finally:
                gc.unfreeze()
    sides: dict[str, Any] = {name: summarize(side) for name, side in runs.items()}
    if "syne_tune" in sides:
        sides["syne_tune"]["version"] = SYNETUNE_VERSION

    print(f"{'':12} {'wall s':>8} {'trials/s':>9} {'sim time s':>11} {'best valid':>11}")
    for name, side in sides.items():
        print(
            f"{name:12} {side['tuning_s']:8.2f} {side['trials_per_s']:9.0f} "
            f"{side['sim_time']:11.0f} {side['best_valid_acc']:11.4f}"
        )
    results: dict[str, Any] = {
        "benchmark": "simulator",
        "config": {
            "trials": args.trials,
            "workers": args.workers,
            "reps": args.reps,
            "quick": args.quick,
            "table": str(table) if not args.quick else "synthetic",
            "table_sha256": meta["sha256"],
            "grace_period": GRACE,
            "reduction_factor": REDUCTION,
        },
        "environment": environment(),
        **sides,
    }
    if "syne_tune" in sides:
        ratio = sides["syne_tune"]["tuning_s"] / sides["ours"]["tuning_s"]
        results["ratio_peer_over_ours"] = ratio
        print(f"ours is {ratio:.1f}x faster than Syne Tune's simulator (median wall time)")
    else:
        results["peer_skipped"] = peer_reason
        print(f"Syne Tune not run: {peer_reason}")
    target = sides["ours"]["tuning_s"] < 5.0
    print(f"target < 5 s for ours: {'met' if target else 'NOT met'}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1, default=str))
    scratch.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
