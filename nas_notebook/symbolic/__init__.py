"""Symbolic programs as search spaces: symbolize, clone, rebind, materialize, encode.

A symbolized class or builder function keeps the arguments it is called with; called with hyper
values (``oneof``, ``floatv``...) anywhere in them it becomes a search space (a
:class:`Symbolic`), which ``sample``, ``%%search`` and :func:`materialize` turn into concrete
objects, every hyper value being a decision named by its key path (``model.op[2].filters``).
"""

from ._keypath import join, parse
from ._materialize import encode, materialize
from ._object import Functor, Symbolic, SymbolicBase, arguments_of, has_hyper, symbolize
from ._ops import clone, decisions, rebind, walk

__all__ = [
    "Functor",
    "Symbolic",
    "SymbolicBase",
    "arguments_of",
    "clone",
    "decisions",
    "encode",
    "has_hyper",
    "join",
    "materialize",
    "parse",
    "rebind",
    "symbolize",
    "walk",
]
