import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from nas_notebook.cli import main, split_script
from nas_notebook.study import open_storage

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """\
import math
OFFSET = 0.25

# %%search toy --n-trials 6 --algo random --seed 0 --direction minimize
x = floatv(-1, 1)
if x > 0.9:
    raise ValueError("x too large")
(x - OFFSET) ** 2

# %%
print("after:", toy.best.number)
"""


def test_split_script_keeps_the_file_line_numbers():
    parts = split_script(SCRIPT)
    assert parts.options == "toy --n-trials 6 --algo random --seed 0 --direction minimize"
    assert parts.setup.startswith("import math") and parts.body.startswith("x = floatv(-1, 1)")
    assert parts.body_first_line == 5 and parts.after_first_line == 10


def test_run_prints_a_summary_and_runs_the_after_section(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "toy.py").write_text(SCRIPT)
    assert main(["run", "toy.py", "--n-trials", "8", "--storage", "journal:toy.journal"]) == 0
    out = capsys.readouterr()
    assert "study 'toy': " in out.out and "best value" in out.out and "after: " in out.out
    assert "toy: 100%" in out.err  # the progress bar
    study = optuna.load_study(study_name="toy", storage=open_storage("journal:toy.journal"))
    assert len(study.trials) == 8  # the command line overrides the script's --n-trials 6
    assert study.direction.name == "MINIMIZE"


def test_configuration_errors_exit_with_status_2(tmp_path, capsys):
    script = tmp_path / "bad.py"
    script.write_text("x = floatv(2, 1)\nx\n")
    assert main(["run", str(script), "--storage", "memory"]) == 2
    assert "`low` must not exceed `high`" in capsys.readouterr().err
    assert main(["run", str(tmp_path / "missing.py")]) == 2
    script.write_text("x = floatv(0, 1)\nx\n")
    assert main(["run", str(script), "--algo", "nope", "--storage", "memory"]) == 2


def test_ctrl_c_keeps_completed_trials_and_leaves_none_running(tmp_path):
    script = tmp_path / "slow.py"
    script.write_text("import time\nx = floatv(0, 1)\ntime.sleep(0.3)\nx\n")
    journal = tmp_path / "slow.journal"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nas_notebook",
            "run",
            str(script),
            "--n-trials",
            "100",
            "--storage",
            f"journal:{journal}",
            "--quiet",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    before: dict[int, float] = {}  # trial number -> value, completed before the interrupt
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(before) < 2:
        time.sleep(0.3)
        if journal.exists():
            storage = open_storage(f"journal:{journal}")
            studies = storage.get_all_studies()
            if studies:
                before = {
                    t.number: t.value
                    for t in storage.get_all_trials(studies[0]._study_id)
                    if t.state == TrialState.COMPLETE
                }
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted: completed trials are kept" in err
    storage = open_storage(f"journal:{journal}")
    trials = storage.get_all_trials(storage.get_all_studies()[0]._study_id)
    states = [t.state for t in trials]
    assert TrialState.RUNNING not in states
    assert len(before) >= 2 and len(trials) < 100
    # Not one trial completed before the interrupt is lost or changed.
    after = {t.number: t for t in trials}
    assert all(
        after[n].state == TrialState.COMPLETE and after[n].value == v for n, v in before.items()
    )
    # What was running is recorded as failed, saying why.
    for trial in trials:
        if trial.state == TrialState.FAIL:
            assert trial.system_attrs["fail_reason"].startswith("stopped: "), trial.system_attrs
    assert "study 'slow': " in _out  # the summary is printed all the same


def test_python_dash_m_help():
    result = subprocess.run(
        [sys.executable, "-m", "nas_notebook", "run", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0
    for flag in ("--n-trials", "--executor", "--storage", "--resume", "--algo"):
        assert flag in result.stdout


def test_run_with_worker_processes_uses_the_scripts_functions(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "proc.py").write_text(
        "import os\n"
        "def shifted(x):\n"
        "    return (x - 0.25) ** 2\n"
        "# %%search proc --n-trials 4 --direction minimize --executor process --workers 2\n"
        "x = floatv(-1, 1)\n"
        "print('worker', os.getpid())\n"
        "shifted(x)\n"
    )
    assert main(["run", "proc.py", "--storage", "journal:proc.journal"]) == 0
    out = capsys.readouterr()
    assert "study 'proc': 4 complete" in out.out
    workers = {line.split()[-1] for line in out.err.splitlines() if "] worker " in line}
    assert workers and str(os.getpid()) not in workers  # trial output came from the workers


def test_resume_continues_the_study_and_a_rerun_starts_a_new_one(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "toy.py").write_text(SCRIPT)
    storage = "journal:toy.journal"
    assert main(["run", "toy.py", "-n", "3", "--storage", storage, "--quiet"]) == 0
    first = optuna.load_study(study_name="toy", storage=open_storage(storage))
    values = [t.value for t in first.trials]
    capsys.readouterr()

    assert main(["run", "toy.py", "-n", "2", "--storage", storage, "--resume", "--quiet"]) == 0
    assert "study 'toy': 5 complete" in capsys.readouterr().out
    resumed = optuna.load_study(study_name="toy", storage=open_storage(storage))
    assert [t.value for t in resumed.trials[:3]] == values and len(resumed.trials) == 5
    # The resumed sampler does not draw the first run's trials again.
    assert len({t.params["x"] for t in resumed.trials}) == 5

    assert main(["run", "toy.py", "-n", "2", "--storage", storage, "--quiet"]) == 0
    captured = capsys.readouterr()
    assert "a study named 'toy' exists; running 'toy.2'" in captured.err
    names = sorted(s.study_name for s in optuna.get_all_study_summaries(open_storage(storage)))
    assert names == ["toy", "toy.2"]

    assert main(["run", "toy.py", "--storage", "journal:other.journal", "--resume"]) == 2
    # The message names the file by its absolute path: where it was looked for.
    expected = f"--resume: no study named 'toy' in journal:{Path.cwd() / 'other.journal'}"
    assert expected in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--n-trials", "abc"], "argument --n-trials/-n: invalid int value: 'abc'"),
        (["--executor", "nope"], "unknown executor 'nope'; known executors: dask, inline"),
        (["--algo", "tpee"], "tpee"),
        (["--workers", "0"], "`workers` must be a positive integer, got 0"),
        (["--storage", "mysql+nope://x"], "mysql+nope://x"),
    ],
)
def test_a_bad_option_exits_with_status_2_and_says_what_is_wrong(tmp_path, option, message):
    (tmp_path / "toy.py").write_text(SCRIPT)
    result = subprocess.run(
        [sys.executable, "-m", "nas_notebook", "run", "toy.py", *option],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    for journal in tmp_path.glob("**/*.journal"):  # nothing was run
        storage = open_storage(f"journal:{journal}")
        assert not any(storage.get_all_trials(s._study_id) for s in storage.get_all_studies())
