"""Tabulated benchmarks: a NAS-Bench-201-style cell space on scikit-learn's digits.

The cell encoding, the search space and the table need no torch; the plain model
(:mod:`nas_notebook.benchmarks.nas201_model`: ``Network``, ``Cell``) and the builder
(:mod:`nas_notebook.benchmarks.build_nas201`) do."""

from __future__ import annotations

from ._nas201 import (
    EDGES,
    N_CELLS,
    OPS,
    canonical,
    canonical_key,
    cell_from_str,
    cell_index,
    cell_ops,
    cell_str,
    edge_name,
    flops,
    isomorphism_classes,
    param_count,
    search_space,
)
from ._registry import benchmark_names, make_benchmark
from ._table import checksum, load_table, write_table
from ._tabulated import AVG_TABLE_PATH, TABLE_PATH, TableBody, TabulatedBenchmark, table_files

__all__ = [
    "AVG_TABLE_PATH",
    "EDGES",
    "N_CELLS",
    "OPS",
    "TABLE_PATH",
    "TableBody",
    "TabulatedBenchmark",
    "benchmark_names",
    "canonical",
    "canonical_key",
    "cell_from_str",
    "cell_index",
    "cell_ops",
    "cell_str",
    "checksum",
    "edge_name",
    "flops",
    "isomorphism_classes",
    "load_table",
    "make_benchmark",
    "param_count",
    "search_space",
    "table_files",
    "write_table",
]
