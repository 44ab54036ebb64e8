"""The search facade: :class:`Search` (run a trial body as an Optuna study, steer it, read its
results) and :func:`load_search` (a stored search, to look at or continue)."""

from ._load import load_search
from ._search import Search

__all__ = ["Search", "load_search"]
