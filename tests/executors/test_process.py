import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from IPython.core.error import UsageError
from optuna.trial import TrialState

import nas_notebook as nb
from nas_notebook.executors import ProcessExecutor
from nas_notebook.executors._process import describe_exit
from nas_notebook.testing import ipython_shell

ROOT = Path(__file__).resolve().parents[2]


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is not alive for our purposes
    with open(f"/proc/{pid}/stat") as handle:
        return handle.read().split()[2] != "Z"


def test_in_memory_storage_is_refused_with_a_hint():
    with pytest.raises(nb.StorageError, match="journal:PATH"):
        nb.Search("x = floatv(0, 1)\nx", executor="process", storage="memory")


def test_unpicklable_names_are_refused_before_any_trial_naming_the_variable(tmp_path):
    import threading

    url = f"journal:{tmp_path}/u.journal"
    with pytest.raises(ValueError, match="`lock` cannot be sent to worker processes"):
        nb.Search(
            "with lock:\n    x = floatv(0, 1)\nx",
            name="u",
            executor="process",
            storage=url,
            user_ns={"lock": threading.Lock()},
        )
    assert nb.study.open_storage(url).get_all_studies() == []  # refused before creating it


def test_notebook_functions_and_data_work_unchanged_in_workers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ip = ipython_shell()
    ip.run_line_magic("config", "SearchMagics.dashboard = False")
    try:
        ip.run_cell(
            textwrap.dedent(
                """
                import os
                import numpy as np
                data = np.arange(1000.0)
                OFFSET = 3.0
                def score(scale):
                    return float(np.mean(data) * scale + OFFSET)
                """
            )
        )
        ip.run_cell_magic(
            "search",
            "net --executor process --workers 2 --n-trials 6 --algo random --seed 0",
            "scale = floatv(0.5, 2.0)\nprint('in', os.getpid())\nscore(scale)",
        )
        net = ip.user_ns["net"]
        net.wait()
    finally:
        ip.run_line_magic("config", "SearchMagics.dashboard = True")
    assert [t.state for t in net.trials] == [TrialState.COMPLETE] * 6
    for t in net.trials:
        assert t.value == pytest.approx(float(np.mean(np.arange(1000.0))) * t.params["scale"] + 3)
    pids = {line.split()[-1] for line in net.log.lines()}
    assert len(pids) == 2 and str(os.getpid()) not in pids  # two workers, not this process


def test_workers_end_with_the_search_and_on_cancel(tmp_path):
    s = nb.Search(
        "import time\nx = floatv(0, 1)\ntime.sleep(30)\nx",
        executor=ProcessExecutor(workers=2),
        storage=f"journal:{tmp_path}/w.journal",
        n_trials=4,
    ).start()
    deadline = time.monotonic() + 30
    while len(s.executor.worker_pids()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    pids = s.executor.worker_pids()
    assert len(pids) == 2
    s.stop(cancel=True)
    assert s.executor.join(10)
    assert not any(_alive(pid) for pid in pids)
    assert {t.state for t in s.trials} == {TrialState.FAIL}


def test_workers_exit_when_the_driver_process_is_killed(tmp_path):
    journal = tmp_path / "k.journal"
    pidfile = tmp_path / "pids"
    code = textwrap.dedent(
        f"""
        import os, time, nas_notebook as nb
        s = nb.Search("import time\\nx = floatv(0, 1)\\ntime.sleep(60)\\nx", executor="process",
                      workers=2, storage="journal:{journal}", n_trials=4).start()
        while len(s.executor.worker_pids()) < 2:
            time.sleep(0.05)
        open({str(pidfile)!r}, "w").write(" ".join(map(str, s.executor.worker_pids())))
        time.sleep(0.5)
        os.kill(os.getpid(), 9)
        """
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=60)
    pids = [int(p) for p in pidfile.read_text().split()]
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in pids), "orphan worker processes"


def test_resize_adds_workers_mid_study(tmp_path):
    s = nb.Search(
        "import os, time\nx = floatv(0, 1)\ntime.sleep(0.2)\nprint(os.getpid())\nx",
        executor=ProcessExecutor(workers=1),
        storage=f"journal:{tmp_path}/r.journal",
        n_trials=10,
    ).start()
    s.executor.resize(2)
    s.wait()
    assert len(s.trials) == 10 and {t.state for t in s.trials} == {TrialState.COMPLETE}
    assert len({line.split()[-1] for line in s.log.lines()}) >= 2


def test_magic_reports_storage_problems_as_usage_errors(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ip = ipython_shell()
    with pytest.raises(UsageError, match="worker processes need a storage"):
        ip.run_cell_magic("search", "m --executor process --storage memory", "x = floatv(0, 1)\nx")


@pytest.mark.parametrize(
    ("code", "text"),
    [(-9, "SIGKILL"), (-11, "SIGSEGV"), (1, "code 1"), (None, "stopped answering")],
)
def test_exit_descriptions(code, text):
    assert text in describe_exit(code)
