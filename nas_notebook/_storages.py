"""Optuna storages by URL.

=====================================  ==============================================
URL                                    storage
=====================================  ==============================================
``None`` or ``"memory"``               ``InMemoryStorage`` (this process only)
``"journal:PATH"`` or ``PATH.journal`` ``JournalStorage`` over a ``JournalFileBackend``
``sqlite:///PATH``, ``postgresql://``  ``RDBStorage`` (any SQLAlchemy URL)
=====================================  ==============================================

Background searches started from a notebook default to one journal file per notebook folder,
``.nas_notebook/studies.journal`` (:func:`default_storage_url`).

Several processes may open one storage at once. The first opening of a new SQLite or PostgreSQL
database creates its tables: processes that race on that creation retry it
(:func:`open_storage`). A journal's writers take the lock file ``PATH.lock``, which records its
owner: a lock left by a process that died while holding it is removed as soon as a writer sees
the process gone (:class:`JournalLock`).
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import optuna
from optuna.storages import BaseStorage

from ._errors import StorageError
from ._journal_lock import JournalLock
from ._schema import journal_path, unwrap_storage

__all__ = [
    "DEFAULT_JOURNAL",
    "JournalLock",
    "default_storage_url",
    "describe_storage",
    "open_storage",
    "storage_url",
]

DEFAULT_JOURNAL = os.path.join(".nas_notebook", "studies.journal")


def default_storage_url(folder: str | os.PathLike[str] | None = None) -> str:
    """The journal file used by default for searches started in ``folder`` (default: cwd).

    Example:
        >>> default_storage_url("/home/me/project")
        'journal:/home/me/project/.nas_notebook/studies.journal'
    """
    return "journal:" + os.path.join(os.fspath(folder or "."), DEFAULT_JOURNAL)


def _journal(path: str) -> BaseStorage:
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    # Absolute now: Optuna keeps the path as given, and a relative one would follow a later
    # chdir (``%cd`` in the notebook while trials run), splitting the study across two files.
    target = Path(path).expanduser().absolute()
    if target.is_dir():
        raise StorageError(f"storage {path!r}: is a directory, expected a journal file path")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        backend = JournalFileBackend(str(target), lock_obj=JournalLock(str(target)))
        return JournalStorage(backend)
    except OSError as exc:
        raise StorageError(f"storage 'journal:{path}' does not open: {exc}") from None


#: Phrases of the errors that processes creating one database's tables at once meet.
_CREATION_RACES = ("already exists", "duplicate key", "database is locked", "deadlock detected")
#: How many times a storage whose creation raced is opened again.
_OPEN_TRIES = 8


def _creation_race(exc: BaseException) -> bool:
    """Whether ``exc`` (from ``RDBStorage``) comes from another process creating the same
    tables meanwhile: the URL opened, only the creation clashed."""
    from sqlalchemy import exc as sa

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, sa.IntegrityError):
            return True
        if isinstance(seen, sa.DBAPIError) and any(p in str(seen) for p in _CREATION_RACES):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _rdb(url: str) -> BaseStorage:
    for attempt in range(1, _OPEN_TRIES + 1):
        try:
            return optuna.storages.RDBStorage(url)
        except Exception as exc:  # SQLAlchemy raises many types; all mean "does not open"
            if attempt < _OPEN_TRIES and _creation_race(exc):
                time.sleep(random.uniform(0.02, 0.1) * attempt)
                continue
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise StorageError(f"storage {url!r} does not open: {reason}") from None
    raise AssertionError("unreachable")  # pragma: no cover


def open_storage(url: str | BaseStorage | None) -> BaseStorage:
    """Open the Optuna storage that ``url`` names (see the module docstring).

    Raises:
        StorageError: The URL is malformed or the storage does not open; the message says why.

    Example:
        >>> type(open_storage("memory")).__name__
        'InMemoryStorage'
    """
    if isinstance(url, BaseStorage):
        return url
    if url is None or url == "memory" or url == ":memory:":
        return optuna.storages.InMemoryStorage()
    if not isinstance(url, str) or not url.strip():
        raise StorageError(f"storage must be a URL string, got {url!r}")
    url = url.strip()
    if url.startswith("journal:"):
        return _journal(url[len("journal:") :])
    if url.endswith((".journal", ".log")) and "://" not in url:
        return _journal(url)
    if "://" not in url:
        raise StorageError(
            f"storage {url!r} is not a URL; use 'memory', 'journal:PATH', 'sqlite:///PATH' or a "
            "database URL such as 'postgresql+psycopg://user@host/db'"
        )
    return _rdb(url)


def describe_storage(storage: BaseStorage) -> str:
    """A short description of ``storage`` for messages.

    Example:
        >>> describe_storage(open_storage("memory"))
        'InMemoryStorage'
    """
    storage = unwrap_storage(storage)
    path = journal_path(storage)
    if path is not None:
        return f"journal:{path}"
    if isinstance(storage, optuna.storages.RDBStorage):
        return str(storage.url)
    from optuna.storages.journal import JournalStorage

    return "journal" if isinstance(storage, JournalStorage) else type(storage).__name__


def storage_url(storage: BaseStorage) -> str:
    """A URL that another process can open to reach the same study data as ``storage``.

    Raises:
        StorageError: ``storage`` lives in this process only (in-memory), so worker processes
            cannot share it.
    """
    storage = unwrap_storage(storage)
    path = journal_path(storage)
    if path is not None:
        return "journal:" + path
    if isinstance(storage, optuna.storages.RDBStorage):
        return str(storage.url)
    raise StorageError(
        f"the {type(storage).__name__} lives in this process only; worker processes need a "
        "storage they can open too: pass --storage journal:PATH (the default of %%search), "
        "sqlite:///PATH or a database URL"
    )
