"""Parameter names taken from the code that calls a hyper primitive.

``lr = floatv(...)`` is named ``lr``; ``fc = nn.Linear(64, out_features=intv(...))`` is named
``fc.out_features``; ``{"lr": floatv(...)}`` is named ``lr``; ``return oneof(...)`` is named after
the enclosing function. A call site that runs several times in one trial (a loop, a comprehension,
a function called twice) gets indexed names: ``width[0]``, ``width[1]``... The first call of a
site that is not lexically inside a loop keeps the bare name, so adding a second call later does
not rename the first decision.

The same derivation runs on a frame at run time (through ``executing``, which maps the frame's
current instruction back to its AST node) and on a parsed cell before it runs (the magic's static
checks), so both agree on every name.
"""

from __future__ import annotations

import ast
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import CodeType, FrameType
from typing import Any

import executing

from .._errors import DuplicateNameError

__all__ = [
    "PRIMITIVE_NAMES",
    "NameRegistry",
    "Site",
    "call_site",
    "derive_name",
    "register_infrastructure",
    "static_sites",
]

PRIMITIVE_NAMES = frozenset({"oneof", "manyof", "floatv", "intv"})

_SEARCH_FILE_PREFIX = "<search "


@dataclass(frozen=True, eq=True)
class Site:
    """Where a hyper primitive is called: the code position and the name it derives."""

    filename: str
    lineno: int
    col: int
    base: str | None = field(compare=False)
    in_loop: bool = field(compare=False, default=False)
    #: Value objects built at this site, by the helper's call key (see ``_primitives._decide``).
    primitives: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def where(self) -> str:
        """A human-readable location: ``cell line 3`` or ``train.py:12``."""
        if self.filename.startswith(_SEARCH_FILE_PREFIX):
            return f"cell line {self.lineno}"
        return f"{os.path.basename(self.filename)}:{self.lineno}"

    def where_both(self, other: Site) -> str:
        """This site and ``other``, for a message about both: ``cell line 2 and cell line 5``,
        with the columns when they are on one line.

        Example:
            >>> a, b = Site("<search s-1>", 3, 4, "lr"), Site("<search s-1>", 3, 20, "lr")
            >>> a.where_both(b)
            'cell line 3, column 5 and cell line 3, column 21'
        """
        return " and ".join(self.where_apart(other))

    def where_apart(self, other: Site) -> tuple[str, str]:
        """Where this site and ``other`` are, told apart: with the columns when they are on one
        line (see :meth:`where_both`)."""
        if (self.filename, self.lineno) != (other.filename, other.lineno):
            return self.where(), other.where()
        return f"{self.where()}, column {self.col + 1}", f"{other.where()}, column {other.col + 1}"

    def fallback(self, kind: str) -> str:
        """The name used when the code gives none: ``intv@12``."""
        return f"{kind}@{self.lineno}"


_infrastructure: set[CodeType] = set()


def register_infrastructure(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark ``fn`` as a wrapper whose frames are skipped when looking for the user's call site."""
    _infrastructure.add(fn.__code__)
    return fn


# (id(code), instruction) -> (code, site). The code object is kept in the entry, so its id is not
# reused while cached, and compared by identity: equal code objects of two cells share no entry.
_site_cache: dict[tuple[int, int], tuple[CodeType, Site]] = {}
_cache_lock = threading.Lock()


def call_site(frame: FrameType | None = None) -> Site:
    """The site of a call into a hyper primitive.

    ``frame`` is the caller's frame when the primitive helper passed it; otherwise the innermost
    frame on this thread's stack that is not nas_notebook's own (helpers of other modules
    register with :func:`register_infrastructure`). The result is cached per (code object,
    instruction), so the AST work happens once per call site, not once per trial.

    Example:
        >>> import sys
        >>> from nas_notebook.space import call_site
        >>> def layer():
        ...     return call_site(sys._getframe(1))
        >>> width = layer()
        >>> width.base, width.in_loop
        ('width', False)
    """
    if frame is None:
        frame = sys._getframe(1)
        while frame is not None and (
            frame.f_code in _infrastructure
            or frame.f_globals.get("__name__", "").startswith("nas_notebook.space")
        ):
            frame = frame.f_back
        if frame is None:  # pragma: no cover - only nas_notebook frames on the stack
            return Site("<unknown>", 0, 0, None)
    code = frame.f_code
    entry = _site_cache.get((id(code), frame.f_lasti))
    if entry is not None and entry[0] is code:
        return entry[1]
    site = _resolve(frame)
    with _cache_lock:
        _site_cache[(id(code), frame.f_lasti)] = (code, site)
    return site


def _resolve(frame: FrameType) -> Site:
    filename = frame.f_code.co_filename
    try:
        node = executing.Source.executing(frame).node
    except Exception:  # source not available (e.g. exec of a string we did not register)
        node = None
    if node is None:
        return Site(filename, frame.f_lineno or 0, 0, None)
    base, in_loop = derive_name(node, lambda n: getattr(n, "parent", None))
    return Site(filename, node.lineno, node.col_offset, base, in_loop)  # type: ignore[attr-defined]


def _target_name(target: ast.AST) -> str | None:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
        return str(target.slice.value)
    return None


def _callee_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return "call"


_PASS_THROUGH = (
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.Starred,
    ast.Await,
    ast.Attribute,
    ast.Subscript,
    ast.FormattedValue,
    ast.JoinedStr,
)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.Module)


def _assigned_name(node: ast.AST, child: ast.AST, index: int | None) -> str | None:
    """The name an assignment-like statement gives to ``child`` (element ``index`` of a tuple)."""
    if isinstance(node, ast.Assign):
        targets = node.targets
        target = targets[-1]
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
        target = node.target
    else:
        return None
    if index is not None and isinstance(target, (ast.Tuple, ast.List)):
        if index < len(target.elts):
            return _target_name(target.elts[index])
        return None
    name = _target_name(target)
    if name is not None and index is not None:
        return f"{name}[{index}]"
    return name


def derive_name(
    call: ast.AST, parent_of: Callable[[ast.AST], ast.AST | None]
) -> tuple[str | None, bool]:
    """Derive ``(base_name, in_loop)`` for the primitive call ``call`` from its AST context.

    ``parent_of`` maps a node to its parent (``executing`` stores it as ``node.parent``; the
    static checks build a map). ``base_name`` is None when the code gives no name.
    """
    base: str | None = None
    child: ast.AST = call
    node = parent_of(call)
    index: int | None = None
    suffix: list[str] = []
    while node is not None:
        if isinstance(node, ast.keyword) and node.arg:
            call_node = parent_of(node)
            assert isinstance(call_node, ast.Call)
            owner = _assigned_name(parent_of(call_node) or call_node, call_node, None)
            base = f"{owner or _callee_name(call_node)}.{node.arg}"
            child, node = call_node, parent_of(call_node)
            break
        if isinstance(node, ast.Call) and child is not node.func:
            if child in node.args:
                owner = _assigned_name(parent_of(node) or node, node, None)
                base = f"{owner or _callee_name(node)}.arg{node.args.index(child)}"
            child, node = node, parent_of(node)
            break
        if isinstance(node, ast.Dict):
            if child in node.values:
                key = node.keys[node.values.index(child)]
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    suffix.insert(0, key.value)
                    child, node = node, parent_of(node)
                    continue
            break
        if isinstance(node, (ast.Tuple, ast.List)) and child in node.elts:
            index = node.elts.index(child)
            child, node = node, parent_of(node)
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
            base = ".".join(suffix) if suffix else _assigned_name(node, child, index)
            break
        if isinstance(node, ast.Return):
            scope = parent_of(node)
            while scope is not None and not isinstance(scope, _SCOPES):
                scope = parent_of(scope)
            if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)):
                base = scope.name
            break
        if isinstance(node, (_COMPREHENSIONS, ast.Call, _PASS_THROUGH)):
            child, node = node, parent_of(node)
            continue
        break
    if base is None and suffix:
        base = ".".join(suffix)
    # Loop detection runs from the call itself, so a loop anywhere up to the enclosing scope counts.
    in_loop = False
    child, node = call, parent_of(call)
    while node is not None and not isinstance(node, _SCOPES):
        if (isinstance(node, (ast.For, ast.AsyncFor)) and child is not node.iter) or (
            isinstance(node, ast.While) and child is not node.test
        ):
            in_loop = in_loop or child in node.body
        elif isinstance(node, _COMPREHENSIONS) and not (
            node.generators and child is node.generators[0].iter
        ):
            in_loop = True
        child, node = node, parent_of(node)
    return base, in_loop


def static_sites(tree: ast.Module, filename: str) -> list[tuple[ast.Call, Site]]:
    """Every call to a primitive helper by its plain name in ``tree``, with its derived site.

    Example:
        >>> import ast
        >>> [(site.lineno, site.base) for _, site in static_sites(
        ...     ast.parse("lr = floatv(0.1, 1)\\nn = intv(1, 3)"), "<cell>")]
        [(1, 'lr'), (2, 'n')]
    """
    parents: dict[ast.AST, ast.AST] = {}
    for parent in ast.walk(tree):
        for child in ast.iter_child_nodes(parent):
            parents[child] = parent
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in PRIMITIVE_NAMES:
            continue
        base, in_loop = derive_name(node, parents.get)
        found.append((node, Site(filename, node.lineno, node.col_offset, base, in_loop)))
    return found


class NameRegistry:
    """Which decision owns which parameter name, across all trials of one search.

    Auto-derived names never share: a second site deriving the same name is an error naming both
    lines. An explicit ``name=`` is an identity: every call with that name is the same decision,
    provided the definitions agree. Thread-safe (trials of a thread executor claim concurrently).
    """

    def __init__(self) -> None:
        self._owners: dict[str, tuple[Site, Any]] = {}
        self._stems: dict[str, Site] = {}
        self._lock = threading.Lock()

    def claim(
        self, name: str, site: Site, primitive: Any, explicit: bool, stem: str | None = None
    ) -> None:
        """Record that ``site`` uses ``name``; raise if another site already owns it.

        ``stem`` is the derived name before indexing (``w`` for ``w[1]``): two sites may not
        share a stem either, so ``w`` and ``w[0]`` never come from different lines.
        """
        if stem is not None:
            stem_site = self._stems.get(stem)
            if stem_site is None:
                with self._lock:
                    stem_site = self._stems.setdefault(stem, site)
            if stem_site is not site and stem_site != site:
                raise DuplicateNameError(
                    f"two decisions would share the name {stem!r}: {stem_site.where_both(site)}; "
                    "pass name=... to one of them"
                )
        owner = self._owners.get(name)
        if owner is None:
            with self._lock:
                owner = self._owners.setdefault(name, (site, primitive if explicit else None))
        other_site, other_primitive = owner
        if other_site is site or other_site == site:
            return
        if explicit and other_primitive is not None:
            if other_primitive == primitive:
                return
            first, second = other_site.where_apart(site)
            raise DuplicateNameError(
                f"name {name!r} is given to two different definitions: {other_primitive!r} at "
                f"{first} and {primitive!r} at {second}"
            )
        raise DuplicateNameError(
            f"two decisions would share the name {name!r}: {other_site.where_both(site)}; "
            "pass name=... to one of them"
        )

    def names(self) -> list[str]:
        return list(self._owners)
