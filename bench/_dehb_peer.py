"""The ``dehb`` package (DEHB 0.1.2), the peer for differential evolution with Hyperband, in a
virtualenv of its own: it needs numpy < 2, which must not reach the package's dependencies.

:func:`dehb_python` makes the virtualenv on first use, in ``bench/.peers/dehb``, or uses the
interpreter ``NAS_NOTEBOOK_DEHB_PYTHON`` names. :func:`run_dehb` runs one DEHB search in it
(``_dehb_worker.py``) and answers each (configuration, fidelity) it asks for with ``objective``
until the cost spent reaches the budget, so the table is read here, by the same code as ours.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from _peer_venv import converse, peer_python

__all__ = ["DEHB_VERSION", "dehb_python", "run_dehb"]

DEHB_VERSION = "0.1.2"


def dehb_python(create: bool = True) -> Path | None:
    """The interpreter of the ``dehb`` virtualenv (None: none, and ``create`` is off)."""
    return peer_python(
        "dehb", "NAS_NOTEBOOK_DEHB_PYTHON", [f"dehb=={DEHB_VERSION}", "numpy<2"], create=create
    )


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
    asked: list[tuple[dict[str, str], int, float, float]] = []
    spent = 0.0

    def answer(message: dict[str, Any]) -> dict[str, Any]:
        nonlocal spent
        if spent >= budget:
            return {"stop": True}
        epochs = int(message["fidelity"])
        value, cost = objective(message["config"], epochs)
        spent += cost
        asked.append((message["config"], epochs, value, cost))
        return {"value": value, "cost": cost}

    converse(python, "_dehb_worker.py", job, answer)
    return asked
