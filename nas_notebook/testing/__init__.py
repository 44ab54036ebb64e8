"""Test helpers shipped with the package: the executor and algorithm contracts, a test IPython
shell, the pruner contract and a synthetic benchmark table."""

from ._algorithm_contract import AlgorithmContract, check_trial, check_value
from ._executor_contract import CrashIsolationContract, ExecutorContract
from ._pruner_contract import PrunerContract
from ._shell import ipython_shell
from ._tables import synthetic_table

__all__ = [
    "AlgorithmContract",
    "CrashIsolationContract",
    "ExecutorContract",
    "PrunerContract",
    "check_trial",
    "check_value",
    "ipython_shell",
    "synthetic_table",
]
