"""Opening storages: a race on creating a database's tables is retried, a URL that does not open
fails at once with its reason, and a journal lock that no process releases is named."""

from __future__ import annotations

import logging
import os
import time

import optuna
import pytest
from sqlalchemy import exc as sa

from nas_notebook import StorageError
from nas_notebook._storages import JournalLock, open_storage


class _Opened:
    pass


def _fake_rdb(monkeypatch, errors: list[BaseException]) -> list[str]:
    """Make ``RDBStorage(url)`` raise ``errors`` in turn, then open; returns the calls made."""
    calls: list[str] = []

    def rdb(url: str, *args, **kwargs):
        calls.append(url)
        if errors:
            raise errors.pop(0)
        return _Opened()

    monkeypatch.setattr(optuna.storages, "RDBStorage", rdb)
    return calls


def _dbapi(kind, message: str) -> sa.DBAPIError:
    return kind("CREATE TABLE studies", {}, Exception(message))


def test_a_race_on_creating_the_tables_is_retried(monkeypatch):
    calls = _fake_rdb(
        monkeypatch,
        [
            _dbapi(sa.OperationalError, "table alembic_version already exists"),
            _dbapi(sa.IntegrityError, 'duplicate key value violates "pg_type_typname_nsp_index"'),
            _dbapi(sa.ProgrammingError, 'relation "studies" already exists'),
        ],
    )
    assert isinstance(open_storage("sqlite:///x.db"), _Opened)
    assert len(calls) == 4


def test_a_race_that_never_ends_fails_after_a_few_tries(monkeypatch):
    race = _dbapi(sa.OperationalError, "database is locked")
    calls = _fake_rdb(monkeypatch, [race] * 100)
    with pytest.raises(StorageError, match=r"does not open: .*database is locked"):
        open_storage("sqlite:///x.db")
    assert 2 < len(calls) < 20


def test_an_error_of_the_url_is_not_retried(monkeypatch):
    refused = _dbapi(sa.OperationalError, "connection refused")
    calls = _fake_rdb(monkeypatch, [refused, refused])
    with pytest.raises(StorageError, match=r"does not open: .*connection refused"):
        open_storage("postgresql+psycopg://u@127.0.0.1:1/db")
    assert len(calls) == 1


@pytest.mark.parametrize(
    "url,reason",
    [
        ("sqlite:////no/such/folder/s.db", "unable to open database file"),
        ("postgresql+nosuchdriver://u@127.0.0.1/db", "Can't load plugin"),
        ("postgresql+psycopg://u@127.0.0.1:1/db", "connection"),
    ],
)
def test_a_url_that_does_not_open_fails_at_once_saying_why(url, reason):
    if "psycopg" in url:
        pytest.importorskip("psycopg")
    began = time.monotonic()
    with pytest.raises(StorageError, match=f"storage '.*' does not open: .*{reason}"):
        open_storage(url)
    assert time.monotonic() - began < 3


def test_a_lock_of_plain_optuna_that_is_never_released_is_named_then_broken(tmp_path, caplog):
    journal = str(tmp_path / "s.journal")
    os.symlink(journal, journal + ".lock")  # as Optuna's JournalFileSymlinkLock takes it
    lock = JournalLock(journal, grace_period=3, warn_after=0.5)
    began = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="nas_notebook"):
        assert lock.acquire()
    assert 3 <= time.monotonic() - began < 10
    said = caplog.text
    assert f"delete {journal}.lock" in said and "plain Optuna" in said
    assert f"removed the journal lock {journal}.lock: it did not change for 3 s" in said
    lock.release()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_journal_lock_excludes_optunas_own_and_is_released(tmp_path):
    from optuna.storages.journal import JournalFileSymlinkLock

    journal = str(tmp_path / "s.journal")
    ours = JournalLock(journal)
    assert ours.acquire()
    assert os.path.isfile(journal + ".lock")
    theirs = JournalFileSymlinkLock(journal)
    with pytest.raises(FileExistsError):
        os.symlink(journal, journal + ".lock")  # what Optuna's acquire tries
    ours.release()
    assert theirs.acquire()
    theirs.release()
    assert sorted(p.name for p in tmp_path.iterdir()) == []
