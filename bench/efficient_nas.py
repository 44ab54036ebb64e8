"""Efficient NAS on the tabulated benchmark: what a weight-sharing search costs, in trainings of
one child, and how good the child it returns is, read from the table.

What is measured
----------------
The space is the table's (``nas_notebook.benchmarks.nas201_model.module_space()``: six edges,
five ops each, 15,625 cells) and the data the table's digits split
(``build_nas201.load_digits_split()``): the super-networks train on its ``train`` part and
score architectures on its ``valid`` part, as the table's trainings did.

* **Cost unit**: the wall time of training one child alone with the table's protocol,
  ``train_model(materialize(module_space(), params), split["train"], epochs=10)``, the median
  over a few fixed cells (all ``conv_3x3``, all ``conv_1x1`` and a mixed cell; the first only
  with ``--quick``), each trained again before every seed's searches (after a short warm-up at
  the start): the median of all those trainings is robust to a change of the machine's load
  during the run.
* **Methods**, each run once per seed ``0 .. --seeds - 1`` (5), with ``torch.manual_seed(seed)``
  before the super-network is built; seeds outer, methods inner, so that a change of the
  machine's load affects every method alike. The cost of a run is the wall time of
  ``rewrite`` plus the search, divided by the unit.

  - ``darts-ens``: ``darts_ensemble(lambda: rewrite(space, "mixed"), train, valid,
    runs=--ensemble-runs, epochs=--ensemble-epochs, remedy="auxiliary-skip", exclude=("Zero",),
    seed=seed)``: 3 one-epoch DARTS- searches, each from its own initial weights and batch
    order, their softmax weights averaged before the cell is derived (one short DARTS- search
    lands in the table's top 10% about four times in five, and which edges it gets wrong
    changes from run to run: the mean keeps what the runs agree on);
  - ``darts-``: ``darts(rewrite(space, "mixed"), train, valid, epochs=--darts-epochs,
    remedy="auxiliary-skip", exclude=("Zero",), seed=seed)`` (DARTS with the auxiliary skip
    connection of DARTS-; the weights' learning rate is ``darts``' default, the DARTS paper's);
  - ``darts+``: the same with ``remedy="early-stop"`` (after DARTS+: the search stops when
    two of the six derived edges are parameter-free ops, the start of the collapse, and
    returns the cell derived just before);
  - ``darts``: the same with ``remedy=None`` (plain first-order DARTS, known to collapse onto
    skip connections on such cells);
  - ``tunas``: ``tunas(rewrite(space), train, valid, epochs=--tunas-epochs, seed=seed)`` (a
    REINFORCE controller sampling paths of shared weights, ENAS/TuNAS-style);
  - ``tunas-ppo``: the same with the ``ppo`` controller (PyGlove's) instead of REINFORCE;
  - ``random``: random search at equal cost: ``n`` = the mean cost of the efficient runs above
    (rounded down, at least 1) uniformly random distinct cells (``numpy`` generator seeded with
    the seed), of which it keeps the one with the best final validation accuracy of *one*
    training, the table's training seed ``seed mod`` (number of table seeds): what ``n``
    trainings would have shown. Its cost is ``n`` units by definition (nothing is trained).

  The default epochs (4, 3 x 1 and 20) keep each search at 3 units or below: one epoch of the DARTS
  super-network (every candidate of every edge runs, and the architecture parameters take a
  step on a validation batch after each weight step) costs about 0.7 trainings of a child, one
  epoch of TuNAS (one path, plus the reward on a validation batch and the controller) about
  0.14 (measured on one thread of an x86-64 machine).

* **Quality** of each returned child (``ops_of(result.params)``, ``cell_index``): its final-epoch
  ``valid_acc`` and ``test_acc`` in the table, mean over the table's training seeds, and their
  percentile in the table: the fraction of the 15,625 cells with a strictly lower value (top
  10% = percentile >= 0.9). The number of ``skip_connect`` and ``none`` edges of the child
  shows DARTS' collapse and the remedy's effect.

``--table`` reads another table than the shipped one; in a table that keeps the mean curves
only (``nas201_digits_avg``), each training run's final validation accuracy stands for a seed's
in the references below, and the short trainings read the mean curves.

Every run uses one thread (``torch.set_num_threads(1)`` for the whole script), so that the unit
and every method are timed alike and the figures do not depend on the core count.

Three references put those percentiles in the table's own terms, computed from the table with
nothing trained (see ``bench/_efficient_refs.py``): the random-search equivalent of a method's
mean percentile, random search with shorter trainings at the target cost, and the noise ceiling
with the top-10% agreement between the table's training runs.

Printed per method: cost (mean +- std over seeds, in units), validation accuracy and its
percentile, test accuracy and its percentile (mean +- std), how many seeds ended in the top 10%
of the table, the mean number of skip and none edges; then, per efficient method, whether the
target is met: on every seed, a child in the table's top 10% (validation percentile >= 0.9) at a
cost <= 3 units. Five seeds say whether the ensemble misses, not how often: it runs on, alone,
to ``--ensemble-seeds`` (20), and the share of seeds that meet the target is printed. The
figures go to
``bench/results/efficient_nas.json`` (configuration, environment, the unit's timings, one row
per method and seed, the summary).

``--quick`` runs 1 seed, 1 epoch of each search and a unit of one cell: a smoke test of the
script. Run it with the project's virtualenv: ``.venv/bin/python bench/efficient_nas.py``.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from _efficient_refs import (  # noqa: E402
    RANDOM_BUDGETS,
    TARGET_COST,
    TOP,
    UNIT_EPOCHS,
    noise_ceiling,
    percentiles,
    random_curve,
    random_equivalent,
    short_trainings,
    top_agreement,
)
from _efficient_runs import (  # noqa: E402
    run_efficient,
    run_random,
    time_trainings,
    warm_up,
)
from _environment import environment  # noqa: E402

from nas_notebook.benchmarks import (  # noqa: E402
    TABLE_PATH,
    TabulatedBenchmark,
    cell_index,
)
from nas_notebook.benchmarks.build_nas201 import load_digits_split  # noqa: E402

DEFAULT_JSON = ROOT / "bench" / "results" / "efficient_nas.json"
#: The cells whose standalone training time, median, is the cost unit.
UNIT_CELLS = (
    ("conv_3x3",) * 6,
    ("conv_1x1",) * 6,
    ("conv_3x3", "skip_connect", "conv_1x1", "avg_pool_3x3", "none", "conv_3x3"),
)
EFFICIENT = ("darts-ens", "darts+", "darts-", "darts", "tunas", "tunas-ppo")
METHODS = (*EFFICIENT, "random")
THREADS = 1


def trainings(count: float) -> str:
    """A count of trainings, or past what the random-search curve reaches."""
    return f"{count:.1f}" if math.isfinite(count) else f"> {RANDOM_BUDGETS[-1]}"


def fmt(seconds: list[float]) -> str:
    return ", ".join(f"{s:.2f}" for s in seconds)


def final(bench: TabulatedBenchmark, metric: str, seed: int | str) -> np.ndarray:
    """``metric`` of every cell after the last epoch (the table holds the test accuracy at the
    end only)."""
    values = bench.values(metric, seed)
    return values[:, -1] if values.ndim == 2 else values


def describe(
    row: dict[str, Any], table: dict[str, tuple[np.ndarray, np.ndarray]]
) -> dict[str, Any]:
    """Adds the child's table figures to ``row`` (``table``: ``"valid"`` and ``"test"`` -> the
    cells' final accuracies and their :func:`percentiles`)."""
    cell = cell_index(row["ops"])
    (valid, valid_pct), (test, test_pct) = table["valid"], table["test"]
    row.update(
        cell=cell,
        valid_acc=float(valid[cell]),
        valid_pct=float(valid_pct[cell]),
        test_acc=float(test[cell]),
        test_pct=float(test_pct[cell]),
        n_skip=row["ops"].count("skip_connect"),
        n_none=row["ops"].count("none"),
    )
    row["top10"] = row["valid_pct"] >= TOP
    return row


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean and standard deviation over seeds of one method's rows."""

    def both(key: str) -> list[float]:
        values = np.asarray([r[key] for r in rows], dtype=float)
        return [float(np.mean(values)), float(np.std(values))]

    out: dict[str, Any] = {
        key: both(key) for key in ("cost", "valid_acc", "valid_pct", "test_acc", "test_pct")
    }
    out["top10"] = int(sum(r["top10"] for r in rows))
    out["runs"] = len(rows)
    out["n_skip"] = float(np.mean([r["n_skip"] for r in rows]))
    out["n_none"] = float(np.mean([r["n_none"] for r in rows]))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument(
        "--table", type=Path, default=TABLE_PATH, help="the table (default: the shipped one)"
    )
    parser.add_argument("--darts-epochs", type=int, default=4, help="epochs of one DARTS")
    parser.add_argument("--ensemble-runs", type=int, default=3, help="DARTS- runs averaged")
    parser.add_argument("--ensemble-epochs", type=int, default=1, help="epochs of each run")
    parser.add_argument("--tunas-epochs", type=int, default=20)
    parser.add_argument(
        "--ensemble-seeds", type=int, default=20, help="seeds of the ensemble's robustness check"
    )
    parser.add_argument("--quick", action="store_true", help="1 seed, 1 epoch: a smoke test")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    unit_cells: tuple[tuple[str, ...], ...] = UNIT_CELLS
    if args.quick:
        args.seeds, args.darts_epochs, args.tunas_epochs, args.ensemble_runs = 1, 1, 1, 2
        args.ensemble_seeds = 1
        unit_cells = UNIT_CELLS[:1]
    torch.set_num_threads(THREADS)
    began = time.perf_counter()

    bench = TabulatedBenchmark(args.table)
    finals = bench.run_finals()  # one training's say on every cell, per run of the table
    valid = final(bench, "valid_acc", "mean")
    test = final(bench, "test_acc", "mean")
    table = {"valid": (valid, percentiles(valid)), "test": (test, percentiles(test))}
    split = load_digits_split()
    print(
        f"{len(valid)} cells; best valid acc {valid.max():.4f}, top 10% from "
        f"{np.quantile(valid, TOP):.4f} (mean over the table's {finals.shape[1]} runs); "
        f"{THREADS} thread",
        flush=True,
    )
    warm_up(unit_cells[0], split["train"])
    unit_seconds: list[list[float]] = []
    epochs = {
        "darts-ens": args.ensemble_epochs,
        "darts+": args.darts_epochs,
        "darts-": args.darts_epochs,
        "darts": args.darts_epochs,
        "tunas": args.tunas_epochs,
        "tunas-ppo": args.tunas_epochs,
    }
    rows: list[dict[str, Any]] = []
    for seed in range(args.seeds):
        unit_seconds.append(time_trainings(unit_cells, split["train"]))
        print(f"  seed {seed} unit trainings {fmt(unit_seconds[-1])} s", flush=True)
        for method in EFFICIENT:
            row = {"method": method, "seed": seed, "epochs": epochs[method]}
            row.update(run_efficient(method, seed, split, epochs[method], args.ensemble_runs))
            rows.append(describe(row, table))
            print(
                f"  seed {seed} {method:7} {row['seconds']:6.2f} s  valid pct "
                f"{row['valid_pct']:.3f}  {' '.join(row['ops'])}",
                flush=True,
            )
    unit_s = statistics.median(s for seconds in unit_seconds for s in seconds)
    unit = {
        "cells": [list(ops) for ops in unit_cells],
        "epochs": UNIT_EPOCHS,
        "seconds": unit_seconds,
        "unit_s": unit_s,
    }
    print(
        f"unit = one training of {UNIT_EPOCHS} epochs = {unit_s:.2f} s (median of "
        f"{len(unit_cells) * args.seeds} trainings of {len(unit_cells)} cells)"
    )
    # The ensemble over more seeds than the comparison: how often it misses, not just whether.
    extra = []
    for seed in range(args.seeds, args.ensemble_seeds):
        row = {"method": "darts-ens", "seed": seed, "epochs": epochs["darts-ens"]}
        row.update(run_efficient("darts-ens", seed, split, epochs["darts-ens"], args.ensemble_runs))
        extra.append(describe(row, table))
    for row in rows + extra:
        row["cost"] = row["seconds"] / unit_s
    robustness = [r for r in rows if r["method"] == "darts-ens"] + extra
    n_random = max(1, math.floor(float(np.mean([r["cost"] for r in rows]))))
    for seed in range(args.seeds):
        run = seed % finals.shape[1]
        one_training = finals[:, run]
        row = {"method": "random", "seed": seed, "table_run": run}
        row.update(run_random(seed, n_random, one_training))
        row["cost"] = float(row["trained"])
        rows.append(describe(row, table))

    summary = {m: summarize([r for r in rows if r["method"] == m]) for m in METHODS}
    pct = table["valid"][1]
    one_trainings = [finals[:, run] for run in range(finals.shape[1])]
    curve = random_curve(pct, one_trainings)
    ceiling = noise_ceiling(pct, one_trainings)
    agreement = top_agreement(pct, one_trainings)
    short = short_trainings(pct, bench)
    for s in summary.values():
        s["random_equivalent"] = random_equivalent(curve, s["valid_pct"][0])

    def stat(pair: list[float], digits: int = 3) -> str:
        return f"{pair[0]:.{digits}f} +- {pair[1]:.{digits}f}"

    print(
        f"{'method':18} {'cost (trainings)':>16} {'valid acc':>17} {'valid pct':>15} "
        f"{'test acc':>17} {'test pct':>15} {'top 10%':>7} {'#skip':>5} {'#none':>5} "
        f"{'random eq.':>10}"
    )
    for method, s in summary.items():
        label = f"{method} ({epochs[method]} ep)" if method in epochs else f"random ({n_random})"
        if method == "darts-ens":
            label = f"{method} ({args.ensemble_runs}x{epochs[method]} ep)"
        print(
            f"{label:18} {stat(s['cost'], 2):>16} {stat(s['valid_acc'], 4):>17} "
            f"{stat(s['valid_pct']):>15} {stat(s['test_acc'], 4):>17} {stat(s['test_pct']):>15} "
            f"{s['top10']:>3}/{s['runs']:<3} {s['n_skip']:5.1f} {s['n_none']:5.1f} "
            f"{trainings(s['random_equivalent']):>10}"
        )
    print(
        "random eq.: trainings random search needs for that mean valid pct (from the table: "
        + ", ".join(f"{n}: {c:.3f}" for n, c in zip(RANDOM_BUDGETS, curve) if n in (3, 10, 30, 100))
        + f"); noise ceiling (mean pct of one training's top 10%): {ceiling:.3f}"
    )
    print(
        f"top 10% agreement: of one training seed's top 10%, {agreement['seeds']:.2f} is in "
        f"another seed's (noise: {1 - TOP:.2f}) and {agreement['table']:.2f} in the mean "
        "table's: the top10 rate of a method returning only one training's top-10% cells"
    )
    print(
        f"random search at {TARGET_COST:g} trainings' cost with e-epoch trainings (from the table, "
        "optimistic): " + ", ".join(f"e={e}: {p:.3f}" for e, p in short.items())
    )
    for method in EFFICIENT:
        s = summary[method]
        runs = [r for r in rows if r["method"] == method]
        hits = sum(bool(r["top10"]) and r["cost"] <= TARGET_COST for r in runs)
        met = hits == len(runs)
        s["target_met"] = met
        print(
            f"target (a child in the top 10% at <= {TARGET_COST:g} trainings on every seed) for "
            f"{method}: {'met' if met else 'NOT met'} ({hits} of {len(runs)} seeds; mean pct "
            f"{s['valid_pct'][0]:.3f}, cost {s['cost'][0]:.2f}; random search needs "
            f"{trainings(s['random_equivalent'])} trainings for that pct: "
            f"{trainings(s['random_equivalent'] / s['cost'][0])}x the efficiency)"
        )
    hits = [bool(r["top10"]) and r["cost"] <= TARGET_COST for r in robustness]
    pcts = [r["valid_pct"] for r in robustness]
    print(
        f"darts-ens over seeds 0-{len(robustness) - 1}: a child in the top 10% at <= "
        f"{TARGET_COST:g} trainings on {sum(hits)} of {len(hits)} (mean pct "
        f"{np.mean(pcts):.3f}, worst {min(pcts):.3f}, cost at most "
        f"{max(r['cost'] for r in robustness):.2f})"
    )
    summary["darts-ens"]["robustness"] = {
        "seeds": len(hits), "hits": sum(hits), "valid_pct": pcts,
        "cost": [r["cost"] for r in robustness],
    }  # fmt: skip
    wall = time.perf_counter() - began
    print(f"wall time {wall:.0f} s; figures: {args.json}")
    payload = {
        "benchmark": "efficient_nas",
        "config": {
            "quick": args.quick,
            "seeds": args.seeds,
            "darts_epochs": args.darts_epochs,
            "ensemble_runs": args.ensemble_runs,
            "ensemble_epochs": args.ensemble_epochs,
            "tunas_epochs": args.tunas_epochs,
            "ensemble_seeds": args.ensemble_seeds,
            "random_trainings": n_random,
            "threads": THREADS,
            "table": str(args.table),
            "table_sha256": bench.meta["sha256"],
            "top": TOP,
            "target_cost": TARGET_COST,
        },
        "environment": environment(torch=torch.__version__, torch_threads=THREADS),
        "unit": unit,
        "wall_s": wall,
        "rows": rows,
        "summary": summary,
        "random_curve": dict(zip(RANDOM_BUDGETS, curve)),
        "noise_ceiling": ceiling,
        "top_agreement": agreement,
        "short_trainings": short,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(payload, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
