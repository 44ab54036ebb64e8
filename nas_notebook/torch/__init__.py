"""PyTorch, searchable: ``from nas_notebook.torch import nn`` instead of ``from torch import nn``.

Importing this package imports torch; ``nas_notebook`` itself does not.
"""

from . import nn

__all__ = ["nn"]
