import os
import threading
import time

from optuna.trial import TrialState

import nas_notebook as nb
from nas_notebook.executors import ThreadExecutor, make_executor


def _search(body, **kw):
    ns = {"floatv": nb.floatv, "report": nb.report, **kw.pop("user_ns", {})}
    return nb.Search(body, algo="random", seed=0, user_ns=ns, **kw)


def test_start_returns_before_trials_finish():
    s = _search("import time\ntime.sleep(0.2)\nx = floatv(0, 1)\nx", n_trials=3, executor="thread")
    t0 = time.monotonic()
    s.start()
    assert time.monotonic() - t0 < 0.15
    assert s.state == "running"
    s.wait()
    assert [t.state for t in s.trials] == [TrialState.COMPLETE] * 3


def test_cancel_interrupts_a_busy_loop_without_reports():
    body = "x = floatv(0, 1)\nn = 0\nwhile True:\n    n += 1\nx"
    s = _search(body, n_trials=3, executor="thread").start()
    deadline = time.monotonic() + 5
    while not s.executor.running() and time.monotonic() < deadline:
        time.sleep(0.01)
    s.stop(cancel=True)
    assert s.executor.join(5), "the busy trial was not interrupted"
    (trial,) = s.trials
    assert trial.state == TrialState.FAIL
    assert trial.system_attrs["fail_reason"].startswith("stopped")


def test_resize_changes_concurrency_without_losing_trials():
    gate = threading.Event()
    peak = []
    active = []
    lock = threading.Lock()

    def work():
        with lock:
            active.append(1)
            peak.append(len(active))
        gate.wait(2)
        time.sleep(0.02)
        with lock:
            active.pop()

    s = _search(
        "work()\nx = floatv(0, 1)\nx",
        n_trials=12,
        executor=ThreadExecutor(1),
        user_ns={"work": work},
    ).start()
    s.executor.resize(3)
    time.sleep(0.2)
    gate.set()
    s.wait()
    assert max(peak) == 3
    assert len(s.trials) == 12
    assert {t.state for t in s.trials} == {TrialState.COMPLETE}


def test_abandon_marks_running_trials_failed():
    release = threading.Event()
    s = _search(
        "release.wait(5)\nx = floatv(0, 1)\nx",
        n_trials=1,
        executor="thread",
        user_ns={"release": release},
    ).start()
    deadline = time.monotonic() + 5
    while not s.driver.running_numbers() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert s.driver.abandon("the kernel is shutting down") == [0]
    (trial,) = s.trials
    assert trial.state == TrialState.FAIL
    assert trial.system_attrs["fail_reason"] == "the kernel is shutting down"
    release.set()
    s.wait()
    # the late outcome of the abandoned trial is ignored, not an error
    assert s.trials[0].state == TrialState.FAIL and s.driver.error is None


def test_unknown_executor_lists_the_known_ones():
    import pytest

    with pytest.raises(
        ValueError, match="known executors: dask, inline, process, simulated, thread"
    ):
        make_executor("gpu-cluster")


def test_ctrl_c_while_waiting_cancels_and_leaves_no_trial_running():
    import signal

    import pytest

    s = _search(
        "import time\nx = floatv(0, 1)\nfor i in range(200):\n    time.sleep(0.01)\nx",
        n_trials=50,
        executor="thread",
    ).start()
    timer = threading.Timer(0.5, os.kill, args=(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        s.wait()
    timer.join()
    states = [t.state for t in s.trials]
    assert TrialState.RUNNING not in states
    assert states[-1] == TrialState.FAIL
    assert s.trials[-1].system_attrs["fail_reason"].startswith("stopped")
    assert s.done
