"""``load_search``: a stored search, to look at or to continue."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from optuna.storages import BaseStorage

from .._errors import StorageError
from .._schema import read_control, read_study_info
from .._storages import default_storage_url
from ..algorithms import parse_spec, sampler_names
from ..study import open_study_by_name
from ._load_body import stored_body
from ._search import Search

__all__ = ["load_search"]


def load_search(
    name: str,
    storage: str | BaseStorage | None = None,
    user_ns: Mapping[str, Any] | None = None,
    **options: Any,
) -> Search:
    """The search ``name`` stored in ``storage``, ready to look at or to continue.

    The trial body is the one stored with the study (the cell's source), and the search resumes
    the latest study of that name: ``load_search("net", user_ns=globals()).add_trials(10)
    .start()`` runs ten more trials, the algorithm seeing every earlier one. Unless ``algo=``
    says otherwise, that is the algorithm the study was last searched with (when it was given
    by name). Looking at a study needs none of the notebook's names: they are checked when the
    search starts.

    Args:
        name: The study name.
        storage: A storage URL or object; by default the journal of the current folder.
        user_ns: Where the body's names come from (in a notebook: ``globals()``).
        **options: Other :class:`Search` arguments (``executor``, ``workers``, ``n_trials``...).

    Example:
        >>> s = Search("x = floatv(0, 1)\\nx", name="demo", storage="memory", n_trials=2,
        ...            executor="inline").start()
        >>> again = load_search("demo", storage=s.storage, executor="inline")
        >>> len(again.trials)
        2
    """
    resolved, latest = open_study_by_name(
        name, storage if storage is not None else default_storage_url()
    )
    study_id = resolved.get_study_id_from_name(latest)
    stored = read_study_info(resolved, study_id)
    if "source" not in stored:
        raise StorageError(f"study {name!r} was not written by nas_notebook: it has no trial body")
    options.setdefault("metric", stored.get("metric"))
    # More trials go on with the algorithm the study was searched with, unless told otherwise
    # (a sampler object is recorded by its class name: nothing to rebuild it from).
    recorded = read_control(resolved, study_id).get("algo")
    if "algo" not in options and isinstance(recorded, str):
        with contextlib.suppress(ValueError):
            if parse_spec(recorded)[0] in sampler_names():
                options["algo"] = recorded
    options.setdefault("check_names", False)
    return Search(
        stored_body(stored), name=name, storage=resolved, resume=True, user_ns=user_ns, **options
    )
