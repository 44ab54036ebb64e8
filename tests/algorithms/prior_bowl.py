"""A 2-d bowl searched with and without priors, shared by the tests of the samplers that take
priors."""

import numpy as np

import nas_notebook as nb


def best_after(algo, prior, n_trials, seeds=range(5)):
    """The mean best value of ``algo`` after ``n_trials`` on a 2-d bowl with its optimum at
    (0.8, 0.3), each decision with a confident ``prior`` (a pair; None: no prior)."""
    sure = ", confidence='high'"
    body = (
        "a = floatv(0, 1" + ("" if prior is None else f", prior={prior[0]}{sure}") + ")\n"
        "b = floatv(0, 1" + ("" if prior is None else f", prior={prior[1]}{sure}") + ")\n"
        "(a - 0.8) ** 2 + (b - 0.3) ** 2"
    )
    best = []
    for seed in seeds:
        search = nb.Search(
            body, n_trials=n_trials, executor="inline", direction="minimize", storage="memory",
            algo=algo, seed=seed,
        ).start()  # fmt: skip
        best.append(search.best.value)
    return float(np.mean(best))
