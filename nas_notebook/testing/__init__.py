"""Test helpers shipped with the package: the executor contract, a test IPython shell and a
synthetic benchmark table."""

from ._executor_contract import CrashIsolationContract, ExecutorContract
from ._shell import ipython_shell
from ._tables import synthetic_table

__all__ = ["CrashIsolationContract", "ExecutorContract", "ipython_shell", "synthetic_table"]
