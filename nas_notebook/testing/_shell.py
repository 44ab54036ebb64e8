"""A real IPython shell for tests of the magics (no kernel needed)."""

from __future__ import annotations

from typing import Any

__all__ = ["ipython_shell"]


def ipython_shell() -> Any:
    """The process-wide test ``InteractiveShell`` with nas_notebook loaded and a clean namespace.

    Example:
        >>> ip = ipython_shell()
        >>> "search" in ip.magics_manager.magics["cell"]
        True
    """
    from IPython.testing.globalipapp import get_ipython

    shell = get_ipython()  # starts the shell on first use, then returns the same one
    shell.reset(new_session=False)
    if "search" not in shell.magics_manager.magics["cell"]:
        shell.run_line_magic("load_ext", "nas_notebook")
    else:
        from ..trial import TRIAL_NAMES

        shell.user_ns.update(TRIAL_NAMES)
    return shell
