import math

import optuna
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nas_notebook import SearchSpaceError, floatv, intv, manyof, oneof
from nas_notebook.space import Float, Int, ManyOf, OneOf, TrialContext, activate


def test_outside_a_search_helpers_return_value_objects():
    assert isinstance(oneof([1, 2]), OneOf)
    assert isinstance(manyof(1, [1, 2]), ManyOf)
    assert isinstance(floatv(0, 1), Float)
    assert isinstance(intv(0, 1), Int)
    assert floatv(0, 1, name="a") == Float(0, 1, name="a")
    assert floatv(0, 1) != floatv(0, 2)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: oneof([]), "oneof: `candidates` is empty"),
        (lambda: manyof(1, []), "manyof: `candidates` is empty"),
        (lambda: floatv(1.0, 0.5), "`low` must not exceed `high`"),
        (lambda: intv(5, 1), "`low` must not exceed `high`"),
        (lambda: floatv(0.0, 1.0, log=True), "`low` must be > 0 on a log scale"),
        (lambda: floatv(-1, 1, log=True), "`low` must be > 0 on a log scale"),
        (lambda: intv(0, 8, log=True), "`low` must be >= 1 on a log scale"),
        (lambda: manyof(3, ["a", "b"]), "`k`=3 exceeds the 2 candidates while distinct=True"),
        (lambda: manyof(-1, ["a"]), "`k` must be a non-negative integer"),
        (lambda: floatv(0, float("nan")), "`high` must be finite"),
        (lambda: floatv("0", 1), "`low` must be a number"),
        (lambda: intv(0.5, 2), "`low` must be an integer"),
        (lambda: floatv(0, 1, step=0), "`step` must be > 0"),
        (lambda: floatv(1, 2, step=0.1, log=True), "cannot be combined"),
        (lambda: oneof([1], name=""), "`name` must be a non-empty string"),
        (lambda: oneof("abc"), "must be a list of options"),
    ],
)
def test_bad_arguments_name_the_parameter(make, message):
    with pytest.raises(SearchSpaceError, match=message.replace("(", r"\(").replace("[", r"\[")):
        make()


def test_manyof_allows_k_above_len_without_distinct():
    assert manyof(3, ["a", "b"], distinct=False).k == 3


def _in_trial(fn, seed):
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    trial = study.ask()
    with activate(TrialContext(trial)):
        return fn()


finite = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(a=finite, b=finite, seed=st.integers(0, 2**16))
def test_floatv_stays_in_bounds(a, b, seed):
    low, high = min(a, b), max(a, b)
    value = _in_trial(lambda: floatv(low, high), seed)
    assert low <= value <= high


@settings(max_examples=60, deadline=None)
@given(low=st.floats(1e-6, 1e3), span=st.floats(1.0, 1e4), seed=st.integers(0, 2**16))
def test_floatv_log_stays_in_bounds(low, span, seed):
    high = low * span
    value = _in_trial(lambda: floatv(low, high, log=True), seed)
    assert low <= value <= high * (1 + 1e-12)


@settings(max_examples=60, deadline=None)
@given(
    low=st.integers(-100, 100),
    n=st.integers(0, 20),
    step=st.integers(1, 7),
    seed=st.integers(0, 999),
)
def test_intv_honours_step(low, n, step, seed):
    high = low + n * step
    value = _in_trial(lambda: intv(low, high, step=step), seed)
    assert low <= value <= high and (value - low) % step == 0 and isinstance(value, int)


@settings(max_examples=60, deadline=None)
@given(low=st.integers(1, 1000), factor=st.integers(1, 100), seed=st.integers(0, 999))
def test_intv_log_stays_in_bounds(low, factor, seed):
    value = _in_trial(lambda: intv(low, low * factor, log=True), seed)
    assert low <= value <= low * factor


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 6), seed=st.integers(0, 999), data=st.data())
def test_floatv_step_grid(n, seed, data):
    step = data.draw(st.sampled_from([0.1, 0.25, 0.5, 1.0]))
    value = _in_trial(lambda: floatv(0.0, round(n * step, 9), step=step), seed)
    assert math.isclose(round(value / step) * step, value, abs_tol=1e-9)


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(1, 7),
    data=st.data(),
    distinct=st.booleans(),
    ordered=st.booleans(),
    seed=st.integers(0, 999),
)
def test_manyof_honours_distinct_and_sorted(n, data, distinct, ordered, seed):
    candidates = [f"op{i}" for i in range(n)]
    k = data.draw(st.integers(0, n if distinct else n + 2))
    value = _in_trial(lambda: manyof(k, candidates, distinct=distinct, sorted=ordered), seed)
    assert len(value) == k and all(v in candidates for v in value)
    if distinct:
        assert len(set(value)) == k
    if ordered:
        assert value == sorted(value, key=candidates.index)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 999))
def test_oneof_returns_the_candidate_object(seed):
    class A: ...

    class B: ...

    value = _in_trial(lambda: oneof([A, B, len]), seed)
    assert value in (A, B, len)


def test_a_call_site_revalidates_new_arguments_and_keeps_argument_types():
    def fresh_trial():  # a new study each time: Optuna fixes a categorical's choices per study
        return optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0)).ask()

    def body(high, options):
        n = intv(0, high)
        pick = oneof(options)
        return n, pick

    seen = []
    for high, options in [(3, [1, 2]), (3, [1.0, 2.0]), (5, [True, False]), (3, [1, 2])]:
        with activate(TrialContext(fresh_trial())):
            n, pick = body(high, options)
        seen.append((n, pick))
        assert 0 <= n <= high and type(pick) is type(options[0])
    with (
        activate(TrialContext(fresh_trial())),
        pytest.raises(SearchSpaceError, match="must not exceed"),
    ):
        body(-1, [1, 2])
    with activate(TrialContext(fresh_trial())):
        n, pick = body(2, [[1], [2]])  # unhashable candidates still work
    assert pick in ([1], [2])
