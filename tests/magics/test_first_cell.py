"""The first ``%%search`` of a fresh kernel, in a real kernel started through jupyter_client:
none of the heavy modules the dashboard's figures once pulled in (plotly's renderers, nbformat,
jsonschema and its grammars) is imported on the cell's path, and what some tabs need on first
view (scikit-learn for importances) is imported after the cell returned, while the kernel idles.
Times are for bench/browser.py; this checks the imports that made the cell slow."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "faults"))
from _kernel import kernel, run

HEAVY = ["plotly.io", "plotly.graph_objs._figurewidget", "nbformat", "jsonschema", "sklearn"]
CHECK = f"import sys\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"


def test_the_first_search_cell_imports_nothing_heavy(tmp_path: Path) -> None:
    km, kc = kernel(tmp_path)
    try:
        printed = run(
            kc,
            "%%search first -n 3 --storage memory --algo random\nx = floatv(0, 1)\nx",
        )
        assert run(kc, CHECK).strip() == "[]", printed
        deadline = time.monotonic() + 60
        while "sklearn" not in run(kc, CHECK):  # the idle kernel imports it for Importance
            assert time.monotonic() < deadline, "scikit-learn was never imported while idle"
            time.sleep(0.5)
    finally:
        km.shutdown_kernel(now=True)
