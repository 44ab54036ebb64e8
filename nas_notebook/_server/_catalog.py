"""The studies a Jupyter server can see: storage files found under its root, and storages
registered in its configuration or through the API, each summarized for the studies panel.

Who calls what: the server extension's handlers call :meth:`Catalog.storages`,
:meth:`Catalog.studies` and :meth:`Catalog.study` on the server's thread pool (never on the
event loop: reading a storage blocks), several at a time; a lock per storage keeps one reader in
an Optuna storage object at a time.

Nothing outside the server's root is read: files are found by walking the root (links are not
followed, and a file whose real path leaves the root is skipped), a storage id names a file by
its path relative to the root, a registered file URL (of any spelling, see :mod:`._locate`) must
lead under the root, and every file's real path is checked again each time it is read. Nothing
is written either: storages are opened read-only (:mod:`._readonly`), and a missing file is
listed as missing, not created.
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from optuna.storages import BaseStorage

from .. import _schema
from .._errors import StorageError
from ._locate import JOURNAL_SUFFIXES, OutsideRootError, confine, file_url, locate
from ._readonly import SQLITE_MAGIC, open_readonly, sqlite_readonly_uri
from ._summary import number, plain, summarize

__all__ = ["Catalog", "OutsideRootError", "StorageRef", "UnknownStorageError"]

SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
#: Folders never walked: tools' caches and environments hold no studies, and can be huge.
SKIPPED_FOLDERS = frozenset(
    {"node_modules", "__pycache__", "site-packages", ".git", ".venv", "venv", ".tox"}
)
#: The one hidden folder walked: where searches keep their journal by default.
OUR_FOLDER = ".nas_notebook"
#: How long a summary of a storage without a file (a database server) is reused.
SERVER_STORAGE_TTL = 2.0


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
        path: A file's path as found or given (absolute, links not resolved): resolved and
            checked to be under the root each time it is read. None for a database server.
    """

    id: str
    kind: str
    location: str
    url: str
    path: str | None = None

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
        connection = sqlite3.connect(sqlite_readonly_uri(path), uri=True, timeout=1.0)
        try:
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        finally:
            connection.close()
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
        if Path(relative).is_absolute() or relative.startswith(("~", "\\")):
            raise OutsideRootError(f"{relative!r} is not a path under the server's root")
        return confine(self.root, relative)

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
            resolved = confine(self.root, str(path))
        except OutsideRootError:
            return None
        if not resolved.is_file():
            return None
        relative = path.relative_to(self.root).as_posix()
        if path.name.endswith(JOURNAL_SUFFIXES):
            kind = "journal"
        elif _is_optuna_sqlite(resolved):
            kind = "sqlite"
        else:
            return None
        return StorageRef(f"file:{relative}", kind, relative, file_url(kind, resolved), str(path))

    # -- storages ----------------------------------------------------------------------------

    def register(self, url: str) -> StorageRef:
        """Add a storage by URL; a file (journal or SQLite, in any spelling of the URL) must be
        inside the root once its links are resolved. A file that does not exist yet is listed as
        missing until it does; nothing is created.

        Raises:
            OutsideRootError: A file outside the root, or a database URL naming a local file.
            StorageError: Not a storage URL (``memory`` lives in no file or server), or a path
                that is not a file.
        """
        url = url.strip()
        located = locate(url)
        if located.path is not None:
            resolved = confine(self.root, located.path)
            if resolved.exists() and not resolved.is_file():
                raise StorageError(f"cannot show storage {url!r}: it is not a file")
            named = os.path.join(self.root, located.path)
            location = resolved.relative_to(self.root).as_posix()
            ref = StorageRef("", located.kind, location, file_url(located.kind, resolved), named)
        else:
            ref = StorageRef("", located.kind, _mask(url), url)
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
        """The storage ``storage_id`` names (a file's URL from its real path now).

        Raises:
            OutsideRootError: A file id, or a registered file, leading out of the root.
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
                if ref.path is None:
                    return ref
                return replace(ref, url=file_url(ref.kind, confine(self.root, ref.path)))
        raise UnknownStorageError(storage_id)

    # -- studies -----------------------------------------------------------------------------

    def _stamp(self, ref: StorageRef, real: Path | None) -> Any:
        if real is not None:
            try:
                stat = real.stat()
            except OSError:
                return None
            # SQLite writes go to a -wal file first when WAL mode is on.
            wal = real.with_name(real.name + "-wal")
            extra = wal.stat().st_mtime_ns if wal.exists() else 0
            return (stat.st_mtime_ns, stat.st_size, extra)
        return math.floor(time.monotonic() / SERVER_STORAGE_TTL)

    def _read(self, ref: StorageRef) -> tuple[_Opened, list[dict[str, Any]], str | None]:
        try:
            real = None if ref.path is None else confine(self.root, ref.path)
        except OutsideRootError as exc:
            return _Opened(), [], str(exc)
        key = ref.url if real is None else f"{ref.kind}:{real}"
        with self._lock:
            opened = self._opened.setdefault(key, _Opened())
        with opened.lock:
            stamp = self._stamp(ref, real)
            if stamp is not None and stamp == opened.stamp:
                return opened, opened.studies, opened.error
            try:
                if opened.storage is None:
                    opened.storage = open_readonly(ref.kind, real, ref.url)
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
            return opened, opened.studies, opened.error

    def summaries(self, ref: StorageRef) -> tuple[list[dict[str, Any]], str | None]:
        """The studies of one storage (re-read only when its file changed), and the error that
        kept it from opening, if any (a file that is missing or now leads out of the root
        included: it is not opened)."""
        _, studies, error = self._read(ref)
        return studies, error

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
        opened, rows, error = self._read(ref)
        for row in rows:
            if row["name"] == name:
                break
        else:
            raise KeyError(name if error is None else f"{name} ({error})")
        with opened.lock:
            storage = opened.storage
            if storage is None:  # gone since it was read
                raise KeyError(name)
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
