"""Symbolic objects: calls kept with their arguments, so that a program is also a search space.

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
import inspect
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .._errors import SearchSpaceError
from ..space import HyperPrimitive

__all__ = [
    "Functor",
    "Symbolic",
    "SymbolicBase",
    "arguments_of",
    "bind",
    "call",
    "has_hyper",
    "is_symbolic_class",
    "symbolize",
]

_T = TypeVar("_T")
_ARGUMENTS = "_sym_arguments"
_signatures: weakref.WeakKeyDictionary[Any, inspect.Signature | None] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _signature(target: Any) -> inspect.Signature | None:
    """The signature that names ``target``'s arguments (a class: its ``__init__`` without
    ``self``), or None when Python cannot tell."""
    try:
        return _signatures[target]
    except (KeyError, TypeError):
        pass
    signature: inspect.Signature | None
    try:
        if isinstance(target, type):
            init = inspect.signature(target.__init__)  # type: ignore[misc]
            signature = init.replace(parameters=list(init.parameters.values())[1:])
        else:
            signature = inspect.signature(getattr(target, "__wrapped__", target))
    except (TypeError, ValueError):
        signature = None
    try:
        with _lock:
            _signatures[target] = signature
    except TypeError:  # not weakly referenceable: computed again next time
        pass
    return signature


def bind(target: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments of ``target(*args, **kwargs)`` by name, in the signature's order.

    A ``*args`` parameter holds a tuple; ``**kwargs`` entries are flattened into the result.
    Arguments that do not fit the signature are kept as ``arg<i>`` / keywords, so the call
    itself reports the error.
    """
    signature = _signature(target)
    if signature is not None:
        try:
            bound = signature.bind_partial(*args, **kwargs)
        except TypeError:
            signature = None
    if signature is None:
        out = {f"arg{i}": value for i, value in enumerate(args)}
        out.update(kwargs)
        return out
    out = {}
    for name, value in bound.arguments.items():
        kind = signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_KEYWORD:
            out.update(value)
        else:
            out[name] = value
    return out


def _in_signature_order(target: Any, arguments: Mapping[str, Any]) -> dict[str, Any]:
    """``arguments`` with the signature's parameters first, in its order: two objects given the
    same arguments in another order (``rebind`` adds new ones) print and hash alike."""
    signature = _signature(target)
    if signature is None:
        return dict(arguments)
    ordered = {name: arguments[name] for name in signature.parameters if name in arguments}
    ordered.update((k, v) for k, v in arguments.items() if k not in ordered)
    return ordered


def call(target: Callable[..., _T], arguments: Mapping[str, Any]) -> _T:
    """Call ``target`` with ``arguments`` as :func:`bind` returns them."""
    args, kwargs = _split(target, arguments)
    return target(*args, **kwargs)


def _split(target: Any, arguments: Mapping[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    signature = _signature(target)
    remaining = dict(arguments)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    if signature is None:
        i = 0
        while f"arg{i}" in remaining:
            args.append(remaining.pop(f"arg{i}"))
            i += 1
        return args, remaining
    parameters = list(signature.parameters.values())
    has_var_positional = any(p.name in remaining for p in parameters if p.kind is p.VAR_POSITIONAL)
    positional = True
    for p in parameters:
        if p.kind is p.VAR_KEYWORD:
            continue
        if p.name not in remaining:
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                positional = False
            continue
        value = remaining.pop(p.name)
        if p.kind is p.VAR_POSITIONAL:
            args.extend(value)
        elif p.kind is p.POSITIONAL_ONLY or (
            p.kind is p.POSITIONAL_OR_KEYWORD and positional and has_var_positional
        ):
            args.append(value)
        else:
            kwargs[p.name] = value
    kwargs.update(remaining)  # **kwargs entries
    return args, kwargs


def has_hyper(value: Any) -> bool:
    """Whether ``value`` holds a hyper value: a primitive, or a container or symbolic object
    (template or functor) with one inside.

    Example:
        >>> from nas_notebook import oneof
        >>> has_hyper([1, {"act": oneof(["relu", "gelu"])}]), has_hyper({"lr": 0.1})
        (True, False)
    """
    if isinstance(value, HyperPrimitive):
        return True
    if isinstance(value, Symbolic):
        return value.is_space
    if isinstance(value, (list, tuple)):
        return any(has_hyper(v) for v in value)
    if isinstance(value, dict):
        return any(has_hyper(v) for v in value.values())
    return False


def _format(target: Any, arguments: Mapping[str, Any]) -> str:
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", repr(target))
    parts = [
        (f"{value!r}" if key.startswith("arg") and key[3:].isdigit() else f"{key}={value!r}")
        for key, value in arguments.items()
    ]
    return f"{name}({', '.join(parts)})"


class Symbolic:
    """A call kept with its arguments: ``Conv(filters=oneof([4, 8]), kernel=3)`` before it runs.

    Built by symbolized classes when their arguments hold hyper values (then it is a search
    space), and by :func:`~nas_notebook.symbolic.clone` / ``rebind`` of concrete objects.
    Immutable; compares and hashes by value; prints as the call. :meth:`build` makes the
    object (deciding its hyper values through the active search, if any).

    Attributes:
        target: The symbolized class or function that will be called.

    Example:
        >>> from nas_notebook import oneof
        >>> from nas_notebook.symbolic import rebind, symbolize
        >>> @symbolize
        ... class Conv:
        ...     def __init__(self, filters, kernel=3):
        ...         self.filters, self.kernel = filters, kernel
        >>> space = Conv(filters=oneof([4, 8]))
        >>> type(space).__name__, space, space.is_space
        ('Symbolic', Conv(filters=oneof([4, 8])), True)
        >>> rebind(space, {"filters": 16}).build().filters
        16
    """

    __slots__ = ("_arguments", "target")

    target: Any
    _arguments: dict[str, Any]

    def __init__(self, target: Any, arguments: Mapping[str, Any]) -> None:
        object.__setattr__(self, "target", target)
        object.__setattr__(self, "_arguments", _in_signature_order(target, arguments))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(
            f"symbolic objects are immutable; use rebind(obj, {{{name!r}: ...}}) for a new one"
        )

    @property
    def arguments(self) -> Mapping[str, Any]:
        """The arguments by parameter name (read-only)."""
        return dict(self._arguments)

    @property
    def is_space(self) -> bool:
        """Whether some argument holds a hyper value (so there is something to decide)."""
        return any(has_hyper(v) for v in self._arguments.values())

    def __getattr__(self, name: str) -> Any:
        # Only called for names that are not slots or methods: the call's arguments.
        try:
            return self._arguments[name]
        except KeyError:
            raise AttributeError(
                f"{_format(self.target, {})[:-2]} has no argument {name!r}; it has "
                f"{', '.join(map(repr, self._arguments)) or 'none'}"
            ) from None

    def __getstate__(self) -> tuple[Any, dict[str, Any]]:
        return (self.target, self._arguments)

    def __setstate__(self, state: tuple[Any, dict[str, Any]]) -> None:
        object.__setattr__(self, "target", state[0])
        object.__setattr__(self, "_arguments", state[1])

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and other.target is self.target
            and other._arguments == self._arguments
        )

    def __hash__(self) -> int:
        return hash((type(self).__name__, id(self.target), repr(self)))

    def __repr__(self) -> str:
        return _format(self.target, self._arguments)

    def build(self, decisions: Mapping[str, Any] | None = None) -> Any:
        """The concrete object: see :func:`~nas_notebook.symbolic.materialize`."""
        from ._materialize import materialize

        return materialize(self, decisions)

    def clone(self, deep: bool = True) -> Symbolic:
        """A copy: see :func:`~nas_notebook.symbolic.clone`."""
        from ._ops import clone

        return clone(self, deep=deep)

    def rebind(self, changes: Any = None, /, **kwargs: Any) -> Any:
        """A rewritten copy: see :func:`~nas_notebook.symbolic.rebind`."""
        from ._ops import rebind

        return rebind(self, changes, **kwargs)


class Functor(Symbolic):
    """A symbolized function with its arguments bound; ``functor()`` runs it.

    Example:
        >>> from nas_notebook.symbolic import symbolize
        >>> @symbolize
        ... def foo(a, b):
        ...     return a + b
        >>> f = foo(1, b=2)
        >>> f, f()
        (foo(a=1, b=2), 3)
    """

    __slots__ = ()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the function; ``args``/``kwargs`` override bound arguments."""
        if self.is_space:
            raise SearchSpaceError(
                f"{self!r} still holds hyper values: sample it, or materialize it with decisions, "
                "before calling it"
            )
        arguments = dict(self._arguments)
        arguments.update(bind(self.target, args, kwargs))
        return call(self.target.__wrapped__, arguments)


def arguments_of(obj: Any) -> dict[str, Any] | None:
    """The constructor arguments a symbolized class's instance was built with (by name), the
    arguments of a :class:`Symbolic`, or None for anything else.

    Example:
        >>> from nas_notebook.symbolic import symbolize
        >>> @symbolize
        ... class Point:
        ...     def __init__(self, x, y=0):
        ...         self.x, self.y = x, y
        >>> arguments_of(Point(1, y=2))
        {'x': 1, 'y': 2}
    """
    if isinstance(obj, Symbolic):
        return dict(obj.arguments)
    if isinstance(obj, type) or not is_symbolic_class(type(obj)):
        return None
    try:
        stored = object.__getattribute__(obj, _ARGUMENTS)
    except AttributeError:
        return None
    return dict(stored)


def is_symbolic_class(cls: Any) -> bool:
    """Whether ``cls`` is a class whose calls are symbolic (symbolized, or derived from one)."""
    return isinstance(cls, type) and issubclass(cls, SymbolicBase)


class SymbolicBase:
    """The base that makes a class symbolic: its ``__new__`` keeps the constructor arguments,
    and returns a :class:`Symbolic` instead of an instance when they hold hyper values.

    Subclasses of a symbolized class are symbolic too: their arguments are named after their
    own ``__init__``.
    """

    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        arguments = bind(cls, args, kwargs)
        if any(has_hyper(v) for v in arguments.values()):
            return Symbolic(cls, arguments)
        following = super().__new__
        # object.__new__ refuses the constructor's arguments; a base's own __new__ gets them.
        obj = following(cls) if following is object.__new__ else following(cls, *args, **kwargs)
        try:
            object.__setattr__(obj, _ARGUMENTS, arguments)
        except AttributeError:  # __slots__ without a __dict__: no record, still an instance
            pass
        return obj

    def __repr__(self) -> str:
        base = super().__repr__()
        arguments = arguments_of(self)
        if arguments is None or not base.startswith("<"):
            return base  # the class's own repr (torch modules print their layers)
        return _format(type(self), arguments)


_classes: dict[type, type] = {}


def _value_eq(self: Any, other: object) -> bool:
    if type(other) is not type(self):
        return NotImplemented
    return arguments_of(self) == arguments_of(other)


def _value_hash(self: Any) -> int:
    return hash((type(self).__qualname__, repr(arguments_of(self))))


def _symbolize_class(cls: type, module: str | None = None) -> type:
    """The symbolic subclass of ``cls`` (one per class); ``module`` is where pickle finds it
    (default: ``cls``'s own module, right for ``@symbolize`` on a class definition)."""
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
        if cls.__eq__ is object.__eq__ and not _is_torch_module(cls):
            # Value semantics for plain classes; modules keep identity (torch keys dicts by them).
            namespace["__eq__"] = _value_eq
            namespace["__hash__"] = _value_hash
        made = type(cls)(cls.__name__, (SymbolicBase, cls), namespace)
        _classes[cls] = made
        return made


def _is_torch_module(cls: type) -> bool:
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
        return _symbolize_class(target)  # type: ignore[return-value]
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
