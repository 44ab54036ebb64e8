"""Build the tabulated NAS-Bench-201-style benchmark on scikit-learn's digits, many cells at once.

Run ``python -m nas_notebook.benchmarks.build_nas201 --out DIR`` (in the background: it resumes
where it stopped; ``--shard 0/2`` and ``--shard 1/2`` split it between two processes), then
``--out DIR --merge TABLE.npz`` to assemble the table. ``--limit N`` trains only the first N
cells of the list (a quick correctness check).

**Protocol** (the defaults; every value is recorded in each chunk and in the table):

* data: ``sklearn.datasets.load_digits`` (1,797 images, 8x8), pixels divided by 16 (to [0, 1]);
  split stratified with ``random_state=0`` into train / valid / test = 60 / 20 / 20 % (1,078 /
  359 / 360 images); no augmentation;
* model: :class:`~nas_notebook.benchmarks.nas201_model.Network`, ``channels=8`` (see it);
* cells: one representative per isomorphism class (the smallest index of each class of
  :func:`~nas_notebook.benchmarks.isomorphism_classes`, 4,930 cells); the merged table copies
  its results to the other members (``trained_as`` says which cell's run an entry is);
  ``--all-cells`` trains all 15,625;
* training: 10 epochs, mini-batches of 64 (the last one smaller), cross-entropy, Adam
  (lr 1e-2, betas (0.9, 0.999), no weight decay) with a per-step cosine decay to 0;
* seeds 0 and 1: the data order of a seed depends on the seed only (so it is the same for every
  cell and every batch of cells), and each cell's initial weights are those of a plain
  ``Network`` built right after ``torch.manual_seed(seed * 1_000_003 + cell_index)``; a cell's
  result therefore does not depend on which cells share its batch (up to float rounding);
* recorded per cell, seed and epoch: train loss/accuracy (running averages over the epoch's
  mini-batches, as NB201 does), valid loss/accuracy after the epoch, wall time; after the
  last epoch, test loss/accuracy.

**Consistency**: the two seeds of a cell differ by a median of 0.033 in final validation
accuracy (90th percentile 0.16, 18 % of the 4,930 classes above 0.1: cells without a path of
convolutions train unstably under this protocol). ``--check-isomorphs 96`` trains 96 cells that
are not their class's representative: they differ from their representative's entry by a median
of 0.039 (90th percentile 0.12, 15 % above 0.1), i.e. as much as another seed does, no more --
isomorphs only differ by their initial weights. Retraining a cell in another batch changes its
result by float rounding only (up to about 0.01 after 10 epochs).

**Batching**: K cells (``--batch``, default 16) train as one model: every weight is stacked over
the cells (leading dimension K), activations are laid out ``(N, K * C, H, W)`` and each
convolution op of an edge runs as one grouped convolution (``groups=k``) over the cells that
chose it; ``skip_connect`` and ``avg_pool_3x3`` are applied to all K cells and multiplied by
fixed per-cell 0/1 masks, ``none`` contributes nothing. The loss is the sum over cells of each
cell's mean cross-entropy, so each cell gets exactly its own gradient, and Adam is elementwise:
the batch trains each cell as if alone. Batches are runs of consecutive cells in index order,
so their cells mostly share the ops of the first edges, which then need neither masks nor
subsets. Torch runs on one thread by default (``--threads``): on a 2-core machine two shards
in two processes beat one process on two threads, which suffers from thread contention.

**Cost** (one process, one thread, a 2-core x86 CPU, 10 epochs, 8 channels): about 4,200
typical cells per hour at K=16; larger batches were slower (K=32: 3,900; K=64 and K=128: 3,100
and 2,200 even on the cheaper first cells), and training the plain networks one at a time gave
about 2,500. The default build (4,930 cells x 2 seeds) so takes about 2.5 hours in one
process, or about 1.3 hours in two shards; ``--all-cells`` about 7.5 hours.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ._nas201 import (
    EDGES,
    N_CELLS,
    NUM_CLASSES,
    OPS,
    canonical_key,
    cell_ops,
    flops,
    isomorphism_classes,
    param_count,
)
from ._table import checksum, load_table, write_table
from .nas201_model import Network, _edge_key

__all__ = [
    "DEFAULT_PROTOCOL",
    "BatchedNetworks",
    "build",
    "check_isomorphs",
    "checksum",
    "initial_network",
    "load_digits_split",
    "load_table",
    "main",
    "merge",
    "train_cells",
]

DEFAULT_PROTOCOL: dict[str, Any] = {
    "dataset": "sklearn.datasets.load_digits, pixels / 16",
    "split": {"train": 0.6, "valid": 0.2, "test": 0.2, "stratified": True, "random_state": 0},
    "channels": 8,
    "epochs": 10,
    "batch_size": 64,
    "optimizer": {"name": "Adam", "lr": 1e-2, "betas": [0.9, 0.999], "weight_decay": 0.0},
    "schedule": "cosine to 0, per step",
    "init_seed": "torch.manual_seed(seed * 1000003 + cell_index) before Network(...)",
    "data_order": "torch.randperm with a generator seeded by the seed, one per epoch",
    "train_metrics": "running averages over the epoch's mini-batches",
    "time_model": "batch epoch time split in proportion to flops + 100000",
    "cells": "representatives",
}
FIXED_FLOPS = 100_000
CONV_KERNELS = {"conv_1x1": 1, "conv_3x3": 3}


# -- data --------------------------------------------------------------------------------------


def load_digits_split() -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """The digits split of the protocol: name -> (images ``(N, 1, 8, 8)`` float32, labels).

    It is :func:`nas_notebook.data.load_dataset`'s ``digits`` (60/20/20, stratified, seed 0).
    """
    from ..data import load_dataset

    data = load_dataset("digits", seed=0)
    return {part: getattr(data, part) for part in data.parts()}


# -- the batched model -------------------------------------------------------------------------


def initial_network(cell: int, seed: int, channels: int) -> Network:
    """The plain network of ``cell`` with the protocol's initial weights for ``seed``."""
    torch.manual_seed(seed * 1_000_003 + cell)
    return Network(cell_ops(cell), channels=channels)


def _gconv(x: torch.Tensor, w: torch.Tensor, stride: int = 1, padding: int = 0) -> torch.Tensor:
    """Per-cell convolution: ``x`` ``(N, k, Cin, H, W)``, ``w`` ``(k, Cout, Cin, kh, kw)``."""
    n, k, c_in, h, width = x.shape
    c_out = w.shape[1]
    y = F.conv2d(
        x.reshape(n, k * c_in, h, width),
        w.reshape(k * c_out, c_in, w.shape[3], w.shape[4]),
        stride=stride,
        padding=padding,
        groups=k,
    )
    return y.reshape(n, k, c_out, y.shape[2], y.shape[3])


def _pool3(x: torch.Tensor) -> torch.Tensor:
    """``avg_pool_3x3`` over the last two dimensions, as shifted sums (much faster on CPU than
    ``avg_pool2d`` for these many small maps)."""
    h, w = x.shape[-2:]
    p = F.pad(x, (1, 1, 1, 1))
    s = p[..., :-2, :] + p[..., 1:-1, :] + p[..., 2:, :]
    s = s[..., :-2] + s[..., 1:-1] + s[..., 2:]
    return s * _inverse_counts(h, w)


@functools.lru_cache(maxsize=8)
def _inverse_counts(h: int, w: int) -> torch.Tensor:
    def per_axis(n: int) -> torch.Tensor:
        counts = torch.full((n,), 3.0)
        counts[0] = counts[-1] = 2.0
        return counts

    return 1.0 / (per_axis(h)[:, None] * per_axis(w)[None, :])


class BatchedNetworks(nn.Module):
    """K plain :class:`Network` models (one per cell) computed as one.

    Parameters are named like the plain module's, with the op appended for edge convolutions
    (``cell0.e2_1.conv_3x3``), and stacked over the cells (leading dimension K); rows of cells
    that do not use a convolution stay zero and get no gradient.
    """

    def __init__(self, cells: Sequence[Sequence[str]], channels: int = 8) -> None:
        super().__init__()
        self.cells = [tuple(ops) for ops in cells]
        self.channels = c = channels
        k, w = len(self.cells), 2 * channels
        shapes: dict[str, tuple[int, ...]] = {
            "stem.weight": (c, 1, 3, 3),
            "stem.bias": (c,),
            "reduction.conv_a.weight": (w, c, 3, 3),
            "reduction.conv_b.weight": (w, w, 3, 3),
            "reduction.shortcut.weight": (w, c, 1, 1),
            "classifier.weight": (NUM_CLASSES, w),
            "classifier.bias": (NUM_CLASSES,),
        }
        # Per edge: the cells (indices into the batch) using each op; masks for the cheap ops.
        self.conv_cells: dict[tuple[int, str], torch.Tensor] = {}
        self.masks: dict[tuple[int, str], torch.Tensor | None] = {}
        for e, edge in enumerate(EDGES):
            for op in OPS[1:]:
                members = [i for i, ops in enumerate(self.cells) if ops[e] == op]
                if not members:
                    continue
                if op in CONV_KERNELS:
                    self.conv_cells[e, op] = torch.tensor(members)
                    size = CONV_KERNELS[op]
                    for name, width in (("cell0", c), ("cell1", w)):
                        shapes[f"{name}.{_edge_key(edge)}.{op}"] = (width, width, size, size)
                else:
                    mask = torch.zeros(1, k, 1, 1, 1)
                    mask[0, members] = 1.0
                    self.masks[e, op] = None if len(members) == k else mask
        self.weights = nn.ParameterDict(
            {
                name.replace(".", "/"): nn.Parameter(torch.zeros(k, *shape))
                for name, shape in shapes.items()
            }
        )

    def __getitem__(self, name: str) -> torch.Tensor:
        return self.weights[name.replace(".", "/")]

    def _plain_name(self, name: str, ops: tuple[str, ...]) -> tuple[str, bool]:
        """The plain module's parameter name of stacked ``name`` for a cell, and whether that
        cell has it."""
        parts = name.split(".")
        if parts[0] in ("cell0", "cell1"):
            e = [_edge_key(edge) for edge in EDGES].index(parts[1])
            return f"{parts[0]}.edges.{parts[1]}.conv.weight", ops[e] == parts[2]
        return name, True

    def load_networks(self, networks: Sequence[Network]) -> None:
        """Copy each plain network's weights into its row of the stacked weights."""
        with torch.no_grad():
            for row, net in enumerate(networks):
                state = net.state_dict()
                for key, param in self.weights.items():
                    plain, has = self._plain_name(key.replace("/", "."), self.cells[row])
                    param[row] = state[plain] if has else 0.0

    def network_state(self, row: int) -> dict[str, torch.Tensor]:
        """The state dict of the plain network of cell ``row`` (for ``load_state_dict``)."""
        state = {}
        for key, param in self.weights.items():
            plain, has = self._plain_name(key.replace("/", "."), self.cells[row])
            if has:
                state[plain] = param[row].detach().clone()
        return state

    def _cell(self, name: str, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for to in (1, 2, 3):
            total: torch.Tensor | None = None
            for e, (j, i) in enumerate(EDGES):
                if j != to:
                    continue
                source = nodes[i]
                for op in ("skip_connect", "avg_pool_3x3"):
                    if (e, op) not in self.masks:
                        continue
                    out = source if op == "skip_connect" else _pool3(source)
                    mask = self.masks[e, op]
                    out = out if mask is None else out * mask
                    total = out if total is None else total + out
                for op, size in CONV_KERNELS.items():
                    members = self.conv_cells.get((e, op))
                    if members is None:
                        continue
                    weight = self[f"{name}.{_edge_key((j, i))}.{op}"]
                    if len(members) == len(self.cells):
                        out = _gconv(F.relu(source), weight, padding=size // 2)
                        total = out if total is None else total + out
                    else:
                        sub = F.relu(source.index_select(1, members))
                        out = _gconv(sub, weight.index_select(0, members), padding=size // 2)
                        base = torch.zeros_like(x) if total is None else total
                        total = base.index_add(1, members, out)
            nodes.append(torch.zeros_like(x) if total is None else total)
        return nodes[3]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Images ``(N, 1, 8, 8)`` -> logits ``(N, K, 10)``, one column per cell."""
        n, k, c = x.shape[0], len(self.cells), self.channels
        stem = self["stem.weight"]
        h = F.conv2d(x, stem.reshape(k * c, 1, 3, 3), self["stem.bias"].reshape(-1), padding=1)
        h = self._cell("cell0", h.reshape(n, k, c, 8, 8))
        main = _gconv(F.relu(h), self["reduction.conv_a.weight"], stride=2, padding=1)
        main = _gconv(F.relu(main), self["reduction.conv_b.weight"], padding=1)
        pooled = F.avg_pool2d(h.reshape(n, k * c, 8, 8), 2).reshape(n, k, c, 4, 4)
        h = main + _gconv(pooled, self["reduction.shortcut.weight"])
        h = self._cell("cell1", h)
        features = F.relu(h).mean(dim=(3, 4))  # (N, K, 2C)
        logits = torch.einsum("nkc,kdc->nkd", features, self["classifier.weight"])
        return logits + self["classifier.bias"]


# -- training ----------------------------------------------------------------------------------


def _per_cell_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of each cell: logits ``(N, K, 10)`` -> ``(K,)``."""
    n, k, _ = logits.shape
    loss = F.cross_entropy(logits.reshape(n * k, -1), y.repeat_interleave(k), reduction="none")
    return loss.reshape(n, k).mean(dim=0)


def _evaluate(
    model: BatchedNetworks, x: torch.Tensor, y: torch.Tensor
) -> tuple[np.ndarray, np.ndarray]:
    with torch.no_grad():
        logits = model(x)
        loss = _per_cell_loss(logits, y)
        acc = (logits.argmax(dim=2) == y[:, None]).float().mean(dim=0)
    return loss.numpy(), acc.numpy()


def train_cells(
    cells: Sequence[int],
    seed: int,
    data: dict[str, tuple[torch.Tensor, torch.Tensor]],
    protocol: dict[str, Any],
) -> dict[str, np.ndarray]:
    """Train ``cells`` together under ``protocol`` for one seed; per-cell result arrays."""
    channels, epochs, batch_size = protocol["channels"], protocol["epochs"], protocol["batch_size"]
    opt = protocol["optimizer"]
    model = BatchedNetworks([cell_ops(c) for c in cells], channels)
    model.load_networks([initial_network(c, seed, channels) for c in cells])
    x_train, y_train = data["train"]
    steps_per_epoch = math.ceil(len(y_train) / batch_size)
    total_steps = epochs * steps_per_epoch
    optimizer = torch.optim.Adam(
        model.parameters(),
        lr=opt["lr"],
        betas=tuple(opt["betas"]),
        weight_decay=opt["weight_decay"],
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * step / total_steps))
    )
    generator = torch.Generator().manual_seed(seed)
    k = len(cells)
    out = {
        name: np.zeros((k, epochs), np.float32)
        for name in ("train_loss", "train_acc", "valid_loss", "valid_acc", "epoch_time")
    }
    weights = np.array([flops(cell_ops(c), channels) + FIXED_FLOPS for c in cells], np.float64)
    share = weights / weights.sum()
    for epoch in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(len(y_train), generator=generator)
        loss_sum = torch.zeros(k)
        correct = torch.zeros(k)
        for step in range(steps_per_epoch):
            index = order[step * batch_size : (step + 1) * batch_size]
            xb, yb = x_train[index], y_train[index]
            logits = model(xb)
            loss = _per_cell_loss(logits, yb)
            optimizer.zero_grad(set_to_none=True)
            loss.sum().backward()
            optimizer.step()
            schedule.step()
            with torch.no_grad():
                loss_sum += loss.detach() * len(yb)
                correct += (logits.argmax(dim=2) == yb[:, None]).float().sum(dim=0)
        out["train_loss"][:, epoch] = (loss_sum / len(y_train)).numpy()
        out["train_acc"][:, epoch] = (correct / len(y_train)).numpy()
        loss_v, acc_v = _evaluate(model, *data["valid"])
        out["valid_loss"][:, epoch] = loss_v
        out["valid_acc"][:, epoch] = acc_v
        out["epoch_time"][:, epoch] = (time.perf_counter() - start) * share
    test_loss, test_acc = _evaluate(model, *data["test"])
    out["test_loss"], out["test_acc"] = test_loss.astype(np.float32), test_acc.astype(np.float32)
    out["cells"] = np.asarray(cells, np.int32)
    return out


# -- chunks, resume and merge ------------------------------------------------------------------


def _cell_list(protocol: dict[str, Any]) -> list[int]:
    if protocol["cells"] == "all":
        return list(range(N_CELLS))
    return sorted(members[0] for members in isomorphism_classes().values())


def _read_chunks(out: Path) -> Iterable[tuple[Path, dict[str, Any], dict[str, np.ndarray]]]:
    for path in sorted(out.glob("s*_c*_n*.npz")):
        with np.load(path) as z:
            arrays = {name: z[name] for name in z.files}
        meta = json.loads(str(arrays.pop("meta")))
        yield path, meta, arrays


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
    for path, meta, arrays in _read_chunks(directory):
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
    chunks = list(_read_chunks(Path(out)))
    if not chunks:
        raise ValueError(f"no chunks in {out}")
    protocol = chunks[0][1]["protocol"]
    if any(meta["protocol"] != protocol for _, meta, _ in chunks):
        raise ValueError("the chunks were built with different protocols")
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
    for _, meta, chunk in _read_chunks(out):
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


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m nas_notebook.benchmarks.build_nas201")
    parser.add_argument("--out", required=True, help="directory of the chunk files")
    parser.add_argument("--limit", type=int, default=None, help="train only the first N cells")
    parser.add_argument("--batch", type=int, default=16, help="cells trained at once")
    parser.add_argument("--epochs", type=int, default=DEFAULT_PROTOCOL["epochs"])
    parser.add_argument("--channels", type=int, default=DEFAULT_PROTOCOL["channels"])
    parser.add_argument("--seeds", type=int, nargs="+", default=None, help="default: 0 1")
    parser.add_argument(
        "--all-cells", action="store_true", help="train all 15,625 cells, not one per class"
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads (1 avoids contention)"
    )
    parser.add_argument(
        "--shard",
        default="0/1",
        help="I/N: this process trains the blocks of --batch cells numbered I modulo N",
    )
    parser.add_argument(
        "--merge",
        metavar="TABLE",
        help="assemble the chunks into TABLE.npz (with --seeds given: only those seeds; "
        "otherwise every seed built as far as the most complete one)",
    )
    parser.add_argument(
        "--check-isomorphs",
        type=int,
        metavar="N",
        help="train N non-representative cells and compare them with their representatives",
    )
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.check_isomorphs:
        check_isomorphs(args.out, args.check_isomorphs, batch=args.batch, log=sys.stdout)
        return 0
    if args.merge:
        meta = merge(args.out, args.merge, seeds=args.seeds)
        print(f"wrote {args.merge}: seeds {meta['seeds']}, sha256 {meta['sha256']}")
        return 0
    protocol = {
        "epochs": args.epochs,
        "channels": args.channels,
        "cells": "all" if args.all_cells else "representatives",
    }
    trained = build(
        args.out,
        seeds=args.seeds or [0, 1],
        batch=args.batch,
        limit=args.limit,
        protocol=protocol,
        shard=(int(args.shard.split("/")[0]), int(args.shard.split("/")[1])),
        log=sys.stdout,
    )
    print(f"trained {trained} cells")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
