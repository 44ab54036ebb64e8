"""A real Jupyter kernel for the fault tests, started through jupyter_client, and the study it
writes read back by plain Optuna from this process."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna
import pytest
from jupyter_client.manager import start_new_kernel
from optuna.storages.journal import JournalFileBackend
from optuna.trial import FrozenTrial

ROOT = Path(__file__).resolve().parents[2]


def kernel(cwd: Path) -> tuple[Any, Any]:
    """A new kernel (and its client) in ``cwd`` that imports nas_notebook from this checkout."""
    paths = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(cwd), env=env)
    run(kc, "%load_ext nas_notebook")
    return km, kc


def run(kc: Any, code: str, timeout: float = 120) -> str:
    """Run ``code`` in the kernel and return what it printed; fail on an error."""
    printed: list[str] = []
    errors: list[str] = []

    def output(message: dict[str, Any]) -> None:
        content = message["content"]
        if message["msg_type"] == "stream":
            printed.append(content["text"])
        elif message["msg_type"] == "error":
            errors.append("\n".join(content["traceback"]))

    kc.execute_interactive(code, timeout=timeout, output_hook=output)
    assert not errors, errors
    return "".join(printed)


def trials(path: Path, name: str) -> list[FrozenTrial]:
    """The trials of study ``name`` in the journal at ``path`` (none before it exists)."""
    try:
        storage = optuna.storages.JournalStorage(JournalFileBackend(str(path)))
        return optuna.load_study(study_name=name, storage=storage).get_trials(deepcopy=False)
    except (KeyError, FileNotFoundError):
        return []


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
