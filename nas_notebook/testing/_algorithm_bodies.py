"""The trial bodies and the plain-Optuna objective the algorithm contract runs, with the names a
body sees (the primitives and ``report``)."""

from __future__ import annotations

import math
from typing import Any

import optuna

from ..space import floatv, intv, manyof, oneof
from ..trial import report

__all__ = [
    "ACTIVATIONS",
    "BLOCKS",
    "CONDITIONAL_BODY",
    "FAILING_BODY",
    "MULTI_BODY",
    "NAMES",
    "OPS",
    "PARALLEL_BODY",
    "PRIMITIVES_BODY",
    "SIMPLE_BODY",
    "WIDTHS",
    "mixed_objective",
]

#: What a body sees besides the names a test gives it.
NAMES = {"floatv": floatv, "intv": intv, "oneof": oneof, "manyof": manyof, "report": report}


class Relu:
    """A candidate Optuna cannot store as itself (a class), for the primitives test."""


class Tanh:
    """Another such candidate."""


#: A small mixed space (every decision kind) for the searches that only need valid trials.
SIMPLE_BODY = """\
x = floatv(-2.0, 2.0)
k = intv(0, 9)
op = oneof(["conv", "pool", None])
-(x - 0.5) ** 2 + k / 10 + (op == "conv")
"""

#: The same, slow enough that both workers of a parallel search have a trial in flight.
PARALLEL_BODY = "import time\ntime.sleep(0.05)\n" + SIMPLE_BODY

#: Every kind of primitive, non-native candidates included; the values the body got are recorded.
PRIMITIVES_BODY = """\
lr = floatv(1e-4, 1e-1, log=True)
dropout = floatv(0.0, 0.5, step=0.1)
depth = intv(1, 8)
width = intv(16, 256, log=True)
stride = intv(1, 7, step=2)
act = oneof(ACTIVATIONS)
block = oneof(BLOCKS)
ops = manyof(2, OPS)
widths = manyof(3, WIDTHS, distinct=False, sorted=True)
seen.append({
    "lr": lr, "dropout": dropout, "depth": depth, "width": width, "stride": stride,
    "act": act, "block": block, "ops": ops, "widths": widths,
})
depth + width / 256 - lr + dropout + (act is None) + block[0] / 5 + sum(widths) / 192
"""

ACTIVATIONS = (Relu, Tanh, None)
BLOCKS = ((3, 1), (5, 2), (7, 1))
OPS = ("conv3", "conv5", "pool", "skip")
WIDTHS = (16, 32, 64)

#: ``kernel`` exists only under ``op == "conv"`` and ``dilation``'s range depends on it; the
#: float ``ratio`` exists only under ``op == "pool"``, and ``mode`` only when ``ratio > 0.5``.
#: The deepest branch scores best, so that learning algorithms go there too.
CONDITIONAL_BODY = """\
op = oneof(["conv", "pool", "skip"])
score = 0.0
if op == "conv":
    kernel = intv(1, 7, step=2)
    dilation = intv(1, kernel)
    score = 0.5 + kernel / 20 + dilation / 100
elif op == "pool":
    ratio = floatv(0.1, 0.9)
    score = 1.0 + ratio
    if ratio > 0.5:
        mode = oneof(["max", "avg"])
        score += mode == "avg"
score
"""

#: A body whose n-th call (counted by ``calls``) completes (n % 5 == 0), raises (1), returns NaN
#: (2), reports a hopeless intermediate value so that the median pruner stops it (3), or
#: completes with the worst possible value, -inf (4). The other trials all report the same
#: intermediate values, so that the pruner stops none of them.
FAILING_BODY = """\
n = next(calls)
x = floatv(0.0, 1.0)
k = intv(0, 4)
if n % 5 == 1:
    raise ValueError(f"planned failure {n}")
for step in range(3):
    report(-1e9 if n % 5 == 3 else 1.0, step=step)
{2: float("nan"), 4: float("-inf")}.get(n % 5, x + k)
"""

MULTI_BODY = """\
x = floatv(0.0, 1.0)
k = intv(0, 4)
(x + k, (1 - x) * k)
"""


def mixed_objective(trial: optuna.Trial, seen: dict[int, dict[str, Any]]) -> float:
    """Every distribution kind in plain Optuna; the values the trial got go to ``seen``, by
    trial number."""
    values: dict[str, Any] = {
        "x": trial.suggest_float("x", -1.5, 2.5),
        "lr": trial.suggest_float("lr", 1e-5, 1e-1, log=True),
        "drop": trial.suggest_float("drop", 0.0, 0.5, step=0.05),
        "depth": trial.suggest_int("depth", -3, 7),
        "width": trial.suggest_int("width", 1, 1024, log=True),
        "batch": trial.suggest_int("batch", 8, 64, step=8),
        "choice": trial.suggest_categorical("choice", (None, True, 3, 2.5, "relu")),
        "one": trial.suggest_int("one", 3, 3),
    }
    seen[trial.number] = values
    index = (None, True, 3, 2.5, "relu").index(values["choice"])
    return (
        values["x"]
        - math.log10(values["lr"])
        + values["drop"]
        + values["depth"]
        + math.log2(values["width"]) / 10
        + values["batch"] / 64
        + index / 4
    )
