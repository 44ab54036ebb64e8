"""Test helpers shipped with the package: the executor contract and a test IPython shell."""

from ._executor_contract import ExecutorContract
from ._shell import ipython_shell

__all__ = ["ExecutorContract", "ipython_shell"]
