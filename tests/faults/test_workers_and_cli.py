"""A worker process killed under its trial, and Ctrl-C of the command line then ``--resume``,
with exact counts: completed trials kept, none RUNNING, the budget exact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from _kernel import ROOT, trials, wait_until
from optuna.trial import TrialState

from nas_notebook import Search


def test_a_worker_killed_under_its_trial_fails_that_trial_alone(tmp_path: Path) -> None:
    url = f"journal:{tmp_path}/w.journal"
    body = "import time\nx = floatv(0, 1)\ntime.sleep(0.5)\nx"
    s = Search(body, name="w", storage=url, n_trials=8, executor="process", workers=2).start()
    wait_until(
        lambda: len(s.executor.worker_pids()) == 2 and s.progress().running == 2,
        60,
        "two trials running in two workers",
    )
    victim = s.executor.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)
    s.wait(120)
    trials_ = s.trials
    states = [t.state for t in trials_]
    assert len(trials_) == 8  # the budget: the failed trial counts, nothing more was started
    assert states.count(TrialState.FAIL) == 1 and states.count(TrialState.COMPLETE) == 7
    (failed,) = [t for t in trials_ if t.state == TrialState.FAIL]
    assert "killed (SIGKILL)" in failed.system_attrs["fail_reason"]
    assert victim not in s.executor.worker_pids()


def _cli(script: Path, journal: Path, *options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "nas_notebook",
            "run",
            str(script),
            "--storage",
            f"journal:{journal}",
            "--quiet",
            *options,
        ],
        cwd=script.parent,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_ctrl_c_of_the_cli_then_resume_to_the_budget(tmp_path: Path) -> None:
    script = tmp_path / "slow.py"
    script.write_text(
        "# %%search slow --algo random\nimport time\nx = floatv(0, 1)\ntime.sleep(0.3)\nx\n"
    )
    journal = tmp_path / "slow.journal"
    proc = _cli(script, journal, "--n-trials", "12", "--workers", "2")
    wait_until(
        lambda: sum(t.state == TrialState.COMPLETE for t in trials(journal, "slow")) >= 3,
        60,
        "3 completed trials",
    )
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    before = trials(journal, "slow")
    complete = {t.number: t.value for t in before if t.state == TrialState.COMPLETE}
    assert TrialState.RUNNING not in {t.state for t in before}
    stopped = [t for t in before if t.state == TrialState.FAIL]
    assert all(t.system_attrs["fail_reason"].startswith("stopped") for t in stopped)
    assert len(before) < 12

    proc = _cli(script, journal, "--resume")  # no --n-trials: to the recorded budget
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    after = trials(journal, "slow")
    assert TrialState.RUNNING not in {t.state for t in after}
    for number, value in complete.items():
        assert after[number].state == TrialState.COMPLETE and after[number].value == value
    # Stopped by the user, not cut short by a dying process: they count, and are not re-run.
    assert len(after) == 12, [(t.number, t.state.name) for t in after]
    assert not any("nas_notebook:retry_of" in t.system_attrs for t in after)

    proc = _cli(script, journal, "--resume")  # the budget is spent: say so, run nothing
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "give n_trials (--n-trials N)" in err, err
    assert len(trials(journal, "slow")) == 12
