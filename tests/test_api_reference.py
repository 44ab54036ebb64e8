"""The API reference builds from the docstrings (``scripts/docs``: pdoc, Google style), one page
per public module, and every name a module exports is documented on its page."""

from __future__ import annotations

import importlib
import re
import subprocess
import types
from pathlib import Path

from test_public_api import MODULES

ROOT = Path(__file__).resolve().parents[1]


def test_the_reference_documents_every_exported_name(tmp_path):
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "docs"), str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Error importing" not in done.stderr, done.stderr[-3000:]
    for name in MODULES:
        page = tmp_path / (name.replace(".", "/") + ".html")
        assert page.is_file(), f"no page for {name}"
        html = page.read_text()
        ids = set(re.findall(r'id="([\w.]+)"', html))
        module = importlib.import_module(name)
        missing = [
            item
            for item in module.__all__
            if item not in ids
            # an exported submodule has a page of its own
            and not (
                isinstance(getattr(module, item), types.ModuleType)
                and (page.with_suffix("") / f"{item}.html").is_file()
            )
        ]
        assert not missing, f"{name}: not documented: {missing}"
    # Private modules have no pages of their own: their names are documented where exported.
    assert not list(tmp_path.glob("**/_*.html"))
    index = (tmp_path / "nas_notebook.html").read_text()
    assert "%%search" in index  # the package docstring opens the reference
