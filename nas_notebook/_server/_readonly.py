"""Optuna storages opened for reading only: viewing a storage writes nothing, anywhere.

- A journal file is read through :class:`ReadOnlyJournalBackend`, which opens the file that
  exists for reading and nothing else (Optuna's ``JournalFileBackend`` creates the file when it
  is missing, and its lock file on writes).
- A SQLite file is opened by SQLite in read-only mode (``mode=ro`` in a ``file:`` URI), and only
  once its Optuna tables are seen to be there: Optuna would create them (and record its schema
  version) on a database that lacks them. A database in WAL mode that no one has open (no
  ``-wal`` and ``-shm`` files beside it) is opened as immutable: SQLite would otherwise create
  those two files even for a read-only connection, and leave them.
- A database server is opened only once its Optuna tables and schema records are seen to be
  there, for the same reason.

Every opener raises :class:`NotReadableError` with a short reason for a storage it will not open.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlalchemy
from optuna.storages import BaseStorage, RDBStorage
from optuna.storages.journal import BaseJournalBackend, JournalStorage
from sqlalchemy.engine import URL

__all__ = [
    "NotReadableError",
    "ReadOnlyJournalBackend",
    "open_readonly",
    "sqlite_readonly_options",
    "sqlite_readonly_uri",
    "sqlite_readonly_url",
]

#: The tables (and rows) Optuna's RDBStorage needs to open without writing.
OPTUNA_TABLES = ("studies", "trials", "version_info", "alembic_version")
SQLITE_MAGIC = b"SQLite format 3\x00"


class NotReadableError(RuntimeError):
    """A storage that is not opened for reading: missing, not a file, not an Optuna storage."""


def _regular_file(path: Path) -> None:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise NotReadableError("no such file (it is not created by viewing it)") from None
    except OSError as exc:
        raise NotReadableError(f"cannot read the file: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise NotReadableError("not a regular file")


class ReadOnlyJournalBackend(BaseJournalBackend):
    """Optuna's journal file format, read from an existing file; never written.

    Reads as ``JournalFileBackend`` does (only whole lines, up to the size the file had when the
    read began, so a writer appending meanwhile is not read half-way) but takes no lock: a
    reader needs none, as lines are only ever appended whole by writers holding the lock.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        _regular_file(Path(self.path))
        self._offsets: dict[int, int] = {0: 0}

    def _lines(self, start: int) -> Iterator[bytes]:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(self.path, flags)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise NotReadableError("not a regular file")
            size = os.fstat(fd).st_size
            handle.seek(start)
            remaining = size - start
            for line in handle:
                remaining -= len(line)
                if remaining < 0:
                    return
                yield line

    def read_logs(self, log_number_from: int) -> Iterator[dict[str, Any]]:
        start_number = log_number_from if log_number_from in self._offsets else 0
        error: Exception | None = None
        for number, line in enumerate(self._lines(self._offsets[start_number]), start_number):
            if error is not None:
                raise error
            if not line.endswith(b"\n"):  # a line being written: read it next time
                error = ValueError("Invalid log format.")
                continue
            self._offsets.setdefault(number + 1, self._offsets[number] + len(line))
            if number < log_number_from:
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                error = exc
                del self._offsets[number + 1]

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        raise PermissionError("the studies panel reads storages, it never writes them")


def sqlite_readonly_options(path: Path) -> dict[str, str]:
    """The URI options with which SQLite reads the file ``path`` creating nothing."""
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError:
        header = b""
    wal = len(header) >= 20 and 2 in (header[18], header[19])
    in_use = all(os.path.exists(f"{path}{suffix}") for suffix in ("-wal", "-shm"))
    return {"mode": "ro", "immutable": "1"} if wal and not in_use else {"mode": "ro"}


def sqlite_readonly_uri(path: Path) -> str:
    """The SQLite URI filename that opens ``path`` (absolute) read-only, creating nothing.

    Example:
        >>> sqlite_readonly_uri(Path("/srv/my runs/a#1.db"))
        'file:/srv/my%20runs/a%231.db?mode=ro'
    """
    options = "&".join(f"{k}={v}" for k, v in sqlite_readonly_options(path).items())
    return f"file:{quote(str(path), safe='/')}?{options}"


def sqlite_readonly_url(path: Path) -> str:
    """The SQLAlchemy URL of :func:`sqlite_readonly_uri`.

    Example:
        >>> sqlite_readonly_url(Path("/srv/my runs/a#1.db"))
        'sqlite:///file%3A/srv/my%2520runs/a%25231.db?mode=ro&uri=true'
    """
    database = "file:" + quote(str(path), safe="/")
    query = {**sqlite_readonly_options(path), "uri": "true"}
    url = URL.create("sqlite", database=database, query=query)
    return url.render_as_string(hide_password=False)


def _check_optuna_tables(url: str) -> None:
    """Raise NotReadableError unless the database has Optuna's tables and schema records, so
    that RDBStorage opens it without creating or recording anything."""
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as connection:
            tables = set(sqlalchemy.inspect(connection).get_table_names())
            missing = [name for name in OPTUNA_TABLES if name not in tables]
            if missing:
                raise NotReadableError(f"not an Optuna storage (no table {missing[0]!r})")
            for table in ("version_info", "alembic_version"):
                count = connection.execute(sqlalchemy.text(f"SELECT COUNT(*) FROM {table}"))
                if not count.scalar():
                    raise NotReadableError(f"not an Optuna storage ({table} is empty)")
    except sqlalchemy.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines() or [type(exc).__name__]
        raise NotReadableError(reason[0]) from None
    finally:
        engine.dispose()


def _rdb(url: str) -> RDBStorage:
    _check_optuna_tables(url)
    return RDBStorage(url, skip_table_creation=True)


def open_readonly(kind: str, path: Path | None = None, url: str | None = None) -> BaseStorage:
    """The storage of ``kind`` at the real ``path`` (a file) or ``url`` (a server), read-only.

    Raises:
        NotReadableError: Missing, not a regular file, or not an Optuna storage.
    """
    if kind == "journal":
        assert path is not None
        return JournalStorage(ReadOnlyJournalBackend(path))
    if kind == "sqlite":
        assert path is not None
        _regular_file(path)
        with path.open("rb") as handle:
            if handle.read(16) != SQLITE_MAGIC:
                raise NotReadableError("not a SQLite database")
        return _rdb(sqlite_readonly_url(path))
    assert url is not None
    return _rdb(url)
