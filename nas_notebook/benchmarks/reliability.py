"""How well a tabulated benchmark ranks its own cells: the split-half reliability of its runs.

The training runs of every distinct cell are split into two halves; each half's mean ranks the
cells, and the two rankings are compared (see :mod:`nas_notebook.benchmarks._pilot_stats`):
Spearman's rho over all cells and over the better half, and the share of one half's top 10 % /
20 % that is in the other's. A table whose halves agree ranks its cells by their architecture,
not by the luck of their training runs; its answer (the mean over all runs) agrees with another
such table better still (the Spearman-Brown projection to twice the runs is printed beside).

Run ``python -m nas_notebook.benchmarks.reliability`` for every shipped table, ``... NAME`` or
``... PATH.npz`` for one, or ``--build DIR`` for a build in progress (the cells trained in
every seed built so far).

Example:
    >>> from nas_notebook.benchmarks import TabulatedBenchmark
    >>> report = table_reliability(TabulatedBenchmark().run_scores())
    >>> report["runs"], round(report["spearman"], 2)
    (2, 0.58)
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._pilot_stats import spearman_brown, split_half

__all__ = ["build_scores", "main", "project", "table_reliability"]

#: The statistics of a split half, as :func:`table_reliability` reports them.
STATS = ("spearman", "spearman_better_half", "top10", "top20")


def table_reliability(scores: np.ndarray) -> dict[str, Any]:
    """Split-half statistics of ``scores`` ``(cells, runs)`` with half the runs per half, and
    the same with 1, 2, ... runs per half (how they grow with the runs).

    Raises:
        ValueError: Fewer than two runs per cell.
    """
    runs = scores.shape[1]
    if runs < 2:
        raise ValueError(f"a split-half needs two runs per cell or more, the table has {runs}")
    report: dict[str, Any] = {"cells": int(scores.shape[0]), "runs": runs}
    report.update(split_half(scores))
    report["spearman_all_runs"] = spearman_brown(report["spearman"], 2.0)
    report["by_runs_per_half"] = {
        half: split_half(scores, per_half=half) for half in range(1, runs // 2 + 1)
    }
    return report


def project(
    scores: np.ndarray, halves: Sequence[int] = (1, 2, 4, 6, 8), repeats: int = 20
) -> dict[int, dict[str, float]]:
    """The split-half statistics projected to ``halves`` runs per half, by simulation from
    ``scores`` ``(cells, runs)``, 2 runs or more.

    The cells are put in 20 bins by their mean; in each, the run-to-run variance is the bin's
    mean variance, and each cell's true value its mean shrunk towards the bin's by the share of
    the bin's spread that is not noise (empirical Bayes). Runs are then drawn around the true
    values and split in halves, ``repeats`` times. It assumes nothing of how the statistics
    grow (unlike Spearman-Brown, which holds for rho only).

    Example:
        >>> rng = np.random.default_rng(0)
        >>> truth = rng.normal(size=400)
        >>> runs = truth[:, None] + rng.normal(size=(400, 3))
        >>> table = project(runs, halves=(1, 8), repeats=5)
        >>> table[8]["spearman"] > table[1]["spearman"] > 0.3
        True
    """
    runs = scores.shape[1]
    if runs < 2:
        raise ValueError(f"a projection needs two runs per cell or more, not {runs}")
    mean, var = scores.mean(axis=1), scores.var(axis=1, ddof=1)
    noise, truth = np.empty(len(mean)), np.empty(len(mean))
    for group in np.array_split(np.argsort(mean, kind="stable"), 20):
        noise[group] = var[group].mean()
        spread = mean[group].var()
        keep = max(spread - noise[group].mean() / runs, 0.0) / spread if spread > 0 else 0.0
        truth[group] = mean[group].mean() + keep * (mean[group] - mean[group].mean())
    rng = np.random.default_rng(0)
    out: dict[int, dict[str, float]] = {}
    for half in halves:
        found = [
            split_half(
                truth[:, None] + rng.normal(size=(len(truth), 2 * half)) * np.sqrt(noise)[:, None],
                per_half=half,
            )
            for _ in range(repeats)
        ]
        out[half] = {key: float(np.mean([f[key] for f in found])) for key in STATS}
    return out


def build_scores(out: str | Path) -> tuple[np.ndarray, list[int]]:
    """The final validation accuracy ``(cells, seeds)`` of a build in progress in ``out``: the
    cells trained in every seed that has any, and those seeds."""
    from ._build_chunks import read_chunks  # the build's side needs torch

    found: dict[int, dict[int, float]] = {}
    for _, meta, chunk in read_chunks(Path(out)):
        per_cell = found.setdefault(meta["seed"], {})
        for cell, acc in zip(chunk["cells"].tolist(), chunk["valid_acc"][:, -1].tolist()):
            per_cell[int(cell)] = float(acc)
    seeds = sorted(found)
    cells = sorted(set.intersection(*(set(found[s]) for s in seeds))) if seeds else []
    scores = np.array([[found[s][c] for s in seeds] for c in cells], float).reshape(-1, len(seeds))
    return scores, seeds


def format_report(name: str, report: dict[str, Any]) -> str:
    """The report as text: one line for the table, one per runs-per-half."""
    lines = [
        f"{name}: {report['cells']:,} distinct cells x {report['runs']} runs",
        "  runs/half   rho  rho(better half)  top-10%  top-20%",
    ]
    for half, stats in report["by_runs_per_half"].items():
        lines.append(
            f"  {half:>9}  {stats['spearman']:.3f}  {stats['spearman_better_half']:>16.3f}  "
            f"{stats['top10']:>7.3f}  {stats['top20']:>7.3f}"
        )
    for half, stats in report.get("projected", {}).items():
        lines.append(
            f"  {half:>8}*  {stats['spearman']:.3f}  {stats['spearman_better_half']:>16.3f}  "
            f"{stats['top10']:>7.3f}  {stats['top20']:>7.3f}"
        )
    if report.get("projected"):
        lines.append("  * projected from the runs so far (see reliability.project)")
    lines.append(
        f"  the table's answer (mean of all {report['runs']} runs) projects rho "
        f"{report['spearman_all_runs']:.3f} against another table built the same way"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    from ._tabulated import TabulatedBenchmark, table_files

    parser = argparse.ArgumentParser(prog="python -m nas_notebook.benchmarks.reliability")
    parser.add_argument("tables", nargs="*", help="benchmark names or table files (default: all)")
    parser.add_argument("--build", help="a build directory in progress instead")
    parser.add_argument(
        "--project",
        type=int,
        nargs="*",
        metavar="RUNS",
        help="also project the statistics to these runs per half (default 2 4 6 8)",
    )
    args = parser.parse_args(argv)

    def report(scores: np.ndarray) -> dict[str, Any]:
        found = table_reliability(scores)
        if args.project is not None:
            found["projected"] = project(scores, args.project or (2, 4, 6, 8))
        return found

    if args.build:
        scores, seeds = build_scores(args.build)
        try:
            print(format_report(f"{args.build} (seeds {seeds})", report(scores)))
        except ValueError as exc:
            parser.exit(2, f"{args.build}: {exc}\n")
        return 0
    files = table_files()
    for name in args.tables or sorted(files):
        path = files.get(name, Path(name))
        print(format_report(name, report(TabulatedBenchmark(path).run_scores())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
