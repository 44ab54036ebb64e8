"""Trials in worker processes and on Dask, run from a real Jupyter kernel (nbclient).

* The tutorial ``notebooks/02_parallel_and_resume.py`` runs end to end: a process search whose
  worker crashes for one configuration, a resumed study, the same search on a Dask cluster.
* The acceptance test of a kernel restart: a process search is under way when its kernel goes
  away; in a new kernel ``%%search NAME --resume`` keeps every completed trial, marks the ones that
  were running as failed (their process ended), and runs new trials. No worker of the first kernel
  survives it.

Like ``test_notebooks.py``, the kernels import ``nas_notebook`` from this checkout.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import re
import signal
import time
from pathlib import Path
from typing import Any

import jupytext
import nbclient
import nbformat
import optuna
import pytest
from nbclient.util import run_sync
from optuna.trial import FrozenTrial, TrialState
from test_notebooks import (
    CELL_TIMEOUT,
    cell_tagged,
    errors,
    execute,
    journal,
    kernel_env,
    results,
    search_cells,
    stdout,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "02_parallel_and_resume.py"
CRASH_REASON = "the worker process exited with code 1"
DASK_DEATH = "the Dask worker running it died"


# -- helpers ---------------------------------------------------------------------------------


def parse_iso(stamp: str) -> dt.datetime:
    """An nbclient timing stamp (ISO 8601, UTC, maybe with a trailing Z) as an aware datetime."""
    parsed = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def _crashes(trial: FrozenTrial) -> bool:
    """Whether the tutorial's trial body kills its process for these parameters."""
    return trial.params.get("norm") == "fused" and trial.params.get("width", 0) > 128


def _trials(path: Path, name: str) -> list[FrozenTrial]:
    study = optuna.load_study(study_name=name, storage=journal(path))
    return study.get_trials(deepcopy=False)


# -- the tutorial ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path, float]:
    """The tutorial, converted with jupytext and executed in a tmp folder (and how long it
    took)."""
    nb = jupytext.read(NOTEBOOK)
    cwd = tmp_path_factory.mktemp("parallel")
    started = time.monotonic()
    execute(nb, cwd)
    return nb, cwd, time.monotonic() - started


def test_tutorial_is_a_percent_notebook_with_search_cells() -> None:
    _, searches = search_cells(NOTEBOOK)
    assert [s.splitlines()[0] for s in searches] == [
        "%%search net --executor process --workers 2 --n-trials 12 --storage journal:parallel.journal",
        "%%search net --resume --n-trials 4 --executor process --workers 2 --storage journal:parallel.journal",
        "%%search net_dask --executor dask --workers 2 --n-trials 6 --storage journal:parallel.journal",
    ]
    # The three search cells run the same body.
    assert len({s.split("\n", 1)[1] for s in searches}) == 1


def test_tutorial_runs_without_errors_in_reasonable_time(tutorial: tuple[Any, Path, float]) -> None:
    nb, _, took = tutorial
    assert errors(nb) == []
    assert all(c.execution_count is not None for c in nb.cells if c.cell_type == "code")
    assert took < 180, f"the tutorial took {took:.0f} s"


def test_process_search_runs_in_parallel_in_the_background(
    tutorial: tuple[Any, Path, float],
) -> None:
    nb, cwd, _ = tutorial
    search = cell_tagged(nb, "search")
    assert len(results(search, "application/vnd.jupyter.widget-view+json")) == 1

    responsive = stdout(cell_tagged(nb, "responsive"))
    assert "search state: running" in responsive, responsive
    took = re.search(
        r"computed 333328333350000 in ([0-9.]+) ms while the trials trained", responsive
    )
    assert took and float(took.group(1)) < 500, responsive

    waited = stdout(cell_tagged(nb, "wait"))
    assert "<Search 'net' finished: 12/12 trials (" in waited, waited

    first = [t for t in _trials(cwd / "parallel.journal", "net") if t.number < 12]
    assert len(first) == 12
    # The cell had returned before the last trial of the first search completed...
    search_done = parse_iso(search.metadata["execution"]["iopub.status.idle"])
    last = max(t.datetime_complete for t in first).astimezone(search_done.tzinfo)
    assert search_done < last
    # ... and two workers trained at the same time: some trials overlap.
    spans = sorted((t.datetime_start, t.datetime_complete) for t in first)
    assert any(b[0] < a[1] for a, b in itertools.pairwise(spans)), spans


def test_a_crashing_trial_fails_alone_with_its_reason(tutorial: tuple[Any, Path, float]) -> None:
    nb, cwd, _ = tutorial
    cell = cell_tagged(nb, "crash")
    counts = json.loads(stdout(cell).strip().splitlines()[0].replace("'", '"'))
    assert counts.get("FAIL", 0) >= 1 and counts.get("COMPLETE", 0) >= 1, counts
    assert sum(counts.values()) == 12
    (html,) = results(cell, "text/html")
    assert html.count(CRASH_REASON) == counts["FAIL"], html
    assert "fused" in html

    first = [t for t in _trials(cwd / "parallel.journal", "net") if t.number < 12]
    failed = [t for t in first if t.state == TrialState.FAIL]
    assert len(failed) == counts["FAIL"]
    # Exactly the configurations that crash failed, each with the cause; the rest completed.
    assert all(_crashes(t) for t in failed), [t.params for t in failed]
    assert all(t.system_attrs["fail_reason"] == CRASH_REASON for t in failed)
    assert all(t.state == TrialState.COMPLETE for t in first if not _crashes(t))
    # The enqueued crash was among them.
    assert any(t.params["width"] == 200 for t in failed)

    best = stdout(cell_tagged(nb, "best"))
    match = re.search(r"best validation accuracy: ([0-9.]+) \(trial (\d+)\)", best)
    assert match and float(match.group(1)) > 0.8, best


def test_resume_adds_four_trials_to_the_same_study(tutorial: tuple[Any, Path, float]) -> None:
    nb, cwd, _ = tutorial
    text = stdout(cell_tagged(nb, "resumed"))
    assert "<Search 'net' finished: 4/4 trials after 12 earlier (" in text, text
    assert "study 'net' now has 16 trials" in text, text
    assert "trials added by the resumed search: [12, 13, 14, 15]" in text, text
    assert "recovered from a dead process: []" in text, text

    trials = _trials(cwd / "parallel.journal", "net")
    assert [t.number for t in trials] == list(range(16))
    assert all(t.state in (TrialState.COMPLETE, TrialState.FAIL) for t in trials)
    resumed = trials[12:]
    assert all(t.state == TrialState.COMPLETE or _crashes(t) for t in resumed)
    # The resumed trials started after the first twelve had ended.
    assert min(t.datetime_start for t in resumed) >= max(t.datetime_complete for t in trials[:12])


def test_the_same_search_runs_on_dask(tutorial: tuple[Any, Path, float]) -> None:
    nb, cwd, _ = tutorial
    assert "2 Dask workers" in stdout(cell_tagged(nb, "dask-cluster"))
    assert (
        len(results(cell_tagged(nb, "dask-search"), "application/vnd.jupyter.widget-view+json"))
        == 1
    )
    text = stdout(cell_tagged(nb, "dask-results"))
    assert "<Search 'net_dask' finished: 6/6 trials (" in text, text
    assert "0 running)" in text, text

    trials = _trials(cwd / "parallel.journal", "net_dask")
    assert [t.number for t in trials] == list(range(6))
    assert any(t.state == TrialState.COMPLETE for t in trials)
    for t in trials:
        if _crashes(t):
            assert t.state == TrialState.FAIL
            assert t.system_attrs["fail_reason"].startswith(DASK_DEATH)
        else:
            assert t.state == TrialState.COMPLETE, (t.number, t.params, t.system_attrs)
            assert 0.0 <= t.value <= 1.0

    assert "['net', 'net_dask']" in stdout(cell_tagged(nb, "studies"))


# -- acceptance: a kernel restart in the middle of a process search ---------------------------


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _descendants(pid: int) -> set[int]:
    """The live descendants of ``pid`` (read from /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parents[int(entry)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def _states(path: Path) -> dict[int, FrozenTrial]:
    """The trials of study ``slow``, read by Optuna from the journal in this process."""
    try:
        return {t.number: t for t in _trials(path, "slow")}
    except (KeyError, FileNotFoundError):  # not created yet
        return {}


@pytest.mark.parametrize("how", ["restart", "kill"])
def test_kernel_restart_during_a_process_search_then_resume(tmp_path: Path, how: str) -> None:
    """``restart``: Jupyter's "Restart kernel" (the kernel's process group is killed, a new
    kernel starts). ``kill``: only the kernel process dies (as by the out-of-memory killer);
    its workers must notice and exit by themselves before a new kernel is started."""
    path = tmp_path / "r.journal"
    body = "import time\ntime.sleep(0.5)\nx = floatv(0, 1)\nx"
    options = f"--executor process --workers 2 --storage journal:{path}"
    new = nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        # the first kernel
        new("%load_ext nas_notebook"),
        new(f"%%search slow --n-trials 20 {options}\n{body}"),
        new(
            "import json, os\n"
            "print(json.dumps({'kernel': os.getpid(), 'workers': slow.executor.worker_pids()}))"
        ),
        # the kernel after the restart
        new("%load_ext nas_notebook"),
        new(f"%%search slow --resume --n-trials 5 {options}\n{body}"),
        new(
            "import json\n"
            "slow.wait()\n"
            "_p = slow.progress()\n"
            "print(json.dumps({'recovered': slow.recovered, 'state': slow.state,\n"
            "                  'baseline': slow.baseline, 'running': _p.running}))"
        ),
    ]
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        allow_errors=False,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    with kernel_env(), client.setup_kernel():
        assert client.km is not None
        client.execute_cell(nb.cells[0], 0)
        client.execute_cell(nb.cells[1], 1)

        # Let the search get going: some trials done, others under way.
        def under_way() -> bool:
            states = [t.state for t in _states(path).values()]
            return states.count(TrialState.COMPLETE) >= 3 and TrialState.RUNNING in states

        _wait_until(under_way, 120, "3 COMPLETE and some RUNNING trials")
        client.execute_cell(nb.cells[2], 2)
        first = json.loads(stdout(nb.cells[2]))
        kernel = first["kernel"]
        assert kernel == client.km.provisioner.pid  # type: ignore[union-attr]
        workers = set(first["workers"]) | _descendants(kernel)
        assert len(first["workers"]) == 2 and workers, first

        if how == "restart":
            run_sync(client.km.restart_kernel)(now=True)
        else:
            os.kill(kernel, signal.SIGKILL)
            _wait_until(lambda: not _alive(kernel), 10, "the kernel to die")
            # Nobody signals the workers: each notices its driver is gone and exits.
            _wait_until(
                lambda: not any(_alive(p) for p in workers),
                10,
                "the first kernel's workers to exit",
            )
            run_sync(client.km.restart_kernel)(now=True)
        assert not _alive(kernel)
        _wait_until(lambda: not any(_alive(p) for p in workers), 10, "the workers to exit")

        # Nothing runs the first search any more: its trials are as the kernel left them.
        before = _states(path)
        complete = {n: t.value for n, t in before.items() if t.state == TrialState.COMPLETE}
        running = sorted(n for n, t in before.items() if t.state == TrialState.RUNNING)
        assert len(complete) >= 3 and running, {n: t.state for n, t in before.items()}
        assert len(before) < 20

        # A new kernel, and --resume.
        client.kc.stop_channels()  # type: ignore[union-attr]
        client.start_new_kernel_client()
        new_kernel = client.km.provisioner.pid  # type: ignore[union-attr]
        assert new_kernel != kernel
        for index in (3, 4, 5):
            client.execute_cell(nb.cells[index], index)

    assert errors(nb) == []
    announced = stdout(nb.cells[4])
    assert (
        f"Trials {running} of 'slow' were left running by a process that ended; "
        "they are marked failed." in announced
    ), announced
    second = json.loads(stdout(nb.cells[5]))
    assert second == {
        "recovered": running,
        "state": "finished",
        "baseline": len(before),
        "running": 0,
    }, second

    after = _states(path)
    assert TrialState.RUNNING not in {t.state for t in after.values()}
    # Completed trials are kept, values unchanged.
    for number, value in complete.items():
        assert after[number].state == TrialState.COMPLETE
        assert after[number].value == value
    # The running ones failed, saying why.
    for number in running:
        assert after[number].state == TrialState.FAIL
        reason = after[number].system_attrs["fail_reason"]
        assert "process running this trial ended" in reason, reason
    # Every trial of the first kernel is accounted for; 5 new ones ran, after the restart.
    assert set(before) == set(complete) | set(running)
    added = [after[n] for n in sorted(set(after) - set(before))]
    assert len(added) == 5 and len(after) == len(before) + 5
    assert [t.number for t in added] == list(range(len(before), len(before) + 5))
    assert all(t.state == TrialState.COMPLETE and t.value == t.params["x"] for t in added)
    assert not any(_alive(p) for p in workers)
