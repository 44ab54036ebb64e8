"""The seeded shuffled order of grid search visits every point once."""

import pytest

from nas_notebook.algorithms._grid_order import Permutation


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64, 1000])
def test_the_shuffled_order_is_a_permutation(size):
    order = Permutation(size, key=12345)
    assert sorted(order(rank) for rank in range(size)) == list(range(size))
    if size >= 64:
        assert [order(rank) for rank in range(size)] != list(range(size))
