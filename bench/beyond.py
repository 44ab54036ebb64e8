"""Beyond the peers, measured on the tabulated benchmark: priors written inline.

What is measured
----------------
Each run searches the tabulated benchmark (``nas201_digits``, the table's landscape as in
``search_quality.py``) with the simulated executor: ``--workers`` (8) simulated workers, a
simulated budget of ``--budget`` (10) mean full trainings per worker, seeds ``0 ..
--seeds - 1`` (10). Regret is the best final validation accuracy of the landscape minus the
incumbent's (the best completed trial so far).

**Priors.** The benchmark's six edge decisions are written with ``prior=`` the ops of a cell
(``nas201_digits:prior=CELL``, confidence medium): a *good* prior is a cell drawn at random
(per seed) from the landscape's top 5 %, a *misleading* one from its bottom 10 %. Random search
and TPE run with no prior, the good one and the misleading one, and so does PriorBand (``--algo
priorband``, with its ASHA pruner: compare it with random search with ASHA in the learning-curve
part). Printed per configuration: the
final regret (mean over seeds), its ratio to random search's without a prior, and the share of
the budget after which the mean regret curve is at or below random search's final regret
("reaches random's final"). Targets, for TPE (the default algorithm): with a good prior,
random's final regret within a quarter of the budget; with a misleading one, a final regret no
worse than 1.2 times random's. Random search with priors is reported beside it: it has nothing
but the fading prior to go by, so a misleading prior costs it more.

**Warm start.** On a table with two training seeds (two landscapes of the same cells; the
shipped single-run table when ``--table`` keeps only the mean over its runs), random search
runs ``--warm-trials`` (80) trials on the first; TPE then searches the second, warm-started
from it (``warm_start=``), against random search on the second for as many trials. Printed:
random search's final regret on the second landscape, and the trial (of the warm-started
search's own, mean incumbent regret over the seeds) at which that regret is reached. Target:
within half the trials.

**Learning curves.** Random search with the learning-curve pruner (``curve``, and its
``model=families`` beside it), the median pruner and ASHA (stopping type), on the same landscape
and budget as the priors.
Target: the lowest final regret of the three for ``curve``.

**DEHB.** Ours (``--algo dehb``: differential evolution with Hyperband) beside BOHB and
random search with Hyperband, on the same landscape and budget.

**NePS** (``--with-neps``): our piBO (``--algo gp`` with the priors, and beside it TPE with
them) against NePS 0.17's piBO (Bayesian optimization without a prior), both with the same
prior density (NePS's ``high`` is our default ``medium``: ``_neps_peer.NEPS_CONFIDENCE``;
telling both "medium" would hand NePS a weaker prior), one evaluation at a time for
``--neps-evaluations`` (40) over ``--neps-seeds`` (10), NePS in a virtualenv of its own that
the bench makes on first use (``_neps_peer``); the regret after each quarter of the
evaluations, side by side, and NePS's minus ours seed by seed with its standard error
(``_beyond_pibo``). Then ours (``--algo priorband``) against NePS's PriorBand, with the same
prior density, one worker each, the DEHB part's training time, ``--priorband-seeds`` seeds
(30: with 10, the standard error of a quarter's mean regret, about 0.002, is as large as the
differences measured; a search costs NePS seconds) (``_beyond_priorband``). Target: ours at
least as near the optimum as NePS at every quarter, with the good and the misleading prior.
A NePS piBO search of 40 evaluations takes about 30 s here, so NePS is not part of the default
run; ``--neps-jobs N`` runs N of its searches at once, in processes of their own, while ours run.

**The dehb package** (DEHB 0.1.2, in a virtualenv of its own that the bench makes on first
use, ``_dehb_peer``): ours against it with one worker each and the same training time (the
workers' total above), see ``_beyond_dehb``. Target: ours' final regret at most the package's.
``--no-peers`` leaves it out.

``--quick``: a synthetic table, 2 seeds, 20 warm-start trials: a smoke test of the script. Run it
with the project's virtualenv: ``.venv/bin/python bench/beyond.py``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import numpy as np  # noqa: E402
import optuna  # noqa: E402
from _beyond_pibo import own_regrets  # noqa: E402
from _environment import environment  # noqa: E402
from search_quality import GRID, _nanmean, regret_curve, run_one  # noqa: E402

import nas_notebook as nb  # noqa: E402
from nas_notebook.benchmarks import (  # noqa: E402
    TABLE_PATH,
    TabulatedBenchmark,
)
from nas_notebook.testing import synthetic_table  # noqa: E402

DEFAULT_JSON = ROOT / "bench" / "results" / "beyond.json"
TOP, BOTTOM = 0.05, 0.10
GOOD_BY, MISLEADING_AT_MOST = 0.25, 1.2
#: The algorithm the targets are about: the default one (``--algo tpe``). Random search with
#: priors is reported beside it (it has no evidence but the fading prior to go by).
TARGET_ALGO = "tpe"
DEHB_NOTE = "(trained from scratch at each fidelity, as the package does) "


def prior_cells(final: np.ndarray, seed: int) -> dict[str, int]:
    """The good and misleading prior cells of ``seed``: random cells of the landscape's top
    :data:`TOP` and bottom :data:`BOTTOM` (by final validation accuracy)."""
    order = np.argsort(final[~np.isnan(final)])
    cells = np.flatnonzero(~np.isnan(final))[order]
    rng = np.random.default_rng(seed)
    top = cells[-max(1, int(TOP * len(cells))) :]
    bottom = cells[: max(1, int(BOTTOM * len(cells)))]
    return {"good": int(rng.choice(top)), "misleading": int(rng.choice(bottom))}


def reached(curve: np.ndarray, grid: np.ndarray, level: float, budget: float) -> float | None:
    """The share of the budget after which ``curve`` stays at or below ``level`` (None:
    never)."""
    above = np.flatnonzero(~(curve <= level + 1e-12))
    if len(above) == len(curve):
        return None
    last = above[-1] + 1 if len(above) else 0
    return float(grid[last] / budget) if last < len(grid) else None


def warm_start_case(table: Path, trials: int, seeds: int) -> dict[str, Any]:
    """Random search on landscape 1 against TPE on it warm-started from random search on
    landscape 0 (see the module docstring)."""
    bench = TabulatedBenchmark(table)
    if len(bench.seeds) < 2:
        return {"skipped": f"the table has {len(bench.seeds)} landscape(s); a warm start needs 2"}
    first, second = bench.seeds[:2]
    optimum = float(np.nanmax(bench.values("valid_acc", second)[:, -1]))
    spec = f"nas201_digits:path={table},seed="
    common = {"executor": "inline", "n_trials": trials, "direction": "maximize"}
    random, warm = [], []
    for seed in range(seeds):
        storage = optuna.storages.InMemoryStorage()
        nb.Search(benchmark=f"{spec}{first}", name="first", algo="random", seed=seed + 1000,
                  storage=storage, **common).start()  # fmt: skip
        started = nb.Search(benchmark=f"{spec}{second}", name="second", algo="tpe", seed=seed,
                            storage=storage, warm_start="first", **common).start()  # fmt: skip
        alone = nb.Search(benchmark=f"{spec}{second}", algo="random", seed=seed,
                          storage="memory", **common).start()  # fmt: skip
        warm.append(own_regrets(started, optimum))
        random.append(own_regrets(alone, optimum))
    random_final = float(np.mean([r[-1] for r in random]))
    curve = np.mean(warm, axis=0)
    hit = np.flatnonzero(curve <= random_final + 1e-12)
    at = int(hit[0]) + 1 if len(hit) else None
    return {
        "landscapes": [first, second],
        "trials": trials,
        "random_final": random_final,
        "warm_curve": curve.tolist(),
        "warm_final": float(curve[-1]),
        "reaches_random_at_trial": at,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--table", type=Path, default=None, help="the table (default: shipped)")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--budget", type=float, default=10.0, help="full trainings per worker")
    parser.add_argument("--warm-trials", type=int, default=80, help="trials of each search")
    parser.add_argument(
        "--with-neps", action="store_true",
        help="also NePS's piBO and PriorBand (their own virtualenv, made on first use)",
    )
    parser.add_argument("--neps-evaluations", type=int, default=40)
    parser.add_argument("--neps-seeds", type=int, default=10)
    parser.add_argument("--priorband-seeds", type=int, default=30)
    parser.add_argument(
        "--neps-jobs", type=int, default=1, help="NePS searches at once (beside ours)"
    )
    parser.add_argument(
        "--no-peers", action="store_true", help="leave out the peers in virtualenvs of their own"
    )
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    scratch = tempfile.TemporaryDirectory()
    table = args.table or TABLE_PATH
    #: (algorithm, pruner): PriorBand is a multi-fidelity scheduler, with its ASHA.
    algos = [("random", "none"), ("tpe", "none"), ("priorband", "default")]
    if args.quick:
        table = Path(scratch.name) / "synthetic.npz"
        synthetic_table(table, epochs=10, seeds=2)
        args.seeds, args.warm_trials = 2, 20
    bench = TabulatedBenchmark(table)
    table_seed = bench.default_seed
    final = bench.values("valid_acc", table_seed)[:, -1]
    optimum = float(np.nanmax(final))
    mean_training = float(np.nanmean(bench.values("time", table_seed)[:, -1]))
    budget = args.budget * mean_training
    grid = np.geomspace(budget / 100, budget, GRID)
    cases = ("none", "good", "misleading")
    results: dict[str, Any] = {}
    for algo, pruner in algos:
        for case in cases:
            runs = []
            for seed in range(args.seeds):
                cell = prior_cells(final, seed).get(case)
                options = "" if cell is None else f",prior={cell}"
                runs.append(
                    run_one(table, table_seed, algo, pruner, seed, args.workers, budget, options)
                )
            curves = np.array([regret_curve(run, grid, optimum) for run in runs])
            results[f"{algo}+{case}"] = {
                "final": curves[:, -1].tolist(),
                "curve_mean": _nanmean(curves).tolist(),
                "trials": float(np.mean([r["trials"] for r in runs])),
            }
    random_final = float(np.nanmean(results["random+none"]["final"]))
    print(
        f"priors: {args.seeds} seeds, {args.workers} simulated workers, budget {budget:.0f} "
        f"simulated s; random search's final regret {random_final:.4f}"
    )
    print(f"{'configuration':24} {'final regret':>12} {'vs random':>9} {'reaches random':>15}")
    targets = []
    for name, r in results.items():
        mean = float(np.nanmean(r["final"]))
        share = reached(np.asarray(r["curve_mean"]), grid, random_final, budget)
        r["ratio_to_random"] = mean / random_final if random_final > 0 else float("inf")
        r["reaches_random_at"] = share
        at = "never" if share is None else f"{share:.2f} of budget"
        print(f"{name:24} {mean:12.4f} {r['ratio_to_random']:9.2f} {at:>15}")
        if not name.startswith(TARGET_ALGO):
            continue  # reported; the targets are the default algorithm's
        if name.endswith("+good"):
            met = share is not None and share <= GOOD_BY
            targets.append((f"{name}: random's final regret by {GOOD_BY:g} of the budget", met))
        elif name.endswith("+misleading"):
            met = r["ratio_to_random"] <= MISLEADING_AT_MOST
            targets.append((f"{name}: final regret <= {MISLEADING_AT_MOST}x random's", met))
    curves: dict[str, Any] = {}
    for pruner in ("curve", "curve:model=families", "median", "asha"):
        runs = [
            run_one(table, table_seed, "random", pruner, seed, args.workers, budget)
            for seed in range(args.seeds)
        ]
        finals = [float(regret_curve(run, grid, optimum)[-1]) for run in runs]
        curves[pruner] = {
            "final": finals,
            "trials": float(np.mean([r["trials"] for r in runs])),
            "pruned": float(np.mean([r["pruned"] for r in runs])),
        }
        print(
            f"random+{pruner:20} final regret {np.nanmean(finals):.4f}, "
            f"{curves[pruner]['trials']:.0f} trials ({curves[pruner]['pruned']:.0f} stopped)"
        )
    means = {name: float(np.nanmean(c["final"])) for name, c in curves.items()}
    targets.append(
        ("learning curves: curve's final regret below median's and ASHA's",
         means["curve"] < min(means["median"], means["asha"]))
    )  # fmt: skip
    dehb: dict[str, Any] = {}
    for algo, pruner in (("dehb", "default"), ("bohb", "default"), ("random", "hyperband")):
        runs = [
            run_one(table, table_seed, algo, pruner, seed, args.workers, budget)
            for seed in range(args.seeds)
        ]
        finals = [float(regret_curve(run, grid, optimum)[-1]) for run in runs]
        dehb[f"{algo}+{pruner}"] = {"final": finals}
        print(f"{algo}+{pruner:10} final regret {np.nanmean(finals):.4f}")
    if args.quick or args.no_peers:
        print("NOT MEASURED the dehb package (--quick or --no-peers: its own virtualenv)")
    else:
        from _beyond_dehb import dehb_case

        total = budget * args.workers  # one worker each, the same training time as the above
        single = np.geomspace(total / 100, total, GRID)
        package = dehb_case(table, args.seeds, total, single)
        dehb["package"] = package
        ours_q, peer_q = (np.asarray(package[k]) for k in ("ours_curve_mean", "dehb_curve_mean"))
        quarters = [int(np.searchsorted(single, q * total) if q < 1 else len(single) - 1)
                    for q in (0.25, 0.5, 0.75, 1.0)]  # fmt: skip
        at = ", ".join(f"{q / 4:.2f}: {ours_q[i]:.4f} vs {peer_q[i]:.4f}"
                       for q, i in zip((1, 2, 3, 4), quarters))  # fmt: skip
        print(f"DEHB, one worker, {total:.0f} s of training: regret ours vs the dehb package "
              f"{DEHB_NOTE}at each quarter of the budget: {at}")  # fmt: skip
        ours_f, peer_f = np.nanmean(package["ours_final"]), np.nanmean(package["dehb_final"])
        targets.append((f"DEHB: ours' final regret {ours_f:.4f} at most the dehb package's "
                        f"{peer_f:.4f}", bool(ours_f <= peer_f)))  # fmt: skip
    # A table of mean curves has one landscape: the warm start then runs on the shipped table,
    # whose two training seeds are two landscapes of the same cells.
    warm_table = table if len(bench.seeds) >= 2 or args.quick else TABLE_PATH
    warm = warm_start_case(warm_table, args.warm_trials, args.seeds)
    warm["table"] = str(warm_table)
    if warm_table != table:
        print(f"warm start on {warm_table.name} ({table.name} keeps one landscape, the mean)")
    if "skipped" in warm:
        print(f"warm start: not measured, {warm['skipped']}")
    else:
        at = warm["reaches_random_at_trial"]
        print(
            f"warm start: random search's final regret on landscape {warm['landscapes'][1]} "
            f"after {args.warm_trials} trials {warm['random_final']:.4f}; TPE warm-started from "
            f"landscape {warm['landscapes'][0]} reaches it at trial "
            f"{'never' if at is None else at} (final {warm['warm_final']:.4f})"
        )
        met = at is not None and at <= args.warm_trials / 2
        targets.append((f"warm start: random's final regret within {args.warm_trials // 2} "
                        "trials", met))  # fmt: skip
    neps: dict[str, Any] = {}
    if args.with_neps and not args.quick:
        from _beyond_pibo import pibo_case

        neps = pibo_case(table, args.neps_evaluations, args.neps_seeds, prior_cells, args.neps_jobs)
        quarters = [max(1, round(q * args.neps_evaluations / 4)) for q in (1, 2, 3, 4)]
        for case in ("none", "good", "misleading"):
            ours, gp, peer = (np.asarray(neps[case][k]) for k in ("ours", "ours_gp", "neps"))
            at = ", ".join(f"{q}: {gp[q - 1]:.4f} ({ours[q - 1]:.4f}) vs {peer[q - 1]:.4f}"
                           for q in quarters)  # fmt: skip
            print(f"NePS, prior {case}: regret after evaluations, our piBO (GP with the priors; "
                  f"TPE with them in brackets) vs NePS's piBO: {at}")  # fmt: skip
            diff, se = (neps[case][k] for k in ("neps_minus_gp", "neps_minus_gp_se"))
            print("  NePS's minus ours, seed by seed: " + ", ".join(
                f"{q}: {diff[q - 1]:+.4f} ± {se[q - 1]:.4f}" for q in quarters))  # fmt: skip
            if case != "none":
                # Like for like: NePS's piBO is a GP's expected improvement weighed by the prior.
                met = all(gp[q - 1] <= peer[q - 1] for q in quarters)
                targets.append((f"NePS {case} prior: our piBO at least NePS's at every quarter",
                                met))  # fmt: skip
        from _beyond_priorband import NEPS_BASES, priorband_case

        total = budget * args.workers  # one worker each, the same training time as DEHB's
        single = np.geomspace(total / 100, total, GRID)
        neps["priorband"] = band = priorband_case(
            table, args.priorband_seeds, total, single, prior_cells, args.neps_jobs
        )
        marks = [int(np.searchsorted(single, q * total)) if q < 1 else len(single) - 1
                 for q in (0.25, 0.5, 0.75, 1.0)]  # fmt: skip
        for case, key in itertools.product(("good", "misleading"), NEPS_BASES):
            ours = np.asarray(band[case]["ours_curve_mean"])
            peer = np.asarray(band[case][f"{key}_curve_mean"])
            at = ", ".join(f"{(n + 1) / 4:.2f}: {ours[i]:.4f} vs {peer[i]:.4f}"
                           for n, i in enumerate(marks))  # fmt: skip
            print(f"PriorBand, prior {case}, one worker: regret ours vs NePS ({NEPS_BASES[key]}) "
                  f"at each quarter of {total:.0f} s of training: {at}")  # fmt: skip
            met = all(ours[i] <= peer[i] + 1e-12 for i in marks)
            targets.append((f"NePS PriorBand {case} prior ({key}): ours at least NePS's at every "
                            "quarter", met))  # fmt: skip
    for line, met in targets:
        print(f"{'MET   ' if met else 'MISSED'} {line}")
    if not neps:
        print("NOT MEASURED NePS piBO on the same cases (--with-neps: its own virtualenv)")
    payload = {
        "benchmark": "beyond",
        "config": {
            "table": "synthetic" if args.quick else str(table),
            "table_sha256": bench.meta["sha256"],
            "table_seed": table_seed,
            "seeds": args.seeds,
            "priorband_seeds": args.priorband_seeds,
            "workers": args.workers,
            "budget_s": budget,
            "optimum": optimum,
            "grid": grid.tolist(),
        },
        "environment": environment(),
        "priors": results,
        "learning_curves": curves,
        "dehb": dehb,
        "warm_start": warm,
        "neps": neps,
        "targets": [{"target": line, "met": met} for line, met in targets],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(payload, indent=1))
    print(f"figures: {args.json}")
    scratch.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
