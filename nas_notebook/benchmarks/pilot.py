"""Pilots that choose the benchmark's training protocol by measuring how well it ranks cells.

Run ``python -m nas_notebook.benchmarks.pilot PROTOCOL ... --seeds 4`` (``--list`` names the
candidates of :data:`PROTOCOLS`; ``--table`` prints the table of the pilots already written;
``--quick`` is a tiny end-to-end check: 8 cells, 1 epoch). Each pilot writes
``pilots/PROTOCOL.json`` beside this module and prints its rows of the table.

**What a pilot trains**: one fixed sample of 200 isomorphism-class representatives
(:func:`pilot_sample`: the all-``conv_3x3`` cell and a seeded uniform draw, so about as many
weak cells with ``none`` and ``skip_connect`` as in the whole table), the same for every
protocol, once per training seed, with the builder's batched trainer (cells trained 16 at once
as grouped convolutions; 1-D networks for sequence data). A *run* is one cell trained once
under the protocol; with k-fold cross-validation it is the k fold models, and its validation
accuracy and loss are over every example, each validated by the fold model that did not train
on it.

**What it reports** (:func:`reliability_report`), per ranking metric: final validation
accuracy (``valid_acc``), its mean over the last validated epochs (``valid_acc_last``), and
the same for the validation loss (negated, ``valid_loss``, ``valid_loss_last``):

* split-half reliability: the runs split into two halves, each half's mean ranks the cells;
  Spearman's rho over all cells and over the better half (by the mean of all runs), and the
  share of the top 10 % / 20 % of one half found in the other's, averaged over the splits;
* the Spearman-Brown prediction of the runs per cell (both halves) for rho 0.9 over all and
  over the better half (the better half's rho suffers from range restriction, so it is only a
  guide);
* a projection by simulation (:func:`~nas_notebook.benchmarks._pilot_stats.project`: true
  score plus Gaussian noise whose variance is that between the runs of cells of similar
  mean) of all four statistics for 1 to 64 runs per half, hence the runs per cell for
  top-10 % agreement >= 0.7; ``projected_at_measured`` next to ``measured`` shows how well the
  model fits;
* accuracy spread (min, median, 90th percentile, max of the cells' mean) and seconds per run
  (wall clock, and CPU time, which other load on the machine disturbs less).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from ._pilot_data import PROTOCOLS, protocol
from ._pilot_run import METRICS, pilot_sample, reliability_report, train_pilot
from ._pilot_stats import project, runs_needed, spearman, spearman_brown, split_half, top_agreement

__all__ = [
    "METRICS",
    "PILOTS_DIR",
    "PROTOCOLS",
    "dumps",
    "format_table",
    "main",
    "pilot_sample",
    "project",
    "protocol",
    "reliability_report",
    "run_pilot",
    "runs_needed",
    "spearman",
    "spearman_brown",
    "split_half",
    "top_agreement",
]

#: Where the pilots' reports are written.
PILOTS_DIR = Path(__file__).resolve().parent / "pilots"

#: Cells of the table (one per isomorphism class): the cost estimates scale the time to it.
TABLE_CELLS = 4_930


def run_pilot(
    name: str,
    *,
    cells: int = 200,
    seeds: Sequence[int] = (0, 1),
    batch: int = 16,
    work: Path | None = None,
    log: Any = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Train the pilot sample under protocol ``name`` (with ``overrides`` of its settings) and
    return its report (see the module docstring).

    Example:
        >>> report = run_pilot("digits", cells=6, seeds=[0, 1], epochs=1)
        >>> sorted(report["metrics"]) == sorted(METRICS)
        True
    """
    settings = protocol(name, **overrides)
    sample = pilot_sample(cells)
    trained = train_pilot(
        settings, sample, list(seeds), batch=batch, work=work, log=log or (lambda line: None)
    )
    return reliability_report(settings, sample, list(seeds), trained)


def _runs(value: int | None) -> str:
    return "-" if value is None else str(value)


def format_table(reports: Sequence[dict[str, Any]]) -> str:
    """The pilots side by side: one row per protocol and ranking metric.

    Columns: runs per cell measured, split-half rho over all cells and over the better half,
    top-10 % and top-20 % agreement, accuracy min / median / max, CPU seconds per run, runs per
    cell predicted for rho 0.9 over all and over the better half (Spearman-Brown / projected),
    runs per cell projected for top-10 % agreement 0.7, and the hours on one core that a
    4,930-cell table would take with the runs for rho 0.9 over all (Spearman-Brown).

    Example:
        >>> print(format_table([]).splitlines()[0].split()[:3])
        ['protocol', 'metric', 'runs']
    """
    header = (
        f"{'protocol':<18} {'metric':<16} {'runs':>4} {'rho':>5} {'rho½':>5} {'top10':>5} "
        f"{'top20':>5} {'acc min/med/max':>17} {'s/run':>6} {'0.9 all':>8} {'0.9 ½':>8} "
        f"{'top10':>5} {'h/core':>7}"
    )
    lines = [header]
    for report in reports:
        acc = report["valid_acc_mean_over_runs"]
        for metric, values in report["metrics"].items():
            m, need = values["measured"], values["runs_per_cell_for_0.9"]
            sb_all = need["spearman_brown_all"]
            hours = (
                "-"
                if sb_all is None
                else f"{TABLE_CELLS * sb_all * report['cpu_s_per_run'] / 3600:.0f}"
            )
            lines.append(
                f"{report['protocol']['name']:<18} {metric:<16} {len(report['seeds']):>4} "
                f"{m['spearman']:>5.2f} {m['spearman_better_half']:>5.2f} {m['top10']:>5.2f} "
                f"{m['top20']:>5.2f} "
                f"{acc['min']:>5.3f}/{acc['median']:.3f}/{acc['max']:.3f} "
                f"{report['cpu_s_per_run']:>6.2f} "
                f"{_runs(sb_all) + '/' + _runs(need['projected_all']):>8} "
                f"{_runs(need['spearman_brown_better_half'])}/"
                f"{_runs(need['projected_better_half']):<4} "
                f"{_runs(values['runs_per_cell_for_top10_0.7']):>5} {hours:>7}"
            )
    return "\n".join(lines)


def dumps(report: dict[str, Any]) -> str:
    """``report`` as JSON, indented except for its long lists (the cells, one line per
    metric's runs).

    Example:
        >>> print(dumps({"a": 1, "cells": [1, 2], "runs": {"m": [[0.5, 0.25]]}}), end="")
        {
         "a": 1,
         "cells": [1, 2],
         "runs": {
          "m": [[0.5, 0.25]]
         }
        }
    """
    head = {k: v for k, v in report.items() if k not in ("cells", "runs")}
    lines = json.dumps(head, indent=1).splitlines()[:-1]
    lines[-1] += ","
    lines.append(f' "cells": {json.dumps(report["cells"])},')
    runs = [f'  "{k}": {json.dumps(v)}' for k, v in report["runs"].items()]
    lines += [' "runs": {', ",\n".join(runs), " }", "}"]
    return "\n".join(lines) + "\n"


def _load(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(path.read_text()) for path in sorted(directory.glob("*.json"))]


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m nas_notebook.benchmarks.pilot")
    parser.add_argument("protocols", nargs="*", help="names of PROTOCOLS (see --list)")
    parser.add_argument("--list", action="store_true", help="print the candidate protocols")
    parser.add_argument("--table", action="store_true", help="print the table of --out's pilots")
    parser.add_argument("--cells", type=int, default=200, help="size of the cell sample")
    parser.add_argument("--seeds", type=int, default=2, help="training seeds 0 .. N-1")
    parser.add_argument("--batch", type=int, default=16, help="cells trained at once")
    parser.add_argument("--epochs", type=int, default=None, help="override the epochs")
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    parser.add_argument("--out", type=Path, default=PILOTS_DIR, help="where reports go")
    parser.add_argument("--work", type=Path, default=None, help="keep each seed's runs here")
    parser.add_argument("--quick", action="store_true", help="8 cells, 1 epoch (a check)")
    args = parser.parse_args(argv)
    if args.list:
        for name, settings in PROTOCOLS.items():
            print(f"{name:<20} {json.dumps(settings)}")
        return 0
    if args.table:
        print(format_table(_load(args.out)))
        return 0
    if args.seeds < 2:
        parser.error("--seeds: at least 2 (the runs are split in two halves)")
    torch.set_num_threads(args.threads)
    cells, epochs = (8, 1) if args.quick else (args.cells, args.epochs)
    overrides = {} if epochs is None else {"epochs": epochs}
    reports = []
    for name in args.protocols:
        report = run_pilot(
            name,
            cells=cells,
            seeds=range(args.seeds),
            batch=args.batch,
            work=args.work,
            log=lambda line: print(line, flush=True),
            **overrides,
        )
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / f"{name}.json"
        path.write_text(dumps(report))
        print(f"wrote {path}", flush=True)
        reports.append(report)
    print(format_table(reports))
    if any(math.isnan(r["metrics"]["valid_acc"]["measured"]["spearman"]) for r in reports):
        print("(rho is nan where every cell scored the same)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
