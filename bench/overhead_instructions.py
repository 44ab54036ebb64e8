"""Per-trial overhead in *instructions*, ours against Optuna's ask/tell, under valgrind.

Wall-clock figures on a shared 2-core machine move by tens of percent from run to run (see
``bench/overhead.py``, which reports them with their spread). Instruction counts do not: this
script runs the same trivial objective as ``overhead.py`` (``x ** 2 + y ** 2`` over two floats,
RandomSampler, in-memory storage: the cell where Optuna's own cost is smallest, so the framework's
share is largest) under ``valgrind --tool=callgrind``, once with 0 trials and once with N, for the
peer loop and for our search with each executor. ``(I(N) - I(0)) / N`` is the per-trial cost,
start-up and imports cancelled out; the ratio ours/optuna is the overhead.

Run: ``python bench/overhead_instructions.py [--trials 400]`` (about 2-3 minutes; needs valgrind).
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=400)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind); nothing measured")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "loop.py"
        script.write_text(PROGRAM.format(root=str(ROOT)))
        per_trial = {}
        for side in ("optuna", "inline", "thread"):
            base = instructions(script, side, 0)
            full = instructions(script, side, args.trials)
            per_trial[side] = (full - base) / args.trials
            print(f"{side:7s} {per_trial[side]:12,.0f} instructions/trial", flush=True)
    ratios = {side: per_trial[side] / per_trial["optuna"] for side in ("inline", "thread")}
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    payload = {"trials": args.trials, "per_trial": per_trial, "ratios": ratios}
    (results / "overhead_instructions.json").write_text(json.dumps(payload, indent=2))
    print(
        "ours/optuna (random sampler, in-memory, instructions per trial): "
        + ", ".join(f"{side} {ratio:.3f}" for side, ratio in ratios.items())
        + "  (target <= 1.10)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
