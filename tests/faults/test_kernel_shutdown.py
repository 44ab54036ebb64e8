"""A kernel that goes away while a search runs -- killed (SIGKILL: the out-of-memory killer, a
crash) or shut down gracefully (Jupyter's "Restart kernel" asks the kernel to shut down first)
-- then a new kernel that resumes the study with ``--resume`` and no ``--n-trials``.

Exact counts, on real kernels through jupyter_client: once shutdown starts no trial is created;
the trials that were running end FAIL saying why, and none is left RUNNING; every completed trial
is kept; each interrupted trial runs once more with its own parameters, linked to it; and the
resumed run stops at the budget of the first (the re-runs count within it)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from _kernel import kernel, run, trials, wait_until
from optuna.trial import TrialState

BUDGET = 12
WORKERS = 2
INTERRUPTED = "nas_notebook:interrupted"
RETRY_OF = "nas_notebook:retry_of"


def _cell(path: Path, executor: str, resume: bool) -> str:
    """A trial of 0.4 s that goes on while the file ``hold`` exists: the trials under way when
    the test ends the kernel are then still under way however slowly the kernel shuts down (two
    0.4 s trials could otherwise both finish between the shutdown request and the workers'
    termination, and nothing would be cut short)."""
    budget = "--resume" if resume else f"--n-trials {BUDGET}"
    hold = path.with_name("hold")
    return (
        f"%%search slow {budget} --executor {executor} --workers {WORKERS} "
        f"--storage journal:{path} --algo random\n"
        "import os, time\nx = floatv(0, 1)\nstart = time.monotonic()\n"
        f"while time.monotonic() - start < 0.4 or os.path.exists({str(hold)!r}):\n"
        "    time.sleep(0.02)\nx"
    )


@pytest.mark.parametrize("executor", ["process", "thread"])
@pytest.mark.parametrize("how", ["graceful", "kill"])
def test_a_kernel_gone_mid_search_then_resume(tmp_path: Path, how: str, executor: str) -> None:
    path = tmp_path / "s.journal"
    hold = path.with_name("hold")
    km, kc = kernel(tmp_path)
    try:
        kc.execute(_cell(path, executor, resume=False))

        def states_now() -> list[TrialState]:
            return [t.state for t in trials(path, "slow")]

        wait_until(lambda: states_now().count(TrialState.COMPLETE) >= 3, 120, "3 COMPLETE trials")
        hold.touch()
        wait_until(lambda: TrialState.RUNNING in states_now(), 30, "a RUNNING trial held")
        if how == "graceful":
            km.restart_kernel(now=False)  # a shutdown request first, as Jupyter's restart sends
        else:
            os.kill(km.provisioner.pid, signal.SIGKILL)
            wait_until(lambda: not km.is_alive(), 10, "the kernel to die")
            km.restart_kernel(now=True)
        kc.stop_channels()
    finally:
        km.shutdown_kernel(now=True)
        hold.unlink(missing_ok=True)

    before = trials(path, "slow")
    states = [t.state for t in before]
    complete = {t.number: t.value for t in before if t.state == TrialState.COMPLETE}
    cut = [t for t in before if t.state != TrialState.COMPLETE]
    assert len(before) < BUDGET and len(complete) >= 3
    # Only the trials under way when the kernel went away were cut short: none was started
    # during the shutdown.
    assert 1 <= len(cut) <= WORKERS, [(t.number, t.state.name) for t in cut]
    if how == "graceful":
        assert TrialState.RUNNING not in states, [(t.number, t.state.name) for t in before]
        for t in cut:
            assert "shut down" in t.system_attrs["fail_reason"], t.system_attrs
            assert t.system_attrs[INTERRUPTED] is True
    else:  # nothing ran to record them: the resume does
        assert {t.state for t in cut} == {TrialState.RUNNING}

    km, kc = kernel(tmp_path)
    try:
        printed = run(kc, _cell(path, executor, resume=True) + "\n")
        printed += run(kc, "slow.wait()\nprint(slow.recovered, slow.rerun, slow.n_trials)")
    finally:
        km.shutdown_kernel(now=True)

    after = trials(path, "slow")
    by_number = {t.number: t for t in after}
    assert TrialState.RUNNING not in {t.state for t in after}
    for number, value in complete.items():  # completed trials are kept, unchanged
        assert by_number[number].state == TrialState.COMPLETE
        assert by_number[number].value == value
    for t in cut:  # each interrupted trial failed, and ran once more with its parameters
        original = by_number[t.number]
        assert original.state == TrialState.FAIL and original.system_attrs[INTERRUPTED]
        reruns = [r for r in after if r.system_attrs.get(RETRY_OF) == t.number]
        assert len(reruns) == 1, printed
        # A trial killed before its first value was drawn has no parameters to keep: its
        # re-run draws them afresh.
        assert reruns[0].params and reruns[0].params == (original.params or reruns[0].params)
        assert reruns[0].state == TrialState.COMPLETE
    # The budget is exact: BUDGET completed trials in all, the re-runs among them.
    assert sum(t.state == TrialState.COMPLETE for t in after) == BUDGET, printed
    assert len(after) == BUDGET + len(cut)
    if how == "kill":
        assert "left running by a process that ended" in printed, printed
    assert "They run again first" in printed or how == "graceful", printed
