"""The ``%%search`` command line: its options (defined once, shared with the CLI) and parsing."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import Any

from ..algorithms import pruner_names, sampler_names

__all__ = ["OPTIONS", "add_options", "resolve_executor", "search_kwargs"]

#: Every option of ``%%search`` and ``nas-notebook run``: (flags, argparse keyword arguments).
OPTIONS: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (("--n-trials", "-n"), {"type": int, "default": None, "help": "number of trials to run"}),
    (
        ("--timeout",),
        {
            "type": float,
            "default": None,
            "help": "seconds after which no trial starts (simulated seconds with the "
            "simulated executor)",
        },
    ),
    (
        ("--algo",),
        {
            "default": None,
            "help": "search algorithm, NAME[:key=value,...]: " + ", ".join(sampler_names()),
        },
    ),
    (
        ("--pruner",),
        {
            "default": None,
            "help": "scheduler for reported values, NAME[:key=value,...]: "
            + ", ".join(pruner_names())
            + " (asha stops trials; asha:type=promotion pauses and resumes them: "
            "checkpoint/restore)",
        },
    ),
    (
        ("--direction",),
        {
            "default": None,
            "choices": ["minimize", "maximize"],
            "help": "optimization direction (default: inferred from the metric name; "
            "loss/error/latency minimize, others maximize)",
        },
    ),
    (
        ("--directions",),
        {
            "default": None,
            "help": "several objectives, one direction each: maximize,minimize (the trial "
            "evaluates to a tuple, or --metric names the reported metrics: accuracy,latency)",
        },
    ),
    (("--metric",), {"default": None, "help": "the reported metric that is the objective"}),
    (
        ("--storage",),
        {
            "default": None,
            "help": "storage URL: memory, journal:PATH, sqlite:///PATH, postgresql://",
        },
    ),
    (("--seed",), {"type": int, "default": None, "help": "seed of the search algorithm"}),
    (
        ("--executor",),
        {
            "default": None,
            "help": "where trials run: thread (background, the default), process (worker "
            "processes), dask (a Dask cluster), inline (blocking) or simulated (a simulated "
            "clock: bodies account their work with elapse(seconds))",
        },
    ),
    (
        ("--benchmark",),
        {
            "default": None,
            "help": "search a benchmark instead of the cell body, NAME[:key=value,...] "
            "(nas201_digits); the executor is then simulated unless given",
        },
    ),
    (
        ("--scheduler",),
        {
            "default": None,
            "help": "with --executor dask: the scheduler address (tcp://host:8786); by default "
            "a distributed.Client in the namespace, or a local cluster",
        },
    ),
    (
        ("--space",),
        {
            "default": None,
            "help": "a variable holding a symbolic space (a dict configuration space, or a "
            "symbolized object with hyper values): each trial sees it materialized",
        },
    ),
    (("--workers",), {"type": int, "default": 1, "help": "number of trials run at once"}),
    (
        ("--resume",),
        {
            "action": "store_true",
            "default": False,
            "help": "continue the study NAME in the storage",
        },
    ),
    (
        ("--warm-start",),
        {
            "default": None,
            "metavar": "STUDY[,STUDY]",
            "help": "start from the finished trials of these studies in the storage (copied "
            "once, shown apart, not counted in the budget)",
        },
    ),
]


def add_options(add: Callable[..., Any], defaults: bool = True) -> None:
    """Call ``add(*flags, **kwargs)`` for every option (an argparse ``add_argument``).

    With ``defaults=False`` an option that is not given is absent from the parsed namespace, so
    command-line options can be told apart from defaults when they are layered over others.

    Example:
        >>> import argparse
        >>> parser = argparse.ArgumentParser(prog="search")
        >>> add_options(parser.add_argument)
        >>> args = parser.parse_args(["--n-trials", "5", "--algo", "tpe"])
        >>> args.n_trials, args.algo, args.executor
        (5, 'tpe', None)
    """
    for flags, kwargs in OPTIONS:
        if not defaults:
            kwargs = {**kwargs, "default": argparse.SUPPRESS}
        add(*flags, **kwargs)


def resolve_executor(
    executor: Any, workers: int, scheduler: str | None, namespace: Mapping[str, Any] | None
) -> Any:
    """``--executor dask`` as a :class:`~nas_notebook.executors.DaskExecutor` on the
    ``--scheduler`` address, or on a ``distributed.Client`` found in ``namespace``; other
    executor names are returned as they are.

    Example:
        >>> resolve_executor("process", 2, None, {})
        'process'
        >>> resolve_executor("thread", 1, "tcp://host:8786", {})
        Traceback (most recent call last):
        ...
        ValueError: --scheduler is for --executor dask
    """
    if executor != "dask":
        if scheduler is not None:
            raise ValueError("--scheduler is for --executor dask")
        return executor
    from ..executors import DaskExecutor

    client = None
    if scheduler is None:
        client = next(
            (
                value
                for value in (namespace or {}).values()
                if type(value).__name__ == "Client"
                and type(value).__module__.startswith("distributed")
            ),
            None,
        )
    return DaskExecutor(workers=workers, client=client, scheduler=scheduler)


def search_kwargs(
    args: argparse.Namespace, namespace: Mapping[str, Any] | None = None, resolve: bool = True
) -> dict[str, Any]:
    """The keyword arguments of :class:`~nas_notebook.Search` that parsed options give (with
    ``resolve``, ``--executor dask`` becomes an executor: see :func:`resolve_executor`).

    Example:
        >>> import argparse
        >>> parser = argparse.ArgumentParser(prog="search")
        >>> add_options(parser.add_argument)
        >>> kwargs = search_kwargs(parser.parse_args(["-n", "8", "--benchmark", "nas201_digits"]))
        >>> kwargs["n_trials"], kwargs["executor"], kwargs["benchmark"]
        (8, 'simulated', 'nas201_digits')
    """
    executor = args.executor
    if executor is None and args.benchmark is not None:
        executor = "simulated"
    if resolve:
        executor = resolve_executor(executor, args.workers, args.scheduler, namespace)
    return {
        "n_trials": args.n_trials,
        "timeout": args.timeout,
        "algo": args.algo,
        "pruner": args.pruner,
        "direction": args.direction,
        "directions": args.directions,
        "metric": args.metric,
        "storage": args.storage,
        "seed": args.seed,
        "executor": executor,
        "workers": args.workers,
        "resume": args.resume,
        "warm_start": _studies(getattr(args, "warm_start", None)),
        "benchmark": args.benchmark,
        "scheduler": args.scheduler,
        "space": args.space,
    }


def _studies(text: str | None) -> list[str] | None:
    """``--warm-start a,b`` as study names."""
    if text is None:
        return None
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise ValueError("--warm-start: give one or more study names, separated by commas")
    return names
