"""The small notebook a click in the studies panel opens and runs: the study's dashboard.

The panel runs every cell of the notebook whose path the server hands back, so the server hands
back only a notebook whose code it generated for that study:

- The content is generated on each open, and its digest (over every cell's type and source, and
  the kernel) is recorded in the notebook's metadata.
- An existing file of that name is used only when it is a regular file (not a link) whose
  recorded digest and actual code both match the notebook generated now: the same code, so what
  runs is what the server wrote (its outputs, replaced by the run, are left as saved). Any other
  file there (edited since, or put there by someone else) is left alone, and the notebook is
  written under the next free name instead, ``... (2).ipynb`` and so on.
- A file is only ever created (never written through a link, never overwritten), inside the
  folder it belongs in, opened one level at a time without following links.
- The file name holds a short digest of the storage and the study name, so two studies whose
  names read alike once made file-safe (``a/b`` and ``a_b``) get two notebooks.
- The study name is escaped in the Markdown title (shown as text, whatever it holds).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from pathlib import Path, PurePosixPath
from typing import Any

import nbformat

__all__ = [
    "DashboardConflictError",
    "code_digest",
    "dashboard_notebook",
    "file_name",
    "markdown_text",
    "write_dashboard",
]

#: The notebook metadata key under which the dashboard's record is kept.
METADATA = "nas_notebook"
#: Other names tried when a file that is not ours holds the notebook's name.
TRIES = 9
#: A file larger than this is not one we wrote (ours is a few kB, plus a run's outputs).
MAX_BYTES = 64 * 1024 * 1024
_PUNCTUATION = frozenset("!\"#$%'()*+,-./:;=?@[\\]^_`{|}~")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


class DashboardConflictError(RuntimeError):
    """No free name is left for the dashboard notebook (files that are not ours hold them)."""


def markdown_text(text: str) -> str:
    """``text`` as Markdown that renders as that text: no markup, HTML, math or line breaks.

    Example:
        >>> markdown_text("x</h1><img src=x> `a` $b$")
        'x&lt;\\\\/h1&gt;&lt;img src\\\\=x&gt; \\\\`a\\\\` \\\\$b\\\\$'
    """
    out = []
    for char in text:
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _PUNCTUATION:
            out.append("\\" + char)
        elif char in "\r\n\t\v\f" or ord(char) < 32 or ord(char) == 127:
            out.append(" ")
        else:
            out.append(char)
    return "".join(out)


def code_digest(notebook: dict[str, Any]) -> str:
    """The digest of what running ``notebook`` does: its cells' types and sources, its kernel."""

    def source(cell: dict[str, Any]) -> str:
        text = cell.get("source", "")
        return "".join(text) if isinstance(text, list) else str(text)

    cells = [[cell.get("cell_type"), source(cell)] for cell in notebook.get("cells", [])]
    kernel = dict(notebook.get("metadata", {}).get("kernelspec") or {}).get("name")
    blob = json.dumps([cells, kernel], sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def dashboard_notebook(study: dict[str, Any], url: str) -> nbformat.NotebookNode:
    """A notebook whose run shows ``study``'s live dashboard (a study written by a search of
    ours) or its plots (any other Optuna study), reading the storage at ``url``."""
    name = study["name"]
    title = nbformat.v4.new_markdown_cell(
        f"# Study {markdown_text(name)}\n\nRun the cells to see it; nothing here changes the "
        "study unless you use the dashboard's controls."
    )
    if study.get("ours"):
        code = (
            "%load_ext nas_notebook\n"
            "from nas_notebook import load_search\n\n"
            f"search = load_search({name!r}, storage={url!r})\n"
            "search"
        )
    else:
        code = (
            "import optuna\n"
            "from nas_notebook.plots import plot_optimization_history\n\n"
            f"study = optuna.load_study(study_name={name!r}, storage={url!r})\n"
            "plot_optimization_history(study)"
        )
    notebook = nbformat.v4.new_notebook(cells=[title, nbformat.v4.new_code_cell(code)])
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata[METADATA] = {"dashboard": {"study": name, "digest": code_digest(notebook)}}
    return notebook


def file_name(storage: str, study: str, attempt: int = 1) -> str:
    """The notebook's file name: the study's name made file-safe, and a digest of ``storage``
    and ``study`` that tells apart names that read alike.

    Example:
        >>> file_name("sqlite:runs.db", "a/b") != file_name("sqlite:runs.db", "a_b")
        True
        >>> file_name("sqlite:runs.db", "a_b")
        'a_b dashboard 1e5b538e.ipynb'
    """
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", study)[:80].strip("._") or "study"
    digest = hashlib.sha256(f"{storage}\0{study}".encode()).hexdigest()[:8]
    suffix = "" if attempt == 1 else f" ({attempt})"
    return f"{safe} dashboard {digest}{suffix}.ipynb"


def _open_folder(root: Path, folder: PurePosixPath) -> int:
    """A descriptor of ``root / folder``, each level opened without following links."""
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in folder.parts:
            if part in ("", ".", "..") or "/" in part:
                raise PermissionError(f"{folder} is not a folder under the root")
            inner = os.open(part, os.O_RDONLY | os.O_DIRECTORY | nofollow, dir_fd=fd)
            os.close(fd)
            fd = inner
    except BaseException:
        os.close(fd)
        raise
    return fd


def _is_ours(folder: int, name: str, digest: str) -> bool | None:
    """Whether the file ``name`` holds the code generated now (None: there is no such file)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(name, flags, dir_fd=folder)
    except FileNotFoundError:  # (a link, even a dangling one, fails with ELOOP)
        return None
    except OSError:  # a link, or unreadable: not ours
        return False
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            return False
        try:
            notebook = json.loads(handle.read())
            recorded = notebook["metadata"][METADATA]["dashboard"]["digest"]
        except (ValueError, KeyError, TypeError):
            return False
    return recorded == digest and code_digest(notebook) == digest


def _create(folder: int, name: str, text: str) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(name, flags, 0o666, dir_fd=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def write_dashboard(
    root: Path, folder: PurePosixPath, storage: str, study: dict[str, Any], url: str
) -> str:
    """Write (or find, unchanged) the dashboard notebook of ``study`` in ``folder`` under
    ``root``; its path relative to ``root``.

    Raises:
        DashboardConflictError: Every name tried is held by a file that is not ours.
        OSError: The folder is not there, or is a link.
    """
    notebook = dashboard_notebook(study, url)
    digest = notebook.metadata[METADATA]["dashboard"]["digest"]
    text = nbformat.writes(notebook)
    fd = _open_folder(root, folder)
    try:
        for attempt in range(1, TRIES + 1):
            name = file_name(storage, study["name"], attempt)
            ours = _is_ours(fd, name, digest)
            if ours is None:
                try:
                    _create(fd, name, text)
                except FileExistsError:  # made meanwhile: look at it again under the next name
                    continue
                ours = True
            if ours:
                return (folder / name).as_posix().removeprefix("./")
    finally:
        os.close(fd)
    raise DashboardConflictError(
        f"files that the studies panel did not write hold the names of the dashboard notebook "
        f"of {study['name']!r} in {folder.as_posix() or '.'}/ ({file_name(storage, study['name'])} "
        "and the next ones); it does not run them: move them away"
    )
