"""What a user waits for in the browser: our dashboard against optuna-dashboard, same study,
same Chromium, one run.

What is measured
----------------
Two studies written with plain Optuna into journal files (``_browser_studies``): 30 trials and
10,000 trials (``--quick``: 30 and 300), 4 parameters, a metric named ``accuracy``, 5
intermediate values per trial, ~8% pruned and ~4% failed, seeded. Every time is taken inside
the page with ``performance.now()``; a condition is checked once per animation frame in the page
(``requestAnimationFrame``), never by a round trip of the driver; long tasks (main-thread tasks
over 50 ms) come from a ``PerformanceObserver`` of type ``longtask`` installed before the page's
own scripts (see ``_browser_js``). A window of long tasks ends after 1 s of quiet: 1 s after the
drawing and after the end of the last long task.

1. **Ours**, in a real JupyterLab (the harness of the browser tests, ``tests/widgets/
   browser_lab.py``) on the system's Chromium: a notebook of two cells, ``%load_ext
   nas_notebook``, then what the studies panel writes for a study of ours:
   ``search = load_search(NAME, storage=URL)`` and ``search``, which shows its dashboard.

   a. *first paint*: from the command that runs the second cell to the History figure drawn,
      with every point of the figure (the figure at that frame is the one there 1 s later; its
      pruned and failed traces hold every pruned and failed trial). The kernel reads the journal
      in that cell. ``%load_ext`` (the package's import) is timed on its own before it; the
      studies panel's one cell costs both.
   b. *each tab, first view*: a click on the tab (from its ``pointerdown``) to its figure drawn
      (the Trials tab: its rows shown), and the long tasks from the click to quiet. History's
      first view is the first paint (from the cell's run).

2. **optuna-dashboard 0.21** (``python -m optuna_dashboard``, a subprocess on a free port, given
   the same journal file; it reads the file before it answers) in a fresh page of the same
   Chromium. Its study page holds the history, the intermediate values, the importances and the
   timeline: from navigation to each drawn (the history plot with every complete trial), long
   tasks from navigation to quiet after all of them. Then its side bar's links, as one clicks
   tabs: Analytics (slice; the contour, which over 100 trials waits for a click on "Load plot
   anyway", timed from that click), Smart Selection (parallel coordinates) and Trials (List):
   each from the click to drawn, long tasks from the click to quiet.

3. **The first ``%%search`` of a fresh kernel** (``_browser_kernel``): the median over 5 kernels
   (``--quick``: 2) started through jupyter_client of ``%load_ext nas_notebook`` and of a
   3-trial ``%%search demo -n 3 --storage memory --algo random`` cell, each from the execute
   request to its reply.

The harness runs Chromium headless with ``--disable-gpu``: WebGL (plotly's ``scattergl`` and
``parcoords`` traces, on both sides) is drawn in software on the CPU, dearer than on a machine
with a GPU.

Targets (the project's performance goals): the first cell under 1 s; each tab's first view
under 300 ms of long tasks at 10,000 trials; ours at least as fast as optuna-dashboard.

Output: a table per study size, ours against optuna-dashboard with their ratio (peer / ours: over
1 means we are faster), the fresh kernels, the targets. The full run writes every number and the
environment to ``bench/results/browser.json`` (``--json PATH`` elsewhere; ``--quick`` writes only
when given ``--json``). The exit status is 1 when a figure never drew or a page logged a console
error, 2 when the browser cannot run here (no chromium or playwright).

Usage::

    python bench/browser.py            # 30 and 10,000 trials, 5 kernels: a few minutes
    python bench/browser.py --quick    # 30 and 300 trials, 2 kernels: about a minute
    python bench/browser.py --shots /tmp/shots   # also a screenshot of each view
    python bench/browser.py --trace /tmp/traces  # and a Chromium trace of each page

Run it with the project's virtualenv (``.venv/bin/python bench/browser.py``), from anywhere.
Everything it writes but the JSON goes to a temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench", ROOT / "tests" / "widgets"):
    # tests/widgets holds browser_lab, the JupyterLab + Chromium harness the browser tests use.
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from _browser_kernel import fresh_kernels  # noqa: E402
from _browser_measure import TABS, measure_ours  # noqa: E402
from _browser_peer import measure_peer  # noqa: E402
from _browser_report import summary, tables, targets  # noqa: E402
from _browser_studies import write_study  # noqa: E402
from _environment import environment  # noqa: E402

DEFAULT_JSON = ROOT / "bench" / "results" / "browser.json"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Our dashboard against optuna-dashboard in the same Chromium."
    )
    parser.add_argument("--quick", action="store_true", help="30 and 300 trials, 2 kernels")
    parser.add_argument("--sizes", type=int, nargs="+", default=None, help="study sizes")
    parser.add_argument("--kernels", type=int, default=None, help="fresh kernels (5)")
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        help=f"results file (default {DEFAULT_JSON.relative_to(ROOT)}; --quick: none)",
    )
    parser.add_argument("--shots", type=Path, default=None, help="save screenshots here")
    parser.add_argument(
        "--trace",
        type=Path,
        default=None,
        help="write a Chromium trace of each page here (slows it: not for the figures)",
    )
    parser.add_argument("--no-peer", action="store_true", help="leave optuna-dashboard out")
    parser.add_argument(
        "--timeout", type=float, default=None, help="seconds a figure may take (60; full 300)"
    )
    args = parser.parse_args(argv)
    args.sizes = args.sizes or ([30, 300] if args.quick else [30, 10_000])
    args.kernels = args.kernels or (2 if args.quick else 5)
    args.timeout = args.timeout or (60.0 if args.quick else 300.0)
    if args.json is None and not args.quick:
        args.json = DEFAULT_JSON
    return args


def _peer_available() -> str:
    """Why optuna-dashboard cannot be run ("" when it can)."""
    try:
        import optuna_dashboard
    except ImportError as exc:
        return f"optuna-dashboard is not installed ({exc}); pip install optuna-dashboard==0.21.0"
    return "" if optuna_dashboard.__version__ else "optuna-dashboard has no version"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from browser_lab import CHROMIUM_ARGS, chromium_browser, start_lab

    started = time.monotonic()
    env = environment(**_versions())
    print(
        f"nas_notebook {env['nas_notebook']} vs optuna-dashboard {env['optuna_dashboard']} -- "
        f"JupyterLab {env['jupyterlab']}, Python "
        f"{env['python']}, {env['cpu_count']} CPUs",
        flush=True,
    )
    peer_missing = "" if not args.no_peer else "left out (--no-peer)"
    peer_missing = peer_missing or _peer_available()
    if peer_missing:
        print(f"optuna-dashboard: {peer_missing}")
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    base = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    results: dict[str, Any] = {"sizes": []}
    try:
        studies = []
        for n in args.sizes:
            study = write_study(base, n)
            studies.append(study)
            print(
                f"study of {n:,} trials: {study.complete} complete, {study.pruned} pruned, "
                f"{study.failed} failed (written in {study.write_s:.1f} s)",
                flush=True,
            )
        print(f"fresh kernels ({args.kernels}):", flush=True)
        kernels = fresh_kernels(base / "kernels", args.kernels, lambda s: print(s, flush=True))
        try:
            browser_cm = chromium_browser()
            browser = browser_cm.__enter__()
        except BaseException as exc:  # pytest's skip outside CI: no chromium or playwright
            if isinstance(exc, KeyboardInterrupt):
                raise
            print(f"cannot run the browser here: {exc}")
            return 2
        try:
            env["chromium"] = browser.version
            env["chromium_args"] = CHROMIUM_ARGS
            print(f"Chromium {browser.version} ({' '.join(CHROMIUM_ARGS)})", flush=True)
            ours: dict[int, dict[str, Any]] = {}
            with start_lab(base / "lab") as lab:
                for study in studies:
                    print(f"ours at {study.n:,} trials ...", flush=True)
                    trace = args.trace / f"ours-{study.n}.json" if args.trace else None
                    ours[study.n] = measure_ours(
                        browser, lab, study, args.timeout, args.shots, trace
                    )
            peers: dict[int, dict[str, Any] | None] = {}
            for study in studies:
                if peer_missing:
                    peers[study.n] = None
                    continue
                print(f"optuna-dashboard at {study.n:,} trials ...", flush=True)
                log = base / f"optuna-dashboard-{study.n}.log"
                trace = args.trace / f"optuna-dashboard-{study.n}.json" if args.trace else None
                peers[study.n] = measure_peer(browser, study, args.timeout, log, args.shots, trace)
        finally:
            browser_cm.__exit__(None, None, None)
        for study in studies:
            results["sizes"].append(
                {
                    "n": study.n,
                    "complete": study.complete,
                    "pruned": study.pruned,
                    "failed": study.failed,
                    "ours": ours[study.n],
                    "optuna_dashboard": peers[study.n],
                }
            )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    took = time.monotonic() - started

    print()
    print(tables(results["sizes"], kernels, TABS))
    checked = targets(results["sizes"], kernels, TABS)
    print()
    for line in checked["lines"]:
        print(line)
    errors = [
        e
        for size in results["sizes"]
        for side in (size["ours"], size["optuna_dashboard"])
        if side
        for e in side["errors"] + [f"console: {m}" for m in side["console_errors"]]
    ] + [f"kernel: {e}" for e in kernels["errors"]]
    for error in errors:
        print(f"error: {error}")
    results.update(
        benchmark="browser",
        config={
            "quick": args.quick,
            "sizes": args.sizes,
            "kernels": args.kernels,
            "timeout_s": args.timeout,
            "peer": peer_missing or "optuna-dashboard",
            "tabs": TABS,
        },
        environment=env,
        seconds=round(took, 1),
        kernels=kernels,
        targets=checked["targets"],
        errors=errors,
    )
    if args.json:
        try:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(results, indent=2) + "\n")
            print(f"results: {args.json}")
        except OSError as exc:  # a benchmark reports; it does not fail on a read-only tree
            print(f"could not write {args.json}: {exc}")
    print(f"took {took:.0f} s")
    print(summary(results["sizes"], kernels))
    return 1 if errors else 0


def _versions() -> dict[str, Any]:
    import jupyterlab

    found: dict[str, Any] = {"jupyterlab": jupyterlab.__version__}
    try:
        import optuna_dashboard

        found["optuna_dashboard"] = optuna_dashboard.__version__
    except ImportError:
        found["optuna_dashboard"] = None
    return found


if __name__ == "__main__":
    sys.exit(main())
