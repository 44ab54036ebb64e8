"""Symbolize: make a class or a builder function symbolic, so that a program is also a search
space.

:func:`symbolize` turns a class or a builder function into a *symbolic* one:

* A symbolized **class** is a subclass of the original with the same name. Called with concrete
  arguments it builds an ordinary instance (``isinstance`` works, a ``torch.nn.Module`` stays
  a module with the same parameters) that also remembers its constructor arguments, by
  parameter name (:func:`arguments_of`), so it can be cloned, rewritten and compared by value.
  Called with a hyper value anywhere in its arguments (``Conv(oneof([4, 8]), 3)``, or a list or
  dict or symbolic object holding one), it builds nothing and returns a :class:`Symbolic`: the
  call, kept as a search space.
* A symbolized **function** returns a :class:`Functor` (the function with its arguments bound,
  called later with ``functor()``), which is a search space when its arguments hold hyper values.

Arguments are bound to the callable's signature, so positional arguments have names too
(``Conv(oneof([4, 8]), 3)`` names the first one ``filters``); the values of a ``*args`` parameter
are ``args[0]``, ``args[1]``...; a ``**kwargs`` entry is named by its keyword. A callable without
a signature (some built-ins) names positional arguments ``arg0``, ``arg1``...

Who calls what: user code calls symbolized classes and functions, on any thread; the objects
are immutable values (:func:`~nas_notebook.symbolic.rebind` returns a new one), so they may be
shared between threads and pickled to worker processes.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, TypeVar

from .._errors import SearchSpaceError
from ._calls import bind
from ._object import Functor, Symbolic, SymbolicBase, arguments_of, is_symbolic_class

__all__ = ["is_torch_module", "symbolize", "symbolize_class"]

_T = TypeVar("_T")
_lock = threading.Lock()
_classes: dict[type, type] = {}


def _value_eq(self: Any, other: object) -> bool:
    if type(other) is not type(self):
        return NotImplemented
    return arguments_of(self) == arguments_of(other)


def _value_hash(self: Any) -> int:
    return hash((type(self).__qualname__, repr(arguments_of(self))))


def symbolize_class(cls: type, module: str | None = None) -> type:
    """The symbolic subclass of ``cls``, what :func:`symbolize` makes of a class (one per class),
    placed in ``module``.

    ``module`` is for a namespace of symbolic versions of another library's classes (as
    :mod:`nas_notebook.torch.nn` is for ``torch.nn``): the class is found there by pickle, and
    its documentation points there. By default it is ``cls``'s own module, right for
    ``@symbolize`` on a class definition.

    Args:
        cls: The class (a symbolic class is returned as it is).
        module: The name of the module the symbolic class belongs to.

    Returns:
        The symbolic subclass; the same one for every call with ``cls``.

    Example:
        >>> from nas_notebook import oneof
        >>> from nas_notebook.symbolic import symbolize_class
        >>> class Point:
        ...     def __init__(self, x, y=0):
        ...         self.x, self.y = x, y
        >>> SymbolicPoint = symbolize_class(Point, module="geometry")
        >>> SymbolicPoint.__module__, SymbolicPoint(1, y=oneof([0, 1]))
        ('geometry', Point(x=1, y=oneof([0, 1])))
        >>> symbolize_class(Point) is SymbolicPoint
        True
    """
    if is_symbolic_class(cls):
        return cls
    with _lock:
        known = _classes.get(cls)
        if known is not None:
            return known
        namespace: dict[str, Any] = {
            "__module__": module or cls.__module__,
            "__qualname__": cls.__qualname__,
            # A class made for another module points to the original's documentation (whose
            # examples are written for the original's namespace, not for doctest here).
            "__doc__": cls.__doc__
            if module is None
            else f"``{cls.__module__}.{cls.__qualname__}``, symbolic: see :mod:`{module}`.",
            "__symbolized__": cls,
        }
        if "__slots__" in cls.__dict__:
            namespace["__slots__"] = ()
        if cls.__eq__ is object.__eq__ and not is_torch_module(cls):
            # Value semantics for plain classes; modules keep identity (torch keys dicts by them).
            namespace["__eq__"] = _value_eq
            namespace["__hash__"] = _value_hash
        made = type(cls)(cls.__name__, (SymbolicBase, cls), namespace)
        _classes[cls] = made
        return made


def is_torch_module(cls: type) -> bool:
    """Whether ``cls`` derives from ``torch.nn.Module`` (told without importing torch)."""
    return any(
        base.__module__ == "torch.nn.modules.module" and base.__name__ == "Module"
        for base in cls.__mro__
    )


def symbolize(target: _T) -> _T:
    """Make a class or a builder function symbolic (a decorator, or a call).

    A symbolized class builds ordinary instances from concrete arguments, remembering them, and
    a :class:`Symbolic` search space when an argument holds a hyper value; a symbolized function
    returns a :class:`Functor`. See the module documentation.

    Args:
        target: A class (``torch.nn.Module`` subclasses included) or a function.

    Returns:
        The symbolic class (a subclass of ``target`` with the same name) or function.

    Raises:
        SearchSpaceError: ``target`` is neither a class nor a function.

    Example:
        >>> from nas_notebook import oneof
        >>> from nas_notebook.symbolic import symbolize
        >>> @symbolize
        ... class Foo:
        ...     def __init__(self, a, b):
        ...         self.a, self.b = a, b
        >>> Foo(1, 2) == Foo(a=1, b=2), isinstance(Foo(1, 2), Foo)
        (True, True)
        >>> Foo(a=oneof([1, 2]), b=0.5)
        Foo(a=oneof([1, 2]), b=0.5)
    """
    if isinstance(target, type):
        return symbolize_class(target)  # type: ignore[return-value]
    if isinstance(target, Symbolic) or not callable(target):
        raise SearchSpaceError(
            f"symbolize: expected a class or a function, got {type(target).__name__} {target!r}"
        )
    if getattr(target, "__symbolized__", None) is not None:
        return target

    @functools.wraps(target)
    def symbolic(*args: Any, **kwargs: Any) -> Functor:
        return Functor(symbolic, bind(target, args, kwargs))

    symbolic.__symbolized__ = target  # type: ignore[attr-defined]
    return symbolic  # type: ignore[return-value]
