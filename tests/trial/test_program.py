"""A cell's static checks catch before any trial what every trial would fail on, and a trial
that fails on a bad primitive anyway says which cell line to fix."""

from __future__ import annotations

import pytest
from optuna.trial import TrialState

import nas_notebook as nb
from nas_notebook.trial import ProgramError


def search(body, n_trials=3, **kwargs):
    return nb.Search(
        body,
        n_trials=n_trials,
        executor="inline",
        algo="random",
        seed=0,
        storage="memory",
        direction="minimize",
        **kwargs,
    )


def run(body, **kwargs):
    return search(body, **kwargs).start()


def reasons(s):
    return [t.system_attrs.get("fail_reason") for t in s.trials if t.state == TrialState.FAIL]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "a = floatv(0, 1, name='lr')\nb = floatv(0, 2, name='lr')\na + b",
            "line 2: name 'lr' is given to two different definitions: floatv(0, 1, name='lr') "
            "at cell line 1 and floatv(0, 2, name='lr') at cell line 2",
        ),
        (
            "a = floatv(0, 1, name='k')\nb = intv(0, 1, name='k')\na + b",
            "line 2: name 'k' is given to two different definitions",
        ),
        (  # bounds the checks cannot compute: the kinds still differ
            "hi = len('ab')\na = floatv(0, hi, name='k')\nb = intv(0, hi, name='k')\na + b",
            "line 3: name 'k' is given to two different definitions",
        ),
        (
            "cfg = {'lr': floatv(0, 1), 'wd': floatv(0, 1, name='lr')}\ncfg['lr']",
            "line 1: two decisions would share the name 'lr': cell line 1, column 14 and "
            "cell line 1, column 34; pass a different name=... to one of them",
        ),
        (
            "x = floatv(0, 1)\ny = floatv(0, 1, name='x')\nx + y",
            "line 2: two decisions would share the name 'x': cell line 1 and cell line 2",
        ),
        (
            "hi = 0\nx = floatv(1, hi)\nx",
            "line 2: floatv(low=1, high=0): `low` must not exceed `high`",
        ),
        (
            "lo, hi = 2, 1\nwidth: int = 4\nx = intv(lo * width, hi * width)\nx",
            "line 3: intv(low=8, high=4): `low` must not exceed `high`",
        ),
        ("options = ()\nact = oneof(options)\nact", "line 2: oneof: `candidates` is empty"),
        (
            "x = nb.floatv(0, 1)\ny = nb.floatv(0, 1, log=True)\nx",
            "line 2: floatv(low=0, high=1, log=True): `low` must be > 0 on a log scale",
        ),
    ],
)
def test_what_every_trial_would_fail_on_is_refused_at_the_cell(body, message):
    with pytest.raises(ProgramError) as refused:
        search(body, user_ns={"nb": nb})
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize(
    "body",
    [
        "a = floatv(0, 1, name='lr')\nb = floatv(0, 1, name='lr')\na + b",  # one decision
        "for i in range(2):\n    w = intv(1, 4, name='w')\nw",
        "hi = 0\nhi += 2\nx = floatv(1, hi)\nx",  # bound twice: not a constant
        "x = floatv(1, hi)\nhi = 0\nx",  # read before the cell binds it: the notebook's
        "def f(hi):\n    return floatv(1, hi)\nhi = 0\nf(3)",  # a parameter hides it
        "c = []\nc.append(1)\nx = oneof(c)\nx",  # mutable: changed before the call
        "hi = 0\nglobals()['hi'] = 5\nx = floatv(1, hi)\nx",
        "cfg = dict(low=0, high=1)\nx = floatv(**cfg)\nx",
        "x = floatv(0, 1)\nif x > 2:\n    x = floatv(0, 2, name='y')\nx",
    ],
)
def test_what_the_checks_cannot_tell_is_left_to_the_trials(body):
    s = run(body, user_ns={"hi": 5})
    assert {t.state for t in s.trials} == {TrialState.COMPLETE}, reasons(s)


@pytest.mark.parametrize(
    ("body", "line", "reason"),
    [
        ("hi = int('0')\nx = floatv(1, hi)\nx", 2, "floatv(low=1, high=0)"),
        ("n = intv(1, 3)\nw = intv(n, 0)\nw", 2, "`low` must not exceed `high`"),
        (
            "import random\nn = random.choice([1, 2, 3])\nx = oneof(list(range(n)))\nx",
            3,
            "CategoricalDistribution does not support dynamic value space",
        ),
        (  # a name the checks cannot read
            "a = floatv(0, 1, name='p')\nb = floatv(0, 2, name='p' + '')\na + b",
            2,
            "name 'p' is given to two different definitions",
        ),
    ],
)
def test_a_trial_failing_on_a_bad_primitive_names_its_line(body, line, reason):
    s = run(body, n_trials=6)
    failed = reasons(s)
    assert failed, "no trial failed"
    assert all(f"line {line}" in r and reason in r for r in failed), failed
