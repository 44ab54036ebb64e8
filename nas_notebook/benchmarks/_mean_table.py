"""A table of many training runs per cell, kept small: one row per distinct cell (isomorphism
class) holding the *mean* over the runs of every per-epoch curve, and each run's final
validation and test results (what the split-half reliability of the table is computed from).

Layout (``meta["layout"] == "distinct-mean"``), with ``D`` distinct cells, ``R`` runs and ``E``
epochs:

* ``cells`` ``(D,)``: each class's representative cell index; ``class_of`` ``(15625,)``: the
  row of every cell's class (isomorphic cells compute the same function class, so they share
  their representative's results);
* ``train_loss``, ``train_acc``, ``valid_loss``, ``valid_acc`` ``(D, E)`` float16, ``epoch_time``
  and ``time`` (cumulative) ``(D, E)`` float32: means over the runs;
* ``test_loss``, ``test_acc`` ``(D,)``: means over the runs;
* ``runs_valid_acc``, ``runs_valid_loss``, ``runs_test_acc`` ``(D, R)`` float16: each run's final
  values, in the order of ``meta["seeds"]``;
* ``params``, ``flops`` ``(D,)``.

:func:`expand` turns it into the per-cell layout that
:class:`~nas_notebook.benchmarks.TabulatedBenchmark` reads, with the mean as its only "seed".
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._nas201 import N_CELLS, cell_ops, flops, isomorphism_classes, param_count
from ._table import write_table

__all__ = ["LAYOUT", "expand", "merge_mean", "run_scores"]

LAYOUT = "distinct-mean"
CURVES = ("train_loss", "train_acc", "valid_loss", "valid_acc", "epoch_time")
FINALS = ("test_loss", "test_acc")


@functools.lru_cache(maxsize=1)
def _classes() -> tuple[np.ndarray, np.ndarray]:
    """(representatives sorted, the row of each cell's class)."""
    members = sorted(isomorphism_classes().values())
    cells = np.array([m[0] for m in members], np.int32)
    class_of = np.empty(N_CELLS, np.int16)
    for row, group in enumerate(members):
        class_of[list(group)] = row
    return cells, class_of


def merge_mean(
    out: str | os.PathLike[str],
    table: str | os.PathLike[str],
    seeds: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Assemble the chunks of a representatives-only build in ``out`` into the distinct-cell
    table ``table`` (see the module docstring); returns its metadata.

    ``seeds``: the runs to include; by default every seed whose cells are all trained."""
    from ._build_chunks import chunks_of  # the build's side: it needs torch, a table does not

    chunks, protocol = chunks_of(out)
    if protocol["cells"] != "representatives":
        raise ValueError("a distinct-cell table needs a build of the representatives")
    cells, class_of = _classes()
    row_of = {int(c): r for r, c in enumerate(cells.tolist())}
    done: dict[int, set[int]] = {}
    for _, meta, chunk in chunks:
        done.setdefault(meta["seed"], set()).update(int(c) for c in chunk["cells"])
    complete = sorted(seed for seed, got in done.items() if len(got) == len(cells))
    if seeds is None:
        seeds = complete
    missing = sorted(set(seeds) - set(complete))
    if missing or not seeds:
        raise ValueError(
            f"seeds: {missing or 'none'} not fully built (complete: {complete}; built in part: "
            f"{ {s: len(c) for s, c in sorted(done.items()) if s not in complete} })"
        )
    seeds = sorted(seeds)
    epochs = protocol["epochs"]
    d, r = len(cells), len(seeds)
    runs = {name: np.full((d, r, epochs), np.nan, np.float32) for name in CURVES}
    finals = {name: np.full((d, r), np.nan, np.float32) for name in FINALS}
    for _, meta, chunk in chunks:
        if meta["seed"] not in seeds:
            continue
        s = seeds.index(meta["seed"])
        rows = [row_of[int(c)] for c in chunk["cells"]]
        for name in CURVES:
            runs[name][rows, s] = chunk[name]
        for name in FINALS:
            finals[name][rows, s] = chunk[name]
    ops = [cell_ops(int(c)) for c in cells]
    channels = protocol["channels"]
    mean_time = runs["epoch_time"].mean(axis=1)
    arrays: dict[str, np.ndarray] = {
        "cells": cells,
        "class_of": class_of,
        **{name: runs[name].mean(axis=1).astype(np.float16) for name in CURVES[:4]},
        "epoch_time": mean_time,
        "time": np.cumsum(mean_time, axis=1, dtype=np.float32),
        **{name: finals[name].mean(axis=1).astype(np.float16) for name in FINALS},
        "runs_valid_acc": runs["valid_acc"][:, :, -1].astype(np.float16),
        "runs_valid_loss": runs["valid_loss"][:, :, -1].astype(np.float16),
        "runs_test_acc": finals["test_acc"].astype(np.float16),
        "params": np.array([param_count(o, channels) for o in ops], np.int64),
        "flops": np.array([flops(o, channels) for o in ops], np.int64),
    }
    return write_table(table, arrays, {"protocol": protocol, "seeds": seeds, "layout": LAYOUT})


def expand(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The per-cell arrays of a distinct-cell table, as a table of one "seed" (the mean over
    the runs): curves ``(15625, 1, E)``, finals ``(15625, 1)``, ``params``/``flops``
    ``(15625,)``, ``trained_as`` the representative each entry comes from."""
    rows = arrays["class_of"].astype(np.int64)
    out = {name: arrays[name][rows][:, None] for name in (*CURVES[:4], "epoch_time", "time")}
    out.update({name: arrays[name][rows][:, None] for name in FINALS})
    out["params"], out["flops"] = arrays["params"][rows], arrays["flops"][rows]
    out["trained_as"] = arrays["cells"][rows][:, None]
    return out


def run_scores(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> np.ndarray:
    """Each distinct cell's final validation accuracy in each run, ``(D, R)``: from a
    distinct-cell table's ``runs_valid_acc``, or from a per-seed table's last epoch (its
    representatives' rows)."""
    if meta.get("layout") == LAYOUT:
        return arrays["runs_valid_acc"].astype(float)
    cells, _ = _classes()
    return arrays["valid_acc"][cells, :, -1].astype(float)
