"""A trial body compiled once, run once per trial in a fresh namespace layered over the user's.

The body is the cell (or script section) below the ``%%search`` line. It is compiled once, with
line numbers that match the cell and its source registered in ``linecache`` (tracebacks show the
user's lines and names can be derived from the code). If its last statement is an expression,
that expression's value is the trial's result, as in IPython.

Each run gets a new ``globals`` dict holding only the names the body reads from the user's
namespace, so trials never assign into the notebook's variables and concurrent trials never
see each other's locals.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import itertools
import linecache
import symtable
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import CodeType
from typing import Any

from .._errors import SearchSpaceError
from ..space import (
    Float,
    HyperPrimitive,
    Int,
    ManyOf,
    OneOf,
    Site,
    StaticValues,
    floatv,
    intv,
    manyof,
    oneof,
    static_sites,
)
from ..symbolic import build_in_search, has_hyper
from ._names import TRIAL_NAMES

__all__ = ["FunctionProgram", "ProgramError", "TrialProgram"]

_counter = itertools.count(1)
_RESULT = "__nas_notebook_result__"

_CLASSES = {"oneof": OneOf, "manyof": ManyOf, "floatv": Float, "intv": Int}
_HELPERS = {"oneof": oneof, "manyof": manyof, "floatv": floatv, "intv": intv}


class ProgramError(SearchSpaceError):
    """A problem found in a trial body before it runs; ``lineno`` is the cell line."""

    def __init__(self, message: str, lineno: int | None = None) -> None:
        where = f"line {lineno}: " if lineno else ""
        super().__init__(where + message)
        self.lineno = lineno


@dataclass
class TrialProgram:
    """The compiled trial body.

    Attributes:
        source: The body's text.
        label: A short name used in the file name tracebacks show (``<search NAME-1>``).
        first_line: The line number of the body's first line in the cell (2 below ``%%search``).
    """

    source: str
    label: str = "cell"
    first_line: int = 1
    #: The variable holding a symbolic space: each run sees it materialized (``--space``).
    space: str | None = None
    filename: str = field(init=False)
    names: frozenset[str] = field(init=False)
    has_result: bool = field(init=False)
    _body: CodeType | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        self.filename = f"<search {self.label}-{next(_counter)}>"
        self._compile()

    @property
    def padded_source(self) -> str:
        return "\n" * (self.first_line - 1) + self.source

    def _compile(self) -> None:
        text = self.padded_source
        try:
            tree = ast.parse(text, self.filename)
        except SyntaxError as exc:
            raise ProgramError(f"syntax error: {exc.msg}", exc.lineno) from None
        lines = text.splitlines(keepends=True)
        linecache.cache[self.filename] = (len(text), None, lines, self.filename)
        if not tree.body:
            raise ProgramError("the cell has no code to search")
        last = tree.body[-1]
        self.has_result = isinstance(last, ast.Expr)
        if isinstance(last, ast.Expr):
            # One code object: the last expression's value is stored under _RESULT, so a run is a
            # single exec (no second frame for an eval).
            store = ast.Assign(targets=[ast.Name(_RESULT, ast.Store())], value=last.value)
            tree.body[-1] = ast.copy_location(store, last)
            ast.fix_missing_locations(tree)
        self._body = compile(tree, self.filename, "exec")
        self._tree = ast.parse(text, self.filename)
        self.names = frozenset(self._global_reads(text))
        # The primitives and ``report`` resolve for every body, beneath the user's own names.
        self._defaults = {n: TRIAL_NAMES[n] for n in self.names if n in TRIAL_NAMES}

    def _global_reads(self, text: str) -> set[str]:
        top = symtable.symtable(text, self.filename, "exec")
        names = {s.get_name() for s in top.get_symbols() if s.is_referenced()}
        stack = list(top.get_children())
        while stack:
            table = stack.pop()
            stack.extend(table.get_children())
            names.update(
                s.get_name() for s in table.get_symbols() if s.is_global() and s.is_referenced()
            )
        return names

    def __getstate__(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "label": self.label,
            "first_line": self.first_line,
            "space": self.space,
            "filename": self.filename,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._compile()

    def namespace(self, user_ns: Mapping[str, Any]) -> dict[str, Any]:
        """A fresh ``globals`` dict for one run: the user's values of the names the body reads."""
        ns = {name: user_ns[name] for name in self.names if name in user_ns}
        for name, value in self._defaults.items():
            ns.setdefault(name, value)
        ns["__name__"] = "__main__"
        ns["__builtins__"] = builtins
        return ns

    def run(self, namespace: dict[str, Any]) -> Any:
        """Execute the body in ``namespace``; return the last expression's value (or None)."""
        if self.space is not None:
            namespace[self.space] = build_in_search(
                namespace[self.space], Site(self.filename, self.first_line, 0, None)
            )
        exec(self._body, namespace)  # type: ignore[arg-type]  # compiled in __post_init__
        return namespace.get(_RESULT)

    # -- checks before any trial runs -------------------------------------------------------

    def check(self, user_ns: Mapping[str, Any]) -> None:
        """Find mistakes before a trial runs: undefined names, bad primitive arguments (written
        in the cell, or read from the notebook's names or from names the cell binds once to a
        value it spells, like ``hi = 0``), two call sites that would derive the same parameter
        name, and an explicit ``name=`` given to two different definitions or to a decision
        that another call site's code already names so.

        Raises:
            ProgramError: The first problem, with the cell line it is on.
        """
        bound = self._bound_at_top()
        self._check_undefined(user_ns, bound)
        if self.space is not None:
            check_space_name(self.space, user_ns, self.names)
        sites = sorted(
            static_sites(self._tree, self.filename),
            key=lambda item: (item[1].lineno, item[1].col),
        )
        known = StaticValues(self._tree, user_ns, bound)
        helpers = {id(call): self._helper(call, known) for call, _ in sites}
        definitions = self._check_primitive_arguments(sites, helpers, known)
        self._check_duplicate_names(sites)
        self._check_explicit_names(sites, helpers, definitions)

    def static_names(self) -> set[str]:
        """The decision names the code spells (``lr = floatv(...)``: ``lr``; a ``name=``
        literal); none for decisions drawn in a function the body calls.

        Example:
            >>> sorted(TrialProgram("lr = floatv(0, 1)\\nfloatv(0, 1, name='wd')").static_names())
            ['lr', 'wd']
        """
        sites = static_sites(self._tree, self.filename)
        return {n for call, site in sites if (n := _explicit_name(call) or site.base)}

    def _bound_at_top(self) -> set[str]:
        top = symtable.symtable(self.padded_source, self.filename, "exec")
        return {
            s.get_name()
            for s in top.get_symbols()
            if s.is_assigned() or s.is_imported() or s.is_namespace()
        }

    def _check_undefined(self, user_ns: Mapping[str, Any], bound: set[str]) -> None:
        missing = {
            n
            for n in self.names
            if n not in bound
            and n not in user_ns
            and n not in self._defaults
            and not hasattr(builtins, n)
        }
        if not missing:
            return
        for node in ast.walk(self._tree):
            if isinstance(node, ast.Name) and node.id in missing:
                raise ProgramError(f"name {node.id!r} is not defined", node.lineno)
        name = sorted(missing)[0]  # pragma: no cover - every read name appears as an ast.Name
        raise ProgramError(f"name {name!r} is not defined")

    def _helper(self, call: ast.Call, known: StaticValues) -> str | None:
        """The primitive helper ``call`` calls (``floatv``, ``nb.floatv``...), if the checks can
        tell it is one of ours and not a function of the user's that has its name."""
        func = call.func
        if isinstance(func, ast.Name):
            helper = func.id
            if helper not in _HELPERS or helper in known.bound:
                return None
            found = known.user_ns.get(helper, self._defaults.get(helper))
        elif isinstance(func, ast.Attribute) and func.attr in _HELPERS:
            helper = func.attr
            try:
                found = known.value(func, (call.lineno, call.col_offset))
            except Exception:  # not something the checks can evaluate
                return None
        else:
            return None
        return helper if found is _HELPERS[helper] else None

    def _check_primitive_arguments(
        self,
        sites: list[tuple[ast.Call, Site]],
        helpers: dict[int, str | None],
        known: StaticValues,
    ) -> dict[int, HyperPrimitive]:
        """Build each primitive whose arguments the checks can evaluate; return them by
        ``id(call)``."""
        built: dict[int, HyperPrimitive] = {}
        for call, site in sites:
            helper = helpers[id(call)]
            if helper is None or any(kw.arg is None for kw in call.keywords):  # **options
                continue
            at = (call.lineno, call.col_offset)
            try:
                args = [known.value(arg, at) for arg in call.args]
                kwargs = {kw.arg: known.value(kw.value, at) for kw in call.keywords if kw.arg}
            except Exception:  # not evaluable here: leave it to the trial to report
                continue
            try:
                built[id(call)] = _CLASSES[helper](*args, **kwargs)
            except SearchSpaceError as exc:
                raise ProgramError(str(exc), site.lineno) from None
            except TypeError as exc:
                raise ProgramError(f"{helper}: {exc}", site.lineno) from None
        return built

    def _check_duplicate_names(self, sites: list[tuple[ast.Call, Site]]) -> None:
        seen: dict[str, Site] = {}
        for call, site in sites:
            if any(kw.arg == "name" for kw in call.keywords) or site.base is None:
                continue
            other = seen.setdefault(site.base, site)
            if other != site:
                raise ProgramError(
                    f"two decisions would share the name {site.base!r}: "
                    f"{other.where_both(site)}; pass name=... to one of them",
                    site.lineno,
                )

    def _check_explicit_names(
        self,
        sites: list[tuple[ast.Call, Site]],
        helpers: dict[int, str | None],
        built: dict[int, HyperPrimitive],
    ) -> None:
        """An explicit name shared by two definitions that differ (every trial would fail), or
        equal to the name another call site derives from its code (``lr = floatv(...)`` and
        ``floatv(..., name="lr")``: the first run of both would fail)."""
        derived: dict[str, Site] = {}
        for call, site in sites:
            if site.base is not None and not site.in_loop and _explicit_name(call) is None:
                derived.setdefault(site.base, site)
        explicit: dict[str, tuple[ast.Call, Site]] = {}
        for call, site in sites:
            name = _explicit_name(call)
            if name is None:
                continue
            other_site = derived.get(name)
            if other_site is not None:
                first, second = sorted((other_site, site), key=lambda s: (s.lineno, s.col))
                raise ProgramError(
                    f"two decisions would share the name {name!r}: {first.where_both(second)}; "
                    "pass a different name=... to one of them",
                    second.lineno,
                )
            if name not in explicit:
                explicit[name] = (call, site)
                continue
            other, other_site = explicit[name]
            kinds = helpers[id(other)], helpers[id(call)]
            a, b = built.get(id(other)), built.get(id(call))
            if (None not in kinds and kinds[0] != kinds[1]) or (
                a is not None and b is not None and a != b
            ):
                here, there = other_site.where_apart(site)
                raise ProgramError(
                    f"name {name!r} is given to two different definitions: "
                    f"{ast.unparse(other)} at {here} and {ast.unparse(call)} at {there}",
                    site.lineno,
                )


def _explicit_name(call: ast.Call) -> str | None:
    """The ``name=`` a call gives as a string literal, if any."""
    for keyword in call.keywords:
        value = keyword.value
        if keyword.arg == "name" and isinstance(value, ast.Constant):
            return value.value if isinstance(value.value, str) else None
    return None


def check_space_name(name: str, user_ns: Mapping[str, Any], read: frozenset[str]) -> None:
    """Raise a :class:`ProgramError` unless ``--space NAME`` names a symbolic space the body
    reads.

    Example:
        >>> from nas_notebook.space import uniform
        >>> check_space_name("config", {"config": {"lr": uniform(0, 1)}}, frozenset(["config"]))
        >>> check_space_name("config", {}, frozenset(["config"]))
        Traceback (most recent call last):
        ...
        nas_notebook.trial._program.ProgramError: --space config: name 'config' is not defined
    """
    if not name.isidentifier():
        raise ProgramError(f"--space {name}: give the name of a variable holding the space")
    if name not in user_ns:
        raise ProgramError(f"--space {name}: name {name!r} is not defined")
    if not has_hyper(user_ns[name]):
        raise ProgramError(
            f"--space {name}: {name!r} holds no hyper value to search ({user_ns[name]!r:.80}); "
            "give a dict of domains (uniform, choice...) or a symbolized object with hyper values"
        )
    if name not in read:
        raise ProgramError(f"--space {name}: the cell does not use {name!r}")


class FunctionProgram(TrialProgram):
    """A trial body given as a function instead of cell text: of no arguments, or, with a
    symbolic ``space``, of one (the materialized object).

    The function is called as it is (its globals are its module's); nothing is compiled.
    """

    def __init__(self, fn: Callable[..., Any], space_value: Any = None) -> None:
        self.fn = fn
        self.space_value = space_value
        self.space = None
        self.source = inspect.getsource(fn) if _has_source(fn) else ""
        self.label = getattr(fn, "__qualname__", type(fn).__name__)
        self.first_line = 1
        code = getattr(fn, "__code__", None) or getattr(type(fn).__call__, "__code__", None)
        self.filename = code.co_filename if code is not None else "<function>"
        self.names = frozenset()
        self.has_result = True

    def namespace(self, user_ns: Mapping[str, Any]) -> dict[str, Any]:
        return {}

    def run(self, namespace: dict[str, Any]) -> Any:
        if self.space_value is None:
            return self.fn()
        return self.fn(build_in_search(self.space_value, Site(self.filename, 0, 0, None)))

    def check(self, user_ns: Mapping[str, Any]) -> None:
        if self.space_value is not None and not has_hyper(self.space_value):
            raise ProgramError(f"`space` holds no hyper value to search ({self.space_value!r:.80})")

    def __getstate__(self) -> dict[str, Any]:
        return {"fn": self.fn, "space_value": self.space_value}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["fn"], state.get("space_value"))  # type: ignore[misc]


def _has_source(fn: Callable[..., Any]) -> bool:
    try:
        inspect.getsource(fn)
    except (OSError, TypeError):
        return False
    return True
