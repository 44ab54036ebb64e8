"""The studies panel's routes on a real Jupyter server read only under its root, and write
nothing: every spelling of a file URL that leads out of the root is refused with 403, a file that
does not exist is listed as missing and never created, and no request (a GET of a study
included) creates, changes or removes a file or folder, in the root or outside it."""

from __future__ import annotations

import json
import sqlite3
from urllib.parse import quote

import optuna
import pytest
from jupyter_process import api, jupyter_server, snapshot


def _journal_study(path, name):
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(path)))
    study = optuna.create_study(study_name=name, storage=storage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)


def _sqlite_study(path, name, wal=False):
    storage = optuna.storages.RDBStorage(f"sqlite:///{path}")
    study = optuna.create_study(study_name=name, storage=storage)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    storage.engine.dispose()
    if wal:  # SQLite would create (and leave) -wal and -shm files even to read it
        connection = sqlite3.connect(path)
        assert connection.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
        connection.close()
        assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


@pytest.fixture(scope="module")
def confined(tmp_path_factory):
    base = tmp_path_factory.mktemp("confined")
    root, outside = base / "root", base / "outside"
    (root / "sub").mkdir(parents=True)
    outside.mkdir()
    _journal_study(root / "runs.journal", "inside")
    _sqlite_study(root / "sub" / "runs.db", "beta")
    (root / "wal").mkdir()
    _sqlite_study(root / "wal" / "wal.db", "gamma", wal=True)
    _journal_study(outside / "secret.journal", "secret")
    _sqlite_study(outside / "secret.db", "secret")
    with sqlite3.connect(root / "notes.sqlite3") as connection:  # a SQLite file, not Optuna's
        connection.execute("CREATE TABLE notes (text TEXT)")
    connection.close()
    (root / "linked.db").symlink_to(outside / "secret.db")
    (root / "linked.journal").symlink_to(outside / "secret.journal")
    (root / "out").symlink_to(outside, target_is_directory=True)
    with jupyter_server(root, base / "config") as url:
        yield url, root, outside


def _unchanged(confined, request):
    """The response of ``request()``, checking that the root and the outside folder are left
    exactly as they were."""
    _, root, outside = confined
    before = snapshot(root, outside)
    response = request()
    assert snapshot(root, outside) == before, f"the request wrote files: {response.text[:300]}"
    return response


OUTSIDE_URLS = [
    "sqlite+pysqlite:///{outside}/secret.db",
    "sqlite+aiosqlite:///{outside}/secret.db",
    "sqlite:///{outside}/secret.db",
    "sqlite:///../outside/secret.db",
    "sqlite:///sub/../../outside/secret.db",
    "sqlite:///%2E%2E/outside/secret.db",
    "sqlite:///linked.db",
    "sqlite:///out/secret.db",
    "sqlite:///file:../outside/secret.db?mode=ro&uri=true",
    "sqlite:///file:{outside}/secret.db?uri=true",
    "sqlite:///file://localhost{outside}/secret.db?uri=true",
    "sqlite:///file:%2E%2E/outside/secret.db?uri=true",
    "sqlite+pysqlite:///{outside}/created.db",
    "sqlite:///../outside/newdir/created.db",
    "journal:../outside/secret.journal",
    "journal:{outside}/secret.journal",
    "journal:linked.journal",
    "journal:out/secret.journal",
    "journal:sub/../../outside/created.journal",
    "journal:{outside}/newdir/created.journal",
    "../outside/secret.journal",
    "postgresql+psycopg://me@db.example/x?sslkey={outside}/secret.db",
    "mysql+pymysql://me@db.example/x?read_default_file={outside}/secret.db",
]


@pytest.mark.parametrize("template", OUTSIDE_URLS)
def test_a_file_url_outside_the_root_is_refused_in_any_spelling(confined, template):
    url, _root, outside = confined
    storage = template.format(outside=outside)
    response = _unchanged(confined, lambda: api(url, "POST", "storages", json={"url": storage}))
    assert response.status_code == 403, response.text
    listed = _unchanged(confined, lambda: api(url, "GET", "studies"))
    assert listed.status_code == 200
    assert "secret" not in json.dumps(listed.json()["studies"])
    assert not (outside / "created.db").exists() and not (outside / "newdir").exists()


@pytest.mark.parametrize(
    "storage",
    [
        "journal:newdir/deep/x.journal",
        "sqlite:///newdir/x.db",
        "sqlite+pysqlite:///fresh.db",
        "sqlite:///file:fresh2.db?mode=rwc&uri=true",
        "sqlite:///notes.sqlite3",  # there, but not an Optuna storage: no table is created
    ],
)
def test_a_registered_file_is_listed_as_it_is_and_never_created(confined, storage):
    url, _root, _outside = confined
    response = _unchanged(confined, lambda: api(url, "POST", "storages", json={"url": storage}))
    assert response.status_code == 200, response.text
    storage_id = response.json()["id"]
    listed = _unchanged(confined, lambda: api(url, "GET", "studies")).json()
    (entry,) = [s for s in listed["storages"] if s["id"] == storage_id]
    assert entry["error"] and entry["n_studies"] == 0
    one = _unchanged(confined, lambda: api(url, "GET", f"studies/{quote(storage_id, safe='')}/x"))
    assert one.status_code == 404
    opened = _unchanged(
        confined,
        lambda: api(url, "POST", "dashboard", json={"storage": storage_id, "study": "x"}),
    )
    assert opened.status_code == 404


def test_reading_the_studies_writes_nothing(confined):
    url, _root, _outside = confined
    for storage in ("journal:runs.journal", "sqlite:///wal/wal.db"):
        registered = _unchanged(
            confined, lambda s=storage: api(url, "POST", "storages", json={"url": s})
        )
        assert registered.status_code == 200
    studies = [
        ("file:runs.journal", "inside"),
        ("file:sub/runs.db", "beta"),
        ("file:wal/wal.db", "gamma"),
    ]
    for _ in range(2):  # the first read and a cached one
        listed = _unchanged(confined, lambda: api(url, "GET", "studies")).json()
        names = {(s["storage"], s["name"]) for s in listed["studies"]}
        assert set(studies) <= names
        for storage_id, name in studies:
            path = f"studies/{quote(storage_id, safe='')}/{quote(name, safe='')}"
            one = _unchanged(confined, lambda path=path: api(url, "GET", path))
            assert one.status_code == 200 and len(one.json()["recent"]) == 2
