"""Configuration spaces written as dicts of domains (Syne Tune's vocabulary).

Each domain is checked against the primitive it is documented to map to, against the values
Syne Tune's own domain of the same name takes, and through a real Optuna study; bad arguments
must name the domain and the parameter. The last part checks what ``Search(..., space=NAME)``
refuses before any trial runs.
"""

from __future__ import annotations

import math
import os
import threading
from typing import Any

import optuna
import pytest

from nas_notebook import Search, SearchSpaceError, intv, oneof, sample
from nas_notebook.space import (
    Float,
    Int,
    OneOf,
    choice,
    finrange,
    logfinrange,
    lograndint,
    loguniform,
    ordinal,
    randint,
    uniform,
)
from nas_notebook.symbolic import decisions, materialize

optuna.logging.set_verbosity(optuna.logging.WARNING)


# --- each domain is the documented primitive ---------------------------------------------------


@pytest.mark.parametrize(
    ("domain", "primitive"),
    [
        (randint(4, 1024), Int(4, 1024)),
        (randint(3, 3), Int(3, 3)),
        (lograndint(16, 256), Int(16, 256, log=True)),
        (uniform(0, 0.99), Float(0.0, 0.99)),
        (loguniform(1e-6, 1), Float(1e-6, 1.0, log=True)),
        (choice(["relu", "tanh"]), OneOf(["relu", "tanh"])),
        (choice((1, "a", None)), OneOf([1, "a", None])),
        (ordinal([16, 32, 64]), OneOf([16, 32, 64])),
        (ordinal([16, 32, 64], kind="nn-log"), OneOf([16, 32, 64])),
        (ordinal([0.1, 0.2], kind="equal"), OneOf([0.1, 0.2])),
        # finrange: a stepped range when the step divides the span exactly in decimal ...
        (finrange(0.1, 1.0, 10), Float(0.1, 1.0, step=0.1)),
        (finrange(-1, 1, 9), Float(-1.0, 1.0, step=0.25)),
        (finrange(0, 100, 5, cast_int=True), Int(0, 100, step=25)),
        # ... the listed values otherwise (the upper end exact), rounded with cast_int.
        (finrange(0, 1, 4), OneOf([0.0, 1 / 3, 2 / 3, 1.0])),
        (finrange(0, 10, 4, cast_int=True), OneOf([0, 3, 7, 10])),
        (finrange(2, 2, 3), OneOf([2.0])),
        (finrange(0, 1, 1), OneOf([0.0])),
        (logfinrange(1, 100, 3, cast_int=True), OneOf([1, 10, 100])),
        (logfinrange(2, 8, 1), OneOf([2.0])),
    ],
    ids=repr,
)
def test_each_domain_is_its_documented_primitive(domain, primitive):
    assert domain == primitive
    assert type(domain) is type(primitive) and repr(domain) == repr(primitive)


def test_finrange_falls_back_to_listed_values_when_the_step_is_not_decimal():
    # 0.7 - 0.1 is 0.6 but 0.6 / 6 is 0.09999999999999999: Optuna would narrow such a range.
    values = finrange(0.1, 0.7, 7)
    assert isinstance(values, OneOf)
    assert len(values.candidates) == 7
    assert values.candidates[0] == 0.1 and values.candidates[-1] == 0.7
    steps = [b - a for a, b in zip(values.candidates, values.candidates[1:], strict=False)]
    assert all(math.isclose(s, 0.1) for s in steps)


def test_logfinrange_keeps_its_endpoints_exact():
    values = logfinrange(1e-4, 1e-1, 4)
    assert isinstance(values, OneOf)
    first, *middle, last = values.candidates
    assert (first, last) == (1e-4, 1e-1)  # exact, not exp(log(x))
    assert [math.log10(v) for v in middle] == pytest.approx([-3, -2])
    assert logfinrange(1, 100, 3).candidates[::2] == (1.0, 100.0)


def _values(primitive: Any) -> list[Any]:
    """Every value a finite primitive can take."""
    if isinstance(primitive, OneOf):
        return list(primitive.candidates)
    step = primitive.step
    count = round((primitive.high - primitive.low) / step) + 1
    return [primitive.low + i * step for i in range(count)]


@pytest.mark.parametrize(
    ("lower", "upper", "size", "cast_int"),
    [
        (0.1, 1.0, 10, False),
        (0, 1, 4, False),
        (0.1, 0.7, 7, False),
        (-1, 1, 9, False),
        (0, 100, 5, True),
        (0, 10, 4, True),
        (1, 2.5, 4, True),
        (3, 3, 2, False),
    ],
)
def test_finite_ranges_take_the_values_syne_tune_lists(lower, upper, size, cast_int):
    # The test install includes Syne Tune: in CI a missing peer is a failure, not a skip.
    if os.environ.get("CI"):
        import syne_tune.config_space as config_space
    else:
        config_space = pytest.importorskip("syne_tune.config_space")
    expected = sorted(set(config_space.finrange(lower, upper, size, cast_int=cast_int).values))
    got = sorted(_values(finrange(lower, upper, size, cast_int=cast_int)))
    assert got == pytest.approx(expected)
    if cast_int:
        assert all(type(v) is int for v in got)
    logs = config_space.logfinrange(max(lower, 1), upper + 1, size, cast_int=cast_int)
    mine = logfinrange(max(lower, 1), upper + 1, size, cast_int=cast_int)
    assert sorted(_values(mine)) == pytest.approx(sorted(set(logs.values)))


def test_domains_are_sampled_within_their_ranges_and_grids():
    space = {
        "units": randint(4, 1024),
        "width": lograndint(16, 256),
        "dropout": uniform(0, 0.99),
        "lr": loguniform(1e-6, 1),
        "act": choice(["relu", "tanh"]),
        "size": ordinal([16, 32, 64]),
        "frac": finrange(0.1, 1.0, 10),
        "third": finrange(0, 1, 4),
        "steps": finrange(0, 100, 5, cast_int=True),
        "decay": logfinrange(1e-4, 1e-1, 4),
        "nested": {"depth": randint(1, 3), "name": "fixed"},
        "epochs": 10,
    }
    names = set(decisions(space))
    assert names == {*space, "nested.depth"} - {"nested", "epochs"}
    seen: dict[str, set[Any]] = {name: set() for name in ("frac", "third", "steps", "decay")}
    for config, feedback in sample(space, "random", 100, seed=0):
        assert type(config["units"]) is int and 4 <= config["units"] <= 1024
        assert type(config["width"]) is int and 16 <= config["width"] <= 256
        assert 0 <= config["dropout"] <= 0.99 and 1e-6 <= config["lr"] <= 1
        assert config["act"] in ("relu", "tanh") and config["size"] in (16, 32, 64)
        assert 1 <= config["nested"]["depth"] <= 3 and config["nested"]["name"] == "fixed"
        assert config["epochs"] == 10
        assert set(feedback.example.trial.params) == names
        assert materialize(space, feedback.example.trial.params) == config
        for name in seen:
            seen[name].add(config[name])
        feedback(0.0)
    # Each finite range takes exactly its listed values, both ends included.
    assert sorted(seen["frac"]) == pytest.approx([0.1 * i for i in range(1, 11)])
    assert sorted(seen["third"]) == [0.0, 1 / 3, 2 / 3, 1.0]
    assert sorted(seen["steps"]) == [0, 25, 50, 75, 100]
    assert sorted(seen["decay"]) == list(logfinrange(1e-4, 1e-1, 4).candidates)


def test_domains_stay_values_inside_a_trial():
    # ``intv`` is decided where it is written inside an example; a domain never is.
    for example, feedback in sample(lambda: intv(0, 9), "random", 1, seed=0):
        with example():
            decided = intv(0, 9)
            domain = randint(0, 9)
            listed = choice([1, 2])
        assert isinstance(decided, int)
        assert domain == Int(0, 9) and listed == OneOf([1, 2])
        feedback(0.0)


# --- bad arguments name the domain and the parameter -------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: uniform(1, 0), "uniform(lower=1, upper=0): `lower` must not exceed `upper`"),
        (lambda: loguniform(0, 1), "loguniform(lower=0, upper=1): `lower` must be > 0"),
        (lambda: lograndint(0, 4), "lograndint(lower=0, upper=4): `lower` must be > 0"),
        (lambda: logfinrange(0, 1, 3), "logfinrange(lower=0, upper=1): `lower` must be > 0"),
        (lambda: randint(1.5, 3), "randint: `lower` must be an integer, got 1.5"),
        (lambda: randint(1, "3"), "randint: `upper` must be an integer, got '3'"),
        (lambda: randint(True, 3), "randint: `lower` must be an integer, got True"),
        (lambda: uniform(0, math.inf), "uniform: `upper` must be finite, got inf"),
        (lambda: uniform("0", 1), "uniform: `lower` must be a number, got '0'"),
        (lambda: choice([]), "choice: `categories` is empty"),
        (lambda: choice("abc"), "choice: `categories` must be a list, got 'abc'"),
        (lambda: ordinal({1, 2}), "ordinal: `categories` must be a list"),
        (lambda: finrange(0, 1, 0), "finrange: `size` must be >= 1, got 0"),
        (lambda: finrange(0, 1, 2.5), "finrange: `size` must be an integer, got 2.5"),
        (lambda: logfinrange(1, 10, -1), "logfinrange: `size` must be >= 1, got -1"),
        (lambda: finrange(1, 0, 3), "finrange(lower=1, upper=0): `lower` must not exceed"),
        (
            lambda: ordinal([1, 2], kind="bogus"),
            "ordinal: `kind` must be 'equal', 'nn' or 'nn-log' (or None), got 'bogus'",
        ),
    ],
)
def test_bad_arguments_name_the_domain_and_the_parameter(make, message):
    with pytest.raises(SearchSpaceError) as info:
        make()
    assert message in str(info.value)


# --- Search(..., space=NAME) checks the space before any trial runs -----------------------------


def test_a_space_name_must_hold_hyper_values():
    with pytest.raises(SearchSpaceError, match="--space config: 'config' holds no hyper value"):
        Search("config['a']", space="config", user_ns={"config": {"a": 1}}, executor="inline")


def test_a_space_name_must_be_defined():
    with pytest.raises(SearchSpaceError, match="name 'config' is not defined"):
        Search("config['a']", space="config", user_ns={}, executor="inline")
    # A function body takes the space from the namespace by name too.
    with pytest.raises(SearchSpaceError, match="--space config: name 'config' is not defined"):
        Search(lambda config: config["a"], space="config", user_ns={}, executor="inline")
    with pytest.raises(SearchSpaceError, match="give the name of a variable"):
        Search("config", space="my config", user_ns={"config": {"a": randint(1, 3)}})


def test_a_space_name_must_be_used_by_the_cell():
    user_ns = {"config": {"a": randint(1, 3)}, "other": 2}
    with pytest.raises(SearchSpaceError, match="--space config: the cell does not use 'config'"):
        Search("other * 2", space="config", user_ns=user_ns, executor="inline")


def test_a_cell_body_takes_the_space_by_name_not_by_value():
    with pytest.raises(ValueError, match="name of the variable"):
        Search("config", space={"a": randint(1, 3)}, executor="inline")


def test_a_function_body_may_name_its_space():
    user_ns = {"config": {"a": randint(1, 3), "b": oneof(["x", "y"]), "fixed": 7}}
    seen = []

    def body(config: dict[str, Any]) -> float:
        seen.append(config)
        return config["a"] + config["fixed"]

    search = Search(
        body, space="config", user_ns=user_ns, n_trials=3, executor="inline", seed=0
    ).start()
    assert len(seen) == 3 and all(c["fixed"] == 7 and c["b"] in ("x", "y") for c in seen)
    assert search.best.build() == seen[search.best.number]


def _unpicklable() -> Any:
    yield 1


@pytest.mark.parametrize("candidate", [threading.Lock(), _unpicklable()], ids=["lock", "generator"])
def test_an_unpicklable_space_is_refused_for_worker_processes_before_any_trial(candidate, tmp_path):
    journal = tmp_path / "j.log"
    user_ns = {"config": {"x": uniform(0, 1), "thing": choice([candidate])}}
    with pytest.raises(ValueError, match="`config` cannot be sent to worker processes"):
        Search(
            "config['x']",
            space="config",
            user_ns=user_ns,
            executor="process",
            storage=f"journal:{journal}",
            n_trials=2,
        )
    # Refused before the study was created, so no trial could run.
    if journal.exists():
        backend = optuna.storages.journal.JournalFileBackend(str(journal))
        assert optuna.storages.JournalStorage(backend).get_all_studies() == []
