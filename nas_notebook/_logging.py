"""Quieting Optuna's per-study INFO lines, which nas_notebook's own views replace."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import optuna

__all__ = ["quiet_optuna"]


@contextlib.contextmanager
def quiet_optuna() -> Iterator[None]:
    """Raise Optuna's log level to WARNING for the ``with`` block (e.g. "A new study created")."""
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(max(level, optuna.logging.WARNING))
    try:
        yield
    finally:
        optuna.logging.set_verbosity(level)
