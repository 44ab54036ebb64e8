"""The distinct-cell table of the mean over many runs: merged from a build's chunks, read as a
benchmark by name, and its split-half reliability printed from the file."""

import json
import subprocess
import sys

import numpy as np
import pytest

from nas_notebook.benchmarks import (
    TabulatedBenchmark,
    cell_index,
    isomorphism_classes,
    make_benchmark,
)
from nas_notebook.benchmarks._build_training import DEFAULT_PROTOCOL
from nas_notebook.benchmarks._mean_table import merge_mean
from nas_notebook.benchmarks.reliability import build_scores, project, table_reliability

EPOCHS = 3
REPS = sorted(members[0] for members in isomorphism_classes().values())


def write_build(out, seeds, quality, noise, cells=REPS):
    """Chunks as the builder writes them, for every representative: each cell's accuracy is its
    ``quality`` plus run noise, rising over the epochs."""
    protocol = {**DEFAULT_PROTOCOL, "epochs": EPOCHS, "optimizer": {"name": "Adam", "lr": 3e-3}}
    rng = np.random.default_rng(1)
    for seed in seeds:
        final = quality[cells] + noise * rng.standard_normal(len(cells))
        ramp = np.linspace(0.5, 1.0, EPOCHS)
        arrays = {
            "cells": np.asarray(cells, np.int32),
            "valid_acc": (final[:, None] * ramp).astype(np.float32),
            "valid_loss": (2 - final[:, None] * ramp).astype(np.float32),
            "train_acc": (final[:, None] * ramp).astype(np.float32),
            "train_loss": (2 - final[:, None] * ramp).astype(np.float32),
            "epoch_time": np.full((len(cells), EPOCHS), 0.1 + seed, np.float32),
            "test_acc": final.astype(np.float32),
            "test_loss": (2 - final).astype(np.float32),
        }
        meta = {"protocol": protocol, "seed": seed}
        np.savez(out / f"s{seed}_c00000_n{len(cells)}.npz", meta=np.array(json.dumps(meta)), **arrays)
    return protocol


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    quality = np.random.default_rng(0).uniform(0.1, 0.9, 15625)
    write_build(out, range(4), quality, noise=0.02)
    write_build(out, [4], quality, noise=0.02, cells=REPS[:100])  # a seed still being built
    table = out / "avg.npz"
    meta = merge_mean(out, table)
    return out, table, meta, quality


def test_merge_keeps_the_complete_seeds_and_one_row_per_distinct_cell(built):
    out, table, meta, _ = built
    assert meta["seeds"] == [0, 1, 2, 3] and meta["layout"] == "distinct-mean"
    bench = TabulatedBenchmark(table)
    assert bench.mean_only and bench.seeds == [] and bench.runs == [0, 1, 2, 3]
    assert bench.run_scores().shape == (len(REPS), 4)
    final = bench.values("valid_acc")[:, -1]
    assert final.shape == (15625,)
    for members in list(isomorphism_classes().values())[:50]:  # isomorphs share their class's row
        assert np.all(final[list(members)] == final[members[0]])
    cell = REPS[7]
    assert final[cell] == pytest.approx(bench.run_scores()[7].mean(), abs=1e-3)
    assert bench.values("epoch_time")[cell] == pytest.approx([1.6] * EPOCHS)  # mean of 0.1..3.1
    with pytest.raises(ValueError, match="keeps the mean over its 4 runs"):
        bench.values("valid_acc", 0)
    # one run's say on every cell: its class's run, for isomorphs too
    runs = bench.run_finals()
    assert runs.shape == (15625, 4)
    assert runs[cell] == pytest.approx(bench.run_scores()[7], abs=1e-3)
    assert runs.mean(axis=1)[cell] == pytest.approx(final[cell], abs=1e-3)
    shipped = TabulatedBenchmark()
    assert np.array_equal(shipped.run_finals()[:, 1], shipped.values("valid_acc", 1)[:, -1])
    with pytest.raises(ValueError, match=r"seeds: \[4\] not fully built"):
        merge_mean(out, out / "x.npz", seeds=[0, 4])


def test_the_table_is_a_benchmark_by_name_with_its_mean_as_the_answer(built):
    _, table, _, _ = built
    body = make_benchmark(f"nas201_digits_avg:path={table}")
    assert body.seed == "mean" and body.metric == "valid_acc"
    assert cell_index(["conv_3x3"] * 6) in REPS


def test_reliability_is_printed_from_the_file_and_from_a_build(built, tmp_path):
    out, table, _, _ = built
    report = table_reliability(TabulatedBenchmark(table).run_scores())
    assert report["runs"] == 4 and report["spearman"] > 0.95
    assert sorted(report["by_runs_per_half"]) == [1, 2]
    # the noise decides the ranking when the cells barely differ
    noisy = tmp_path / "noisy"
    noisy.mkdir()
    write_build(noisy, range(2), np.full(15625, 0.5), noise=0.05)
    scores, seeds = build_scores(noisy)
    assert seeds == [0, 1] and abs(table_reliability(scores)["spearman"]) < 0.1
    run = subprocess.run(
        [sys.executable, "-m", "nas_notebook.benchmarks.reliability", str(table)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "4,930 distinct cells x 4 runs" in run.stdout and "projects rho" in run.stdout
    part = subprocess.run(
        [sys.executable, "-m", "nas_notebook.benchmarks.reliability", "--build", str(out)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "100 distinct cells x 5 runs" in part.stdout
    projected = subprocess.run(
        [sys.executable, "-m", "nas_notebook.benchmarks.reliability", "--build", str(noisy),
         "--project", "1", "4"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "4*" in projected.stdout and "projected from the runs so far" in projected.stdout


def test_the_projection_matches_what_more_runs_measure(tmp_path):
    # Cells of graded quality and level-dependent noise: project from 2 runs, then measure 8.
    rng = np.random.default_rng(1)
    truth = rng.uniform(0.5, 1.0, size=3000)
    sigma = 0.02 + 0.06 * (1.0 - truth)

    def runs(n):
        return truth[:, None] + rng.normal(size=(len(truth), n)) * sigma[:, None]

    projected = project(runs(2), halves=(4,), repeats=10)[4]
    measured = table_reliability(runs(8))["by_runs_per_half"][4]
    for key in ("spearman", "top10", "top20"):
        assert projected[key] == pytest.approx(measured[key], abs=0.04), key


def test_the_shipped_mean_table_ranks_its_cells_by_their_architecture():
    """The averaged table's two halves of runs rank its distinct cells alike: Spearman 0.9 or
    more over all of them, and 70 % or more of one half's top tenth in the other's."""
    from nas_notebook.benchmarks import AVG_TABLE_PATH

    report = table_reliability(TabulatedBenchmark(AVG_TABLE_PATH).run_scores())
    assert report["cells"] == len(REPS) == 4930
    assert report["spearman"] >= 0.9 and report["top10"] >= 0.7, report
