"""What a cell's static checks may take as known before it runs: the notebook's names, and the
names the cell binds once, at its top level, to a value written in the cell (``hi = 0``), so that
``floatv(1, hi)`` further down can be checked like ``floatv(1, 0)``.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

__all__ = ["StaticValues", "static_constants"]

#: The expressions the checks evaluate: literals, names, attributes and operators (no calls, no
#: subscripts, no comprehensions: nothing that runs the user's code beyond an attribute read).
_SAFE_NODES = (
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.Set,
    ast.Dict,
    ast.Name,
    ast.Attribute,
    ast.UnaryOp,
    ast.BinOp,
    ast.Load,
    ast.operator,
    ast.unaryop,
    ast.keyword,
)

#: Calls that can bind a name the code does not spell: a cell using one has no constants.
_REBINDERS = frozenset({"globals", "vars", "locals", "exec", "eval", "__import__"})


def _bindings(tree: ast.Module) -> dict[str, int]:
    """How many places of ``tree`` bind each name, in any scope (a function's parameter or
    local of the same name counts too: it could hide the top-level one)."""
    counts: dict[str, int] = {}

    def bind(name: str | None) -> None:
        if name:
            counts[name] = counts.get(name, 0) + 1

    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bind(node.id)
        elif isinstance(node, ast.arg):
            bind(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bind(node.name)
        elif isinstance(node, ast.alias):
            bind((node.asname or node.name).partition(".")[0])
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)):
            bind(node.name)
        elif isinstance(node, ast.MatchMapping):
            bind(node.rest)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                bind(name)
    return counts


def static_constants(tree: ast.Module) -> dict[str, tuple[tuple[int, int], ast.expr]]:
    """The names ``tree`` (a parsed cell) binds exactly once, by a plain assignment that is one
    of its top-level statements (``hi = 0``; ``lo, hi = 1, 10`` too): name -> (where that
    statement ends, as ``(line, column)``; the expression assigned). Code placed after that end
    reads the value of the expression, whatever runs in between; code before it does not see
    the name. Nothing when the cell calls ``globals``, ``exec`` or the like, or star-imports,
    which could bind any name.

    Example:
        >>> import ast
        >>> tree = ast.parse("hi = 0\\nlr = floatv(1, hi)\\nn = 1\\nn += 1")
        >>> {name: (end, ast.unparse(value)) for name, (end, value) in
        ...  static_constants(tree).items()}
        {'hi': ((1, 6), '0'), 'lr': ((2, 18), 'floatv(1, hi)')}
    """
    for node in ast.walk(tree):
        if (isinstance(node, ast.Name) and node.id in _REBINDERS) or (
            isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
        ):
            return {}
    counts = _bindings(tree)
    found: dict[str, tuple[tuple[int, int], ast.expr]] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        else:
            continue
        end = (statement.end_lineno or statement.lineno, statement.end_col_offset or 0)
        pairs = [(target, value)]
        if (
            isinstance(target, (ast.Tuple, ast.List))
            and isinstance(value, (ast.Tuple, ast.List))
            and len(target.elts) == len(value.elts)
        ):
            pairs = list(zip(target.elts, value.elts))  # lo, hi = 1, 10
        for name, expression in pairs:
            if isinstance(name, ast.Name) and counts.get(name.id) == 1:
                found[name.id] = (end, expression)
    return found


class StaticValues:
    """The values of expressions in a parsed cell that can be told before it runs: literals,
    the notebook's names (``user_ns``), and the cell's :func:`static_constants` where the code
    reading them comes after their assignment and their value cannot change (numbers, strings,
    tuples of them). Names the cell binds otherwise (``bound``) are unknown there.

    Example:
        >>> import ast
        >>> tree = ast.parse("hi = 2 * top\\nlr = floatv(1, hi)")
        >>> values = StaticValues(tree, {"top": 5}, bound={"hi", "lr"})
        >>> call = tree.body[1].value
        >>> values.value(call.args[1], (call.lineno, call.col_offset))
        10
        >>> values.value(call.args[1], (1, 0))  # before the assignment: not known
        Traceback (most recent call last):
        nas_notebook.space._static.Unknown: hi
    """

    def __init__(self, tree: ast.Module, user_ns: Mapping[str, Any], bound: set[str]) -> None:
        self.user_ns = user_ns
        self.bound = bound
        self.constants = static_constants(tree)
        self._values: dict[str, Any] = {}

    def value(self, node: ast.expr, at: tuple[int, int]) -> Any:
        """The value of ``node`` read at position ``(line, column)`` of the cell.

        Raises:
            Unknown: It cannot be told before a run (another error: evaluating it failed).
        """
        env = dict(self.user_ns)
        for sub in ast.walk(node):
            if not isinstance(sub, _SAFE_NODES):
                raise Unknown(type(sub).__name__)
            if isinstance(sub, ast.Name) and sub.id in self.bound:
                env[sub.id] = self._constant(sub.id, at)
        code = compile(ast.Expression(node), "<check>", "eval")
        return eval(code, env)

    def _constant(self, name: str, at: tuple[int, int]) -> Any:
        entry = self.constants.get(name)
        if entry is None or entry[0] > at:
            raise Unknown(name)
        if name not in self._values:
            expression = entry[1]
            try:
                where = (expression.lineno, expression.col_offset)
                found = self.value(expression, where)
                # A list the cell appends to before the call is not the list it wrote.
                self._values[name] = found if _immutable(found) else Unknown(f"{name}: mutable")
            except Exception as exc:
                self._values[name] = Unknown(f"{name}: {exc}")
        found = self._values[name]
        if isinstance(found, Unknown):
            raise found
        return found


def _immutable(value: Any) -> bool:
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes, range)):
        return True
    return isinstance(value, (tuple, frozenset)) and all(_immutable(item) for item in value)


class Unknown(Exception):
    """A value that cannot be told before the cell runs."""
