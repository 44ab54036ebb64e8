"""The checks of a search's arguments, each error naming the argument (as ``--option`` where
the cell line spells it so)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import optuna
from optuna.storages import BaseStorage

from ..study import WarmStart
from ..trial import FunctionProgram, Objective, TrialProgram, check_space_name, infer_direction

__all__ = [
    "benchmark_body",
    "build_program",
    "check_options",
    "default_directions",
    "parse_directions",
    "program_space",
    "warm_start_of",
]

DIRECTIONS = ("minimize", "maximize")


def check_options(
    n_trials: int | None, timeout: float | None, direction: str | None, directions: Any
) -> list[str] | None:
    """Check the budget and directions; return the directions asked for (None: inferred).

    Example:
        >>> check_options(10, None, None, "maximize,minimize")
        ['maximize', 'minimize']
        >>> check_options(0, None, None, None)
        Traceback (most recent call last):
        ...
        ValueError: `n_trials` must be a positive integer, got 0
    """
    if n_trials is not None and (isinstance(n_trials, bool) or n_trials < 1):
        raise ValueError(f"`n_trials` must be a positive integer, got {n_trials!r}")
    if timeout is not None and timeout <= 0:
        raise ValueError(f"`timeout` must be positive, got {timeout!r}")
    if direction is not None and direction not in DIRECTIONS:
        raise ValueError(f"`direction` must be 'minimize' or 'maximize', got {direction!r}")
    wanted = parse_directions(directions)
    if wanted is not None and direction is not None:
        raise ValueError("give `direction` (one objective) or `directions`, not both")
    return wanted


def parse_directions(directions: str | Sequence[str] | None) -> list[str] | None:
    """``"maximize,minimize"`` or a sequence of directions as a list (None stays None).

    Example:
        >>> parse_directions(["Maximize", " minimize"])
        ['maximize', 'minimize']
    """
    if directions is None:
        return None
    items = directions.split(",") if isinstance(directions, str) else list(directions)
    parsed = [str(item).strip().lower() for item in items]
    bad = [item for item in parsed if item not in DIRECTIONS]
    if bad or not parsed:
        raise ValueError(
            f"`directions` must be 'minimize' or 'maximize' for each objective, separated by "
            f"commas, got {directions!r}"
        )
    return parsed


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


def benchmark_body(
    spec: str, body: Any, metric: str | None, direction: str | None
) -> tuple[Callable[[], Any], str, str | None]:
    """The trial body, metric and direction of benchmark ``spec``; a cell given with it must
    hold nothing but comments.

    Example:
        >>> body, metric, direction = benchmark_body("nas201_digits", "# a note", None, None)
        >>> metric, direction
        ('valid_acc', 'maximize')
    """
    from ..benchmarks import make_benchmark

    if body is not None and not (isinstance(body, str) and _only_comments(body)):
        raise ValueError(
            f"--benchmark {spec}: the benchmark brings its own trial body; leave the cell empty"
        )
    bench = make_benchmark(spec)
    if metric is not None and metric != bench.metric:
        raise ValueError(f"--metric: the benchmark {spec} reports {bench.metric!r}, not {metric!r}")
    return bench, bench.metric, direction or bench.direction


def build_program(
    body: Any, space: Any, name: str | None, first_line: int, user_ns: Mapping[str, Any]
) -> TrialProgram:
    """The trial program of ``body`` (cell text, a function or a program) over ``space``.

    Example:
        >>> build_program("x = floatv(0, 1)\\nx", None, "demo", 1, {}).source
        'x = floatv(0, 1)\\nx'
    """
    if body is None:
        raise ValueError("Search needs a trial body (cell text or a function) or a benchmark")
    if isinstance(body, TrialProgram):
        return body
    if callable(body):
        if isinstance(space, str):
            check_space_name(space, user_ns, frozenset([space]))
            space = user_ns[space]
        return FunctionProgram(body, space)
    if space is not None and not isinstance(space, str):
        raise ValueError("`space` for a cell body is the name of the variable that holds the space")
    return TrialProgram(body, label=name or "search", first_line=first_line, space=space)


def program_space(program: TrialProgram, user_ns: Mapping[str, Any]) -> Any:
    """The symbolic space ``program``'s trials materialize (None: a define-by-run body)."""
    if program.space is not None:
        return user_ns.get(program.space)
    return getattr(program, "space_value", None)


def default_directions(objective: Objective, program: TrialProgram) -> list[str]:
    """Each objective's direction when none is given: from the metric's name, or from the
    body's last line (``loss`` minimizes, ``accuracy`` maximizes...).

    Example:
        >>> from nas_notebook.trial import Objective, TrialProgram
        >>> default_directions(Objective("val_loss"), TrialProgram("val_loss = 1"))
        ['minimize']
        >>> default_directions(Objective(), TrialProgram("x = floatv(0, 1)\\naccuracy"))
        ['maximize']
    """
    if objective.n_objectives > 1:
        return [infer_direction(metric) for metric in objective.metrics]
    if objective.metric:
        return [infer_direction(objective.metric)]
    source = program.source.rstrip().splitlines()
    return [infer_direction(source[-1] if source else None)]


def warm_start_of(
    storage: BaseStorage,
    sources: str | optuna.Study | Sequence[str | optuna.Study] | None,
    program: TrialProgram,
    n_objectives: int,
    name: str | None,
) -> WarmStart | None:
    """The warm start of a search from ``sources`` (study names in its storage, or studies),
    checked now against the decisions the body spells, before the search's study exists;
    None without sources.

    Raises:
        ValueError: A source does not exist, or shares no decision with the body.
    """
    if sources is None or (isinstance(sources, (list, tuple)) and not sources):
        return None
    if isinstance(sources, (str, optuna.Study)):
        sources = [sources]
    spelled = program.space is None and not isinstance(program, FunctionProgram)
    names = program.static_names() if spelled else set()
    return WarmStart(storage, list(sources), names, n_objectives=n_objectives, name=name)
