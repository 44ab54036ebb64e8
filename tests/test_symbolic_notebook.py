"""The tutorial ``notebooks/05_symbolic_spaces.py`` runs end to end in a real Jupyter kernel
(nbclient), and what a reader sees holds: a symbolized class and builder function printed as a
space with its decisions and searched by a ``sample`` loop; a conditional space whose
sub-decisions have values only under the candidate that owns them; a torch model rewritten into
a space by ``rebind`` and left untouched; a ``%%search --space`` of six complete trials whose best
child model has relaxed widths; and a dict configuration space whose best configuration keeps its
fixed values.

Like ``test_notebooks.py`` (whose helpers this module reuses), the kernel imports
``nas_notebook`` from this checkout.
"""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path
from typing import Any

import pytest
from test_notebooks import cell_tagged, errors, execute, results, search_cells, stdout

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "05_symbolic_spaces.py"

FIRST = (4, 8, 16)  # the relaxed out_channels of the first conv (8 // 2, 8, 8 * 2)
SECOND = (8, 16, 32)  # and of the second (16)


@pytest.fixture(scope="module")
def notebook(tmp_path_factory: pytest.TempPathFactory) -> Any:
    nb, searches = search_cells(NOTEBOOK)
    assert [s.split()[1] for s in searches] == ["relaxed"]
    options = searches[0].splitlines()[0].split()
    for option in ("--space space", "--algo tpe", "-n 6", "--executor inline", "--seed 0"):
        flag, value = option.split()
        assert options[options.index(flag) + 1] == value, option
    return execute(nb, tmp_path_factory.mktemp("symbolic"))


def html_table(nb: Any, tag: str) -> tuple[list[str], list[list[str]]]:
    """The column names and the rows (cell texts, without the index) of a displayed DataFrame."""
    (html,) = results(cell_tagged(nb, tag), "text/html")
    head, body = html.split("<tbody>")
    columns = re.findall(r"<th>([^<]+)</th>", head)
    rows = [
        re.findall(r"<td>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]
    assert rows and all(len(row) == len(columns) for row in rows), (columns, rows)
    return columns, rows


def decision_lines(text: str) -> dict[str, str]:
    return dict(re.findall(r"^(\S+): (.+)$", text, re.M))


def test_runs_without_errors(notebook: Any) -> None:
    assert errors(notebook) == []
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)


def test_symbolized_class_and_function_print_as_a_space(notebook: Any) -> None:
    text = stdout(cell_tagged(notebook, "symbolize"))
    assert "Block(16) is a torch module: True" in text
    assert "Block(channels=oneof(...)) is a space: True" in text
    assert "network(...) is a Functor: True" in text
    assert (
        "network(block=Block(channels=oneof([8, 16, 32]), kernel=oneof([3, 5])), "
        "repeats=intv(1, 3))"
    ) in text.splitlines()

    assert decision_lines(stdout(cell_tagged(notebook, "decisions"))) == {
        "block.channels": "oneof([8, 16, 32])",
        "block.kernel": "oneof([3, 5])",
        "repeats": "intv(1, 3)",
    }


def test_sample_loop_gives_feedback(notebook: Any) -> None:
    text = stdout(cell_tagged(notebook, "sample"))
    examples = re.findall(
        r"^example (\d): \{'block\.channels': (\d+), 'block\.kernel': (\d), 'repeats': (\d)\} -> "
        r"([\d,]+) parameters, accuracy ([0-9.]+)$",
        text,
        re.M,
    )
    assert [int(e[0]) for e in examples] == [0, 1, 2, 3], text
    for _, channels, kernel, repeats, params, acc in examples:
        assert int(channels) in (8, 16, 32) and int(kernel) in (3, 5) and 1 <= int(repeats) <= 3
        assert int(params.replace(",", "")) > 0
        assert 0.0 <= float(acc) <= 1.0
    assert max(float(e[5]) for e in examples) > 0.5  # trained, not guessing


def test_conditional_decisions_exist_only_under_their_parent(notebook: Any) -> None:
    assert decision_lines(stdout(cell_tagged(notebook, "conditional-space"))) == {
        "op": (
            "oneof([Block(channels=oneof([8, 16, 32]), kernel=oneof([3, 5])), "
            "AvgPool2d(kernel_size=oneof([2, 4]))])"
        ),
        "op[0].channels": "oneof([8, 16, 32])",
        "op[0].kernel": "oneof([3, 5])",
        "op[1].kernel_size": "oneof([2, 4])",
        "optimizer": (
            "oneof([make_optimizer(kind='sgd', lr=floatv(0.01, 0.5, log=True), "
            "momentum=floatv(0.0, 0.9)), make_optimizer(kind='adam', "
            "lr=floatv(0.001, 0.03, log=True))])"
        ),
        "optimizer[0].lr": "floatv(0.01, 0.5, log=True)",
        "optimizer[0].momentum": "floatv(0.0, 0.9)",
        "optimizer[1].lr": "floatv(0.001, 0.03, log=True)",
    }

    columns, rows = html_table(notebook, "conditional")
    children = {
        ("op", "Block"): ["op[0].channels", "op[0].kernel"],
        ("op", "AvgPool2d"): ["op[1].kernel_size"],
        ("optimizer", "sgd"): ["optimizer[0].lr", "optimizer[0].momentum"],
        ("optimizer", "adam"): ["optimizer[1].lr"],
    }
    assert set(columns) == {"accuracy", "op", "optimizer"} | {
        c for names in children.values() for c in names
    }
    assert len(rows) == 8
    table = [dict(zip(columns, row)) for row in rows]
    for (parent, picked), names in children.items():
        assert any(row[parent] == picked for row in table), f"no row picked {parent}={picked}"
        for row in table:
            for name in names:
                # a value exactly where the parent chose this candidate, NaN elsewhere
                assert (row[name] != "NaN") == (row[parent] == picked), (name, row)
    for row in table:
        if row["op"] == "Block":
            assert float(row["op[0].channels"]) in (8, 16, 32)
            assert float(row["op[0].kernel"]) in (3, 5)
        else:
            assert float(row["op[1].kernel_size"]) in (2, 4)
        assert 0.0 <= float(row["accuracy"]) <= 1.0


def test_rebind_relaxes_every_conv_and_leaves_the_model_alone(notebook: Any) -> None:
    text = stdout(cell_tagged(notebook, "model"))
    assert text.startswith(
        "Sequential(args=(Conv2d(in_channels=1, out_channels=oneof([4, 8, 16]), kernel_size=3, "
        "padding=1), ReLU(), LazyConv2d(out_channels=oneof([8, 16, 32]), kernel_size=3, "
        "padding=1), ReLU(), Flatten("
    ), text
    assert decision_lines(text) == {
        "args[0].out_channels": "oneof([4, 8, 16])",
        "args[2].out_channels": "oneof([8, 16, 32])",
    }

    text = stdout(cell_tagged(notebook, "untouched"))
    assert "(0): Conv2d(1, 8, kernel_size=(3, 3)" in text
    assert "(2): LazyConv2d(0, 16, kernel_size=(3, 3)" in text
    assert "oneof" not in text.split("encode(space, model)")[0]
    assert "a torch.nn.Module: True" in text
    assert (
        "state_dict keys: ['0.weight', '0.bias', '2.weight', '2.bias', '5.weight', '5.bias']"
        in text
    )
    assert "encode(space, model): {'args[0].out_channels': 8, 'args[2].out_channels': 16}" in text
    assert "Conv2d(1, 16, kernel_size=(3, 3)" in text and "LazyConv2d(0, 32" in text


def test_search_runs_six_complete_trials(notebook: Any) -> None:
    cell = cell_tagged(notebook, "search")
    assert results(cell, "application/vnd.jupyter.widget-view+json"), "a dashboard is shown"

    text = stdout(cell_tagged(notebook, "search-table"))
    assert "<Search 'relaxed' finished: 6/6 trials (6 complete, 0 failed, 0 pruned" in text, text
    columns, rows = html_table(notebook, "search-table")
    assert columns == ["number", "state", "value", "args[0].out_channels", "args[2].out_channels"]
    assert [row[0] for row in rows] == [str(i) for i in range(6)]
    assert all(row[1] == "COMPLETE" for row in rows)
    assert all(int(row[3]) in FIRST and int(row[4]) in SECOND for row in rows)
    assert max(float(row[2]) for row in rows) > 0.5


def test_best_build_gives_a_relaxed_child_model(notebook: Any) -> None:
    text = stdout(cell_tagged(notebook, "best-model"))
    best = re.search(
        r"^best trial (\d): accuracy ([0-9.]+) with "
        r"\{'args\[0\]\.out_channels': (\d+), 'args\[2\]\.out_channels': (\d+)\}$",
        text,
        re.M,
    )
    assert best, text
    first, second = int(best.group(3)), int(best.group(4))
    assert first in FIRST and second in SECOND
    # the built child has exactly the best trial's widths (its lazy layers now sized)
    assert f"(0): Conv2d(1, {first}, kernel_size=(3, 3)" in text
    assert f"(2): Conv2d({first}, {second}, kernel_size=(3, 3)" in text
    assert f"(5): Linear(in_features={second * 64}, out_features=10" in text
    count = re.search(r"^([\d,]+) parameters \(the original model: 11,498\)$", text, re.M)
    assert count, text
    expected = (9 * first + first) + (9 * first * second + second) + (64 * second * 10 + 10)
    assert int(count.group(1).replace(",", "")) == expected


def test_dict_space_search_keeps_fixed_values(notebook: Any) -> None:
    assert decision_lines(stdout(cell_tagged(notebook, "config"))) == {
        "width": "intv(16, 128)",
        "depth": "oneof([1, 2])",
        "activation": "oneof(['relu', 'tanh'])",
        "learning_rate_init": "floatv(0.0001, 0.1, log=True)",
        "alpha": "floatv(1e-06, 0.01, log=True)",
        "beta_1": "floatv(0.8, 0.95)",
        "batch_size": "intv(32, 128, step=32)",
    }

    text = stdout(cell_tagged(notebook, "config-search"))
    summary = re.search(r"^12 trials, best accuracy ([0-9.]+) \(trial (\d+)\)$", text, re.M)
    assert summary, text
    assert float(summary.group(1)) > 0.8 and int(summary.group(2)) < 12
    built = re.search(r"^best\.build\(\): (\{.*\})$", text, re.M)
    assert built, text
    config = ast.literal_eval(built.group(1))
    assert isinstance(config, dict)
    assert config["max_iter"] == 40 and config["random_state"] == 0
    assert set(config) == {
        "width",
        "depth",
        "activation",
        "learning_rate_init",
        "alpha",
        "beta_1",
        "batch_size",
        "max_iter",
        "random_state",
    }
    assert isinstance(config["width"], int) and 16 <= config["width"] <= 128
    assert config["depth"] in (1, 2) and config["activation"] in ("relu", "tanh")
    assert 1e-4 <= config["learning_rate_init"] <= 1e-1 and 1e-6 <= config["alpha"] <= 1e-2
    assert 0.8 <= config["beta_1"] <= 0.95
    assert config["batch_size"] in (32, 64, 96, 128)
    assert all(math.isfinite(v) for v in config.values() if isinstance(v, float))
