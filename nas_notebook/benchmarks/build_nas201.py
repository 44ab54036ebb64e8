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
import sys
from collections.abc import Sequence

import torch

from ._build_batched import BatchedNetworks, initial_network
from ._build_chunks import build, check_isomorphs, merge, pack
from ._build_training import DEFAULT_PROTOCOL, load_digits_split, train_cells
from ._mean_table import merge_mean
from ._table import checksum, load_table

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
    "merge_mean",
    "pack",
    "train_cells",
]


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m nas_notebook.benchmarks.build_nas201")
    parser.add_argument("--out", required=True, help="directory of the chunk files")
    parser.add_argument("--limit", type=int, default=None, help="train only the first N cells")
    parser.add_argument("--batch", type=int, default=16, help="cells trained at once")
    parser.add_argument("--epochs", type=int, default=DEFAULT_PROTOCOL["epochs"])
    parser.add_argument("--channels", type=int, default=DEFAULT_PROTOCOL["channels"])
    parser.add_argument(
        "--lr", type=float, default=DEFAULT_PROTOCOL["optimizer"]["lr"], help="Adam's learning rate"
    )
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
        "--merge-mean",
        metavar="TABLE",
        help="assemble the distinct-cell table of the mean over the runs into TABLE.npz (with "
        "--seeds given: only those seeds; otherwise every seed fully built)",
    )
    parser.add_argument(
        "--pack",
        action="store_true",
        help="fold the chunks written since the last pack into one file per seed",
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
    if args.pack:
        for path in pack(args.out):
            print(f"packed {path}")
        return 0
    if args.merge_mean:
        meta = merge_mean(args.out, args.merge_mean, seeds=args.seeds)
        print(f"wrote {args.merge_mean}: seeds {meta['seeds']}, sha256 {meta['sha256']}")
        return 0
    if args.merge:
        meta = merge(args.out, args.merge, seeds=args.seeds)
        print(f"wrote {args.merge}: seeds {meta['seeds']}, sha256 {meta['sha256']}")
        return 0
    protocol = {
        "epochs": args.epochs,
        "channels": args.channels,
        "optimizer": {**DEFAULT_PROTOCOL["optimizer"], "lr": args.lr},
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
