"""Search quality on the tabulated benchmark: anytime regret of every algorithm against random
search, at equal simulated budget, over several seeds.

What is measured
----------------
Each registered algorithm (``nas_notebook.algorithms.sampler_names()``) alone, random search with
each multi-fidelity scheduler (ASHA stopping and promotion types, Hyperband, median), and BOHB
and DEHB on the same Hyperband brackets (told the table's epochs as their maximum, as Syne
Tune's are) -- or the configurations given with ``--configs``
(``ALGO+PRUNER``, e.g. ``tpe+asha``) -- search the tabulated benchmark
(``Search(benchmark="nas201_digits:path=...,seed=S")``, the table's training seed ``S`` = the
first in the table unless ``--table-seed``; ``--table-seed mean`` searches the mean over the
table's seeds, a less noisy landscape) with the simulated executor: ``--workers`` (8)
simulated workers and a simulated time budget of ``--budget`` (10) times the table's mean full
training time *per worker* (so 8 workers get about 80 full trainings' worth of time). No trial
starts after the budget; each run uses algorithm seed 0, 1, ... ``--seeds - 1`` (10).

Why 10: the table has 4,930 distinct cells and a few percent of them are within the seed noise
of the best, so at 50 trainings per worker (about 400 trainings) random search itself ends a
few thousandths from the optimum and the differences between algorithms fall below the table's
noise; the Gaussian process (cubic in the trials) then also takes over an hour of wall time.
Larger budgets remain one option away (``--budget 50``).

Regret at simulated time ``t`` is the best final validation accuracy in the table (that seed)
minus the best final validation accuracy among the trials *completed* by ``t`` (a pruned trial
never counts: it has no final value). The incumbent's test accuracy is read from the table too.
Printed per configuration: trials run, final regret (mean +- std over seeds), regret at a
quarter and half of the budget, the incumbent's test accuracy, and how the final regret compares
with random search alone (``vs random``: mean final regret of random / of the configuration;
above 1 is better than random; ``wins``: seeds on which it ended strictly below random's regret
for the same seed). The anytime regret curves (mean over seeds, log scale) go to
``bench/results/search_quality.html`` (plotly, self-contained), the figures to
``bench/results/search_quality.json``.

Against Syne Tune: its own ASHA, asynchronous Hyperband, BOHB and random search run on the same
table, landscape and budget in its simulator (``synetune+METHOD``, see ``_synetune_quality``;
``--no-peer`` leaves them out), and each is set against ours of the same method (random search
with ASHA or Hyperband, BOHB, random search): final regret peer / ours, the mean difference of
the final regrets seed by seed (peer - ours) with its standard error (at 10 seeds a difference
of a few thousandths is often within twice it: ``--seeds 60`` resolves more), the seeds on which
ours ended nearer the optimum, and the anytime regret (the mean of the mean curve over the grid,
where both have completed a trial) peer / ours; over 1 means ours did better.

``--quick`` runs random search with and without ASHA (and Syne Tune's ASHA) on a synthetic
table, 2 seeds, a small budget: a smoke test of the script. Run it with the project's virtualenv:
``.venv/bin/python bench/search_quality.py``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import numpy as np  # noqa: E402
import optuna  # noqa: E402
from _environment import environment  # noqa: E402
from _incumbent import incumbents  # noqa: E402
from _paired import paired_difference  # noqa: E402
from _synetune import synetune_available  # noqa: E402
from optuna.trial import TrialState  # noqa: E402

import nas_notebook as nb  # noqa: E402
from nas_notebook.algorithms import sampler_names  # noqa: E402
from nas_notebook.benchmarks import (  # noqa: E402
    EDGES,
    TABLE_PATH,
    TableBody,
    TabulatedBenchmark,
    cell_index,
    edge_name,
)
from nas_notebook.executors import SimulatedExecutor, simulated_timeline  # noqa: E402
from nas_notebook.testing import synthetic_table  # noqa: E402

DEFAULT_JSON = ROOT / "bench" / "results" / "search_quality.json"
#: Options that make a pruner fit the table: resources are epochs (1..E). Hyperband is told E,
#: as Syne Tune's is (``max_t``): left to find it, Optuna's prunes nothing until a first trial
#: has trained every epoch, which costs 8 workers a full training each at the start.
PRUNER_OPTIONS = {
    "asha": "min_resource=1,reduction_factor=3",
    "asha-promotion": "type=promotion,min_resource=1,reduction_factor=3",
    "hyperband": "min_resource=1,reduction_factor=3,max_resource={epochs}",
    "median": "n_startup_trials=5,n_warmup_steps=1",
}
GRID = 60


#: Ours -> Syne Tune's implementation of the same method (``synetune+METHOD``).
PEER_OF = {
    "random+none": "synetune+random",
    "random+asha": "synetune+asha",
    "random+hyperband": "synetune+hyperband",
    "bohb+hyperband": "synetune+bohb",
}


def configurations(specs: list[str] | None, peer: bool = True) -> list[tuple[str, str]]:
    """(algorithm, pruner) pairs, random search alone first. ``pruner`` is a registered name,
    ``asha-promotion``, ``none``, or ``default`` (the pruner the algorithm comes with);
    ``synetune+METHOD`` is Syne Tune's ``METHOD`` (see ``_synetune_quality``)."""
    if specs:
        pairs = [tuple(spec.split("+", 1)) if "+" in spec else (spec, "none") for spec in specs]
    else:
        pairs = [(a, "none") for a in sampler_names() if a not in ("bohb", "dehb")]
        pairs += [("random", p) for p in ("asha", "asha-promotion", "hyperband", "median")]
        pairs += [("bohb", "hyperband"), ("dehb", "hyperband")]
        if peer:
            pairs += [tuple(name.split("+")) for name in PEER_OF.values()]
    result = [(str(a), str(p)) for a, p in pairs]
    if ("random", "none") in result:
        result.remove(("random", "none"))
    return [("random", "none"), *result]


def run_one(
    table: Path,
    table_seed: int | str,
    algo: str,
    pruner: str,
    seed: int,
    workers: int,
    budget: float,
    options: str = "",
) -> dict[str, Any]:
    """One search; its incumbent (best completed value so far) over simulated time.
    ``options``: more of the benchmark's options (``,prior=CELL``...)."""
    if algo == "synetune":
        from _synetune_quality import run_synetune_method

        return run_synetune_method(pruner, table, table_seed, seed, workers, budget)
    name = "asha" if pruner == "asha-promotion" else pruner
    spec = (
        f"{name}:{PRUNER_OPTIONS[pruner]}".format(epochs=TableBody(table).steps)
        if pruner in PRUNER_OPTIONS
        else pruner
    )
    start = time.perf_counter()
    search = nb.Search(
        benchmark=f"nas201_digits:path={table},seed={table_seed!r}{options}",
        # Named, so that a run repeats: Optuna's Hyperband places trials in brackets by a
        # checksum of the study's name (an unnamed study gets a random one).
        name=f"{algo}-{pruner}-{seed}",
        executor=SimulatedExecutor(workers=workers, time_budget=budget),
        algo=algo,
        pruner=None if pruner == "default" else spec,
        seed=seed,
    ).start()
    wall = time.perf_counter() - start
    trials = {t.number: t for t in search.trials}
    # A trial's last stretch of work ends when it did (earlier ones, if any, are PAUSED).
    timeline = simulated_timeline(search)
    ended = timeline[timeline["state"] == TrialState.COMPLETE.name]
    done = sorted(
        (float(end), t.value, cell_index([t.params[edge_name(e)] for e in EDGES]))
        for number, end in zip(ended["number"], ended["end"])
        if (t := trials[int(number)]).value is not None
    )
    return {
        "trials": len(search.trials),
        "pruned": sum(t.state == TrialState.PRUNED for t in search.trials),
        "wall_s": wall,
        **incumbents(done),
    }


def _run_task(task: tuple[Any, ...]) -> dict[str, Any]:
    # Optuna warns at every trial that CMA-ES samples categorical decisions at random.
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    return run_one(*task)


def regret_curve(run: dict[str, Any], grid: np.ndarray, optimum: float) -> np.ndarray:
    """Regret at each time of ``grid`` (the optimum's regret, i.e. NaN, before any completion)."""
    index = np.searchsorted(run["ends"], grid, side="right") - 1
    best = np.asarray(run["best"], dtype=float)
    values = np.where(index >= 0, best[np.maximum(index, 0)] if len(best) else np.nan, np.nan)
    return optimum - values


def _nanmean(curves: np.ndarray) -> np.ndarray:
    """Mean over seeds, NaN where no seed has completed a trial yet."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(curves, axis=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", type=Path, default=None, help="the table (default: shipped)")
    parser.add_argument(
        "--table-seed",
        type=lambda text: text if text == "mean" else int(text),
        default=None,
        help="the table's seed, or 'mean' (the mean over its seeds: less noise); default: first",
    )
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--budget", type=float, default=10.0, help="full trainings per worker")
    parser.add_argument(
        "--configs", nargs="*", default=None, help="ALGO or ALGO+PRUNER (default: see above)"
    )
    parser.add_argument("--jobs", type=int, default=1, help="runs in parallel processes")
    parser.add_argument("--no-peer", action="store_true", help="leave Syne Tune out")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--html", type=Path, default=None, help="default: next to the JSON")
    args = parser.parse_args(argv)
    scratch = tempfile.TemporaryDirectory()
    table = args.table or TABLE_PATH
    if args.quick:
        table = Path(scratch.name) / "synthetic.npz"
        synthetic_table(table, epochs=10)
        args.seeds, args.budget = 2, 10.0
        quick_peer = [] if args.no_peer or synetune_available() else ["synetune+asha"]
        args.configs = args.configs or ["random", "random+asha", *quick_peer]
    bench = TabulatedBenchmark(table)
    table_seed = bench.default_seed if args.table_seed is None else args.table_seed
    final_valid = bench.values("valid_acc", table_seed)[:, -1]
    test = bench.values("test_acc", table_seed)
    optimum = float(np.nanmax(final_valid))
    mean_training = float(np.nanmean(bench.values("time", table_seed)[:, -1]))
    budget = args.budget * mean_training
    reason = synetune_available()
    if reason and not args.no_peer:
        print(f"Syne Tune left out: {reason}")
    pairs = configurations(args.configs, peer=not args.no_peer and reason is None)
    print(
        f"{len(pairs)} configurations x {args.seeds} seeds, {args.workers} simulated workers, "
        f"budget {budget:.0f} simulated s ({args.budget:g} mean trainings of "
        f"{mean_training:.2f} s per worker); best valid acc in the table {optimum:.4f}"
    )
    grid = np.geomspace(budget / 100, budget, GRID)
    results: dict[str, Any] = {}
    tasks = [
        (table, table_seed, algo, pruner, seed, args.workers, budget)
        for algo, pruner in pairs
        for seed in range(args.seeds)
    ]
    if args.jobs > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(args.jobs) as pool:
            done = list(pool.map(_run_task, tasks))
    else:
        done = [_run_task(task) for task in tasks]
    for index, (algo, pruner) in enumerate(pairs):
        runs = done[index * args.seeds : (index + 1) * args.seeds]
        curves = np.array([regret_curve(run, grid, optimum) for run in runs])
        final = curves[:, -1]
        incumbents = [run["cells"][-1] if run["cells"] else None for run in runs]
        results[f"{algo}+{pruner}"] = {
            "algo": algo,
            "pruner": pruner,
            "trials": float(np.mean([r["trials"] for r in runs])),
            "pruned": float(np.mean([r["pruned"] for r in runs])),
            "wall_s": float(np.mean([r["wall_s"] for r in runs])),
            "final": final.tolist(),
            "quarter": curves[:, np.searchsorted(grid, budget / 4)].tolist(),
            "half": curves[:, np.searchsorted(grid, budget / 2)].tolist(),
            "test_acc": [float(test[c]) if c is not None else math.nan for c in incumbents],
            "curve_mean": _nanmean(curves).tolist(),
        }
        print(f"  {algo}+{pruner}: {np.nanmean(final):.4f}", flush=True)
    baseline = np.asarray(results["random+none"]["final"])

    def stat(values: list[float]) -> str:
        a = np.asarray(values, dtype=float)
        return f"{np.nanmean(a):.4f} +- {np.nanstd(a):.4f}"

    header = (
        f"{'configuration':24} {'trials':>7} {'final regret':>17} {'at 1/4':>8} {'at 1/2':>8} "
        f"{'test acc':>9} {'vs random':>9} {'wins':>5} {'wall s':>7}"
    )
    print(header)
    for name, r in results.items():
        final = np.asarray(r["final"], dtype=float)
        mean = float(np.nanmean(final))
        ratio = float(np.nanmean(baseline)) / mean if mean > 0 else math.inf
        wins = int(np.sum(final < baseline))
        r["vs_random"], r["wins"] = ratio, wins
        print(
            f"{name:24} {r['trials']:7.0f} {stat(r['final']):>17} "
            f"{np.nanmean(r['quarter']):8.4f} {np.nanmean(r['half']):8.4f} "
            f"{np.nanmean(r['test_acc']):9.4f} {ratio:9.2f} {wins:>2}/{args.seeds:<2} "
            f"{r['wall_s']:7.2f}"
        )
    compared = compare_with_peer(results, args.seeds)
    payload = {
        "benchmark": "search_quality",
        "versus_synetune": compared,
        "config": {
            "table": "synthetic" if args.quick else str(table),
            "table_sha256": bench.meta["sha256"],
            "table_seed": table_seed,
            "seeds": args.seeds,
            "workers": args.workers,
            "budget_trainings_per_worker": args.budget,
            "budget_s": budget,
            "optimum": optimum,
            "grid": grid.tolist(),
        },
        "environment": environment(),
        "results": results,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(payload, indent=1))
    html = args.html or args.json.with_suffix(".html")
    write_plot(html, grid, results, args)
    print(f"figures: {args.json}; plot: {html}")
    scratch.cleanup()
    return 0


def compare_with_peer(results: dict[str, Any], seeds: int) -> dict[str, Any]:
    """Ours against Syne Tune's same method: final regret (peer / ours: over 1, ours ended
    nearer the optimum; and the mean paired difference peer - ours with its standard error over
    the seeds), seeds on which ours ended strictly nearer, and the regret area under
    the anytime curve (its mean over the log-spaced grid where both curves are defined, peer /
    ours)."""
    compared: dict[str, Any] = {}
    lines = []
    for ours, peer in PEER_OF.items():
        if ours not in results or peer not in results:
            continue
        a, b = (np.asarray(results[k]["final"], dtype=float) for k in (ours, peer))
        # Over the times at which both have completed a trial (before that a curve is NaN,
        # and one whose first completion came later would skip its worst stretch).
        curves = [np.asarray(results[k]["curve_mean"], dtype=float) for k in (ours, peer)]
        both = ~np.isnan(curves[0]) & ~np.isnan(curves[1])
        area = [float(c[both].mean()) if both.any() else math.nan for c in curves]
        # Per seed, then over the seeds: whether so many seeds resolve the difference.
        diff_mean, diff_se = paired_difference(b, a)
        row = {
            "peer": peer,
            "final_diff": float(diff_mean),
            "final_diff_se": float(diff_se),
            "final_ours": float(np.nanmean(a)),
            "final_peer": float(np.nanmean(b)),
            "final_ratio": float(np.nanmean(b) / np.nanmean(a)) if np.nanmean(a) > 0 else math.inf,
            "wins": int(np.sum(a < b)),
            "ties": int(np.sum(a == b)),
            "anytime_ratio": area[1] / area[0] if area[0] > 0 else math.inf,
        }
        compared[ours] = row
        lines.append(
            f"{ours:24} vs {peer:20} final regret {row['final_ours']:.4f} vs "
            f"{row['final_peer']:.4f} (peer/ours {row['final_ratio']:.2f}; peer - ours "
            f"{row['final_diff']:+.4f} +- {row['final_diff_se']:.4f}), ours nearer on "
            f"{row['wins']}/{seeds} seeds ({row['ties']} ties), anytime regret peer/ours "
            f"{row['anytime_ratio']:.2f}"
        )
    if lines:
        print("ours against Syne Tune's same method (over 1: ours better):")
        print("\n".join(lines))
    return compared


def write_plot(path: Path, grid: np.ndarray, results: dict[str, Any], args: Any) -> None:
    """Mean anytime regret per configuration, log-log, as a self-contained HTML file."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, r in results.items():
        fig.add_trace(
            go.Scatter(
                x=grid,
                y=r["curve_mean"],
                mode="lines",
                name=name,
                line={"width": 3 if name == "random+none" else 1.5},
            )
        )
    fig.update_layout(
        title=f"Anytime regret, mean over {args.seeds} seeds, {args.workers} simulated workers",
        xaxis={"title": "simulated time (s)", "type": "log"},
        yaxis={"title": "regret (validation accuracy)", "type": "log"},
        template="plotly_white",
    )
    fig.write_html(path, include_plotlyjs=True, full_html=True)


if __name__ == "__main__":
    raise SystemExit(main())
