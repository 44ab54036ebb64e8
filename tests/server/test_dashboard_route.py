"""The dashboard notebook a click in the studies panel opens and runs, on a real Jupyter server:
the server hands back only a notebook it generated for that study (a planted file of the same
name is never handed back, nor written through), two studies whose names read alike get their
own notebooks, the study's name shows as text, and the notebook goes next to its storage."""

from __future__ import annotations

import html
import json
import re

import nbformat
import optuna
import pytest
from jupyter_process import api, jupyter_server, snapshot
from markdown_it import MarkdownIt

from nas_notebook._server import dashboard_notebook

HOSTILE = "x`</h1><img src=x onerror=alert(1)>` *y* $z$ [a](javascript:alert(2))\n# two"
NAMES = ["a/b", "a_b", HOSTILE]
MARKER = "planted-notebook-ran"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = tmp_path_factory.mktemp("dashboards")
    root, outside = base / "root", base / "outside"
    (root / "sub").mkdir(parents=True)
    (root / "deep").mkdir()
    outside.mkdir()
    storage = f"sqlite:///{root / 'sub' / 'runs.db'}"
    for name in NAMES:
        study = optuna.create_study(study_name=name, storage=storage)
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    journal = optuna.storages.JournalStorage(
        optuna.storages.journal.JournalFileBackend(str(root / "deep" / "reg.journal"))
    )
    optuna.create_study(study_name="registered", storage=journal)
    with jupyter_server(root, base / "config") as url:
        yield url, root, outside


def _open(url, storage, study):
    response = api(url, "POST", "dashboard", json={"storage": storage, "study": study})
    assert response.status_code == 200, response.text
    return response.json()["path"]


def _planted(code: str, forged: bool = False) -> nbformat.NotebookNode:
    """A notebook someone else put in the root; ``forged``: it also carries the record the
    server writes, with a digest that matches its own (planted) code."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    if forged:
        from nas_notebook._server._dashboard import code_digest

        notebook.metadata["nas_notebook"] = {"dashboard": {"digest": code_digest(notebook)}}
    return notebook


def _is_generated(root, path, name, storage_path):
    """The notebook at ``path`` is the one the server generates for study ``name``."""
    notebook = nbformat.read(root / path, as_version=4)
    nbformat.validate(notebook)
    expected = dashboard_notebook({"name": name, "ours": False}, f"sqlite:///{storage_path}")
    assert [(c.cell_type, c.source) for c in notebook.cells] == [
        (c.cell_type, c.source) for c in expected.cells
    ]
    assert f"study_name={name!r}" in notebook.cells[-1].source
    assert MARKER not in json.dumps(notebook)


def test_a_planted_notebook_is_never_handed_back(served):
    url, root, outside = served
    code = f"open({str(root / MARKER)!r}, 'w').write('ran')"
    # Where the notebook went before, and where it goes now: both planted.
    nbformat.write(_planted(code), root / "sub" / "a_b dashboard.ipynb")
    first = _open(url, "file:sub/runs.db", "a_b")
    _is_generated(root, first, "a_b", root / "sub" / "runs.db")
    (root / first).unlink()
    nbformat.write(_planted(code), root / first)
    planted = (root / first).read_text()
    second = _open(url, "file:sub/runs.db", "a_b")
    assert second != first and (root / first).read_text() == planted  # left as it was
    _is_generated(root, second, "a_b", root / "sub" / "runs.db")
    # A planted file that forges the server's record (its digest matching its own code) is not
    # taken for the server's either: its code is not what the server generates.
    (root / second).unlink()
    nbformat.write(_planted(code, forged=True), root / second)
    third = _open(url, "file:sub/runs.db", "a_b")
    assert third not in (first, second)
    _is_generated(root, third, "a_b", root / "sub" / "runs.db")
    # A link in the notebook's place is not written through, nor followed.
    (root / third).unlink()
    (root / third).symlink_to(outside / "written.ipynb")
    before = snapshot(outside)
    fourth = _open(url, "file:sub/runs.db", "a_b")
    assert fourth not in (first, second, third) and snapshot(outside) == before
    assert not (outside / "written.ipynb").exists()
    _is_generated(root, fourth, "a_b", root / "sub" / "runs.db")
    assert not (root / MARKER).exists()


def test_names_that_read_alike_open_their_own_notebooks(served):
    url, root, _outside = served
    paths = {name: _open(url, "file:sub/runs.db", name) for name in ("a/b", "a_b")}
    assert paths["a/b"] != paths["a_b"]
    for name, path in paths.items():
        _is_generated(root, path, name, root / "sub" / "runs.db")
        assert _open(url, "file:sub/runs.db", name) == path  # the same one, each time


def test_a_hostile_study_name_shows_as_text(served):
    url, root, _outside = served
    path = _open(url, "file:sub/runs.db", HOSTILE)
    assert "\n" not in path and "/" not in path.removeprefix("sub/")
    notebook = nbformat.read(root / path, as_version=4)
    title = notebook.cells[0].source
    rendered = MarkdownIt("commonmark").render(title)  # raw HTML allowed, as in JupyterLab
    tags = re.findall(r"<\s*/?\s*([a-zA-Z0-9]+)", rendered)
    assert tags == ["h1", "h1", "p", "p"], rendered
    heading = re.search(r"<h1>(.*)</h1>", rendered).group(1)
    assert html.unescape(heading) == "Study " + HOSTILE.replace("\n", " ")
    assert f"study_name={HOSTILE!r}" in notebook.cells[-1].source


def test_the_notebook_goes_next_to_its_storage(served):
    url, _root, _outside = served
    registered = api(url, "POST", "storages", json={"url": "journal:deep/reg.journal"})
    assert registered.status_code == 200, registered.text
    path = _open(url, registered.json()["id"], "registered")
    assert path.startswith("deep/registered dashboard "), path
    assert _open(url, "file:sub/runs.db", "a/b").startswith("sub/")
