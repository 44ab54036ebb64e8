"""The lock a journal's writers take, ``PATH.lock``, recording its owner so that a lock left by
a process that died while writing is removed at once instead of after Optuna's 30 seconds."""

from __future__ import annotations

import itertools
import json
import logging
import os
import socket
import time
import uuid
from contextlib import suppress
from functools import cache
from pathlib import Path
from typing import Any

from optuna.storages.journal import JournalFileOpenLock

__all__ = ["JournalLock"]

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


#: Numbers the releases of this process's journal locks (their names aside are unique).
_RELEASES = itertools.count()


class JournalLock(JournalFileOpenLock):
    """The lock a journal's writers take, ``PATH.lock``: Optuna's ``JournalFileOpenLock`` (so
    plain Optuna's locks on the same journal exclude it, and it them) that records its owner
    (host, boot, pid namespace, pid, start time).

    A writer that finds the lock held by a process of this machine that has ended (killed while
    it wrote) removes it at once. Other owners keep Optuna's rule: a lock that does not change for
    ``grace_period`` seconds is broken. A writer that waits longer than ``warn_after`` seconds says
    which process holds the lock and what to do.

    Example:
        >>> import tempfile, optuna
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
        # The uncontended case first, with no more system calls than Optuna's own lock makes
        # plus the record: it is taken at every write of every trial.
        if self._take(record):
            return True
        return self._wait(record)

    def _take(self, record: bytes) -> bool:
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        try:
            self.held_inode = os.fstat(fd).st_ino
            os.write(fd, record)
        except BaseException:  # interrupted: leave no lock behind
            os.close(fd)
            os.unlink(self.path)
            raise
        os.close(fd)
        return True

    def _wait(self, record: bytes) -> bool:
        sleep = 0.001
        seen: tuple[Any, ...] | None = None
        began = since = warned = time.monotonic()
        while True:
            if self._take(record):
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
        # Unique without uuid4 (a getrandom call per write): this process's id and a counter.
        aside = f"{self.path}.{os.getpid()}-{next(_RELEASES)}.rename"
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
                try:
                    os.unlink(aside)
                except FileNotFoundError:
                    pass
