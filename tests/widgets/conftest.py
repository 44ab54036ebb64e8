"""The browser tests' Chromium and JupyterLab: one of each per test module (a module may
override ``lab``, as the studies panel's tests do to serve the built wheel)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_lab import Lab, chromium_browser, start_lab


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium_browser() as launched:
        yield launched


@pytest.fixture(scope="module")
def lab(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with start_lab(tmp_path_factory.mktemp("jupyterlab")) as lab:
        yield lab
