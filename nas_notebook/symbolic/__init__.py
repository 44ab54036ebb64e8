"""Symbolic programs as search spaces: symbolize, clone, rebind, materialize, encode.

A symbolized class or builder function keeps the arguments it is called with; called with hyper
values (``oneof``, ``floatv``...) anywhere in them it becomes a search space (a
:class:`Symbolic`), which ``sample``, ``%%search`` and :func:`materialize` turn into concrete
objects, every hyper value being a decision named by its key path (``model.op[2].filters``).
"""

from ._keypath import join, parse
from ._materialize import build_in_search, build_with, encode, materialize
from ._object import Functor, Symbolic, SymbolicBase, arguments_of, has_hyper
from ._ops import candidate_path, children, clone, decisions, rebind, walk
from ._symbolize import symbolize, symbolize_class

__all__ = [
    "Functor",
    "Symbolic",
    "SymbolicBase",
    "arguments_of",
    "build_in_search",
    "build_with",
    "candidate_path",
    "children",
    "clone",
    "decisions",
    "encode",
    "has_hyper",
    "join",
    "materialize",
    "parse",
    "rebind",
    "symbolize",
    "symbolize_class",
    "walk",
]
