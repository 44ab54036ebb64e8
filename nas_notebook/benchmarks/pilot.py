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
  share of the top 10 % / 20 % of one half found in the other's, averaged over the splits
  (``measured``), with bootstrap standard errors over the cells (``measured_se``; protocols
  measured on the same cells differ by less), and with fewer runs per half
  (``measured_by_runs_per_half``: how the statistics grow with the runs);
* the runs per cell (both halves) for rho 0.9 over all cells and over the better half, by
  Spearman-Brown (the better half's rho suffers from range restriction and sampling noise,
  so its count is only a guide), and for top-10 % / top-20 % agreement 0.7: a top agreement
  is read as the correlation of a bivariate normal with that agreement, grown by
  Spearman-Brown (:func:`project`, :func:`runs_for_top`; agreement 0.7 of the top 10 % is a
  latent correlation of 0.91); ``projected`` lists all four for 1 to 64 runs per half, and
  with 4 runs or more ``projected_from_one_run_per_half`` sets the projection from one run
  per half beside what was measured with more;
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
from ._pilot_run import METRICS, pilot_sample, reliability_report, table_runs, train_pilot
from ._pilot_stats import (
    latent_correlation,
    normal_top_agreement,
    project,
    runs_for_top,
    runs_needed,
    spearman,
    spearman_brown,
    split_half,
    split_half_se,
    top_agreement,
)

__all__ = [
    "METRICS",
    "PILOTS_DIR",
    "PROTOCOLS",
    "dumps",
    "format_table",
    "latent_correlation",
    "main",
    "normal_top_agreement",
    "pilot_sample",
    "project",
    "protocol",
    "reliability_report",
    "run_pilot",
    "runs_for_top",
    "runs_needed",
    "spearman",
    "spearman_brown",
    "split_half",
    "split_half_se",
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
    from_table: bool = False,
    **overrides: Any,
) -> dict[str, Any]:
    """Train the pilot sample under protocol ``name`` (with ``overrides`` of its settings) and
    return its report (see the module docstring). With ``from_table``, the ``digits`` runs
    are read from the shipped table (seeds 0 and 1), not trained.

    Example:
        >>> report = run_pilot("digits", cells=6, seeds=[0, 1], epochs=1)
        >>> sorted(report["metrics"]) == sorted(METRICS)
        True
    """
    settings = protocol(name, **overrides)
    sample = pilot_sample(cells)
    if from_table:
        seeds = [0, 1]
        settings["source"] = "the shipped table"
        trained = table_runs(settings, sample)
    else:
        log = log or (lambda line: None)
        trained = train_pilot(settings, sample, list(seeds), batch=batch, work=work, log=log)
    return reliability_report(settings, sample, list(seeds), trained)


def _runs(value: int | None) -> str:
    return "-" if value is None else str(value)


def format_table(reports: Sequence[dict[str, Any]]) -> str:
    """The pilots side by side: one row per protocol and ranking metric.

    Columns: runs per cell measured, split-half rho over all cells and over the better half,
    top-10 % and top-20 % agreement, rho and top-10 % agreement with one run per half (to
    compare pilots of different numbers of runs), accuracy min / median / max, CPU seconds per
    run; then
    the runs per cell (both halves) projected for rho 0.9 over all cells, over the better
    half, and for top-10 % agreement 0.7, and the hours on one core that a 4,930-cell table
    would take with the most of the first and the third.

    Example:
        >>> print(format_table([]).splitlines()[0].split()[:3])
        ['protocol', 'metric', 'runs']
    """
    header = (
        f"{'protocol':<18} {'metric':<16} {'runs':>4} {'rho':>5} {'rho½':>5} {'top10':>5} "
        f"{'top20':>5} {'rho@1':>5} {'t10@1':>5} {'acc min/med/max':>17} {'s/run':>6} "
        f"{'n.9':>4} {'n½.9':>5} "
        f"{'n.7':>4} {'h/core':>7}"
    )
    lines = [header]
    for report in reports:
        acc = report["valid_acc_mean_over_runs"]
        for metric, values in report["metrics"].items():
            m, need = values["measured"], values["runs_per_cell"]
            one = values["measured_by_runs_per_half"]["1"]
            both = (need["spearman_0.9"], need["top10_0.7"])
            hours = (
                "-"
                if None in both
                else f"{TABLE_CELLS * max(both) * report['cpu_s_per_run'] / 3600:.0f}"
            )
            lines.append(
                f"{report.get('label', report['protocol']['name']):<18} {metric:<16} "
                f"{len(report['seeds']):>4} "
                f"{m['spearman']:>5.2f} {m['spearman_better_half']:>5.2f} {m['top10']:>5.2f} "
                f"{m['top20']:>5.2f} {one['spearman']:>5.2f} {one['top10']:>5.2f} "
                f"{acc['min']:>5.3f}/{acc['median']:.3f}/{acc['max']:.3f} "
                f"{report['cpu_s_per_run']:>6.2f} {_runs(need['spearman_0.9']):>4} "
                f"{_runs(need['spearman_better_half_0.9']):>5} {_runs(need['top10_0.7']):>4} "
                f"{hours:>7}"
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
    parser.add_argument(
        "--from-table", action="store_true", help="digits: read the shipped table's 2 seeds"
    )
    parser.add_argument("--name", default=None, help="report file name (default: PROTOCOL)")
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
            from_table=args.from_table,
            **overrides,
        )
        report["label"] = args.name or name
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / f"{args.name or name}.json"
        path.write_text(dumps(report))
        print(f"wrote {path}", flush=True)
        reports.append(report)
    print(format_table(reports))
    if any(math.isnan(r["metrics"]["valid_acc"]["measured"]["spearman"]) for r in reports):
        print("(rho is nan where every cell scored the same)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
