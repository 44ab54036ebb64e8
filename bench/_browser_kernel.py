"""The first ``%%search`` of a fresh kernel, for ``bench/browser.py``.

Each kernel is started through jupyter_client (``start_new_kernel``, the ``python3`` kernel of
this Python) with this checkout first on ``PYTHONPATH``, in a folder of its own. Two cells are
timed from the execute request to its reply on the shell channel, as a notebook's "run cell"
waits for them: ``%load_ext nas_notebook``, then a small search,
``%%search demo -n 3 --storage memory --algo random``. The search runs on in the background
after its cell returned; ``demo.wait()`` (untimed) then checks that it ran its 3 trials before
the kernel is shut down. The kernel's start (to its first answer) is timed too.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any

from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parent.parent
SEARCH_CELL = "%%search demo -n 3 --storage memory --algo random\nx = floatv(0, 1)\nx"


def _execute(kc: Any, code: str, timeout: float) -> tuple[float, str]:
    """Run ``code``; the seconds from the request to its reply, and any error it raised."""
    begin = time.perf_counter()
    msg_id = kc.execute(code)
    deadline = time.monotonic() + timeout
    while True:
        reply = kc.get_shell_msg(timeout=max(deadline - time.monotonic(), 0.01))
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    elapsed = time.perf_counter() - begin
    error = ""
    if reply["content"].get("status") != "ok":
        error = f"{reply['content'].get('ename')}: {reply['content'].get('evalue')}"
    # Drain the outputs up to the kernel's return to idle.
    while time.monotonic() < deadline:
        message = kc.get_iopub_msg(timeout=max(deadline - time.monotonic(), 0.01))
        if (
            message["parent_header"].get("msg_id") == msg_id
            and message["msg_type"] == "status"
            and message["content"]["execution_state"] == "idle"
        ):
            break
    return elapsed, error


def one_kernel(folder: Path, timeout: float = 120) -> dict[str, Any]:
    """Start a kernel in ``folder``, time its first two cells, shut it down."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    begin = time.perf_counter()
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(folder), env=env)
    started = time.perf_counter() - begin
    try:
        load_s, load_error = _execute(kc, "%load_ext nas_notebook", timeout)
        search_s, search_error = _execute(kc, SEARCH_CELL, timeout)
        _, check_error = _execute(
            kc, "demo.wait()\nassert len(demo.trials) == 3, demo.trials", timeout
        )
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    errors = [e for e in (load_error, search_error, check_error) if e]
    return {
        "kernel_start_s": started,
        "load_ext_s": load_s,
        "search_cell_s": search_s,
        "errors": errors,
    }


def fresh_kernels(folder: Path, count: int, progress: Any = print) -> dict[str, Any]:
    """``count`` kernels one after the other: each run and the medians."""
    runs = []
    for i in range(count):
        run = one_kernel(folder / f"kernel-{i}")
        progress(
            f"  kernel {i + 1}/{count}: start {run['kernel_start_s']:.2f} s, load_ext "
            f"{run['load_ext_s']:.2f} s, first %%search {run['search_cell_s']:.3f} s"
            + (f"  ERRORS {run['errors']}" if run["errors"] else "")
        )
        runs.append(run)
    return {
        "kernels": count,
        "cell": SEARCH_CELL,
        "runs": runs,
        "median_kernel_start_s": statistics.median(r["kernel_start_s"] for r in runs),
        "median_load_ext_s": statistics.median(r["load_ext_s"] for r in runs),
        "median_search_cell_s": statistics.median(r["search_cell_s"] for r in runs),
        "errors": [e for r in runs for e in r["errors"]],
    }
