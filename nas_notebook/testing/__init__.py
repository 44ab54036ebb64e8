"""Test helpers shipped with the package: the executor contract and a test IPython shell."""

from ._executor_contract import CrashIsolationContract, ExecutorContract
from ._shell import ipython_shell

__all__ = ["CrashIsolationContract", "ExecutorContract", "ipython_shell"]
