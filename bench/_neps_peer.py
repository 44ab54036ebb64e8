"""NePS (neural-pipeline-search 0.17), the peer for priors, in a virtualenv of its own: its pins
(torchvision, gpytorch, botorch) must not reach the package's dependencies.

:func:`neps_python` makes the virtualenv on first use, in ``bench/.peers/neps`` (torch from the
machine's CPU wheel first, as the README's set-up installs it, then NePS; see ``_peer_venv``),
or uses the interpreter ``NAS_NOTEBOOK_NEPS_PYTHON`` names. :func:`run_neps` runs one NePS
search in it (``_neps_worker.py``) and answers each configuration it asks for with
``objective``, so the table is read here, by the same code as ours.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from _peer_venv import converse, peer_python

__all__ = [
    "NEPS_CONFIDENCE",
    "NEPS_VERSION",
    "NePSPool",
    "neps_python",
    "run_neps",
    "run_neps_multi_fidelity",
]

NEPS_VERSION = "0.17.0"

#: NePS's word for the prior density that each of ours gives, so both search with the same
#: belief. NePS puts ``c`` = 0.25 / 0.5 / 0.75 (low / medium / high) of a choice's mass on the
#: prior's option, the rest shared by the others, and a number's normal has a standard
#: deviation of ``1 - c`` of the range; ours put 0.5 / 0.75 on the option with 0.5 / 0.25 of
#: the range (``nas_notebook.algorithms._priors``). So our "medium" is NePS's "high", our
#: "low" NePS's "medium"; NePS has nothing as sure as our "high".
NEPS_CONFIDENCE = {"low": "medium", "medium": "high"}

T = TypeVar("T")


class NePSPool:
    """Runs NePS searches ``jobs`` at a time, in the background: each is a NePS process, its
    thread here only answers it, so the caller goes on with its own work meanwhile (ours,
    run in the caller's thread). The virtualenv is made first, once, before any search.

    Example (``jobs=1`` runs them one after another, still beside the caller)::

        with NePSPool(jobs=2) as pool:
            later = pool.submit(run_neps, "pibo", 40, seed, edges, ops, objective, prior)
            ...  # ours
            asked = later.result()
    """

    def __init__(self, jobs: int = 1) -> None:
        neps_python()  # made here, not by two threads at once
        self._executor = ThreadPoolExecutor(max_workers=max(1, jobs))

    def submit(self, search: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        """Start ``search(*args, **kwargs)`` when a job is free."""
        return self._executor.submit(search, *args, **kwargs)

    def __enter__(self) -> NePSPool:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._executor.shutdown(wait=True, cancel_futures=exc[0] is not None)


def neps_python(create: bool = True) -> Path | None:
    """The interpreter of NePS's virtualenv (None: none, and ``create`` is off)."""
    return peer_python(
        "neps",
        "NAS_NOTEBOOK_NEPS_PYTHON",
        ["torch==2.13.0"],
        [f"neural-pipeline-search=={NEPS_VERSION}"],
        create=create,
    )


def _converse(job: dict[str, Any], answer: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    python = neps_python()
    assert python is not None
    converse(python, "_neps_worker.py", job, answer)


def run_neps(
    optimizer: str,
    evaluations: int,
    seed: int,
    edges: Sequence[str],
    ops: Sequence[str],
    objective: Callable[[dict[str, str]], float],
    prior: Sequence[str] | None = None,
    confidence: str = "medium",
) -> list[tuple[dict[str, str], float]]:
    """One NePS search of ``evaluations`` configurations with ``optimizer`` (``pibo``,
    ``bayesian_optimization``...), the ``prior`` ops held with our ``confidence`` (NePS is
    given the same density, :data:`NEPS_CONFIDENCE`); returns each configuration it asked for,
    in order, with its value."""
    job = {"optimizer": optimizer, "evaluations": evaluations, "seed": seed, "edges": list(edges),
           "ops": list(ops), "prior": None if prior is None else list(prior),
           "confidence": NEPS_CONFIDENCE[confidence]}  # fmt: skip
    asked: list[tuple[dict[str, str], float]] = []

    def answer(message: dict[str, Any]) -> dict[str, Any]:
        value = objective(message["config"])
        asked.append((message["config"], value))
        return {"value": value}

    _converse(job, answer)
    return asked


def run_neps_multi_fidelity(
    optimizer: str | tuple[str, dict[str, Any]],
    budget: float,
    seed: int,
    edges: Sequence[str],
    ops: Sequence[str],
    objective: Callable[[dict[str, str], int], tuple[float, float]],
    fidelities: tuple[int, int],
    prior: Sequence[str] | None = None,
    confidence: str = "medium",
) -> list[tuple[dict[str, str], int, float, float]]:
    """One NePS search with a fidelity (epochs, ``fidelities``) until the cost NePS is told
    reaches ``budget``: ``objective(config, epochs)`` gives ``(value, cost)``. ``optimizer``:
    NePS's name of it, or ``(name, options)``; ``confidence`` is ours, as for :func:`run_neps`.
    Returns each evaluation, in order: ``(config, epochs, value, cost)``."""
    job = {"optimizer": optimizer, "cost": budget, "seed": seed, "edges": list(edges),
           "ops": list(ops), "prior": None if prior is None else list(prior),
           "confidence": NEPS_CONFIDENCE[confidence],
           "fidelity": list(fidelities)}  # fmt: skip
    asked: list[tuple[dict[str, str], int, float, float]] = []

    def answer(message: dict[str, Any]) -> dict[str, Any]:
        epochs = int(message["fidelity"])
        value, cost = objective(message["config"], epochs)
        asked.append((message["config"], epochs, value, cost))
        return {"value": value, "cost": cost}

    _converse(job, answer)
    return asked
