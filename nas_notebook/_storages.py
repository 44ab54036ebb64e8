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

import json
import logging
import os
import random
import socket
import time
import uuid
from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import Any

import optuna
from optuna.storages import BaseStorage
from optuna.storages.journal import JournalFileOpenLock

from ._errors import StorageError
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


_log = logging.getLogger(__name__)

#: What a lock file of :class:`JournalLock` holds besides its owner: marks it as one.
_LOCK_MARK = "nas_notebook journal lock"


@cache
def _machine() -> tuple[str, str | None, str | None]:
    """This host's name, boot and pid namespace: where a lock owner's pid means this process
    table's pid (None where the system does not say, as off Linux)."""
    boot = pidns = None
    with suppress(OSError):
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    with suppress(OSError):
        pidns = os.readlink("/proc/self/ns/pid")
    return socket.gethostname(), boot, pidns


def _process_state(pid: int) -> tuple[str, str] | None:
    """The state letter and start time of process ``pid`` (Linux's ``/proc``), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return fields[0], fields[19]


def _owner_is_gone(owner: dict[str, Any]) -> bool:
    """Whether the process that recorded ``owner`` has certainly ended: only a process of this
    machine's boot and pid namespace can be checked; any doubt counts as alive."""
    where = (owner.get("host"), owner.get("boot"), owner.get("pidns"))
    if _machine()[1] is None or where != _machine():
        return False
    pid = owner.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: alive, another user's
        pass
    state = _process_state(pid)
    if state is None:
        return False
    # a zombie (killed, not yet reaped) holds nothing; another start time means a reused pid
    return state[0] in "ZX" or owner.get("start") not in (None, state[1])


def _held(path: str) -> tuple[tuple[Any, ...], dict[str, Any] | None] | None:
    """The lock at ``path`` as ``(identity, owner)``: the owner it records (None for a lock of
    plain Optuna, which records none); None if there is no lock."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError:  # a symbolic link: Optuna's JournalFileSymlinkLock
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return None
        return (info.st_ino, info.st_mtime_ns, b""), None
    try:
        info = os.fstat(fd)
        data = os.read(fd, 4096)
    finally:
        os.close(fd)
    owner = None
    with suppress(ValueError):
        record = json.loads(data)
        if isinstance(record, dict) and record.get("lock") == _LOCK_MARK:
            owner = record
    return (info.st_ino, info.st_mtime_ns, data), owner


def _put_back(aside: str, path: str) -> None:
    """Move the lock at ``aside`` back to ``path``, unless a lock was taken there meanwhile."""
    with suppress(FileExistsError):  # a symbolic link stays one where the system allows it
        os.link(aside, path, follow_symlinks=os.link not in os.supports_follow_symlinks)


class JournalLock(JournalFileOpenLock):
    """The lock a journal's writers take, ``PATH.lock``: Optuna's ``JournalFileOpenLock`` (so
    plain Optuna's locks on the same journal exclude it, and it them) that records its owner
    (host, boot, pid namespace, pid, start time).

    A writer that finds the lock held by a process of this machine that has ended (killed while
    it wrote) removes it at once. Other owners keep Optuna's rule: a lock that does not change for
    ``grace_period`` seconds is broken. A writer that waits longer than ``warn_after`` seconds says
    which process holds the lock and what to do.

    Example:
        >>> import tempfile
        >>> from optuna.storages.journal import JournalFileBackend, JournalStorage
        >>> path = tempfile.mkdtemp() + "/s.journal"
        >>> storage = JournalStorage(JournalFileBackend(path, lock_obj=JournalLock(path)))
        >>> optuna.create_study(storage=storage, study_name="s").study_name
        's'
    """

    def __init__(self, journal: str, grace_period: int = 30, warn_after: float = 10.0) -> None:
        super().__init__(journal, grace_period=grace_period)
        self.path = journal + ".lock"
        self.warn_after = warn_after
        self.held_inode: int | None = None

    @staticmethod
    @cache
    def _record(pid: int) -> bytes:
        host, boot, pidns = _machine()
        state = _process_state(pid)
        owner = {
            "lock": _LOCK_MARK,
            "host": host,
            "boot": boot,
            "pidns": pidns,
            "pid": pid,
            "start": state[1] if state else None,
        }
        return json.dumps(owner).encode()

    def acquire(self) -> bool:
        record = self._record(os.getpid())
        sleep = 0.001
        seen: tuple[Any, ...] | None = None
        began = since = warned = time.monotonic()
        while True:
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                pass
            else:
                try:
                    self.held_inode = os.fstat(fd).st_ino
                    os.write(fd, record)
                except BaseException:  # interrupted: leave no lock behind
                    os.close(fd)
                    os.unlink(self.path)
                    raise
                os.close(fd)
                return True
            held = _held(self.path)
            if held is None:
                continue  # released meanwhile
            now = time.monotonic()
            if held[0] != seen:
                seen, since = held[0], now
            owner = held[1]
            if owner is not None and _owner_is_gone(owner):
                who = f"process {owner['pid']} on {owner['host']}, which has ended"
                self._break(held[0], f"it was left by {who}")
                continue
            if self.grace_period is not None and now - since > self.grace_period:
                self._break(held[0], f"it did not change for {self.grace_period} s")
                continue
            if now - warned > self.warn_after:
                warned = now
                who = (
                    f"process {owner['pid']} on {owner['host']}"
                    if owner
                    else "a process that does not record itself (plain Optuna)"
                )
                _log.warning(
                    "waited %.0f s for the journal lock %s, held by %s; if no other process "
                    "uses this journal, delete %s (it is broken after %s s unchanged)",
                    now - began,
                    self.path,
                    who,
                    self.path,
                    self.grace_period,
                )
            time.sleep(sleep)
            sleep = min(sleep * 2, 0.05)

    def _break(self, identity: tuple[Any, ...], why: str) -> None:
        """Remove the lock seen as ``identity``; one taken since then is put back."""
        aside = f"{self.path}.{uuid.uuid4().hex}.stale"
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            return
        try:
            held = _held(aside)
            if held is not None and held[0] == identity:
                _log.warning("removed the journal lock %s: %s", self.path, why)
                return
            _put_back(aside, self.path)
        finally:
            with suppress(FileNotFoundError):
                os.unlink(aside)

    def release(self) -> None:
        aside = f"{self.path}.{uuid.uuid4().hex}.rename"
        mine, self.held_inode = self.held_inode, None
        try:
            os.rename(self.path, aside)
        except FileNotFoundError:
            aside = ""
        try:
            if aside and os.lstat(aside).st_ino == mine:
                return
            if aside:  # another writer's lock, taken after ours was broken: put it back
                _put_back(aside, self.path)
            _log.warning(
                "the journal lock %s was broken while this process held it (it held it over "
                "%s s); a write of another process may have interleaved with its own",
                self.path,
                self.grace_period,
            )
        finally:
            if aside:
                with suppress(FileNotFoundError):
                    os.unlink(aside)


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
