"""IPython magics: ``%%search`` and its option parsing."""

from ._command import OPTIONS, add_options, resolve_executor, search_kwargs
from ._magics import SearchMagics, load_ipython_extension

__all__ = [
    "OPTIONS",
    "SearchMagics",
    "add_options",
    "load_ipython_extension",
    "resolve_executor",
    "search_kwargs",
]
