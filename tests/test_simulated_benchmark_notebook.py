"""The tutorial ``notebooks/03_simulated_benchmark.py`` runs end to end in a real Jupyter kernel
(nbclient) on the shipped table, and what a reader sees holds: the table's 15,625 cells, a
1,000-trial simulated search with pruned trials, a timeline without overlaps whose curves are the
table's, the comparison of algorithms, the learning-curve plot, and a retrained cell that
matches its table entry."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from test_notebooks import cell_tagged, errors, execute, results, search_cells, stdout

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "03_simulated_benchmark.py"
PLOTLY = "application/vnd.plotly.v1+json"


@pytest.fixture(scope="module")
def notebook(tmp_path_factory: pytest.TempPathFactory) -> Any:
    nb, searches = search_cells(NOTEBOOK)
    assert searches == []  # the search is a line magic: the benchmark brings its trial body
    return execute(nb, tmp_path_factory.mktemp("simulated"))


def figure(nb: Any, tag: str) -> dict[str, Any]:
    (fig,) = results(cell_tagged(nb, tag), PLOTLY)
    return fig


def test_runs_without_errors(notebook: Any) -> None:
    assert errors(notebook) == []


def test_the_table_and_its_landscape(notebook: Any) -> None:
    assert "15625 cells; best validation accuracy 0.9" in stdout(cell_tagged(notebook, "table"))
    (html,) = results(cell_tagged(notebook, "table"), "text/html")
    assert html.count("<tr") == 9  # header + the 8 best cells
    assert figure(notebook, "landscape")["data"][0]["type"] == "scattergl"


def test_the_reliability_of_both_tables(notebook: Any) -> None:
    """The split-half figures the cell shows are the module's, and what the text says of
    them holds: the single runs share about a third of their top tenth, the averaged table's
    halves far more, and the averaged table agrees with another built alike better still."""
    from nas_notebook.benchmarks import AVG_TABLE_PATH, TabulatedBenchmark
    from nas_notebook.benchmarks.reliability import table_reliability

    (html,) = results(cell_tagged(notebook, "reliability"), "text/html")
    rows = {}
    for name in ("nas201_digits", "nas201_digits_avg"):
        row = re.search(rf"<th>{name}</th>(.*?)</tr>", html, re.S)
        assert row, html
        rows[name] = [float(v) for v in re.findall(r"<td>([^<]*)</td>", row.group(1))]
    for name, path in (("nas201_digits", None), ("nas201_digits_avg", AVG_TABLE_PATH)):
        report = table_reliability(TabulatedBenchmark(path).run_scores())
        expected = [report["runs"], report["runs_per_half"], report["spearman"],
                    report["spearman_better_half"], report["top10"], report["top20"],
                    report["spearman_all_runs"]]  # fmt: skip
        assert rows[name] == pytest.approx(expected, abs=1e-3), name
    single, averaged = rows["nas201_digits"], rows["nas201_digits_avg"]
    assert single[1] == 1 and averaged[1] >= 3
    assert 0.25 < single[4] < 0.45 and averaged[4] > single[4] + 0.2
    assert averaged[6] > averaged[2] > single[2] + 0.2


def test_the_simulated_search(notebook: Any) -> None:
    text = stdout(cell_tagged(notebook, "summary"))
    trials, wall = re.search(r"(\d+) trials in ([\d.]+) s of wall time", text).groups()
    assert int(trials) == 1000 and float(wall) < 60
    states = eval(re.search(r"states: (\{.*\})", text).group(1))
    assert states["PRUNED"] > 500 and states["COMPLETE"] > 10 and "FAIL" not in states
    found, best = map(
        float, re.search(r"accuracy ([\d.]+) \(table's best: ([\d.]+)\)", text).groups()
    )
    assert 0.9 < found <= best


def test_the_timeline_is_faithful(notebook: Any) -> None:
    fig = figure(notebook, "timeline")
    assert {trace["name"] for trace in fig["data"]} == {"complete", "pruned"}
    text = stdout(cell_tagged(notebook, "faithful"))
    assert "overlapping trials on a worker: 0; curves differing from the table: 0" in text


def test_the_comparison_and_the_plots(notebook: Any) -> None:
    (html,) = results(cell_tagged(notebook, "compare"), "text/html")
    for label in ("random", "tpe", "random + asha", "tpe + asha"):
        assert f"<th>{label}</th>" in html
    assert len(figure(notebook, "regret")["data"]) == 4
    curves = figure(notebook, "curves")
    assert "ntermediate" in curves["layout"]["title"]["text"] or curves["data"]


def test_a_retrained_cell_matches_the_table(notebook: Any) -> None:
    text = stdout(cell_tagged(notebook, "rebuild"))
    difference = float(re.search(r"largest difference: ([\d.]+)", text).group(1))
    assert difference <= 0.02
