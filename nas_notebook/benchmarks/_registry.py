"""Benchmarks by name, for ``%%search --benchmark NAME[:key=value,...]`` and ``Search(benchmark=)``.

A benchmark is a ready trial body with its own search space and objective (metric and
direction): the cell stays empty, and with the simulated executor a search over it runs in
simulated time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..algorithms import parse_spec
from ._tabulated import TableBody, TabulatedBenchmark

__all__ = ["benchmark_names", "make_benchmark"]


def _nas201_digits(seed: int = 0, epochs: int | None = None, path: str | None = None) -> TableBody:
    return TabulatedBenchmark(path).objective(seed=seed, epochs=epochs)


_benchmarks: dict[str, tuple[Callable[..., TableBody], str]] = {
    "nas201_digits": (
        _nas201_digits,
        "NAS-Bench-201-style cells on digits, tabulated (options: seed, epochs, path)",
    ),
}


def benchmark_names() -> list[str]:
    """The benchmark names, sorted.

    Example:
        >>> benchmark_names()
        ['nas201_digits']
    """
    return sorted(_benchmarks)


def make_benchmark(spec: str) -> Any:
    """The trial body of benchmark ``spec`` (``NAME`` or ``NAME:key=value,...``); it has
    ``metric`` and ``direction`` attributes.

    Raises:
        ValueError: An unknown name or option (the message lists the known ones), or a bad
            option value.

    Example:
        >>> make_benchmark("mnist_mlp")
        Traceback (most recent call last):
        ...
        ValueError: --benchmark: unknown benchmark 'mnist_mlp'; known: nas201_digits
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
    try:
        return factory(**options)
    except TypeError:
        raise ValueError(f"--benchmark {name}: bad options {options} ({summary})") from None
    except ValueError as exc:
        raise ValueError(f"--benchmark {name}: {exc}") from None
