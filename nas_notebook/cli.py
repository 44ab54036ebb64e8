"""Headless searches: ``nas-notebook run SCRIPT [options]`` or ``python -m nas_notebook run ...``.

SCRIPT is a Python file laid out like a notebook. Everything above a line ``# %%search NAME
[options]`` is set-up, run once; the lines below it, up to the next ``# %%`` cell marker, are the
trial body, exactly as in a ``%%search`` cell; what follows runs after the search, with NAME bound
to the :class:`~nas_notebook.Search`. A file without that line is a trial body as a whole.
Options on the command line override those on the ``# %%search`` line.

A progress bar (tqdm) shows trials and the best value; the run ends with a summary. Ctrl-C
stops the search: completed trials are kept and running ones are recorded as failed.
Configuration errors exit with status 2, an interrupted run with 130.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import optuna

from ._errors import StorageError, UnknownAlgorithmError
from .magics import add_options, resolve_executor, search_kwargs
from .search import Search
from .study import default_storage_url

__all__ = ["ScriptParts", "main", "split_script"]

_MARKER = re.compile(r"^#\s*%%search\b(?P<line>.*)$")
_CELL = re.compile(r"^#\s*%%(\s|$)")


@dataclass
class ScriptParts:
    """A script split at its ``# %%search`` line (line numbers are the file's, 1-based)."""

    setup: str
    body: str
    body_first_line: int
    after: str
    after_first_line: int
    options: str


def split_script(text: str) -> ScriptParts:
    """Split ``text`` into set-up, trial body, and after-search code.

    Example:
        >>> parts = split_script("import math\\n# %%search s -n 3\\nx = floatv(0, 1)\\nx\\n")
        >>> parts.options, parts.body_first_line, parts.body
        ('s -n 3', 3, 'x = floatv(0, 1)\\nx\\n')
    """
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if _MARKER.match(line.rstrip("\n"))), None)
    if start is None:
        return ScriptParts("", text, 1, "", 1, "")
    match = _MARKER.match(lines[start].rstrip("\n"))
    assert match is not None
    end = next(
        (i for i in range(start + 1, len(lines)) if _CELL.match(lines[i].rstrip("\n"))), len(lines)
    )
    return ScriptParts(
        setup="".join(lines[:start]),
        body="".join(lines[start + 1 : end]),
        body_first_line=start + 2,
        after="".join(lines[end:]),
        after_first_line=end + 1,
        options=match.group("line").strip(),
    )


def _parser(suppress: bool) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nas-notebook",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the search a script defines", description=__doc__)
    run.formatter_class = argparse.RawDescriptionHelpFormatter
    run.add_argument("script", help="the Python file (see `python -m nas_notebook --help`)")
    run.add_argument("--name", help="the study name (default: from the script)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    add_options(run.add_argument, defaults=not suppress)
    return parser


def _marker_options(options: str) -> dict[str, Any]:
    if not options:
        return {}
    parser = argparse.ArgumentParser(prog="# %%search", add_help=False)
    parser.add_argument("name")
    add_options(parser.add_argument)
    args = parser.parse_args(shlex.split(options))
    merged = search_kwargs(args, resolve=False)
    merged["name"] = args.name
    return merged


def _progress_bar(search: Search, quiet: bool) -> None:
    """Follow ``search`` (reading the storage) with a tqdm bar until it ends."""
    if quiet:
        search.executor.join()
        return
    from tqdm.auto import tqdm

    tty = sys.stderr.isatty()
    total = search.n_trials
    with tqdm(
        total=total,
        desc=search.name,
        unit="trial",
        file=sys.stderr,
        ascii=not tty,
        mininterval=0.2 if tty else 5.0,
        dynamic_ncols=tty,
    ) as bar:
        shown = 0
        while True:
            finished = search.executor.join(0.2)
            lines, shown = search.log.since(shown)
            for line in lines:
                bar.write(line, file=sys.stderr)
            progress = search.progress()
            bar.update(progress.finished - search.baseline - bar.n)
            best = "-" if progress.best_value is None else f"{progress.best_value:.5g}"
            bar.set_postfix(
                best=best, failed=progress.failed, running=progress.running, refresh=False
            )
            if finished:
                # Closing the bar draws its final state (once: a refresh first would print it
                # twice when the output is not a terminal).
                return


def _summary(search: Search) -> str:
    progress = search.progress()
    lines = [
        f"study {search.name!r}: {progress.complete} complete, {progress.failed} failed, "
        f"{progress.pruned} pruned ({search.direction})"
    ]
    if progress.best_value is not None:
        best = search.best
        lines.append(f"best value {best.value:.6g} at trial {best.number}")
        lines += [f"  {key} = {value!r}" for key, value in best.params.items()]
        frame = search.dataframe()
        done = frame[frame["state"] == "COMPLETE"].sort_values(
            "value", ascending=search.direction == "minimize"
        )
        shown = done.drop(columns=["fail_reason", "traceback"]).head(5)
        lines += ["", "top trials:", shown.to_string(index=False)]
    failed = search.dataframe()
    failed = failed[failed["state"] == "FAIL"]
    if len(failed):
        lines += ["", "failures:"] + [
            f"  trial {row.number}: {row.fail_reason}" for row in failed.head(5).itertuples()
        ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``nas-notebook`` command; returns the exit status."""
    args = _parser(suppress=True).parse_args(argv)
    given = vars(args)
    path = given["script"]
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        print(f"nas-notebook: cannot read {path!r}: {exc.strerror}", file=sys.stderr)
        return 2
    parts = split_script(text)
    defaults = search_kwargs(_parser(suppress=False).parse_args(["run", path]), resolve=False)
    try:
        options = {**defaults, **_marker_options(parts.options)}
    except SystemExit:
        print(
            f"nas-notebook: bad options on the '# %%search' line: {parts.options!r}",
            file=sys.stderr,
        )
        return 2
    options.update({k: v for k, v in given.items() if k in defaults})
    name = (
        given.get("name")
        or options.pop("name", None)
        or os.path.splitext(os.path.basename(path))[0]
    )
    options.pop("name", None)
    options["algo"] = options["algo"] or "tpe"
    options["storage"] = options["storage"] or default_storage_url()

    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": os.path.abspath(path)}
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if parts.setup:
        exec(compile(parts.setup, os.path.abspath(path), "exec"), namespace)
    try:
        options["executor"] = resolve_executor(
            options["executor"] or ("simulated" if options["benchmark"] else "thread"),
            options["workers"],
            options.pop("scheduler"),
            namespace,
        )
        search = Search(
            parts.body, name=name, user_ns=namespace, first_line=parts.body_first_line, **options
        ).prepare()
    except (ValueError, StorageError, UnknownAlgorithmError) as exc:
        print(f"nas-notebook: {exc}", file=sys.stderr)
        return 2
    if search.name != name and not options["resume"]:
        print(f"a study named {name!r} exists; running {search.name!r}", file=sys.stderr)
    namespace[name if name.isidentifier() else "search"] = search
    started = time.monotonic()
    try:
        search.start()
        _progress_bar(search, given.get("quiet", False))
        search.wait()
    except KeyboardInterrupt:
        search.stop(cancel=True)
        if not search.executor.join(5.0) and search.driver is not None:
            search.driver.abandon("interrupted by the user")
        print("\ninterrupted: completed trials are kept", file=sys.stderr)
        print(_summary(search))
        return 130
    print(_summary(search))
    print(f"({time.monotonic() - started:.1f}s)")
    if parts.after.strip():
        padded = "\n" * (parts.after_first_line - 1) + parts.after
        exec(compile(padded, os.path.abspath(path), "exec"), namespace)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
