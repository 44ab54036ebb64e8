"""The one discretization of the algorithms: grid values of every distribution kind (halves
rounding up), step grids, containment by kind (True is not 1), native values."""

import math

import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from nas_notebook.algorithms._discretize import (
    contains,
    count,
    grid_values,
    internal,
    native,
    position,
    snap,
    step_index,
    steps,
    value_at,
)

LRS = [1e-3, 1e-2, 1e-1]


def close(a, b):
    return all(
        x == y or (isinstance(x, float) and math.isclose(x, y, rel_tol=1e-12)) for x, y in zip(a, b)
    ) and len(a) == len(b)


def test_axes_of_each_distribution_kind():
    assert grid_values(CategoricalDistribution([None, True, 1, "x"]), 2) == (None, True, 1, "x")
    assert grid_values(IntDistribution(1, 4), 5) == (1, 2, 3, 4)  # few enough: every value
    assert grid_values(IntDistribution(1, 4), 3) == (1, 3, 4)  # 1, 2.5, 4 rounded (half up)
    assert grid_values(IntDistribution(0, 100, step=10), 5) == (0, 30, 50, 80, 100)
    assert grid_values(IntDistribution(1, 1000, log=True), 4) == (1, 10, 100, 1000)
    assert grid_values(IntDistribution(1, 6, log=True), 5) == (1, 2, 4, 6)  # deduplicated
    assert grid_values(IntDistribution(3, 3), 5) == (3,)
    assert close(grid_values(FloatDistribution(1e-3, 1e-1, log=True), 3), LRS)
    assert grid_values(FloatDistribution(0.0, 1.0), 5) == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert grid_values(FloatDistribution(0.0, 1.0, step=0.25), 3) == (0.0, 0.5, 1.0)
    assert grid_values(FloatDistribution(0.0, 0.5, step=0.25), 5) == (0.0, 0.25, 0.5)
    assert grid_values(FloatDistribution(-1.0, 2.0), 1) == (-1.0,)
    for dist in (
        IntDistribution(-3, 7),
        IntDistribution(8, 64, step=8),
        IntDistribution(1, 1024, log=True),
        FloatDistribution(0.0, 0.5, step=0.05),
        FloatDistribution(1e-5, 1e-1, log=True),
    ):
        values = grid_values(dist, 5)
        assert 1 < len(values) <= 5 and values[0] == dist.low and values[-1] == dist.high
        assert all(dist._contains(dist.to_internal_repr(v)) for v in values)
        native = int if isinstance(dist, IntDistribution) else float
        assert all(type(v) is native for v in values)


@pytest.mark.parametrize(
    ("dist", "size"),
    [
        (IntDistribution(0, 9, step=3), 4),
        (FloatDistribution(0.0, 1.0, step=0.1), 11),
        (FloatDistribution(0.1, 0.3, step=0.1), 3),  # 0.3 - 0.1 is 1.9999999999999998 steps
        (IntDistribution(-3, 4, step=7), 2),
        (CategoricalDistribution(["a", None, 2]), 3),
    ],
)
def test_the_values_of_a_stepped_or_categorical_distribution(dist, size):
    assert count(dist) == size
    values = [value_at(dist, i) for i in range(size)]
    assert all(contains(dist, v) for v in values)
    assert [position(dist, internal(dist, v)) for v in values] == list(range(size))
    if not isinstance(dist, CategoricalDistribution):
        assert steps(dist) == size and values[0] == dist.low and values[-1] == dist.high


def test_numbers_go_to_the_nearest_grid_value_halves_up_and_into_bounds():
    ints = IntDistribution(0, 10, step=2)
    assert [step_index(ints, x) for x in (0.9, 1.0, 2.9, 3.0)] == [0, 1, 1, 2]
    assert [snap(ints, x) for x in (-5.0, 1.0, 4.2, 99.0)] == [0, 2, 4, 10]
    assert type(snap(ints, 4.2)) is int
    floats = FloatDistribution(0.0, 1.0)
    assert snap(floats, 1.5) == 1.0 and type(snap(floats, 0)) is float


def test_containment_compares_kinds_not_just_equality():
    choices = CategoricalDistribution([1, True, 2.5, None])
    assert internal(choices, True) == 1.0 and internal(choices, 1) == 0.0
    assert internal(choices, 1.0) == 0.0  # 1.0 is the number 1
    assert native(choices, 1.0) == 1 and type(native(choices, 1.0)) is int
    assert not contains(choices, "1") and contains(choices, None)
    numbers = IntDistribution(0, 4, step=2)
    assert contains(numbers, 2) and not contains(numbers, 3) and not contains(numbers, 6)
    assert not contains(numbers, True) and not contains(numbers, "2")
    assert contains(FloatDistribution(0.0, 1.0), 0.5) and not contains(FloatDistribution(0, 1), 2)
