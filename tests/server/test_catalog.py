"""The catalog behind the studies panel, without a server: states inferred from the recorded
control and the liveness of its process, caching, registered storages."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import optuna
import pytest

import nas_notebook as nb
from nas_notebook._schema import CONTROL
from nas_notebook._server import Catalog, OutsideRootError, UnknownStorageError


def _journal_study(root, name="s", control=None, running=False):
    path = root / "runs.journal"
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(path)))
    study = optuna.create_study(study_name=name, storage=storage, direction="maximize")
    study.add_trial(optuna.trial.create_trial(params={}, distributions={}, value=0.5))
    if running:
        study.ask()
    if control is not None:
        storage.set_study_system_attr(study._study_id, CONTROL, control)
    return study


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.parametrize(
    ("control", "running", "state"),
    [
        (None, False, "finished"),
        (None, True, "running"),
        ({"state": "paused", "host": "elsewhere", "pid": 1}, True, "paused"),
        ({"state": "finished"}, False, "finished"),
        ("alive", True, "running"),
        ("dead", True, "interrupted"),
    ],
)
def test_the_state_comes_from_the_control_record_and_its_process(tmp_path, control, running, state):
    if control in ("alive", "dead"):
        pid = os.getpid() if control == "alive" else _dead_pid()
        control = {"state": "running", "host": socket.gethostname(), "pid": pid, "updated": 1.0}
    _journal_study(tmp_path, control=control, running=running)
    (row,) = Catalog(tmp_path).studies()["studies"]
    assert row["state"] == state
    assert row["trials"]["running"] == int(running)
    assert row["best_value"] == 0.5


def test_a_storage_is_read_again_only_when_its_file_changed(tmp_path):
    study = _journal_study(tmp_path)
    catalog = Catalog(tmp_path)
    first = catalog.studies()["studies"]
    assert catalog.studies()["studies"] is not first  # a new list...
    assert (
        catalog.summaries(catalog.storages()[0])[0] is catalog.summaries(catalog.storages()[0])[0]
    )
    study.add_trial(optuna.trial.create_trial(params={}, distributions={}, value=0.9))
    (row,) = catalog.studies()["studies"]
    assert row["n_trials"] == 2 and row["best_value"] == 0.9


def test_a_broken_file_is_listed_with_its_error(tmp_path):
    (tmp_path / "broken.journal").write_text("this is not a journal\nnor is this\n")
    (tmp_path / "ok").mkdir()
    _journal_study(tmp_path / "ok")
    data = Catalog(tmp_path).studies()
    errors = {s["location"]: s["error"] for s in data["storages"]}
    assert errors["broken.journal"] and errors["ok/runs.journal"] is None
    assert [s["name"] for s in data["studies"]] == ["s"]


def test_registered_storages(tmp_path):
    catalog = Catalog(tmp_path, registered=["sqlite:///inner/r.db"])
    (tmp_path / "inner").mkdir()
    optuna.create_study(study_name="r", storage=f"sqlite:///{tmp_path / 'inner' / 'r.db'}")
    # Found by the walk and registered: listed once.
    assert [s.location for s in catalog.storages()] == ["inner/r.db"]
    ref = catalog.register("postgresql+psycopg://me:pw@db.example/studies")
    assert ref.kind == "postgresql" and "pw" not in ref.location
    assert catalog.register("postgresql+psycopg://me:pw@db.example/studies") is ref
    with pytest.raises(OutsideRootError):
        catalog.register("journal:../elsewhere.journal")
    with pytest.raises(OutsideRootError):
        catalog.register(f"sqlite:///{tmp_path.parent / 'x.db'}")
    with pytest.raises(UnknownStorageError):
        catalog.ref("registered:9")
    rows, error = catalog.summaries(ref)
    assert rows == [] and error  # the database server is unreachable: said, not raised


def test_the_walk_skips_hidden_and_tool_folders_but_not_ours(tmp_path):
    for folder in (".nas_notebook", ".git", "node_modules", ".hidden", "a/b/c/d/e"):
        (tmp_path / folder).mkdir(parents=True)
        _journal_study(tmp_path / folder)
    found = sorted(s.location for s in Catalog(tmp_path, depth=4).storages())
    assert found == [".nas_notebook/runs.journal"]
    assert "a/b/c/d/e/runs.journal" in [s.location for s in Catalog(tmp_path, depth=5).storages()]


def test_the_budget_counts_the_trials_before_the_recorded_run(tmp_path):
    url = f"journal:{tmp_path / 'runs.journal'}"
    body = "x = floatv(0, 1)\nx"
    ns = {"floatv": nb.floatv}
    nb.Search(body, name="r", n_trials=4, executor="inline", user_ns=ns, storage=url).start()
    (row,) = Catalog(tmp_path).studies()["studies"]
    assert (row["n_trials"], row["budget"]) == (4, 4)
    nb.Search(
        body, name="r", n_trials=2, resume=True, executor="inline", user_ns=ns, storage=url
    ).start()
    (row,) = Catalog(tmp_path).studies()["studies"]
    assert (row["n_trials"], row["budget"], row["state"]) == (6, 6, "finished")


def test_a_warm_start_is_counted_apart_and_never_the_best(tmp_path):
    url = f"journal:{tmp_path / 'runs.journal'}"
    body = "x = floatv(0, 1)\nx"
    ns = {"floatv": nb.floatv}
    old = nb.Search(body, name="old", n_trials=6, executor="inline", user_ns=ns, storage=url,
                    direction="minimize", seed=0).start()  # fmt: skip
    new = nb.Search(body, name="new", n_trials=3, executor="inline", user_ns=ns, storage=url,
                    direction="minimize", seed=5, warm_start="old").start()  # fmt: skip
    rows = {row["name"]: row for row in Catalog(tmp_path).studies()["studies"]}
    row = rows["new"]
    assert row["trials"]["warm"] == 6 and row["trials"]["complete"] == 3
    assert (row["n_trials"], row["budget"]) == (3, 3)
    assert row["best_number"] == new.best.number and row["best_value"] == new.best.value
    assert rows["old"]["trials"]["warm"] == 0 and old.best.number == rows["old"]["best_number"]


@pytest.mark.parametrize(
    ("control", "budget"),
    [
        ({}, None),
        ({"n_trials": None}, None),
        ({"n_trials": 5, "baseline": 3}, 8),
        ({"n_trials": 5}, 5),  # a record without its baseline, not contradicted by the trials
        ({"n_trials": 0}, None),
    ],
)
def test_the_budget_of_a_recorded_control(tmp_path, control, budget):
    _journal_study(tmp_path, control=control)  # one trial
    (row,) = Catalog(tmp_path).studies()["studies"]
    assert row["budget"] == budget


def test_viewing_a_database_server_creates_no_table(tmp_path, postgres_url):
    """A database without Optuna's tables is listed with its error, and left without them."""
    import uuid

    import sqlalchemy

    server = sqlalchemy.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    name = f"panel_{uuid.uuid4().hex[:12]}"
    with server.connect() as connection:
        connection.execute(sqlalchemy.text(f"CREATE DATABASE {name}"))
    url = postgres_url.rsplit("/", 1)[0] + "/" + name
    try:
        catalog = Catalog(tmp_path, registered=[url])
        (entry,) = catalog.studies()["storages"]
        assert entry["error"] and "not an Optuna storage" in entry["error"]
        engine = sqlalchemy.create_engine(url)
        with engine.connect() as connection:
            assert sqlalchemy.inspect(connection).get_table_names() == []
        engine.dispose()
    finally:
        with server.connect() as connection:
            connection.execute(sqlalchemy.text(f"DROP DATABASE {name} WITH (FORCE)"))
        server.dispose()


def test_a_registered_link_that_now_leads_out_is_not_read(tmp_path):
    root, outside = tmp_path / "root", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    _journal_study(root, name="inside")
    _journal_study(outside, name="secret")
    (root / "link.journal").symlink_to(root / "runs.journal")
    catalog = Catalog(root)
    ref = catalog.register("journal:link.journal")
    assert [row["name"] for row in catalog.summaries(ref)[0]] == ["inside"]
    (root / "link.journal").unlink()
    (root / "link.journal").symlink_to(outside / "runs.journal")  # re-pointed since
    rows, error = catalog.summaries(ref)
    assert rows == [] and "outside the server's root" in error
    with pytest.raises(OutsideRootError):
        catalog.study(ref.id, "secret")


def test_a_journal_line_being_written_is_read_once_it_is_whole(tmp_path):
    study = _journal_study(tmp_path)
    path = tmp_path / "runs.journal"
    whole = path.read_bytes()
    *_, last = whole.rstrip(b"\n").split(b"\n")
    path.write_bytes(whole + last[: len(last) // 2])  # a writer half-way through a line
    catalog = Catalog(tmp_path)
    (row,) = catalog.studies()["studies"]
    assert row["n_trials"] == 1 and catalog.studies()["storages"][0]["error"] is None
    path.write_bytes(whole)
    study.add_trial(optuna.trial.create_trial(params={}, distributions={}, value=0.7))
    (row,) = catalog.studies()["studies"]
    assert row["n_trials"] == 2
