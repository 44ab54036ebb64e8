"""Creating and resuming the Optuna study of a search: the storage I/O a search does before it
runs (a search's constructor calls these; views never do)."""

from __future__ import annotations

from typing import Any

import optuna
from optuna.storages import BaseStorage

from .._errors import StorageError
from .._logging import quiet_optuna
from .._schema import STUDY_INFO
from .._storages import describe_storage
from ._versions import latest_version, next_version, study_names, version_number

__all__ = ["create_study", "resume_study"]

#: How many versions of one name a process tries before giving up.
_CREATE_TRIES = 200


def _create_unique(
    storage: BaseStorage,
    name: str | None,
    sampler: optuna.samplers.BaseSampler,
    pruner: optuna.pruners.BasePruner,
    directions: list[str],
) -> optuna.Study:
    """Create ``name``, or its next free version: pick, create, and on a clash (another process
    created that version meanwhile) pick again past it."""
    taken = 1  # the versions up to this one are known to exist
    for _ in range(_CREATE_TRIES):
        wanted = name
        if name:
            existing = study_names(storage)
            if name in existing or taken > 1:
                wanted = next_version(name, [*existing, f"{name}.{taken}"])
        try:
            return optuna.create_study(
                storage=storage,
                study_name=wanted,
                sampler=sampler,
                pruner=pruner,
                directions=directions,  # type: ignore[arg-type]
            )
        except optuna.exceptions.DuplicatedStudyError:
            if not name or not wanted:
                raise
            taken = version_number(name, wanted)
    raise StorageError(
        f"no version of study {name!r} could be created in {describe_storage(storage)}: "
        f"{_CREATE_TRIES} were taken by other processes meanwhile"
    )


def create_study(
    storage: BaseStorage,
    name: str | None,
    sampler: optuna.samplers.BaseSampler,
    pruner: optuna.pruners.BasePruner,
    directions: list[str],
    info: dict[str, Any],
) -> optuna.Study:
    """A new study called ``name`` (its next version if the name is taken) recording ``info``
    (the trial body's ``source`` and the ``metric``) for :func:`~nas_notebook.load_search`.

    Processes that create studies of one name at once each get their own version: one that
    finds its version taken meanwhile takes the next.

    Raises:
        StorageError: The versions kept being taken (more than a few hundred processes at once).

    Example:
        >>> import optuna
        >>> storage = optuna.storages.InMemoryStorage()
        >>> make = lambda: create_study(storage, "net", optuna.samplers.RandomSampler(),
        ...     optuna.pruners.NopPruner(), ["minimize"], {"source": "1", "metric": None})
        >>> make().study_name, make().study_name
        ('net', 'net.2')
    """
    with quiet_optuna():
        study = _create_unique(storage, name, sampler, pruner, directions)
    study.set_user_attr(STUDY_INFO, info)
    return study


def resume_study(
    storage: BaseStorage,
    name: str | None,
    sampler: optuna.samplers.BaseSampler,
    pruner: optuna.pruners.BasePruner,
    directions: list[str] | None,
) -> optuna.Study:
    """The latest version of study ``name``, to continue it with ``sampler`` and ``pruner``.

    Raises:
        StorageError: There is no such study (the message lists those there are).
        ValueError: ``directions`` (when given) differ from the study's.

    Example:
        >>> import optuna
        >>> storage = optuna.storages.InMemoryStorage()
        >>> _ = optuna.create_study(storage=storage, study_name="net", direction="maximize")
        >>> sampler, pruner = optuna.samplers.RandomSampler(), optuna.pruners.NopPruner()
        >>> resume_study(storage, "net", sampler, pruner, None).study_name
        'net'
        >>> resume_study(storage, "net", sampler, pruner, ["minimize"])
        Traceback (most recent call last):
        ...
        ValueError: --direction(s) minimize does not match the resumed study, which is maximize
    """
    existing = study_names(storage)
    if name not in existing:
        known = ", ".join(sorted(existing)) or "none"
        raise StorageError(
            f"--resume: no study named {name!r} in {describe_storage(storage)} "
            f"(studies there: {known})"
        )
    with quiet_optuna():
        study = optuna.load_study(
            study_name=latest_version(name, existing),
            storage=storage,
            sampler=sampler,
            pruner=pruner,
        )
    stored = [d.name.lower() for d in study.directions]
    if directions is not None and directions != stored:
        raise ValueError(
            f"--direction(s) {','.join(directions)} does not match the resumed study, "
            f"which is {','.join(stored)}"
        )
    return study
