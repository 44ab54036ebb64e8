"""Every registered algorithm passes the algorithm contract (one test id per name:
``test_values_in_bounds_on_step_and_native[evolution]``)."""

from __future__ import annotations

import pytest

from nas_notebook.algorithms import make_sampler, sampler_names
from nas_notebook.testing._algorithm_contract import AlgorithmContract

#: Options that take each algorithm past its random start-up within the contract's budgets
#: (12 trials, 6 before a restart); a name not listed runs with its defaults. Differential
#: evolution with a population of 4 settles on one branch of the conditional body at once:
#: half of its trials are drawn at random here so that 16 trials reach every branch.
SPECS = {
    "dehb": "dehb:population_size=4,random_fraction=0.5",
    "evolution": "evolution:population_size=4,tournament_size=2",
    "ppo": "ppo:batch_size=4",
    "tpe": "tpe:n_startup_trials=4",
}

#: Algorithms that support several objectives (the others must refuse them clearly).
MULTI_OBJECTIVE = {"bohb", "gp", "grid", "nsga2", "random", "tpe"}

#: Algorithms that draw the same trials whatever the seed.
DETERMINISTIC = {"grid"}

#: Algorithms that may end a search early, once they have tried everything.
EXHAUSTS = {"grid"}


def _evolution_lineage(first, later):
    """A new evolution instance breeds from the stored population: its first children's
    parents are trials of the first run."""
    parents = [t.system_attrs.get("evolution:parent") for t in later]
    assert all(p is not None for p in parents), parents
    assert all(p < t.number for p, t in zip(parents, later)), parents
    assert parents[0] < len(first), parents


#: Algorithm-specific checks that a new instance continued a stored study.
CONTINUATION_CHECKS = {"evolution": _evolution_lineage}


class TestRegisteredAlgorithms(AlgorithmContract):
    @pytest.fixture(autouse=True, params=sampler_names())
    def _algorithm(self, request):
        name = request.param
        self.name = name
        self.spec = SPECS.get(name, name)
        self.multi_objective = name in MULTI_OBJECTIVE
        self.deterministic = name in DETERMINISTIC
        self.exhausts = name in EXHAUSTS

    def make_sampler(self, seed):
        return make_sampler(self.spec, seed=seed)

    def algo(self, seed):
        return self.spec

    def check_continuation(self, first, later):
        check = CONTINUATION_CHECKS.get(self.name)
        if check is not None:
            check(first, later)
