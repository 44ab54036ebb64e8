"""The studies panel's routes on a real Jupyter server (a started ``jupyter server`` process with
a token and a ``base_url``), over real journal and SQLite storages."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import nbformat
import optuna
import pytest
import requests
from jupyter_process import BASE, TOKEN, jupyter_server

from nas_notebook import Search
from nas_notebook.study import read_control

SCRIPT_NAME = "<script>alert('x')</script>"


def _make_studies(root: Path, outside: Path) -> None:
    journal = root / ".nas_notebook" / "studies.journal"
    search = Search(
        "x = floatv(0, 1)\nx",
        name="alpha",
        storage=f"journal:{journal}",
        n_trials=4,
        executor="inline",
        direction="maximize",
    ).start()
    search.wait()
    assert read_control(search.study)["state"] == "finished"
    storage = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(journal))
    )
    odd = optuna.create_study(study_name=SCRIPT_NAME, storage=storage)
    odd.optimize(lambda t: t.suggest_float("y", 0, 1), n_trials=2)
    (root / "sub").mkdir()
    beta = optuna.create_study(study_name="beta", storage=f"sqlite:///{root / 'sub' / 'runs.db'}")
    beta.optimize(lambda t: (t.suggest_float("z", -1, 1)) ** 2, n_trials=3)
    (root / "sub" / "notes.db").write_bytes(b"not a database")
    outside.mkdir()
    secret = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(outside / "secret.journal"))
    )
    optuna.create_study(study_name="secret", storage=secret)
    (root / "linked.journal").symlink_to(outside / "secret.journal")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("root")
    _make_studies(root, root.parent / (root.name + "-outside"))
    with jupyter_server(root, root.parent / "config") as url:
        yield url, root


def _get(url: str, path: str, token: str | None = TOKEN) -> requests.Response:
    headers = {"Authorization": f"token {token}"} if token else {}
    return requests.get(url + "nas-notebook/api/" + path, headers=headers, timeout=30)


def test_without_a_token_every_route_is_refused(server):
    url, _ = server
    assert _get(url, "studies", token=None).status_code == 403
    assert _get(url, "studies", token="wrong").status_code == 403
    assert _get(url, f"studies/{quote('file:sub/runs.db', safe='')}/beta", None).status_code == 403
    response = requests.post(url + "nas-notebook/api/dashboard", json={}, timeout=10)
    assert response.status_code == 403


def test_the_routes_live_under_base_url_only(server):
    url, _ = server
    root_url = url.removesuffix(BASE.lstrip("/").rstrip("/") + "/")
    response = requests.get(root_url + "nas-notebook/api/studies", params={"token": TOKEN})
    assert response.status_code == 404


def test_lists_the_studies_of_journal_and_sqlite_files_under_the_root(server):
    url, _ = server
    response = _get(url, "studies")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    data = response.json()
    storages = {s["id"]: s for s in data["storages"]}
    assert set(storages) == {"file:.nas_notebook/studies.journal", "file:sub/runs.db"}
    assert storages["file:sub/runs.db"]["kind"] == "sqlite"
    studies = {(s["storage"], s["name"]): s for s in data["studies"]}
    assert set(studies) == {
        ("file:.nas_notebook/studies.journal", "alpha"),
        ("file:.nas_notebook/studies.journal", SCRIPT_NAME),
        ("file:sub/runs.db", "beta"),
    }
    alpha = studies["file:.nas_notebook/studies.journal", "alpha"]
    assert alpha["state"] == "finished" and alpha["ours"] is True
    assert alpha["trials"]["complete"] == 4 and alpha["n_trials"] == 4
    assert alpha["directions"] == ["maximize"] and alpha["algo"]
    beta = studies["file:sub/runs.db", "beta"]
    assert beta["state"] == "finished" and beta["ours"] is False
    assert beta["trials"]["complete"] == 3 and beta["directions"] == ["minimize"]
    study = optuna.load_study(
        study_name="beta", storage=f"sqlite:///{server[1] / 'sub' / 'runs.db'}"
    )
    assert beta["best_value"] == pytest.approx(study.best_value)
    assert beta["best_number"] == study.best_trial.number
    assert beta["last_update"] == pytest.approx(study.trials[-1].datetime_complete.timestamp())


def test_a_study_in_detail(server):
    url, _root = server
    response = _get(url, f"studies/{quote('file:sub/runs.db', safe='')}/beta")
    assert response.status_code == 200
    data = response.json()
    assert data["name"] == "beta" and data["storage"]["kind"] == "sqlite"
    assert [t["number"] for t in data["recent"]] == [0, 1, 2]
    assert all(set(t["params"]) == {"z"} for t in data["recent"])
    odd = _get(
        url,
        f"studies/{quote('file:.nas_notebook/studies.journal', safe='')}/{quote(SCRIPT_NAME, safe='')}",
    )
    assert odd.status_code == 200 and odd.json()["name"] == SCRIPT_NAME
    assert _get(url, f"studies/{quote('file:sub/runs.db', safe='')}/nope").status_code == 404
    assert _get(url, f"studies/{quote('file:sub/notes.db', safe='')}/x").status_code == 404


@pytest.mark.parametrize(
    "storage_id",
    [
        "file:../outside/secret.journal",
        "file:/etc/passwd",
        "file:linked.journal",
        "file:sub/../../x.journal",
    ],
)
def test_a_path_outside_the_root_is_refused(server, storage_id):
    url, root = server
    if storage_id.startswith("file:../outside"):
        storage_id = f"file:../{root.name}-outside/secret.journal"
    response = _get(url, f"studies/{quote(storage_id, safe='')}/secret")
    assert response.status_code == 403
    assert "secret" not in json.dumps(_get(url, "studies").json()["studies"])


def test_registering_a_storage_outside_the_root_is_refused(server):
    url, root = server
    headers = {"Authorization": f"token {TOKEN}"}
    outside = root.parent / f"{root.name}-outside" / "secret.journal"
    response = requests.post(
        url + "nas-notebook/api/storages", json={"url": f"journal:{outside}"}, headers=headers
    )
    assert response.status_code == 403
    response = requests.post(
        url + "nas-notebook/api/storages", json={"url": "nope"}, headers=headers
    )
    assert response.status_code == 400


def test_a_write_needs_the_xsrf_token_when_authenticated_by_cookie(server):
    url, _root = server
    session = requests.Session()
    login = session.get(url + "lab", params={"token": TOKEN}, timeout=30)  # sets the login cookie
    assert login.history or login.ok
    assert any(c.name.startswith("username-") for c in session.cookies)
    body = {"storage": "file:.nas_notebook/studies.journal", "study": "alpha"}
    refused = session.post(url + "nas-notebook/api/dashboard", json=body, timeout=30)
    assert refused.status_code == 403
    xsrf = session.cookies.get("_xsrf")
    if xsrf is None:  # first request of the session: the server sets it on a page
        session.get(url + "api/contents", timeout=30)
        xsrf = session.cookies["_xsrf"]
    accepted = session.post(
        url + "nas-notebook/api/dashboard", json=body, headers={"X-XSRFToken": xsrf}, timeout=30
    )
    assert accepted.status_code == 200, accepted.text
    assert re.fullmatch(r"alpha dashboard [0-9a-f]{8}\.ipynb", accepted.json()["path"])


@pytest.mark.parametrize(
    ("storage_id", "study", "prefix", "shown"),
    [
        # The journal is in a hidden folder, which JupyterLab does not open: the notebook is
        # written above it. A study of ours shows its dashboard, any other its history plot.
        (
            "file:.nas_notebook/studies.journal",
            "alpha",
            "alpha dashboard",
            "application/vnd.jupyter.widget-view+json",
        ),
        ("file:sub/runs.db", "beta", "sub/beta dashboard", "application/vnd.plotly.v1+json"),
    ],
)
def test_the_dashboard_notebook_reopens_the_study(server, storage_id, study, prefix, shown):
    url, root = server
    headers = {"Authorization": f"token {TOKEN}"}
    body = {"storage": storage_id, "study": study}
    response = requests.post(url + "nas-notebook/api/dashboard", json=body, headers=headers)
    assert response.status_code == 200
    written = response.json()["path"]
    assert re.fullmatch(re.escape(prefix) + r" [0-9a-f]{8}\.ipynb", written)
    path = root / written
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    from nbclient import NotebookClient

    NotebookClient(
        notebook, timeout=120, resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    outputs = notebook.cells[-1].outputs
    assert not [o for o in outputs if o.get("output_type") == "error"], outputs
    assert any(shown in o.get("data", {}) for o in outputs), outputs
    # Saved with its outputs (as JupyterLab does after the run): the same code, so it is used
    # as it is.
    nbformat.write(notebook, path)
    saved = path.read_text()
    again = requests.post(url + "nas-notebook/api/dashboard", json=body, headers=headers)
    assert again.json() == response.json()
    assert path.read_text() == saved
    # Edited: no longer what the server wrote, so it is kept and never handed back again.
    notebook.cells[-1].source += "\nprint('edited')"
    nbformat.write(notebook, path)
    edited = path.read_text()
    third = requests.post(url + "nas-notebook/api/dashboard", json=body, headers=headers)
    assert third.status_code == 200 and third.json()["path"] != written
    assert path.read_text() == edited
    fresh = nbformat.read(root / third.json()["path"], as_version=4)
    assert "edited" not in fresh.cells[-1].source
