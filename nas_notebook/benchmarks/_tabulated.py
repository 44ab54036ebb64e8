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
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ..trial import checkpoint, elapse, report, restore
from ._mean_table import LAYOUT, expand, run_scores
from ._nas201 import cell_index, cell_ops, search_space
from ._table import load_table

__all__ = ["AVG_TABLE_PATH", "TABLE_PATH", "TableBody", "TabulatedBenchmark", "table_files"]

#: Where the built table ships inside the package.
TABLE_PATH = Path(__file__).parent / "data" / "nas201_digits.npz"
#: The table of many runs per cell (its mean as the answer), once built and shipped.
AVG_TABLE_PATH = Path(__file__).parent / "data" / "nas201_digits_avg.npz"


def table_files() -> dict[str, Path]:
    """The shipped tables by benchmark name (those present).

    Example:
        >>> sorted(table_files())[0]
        'nas201_digits'
    """
    found = {"nas201_digits": TABLE_PATH, "nas201_digits_avg": AVG_TABLE_PATH}
    return {name: path for name, path in found.items() if path.is_file()}


class TabulatedBenchmark:
    """The tabulated benchmark (see :mod:`nas_notebook.benchmarks.build_nas201` for how every
    cell was trained).

    Args:
        path: The table file; the one shipped with the package by default.

    Raises:
        FileNotFoundError: The table file is missing (it says how to build it).
        ValueError: The file fails its checksum.

    Example:
        >>> bench = TabulatedBenchmark()
        >>> bench.seeds, bench.values("valid_acc").shape   # 15,625 cells x 10 epochs
        ([0, 1], (15625, 10))
        >>> round(float(bench.curve(["conv_3x3"] * 6)[-1]), 3)  # after the last epoch
        0.93
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
        self.meta, arrays = load_table(path)
        #: The training runs' seeds the table was built from.
        self.runs: list[int] = list(self.meta["seeds"])
        #: Whether the table keeps only the mean over its runs (a distinct-cell table, see
        #: :mod:`nas_notebook.benchmarks._mean_table`): ``"mean"`` is then its only seed.
        self.mean_only = self.meta.get("layout") == LAYOUT
        #: The seeds :meth:`values` reads one by one (none in a mean-only table).
        self.seeds: list[int] = [] if self.mean_only else self.runs
        self.arrays = expand(arrays) if self.mean_only else arrays
        self._stored = arrays
        self.epochs = int(self.arrays["valid_acc"].shape[2])

    def run_scores(self) -> np.ndarray:
        """Each distinct cell's final validation accuracy in each training run, ``(cells,
        runs)``: what the table's split-half reliability is computed from."""
        return run_scores(self.meta, self._stored)

    def run_finals(self) -> np.ndarray:
        """Every cell's final validation accuracy in each training run, ``(cells, runs)`` (an
        isomorphic cell shares its class's runs): what one training would have said of it."""
        if self.mean_only:
            return self._stored["runs_valid_acc"].astype(float)[self._stored["class_of"]]
        return np.stack([self.values("valid_acc", s)[:, -1] for s in self.seeds], axis=1)

    @property
    def default_seed(self) -> int | str:
        """What a body reads unless told: the first seed, or the mean in a mean-only table."""
        return "mean" if self.mean_only else self.seeds[0]

    def values(self, metric: str, seed: int | str | None = None) -> np.ndarray:
        """``metric`` of every cell for ``seed`` (a seed of the table, or ``"mean"``: the mean
        over its seeds; default :attr:`default_seed`), as floats: ``(cells, epochs)`` or
        ``(cells,)``."""
        seed = self._seed(seed)
        values = self.arrays[metric].astype(float)
        if seed == "mean":
            return np.asarray(np.nanmean(values, axis=1))
        if seed not in self.seeds:
            if self.mean_only:
                raise ValueError(
                    f"seed: this table keeps the mean over its {len(self.runs)} runs only: "
                    f"use 'mean', not {seed!r}"
                )
            raise ValueError(f"seed: the table has seeds {self.seeds} (or 'mean'), not {seed!r}")
        return np.asarray(values[:, self.seeds.index(seed)])

    def curve(
        self, ops: Any, seed: int | str | None = None, metric: str = "valid_acc"
    ) -> np.ndarray:
        """The per-epoch ``metric`` of cell ``ops`` (ops or an index) for ``seed`` (or the mean
        over the seeds with ``"mean"``; default :attr:`default_seed`)."""
        cell = ops if isinstance(ops, (int, np.integer)) else cell_index(ops)
        return np.asarray(self.values(metric, self._seed(seed))[cell])

    def _seed(self, seed: int | str | None) -> int | str:
        return self.default_seed if seed is None else seed

    def best(self, metric: str = "valid_acc", seed: int | str | None = None) -> float:
        """The best final ``metric`` in the table (averaged over seeds unless ``seed``)."""
        values = self.values(metric, "mean" if seed is None else seed)
        return float(np.nanmax(values[:, -1] if values.ndim == 2 else values))

    def objective(
        self,
        seed: int | str | None = None,
        epochs: int | None = None,
        prior: int | None = None,
        confidence: str | None = None,
    ) -> TableBody:
        """A trial body over the table: validation accuracy reported per epoch, at the epochs'
        recorded times; returns the last epoch's.

        Args:
            seed: The training seed whose results are read, or ``"mean"``: the mean over the
                table's seeds (a less noisy landscape; epoch times are averaged too). Default:
                :attr:`default_seed`.
            epochs: Stop after this many epochs (all by default).
            prior: A cell (index) whose ops are written as each edge's prior.
            confidence: The prior's confidence (``low``, ``medium``, ``high``).
        """
        return TableBody(
            self.path, seed=self._seed(seed), epochs=epochs, _bench=self, prior=prior,
            confidence=confidence,
        )  # fmt: skip


_loaded: dict[tuple[str, int], TabulatedBenchmark] = {}
_loaded_lock = threading.Lock()


def _open(path: Path) -> TabulatedBenchmark:
    """The table at ``path``, read once per process (worker processes read it on first use)."""
    key = (str(path.resolve()), path.stat().st_mtime_ns)
    with _loaded_lock:
        bench = _loaded.get(key)
        if bench is None:
            bench = _loaded[key] = TabulatedBenchmark(path)
        return bench


class TableBody:
    """The trial body of :meth:`TabulatedBenchmark.objective`: a picklable callable (a worker
    process reads the table from ``path`` the first time it runs one), whose objective is the
    reported ``valid_acc``, maximized. Steps count epochs trained (1 to ``epochs``), so that a
    multi-fidelity pruner's resource is the number of epochs.

    Example:
        >>> import pickle
        >>> body = TableBody("table.npz", seed=0, epochs=3)
        >>> pickle.loads(pickle.dumps(body)).epochs
        3
    """

    metric = "valid_acc"
    direction = "maximize"

    def __init__(
        self,
        path: str | os.PathLike[str],
        seed: int | str = 0,
        epochs: int | None = None,
        _bench: TabulatedBenchmark | None = None,
        prior: int | None = None,
        confidence: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.seed = seed
        self.epochs = epochs
        #: A cell (index) whose ops are each edge's prior, and the prior's confidence.
        self.prior, self.confidence = prior, confidence
        self._prior_ops = None if prior is None else cell_ops(prior)
        self._arrays: tuple[np.ndarray, np.ndarray] | None = None
        if _bench is not None:
            self._arrays = self._read(_bench)

    @property
    def steps(self) -> int:
        """The steps a trial reports: ``epochs``, or all the table's (the table is read once per
        process, as the trials read it), e.g. a Hyperband pruner's ``max_resource``.

        Example:
            >>> from nas_notebook.benchmarks import TABLE_PATH
            >>> TableBody(TABLE_PATH).steps, TableBody(TABLE_PATH, epochs=4).steps
            (10, 4)
        """
        return _open(self.path).epochs if self.epochs is None else self.epochs

    def _read(self, bench: TabulatedBenchmark) -> tuple[np.ndarray, np.ndarray]:
        last = bench.epochs if self.epochs is None else self.epochs
        if isinstance(last, bool) or not isinstance(last, int) or not 1 <= last <= bench.epochs:
            raise ValueError(f"epochs: an integer from 1 to {bench.epochs}, got {self.epochs!r}")
        valid = bench.values("valid_acc", self.seed)[:, :last]
        times = bench.values("epoch_time", self.seed)[:, :last]
        return valid, times

    def __getstate__(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "seed": self.seed,
            "epochs": self.epochs,
            "prior": self.prior,
            "confidence": self.confidence,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state)  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"TableBody({str(self.path)!r}, seed={self.seed!r}, epochs={self.epochs})"

    def __call__(self) -> float:
        if self._arrays is None:
            self._arrays = self._read(_open(self.path))
        valid, times = self._arrays
        cell = cell_index(search_space(self._prior_ops, self.confidence))
        state = restore()  # a trial paused at a rung and promoted goes on where it stopped
        for epoch in range(0 if state is None else state["epochs"], valid.shape[1]):
            elapse(times[cell, epoch])
            checkpoint({"epochs": epoch + 1})
            report(valid_acc=float(valid[cell, epoch]), step=epoch + 1)
        return float(valid[cell, -1])
