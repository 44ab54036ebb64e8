import pytest

from nas_notebook.executors import (
    DaskExecutor,
    InlineExecutor,
    ProcessExecutor,
    SimulatedExecutor,
    ThreadExecutor,
)
from nas_notebook.testing import CrashIsolationContract, ExecutorContract


class TestInlineExecutor(ExecutorContract):
    def make_executor(self):
        return InlineExecutor()


class TestThreadExecutor(ExecutorContract):
    def make_executor(self):
        return ThreadExecutor(workers=1)


class TestThreadExecutorTwoWorkers(ExecutorContract):
    def make_executor(self):
        return ThreadExecutor(workers=2)


class TestSimulatedExecutor(ExecutorContract):
    def make_executor(self):
        return SimulatedExecutor(workers=2)


class _SharedJournal:
    """Executors in other processes need a storage those processes can open."""

    @pytest.fixture(autouse=True)
    def _journal(self, tmp_path):
        self._url = f"journal:{tmp_path}/contract.journal"

    def storage(self):
        return self._url


class TestProcessExecutor(_SharedJournal, CrashIsolationContract):
    def make_executor(self):
        return ProcessExecutor(workers=2)


class TestDaskExecutor(_SharedJournal, CrashIsolationContract):
    death_reasons = dict.fromkeys(("exit", "segfault", "kill"), "the Dask worker running it died")

    def make_executor(self):
        return DaskExecutor(workers=2)
