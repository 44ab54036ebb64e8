"""``binder/`` (repo2docker): the files are well formed, and the build they describe runs here
as repo2docker runs it, in a fresh virtual environment over a copy of the repository's tracked
files: ``pip install -r binder/requirements.txt``, then ``binder/postBuild`` from the root.

PyTorch's CPU index, where postBuild takes torch from on Binder, is not reachable from here:
the environment gets this machine's CPU build first (``constraints.txt``), which postBuild then
keeps, as it keeps any torch already installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

tomllib = pytest.importorskip("tomllib", reason="reads pyproject.toml (Python 3.11+)")
ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


def test_the_files_are_well_formed():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = (BINDER / "runtime.txt").read_text().strip()
    version = re.fullmatch(r"python-(3\.\d+)", runtime)
    assert version, runtime
    assert SpecifierSet(project["requires-python"]).contains(version.group(1) + ".0")

    lines = [
        line.strip()
        for line in (BINDER / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    requirements = {Requirement(line).name: Requirement(line) for line in lines}
    assert set(requirements) == {"jupyterlab", "jupytext"}
    # The JupyterLab the studies panel was built for (the build requirement of the package).
    build = [
        Requirement(r)
        for r in tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    ]
    (lab,) = [r for r in build if r.name == "jupyterlab"]
    assert requirements["jupyterlab"].specifier == lab.specifier

    post_build = BINDER / "postBuild"
    assert os.access(post_build, os.X_OK)
    assert subprocess.run(["bash", "-n", str(post_build)]).returncode == 0
    text = post_build.read_text()
    assert "download.pytorch.org/whl/cpu" in text  # never PyPI's multi-GB CUDA build


def _tracked_copy(target: Path) -> Path:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


@pytest.mark.timeout(1200)
def test_the_binder_build_runs_in_a_fresh_venv(tmp_path):
    repo = _tracked_copy(tmp_path / "repo")
    assert not (repo / "nas_notebook" / "labextension").exists()  # built by postBuild
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "VIRTUAL_ENV"))}
    env.pop("PYTHONPATH", None)
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
    python = str(venv / "bin" / "python")

    def step(*command: str, cwd: Path = repo) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
        assert done.returncode == 0, f"{command}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done

    step(python, "-m", "pip", "install", "--quiet", "-c", "constraints.txt", "torch")
    step(python, "-m", "pip", "install", "--quiet", "-r", "binder/requirements.txt")
    built = step("bash", "binder/postBuild")
    assert re.search(r"nas-notebook v\S+ enabled OK", built.stdout + built.stderr)

    tutorials = sorted(p.stem for p in (repo / "notebooks").glob("[0-9]*.py"))
    assert tutorials and sorted(p.stem for p in (repo / "notebooks").glob("*.ipynb")) == tutorials
    check = step(
        python,
        "-c",
        "import nas_notebook, torch, dask; import nas_notebook.torch; print(torch.__version__)",
        cwd=tmp_path,
    )
    assert check.stdout.strip().endswith("+cpu")
    # The package came from the copy, not from this checkout.
    where = step(python, "-c", "import nas_notebook; print(nas_notebook.__file__)", cwd=tmp_path)
    assert where.stdout.startswith(str(venv))
