"""A real ``jupyter server`` process for the studies panel's route tests, and a snapshot of a
file tree to check that a request wrote nothing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

TOKEN = "secret-token"
BASE = "/lab-base/"
HEADERS = {"Authorization": f"token {TOKEN}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def jupyter_server(root: Path, config: Path) -> Iterator[str]:
    """A started ``jupyter server`` over ``root`` with a token and a ``base_url``; its URL."""
    port = free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            f"--port={port}",
            f"--ServerApp.token={TOKEN}",
            f"--ServerApp.root_dir={root}",
            f"--ServerApp.base_url={BASE}",
            "--ServerApp.jpserver_extensions=nas_notebook=True",
            "--allow-root",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    url = f"http://127.0.0.1:{port}{BASE}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(url + "api/status", params={"token": TOKEN}, timeout=2).ok:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("jupyter server did not start:\n" + process.stdout.read().decode())
        time.sleep(0.2)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(10)


def api(url: str, method: str, path: str, **kwargs) -> requests.Response:
    """A request to the panel's route ``path`` with the token."""
    return requests.request(
        method, url + "nas-notebook/api/" + path, headers=HEADERS, timeout=60, **kwargs
    )


def snapshot(*folders: Path) -> dict[str, tuple]:
    """Every entry under ``folders`` (links not followed): its kind, size and modification time,
    so that any file or folder created, changed or removed shows."""
    seen: dict[str, tuple] = {}
    for folder in folders:
        for here, dirs, files in os.walk(folder, followlinks=False):
            for name in dirs + files:
                path = os.path.join(here, name)
                info = os.lstat(path)
                link = os.readlink(path) if os.path.islink(path) else None
                seen[path] = (info.st_mode, info.st_size, info.st_mtime_ns, link)
            info = os.lstat(here)
            seen[here] = (info.st_mode, info.st_mtime_ns)
    return seen
