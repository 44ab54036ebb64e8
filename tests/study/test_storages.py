"""Every storage kind, with worker processes, resume, concurrent writers, and studies that plain
Optuna (and so optuna-dashboard) reads as they are."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

import nas_notebook as nb
from nas_notebook.study import open_storage

ROOT = Path(__file__).resolve().parents[2]
BODY = (
    "lr = floatv(1e-3, 1e-1, log=True)\n"
    "act = oneof(['relu', 'gelu'])\n"
    "for step in range(3):\n"
    "    report(accuracy=1 - lr * (step + 1), loss=lr, step=step)\n"
    "1 - lr * 3"
)


@pytest.fixture(params=["journal", "sqlite", "postgresql"])
def storage_url(request, tmp_path):
    if request.param == "journal":
        return f"journal:{tmp_path}/s.journal"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/s.db"
    return request.getfixturevalue("postgres_url")


def test_worker_processes_resume_and_plain_optuna_reads_the_study(storage_url):
    name = f"s-{uuid.uuid4().hex[:8]}"
    first = (
        nb.Search(
            BODY,
            name=name,
            storage=storage_url,
            n_trials=6,
            executor="process",
            workers=2,
            algo="tpe",
            seed=0,
        )
        .start()
        .wait()
    )
    assert [t.state for t in first.trials] == [TrialState.COMPLETE] * 6
    again = (
        nb.Search(
            BODY,
            name=name,
            storage=storage_url,
            n_trials=3,
            resume=True,
            executor="process",
            workers=2,
        )
        .start()
        .wait()
    )
    assert len(again.trials) == 9
    # plain Optuna sees everything: params, values, learning curves, user attributes
    study = optuna.load_study(study_name=name, storage=open_storage(storage_url))
    assert study.direction.name == "MAXIMIZE"
    for t in study.trials:
        assert set(t.params) == {"lr", "act"} and t.params["act"] in ("relu", "gelu")
        assert t.value == pytest.approx(1 - t.params["lr"] * 3)
        assert sorted(t.intermediate_values) == [0, 1, 2]
        assert t.user_attrs["loss"] == pytest.approx(t.params["lr"])
    assert study.user_attrs["nas_notebook"]["source"] == BODY


WRITER = textwrap.dedent(
    """
    import sys, nas_notebook as nb
    url, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    s = nb.Search("x = floatv(0, 1)\\nx", name=name, storage=url, resume=True, n_trials=n,
                  executor="inline", algo="random")
    s.start()
    """
)


@pytest.mark.parametrize("kind", ["journal", "postgresql"])
def test_four_processes_write_2000_trials_without_loss_or_duplicates(kind, tmp_path, request):
    url = (
        f"journal:{tmp_path}/c.journal"
        if kind == "journal"
        else request.getfixturevalue("postgres_url")
    )
    name = f"c-{uuid.uuid4().hex[:8]}"
    optuna.create_study(study_name=name, storage=open_storage(url), direction="maximize")
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, name, "500"],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    errors = [w.communicate(timeout=600)[1] for w in writers]
    assert [w.returncode for w in writers] == [0, 0, 0, 0], "\n".join(errors)[-3000:]
    trials = optuna.load_study(study_name=name, storage=open_storage(url)).trials
    assert len(trials) == 2000
    assert sorted(t.number for t in trials) == list(range(2000))
    assert {t.state for t in trials} == {TrialState.COMPLETE}
    assert all(t.value == t.params["x"] for t in trials)


def test_a_relative_journal_path_stays_where_it_was_opened(tmp_path, monkeypatch):
    (tmp_path / "here").mkdir()
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    storage = open_storage("journal:runs.journal")
    study = optuna.create_study(study_name="s", storage=storage)
    monkeypatch.chdir(tmp_path / "elsewhere")  # ``%cd`` while trials run
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == []
    again = optuna.load_study(study_name="s", storage=open_storage(f"{tmp_path}/here/runs.journal"))
    assert len(again.trials) == 2
