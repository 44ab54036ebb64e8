"""``torch.nn`` whose layers accept hyper values: change the import, keep the code.

``from nas_notebook.torch import nn`` gives every name of ``torch.nn``. Its module classes
(``Linear``, ``Conv2d``, ``Dropout``, ``ReLU``, ``Sequential``... and ``Module`` itself) are
symbolic subclasses of torch's (:func:`nas_notebook.symbolic.symbolize`):

* with concrete arguments they build ordinary torch modules: the same parameters, buffers,
  ``state_dict`` keys, ``repr`` and ``forward``; ``isinstance(layer, torch.nn.Linear)`` holds
  (and ``isinstance(any_torch_module, nn.Module)`` too);
* with a hyper value in an argument (``nn.Linear(64, oneof([32, 64]))``, positional or keyword)
  they return a :class:`~nas_notebook.symbolic.Symbolic` search space, and so does a container
  (``nn.Sequential``) or a symbolic model that holds one. ``sample``, ``%%search`` and
  ``materialize`` build concrete models from it; each decision is named by its key path
  (``args[0].out_features``), so a layer used several times gets one decision per use.

A class deriving from ``nn.Module`` is symbolic as well: its ``__init__`` arguments may hold hyper
values. Everything else (``functional``, ``init``, ``Parameter``, ``utils``...) is torch's own.

Example:
    >>> from nas_notebook import oneof
    >>> from nas_notebook.torch import nn
    >>> import torch
    >>> layer = nn.Linear(4, 2)
    >>> isinstance(layer, torch.nn.Linear), list(layer.state_dict())
    (True, ['weight', 'bias'])
    >>> space = nn.Sequential(nn.Linear(4, oneof([8, 16])), nn.ReLU(), nn.LazyLinear(2))
    >>> from nas_notebook.symbolic import decisions
    >>> list(decisions(space))
    ['args[0].out_features']
"""

from __future__ import annotations

import threading
from typing import Any

import torch
import torch.nn as _torch_nn

from ..symbolic import SymbolicBase, symbolize_class

_lock = threading.Lock()


class _ModuleMeta(type):
    """Makes ``isinstance(m, nn.Module)`` true for every torch module, as with ``torch.nn``."""

    def __instancecheck__(cls, instance: Any) -> bool:
        if cls is Module:
            return isinstance(instance, torch.nn.Module)
        return super().__instancecheck__(instance)

    def __subclasscheck__(cls, subclass: Any) -> bool:
        if cls is Module:
            return isinstance(subclass, type) and issubclass(subclass, torch.nn.Module)
        return super().__subclasscheck__(subclass)


class Module(SymbolicBase, torch.nn.Module, metaclass=_ModuleMeta):
    """``torch.nn.Module``, symbolic: a model deriving from it accepts hyper values in its
    constructor arguments (then building it gives a search space, not a model)."""


def __getattr__(name: str) -> Any:
    if name.startswith("__") and name.endswith("__"):
        # torch.nn's module attributes are its own: with its __path__ this module would look
        # like a package, and `import nas_notebook.torch.nn.functional` would load a second
        # copy of torch's file under our name.
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_torch_nn, name)
    if not (isinstance(value, type) and issubclass(value, torch.nn.Module)):
        return value
    with _lock:
        made = globals().get(name)
        if made is None:
            made = symbolize_class(value, module=__name__)
            globals()[name] = made
    becomes = getattr(value, "cls_to_become", None)
    if isinstance(becomes, type) and "cls_to_become" not in made.__dict__:
        # A lazy layer turns into its plain class on the first forward; it must turn into ours
        # (torch's has another base layout, and Python refuses that __class__ change).
        made.cls_to_become = __getattr__(becomes.__name__)  # type: ignore[union-attr]
    return made


def __dir__() -> list[str]:
    return sorted(set(dir(_torch_nn)) | set(globals()))
