"""Symbolic objects: calls kept with their arguments, so that a program is also a search space.

A :class:`Symbolic` is a call (a target and its arguments by name, :mod:`._calls`) that has not
run: a symbolized class called with a hyper value in its arguments returns one instead of an
instance, and a symbolized function always returns one (a :class:`Functor`). A
:class:`SymbolicBase` subclass (what :func:`~nas_notebook.symbolic.symbolize` makes of a class)
builds ordinary instances from concrete arguments, remembering them (:func:`arguments_of`).

Who calls what: user code calls symbolized classes and functions, on any thread; the objects
are immutable values (:func:`~nas_notebook.symbolic.rebind` returns a new one), so they may be
shared between threads and pickled to worker processes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .._errors import SearchSpaceError
from ..space import HyperPrimitive
from ._calls import bind, call, format_call, in_signature_order

__all__ = [
    "Functor",
    "Symbolic",
    "SymbolicBase",
    "arguments_of",
    "has_hyper",
    "is_symbolic_class",
    "symbolic_method",
]

_F = TypeVar("_F", bound=Callable[..., Any])
_ARGUMENTS = "_sym_arguments"

# Symbolic's build, clone and rebind are shortcuts for materialize, clone and rebind, which work
# on whole trees of symbolic objects and so live in the modules above this one: those modules
# hand them over with `symbolic_method` when they load (the package imports them all), so that
# imports only go one way.
_methods: dict[str, Callable[..., Any]] = {}


def symbolic_method(name: str) -> Callable[[_F], _F]:
    """Make the decorated tree operation the body of :class:`Symbolic`'s method ``name``."""

    def register(operation: _F) -> _F:
        _methods[name] = operation
        return operation

    return register


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
        object.__setattr__(self, "_arguments", in_signature_order(target, arguments))

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
                f"{format_call(self.target, {})[:-2]} has no argument {name!r}; it has "
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
        return format_call(self.target, self._arguments)

    def build(self, decisions: Mapping[str, Any] | None = None) -> Any:
        """The concrete object: see :func:`~nas_notebook.symbolic.materialize`."""
        return _methods["build"](self, decisions)

    def clone(self, deep: bool = True) -> Symbolic:
        """A copy: see :func:`~nas_notebook.symbolic.clone`."""
        result: Symbolic = _methods["clone"](self, deep=deep)
        return result

    def rebind(self, changes: Any = None, /, **kwargs: Any) -> Any:
        """A rewritten copy: see :func:`~nas_notebook.symbolic.rebind`."""
        return _methods["rebind"](self, changes, **kwargs)


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
        return format_call(type(self), arguments)
