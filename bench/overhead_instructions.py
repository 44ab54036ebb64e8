"""Per-trial overhead in *instructions*, ours against Optuna's ask/tell, under valgrind.

Wall-clock figures on a shared 2-core machine move by tens of percent from run to run (see
``bench/overhead.py``, which reports them with their spread). Instruction counts do not: this
script runs the same trivial objective as ``overhead.py`` (``x ** 2 + y ** 2`` over two floats,
RandomSampler, in-memory storage: the cell where Optuna's own cost is smallest, so the framework's
share is largest) under ``valgrind --tool=callgrind``, once with 0 trials and once with N, for the
peer loop and for our search with each executor. ``(I(N) - I(0)) / N`` is the per-trial cost,
start-up and imports cancelled out; the ratio ours/optuna is the overhead.

Run: ``python bench/overhead_instructions.py [--trials 400]`` (about 2-3 minutes; needs valgrind).
``--quick`` is a smoke test of the same runs, smaller: 50 trials, the peer and our inline
executor only (each valgrind run pays ~10 s of imports), two runs at a time (``--jobs``:
instruction counts do not depend on what else runs); about 20 s on 2 cores. Its figures include
the first trials' one-off costs: they are not the overhead.
Exit status 0 always; the last line gives the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROGRAM = """
import sys, optuna
sys.path.insert(0, {root!r})
import nas_notebook as nb
optuna.logging.set_verbosity(optuna.logging.WARNING)
side, n = sys.argv[1], int(sys.argv[2])
if side == "optuna":
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(n):
        t = study.ask()
        x = t.suggest_float("x", -10, 10)
        y = t.suggest_float("y", -10, 10)
        study.tell(t, x * x + y * y)
else:
    s = nb.Search("x = floatv(-10, 10)\\ny = floatv(-10, 10)\\nx ** 2 + y ** 2",
                  direction="minimize", n_trials=max(n, 1), algo="random", seed=0, executor=side)
    if n:
        s.start()
        s.wait()
"""


def instructions(script: Path, side: str, n: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={tmp}/cg.out",
                sys.executable,
                str(script),
                side,
                str(n),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
            check=True,
        )
    match = re.search(r"Collected : (\d+)", out.stderr)
    if match is None:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{out.stderr[-2000:]}")
    return int(match.group(1))


SIDES = ("optuna", "inline", "thread")
QUICK_SIDES = ("optuna", "inline")
DEFAULT_JSON = ROOT / "bench" / "results" / "overhead_instructions.json"
QUICK_TRIALS = 50


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--trials", type=int, default=None, help=f"trials per run (400; {QUICK_TRIALS} in --quick)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke mode: {QUICK_TRIALS} trials, optuna and inline, 2 runs at a time",
    )
    parser.add_argument(
        "--jobs", type=int, default=None, help="valgrind runs at a time (1; 2 in --quick)"
    )
    parser.add_argument(
        "--sides",
        nargs="+",
        choices=SIDES[1:],
        default=None,
        help="our executors to measure, besides the peer (inline thread; inline in --quick)",
    )
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    args = parser.parse_args(argv)
    ours = args.sides or (QUICK_SIDES[1:] if args.quick else SIDES[1:])
    sides = ["optuna", *(side for side in SIDES[1:] if side in ours)]
    args.trials = args.trials or (QUICK_TRIALS if args.quick else 400)
    args.jobs = args.jobs or (min(2, os.cpu_count() or 1) if args.quick else 1)
    if args.trials < 1 or args.jobs < 1:
        parser.error("--trials and --jobs must be positive")
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind); nothing measured")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "loop.py"
        script.write_text(PROGRAM.format(root=str(ROOT)))
        per_trial = {}
        # In order, ``jobs`` at a time: with one job, the runs and lines of a serial loop.
        pool = ThreadPoolExecutor(max_workers=args.jobs)
        try:
            counts = {
                (side, n): pool.submit(instructions, script, side, n)
                for side in sides
                for n in (0, args.trials)
            }
            for side in sides:
                base = counts[side, 0].result()
                full = counts[side, args.trials].result()
                per_trial[side] = (full - base) / args.trials
                print(f"{side:7s} {per_trial[side]:12,.0f} instructions/trial", flush=True)
        finally:
            pool.shutdown(cancel_futures=True)
    for side in SIDES:
        if side not in sides:
            print(f"{side:7s} not run (this run measures {', '.join(sides)}: see --sides)")
    ratios = {side: per_trial[side] / per_trial["optuna"] for side in sides[1:]}
    payload = {"trials": args.trials, "per_trial": per_trial, "ratios": ratios}
    if args.quick:
        payload["quick"] = True
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(payload, indent=2))
    print(
        "ours/optuna (random sampler, in-memory, instructions per trial): "
        + ", ".join(f"{side} {ratio:.3f}" for side, ratio in ratios.items())
        + "  (target <= 1.10)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
