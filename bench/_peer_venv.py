"""A peer library in a virtualenv of its own, and a search run in it over a pipe: the peers'
pins (NePS: torchvision, gpytorch, botorch; ``dehb``: numpy < 2) must not reach the package's
dependencies.

:func:`peer_python` makes the virtualenv on first use, in ``bench/.peers/NAME`` (with the
packages given, torch from the machine's CPU wheel first where a peer needs it, as the README's
set-up installs it), or uses the interpreter an environment variable names. :func:`converse`
runs a worker script there and answers each JSON line it writes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["converse", "peer_python"]

HERE = Path(__file__).resolve().parent


def peer_python(
    name: str, variable: str, *installs: Sequence[str], create: bool = True
) -> Path | None:
    """The interpreter of peer ``name``'s virtualenv: ``$variable`` if set, else
    ``bench/.peers/NAME``, made on first use with one ``pip install`` per item of ``installs``
    (None: none, and ``create`` is off)."""
    given = os.environ.get(variable)
    if given:
        return Path(given)
    venv = HERE / ".peers" / name
    python = venv / "bin" / "python"
    if python.exists():
        return python
    if not create:
        return None
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    for packages in installs:
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *packages], check=True)
    return python


def converse(
    python: Path,
    script: str,
    job: dict[str, Any],
    answer: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    """Run ``script`` (next to this file) with ``python``: send ``job``, then answer each
    message it writes until it writes ``{"done": true}``."""
    # One thread each: a peer's models are tiny, and torch's default of a thread per core made a
    # NePS piBO search of 40 evaluations take minutes instead of about 30 s on two busy cores.
    threads = {name: "1" for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    worker = subprocess.Popen(
        [str(python), str(HERE / script)],
        env={**os.environ, **threads},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert worker.stdin is not None and worker.stdout is not None
    try:
        worker.stdin.write(json.dumps(job) + "\n")
        worker.stdin.flush()
        for line in worker.stdout:
            message: dict[str, Any] = json.loads(line)
            if message.get("done"):
                break
            worker.stdin.write(json.dumps(answer(message)) + "\n")
            worker.stdin.flush()
    finally:
        worker.stdin.close()
        if worker.wait(timeout=60) != 0:
            raise RuntimeError(f"{script} ended with status {worker.returncode}")
