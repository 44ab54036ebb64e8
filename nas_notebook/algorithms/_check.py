"""Whether an algorithm and a pruner can run a study with given directions, asked before the
study or any trial exists.

Optuna gives a sampler no hook before it creates a trial: ``study.ask`` stores the trial, then
calls the sampler's ``before_trial``, so a sampler that refuses the study there leaves that trial
RUNNING for good. A search therefore asks :func:`check_algorithm` first; in plain Optuna our
single-objective samplers refuse from inside the trial (their first ``suggest_*``), which Optuna
records as FAIL (see :class:`~nas_notebook.algorithms.IndependentSampler`).
"""

from __future__ import annotations

from collections.abc import Sequence

import optuna
from optuna.study import StudyDirection

from ._base import check_objectives, supports_objectives
from ._registry import _samplers, make_pruner, make_sampler
from ._spec import parse_spec

__all__ = ["check_algorithm"]


def _direction_names(directions: str | Sequence[str | StudyDirection]) -> list[str]:
    items = directions.split(",") if isinstance(directions, str) else list(directions)
    names = []
    for item in items:
        name = item.name.lower() if isinstance(item, StudyDirection) else str(item).strip()
        if name not in ("minimize", "maximize"):
            raise ValueError(f"directions: each is 'minimize' or 'maximize', got {item!r}")
        names.append(name)
    if not names:
        raise ValueError("directions: give at least one")
    return names


def _registered_name(sampler: optuna.samplers.BaseSampler) -> str | None:
    """The registry name whose factory is ``sampler``'s class, if any."""
    for name, entry in _samplers.items():
        if entry.factory is type(sampler):
            return name
    return None


def check_algorithm(
    sampler: str | optuna.samplers.BaseSampler,
    pruner: str | optuna.pruners.BasePruner | None = None,
    directions: str | Sequence[str | StudyDirection] = ("minimize",),
) -> None:
    """Refuse, before any study or trial exists, a search that the algorithm cannot run.

    Checks that ``sampler`` (a registry spec such as ``"reinforce"`` or
    ``"tpe:n_startup_trials=5"``, or a sampler object) and ``pruner`` (a spec, an object, or
    None) resolve, that every direction is ``minimize`` or ``maximize``, and that the sampler
    can sample a study with that many objectives: a sampler class says it cannot with
    ``multi_objective = False`` (Optuna's CMA-ES is known to). A pruner is accepted with several
    objectives: Optuna keeps no intermediate values there, so it never prunes.

    Args:
        sampler: The algorithm.
        pruner: The pruner, if any.
        directions: One direction per objective: a list, or names joined by commas.

    Raises:
        ValueError: The first problem found; for an algorithm that cannot sample several
            objectives, the message names it, says what it does not support and lists the
            registered algorithms that do. An unknown name raises
            :class:`~nas_notebook.UnknownAlgorithmError` (a ``ValueError``).

    Example:
        >>> check_algorithm("tpe", "median", ["minimize", "maximize"])
        >>> check_algorithm("reinforce", None, "maximize,minimize")
        ... # doctest: +ELLIPSIS, +NORMALIZE_WHITESPACE
        Traceback (most recent call last):
        ValueError: algorithm 'reinforce' (ReinforceController) is single-objective (...): it
        cannot sample a study with 2 objectives (maximize, minimize); algorithms for several
        objectives: bohb, gp, grid, nsga2, random, tpe
    """
    names = _direction_names(directions)
    if isinstance(sampler, str):
        registered: str | None = parse_spec(sampler)[0]
        sampler = make_sampler(sampler)
    else:
        sampler = make_sampler(sampler)  # refuses what is neither a name nor a sampler
        registered = _registered_name(sampler)
    make_pruner(pruner)
    if supports_objectives(sampler, len(names)):
        return
    label = type(sampler).__name__
    label = f"algorithm {registered!r} ({label})" if registered else label
    able = [
        name for name, entry in sorted(_samplers.items()) if supports_objectives(entry.factory, 2)
    ]
    try:
        check_objectives(sampler, len(names), label)
    except ValueError as exc:
        message = f"{exc} ({', '.join(names)})"
        if able:
            message += f"; algorithms for several objectives: {', '.join(able)}"
        raise ValueError(message) from None
