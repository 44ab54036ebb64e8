"""A synthetic table in the tabulated benchmark's file format, for tests and quick benchmark runs
where the real table is not needed (or not built)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..benchmarks import N_CELLS, write_table

__all__ = ["synthetic_table"]


def synthetic_table(
    path: str | os.PathLike[str], *, seeds: int = 1, epochs: int = 4, rng_seed: int = 0
) -> dict[str, Any]:
    """Write a table of all 15,625 cells with random rising validation curves (float16, as the
    real table stores them) and random epoch times of 1 to 3 s; returns its metadata.

    Example:
        >>> import tempfile, pathlib
        >>> from nas_notebook.benchmarks import TabulatedBenchmark
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.npz"
        >>> synthetic_table(path, epochs=3)["seeds"]
        [0]
        >>> TabulatedBenchmark(path).curve(0).shape
        (3,)
    """
    rng = np.random.default_rng(rng_seed)
    shape = (N_CELLS, seeds, epochs)
    acc = np.sort(rng.uniform(0.1, 0.95, shape), axis=2).astype(np.float16)
    epoch_time = rng.uniform(1, 3, shape).astype(np.float32)
    arrays: dict[str, np.ndarray] = {
        "valid_acc": acc,
        "epoch_time": epoch_time,
        "time": np.cumsum(epoch_time, axis=2),
        "test_acc": acc[:, :, -1],
    }
    meta = {"protocol": {"epochs": epochs, "synthetic": True}, "seeds": list(range(seeds))}
    return write_table(Path(path), arrays, meta)
