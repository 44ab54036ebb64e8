"""The studies a Jupyter server can see: storage files found under its root, and storages
registered in its configuration or through the API, each summarized for the studies panel.

Who calls what: the server extension's handlers call :meth:`Catalog.storages`,
:meth:`Catalog.studies` and :meth:`Catalog.study` on the server's thread pool (never on the
event loop: reading a storage blocks), several at a time; a lock per storage keeps one reader in
an Optuna storage object at a time.

Nothing outside the server's root is read: files are found by walking the root (links are not
followed, and a file whose real path leaves the root is skipped), a storage id names a file by
its path relative to the root, and that path is checked again when it is opened.
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optuna.storages import BaseStorage

from .. import _schema
from .._errors import StorageError
from .._storages import open_storage
from ._summary import number, plain, summarize

__all__ = ["Catalog", "OutsideRootError", "StorageRef", "UnknownStorageError"]

JOURNAL_SUFFIXES = (".journal",)
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
#: Folders never walked: tools' caches and environments hold no studies, and can be huge.
SKIPPED_FOLDERS = frozenset(
    {"node_modules", "__pycache__", "site-packages", ".git", ".venv", "venv", ".tox"}
)
#: The one hidden folder walked: where searches keep their journal by default.
OUR_FOLDER = ".nas_notebook"
SQLITE_MAGIC = b"SQLite format 3\x00"
#: How long a summary of a storage without a file (a database server) is reused.
SERVER_STORAGE_TTL = 2.0


class OutsideRootError(PermissionError):
    """A storage path that is not inside the server's root."""


class UnknownStorageError(KeyError):
    """A storage id that names no storage the catalog knows."""


@dataclass
class StorageRef:
    """One storage of the catalog.

    Attributes:
        id: Stable and URL-safe: ``file:<path relative to the root, with />`` or
            ``registered:<n>``.
        kind: ``journal``, ``sqlite`` or the database's dialect (``postgresql``...).
        location: What to show: the relative path, or the URL without its password.
        url: What :func:`~nas_notebook.study.open_storage` opens (absolute for files).
    """

    id: str
    kind: str
    location: str
    url: str

    def public(self) -> dict[str, str]:
        return {"id": self.id, "kind": self.kind, "location": self.location}


@dataclass
class _Opened:
    storage: BaseStorage | None = None
    stamp: Any = None
    studies: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def _mask(url: str) -> str:
    """``url`` without its password."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest.split("/", 1)[0]:
        return url
    credentials, _, host = rest.partition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


def _is_optuna_sqlite(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            if handle.read(16) != SQLITE_MAGIC:
                return False
        uri = path.resolve().as_uri() + "?mode=ro"
        with sqlite3.connect(uri, uri=True, timeout=1.0) as connection:
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
    except (OSError, sqlite3.Error):
        return False
    return {"studies", "trials"} <= tables


class Catalog:
    """The storages under ``root`` and the registered ones, with their studies' summaries.

    Args:
        root: The server's root folder.
        registered: Storage URLs to show besides the files found (``postgresql://...``,
            ``sqlite:///...`` or ``journal:...`` inside the root).
        depth: How many folder levels below the root are walked.
        max_files: At most this many files are looked at (a huge tree is not walked whole).
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        registered: list[str] | tuple[str, ...] = (),
        depth: int = 4,
        max_files: int = 20_000,
    ) -> None:
        self.root = Path(root).resolve()
        self.depth = depth
        self.max_files = max_files
        self._registered: list[StorageRef] = []
        self._opened: dict[str, _Opened] = {}
        self._lock = threading.Lock()
        for url in registered:
            self.register(url)

    # -- paths -------------------------------------------------------------------------------

    def inside(self, relative: str) -> Path:
        """The file ``relative`` names under the root.

        Raises:
            OutsideRootError: It is absolute, climbs out with ``..``, or is a link leading out.
        """
        candidate = Path(relative)
        if candidate.is_absolute() or relative.startswith(("~", "\\")):
            raise OutsideRootError(f"{relative!r} is not a path under the server's root")
        resolved = (self.root / candidate).resolve()
        if not resolved.is_relative_to(self.root):
            raise OutsideRootError(f"{relative!r} is outside the server's root")
        return resolved

    def _walk(self) -> Iterator[Path]:
        seen = 0
        base_depth = len(self.root.parts)
        for folder, dirs, files in os.walk(self.root, followlinks=False):
            here = Path(folder)
            level = len(here.parts) - base_depth
            dirs[:] = sorted(
                d
                for d in dirs
                if d not in SKIPPED_FOLDERS
                and (not d.startswith(".") or d == OUR_FOLDER)
                and level < self.depth
            )
            for name in sorted(files):
                seen += 1
                if seen > self.max_files:
                    return
                if name.endswith(JOURNAL_SUFFIXES + SQLITE_SUFFIXES):
                    yield here / name

    def _file_ref(self, path: Path) -> StorageRef | None:
        try:
            resolved = path.resolve()
        except OSError:
            return None
        if not resolved.is_relative_to(self.root) or not resolved.is_file():
            return None
        relative = path.relative_to(self.root).as_posix()
        if path.name.endswith(JOURNAL_SUFFIXES):
            return StorageRef(f"file:{relative}", "journal", relative, f"journal:{resolved}")
        if _is_optuna_sqlite(resolved):
            return StorageRef(f"file:{relative}", "sqlite", relative, f"sqlite:///{resolved}")
        return None

    # -- storages ----------------------------------------------------------------------------

    def register(self, url: str) -> StorageRef:
        """Add a storage by URL; files must be inside the root.

        Raises:
            OutsideRootError: A journal or SQLite file outside the root.
            StorageError: Not a storage URL (``memory`` lives in no file or server).
        """
        url = url.strip()
        if url.startswith("journal:") or (url.endswith(JOURNAL_SUFFIXES) and "://" not in url):
            path = url.removeprefix("journal:")
            resolved = (self.root / path).resolve()
            if not resolved.is_relative_to(self.root):
                raise OutsideRootError(f"{url!r} is outside the server's root")
            ref = StorageRef("", "journal", resolved.relative_to(self.root).as_posix(), url)
            ref.url = f"journal:{resolved}"
        elif url.startswith("sqlite:///"):
            resolved = (self.root / url.removeprefix("sqlite:///")).resolve()
            if not resolved.is_relative_to(self.root):
                raise OutsideRootError(f"{url!r} is outside the server's root")
            ref = StorageRef("", "sqlite", resolved.relative_to(self.root).as_posix(), "")
            ref.url = f"sqlite:///{resolved}"
        elif "://" in url:
            dialect = url.split("://", 1)[0].split("+", 1)[0]
            ref = StorageRef("", dialect, _mask(url), url)
        else:
            raise StorageError(
                f"cannot show storage {url!r}: give 'journal:PATH', 'sqlite:///PATH' or a "
                "database URL such as 'postgresql+psycopg://user@host/db'"
            )
        with self._lock:
            for known in self._registered:
                if known.url == ref.url:
                    return known
            ref.id = f"registered:{len(self._registered)}"
            self._registered.append(ref)
        return ref

    def storages(self) -> list[StorageRef]:
        """The storage files under the root, then the registered storages."""
        found = [ref for path in self._walk() if (ref := self._file_ref(path)) is not None]
        urls = {ref.url for ref in found}
        return found + [ref for ref in self._registered if ref.url not in urls]

    def ref(self, storage_id: str) -> StorageRef:
        """The storage ``storage_id`` names.

        Raises:
            OutsideRootError: A file id leading out of the root.
            UnknownStorageError: No such storage.
        """
        if storage_id.startswith("file:"):
            path = self.inside(storage_id.removeprefix("file:"))
            ref = self._file_ref(self.root / path.relative_to(self.root))
            if ref is None:
                raise UnknownStorageError(storage_id)
            return ref
        for ref in self._registered:
            if ref.id == storage_id:
                return ref
        raise UnknownStorageError(storage_id)

    # -- studies -----------------------------------------------------------------------------

    def _stamp(self, ref: StorageRef) -> Any:
        if ref.id.startswith("file:") or ref.kind in ("journal", "sqlite"):
            path = Path(ref.url.removeprefix("journal:").removeprefix("sqlite:///"))
            try:
                stat = path.stat()
            except OSError:
                return None
            # SQLite writes go to a -wal file first when WAL mode is on.
            wal = path.with_name(path.name + "-wal")
            extra = wal.stat().st_mtime_ns if wal.exists() else 0
            return (stat.st_mtime_ns, stat.st_size, extra)
        return math.floor(time.monotonic() / SERVER_STORAGE_TTL)

    def summaries(self, ref: StorageRef) -> tuple[list[dict[str, Any]], str | None]:
        """The studies of one storage (re-read only when its file changed), and the error that
        kept it from opening, if any."""
        with self._lock:
            opened = self._opened.setdefault(ref.url, _Opened())
        with opened.lock:
            stamp = self._stamp(ref)
            if stamp is not None and stamp == opened.stamp:
                return opened.studies, opened.error
            try:
                if opened.storage is None:
                    opened.storage = open_storage(ref.url)
                storage = opened.storage
                studies = []
                for frozen in storage.get_all_studies():
                    row = summarize(
                        storage,
                        _schema.study_id(frozen),
                        frozen.study_name,
                        [d.name.lower() for d in frozen.directions],
                        frozen.system_attrs,
                        frozen.user_attrs,
                    )
                    row["storage"] = ref.id
                    studies.append(row)
                opened.studies, opened.error = studies, None
            except Exception as exc:  # a broken file is shown as such; others still list
                opened.storage = None
                opened.studies = []
                opened.error = (str(exc).splitlines() or [type(exc).__name__])[0]
            opened.stamp = stamp
            return opened.studies, opened.error

    def studies(self) -> dict[str, Any]:
        """Every storage with its error (if any), and every study's summary, most recently
        updated first."""
        storages = []
        studies: list[dict[str, Any]] = []
        for ref in self.storages():
            rows, error = self.summaries(ref)
            storages.append({**ref.public(), "error": error, "n_studies": len(rows)})
            studies.extend(rows)
        studies.sort(key=lambda row: -(row["last_update"] or 0.0))
        return {"root": str(self.root), "storages": storages, "studies": studies}

    def study(self, storage_id: str, name: str) -> dict[str, Any]:
        """One study's summary, its storage, and its last trials.

        Raises:
            OutsideRootError, UnknownStorageError: See :meth:`ref`.
            KeyError: No study of that name there.
        """
        ref = self.ref(storage_id)
        rows, error = self.summaries(ref)
        for row in rows:
            if row["name"] == name:
                break
        else:
            raise KeyError(name if error is None else f"{name} ({error})")
        with self._opened[ref.url].lock:
            storage = self._opened[ref.url].storage
            assert storage is not None
            found = storage.get_study_id_from_name(name)
            trials = storage.get_all_trials(found, deepcopy=False)[-50:]
        return {
            **row,
            "storage": ref.public() | {"url": _mask(ref.url)},
            "recent": [
                {
                    "number": t.number,
                    "state": t.state.name.lower(),
                    "values": None if t.values is None else [number(v) for v in t.values],
                    "params": {k: plain(v) for k, v in t.params.items()},
                    "duration": t.duration.total_seconds() if t.duration else None,
                }
                for t in trials
            ],
        }
