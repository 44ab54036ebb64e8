"""Round trips of symbolic spaces: decisions -> object -> decisions is the identity.

Hypothesis generates nested spaces (dicts, lists, tuples, symbolized classes and a symbolized
function, holding fixed values, ``floatv``, ``intv``, ``oneof`` with conditional sub-choices and
``manyof``). Each space is sampled through a real Optuna study; the trial's parameters must
materialize into the sampled object and the object must encode back into the parameters.

The candidates of a ``oneof``/``manyof`` are kept pairwise distinguishable (no value could come
from two of them), which is what makes the encoding of an object unique.
"""

from __future__ import annotations

import math
from typing import Any

import optuna
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nas_notebook import SearchSpaceError, floatv, intv, manyof, oneof, sample
from nas_notebook.space import Float, HyperPrimitive, Int, ManyOf, OneOf, _codec
from nas_notebook.symbolic import (
    Functor,
    Symbolic,
    arguments_of,
    decisions,
    encode,
    materialize,
    parse,
    symbolize,
)

optuna.logging.set_verbosity(optuna.logging.WARNING)

# A stepped float range that is not a multiple of its step is narrowed by Optuna, which warns.
pytestmark = pytest.mark.filterwarnings("ignore:The distribution is specified by")


# --- symbolized programs used as building blocks -----------------------------------------------


@symbolize
class Conv:
    def __init__(self, filters: Any, kernel: Any = 3) -> None:
        self.filters = filters
        self.kernel = kernel


@symbolize
class Block:
    def __init__(self, op: Any, repeats: Any = 1) -> None:
        self.op = op
        self.repeats = repeats


@symbolize
class Stack:
    def __init__(self, *layers: Any, name: Any = "stack") -> None:
        self.layers = layers
        self.name = name


@symbolize
def head(units: Any, activation: Any = "relu") -> tuple[Any, Any]:
    return units, activation


# --- when could one value come from two candidates? --------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _call_parts(node: Any) -> tuple[Any, dict[str, Any]] | None:
    """(callable, arguments) of a symbolic template, functor or symbolized instance."""
    if isinstance(node, Symbolic):
        return node.target, dict(node.arguments)
    arguments = arguments_of(node)
    if arguments is not None:
        return type(node), arguments
    return None


def may_overlap(a: Any, b: Any) -> bool:
    """Whether some value could be materialized from both ``a`` and ``b`` (conservative: True
    when unsure), so that ``encode`` could not tell which one produced it."""
    if isinstance(a, OneOf):
        return any(may_overlap(c, b) for c in a.candidates)
    if isinstance(b, OneOf):
        return may_overlap(b, a)
    if isinstance(a, ManyOf):
        if isinstance(b, ManyOf):
            return a.k == b.k
        return isinstance(b, (list, tuple)) and len(b) == a.k
    if isinstance(b, ManyOf):
        return may_overlap(b, a)
    if isinstance(a, (Float, Int)):
        return isinstance(b, (Float, Int)) or _is_number(b)
    if isinstance(b, (Float, Int)):
        return may_overlap(b, a)
    call_a, call_b = _call_parts(a), _call_parts(b)
    if call_a is not None or call_b is not None:
        if call_a is None or call_b is None:
            return False
        (target_a, args_a), (target_b, args_b) = call_a, call_b
        if target_a is not target_b or set(args_a) != set(args_b):
            return False
        return all(may_overlap(args_a[k], args_b[k]) for k in args_a)
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)) or set(a) != set(b):
            return False
        return all(may_overlap(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        if not (isinstance(a, (list, tuple)) and isinstance(b, (list, tuple))):
            return False
        return len(a) == len(b) and all(may_overlap(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except Exception:  # pragma: no cover - all generated leaves compare
        return True


def distinguishable(candidates: list[Any]) -> list[Any]:
    """``candidates`` without those that may overlap an earlier one (never empty)."""
    kept: list[Any] = []
    for candidate in candidates:
        if not any(may_overlap(candidate, other) for other in kept):
            kept.append(candidate)
    return kept


# --- strategies ---------------------------------------------------------------------------------

# Mostly identifiers (``a.b`` paths), sometimes keys written in brackets (``['a b']``, ``[3]``).
KEYS = st.one_of(
    st.sampled_from(["a", "b", "lr", "units", "op", "x_1", "if", "arg0"]),
    st.sampled_from(["a b", "0", 3, "x.y", "a'b"]),
)

FIXED = st.one_of(
    st.integers(-5, 5),
    st.floats(-10.0, 10.0, allow_nan=False, allow_infinity=False, allow_subnormal=False),
    st.sampled_from(["relu", "tanh", "skip", "", "a b", "0"]),
)


@st.composite
def float_values(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["plain", "log", "step"]))
    if kind == "log":
        low = draw(st.floats(1e-4, 10.0))
        high = low * draw(st.floats(1.0, 1e3))
        return floatv(low, high, log=True)
    low = draw(st.floats(-100.0, 100.0, allow_subnormal=False))
    if kind == "step":
        step = draw(st.sampled_from([0.5, 0.25, 0.125, 2.0]))
        if draw(st.booleans()):
            low = step * round(low)  # on the grid: the range divides exactly
        return floatv(low, low + step * draw(st.integers(0, 8)), step=step)
    return floatv(low, low + draw(st.floats(0.0, 100.0, allow_subnormal=False)))


@st.composite
def int_values(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["plain", "log", "step"]))
    if kind == "log":
        low = draw(st.integers(1, 50))
        return intv(low, low + draw(st.integers(0, 500)), log=True)
    low = draw(st.integers(-20, 20))
    if kind == "step":
        step = draw(st.integers(2, 5))
        return intv(low, low + step * draw(st.integers(0, 6)), step=step)
    return intv(low, low + draw(st.integers(0, 50)))


@st.composite
def one_ofs(draw: st.DrawFn, candidates: st.SearchStrategy[Any]) -> Any:
    return oneof(distinguishable(draw(st.lists(candidates, min_size=1, max_size=4))))


@st.composite
def many_ofs(draw: st.DrawFn, candidates: st.SearchStrategy[Any]) -> Any:
    options = distinguishable(draw(st.lists(candidates, min_size=1, max_size=4)))
    distinct = draw(st.booleans())
    k = draw(st.integers(0, len(options) if distinct else 3))
    return manyof(k, options, distinct=distinct, sorted=draw(st.booleans()))


@st.composite
def calls(draw: st.DrawFn, children: st.SearchStrategy[Any]) -> Any:
    kind = draw(st.sampled_from(["conv", "block", "stack", "head"]))
    if kind == "conv":
        if draw(st.booleans()):
            return Conv(draw(children), kernel=draw(children))
        return Conv(draw(children))
    if kind == "block":
        if draw(st.booleans()):
            return Block(draw(children), draw(children))
        return Block(op=draw(children))
    if kind == "stack":
        layers = draw(st.lists(children, min_size=0, max_size=2))
        if draw(st.booleans()):
            return Stack(*layers, name=draw(children))
        return Stack(*layers)
    if draw(st.booleans()):
        return head(draw(children), activation=draw(children))
    return head(units=draw(children))


LEAVES = st.one_of(
    FIXED,
    float_values(),
    int_values(),
    one_ofs(FIXED),
    many_ofs(FIXED),
)


def _extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.dictionaries(KEYS, children, min_size=1, max_size=3),
        st.lists(children, min_size=1, max_size=3),
        st.tuples(children, children),
        calls(children),
        calls(children),
        one_ofs(children),
        one_ofs(children),
        many_ofs(children),
    )


def _as_space(node: Any) -> Any:
    """A root ``sample`` takes: a container, a template or a hyper value."""
    if isinstance(node, (Symbolic, HyperPrimitive, dict, list, tuple)):
        return node
    return {"net": node}


SPACES = st.recursive(LEAVES, _extend, max_leaves=8).map(_as_space)


# --- helpers ------------------------------------------------------------------------------------


def parameter_names(space: Any) -> dict[str, Any]:
    """Every Optuna parameter the space may set, with its distribution."""
    out: dict[str, Any] = {}
    for name, primitive in decisions(space).items():
        out.update(_codec.distributions(name, primitive))
    return out


def sorted_slots(space: Any) -> set[str]:
    """The Optuna parameters of every sorted ``manyof`` with k >= 2 (their encoding is the
    canonical one, not necessarily the order the sampler drew)."""
    return {
        slot
        for name, primitive in decisions(space).items()
        if isinstance(primitive, ManyOf) and primitive.sorted and primitive.k >= 2
        for slot in _codec.distributions(name, primitive)
    }


def same(a: Any, b: Any) -> bool:
    """Exact equality that also tells ``-0.0`` from ``0.0`` and a float from an equal int."""
    if isinstance(a, float) or isinstance(b, float):
        return type(a) is type(b) and (a == b and math.copysign(1, a) == math.copysign(1, b))
    return type(a) is type(b) and a == b


def same_params(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return set(a) == set(b) and all(same(a[k], b[k]) for k in a)


# --- properties ---------------------------------------------------------------------------------

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@PROPERTY_SETTINGS
@given(space=SPACES, seed=st.integers(0, 2**16))
def test_trial_params_materialize_and_encode_back(space: Any, seed: int) -> None:
    canonical = sorted_slots(space)
    expected_distributions = parameter_names(space)
    for obj, feedback in sample(space, "random", 3, seed=seed):
        trial = feedback.example.trial
        params = dict(trial.params)

        # The trial used exactly the distributions the codec derives from the space.
        for name, distribution in trial.distributions.items():
            assert expected_distributions[name] == distribution, name

        rebuilt = materialize(space, params)
        assert rebuilt == obj
        encoded = encode(space, obj)
        assert same_params(encode(space, rebuilt), encoded)
        if not canonical:
            assert same_params(encoded, params)
        else:
            # Same parameters; only the slots of a sorted manyof may be permuted.
            assert set(encoded) == set(params)
            for name in set(params) - canonical:
                assert same(encoded[name], params[name]), name
            again = materialize(space, encoded)
            assert again == obj
            assert same_params(encode(space, again), encoded)
        # The encoding is itself a valid set of decisions that the space accepts as stored.
        assert materialize(space, encoded) == obj
        feedback(0.0)
        # A finished trial materializes the same object.
        assert materialize(space, feedback.study.trials[-1]) == obj


@PROPERTY_SETTINGS
@given(space=SPACES, seed=st.integers(0, 2**16))
def test_params_are_decisions_and_sub_choices_follow_their_parent(space: Any, seed: int) -> None:
    space_decisions = decisions(space)
    allowed = parameter_names(space)
    for _, feedback in sample(space, "random", 3, seed=seed):
        params = dict(feedback.example.trial.params)
        assert set(params) <= set(allowed)
        for name in params:
            segments = parse(name)
            for parent, primitive in space_decisions.items():
                if not isinstance(primitive, (OneOf, ManyOf)):
                    continue
                head_segments = parse(parent)
                depth = len(head_segments)
                if segments[:depth] != head_segments or len(segments) <= depth:
                    continue
                index = segments[depth]
                if isinstance(primitive, ManyOf):
                    if len(segments) == depth + 1:
                        assert isinstance(index, int) and index < primitive.k, name  # a slot
                        continue
                    # A manyof's candidates' own decisions: ``parent.candidates[i]...``.
                    assert index == "candidates", (name, parent)
                    index = segments[depth + 1]
                assert isinstance(index, int), (name, parent)
                # A candidate's own decision: only there when that candidate was picked.
                if isinstance(primitive, OneOf):
                    choices = _codec.choices_for(primitive.candidates)
                    assert choices.index(params[parent]) == index, (name, parent)
                else:
                    picked = _codec.decode(parent, primitive, params)
                    assert any(p is primitive.candidates[index] for p in picked), (name, parent)
        feedback(0.0)


@PROPERTY_SETTINGS
@given(space=SPACES, seed=st.integers(0, 2**16))
def test_every_reached_decision_is_required(space: Any, seed: int) -> None:
    """Dropping any stored parameter makes ``materialize`` name it as missing."""
    for _, feedback in sample(space, "random", 1, seed=seed):
        params = dict(feedback.example.trial.params)
        for name in params:
            partial = {k: v for k, v in params.items() if k != name}
            with pytest.raises(SearchSpaceError, match="missing") as info:
                materialize(space, partial)
            # The missing decision is named (a manyof by its decision, not its slot).
            decision = name if name in decisions(space) else name.rsplit("[", 1)[0]
            assert repr(decision) in str(info.value)
        feedback(0.0)


# --- examples -----------------------------------------------------------------------------------


def _model_space() -> Any:
    return {
        "op": oneof([Conv(filters=intv(1, 4)), Block(op="id", repeats=intv(1, 3))]),
        "lr": floatv(1e-3, 1e-1, log=True),
        "layers": manyof(2, [Conv(8), head(units=intv(4, 16))], distinct=False),
    }


def test_decisions_of_a_nested_space_are_key_paths() -> None:
    assert list(decisions(_model_space())) == [
        "op",
        "op[0].filters",
        "op[1].repeats",
        "lr",
        "layers",
        "layers.candidates[1].units",
    ]


def test_encode_then_materialize_round_trips_an_object() -> None:
    space = _model_space()
    obj = {"op": Block(op="id", repeats=2), "lr": 0.01, "layers": [head(units=5), Conv(8)]}
    params = encode(space, obj)
    assert params == {
        "op": "Block(op='id', repeats=intv(1, 3))",
        "op[1].repeats": 2,
        "lr": 0.01,
        "layers[0]": "head(units=intv(4, 16))",
        "layers.candidates[1].units": 5,
        "layers[1]": "Conv(filters=8)",
    }
    built = materialize(space, params)
    assert built == obj
    assert isinstance(built["op"], Block) and isinstance(built["layers"][0], Functor)


def test_materialize_names_a_missing_decision() -> None:
    space = {"a": intv(0, 3), "b": oneof([1, 2])}
    with pytest.raises(SearchSpaceError, match=r"'b'.*missing"):
        materialize(space, {"a": 1})


def test_materialize_names_a_missing_conditional_decision() -> None:
    space = _model_space()
    params = encode(space, {"op": Conv(2), "lr": 0.01, "layers": [Conv(8), Conv(8)]})
    del params["op[0].filters"]
    with pytest.raises(SearchSpaceError, match=r"'op\[0\]\.filters'.*missing"):
        materialize(space, params)


def test_materialize_names_an_unknown_decision() -> None:
    space = {"a": intv(0, 3), "b": oneof([1, 2])}
    with pytest.raises(SearchSpaceError, match=r"\['zzz'\] are not in this space"):
        materialize(space, {"a": 1, "b": 2, "zzz": 3})


def test_materialize_names_a_decision_of_a_candidate_not_picked() -> None:
    space = _model_space()
    params = encode(space, {"op": Conv(2), "lr": 0.01, "layers": [Conv(8), Conv(8)]})
    params["op[1].repeats"] = 2
    with pytest.raises(SearchSpaceError, match=r"'op\[1\]\.repeats'"):
        materialize(space, params)


def test_materialize_refuses_a_stored_value_that_is_no_candidate() -> None:
    with pytest.raises(SearchSpaceError, match="no candidate"):
        materialize({"b": oneof([1, 2])}, {"b": 3})


@pytest.mark.parametrize(
    "value",
    [
        {"op": Conv(99), "lr": 0.01, "layers": [Conv(8), Conv(8)]},  # outside intv(1, 4)
        {"op": Conv(2), "lr": 0.5, "layers": [Conv(8), Conv(8)]},  # outside floatv
        {"op": Conv(2), "lr": 0.01, "layers": [Conv(8)]},  # manyof picks 2
        {"op": Conv(2), "lr": 0.01, "layers": [Conv(16), Conv(8)]},  # no such candidate
        {"op": Conv(2, kernel=5), "lr": 0.01, "layers": [Conv(8), Conv(8)]},  # extra argument
        {"op": head(units=2), "lr": 0.01, "layers": [Conv(8), Conv(8)]},  # wrong kind
        {"op": Conv(2), "layers": [Conv(8), Conv(8)]},  # missing key
        [Conv(2), 0.01, [Conv(8), Conv(8)]],  # not a dict
    ],
)
def test_encode_refuses_an_object_outside_the_space(value: Any) -> None:
    with pytest.raises(SearchSpaceError, match="not in the space"):
        encode(_model_space(), value)


def test_encode_refuses_a_repeat_in_a_distinct_manyof_and_disorder_in_a_sorted_one() -> None:
    with pytest.raises(SearchSpaceError, match="not in the space"):
        encode(manyof(2, ["a", "b", "c"]), ["a", "a"])
    with pytest.raises(SearchSpaceError, match="not in the space"):
        encode(manyof(2, ["a", "b", "c"], sorted=True), ["c", "a"])
    assert encode(manyof(2, ["a", "b", "c"], sorted=True), ["a", "c"]) == {
        "manyof[0]": 0,
        "manyof[1]": 1,
    }


def test_manyof_with_a_bare_hyper_candidate_names_its_decisions_apart() -> None:
    space = {"m": manyof(2, [intv(0, 3), 5], distinct=False)}
    assert len(parameter_names(space)) == 3  # m[0], m[1] and the intv's own decision
    for obj, feedback in sample(space, "random", 3, seed=0):
        params = dict(feedback.example.trial.params)
        assert materialize(space, params) == obj
        assert encode(space, obj) == params
        feedback(0.0)
