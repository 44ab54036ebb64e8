"""The tutorial ``notebooks/04_algorithms.py`` runs end to end in a real Jupyter kernel: the
registry, four algorithms on the same simulated budget, a switch of algorithm within a study,
an NSGA-II Pareto front, ASHA stopping and promotion with their pruned and resumed trials, and a
factorized search whose loops see only their own decisions, priors written inline and a warm
start; a section on the curve pruner and DEHB."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from test_notebooks import cell_tagged, errors, execute, results, search_cells, stdout

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "04_algorithms.py"
PLOTLY = "application/vnd.plotly.v1+json"


@pytest.fixture(scope="module")
def notebook(tmp_path_factory: pytest.TempPathFactory) -> Any:
    nb, searches = search_cells(NOTEBOOK)
    assert [s.split()[1] for s in searches] == ["mo"]
    return execute(nb, tmp_path_factory.mktemp("algorithms"))


def html_rows(nb: Any, tag: str) -> str:
    (html,) = results(cell_tagged(nb, tag), "text/html")
    return html


def test_runs_without_errors(notebook: Any) -> None:
    assert errors(notebook) == []


def test_registry_and_unknown_name(notebook: Any) -> None:
    text = stdout(cell_tagged(notebook, "registry"))
    for name in ("evolution", "ppo", "reinforce", "nsga2", "bohb", "tpe", "random"):
        assert name in text
    assert "asha" in text and "hyperband" in text
    assert "unknown algorithm 'annealing'; known algorithms:" in stdout(
        cell_tagged(notebook, "unknown")
    )


def test_four_algorithms_and_their_traces(notebook: Any) -> None:
    html = html_rows(notebook, "four-table")
    for name in ("random", "tpe", "evolution", "ppo"):
        assert f"<th>{name}</th>" in html
    assert len(results(cell_tagged(notebook, "histories"), PLOTLY)[0]["data"]) == 4
    text = stdout(cell_tagged(notebook, "inspect"))
    assert re.search(r"trial \d+ is a child of trial \d+, mutated 'edge_\d<-\d'", text)
    assert len(re.findall(r"edge_\d<-\d: \w+ \(0\.\d\d\)", text)) == 6


def test_switching_keeps_one_study(notebook: Any) -> None:
    text = stdout(cell_tagged(notebook, "switch"))
    assert text.startswith("120 trials in one study")


def test_pareto_front(notebook: Any) -> None:
    text = stdout(cell_tagged(notebook, "front"))
    front, total = map(int, re.search(r"(\d+) trials on the Pareto front of (\d+)", text).groups())
    assert total == 300 and 1 < front < 300
    fig = results(cell_tagged(notebook, "pareto"), PLOTLY)[0]
    assert {trace["name"] for trace in fig["data"]} >= {"Pareto front"} or fig["data"]


def test_multi_fidelity_stops_and_promotes(notebook: Any) -> None:
    html = html_rows(notebook, "mf-table")
    assert "<th>asha stopping</th>" in html and "<th>asha promotion</th>" in html
    rows = dict(re.findall(r"<th>(asha \w+)</th>\s*((?:<td>[^<]*</td>\s*)+)", html))
    stopping = [float(v) for v in re.findall(r"<td>([^<]*)</td>", rows["asha stopping"])]
    promotion = [float(v) for v in re.findall(r"<td>([^<]*)</td>", rows["asha promotion"])]
    assert stopping[2] > stopping[1]  # most trials stopped early
    assert promotion[3] > 0  # some paused trials were resumed
    assert results(cell_tagged(notebook, "curves"), PLOTLY)


def test_factorized_search(notebook: Any) -> None:
    text = stdout(cell_tagged(notebook, "factorized"))
    assert "outer study: 40 cells, params ['edge_1<-0', 'edge_2<-0']" in text
    assert "inner study of the last cell: params ['epochs']" in text


def test_priors_speed_the_search_up_and_are_drawn(notebook: Any) -> None:
    text = stdout(cell_tagged(notebook, "priors"))
    good, plain = (float(v) for v in re.findall(r"good prior ([\d.]+), no prior ([\d.]+)", text)[0])
    assert good < plain / 2
    wrong = float(re.findall(r"misleading prior: ([\d.]+)", text)[0])
    assert wrong < 0.1  # the evidence won: within a quarter of a decade, with gelu
    assert "'lr': (0.003, 'medium'), 'act': ('gelu', 'medium')" in text
    fig = results(cell_tagged(notebook, "prior_slice"), PLOTLY)[0]
    assert {t["name"] for t in fig["data"]} >= {"prior lr", "prior act"}


def test_warm_start_section(notebook: Any) -> None:
    cell = cell_tagged(notebook, "warm")
    text = stdout(cell)
    warm, trials, copied, cold = re.findall(
        r"best ([\d.]+) after (\d+) trials \((\d+) copied from 'earlier'\); cold: best ([\d.]+)", text
    )[0]
    assert (int(trials), int(copied)) == (10, 40) and float(warm) < float(cold)
    fig = results(cell, PLOTLY)[0]
    assert {t["name"] for t in fig["data"]} >= {"warm start"}


def test_priorband_section(notebook: Any) -> None:
    html = html_rows(notebook, "priorband")
    head = re.findall(r"<th>([a-z ]+)</th>", html.split("</thead>")[0])
    rows = {
        name: dict(zip(head, map(float, re.findall(r"<td>([\d.]+)</td>", cells))))
        for name, cells in re.findall(r"<th>(good prior|poor prior)</th>(.*?)</tr>", html, re.S)
    }
    assert set(rows) == {"good prior", "poor prior"}
    assert set(head) == {"best valid acc", "prior", "incumbent", "random"}
    good, poor = rows["good prior"], rows["poor prior"]
    assert good["best valid acc"] >= poor["best valid acc"] > 0.5
    assert good["prior"] > poor["prior"]  # a prior the best trials bear out keeps its share


def test_curve_pruner_and_dehb_section(notebook: Any) -> None:
    html = html_rows(notebook, "curve-dehb-table")
    assert "curve pruner" in html and "dehb" in html
    rows = re.findall(
        r"<th>(curve pruner|curve pruner, pausing|dehb)</th>\s*<td>([\d.]+)</td>\s*<td>([\d.]+)</td>",
        html,
    )
    assert len(rows) == 3 and all(0 < float(stopped) < float(n) for _, n, stopped in rows)
