"""IPython magics: ``%%search`` and its option parsing."""

from ._command import OPTIONS, add_options, search_kwargs
from ._magics import SearchMagics, load_ipython_extension

__all__ = ["OPTIONS", "SearchMagics", "add_options", "load_ipython_extension", "search_kwargs"]
