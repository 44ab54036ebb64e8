"""Shared fixtures: a real PostgreSQL server for the storage tests."""

from __future__ import annotations

import os
import subprocess
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
