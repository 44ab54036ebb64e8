"""Where a storage URL points: a file (journal or SQLite, in any spelling of the URL) or a
database server, and whether a file lies under the server's root once its links are resolved.

Any SQLAlchemy URL is parsed with SQLAlchemy itself (:func:`sqlalchemy.engine.make_url`), so
``sqlite+pysqlite:///``, ``sqlite+aiosqlite:///``, percent-escapes and SQLite's ``file:`` URIs all
name the file SQLite would open. The server never opens the URL it was given for a file: it opens
the real path found here (see :mod:`._readonly`), so a spelling this module reads differently
from SQLite can only make it open another file under the root, never one outside.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from .._errors import StorageError

__all__ = ["Located", "OutsideRootError", "confine", "file_url", "locate"]

JOURNAL_SUFFIXES = (".journal",)
#: SQLAlchemy backends that keep a database in a local file.
FILE_BACKENDS = frozenset({"sqlite"})
#: SQLAlchemy backends that reach a database server (listed as they are given).
SERVER_BACKENDS = frozenset({"postgresql", "mysql", "mariadb", "oracle", "mssql", "cockroachdb"})
#: Query parameters with which a database driver reads (or sends) a local file.
FILE_PARAMETERS = frozenset(
    {
        "passfile",
        "service",
        "servicefile",
        "sslcert",
        "sslkey",
        "sslrootcert",
        "sslcrl",
        "sslcrldir",
        "ssl_ca",
        "ssl_capath",
        "ssl_cert",
        "ssl_key",
        "ssl",
        "read_default_file",
        "read_default_group",
        "local_infile",
        "allow_local_infile",
        "init_command",
        "odbc_connect",
        "config_dir",
        "wallet_location",
    }
)


class OutsideRootError(PermissionError):
    """A storage that is not inside the server's root (or a URL that names a local file)."""


@dataclass(frozen=True)
class Located:
    """What a storage URL names.

    Attributes:
        kind: ``journal``, ``sqlite`` or the database server's backend (``postgresql``...).
        path: For a file: the path as the URL gives it (relative paths are taken from the
            root), not yet resolved; None for a database server.
    """

    kind: str
    path: str | None


def _sqlite_path(database: str | None, query: Mapping[str, object]) -> str:
    """The file SQLite opens for the ``database`` part of a SQLAlchemy URL."""
    if not database or database == ":memory:":
        raise StorageError("an in-memory SQLite database holds no stored studies")
    if not database.startswith("file:"):
        return database
    # SQLite's URI filename: file:PATH, file:///PATH or file://localhost/PATH, percent-escaped,
    # its own query and fragment after the path.
    parts = urlsplit(database)
    if parts.netloc not in ("", "localhost"):
        raise StorageError(f"SQLite URI {database!r} names another host")
    if query.get("mode") == "memory" or "mode=memory" in parts.query:
        raise StorageError("an in-memory SQLite database holds no stored studies")
    path = unquote(parts.path)
    if not path:
        raise StorageError(f"SQLite URI {database!r} names no file")
    return path


def locate(url: str) -> Located:
    """What ``url`` names: ``journal:PATH``, ``PATH.journal`` or any SQLAlchemy URL.

    Raises:
        StorageError: Not a storage URL this panel reads (an in-memory database, an unknown
            kind of database).
        OutsideRootError: A database server URL whose parameters name a local file.

    Example:
        >>> locate("sqlite+pysqlite:///runs/a%20b.db")
        Located(kind='sqlite', path='runs/a b.db')
        >>> locate("sqlite:///file:../x.db?mode=ro&uri=true")
        Located(kind='sqlite', path='../x.db')
        >>> locate("journal:.nas_notebook/studies.journal")
        Located(kind='journal', path='.nas_notebook/studies.journal')
    """
    url = url.strip()
    if url.startswith("journal:"):
        return Located("journal", url.removeprefix("journal:"))
    if url.endswith(JOURNAL_SUFFIXES) and "://" not in url:
        return Located("journal", url)
    if "://" not in url:
        raise StorageError(
            f"cannot show storage {url!r}: give 'journal:PATH', 'sqlite:///PATH' or a "
            "database URL such as 'postgresql+psycopg://user@host/db'"
        )
    try:
        parsed = make_url(url)
        backend = parsed.get_backend_name().lower()
    except (ArgumentError, ValueError) as exc:
        raise StorageError(f"cannot show storage: not a database URL ({exc})") from None
    if backend in FILE_BACKENDS:
        return Located("sqlite", _sqlite_path(parsed.database, parsed.query))
    if backend not in SERVER_BACKENDS:
        raise StorageError(
            f"cannot show storage: {backend!r} databases are not read by the studies panel "
            f"(journal and SQLite files, {', '.join(sorted(SERVER_BACKENDS))})"
        )
    named = sorted(key for key in parsed.query if key.lower() in FILE_PARAMETERS)
    if named:
        raise OutsideRootError(
            f"cannot show storage: its parameters {named} make the driver read local files"
        )
    return Located(backend, None)


def confine(root: Path, path: str) -> Path:
    """The real path (links resolved) of ``path``, taken from ``root`` when relative.

    ``root`` is a real path itself. The file need not exist.

    Raises:
        OutsideRootError: The real path is not under ``root``.

    Example:
        >>> confine(Path("/srv/root"), "sub/../runs.db").as_posix()
        '/srv/root/runs.db'
        >>> confine(Path("/srv/root"), "../x.db")
        Traceback (most recent call last):
        ...
        nas_notebook._server._locate.OutsideRootError: '../x.db' is outside the server's root
    """
    try:
        real = os.path.realpath(os.path.join(root, path), strict=False)
    except (OSError, ValueError) as exc:
        raise OutsideRootError(f"{path!r} is not a usable path: {exc}") from None
    if real != str(root) and not real.startswith(str(root).rstrip(os.sep) + os.sep):
        raise OutsideRootError(f"{path!r} is outside the server's root")
    return Path(real)


def file_url(kind: str, path: Path) -> str:
    """The URL that opens the file ``path`` (absolute) read-write, as a notebook would.

    Example:
        >>> file_url("sqlite", Path("/srv/root/a?b.db"))
        'sqlite:////srv/root/a%3Fb.db'
        >>> file_url("journal", Path("/srv/root/runs.journal"))
        'journal:/srv/root/runs.journal'
    """
    if kind == "journal":
        return f"journal:{path}"
    return URL.create("sqlite", database=str(path)).render_as_string(hide_password=False)
