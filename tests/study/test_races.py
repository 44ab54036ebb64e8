"""Real processes racing on one storage: on a study name, on the first opening of a new database,
and on a journal whose lock a killed process left behind."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
import traceback
import uuid
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from nas_notebook.study import open_storage

SPAWN = multiprocessing.get_context("spawn")
#: Processes per race, and rounds of it.
PROCESSES, ROUNDS = 4, 4
WAIT = 120  # seconds a process waits for the others at a barrier


def _url(kind: str, folder: Path, request: pytest.FixtureRequest) -> str:
    if kind == "journal":
        return f"journal:{folder}/s.journal"
    if kind == "sqlite":
        return f"sqlite:///{folder}/s.db"
    return request.getfixturevalue("postgres_url")


def _run(worker, args_of, n: int = PROCESSES) -> list[list[object]]:
    """Run ``worker(index, barrier, *args)`` in ``n`` spawned processes at once; each returns
    a list (one entry per round) through a queue. Returns them in process order."""
    barrier, results = SPAWN.Barrier(n), SPAWN.Queue()
    processes = [
        SPAWN.Process(target=_report, args=(worker, i, barrier, results, *args_of(i)))
        for i in range(n)
    ]
    for p in processes:
        p.start()
    got = dict(results.get(timeout=600) for _ in processes)
    for p in processes:
        p.join(timeout=60)
    assert [p.exitcode for p in processes] == [0] * n
    return [got[i] for i in range(n)]


def _report(worker, index, barrier, results, *args) -> None:
    try:
        results.put((index, worker(index, barrier, *args)))
    except BaseException:
        results.put((index, [f"process {index}: {traceback.format_exc()}"]))


# -- a study name ------------------------------------------------------------------------------


def _search_rounds(index, barrier, url, names) -> list[object]:
    import nas_notebook as nb

    out: list[object] = []
    for name in names:
        barrier.wait(WAIT)
        try:
            s = nb.Search(
                "x = floatv(0, 1)\nx", name=name, storage=url, n_trials=3, executor="inline"
            ).start()
            out.append(s.study.study_name)
        except Exception:
            out.append(traceback.format_exc())
    return out


@pytest.mark.parametrize("kind", ["journal", "sqlite", "postgresql"])
def test_processes_racing_on_a_study_name_each_get_their_own_version(kind, tmp_path, request):
    url = _url(kind, tmp_path, request)
    open_storage(url)  # the storage exists: this race is on the name only
    names = [f"net-{uuid.uuid4().hex[:8]}" for _ in range(ROUNDS)]
    results = _run(_search_rounds, lambda i: (url, names))
    storage = open_storage(url)
    for r, name in enumerate(names):
        got = [per_process[r] for per_process in results]
        errors = [g for g in got if not str(g).startswith(name)]
        assert not errors, f"round {r}:\n" + "\n".join(map(str, errors))[-4000:]
        versions = [name] + [f"{name}.{k}" for k in range(2, PROCESSES + 1)]
        assert sorted(got) == sorted(versions), got
        for version in versions:
            trials = optuna.load_study(study_name=version, storage=storage).trials
            assert [t.state for t in trials] == [TrialState.COMPLETE] * 3, version


# -- the first opening of a new database -------------------------------------------------------


def _open_rounds(index, barrier, urls) -> list[object]:
    from nas_notebook.study import open_storage, study_names

    out: list[object] = []
    for url in urls:
        barrier.wait(WAIT)
        try:
            storage = open_storage(url)
        except Exception:
            storage, error = None, traceback.format_exc()
        barrier.wait(WAIT)
        if storage is None:
            out.append(error)
            barrier.wait(WAIT)
            continue
        if index == 0:
            optuna.create_study(study_name="seen", storage=storage)
        barrier.wait(WAIT)
        out.append(study_names(storage))
    return out


@contextlib.contextmanager
def _new_databases(kind: str, tmp_path: Path, request, n: int) -> Iterator[list[str]]:
    if kind == "sqlite":
        yield [f"sqlite:///{tmp_path}/new-{r}.db" for r in range(n)]
        return
    psycopg = pytest.importorskip("psycopg")
    base = request.getfixturevalue("postgres_url")
    server = base.rsplit("/", 1)[0]
    admin = server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    names = [f"race_{uuid.uuid4().hex[:12]}" for _ in range(n)]
    try:
        with psycopg.connect(admin, autocommit=True) as connection:
            for name in names:
                connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        pytest.skip(f"the test role may not create databases: {exc}")
    try:
        yield [f"{server}/{name}" for name in names]
    finally:
        with (
            contextlib.suppress(psycopg.Error),
            psycopg.connect(admin, autocommit=True) as connection,
        ):
            for name in names:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_processes_opening_a_new_database_at_once_all_open_it(kind, tmp_path, request):
    with _new_databases(kind, tmp_path, request, ROUNDS) as urls:
        results = _run(_open_rounds, lambda i: (urls,))
    for r in range(ROUNDS):
        got = [per_process[r] for per_process in results]
        assert all(g == ["seen"] for g in got), f"round {r}:\n" + "\n".join(map(str, got))


# -- a journal lock left by a killed process ---------------------------------------------------


def _hold_journal_lock(url, holding) -> None:
    """Write to the journal and hang while holding its lock (in the write's fsync)."""
    storage = open_storage(url)

    def hang(fd: int) -> None:
        holding.set()
        time.sleep(3600)

    os.fsync = hang
    optuna.create_study(study_name="killed-while-writing", storage=storage)


def _killed_while_holding_the_lock(url: str) -> None:
    holding = SPAWN.Event()
    holder = SPAWN.Process(target=_hold_journal_lock, args=(url, holding))
    holder.start()
    assert holding.wait(60), "the holder did not take the lock"
    assert Path(url.removeprefix("journal:") + ".lock").exists()
    os.kill(holder.pid, signal.SIGKILL)
    holder.join(10)


def test_a_journal_lock_left_by_a_killed_process_costs_no_wait(tmp_path):
    url = f"journal:{tmp_path}/s.journal"
    for r in range(3):
        _killed_while_holding_the_lock(url)
        began = time.monotonic()
        optuna.create_study(study_name=f"after-{r}", storage=open_storage(url))
        took = time.monotonic() - began
        assert took < 5, f"round {r}: the first write after the kill took {took:.1f} s"
    assert not list(tmp_path.glob("s.journal.lock*"))


def test_a_writer_waits_for_a_live_lock_holder_and_goes_on_once_it_is_killed(tmp_path):
    url = f"journal:{tmp_path}/s.journal"
    for r in range(2):
        holding = SPAWN.Event()
        holder = SPAWN.Process(target=_hold_journal_lock, args=(url, holding))
        holder.start()
        assert holding.wait(60)
        storage = open_storage(url)
        writer = threading.Thread(
            target=optuna.create_study, kwargs={"study_name": f"w-{r}", "storage": storage}
        )
        writer.start()
        writer.join(2)
        assert writer.is_alive(), "the lock of a live process was broken"
        killed = time.monotonic()
        os.kill(holder.pid, signal.SIGKILL)
        holder.join(10)
        writer.join(10)
        assert not writer.is_alive()
        took = time.monotonic() - killed
        assert took < 5, f"round {r}: the waiting writer went on {took:.1f} s after the kill"
    names = [s.study_name for s in open_storage(url).get_all_studies()]
    assert {"w-0", "w-1"} <= set(names)


def _write_trials(index, barrier, path, n) -> list[object]:
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    # half the writers are plain Optuna, with its own lock on the same lock file
    url = f"journal:{path}"
    storage = open_storage(url) if index % 2 else JournalStorage(JournalFileBackend(path))
    study = optuna.load_study(study_name="shared", storage=storage)
    barrier.wait(WAIT)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=n)
    return [index]


def test_our_journal_writers_and_plain_optunas_exclude_each_other(tmp_path):
    path = str(tmp_path / "s.journal")
    optuna.create_study(study_name="shared", storage=open_storage(f"journal:{path}"))
    assert _run(_write_trials, lambda i: (path, 150)) == [[0], [1], [2], [3]]
    trials = optuna.load_study(study_name="shared", storage=open_storage(path)).trials
    assert sorted(t.number for t in trials) == list(range(4 * 150))
    assert {t.state for t in trials} == {TrialState.COMPLETE}
    assert all(t.value == t.params["x"] for t in trials)
