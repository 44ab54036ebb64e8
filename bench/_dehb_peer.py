"""The ``dehb`` package (DEHB 0.1.2), the peer for differential evolution with Hyperband, in a
virtualenv of its own: it needs numpy < 2, which must not reach the package's dependencies.

:func:`dehb_python` makes the virtualenv on first use, in ``bench/.peers/dehb``, or uses the
interpreter ``NAS_NOTEBOOK_DEHB_PYTHON`` names. :func:`run_dehb` runs one DEHB search in it
(``_dehb_worker.py``) and answers each (configuration, fidelity) it asks for with ``objective``
until the cost spent reaches the budget, so the table is read here, by the same code as ours.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["DEHB_VERSION", "dehb_python", "run_dehb"]

DEHB_VERSION = "0.1.2"
HERE = Path(__file__).resolve().parent
VENV = HERE / ".peers" / "dehb"


def dehb_python(create: bool = True) -> Path | None:
    """The interpreter of the ``dehb`` virtualenv (None: none, and ``create`` is off)."""
    given = os.environ.get("NAS_NOTEBOOK_DEHB_PYTHON")
    if given:
        return Path(given)
    python = VENV / "bin" / "python"
    if python.exists():
        return python
    if not create:
        return None
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(python), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, f"dehb=={DEHB_VERSION}", "numpy<2"], check=True)
    return python


def run_dehb(
    seed: int,
    edges: Sequence[str],
    ops: Sequence[str],
    objective: Callable[[dict[str, str], int], tuple[float, float]],
    budget: float,
    fidelities: tuple[int, int],
    eta: int = 3,
) -> list[tuple[dict[str, str], int, float, float]]:
    """One DEHB search until the cost spent reaches ``budget``; ``objective(config, epochs)``
    gives ``(value, cost)``. Returns each evaluation, in order: ``(config, epochs, value,
    cost)``."""
    python = dehb_python()
    assert python is not None
    job = {"seed": seed, "edges": list(edges), "ops": list(ops), "min_fidelity": fidelities[0],
           "max_fidelity": fidelities[1], "eta": eta}  # fmt: skip
    worker = subprocess.Popen(
        [str(python), str(HERE / "_dehb_worker.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert worker.stdin is not None and worker.stdout is not None
    asked: list[tuple[dict[str, str], int, float, float]] = []
    spent = 0.0
    try:
        worker.stdin.write(json.dumps(job) + "\n")
        worker.stdin.flush()
        for line in worker.stdout:
            message: dict[str, Any] = json.loads(line)
            if message.get("done"):
                break
            if spent >= budget:
                worker.stdin.write(json.dumps({"stop": True}) + "\n")
                worker.stdin.flush()
                continue
            value, cost = objective(message["config"], int(message["fidelity"]))
            spent += cost
            asked.append((message["config"], int(message["fidelity"]), value, cost))
            worker.stdin.write(json.dumps({"value": value, "cost": cost}) + "\n")
            worker.stdin.flush()
    finally:
        worker.stdin.close()
        if worker.wait(timeout=60) != 0:
            raise RuntimeError(f"DEHB's worker ended with status {worker.returncode}")
    return asked
