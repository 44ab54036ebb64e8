"""The trial body a stored search continues with.

A cell's text is its own program. A Python function is stored by its source, which only
*defines* it: continuing runs that definition followed by a call of the function, when the
function is a plain ``def`` of no arguments; any other function (a lambda, a closure, one given
a symbolic space) cannot be rebuilt from text, and the search must be given the function again
(looking at the study needs nothing).
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Mapping
from typing import Any

from ..trial import FunctionProgram, ProgramError, TrialProgram

__all__ = ["stored_body", "stored_function"]


def stored_function(program: TrialProgram) -> dict[str, Any]:
    """What a search records about a function body besides its source (nothing for a cell).

    Example:
        >>> from nas_notebook.trial import FunctionProgram, TrialProgram
        >>> def objective():
        ...     return 1.0
        >>> stored_function(FunctionProgram(objective)), stored_function(TrialProgram("1"))
        ({'kind': 'function', 'entry': 'objective', 'space': False}, {})
    """
    if not isinstance(program, FunctionProgram):
        return {}
    entry = getattr(program.fn, "__name__", "")
    return {"kind": "function", "entry": entry, "space": program.space_value is not None}


def _callable_def(source: str, entry: str) -> bool:
    """Whether ``source`` defines ``entry`` as a top-level function of no required arguments."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == entry:
            args = node.args
            required = len(args.posonlyargs) + len(args.args) - len(args.defaults)
            kw_required = sum(d is None for d in args.kw_defaults)
            return required == 0 and kw_required == 0
    return False


class _NeedsTheFunction(TrialProgram):
    """A stored function body that text cannot rebuild: it can be looked at, not continued."""

    def check(self, user_ns: Mapping[str, Any]) -> None:
        raise ProgramError(
            f"this study was searched with the Python function {self.label!r}, which cannot be "
            "rebuilt from its stored source; continue it with Search(function, name=NAME, "
            "storage=..., resume=True)"
        )


def stored_body(info: Mapping[str, Any]) -> str | TrialProgram:
    """The body to continue a stored search with, from its recorded ``info``.

    Example:
        >>> body = stored_body({"source": "def f():\\n    return floatv(0, 1)\\n",
        ...                     "kind": "function", "entry": "f", "space": False})
        >>> print(body)
        def f():
            return floatv(0, 1)
        f()
    """
    source = str(info["source"])
    if info.get("kind") != "function":
        return source
    entry = str(info.get("entry") or "")
    text = textwrap.dedent(source)
    if entry.isidentifier() and not info.get("space") and _callable_def(text, entry):
        return f"{text.rstrip()}\n{entry}()"
    return _NeedsTheFunction("# a Python function's source\n1", label=entry or "function")
