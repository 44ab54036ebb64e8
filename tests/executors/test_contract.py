from nas_notebook.executors import InlineExecutor, ThreadExecutor
from nas_notebook.testing import ExecutorContract


class TestInlineExecutor(ExecutorContract):
    def make_executor(self):
        return InlineExecutor()


class TestThreadExecutor(ExecutorContract):
    def make_executor(self):
        return ThreadExecutor(workers=1)


class TestThreadExecutorTwoWorkers(ExecutorContract):
    def make_executor(self):
        return ThreadExecutor(workers=2)
