import pytest

from nas_notebook.executors import InlineExecutor, ProcessExecutor, ThreadExecutor
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


class TestProcessExecutor(CrashIsolationContract):
    @pytest.fixture(autouse=True)
    def _journal(self, tmp_path):
        self._url = f"journal:{tmp_path}/contract.journal"

    def storage(self):
        return self._url

    def make_executor(self):
        return ProcessExecutor(workers=2)


class TestDaskExecutor(CrashIsolationContract):
    death_reasons = dict.fromkeys(("exit", "segfault", "kill"), "the Dask worker running it died")

    @pytest.fixture(autouse=True)
    def _journal(self, tmp_path):
        self._url = f"journal:{tmp_path}/contract.journal"

    def storage(self):
        return self._url

    def make_executor(self):
        from nas_notebook.executors import DaskExecutor

        return DaskExecutor(workers=2)
