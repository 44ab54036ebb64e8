"""The notebooks run end to end in a real Jupyter kernel (nbclient), and ``%%search`` returns
before its trials finish while they keep running in the background.

These tests start a kernel (``python3``) per notebook; the kernel imports ``nas_notebook`` from
this checkout (the repository root is put on its ``PYTHONPATH``), so they work whether or not
the package is installed.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jupytext
import nbclient
import nbformat
import optuna
import pytest
from optuna.trial import TrialState

ROOT = Path(__file__).resolve().parents[1]
QUICKSTART = ROOT / "notebooks" / "01_quickstart.py"
CELL_TIMEOUT = 300


# -- helpers ---------------------------------------------------------------------------------


@contextlib.contextmanager
def kernel_env() -> Iterator[None]:
    """Let the kernel (started in a tmp folder) import nas_notebook from this checkout."""
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), old) if p)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old


def execute(nb: Any, cwd: Path) -> Any:
    """Run every cell of ``nb`` in a fresh python3 kernel whose working directory is ``cwd``;
    an error in any cell fails the test (nbclient raises CellExecutionError)."""
    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        allow_errors=False,
        record_timing=True,
        resources={"metadata": {"path": str(cwd)}},
    )
    with kernel_env():
        client.execute()
    return nb


def cell_tagged(nb: Any, tag: str) -> Any:
    cells = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged {tag!r}, found {len(cells)}"
    return cells[0]


def stdout(cell: Any) -> str:
    return "".join(
        o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout"
    )


def results(cell: Any, mime: str) -> list[Any]:
    """The ``mime`` data of the cell's execute_result / display_data outputs."""
    return [
        o.data[mime]
        for o in cell.outputs
        if o.output_type in ("execute_result", "display_data") and mime in o.get("data", {})
    ]


def errors(nb: Any) -> list[str]:
    return [
        f"{o.ename}: {o.evalue}"
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]


def plotly_array(value: Any) -> list[float]:
    """A plotly JSON array: a plain list, or plotly>=6's typed array ``{"dtype", "bdata"}``."""
    if isinstance(value, dict) and "bdata" in value:
        import numpy as np

        raw = base64.b64decode(value["bdata"])
        return np.frombuffer(raw, dtype=np.dtype(value["dtype"])).tolist()
    return list(value)


def journal(path: Path) -> Any:
    from optuna.storages.journal import JournalFileBackend

    return optuna.storages.JournalStorage(JournalFileBackend(str(path)))


def parse_iso(stamp: str) -> dt.datetime:
    """An nbclient timing stamp (ISO 8601, UTC, maybe with a trailing Z) as an aware datetime."""
    parsed = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


# -- the quickstart notebook -----------------------------------------------------------------


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """The quickstart notebook, converted with jupytext and executed in a tmp folder."""
    nb = jupytext.read(QUICKSTART)
    cwd = tmp_path_factory.mktemp("quickstart")
    execute(nb, cwd)
    return nb, cwd


def search_cells(path: Path) -> tuple[Any, list[str]]:
    """Check that ``path`` is a tutorial in the house format (a jupytext percent notebook for
    the python3 kernel that loads the extension first and explains itself in markdown); return
    it and the sources of its ``%%search`` cells."""
    nb = jupytext.read(path)
    assert nb.metadata["jupytext"]["text_representation"]["format_name"] == "percent"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert code[0].strip() == "%load_ext nas_notebook"
    assert any(c.cell_type == "markdown" for c in nb.cells)
    return nb, [s for s in code if s.startswith("%%search ")]


def test_quickstart_is_a_percent_notebook_with_search_cells() -> None:
    _, searches = search_cells(QUICKSTART)
    assert len(searches) == 3, searches
    assert searches[0].splitlines()[0] == (
        "%%search digits_mlp --n-trials 12 --algo tpe --seed 0 --storage journal:quickstart.journal"
    )
    assert "--resume --n-trials 3" in searches[2].splitlines()[0]


def test_quickstart_runs_without_errors(quickstart: tuple[Any, Path]) -> None:
    nb, _ = quickstart
    assert errors(nb) == []
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)


def test_quickstart_search_runs_in_background_and_finishes(quickstart: tuple[Any, Path]) -> None:
    nb, _ = quickstart
    search = cell_tagged(nb, "search")
    widgets = results(search, "application/vnd.jupyter.widget-view+json")
    assert len(widgets) == 1, "the %%search cell shows one dashboard"

    meanwhile = stdout(cell_tagged(nb, "while-running"))
    state = re.search(r"^state: (\w+)$", meanwhile, re.M)
    assert state and state.group(1) in ("running", "finished"), meanwhile
    assert "progress: Progress(complete=" in meanwhile
    assert "meanwhile, 6 * 7 = 42" in meanwhile

    waited = stdout(cell_tagged(nb, "wait"))
    assert "<Search 'digits_mlp' finished: 12/12 trials (12 complete, 0 failed" in waited, waited


def test_quickstart_best_accuracy(quickstart: tuple[Any, Path]) -> None:
    nb, _ = quickstart
    text = stdout(cell_tagged(nb, "best"))
    match = re.search(r"best validation accuracy: ([0-9.]+) \(trial (\d+)\)", text)
    assert match, text
    assert float(match.group(1)) > 0.8
    assert 0 <= int(match.group(2)) < 12
    params = re.search(r"best parameters: (\{.*\})", text)
    assert params and all(f"'{k}'" in params.group(1) for k in ("width", "lr", "act")), text


def test_quickstart_dataframe_and_plot(quickstart: tuple[Any, Path]) -> None:
    nb, _ = quickstart
    (html,) = results(cell_tagged(nb, "dataframe"), "text/html")
    assert html.count("COMPLETE") == 5  # .head()
    for column in ("state", "value", "width", "lr", "act", "accuracy"):
        assert f"<th>{column}</th>" in html, column

    (figure,) = results(cell_tagged(nb, "plot"), "application/vnd.plotly.v1+json")
    objective, best = figure["data"]
    xs, ys = plotly_array(objective["x"]), plotly_array(objective["y"])
    assert xs == list(range(12))
    # the best-so-far line steps at each improvement and runs on to the last trial
    best_xs, best_ys = plotly_array(best["x"]), plotly_array(best["y"])
    running = [max(ys[: i + 1]) for i in range(len(ys))]
    assert best_ys == [running[xs.index(x)] for x in best_xs]
    assert best_xs[-1] == xs[-1] and best_ys[-1] == max(ys) > 0.8


def test_quickstart_failed_trials_are_recorded(quickstart: tuple[Any, Path]) -> None:
    nb, _ = quickstart
    cell = cell_tagged(nb, "flaky-failures")
    counts = json.loads(stdout(cell).strip().splitlines()[0].replace("'", '"'))
    assert counts.get("FAIL", 0) >= 1 and counts.get("COMPLETE", 0) >= 1, counts
    assert sum(counts.values()) == 8
    (html,) = results(cell, "text/html")
    assert html.count("ValueError: x=") == counts["FAIL"]
    assert "is too large for this demo" in html


def test_quickstart_trace_and_sample(quickstart: tuple[Any, Path]) -> None:
    nb, _ = quickstart
    traced = stdout(cell_tagged(nb, "trace"))
    assert "Space of train_and_score (3 decisions)" in traced, traced
    for line in (
        "width: intv(16, 128, log=True)",
        "lr: floatv(0.001, 0.1, log=True)",
        "act: oneof(",
    ):
        assert line in traced

    sampled = stdout(cell_tagged(nb, "sample"))
    examples = re.findall(
        r"^example (\d+): accuracy ([0-9.]+) with \{'width': (\d+), 'lr'", sampled, re.M
    )
    assert [int(n) for n, _, _ in examples] == list(range(10)), sampled
    assert all(16 <= int(w) <= 128 for _, _, w in examples)
    best = re.search(r"best of 10 examples: ([0-9.]+)", sampled)
    assert best and float(best.group(1)) == pytest.approx(
        max(float(a) for _, a, _ in examples), abs=1e-3
    )
    assert float(best.group(1)) > 0.8


def test_quickstart_resume_continues_the_same_study(quickstart: tuple[Any, Path]) -> None:
    nb, cwd = quickstart
    resumed = stdout(cell_tagged(nb, "resumed"))
    assert "study 'digits_mlp' now has 15 trials" in resumed, resumed
    assert re.search(r"best validation accuracy: 0\.[89]\d+", resumed), resumed

    path = cwd / "quickstart.journal"
    assert path.is_file()
    storage = journal(path)
    names = sorted(s.study_name for s in storage.get_all_studies())
    assert names == ["digits_mlp", "flaky"], "the resumed search must not start a new study"
    study = optuna.load_study(study_name="digits_mlp", storage=storage)
    trials = study.get_trials(deepcopy=False)
    assert [t.number for t in trials] == list(range(15))
    assert all(t.state == TrialState.COMPLETE for t in trials)
    assert all(set(t.params) == {"width", "lr", "act"} for t in trials)
    assert all(0.0 <= t.value <= 1.0 for t in trials)
    # every trial reported a 5-epoch learning curve
    assert all(sorted(t.intermediate_values) == list(range(5)) for t in trials)

    flaky = optuna.load_study(study_name="flaky", storage=storage).get_trials(deepcopy=False)
    failed = [t for t in flaky if t.state == TrialState.FAIL]
    assert failed and all(t.params["x"] > 0.5 for t in failed)
    assert all("too large" in t.system_attrs["fail_reason"] for t in failed)
    assert all(t.params["x"] <= 0.5 for t in flaky if t.state == TrialState.COMPLETE)


# -- acceptance: %%search returns at once and the trials finish in the background -------------


def test_search_cell_returns_before_its_trials_finish(tmp_path: Path) -> None:
    path = tmp_path / "s.journal"
    new = nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        new("%load_ext nas_notebook"),
        new(
            f"%%search slow --n-trials 6 --storage journal:{path}\n"
            "import time\n"
            "time.sleep(0.3)\n"
            "x = floatv(0, 1)\n"
            "x"
        ),
        new(
            "import json, time\n"
            "_state_before = slow.state\n"
            "_progress = slow.progress()\n"
            "print(json.dumps({'t': time.monotonic(), 'state_before': _state_before,\n"
            "                  'finished': _progress.finished, 'complete': _progress.complete,\n"
            "                  'state_after': slow.state}))"
        ),
        new(
            "slow.wait()\n"
            "_progress = slow.progress()\n"
            "print(json.dumps({'t': time.monotonic(), 'state': slow.state,\n"
            "                  'finished': _progress.finished, 'complete': _progress.complete}))"
        ),
    ]
    execute(nb, tmp_path)
    assert errors(nb) == []

    during = json.loads(stdout(nb.cells[2]))
    after = json.loads(stdout(nb.cells[3]))
    # The cell after %%search ran while the search was still running, with trials left to do.
    assert during["state_before"] == "running", during
    assert during["state_after"] == "running", during
    assert during["finished"] < 6, during
    # wait() blocked until the remaining trials (0.3 s each, one maybe under way) were done.
    assert (after["state"], after["finished"], after["complete"]) == ("finished", 6, 6), after
    assert after["t"] - during["t"] >= 0.3 * (5 - during["finished"]) - 0.05

    # Every trial is COMPLETE in the journal, read back by Optuna itself in this process.
    storage = journal(path)
    assert [s.study_name for s in storage.get_all_studies()] == ["slow"]
    trials = optuna.load_study(study_name="slow", storage=storage).get_trials(deepcopy=False)
    assert len(trials) == 6
    assert all(t.state == TrialState.COMPLETE for t in trials), [t.state for t in trials]
    assert all(t.value == t.params["x"] and 0 <= t.value <= 1 for t in trials)

    # And by the clock: the %%search cell had finished executing before the last trial ended.
    search_done = parse_iso(nb.cells[1].metadata["execution"]["iopub.status.idle"])
    last_complete = max(t.datetime_complete for t in trials).astimezone(dt.timezone.utc)
    assert search_done < last_complete, (search_done, last_complete)
