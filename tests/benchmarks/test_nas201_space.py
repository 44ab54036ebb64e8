"""The benchmark's space as choices between op modules: the same architectures as the table's."""

from __future__ import annotations

import os
import random

import pytest

torch = __import__("torch") if os.environ.get("CI") else pytest.importorskip("torch")

from nas_notebook.benchmarks import EDGES, OPS, cell_index, cell_ops, edge_name, param_count  # noqa: E402
from nas_notebook.benchmarks.nas201_model import (  # noqa: E402
    OP_MODULES,
    Network,
    OpNetwork,
    module_space,
    ops_of,
)
from nas_notebook.symbolic import decisions, encode, materialize  # noqa: E402
from nas_notebook.torch import MixedOp, Switch, rewrite  # noqa: E402


def _params(ops):
    return {edge_name(edge): OP_MODULES[op].__qualname__ for edge, op in zip(EDGES, ops)}


def test_decisions_are_the_edges_and_candidates_the_op_classes():
    space = module_space()
    assert list(decisions(space)) == [edge_name(edge) for edge in EDGES]
    for primitive in decisions(space).values():
        assert primitive.candidates == tuple(OP_MODULES[op] for op in OPS)


@pytest.mark.parametrize("index", [0, 1, 777, 15_624, *random.Random(0).sample(range(15_625), 6)])
def test_a_materialized_child_is_the_table_cell(index):
    ops = cell_ops(index)
    child = materialize(module_space(), _params(ops))
    assert isinstance(child, OpNetwork)
    assert sum(p.numel() for p in child.parameters()) == param_count(ops)
    assert sum(p.numel() for p in Network(ops).parameters()) == param_count(ops)
    assert ops_of(encode(module_space(), child)) == ops
    assert cell_index(ops_of(_params(ops))) == index
    x = torch.randn(3, 1, 8, 8)
    assert child(x).shape == (3, 10)


def test_the_super_network_shares_one_decision_between_both_cells():
    for mode, kind in (("switch", Switch), ("mixed", MixedOp)):
        supernet = rewrite(module_space(), mode)
        assert list(supernet.choices) == [edge_name(edge) for edge in EDGES]
        cells = (supernet.model.cell0, supernet.model.cell1)
        assert all(isinstance(op, kind) for cell in cells for op in cell.edges)
        if mode == "mixed":
            assert len(supernet.arch_parameters()) == len(EDGES)
    supernet = rewrite(module_space())
    ops = ("conv_3x3", "skip_connect", "avg_pool_3x3", "none", "conv_1x1", "conv_3x3")
    supernet.fix(_params(ops))
    child = supernet.child(_params(ops))
    x = torch.randn(2, 1, 8, 8)
    assert torch.equal(supernet(x), child(x))
    assert ops_of(supernet.derive()) == ops


def test_ops_of_names_what_it_cannot_map():
    with pytest.raises(ValueError, match="no op for"):
        ops_of({"edge_1<-0": "Zero"})
