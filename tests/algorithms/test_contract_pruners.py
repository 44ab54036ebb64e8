"""Every registered pruner, and each scheduler's pausing variant, passes the pruner contract
(one test id per spec: ``test_worker_processes_use_it[curve:pause=True]``)."""

from __future__ import annotations

import pytest

from nas_notebook.algorithms import pruner_names
from nas_notebook.testing import PrunerContract

#: Options that let each pruner act within the contract's 30 trials of 9 steps; a name not
#: listed runs with its defaults.
OPTIONS = {
    "asha": "asha:min_resource=1,reduction_factor=3",
    "curve": "curve:n_startup_trials=3",
    "median": "median:n_startup_trials=3",
}

#: The pausing variants of the schedulers that have one, and the other model of ``curve``.
PAUSING = [
    "asha:type=promotion",
    "curve:model=families,n_startup_trials=3",
    "curve:n_startup_trials=3,neighbours=5,pause=True",
    "curve:model=families,n_startup_trials=3,pause=True",
]

#: Pruners that stop nothing.
NEVER = {"none"}


@pytest.fixture(params=sorted({OPTIONS.get(n, n) for n in pruner_names()} | set(PAUSING)))
def pruner_spec(request):
    return request.param


class TestRegisteredPruners(PrunerContract):
    @pytest.fixture(autouse=True)
    def _pruner(self, pruner_spec):
        self._spec = pruner_spec
        self.prunes = pruner_spec.split(":")[0] not in NEVER

    def spec(self):
        return self._spec
