"""Simulated-time searches on the tabulated benchmark: nas_notebook against Syne Tune, same run.

What is measured
----------------
Both sides replay the same table (``nas_notebook/benchmarks/data/nas201_digits.npz`` unless
``--table``; its first seed, or the mean of a table that keeps only the mean) with ``--workers``
simulated workers (8) and ``--trials`` trials (1,000 and 4,000: each count is a run of its own)
of random search under stopping-type asynchronous successive halving (ASHA): one bracket, grace
period 1 epoch, reduction factor 3, so rungs at 1, 3 and 9 of the 10 epochs.

* **ours**: ``Search(benchmark="nas201_digits:path=...", executor=SimulatedExecutor(workers),
  n_trials=..., algo="random", pruner="asha:min_resource=1,reduction_factor=3", seed=...)`` on an
  in-memory Optuna storage, then ``.start()`` (blocking). Each trial is a real trial body (it
  samples the six edge ops with ``oneof``, then per epoch calls ``elapse`` with the table's epoch
  time and ``report``\\ s the table's validation accuracy); the pruner is our
  ``AsyncSuccessiveHalving`` (Optuna's ``SuccessiveHalvingPruner`` with the rungs read
  incrementally); the simulated clock is exact (each report happens at its simulated time, in
  order across workers; a pruned trial frees its worker at that time). Timed: ``.start()`` (the
  search) and ``Search(...)`` (opening it) apart.
* **peer**: Syne Tune 0.16.0's simulator (``UserBlackboxBackend`` over a ``BlackboxTabular`` of
  the same table, ``baselines.ASHA`` with random search, the same grace period, reduction factor
  and ``max_t``, ``Tuner(sleep_time=0, callbacks=[SimulatorCallback()])``): see
  ``bench/_synetune_asha.py`` for exactly what is run (and ``bench/_synetune.py`` for how its
  clock works). Timed: ``Tuner.run()``.
  Skipped, with the reason printed, when Syne Tune is not installed (``pip install -e
  ".[bench]"``).
* **optuna loop**, the data layer's own cost: Optuna's ask/tell loop over the same table, one
  trial at a time with no clock (``study.ask()``, six ``suggest_categorical``, per epoch
  ``report`` and ``should_prune`` until pruned, ``study.tell``), Optuna's ``RandomSampler`` and
  the same pruner, in-memory storage. It is not a simulator (one worker, so other trials are
  pruned): it is what the Optuna calls alone cost, a floor for any simulator that keeps its
  trials in an Optuna study.

Each side first runs one untimed 100-trial search (imports and caches warm up), then the sides
take turns, ``--reps`` times each (seeds 0, 1, ...: a load that comes and goes on the machine
falls on all), each search after a garbage collection that freezes what is left out of the
collector's sight (otherwise a search pays for collections that walk the other library's
objects: about 40 % more wall time for ours after a Syne Tune run); per trial count, the table
shows the median wall time, microseconds per trial, the simulated time at the end and the best
final validation accuracy found; the ratio is the peer's median wall time over ours. Results go
to stdout and to ``bench/results/simulator.json``.

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
from nas_notebook.algorithms import AsyncSuccessiveHalving  # noqa: E402
from nas_notebook.benchmarks import (  # noqa: E402
    EDGES,
    OPS,
    TABLE_PATH,
    TabulatedBenchmark,
    cell_index,
    edge_name,
)
from nas_notebook.executors import SimulatedExecutor  # noqa: E402
from nas_notebook.testing import synthetic_table  # noqa: E402

DEFAULT_JSON = ROOT / "bench" / "results" / "simulator.json"
GRACE, REDUCTION = 1, 3


def run_ours(
    table: Path, trials: int, workers: int, seed: int, table_seed: int | str = 0
) -> dict[str, Any]:
    """One search of ours; its timings and outcome."""
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
    return _outcome(
        (start, opened, done), search.trials, search.executor.now, search.best.value
    )


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


def run_optuna_loop(
    table: Path, trials: int, workers: int, seed: int, table_seed: int | str = 0
) -> dict[str, Any]:
    """Optuna's own ask/tell loop over the table, one trial at a time (``workers`` unused: no
    clock); what the Optuna calls of ``trials`` trials cost."""
    import optuna
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # as our searches run
    accuracy = TabulatedBenchmark(table).values("valid_acc", table_seed)
    names = [edge_name(edge) for edge in EDGES]
    start = time.perf_counter()
    study = optuna.create_study(
        direction="maximize",
        sampler=optuna.samplers.RandomSampler(seed=seed),
        pruner=AsyncSuccessiveHalving(min_resource=GRACE, reduction_factor=REDUCTION),
    )
    opened = time.perf_counter()
    for _ in range(trials):
        trial = study.ask()
        curve = accuracy[cell_index([trial.suggest_categorical(n, OPS) for n in names])]
        for epoch, value in enumerate(curve, 1):
            trial.report(float(value), epoch)
            if trial.should_prune():
                study.tell(trial, state=TrialState.PRUNED)
                break
        else:
            study.tell(trial, float(curve[-1]))
    done = time.perf_counter()
    return _outcome(
        (start, opened, done), study.get_trials(deepcopy=False), float("nan"), study.best_value
    )


def _outcome(
    times: tuple[float, float, float], trials: list[Any], sim_time: float, best: float
) -> dict[str, Any]:
    """One search's record: its timings (started, opened, done), trial states and result."""
    from optuna.trial import TrialState

    start, opened, done = times
    states = [t.state for t in trials]
    return {
        "setup_s": opened - start,
        "tuning_s": done - opened,
        "trials": len(states),
        "complete": states.count(TrialState.COMPLETE),
        "pruned": states.count(TrialState.PRUNED),
        "failed": states.count(TrialState.FAIL),
        "sim_time": sim_time,
        "best_valid_acc": best,
    }


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the repetitions."""
    wall = statistics.median(r["tuning_s"] for r in runs)
    return {
        "tuning_s": wall,
        "trials_per_s": statistics.median(r["trials"] / r["tuning_s"] for r in runs),
        "us_per_trial": statistics.median(1e6 * r["tuning_s"] / r["trials"] for r in runs),
        "sim_time": statistics.median(r["sim_time"] for r in runs),
        "best_valid_acc": statistics.median(r["best_valid_acc"] for r in runs),
        "runs": runs,
    }


def measure(
    runners: dict[str, Any], table: Path, trials: int, args: argparse.Namespace, table_seed: Any
) -> dict[str, Any]:
    """``--reps`` searches of ``trials`` trials by each runner, taking turns; their summaries."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in runners}
    for seed in range(args.reps):
        for name, run in runners.items():
            # What the other side left on the heap is set aside (collected, the rest frozen out
            # of the collector's sight): each search's garbage collections see its own objects
            # only, as in a process that runs it alone.
            gc.collect()
            gc.freeze()
            try:
                runs[name].append(run(table, trials, args.workers, seed, table_seed))
            finally:
                gc.unfreeze()
    return {name: summarize(side) for name, side in runs.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", type=Path, default=None, help="the table (default: shipped)")
    parser.add_argument("--trials", type=int, nargs="+", default=[1000, 4000])
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
        args.trials, args.reps = [min(min(args.trials), 100)], 1
    bench = TabulatedBenchmark(table)
    meta, table_seed = bench.meta, bench.default_seed
    print(
        f"{args.workers} simulated workers, random search + ASHA (grace {GRACE}, reduction "
        f"{REDUCTION}) on {table.name} (seed {table_seed!r})"
    )
    runners: dict[str, Any] = {"ours": run_ours}
    peer_reason: str | None = "--no-peer"
    if not args.no_peer:
        from _synetune import SYNETUNE_VERSION, synetune_available

        peer_reason = synetune_available()
        if peer_reason is None:
            runners["syne_tune"] = run_peer
    runners["optuna_loop"] = run_optuna_loop
    if not args.quick:  # each side's first search pays one-off costs (imports, caches): untimed
        for run in runners.values():
            run(table, 100, args.workers, 0, table_seed)
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
        "sizes": {},
    }
    if "syne_tune" not in runners:
        results["peer_skipped"] = peer_reason
        print(f"Syne Tune not run: {peer_reason}")
    else:
        results["syne_tune_version"] = SYNETUNE_VERSION
    lines = []
    for trials in args.trials:
        sides = measure(runners, table, trials, args, table_seed)
        results["sizes"][str(trials)] = sides
        print(f"\n{trials} trials")
        print(f"{'':12} {'wall s':>8} {'us/trial':>9} {'sim time s':>11} {'best valid':>11}")
        for name, side in sides.items():
            print(
                f"{name:12} {side['tuning_s']:8.2f} {side['us_per_trial']:9.0f} "
                f"{side['sim_time']:11.0f} {side['best_valid_acc']:11.4f}"
            )
        floor = sides["ours"]["tuning_s"] / sides["optuna_loop"]["tuning_s"]
        sides["ours_over_optuna_loop"] = floor
        print(f"ours takes {floor:.2f}x the time of Optuna's own ask/tell calls for as many trials")
        if "syne_tune" in sides:
            ratio = sides["syne_tune"]["tuning_s"] / sides["ours"]["tuning_s"]
            sides["ratio_peer_over_ours"] = ratio
            print(f"ours is {ratio:.1f}x faster than Syne Tune's simulator (median wall time)")
            met = "MET   " if ratio >= 5 else "MISSED"
            lines.append(f"{met} {trials} trials: ours at least 5x faster than Syne Tune's "
                         f"simulator ({ratio:.1f}x)")  # fmt: skip
        wall = sides["ours"]["tuning_s"]
        lines.append(f"{'MET   ' if wall < 5 else 'MISSED'} {trials} trials: ours in under 5 s "
                     f"({wall:.2f} s)")  # fmt: skip
    print()
    print("\n".join(lines))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=1, default=str))
    scratch.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
