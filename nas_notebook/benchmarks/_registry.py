"""Benchmarks by name, for ``%%search --benchmark NAME[:key=value,...]`` and ``Search(benchmark=)``.

A benchmark is a ready trial body with its own search space and objective (metric and
direction): the cell stays empty, and with the simulated executor a search over it runs in
simulated time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..algorithms import parse_spec
from ._tabulated import AVG_TABLE_PATH, TableBody, TabulatedBenchmark, table_files

__all__ = ["benchmark_names", "make_benchmark"]


def _nas201_digits(
    seed: int = 0,
    epochs: int | None = None,
    path: str | None = None,
    prior: int | None = None,
    confidence: str | None = None,
) -> TableBody:
    bench = TabulatedBenchmark(path)
    return bench.objective(seed=seed, epochs=epochs, prior=prior, confidence=confidence)


def _nas201_digits_avg(
    epochs: int | None = None,
    path: str | None = None,
    prior: int | None = None,
    confidence: str | None = None,
) -> TableBody:
    bench = TabulatedBenchmark(path or AVG_TABLE_PATH)
    return bench.objective(seed="mean", epochs=epochs, prior=prior, confidence=confidence)


_benchmarks: dict[str, tuple[Callable[..., TableBody], str]] = {
    "nas201_digits": (
        _nas201_digits,
        "NAS-Bench-201-style cells on digits, tabulated (options: seed, epochs, path, prior, "
        "confidence; prior: a cell index whose ops are the edges' priors)",
    ),
    "nas201_digits_avg": (
        _nas201_digits_avg,
        "the same cells, the mean of many training runs each (options: epochs, path, prior, "
        "confidence)",
    ),
}


def benchmark_names() -> list[str]:
    """The names of the benchmarks whose tables are here, sorted.

    Example:
        >>> benchmark_names()[0]
        'nas201_digits'
    """
    present = table_files()
    return sorted(name for name in _benchmarks if name in present)


def make_benchmark(spec: str) -> Any:
    """The trial body of benchmark ``spec`` (``NAME`` or ``NAME:key=value,...``); it has
    ``metric`` and ``direction`` attributes.

    Raises:
        ValueError: An unknown name or option (the message lists the known ones), or a bad
            option value.

    Example:
        >>> make_benchmark("mnist_mlp")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: --benchmark: unknown benchmark 'mnist_mlp'; known: nas201_digits, ...
    """
    try:
        name, options = parse_spec(spec)
    except ValueError as exc:
        raise ValueError(f"--benchmark: {exc}") from None
    if name not in _benchmarks:
        raise ValueError(
            f"--benchmark: unknown benchmark {name!r}; known: {', '.join(benchmark_names())}"
        )
    factory, summary = _benchmarks[name]
    if name not in table_files() and "path" not in options:
        raise ValueError(
            f"--benchmark {name}: its table is not built yet (build_nas201 --merge-mean "
            "writes it), or give path=TABLE.npz"
        )
    try:
        return factory(**options)
    except TypeError:
        raise ValueError(f"--benchmark {name}: bad options {options} ({summary})") from None
    except ValueError as exc:
        raise ValueError(f"--benchmark {name}: {exc}") from None
