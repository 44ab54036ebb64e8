"""PyTorch, searchable: ``from nas_notebook.torch import nn`` instead of ``from torch import nn``.

:func:`rewrite` turns a model space whose decisions are choices between modules into a
weight-sharing :class:`SuperNet` (:class:`Switch` or :class:`MixedOp` at each choice), which
:func:`darts` (one search, or :func:`darts_ensemble`: several short ones averaged) and
:func:`tunas` search at about the cost of one training.

Importing this package imports torch; ``nas_notebook`` itself does not.
"""

from . import nn
from ._choices import MixedOp, Switch
from ._darts import darts
from ._darts_ensemble import darts_ensemble
from ._efficient import efficient_search
from ._rewrite import rewrite
from ._search import SearchResult
from ._supernet import ChoiceFactory, SuperNet
from ._training import train_model
from ._tunas import tunas

__all__ = [
    "ChoiceFactory",
    "MixedOp",
    "SearchResult",
    "SuperNet",
    "Switch",
    "darts",
    "darts_ensemble",
    "efficient_search",
    "nn",
    "rewrite",
    "train_model",
    "tunas",
]
