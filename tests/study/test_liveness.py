"""Recovery judges every run recorded for a study, on this host and on others: a foreign run
that ended or went silent no longer blocks recovering this host's own dead kernel, and a
foreign run that still beats keeps its trials. Real processes; "another host" is a process
whose host name is another."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from nas_notebook import Search, _schema
from nas_notebook.study import _liveness as liveness
from nas_notebook.study import live_drivers, open_storage

ROOT = Path(__file__).resolve().parents[2]


def _child(code: str, host: str | None = None) -> subprocess.Popen[bytes]:
    """A Python process running ``code``; with ``host``, it believes that is its host name."""
    prelude = f"import socket; socket.gethostname = lambda: {host!r}\n" if host else ""
    return subprocess.Popen(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def _search(url: str, n: int, body: str = "x = floatv(0, 1)\nx") -> str:
    return f"""
        import nas_notebook as nb
        s = nb.Search({body!r}, name="shared", storage={url!r}, n_trials={n}, resume={n == 0},
                      executor="thread", workers=2)
        """


def _kill_mid_search(url: str, tmp_path: Path, host: str | None = None) -> None:
    """A process that starts the shared study's trials and is SIGKILLed while they run."""
    ready = tmp_path / f"ready-{host}"
    code = _search(url, 4, "import time\nx = floatv(0, 1)\ntime.sleep(60)\nx") + f"""
        s.start()
        import pathlib, time
        while len(s.driver.running_numbers()) < 2:
            time.sleep(0.01)
        pathlib.Path({str(ready)!r}).touch()
        time.sleep(120)
        """
    child = _child(code, host)
    deadline = time.monotonic() + 60
    while not ready.exists():
        assert time.monotonic() < deadline and child.poll() is None, "the search did not start"
        time.sleep(0.05)
    time.sleep(0.3)
    child.send_signal(signal.SIGKILL)
    child.wait(10)


def _resume(url: str) -> Search:
    return Search("x = floatv(0, 1)\nx", name="shared", storage=url, resume=True, n_trials=1,
                  executor="inline").prepare()


def test_a_finished_run_on_another_host_does_not_block_recovery(tmp_path):
    url = f"journal:{tmp_path}/s.journal"
    other = _child(_search(url, 3) + "s.start().wait()\n", host="other-host")
    assert other.wait(60) == 0
    _kill_mid_search(url, tmp_path)  # then this host's kernel dies with 2 trials running
    resumed = _resume(url)
    assert len(resumed.recovered) == 2 and resumed.rerun == resumed.recovered
    states = [t.state for t in resumed.trials]
    assert TrialState.RUNNING not in states


def test_a_beating_run_on_another_host_keeps_its_trials(tmp_path):
    url = f"journal:{tmp_path}/s.journal"
    ready = tmp_path / "ready"
    code = _search(url, 2, "import time\nx = floatv(0, 1)\ntime.sleep(30)\nx") + f"""
        s.start()
        import pathlib, time
        while len(s.driver.running_numbers()) < 2:
            time.sleep(0.01)
        pathlib.Path({str(ready)!r}).touch()
        s.wait()
        """
    other = _child(code, host="other-host")
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert time.monotonic() < deadline and other.poll() is None
            time.sleep(0.05)
        study = optuna.load_study(study_name="shared", storage=open_storage(url))
        assert len(live_drivers(study, live_here=False)) == 1
        resumed = _resume(url)
        assert resumed.recovered == []  # they belong to a run that is alive elsewhere
    finally:
        other.kill()
        other.wait(10)


def test_a_silent_run_on_another_host_is_gone_after_the_grace_period(tmp_path, monkeypatch):
    url = f"journal:{tmp_path}/s.journal"
    _kill_mid_search(url, tmp_path, host="other-host")
    study = optuna.load_study(study_name="shared", storage=open_storage(url))
    assert len(live_drivers(study, live_here=False)) == 1  # its last heartbeat is recent
    monkeypatch.setattr(liveness, "GRACE", 0.5)
    time.sleep(0.6)
    assert live_drivers(study, live_here=False) == []
    resumed = _resume(url)
    assert len(resumed.recovered) == 2


def test_a_run_records_its_end(tmp_path):
    url = f"journal:{tmp_path}/s.journal"
    s = Search("x = floatv(0, 1)\nx", name="shared", storage=url, n_trials=2).start().wait()
    assert live_drivers(s.study, live_here=False) == []
    attrs = _schema.study_attrs(s.study)
    records = [v for k, v in attrs.items() if k.startswith("nas_notebook:driver:")]
    assert len(records) == 1 and records[0]["ended"] >= records[0]["started"]


@pytest.mark.parametrize("legacy_host", ["other-host"])
def test_a_record_from_before_run_ids_is_judged_by_its_age(tmp_path, legacy_host):
    study = optuna.create_study(storage=open_storage(f"journal:{tmp_path}/s.journal"))
    _schema.set_study_attr(study, f"nas_notebook:driver:{legacy_host}:123", time.time() - 3600)
    assert live_drivers(study, live_here=False) == []
