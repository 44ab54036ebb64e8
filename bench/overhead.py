"""Per-trial framework overhead of nas_notebook's search loop, against Optuna's own ask/tell loop.

What is measured
----------------
The same trivial objective (``x ** 2 + y ** 2`` over two ``floatv(-10, 10)``) is optimized twice
with the same sampler class and seed, on the same kind of storage:

* **optuna** (the peer)::

      study = optuna.create_study(sampler=Sampler(seed=0), storage=..., direction="minimize")
      for _ in range(n):
          t = study.ask()
          x = t.suggest_float("x", -10, 10)
          y = t.suggest_float("y", -10, 10)
          study.tell(t, x ** 2 + y ** 2)

* **ours**: ``nb.Search(body, user_ns={"floatv": nb.floatv}, n_trials=n, algo=..., seed=0,
  executor=..., storage=...)`` then ``s.start(); s.wait()``.

The clock runs from just before the loop (peer) / ``start()`` (ours) to just after the last
``tell`` (peer) / ``wait()`` (ours). Creating the study (and, for ours, compiling and checking the
body) is outside the clock in both. The time divided by ``n`` is the per-trial cost; ours/optuna is
the overhead ratio, reported against the target **<= 1.10**.

Matrix: sampler {random, tpe} x storage {memory, journal} x our executor {thread, inline}. The
journal storage is a fresh ``JournalFileBackend`` file per run, in a temporary folder. TPE's own
per-trial cost grows with the number of trials, so it runs fewer of them by default.

For each (sampler, storage) pair the runs alternate -- peer, ours/thread, ours/inline, with the
order rotated on each repeat so drift (thermal, other processes) spreads over all sides -- and
each side's median over the repeats is reported. The ratio of both executors' rows shares the
peer's median. A garbage collection runs before every timed run. Each of our runs is checked
against its peer: every trial COMPLETE, and the same best value (same sampler, same seed, same
parameter names -> the same trials), so a fast-but-wrong loop cannot look cheap.

Results go to stdout as a table and to ``bench/results/overhead.json``. The exit status is always
0: a benchmark reports, it does not assert. The last line names the worst ratio.

How to run
----------
::

    python bench/overhead.py                      # full run (~40 s on a 2-core machine)
    python bench/overhead.py --quick              # ~50 trials, 1 repeat: a smoke test
    python bench/overhead.py --trials-random 2000 --trials-tpe 500 --repeats 5
    python bench/overhead.py --samplers random --storages memory
    python bench/overhead.py --profile            # cProfile one of our runs (random/memory/thread)
    python bench/overhead.py --profile tpe:journal:inline

Run it from the repository root (or anywhere: the script puts the repository on ``sys.path``),
with the project's virtualenv (``.venv/bin/python bench/overhead.py``).
``--profile`` runs no benchmark: it runs one of our searches under cProfile (on the lane thread
for the thread executor) and prints the 25 nas_notebook functions with the largest cumulative
time, with their cost in microseconds per trial (cProfile's own overhead inflates these; use them
to rank, and the benchmark's numbers for absolute costs).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import shutil
import statistics
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import optuna  # noqa: E402
from _environment import environment as shared_environment  # noqa: E402
from optuna.storages import BaseStorage, InMemoryStorage  # noqa: E402
from optuna.storages.journal import JournalFileBackend, JournalStorage  # noqa: E402
from optuna.trial import TrialState  # noqa: E402

import nas_notebook as nb  # noqa: E402
from nas_notebook.executors import JobFeed, ThreadExecutor  # noqa: E402

TARGET = 1.10
SEED = 0
BODY = "x = floatv(-10, 10)\ny = floatv(-10, 10)\nx ** 2 + y ** 2"
SAMPLERS: dict[str, Callable[[], optuna.samplers.BaseSampler]] = {
    "random": lambda: optuna.samplers.RandomSampler(seed=SEED),
    "tpe": lambda: optuna.samplers.TPESampler(seed=SEED),
}
STORAGES = ("memory", "journal")
EXECUTORS = ("thread", "inline")
PEER = "optuna"
DEFAULT_JSON = ROOT / "bench" / "results" / "overhead.json"


# -- storages ---------------------------------------------------------------------------------


class Storages:
    """Hands out a fresh storage per run: in-memory, or a new journal file in a temp folder."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="nas-notebook-bench-"))
        self._count = 0

    def _path(self) -> Path:
        self._count += 1
        return self.folder / f"run-{self._count}.journal"

    def peer(self, kind: str) -> tuple[BaseStorage, Path | None]:
        if kind == "memory":
            return InMemoryStorage(), None
        path = self._path()
        return JournalStorage(JournalFileBackend(str(path))), path

    def ours(self, kind: str) -> tuple[str | None, Path | None]:
        if kind == "memory":
            return None, None
        path = self._path()
        return f"journal:{path}", path

    @staticmethod
    def discard(path: Path | None) -> None:
        if path is None:
            return
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


# -- one timed run of each side ---------------------------------------------------------------


@dataclass
class Run:
    """One timed loop: its wall time, and what it produced (to check both sides agree)."""

    elapsed_ns: int
    complete: int
    best_value: float | None


def run_peer(sampler: str, storage_kind: str, n: int, storages: Storages) -> Run:
    storage, path = storages.peer(storage_kind)
    try:
        study = optuna.create_study(
            sampler=SAMPLERS[sampler](), storage=storage, direction="minimize"
        )
        gc.collect()
        start = time.perf_counter_ns()
        for _ in range(n):
            t = study.ask()
            x = t.suggest_float("x", -10, 10)
            y = t.suggest_float("y", -10, 10)
            study.tell(t, x**2 + y**2)
        elapsed = time.perf_counter_ns() - start
        complete = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
        return Run(elapsed, complete, study.best_value if complete else None)
    finally:
        storages.discard(path)


def make_search(
    sampler: str, url: str | None, n: int, executor: str | nb.executors.Executor
) -> nb.Search:
    return nb.Search(
        BODY,
        user_ns={"floatv": nb.floatv},
        direction="minimize",
        n_trials=n,
        algo=sampler,
        seed=SEED,
        executor=executor,
        storage=url,
    )


def run_ours(sampler: str, storage_kind: str, executor: str, n: int, storages: Storages) -> Run:
    url, path = storages.ours(storage_kind)
    try:
        search = make_search(sampler, url, n, executor)
        gc.collect()
        start = time.perf_counter_ns()
        search.start()
        search.wait()
        elapsed = time.perf_counter_ns() - start
        progress = search.progress()  # read from the storage, after the clock
        return Run(elapsed, progress.complete, progress.best_value)
    finally:
        storages.discard(path)


# -- the matrix ---------------------------------------------------------------------------------


@dataclass
class Cell:
    """One row of the report: ours with one executor against the peer, same sampler and storage."""

    sampler: str
    storage: str
    executor: str
    trials: int
    optuna_us: list[float] = field(default_factory=list)
    ours_us: list[float] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    @property
    def optuna_median_us(self) -> float:
        return statistics.median(self.optuna_us)

    @property
    def ours_median_us(self) -> float:
        return statistics.median(self.ours_us)

    @property
    def overhead_us(self) -> float:
        return self.ours_median_us - self.optuna_median_us

    @property
    def ratio(self) -> float:
        return self.ours_median_us / self.optuna_median_us

    @property
    def min_ratio(self) -> float:
        """Ratio of the two sides' fastest runs: steadier than the medians on a busy machine."""
        return min(self.ours_us) / min(self.optuna_us)

    @property
    def passed(self) -> bool:
        return self.ratio <= TARGET

    @property
    def spread(self) -> float:
        """The larger relative spread (max - min) / median of the two sides' samples."""
        return max((max(v) - min(v)) / statistics.median(v) for v in (self.optuna_us, self.ours_us))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            optuna_median_us=self.optuna_median_us,
            ours_median_us=self.ours_median_us,
            overhead_us=self.overhead_us,
            ratio=self.ratio,
            min_ratio=self.min_ratio,
            spread=self.spread,
            target=TARGET,
            passed=self.passed,
            same_results=not self.checks,
        )
        return data


def check(peer: Run, ours: Run, n: int) -> str | None:
    if ours.complete != n:
        return f"ours completed {ours.complete}/{n} trials"
    if peer.complete != n:
        return f"optuna completed {peer.complete}/{n} trials"
    if ours.best_value != peer.best_value:
        return f"best value differs: ours {ours.best_value!r}, optuna {peer.best_value!r}"
    return None


def warm_up(samplers: list[str], storages_kinds: list[str], executors: list[str]) -> None:
    """Import lazily-loaded modules and fill caches on both sides before anything is timed."""
    storages = Storages()
    try:
        for sampler in samplers:
            for kind in storages_kinds:
                run_peer(sampler, kind, 15, storages)
                for executor in executors:
                    run_ours(sampler, kind, executor, 15, storages)
    finally:
        storages.close()


def measure(
    samplers: list[str],
    storage_kinds: list[str],
    executors: list[str],
    trials: dict[str, int],
    repeats: int,
    progress: Callable[[str], None],
) -> list[Cell]:
    cells: list[Cell] = []
    storages = Storages()
    try:
        for sampler in samplers:
            n = trials[sampler]
            for kind in storage_kinds:
                group = {e: Cell(sampler, kind, e, n) for e in executors}
                sides = [PEER, *executors]
                for rep in range(repeats):
                    order = sides[rep % len(sides) :] + sides[: rep % len(sides)]
                    runs: dict[str, Run] = {}
                    for side in order:
                        if side == PEER:
                            runs[side] = run_peer(sampler, kind, n, storages)
                        else:
                            runs[side] = run_ours(sampler, kind, side, n, storages)
                    peer_us = runs[PEER].elapsed_ns / n / 1e3
                    for executor, cell in group.items():
                        cell.optuna_us.append(peer_us)
                        cell.ours_us.append(runs[executor].elapsed_ns / n / 1e3)
                        problem = check(runs[PEER], runs[executor], n)
                        if problem and problem not in cell.checks:
                            cell.checks.append(problem)
                    shown = "  ".join(
                        f"{side} {runs[side].elapsed_ns / n / 1e3:8.1f}" for side in sides
                    )
                    progress(f"  {sampler:6} {kind:7} repeat {rep + 1}/{repeats}: {shown} us/trial")
                cells.extend(group.values())
    finally:
        storages.close()
    return cells


# -- reporting --------------------------------------------------------------------------------


def table(cells: list[Cell]) -> str:
    header = (
        f"{'sampler':7} {'storage':8} {'executor':8} {'trials':>6} "
        f"{'optuna us/trial':>15} {'ours us/trial':>13} {'+us/trial':>9} {'ratio':>6} "
        f"{'min-r':>6} {'spread':>6}  vs {TARGET:.2f}"
    )
    lines = [header, "-" * len(header)]
    for c in cells:
        verdict = "PASS" if c.passed else "FAIL"
        if c.checks:
            verdict += " (results differ!)"
        lines.append(
            f"{c.sampler:7} {c.storage:8} {c.executor:8} {c.trials:>6} "
            f"{c.optuna_median_us:>15.1f} {c.ours_median_us:>13.1f} {c.overhead_us:>+9.1f} "
            f"{c.ratio:>6.3f} {c.min_ratio:>6.3f} {c.spread:>6.0%}  {verdict}"
        )
    return "\n".join(lines)


def environment() -> dict[str, Any]:
    return shared_environment()


def summary(cells: list[Cell]) -> str:
    worst = max(cells, key=lambda c: c.ratio)
    passed = sum(c.passed for c in cells)
    verdict = "PASS" if worst.passed else "FAIL"
    return (
        f"worst ratio ours/optuna: {worst.ratio:.3f} ({worst.sampler}/{worst.storage}/"
        f"{worst.executor}, {worst.overhead_us:+.1f} us/trial) -- {verdict} vs target "
        f"{TARGET:.2f}; {passed}/{len(cells)} cells pass"
    )


# -- profiling --------------------------------------------------------------------------------


class _ProfiledFeed:
    """A job feed that turns ``profiler`` on in each lane thread from its first ``next_job`` until
    the lane gets no more work (cProfile profiles the thread that enabled it); everything else
    goes to the search's own feed."""

    def __init__(self, feed: JobFeed, profiler: cProfile.Profile) -> None:
        self._feed = feed
        self._profiler = profiler
        self._local = threading.local()

    def _enable(self) -> None:
        if not getattr(self._local, "on", False):
            self._local.on = True
            self._profiler.enable()

    def _disable(self) -> None:
        if getattr(self._local, "on", False):
            self._local.on = False
            self._profiler.disable()

    def next_job(self) -> Any:
        self._enable()
        job = self._feed.next_job()
        if job is None:
            self._disable()
        return job

    def job_done(self, job: Any, outcome: Any) -> None:
        self._feed.job_done(job, outcome)

    def fatal(self, error: BaseException) -> None:
        self._disable()
        self._feed.fatal(error)

    def __getattr__(self, name: str) -> Any:  # the rest of the feed's contract
        return getattr(self._feed, name)


class _ProfiledThreadExecutor(ThreadExecutor):
    """The thread executor with cProfile enabled on its lane thread, through the public
    :meth:`~nas_notebook.executors.Executor.start`: its lanes pull from a profiling feed."""

    def __init__(self, profiler: cProfile.Profile, workers: int = 1) -> None:
        super().__init__(workers)
        self.profiler = profiler

    def start(self, feed: JobFeed) -> None:
        super().start(_ProfiledFeed(feed, self.profiler))  # type: ignore[arg-type]


def profile(spec: str, trials: dict[str, int], top: int = 25) -> None:
    try:
        sampler, kind, executor = spec.split(":")
        assert sampler in SAMPLERS and kind in STORAGES and executor in EXECUTORS
    except (ValueError, AssertionError):
        raise SystemExit(
            f"--profile: expected SAMPLER:STORAGE:EXECUTOR with SAMPLER in {list(SAMPLERS)}, "
            f"STORAGE in {list(STORAGES)}, EXECUTOR in {list(EXECUTORS)}; got {spec!r}"
        ) from None
    n = trials[sampler]
    warm_up([sampler], [kind], [executor])
    storages = Storages()
    profiler = cProfile.Profile()
    try:
        url, path = storages.ours(kind)
        runner: str | ThreadExecutor = (
            _ProfiledThreadExecutor(profiler) if executor == "thread" else executor
        )
        search = make_search(sampler, url, n, runner)
        gc.collect()
        start = time.perf_counter_ns()
        if executor == "inline":
            profiler.enable()
        try:
            search.start()
            search.wait()
        finally:
            if executor == "inline":
                profiler.disable()
        elapsed = time.perf_counter_ns() - start
        storages.discard(path)
    finally:
        storages.close()

    stats = pstats.Stats(profiler)
    rows = []
    for (filename, lineno, func), (_cc, ncalls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        parts = Path(filename).parts
        if "nas_notebook" not in parts:
            continue
        rel = "/".join(parts[parts.index("nas_notebook") :])
        rows.append((cumtime, tottime, ncalls, f"{rel}:{lineno}({func})"))
    rows.sort(reverse=True)
    print(
        f"cProfile of ours: {sampler}/{kind}/{executor}, {n} trials, "
        f"{elapsed / n / 1e3:.1f} us/trial under the profiler"
    )
    print(f"top {top} nas_notebook functions by cumulative time (per-trial figures = total / {n}):")
    print(f"{'calls/trial':>11} {'tottime us/trial':>16} {'cumtime us/trial':>16}  function")
    for cumtime, tottime, ncalls, where in rows[:top]:
        print(f"{ncalls / n:>11.2f} {tottime / n * 1e6:>16.2f} {cumtime / n * 1e6:>16.2f}  {where}")
    own = sum(row[1] for row in rows)
    print(
        f"nas_notebook's own code (sum of tottime): {own / n * 1e6:.1f} us/trial under cProfile, "
        "which inflates every call: rank by these, take absolute costs from the benchmark."
    )


# -- main ---------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Per-trial overhead of nas_notebook's search loop vs Optuna's ask/tell loop.",
    )
    parser.add_argument(
        "--trials-random", type=int, default=None, help="trials per random run (1000)"
    )
    parser.add_argument("--trials-tpe", type=int, default=None, help="trials per TPE run (300)")
    parser.add_argument("--repeats", type=int, default=None, help="runs per side and cell (3)")
    parser.add_argument(
        "--quick", action="store_true", help="smoke mode: 50 trials per run, 1 repeat"
    )
    parser.add_argument("--samplers", nargs="+", choices=list(SAMPLERS), default=list(SAMPLERS))
    parser.add_argument("--storages", nargs="+", choices=STORAGES, default=list(STORAGES))
    parser.add_argument("--executors", nargs="+", choices=EXECUTORS, default=list(EXECUTORS))
    parser.add_argument(
        "--json",
        type=Path,
        default=DEFAULT_JSON,
        help=f"results file ({DEFAULT_JSON.relative_to(ROOT)})",
    )
    parser.add_argument(
        "--profile",
        nargs="?",
        const="random:memory:thread",
        default=None,
        metavar="SAMPLER:STORAGE:EXECUTOR",
        help="instead of the benchmark, cProfile one of our runs (default random:memory:thread) "
        "and print the top 25 nas_notebook functions by cumulative time",
    )
    args = parser.parse_args(argv)
    quick_trials = 50
    args.trials = {
        "random": args.trials_random or (quick_trials if args.quick else 1000),
        "tpe": args.trials_tpe or (quick_trials if args.quick else 300),
    }
    args.repeats = args.repeats or (1 if args.quick else 3)
    for name, value in [*args.trials.items(), ("repeats", args.repeats)]:
        if value < 1:
            parser.error(f"{name}: must be a positive integer, got {value}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)

    if args.profile:
        profile(args.profile, args.trials)
        return 0

    env = environment()
    print(
        f"nas_notebook {env['nas_notebook']} vs optuna {env['optuna']} -- Python {env['python']}, "
        f"{env['cpu_count']} CPUs, {env['platform']}"
    )
    print(
        f"trials per run: {', '.join(f'{s} {args.trials[s]}' for s in args.samplers)}; "
        f"repeats: {args.repeats}; objective: x**2 + y**2 over two floats; seed {SEED}"
    )
    started = time.monotonic()
    warm_up(args.samplers, args.storages, args.executors)
    cells = measure(
        args.samplers,
        args.storages,
        args.executors,
        args.trials,
        args.repeats,
        progress=lambda line: print(line, flush=True),
    )
    took = time.monotonic() - started

    print()
    print(table(cells))
    for c in cells:
        for problem in c.checks:
            print(f"warning: {c.sampler}/{c.storage}/{c.executor}: {problem}")
    print(
        "\nus/trial: median over repeats of (loop wall time / trials); +us/trial = ours - optuna; "
        "ratio = ours / optuna (medians; PASS/FAIL uses it); min-r = ratio of the fastest runs;\n"
        "spread = largest (max-min)/median of either side (high spread: rerun with more --repeats)."
    )

    result = {
        "benchmark": "overhead",
        "target_ratio": TARGET,
        "config": {
            "trials": {s: args.trials[s] for s in args.samplers},
            "repeats": args.repeats,
            "quick": args.quick,
            "samplers": args.samplers,
            "storages": args.storages,
            "executors": args.executors,
            "seed": SEED,
            "body": BODY,
        },
        "environment": env,
        "seconds": round(took, 1),
        "cells": [c.to_json() for c in cells],
    }
    worst = max(cells, key=lambda c: c.ratio)
    result["worst"] = {
        "sampler": worst.sampler,
        "storage": worst.storage,
        "executor": worst.executor,
        "ratio": worst.ratio,
        "passed": worst.passed,
    }
    try:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
        print(f"results: {args.json}")
    except OSError as exc:  # a benchmark reports; it does not fail on a read-only tree
        print(f"could not write {args.json}: {exc}")
    print(f"took {took:.0f} s")
    print(summary(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
