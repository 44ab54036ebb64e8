"""Runs inside the ``dehb`` package's own virtualenv (see ``_dehb_peer``): one DEHB search over
the tabulated benchmark's six edge decisions through DEHB's ask/tell interface, asking the parent
process for each configuration's value at the fidelity DEHB chose.

Protocol, one JSON object per line: the job on stdin first (``seed``, ``edges``, ``ops``,
``min_fidelity``, ``max_fidelity``, ``eta``); then for each evaluation this process writes
``{"config": {edge: op}, "fidelity": epochs}`` and reads ``{"value": v, "cost": c}`` (higher is
better) or ``{"stop": true}`` once the budget is spent; it then writes ``{"done": true}``.
Nothing else goes to stdout.
"""

from __future__ import annotations

import json
import sys
import tempfile
import warnings


def main() -> None:
    job = json.loads(sys.stdin.readline())
    out = sys.stdout
    sys.stdout = sys.stderr  # DEHB logs: keep the protocol's stream clean
    warnings.filterwarnings("ignore")
    import ConfigSpace
    from dehb import DEHB
    from loguru import logger

    logger.remove()
    space = ConfigSpace.ConfigurationSpace(seed=job["seed"])
    for k in range(len(job["edges"])):
        space.add(ConfigSpace.CategoricalHyperparameter(f"e{k}", list(job["ops"])))
    dehb = DEHB(
        f=lambda config, fidelity: None,  # unused: ask/tell
        cs=space,
        dimensions=len(job["edges"]),
        min_fidelity=job["min_fidelity"],
        max_fidelity=job["max_fidelity"],
        eta=job["eta"],
        n_workers=1,
        seed=job["seed"],
        output_path=tempfile.mkdtemp(),
    )
    while True:
        info = dehb.ask()
        config = info["config"]  # a Configuration (the package converts its vector itself)
        if not isinstance(config, ConfigSpace.Configuration):
            config = dehb.vector_to_configspace(config)
        ordered = {edge: str(config[f"e{k}"]) for k, edge in enumerate(job["edges"])}
        fidelity = round(float(info["fidelity"]))
        out.write(json.dumps({"config": ordered, "fidelity": fidelity}) + "\n")
        out.flush()
        reply = json.loads(sys.stdin.readline())
        if reply.get("stop"):
            break
        dehb.tell(info, {"fitness": -float(reply["value"]), "cost": float(reply["cost"])})
    out.write(json.dumps({"done": True}) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
