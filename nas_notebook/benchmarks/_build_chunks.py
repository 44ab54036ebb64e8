"""The benchmark's build on disk: chunks of trained cells (resumable, shardable), merged into the
table; and the check of isomorphic cells against their class's representative."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._build_training import DEFAULT_PROTOCOL, load_digits_split, train_cells
from ._nas201 import N_CELLS, canonical_key, cell_ops, flops, isomorphism_classes, param_count
from ._table import write_table

__all__ = ["Chunk", "build", "check_isomorphs", "chunks_of", "merge", "pack", "read_chunks"]


def _cell_list(protocol: dict[str, Any]) -> list[int]:
    if protocol["cells"] == "all":
        return list(range(N_CELLS))
    return sorted(members[0] for members in isomorphism_classes().values())


#: A chunk file: its path, its metadata (protocol, seed) and its arrays.
Chunk = tuple[Path, dict[str, Any], dict[str, np.ndarray]]


def read_chunks(out: Path) -> Iterable[Chunk]:
    for path in sorted([*out.glob("s*_c*_n*.npz"), *out.glob("ps*_c*_n*.npz")]):
        if path.name.endswith(".tmp.npz"):
            continue
        with np.load(path) as z:
            arrays = {name: z[name] for name in z.files}
        meta = json.loads(str(arrays.pop("meta")))
        yield path, meta, arrays


def chunks_of(out: str | os.PathLike[str]) -> tuple[list[Chunk], dict[str, Any]]:
    """The chunks of a build and the protocol they share.

    Raises:
        ValueError: No chunks, or chunks of different protocols.
    """
    chunks = list(read_chunks(Path(out)))
    if not chunks:
        raise ValueError(f"no chunks in {out}")
    protocol = chunks[0][1]["protocol"]
    if any(meta["protocol"] != protocol for _, meta, _ in chunks):
        raise ValueError("the chunks were built with different protocols")
    return chunks, protocol


def build(
    out: str | os.PathLike[str],
    *,
    seeds: Sequence[int] = (0, 1),
    batch: int = 16,
    limit: int | None = None,
    protocol: dict[str, Any] | None = None,
    shard: tuple[int, int] = (0, 1),
    log: Any = None,
) -> int:
    """Train every (seed, cell) of the protocol's cell list (its first ``limit`` cells) that no
    chunk in ``out`` holds yet, ``batch`` cells at a time; returns how many cells it trained.

    ``shard=(i, n)`` keeps the blocks of ``batch`` consecutive cells whose number is ``i``
    modulo ``n``, so that ``n`` processes can share the build (one per core)."""
    protocol = {**DEFAULT_PROTOCOL, **(protocol or {})}
    directory = Path(out)
    directory.mkdir(parents=True, exist_ok=True)
    done: set[tuple[int, int]] = set()
    for path, meta, arrays in read_chunks(directory):
        if meta["protocol"] != protocol:
            raise ValueError(f"{path} was built with another protocol: {meta['protocol']}")
        done.update((meta["seed"], int(c)) for c in arrays["cells"])
    cells = _cell_list(protocol)[:limit]
    part, parts = shard
    cells = [c for n, c in enumerate(cells) if (n // batch) % parts == part]
    data = load_digits_split()
    trained = 0
    for seed in seeds:
        todo = [c for c in cells if (seed, c) not in done]
        for first in range(0, len(todo), batch):
            group = todo[first : first + batch]
            start = time.perf_counter()
            arrays = train_cells(group, seed, data, protocol)
            meta = {"protocol": protocol, "seed": seed}
            name = f"s{seed}_c{group[0]:05d}_n{len(group)}"
            tmp = directory / f"{name}.tmp.npz"
            np.savez(tmp, meta=np.array(json.dumps(meta)), **arrays)  # type: ignore[arg-type]
            os.replace(tmp, directory / f"{name}.npz")
            trained += len(group)
            if log is not None:
                elapsed = time.perf_counter() - start
                print(
                    f"seed {seed}: cells {group[0]}..{group[-1]} ({len(group)}) in "
                    f"{elapsed:.1f} s, {3600 * len(group) / elapsed:.0f} cells/h; "
                    f"mean valid acc {arrays['valid_acc'][:, -1].mean():.3f}",
                    file=log,
                    flush=True,
                )
    return trained


def pack(out: str | os.PathLike[str]) -> list[Path]:
    """Fold the chunks of ``out`` written since the last pack into one file per seed (curves as
    float16, which keeps a validation accuracy to within 0.0005, a sixth of one of the 359
    validation images); returns the files written.

    A packed file is never rewritten: each pack adds files and removes the chunks it folded, so
    a build kept under version control grows by its new results only, and :func:`build`
    resumes from packed and unpacked chunks alike."""
    directory = Path(out)
    fresh: dict[int, list[tuple[Path, dict[str, Any], dict[str, np.ndarray]]]] = {}
    for path, meta, arrays in read_chunks(directory):
        if not path.name.startswith("p"):
            fresh.setdefault(meta["seed"], []).append((path, meta, arrays))
    written = []
    for seed, chunks in sorted(fresh.items()):
        names = chunks[0][2].keys()
        arrays = {name: np.concatenate([c[2][name] for c in chunks]) for name in names}
        for name, values in arrays.items():
            if values.dtype == np.float32:
                arrays[name] = values.astype(np.float16)
        first = int(arrays["cells"].min())
        stamp = time.strftime("%Y%m%d%H%M%S")
        target = directory / f"ps{seed}_c{first:05d}_n{len(arrays['cells'])}_{stamp}.npz"
        tmp = target.with_suffix(".tmp.npz")
        meta = chunks[0][1]
        np.savez_compressed(tmp, meta=np.array(json.dumps(meta)), **arrays)  # type: ignore[arg-type]
        os.replace(tmp, target)
        for path, _, _ in chunks:
            path.unlink()
        written.append(target)
    return written


def merge(
    out: str | os.PathLike[str],
    table: str | os.PathLike[str],
    seeds: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Assemble the chunks in ``out`` into the compressed table file ``table``; returns its
    metadata. Entries never trained are NaN (``trained_as`` -1); with representative-only
    training, each class member gets its representative's results.

    ``seeds`` picks the seeds; by default, those with as many trained cells as the most complete
    one (so a seed still being built is left out rather than half NaN)."""
    chunks, protocol = chunks_of(out)
    counts: dict[int, int] = {}
    for _, meta, chunk in chunks:
        counts[meta["seed"]] = counts.get(meta["seed"], 0) + len(chunk["cells"])
    if seeds is None:
        seeds = sorted(seed for seed, n in counts.items() if n == max(counts.values()))
    else:
        missing = sorted(set(seeds) - set(counts))
        if missing:
            raise ValueError(f"seeds: no chunks for seeds {missing} (built: {sorted(counts)})")
        seeds = sorted(seeds)
    chunks = [chunk for chunk in chunks if chunk[1]["seed"] in seeds]
    epochs, channels = protocol["epochs"], protocol["channels"]
    shape = (N_CELLS, len(seeds), epochs)
    curves = {
        name: np.full(shape, np.nan, np.float32)
        for name in ("train_loss", "train_acc", "valid_loss", "valid_acc", "epoch_time")
    }
    finals = {name: np.full(shape[:2], np.nan, np.float32) for name in ("test_loss", "test_acc")}
    trained_as = np.full(shape[:2], -1, np.int32)
    for _, meta, chunk in chunks:
        s = seeds.index(meta["seed"])
        rows = chunk["cells"]
        for name in curves:
            curves[name][rows, s] = chunk[name]
        for name in finals:
            finals[name][rows, s] = chunk[name]
        trained_as[rows, s] = rows
    if protocol["cells"] != "all":
        for members in isomorphism_classes().values():
            rep, rest = members[0], list(members[1:])
            for name in curves:
                curves[name][rest] = curves[name][rep]
            for name in finals:
                finals[name][rest] = finals[name][rep]
            trained_as[rest] = trained_as[rep]
    ops = [cell_ops(c) for c in range(N_CELLS)]
    arrays: dict[str, np.ndarray] = {
        "train_loss": curves["train_loss"].astype(np.float16),
        "train_acc": curves["train_acc"].astype(np.float16),
        "valid_loss": curves["valid_loss"].astype(np.float16),
        "valid_acc": curves["valid_acc"].astype(np.float16),
        "test_loss": finals["test_loss"].astype(np.float16),
        "test_acc": finals["test_acc"].astype(np.float16),
        "epoch_time": curves["epoch_time"],
        "time": np.cumsum(curves["epoch_time"], axis=2, dtype=np.float32),
        "trained_as": trained_as,
        "params": np.array([param_count(o, channels) for o in ops], np.int64),
        "flops": np.array([flops(o, channels) for o in ops], np.int64),
    }
    return write_table(table, arrays, {"protocol": protocol, "seeds": seeds})


def _trained(out: Path, seed: int) -> dict[int, dict[str, Any]]:
    """cell -> its final results in the chunks of ``out`` for ``seed``."""
    found: dict[int, dict[str, Any]] = {}
    for _, meta, chunk in read_chunks(out):
        if meta["seed"] != seed:
            continue
        for row, cell in enumerate(chunk["cells"].tolist()):
            found[cell] = {
                "valid_acc": float(chunk["valid_acc"][row, -1]),
                "test_acc": float(chunk["test_acc"][row]),
                "protocol": meta["protocol"],
            }
    return found


def check_isomorphs(
    out: str | os.PathLike[str], n: int, seed: int = 0, batch: int = 16, log: Any = None
) -> dict[str, Any]:
    """Train ``n`` cells that are *not* their class's representative (one per class, from
    classes whose representative ``out`` holds for ``seed``) under the same protocol, and
    compare their final validation and test accuracies with their representatives'.

    An isomorph computes the same function class as its representative but starts from other
    initial weights (the init seed includes the cell index), so the differences should look
    like seed noise: they are reported next to the differences between seeds 0 and 1 of the
    same cells, where ``out`` holds both."""
    directory = Path(out)
    reps = _trained(directory, seed)
    if not reps:
        raise ValueError(f"no cells trained for seed {seed} in {out}")
    protocol = next(iter(reps.values()))["protocol"]
    classes = [m for m in isomorphism_classes().values() if len(m) > 1 and m[0] in reps]
    rng = np.random.default_rng(0)
    picked = sorted(rng.choice(len(classes), size=min(n, len(classes)), replace=False).tolist())
    members = [int(classes[i][1 + int(rng.integers(len(classes[i]) - 1))]) for i in picked]
    data = load_digits_split()
    diffs: dict[str, list[float]] = {"valid_acc": [], "test_acc": []}
    for first in range(0, len(members), batch):
        group = members[first : first + batch]
        arrays = train_cells(group, seed, data, protocol)
        for row, cell in enumerate(group):
            rep = reps[min(isomorphism_classes()[canonical_key(cell_ops(cell))])]
            diffs["valid_acc"].append(float(arrays["valid_acc"][row, -1]) - rep["valid_acc"])
            diffs["test_acc"].append(float(arrays["test_acc"][row]) - rep["test_acc"])
    other = _trained(directory, 1 - seed) if seed in (0, 1) else {}
    both = sorted(set(reps) & set(other))
    noise = {
        name: [other[c][name] - reps[c][name] for c in both] for name in ("valid_acc", "test_acc")
    }
    report: dict[str, Any] = {"cells": members, "seed": seed, "seed_pairs": len(both)}
    for name in diffs:
        kinds = [("isomorph", diffs[name])] + ([("seed", noise[name])] if both else [])
        for kind, values in kinds:
            d = np.abs(np.asarray(values))
            report[f"{kind}_{name}_mean_abs"] = float(d.mean())
            report[f"{kind}_{name}_median_abs"] = float(np.median(d))
            report[f"{kind}_{name}_p90_abs"] = float(np.quantile(d, 0.9))
            report[f"{kind}_{name}_max_abs"] = float(d.max())
            report[f"{kind}_{name}_over_0.1"] = float(np.mean(d > 0.1))
    if log is not None:
        print(json.dumps(report, indent=1), file=log, flush=True)
    return report
