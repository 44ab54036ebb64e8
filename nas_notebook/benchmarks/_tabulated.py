"""The NAS-Bench-201-style table on digits as a search objective, for real or simulated time.

:meth:`TabulatedBenchmark.objective` is a trial body: it picks a cell with
:func:`~nas_notebook.benchmarks.search_space`, then for each epoch accounts that epoch's recorded
training time with :func:`~nas_notebook.elapse` and reports its recorded validation accuracy
with :func:`~nas_notebook.report`. Under the simulated executor, results therefore arrive at the
simulated times the table recorded, with pruning decisions taken at those times; under any other
executor the same body answers at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..study._elapse import elapse
from ..study._report import report
from ._nas201 import cell_index, search_space
from ._table import load_table

__all__ = ["TABLE_PATH", "TabulatedBenchmark"]

#: Where the built table ships inside the package.
TABLE_PATH = Path(__file__).parent / "data" / "nas201_digits.npz"


class TabulatedBenchmark:
    """The tabulated benchmark (see :mod:`nas_notebook.benchmarks.build_nas201` for how every
    cell was trained).

    Args:
        path: The table file; the one shipped with the package by default.

    Raises:
        FileNotFoundError: The table file is missing (it says how to build it).
        ValueError: The file fails its checksum.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        path = Path(path) if path is not None else TABLE_PATH
        if not path.is_file():
            raise FileNotFoundError(
                f"no NAS-Bench-201-style table at {path}; build it with `python -m "
                "nas_notebook.benchmarks.build_nas201 --out DIR` then `--out DIR --merge "
                f"{path}`"
            )
        self.path = path
        self.meta, self.arrays = load_table(path)
        self.seeds: list[int] = list(self.meta["seeds"])
        self.epochs = int(self.arrays["valid_acc"].shape[2])

    def curve(self, ops: Any, seed: int = 0, metric: str = "valid_acc") -> np.ndarray:
        """The per-epoch ``metric`` of cell ``ops`` (ops or an index) for ``seed``."""
        cell = ops if isinstance(ops, (int, np.integer)) else cell_index(ops)
        return np.asarray(self.arrays[metric][cell, self.seeds.index(seed)], dtype=float)

    def best(self, metric: str = "valid_acc", seed: int | None = None) -> float:
        """The best final ``metric`` in the table (averaged over seeds unless ``seed``)."""
        values = self.arrays[metric].astype(float)
        final = values[..., -1] if values.ndim == 3 else values
        final = final[:, self.seeds.index(seed)] if seed is not None else np.nanmean(final, axis=1)
        return float(np.nanmax(final))

    def objective(self, seed: int = 0, epochs: int | None = None) -> Callable[[], float]:
        """A trial body over the table: validation accuracy reported per epoch, at the epochs'
        recorded times; returns the last epoch's.

        Args:
            seed: The training seed whose results are read.
            epochs: Stop after this many epochs (all by default).
        """
        if seed not in self.seeds:
            raise ValueError(f"seed: the table has seeds {self.seeds}, not {seed!r}")
        last = self.epochs if epochs is None else int(epochs)
        if not 1 <= last <= self.epochs:
            raise ValueError(f"epochs: between 1 and {self.epochs}, got {epochs!r}")
        s = self.seeds.index(seed)
        valid = self.arrays["valid_acc"][:, s, :last].astype(float)
        times = self.arrays["epoch_time"][:, s, :last].astype(float)

        def nas201_digits() -> float:
            cell = cell_index(search_space())
            for epoch in range(last):
                elapse(times[cell, epoch])
                report(valid_acc=float(valid[cell, epoch]), step=epoch)
            return float(valid[cell, last - 1])

        return nas201_digits
