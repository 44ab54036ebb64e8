"""The built wheel, installed by pip into a fresh virtual environment, brings the studies panel
prebuilt and enabled, and its server side: no node, no build step at install time."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_fresh_venv_lists_the_panel_enabled_after_pip_install(built_wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
    install = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "-c",
            str(ROOT / "constraints.txt"),
            str(built_wheel),
            "jupyterlab>=4.6,<5",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    shared = venv / "share" / "jupyter" / "labextensions" / "nas-notebook"
    assert (shared / "package.json").is_file() and (shared / "install.json").is_file()
    assert list((shared / "static").glob("remoteEntry.*.js"))

    def jupyter(*args: str) -> str:
        done = subprocess.run(
            [str(venv / "bin" / "jupyter"), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        assert done.returncode == 0, done.stderr
        return re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)

    labextensions = jupyter("labextension", "list")
    assert re.search(r"nas-notebook v\S+ enabled OK \(python, nas_notebook\)", labextensions), (
        labextensions
    )
    # The console script of headless runs comes with the wheel.
    command = subprocess.run(
        [str(venv / "bin" / "nas-notebook"), "run", "--help"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert command.returncode == 0 and "--n-trials" in command.stdout, command.stderr

    server = jupyter("server", "extension", "list")
    assert re.search(r"nas_notebook enabled", server), server
    assert re.search(r"nas_notebook \S+ OK", server), server
