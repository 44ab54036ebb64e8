"""Shared fixtures: a real PostgreSQL server for the storage tests, the package's built wheel."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a fresh database on a throwaway PostgreSQL server (started for the session).

    ``NAS_NOTEBOOK_TEST_POSTGRES`` points at an existing database instead. Outside CI a machine
    that cannot run a server skips these tests, saying why; in CI that is a failure.
    """
    given = os.environ.get("NAS_NOTEBOOK_TEST_POSTGRES")
    if given:
        yield given
        return
    script = ROOT / "scripts" / "postgres.sh"
    result = subprocess.run(["bash", str(script), "start"], capture_output=True, text=True)
    if result.returncode != 0:
        reason = f"no PostgreSQL server could be started: {result.stderr.strip()[-500:]}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    url, data_dir = result.stdout.split()[-2:]
    try:
        yield url
    finally:
        subprocess.run(["bash", str(script), "stop", data_dir], capture_output=True)


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package's wheel, built from this tree (the studies panel prebuilt in it: the install
    of the test environment built ``nas_notebook/labextension`` from ``extension/``)."""
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-w", str(out)]
    # The build tools are in the test environment (dev extra): no isolated environment.
    result = subprocess.run([*command, "--no-build-isolation"], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.fail(f"the wheel did not build:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    (wheel,) = out.glob("nas_notebook-*.whl")
    return wheel
