"""The table as the multi-fidelity peers of ``beyond.py`` see it: one landscape (the table's
default seed, or its mean), each configuration's accuracy and cost at each epoch, and the
regret of a peer's evaluations over spent training time."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from _incumbent import incumbents
from search_quality import regret_curve

from nas_notebook.benchmarks import EDGES, TabulatedBenchmark, cell_index, edge_name

__all__ = ["Landscape"]


class Landscape:
    """One landscape of ``table``: ``accuracy`` and cumulative ``time`` ``(cells, epochs)``."""

    def __init__(self, table: Path) -> None:
        bench = TabulatedBenchmark(table)
        self.seed = bench.default_seed
        self.accuracy = bench.values("valid_acc", self.seed)
        self.time = bench.values("time", self.seed)
        self.epochs = int(self.accuracy.shape[1])
        self.optimum = float(np.nanmax(self.accuracy[:, -1]))
        self.edges = [edge_name(e) for e in EDGES]

    def cell(self, config: dict[str, str]) -> int:
        """The cell of a configuration ``{edge: op}``."""
        return cell_index([config[e] for e in self.edges])

    def peer_regret(
        self, asked: Sequence[tuple[dict[str, str], int, float, float]], grid: np.ndarray
    ) -> np.ndarray:
        """The regret on ``grid`` (spent training time) of a peer's evaluations ``(config,
        epochs, value, cost)``, in order: its incumbent is the best configuration trained to the
        last epoch."""
        spent = np.cumsum([cost for *_, cost in asked])
        done = [
            (float(end), value, self.cell(config))
            for (config, epochs, value, _), end in zip(asked, spent)
            if epochs >= self.epochs
        ]
        return regret_curve(incumbents(done), grid, self.optimum)
