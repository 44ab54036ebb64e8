"""Runs inside NePS's own virtualenv (see ``_neps_peer``): one NePS search over the tabulated
benchmark's six edge decisions, asking the parent process for each configuration's value.

Protocol, one JSON object per line: the job on stdin first (``optimizer``: a name, or ``[name,
{option: value}]``; ``evaluations``, ``seed``, ``edges``, ``ops``, ``prior`` (one op per edge,
or null), ``confidence``); then for each evaluation this process writes ``{"config": {edge:
op}}`` and reads ``{"value": v}`` (higher is better); at the end it writes ``{"done": true}``.
Nothing else goes to stdout.

A multi-fidelity job (PriorBand) also has ``fidelity`` (``[low, high]`` epochs) and ``cost``
(the budget, in place of ``evaluations``): each evaluation then writes ``{"config": ...,
"fidelity": epochs}`` and reads ``{"value": v, "cost": c}``.
"""

from __future__ import annotations

import json
import logging
import random
import sys
import tempfile
import warnings
from typing import Any


def main() -> None:
    job = json.loads(sys.stdin.readline())
    out = sys.stdout
    sys.stdout = sys.stderr  # NePS and torch print: keep the protocol's stream clean
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    random.seed(job["seed"])
    import numpy as np
    import torch

    np.random.seed(job["seed"])
    torch.manual_seed(job["seed"])
    import neps

    ops, prior = tuple(job["ops"]), job.get("prior")
    fields = {}
    for k in range(len(job["edges"])):
        extra = {}
        if prior is not None:
            extra = {"prior": ops.index(prior[k]), "prior_confidence": job["confidence"]}
        fields[f"e{k}"] = neps.Categorical(choices=ops, **extra)
    fidelity = job.get("fidelity")
    if fidelity is not None:
        fields["epochs"] = neps.Fidelity(neps.Integer(fidelity[0], fidelity[1]))
    space = type("EdgeSpace", (neps.PipelineSpace,), fields)()

    def evaluate(**config: Any) -> Any:
        ordered = {edge: config[f"e{k}"] for k, edge in enumerate(job["edges"])}
        message: dict[str, Any] = {"config": ordered}
        if fidelity is not None:
            message["fidelity"] = int(config["epochs"])
        out.write(json.dumps(message) + "\n")
        out.flush()
        reply = json.loads(sys.stdin.readline())
        if fidelity is None:
            return -float(reply["value"])  # NePS minimizes
        return {"objective_to_minimize": -float(reply["value"]), "cost": float(reply["cost"])}

    budget: dict[str, Any] = (
        {"total_evaluations_to_spend": job["evaluations"]}
        if fidelity is None
        else {"total_cost_to_spend": job["cost"]}
    )
    optimizer = job["optimizer"]
    neps.run(
        evaluate,
        space,
        root_directory=tempfile.mkdtemp() + "/run",
        # ``[name, {option: value}]`` (JSON has no tuples): NePS takes ``(name, options)``.
        optimizer=tuple(optimizer) if isinstance(optimizer, list) else optimizer,
        **budget,
    )
    out.write(json.dumps({"done": True}) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
